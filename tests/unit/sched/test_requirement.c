#include <stdint.h>

#include "sched_test.h"

/* Karpenter's Requirement.Intersection cases, plus the bounds and minValues corner cases. */
static void intersects_sets(void)
{
	static const struct {
		const char *a, *b, *want;
	} cases[] = {
		{ "k In a b", "k In b c", "k In [b]" },
		{ "k In a b", "k In c", "k DoesNotExist" },
		{ "k In a b", "k NotIn a", "k In [b]" },
		{ "k NotIn a", "k In a b", "k In [b]" },
		{ "k NotIn a", "k NotIn b", "k NotIn [a b]" },
		{ "k NotIn a", "k Exists", "k NotIn [a]" },
		{ "k Exists", "k In a", "k In [a]" },
		{ "k Exists", "k Exists", "k Exists" },
		{ "k DoesNotExist", "k In a", "k DoesNotExist" },
		{ "k DoesNotExist", "k Exists", "k DoesNotExist" },
		{ "k DoesNotExist", "k NotIn a", "k DoesNotExist" },
		{ "k In", "k Exists", "k DoesNotExist" },
		{ "k NotIn", "k In a", "k In [a]" },
		/* bounds filter finite sets (non-integers too), then disappear */
		{ "k In 1 5 10 x", "k Gt 4", "k In [10 5]" },
		{ "k Gt 4", "k In 1 5 10 x", "k In [10 5]" },
		{ "k Lt 5", "k In 4 5", "k In [4]" },
		{ "k Gte 5", "k In 4 5", "k In [5]" },
		{ "k Lte 5", "k In 5 6", "k In [5]" },
		{ "k Gt 4", "k Lt 10", "k Exists >=5 <=9" },
		{ "k Gt 4", "k Lt 6", "k Exists >=5 <=5" },
		{ "k Gt 4", "k Lt 5", "k DoesNotExist" },
		{ "k Gte 5", "k Lte 5", "k Exists >=5 <=5" },
		{ "k Gt 2", "k Gt 7", "k Exists >=8" },
		{ "k Lt 2", "k Lt 7", "k Exists <=1" },
		{ "k Gt 4", "k Exists", "k Exists >=5" },
		{ "k Gt 4", "k DoesNotExist", "k DoesNotExist" },
		/* complements keep only excluded values the bounds still admit */
		{ "k Gt 1", "k NotIn 0 3 x", "k NotIn [3] >=2" },
		{ "k NotIn 0 3 x", "k Gt 1", "k NotIn [3] >=2" },
		/* minValues: the larger one survives every kind of intersection */
		{ "k In a b c min=2", "k In a b", "k In [a b] minValues 2" },
		{ "k In a", "k Exists min=3", "k In [a] minValues 3" },
		{ "k In a b min=2", "k In a b min=3", "k In [a b] minValues 3" },
		{ "k Gt 4 min=2", "k Lt 2", "k DoesNotExist minValues 2" },
		{ "k NotIn a min=1", "k NotIn b", "k NotIn [a b] minValues 1" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_req a = test_req(cases[i].a), b = test_req(cases[i].b);
		char ctx[128];
		snprintf(ctx, sizeof(ctx), "%s ∩ %s", cases[i].a, cases[i].b);
		bool meets = jn_req_intersects(&a, &b);
		CASE_INT_EQ(ctx, meets, jn_req_intersects(&b, &a));
		jn_req_intersect(&a, &b);
		CASE_STR_EQ(ctx, test_fmt(&a), cases[i].want);
		CASE_INT_EQ(ctx, jn_req_check(&a), true);
		/* the allocation-free test agrees with the built intersection */
		CASE_INT_EQ(ctx, meets, !jn_req_is_empty(&a));
		jn_req_release(&a);
		jn_req_release(&b);
	}
}

/*
 * The oracle for intersection is membership: v is in a ∩ b exactly when it is in a and in b.
 * Random sets over a small universe (integers, so bounds bite, and words, so they do not).
 */
static void intersection_agrees_with_membership(void)
{
	static const char *const universe[] = { "0", "1", "2", "3", "4", "5", "-1", "x", "y", "" };
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt",
		"Gte", "Lte" };
	uint32_t seed = 12345;
	size_t failures = 0, runs = 0;
	for (int round = 0; round < 3000; round++) {
		char text[2][128];
		struct jn_req set[2];
		for (int s = 0; s < 2; s++) {
			seed = seed * 1103515245u + 12345u;
			const char *op = ops[(seed >> 16) % JN_ARRAY_LEN(ops)];
			int len = snprintf(text[s], sizeof(text[s]), "k %s", op);
			if (op[0] == 'G' || op[0] == 'L') {
				seed = seed * 1103515245u + 12345u;
				snprintf(text[s] + len, sizeof(text[s]) - len, " %d", (int)((seed >> 16) % 7) - 1);
			} else if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
				seed = seed * 1103515245u + 12345u;
				for (size_t v = 0; v < JN_ARRAY_LEN(universe) - 1; v++)
					if ((seed >> (v + 8)) & 1)
						len += snprintf(text[s] + len, sizeof(text[s]) - len, " %s",
							universe[v]);
			}
			set[s] = test_req(text[s]);
		}
		struct jn_req ab, ba;
		jn_req_copy(&ab, &set[0]);
		jn_req_intersect(&ab, &set[1]);
		jn_req_copy(&ba, &set[1]);
		jn_req_intersect(&ba, &set[0]);
		bool ok = jn_req_check(&ab) && jn_req_check(&ba) &&
			jn_req_intersects(&set[0], &set[1]) == !jn_req_is_empty(&ab);
		for (size_t v = 0; v < JN_ARRAY_LEN(universe); v++) {
			bool both = jn_req_has(&set[0], universe[v]) && jn_req_has(&set[1], universe[v]);
			ok = ok && jn_req_has(&ab, universe[v]) == both && jn_req_has(&ba, universe[v]) == both;
			/* a finite result lists exactly its members */
			if (both && !ab.complement)
				ok = ok && !jn_req_is_empty(&ab);
		}
		if (!ok && failures++ < 5)
			jn_tap_diag("disagrees: {%s} ∩ {%s} = %s", text[0], text[1], test_fmt(&ab));
		runs++;
		jn_req_release(&ab);
		jn_req_release(&ba);
		jn_req_release(&set[0]);
		jn_req_release(&set[1]);
	}
	CHECK_INT_EQ(runs, 3000);
	CHECK_INT_EQ(failures, 0);
}

static void tests_membership(void)
{
	static const struct {
		const char *set, *value;
		bool want;
	} cases[] = {
		{ "k In a b", "a", true },
		{ "k In a b", "c", false },
		{ "k NotIn a", "a", false },
		{ "k NotIn a", "b", true },
		{ "k Exists", "", true },
		{ "k DoesNotExist", "a", false },
		{ "k Gt 4", "5", true },
		{ "k Gt 4", "4", false },
		{ "k Gt 4", "+5", true },
		{ "k Gt 4", "abc", false },
		{ "k Gt 4", " 5", false },
		{ "k Gt 4", "5x", false },
		{ "k Gt 4", "99999999999999999999", false },
		{ "k Lt -3", "-4", true },
		{ "k Lt -3", "-3", false },
		{ "k Gte 4", "4", true },
		{ "k Lte 4", "4", true },
		{ "k Lte 4", "5", false },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_req r = test_req(cases[i].set);
		char ctx[128];
		snprintf(ctx, sizeof(ctx), "%s has \"%s\"", cases[i].set, cases[i].value);
		CASE_INT_EQ(ctx, jn_req_has(&r, cases[i].value), cases[i].want);
		jn_req_release(&r);
	}
}

static void reads_operators_and_absence(void)
{
	static const struct {
		const char *set;
		enum jn_selector_op op;
		bool absent_ok;
	} cases[] = {
		{ "k In a", JN_OP_IN, false },
		{ "k NotIn a", JN_OP_NOT_IN, true },
		{ "k Exists", JN_OP_EXISTS, false },
		{ "k DoesNotExist", JN_OP_DOES_NOT_EXIST, true },
		{ "k Gt 3", JN_OP_EXISTS, false },
		{ "k In", JN_OP_DOES_NOT_EXIST, true },
		{ "k NotIn", JN_OP_EXISTS, false },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_req r = test_req(cases[i].set);
		CASE_INT_EQ(cases[i].set, jn_req_op(&r), cases[i].op);
		CASE_INT_EQ(cases[i].set, jn_req_allows_absent(&r), cases[i].absent_ok);
		jn_req_release(&r);
	}
	/* Karpenter would let "NotIn [5] and Gt 3" accept a missing label; bounds need a value. */
	struct jn_req a = test_req("k NotIn 5"), b = test_req("k Gt 3");
	jn_req_intersect(&a, &b);
	CHECK_INT_EQ(jn_req_op(&a), JN_OP_NOT_IN);
	CHECK(!jn_req_allows_absent(&a));
	jn_req_release(&a);
	jn_req_release(&b);
}

static void rejects_bad_bounds(void)
{
	static const struct {
		const char *set, *msg;
	} cases[] = {
		{ "k Gt abc", "requirement k: operator Gt needs one integer value, got \"abc\"" },
		{ "k Lt 1 2", "requirement k: operator Lt needs one integer value, got 2 values" },
		{ "k Gte", "requirement k: operator Gte needs one integer value, got 0 values" },
		{ "k Lte 1.5", "requirement k: operator Lte needs one integer value, got \"1.5\"" },
		{ "k Gt 9223372036854775808",
			"requirement k: operator Gt needs one integer value, got \"9223372036854775808\"" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		char buf[256];
		char *values[MAX_TOKENS];
		snprintf(buf, sizeof(buf), "%s", cases[i].set);
		struct jn_requirement src = test_requirement(buf, values);
		struct jn_req r;
		struct jn_error err;
		jn_error_clear(&err);
		CHECK_INT_EQ(jn_req_init_requirement(&r, &src, &err), -1);
		CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
		CHECK_STR_EQ(err.msg, cases[i].msg);
		CHECK(r.key == NULL && r.values == NULL);
	}
	/* the extremes of int64 are valid bounds that admit nothing beyond them */
	struct jn_req gt = test_req("k Gt 9223372036854775807");
	struct jn_req lt = test_req("k Lt -9223372036854775808");
	CHECK_STR_EQ(test_fmt(&gt), "k DoesNotExist");
	CHECK_STR_EQ(test_fmt(&lt), "k DoesNotExist");
	jn_req_release(&gt);
	jn_req_release(&lt);
}

static void normalizes_and_dedupes(void)
{
	struct jn_req r = test_req("failure-domain.beta.kubernetes.io/zone In b a b");
	CHECK_STR_EQ(test_fmt(&r), "topology.kubernetes.io/zone In [a b]");
	CHECK(jn_req_check(&r));
	jn_req_release(&r);
	jn_req_init_label(&r, "beta.kubernetes.io/arch", "arm64");
	CHECK_STR_EQ(test_fmt(&r), "kubernetes.io/arch In [arm64]");
	jn_req_release(&r);
	CHECK_STR_EQ(jn_label_normalize("beta.kubernetes.io/os"), "kubernetes.io/os");
	CHECK_STR_EQ(jn_label_normalize("beta.kubernetes.io/instance-type"),
		"node.kubernetes.io/instance-type");
	CHECK_STR_EQ(jn_label_normalize("failure-domain.beta.kubernetes.io/region"),
		"topology.kubernetes.io/region");
	CHECK_STR_EQ(jn_label_normalize("beta.kubernetes.io/other"), "beta.kubernetes.io/other");
}

static void formats_for_logs_and_reasons(void)
{
	static const struct {
		const char *set, *log, *reason;
	} cases[] = {
		{ "k In a b c d e f g", "k In [a b c d e and 2 others]", "[a b c d e and 2 others]" },
		{ "k In a", "k In [a]", "[a]" },
		{ "k NotIn x y", "k NotIn [x y]", "NotIn [x y]" },
		{ "k Exists", "k Exists", "Exists" },
		{ "k DoesNotExist", "k DoesNotExist", "DoesNotExist" },
		{ "k Gt 3 min=2", "k Exists >=4 minValues 2", ">=4" },
		{ "k Lte 8", "k Exists <=8", "<=8" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_req r = test_req(cases[i].set);
		char buf[128];
		CHECK_STR_EQ(test_fmt(&r), cases[i].log);
		size_t n = jn_req_format_set(&r, buf, sizeof(buf));
		CHECK_STR_EQ(buf, cases[i].reason);
		CHECK_INT_EQ(n, strlen(cases[i].reason));
		jn_req_release(&r);
	}
	/* snprintf contract: truncated, NUL-terminated, full length returned */
	struct jn_req r = test_req("k In alpha beta");
	char small[6];
	CHECK_INT_EQ(jn_req_format(&r, small, sizeof(small)), strlen("k In [alpha beta]"));
	CHECK_STR_EQ(small, "k In ");
	CHECK_INT_EQ(jn_req_format(&r, NULL, 0), strlen("k In [alpha beta]"));
	jn_req_release(&r);
}

static void copies_deeply(void)
{
	struct jn_req a = test_req("k NotIn x min=4"), b;
	jn_req_copy(&b, &a);
	jn_req_release(&a);
	CHECK_STR_EQ(test_fmt(&b), "k NotIn [x] minValues 4");
	CHECK(jn_req_check(&b));
	jn_req_release(&b);
}

static void well_known_set_is_sorted(void)
{
	const struct jn_keyset *wk = jn_well_known_labels();
	for (size_t i = 1; i < wk->len; i++)
		CHECK(strcmp(wk->keys[i - 1], wk->keys[i]) < 0);
	CHECK(jn_keyset_has(wk, "topology.kubernetes.io/zone"));
	CHECK(jn_keyset_has(wk, "karpenter.sh/capacity-type"));
	CHECK(jn_keyset_has(wk, "karpenter.k8s.aws/instance-family"));
	CHECK(!jn_keyset_has(wk, "kubernetes.io/hostname"));
	CHECK(!jn_keyset_has(wk, "team"));
	CHECK(!jn_keyset_has(NULL, "team"));
}

int main(void)
{
	JN_RUN(intersects_sets);
	JN_RUN(intersection_agrees_with_membership);
	JN_RUN(tests_membership);
	JN_RUN(reads_operators_and_absence);
	JN_RUN(rejects_bad_bounds);
	JN_RUN(normalizes_and_dedupes);
	JN_RUN(formats_for_logs_and_reasons);
	JN_RUN(copies_deeply);
	JN_RUN(well_known_set_is_sorted);
	return jn_tap_done();
}
