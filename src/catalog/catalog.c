/*
 * Snapshot lifetime, lookups and the ICE view.
 *
 * A snapshot is two layers: the core (strings, labels, extended-resource arrays, options),
 * immutable and shared, and the type and offering arrays, owned by one snapshot. Marking
 * offerings unavailable copies only the second layer, so the ICE cache can derive a view per
 * insufficient-capacity error without rebuilding labels or redoing the overhead arithmetic.
 * Both layers count references atomically; the last unref frees.
 */
#include <assert.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "jitnode/error.h"

#include "catalog_internal.h"

const char *jn_capacity_type_name(enum jn_capacity_type type)
{
	return type == JN_CAPACITY_SPOT ? "spot" : "on-demand";
}

int jn_capacity_type_parse(const char *text, enum jn_capacity_type *out)
{
	if (strcmp(text, "on-demand") == 0)
		*out = JN_CAPACITY_ON_DEMAND;
	else if (strcmp(text, "spot") == 0)
		*out = JN_CAPACITY_SPOT;
	else
		return -1;
	return 0;
}

const char *jn_price_source_name(enum jn_price_source source)
{
	switch (source) {
	case JN_PRICE_NONE: return "none";
	case JN_PRICE_LIST: return "list";
	case JN_PRICE_OTHER_REGION: return "other-region";
	case JN_PRICE_SPOT_ESTIMATE: return "spot-estimate";
	case JN_PRICE_SPOT_HISTORY: return "spot-history";
	case JN_PRICE_API: return "api";
	}
	return "unknown";
}

struct catalog_core *catalog_core_create(const char *region,
	const struct jn_catalog_options *options, struct catalog_pool *source)
{
	struct catalog_core *core = jn_xcalloc(1, sizeof(*core));
	atomic_init(&core->refs, 1);
	catalog_pool_init(&core->pool);
	catalog_pool_init(&core->source);
	if (source) {
		core->source = *source;
		catalog_pool_init(source);
	}
	core->region = catalog_pool_strdup(&core->pool, region);
	core->options = *options;
	return core;
}

void catalog_core_unref(struct catalog_core *core)
{
	if (!core || atomic_fetch_sub(&core->refs, 1) != 1)
		return;
	catalog_core_unref(core->parent);
	catalog_pool_release(&core->pool);
	catalog_pool_release(&core->source);
	free(core);
}

struct jn_catalog *catalog_create(struct catalog_core *core, size_t n_types, size_t n_offerings)
{
	struct jn_catalog *cat = jn_xcalloc(1, sizeof(*cat));
	atomic_init(&cat->refs, 1);
	cat->core = core;
	cat->types = jn_xcalloc(n_types ? n_types : 1, sizeof(*cat->types));
	cat->offerings = jn_xcalloc(n_offerings ? n_offerings : 1, sizeof(*cat->offerings));
	return cat;
}

struct jn_catalog *jn_catalog_ref(struct jn_catalog *cat)
{
	atomic_fetch_add(&cat->refs, 1);
	return cat;
}

void jn_catalog_unref(struct jn_catalog *cat)
{
	if (!cat || atomic_fetch_sub(&cat->refs, 1) != 1)
		return;
	catalog_core_unref(cat->core);
	free(cat->types);
	free(cat->offerings);
	free(cat);
}

const char *jn_catalog_region(const struct jn_catalog *cat)
{
	return cat->core->region;
}

const struct jn_catalog_options *jn_catalog_options(const struct jn_catalog *cat)
{
	return &cat->core->options;
}

size_t jn_catalog_len(const struct jn_catalog *cat)
{
	return cat->n_types;
}

const char *const *jn_catalog_zones(const struct jn_catalog *cat, const char *const **ids,
	size_t *n)
{
	if (ids)
		*ids = cat->core->zone_ids;
	*n = cat->core->n_zones;
	return cat->core->zones;
}

const struct jn_instance_type *jn_catalog_at(const struct jn_catalog *cat, size_t i)
{
	return i < cat->n_types ? &cat->types[i] : NULL;
}

static struct jn_instance_type *find(const struct jn_catalog *cat, const char *name)
{
	bool found;
	size_t i = jn_bsearch_str(cat->types, cat->n_types, sizeof(*cat->types),
		offsetof(struct jn_instance_type, name), name, &found);
	return found ? &cat->types[i] : NULL;
}

const struct jn_instance_type *jn_catalog_find(const struct jn_catalog *cat, const char *name)
{
	return find(cat, name);
}

const struct jn_offering *jn_instance_type_offering(const struct jn_instance_type *it,
	const char *zone, enum jn_capacity_type capacity_type)
{
	for (size_t i = 0; i < it->n_offerings; i++) {
		const struct jn_offering *o = &it->offerings[i];
		if (o->capacity_type == capacity_type && strcmp(o->zone, zone) == 0)
			return o;
	}
	return NULL;
}

void jn_instance_type_node_labels(const struct jn_instance_type *it,
	const struct jn_offering *off, struct jn_strmap *out)
{
	jn_strmap_copy(out, &it->labels);
	jn_strmap_set(out, JN_LABEL_ZONE, off->zone);
	if (off->zone_id[0])
		jn_strmap_set(out, JN_LABEL_ZONE_ID, off->zone_id);
	jn_strmap_set(out, JN_LABEL_CAPACITY_TYPE, jn_capacity_type_name(off->capacity_type));
}

struct jn_catalog *jn_catalog_with_unavailable(const struct jn_catalog *cat,
	const struct jn_offering_key *keys, size_t n_keys)
{
	atomic_fetch_add(&cat->core->refs, 1);
	struct jn_catalog *copy = catalog_create(cat->core, cat->n_types, cat->n_offerings);
	memcpy(copy->types, cat->types, cat->n_types * sizeof(*cat->types));
	memcpy(copy->offerings, cat->offerings, cat->n_offerings * sizeof(*cat->offerings));
	copy->n_types = cat->n_types;
	copy->n_offerings = cat->n_offerings;
	for (size_t i = 0; i < copy->n_types; i++)
		copy->types[i].offerings = copy->offerings + (cat->types[i].offerings - cat->offerings);
	for (size_t k = 0; k < n_keys; k++) {
		const struct jn_offering_key *key = &keys[k];
		struct jn_instance_type *it = key->instance_type ? find(copy, key->instance_type) : NULL;
		if (!it)
			continue;
		struct jn_offering *offs = copy->offerings + (it->offerings - copy->offerings);
		for (size_t i = 0; i < it->n_offerings; i++) {
			if (offs[i].capacity_type == key->capacity_type
				&& (!key->zone || strcmp(offs[i].zone, key->zone) == 0))
				offs[i].available = false;
		}
	}
	assert(jn_catalog_check(copy));
	return copy;
}
