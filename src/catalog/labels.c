/*
 * The labels of an instance type, with karpenter-provider-aws's keys and exact values (see
 * catalog.h for the list). Each type's map is written straight into slots kept in strcmp
 * order of their keys, so no map needs sorting; keys and the few repeated values ("true",
 * "linux", the region) are interned once per snapshot and shared by every type.
 */
#include <ctype.h>
#include <string.h>

#include "catalog_internal.h"

/* Label slots, in strcmp order of their keys: a type's map is the non-empty slots in order. */
enum label_slot {
	L_ACCEL_COUNT, L_ACCEL_MANUFACTURER, L_ACCEL_NAME, L_CAPABILITY_FLEX, L_CATEGORY, L_CPU,
	L_CPU_MANUFACTURER, L_CPU_CLOCK, L_EBS_BANDWIDTH, L_ENCRYPTION, L_FAMILY, L_GENERATION,
	L_GPU_COUNT, L_GPU_MANUFACTURER, L_GPU_MEMORY, L_GPU_NAME, L_HYPERVISOR, L_LOCAL_NVME,
	L_MEMORY, L_NETWORK_BANDWIDTH, L_SIZE, L_ARCH, L_OS, L_INSTANCE_TYPE, L_REGION,
	L_COUNT
};

static const char *const label_keys[L_COUNT] = {
	[L_ACCEL_COUNT] = JN_LABEL_INSTANCE_ACCELERATOR_COUNT,
	[L_ACCEL_MANUFACTURER] = JN_LABEL_INSTANCE_ACCELERATOR_MANUFACTURER,
	[L_ACCEL_NAME] = JN_LABEL_INSTANCE_ACCELERATOR_NAME,
	[L_CAPABILITY_FLEX] = JN_LABEL_INSTANCE_CAPABILITY_FLEX,
	[L_CATEGORY] = JN_LABEL_INSTANCE_CATEGORY,
	[L_CPU] = JN_LABEL_INSTANCE_CPU,
	[L_CPU_MANUFACTURER] = JN_LABEL_INSTANCE_CPU_MANUFACTURER,
	[L_CPU_CLOCK] = JN_LABEL_INSTANCE_CPU_SUSTAINED_CLOCK_SPEED_MHZ,
	[L_EBS_BANDWIDTH] = JN_LABEL_INSTANCE_EBS_BANDWIDTH,
	[L_ENCRYPTION] = JN_LABEL_INSTANCE_ENCRYPTION_IN_TRANSIT_SUPPORTED,
	[L_FAMILY] = JN_LABEL_INSTANCE_FAMILY,
	[L_GENERATION] = JN_LABEL_INSTANCE_GENERATION,
	[L_GPU_COUNT] = JN_LABEL_INSTANCE_GPU_COUNT,
	[L_GPU_MANUFACTURER] = JN_LABEL_INSTANCE_GPU_MANUFACTURER,
	[L_GPU_MEMORY] = JN_LABEL_INSTANCE_GPU_MEMORY,
	[L_GPU_NAME] = JN_LABEL_INSTANCE_GPU_NAME,
	[L_HYPERVISOR] = JN_LABEL_INSTANCE_HYPERVISOR,
	[L_LOCAL_NVME] = JN_LABEL_INSTANCE_LOCAL_NVME,
	[L_MEMORY] = JN_LABEL_INSTANCE_MEMORY,
	[L_NETWORK_BANDWIDTH] = JN_LABEL_INSTANCE_NETWORK_BANDWIDTH,
	[L_SIZE] = JN_LABEL_INSTANCE_SIZE,
	[L_ARCH] = JN_LABEL_ARCH,
	[L_OS] = JN_LABEL_OS,
	[L_INSTANCE_TYPE] = JN_LABEL_INSTANCE_TYPE,
	[L_REGION] = JN_LABEL_REGION,
};

static_assert(L_COUNT == CATALOG_LABEL_SLOTS, "catalog_internal.h sizes the key table");

void catalog_labels_init(struct catalog_labels *b, struct catalog_pool *pool, char *region)
{
	for (size_t i = 0; i < L_COUNT; i++)
		b->keys[i] = catalog_pool_strdup(pool, label_keys[i]);
	b->v_true = catalog_pool_strdup(pool, "true");
	b->v_false = catalog_pool_strdup(pool, "false");
	b->v_linux = catalog_pool_strdup(pool, "linux");
	b->v_amd64 = catalog_pool_strdup(pool, "amd64");
	b->v_arm64 = catalog_pool_strdup(pool, "arm64");
	b->v_aws = catalog_pool_strdup(pool, "aws");
	b->v_region = region;
}

/* Karpenter's lowerKabobCase: spaces to dashes, lowercase. */
static char *kebab(struct catalog_pool *pool, const char *s)
{
	char *out = catalog_pool_strdup(pool, s);
	for (char *p = out; *p; p++)
		*p = *p == ' ' ? '-' : (char)tolower((unsigned char)*p);
	return out;
}

void catalog_labels_fill(const struct catalog_labels *b, struct catalog_pool *pool,
	const struct catalog_spec *s, struct jn_instance_type *it)
{
	char *v[L_COUNT] = { 0 };
	v[L_INSTANCE_TYPE] = (char *)it->name;
	v[L_ARCH] = strcmp(it->arch, "arm64") == 0 ? b->v_arm64 : b->v_amd64;
	v[L_OS] = b->v_linux;
	v[L_REGION] = b->v_region;
	v[L_CPU] = catalog_pool_printf(pool, "%d", s->vcpu);
	v[L_MEMORY] = catalog_pool_printf(pool, "%lld", (long long)s->memory_mib);
	if (it->category[0]) {
		v[L_CATEGORY] = (char *)it->category;
		v[L_GENERATION] = catalog_pool_printf(pool, "%d", it->generation);
	}
	if (it->family[0]) {
		v[L_FAMILY] = (char *)it->family;
		v[L_SIZE] = (char *)it->size;
	}
	v[L_CAPABILITY_FLEX] = strstr(it->family, "-flex") ? b->v_true : b->v_false;
	if (s->local_nvme_gb > 0)
		v[L_LOCAL_NVME] = catalog_pool_printf(pool, "%lld", (long long)s->local_nvme_gb);
	if (s->network_bandwidth_mbps > 0)
		v[L_NETWORK_BANDWIDTH] = catalog_pool_printf(pool, "%lld",
			(long long)s->network_bandwidth_mbps);
	if (s->ebs_bandwidth_mbps > 0)
		v[L_EBS_BANDWIDTH] = catalog_pool_printf(pool, "%lld",
			(long long)s->ebs_bandwidth_mbps);
	if (s->gpu_count > 0) {
		v[L_GPU_NAME] = kebab(pool, s->gpu_name);
		v[L_GPU_MANUFACTURER] = kebab(pool, s->gpu_manufacturer);
		v[L_GPU_COUNT] = catalog_pool_printf(pool, "%d", s->gpu_count);
		v[L_GPU_MEMORY] = catalog_pool_printf(pool, "%lld", (long long)s->gpu_memory_mib);
	}
	if (s->neuron_count > 0) {
		v[L_ACCEL_NAME] = kebab(pool, s->neuron_name);
		v[L_ACCEL_MANUFACTURER] = b->v_aws;
		v[L_ACCEL_COUNT] = catalog_pool_printf(pool, "%d", s->neuron_count);
	}
	if (s->cpu_manufacturer[0])
		v[L_CPU_MANUFACTURER] = kebab(pool, s->cpu_manufacturer);
	if (it->cpu_clock_mhz > 0)
		v[L_CPU_CLOCK] = catalog_pool_printf(pool, "%d", it->cpu_clock_mhz);
	v[L_HYPERVISOR] = (char *)s->hypervisor;
	v[L_ENCRYPTION] = s->encryption_in_transit ? b->v_true : b->v_false;

	size_t n = 0;
	for (size_t i = 0; i < L_COUNT; i++)
		n += v[i] && v[i][0];
	struct jn_kv *items = catalog_pool_alloc(pool, n * sizeof(*items));
	for (size_t i = 0, k = 0; i < L_COUNT; i++) {
		if (v[i] && v[i][0])
			items[k++] = (struct jn_kv){ .key = b->keys[i], .value = v[i] };
	}
	it->labels = (struct jn_strmap){ .items = items, .len = n, .cap = n };
}

