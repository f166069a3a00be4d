/*
 * Sites: every place a new node can come from (pool x variant x available offering), with its
 * labels, its capacity after daemonsets and its price. Built once per solve; the hot loop then
 * reads only the dense arrays.
 *
 * A variant is one choice of value for each custom (not well-known) key a pool constrains with
 * In [..] and does not set as a template label: Karpenter lets the pods decide such a value,
 * so a node of the pool may carry any listed one. We enumerate the choices (at most
 * PK_MAX_VARIANTS, the first listed values first) instead of narrowing a claim's requirements
 * as pods arrive: a site's labels are then concrete and every check is a label lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/error.h"
#include "pack_internal.h"

void pk_view_init(struct pk_view *v)
{
	memset(v, 0, sizeof(*v));
}

void pk_view_release(struct pk_view *v)
{
	free(v->map.items);
	pk_view_init(v);
}

void pk_view_merge(struct pk_view *v, const struct jn_strmap *const *maps, size_t n)
{
	v->map.len = 0;
	for (size_t m = 0; m < n; m++) {
		if (!maps[m])
			continue;
		const struct jn_strmap *add = maps[m];
		size_t old = v->map.len, need = old + add->len;
		v->map.items = jn_xgrow(v->map.items, &v->map.cap, need * 2 + 1, sizeof(struct jn_kv));
		/* merge backwards into the spare half: both inputs are sorted; add wins on ties */
		struct jn_kv *tmp = v->map.items + need;
		size_t i = 0, j = 0, k = 0;
		while (i < old || j < add->len) {
			int c = i == old ? 1 : j == add->len ? -1 :
				strcmp(v->map.items[i].key, add->items[j].key);
			if (c < 0)
				tmp[k++] = v->map.items[i++];
			else if (c > 0)
				tmp[k++] = add->items[j++];
			else {
				tmp[k++] = add->items[j++];
				i++;
			}
		}
		memmove(v->map.items, tmp, k * sizeof(*tmp));
		v->map.len = k;
	}
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct jn_kv *)a)->key, ((const struct jn_kv *)b)->key);
}

bool pk_pool_tolerated(const struct pk_pool *p, const struct jn_pod *pod)
{
	return jn_pod_tolerates(pod, p->np->taints, p->np->n_taints, JN_TAINTS_BLOCKING, NULL, 0);
}

/* Custom keys the pool constrains with In and leaves to the pods: expand their values. */
static void pool_variants(struct pk_pool *p)
{
	const struct jn_keyset *wk = jn_well_known_labels();
	const struct jn_req *keys[4];
	uint32_t n_keys = 0;
	for (size_t i = 0; i < p->reqs.len && n_keys < 4; i++) {
		const struct jn_req *r = &p->reqs.items[i];
		if (jn_keyset_has(wk, r->key) || jn_strmap_has(&p->np->labels, r->key))
			continue;
		if (r->complement || r->n_values == 0)
			continue;
		keys[n_keys++] = r;
	}
	p->n_variant_kv = n_keys;
	p->n_variants = 1;
	for (uint32_t k = 0; k < n_keys; k++) {
		size_t mul = keys[k]->n_values;
		if (p->n_variants * mul > PK_MAX_VARIANTS)
			mul = PK_MAX_VARIANTS / p->n_variants;
		p->n_variants *= (uint32_t)(mul ? mul : 1);
	}
	for (uint32_t v = 0; v < p->n_variants; v++) {
		uint32_t rest = v;
		for (uint32_t k = 0; k < n_keys; k++) {
			size_t nv = keys[k]->n_values;
			p->variant_kv[v][k].key = keys[k]->key;
			p->variant_kv[v][k].value = keys[k]->values[rest % nv];
			rest /= (uint32_t)nv;
		}
	}
}

static void pool_limits(struct pk_solve *s, struct pk_pool *p)
{
	for (size_t i = 0; i < p->np->n_limits; i++) {
		const struct jn_nodepool_limit *l = &p->np->limits[i];
		if (strcmp(l->resource, "nodes") == 0) {
			p->has_node_limit = true;
			p->node_limit = l->value;
			continue;
		}
		uint32_t d = pk_dim(s, l->resource);
		if (d == PK_NONE)
			continue;   /* no pod asks for it: launching more cannot be needed for it */
		p->has_limit[d] = true;
		p->limit[d] = l->value;
	}
}

static int pool_cmp(const void *a, const void *b)
{
	const struct jn_nodepool *x = ((const struct pk_pool *)a)->np;
	const struct jn_nodepool *y = ((const struct pk_pool *)b)->np;
	int32_t wx = x->has_weight ? x->weight : 0, wy = y->has_weight ? y->weight : 0;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	return strcmp(x->name, y->name);
}

int pk_pools_build(struct pk_solve *s, struct jn_error *err)
{
	const struct jn_pack_input *in = s->in;
	s->pools = jn_xcalloc(in->n_pools ? in->n_pools : 1, sizeof(*s->pools));
	s->n_pools = (uint32_t)in->n_pools;
	for (size_t i = 0; i < in->n_pools; i++) {
		s->pools[i].np = in->pools[i];
		jn_reqs_init(&s->pools[i].reqs);
	}
	qsort(s->pools, s->n_pools, sizeof(*s->pools), pool_cmp);
	for (uint32_t i = 0; i < s->n_pools; i++) {
		struct pk_pool *p = &s->pools[i];
		if (jn_reqs_add_requirements(&p->reqs, p->np->requirements, p->np->n_requirements,
				err) < 0)
			return jn_error_prefix(err, "nodepool \"%s\"", p->np->name);
		pool_variants(p);
		pool_limits(s, p);
	}
	return 0;
}

static void daemonset_overhead(struct pk_solve *s, const struct pk_pool *p,
	const struct jn_strmap *labels, int64_t *ds)
{
	memset(ds, 0, sizeof(int64_t) * PK_DIMS);
	int64_t v[PK_DIMS];
	for (size_t i = 0; i < s->in->n_daemonsets; i++) {
		const struct jn_pod *d = &s->in->daemonsets[i];
		if (!pk_pool_tolerated(p, d) || !jn_pod_matches_node(d, labels, NULL, NULL, 0))
			continue;
		pk_vec_from_resources(s, &d->requests, v, true);
		for (uint32_t k = 0; k < s->n_dims; k++)
			ds[k] += v[k];
	}
}

/* The referenced keys of a full label view, as a borrowed view of its own. */
static void keep_referenced(struct pk_solve *s, const struct jn_strmap *full, struct pk_view *out)
{
	pk_view_init(out);
	out->map.items = jn_xcalloc(s->n_keys ? s->n_keys : 1, sizeof(struct jn_kv));
	out->map.cap = s->n_keys;
	for (size_t i = 0; i < s->n_keys; i++) {
		const char *v = jn_strmap_get(full, s->keys[i]);
		if (v)
			out->map.items[out->map.len++] = (struct jn_kv){ (char *)s->keys[i], (char *)v };
	}
}

static int site_cmp(const void *a, const void *b)
{
	const struct pk_site *x = a, *y = b;
	if (x->pool != y->pool)
		return x->pool < y->pool ? -1 : 1;
	if (x->price != y->price)
		return x->price < y->price ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->off->capacity_type != y->off->capacity_type)
		return x->off->capacity_type < y->off->capacity_type ? -1 : 1;
	return x->variant < y->variant ? -1 : x->variant > y->variant;
}

void pk_sites_build(struct pk_solve *s)
{
	const struct jn_pack_input *in = s->in;
	size_t cap = 0;
	struct pk_view full;
	pk_view_init(&full);
	for (uint32_t pi = 0; pi < s->n_pools; pi++) {
		struct pk_pool *p = &s->pools[pi];
		for (uint32_t v = 0; v < p->n_variants; v++) {
			struct jn_kv pool_kv[5];
			size_t n_pool_kv = 0;
			pool_kv[n_pool_kv++] = (struct jn_kv){ JN_LABEL_NODEPOOL, p->np->name };
			for (uint32_t k = 0; k < p->n_variant_kv; k++)
				pool_kv[n_pool_kv++] = p->variant_kv[v][k];
			qsort(pool_kv, n_pool_kv, sizeof(pool_kv[0]), kv_cmp);
			struct jn_strmap pool_map = { pool_kv, n_pool_kv, n_pool_kv };
			for (size_t t = 0; t < in->n_types; t++) {
				const struct jn_instance_type *it = in->types[t];
				for (size_t o = 0; o < it->n_offerings; o++) {
					const struct jn_offering *off = &it->offerings[o];
					if (!off->available)
						continue;
					struct jn_kv okv[3];
					size_t n_okv = 0;
					okv[n_okv++] = (struct jn_kv){ JN_LABEL_CAPACITY_TYPE,
						(char *)jn_capacity_type_name(off->capacity_type) };
					if (off->zone_id && off->zone_id[0])
						okv[n_okv++] = (struct jn_kv){ JN_LABEL_ZONE_ID,
							(char *)off->zone_id };
					okv[n_okv++] = (struct jn_kv){ JN_LABEL_ZONE, (char *)off->zone };
					struct jn_strmap off_map = { okv, n_okv, n_okv };
					const struct jn_strmap *maps[] = { &it->labels, &off_map,
						&p->np->labels, &pool_map };
					pk_view_merge(&full, maps, JN_ARRAY_LEN(maps));
					if (!jn_reqs_matches_labels(&p->reqs, &full.map, NULL, 0))
						continue;
					uint32_t zone = pk_zone_index(s, off->zone);
					if (zone == PK_NONE)
						continue;
					struct pk_site *site = JN_PUSH(s->sites, s->n_sites, cap);
					memset(site, 0, sizeof(*site));
					site->pool = pi;
					site->variant = v;
					site->type = (uint32_t)t;
					site->zone = zone;
					site->off = off;
					site->price = off->price;
					keep_referenced(s, &full.map, &site->labels);
					daemonset_overhead(s, p, &full.map, site->ds);
					int64_t alloc[PK_DIMS];
					pk_vec_from_resources(s, &it->allocatable, alloc, false);
					pk_vec_from_resources(s, &it->capacity, site->type_cap, false);
					for (uint32_t k = 0; k < s->n_dims; k++)
						site->cap[k] = alloc[k] - site->ds[k];
				}
			}
		}
	}
	pk_view_release(&full);
	qsort(s->sites, s->n_sites, sizeof(*s->sites), site_cmp);
	for (uint32_t pi = 0; pi < s->n_pools; pi++)
		s->pools[pi].site_begin = s->pools[pi].site_end = 0;
	for (uint32_t i = 0; i < s->n_sites; i++) {
		struct pk_pool *p = &s->pools[s->sites[i].pool];
		if (p->site_end == 0)
			p->site_begin = i;
		p->site_end = i + 1;
	}
	s->site_words = (s->n_sites + 63) / 64;
}
