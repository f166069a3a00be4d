/*
 * The solver's answer in the public form (claims, placements, unplaced pods with reasons), and
 * the explanations. Reasons are built only for pods that are left out, after the solve, so the
 * hot loop never formats text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "pack_internal.h"

static void format_amount(const struct pk_solve *s, uint32_t d, int64_t v, char *out, size_t size)
{
	if (d == PK_DIM_CPU)
		snprintf(out, size, v % 1000 ? "%lldm" : "%lld", (long long)(v % 1000 ? v : v / 1000));
	else if ((d == PK_DIM_MEM || d == PK_DIM_EPH) && v > 0 && v % (1ll << 30) == 0)
		snprintf(out, size, "%lldGi", (long long)(v >> 30));
	else if ((d == PK_DIM_MEM || d == PK_DIM_EPH) && v > 0 && v % (1ll << 20) == 0)
		snprintf(out, size, "%lldMi", (long long)(v >> 20));
	else
		snprintf(out, size, "%lld", (long long)v);
	(void)s;
}

/* Why no offering of pool p takes the pod on its own; NULL when some offering would. */
static char *pool_reason(struct pk_solve *s, uint32_t pi, uint32_t pod)
{
	const struct pk_pool *p = &s->pools[pi];
	const struct jn_pod *pd = &s->in->pods[pod];
	char why[512];
	if (!jn_pod_tolerates(pd, p->np->taints, p->np->n_taints, JN_TAINTS_BLOCKING, why,
			sizeof(why)))
		return jn_xasprintf("nodepool \"%s\": %s", p->np->name, why);
	/* the pod's requirements against the pool's, term by term (ORed) */
	size_t terms = pd->n_required_node_terms ? pd->n_required_node_terms : 1;
	char *first = NULL;
	bool some_term = false;
	for (size_t t = 0; t < terms && !some_term; t++) {
		struct jn_reqs preqs;
		if (jn_pod_node_reqs(&preqs, pd, t, SIZE_MAX, NULL) < 0)
			continue;
		bool ok = true;
		for (size_t i = 0; i < preqs.len && ok; i++) {
			struct jn_reqs one = { &preqs.items[i], 1, 1 };
			if (jn_reqs_compatible(&p->reqs, &one, jn_well_known_labels(), NULL, 0))
				continue;
			ok = false;
			if (!first) {
				jn_req_format(&preqs.items[i], why, sizeof(why));
				first = jn_xasprintf("nodepool \"%s\": requirement %s not met",
					p->np->name, why);
			}
		}
		some_term = ok;
		jn_reqs_release(&preqs);
	}
	if (!some_term && first)
		return first;
	free(first);
	uint32_t ci = s->pod_class[pod];
	const struct pk_class *c = &s->classes[ci];
	uint32_t n;
	const uint32_t *list = pk_class_site_list(s, ci, c->n_pref_node, &n);
	uint32_t in_pool = 0, zone = PK_NONE;
	bool one_zone = true;
	for (uint32_t i = 0; i < n; i++) {
		const struct pk_site *site = &s->sites[list[i]];
		if (site->pool != pi)
			continue;
		in_pool++;
		if (zone != PK_NONE && zone != site->zone)
			one_zone = false;
		zone = site->zone;
	}
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	if (in_pool == 0) {
		for (uint32_t d = PK_DIM_PODS + 1; d < s->n_dims; d++)
			if (req[d] > 0)
				return jn_xasprintf("nodepool \"%s\": no instance type offers %s",
					p->np->name, s->dim_name[d]);
		return jn_xasprintf("nodepool \"%s\": no instance type meets its node requirements",
			p->np->name);
	}
	for (uint32_t d = 0; d < s->n_dims; d++) {
		bool any = false;
		for (uint32_t i = 0; i < n && !any; i++) {
			const struct pk_site *site = &s->sites[list[i]];
			any = site->pool == pi && site->cap[d] >= req[d];
		}
		if (any)
			continue;
		char amount[64];
		format_amount(s, d, req[d], amount, sizeof(amount));
		if (one_zone)
			return jn_xasprintf("nodepool \"%s\": no instance type offers %s: %s in %s",
				p->np->name, s->dim_name[d], amount, s->zones[zone]);
		return jn_xasprintf("nodepool \"%s\": no instance type offers %s: %s",
			p->np->name, s->dim_name[d], amount);
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct pk_site *site = &s->sites[list[i]];
		bool all = site->pool == pi;
		for (uint32_t d = 0; d < s->n_dims && all; d++)
			all = site->cap[d] >= req[d];
		if (all)
			return NULL;
	}
	return jn_xasprintf("nodepool \"%s\": no instance type holds all of its requests at once",
		p->np->name);
}

char *pk_explain(struct pk_solve *s, uint32_t pod, const char *dynamic_why)
{
	if (dynamic_why && jn_str_has_prefix(dynamic_why, "nodepool \""))
		return jn_xstrdup(dynamic_why);
	if (s->n_pools == 0)
		return jn_xstrdup(dynamic_why ? dynamic_why :
			"no existing node fits it and no nodepool is defined");
	struct jn_buf b;
	jn_buf_init(&b, JN_BUF_UNLIMITED);
	bool all_static = true;
	for (uint32_t p = 0; p < s->n_pools; p++) {
		char *r = pool_reason(s, p, pod);
		if (!r) {
			all_static = false;
			continue;
		}
		jn_buf_printf(&b, NULL, "%s%s", b.len ? "; " : "", r);
		free(r);
	}
	if (!all_static || b.len == 0) {
		jn_buf_release(&b);
		return jn_xstrdup(dynamic_why ? dynamic_why :
			"no node or offering meets all of its constraints together");
	}
	return jn_buf_detach(&b, NULL);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* jn_reqs_add without the copy: r moves into reqs (thousands of claims, 60 values each). */
static void reqs_take(struct jn_reqs *reqs, struct jn_req *r)
{
	size_t i = 0;
	while (i < reqs->len && strcmp(reqs->items[i].key, r->key) < 0)
		i++;
	if (i < reqs->len && strcmp(reqs->items[i].key, r->key) == 0) {
		jn_req_intersect(&reqs->items[i], r);
		jn_req_release(r);
		return;
	}
	reqs->items = jn_xgrow(reqs->items, &reqs->cap, reqs->len + 1, sizeof(*reqs->items));
	memmove(&reqs->items[i + 1], &reqs->items[i], (reqs->len - i) * sizeof(*reqs->items));
	reqs->items[i] = *r;
	reqs->len++;
}

static void claim_requirements(struct pk_solve *s, const struct pk_bin *b,
	const struct pk_pool *p, struct jn_reqs *out)
{
	jn_reqs_copy(out, &p->reqs);
	static const char *const keys[] = { JN_LABEL_INSTANCE_TYPE, JN_LABEL_ZONE,
		JN_LABEL_CAPACITY_TYPE };
	const char **values = jn_xcalloc(b->n_options, sizeof(*values));
	for (size_t k = 0; k < JN_ARRAY_LEN(keys); k++) {
		size_t n = 0;
		for (uint32_t i = 0; i < b->n_options; i++) {
			const char *v = jn_strmap_get(&s->sites[b->options[i]].labels.map, keys[k]);
			if (v && (n == 0 || v != values[n - 1]))
				values[n++] = v;
		}
		qsort(values, n, sizeof(*values), str_cmp);
		size_t u = 0;
		for (size_t i = 0; i < n; i++)
			if (u == 0 || strcmp(values[u - 1], values[i]) != 0)
				values[u++] = values[i];
		n = u;
		struct jn_req r;
		if (jn_req_init(&r, keys[k], JN_OP_IN, values, n, 0, NULL) == 0)
			reqs_take(out, &r);
	}
	free(values);
	const struct pk_site *site = &s->sites[b->site];
	for (uint32_t k = 0; k < p->n_variant_kv; k++) {
		struct jn_req r;
		jn_req_init_label(&r, p->variant_kv[site->variant][k].key,
			p->variant_kv[site->variant][k].value);
		jn_reqs_add(out, &r, NULL, 0);
		jn_req_release(&r);
	}
}

static void claim_build(struct pk_solve *s, const struct pk_bin *b, struct jn_pack_claim *c)
{
	const struct pk_site *site = &s->sites[b->site];
	struct pk_pool *p = &s->pools[site->pool];
	const struct jn_instance_type *it = s->in->types[site->type];
	memset(c, 0, sizeof(*c));
	c->name = jn_xasprintf("%s-%u", p->np->name, ++p->claims);
	c->pool = p->np;
	c->type = it;
	c->offering = site->off;
	c->price = site->price;
	c->pods = jn_xcalloc(b->n_pods ? b->n_pods : 1, sizeof(*c->pods));
	for (uint32_t pod = b->first_pod; pod != PK_NONE; pod = s->pod_next[pod])
		c->pods[c->n_pods++] = pod;
	c->options = jn_xcalloc(b->n_options, sizeof(*c->options));
	for (uint32_t i = 0; i < b->n_options; i++) {
		const struct pk_site *o = &s->sites[b->options[i]];
		c->options[c->n_options++] = (struct jn_pack_option){ s->in->types[o->type], o->off };
	}
	jn_instance_type_node_labels(it, site->off, &c->labels);
	for (size_t i = 0; i < p->np->labels.len; i++)
		jn_strmap_set(&c->labels, p->np->labels.items[i].key, p->np->labels.items[i].value);
	jn_strmap_set(&c->labels, JN_LABEL_NODEPOOL, p->np->name);
	for (uint32_t k = 0; k < p->n_variant_kv; k++)
		jn_strmap_set(&c->labels, p->variant_kv[site->variant][k].key,
			p->variant_kv[site->variant][k].value);
	claim_requirements(s, b, p, &c->requirements);
	for (uint32_t d = 0; d < s->n_dims; d++)
		jn_resources_set(&c->requests, s->dim_name[d], b->used[d] + site->ds[d]);
}

int pk_result_build(struct pk_solve *s, struct jn_pack_result *out)
{
	size_t n_claims = 0, n_place = 0;
	for (uint32_t bi = 0; bi < s->n_bins; bi++) {
		const struct pk_bin *b = &s->bins[bi];
		if (b->claim && !b->failed)
			n_claims++;
		else if (!b->claim)
			n_place += b->n_pods;
	}
	out->claims = jn_xcalloc(n_claims ? n_claims : 1, sizeof(*out->claims));
	out->placements = jn_xcalloc(n_place ? n_place : 1, sizeof(*out->placements));
	for (uint32_t bi = 0; bi < s->n_bins; bi++) {
		const struct pk_bin *b = &s->bins[bi];
		if (!b->claim) {
			for (uint32_t pod = b->first_pod; pod != PK_NONE; pod = s->pod_next[pod])
				out->placements[out->n_placements++] =
					(struct jn_pack_placement){ pod, b->node };
			continue;
		}
		if (b->failed) {
			const struct jn_nodepool *np = s->pools[s->sites[b->site].pool].np;
			for (uint32_t pod = b->first_pod; pod != PK_NONE; pod = s->pod_next[pod]) {
				s->pod_bin[pod] = PK_NONE;
				free(s->fail_why[pod]);
				s->fail_why[pod] = jn_xasprintf("nodepool \"%s\": minValues %d for %s "
					"not met: only %u values fit", np->name, (int)b->fail_min,
					b->fail_key, b->fail_have);
			}
			continue;
		}
		struct jn_pack_claim *c = &out->claims[out->n_claims++];
		claim_build(s, b, c);
		out->total_price += c->price;
	}
	size_t n_unplaced = 0;
	for (size_t i = 0; i < s->in->n_pods; i++)
		n_unplaced += s->pod_bin[i] == PK_NONE;
	out->unplaced = jn_xcalloc(n_unplaced ? n_unplaced : 1, sizeof(*out->unplaced));
	for (size_t i = 0; i < s->in->n_pods; i++) {
		if (s->pod_bin[i] != PK_NONE)
			continue;
		const char *dyn = s->fail_why[i];
		char *why = dyn && jn_str_has_prefix(dyn, "nodepool \"") && strstr(dyn, "minValues") ?
			jn_xstrdup(dyn) : pk_explain(s, (uint32_t)i, dyn);
		out->unplaced[out->n_unplaced++] = (struct jn_pack_unplaced){ i, why };
	}
	return 0;
}

void jn_pack_result_release(struct jn_pack_result *r)
{
	for (size_t i = 0; i < r->n_claims; i++) {
		struct jn_pack_claim *c = &r->claims[i];
		free(c->name);
		free(c->pods);
		free(c->options);
		jn_strmap_release(&c->labels);
		jn_reqs_release(&c->requirements);
		jn_resources_release(&c->requests);
	}
	free(r->claims);
	free(r->placements);
	for (size_t i = 0; i < r->n_unplaced; i++)
		free(r->unplaced[i].reason);
	free(r->unplaced);
	memset(r, 0, sizeof(*r));
}
