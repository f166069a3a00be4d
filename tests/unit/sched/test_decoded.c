/*
 * The algebra on objects decoded by src/api from real pod JSON (kubectl get pod -o json
 * shapes), so that the two layers agree on field meanings end to end.
 */
#include <stdint.h>

#include "jitnode/json.h"
#include "sched_test.h"

static const char pod_json[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	" \"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"labels\":{\"app\":\"web\",\"rev\":\"2\"}},"
	" \"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"ports\":[{\"containerPort\":80,"
	"   \"hostPort\":8080}]}],"
	"  \"nodeSelector\":{\"kubernetes.io/arch\":\"arm64\"},"
	"  \"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"web\","
	"   \"effect\":\"NoSchedule\"}],"
	"  \"affinity\":{\"nodeAffinity\":{"
	"   \"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":["
	"    {\"matchExpressions\":[{\"key\":\"topology.kubernetes.io/zone\",\"operator\":\"In\","
	"      \"values\":[\"us-east-1a\",\"us-east-1b\"]}]},"
	"    {\"matchExpressions\":[{\"key\":\"karpenter.k8s.aws/instance-cpu\",\"operator\":\"Gt\","
	"      \"values\":[\"8\"]}]}]},"
	"   \"preferredDuringSchedulingIgnoredDuringExecution\":["
	"    {\"weight\":20,\"preference\":{\"matchExpressions\":[{\"key\":\"karpenter.sh/capacity-type\","
	"      \"operator\":\"In\",\"values\":[\"spot\"]}]}}]}},"
	"  \"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\","
	"   \"whenUnsatisfiable\":\"DoNotSchedule\",\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}},"
	"   \"matchLabelKeys\":[\"rev\"]}]}}";

static void works_on_decoded_pods(void)
{
	json_error_t jerr;
	json_t *doc = json_loads(pod_json, 0, &jerr);
	struct jn_pod pod;
	struct jn_error err;
	struct jn_json_path root = JN_JSON_ROOT;
	CHECK(doc != NULL);
	if (jn_pod_from_json(doc, &root, &pod, &err) < 0) {
		jn_tap_diag("decoding: %s", err.msg);
		CHECK(false);
		json_decref(doc);
		return;
	}
	json_decref(doc);

	/* a Karpenter relaxation walk: preferred first, then each required term */
	struct jn_reqs reqs;
	CHECK_INT_EQ(jn_pod_node_reqs(&reqs, &pod, 0, 0, &err), 0);
	CHECK_STR_EQ(test_fmt_reqs(&reqs), "karpenter.sh/capacity-type In [spot], "
		"kubernetes.io/arch In [arm64], topology.kubernetes.io/zone In [us-east-1a us-east-1b]");
	jn_reqs_release(&reqs);
	CHECK_INT_EQ(jn_pod_node_reqs(&reqs, &pod, 1, 1, &err), 0);
	CHECK_STR_EQ(test_fmt_reqs(&reqs),
		"karpenter.k8s.aws/instance-cpu Exists >=9, kubernetes.io/arch In [arm64]");

	/* against a pool that only offers on-demand amd64 */
	struct jn_reqs pool;
	char why[256];
	test_reqs(&pool, "kubernetes.io/arch In amd64; karpenter.sh/capacity-type In on-demand");
	CHECK(!jn_reqs_compatible(&pool, &reqs, jn_well_known_labels(), why, sizeof(why)));
	CHECK_STR_EQ(why, "key kubernetes.io/arch: [arm64] not in [amd64]");
	jn_reqs_release(&pool);
	jn_reqs_release(&reqs);

	/* an existing node */
	struct jn_strmap labels;
	test_labels(&labels, "kubernetes.io/arch=arm64,topology.kubernetes.io/zone=us-east-1c,"
		"karpenter.k8s.aws/instance-cpu=16");
	CHECK(jn_pod_matches_node(&pod, &labels, "n1", why, sizeof(why)));
	struct jn_taint taint = { .key = (char *)"dedicated", .value = (char *)"db",
		.effect = JN_TAINT_NO_SCHEDULE };
	CHECK(!jn_pod_tolerates(&pod, &taint, 1, JN_TAINTS_BLOCKING, why, sizeof(why)));
	CHECK_STR_EQ(why, "did not tolerate taint dedicated=db:NoSchedule");
	CHECK_INT_EQ(jn_pod_preferred_node_score(&pod, &labels, "n1"), 0);

	/* its spread constraint counts itself, and its host port collides with itself */
	CHECK_INT_EQ(pod.n_spreads, 1);
	CHECK(jn_spread_self_match(&pod.spreads[0], &pod));
	CHECK(jn_spread_node_counts(&pod.spreads[0], &pod, &labels, "n1", NULL, 0));
	struct jn_host_ports hp;
	jn_host_ports_init(&hp);
	jn_host_ports_add(&hp, pod.host_ports, pod.n_host_ports);
	CHECK_INT_EQ(hp.len, 1);
	CHECK(jn_host_ports_conflict(&hp, pod.host_ports, pod.n_host_ports, why, sizeof(why)));
	CHECK_STR_EQ(why, "host port 0.0.0.0:8080/TCP conflicts with 0.0.0.0:8080/TCP in use");
	jn_host_ports_release(&hp);
	jn_strmap_release(&labels);
	jn_pod_release(&pod);
}

int main(void)
{
	JN_RUN(works_on_decoded_pods);
	return jn_tap_done();
}
