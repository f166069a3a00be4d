/*
 * Node decoding from `kubectl get node -o json` shapes: an EKS node launched by Karpenter
 * (tests/fixtures/api/node-eks.json) and kwok nodes in a NodeList (nodes-kwok.json).
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

static void eks_node(void)
{
	json_t *doc = fixture("node-eks.json");
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_node node;
	struct jn_error err = { 0 };
	CHECK_INT_EQ(jn_node_from_json(doc, &root, &node, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK_STR_EQ(node.name, "ip-192-168-47-120.us-west-2.compute.internal");
	CHECK_STR_EQ(node.uid, "f3a1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
	CHECK_STR_EQ(node.resource_version, "1184627");
	CHECK_STR_EQ(node.provider_id, "aws:///us-west-2a/i-0a1b2c3d4e5f67890");
	CHECK_INT_EQ(node.labels.len, 30);
	CHECK_STR_EQ(jn_strmap_get(&node.labels, "node.kubernetes.io/instance-type"), "m5.large");
	CHECK_STR_EQ(jn_strmap_get(&node.labels, "karpenter.sh/nodepool"), "default");
	CHECK_STR_EQ(jn_strmap_get(&node.labels, "topology.kubernetes.io/zone"), "us-west-2a");
	CHECK_INT_EQ(node.annotations.len, 7);
	CHECK_STR_EQ(jn_strmap_get(&node.annotations, "karpenter.k8s.aws/ec2nodeclass-hash"),
		"15535182697325354914");

	CHECK_INT_EQ(node.n_taints, 2);
	CHECK_STR_EQ(node.taints[0].key, "dedicated");
	CHECK_STR_EQ(node.taints[0].value, "batch");
	CHECK_INT_EQ(node.taints[0].effect, JN_TAINT_NO_SCHEDULE);
	CHECK_STR_EQ(node.taints[1].value, "");
	CHECK_INT_EQ(node.taints[1].effect, JN_TAINT_PREFER_NO_SCHEDULE);

	CHECK_INT_EQ(node.capacity.cpu_milli, 2000);
	CHECK_INT_EQ(node.capacity.memory, 7910348LL * 1024);
	CHECK_INT_EQ(node.capacity.ephemeral_storage, 20959212LL * 1024);
	CHECK_INT_EQ(node.capacity.pods, 29);
	CHECK_INT_EQ(node.allocatable.cpu_milli, 1930);
	CHECK_INT_EQ(node.allocatable.memory, 7220172LL * 1024);
	CHECK_INT_EQ(node.allocatable.ephemeral_storage, 18242267924LL);
	CHECK_INT_EQ(node.allocatable.pods, 29);
	CHECK_INT_EQ(node.allocatable.n_ext, 2);
	CHECK_STR_EQ(node.allocatable.ext[0].name, "hugepages-1Gi");
	CHECK_INT_EQ(node.allocatable.ext[0].value, 0);

	CHECK(!node.unschedulable);
	CHECK_INT_EQ(node.n_conditions, 4);
	CHECK_STR_EQ(node.conditions[0].type, "MemoryPressure");
	CHECK_STR_EQ(node.conditions[0].reason, "KubeletHasSufficientMemory");
	CHECK(jn_node_is_ready(&node));
	CHECK(jn_node_condition(&node, "PIDPressure") == &node.conditions[2]);
	CHECK(jn_node_condition(&node, "NetworkUnavailable") == NULL);
	CHECK_INT_EQ(node.n_finalizers, 1);
	CHECK_STR_EQ(node.finalizers[0], "karpenter.sh/termination");
	CHECK(!node.deleting);
	CHECK_INT_EQ(node.deletion_timestamp_ns, 0);
	jn_node_release(&node);
	CHECK(node.name == NULL && node.taints == NULL && node.capacity.ext == NULL);
	jn_node_release(&node);
	json_decref(doc);
}

static void kwok_nodes(void)
{
	json_t *doc = fixture("nodes-kwok.json");
	struct jn_node_list list = { 0 };
	struct jn_error err = { 0 };
	CHECK_INT_EQ(jn_node_list_append_json(&list, doc, &err), 0);
	CHECK_STR_EQ(err.msg, "");
	CHECK_INT_EQ(list.len, 2);
	struct jn_node *n0 = &list.items[0], *n1 = &list.items[1];
	CHECK_STR_EQ(n0->name, "kwok-node-0");
	CHECK(n0->provider_id == NULL);
	CHECK_STR_EQ(jn_strmap_get(&n0->labels, "node-role.kubernetes.io/agent"), "");
	CHECK_STR_EQ(n0->taints[0].key, "kwok.x-k8s.io/node");
	CHECK_STR_EQ(n0->taints[0].value, "fake");
	CHECK_INT_EQ(n0->allocatable.cpu_milli, 32000);
	CHECK_INT_EQ(n0->allocatable.memory, 274877906944LL);
	CHECK_INT_EQ(n0->allocatable.pods, 110);
	CHECK(jn_node_is_ready(n0));
	CHECK_INT_EQ(n0->n_finalizers, 0);

	CHECK_STR_EQ(n1->name, "kwok-node-1");
	CHECK(n1->unschedulable);
	CHECK(!jn_node_is_ready(n1));
	CHECK_STR_EQ(n1->conditions[0].status, "Unknown");
	CHECK(n1->deleting);
	/* 2025-03-14T08:15:30.250Z */
	CHECK_INT_EQ(n1->deletion_timestamp_ns, 1741940130250000000LL);
	CHECK_INT_EQ(n1->n_finalizers, 2);
	CHECK_STR_EQ(n1->finalizers[1], "example.com/hold");
	CHECK_INT_EQ(jn_resources_get(&n1->allocatable, "nvidia.com/gpu"), 1);
	jn_node_list_release(&list);
	CHECK(list.items == NULL && list.len == 0);
	json_decref(doc);
}

static void wrong_types_name_the_path(void)
{
	static const struct { const char *doc, *msg; } cases[] = {
		{ "{\"metadata\":{}}", "metadata.name: is required" },
		{ "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"n\"}}", "expected kind Node, got Pod" },
		{ "{\"metadata\":{\"name\":\"n\",\"finalizers\":[\"a\",1]}}",
		  "metadata.finalizers[1]: expected a string, got an integer" },
		{ "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"unschedulable\":\"yes\"}}",
		  "spec.unschedulable: expected a boolean, got a string" },
		{ "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"taints\":[{\"key\":\"a\","
		  "\"effect\":\"NoSchedule\"},{\"key\":\"b\",\"effect\":\"Evict\"}]}}",
		  "spec.taints[1].effect: unknown taint effect \"Evict\" (want NoSchedule, "
		  "PreferNoSchedule or NoExecute)" },
		{ "{\"metadata\":{\"name\":\"n\"},\"status\":{\"allocatable\":{\"cpu\":\"4\","
		  "\"memory\":\"16GiB\"}}}",
		  "status.allocatable.memory: invalid quantity \"16GiB\": unknown suffix \"GiB\"" },
		{ "{\"metadata\":{\"name\":\"n\"},\"status\":{\"capacity\":\"big\"}}",
		  "status.capacity: expected an object, got a string" },
		{ "{\"metadata\":{\"name\":\"n\"},\"status\":{\"conditions\":[{\"type\":\"Ready\","
		  "\"status\":true}]}}",
		  "status.conditions[0].status: expected a string, got a boolean" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		json_t *obj = json_loads(cases[i].doc, 0, NULL);
		struct jn_json_path root = JN_JSON_ROOT;
		struct jn_node node;
		struct jn_error err = { 0 };
		int rc = jn_node_from_json(obj, &root, &node, &err);
		jn_tap_check(rc == -1 && strcmp(err.msg, cases[i].msg) == 0, __FILE__, __LINE__,
			"%s: rc %d \"%s\" (want \"%s\")", cases[i].doc, rc, err.msg, cases[i].msg);
		CHECK(node.name == NULL && node.taints == NULL);
		json_decref(obj);
	}
}

int main(void)
{
	JN_RUN(eks_node);
	JN_RUN(kwok_nodes);
	JN_RUN(wrong_types_name_the_path);
	return jn_tap_done();
}
