/*
 * Snapshots derived from what the EC2 API states: prices (jn_catalog_with_prices) and types the
 * built-in data lacks (jn_catalog_with_types). Both leave cat untouched and return a new
 * snapshot, so readers of cat never see a change (catalog.h: immutability).
 *
 * with_prices copies only the type and offering arrays, like jn_catalog_with_unavailable.
 * with_types needs new strings, labels and resources: they go into a new core that holds a
 * reference to cat's core (core->parent), so the copied types keep pointing at cat's strings.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "catalog_internal.h"

/* A copy of cat's arrays sharing core (which gains a reference). */
static struct jn_catalog *copy_arrays(const struct jn_catalog *cat, struct catalog_core *core,
	size_t extra_types, size_t extra_offerings)
{
	atomic_fetch_add(&core->refs, 1);
	struct jn_catalog *copy = catalog_create(core, cat->n_types + extra_types,
		cat->n_offerings + extra_offerings);
	memcpy(copy->types, cat->types, cat->n_types * sizeof(*cat->types));
	memcpy(copy->offerings, cat->offerings, cat->n_offerings * sizeof(*cat->offerings));
	copy->n_types = cat->n_types;
	copy->n_offerings = cat->n_offerings;
	for (size_t i = 0; i < copy->n_types; i++)
		copy->types[i].offerings = copy->offerings + (cat->types[i].offerings - cat->offerings);
	return copy;
}

static struct jn_instance_type *find_type(struct jn_catalog *cat, const char *name)
{
	bool found;
	size_t i = jn_bsearch_str(cat->types, cat->n_types, sizeof(*cat->types),
		offsetof(struct jn_instance_type, name), name, &found);
	return found ? &cat->types[i] : NULL;
}

struct jn_catalog *jn_catalog_with_prices(const struct jn_catalog *cat,
	const struct jn_offering_price *prices, size_t n_prices, size_t *applied)
{
	struct jn_catalog *copy = copy_arrays(cat, cat->core, 0, 0);
	double ratio = cat->core->options.spot_price_ratio;
	size_t n = 0;
	for (size_t k = 0; k < n_prices; k++) {
		const struct jn_offering_price *p = &prices[k];
		if (!p->instance_type || !p->zone || !(p->price > 0) || !isfinite(p->price))
			continue;
		struct jn_instance_type *it = find_type(copy, p->instance_type);
		if (!it)
			continue;
		struct jn_offering *offs = copy->offerings + (it->offerings - copy->offerings);
		for (size_t i = 0; i < it->n_offerings; i++) {
			struct jn_offering *o = &offs[i];
			if (o->capacity_type != p->capacity_type || strcmp(o->zone, p->zone) != 0)
				continue;
			if (o->price_source == JN_PRICE_NONE)
				o->available = true;
			o->price = p->price;
			bool spot = p->capacity_type == JN_CAPACITY_SPOT;
			o->price_source = spot ? JN_PRICE_SPOT_HISTORY : JN_PRICE_API;
			n++;
			/* Offerings sort on-demand before spot within a zone: the estimate follows. */
			struct jn_offering *next = i + 1 < it->n_offerings ? &offs[i + 1] : NULL;
			if (!spot && next && next->capacity_type == JN_CAPACITY_SPOT
				&& next->price_source == JN_PRICE_SPOT_ESTIMATE
				&& strcmp(next->zone, o->zone) == 0)
				next->price = o->price * ratio;
			break;
		}
	}
	if (applied)
		*applied = n;
	assert(jn_catalog_check(copy));
	return copy;
}

static bool spec_ok(const struct jn_catalog_type_spec *s, const char *region)
{
	if (!s->name || !*s->name || s->vcpu <= 0 || s->memory_mib <= 0 || s->max_enis <= 0
		|| s->ipv4_per_eni <= 0 || (!s->on_demand && !s->spot))
		return false;
	bool arch = false;
	for (size_t i = 0; i < s->n_archs && !arch; i++)
		arch = jn_str_eq(s->archs[i], "x86_64") || jn_str_eq(s->archs[i], "arm64");
	size_t rlen = strlen(region);
	bool zone = false;
	for (size_t i = 0; i < s->n_zones && !zone; i++)
		zone = s->zones[i] && strncmp(s->zones[i], region, rlen) == 0;
	return arch && zone;
}

static int cmp_spec(const void *a, const void *b)
{
	const struct jn_catalog_type_spec *x = *(const struct jn_catalog_type_spec *const *)a;
	const struct jn_catalog_type_spec *y = *(const struct jn_catalog_type_spec *const *)b;
	return strcmp(x->name, y->name);
}

/* The spec in the builder's terms, every string copied into pool. */
static void to_catalog_spec(struct catalog_pool *pool, const char *region,
	const struct jn_catalog_type_spec *t, struct catalog_spec *s,
	struct catalog_region_zones *rz)
{
	size_t rlen = strlen(region);
	const char **archs = catalog_pool_alloc(pool, t->n_archs * sizeof(*archs) + 1);
	for (size_t i = 0; i < t->n_archs; i++)
		archs[i] = catalog_pool_strdup(pool, t->archs[i] ? t->archs[i] : "");
	const char **zones = catalog_pool_alloc(pool, t->n_zones * sizeof(*zones) + 1);
	size_t nz = 0;
	for (size_t i = 0; i < t->n_zones; i++)
		if (t->zones[i] && strncmp(t->zones[i], region, rlen) == 0)
			zones[nz++] = catalog_pool_strdup(pool, t->zones[i]);
	*rz = (struct catalog_region_zones){ region, zones, nz };
	*s = (struct catalog_spec){
		.name = catalog_pool_strdup(pool, t->name),
		.archs = archs, .n_archs = t->n_archs,
		.vcpu = t->vcpu, .memory_mib = t->memory_mib,
		.cpu_manufacturer = "", .gpu_manufacturer = "", .gpu_name = "", .neuron_name = "",
		.hypervisor = catalog_pool_strdup(pool, t->hypervisor ? t->hypervisor : ""),
		.bare_metal = t->bare_metal, .burstable = t->burstable,
		.current_generation = t->current_generation,
		.on_demand = t->on_demand, .spot = t->spot,
		.max_enis_default_card = t->max_enis, .ipv4_per_eni = t->ipv4_per_eni,
		.regions = rz, .n_regions = 1,
	};
}

struct jn_catalog *jn_catalog_with_types(const struct jn_catalog *cat,
	const struct jn_catalog_type_spec *specs, size_t n_specs, size_t *added)
{
	const char *region = cat->core->region;
	const struct jn_catalog_type_spec **fresh = jn_xcalloc(n_specs ? n_specs : 1,
		sizeof(*fresh));
	size_t n_fresh = 0, n_offerings = 0;
	for (size_t i = 0; i < n_specs; i++) {
		if (spec_ok(&specs[i], region) && !jn_catalog_find(cat, specs[i].name)) {
			fresh[n_fresh++] = &specs[i];
			n_offerings += 2 * specs[i].n_zones;
		}
	}
	qsort(fresh, n_fresh, sizeof(*fresh), cmp_spec);

	struct catalog_core *core = catalog_core_create(region, &cat->core->options, NULL);
	atomic_fetch_add(&cat->core->refs, 1);
	core->parent = cat->core;
	/* The parent's zone ids, so that a new type's offering in a known zone gets its id. */
	struct catalog_zone_id *ids = jn_xcalloc(cat->core->n_zones + 1, sizeof(*ids));
	for (size_t i = 0; i < cat->core->n_zones; i++)
		ids[i] = (struct catalog_zone_id){ region, cat->core->zones[i],
			cat->core->zone_ids[i] };
	struct catalog_data data = { .zone_ids = ids, .n_zone_ids = cat->core->n_zones };
	struct catalog_builder b;
	catalog_builder_init(&b, core, &data);

	struct jn_catalog *out = catalog_create(core, cat->n_types + n_fresh,
		cat->n_offerings + n_offerings);
	size_t t = 0, off = 0, i = 0, k = 0, n_added = 0;
	while (i < cat->n_types || k < n_fresh) {
		bool take_old = k == n_fresh
			|| (i < cat->n_types && strcmp(cat->types[i].name, fresh[k]->name) < 0);
		struct jn_instance_type *it = &out->types[t];
		if (take_old) {
			const struct jn_instance_type *old = &cat->types[i++];
			*it = *old;
			it->offerings = &out->offerings[off];
			memcpy(&out->offerings[off], old->offerings,
				old->n_offerings * sizeof(*old->offerings));
		} else if (k > 0 && strcmp(fresh[k - 1]->name, fresh[k]->name) == 0 && t > 0
			&& strcmp(out->types[t - 1].name, fresh[k]->name) == 0) {
			k++;    /* named twice in the answer: the first wins */
			continue;
		} else {
			struct catalog_spec s;
			struct catalog_region_zones *rz = catalog_pool_alloc(&core->pool, sizeof(*rz));
			to_catalog_spec(&core->pool, core->region, fresh[k++], &s, rz);
			if (!catalog_fill_type(&b, &s, it))
				continue;
			it->offerings = &out->offerings[off];
			it->n_offerings = catalog_fill_offerings(&b, &s, rz, &out->offerings[off]);
			n_added++;
		}
		off += it->n_offerings;
		t++;
	}
	out->n_types = t;
	out->n_offerings = off;
	catalog_collect_zones(&b, out);
	catalog_builder_release(&b);
	free(ids);
	free(fresh);
	if (added)
		*added = n_added;
	assert(jn_catalog_check(out));
	return out;
}
