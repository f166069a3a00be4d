/*
 * Property test: random workloads (fixed seeds) mixing every constraint the engine knows,
 * solved and then judged by jn_pack_check, the oracle written apart from the solver: every
 * placement satisfies every constraint, no node is over capacity, no limit is exceeded, every
 * pod is placed or given a reason.
 */
#include <stdio.h>
#include <string.h>

#include "pack_fixture.h"
#include "tap.h"

static const char *const pools =
	"apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: od}\n"
	"spec:\n  template:\n    spec:\n"
	"      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}]\n"
	"      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n"
	"  limits: {cpu: 60}\n"
	"---\napiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: spot}\n"
	"spec:\n  weight: 10\n  template:\n    spec:\n"
	"      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}]\n"
	"      taints: [{key: spot, effect: NoSchedule}]\n"
	"      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n"
	"  limits: {cpu: 40}\n";

static const char *const shapes[] = {
	NULL,
	"{\"spec\":{\"tolerations\":[{\"key\":\"spot\",\"operator\":\"Exists\"}]}}",
	"{\"spec\":{\"nodeSelector\":{\"kubernetes.io/arch\":\"arm64\"}}}",
	"{\"metadata\":{\"labels\":{\"app\":\"s\"}},\"spec\":{\"topologySpreadConstraints\":[{\"maxSkew\":1,"
	"\"topologyKey\":\"topology.kubernetes.io/zone\",\"whenUnsatisfiable\":\"DoNotSchedule\","
	"\"labelSelector\":{\"matchLabels\":{\"app\":\"s\"}}}]}}",
	"{\"metadata\":{\"labels\":{\"app\":\"h\"}},\"spec\":{\"topologySpreadConstraints\":[{\"maxSkew\":2,"
	"\"topologyKey\":\"kubernetes.io/hostname\",\"whenUnsatisfiable\":\"DoNotSchedule\","
	"\"labelSelector\":{\"matchLabels\":{\"app\":\"h\"}}}]}}",
	"{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{\"affinity\":{\"podAntiAffinity\":"
	"{\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"x\"}},"
	"\"topologyKey\":\"kubernetes.io/hostname\"}]}}}}",
	"{\"metadata\":{\"labels\":{\"app\":\"z\"}},\"spec\":{\"affinity\":{\"podAffinity\":"
	"{\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"z\"}},"
	"\"topologyKey\":\"topology.kubernetes.io/zone\"}]}}}}",
	"{\"ports\":[{\"containerPort\":80,\"hostPort\":8080}]}",
	"{\"requests\":{\"nvidia.com/gpu\":\"2\"}}",
	"{\"spec\":{\"priority\":100,\"affinity\":{\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":"
	"[{\"weight\":50,\"preference\":{\"matchExpressions\":[{\"key\":\"topology.kubernetes.io/zone\","
	"\"operator\":\"In\",\"values\":[\"zone-c\"]}]}}]}}}}",
};

static const char *const cpus[] = { "100m", "250m", "500m", "1", "1500m", "3" };
static const char *const mems[] = { "128Mi", "512Mi", "1Gi", "2Gi", "6Gi" };

static unsigned next(unsigned long long *s, unsigned n)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((*s >> 33) % n);
}

static void random_workload(unsigned long long seed)
{
	struct fx f;
	fx_init(&f, pools);
	unsigned long long s = seed;
	if (next(&s, 2))
		fx_pod(&f, "{\"daemonset\":true,\"spec\":{\"tolerations\":[{\"operator\":\"Exists\"}]}}",
			"agent", "100m", "64Mi");
	unsigned n = 20 + next(&s, 60);
	for (unsigned i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "p-%u", i);
		fx_pod(&f, shapes[next(&s, JN_ARRAY_LEN(shapes))], name, cpus[next(&s, 6)],
			mems[next(&s, 5)]);
	}
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_unplaced + f.r.n_placements + 0 <= f.in.n_pods, 1);
	size_t in_claims = 0;
	for (size_t i = 0; i < f.r.n_claims; i++)
		in_claims += f.r.claims[i].n_pods;
	CHECK_INT_EQ(in_claims + f.r.n_unplaced, f.in.n_pods);
	fx_release(&f);
}

int main(void)
{
	for (unsigned long long seed = 1; seed <= 40; seed++) {
		jn_tap_diag("seed %llu", seed);
		random_workload(seed);
	}
	return jn_tap_done();
}
