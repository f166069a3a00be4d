/*
 * Every validation error, with its exact message, from the small fixtures in
 * tests/fixtures/policies/. Each fixture is loaded on its own (with the shared "default"
 * EC2NodeClass added first where the fixture holds only a NodePool that passes decoding).
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "jitnode/policy.h"
#include "tap.h"

static const struct {
	const char *fixture;
	enum jn_error_kind kind;
	const char *msg;
} cases[] = {
	{ "bad_operator.yaml", JN_ERR_INVALID, "tests/fixtures/policies/bad_operator.yaml:14:21: "
		"spec.template.spec.requirements[0].operator: unknown operator \"Within\"" },
	{ "unknown_field.yaml", JN_ERR_INVALID, "tests/fixtures/policies/unknown_field.yaml:12:7: "
		"spec.template.spec.requirement: unknown field" },
	{ "bad_duration.yaml", JN_ERR_INVALID, "tests/fixtures/policies/bad_duration.yaml:13:20: "
		"spec.template.spec.expireAfter: invalid duration \"30days\": unknown unit \"days\"" },
	{ "bad_quantity.yaml", JN_ERR_INVALID, "tests/fixtures/policies/bad_quantity.yaml:14:10: "
		"spec.limits.cpu: invalid quantity \"12x\": unknown suffix \"x\"" },
	{ "min_values.yaml", JN_ERR_INVALID, "tests/fixtures/policies/min_values.yaml:16:22: "
		"spec.template.spec.requirements[0].minValues: minValues 3 is more than the 2 values "
		"given" },
	{ "weight_range.yaml", JN_ERR_INVALID, "tests/fixtures/policies/weight_range.yaml:13:11: "
		"spec.weight: must be between 1 and 100, got 101" },
	{ "budget_percent.yaml", JN_ERR_INVALID, "tests/fixtures/policies/budget_percent.yaml:17:16: "
		"spec.disruption.budgets[1].nodes: invalid value \"110%\": must be a node count or a "
		"percentage from 0% to 100%" },
	{ "missing_ref.yaml", JN_ERR_INVALID, "tests/fixtures/policies/missing_ref.yaml:8:7: "
		"spec.template.spec.nodeClassRef: is required" },
	{ "role_and_profile.yaml", JN_ERR_INVALID, "tests/fixtures/policies/role_and_profile.yaml:6:3: "
		"spec: must specify exactly one of ['role', 'instanceProfile']" },
	{ "restricted_requirement.yaml", JN_ERR_INVALID,
		"tests/fixtures/policies/restricted_requirement.yaml:16:16: "
		"spec.template.spec.requirements[1].key: label \"karpenter.sh/nodepool\" is restricted" },
	{ "restricted_label.yaml", JN_ERR_INVALID, "tests/fixtures/policies/restricted_label.yaml:10:52: "
		"spec.template.metadata.labels.karpenter.k8s.aws/instance-hypervisor-ish: label domain "
		"\"karpenter.k8s.aws\" is restricted" },
	{ "schedule_without_duration.yaml", JN_ERR_INVALID,
		"tests/fixtures/policies/schedule_without_duration.yaml:16:9: "
		"spec.disruption.budgets[0]: 'schedule' must be set with 'duration'" },
	{ "consolidate_after_missing.yaml", JN_ERR_INVALID,
		"tests/fixtures/policies/consolidate_after_missing.yaml:14:5: "
		"spec.disruption.consolidateAfter: is required" },
	{ "unsupported_kind.yaml", JN_ERR_INVALID, "tests/fixtures/policies/unsupported_kind.yaml:12:7: "
		"kind: unsupported kind \"Deployment\" (apiVersion \"apps/v1\"): expected NodePool "
		"(karpenter.sh/v1) or EC2NodeClass (karpenter.k8s.aws/v1)" },
	{ "yaml_syntax.yaml", JN_ERR_INVALID, "tests/fixtures/policies/yaml_syntax.yaml:6:5: "
		"invalid yaml: did not find expected ',' or ']' while parsing a flow sequence" },
	{ "duplicate_key.yaml", JN_ERR_INVALID, "tests/fixtures/policies/duplicate_key.yaml:5:3: "
		"metadata: duplicate key \"name\"" },
	{ "unquoted_bool.yaml", JN_ERR_INVALID, "tests/fixtures/policies/unquoted_bool.yaml:10:19: "
		"spec.template.metadata.labels.unquoted: expected a string, got a boolean" },
	{ "alias_family.yaml", JN_ERR_INVALID, "tests/fixtures/policies/alias_family.yaml:6:14: "
		"spec.amiFamily: amiFamily \"Bottlerocket\" does not match alias \"al2023@v20240625\": "
		"must be 'AL2023' or 'Custom'" },
	{ "duplicate_taint.yaml", JN_ERR_INVALID, "tests/fixtures/policies/duplicate_taint.yaml:18:11: "
		"spec.template.spec.startupTaints[0]: duplicate taint key/effect pair \"dedicated:NoSchedule\"" },
	{ "gt_value.yaml", JN_ERR_INVALID, "tests/fixtures/policies/gt_value.yaml:15:19: "
		"spec.template.spec.requirements[0].values: operator Gt must have a single non-negative "
		"integer value" },
	{ "missing_class.yaml", JN_ERR_INVALID, "tests/fixtures/policies/missing_class.yaml:11:15: "
		"spec.template.spec.nodeClassRef.name: ec2nodeclass \"missing\" not found (referenced by "
		"nodepool \"lonely\")" },
	{ "duplicate_name.yaml", JN_ERR_INVALID, "tests/fixtures/policies/duplicate_name.yaml:11:1: "
		"ec2nodeclass \"default\" is already defined at "
		"tests/fixtures/policies/duplicate_name.yaml:1:1" },
};

static int load(struct jn_policy_builder *b, const char *rel, struct jn_error *err)
{
	char *abs = jn_test_source_path(rel);
	struct jn_buf buf;
	jn_buf_init(&buf, JN_POLICY_MAX_FILE_BYTES);
	int rc = jn_buf_read_file(&buf, abs, err);
	if (rc == 0)
		rc = jn_policy_builder_add_text(b, rel, jn_buf_cstr(&buf), buf.len, err);
	jn_buf_release(&buf);
	free(abs);
	return rc;
}

static void each_fixture_fails_with_its_message(void)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "tests/fixtures/policies/%s", cases[i].fixture);
		struct jn_policy_builder *b = jn_policy_builder_create();
		struct jn_error err;
		jn_error_clear(&err);
		struct jn_policy_set *set = NULL;
		if (load(b, rel, &err) == 0)
			set = jn_policy_builder_finish(b, NULL, &err);
		CHECK(set == NULL);
		CHECK_INT_EQ(err.kind, cases[i].kind);
		CHECK_STR_EQ(err.msg, cases[i].msg);
		jn_policy_set_unref(set);
		jn_policy_builder_destroy(b);
	}
}

int main(void)
{
	JN_RUN(each_fixture_fails_with_its_message);
	return jn_tap_done();
}
