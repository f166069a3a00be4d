/*
 * Topology groups: topology spread constraints and pod (anti-)affinity terms, each counting
 * the pods its selector picks out, per zone and per bin (node or claim).
 *
 * A group is built once per distinct (term, owner namespace and labels) and shared by every
 * class that owns it; which classes it counts is decided once per (group, class), since all
 * pods of a class have the same labels and namespace. Placing a pod then costs one increment
 * per group that counts its class, and checking a bin one compare per group its class owns.
 *
 * Counts only grow during a solve (pods are never moved), which makes some rejections
 * permanent: a bin that holds a pod an anti-affinity term selects never takes the owner, and
 * the solver can stop looking at it for that class (solver.c's cursor).
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/buf.h"
#include "pack_internal.h"

static bool topology_key(const char *key, bool *zone)
{
	if (key && strcmp(key, JN_LABEL_ZONE) == 0) {
		*zone = true;
		return true;
	}
	if (key && strcmp(key, JN_LABEL_HOSTNAME) == 0) {
		*zone = false;
		return true;
	}
	return false;
}

/* Two groups are the same when they count the same pods the same way. */
static bool same_group(const struct pk_group *g, enum pk_group_kind kind, bool zone,
	const struct jn_pod *owner, const void *term, const char *sig_a, const char *sig_b)
{
	if (g->kind != kind || g->zone != zone || strcmp(g->owner->namespace_, owner->namespace_))
		return false;
	(void)term;
	return strcmp(sig_a, sig_b) == 0;
}

static uint32_t group_add(struct pk_solve *s, enum pk_group_kind kind, bool zone,
	const struct jn_pod *owner, const struct jn_topology_spread *spread,
	const struct jn_pod_affinity_term *term, char ***sigs)
{
	/* signature: the term plus the owner's values of its matchLabelKeys */
	struct jn_buf b;
	jn_buf_init(&b, JN_BUF_UNLIMITED);
	struct pk_class tmp;
	memset(&tmp, 0, sizeof(tmp));
	struct jn_pod shell;
	memset(&shell, 0, sizeof(shell));
	shell.namespace_ = owner->namespace_;
	jn_strmap_init(&shell.labels);
	char *const *keys = spread ? spread->match_label_keys : term->match_label_keys;
	size_t n_keys = spread ? spread->n_match_label_keys : term->n_match_label_keys;
	for (size_t i = 0; i < n_keys; i++) {
		const char *v = jn_strmap_get(&owner->labels, keys[i]);
		if (v)
			jn_strmap_set(&shell.labels, keys[i], v);
	}
	if (term) {
		for (size_t i = 0; i < term->n_mismatch_label_keys; i++) {
			const char *v = jn_strmap_get(&owner->labels, term->mismatch_label_keys[i]);
			if (v)
				jn_strmap_set(&shell.labels, term->mismatch_label_keys[i], v);
		}
		shell.required_affinity = (struct jn_pod_affinity_term *)term;
		shell.n_required_affinity = 1;
	} else {
		shell.spreads = (struct jn_topology_spread *)spread;
		shell.n_spreads = 1;
	}
	pk_pod_signature(s, &shell, (int64_t[PK_DIMS]){ 0 }, &b);
	jn_buf_printf(&b, NULL, "|%d", (int)kind);
	jn_strmap_release(&shell.labels);
	char *sig = jn_buf_detach(&b, NULL);
	for (uint32_t g = 0; g < s->n_groups; g++)
		if (same_group(&s->groups[g], kind, zone, owner, term, (*sigs)[g], sig)) {
			free(sig);
			return g;
		}
	size_t cap_sigs = s->cap_groups;
	uint32_t n = s->n_groups;
	struct pk_group *g = JN_PUSH(s->groups, s->n_groups, s->cap_groups);
	if (cap_sigs != s->cap_groups)
		*sigs = jn_xrealloc(*sigs, s->cap_groups * sizeof(**sigs));
	(*sigs)[n] = sig;
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	g->zone = zone;
	g->owner = owner;
	g->spread = spread;
	g->term = term;
	g->zone_count = jn_xcalloc(PK_MAX_ZONES, sizeof(int32_t));
	g->zone_owners = jn_xcalloc(PK_MAX_ZONES, sizeof(int32_t));
	return n;
}

static bool group_selects(const struct pk_group *g, const struct jn_pod *pod)
{
	if (g->kind == PK_SPREAD)
		return jn_spread_counts_pod(g->spread, g->owner, pod);
	return jn_pod_affinity_term_matches(g->term, g->owner, pod, NULL);
}

static void own(struct pk_class *c, uint32_t g, uint32_t soft_level)
{
	if (c->n_own == c->cap_own) {
		c->cap_own = c->cap_own ? c->cap_own * 2 : 4;
		c->own = jn_xrealloc(c->own, c->cap_own * sizeof(*c->own));
		c->own_soft_level = jn_xrealloc(c->own_soft_level,
			c->cap_own * sizeof(*c->own_soft_level));
	}
	c->own[c->n_own] = g;
	c->own_soft_level[c->n_own] = soft_level;
	c->n_own++;
}

/* The zones the class' pods can reach: its compatible sites and nodes (nodeAffinityPolicy). */
/*
 * The zones that are domains of a zone spread of class ci (kube-scheduler's inclusion
 * policies): every zone a new node of some pool or an existing node offers, keeping with
 * nodeAffinityPolicy Honor only those whose labels meet the pod's nodeSelector and required
 * node affinity (preferences do not narrow domains), and with nodeTaintsPolicy Honor only
 * those whose pool's or node's taints the pod tolerates.
 */
static uint32_t class_zones(struct pk_solve *s, uint32_t ci, const struct jn_topology_spread *t)
{
	const struct jn_pod *rep = s->classes[ci].rep;
	bool affinity = t->node_affinity_policy == JN_POLICY_HONOR;
	bool taints = t->node_taints_policy == JN_POLICY_HONOR;
	uint32_t mask = 0;
	for (uint32_t i = 0; i < s->n_sites; i++) {
		const struct pk_site *site = &s->sites[i];
		if ((mask >> site->zone) & 1)
			continue;
		if (taints && !pk_pool_tolerated(&s->pools[site->pool], rep))
			continue;
		if (affinity && !jn_pod_matches_node(rep, &site->labels.map, NULL, NULL, 0))
			continue;
		mask |= 1u << site->zone;
	}
	for (size_t i = 0; i < s->in->n_nodes; i++) {
		const struct jn_node *nd = &s->in->nodes[i];
		uint32_t z = pk_zone_index(s, jn_strmap_get(&nd->labels, JN_LABEL_ZONE));
		if (z == PK_NONE || (taints && !jn_pod_tolerates(rep, nd->taints, nd->n_taints,
				JN_TAINTS_BLOCKING, NULL, 0)) ||
				(affinity && !jn_pod_matches_node(rep, &nd->labels, nd->name, NULL, 0)))
			continue;
		mask |= 1u << z;
	}
	return mask;
}

static void class_groups(struct pk_solve *s, uint32_t ci, char ***sigs)
{
	struct pk_class *c = &s->classes[ci];
	const struct jn_pod *p = c->rep;
	bool zone;
	uint32_t level = 1;
	for (uint32_t i = 0; i < c->n_pref_aff; i++, level++) {
		const struct jn_pod_affinity_term *t = &p->preferred_affinity[c->pref_aff_order[i]].term;
		if (topology_key(t->topology_key, &zone))
			own(c, group_add(s, PK_AFFINITY, zone, p, NULL, t, sigs), level);
	}
	for (uint32_t i = 0; i < c->n_pref_anti; i++, level++) {
		const struct jn_pod_affinity_term *t =
			&p->preferred_anti_affinity[c->pref_anti_order[i]].term;
		if (topology_key(t->topology_key, &zone))
			own(c, group_add(s, PK_ANTI, zone, p, NULL, t, sigs), level);
	}
	level += c->n_pref_node;
	for (size_t i = 0; i < p->n_spreads; i++) {
		const struct jn_topology_spread *t = &p->spreads[i];
		bool soft = t->when_unsatisfiable == JN_SCHEDULE_ANYWAY;
		if (!topology_key(t->topology_key, &zone)) {
			if (!soft)
				c->unsupported_key = true;
			continue;
		}
		own(c, group_add(s, PK_SPREAD, zone, p, t, NULL, sigs), soft ? level++ : 0);
	}
	for (size_t i = 0; i < p->n_required_affinity; i++) {
		const struct jn_pod_affinity_term *t = &p->required_affinity[i];
		if (!topology_key(t->topology_key, &zone)) {
			c->unsupported_key = true;
			continue;
		}
		own(c, group_add(s, PK_AFFINITY, zone, p, NULL, t, sigs), 0);
	}
	for (size_t i = 0; i < p->n_required_anti_affinity; i++) {
		const struct jn_pod_affinity_term *t = &p->required_anti_affinity[i];
		if (!topology_key(t->topology_key, &zone)) {
			c->unsupported_key = true;
			continue;
		}
		own(c, group_add(s, PK_ANTI, zone, p, NULL, t, sigs), 0);
	}
}

void pk_groups_build(struct pk_solve *s)
{
	char **sigs = NULL;
	for (uint32_t c = 0; c < s->n_classes; c++)
		class_groups(s, c, &sigs);
	/* bound pods' required anti-affinity keeps pending pods away from them (symmetry) */
	for (size_t i = 0; i < s->in->n_bound; i++) {
		const struct jn_pod *p = &s->in->bound[i];
		bool zone;
		for (size_t k = 0; k < p->n_required_anti_affinity; k++) {
			if (!topology_key(p->required_anti_affinity[k].topology_key, &zone))
				continue;
			uint32_t g = group_add(s, PK_ANTI, zone, p, NULL,
				&p->required_anti_affinity[k], &sigs);
			uint32_t *pair = *JN_PUSH(s->bound_anti, s->n_bound_anti, s->cap_bound_anti);
			pair[0] = (uint32_t)i;
			pair[1] = g;
		}
	}
	for (uint32_t g = 0; g < s->n_groups; g++)
		free(sigs[g]);
	free(sigs);
	for (uint32_t ci = 0; ci < s->n_classes; ci++) {
		struct pk_class *c = &s->classes[ci];
		c->member_of = jn_xcalloc(s->n_groups ? s->n_groups : 1, sizeof(*c->member_of));
		for (uint32_t g = 0; g < s->n_groups; g++)
			if (group_selects(&s->groups[g], c->rep)) {
				c->member_of[c->n_member_of++] = g;
				if (s->groups[g].zone)
					c->touches_zone = true;
			}
		c->limit_k = PK_NONE;
		c->own_self = jn_xcalloc(c->n_own ? c->n_own : 1, sizeof(*c->own_self));
		c->own_zone_mask = jn_xcalloc(c->n_own ? c->n_own : 1, sizeof(*c->own_zone_mask));
		for (uint32_t k = 0; k < c->n_own; k++) {
			const struct pk_group *g = &s->groups[c->own[k]];
			c->own_self[k] = group_selects(g, c->rep);
			if (g->zone)
				c->touches_zone = true;
			if (g->kind == PK_SPREAD && g->zone)
				c->own_zone_mask[k] = class_zones(s, ci, g->spread);
			if (!g->zone && c->own_self[k] && c->own_soft_level[k] == 0 &&
					(g->kind == PK_ANTI || g->kind == PK_SPREAD))
				c->host_limited = true;
			if (!g->zone && c->own_soft_level[k] == 0 && c->limit_k == PK_NONE &&
					(g->kind == PK_ANTI || g->kind == PK_SPREAD))
				c->limit_k = k;
		}
	}
}

int32_t *pk_bin_counts(struct pk_solve *s, uint32_t b)
{
	return s->bin_counts + (size_t)b * s->n_groups * 2;
}

bool pk_group_active(const struct pk_class *c, uint32_t k, uint32_t level)
{
	return c->own_soft_level[k] == 0 || c->own_soft_level[k] > level;
}

static int32_t zone_min(const struct pk_group *g, uint32_t mask, int32_t min_domains)
{
	int32_t min = INT32_MAX;
	int n = 0;
	for (uint32_t z = 0; z < PK_MAX_ZONES; z++)
		if (mask & (1u << z)) {
			n++;
			min = JN_MIN(min, g->zone_count[z]);
		}
	if (n == 0 || n < min_domains)
		return 0;
	return min;
}

/* Zone-level checks of one owned group for zone z (bin-level ones are not looked at). */
static bool zone_ok(const struct pk_solve *s, const struct pk_class *c, uint32_t k, uint32_t z,
	const char **why)
{
	const struct pk_group *g = &s->groups[c->own[k]];
	if (!g->zone)
		return true;
	if (z == PK_NONE) {
		*why = "node has no topology.kubernetes.io/zone label";
		return false;
	}
	switch (g->kind) {
	case PK_SPREAD: {
		if (!(c->own_zone_mask[k] & (1u << z))) {
			*why = "zone is not a domain of its topology spread";
			return false;
		}
		int32_t min = zone_min(g, c->own_zone_mask[k],
			g->spread->when_unsatisfiable == JN_DO_NOT_SCHEDULE ? g->spread->min_domains : 0);
		if (g->zone_count[z] + (c->own_self[k] ? 1 : 0) - min > g->spread->max_skew) {
			*why = "topology spread on topology.kubernetes.io/zone: maxSkew would be exceeded";
			return false;
		}
		return true;
	}
	case PK_AFFINITY:
		if (g->total == 0 ? c->own_self[k] : g->zone_count[z] > 0)
			return true;
		*why = "pod affinity on topology.kubernetes.io/zone: no matching pod in the zone";
		return false;
	case PK_ANTI:
		if (g->zone_count[z] == 0)
			return true;
		*why = "pod anti-affinity on topology.kubernetes.io/zone: a matching pod is in the zone";
		return false;
	}
	return true;
}

static bool symmetric_zone_ok(const struct pk_solve *s, const struct pk_class *c, uint32_t z,
	const char **why)
{
	for (uint32_t i = 0; i < c->n_member_of; i++) {
		const struct pk_group *g = &s->groups[c->member_of[i]];
		if (g->kind == PK_ANTI && g->zone && z != PK_NONE && g->zone_owners[z] > 0) {
			*why = "a pod in the zone has anti-affinity to it";
			return false;
		}
	}
	return true;
}

uint32_t pk_groups_zone_mask(struct pk_solve *s, uint32_t ci, uint32_t level, bool new_node,
	const char **why)
{
	const struct pk_class *c = &s->classes[ci];
	uint32_t mask = 0;
	for (uint32_t z = 0; z < s->n_zones; z++) {
		bool ok = symmetric_zone_ok(s, c, z, why);
		for (uint32_t k = 0; k < c->n_own && ok; k++) {
			if (!pk_group_active(c, k, level))
				continue;
			const struct pk_group *g = &s->groups[c->own[k]];
			if (g->zone)
				ok = zone_ok(s, c, k, z, why);
			else if (new_node && g->kind == PK_AFFINITY &&
					!(g->total == 0 && c->own_self[k])) {
				*why = "pod affinity on kubernetes.io/hostname: a new node has no matching pod";
				ok = false;
			}
		}
		if (ok)
			mask |= 1u << z;
	}
	return mask;
}

bool pk_groups_bin_ok(struct pk_solve *s, uint32_t ci, uint32_t level, uint32_t b, uint32_t zone,
	uint32_t zmask, bool *permanent, const char **why)
{
	const struct pk_class *c = &s->classes[ci];
	const int32_t *cnt = pk_bin_counts(s, b);
	*permanent = false;
	for (uint32_t i = 0; i < c->n_member_of; i++) {
		const struct pk_group *g = &s->groups[c->member_of[i]];
		if (g->kind != PK_ANTI || g->zone)
			continue;
		if (cnt[c->member_of[i] * 2 + 1] > 0) {
			*permanent = true;
			*why = "a pod on the node has anti-affinity to it";
			return false;
		}
	}
	if (c->touches_zone && (zone == PK_NONE || !(zmask & (1u << zone)))) {
		if (!*why)
			*why = "no zone meets its zone constraints";
		return false;
	}
	for (uint32_t k = 0; k < c->n_own; k++) {
		if (!pk_group_active(c, k, level))
			continue;
		uint32_t gi = c->own[k];
		const struct pk_group *g = &s->groups[gi];
		if (g->zone)
			continue;   /* decided by zmask */
		int32_t here = cnt[gi * 2];
		switch (g->kind) {
		case PK_SPREAD:
			if (here + (c->own_self[k] ? 1 : 0) > g->spread->max_skew) {
				*permanent = true;
				*why = "topology spread on kubernetes.io/hostname: maxSkew would be exceeded";
				return false;
			}
			break;
		case PK_AFFINITY:
			if (!(g->total == 0 ? c->own_self[k] : here > 0)) {
				*why = "pod affinity on kubernetes.io/hostname: no matching pod on the node";
				return false;
			}
			break;
		case PK_ANTI:
			if (here > 0) {
				*permanent = true;
				*why = "pod anti-affinity on kubernetes.io/hostname: a matching pod is on the node";
				return false;
			}
			break;
		}
	}
	return true;
}

static void count(struct pk_solve *s, const uint32_t *member_of, uint32_t n, uint32_t b,
	uint32_t zone)
{
	int32_t *cnt = pk_bin_counts(s, b);
	for (uint32_t i = 0; i < n; i++) {
		struct pk_group *g = &s->groups[member_of[i]];
		g->total++;
		if (zone != PK_NONE)
			g->zone_count[zone]++;
		cnt[member_of[i] * 2]++;
	}
}

void pk_groups_add(struct pk_solve *s, uint32_t ci, uint32_t level, uint32_t b, uint32_t zone)
{
	const struct pk_class *c = &s->classes[ci];
	count(s, c->member_of, c->n_member_of, b, zone);
	int32_t *cnt = pk_bin_counts(s, b);
	for (uint32_t k = 0; k < c->n_own; k++) {
		struct pk_group *g = &s->groups[c->own[k]];
		if (g->kind != PK_ANTI || c->own_soft_level[k] != 0)
			continue;
		if (zone != PK_NONE)
			g->zone_owners[zone]++;
		cnt[c->own[k] * 2 + 1]++;
	}
	(void)level;
}

void pk_groups_count_bound(struct pk_solve *s)
{
	uint32_t *members = jn_xcalloc(s->n_groups ? s->n_groups : 1, sizeof(*members));
	for (size_t i = 0; i < s->in->n_bound; i++) {
		const struct jn_pod *p = &s->in->bound[i];
		if (!p->node_name || p->deleting)
			continue;
		uint32_t b = PK_NONE;
		for (uint32_t n = 0; n < s->in->n_nodes && b == PK_NONE; n++)
			if (strcmp(s->in->nodes[n].name, p->node_name) == 0)
				b = n;
		if (b == PK_NONE)
			continue;
		uint32_t zone = s->bins[b].zone, n = 0;
		for (uint32_t g = 0; g < s->n_groups; g++) {
			if (group_selects(&s->groups[g], p))
				members[n++] = g;
		}
		count(s, members, n, b, zone);
		/* the anti-affinity terms it owns keep matching pending pods away */
		for (size_t k = 0; k < s->n_bound_anti; k++) {
			if (s->bound_anti[k][0] != i)
				continue;
			uint32_t g = s->bound_anti[k][1];
			if (zone != PK_NONE)
				s->groups[g].zone_owners[zone]++;
			pk_bin_counts(s, b)[g * 2 + 1]++;
		}
	}
	free(members);
}
