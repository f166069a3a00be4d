/*
 * Classes: pending pods whose scheduling constraints are identical share one class, so that
 * every constraint is evaluated once per class instead of once per pod (Karpenter's benchmark
 * has 20,000 pods but about a hundred classes). Requests are not part of a class: pods of a
 * class differ in size. Which extended resources a pod asks for is, so that a class' sites
 * all offer them.
 *
 * The signature is a canonical text of everything the solver reads besides requests and
 * priority; equal text means equal constraints. It is built once per pod into one buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/buf.h"
#include "pack_internal.h"

/* Appends without jn_buf's per-call checks: signatures are built 20,000 times a solve. */
static void raw(struct jn_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = jn_xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

static void put(struct jn_buf *b, const char *s)
{
	if (!s)
		s = "\x01";
	raw(b, s, strlen(s));
	raw(b, "\x02", 1);
}

/* Hand-rolled: printf dominated building 20,000 signatures. */
static void put_int(struct jn_buf *b, int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	raw(b, tmp + sizeof(tmp) - n, n);
	raw(b, "\x02", 1);
}

static void put_map(struct jn_buf *b, const struct jn_strmap *m)
{
	put_int(b, (int64_t)m->len);
	for (size_t i = 0; i < m->len; i++) {
		put(b, m->items[i].key);
		put(b, m->items[i].value);
	}
}

static void put_strs(struct jn_buf *b, char *const *v, size_t n)
{
	put_int(b, (int64_t)n);
	for (size_t i = 0; i < n; i++)
		put(b, v[i]);
}

static void put_reqs(struct jn_buf *b, const struct jn_requirement *r, size_t n)
{
	put_int(b, (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		put(b, r[i].key);
		put_int(b, r[i].op);
		put_strs(b, r[i].values, r[i].n_values);
	}
}

static void put_selector(struct jn_buf *b, const struct jn_label_selector *s)
{
	if (!s) {
		put(b, "nil");
		return;
	}
	put_map(b, &s->match_labels);
	put_reqs(b, s->match_expressions, s->n_match_expressions);
}

static void put_term(struct jn_buf *b, const struct jn_node_selector_term *t)
{
	put_reqs(b, t->match_expressions, t->n_match_expressions);
	put_reqs(b, t->match_fields, t->n_match_fields);
}

static void put_affinity_term(struct jn_buf *b, const struct jn_pod_affinity_term *t)
{
	put_selector(b, t->label_selector);
	put_strs(b, t->namespaces, t->n_namespaces);
	put_selector(b, t->namespace_selector);
	put(b, t->topology_key);
	put_strs(b, t->match_label_keys, t->n_match_label_keys);
	put_strs(b, t->mismatch_label_keys, t->n_mismatch_label_keys);
}

static void put_spread(struct jn_buf *b, const struct jn_topology_spread *c)
{
	put_int(b, c->max_skew);
	put(b, c->topology_key);
	put_int(b, c->when_unsatisfiable);
	put_selector(b, c->label_selector);
	put_int(b, c->min_domains);
	put_int(b, c->node_affinity_policy);
	put_int(b, c->node_taints_policy);
	put_strs(b, c->match_label_keys, c->n_match_label_keys);
}

void pk_pod_signature(const struct pk_solve *s, const struct jn_pod *p, const int64_t *req,
	struct jn_buf *b)
{
	jn_buf_reset(b);
	for (uint32_t d = PK_DIM_PODS + 1; d < s->n_dims; d++)
		raw(b, req[d] > 0 ? "1" : "0", 1);
	put(b, p->namespace_);
	put_map(b, &p->labels);
	put_map(b, &p->node_selector);
	put_int(b, (int64_t)p->n_tolerations);
	for (size_t i = 0; i < p->n_tolerations; i++) {
		const struct jn_toleration *t = &p->tolerations[i];
		put(b, t->key);
		put_int(b, t->op);
		put(b, t->value);
		put_int(b, t->effect);
	}
	put_int(b, (int64_t)p->n_required_node_terms);
	for (size_t i = 0; i < p->n_required_node_terms; i++)
		put_term(b, &p->required_node_terms[i]);
	put_int(b, (int64_t)p->n_preferred_node_terms);
	for (size_t i = 0; i < p->n_preferred_node_terms; i++) {
		put_int(b, p->preferred_node_terms[i].weight);
		put_term(b, &p->preferred_node_terms[i].term);
	}
	put_int(b, (int64_t)p->n_required_affinity);
	for (size_t i = 0; i < p->n_required_affinity; i++)
		put_affinity_term(b, &p->required_affinity[i]);
	put_int(b, (int64_t)p->n_preferred_affinity);
	for (size_t i = 0; i < p->n_preferred_affinity; i++) {
		put_int(b, p->preferred_affinity[i].weight);
		put_affinity_term(b, &p->preferred_affinity[i].term);
	}
	put_int(b, (int64_t)p->n_required_anti_affinity);
	for (size_t i = 0; i < p->n_required_anti_affinity; i++)
		put_affinity_term(b, &p->required_anti_affinity[i]);
	put_int(b, (int64_t)p->n_preferred_anti_affinity);
	for (size_t i = 0; i < p->n_preferred_anti_affinity; i++) {
		put_int(b, p->preferred_anti_affinity[i].weight);
		put_affinity_term(b, &p->preferred_anti_affinity[i].term);
	}
	put_int(b, (int64_t)p->n_spreads);
	for (size_t i = 0; i < p->n_spreads; i++)
		put_spread(b, &p->spreads[i]);
	put_int(b, (int64_t)p->n_host_ports);
	for (size_t i = 0; i < p->n_host_ports; i++) {
		put_int(b, p->host_ports[i].port);
		put(b, p->host_ports[i].protocol);
		put(b, p->host_ports[i].host_ip);
	}
}

uint64_t pk_hash(const char *data, size_t len)
{
	uint64_t h = 1469598103934665603ull;     /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Heaviest first, ties in spec order (Karpenter sorts by weight before relaxing). */
static uint32_t *weight_order(const struct jn_weighted_pod_affinity_term *t, size_t n)
{
	uint32_t *o = jn_xcalloc(n ? n : 1, sizeof(*o));
	for (size_t i = 0; i < n; i++)
		o[i] = (uint32_t)i;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && t[o[j]].weight > t[o[j - 1]].weight; j--) {
			uint32_t x = o[j];
			o[j] = o[j - 1];
			o[j - 1] = x;
		}
	return o;
}

void pk_class_init(struct pk_class *c, const struct jn_pod *rep, uint64_t hash)
{
	memset(c, 0, sizeof(*c));
	c->rep = rep;
	c->hash = hash;
	c->n_pref_aff = (uint32_t)rep->n_preferred_affinity;
	c->n_pref_anti = (uint32_t)rep->n_preferred_anti_affinity;
	c->n_pref_node = (uint32_t)rep->n_preferred_node_terms;
	for (size_t i = 0; i < rep->n_spreads; i++)
		if (rep->spreads[i].when_unsatisfiable == JN_SCHEDULE_ANYWAY)
			c->n_soft_spread++;
	c->max_level = c->n_pref_aff + c->n_pref_anti + c->n_pref_node + c->n_soft_spread;
	c->pref_aff_order = weight_order(rep->preferred_affinity, rep->n_preferred_affinity);
	c->pref_anti_order = weight_order(rep->preferred_anti_affinity,
		rep->n_preferred_anti_affinity);
	c->has_ports = rep->n_host_ports > 0;
	uint32_t ranks = c->n_pref_node + 1;
	c->site_bits = jn_xcalloc(ranks, sizeof(*c->site_bits));
	c->site_list = jn_xcalloc(ranks, sizeof(*c->site_list));
	c->n_site_list = jn_xcalloc(ranks, sizeof(*c->n_site_list));
}

void pk_class_release(struct pk_class *c)
{
	uint32_t ranks = c->n_pref_node + 1;
	for (uint32_t r = 0; r < ranks && c->site_bits; r++) {
		free(c->site_bits[r]);
		free(c->site_list[r]);
	}
	free(c->site_bits);
	free(c->site_list);
	free(c->n_site_list);
	free(c->node_bits);
	free(c->pref_aff_order);
	free(c->pref_anti_order);
	free(c->own);
	free(c->own_soft_level);
	free(c->own_self);
	free(c->own_zone_mask);
	free(c->member_of);
	free(c->signature);
}

uint32_t pk_level_node_rank(const struct pk_class *c, uint32_t level)
{
	uint32_t before = c->n_pref_aff + c->n_pref_anti;
	if (level <= before)
		return 0;
	uint32_t r = level - before;
	return r > c->n_pref_node ? c->n_pref_node : r;
}
