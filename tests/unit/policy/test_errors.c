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

/* EC2NodeClass, kubelet and budget rules, each as a one-line change to a valid class or pool. */
#define NC "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n" \
	"  amiSelectorTerms: [{alias: al2023@latest}]\n  role: r\n" \
	"  subnetSelectorTerms: [{tags: {a: b}}]\n  securityGroupSelectorTerms: [{tags: {a: b}}]\n"
#define NP "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: p}\nspec:\n" \
	"  template: {spec: {nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, " \
	"name: c}, requirements: []}}\n"

static const struct { const char *text; const char *msg; } inline_cases[] = {
	{ NC "  instanceStorePolicy: RAID1\n",
		"t.yaml:9:24: spec.instanceStorePolicy: unknown instance store policy \"RAID1\": "
		"expected RAID0" },
	{ NC "  tags: {kubernetes.io/cluster/demo: owned}\n",
		"t.yaml:9:38: spec.tags.kubernetes.io/cluster/demo: tag contains a restricted tag "
		"matching kubernetes.io/cluster/" },
	{ NC "  kubelet: {systemReserved: {gpu: 1}}\n",
		"t.yaml:9:35: spec.kubelet.systemReserved.gpu: valid keys for systemReserved are "
		"['cpu','memory','ephemeral-storage','pid']" },
	{ NC "  kubelet: {evictionSoft: {memory.available: 1Gi}}\n",
		"t.yaml:9:12: spec.kubelet: evictionSoft signal \"memory.available\" does not have a "
		"matching evictionSoftGracePeriod" },
	{ NC "  kubelet: {imageGCHighThresholdPercent: 50, imageGCLowThresholdPercent: 60}\n",
		"t.yaml:9:12: spec.kubelet: imageGCHighThresholdPercent must be greater than "
		"imageGCLowThresholdPercent" },
	{ NC "  metadataOptions: {httpPutResponseHopLimit: 65}\n",
		"t.yaml:9:46: spec.metadataOptions.httpPutResponseHopLimit: must be between 1 and 64, "
		"got 65" },
	{ NC "  blockDeviceMappings: [{ebs: {volumeType: gp3}}]\n",
		"t.yaml:9:31: spec.blockDeviceMappings[0].ebs: snapshotID or volumeSize must be defined" },
	{ NC "  blockDeviceMappings: [{ebs: {volumeSize: 100000Gi}}]\n",
		"t.yaml:9:44: spec.blockDeviceMappings[0].ebs.volumeSize: invalid volume size "
		"\"100000Gi\": expected a whole number of Gi (up to 59000), G (64000), Ti (58) or T (64)" },
	{ "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n"
	  "  amiSelectorTerms: [{alias: al2023@latest}, {id: ami-123}]\n  role: r\n"
	  "  subnetSelectorTerms: [{tags: {a: b}}]\n  securityGroupSelectorTerms: [{tags: {a: b}}]\n",
		"t.yaml:5:22: spec.amiSelectorTerms[0]: 'alias' is mutually exclusive, cannot be set "
		"with a combination of other amiSelectorTerms" },
	{ "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n"
	  "  amiSelectorTerms: [{alias: windows2022@v1}]\n  role: r\n"
	  "  subnetSelectorTerms: [{tags: {a: b}}]\n  securityGroupSelectorTerms: [{tags: {a: b}}]\n",
		"t.yaml:5:30: spec.amiSelectorTerms[0].alias: invalid alias \"windows2022@v1\": windows "
		"families may only specify version 'latest'" },
	{ "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n"
	  "  amiSelectorTerms: [{alias: al2023@latest}]\n  role: r\n"
	  "  subnetSelectorTerms: [{id: subnet-1, tags: {a: b}}]\n",
		"t.yaml:7:25: spec.subnetSelectorTerms[0]: 'id' is mutually exclusive, cannot be set "
		"with a combination of other fields" },
	{ "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n"
	  "  amiSelectorTerms: [{tags: {a: b}}]\n  role: r\n"
	  "  subnetSelectorTerms: [{tags: {a: b}}]\n  securityGroupSelectorTerms: [{tags: {a: b}}]\n",
		"t.yaml:5:3: spec: must specify amiFamily if amiSelectorTerms does not contain an alias" },
	{ "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n"
	  "  amiSelectorTerms: [{alias: al2023@latest}]\n  role: r\n"
	  "  subnetSelectorTerms: []\n  securityGroupSelectorTerms: [{tags: {a: b}}]\n",
		"t.yaml:7:24: spec.subnetSelectorTerms: must have at least one term" },
	{ NP "  disruption:\n    consolidateAfter: 1m\n    budgets: [{nodes: \"1\", schedule: "
	  "\"61 * * * *\", duration: 10m}]\n",
		"t.yaml:8:38: spec.disruption.budgets[0].schedule: invalid cron schedule \"61 * * * *\"" },
	{ NP "  disruption:\n    consolidateAfter: 1m\n    budgets: [{nodes: \"1\", schedule: "
	  "\"@daily\", duration: 90s}]\n",
		"t.yaml:8:58: spec.disruption.budgets[0].duration: invalid duration \"1m30s\": must be "
		"whole minutes" },
	{ NP "  disruption:\n    consolidateAfter: 1m\n    budgets: [{nodes: \"1\", reasons: "
	  "[Expired]}]\n",
		"t.yaml:8:38: spec.disruption.budgets[0].reasons[0]: unknown disruption reason "
		"\"Expired\": expected Underutilized, Empty or Drifted" },
	{ NP "  disruption: {consolidationPolicy: WhenUnderutilized, consolidateAfter: 0s}\n",
		"t.yaml:6:37: spec.disruption.consolidationPolicy: unknown consolidation policy "
		"\"WhenUnderutilized\": expected WhenEmpty or WhenEmptyOrUnderutilized" },
	{ NP "  disruption: {consolidateAfter: -5m}\n",
		"t.yaml:6:34: spec.disruption.consolidateAfter: invalid duration \"-5m\": must not be "
		"negative" },
	{ "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: p}\n",
		"t.yaml:1:13: apiVersion: unsupported apiVersion \"karpenter.sh/v1beta1\" for kind "
		"NodePool: expected \"karpenter.sh/v1\"" },
	{ "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: My_Pool}\n",
		"t.yaml:3:18: metadata.name: invalid name \"My_Pool\": must be a lowercase RFC 1123 "
		"subdomain" },
};

static void each_inline_case_fails_with_its_message(void)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(inline_cases); i++) {
		struct jn_policy_builder *b = jn_policy_builder_create();
		struct jn_error err;
		jn_error_clear(&err);
		const char *text = inline_cases[i].text;
		CHECK_INT_EQ(jn_policy_builder_add_text(b, "t.yaml", text, strlen(text), &err), -1);
		CHECK_STR_EQ(err.msg, inline_cases[i].msg);
		jn_policy_builder_destroy(b);
	}
}

int main(void)
{
	JN_RUN(each_fixture_fails_with_its_message);
	JN_RUN(each_inline_case_fails_with_its_message);
	return jn_tap_done();
}
