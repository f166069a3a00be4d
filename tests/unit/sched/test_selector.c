#include "sched_test.h"

/* A selector from "k=v,..." matchLabels and "k In a; ..." expressions; release with sel_free. */
struct sel {
	struct jn_label_selector s;
	struct test_exprs e;
};

static void sel_init(struct sel *x, const char *labels, const char *exprs)
{
	test_labels(&x->s.match_labels, labels);
	test_exprs(&x->e, exprs);
	x->s.match_expressions = x->e.items;
	x->s.n_match_expressions = x->e.n;
}

static void sel_free(struct sel *x)
{
	jn_strmap_release(&x->s.match_labels);
}

/* matchLabelKeys / mismatchLabelKeys merged from the owner's labels at match time. */
static void merges_label_keys(void)
{
	static const struct {
		const char *match_labels, *exprs, *owner, *candidate;
		const char *match_key, *mismatch_key;
		bool null_selector, want;
	} cases[] = {
		{ "app=web", "", "app=web,rev=2", "app=web,rev=2", "rev", NULL, false, true },
		{ "app=web", "", "app=web,rev=2", "app=web,rev=1", "rev", NULL, false, false },
		{ "app=web", "", "app=web,rev=2", "app=web", "rev", NULL, false, false },
		/* a key the owner lacks adds nothing */
		{ "app=web", "", "app=web", "app=web,rev=1", "rev", NULL, false, true },
		{ "app=web", "", "app=web,tenant=a", "app=web,tenant=b", NULL, "tenant", false, true },
		{ "app=web", "", "app=web,tenant=a", "app=web,tenant=a", NULL, "tenant", false, false },
		{ "app=web", "", "app=web,tenant=a", "app=web", NULL, "tenant", false, true },
		/* the selector itself still decides first */
		{ "app=web", "", "rev=1", "app=db,rev=1", "rev", NULL, false, false },
		{ "", "app In web db; tier NotIn front", "", "app=db,tier=back", NULL, NULL, false, true },
		{ "", "app In web db; tier NotIn front", "", "app=db,tier=front", NULL, NULL, false, false },
		/* an empty selector selects everything; a missing one nothing, keys or not */
		{ "", "", "rev=1", "rev=1", "rev", NULL, false, true },
		{ "", "", "rev=1", "rev=1", "rev", NULL, true, false },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct sel x;
		struct jn_strmap owner, cand;
		char ctx[32];
		sel_init(&x, cases[i].match_labels, cases[i].exprs);
		test_labels(&owner, cases[i].owner);
		test_labels(&cand, cases[i].candidate);
		char *mk[] = { (char *)cases[i].match_key }, *mmk[] = { (char *)cases[i].mismatch_key };
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		CASE_INT_EQ(ctx, jn_label_selector_matches_merged(cases[i].null_selector ? NULL : &x.s,
			&cand, &owner, mk, cases[i].match_key ? 1 : 0, mmk, cases[i].mismatch_key ? 1 : 0),
			cases[i].want);
		sel_free(&x);
		jn_strmap_release(&owner);
		jn_strmap_release(&cand);
	}
}

static void resolves_term_namespaces(void)
{
	struct sel team, everything;
	struct jn_strmap ns_labels;
	char *listed[] = { (char *)"a", (char *)"b" };
	sel_init(&team, "team=x", "");
	sel_init(&everything, "", "");
	test_labels(&ns_labels, "team=x");

	/* default: the pod's own namespace */
	struct jn_pod_affinity_term t = { 0 };
	CHECK(jn_pod_affinity_term_covers_namespace(&t, "own", "own", NULL));
	CHECK(!jn_pod_affinity_term_covers_namespace(&t, "own", "other", &ns_labels));
	/* a list replaces the default */
	t.namespaces = listed;
	t.n_namespaces = 2;
	CHECK(jn_pod_affinity_term_covers_namespace(&t, "own", "b", NULL));
	CHECK(!jn_pod_affinity_term_covers_namespace(&t, "own", "own", NULL));
	/* list and selector are a union */
	t.namespace_selector = &team.s;
	CHECK(jn_pod_affinity_term_covers_namespace(&t, "own", "a", NULL));
	CHECK(jn_pod_affinity_term_covers_namespace(&t, "own", "c", &ns_labels));
	CHECK(!jn_pod_affinity_term_covers_namespace(&t, "own", "c", NULL));
	/* a selector alone; {} selects every namespace, labels known or not */
	t.n_namespaces = 0;
	CHECK(!jn_pod_affinity_term_covers_namespace(&t, "own", "own", NULL));
	t.namespace_selector = &everything.s;
	CHECK(jn_pod_affinity_term_covers_namespace(&t, "own", "zzz", NULL));
	sel_free(&team);
	sel_free(&everything);
	jn_strmap_release(&ns_labels);
}

static void matches_pods_by_term(void)
{
	struct sel app;
	struct jn_pod owner, same_ns, other_ns, other_rev;
	char *keys[] = { (char *)"rev" };
	sel_init(&app, "app=web", "");
	test_pod(&owner, "shop", "app=web,rev=7", "");
	test_pod(&same_ns, "shop", "app=web,rev=7", "");
	test_pod(&other_ns, "blog", "app=web,rev=7", "");
	test_pod(&other_rev, "shop", "app=web,rev=6", "");
	struct jn_pod_affinity_term t = { .label_selector = &app.s,
		.topology_key = (char *)"kubernetes.io/hostname", .match_label_keys = keys,
		.n_match_label_keys = 1 };
	CHECK(jn_pod_affinity_term_matches(&t, &owner, &same_ns, NULL));
	CHECK(!jn_pod_affinity_term_matches(&t, &owner, &other_ns, NULL));
	CHECK(!jn_pod_affinity_term_matches(&t, &owner, &other_rev, NULL));
	/* mismatchLabelKeys: only pods of other revisions */
	t.match_label_keys = NULL;
	t.n_match_label_keys = 0;
	t.mismatch_label_keys = keys;
	t.n_mismatch_label_keys = 1;
	CHECK(jn_pod_affinity_term_matches(&t, &owner, &other_rev, NULL));
	CHECK(!jn_pod_affinity_term_matches(&t, &owner, &same_ns, NULL));
	t.label_selector = NULL;
	CHECK(!jn_pod_affinity_term_matches(&t, &owner, &other_rev, NULL));
	sel_free(&app);
	test_pod_release(&owner);
	test_pod_release(&same_ns);
	test_pod_release(&other_ns);
	test_pod_release(&other_rev);
}

int main(void)
{
	JN_RUN(merges_label_keys);
	JN_RUN(resolves_term_namespaces);
	JN_RUN(matches_pods_by_term);
	return jn_tap_done();
}
