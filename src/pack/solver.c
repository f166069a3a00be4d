/*
 * The packing solver.
 *
 * Design note: which heuristic, why, and what it reaches.
 *
 *   1. Pods are taken by priority, then size (cpu, then memory), descending: first-fit
 *      decreasing (FFD). Each pod goes to the first bin that takes it: existing nodes (in input
 *      order), then the claims opened so far, in opening order. For one dimension and one bin
 *      size FFD uses at most 11/9 OPT + 6/9 bins (Dósa 2007); with several dimensions no
 *      constant-factor guarantee exists for any fast heuristic, so we lean on step 3 and
 *      measure against the LP bound instead (bench/pack).
 *   2. When no bin takes a pod, a claim is opened in the first pool (by weight) that has a
 *      compatible offering. Among its offerings we pick the lowest price per packed pod:
 *      price / min(N, pods the offering would hold), where the pods counted are the remaining
 *      ones of the pod's class plus the remaining pods that may go anywhere, at their average
 *      size. Early in a solve that prefers the offering with the best price per unit of the
 *      binding resource (large, efficient types, where daemonset and kubelet overhead weigh
 *      least); near the end it prefers the cheapest offering that still holds what is left.
 *      Why not first fit on the smallest type: it opens many small nodes whose overhead and
 *      fragmentation cost more; why not the largest: it over-provisions the tail.
 *   2b. Complementary filling (fill.c), for a claim opened for a pod whose class no topology
 *      group owns or counts (it may share any node its class accepts) or that must be alone
 *      on its node (hostname anti-affinity or spread): among the 32 cheapest types of the
 *      chosen offering's pool, the claim takes the one whose node, filled by simulation,
 *      costs least per dollar of pods held (a pod's worth: its cpu and memory at the unit
 *      prices of the catalog's covering dual), and is filled at once with pending pods of
 *      such classes and the same priority: the largest one that keeps the node's cpu and
 *      memory fractions within 5 % of each other (or of their present gap), else the one
 *      that brings them closest. Why: first fit by size packs the cpu-heavy pods first, so
 *      their nodes fill on cpu with memory idle and the memory-heavy pods met later need
 *      dearer memory-rich types, and a one-per-node pod gets a small node shared with the
 *      next small pod; the LP bound's nodes mix both kinds. Pods that might fit an existing
 *      node are left to first fit (existing capacity goes first).
 *   3. When every pod is placed, each claim is shrunk to the cheapest offering of its pool
 *      that still holds its pods (daemonsets included) and meets every constraint of every
 *      class in it; that and the next cheapest ones (up to max_options, widened until minValues
 *      holds) become its options. Shrinking removes most of the tail waste of step 2.
 *   Bound: on one class and one resource the result is within FFD's bound of the fewest nodes
 *   of the chosen type; bench/pack compares the cost with the exact LP lower bound (fractional
 *   nodes, all resources at once, per compatibility class, one pod per node for hostname
 *   anti-affinity). Measured on its mixed 10,000-pod workload: 713.29 $/h against 699.63,
 *   2.0 % above (target 5 %; first fit alone gave 745.28, 6.5 %). Pods that topology groups
 *   own or count are never pulled by filling (placing one early changes what others may do),
 *   so workloads made mostly of those still get plain first fit.
 *   On random small workloads (tests' fixture world) filling is cheaper in about 3 cases
 *   out of 8 and dearer in 1 out of 6; about 3.5 % cheaper in sum.
 *
 * Speed: classes share every constraint evaluation; a class' compatible offerings are a bit
 * set built once; bins store dense resource vectors; per class a cursor skips the bins that
 * can never take it again (anti-affinity, hostname spread, incompatible claims), so the
 * scan stays short even with thousands of one-pod-per-node claims. Nothing is allocated per
 * pod in the loop except when a bin meets a new class.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "pack_internal.h"

bool pk_fits(const int64_t *used, const int64_t *req, const int64_t *cap, uint32_t n)
{
	for (uint32_t d = 0; d < n; d++)
		if (used[d] + req[d] > cap[d])
			return false;
	return true;
}

static uint32_t bin_new(struct pk_solve *s)
{
	if (s->n_bins == s->cap_bins) {
		s->cap_bins = s->cap_bins ? s->cap_bins * 2 : 64;
		s->bins = jn_xrealloc(s->bins, s->cap_bins * sizeof(*s->bins));
		size_t need = (size_t)s->cap_bins * s->n_groups * 2;
		s->bin_counts = jn_xrealloc(s->bin_counts, (need ? need : 1) * sizeof(int32_t));
		memset(s->bin_counts + (size_t)s->n_bins * s->n_groups * 2, 0,
			(need - (size_t)s->n_bins * s->n_groups * 2) * sizeof(int32_t));
	}
	struct pk_bin *b = &s->bins[s->n_bins];
	memset(b, 0, sizeof(*b));
	b->first_pod = b->last_pod = PK_NONE;
	b->zone = PK_NONE;
	b->node = b->site = PK_NONE;
	jn_host_ports_init(&b->ports);
	return s->n_bins++;
}

/*
 * The first-fit tree: a segment tree over bins whose nodes hold the component-wise maximum of
 * their bins' remaining cpu, memory and pods, and the union of their zones. Finding the first
 * bin at or after `from` that could hold a request skips whole subtrees that cannot, so a
 * pod's scan costs O(log bins) per candidate instead of one step per full or wrong-zone bin.
 */
static void tree_leaf(struct pk_solve *s, uint32_t bi)
{
	const struct pk_bin *b = &s->bins[bi];
	uint32_t i = s->tree_size + bi;
	static const uint32_t dims[3] = { PK_DIM_CPU, PK_DIM_MEM, PK_DIM_PODS };
	for (int k = 0; k < 3; k++)
		s->tree_rem[i * 3 + k] = b->closed ? -1 : b->cap[dims[k]] - b->used[dims[k]];
	s->tree_zones[i] = b->zone == PK_NONE ? PK_NO_ZONE_BIT : 1u << b->zone;
}

static void tree_pull(struct pk_solve *s, uint32_t i)
{
	for (int k = 0; k < 3; k++)
		s->tree_rem[i * 3 + k] = JN_MAX(s->tree_rem[2 * i * 3 + k],
			s->tree_rem[(2 * i + 1) * 3 + k]);
	s->tree_zones[i] = s->tree_zones[2 * i] | s->tree_zones[2 * i + 1];
}

static void tree_update(struct pk_solve *s, uint32_t bi)
{
	if (bi >= s->tree_size) {
		uint32_t size = s->tree_size ? s->tree_size : 64;
		while (size <= bi)
			size *= 2;
		s->tree_size = size;
		free(s->tree_rem);
		free(s->tree_zones);
		s->tree_rem = jn_xmalloc(2 * (size_t)size * 3 * sizeof(int64_t));
		s->tree_zones = jn_xcalloc(2 * (size_t)size, sizeof(uint32_t));
		for (size_t i = 0; i < 2 * (size_t)size * 3; i++)
			s->tree_rem[i] = -1;
		for (uint32_t b = 0; b < s->n_bins; b++)
			tree_leaf(s, b);
		for (uint32_t i = size - 1; i > 0; i--)
			tree_pull(s, i);
		return;
	}
	tree_leaf(s, bi);
	for (uint32_t i = (s->tree_size + bi) / 2; i > 0; i /= 2)
		tree_pull(s, i);
}

static bool tree_node_ok(const struct pk_solve *s, uint32_t i, const int64_t *req, uint32_t zmask)
{
	return s->tree_rem[i * 3] >= req[PK_DIM_CPU] && s->tree_rem[i * 3 + 1] >= req[PK_DIM_MEM] &&
		s->tree_rem[i * 3 + 2] >= req[PK_DIM_PODS] && (s->tree_zones[i] & zmask);
}

static uint32_t tree_find(const struct pk_solve *s, uint32_t node, uint32_t lo, uint32_t hi,
	uint32_t from, const int64_t *req, uint32_t zmask)
{
	if (hi <= from || lo >= s->n_bins || !tree_node_ok(s, node, req, zmask))
		return PK_NONE;
	if (hi - lo == 1)
		return lo;
	uint32_t mid = lo + (hi - lo) / 2;
	uint32_t r = tree_find(s, 2 * node, lo, mid, from, req, zmask);
	return r != PK_NONE ? r : tree_find(s, 2 * node + 1, mid, hi, from, req, zmask);
}

/* The first bin at or after from that may hold req in a zone of zmask, or PK_NONE. */
uint32_t pk_first_fit(const struct pk_solve *s, uint32_t from, const int64_t *req,
	uint32_t zmask)
{
	if (from >= s->n_bins)
		return PK_NONE;
	return tree_find(s, 1, 0, s->tree_size, from, req, zmask);
}

static void close_if_full(struct pk_solve *s, struct pk_bin *b)
{
	for (uint32_t d = 0; d < s->n_dims; d++)
		if (s->min_req[d] > 0 && b->cap[d] - b->used[d] < s->min_req[d]) {
			b->closed = true;
			return;
		}
}

static int64_t *pool_node_vec(struct pk_solve *s, const struct jn_resources *r, int64_t *v)
{
	pk_vec_from_resources(s, r, v, false);
	return v;
}

static void existing_bins(struct pk_solve *s)
{
	const struct jn_pack_input *in = s->in;
	for (size_t i = 0; i < in->n_nodes; i++) {
		const struct jn_node *nd = &in->nodes[i];
		uint32_t bi = bin_new(s);   /* may move s->bins: index first */
		struct pk_bin *b = &s->bins[bi];
		b->node = (uint32_t)i;
		b->zone = pk_zone_index(s, jn_strmap_get(&nd->labels, JN_LABEL_ZONE));
		pk_vec_from_resources(s, &nd->allocatable, b->cap, false);
		b->closed = nd->unschedulable || nd->deleting;
		const char *pool = jn_strmap_get(&nd->labels, JN_LABEL_NODEPOOL);
		for (uint32_t p = 0; pool && p < s->n_pools; p++) {
			if (strcmp(s->pools[p].np->name, pool) != 0)
				continue;
			int64_t v[PK_DIMS];
			pool_node_vec(s, &nd->capacity, v);
			for (uint32_t d = 0; d < s->n_dims; d++)
				s->pools[p].used[d] += v[d];
			s->pools[p].nodes_used++;
		}
	}
	for (size_t i = 0; i < in->n_bound; i++) {
		const struct jn_pod *p = &in->bound[i];
		if (!p->node_name)
			continue;
		for (size_t n = 0; n < in->n_nodes; n++) {
			if (strcmp(in->nodes[n].name, p->node_name) != 0)
				continue;
			int64_t v[PK_DIMS];
			pk_vec_from_resources(s, &p->requests, v, true);
			for (uint32_t d = 0; d < s->n_dims; d++)
				s->bins[n].used[d] += v[d];
			jn_host_ports_add(&s->bins[n].ports, p->host_ports, p->n_host_ports);
			break;
		}
	}
	pk_groups_count_bound(s);
	for (uint32_t b = 0; b < s->n_bins; b++)
		tree_update(s, b);
}

static void bin_note_class(struct pk_bin *b, uint32_t key)
{
	for (uint32_t i = b->n_classes; i > 0; i--)
		if (b->classes[i - 1] == key)
			return;
	if (b->n_classes == b->cap_classes) {
		b->cap_classes = b->cap_classes ? b->cap_classes * 2 : 4;
		b->classes = jn_xrealloc(b->classes, b->cap_classes * sizeof(*b->classes));
	}
	b->classes[b->n_classes++] = key;
}

static void demand_done(struct pk_solve *s, uint32_t pod)
{
	struct pk_class *c = &s->classes[s->pod_class[pod]];
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	for (uint32_t d = 0; d < s->n_dims; d++) {
		c->rem[d] -= req[d];
		if (c->generic)
			s->rem_generic[d] -= req[d];
	}
	c->rem_pods--;
	if (c->generic)
		s->rem_generic_pods--;
}

void pk_place(struct pk_solve *s, uint32_t pod, uint32_t bi, uint32_t level)
{
	struct pk_bin *b = &s->bins[bi];
	uint32_t ci = s->pod_class[pod];
	const struct pk_class *c = &s->classes[ci];
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	for (uint32_t d = 0; d < s->n_dims; d++)
		b->used[d] += req[d];
	s->pod_next[pod] = PK_NONE;
	if (b->last_pod == PK_NONE)
		b->first_pod = pod;
	else
		s->pod_next[b->last_pod] = pod;
	b->last_pod = pod;
	b->n_pods++;
	bin_note_class(b, ci << 8 | (level > 255 ? 255 : level));
	if (c->has_ports)
		jn_host_ports_add(&b->ports, c->rep->host_ports, c->rep->n_host_ports);
	pk_groups_add(s, ci, level, bi, b->zone);
	if (c->touches_zone)
		b->zone_locked = true;
	s->pod_bin[pod] = bi;
	s->pod_level[pod] = level;
	demand_done(s, pod);
	close_if_full(s, b);
	tree_update(s, bi);
}

/* Whether bin b can never again take an owner of group g (counts only grow). */
static bool saturated(struct pk_solve *s, const struct pk_class *c, uint32_t k, uint32_t b)
{
	const struct pk_group *g = &s->groups[c->own[k]];
	int32_t here = pk_bin_counts(s, b)[c->own[k] * 2];
	if (s->bins[b].closed)
		return true;
	if (g->kind == PK_ANTI)
		return here > 0;
	return here + (c->own_self[k] ? 1 : 0) > g->spread->max_skew;
}

static bool bin_takes(struct pk_solve *s, uint32_t pod, uint32_t level, uint32_t bi,
	uint32_t zmask, bool *permanent, const char **why);

/*
 * Classes limited per node (hostname anti-affinity, hostname spread) scan the open-bin list of
 * their limiting group instead of every bin: with thousands of one-pod-per-node claims that
 * list holds only the few bins still free of such pods. Saturated and closed bins are dropped
 * from it as they are met; order is kept, so this is still first fit.
 */
static bool try_open_bins(struct pk_solve *s, uint32_t pod, uint32_t level, uint32_t zmask,
	const char **why)
{
	struct pk_class *c = &s->classes[s->pod_class[pod]];
	struct pk_group *g = &s->groups[c->own[c->limit_k]];
	for (; g->bins_seen < s->n_bins; g->bins_seen++)
		*JN_PUSH(g->open_bins, g->n_open_bins, g->cap_open_bins) = g->bins_seen;
	size_t w = 0, r = 0;
	bool placed = false;
	for (; r < g->n_open_bins && !placed; r++) {
		uint32_t bi = g->open_bins[r];
		if (saturated(s, c, c->limit_k, bi))
			continue;
		bool permanent;
		placed = bin_takes(s, pod, level, bi, zmask, &permanent, why);
		if (placed)
			pk_place(s, pod, bi, level);
		g->open_bins[w++] = bi;
	}
	for (; r < g->n_open_bins; r++)
		g->open_bins[w++] = g->open_bins[r];
	g->n_open_bins = w;
	return placed;
}

static bool bin_takes(struct pk_solve *s, uint32_t pod, uint32_t level, uint32_t bi,
	uint32_t zmask, bool *permanent, const char **why)
{
	uint32_t ci = s->pod_class[pod];
	struct pk_class *c = &s->classes[ci];
	uint32_t rank = pk_level_node_rank(c, level);
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	struct pk_bin *b = &s->bins[bi];
	bool ok;
	*permanent = true;
	if (b->closed)
		ok = false;
	else if (b->claim) {
		const uint64_t *sites = pk_class_sites(s, ci, rank);
		ok = (sites[b->site / 64] >> (b->site % 64)) & 1;
	} else
		ok = pk_class_node_ok(s, ci, rank, b->node);
	if (ok && !pk_fits(b->used, req, b->cap, s->n_dims)) {
		ok = false;
		*permanent = false;
	}
	if (ok && c->has_ports && jn_host_ports_conflict(&b->ports, c->rep->host_ports,
			c->rep->n_host_ports, NULL, 0))
		ok = false;
	if (ok && (c->n_own || c->n_member_of))
		ok = pk_groups_bin_ok(s, ci, level, bi, b->zone, zmask, permanent, why);
	return ok;
}

static bool try_bins(struct pk_solve *s, uint32_t pod, uint32_t level, const char **why)
{
	uint32_t ci = s->pod_class[pod];
	struct pk_class *c = &s->classes[ci];
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	uint32_t zmask = c->touches_zone ? pk_groups_zone_mask(s, ci, level, false, why) : ~0u;
	if (zmask == 0)
		return false;
	if (c->limit_k != PK_NONE && pk_group_active(c, c->limit_k, level))
		return try_open_bins(s, pod, level, zmask, why);
	for (uint32_t bi = pk_first_fit(s, level == 0 ? c->cursor : 0, req, zmask); bi != PK_NONE;
			bi = pk_first_fit(s, bi + 1, req, zmask)) {
		bool permanent;
		if (!bin_takes(s, pod, level, bi, zmask, &permanent, why)) {
			if (permanent && level == 0 && bi == c->cursor)
				c->cursor++;
			continue;
		}
		pk_place(s, pod, bi, level);
		return true;
	}
	return false;
}

/* Remaining demand the new claim would be filled from: the class' own plus the generic pods. */
static double demand(const struct pk_solve *s, const struct pk_class *c, double *D)
{
	double n = 0;
	for (uint32_t d = 0; d < s->n_dims; d++)
		D[d] = 0;
	if (!c->generic && c->rem_pods > 0) {
		double k = c->host_limited ? 1.0 / c->rem_pods : 1.0;
		for (uint32_t d = 0; d < s->n_dims; d++)
			D[d] += (double)c->rem[d] * k;
		n += c->host_limited ? 1 : c->rem_pods;
	}
	for (uint32_t d = 0; d < s->n_dims; d++)
		D[d] += (double)s->rem_generic[d];
	n += s->rem_generic_pods;
	return n < 1 ? 1 : n;
}

static bool within_limits(const struct pk_pool *p, const struct pk_site *site, uint32_t n_dims,
	uint32_t *dim)
{
	for (uint32_t d = 0; d < n_dims; d++)
		if (p->has_limit[d] && p->used[d] + site->type_cap[d] > p->limit[d]) {
			*dim = d;
			return false;
		}
	if (p->has_node_limit && p->nodes_used + 1 > p->node_limit) {
		*dim = PK_NONE;
		return false;
	}
	return true;
}

/*
 * A claim that complementary filling will fill (fill.c): among the cheapest types of the
 * chosen offering's pool, the one whose filled node costs least per dollar of pods it holds.
 */
#define FILL_CANDIDATES 32

static uint32_t fill_choice(struct pk_solve *s, uint32_t pod, uint32_t level, uint32_t zmask,
	uint32_t chosen)
{
	uint32_t ci = s->pod_class[pod], n, dim, last_type = PK_NONE, seen = 0;
	const uint32_t *list = pk_class_site_list(s, ci, pk_level_node_rank(&s->classes[ci], level),
		&n);
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	int64_t zero[PK_DIMS] = { 0 };
	uint32_t pool = s->sites[chosen].pool, best = chosen;
	double best_score = s->sites[chosen].price / pk_fill_value(s, pod, chosen);
	for (uint32_t i = 0; i < n && seen < FILL_CANDIDATES; i++) {
		const struct pk_site *site = &s->sites[list[i]];
		if (site->pool != pool || site->type == last_type || !(zmask & (1u << site->zone)) ||
				!pk_fits(zero, req, site->cap, s->n_dims) ||
				!within_limits(&s->pools[pool], site, s->n_dims, &dim))
			continue;
		last_type = site->type;
		seen++;
		double score = site->price / pk_fill_value(s, pod, list[i]);
		if (score < best_score) {
			best_score = score;
			best = list[i];
		}
	}
	return best;
}

static bool try_new(struct pk_solve *s, uint32_t pod, uint32_t level, const char **why,
	char **limit_why)
{
	uint32_t ci = s->pod_class[pod];
	struct pk_class *c = &s->classes[ci];
	uint32_t n;
	const uint32_t *list = pk_class_site_list(s, ci, pk_level_node_rank(c, level), &n);
	if (n == 0)
		return false;
	uint32_t zmask = pk_groups_zone_mask(s, ci, level, true, why);
	if (zmask == 0)
		return false;
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	double D[PK_DIMS];
	double N = demand(s, c, D);
	uint32_t best = PK_NONE, pool = PK_NONE, limit_dim = PK_NONE - 1;
	double best_score = INFINITY;
	bool pool_done = false;
	int64_t zero[PK_DIMS] = { 0 };
	uint32_t dim;
	/*
	 * The previous choice for this class stands while the demand it was made for has not
	 * shrunk by more than a tenth (the score moves slowly with N): thousands of one-pod
	 * claims (hostname anti-affinity) then cost one scan of the offerings, not thousands.
	 */
	if (c->memo_site != PK_NONE && c->memo_level == level && c->memo_zmask == zmask &&
			N <= c->memo_n && N >= c->memo_n * 0.9 &&
			pk_fits(zero, req, s->sites[c->memo_site].cap, s->n_dims) &&
			within_limits(&s->pools[s->sites[c->memo_site].pool], &s->sites[c->memo_site],
				s->n_dims, &dim)) {
		best = c->memo_site;
		n = 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct pk_site *site = &s->sites[list[i]];
		if (site->pool != pool) {
			if (best != PK_NONE)
				break;
			pool = site->pool;
			pool_done = false;
		}
		if (pool_done || !(zmask & (1u << site->zone)) ||
				!pk_fits(zero, req, site->cap, s->n_dims))
			continue;
		if (site->price / N >= best_score) {
			pool_done = true;   /* sorted by price: nothing later in this pool can win */
			continue;
		}
		if (!within_limits(&s->pools[pool], site, s->n_dims, &dim)) {
			if (limit_dim == PK_NONE - 1)
				limit_dim = dim;
			if (!*limit_why) {
				const struct jn_nodepool *np = s->pools[pool].np;
				*limit_why = dim == PK_NONE ?
					jn_xasprintf("nodepool \"%s\": limit nodes %lld would be exceeded",
						np->name, (long long)s->pools[pool].node_limit) :
					jn_xasprintf("nodepool \"%s\": limit %s %lld would be exceeded",
						np->name, s->dim_name[dim], (long long)s->pools[pool].limit[dim]);
			}
			continue;
		}
		double packed = N;
		for (uint32_t d = 0; d < s->n_dims; d++)
			if (D[d] > 0)
				packed = fmin(packed, floor((double)site->cap[d] * N / D[d]));
		if (packed < 1)
			packed = 1;
		double score = site->price / packed;
		if (score < best_score) {
			best_score = score;
			best = list[i];
		}
	}
	if (best == PK_NONE)
		return false;
	if (n > 0) {
		c->memo_site = best;
		c->memo_level = level;
		c->memo_zmask = zmask;
		c->memo_n = N;
	}
	/*
	 * Complementary filling for claims of pods it may move freely or one per node (fill.c),
	 * when some pod may be filled in: without any, sizing by simulated fill would only pick
	 * the smallest type for each one-per-node pod, which measured twice as slow on
	 * Karpenter's benchmark (first fit then scans thousands of tiny bins).
	 */
	bool fill = s->fill_on && s->n_shapes > 0 && level == 0 &&
		(c->host_limited || pk_fill_eligible(c));
	if (fill)
		best = fill_choice(s, pod, level, zmask, best);
	uint32_t bi = bin_new(s);
	struct pk_bin *b = &s->bins[bi];
	const struct pk_site *site = &s->sites[best];
	struct pk_pool *p = &s->pools[site->pool];
	b->claim = true;
	b->site = best;
	b->zone = site->zone;
	memcpy(b->cap, site->cap, sizeof(b->cap));
	for (uint32_t d = 0; d < s->n_dims; d++)
		p->used[d] += site->type_cap[d];
	p->nodes_used++;
	pk_place(s, pod, bi, level);
	if (fill)
		pk_fill_claim(s, bi, s->in->pods[pod].priority);
	return true;
}

static void give_up(struct pk_solve *s, uint32_t pod, const char *why, char *limit_why)
{
	free(s->fail_why[pod]);
	if (limit_why)
		s->fail_why[pod] = limit_why;
	else
		s->fail_why[pod] = why ? jn_xstrdup(why) : NULL;
}

static void pack_pod(struct pk_solve *s, uint32_t pod)
{
	const struct pk_class *c = &s->classes[s->pod_class[pod]];
	const char *why = NULL;
	char *limit_why = NULL;
	if (c->unsupported_key) {
		give_up(s, pod, "a required topology constraint uses a key other than "
			"topology.kubernetes.io/zone or kubernetes.io/hostname", NULL);
		demand_done(s, pod);
		return;
	}
	for (uint32_t level = 0; level <= c->max_level; level++) {
		free(limit_why);
		limit_why = NULL;
		why = NULL;
		if (try_bins(s, pod, level, &why) || try_new(s, pod, level, &why, &limit_why)) {
			free(limit_why);
			return;
		}
	}
	give_up(s, pod, why, limit_why);
	demand_done(s, pod);
}

struct order_ctx {
	const struct jn_pod *pods;
	const int64_t *req;
	uint32_t n_dims;
};

/* Priority descending, then cpu, then memory descending, then input order. */
static int order_cmp(const struct order_ctx *o, uint32_t x, uint32_t y)
{
	if (o->pods[x].priority != o->pods[y].priority)
		return o->pods[x].priority > o->pods[y].priority ? -1 : 1;
	for (uint32_t d = 0; d < 2; d++) {
		int64_t rx = o->req[(size_t)x * o->n_dims + d], ry = o->req[(size_t)y * o->n_dims + d];
		if (rx != ry)
			return rx > ry ? -1 : 1;
	}
	return x < y ? -1 : x > y;
}

/* A bottom-up merge sort: qsort has no context argument in C11, and globals are banned. */
static void sort_order(uint32_t *order, uint32_t n, const struct order_ctx *ctx)
{
	if (n < 2)
		return;
	uint32_t *tmp = jn_xmalloc(n * sizeof(*tmp));
	for (uint32_t width = 1; width < n; width *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * width) {
			uint32_t mid = JN_MIN(lo + width, n), hi = JN_MIN(lo + 2 * width, n);
			uint32_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = order_cmp(ctx, order[i], order[j]) <= 0 ? order[i++] : order[j++];
			while (i < mid)
				tmp[k++] = order[i++];
			while (j < hi)
				tmp[k++] = order[j++];
		}
		memcpy(order, tmp, n * sizeof(*tmp));
	}
	free(tmp);
}

/*
 * One line per claim and per pod left out, so that "why this instance type?" is answered from
 * the log: the choice, how full it is, and the next cheapest option it beat.
 */
static void log_decisions(const struct jn_pack_input *in, const struct jn_pack_result *out)
{
	if (!jn_log_enabled(in->log, JN_LOG_INFO))
		return;
	for (size_t i = 0; i < out->n_claims; i++) {
		const struct jn_pack_claim *c = &out->claims[i];
		const struct jn_resources *alloc = &c->type->allocatable;
		char next[160] = "none";
		if (c->n_options > 1) {
			const struct jn_pack_option *o = &c->options[1];
			snprintf(next, sizeof(next), "%s/%s/%s@%.4f", o->type->name, o->offering->zone,
				jn_capacity_type_name(o->offering->capacity_type), o->offering->price);
		}
		jn_log_info(in->log, "computed nodeclaim", JN_LOG_STR("claim", c->name),
			JN_LOG_STR("nodepool", c->pool->name), JN_LOG_STR("instance_type", c->type->name),
			JN_LOG_STR("zone", c->offering->zone),
			JN_LOG_STR("capacity_type", jn_capacity_type_name(c->offering->capacity_type)),
			JN_LOG_DBL("price_per_hour", c->price), JN_LOG_INT("pods", c->n_pods),
			JN_LOG_DBL("price_per_pod", c->n_pods ? c->price / (double)c->n_pods : 0.0),
			JN_LOG_INT("cpu_fill_pct", alloc->cpu_milli ?
				c->requests.cpu_milli * 100 / alloc->cpu_milli : 0),
			JN_LOG_INT("memory_fill_pct", alloc->memory ?
				c->requests.memory * 100 / alloc->memory : 0),
			JN_LOG_INT("options", c->n_options), JN_LOG_STR("next_cheapest", next));
	}
	for (size_t i = 0; i < out->n_unplaced; i++) {
		const struct jn_pod *pod = &in->pods[out->unplaced[i].pod];
		char key[320];
		jn_log_warn(in->log, "could not place pod",
			JN_LOG_STR("pod", jn_pod_key(pod, key, sizeof(key))),
			JN_LOG_STR("reason", out->unplaced[i].reason));
	}
}

int jn_pack_solve(const struct jn_pack_input *in, struct jn_pack_result *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	struct pk_solve s;
	memset(&s, 0, sizeof(s));
	s.in = in;
	int rc = -1;
	if (pk_prepare(&s, err) < 0)
		goto done;
	s.fail_why = jn_xcalloc(in->n_pods ? in->n_pods : 1, sizeof(*s.fail_why));
	existing_bins(&s);
	uint32_t n = (uint32_t)in->n_pods;
	uint32_t *order = jn_xcalloc(n ? n : 1, sizeof(*order));
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	struct order_ctx ctx = { in->pods, s.pod_req, s.n_dims };
	sort_order(order, n, &ctx);
	pk_fill_build(&s, order, n);
	s.fill_on = true;
	for (uint32_t i = 0; i < n; i++) {
		s.fill_pos = i + 1;
		if (s.pod_bin[order[i]] == PK_NONE)
			pack_pod(&s, order[i]);
	}
	s.fill_on = false;
	/* pods that waited on others (affinity to pods placed later) get more passes */
	for (int pass = 0; pass < 3; pass++) {
		uint32_t placed = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t p = order[i];
			if (s.pod_bin[p] != PK_NONE)
				continue;
			/* it is demanded again while it is retried */
			struct pk_class *c = &s.classes[s.pod_class[p]];
			for (uint32_t d = 0; d < s.n_dims; d++)
				c->rem[d] += s.pod_req[(size_t)p * s.n_dims + d];
			c->rem_pods++;
			if (c->generic) {
				for (uint32_t d = 0; d < s.n_dims; d++)
					s.rem_generic[d] += s.pod_req[(size_t)p * s.n_dims + d];
				s.rem_generic_pods++;
			}
			pack_pod(&s, p);
			if (s.pod_bin[p] != PK_NONE)
				placed++;
		}
		if (placed == 0)
			break;
	}
	free(order);
	pk_fill_release(&s);
	pk_shrink(&s);
	rc = pk_result_build(&s, out);
	jn_log_info(in->log, "computed packing", JN_LOG_INT("nodes", out->n_claims),
		JN_LOG_INT("pods", in->n_pods - out->n_unplaced),
		JN_LOG_INT("existing_placements", out->n_placements),
		JN_LOG_INT("unplaced", out->n_unplaced),
		JN_LOG_DBL("price_per_hour", out->total_price), JN_LOG_INT("classes", s.n_classes),
		JN_LOG_INT("offerings", s.n_sites));
	if (rc == 0)
		log_decisions(in, out);
done:
	pk_release(&s);
	return rc;
}
