/*
 * Catalog options: Karpenter's defaults, and the ranges outside which the formulas stop
 * meaning anything. A zeroed struct is rejected (root volume 0, spot ratio 0) rather than
 * silently producing nodes without memory overhead: callers start from jn_catalog_options_init.
 */
#include "jitnode/error.h"

#include "catalog_internal.h"

#define GIB (INT64_C(1) << 30)
#define MIB (INT64_C(1) << 20)

void jn_catalog_options_init(struct jn_catalog_options *o)
{
	*o = (struct jn_catalog_options){
		.vm_memory_overhead_percent = 0.075,
		.root_volume_bytes = 20 * GIB,
		.kube_reserved = { -1, -1, -1 },
		.eviction_memory = { .is_percent = false, .bytes = 100 * MIB },
		.eviction_nodefs = { .is_percent = true, .percent = 10 },
		.spot_price_ratio = 0.35,
	};
}

int catalog_options_validate(const struct jn_catalog_options *o, struct jn_error *err)
{
	const char *what = "invalid catalog options";
	if (!(o->vm_memory_overhead_percent >= 0 && o->vm_memory_overhead_percent < 1))
		return jn_error_set(err, JN_ERR_INVALID,
			"%s: vm_memory_overhead_percent %g is outside [0, 1)", what,
			o->vm_memory_overhead_percent);
	const int32_t counts[] = { o->max_pods, o->pods_per_core, o->reserved_enis };
	const char *cn[] = { "max_pods", "pods_per_core", "reserved_enis" };
	for (size_t i = 0; i < JN_ARRAY_LEN(counts); i++)
		if (counts[i] < 0)
			return jn_error_set(err, JN_ERR_INVALID, "%s: %s %d is negative", what, cn[i],
				counts[i]);
	if (o->root_volume_bytes <= 0)
		return jn_error_set(err, JN_ERR_INVALID, "%s: root_volume_bytes %lld must be positive",
			what, (long long)o->root_volume_bytes);
	const struct jn_catalog_reserved *r[] = { &o->kube_reserved, &o->system_reserved };
	const char *rn[] = { "kube_reserved", "system_reserved" };
	for (size_t i = 0; i < 2; i++) {
		int64_t least = i == 0 ? -1 : 0; /* -1: computed */
		if (r[i]->cpu_milli < least || r[i]->memory < least || r[i]->ephemeral_storage < least)
			return jn_error_set(err, JN_ERR_INVALID, "%s: %s has a value below %lld",
				what, rn[i], (long long)least);
	}
	const struct jn_catalog_threshold *t[] = { &o->eviction_memory, &o->eviction_nodefs };
	const char *tn[] = { "eviction_memory", "eviction_nodefs" };
	for (size_t i = 0; i < 2; i++) {
		if (t[i]->is_percent && !(t[i]->percent >= 0 && t[i]->percent <= 100))
			return jn_error_set(err, JN_ERR_INVALID, "%s: %s %g%% is outside [0, 100]",
				what, tn[i], t[i]->percent);
		if (!t[i]->is_percent && t[i]->bytes < 0)
			return jn_error_set(err, JN_ERR_INVALID, "%s: %s %lld is negative",
				what, tn[i], (long long)t[i]->bytes);
	}
	if (!(o->spot_price_ratio > 0 && o->spot_price_ratio <= 1))
		return jn_error_set(err, JN_ERR_INVALID, "%s: spot_price_ratio %g is outside (0, 1]",
			what, o->spot_price_ratio);
	return 0;
}
