#include "sched_test.h"

#define ZONE "topology.kubernetes.io/zone"
#define CT "karpenter.sh/capacity-type"
#define CPU "karpenter.k8s.aws/instance-cpu"

/*
 * jn_reqs_compatible(have, want): a NodePool's (or an existing node's) sets against a pod's.
 * `wk` says whether undefined well-known labels are allowed (NodePools) or not (nodes).
 */
static void checks_compatibility(void)
{
	static const struct {
		const char *have, *want;
		bool wk;
		const char *why;   /* NULL: compatible */
	} cases[] = {
		{ CT " In on-demand", CT " In spot", true,
			"key karpenter.sh/capacity-type: [spot] not in [on-demand]" },
		{ CT " In on-demand spot", CT " In spot", true, NULL },
		{ ZONE " In a b", ZONE " In c d", true,
			"key topology.kubernetes.io/zone: [c d] not in [a b]" },
		/* a well-known key the pool leaves open: the instance types will decide */
		{ "", ZONE " In a", true, NULL },
		{ "", ZONE " In a", false, "label \"topology.kubernetes.io/zone\" does not have known values" },
		{ "", CPU " Gt 4", true, NULL },
		/* a custom key must be defined by the pool, unless the pod wants it absent */
		{ "", "team In x", true, "label \"team\" does not have known values" },
		{ "", "team Exists", true, "label \"team\" does not have known values" },
		{ "", "team Gt 3", true, "label \"team\" does not have known values" },
		{ "", "team DoesNotExist", true, NULL },
		{ "", "team NotIn x", true, NULL },
		{ "", "team NotIn 5; team Gt 3", true, "label \"team\" does not have known values" },
		{ "team In x", "team In x", false, NULL },
		{ "team Exists", "team In x", false, NULL },
		/* DoesNotExist against a label that is present */
		{ "team In x", "team DoesNotExist", true, "key team: DoesNotExist not in [x]" },
		{ "team DoesNotExist", "team In x", true, "key team: [x] not in DoesNotExist" },
		{ "team Exists", "team DoesNotExist", true, "key team: DoesNotExist not in Exists" },
		/* NotIn vs Exists and DoesNotExist */
		{ "team Exists", "team NotIn x", true, NULL },
		{ "team DoesNotExist", "team NotIn x", true, NULL },
		{ "team NotIn x", "team DoesNotExist", true, NULL },
		{ "team DoesNotExist", "team DoesNotExist", true, NULL },
		{ "team In x", "team NotIn x", true, "key team: NotIn [x] not in [x]" },
		{ "team In x y", "team NotIn x", true, NULL },
		/* integer bounds meeting finite values */
		{ CPU " In 2 4 8", CPU " Gt 4", true, NULL },
		{ CPU " In 2 4 8", CPU " Gt 8", true,
			"key karpenter.k8s.aws/instance-cpu: >=9 not in [2 4 8]" },
		{ CPU " Gt 4", CPU " Lt 5", true,
			"key karpenter.k8s.aws/instance-cpu: <=4 not in >=5" },
		{ CPU " Gte 4", CPU " Lte 4", true, NULL },
		{ CPU " Gt 4", CPU " In 4 x", true,
			"key karpenter.k8s.aws/instance-cpu: [4 x] not in >=5" },
		/* keys only `have` constrains do not matter; the first failing key (in order) is named */
		{ "arch In amd64; " CT " In spot", CT " In spot", false, NULL },
		{ "a In 1; b In 2", "a In 9; b In 9", true, "key a: [9] not in [1]" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_reqs have, want;
		char ctx[256], why[256] = "untouched";
		test_reqs(&have, cases[i].have);
		test_reqs(&want, cases[i].want);
		snprintf(ctx, sizeof(ctx), "have {%s} want {%s}", cases[i].have, cases[i].want);
		bool ok = jn_reqs_compatible(&have, &want, cases[i].wk ? jn_well_known_labels() : NULL,
			why, sizeof(why));
		CASE_INT_EQ(ctx, ok, cases[i].why == NULL);
		CASE_STR_EQ(ctx, why, cases[i].why ? cases[i].why : "untouched");
		/* the reasonless call decides the same */
		CASE_INT_EQ(ctx, jn_reqs_compatible(&have, &want,
			cases[i].wk ? jn_well_known_labels() : NULL, NULL, 0), ok);
		jn_reqs_release(&have);
		jn_reqs_release(&want);
	}
}

static void checks_intersection(void)
{
	static const struct {
		const char *a, *b, *why;
	} cases[] = {
		{ "", "team In x", NULL },                 /* undefined keys are allowed */
		{ "team In x", "", NULL },
		{ "team In x", "zone In a", NULL },
		{ "team In x", "team In y", "key team: [y] not in [x]" },
		{ "team In x", "team DoesNotExist", "key team: DoesNotExist not in [x]" },
		{ "team NotIn x", "team DoesNotExist", NULL },
		{ "a In 1; m In 5; z In 1", "b In 2; m Gt 5; y In 2", "key m: >=6 not in [5]" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_reqs a, b;
		char ctx[256], why[256] = "untouched";
		test_reqs(&a, cases[i].a);
		test_reqs(&b, cases[i].b);
		snprintf(ctx, sizeof(ctx), "{%s} ∩ {%s}", cases[i].a, cases[i].b);
		CASE_INT_EQ(ctx, jn_reqs_intersects(&a, &b, why, sizeof(why)), cases[i].why == NULL);
		CASE_STR_EQ(ctx, why, cases[i].why ? cases[i].why : "untouched");
		jn_reqs_release(&a);
		jn_reqs_release(&b);
	}
}

static void matches_node_labels(void)
{
	static const struct {
		const char *reqs, *labels, *why;
	} cases[] = {
		{ ZONE " In a b", ZONE "=a", NULL },
		{ ZONE " In a b", ZONE "=c", "key topology.kubernetes.io/zone: label value \"c\" not in [a b]" },
		{ ZONE " In a b", "other=x", "key topology.kubernetes.io/zone: label missing, requires [a b]" },
		{ "gpu Exists", "", "key gpu: label missing, requires Exists" },
		{ "gpu Exists", "gpu=", NULL },
		{ "gpu DoesNotExist", "", NULL },
		{ "gpu DoesNotExist", "gpu=1", "key gpu: label value \"1\" not in DoesNotExist" },
		{ "gpu NotIn a", "", NULL },
		{ "gpu NotIn a", "gpu=a", "key gpu: label value \"a\" not in NotIn [a]" },
		{ "cpu Gt 4", "cpu=8", NULL },
		{ "cpu Gt 4", "cpu=4", "key cpu: label value \"4\" not in >=5" },
		{ "cpu Gt 4", "", "key cpu: label missing, requires >=5" },
		{ "cpu NotIn 6; cpu Gt 4", "", "key cpu: label missing, requires NotIn [6] >=5" },
		{ "", "a=b", NULL },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_reqs reqs;
		struct jn_strmap labels;
		char ctx[256], why[256] = "untouched";
		test_reqs(&reqs, cases[i].reqs);
		test_labels(&labels, cases[i].labels);
		snprintf(ctx, sizeof(ctx), "{%s} on {%s}", cases[i].reqs, cases[i].labels);
		CASE_INT_EQ(ctx, jn_reqs_matches_labels(&reqs, &labels, why, sizeof(why)),
			cases[i].why == NULL);
		CASE_STR_EQ(ctx, why, cases[i].why ? cases[i].why : "untouched");
		jn_reqs_release(&reqs);
		jn_strmap_release(&labels);
	}
}

static void adds_with_conflict_detection(void)
{
	struct jn_reqs r;
	char why[256] = "untouched";
	test_reqs(&r, ZONE " In a b; " CT " In spot on-demand");
	struct jn_req z = test_req(ZONE " In b c min=1");
	CHECK(jn_reqs_add(&r, &z, why, sizeof(why)));
	CHECK_STR_EQ(why, "untouched");
	jn_req_release(&z);
	CHECK_STR_EQ(test_fmt_reqs(&r),
		"karpenter.sh/capacity-type In [on-demand spot], topology.kubernetes.io/zone In [b] minValues 1");

	/* a conflict is reported and the empty intersection stays, so later checks fail too */
	z = test_req(ZONE " In a");
	CHECK(!jn_reqs_add(&r, &z, why, sizeof(why)));
	CHECK_STR_EQ(why, "key topology.kubernetes.io/zone: [a] not in [b]");
	CHECK_STR_EQ(test_fmt(jn_reqs_get(&r, ZONE)), ZONE " DoesNotExist minValues 1");
	jn_req_release(&z);
	CHECK(jn_reqs_check(&r));

	/* NotIn and DoesNotExist meet without a conflict */
	struct jn_req t = test_req("team NotIn x"), d = test_req("team DoesNotExist");
	CHECK(jn_reqs_add(&r, &t, NULL, 0));
	CHECK(jn_reqs_add(&r, &d, NULL, 0));
	CHECK_STR_EQ(test_fmt(jn_reqs_get(&r, "team")), "team DoesNotExist");
	jn_req_release(&t);
	jn_req_release(&d);

	/* lookups normalize aliases; removal keeps the order */
	CHECK(jn_reqs_has(&r, "failure-domain.beta.kubernetes.io/zone"));
	CHECK(jn_reqs_remove(&r, CT));
	CHECK(!jn_reqs_remove(&r, CT));
	CHECK(jn_reqs_get(&r, CT) == NULL);
	CHECK_STR_EQ(test_fmt_reqs(&r), "team DoesNotExist, topology.kubernetes.io/zone DoesNotExist minValues 1");
	CHECK(jn_reqs_check(&r));
	jn_reqs_release(&r);
}

static void adds_maps_and_labels(void)
{
	struct jn_reqs a, b, copy;
	struct jn_strmap labels;
	char why[256] = "untouched";
	test_reqs(&a, "k In 1 2 3; z In a");
	test_reqs(&b, "k NotIn 2; m Exists");
	CHECK(jn_reqs_add_all(&a, &b, why, sizeof(why)));
	CHECK_STR_EQ(test_fmt_reqs(&a), "k In [1 3], m Exists, z In [a]");
	jn_reqs_copy(&copy, &a);
	jn_reqs_release(&a);
	CHECK_STR_EQ(test_fmt_reqs(&copy), "k In [1 3], m Exists, z In [a]");

	/* a node's labels, beta aliases included, become key In [value] */
	test_labels(&labels, "k=3,beta.kubernetes.io/arch=amd64,z=a");
	CHECK(jn_reqs_add_labels(&copy, &labels, why, sizeof(why)));
	CHECK_STR_EQ(test_fmt_reqs(&copy), "k In [3], kubernetes.io/arch In [amd64], m Exists, z In [a]");
	jn_strmap_release(&labels);
	test_labels(&labels, "z=b");
	CHECK(!jn_reqs_add_labels(&copy, &labels, why, sizeof(why)));
	CHECK_STR_EQ(why, "key z: [b] not in [a]");
	CHECK(jn_reqs_add_all(&copy, &b, NULL, 0));   /* k In [3] meets NotIn 2 */
	jn_strmap_release(&labels);
	jn_reqs_release(&copy);
	jn_reqs_release(&b);
}

static void adds_api_requirements(void)
{
	/* a NodePool's requirements, minValues included */
	char b1[] = CT " In spot on-demand", b2[] = "karpenter.k8s.aws/instance-family In m5 c5 r5 min=2",
		b3[] = CPU " Gt 2";
	char *v1[MAX_TOKENS], *v2[MAX_TOKENS], *v3[MAX_TOKENS];
	struct jn_requirement src[] = { test_requirement(b1, v1), test_requirement(b2, v2),
		test_requirement(b3, v3) };
	struct jn_reqs r;
	struct jn_error err;
	jn_reqs_init(&r);
	CHECK_INT_EQ(jn_reqs_add_requirements(&r, src, 3, &err), 0);
	CHECK_STR_EQ(test_fmt_reqs(&r), "karpenter.k8s.aws/instance-cpu Exists >=3, "
		"karpenter.k8s.aws/instance-family In [c5 m5 r5] minValues 2, "
		"karpenter.sh/capacity-type In [on-demand spot]");

	char b4[] = CPU " Lt 3";
	char *v4[MAX_TOKENS];
	struct jn_requirement bad = test_requirement(b4, v4);
	jn_error_clear(&err);
	CHECK_INT_EQ(jn_reqs_add_requirements(&r, &bad, 1, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_EQ(err.msg, "key karpenter.k8s.aws/instance-cpu: <=2 not in >=3");

	char b5[] = "x Gt many";
	char *v5[MAX_TOKENS];
	bad = test_requirement(b5, v5);
	CHECK_INT_EQ(jn_reqs_add_requirements(&r, &bad, 1, &err), -1);
	CHECK_STR_EQ(err.msg, "requirement x: operator Gt needs one integer value, got \"many\"");
	CHECK(!jn_reqs_has(&r, "x"));
	CHECK(jn_reqs_check(&r));
	jn_reqs_release(&r);
}

static void formats_maps(void)
{
	struct jn_reqs r;
	test_reqs(&r, "");
	char buf[8] = "x";
	CHECK_INT_EQ(jn_reqs_format(&r, buf, sizeof(buf)), 0);
	CHECK_STR_EQ(buf, "");
	jn_reqs_release(&r);
	test_reqs(&r, "b In 1; a Exists");
	CHECK_INT_EQ(jn_reqs_format(&r, buf, sizeof(buf)), strlen("a Exists, b In [1]"));
	CHECK_STR_EQ(buf, "a Exist");
	CHECK_INT_EQ(jn_reqs_format(&r, NULL, 0), strlen("a Exists, b In [1]"));
	jn_reqs_release(&r);
}

int main(void)
{
	JN_RUN(checks_compatibility);
	JN_RUN(checks_intersection);
	JN_RUN(matches_node_labels);
	JN_RUN(adds_with_conflict_detection);
	JN_RUN(adds_maps_and_labels);
	JN_RUN(adds_api_requirements);
	JN_RUN(formats_maps);
	return jn_tap_done();
}
