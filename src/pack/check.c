/*
 * The packing checker (STYLE rule 11): an oracle written apart from the solver. It reads only
 * the public input and result and decides every rule again with the sched.h predicates over
 * whole objects (labels, taints, selectors), none of the solver's dense state. Slow on purpose
 * where being obviously right is cheaper than being fast; the zone-wide counts are cached per
 * owning pod's constraint text so the property test and bench can run it on 20,000 pods.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/buf.h"
#include "jitnode/catalog.h"
#include "jitnode/pack.h"
#include "jitnode/policy.h"
#include "jitnode/sched.h"

struct chk_node {
	const char *name;
	const struct jn_strmap *labels;
	const struct jn_taint *taints;
	size_t n_taints;
	const char *zone;
	const struct jn_pod **pods;     /* bound and placed */
	size_t n_pods, cap_pods;
	bool placed_here;               /* a pending pod was placed on it */
};

/* A zone-wide count cached by the text of what is counted. */
struct chk_zones {
	char *key;
	bool mixed;     /* spread: some counted pod does not own the same constraint */
	const char *zones[64];
	int32_t counts[64];
	size_t n;
};

struct chk {
	const struct jn_pack_input *in;
	const struct jn_pack_result *r;
	struct chk_node *nodes;         /* input nodes, then claims */
	size_t n_nodes;
	const struct jn_pod **pod_node_pod;
	size_t *pod_node;               /* per pending pod: node index or SIZE_MAX */
	char *why;
	size_t why_size;
	size_t *seen;
	struct chk_zones *cache;
	size_t n_cache, cap_cache;
	const struct jn_pod **zone_anti;        /* pods owning a required zone anti-affinity term */
	size_t *zone_anti_node;
	size_t n_zone_anti, cap_zone_anti, cap_zone_anti_node;
};

static void render_selector(struct jn_buf *b, const struct jn_label_selector *s)
{
	if (!s) {
		jn_buf_append_str(b, "nil;", NULL);
		return;
	}
	for (size_t i = 0; i < s->match_labels.len; i++)
		jn_buf_printf(b, NULL, "%s=%s,", s->match_labels.items[i].key,
			s->match_labels.items[i].value);
	for (size_t i = 0; i < s->n_match_expressions; i++) {
		const struct jn_requirement *r = &s->match_expressions[i];
		jn_buf_printf(b, NULL, "%s %d", r->key, (int)r->op);
		for (size_t v = 0; v < r->n_values; v++)
			jn_buf_printf(b, NULL, " %s", r->values[v]);
		jn_buf_append_str(b, ",", NULL);
	}
	jn_buf_append_str(b, ";", NULL);
}

static void render_keys(struct jn_buf *b, const struct jn_pod *owner, char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		jn_buf_printf(b, NULL, "%s=%s,", keys[i], jn_strmap_get(&owner->labels, keys[i]) ?
			jn_strmap_get(&owner->labels, keys[i]) : "<none>");
	jn_buf_append_str(b, ";", NULL);
}

/* The entry for key (the buffer is consumed); an index, since the array may move. */
static size_t cache_get(struct chk *c, struct jn_buf *key, bool *fresh)
{
	for (size_t i = 0; i < c->n_cache; i++)
		if (strcmp(c->cache[i].key, jn_buf_cstr(key)) == 0) {
			*fresh = false;
			jn_buf_release(key);
			return i;
		}
	struct chk_zones *z = JN_PUSH(c->cache, c->n_cache, c->cap_cache);
	memset(z, 0, sizeof(*z));
	z->key = jn_buf_detach(key, NULL);
	jn_buf_release(key);
	*fresh = true;
	return c->n_cache - 1;
}

static size_t zone_slot(struct chk_zones *z, const char *zone)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->zones[i], zone) == 0)
			return i;
	if (z->n == 64)
		return SIZE_MAX;
	z->zones[z->n] = zone;
	z->counts[z->n] = 0;
	return z->n++;
}

static int32_t zone_count(const struct chk_zones *z, const char *zone)
{
	for (size_t i = 0; zone && i < z->n; i++)
		if (strcmp(z->zones[i], zone) == 0)
			return z->counts[i];
	return 0;
}

static bool fail(struct chk *c, const char *fmt, ...) JN_PRINTF(2, 3);

static bool fail(struct chk *c, const char *fmt, ...)
{
	if (c->why && c->why_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, c->why_size, fmt, ap);
		va_end(ap);
	}
	return false;
}

static void node_add_pod(struct chk_node *n, const struct jn_pod *p)
{
	*JN_PUSH(n->pods, n->n_pods, n->cap_pods) = p;
}

static bool fits(struct chk *c, const struct chk_node *n, const struct jn_resources *alloc,
	const struct jn_resources *extra, const char *what)
{
	/* every pod takes one "pods" slot, whatever its requests say */
	struct jn_resources sum = { 0 };
	int64_t pods = 0;
	if (extra) {
		jn_resources_add(&sum, extra);
		pods = extra->pods;
	}
	for (size_t i = 0; i < n->n_pods; i++)
		jn_resources_add(&sum, &n->pods[i]->requests);
	sum.pods = pods + (int64_t)n->n_pods;
	bool ok = jn_resources_fit(&sum, alloc);
	int64_t cpu = sum.cpu_milli, mem = sum.memory;
	pods = sum.pods;
	jn_resources_release(&sum);
	return ok || fail(c, "%s \"%s\" is over capacity: cpu %lldm of %lldm, memory %lld of %lld, "
		"pods %lld of %lld", what, n->name, (long long)cpu, (long long)alloc->cpu_milli,
		(long long)mem, (long long)alloc->memory, (long long)pods, (long long)alloc->pods);
}

static void daemonset_load(const struct jn_pack_input *in, const struct jn_nodepool *pool,
	const struct jn_strmap *labels, struct jn_resources *out)
{
	for (size_t i = 0; i < in->n_daemonsets; i++) {
		const struct jn_pod *d = &in->daemonsets[i];
		if (!jn_pod_tolerates(d, pool->taints, pool->n_taints, JN_TAINTS_BLOCKING, NULL, 0) ||
				!jn_pod_matches_node(d, labels, NULL, NULL, 0))
			continue;
		int64_t pods = out->pods;
		jn_resources_add(out, &d->requests);
		out->pods = pods + 1;
	}
}

static bool check_claim(struct chk *c, const struct jn_pack_claim *cl, struct chk_node *n)
{
	const struct jn_pack_input *in = c->in;
	if (!cl->offering->available)
		return fail(c, "claim \"%s\": offering is not available", cl->name);
	if (cl->n_options == 0 || cl->options[0].type != cl->type ||
			cl->options[0].offering != cl->offering || cl->price != cl->offering->price)
		return fail(c, "claim \"%s\": its choice is not its first option", cl->name);
	for (size_t i = 1; i < cl->n_options; i++)
		if (cl->options[i].offering->price < cl->options[i - 1].offering->price ||
				!cl->options[i].offering->available)
			return fail(c, "claim \"%s\": options not sorted by price or unavailable",
				cl->name);
	const char *it = jn_strmap_get(&cl->labels, JN_LABEL_INSTANCE_TYPE);
	const char *zone = jn_strmap_get(&cl->labels, JN_LABEL_ZONE);
	const char *ct = jn_strmap_get(&cl->labels, JN_LABEL_CAPACITY_TYPE);
	const char *np = jn_strmap_get(&cl->labels, JN_LABEL_NODEPOOL);
	if (!it || !zone || !ct || !np || strcmp(it, cl->type->name) ||
			strcmp(zone, cl->offering->zone) || strcmp(np, cl->pool->name) ||
			strcmp(ct, jn_capacity_type_name(cl->offering->capacity_type)))
		return fail(c, "claim \"%s\": labels do not match its offering", cl->name);
	struct jn_reqs reqs;
	jn_reqs_init(&reqs);
	jn_reqs_add_requirements(&reqs, cl->pool->requirements, cl->pool->n_requirements, NULL);
	char why[256];
	bool ok = jn_reqs_matches_labels(&reqs, &cl->labels, why, sizeof(why));
	jn_reqs_release(&reqs);
	if (!ok)
		return fail(c, "claim \"%s\": nodepool requirements not met: %s", cl->name, why);
	for (size_t i = 0; i < n->n_pods; i++) {
		const struct jn_pod *p = n->pods[i];
		if (!jn_pod_tolerates(p, cl->pool->taints, cl->pool->n_taints, JN_TAINTS_BLOCKING,
				why, sizeof(why)) ||
				!jn_pod_matches_node(p, &cl->labels, NULL, why, sizeof(why)))
			return fail(c, "pod %s/%s on claim \"%s\": %s", p->namespace_, p->name,
				cl->name, why);
	}
	struct jn_resources ds = { 0 };
	daemonset_load(in, cl->pool, &cl->labels, &ds);
	ok = fits(c, n, &cl->type->allocatable, &ds, "claim");
	for (size_t i = 1; i < cl->n_options && ok; i++)
		ok = fits(c, n, &cl->options[i].type->allocatable, &ds, "an option of claim");
	jn_resources_release(&ds);
	return ok;
}

static bool check_ports(struct chk *c, const struct chk_node *n)
{
	struct jn_host_ports hp;
	jn_host_ports_init(&hp);
	bool ok = true;
	for (size_t i = 0; i < n->n_pods && ok; i++) {
		const struct jn_pod *p = n->pods[i];
		if (jn_host_ports_conflict(&hp, p->host_ports, p->n_host_ports, NULL, 0))
			ok = fail(c, "node \"%s\": host port conflict for pod %s/%s", n->name,
				p->namespace_, p->name);
		jn_host_ports_add(&hp, p->host_ports, p->n_host_ports);
	}
	jn_host_ports_release(&hp);
	return ok;
}

static bool check_limits(struct chk *c)
{
	const struct jn_pack_input *in = c->in;
	for (size_t p = 0; p < in->n_pools; p++) {
		const struct jn_nodepool *pool = in->pools[p];
		struct jn_resources used = { 0 };
		int64_t nodes = 0;
		for (size_t i = 0; i < in->n_nodes; i++)
			if (jn_str_eq(jn_strmap_get(&in->nodes[i].labels, JN_LABEL_NODEPOOL), pool->name)) {
				jn_resources_add(&used, &in->nodes[i].capacity);
				nodes++;
			}
		for (size_t i = 0; i < c->r->n_claims; i++)
			if (c->r->claims[i].pool == pool) {
				jn_resources_add(&used, &c->r->claims[i].type->capacity);
				nodes++;
			}
		bool ok = true;
		for (size_t l = 0; l < pool->n_limits && ok; l++) {
			const struct jn_nodepool_limit *lim = &pool->limits[l];
			int64_t have = strcmp(lim->resource, "nodes") == 0 ? nodes :
				jn_resources_get(&used, lim->resource);
			/* a resource no pod asks for is not enforced by the engine */
			bool asked = strcmp(lim->resource, "nodes") == 0;
			for (size_t i = 0; i < in->n_pods && !asked; i++)
				asked = jn_resources_get(&in->pods[i].requests, lim->resource) > 0 ||
					strcmp(lim->resource, JN_RESOURCE_CPU) == 0 ||
					strcmp(lim->resource, JN_RESOURCE_MEMORY) == 0 ||
					strcmp(lim->resource, JN_RESOURCE_PODS) == 0 ||
					strcmp(lim->resource, JN_RESOURCE_EPHEMERAL_STORAGE) == 0;
			if (asked && have > lim->value)
				ok = fail(c, "nodepool \"%s\": limit %s %lld exceeded (%lld)", pool->name,
					lim->resource, (long long)lim->value, (long long)have);
		}
		jn_resources_release(&used);
		if (!ok)
			return false;
	}
	return true;
}

static bool same_domain(const struct chk_node *a, const struct chk_node *b, bool zone)
{
	if (!zone)
		return a == b;
	return a->zone && b->zone && strcmp(a->zone, b->zone) == 0;
}

static bool is_zone(const char *key)
{
	return key && strcmp(key, JN_LABEL_ZONE) == 0;
}

static bool is_host(const char *key)
{
	return key && strcmp(key, JN_LABEL_HOSTNAME) == 0;
}

/* Pods in node n's domain (hostname or zone) that term of owner selects, excluding skip. */
static size_t count_selected(struct chk *c, const struct chk_node *n, bool zone,
	const struct jn_pod_affinity_term *term, const struct jn_pod *owner, const struct jn_pod *skip)
{
	size_t k = 0;
	if (!zone) {
		for (size_t j = 0; j < n->n_pods; j++)
			if (n->pods[j] != skip && jn_pod_affinity_term_matches(term, owner, n->pods[j], NULL))
				k++;
		return k;
	}
	struct jn_buf key;
	jn_buf_init(&key, JN_BUF_UNLIMITED);
	jn_buf_printf(&key, NULL, "term|%s|", owner->namespace_);
	render_selector(&key, term->label_selector);
	render_selector(&key, term->namespace_selector);
	for (size_t i = 0; i < term->n_namespaces; i++)
		jn_buf_printf(&key, NULL, "%s,", term->namespaces[i]);
	render_keys(&key, owner, term->match_label_keys, term->n_match_label_keys);
	render_keys(&key, owner, term->mismatch_label_keys, term->n_mismatch_label_keys);
	bool fresh;
	size_t zi = cache_get(c, &key, &fresh);   /* may move c->cache: index first */
	struct chk_zones *z = &c->cache[zi];
	if (fresh)
		for (size_t i = 0; i < c->n_nodes; i++) {
			const struct chk_node *m = &c->nodes[i];
			size_t slot = m->zone ? zone_slot(z, m->zone) : SIZE_MAX;
			for (size_t j = 0; j < m->n_pods && slot != SIZE_MAX; j++)
				z->counts[slot] += jn_pod_affinity_term_matches(term, owner, m->pods[j], NULL);
		}
	k = (size_t)zone_count(z, n->zone);
	if (skip && jn_pod_affinity_term_matches(term, owner, skip, NULL) && k > 0)
		k--;
	return k;
}

static bool check_pod_topology(struct chk *c, const struct jn_pod *p, const struct chk_node *n)
{
	for (size_t t = 0; t < p->n_required_anti_affinity; t++) {
		const struct jn_pod_affinity_term *term = &p->required_anti_affinity[t];
		if (!is_zone(term->topology_key) && !is_host(term->topology_key))
			continue;
		if (count_selected(c, n, is_zone(term->topology_key), term, p, p) > 0)
			return fail(c, "pod %s/%s: anti-affinity on %s violated", p->namespace_, p->name,
				term->topology_key);
	}
	for (size_t t = 0; t < p->n_required_affinity; t++) {
		const struct jn_pod_affinity_term *term = &p->required_affinity[t];
		if (!is_zone(term->topology_key) && !is_host(term->topology_key))
			continue;
		if (count_selected(c, n, is_zone(term->topology_key), term, p, p) == 0 &&
				!jn_pod_affinity_term_matches(term, p, p, NULL))
			return fail(c, "pod %s/%s: affinity on %s not satisfied", p->namespace_, p->name,
				term->topology_key);
	}
	/* symmetry: no pod in its domains has required anti-affinity selecting it */
	for (size_t j = 0; j < n->n_pods; j++) {
		const struct jn_pod *q = n->pods[j];
		for (size_t t = 0; q != p && t < q->n_required_anti_affinity; t++) {
			const struct jn_pod_affinity_term *term = &q->required_anti_affinity[t];
			if (is_host(term->topology_key) && jn_pod_affinity_term_matches(term, q, p, NULL))
				return fail(c, "pod %s/%s: pod %s/%s on its node has anti-affinity to it",
					p->namespace_, p->name, q->namespace_, q->name);
		}
	}
	for (size_t j = 0; j < c->n_zone_anti; j++) {
		const struct jn_pod *q = c->zone_anti[j];
		const struct chk_node *m = &c->nodes[c->zone_anti_node[j]];
		for (size_t t = 0; q != p && t < q->n_required_anti_affinity; t++) {
			const struct jn_pod_affinity_term *term = &q->required_anti_affinity[t];
			if (is_zone(term->topology_key) && same_domain(n, m, true) &&
					jn_pod_affinity_term_matches(term, q, p, NULL))
				return fail(c, "pod %s/%s: pod %s/%s in its zone has anti-affinity to it",
					p->namespace_, p->name, q->namespace_, q->name);
		}
	}
	for (size_t s = 0; s < p->n_spreads; s++) {
		const struct jn_topology_spread *sp = &p->spreads[s];
		if (sp->when_unsatisfiable != JN_DO_NOT_SCHEDULE)
			continue;
		/*
		 * Only the owner checks a spread when it is placed; pods that merely match the
		 * selector may be placed anywhere afterwards. So the final state obeys maxSkew only
		 * where every counted pod owns the same constraint (a Deployment spreading itself,
		 * the usual case); elsewhere the checker has nothing it can assert.
		 */
		struct jn_buf pkey;
		jn_buf_init(&pkey, JN_BUF_UNLIMITED);
		jn_buf_printf(&pkey, NULL, "pure|%s|%s|%d|", p->namespace_, sp->topology_key,
			sp->max_skew);
		render_selector(&pkey, sp->label_selector);
		render_keys(&pkey, p, sp->match_label_keys, sp->n_match_label_keys);
		bool pfresh;
		size_t pure_i = cache_get(c, &pkey, &pfresh);
		struct chk_zones *pure = &c->cache[pure_i];
		for (size_t i = 0; pfresh && i < c->n_nodes; i++)
			for (size_t j = 0; j < c->nodes[i].n_pods && !pure->mixed; j++) {
				const struct jn_pod *q = c->nodes[i].pods[j];
				if (!jn_spread_counts_pod(sp, p, q))
					continue;
				bool owns = false;
				for (size_t k = 0; k < q->n_spreads && !owns; k++)
					owns = jn_str_eq(q->spreads[k].topology_key, sp->topology_key) &&
						q->spreads[k].max_skew == sp->max_skew &&
						q->spreads[k].when_unsatisfiable == JN_DO_NOT_SCHEDULE &&
						jn_spread_counts_pod(&q->spreads[k], q, p);
				pure->mixed = !owns;
			}
		if (pure->mixed)
			continue;
		if (is_host(sp->topology_key)) {
			int32_t here = 0;
			for (size_t j = 0; j < n->n_pods; j++)
				here += jn_spread_counts_pod(sp, p, n->pods[j]);
			if (here > sp->max_skew)
				return fail(c, "pod %s/%s: hostname spread maxSkew %d exceeded on \"%s\"",
					p->namespace_, p->name, sp->max_skew, n->name);
		}
		if (!is_zone(sp->topology_key))
			continue;
		/*
		 * domains: zones of nodes its node affinity admits (Honor) or of every node, and
		 * with nodeTaintsPolicy Honor only nodes whose taints it tolerates
		 */
		struct jn_buf key;
		jn_buf_init(&key, JN_BUF_UNLIMITED);
		jn_buf_printf(&key, NULL, "spread|%s|", p->namespace_);
		render_selector(&key, sp->label_selector);
		render_keys(&key, p, sp->match_label_keys, sp->n_match_label_keys);
		bool fresh;
		size_t counts_i = cache_get(c, &key, &fresh);
		struct chk_zones *counts = &c->cache[counts_i];
		if (fresh)
			for (size_t i = 0; i < c->n_nodes; i++) {
				const struct chk_node *m = &c->nodes[i];
				size_t slot = m->zone ? zone_slot(counts, m->zone) : SIZE_MAX;
				for (size_t j = 0; j < m->n_pods && slot != SIZE_MAX; j++)
					counts->counts[slot] += jn_spread_counts_pod(sp, p, m->pods[j]);
			}
		jn_buf_init(&key, JN_BUF_UNLIMITED);
		bool honor_taints = sp->node_taints_policy == JN_POLICY_HONOR;
		jn_buf_printf(&key, NULL, "domains|%d|%p|", (int)sp->node_affinity_policy,
			p->n_required_node_terms || honor_taints ? (const void *)p : NULL);
		for (size_t i = 0; sp->node_affinity_policy == JN_POLICY_HONOR &&
				i < p->node_selector.len; i++)
			jn_buf_printf(&key, NULL, "%s=%s,", p->node_selector.items[i].key,
				p->node_selector.items[i].value);
		size_t domains_i = cache_get(c, &key, &fresh);
		struct chk_zones *domains = &c->cache[domains_i];
		counts = &c->cache[counts_i];   /* the array may have moved */
		if (fresh)
			for (size_t i = 0; i < c->n_nodes; i++) {
				const struct chk_node *m = &c->nodes[i];
				if (m->zone && (sp->node_affinity_policy != JN_POLICY_HONOR ||
						jn_pod_matches_node(p, m->labels, NULL, NULL, 0)) &&
						(!honor_taints || jn_pod_tolerates(p, m->taints, m->n_taints,
							JN_TAINTS_BLOCKING, NULL, 0)))
					zone_slot(domains, m->zone);
			}
		size_t nz = domains->n;
		int32_t min = INT32_MAX, mine = zone_count(counts, n->zone);
		for (size_t z = 0; z < nz; z++)
			min = JN_MIN(min, zone_count(counts, domains->zones[z]));
		if (nz == 0 || (int32_t)nz < sp->min_domains)
			min = 0;
		if (mine - min > sp->max_skew)
			return fail(c, "pod %s/%s: zone spread maxSkew %d exceeded in %s (%d vs min %d)",
				p->namespace_, p->name, sp->max_skew, n->zone ? n->zone : "?", mine, min);
	}
	return true;
}

static bool run(struct chk *c)
{
	const struct jn_pack_input *in = c->in;
	const struct jn_pack_result *r = c->r;
	size_t *seen = c->seen = jn_xcalloc(in->n_pods ? in->n_pods : 1, sizeof(*seen));
	c->pod_node = jn_xcalloc(in->n_pods ? in->n_pods : 1, sizeof(*c->pod_node));
	for (size_t i = 0; i < in->n_pods; i++)
		c->pod_node[i] = SIZE_MAX;
	c->n_nodes = in->n_nodes + r->n_claims;
	c->nodes = jn_xcalloc(c->n_nodes ? c->n_nodes : 1, sizeof(*c->nodes));
	for (size_t i = 0; i < in->n_nodes; i++) {
		struct chk_node *n = &c->nodes[i];
		n->name = in->nodes[i].name;
		n->labels = &in->nodes[i].labels;
		n->taints = in->nodes[i].taints;
		n->n_taints = in->nodes[i].n_taints;
		n->zone = jn_strmap_get(n->labels, JN_LABEL_ZONE);
	}
	for (size_t i = 0; i < in->n_bound; i++)
		for (size_t k = 0; in->bound[i].node_name && k < in->n_nodes; k++)
			if (strcmp(in->nodes[k].name, in->bound[i].node_name) == 0 && !in->bound[i].deleting)
				node_add_pod(&c->nodes[k], &in->bound[i]);
	for (size_t i = 0; i < r->n_placements; i++) {
		size_t p = r->placements[i].pod, n = r->placements[i].node;
		if (p >= in->n_pods || n >= in->n_nodes)
			return fail(c, "placement %zu is out of range", i);
		seen[p]++;
		c->pod_node[p] = n;
		node_add_pod(&c->nodes[n], &in->pods[p]);
		c->nodes[n].placed_here = true;
	}
	for (size_t k = 0; k < r->n_claims; k++) {
		struct chk_node *n = &c->nodes[in->n_nodes + k];
		n->name = r->claims[k].name;
		n->labels = &r->claims[k].labels;
		n->zone = r->claims[k].offering->zone;
		n->placed_here = true;
		for (size_t j = 0; j < r->claims[k].n_pods; j++) {
			size_t p = r->claims[k].pods[j];
			if (p >= in->n_pods)
				return fail(c, "claim \"%s\" names pod %zu, out of range", n->name, p);
			seen[p]++;
			c->pod_node[p] = in->n_nodes + k;
			node_add_pod(n, &in->pods[p]);
		}
	}
	for (size_t i = 0; i < r->n_unplaced; i++) {
		if (r->unplaced[i].pod >= in->n_pods)
			return fail(c, "unplaced entry %zu is out of range", i);
		if (!r->unplaced[i].reason || !r->unplaced[i].reason[0])
			return fail(c, "pod %s has no reason for being left out",
				in->pods[r->unplaced[i].pod].name);
		seen[r->unplaced[i].pod]++;
	}
	for (size_t i = 0; i < in->n_pods; i++)
		if (seen[i] != 1)
			return fail(c, "pod %s/%s appears %zu times in the result", in->pods[i].namespace_,
				in->pods[i].name, seen[i]);
	double total = 0;
	for (size_t k = 0; k < r->n_claims; k++) {
		if (!check_claim(c, &r->claims[k], &c->nodes[in->n_nodes + k]))
			return false;
		total += r->claims[k].price;
	}
	if (total - r->total_price > 1e-6 || r->total_price - total > 1e-6)
		return fail(c, "total price %.6f is not the sum of the claims' %.6f", r->total_price,
			total);
	char why[256];
	for (size_t i = 0; i < in->n_nodes; i++) {
		const struct chk_node *n = &c->nodes[i];
		if (!n->placed_here)
			continue;
		if (!fits(c, n, &in->nodes[i].allocatable, NULL, "node"))
			return false;
		for (size_t j = 0; j < r->n_placements; j++) {
			if (r->placements[j].node != i)
				continue;
			const struct jn_pod *p = &in->pods[r->placements[j].pod];
			if (in->nodes[i].unschedulable || in->nodes[i].deleting)
				return fail(c, "pod %s placed on unschedulable node \"%s\"", p->name, n->name);
			if (!jn_pod_tolerates(p, n->taints, n->n_taints, JN_TAINTS_BLOCKING, why,
					sizeof(why)) ||
					!jn_pod_matches_node(p, n->labels, n->name, why, sizeof(why)))
				return fail(c, "pod %s/%s on node \"%s\": %s", p->namespace_, p->name,
					n->name, why);
		}
	}
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].placed_here && !check_ports(c, &c->nodes[i]))
			return false;
	if (!check_limits(c))
		return false;
	for (size_t i = 0; i < c->n_nodes; i++)
		for (size_t j = 0; j < c->nodes[i].n_pods; j++) {
			const struct jn_pod *q = c->nodes[i].pods[j];
			bool zone_anti = false;
			for (size_t t = 0; t < q->n_required_anti_affinity; t++)
				zone_anti |= is_zone(q->required_anti_affinity[t].topology_key);
			if (!zone_anti)
				continue;
			*JN_PUSH(c->zone_anti, c->n_zone_anti, c->cap_zone_anti) = q;
			size_t tmp = c->n_zone_anti - 1;
			*JN_PUSH(c->zone_anti_node, tmp, c->cap_zone_anti_node) = i;
		}
	for (size_t i = 0; i < in->n_pods; i++)
		if (c->pod_node[i] != SIZE_MAX &&
				!check_pod_topology(c, &in->pods[i], &c->nodes[c->pod_node[i]]))
			return false;
	return true;
}

bool jn_pack_check(const struct jn_pack_input *in, const struct jn_pack_result *r, char *why,
	size_t why_size)
{
	struct chk c = { .in = in, .r = r, .why = why, .why_size = why_size };
	bool ok = run(&c);
	for (size_t i = 0; i < c.n_nodes; i++)
		free(c.nodes[i].pods);
	free(c.nodes);
	free(c.pod_node);
	free(c.seen);
	for (size_t i = 0; i < c.n_cache; i++)
		free(c.cache[i].key);
	free(c.cache);
	free(c.zone_anti);
	free(c.zone_anti_node);
	return ok;
}
