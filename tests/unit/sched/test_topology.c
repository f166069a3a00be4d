#include <stdint.h>

#include "sched_test.h"

#define ZONE "topology.kubernetes.io/zone"

static struct jn_topology_spread spread(int32_t max_skew, enum jn_unsatisfiable_action when,
	int32_t min_domains)
{
	return (struct jn_topology_spread){ .max_skew = max_skew, .topology_key = (char *)ZONE,
		.when_unsatisfiable = when, .min_domains = min_domains };
}

static void computes_the_global_minimum(void)
{
	static const struct {
		int32_t counts[4];
		size_t n;
		enum jn_unsatisfiable_action when;
		int32_t min_domains, want;
	} cases[] = {
		{ { 3, 1, 2 }, 3, JN_DO_NOT_SCHEDULE, 0, 1 },
		{ { 0 }, 0, JN_DO_NOT_SCHEDULE, 0, 0 },
		{ { 5 }, 1, JN_DO_NOT_SCHEDULE, 0, 5 },
		/* fewer domains than minDomains: the missing ones count as empty */
		{ { 3, 1, 2 }, 3, JN_DO_NOT_SCHEDULE, 4, 0 },
		{ { 3, 1, 2 }, 3, JN_DO_NOT_SCHEDULE, 3, 1 },
		/* minDomains belongs to DoNotSchedule only */
		{ { 3, 1, 2 }, 3, JN_SCHEDULE_ANYWAY, 4, 1 },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_topology_spread c = spread(1, cases[i].when, cases[i].min_domains);
		char ctx[32];
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		CASE_INT_EQ(ctx, jn_spread_global_min(&c, cases[i].counts, cases[i].n), cases[i].want);
	}
}

static void allows_and_picks_domains(void)
{
	struct jn_topology_spread c = spread(1, JN_DO_NOT_SCHEDULE, 0);
	/* count + self - min <= maxSkew */
	CHECK(jn_spread_allows(&c, 1, 1, true));
	CHECK(!jn_spread_allows(&c, 2, 1, true));
	CHECK(jn_spread_allows(&c, 2, 1, false));
	CHECK(!jn_spread_allows(&c, INT32_MAX, 0, true));

	static const struct {
		int32_t counts[4];
		size_t n;
		bool candidate[4];
		bool use_candidates, self;
		int32_t max_skew, min_domains;
		size_t want;
	} cases[] = {
		{ { 2, 0, 1 }, 3, { 0 }, false, true, 1, 0, 1 },
		{ { 2, 0, 1 }, 3, { true, false, true }, true, true, 1, 0, SIZE_MAX },
		{ { 2, 0, 1 }, 3, { true, false, true }, true, true, 2, 0, 2 },
		{ { 2, 0, 1 }, 3, { true, false, true }, true, false, 1, 0, 2 },
		{ { 0, 0 }, 2, { 0 }, false, true, 1, 0, 0 },                  /* ties: lowest index */
		{ { 1, 1 }, 2, { 0 }, false, true, 1, 0, 0 },
		/* kube's minDomains example: 2 zones with 2 pods each, minDomains 3: nothing fits ... */
		{ { 2, 2 }, 2, { 0 }, false, true, 1, 3, SIZE_MAX },
		/* ... until a third zone (a new node's) is a domain */
		{ { 2, 2, 0 }, 3, { 0 }, false, true, 1, 3, 2 },
		{ { 0 }, 0, { 0 }, false, true, 1, 0, SIZE_MAX },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_topology_spread k = spread(cases[i].max_skew, JN_DO_NOT_SCHEDULE,
			cases[i].min_domains);
		char ctx[32];
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		size_t got = jn_spread_pick_domain(&k, cases[i].counts, cases[i].n,
			cases[i].use_candidates ? cases[i].candidate : NULL, cases[i].self);
		CASE_INT_EQ(ctx, got == SIZE_MAX ? -1 : (long long)got,
			cases[i].want == SIZE_MAX ? -1 : (long long)cases[i].want);
	}
}

/* nodeAffinityPolicy / nodeTaintsPolicy decide which nodes' pods count. */
static void counts_nodes_by_policy(void)
{
	struct jn_taint noschedule = { .key = (char *)"dedicated", .value = (char *)"",
		.effect = JN_TAINT_NO_SCHEDULE };
	struct jn_taint prefer = { .key = (char *)"spot", .value = (char *)"",
		.effect = JN_TAINT_PREFER_NO_SCHEDULE };
	static const struct {
		const char *labels;
		bool tainted, prefer_only;
		enum jn_inclusion_policy affinity, taints;
		bool want;
	} cases[] = {
		{ ZONE "=a,disk=ssd", false, false, JN_POLICY_HONOR, JN_POLICY_IGNORE, true },
		{ "disk=ssd", false, false, JN_POLICY_IGNORE, JN_POLICY_IGNORE, false },  /* no key */
		{ ZONE "=a,disk=hdd", false, false, JN_POLICY_HONOR, JN_POLICY_IGNORE, false },
		{ ZONE "=a,disk=hdd", false, false, JN_POLICY_IGNORE, JN_POLICY_IGNORE, true },
		{ ZONE "=a,disk=ssd", true, false, JN_POLICY_HONOR, JN_POLICY_IGNORE, true },
		{ ZONE "=a,disk=ssd", true, false, JN_POLICY_HONOR, JN_POLICY_HONOR, false },
		{ ZONE "=a,disk=ssd", true, true, JN_POLICY_HONOR, JN_POLICY_HONOR, true },
	};
	struct jn_pod pod;
	test_pod(&pod, "default", "app=web", "disk=ssd");
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_topology_spread c = spread(1, JN_DO_NOT_SCHEDULE, 0);
		struct jn_strmap labels;
		char ctx[32];
		c.node_affinity_policy = cases[i].affinity;
		c.node_taints_policy = cases[i].taints;
		test_labels(&labels, cases[i].labels);
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		CASE_INT_EQ(ctx, jn_spread_node_counts(&c, &pod, &labels, "n1",
			cases[i].prefer_only ? &prefer : &noschedule, cases[i].tainted ? 1 : 0),
			cases[i].want);
		jn_strmap_release(&labels);
	}
	test_pod_release(&pod);
}

static void counts_pods(void)
{
	struct jn_label_selector sel = { 0 };
	char *keys[] = { (char *)"rev" };
	jn_strmap_init(&sel.match_labels);
	jn_strmap_set(&sel.match_labels, "app", "web");
	struct jn_topology_spread c = spread(1, JN_DO_NOT_SCHEDULE, 0);
	c.label_selector = &sel;
	c.match_label_keys = keys;
	c.n_match_label_keys = 1;

	struct jn_pod pod, same, old_rev, other_ns, gone, db;
	test_pod(&pod, "shop", "app=web,rev=2", "");
	test_pod(&same, "shop", "app=web,rev=2", "");
	test_pod(&old_rev, "shop", "app=web,rev=1", "");
	test_pod(&other_ns, "blog", "app=web,rev=2", "");
	test_pod(&gone, "shop", "app=web,rev=2", "");
	gone.deleting = true;
	test_pod(&db, "shop", "app=db,rev=2", "");
	CHECK(jn_spread_counts_pod(&c, &pod, &same));
	CHECK(!jn_spread_counts_pod(&c, &pod, &old_rev));
	CHECK(!jn_spread_counts_pod(&c, &pod, &other_ns));
	CHECK(!jn_spread_counts_pod(&c, &pod, &gone));
	CHECK(!jn_spread_counts_pod(&c, &pod, &db));
	CHECK(jn_spread_self_match(&c, &pod));
	CHECK(!jn_spread_self_match(&c, &db));
	/* without matchLabelKeys every revision counts */
	c.n_match_label_keys = 0;
	CHECK(jn_spread_counts_pod(&c, &pod, &old_rev));
	/* a constraint with no selector selects nothing, not even the pod itself */
	c.label_selector = NULL;
	CHECK(!jn_spread_counts_pod(&c, &pod, &same));
	CHECK(!jn_spread_self_match(&c, &pod));
	jn_strmap_release(&sel.match_labels);
	struct jn_pod *all[] = { &pod, &same, &old_rev, &other_ns, &gone, &db };
	for (size_t i = 0; i < JN_ARRAY_LEN(all); i++)
		test_pod_release(all[i]);
}

int main(void)
{
	JN_RUN(computes_the_global_minimum);
	JN_RUN(allows_and_picks_domains);
	JN_RUN(counts_nodes_by_policy);
	JN_RUN(counts_pods);
	return jn_tap_done();
}
