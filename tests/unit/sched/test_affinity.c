#include <stdint.h>

#include "sched_test.h"

#define ZONE "topology.kubernetes.io/zone"

static void matches_single_requirements(void)
{
	static const struct {
		const char *req, *labels;
		bool want;
	} cases[] = {
		{ "k In a b", "k=a", true },
		{ "k In a b", "k=c", false },
		{ "k In a b", "", false },
		{ "k NotIn a", "k=a", false },
		{ "k NotIn a", "k=b", true },
		{ "k NotIn a", "", true },
		{ "k Exists", "k=", true },
		{ "k Exists", "j=1", false },
		{ "k DoesNotExist", "", true },
		{ "k DoesNotExist", "k=x", false },
		{ "k Gt 4", "k=5", true },
		{ "k Gt 4", "k=4", false },
		{ "k Gt 4", "k=x", false },
		{ "k Gt 4", "", false },
		{ "k Gt x", "k=5", false },
		{ "k Lt 4", "k=3", true },
		{ "k Lt 4", "k=4", false },
		{ "k Gte 4", "k=4", true },
		{ "k Lte 4", "k=4", true },
		{ "k Lte 4", "k=-5", true },
		{ "k Lte 4", "k=5", false },
		/* no alias normalization against a real node's labels */
		{ "failure-domain.beta.kubernetes.io/zone In a", ZONE "=a", false },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct test_exprs e;
		struct jn_strmap labels;
		char ctx[256];
		test_exprs(&e, cases[i].req);
		test_labels(&labels, cases[i].labels);
		snprintf(ctx, sizeof(ctx), "%s on {%s}", cases[i].req, cases[i].labels);
		CASE_INT_EQ(ctx, jn_requirement_matches_labels(&e.items[0], &labels), cases[i].want);
		jn_strmap_release(&labels);
	}
}

static void matches_terms(void)
{
	static const struct {
		const char *exprs, *fields, *labels, *node;
		bool want;
	} cases[] = {
		{ "a In 1; b Exists", "", "a=1,b=2", "n1", true },
		{ "a In 1; b Exists", "", "a=1", "n1", false },
		{ "", "", "a=1", "n1", false },                     /* an empty term selects nothing */
		{ "", "metadata.name In n1 n2", "", "n1", true },
		{ "", "metadata.name In n1 n2", "", "n3", false },
		{ "", "metadata.name NotIn n1", "", "n3", true },
		{ "", "metadata.name In n1", "", NULL, false },
		{ "", "spec.unschedulable In false", "", "n1", false },
		{ "a In 1", "metadata.name In n1", "a=1", "n1", true },
		{ "a In 1", "metadata.name In n1", "a=1", "n2", false },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct test_exprs ex, fx;
		struct jn_strmap labels;
		char ctx[256];
		test_exprs(&ex, cases[i].exprs);
		test_exprs(&fx, cases[i].fields);
		test_labels(&labels, cases[i].labels);
		struct jn_node_selector_term term = { .match_expressions = ex.items,
			.n_match_expressions = ex.n, .match_fields = fx.items, .n_match_fields = fx.n };
		snprintf(ctx, sizeof(ctx), "{%s | %s} on {%s} %s", cases[i].exprs, cases[i].fields,
			cases[i].labels, cases[i].node ? cases[i].node : "(no name)");
		CASE_INT_EQ(ctx, jn_node_selector_term_matches(&term, &labels, cases[i].node),
			cases[i].want);
		jn_strmap_release(&labels);
	}
}

/* nodeSelector AND (terms ORed), with the reason the packer prints. */
static void matches_pods_to_nodes(void)
{
	static const struct {
		const char *selector, *term1, *term2, *labels, *why;
	} cases[] = {
		{ "", NULL, NULL, "", NULL },
		{ ZONE "=a", NULL, NULL, ZONE "=a,x=1", NULL },
		{ ZONE "=a", NULL, NULL, ZONE "=b",
			"node selector topology.kubernetes.io/zone=a not matched (node has \"b\")" },
		{ ZONE "=a", NULL, NULL, "",
			"node selector topology.kubernetes.io/zone=a not matched (label missing)" },
		{ "", "gpu Exists; cpu Gt 4", NULL, "gpu=1,cpu=8", NULL },
		{ "", "gpu Exists; cpu Gt 4", NULL, "gpu=1,cpu=2",
			"node affinity not matched: cpu Gt [4] (node has \"2\")" },
		{ "", "gpu Exists; cpu Gt 4", NULL, "cpu=8",
			"node affinity not matched: gpu Exists (label missing)" },
		{ "", ZONE " In a b", "gpu Exists", "gpu=1", NULL },
		{ "", ZONE " In a b", "gpu Exists", ZONE "=c",
			"none of 2 node affinity terms matched" },
		{ "x=1", ZONE " In a b", "gpu Exists", "gpu=1",
			"node selector x=1 not matched (label missing)" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_pod pod;
		struct test_exprs t1, t2;
		struct jn_strmap labels;
		char ctx[256], why[256] = "untouched";
		test_pod(&pod, "default", "", cases[i].selector);
		test_exprs(&t1, cases[i].term1 ? cases[i].term1 : "");
		test_exprs(&t2, cases[i].term2 ? cases[i].term2 : "");
		struct jn_node_selector_term terms[2] = {
			{ .match_expressions = t1.items, .n_match_expressions = t1.n },
			{ .match_expressions = t2.items, .n_match_expressions = t2.n },
		};
		pod.required_node_terms = terms;
		pod.n_required_node_terms = cases[i].term2 ? 2 : cases[i].term1 ? 1 : 0;
		test_labels(&labels, cases[i].labels);
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		CASE_INT_EQ(ctx, jn_pod_matches_node(&pod, &labels, "n1", why, sizeof(why)),
			cases[i].why == NULL);
		CASE_STR_EQ(ctx, why, cases[i].why ? cases[i].why : "untouched");
		jn_strmap_release(&labels);
		test_pod_release(&pod);
	}
}

static void orders_and_scores_preferences(void)
{
	struct jn_pod pod;
	struct test_exprs e[4];
	static const char *const exprs[] = { "a Exists", "b Exists", "c Exists", "d Exists" };
	static const int32_t weights[] = { 10, 50, 50, 1 };
	struct jn_preferred_scheduling_term pref[4];
	for (size_t i = 0; i < 4; i++) {
		test_exprs(&e[i], exprs[i]);
		pref[i] = (struct jn_preferred_scheduling_term){ .weight = weights[i],
			.term = { .match_expressions = e[i].items, .n_match_expressions = e[i].n } };
	}
	test_pod(&pod, "default", "", "");
	pod.preferred_node_terms = pref;
	pod.n_preferred_node_terms = 4;
	/* heaviest first; equal weights keep spec order */
	CHECK_INT_EQ(jn_pod_preferred_node_term(&pod, 0), 1);
	CHECK_INT_EQ(jn_pod_preferred_node_term(&pod, 1), 2);
	CHECK_INT_EQ(jn_pod_preferred_node_term(&pod, 2), 0);
	CHECK_INT_EQ(jn_pod_preferred_node_term(&pod, 3), 3);
	CHECK(jn_pod_preferred_node_term(&pod, 4) == SIZE_MAX);
	CHECK(jn_pod_preferred_node_term(&pod, SIZE_MAX) == SIZE_MAX);

	struct jn_strmap labels;
	test_labels(&labels, "a=1,c=1,d=1");
	CHECK_INT_EQ(jn_pod_preferred_node_score(&pod, &labels, "n1"), 61);
	jn_strmap_release(&labels);
	test_labels(&labels, "");
	CHECK_INT_EQ(jn_pod_preferred_node_score(&pod, &labels, "n1"), 0);
	/* preferences never make a node infeasible */
	CHECK(jn_pod_matches_node(&pod, &labels, "n1", NULL, 0));
	jn_strmap_release(&labels);
	test_pod_release(&pod);
}

/* Karpenter's relaxation states: (required term, preferred rank) -> requirements or why not. */
static void builds_new_node_requirements(void)
{
	struct jn_pod pod;
	struct test_exprs r0, r1, p0, p1, fields;
	test_exprs(&r0, ZONE " In b");
	test_exprs(&r1, ZONE " In a c; kubernetes.io/arch In arm64");
	test_exprs(&p0, "karpenter.sh/capacity-type In spot");
	test_exprs(&p1, ZONE " In a");
	test_exprs(&fields, "metadata.name In n1");
	struct jn_node_selector_term req[2] = {
		{ .match_expressions = r0.items, .n_match_expressions = r0.n },
		{ .match_expressions = r1.items, .n_match_expressions = r1.n,
			.match_fields = fields.items, .n_match_fields = fields.n },
	};
	struct jn_preferred_scheduling_term pref[2] = {
		{ .weight = 10, .term = { .match_expressions = p0.items, .n_match_expressions = p0.n } },
		{ .weight = 50, .term = { .match_expressions = p1.items, .n_match_expressions = p1.n } },
	};
	test_pod(&pod, "default", "", "failure-domain.beta.kubernetes.io/zone=a");
	pod.required_node_terms = req;
	pod.n_required_node_terms = 2;
	pod.preferred_node_terms = pref;
	pod.n_preferred_node_terms = 2;

	static const struct {
		size_t required, rank;
		const char *want, *err;
	} cases[] = {
		{ 0, 0, NULL, "required node affinity term 0: key topology.kubernetes.io/zone: [b] not in [a]" },
		{ 1, 0, "kubernetes.io/arch In [arm64], topology.kubernetes.io/zone In [a]", NULL },
		{ 1, 1, "karpenter.sh/capacity-type In [spot], kubernetes.io/arch In [arm64], "
			"topology.kubernetes.io/zone In [a]", NULL },
		{ 1, 2, "kubernetes.io/arch In [arm64], topology.kubernetes.io/zone In [a]", NULL },
		{ 1, SIZE_MAX, "kubernetes.io/arch In [arm64], topology.kubernetes.io/zone In [a]", NULL },
		{ 2, SIZE_MAX, NULL, "required node affinity term 2 out of range (pod has 2)" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_reqs out;
		struct jn_error err;
		char ctx[64];
		jn_error_clear(&err);
		snprintf(ctx, sizeof(ctx), "term %zu rank %zu", cases[i].required, cases[i].rank);
		int rc = jn_pod_node_reqs(&out, &pod, cases[i].required, cases[i].rank, &err);
		CASE_INT_EQ(ctx, rc, cases[i].err ? -1 : 0);
		if (cases[i].err) {
			CASE_STR_EQ(ctx, err.msg, cases[i].err);
			CASE_INT_EQ(ctx, err.kind, JN_ERR_INVALID);
			CASE_INT_EQ(ctx, out.len == 0 && out.items == NULL, true);
		} else {
			CASE_STR_EQ(ctx, test_fmt_reqs(&out), cases[i].want);
		}
		jn_reqs_release(&out);
	}

	/* without required terms, the index is ignored; a malformed term names itself */
	struct jn_reqs out;
	struct jn_error err;
	pod.n_required_node_terms = 0;
	CHECK_INT_EQ(jn_pod_node_reqs(&out, &pod, 7, SIZE_MAX, &err), 0);
	CHECK_STR_EQ(test_fmt_reqs(&out), "topology.kubernetes.io/zone In [a]");
	jn_reqs_release(&out);
	struct test_exprs bad;
	test_exprs(&bad, "cpu Gt four");
	struct jn_node_selector_term bad_term = { .match_expressions = bad.items,
		.n_match_expressions = bad.n };
	pod.required_node_terms = &bad_term;
	pod.n_required_node_terms = 1;
	CHECK_INT_EQ(jn_pod_node_reqs(&out, &pod, 0, SIZE_MAX, &err), -1);
	CHECK_STR_EQ(err.msg,
		"required node affinity term 0: requirement cpu: operator Gt needs one integer value, got \"four\"");
	test_pod_release(&pod);
}

int main(void)
{
	JN_RUN(matches_single_requirements);
	JN_RUN(matches_terms);
	JN_RUN(matches_pods_to_nodes);
	JN_RUN(orders_and_scores_preferences);
	JN_RUN(builds_new_node_requirements);
	return jn_tap_done();
}
