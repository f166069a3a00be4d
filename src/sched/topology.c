/*
 * Topology spread: which nodes and pods count for a constraint, and which domains keep the
 * skew within maxSkew. The caller keeps the counts per domain (the packer updates them as it
 * places pods); this file only decides. See sched.h for the rules and where they come from.
 */
#include <string.h>

#include "sched_internal.h"

bool jn_spread_node_counts(const struct jn_topology_spread *c, const struct jn_pod *pod,
	const struct jn_strmap *node_labels, const char *node_name, const struct jn_taint *taints,
	size_t n_taints)
{
	if (!jn_strmap_has(node_labels, c->topology_key))
		return false;
	if (c->node_affinity_policy == JN_POLICY_HONOR &&
		!jn_pod_matches_node(pod, node_labels, node_name, NULL, 0))
		return false;
	if (c->node_taints_policy == JN_POLICY_HONOR &&
		!jn_pod_tolerates(pod, taints, n_taints, JN_TAINTS_BLOCKING, NULL, 0))
		return false;
	return true;
}

bool jn_spread_self_match(const struct jn_topology_spread *c, const struct jn_pod *pod)
{
	return jn_label_selector_matches_merged(c->label_selector, &pod->labels, &pod->labels,
		c->match_label_keys, c->n_match_label_keys, NULL, 0);
}

bool jn_spread_counts_pod(const struct jn_topology_spread *c, const struct jn_pod *pod,
	const struct jn_pod *other)
{
	if (other->deleting || strcmp(other->namespace_, pod->namespace_) != 0)
		return false;
	return jn_label_selector_matches_merged(c->label_selector, &other->labels, &pod->labels,
		c->match_label_keys, c->n_match_label_keys, NULL, 0);
}

int32_t jn_spread_global_min(const struct jn_topology_spread *c, const int32_t *counts, size_t n)
{
	/* minDomains only exists for DoNotSchedule (the apiserver rejects it otherwise): with
	 * fewer domains than asked for, the missing ones count as empty. */
	if (!n || (c->when_unsatisfiable == JN_DO_NOT_SCHEDULE && c->min_domains > 0 &&
			n < (size_t)c->min_domains))
		return 0;
	int32_t min = counts[0];
	for (size_t i = 1; i < n; i++)
		min = JN_MIN(min, counts[i]);
	return min;
}

bool jn_spread_allows(const struct jn_topology_spread *c, int32_t count, int32_t global_min,
	bool self_match)
{
	return (int64_t)count + (self_match ? 1 : 0) - global_min <= (int64_t)c->max_skew;
}

size_t jn_spread_pick_domain(const struct jn_topology_spread *c, const int32_t *counts,
	size_t n, const bool *candidate, bool self_match)
{
	int32_t min = jn_spread_global_min(c, counts, n);
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (candidate && !candidate[i])
			continue;
		if (!jn_spread_allows(c, counts[i], min, self_match))
			continue;
		if (best == SIZE_MAX || counts[i] < counts[best])
			best = i;
	}
	return best;
}
