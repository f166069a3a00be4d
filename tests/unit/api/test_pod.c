/*
 * Pod decoding from `kubectl get pods -o json` output (tests/fixtures/api/pods-list.json) and
 * the error paths of wrong types.
 */
#include <stdlib.h>

#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/map.h"
#include "tap.h"

static json_t *fixture(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/fixtures/api/%s", name);
	char *path = jn_test_source_path(rel);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	if (!doc)
		jn_tap_diag("loading %s: %s", path, jerr.text);
	free(path);
	return doc;
}

static int decode(const json_t *obj, struct jn_pod *pod, struct jn_error *err)
{
	struct jn_json_path root = JN_JSON_ROOT;
	return jn_pod_from_json(obj, &root, pod, err);
}

static void pending_web_pod(void)
{
	json_t *doc = fixture("pods-list.json");
	struct jn_pod pod;
	struct jn_error err = { 0 };
	CHECK_INT_EQ(decode(json_array_get(json_object_get(doc, "items"), 0), &pod, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK_STR_EQ(pod.namespace_, "shop");
	CHECK_STR_EQ(pod.name, "web-6d8f7c9b5-abcde");
	CHECK_STR_EQ(pod.uid, "7c6d5e4f-3a2b-4c1d-9e8f-7a6b5c4d3e2f");
	CHECK_STR_EQ(pod.resource_version, "1190001");
	CHECK(pod.node_name == NULL);
	CHECK_STR_EQ(pod.scheduler_name, "default-scheduler");
	CHECK_STR_EQ(pod.priority_class_name, "shop-high");
	CHECK_INT_EQ(pod.priority, 1000);
	CHECK_STR_EQ(pod.phase, "Pending");
	CHECK_STR_EQ(jn_strmap_get(&pod.labels, "app"), "web");
	CHECK_INT_EQ(pod.labels.len, 2);
	CHECK(jn_pod_do_not_disrupt(&pod));
	CHECK_STR_EQ(jn_strmap_get(&pod.node_selector, "kubernetes.io/os"), "linux");
	CHECK_INT_EQ(pod.requests.cpu_milli, 250);
	CHECK_INT_EQ(pod.requests.memory, 268435456);
	CHECK_INT_EQ(pod.requests.pods, 1);

	CHECK_INT_EQ(pod.n_tolerations, 3);
	CHECK_STR_EQ(pod.tolerations[2].key, "dedicated");
	CHECK_STR_EQ(pod.tolerations[2].value, "batch");
	CHECK_INT_EQ(pod.tolerations[2].effect, JN_TAINT_NO_SCHEDULE);
	CHECK_INT_EQ(pod.tolerations[0].toleration_seconds, 300);

	CHECK_INT_EQ(pod.n_required_node_terms, 2);
	CHECK_INT_EQ(pod.required_node_terms[0].n_match_expressions, 2);
	CHECK_INT_EQ(pod.required_node_terms[0].match_expressions[1].op, JN_OP_GT);
	CHECK_STR_EQ(pod.required_node_terms[0].match_expressions[1].values[0], "3");
	CHECK_INT_EQ(pod.required_node_terms[1].n_match_expressions, 0);
	CHECK_INT_EQ(pod.required_node_terms[1].n_match_fields, 1);
	CHECK_STR_EQ(pod.required_node_terms[1].match_fields[0].key, "metadata.name");
	CHECK_INT_EQ(pod.n_preferred_node_terms, 1);
	CHECK_INT_EQ(pod.preferred_node_terms[0].weight, 50);
	CHECK_STR_EQ(pod.preferred_node_terms[0].term.match_expressions[0].values[0],
		"us-west-2a");

	CHECK_INT_EQ(pod.n_required_anti_affinity, 1);
	struct jn_pod_affinity_term *anti = &pod.required_anti_affinity[0];
	CHECK_STR_EQ(anti->topology_key, "kubernetes.io/hostname");
	CHECK(anti->label_selector != NULL);
	CHECK_STR_EQ(jn_strmap_get(&anti->label_selector->match_labels, "app"), "web");
	CHECK(anti->namespace_selector == NULL);
	CHECK_INT_EQ(anti->n_match_label_keys, 1);
	CHECK_STR_EQ(anti->match_label_keys[0], "pod-template-hash");
	CHECK_INT_EQ(pod.n_preferred_anti_affinity, 1);
	CHECK_INT_EQ(pod.preferred_anti_affinity[0].weight, 10);
	CHECK_INT_EQ(pod.preferred_anti_affinity[0].term.n_namespaces, 2);
	CHECK_STR_EQ(pod.preferred_anti_affinity[0].term.namespaces[1], "db");
	CHECK_INT_EQ(pod.preferred_anti_affinity[0].term.label_selector->match_expressions[0].op,
		JN_OP_EXISTS);
	CHECK_INT_EQ(pod.n_required_affinity, 1);
	/* An empty namespaceSelector ({}) is present and matches every namespace. */
	CHECK(pod.required_affinity[0].namespace_selector != NULL);
	CHECK(jn_label_selector_matches(pod.required_affinity[0].namespace_selector, &pod.labels));
	CHECK_INT_EQ(pod.n_preferred_affinity, 0);

	CHECK_INT_EQ(pod.n_spreads, 2);
	CHECK_INT_EQ(pod.spreads[0].max_skew, 1);
	CHECK_STR_EQ(pod.spreads[0].topology_key, "topology.kubernetes.io/zone");
	CHECK_INT_EQ(pod.spreads[0].when_unsatisfiable, JN_DO_NOT_SCHEDULE);
	CHECK_INT_EQ(pod.spreads[0].min_domains, 3);
	CHECK_INT_EQ(pod.spreads[0].node_affinity_policy, JN_POLICY_HONOR);   /* defaults */
	CHECK_INT_EQ(pod.spreads[0].node_taints_policy, JN_POLICY_IGNORE);
	CHECK_INT_EQ(pod.spreads[1].when_unsatisfiable, JN_SCHEDULE_ANYWAY);
	CHECK_INT_EQ(pod.spreads[1].node_affinity_policy, JN_POLICY_IGNORE);
	CHECK_INT_EQ(pod.spreads[1].node_taints_policy, JN_POLICY_HONOR);
	CHECK_INT_EQ(pod.spreads[1].min_domains, 0);
	CHECK_STR_EQ(pod.spreads[1].match_label_keys[0], "pod-template-hash");

	CHECK_INT_EQ(pod.n_host_ports, 0);   /* containerPort without hostPort takes nothing */
	CHECK_INT_EQ(pod.n_owners, 1);
	CHECK_STR_EQ(pod.owners[0].kind, "ReplicaSet");
	CHECK(pod.owners[0].controller);
	CHECK(!jn_pod_is_daemonset(&pod));
	CHECK_INT_EQ(pod.n_scheduling_gates, 0);
	CHECK(pod.scheduled_condition_present);
	CHECK(!pod.scheduled);
	CHECK_STR_EQ(pod.scheduled_reason, "Unschedulable");
	CHECK(!pod.deleting);
	char key[128];
	CHECK_STR_EQ(jn_pod_key(&pod, key, sizeof(key)), "shop/web-6d8f7c9b5-abcde");
	jn_pod_release(&pod);
	CHECK(pod.name == NULL && pod.tolerations == NULL && pod.spreads == NULL);
	jn_pod_release(&pod);
	json_decref(doc);
}

static void bound_daemonset_pod(void)
{
	json_t *doc = fixture("pods-list.json");
	struct jn_pod pod;
	struct jn_error err = { 0 };
	CHECK_INT_EQ(decode(json_array_get(json_object_get(doc, "items"), 1), &pod, &err), 0);
	CHECK_STR_EQ(pod.node_name, "kwok-node-0");
	CHECK_INT_EQ(pod.priority, 2000001000);
	CHECK(jn_pod_is_daemonset(&pod));
	CHECK(!jn_pod_do_not_disrupt(&pod));
	/* requests defaulted from limits, max with the init container's 10m */
	CHECK_INT_EQ(pod.requests.cpu_milli, 200);
	CHECK_INT_EQ(pod.requests.memory, 52428800);
	/* host ports: init containers first, then containers; defaults filled */
	CHECK_INT_EQ(pod.n_host_ports, 3);
	CHECK_INT_EQ(pod.host_ports[0].port, 7000);
	CHECK_STR_EQ(pod.host_ports[0].protocol, "TCP");
	CHECK_STR_EQ(pod.host_ports[0].host_ip, "0.0.0.0");
	CHECK_INT_EQ(pod.host_ports[1].port, 9100);
	CHECK_INT_EQ(pod.host_ports[2].port, 9101);
	CHECK_STR_EQ(pod.host_ports[2].protocol, "UDP");
	CHECK_STR_EQ(pod.host_ports[2].host_ip, "10.0.0.1");
	CHECK(pod.scheduled_condition_present);
	CHECK(pod.scheduled);
	CHECK(pod.scheduled_reason == NULL);
	CHECK(pod.deleting);
	/* 2025-03-14T10:05:00+02:00 = 08:05:00Z */
	CHECK_INT_EQ(pod.deletion_timestamp_ns, 1741939500LL * 1000000000LL);
	CHECK_INT_EQ(pod.n_tolerations, 1);
	CHECK_INT_EQ(pod.tolerations[0].op, JN_TOLERATION_EXISTS);
	jn_pod_release(&pod);
	json_decref(doc);
}

static void minimal_gated_pod(void)
{
	json_t *doc = fixture("pods-list.json");
	struct jn_pod pod;
	CHECK_INT_EQ(decode(json_array_get(json_object_get(doc, "items"), 2), &pod, NULL), 0);
	CHECK_STR_EQ(pod.namespace_, "default");
	CHECK_STR_EQ(pod.scheduler_name, "jitnode-scheduler");
	CHECK(pod.resource_version == NULL);
	CHECK(pod.phase == NULL);
	CHECK(!pod.scheduled_condition_present);
	CHECK_INT_EQ(pod.n_scheduling_gates, 2);
	CHECK_STR_EQ(pod.scheduling_gates[1], "example.com/ready");
	CHECK_INT_EQ(pod.requests.cpu_milli, 1000);
	CHECK_INT_EQ(pod.n_owners, 0);
	CHECK(!jn_pod_is_daemonset(&pod));
	jn_pod_release(&pod);
	json_decref(doc);
}

static void deletion_with_fractional_seconds(void)
{
	json_t *obj = json_loads("{\"metadata\":{\"name\":\"p\",\"deletionTimestamp\":"
		"\"1970-01-02T00:00:01.5Z\"},\"spec\":{\"nodeName\":\"\"}}", 0, NULL);
	struct jn_pod pod;
	CHECK_INT_EQ(decode(obj, &pod, NULL), 0);
	CHECK(pod.deleting);
	CHECK_INT_EQ(pod.deletion_timestamp_ns, 86401500000000LL);
	CHECK(pod.node_name == NULL);   /* "" is unbound */
	jn_pod_release(&pod);
	json_decref(obj);
}

static void wrong_types_name_the_path(void)
{
	static const struct { const char *doc, *msg; } cases[] = {
		{ "{\"spec\":{}}", "metadata: is required" },
		{ "{\"metadata\":{}}", "metadata.name: is required" },
		{ "{\"metadata\":{\"name\":\"p\"}}", "spec: is required" },
		{ "[]", "expected an object, got an array" },
		{ "{\"kind\":\"Node\",\"metadata\":{\"name\":\"p\"},\"spec\":{}}",
		  "expected kind Pod, got Node" },
		{ "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":1}},\"spec\":{}}",
		  "metadata.labels.app: expected a string, got an integer" },
		{ "{\"metadata\":{\"name\":\"p\",\"deletionTimestamp\":\"yesterday\"},\"spec\":{}}",
		  "metadata.deletionTimestamp: invalid timestamp \"yesterday\" (want RFC 3339)" },
		{ "{\"metadata\":{\"name\":\"p\",\"ownerReferences\":[{\"apiVersion\":\"v1\","
		  "\"kind\":\"X\",\"name\":\"x\"}]},\"spec\":{}}",
		  "metadata.ownerReferences[0].uid: is required" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"priority\":\"high\"}}",
		  "spec.priority: expected an integer, got a string" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"priority\":4294967296}}",
		  "spec.priority: 4294967296 is out of range for a 32-bit integer" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{},{},{\"resources\":"
		  "{\"requests\":{\"cpu\":\"12x\"}}}]}}",
		  "spec.containers[2].resources.requests.cpu: invalid quantity \"12x\": unknown "
		  "suffix \"x\"" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"tolerations\":[{\"operator\":\"Exists\"},"
		  "{\"key\":\"a\",\"operator\":\"Maybe\"}]}}",
		  "spec.tolerations[1].operator: unknown toleration operator \"Maybe\" (want Equal or "
		  "Exists)" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"affinity\":{\"nodeAffinity\":{"
		  "\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{"
		  "\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}]}}}}}",
		  "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
		  "nodeSelectorTerms[0].matchExpressions[0].values: must be non-empty when operator "
		  "is In" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"affinity\":{\"nodeAffinity\":{"
		  "\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[]}}}}}",
		  "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
		  "nodeSelectorTerms: must have at least one term" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"affinity\":{\"nodeAffinity\":{"
		  "\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":0,"
		  "\"preference\":{}}]}}}}",
		  "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]."
		  "weight: must be between 1 and 100, got 0" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"affinity\":{\"podAntiAffinity\":{"
		  "\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSelector\":{}}]}}}}",
		  "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
		  "topologyKey: is required" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"affinity\":{\"podAffinity\":{"
		  "\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":5,"
		  "\"podAffinityTerm\":{\"topologyKey\":\"z\",\"labelSelector\":{\"matchLabels\":"
		  "[]}}}]}}}}",
		  "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]."
		  "podAffinityTerm.labelSelector.matchLabels: expected an object, got an array" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"topologySpreadConstraints\":[{"
		  "\"maxSkew\":1,\"topologyKey\":\"zone\",\"whenUnsatisfiable\":\"Sometimes\"}]}}",
		  "spec.topologySpreadConstraints[0].whenUnsatisfiable: unknown action \"Sometimes\" "
		  "(want DoNotSchedule or ScheduleAnyway)" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"topologySpreadConstraints\":[{"
		  "\"maxSkew\":0,\"topologyKey\":\"zone\",\"whenUnsatisfiable\":\"DoNotSchedule\"}]}}",
		  "spec.topologySpreadConstraints[0].maxSkew: must be at least 1, got 0" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"topologySpreadConstraints\":[{"
		  "\"maxSkew\":1,\"topologyKey\":\"zone\",\"whenUnsatisfiable\":\"DoNotSchedule\","
		  "\"nodeTaintsPolicy\":\"Always\"}]}}",
		  "spec.topologySpreadConstraints[0].nodeTaintsPolicy: unknown policy \"Always\" "
		  "(want Honor or Ignore)" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"ports\":["
		  "{\"hostPort\":\"80\"}]}]}}",
		  "spec.containers[0].ports[0].hostPort: expected an integer, got a string" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"schedulingGates\":[{\"name\":\"a\"},"
		  "\"b\"]}}",
		  "spec.schedulingGates[1]: expected an object, got a string" },
		{ "{\"metadata\":{\"name\":\"p\"},\"spec\":{},\"status\":{\"conditions\":[{"
		  "\"type\":\"PodScheduled\"}]}}",
		  "status.conditions[0].status: is required" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		json_t *obj = json_loads(cases[i].doc, JSON_DECODE_ANY, NULL);
		struct jn_pod pod;
		struct jn_error err = { 0 };
		int rc = decode(obj, &pod, &err);
		jn_tap_check(rc == -1 && err.kind == JN_ERR_INVALID &&
			strcmp(err.msg, cases[i].msg) == 0, __FILE__, __LINE__,
			"%s: rc %d \"%s\" (want \"%s\")", cases[i].doc, rc, err.msg, cases[i].msg);
		CHECK(pod.name == NULL && pod.namespace_ == NULL);   /* released on failure */
		json_decref(obj);
	}
}

int main(void)
{
	JN_RUN(pending_web_pod);
	JN_RUN(bound_daemonset_pod);
	JN_RUN(minimal_gated_pod);
	JN_RUN(deletion_with_fractional_seconds);
	JN_RUN(wrong_types_name_the_path);
	return jn_tap_done();
}
