/* Policy sets: the sample policies, folders, JSON, ordering, lookups, defaults, references. */
#include <stdlib.h>
#include <string.h>

#include "jitnode/error.h"
#include "jitnode/policy.h"
#include "tap.h"

#define SEC INT64_C(1000000000)

static struct jn_policy_set *load_paths(const char *const *rel, size_t n, struct jn_error *err)
{
	struct jn_policy_builder *b = jn_policy_builder_create();
	struct jn_policy_set *set = NULL;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *abs = jn_test_source_path(rel[i]);
		rc = jn_policy_builder_add_path(b, abs, err);
		free(abs);
	}
	if (rc == 0)
		set = jn_policy_builder_finish(b, NULL, err);
	jn_policy_builder_destroy(b);
	return set;
}

static const struct jn_requirement *find_req(const struct jn_nodepool *p, const char *key)
{
	for (size_t i = 0; i < p->n_requirements; i++)
		if (strcmp(p->requirements[i].key, key) == 0)
			return &p->requirements[i];
	return NULL;
}

static void default_sample(void)
{
	struct jn_error err;
	const char *paths[] = { "policies/default.yaml" };
	struct jn_policy_set *set = load_paths(paths, 1, &err);
	CHECK(set != NULL);
	if (!set) {
		jn_tap_diag("%s", err.msg);
		return;
	}
	CHECK_INT_EQ(jn_policy_set_nodepool_count(set), 1);
	CHECK_INT_EQ(jn_policy_set_nodeclass_count(set), 1);
	const struct jn_nodepool *p = jn_policy_set_nodepool(set, "default");
	CHECK(p != NULL);
	CHECK_INT_EQ(p->n_requirements, 5);
	const struct jn_requirement *cat = find_req(p, "karpenter.k8s.aws/instance-category");
	CHECK(cat && cat->op == JN_OP_IN && cat->n_values == 3);
	if (cat && cat->n_values == 3) {
		CHECK_STR_EQ(cat->values[0], "c");
		CHECK_STR_EQ(cat->values[1], "m");
		CHECK_STR_EQ(cat->values[2], "t");
	}
	const struct jn_requirement *gen = find_req(p, "karpenter.k8s.aws/instance-generation");
	CHECK(gen && gen->op == JN_OP_GT && gen->n_values == 1);
	const struct jn_requirement *ct = find_req(p, "karpenter.sh/capacity-type");
	CHECK(ct && ct->n_values == 1 && strcmp(ct->values[0], "on-demand") == 0);
	const struct jn_nodepool_limit *cpu = jn_nodepool_limit(p, "cpu");
	CHECK(cpu && cpu->value == 1000 * 1000);
	CHECK(jn_nodepool_limit(p, "memory") == NULL);
	CHECK_INT_EQ(p->consolidation_policy, JN_CONSOLIDATE_WHEN_EMPTY_OR_UNDERUTILIZED);
	CHECK_INT_EQ(p->consolidate_after.ns, 60 * SEC);
	CHECK_INT_EQ(p->expire_after.ns, 720 * 3600 * SEC);
	CHECK(!p->has_weight);
	CHECK_INT_EQ(p->n_budgets, 1);
	CHECK(p->budgets[0].percent && p->budgets[0].nodes == 10 && !p->budgets[0].schedule);
	CHECK_INT_EQ(p->defaults, JN_NODEPOOL_DEFAULT_BUDGETS);
	CHECK_STR_EQ(p->node_class_ref.name, "default");
	CHECK_STR_CONTAINS(p->source.file, "policies/default.yaml");
	CHECK_INT_EQ(p->source.line, 5);
	CHECK_INT_EQ(p->node_class_ref_source.line, 31);
	CHECK_INT_EQ(p->node_class_ref_source.col, 15);
	const struct jn_ec2nodeclass *nc = jn_policy_set_nodeclass_for(set, p);
	CHECK(nc != NULL && nc == jn_policy_set_nodeclass(set, "default"));
	if (nc) {
		CHECK_INT_EQ(nc->ami_family, JN_AMI_FAMILY_AL2023);
		CHECK_INT_EQ(nc->defaults, JN_EC2NODECLASS_DEFAULT_METADATA_OPTIONS |
			JN_EC2NODECLASS_DEFAULT_AMI_FAMILY);
		CHECK_STR_EQ(nc->ami_terms[0].alias, "al2023@latest");
		CHECK_STR_EQ(nc->role, "KarpenterNodeRole-jitnode");
		CHECK(nc->instance_profile == NULL);
		CHECK_INT_EQ(nc->n_subnet_terms, 1);
		CHECK_STR_EQ(jn_strmap_get(&nc->subnet_terms[0].tags, "karpenter.sh/discovery"),
			"jitnode");
		CHECK_STR_EQ(jn_strmap_get(&nc->security_group_terms[0].tags,
			"karpenter.sh/discovery"), "jitnode");
		CHECK(nc->metadata_options.http_tokens_required);
		CHECK_INT_EQ(nc->metadata_options.http_put_response_hop_limit, 1);
	}
	jn_policy_set_unref(set);
}

static void other_samples(void)
{
	struct jn_error err;
	const char *paths[] = { "policies/default.yaml", "policies/spot.yaml",
		"policies/arm64.yaml", "policies/gpu.yaml" };
	struct jn_policy_set *set = load_paths(paths, 4, &err);
	CHECK(set != NULL);
	if (!set) {
		jn_tap_diag("%s", err.msg);
		return;
	}
	CHECK_INT_EQ(jn_policy_set_nodepool_count(set), 4);
	CHECK_INT_EQ(jn_policy_set_nodeclass_count(set), 3);
	/* weight 50, weight 10, then the unweighted pools by name */
	CHECK_STR_EQ(jn_policy_set_nodepool_at(set, 0)->name, "spot");
	CHECK_STR_EQ(jn_policy_set_nodepool_at(set, 1)->name, "arm64");
	CHECK_STR_EQ(jn_policy_set_nodepool_at(set, 2)->name, "default");
	CHECK_STR_EQ(jn_policy_set_nodepool_at(set, 3)->name, "gpu");
	CHECK(jn_policy_set_nodepool_at(set, 4) == NULL);

	const struct jn_nodepool *spot = jn_policy_set_nodepool(set, "spot");
	const struct jn_requirement *ct = find_req(spot, "karpenter.sh/capacity-type");
	CHECK(ct && ct->n_values == 2);
	const struct jn_requirement *fam = find_req(spot, "karpenter.k8s.aws/instance-family");
	CHECK(fam && fam->op == JN_OP_EXISTS && fam->min_values == 5);
	CHECK_INT_EQ(spot->n_budgets, 2);
	CHECK(!spot->budgets[1].percent && spot->budgets[1].nodes == 0);
	CHECK_STR_EQ(spot->budgets[1].schedule, "0 9 * * mon-fri");
	CHECK_INT_EQ(spot->budgets[1].duration.ns, 8 * 3600 * SEC);
	CHECK_INT_EQ(spot->budgets[1].reasons, JN_DISRUPTION_UNDERUTILIZED);
	CHECK_INT_EQ(spot->budgets[0].reasons, 0);
	CHECK_INT_EQ(jn_nodepool_limit(spot, "memory")->value, INT64_C(2000) << 30);
	CHECK_STR_EQ(jn_strmap_get(&spot->labels, "jitnode.io/pool"), "spot");
	CHECK_STR_EQ(jn_policy_set_nodeclass_for(set, spot)->name, "default");

	const struct jn_nodepool *arm = jn_policy_set_nodepool(set, "arm64");
	CHECK_INT_EQ(arm->n_taints, 1);
	CHECK_STR_EQ(arm->taints[0].key, "jitnode.io/arch");
	CHECK_INT_EQ(arm->taints[0].effect, JN_TAINT_NO_SCHEDULE);
	CHECK_STR_EQ(find_req(arm, "kubernetes.io/arch")->values[0], "arm64");
	CHECK_STR_EQ(jn_strmap_get(&jn_policy_set_nodeclass(set, "arm64")->tags, "team"), "platform");

	const struct jn_nodepool *gpu = jn_policy_set_nodepool(set, "gpu");
	CHECK_STR_EQ(gpu->taints[0].key, "nvidia.com/gpu");
	CHECK_STR_EQ(gpu->taints[0].value, "");
	CHECK_INT_EQ(gpu->consolidation_policy, JN_CONSOLIDATE_WHEN_EMPTY);
	CHECK_INT_EQ(jn_nodepool_limit(gpu, "nvidia.com/gpu")->value, 32);
	CHECK_INT_EQ(gpu->n_limits, 2);
	CHECK_STR_EQ(gpu->limits[0].resource, "cpu");
	const struct jn_ec2nodeclass *gnc = jn_policy_set_nodeclass(set, "gpu");
	CHECK_INT_EQ(gnc->n_block_device_mappings, 1);
	CHECK(gnc->block_device_mappings[0].root_volume);
	CHECK_INT_EQ(gnc->block_device_mappings[0].ebs.volume_size, INT64_C(200) << 30);
	CHECK_STR_EQ(gnc->block_device_mappings[0].ebs.volume_type, "gp3");
	CHECK(gnc->block_device_mappings[0].ebs.has_encrypted &&
		gnc->block_device_mappings[0].ebs.encrypted);
	jn_policy_set_unref(set);

	/* The whole folder is the same set. */
	const char *folder[] = { "policies" };
	set = load_paths(folder, 1, &err);
	CHECK(set != NULL);
	if (set) {
		CHECK_INT_EQ(jn_policy_set_nodepool_count(set), 4);
		jn_policy_set_unref(set);
	}
}

static void folder_loading(void)
{
	struct jn_error err;
	const char *paths[] = { "tests/fixtures/policies/dir" };
	struct jn_policy_set *set = load_paths(paths, 1, &err);
	CHECK(set != NULL);
	if (!set) {
		jn_tap_diag("%s", err.msg);
		return;
	}
	/* .hidden.yaml (invalid) and notes.txt are not read; the JSON List contributes "heavy". */
	CHECK_INT_EQ(jn_policy_set_nodepool_count(set), 3);
	CHECK_STR_EQ(jn_policy_set_nodepool_at(set, 0)->name, "heavy");
	CHECK_STR_EQ(jn_policy_set_nodepool_at(set, 1)->name, "alpha");
	CHECK_STR_EQ(jn_policy_set_nodepool_at(set, 2)->name, "zeta");
	const struct jn_nodepool *heavy = jn_policy_set_nodepool(set, "heavy");
	CHECK(heavy->expire_after.never);
	CHECK(heavy->consolidate_after.never);
	CHECK(heavy->has_termination_grace_period);
	CHECK_INT_EQ(heavy->termination_grace_period.ns, 3723 * SEC + SEC / 2);
	CHECK(!heavy->budgets[0].percent && heavy->budgets[0].nodes == 3);
	CHECK_STR_CONTAINS(heavy->source.file, "dir/30-heavy.json");
	CHECK_INT_EQ(heavy->source.line, 5);
	CHECK_INT_EQ(heavy->source.col, 5);
	const struct jn_nodepool *alpha = jn_policy_set_nodepool(set, "alpha");
	CHECK_INT_EQ(alpha->defaults, JN_NODEPOOL_DEFAULT_EXPIRE_AFTER |
		JN_NODEPOOL_DEFAULT_CONSOLIDATION_POLICY | JN_NODEPOOL_DEFAULT_CONSOLIDATE_AFTER |
		JN_NODEPOOL_DEFAULT_BUDGETS);
	char text[128];
	CHECK_STR_EQ(jn_nodepool_defaults_format(alpha->defaults, text, sizeof(text)),
		"expireAfter,consolidationPolicy,consolidateAfter,budgets");
	CHECK_INT_EQ(alpha->consolidate_after.ns, 0);
	CHECK_INT_EQ(alpha->source.line, 11);

	const struct jn_ec2nodeclass *nc = jn_policy_set_nodeclass(set, "default");
	CHECK_INT_EQ(nc->source.line, 4);
	CHECK_INT_EQ(nc->ami_family, JN_AMI_FAMILY_AL2023);
	CHECK_INT_EQ(nc->defaults, 0);
	CHECK_STR_EQ(nc->instance_profile, "KarpenterInstanceProfile");
	CHECK_STR_EQ(nc->ami_terms[0].owner, "self");
	CHECK_STR_EQ(nc->security_group_terms[0].id, "sg-0123abcd");
	CHECK_INT_EQ(nc->metadata_options.http_put_response_hop_limit, 2);
	CHECK(nc->metadata_options.http_endpoint_enabled);
	CHECK(nc->has_kubelet && nc->kubelet.has_max_pods && nc->kubelet.max_pods == 110);
	CHECK_INT_EQ(nc->kubelet.system_reserved.cpu_milli, 100);
	CHECK_INT_EQ(nc->kubelet.system_reserved.memory, 100 << 20);
	CHECK_STR_EQ(jn_strmap_get(&nc->kubelet.eviction_hard, "memory.available"), "5%");
	CHECK_STR_EQ(jn_strmap_get(&nc->kubelet.eviction_soft_grace_period, "memory.available"),
		"1m30s");
	CHECK_INT_EQ(nc->kubelet.n_cluster_dns, 1);
	CHECK(jn_policy_set_nodepool(set, "nope") == NULL);
	CHECK(jn_policy_set_nodeclass(set, "nope") == NULL);

	/* References keep the set alive. */
	struct jn_policy_set *again = jn_policy_set_ref(set);
	CHECK(again == set);
	jn_policy_set_unref(set);
	CHECK_STR_EQ(jn_policy_set_nodepool_at(again, 0)->name, "heavy");
	jn_policy_set_unref(again);
	jn_policy_set_unref(NULL);
}

static void json_input_and_builder_reuse(void)
{
	struct jn_error err;
	const char *paths[] = { "tests/fixtures/policies/list.json",
		"tests/fixtures/policies/dir/10-class.yaml" };
	struct jn_policy_set *set = load_paths(paths, 2, &err);
	CHECK(set != NULL);
	if (set) {
		const struct jn_nodepool *p = jn_policy_set_nodepool(set, "json-pool");
		CHECK(p && p->weight == 5 && p->n_requirements == 2);
		CHECK_INT_EQ(p->requirements[1].op, JN_OP_LTE);
		CHECK_INT_EQ(jn_nodepool_limit(p, "memory")->value, INT64_C(400) << 30);
		CHECK_INT_EQ(p->source.line, 1);
		jn_policy_set_unref(set);
	}

	/* A JSON value from the apiserver, a failed text that leaves nothing behind, reuse. */
	struct jn_policy_builder *b = jn_policy_builder_create();
	json_t *obj = json_loads("{\"apiVersion\":\"karpenter.k8s.aws/v1\",\"kind\":\"EC2NodeClass\","
		"\"metadata\":{\"name\":\"api\"},\"spec\":{\"amiFamily\":\"Custom\","
		"\"amiSelectorTerms\":[{\"id\":\"ami-0abc\"}],\"role\":\"r\","
		"\"subnetSelectorTerms\":[{\"id\":\"subnet-1\"}],"
		"\"securityGroupSelectorTerms\":[{\"id\":\"sg-1\"}],\"userData\":\"#!/bin/sh\"}}", 0, NULL);
	CHECK_INT_EQ(jn_policy_builder_add_json(b, "apiserver", obj, &err), 0);
	json_object_set_new(json_object_get(obj, "spec"), "role", json_integer(3));
	CHECK_INT_EQ(jn_policy_builder_add_json(b, "apiserver", obj, &err), -1);
	CHECK_STR_EQ(err.msg, "apiserver: spec.role: expected a string, got an integer");
	json_decref(obj);
	const char *two = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: ok}\n"
		"spec: {template: {spec: {nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, "
		"name: api}, requirements: []}}}\n---\nkind: NodePool\n";
	CHECK_INT_EQ(jn_policy_builder_add_text(b, "two.yaml", two, strlen(two), &err), -1);
	CHECK_STR_EQ(err.msg, "two.yaml:6:1: apiVersion: is required");
	set = jn_policy_builder_finish(b, NULL, &err);
	CHECK(set != NULL);
	if (set) {
		CHECK_INT_EQ(jn_policy_set_nodepool_count(set), 0);
		CHECK_INT_EQ(jn_policy_set_nodeclass(set, "api")->ami_family, JN_AMI_FAMILY_CUSTOM);
		CHECK_STR_EQ(jn_policy_set_nodeclass(set, "api")->user_data, "#!/bin/sh");
		CHECK_INT_EQ(jn_policy_set_nodeclass(set, "api")->source.line, 0);
		jn_policy_set_unref(set);
	}
	/* finish emptied the builder: it starts over. */
	struct jn_policy_set *empty = jn_policy_builder_finish(b, NULL, &err);
	CHECK(empty && jn_policy_set_nodeclass_count(empty) == 0);
	jn_policy_set_unref(empty);
	jn_policy_builder_destroy(b);
}

static void io_errors(void)
{
	struct jn_error err;
	struct jn_policy_set *set = jn_policy_set_load("/nonexistent/policies", NULL, &err);
	CHECK(set == NULL);
	CHECK_INT_EQ(err.kind, JN_ERR_IO);
	CHECK_STR_EQ(err.msg, "reading \"/nonexistent/policies\": No such file or directory");
}

int main(void)
{
	JN_RUN(default_sample);
	JN_RUN(other_samples);
	JN_RUN(folder_loading);
	JN_RUN(json_input_and_builder_reuse);
	JN_RUN(io_errors);
	return jn_tap_done();
}
