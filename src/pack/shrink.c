/*
 * Shrinking: once every pod is placed, each claim takes the cheapest offering of its pool that
 * still holds its pods and satisfies every class in it, and keeps the next cheapest ones as
 * options for CreateFleet (at most max_options, widened until the pool's minValues hold).
 * Limits are re-checked per option against the pool's usage with this claim's target removed,
 * so no option could push the pool over a limit.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/log.h"
#include "pack_internal.h"

static bool site_takes(struct pk_solve *s, const struct pk_bin *b, const struct pk_site *site,
	uint32_t si, const struct pk_site *target)
{
	if (b->zone_locked && site->zone != b->zone)
		return false;
	for (uint32_t d = 0; d < s->n_dims; d++)
		if (b->used[d] > site->cap[d])
			return false;
	for (uint32_t i = 0; i < b->n_classes; i++) {
		uint32_t c = b->classes[i] >> 8, level = b->classes[i] & 0xff;
		const uint64_t *bits = pk_class_sites(s, c, pk_level_node_rank(&s->classes[c], level));
		if (!((bits[si / 64] >> (si % 64)) & 1))
			return false;
	}
	const struct pk_pool *p = &s->pools[site->pool];
	for (uint32_t d = 0; d < s->n_dims; d++)
		if (p->has_limit[d] &&
				p->used[d] - target->type_cap[d] + site->type_cap[d] > p->limit[d])
			return false;
	return true;
}

static const char *site_value(const struct pk_site *site, const char *key)
{
	return jn_strmap_get(&site->labels.map, key);
}

/* How many distinct values of key the options span. */
static size_t distinct(struct pk_solve *s, const uint32_t *opts, size_t n, const char *key)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *v = site_value(&s->sites[opts[i]], key);
		if (!v)
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			const char *w = site_value(&s->sites[opts[j]], key);
			seen = w && strcmp(v, w) == 0;
		}
		k += !seen;
	}
	return k;
}

static bool value_new(struct pk_solve *s, const uint32_t *opts, size_t n, const char *key,
	uint32_t si)
{
	const char *v = site_value(&s->sites[si], key);
	if (!v)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *w = site_value(&s->sites[opts[i]], key);
		if (w && strcmp(v, w) == 0)
			return false;
	}
	return true;
}

static void shrink_claim(struct pk_solve *s, struct pk_bin *b, size_t max_options)
{
	const struct pk_site *target = &s->sites[b->site];
	struct pk_pool *p = &s->pools[target->pool];
	size_t cap = max_options + 64;
	b->options = jn_xcalloc(cap, sizeof(*b->options));
	uint32_t i = p->site_begin;
	for (; i < p->site_end && b->n_options < max_options; i++)
		if (site_takes(s, b, &s->sites[i], i, target))
			b->options[b->n_options++] = i;
	/* minValues: keep scanning for options that bring a value not seen yet */
	for (size_t r = 0; r < p->reqs.len; r++) {
		const struct jn_req *req = &p->reqs.items[r];
		if (req->min_values <= 0)
			continue;
		size_t have = distinct(s, b->options, b->n_options, req->key);
		for (uint32_t j = i; j < p->site_end && have < (size_t)req->min_values &&
				b->n_options < cap; j++)
			if (site_takes(s, b, &s->sites[j], j, target) &&
					value_new(s, b->options, b->n_options, req->key, j)) {
				b->options[b->n_options++] = j;
				have++;
			}
		if (have < (size_t)req->min_values) {
			b->failed = true;
			b->fail_key = req->key;
			b->fail_min = req->min_values;
			b->fail_have = (uint32_t)have;
		}
	}
	if (b->n_options == 0) {
		/* cannot happen: the target itself qualifies; keep it rather than lose the claim */
		b->options[b->n_options++] = b->site;
	}
	const struct pk_site *chosen = &s->sites[b->options[0]];
	for (uint32_t d = 0; d < s->n_dims; d++)
		p->used[d] += b->failed ? -target->type_cap[d] : chosen->type_cap[d] - target->type_cap[d];
	if (b->failed)
		p->nodes_used--;
	b->site = b->options[0];
	b->zone = chosen->zone;
}

int pk_shrink(struct pk_solve *s)
{
	size_t max_options = s->in->max_options;
	if (max_options == 0 || max_options > JN_PACK_MAX_OPTIONS)
		max_options = JN_PACK_MAX_OPTIONS;
	double before = 0, after = 0;
	for (uint32_t bi = 0; bi < s->n_bins; bi++) {
		struct pk_bin *b = &s->bins[bi];
		if (!b->claim)
			continue;
		before += s->sites[b->site].price;
		shrink_claim(s, b, max_options);
		if (!b->failed)
			after += s->sites[b->site].price;
	}
	jn_log_debug(s->in->log, "shrank claims to their cheapest offerings",
		JN_LOG_DBL("price_before", before), JN_LOG_DBL("price_after", after));
	return 0;
}
