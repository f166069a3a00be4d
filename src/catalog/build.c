/*
 * Specs -> snapshot: the one place the raw facts are interpreted (see catalog.h for the
 * formulas and the pricing decision). Built-in data and loaded files both come through here.
 *
 * Cost: one pass over the specs of the region. Strings the data already holds (names, zones)
 * are pointed to, not copied; derived strings go into the core's pool. Labels: labels.c.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/error.h"

#include "catalog_internal.h"

#define MIB (INT64_C(1) << 20)
#define GIB (INT64_C(1) << 30)

/* Extended resources, in strcmp order of their names. */
enum ext_slot { X_AMD_GPU, X_NEURON, X_NEURON_CORE, X_GAUDI, X_NVIDIA_GPU, X_EFA, X_POD_ENI, X_COUNT };

static const char *const ext_names[X_COUNT] = {
	[X_AMD_GPU] = JN_RESOURCE_AMD_GPU,
	[X_NEURON] = JN_RESOURCE_AWS_NEURON,
	[X_NEURON_CORE] = JN_RESOURCE_AWS_NEURON_CORE,
	[X_GAUDI] = JN_RESOURCE_HABANA_GAUDI,
	[X_NVIDIA_GPU] = JN_RESOURCE_NVIDIA_GPU,
	[X_EFA] = JN_RESOURCE_EFA,
	[X_POD_ENI] = JN_RESOURCE_POD_ENI,
};
static_assert(X_COUNT == CATALOG_EXT_SLOTS, "catalog_internal.h sizes the builder's ext slots");

static const struct catalog_region_zones *spec_region(const struct catalog_spec *s,
	const char *region)
{
	for (size_t i = 0; i < s->n_regions; i++)
		if (strcmp(s->regions[i].region, region) == 0)
			return &s->regions[i];
	return NULL;
}

/* Karpenter's AWSToKubeArchitectures: the first architecture that maps wins. */
static const char *kube_arch(const struct catalog_spec *s)
{
	for (size_t i = 0; i < s->n_archs; i++) {
		if (strcmp(s->archs[i], "x86_64") == 0)
			return "amd64";
		if (strcmp(s->archs[i], "arm64") == 0)
			return "arm64";
	}
	return NULL;
}

static bool price_in(const struct catalog_spec *s, const char *region, double *out)
{
	for (size_t i = 0; i < s->n_prices; i++) {
		if (strcmp(s->prices[i].region, region) == 0) {
			*out = s->prices[i].price;
			return true;
		}
	}
	return false;
}

const char *catalog_zone_id_of(const struct catalog_builder *b, const char *zone)
{
	for (size_t i = 0; i < b->n_zone_ids; i++)
		if (strcmp(b->zone_ids[i].zone, zone) == 0)
			return b->zone_ids[i].zone_id;
	return "";
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes the offerings of s in b's region into out (room for 2 * zones); returns how many. */
size_t catalog_fill_offerings(const struct catalog_builder *b, const struct catalog_spec *s,
	const struct catalog_region_zones *rz, struct jn_offering *out)
{
	const char *region = b->core->region;
	double od = 0;
	enum jn_price_source od_source = JN_PRICE_NONE;
	if (price_in(s, region, &od))
		od_source = JN_PRICE_LIST;
	else if (price_in(s, CATALOG_PRICE_REGION, &od))
		od_source = JN_PRICE_OTHER_REGION;

	const char **zones = jn_xcalloc(rz->n_zones ? rz->n_zones : 1, sizeof(*zones));
	memcpy(zones, rz->zones, rz->n_zones * sizeof(*zones));
	qsort(zones, rz->n_zones, sizeof(*zones), cmp_str_ptr);
	size_t n = 0;
	for (size_t z = 0; z < rz->n_zones; z++) {
		if (z > 0 && strcmp(zones[z - 1], zones[z]) == 0)
			continue;   /* a repeated zone adds nothing */
		struct jn_offering base = {
			.zone = zones[z],
			.zone_id = catalog_zone_id_of(b, zones[z]),
		};
		if (s->on_demand) {
			struct jn_offering *o = &out[n++];
			*o = base;
			o->capacity_type = JN_CAPACITY_ON_DEMAND;
			o->price_source = od_source;
			o->price = od_source == JN_PRICE_NONE ? 0 : od;
			o->available = od_source != JN_PRICE_NONE;
		}
		if (s->spot) {
			struct jn_offering *o = &out[n++];
			*o = base;
			o->capacity_type = JN_CAPACITY_SPOT;
			o->price_source = od_source == JN_PRICE_NONE ? JN_PRICE_NONE
				: JN_PRICE_SPOT_ESTIMATE;
			o->price = od_source == JN_PRICE_NONE ? 0 : od * b->o->spot_price_ratio;
			o->available = od_source != JN_PRICE_NONE;
		}
	}
	free(zones);
	return n;
}

static void fill_resources(struct catalog_builder *b, const struct catalog_spec *s,
	struct jn_instance_type *it)
{
	const struct jn_catalog_options *o = b->o;
	struct catalog_pool *pool = &b->core->pool;
	bool arm64_first = s->n_archs > 0 && strcmp(s->archs[0], "arm64") == 0;

	int64_t pods = o->max_pods > 0 ? o->max_pods
		: catalog_eni_limited_pods(s->max_enis_default_card, s->ipv4_per_eni, o->reserved_enis);
	if (o->pods_per_core > 0 && (int64_t)o->pods_per_core * s->vcpu < pods)
		pods = (int64_t)o->pods_per_core * s->vcpu;
	it->max_pods = pods;

	struct jn_resources *cap = &it->capacity;
	cap->cpu_milli = (int64_t)s->vcpu * 1000;
	cap->memory = catalog_memory_capacity(s->memory_mib, arm64_first,
		o->vm_memory_overhead_percent);
	cap->ephemeral_storage = o->root_volume_bytes;
	cap->pods = pods;

	int64_t ext[X_COUNT] = { 0 };
	if (strcmp(s->gpu_manufacturer, "NVIDIA") == 0)
		ext[X_NVIDIA_GPU] = s->gpu_count;
	else if (strcmp(s->gpu_manufacturer, "AMD") == 0)
		ext[X_AMD_GPU] = s->gpu_count;
	else if (strcmp(s->gpu_manufacturer, "Habana") == 0)
		ext[X_GAUDI] = s->gpu_count;
	ext[X_NEURON] = s->neuron_count;
	ext[X_NEURON_CORE] = (int64_t)s->neuron_count * s->neuron_cores_each;
	ext[X_EFA] = s->efa_max;
	ext[X_POD_ENI] = s->trunking ? s->branch_enis : 0;
	size_t n_ext = 0;
	for (size_t i = 0; i < X_COUNT; i++)
		n_ext += ext[i] > 0;
	if (n_ext) {
		/* capacity and allocatable share the array: extended resources have no overhead. */
		cap->ext = catalog_pool_alloc(pool, n_ext * sizeof(*cap->ext));
		for (size_t i = 0, k = 0; i < X_COUNT; i++) {
			if (ext[i] > 0)
				cap->ext[k++] = (struct jn_extended_resource){ b->ext[i], ext[i] };
		}
		cap->n_ext = n_ext;
	}

	struct jn_instance_overhead *ov = &it->overhead;
	int64_t mem_pods = o->reserved_memory_uses_pods ? pods
		: catalog_eni_limited_pods(s->max_enis_default_card, s->ipv4_per_eni, 0);
	ov->kube_reserved.cpu_milli = o->kube_reserved.cpu_milli >= 0 ? o->kube_reserved.cpu_milli
		: catalog_kube_reserved_cpu(s->vcpu);
	ov->kube_reserved.memory = o->kube_reserved.memory >= 0 ? o->kube_reserved.memory
		: (11 * mem_pods + 255) * MIB;
	ov->kube_reserved.ephemeral_storage = o->kube_reserved.ephemeral_storage >= 0
		? o->kube_reserved.ephemeral_storage : GIB;
	ov->system_reserved = o->system_reserved;
	ov->eviction.cpu_milli = 0;
	ov->eviction.memory = catalog_threshold_bytes(&o->eviction_memory, cap->memory);
	ov->eviction.ephemeral_storage = catalog_threshold_bytes(&o->eviction_nodefs,
		cap->ephemeral_storage);

	struct jn_resources *al = &it->allocatable;
	al->cpu_milli = JN_MAX(0, cap->cpu_milli - ov->kube_reserved.cpu_milli
		- ov->system_reserved.cpu_milli);
	al->memory = JN_MAX(0, cap->memory - ov->kube_reserved.memory
		- ov->system_reserved.memory - ov->eviction.memory);
	al->ephemeral_storage = JN_MAX(0, cap->ephemeral_storage
		- ov->kube_reserved.ephemeral_storage - ov->system_reserved.ephemeral_storage
		- ov->eviction.ephemeral_storage);
	al->pods = cap->pods;
	al->ext = cap->ext;
	al->n_ext = cap->n_ext;
}

/* Fills it from s; false when the type cannot run a Linux node (no amd64/arm64). */
bool catalog_fill_type(struct catalog_builder *b, const struct catalog_spec *s,
	struct jn_instance_type *it)
{
	struct catalog_pool *pool = &b->core->pool;
	const char *arch = kube_arch(s);
	if (!arch)
		return false;
	it->name = s->name;
	it->arch = arch;
	const char *dot = strchr(s->name, '.');
	if (dot && !strchr(dot + 1, '.')) {
		it->family = catalog_pool_printf(pool, "%.*s", (int)(dot - s->name), s->name);
		it->size = dot + 1;
	} else {
		it->family = it->size = "";
	}
	char category[32];
	catalog_parse_name(s->name, category, sizeof(category), &it->generation);
	it->category = category[0] ? catalog_pool_strdup(pool, category) : "";
	it->vcpu = s->vcpu;
	it->memory_mib = s->memory_mib;
	it->cpu_manufacturer = s->cpu_manufacturer;
	it->cpu_clock_mhz = (int32_t)round(s->cpu_clock_ghz * 1000);
	it->hypervisor = s->hypervisor;
	it->bare_metal = s->bare_metal;
	it->burstable = s->burstable;
	it->current_generation = s->current_generation;
	it->encryption_in_transit = s->encryption_in_transit;
	it->gpu = (struct jn_gpu_info){ s->gpu_count, s->gpu_name, s->gpu_manufacturer,
		s->gpu_memory_mib };
	it->neuron = (struct jn_neuron_info){ s->neuron_count, s->neuron_name,
		s->neuron_cores_each, s->neuron_memory_mib };
	it->local_nvme_gb = s->local_nvme_gb;
	it->network_bandwidth_mbps = s->network_bandwidth_mbps;
	it->ebs_bandwidth_mbps = s->ebs_bandwidth_mbps;
	it->max_enis = s->max_enis_default_card;
	it->ipv4_per_eni = s->ipv4_per_eni;
	fill_resources(b, s, it);
	catalog_labels_fill(&b->labels, &b->core->pool, s, it);
	return true;
}

void catalog_builder_init(struct catalog_builder *b, struct catalog_core *core,
	const struct catalog_data *data)
{
	struct catalog_pool *pool = &core->pool;
	*b = (struct catalog_builder){ .core = core, .o = &core->options };
	catalog_labels_init(&b->labels, pool, core->region);
	for (size_t i = 0; i < X_COUNT; i++)
		b->ext[i] = catalog_pool_strdup(pool, ext_names[i]);
	b->zone_id_buf = jn_xcalloc(data->n_zone_ids ? data->n_zone_ids : 1,
		sizeof(*b->zone_id_buf));
	for (size_t i = 0; i < data->n_zone_ids; i++)
		if (strcmp(data->zone_ids[i].region, core->region) == 0)
			b->zone_id_buf[b->n_zone_ids++] = data->zone_ids[i];
	b->zone_ids = b->zone_id_buf;
}

/*
 * The region's zones: few (at most a handful), so a linear set beats sorting every offering.
 * The built-in tables share zone lists, so the pointer test settles most comparisons.
 */
void catalog_builder_release(struct catalog_builder *b)
{
	free(b->zone_id_buf);
	b->zone_id_buf = NULL;
}

void catalog_collect_zones(struct catalog_builder *b, struct jn_catalog *cat)
{
	struct catalog_core *core = b->core;
	const char **zones = NULL;
	size_t n = 0, cap = 0;
	const char *last = NULL;
	for (size_t i = 0; i < cat->n_offerings; i++) {
		const char *z = cat->offerings[i].zone;
		if (z == last)
			continue;
		last = z;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = zones[k] == z || strcmp(zones[k], z) == 0;
		if (!seen)
			*JN_PUSH(zones, n, cap) = z;
	}
	qsort(zones, n, sizeof(*zones), cmp_str_ptr);
	core->zones = catalog_pool_alloc(&core->pool, (n ? n : 1) * sizeof(*core->zones));
	core->zone_ids = catalog_pool_alloc(&core->pool, (n ? n : 1) * sizeof(*core->zone_ids));
	for (size_t k = 0; k < n; k++) {
		core->zones[k] = zones[k];
		core->zone_ids[k] = catalog_zone_id_of(b, zones[k]);
	}
	core->n_zones = n;
	free(zones);
}

struct jn_catalog *catalog_build(const struct catalog_data *data, struct catalog_pool *source,
	const char *region, const struct jn_catalog_options *options, struct jn_error *err)
{
	struct jn_catalog_options defaults;
	if (!options) {
		jn_catalog_options_init(&defaults);
		options = &defaults;
	}
	if (catalog_options_validate(options, err) < 0) {
		if (source)
			catalog_pool_release(source);
		return NULL;
	}
	size_t n_types = 0, n_offerings = 0;
	for (size_t i = 0; i < data->n_specs; i++) {
		const struct catalog_region_zones *rz = spec_region(&data->specs[i], region);
		if (rz && kube_arch(&data->specs[i])) {
			n_types++;
			n_offerings += 2 * rz->n_zones;
		}
	}
	if (!n_types) {
		if (source)
			catalog_pool_release(source);
		jn_error_set(err, JN_ERR_NOT_FOUND, "no instance type is offered in region '%s'",
			region);
		return NULL;
	}

	struct catalog_core *core = catalog_core_create(region, options, source);
	struct jn_catalog *cat = catalog_create(core, n_types, n_offerings);
	struct catalog_builder b;
	catalog_builder_init(&b, core, data);
	size_t t = 0, off = 0;
	for (size_t i = 0; i < data->n_specs; i++) {
		const struct catalog_spec *s = &data->specs[i];
		const struct catalog_region_zones *rz = spec_region(s, region);
		struct jn_instance_type *it = &cat->types[t];
		if (!rz || !catalog_fill_type(&b, s, it))
			continue;
		it->offerings = &cat->offerings[off];
		it->n_offerings = catalog_fill_offerings(&b, s, rz, &cat->offerings[off]);
		off += it->n_offerings;
		t++;
	}
	cat->n_types = t;
	cat->n_offerings = off;
	catalog_collect_zones(&b, cat);
	catalog_builder_release(&b);
	assert(jn_catalog_check(cat));
	return cat;
}
