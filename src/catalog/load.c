/*
 * jn_catalog_load_file: a data file of the built-in format -> specs -> the common builder.
 * The rules match gen_builtin.py's, so a file the build accepts loads, and a file that loads
 * gives the same snapshot the built-in tables give. Strings are copied into a pool that the
 * snapshot takes over; the JSON document is dropped before building.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "jitnode/json.h"

#include "catalog_internal.h"

struct loader {
	struct catalog_pool pool;
	struct catalog_spec *specs;     /* malloc'd; sorted before building */
	size_t n_specs;
	struct catalog_zone_id *zone_ids;   /* malloc'd */
	size_t n_zone_ids, cap_zone_ids;
};

static int get_count(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, int64_t min, int64_t *out, struct jn_error *err)
{
	int64_t v = *out;
	if (jn_json_get_int(obj, key, path, required, &v, err) < 0)
		return -1;
	if (v < min || v > INT32_MAX) {
		struct jn_json_path p = JN_JSON_KEY(path, key);
		return jn_json_error(err, &p, "%lld is outside [%lld, %d]", (long long)v,
			(long long)min, INT32_MAX);
	}
	*out = v;
	return 0;
}

static int get_i32(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, int64_t min, int32_t *out, struct jn_error *err)
{
	int64_t v = *out;
	if (get_count(obj, key, path, required, min, &v, err) < 0)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* A string member copied into the pool; "" when absent. */
static int get_str(struct loader *l, const json_t *obj, const char *key,
	const struct jn_json_path *path, bool required, const char **out, struct jn_error *err)
{
	const char *s = "";
	if (jn_json_get_string(obj, key, path, required, &s, err) < 0)
		return -1;
	*out = s[0] ? catalog_pool_strdup(&l->pool, s) : "";
	return 0;
}

static int get_number(const json_t *obj, const char *key, const struct jn_json_path *path,
	double *out, struct jn_error *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v)) {
		struct jn_json_path p = JN_JSON_KEY(path, key);
		return jn_json_error(err, &p, "expected a number, got %s", jn_json_type_name(v));
	}
	*out = json_number_value(v);
	return 0;
}

/* A non-empty array of strings, copied into the pool. */
static int get_strings(struct loader *l, const json_t *obj, const char *key,
	const struct jn_json_path *path, const char *const **out, size_t *n, struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(obj, key, path, true, &arr, err) < 0)
		return -1;
	struct jn_json_path ap = JN_JSON_KEY(path, key);
	if (json_array_size(arr) == 0)
		return jn_json_error(err, &ap, "must not be empty");
	const char **items = catalog_pool_alloc(&l->pool, json_array_size(arr) * sizeof(*items));
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			struct jn_json_path ip = JN_JSON_IDX(&ap, i);
			return jn_json_error(err, &ip, "expected a string, got %s",
				jn_json_type_name(v));
		}
		items[i] = catalog_pool_strdup(&l->pool, json_string_value(v));
	}
	*out = items;
	*n = json_array_size(arr);
	return 0;
}

static int load_regions(struct loader *l, const json_t *t, const struct jn_json_path *path,
	struct catalog_spec *s, struct jn_error *err)
{
	const json_t *regions = NULL;
	if (jn_json_get_object(t, "regions", path, true, &regions, err) < 0)
		return -1;
	struct jn_json_path rp = JN_JSON_KEY(path, "regions");
	struct catalog_region_zones *rz = catalog_pool_alloc(&l->pool,
		json_object_size(regions) * sizeof(*rz));
	const char *region;
	const json_t *r;
	size_t n = 0;
	json_object_foreach((json_t *)regions, region, r) {
		struct jn_json_path p = JN_JSON_KEY(&rp, region);
		if (jn_json_expect_object(r, &p, err) < 0)
			return -1;
		struct catalog_region_zones *z = &rz[n++];
		z->region = catalog_pool_strdup(&l->pool, region);
		if (get_strings(l, r, "zones", &p, &z->zones, &z->n_zones, err) < 0)
			return -1;
		for (size_t i = 0; i < z->n_zones; i++) {
			if (!jn_str_has_prefix(z->zones[i], region)) {
				struct jn_json_path zp = JN_JSON_KEY(&p, "zones");
				struct jn_json_path ip = JN_JSON_IDX(&zp, i);
				return jn_json_error(err, &ip, "zone '%s' is not in region '%s'",
					z->zones[i], region);
			}
		}
	}
	s->regions = rz;
	s->n_regions = n;

	const json_t *prices = NULL;
	if (jn_json_get_object(t, "price_od_linux_usd_hr", path, false, &prices, err) < 0)
		return -1;
	if (!prices)
		return 0;
	struct jn_json_path pp = JN_JSON_KEY(path, "price_od_linux_usd_hr");
	struct catalog_region_price *pr = catalog_pool_alloc(&l->pool,
		json_object_size(prices) * sizeof(*pr));
	n = 0;
	json_object_foreach((json_t *)prices, region, r) {
		struct jn_json_path p = JN_JSON_KEY(&pp, region);
		if (!json_is_number(r) || !(json_number_value(r) > 0))
			return jn_json_error(err, &p, "expected a positive number");
		pr[n++] = (struct catalog_region_price){ catalog_pool_strdup(&l->pool, region),
			json_number_value(r) };
	}
	s->prices = pr;
	s->n_prices = n;
	return 0;
}

static int load_devices(struct loader *l, const json_t *t, const struct jn_json_path *path,
	struct catalog_spec *s, struct jn_error *err)
{
	const json_t *o = NULL;
	if (jn_json_get_object(t, "gpu", path, false, &o, err) < 0)
		return -1;
	if (o) {
		struct jn_json_path p = JN_JSON_KEY(path, "gpu");
		if (get_i32(o, "count", &p, true, 0, &s->gpu_count, err) < 0
			|| get_str(l, o, "manufacturer", &p, false, &s->gpu_manufacturer, err) < 0
			|| get_str(l, o, "name", &p, false, &s->gpu_name, err) < 0
			|| get_count(o, "memory_mib_each", &p, false, 0, &s->gpu_memory_mib, err) < 0)
			return -1;
	}
	o = NULL;
	if (jn_json_get_object(t, "neuron", path, false, &o, err) < 0)
		return -1;
	if (o) {
		struct jn_json_path p = JN_JSON_KEY(path, "neuron");
		if (get_i32(o, "count", &p, true, 0, &s->neuron_count, err) < 0
			|| get_str(l, o, "name", &p, false, &s->neuron_name, err) < 0
			|| get_i32(o, "cores_each", &p, false, 0, &s->neuron_cores_each, err) < 0
			|| get_count(o, "memory_mib_each", &p, false, 0, &s->neuron_memory_mib, err) < 0)
			return -1;
	}
	o = NULL;
	if (jn_json_get_object(t, "karpenter_vpc", path, false, &o, err) < 0)
		return -1;
	if (o) {
		struct jn_json_path p = JN_JSON_KEY(path, "karpenter_vpc");
		if (jn_json_get_bool(o, "trunking", &p, false, &s->trunking, err) < 0
			|| get_i32(o, "branch_enis", &p, false, 0, &s->branch_enis, err) < 0)
			return -1;
	}
	return 0;
}

static int load_spec(struct loader *l, const char *name, const json_t *t,
	const struct jn_json_path *path, struct catalog_spec *s, struct jn_error *err)
{
	*s = (struct catalog_spec){
		.name = catalog_pool_strdup(&l->pool, name),
		.cpu_manufacturer = "", .hypervisor = "", .gpu_manufacturer = "", .gpu_name = "",
		.neuron_name = "", .current_generation = true,
	};
	if (jn_json_expect_object(t, path, err) < 0
		|| get_strings(l, t, "arch", path, &s->archs, &s->n_archs, err) < 0
		|| get_i32(t, "vcpu", path, true, 1, &s->vcpu, err) < 0
		|| get_count(t, "memory_mib", path, true, 1, &s->memory_mib, err) < 0
		|| get_str(l, t, "cpu_manufacturer", path, false, &s->cpu_manufacturer, err) < 0
		|| get_number(t, "cpu_clock_ghz", path, &s->cpu_clock_ghz, err) < 0
		|| get_str(l, t, "hypervisor", path, false, &s->hypervisor, err) < 0
		|| jn_json_get_bool(t, "bare_metal", path, false, &s->bare_metal, err) < 0
		|| jn_json_get_bool(t, "burstable", path, false, &s->burstable, err) < 0
		|| jn_json_get_bool(t, "current_generation", path, false, &s->current_generation,
			err) < 0
		|| jn_json_get_bool(t, "encryption_in_transit", path, false,
			&s->encryption_in_transit, err) < 0
		|| get_i32(t, "max_enis_default_card", path, true, 0, &s->max_enis_default_card,
			err) < 0
		|| get_i32(t, "ipv4_per_eni", path, true, 1, &s->ipv4_per_eni, err) < 0
		|| get_i32(t, "efa_max", path, false, 0, &s->efa_max, err) < 0
		|| get_count(t, "local_nvme_gb", path, false, 0, &s->local_nvme_gb, err) < 0
		|| get_count(t, "ebs_max_bandwidth_mbps", path, false, 0, &s->ebs_bandwidth_mbps,
			err) < 0
		|| get_count(t, "karpenter_network_bandwidth_mbps", path, false, 0,
			&s->network_bandwidth_mbps, err) < 0
		|| load_devices(l, t, path, s, err) < 0
		|| load_regions(l, t, path, s, err) < 0)
		return -1;
	const char *const *usage;
	size_t n_usage;
	if (get_strings(l, t, "usage_classes", path, &usage, &n_usage, err) < 0)
		return -1;
	for (size_t i = 0; i < n_usage; i++) {
		s->on_demand = s->on_demand || strcmp(usage[i], "on-demand") == 0;
		s->spot = s->spot || strcmp(usage[i], "spot") == 0;
	}
	return 0;
}

static int load_zone_ids(struct loader *l, const json_t *doc, struct jn_error *err)
{
	const json_t *meta = NULL, *map = NULL;
	struct jn_json_path root = JN_JSON_ROOT;
	if (jn_json_get_object(doc, "meta", &root, false, &meta, err) < 0)
		return -1;
	if (!meta)
		return 0;
	struct jn_json_path mp = JN_JSON_KEY(&root, "meta");
	if (jn_json_get_object(meta, "zone_name_to_id_moto", &mp, false, &map, err) < 0)
		return -1;
	if (!map)
		return 0;
	struct jn_json_path zp = JN_JSON_KEY(&mp, "zone_name_to_id_moto");
	const char *region, *zone;
	const json_t *zones, *id;
	json_object_foreach((json_t *)map, region, zones) {
		struct jn_json_path rp = JN_JSON_KEY(&zp, region);
		if (jn_json_expect_object(zones, &rp, err) < 0)
			return -1;
		json_object_foreach((json_t *)zones, zone, id) {
			struct jn_json_path p = JN_JSON_KEY(&rp, zone);
			if (!json_is_string(id))
				return jn_json_error(err, &p, "expected a string, got %s",
					jn_json_type_name(id));
			*JN_PUSH(l->zone_ids, l->n_zone_ids, l->cap_zone_ids) = (struct catalog_zone_id){
				catalog_pool_strdup(&l->pool, region), catalog_pool_strdup(&l->pool, zone),
				catalog_pool_strdup(&l->pool, json_string_value(id)),
			};
		}
	}
	return 0;
}

static int cmp_spec(const void *a, const void *b)
{
	return strcmp(((const struct catalog_spec *)a)->name, ((const struct catalog_spec *)b)->name);
}

static int load_doc(struct loader *l, const json_t *doc, struct jn_error *err)
{
	struct jn_json_path root = JN_JSON_ROOT;
	const json_t *types = NULL;
	if (jn_json_expect_object(doc, &root, err) < 0
		|| jn_json_get_object(doc, "instance_types", &root, true, &types, err) < 0
		|| load_zone_ids(l, doc, err) < 0)
		return -1;
	struct jn_json_path tp = JN_JSON_KEY(&root, "instance_types");
	l->specs = jn_xcalloc(json_object_size(types) + 1, sizeof(*l->specs));
	const char *name;
	const json_t *t;
	json_object_foreach((json_t *)types, name, t) {
		struct jn_json_path p = JN_JSON_KEY(&tp, name);
		if (load_spec(l, name, t, &p, &l->specs[l->n_specs], err) < 0)
			return -1;
		l->n_specs++;
	}
	/* Names are unique: the parser rejected duplicate keys. */
	qsort(l->specs, l->n_specs, sizeof(*l->specs), cmp_spec);
	return 0;
}

struct jn_catalog *jn_catalog_load_file(const char *path, const char *region,
	const struct jn_catalog_options *options, struct jn_error *err)
{
	struct jn_catalog *cat = NULL;
	struct loader l = { 0 };
	catalog_pool_init(&l.pool);
	struct jn_buf buf;
	jn_buf_init(&buf, JN_CATALOG_FILE_MAX);
	json_t *doc = NULL;
	if (jn_buf_read_file(&buf, path, err) < 0)
		goto fail;
	json_error_t jerr;
	doc = json_loadb(buf.data ? buf.data : "", buf.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		jn_error_set(err, JN_ERR_INVALID, "loading catalog '%s': line %d column %d: %s",
			path, jerr.line, jerr.column, jerr.text);
		goto fail;
	}
	if (load_doc(&l, doc, err) < 0) {
		jn_error_prefix(err, "loading catalog '%s'", path);
		goto fail;
	}
	json_decref(doc);
	doc = NULL;
	jn_buf_release(&buf);
	struct catalog_data data = {
		.specs = l.specs, .n_specs = l.n_specs,
		.zone_ids = l.zone_ids, .n_zone_ids = l.n_zone_ids,
	};
	cat = catalog_build(&data, &l.pool, region, options, err);
	if (!cat)
		jn_error_prefix(err, "loading catalog '%s'", path);
fail:
	json_decref(doc);
	jn_buf_release(&buf);
	free(l.specs);
	free(l.zone_ids);
	catalog_pool_release(&l.pool);
	return cat;
}
