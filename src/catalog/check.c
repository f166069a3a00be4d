/*
 * jn_catalog_check: every invariant a reader of a snapshot relies on, as one predicate
 * (STYLE rule 11). It re-derives what it can from the snapshot itself (allocatable from
 * capacity and overhead, spot prices from on-demand ones) rather than trusting the builder.
 */
#include <string.h>

#include "catalog_internal.h"

static bool labels_ok(const struct jn_catalog *cat, const struct jn_instance_type *it)
{
	const struct jn_strmap *m = &it->labels;
	for (size_t i = 0; i < m->len; i++) {
		if (!m->items[i].key || !m->items[i].value || !m->items[i].value[0])
			return false;
		if (i > 0 && strcmp(m->items[i - 1].key, m->items[i].key) >= 0)
			return false;
	}
	return jn_str_eq(jn_strmap_get(m, JN_LABEL_INSTANCE_TYPE), it->name)
		&& jn_str_eq(jn_strmap_get(m, JN_LABEL_ARCH), it->arch)
		&& jn_str_eq(jn_strmap_get(m, JN_LABEL_OS), "linux")
		&& jn_str_eq(jn_strmap_get(m, JN_LABEL_REGION), jn_catalog_region(cat));
}

static bool resources_ok(const struct jn_instance_type *it)
{
	const struct jn_resources *c = &it->capacity, *a = &it->allocatable;
	const struct jn_instance_overhead *o = &it->overhead;
	if (c->cpu_milli != (int64_t)it->vcpu * 1000 || c->pods != it->max_pods || c->pods < 0)
		return false;
	if (c->memory <= 0 || c->memory > it->memory_mib * (INT64_C(1) << 20))
		return false;
	int64_t cpu = c->cpu_milli - o->kube_reserved.cpu_milli - o->system_reserved.cpu_milli;
	int64_t mem = c->memory - o->kube_reserved.memory - o->system_reserved.memory
		- o->eviction.memory;
	int64_t eph = c->ephemeral_storage - o->kube_reserved.ephemeral_storage
		- o->system_reserved.ephemeral_storage - o->eviction.ephemeral_storage;
	if (a->cpu_milli != JN_MAX(0, cpu) || a->memory != JN_MAX(0, mem)
		|| a->ephemeral_storage != JN_MAX(0, eph) || a->pods != c->pods)
		return false;
	if (a->n_ext != c->n_ext)
		return false;
	for (size_t i = 0; i < c->n_ext; i++) {
		if (c->ext[i].value <= 0 || a->ext[i].value != c->ext[i].value
			|| strcmp(a->ext[i].name, c->ext[i].name) != 0)
			return false;
		if (i > 0 && strcmp(c->ext[i - 1].name, c->ext[i].name) >= 0)
			return false;
	}
	return true;
}

static int cmp_offering(const struct jn_offering *a, const struct jn_offering *b)
{
	int c = strcmp(a->zone, b->zone);
	return c ? c : (int)a->capacity_type - (int)b->capacity_type;
}

static bool offerings_ok(const struct jn_catalog *cat, const struct jn_instance_type *it)
{
	const char *region = jn_catalog_region(cat);
	size_t rlen = strlen(region);
	double ratio = jn_catalog_options(cat)->spot_price_ratio;
	if (it->n_offerings && (it->offerings < cat->offerings
		|| it->offerings + it->n_offerings > cat->offerings + cat->n_offerings))
		return false;
	for (size_t i = 0; i < it->n_offerings; i++) {
		const struct jn_offering *o = &it->offerings[i];
		if (!o->zone || !o->zone_id || strncmp(o->zone, region, rlen) != 0)
			return false;
		if (i > 0 && cmp_offering(&it->offerings[i - 1], o) >= 0)
			return false;
		if (o->price < 0 || (o->price_source == JN_PRICE_NONE) != (o->price == 0))
			return false;
		if (o->available && o->price_source == JN_PRICE_NONE)
			return false;
		bool spot = o->capacity_type == JN_CAPACITY_SPOT;
		bool spot_source = o->price_source == JN_PRICE_SPOT_ESTIMATE
			|| o->price_source == JN_PRICE_SPOT_HISTORY;
		if (spot && o->price_source != JN_PRICE_NONE && !spot_source)
			return false;
		if (!spot && spot_source)
			return false;
		/* A spot estimate is the same zone's on-demand price times the ratio. */
		const struct jn_offering *od = i > 0 ? &it->offerings[i - 1] : NULL;
		if (spot && o->price_source == JN_PRICE_SPOT_ESTIMATE && od
			&& od->capacity_type == JN_CAPACITY_ON_DEMAND
			&& strcmp(od->zone, o->zone) == 0 && o->price != od->price * ratio)
			return false;
	}
	return true;
}

static bool has_zone(const struct jn_catalog *cat, const char *zone)
{
	size_t n;
	const char *const *zones = jn_catalog_zones(cat, NULL, &n);
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(zones[mid], zone);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool zones_ok(const struct jn_catalog *cat)
{
	size_t n;
	const char *const *ids;
	const char *const *zones = jn_catalog_zones(cat, &ids, &n);
	for (size_t i = 0; i < n; i++) {
		if (!zones[i] || !ids[i] || (i > 0 && strcmp(zones[i - 1], zones[i]) >= 0))
			return false;
	}
	/* every listed zone offers something, every offering's zone is listed */
	for (size_t i = 0; i < cat->n_offerings; i++)
		if (!has_zone(cat, cat->offerings[i].zone))
			return false;
	return n <= cat->n_offerings;
}

bool jn_catalog_check(const struct jn_catalog *cat)
{
	if (!cat || atomic_load(&cat->refs) <= 0 || !cat->core
		|| atomic_load(&cat->core->refs) <= 0 || !jn_catalog_region(cat)[0])
		return false;
	size_t offerings = 0;
	for (size_t i = 0; i < cat->n_types; i++) {
		const struct jn_instance_type *it = &cat->types[i];
		if (!it->name || (i > 0 && strcmp(cat->types[i - 1].name, it->name) >= 0))
			return false;
		if (it->vcpu <= 0 || it->memory_mib <= 0)
			return false;
		if (strcmp(it->arch, "amd64") != 0 && strcmp(it->arch, "arm64") != 0)
			return false;
		if (!labels_ok(cat, it) || !resources_ok(it) || !offerings_ok(cat, it))
			return false;
		offerings += it->n_offerings;
	}
	return offerings == cat->n_offerings && zones_ok(cat);
}
