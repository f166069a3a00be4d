/*
 * Karpenter's capacity and overhead formulas (karpenter-provider-aws, instancetype/types.go),
 * re-derived. The float expressions keep Karpenter's operand order on purpose: IEEE doubles
 * are not associative, and a reordered product can land one MiB or one byte away from what
 * Karpenter computes for the same type.
 */
#include <math.h>
#include <string.h>

#include "catalog_internal.h"

#define MIB (INT64_C(1) << 20)

int64_t catalog_eni_limited_pods(int32_t enis, int32_t ipv4_per_eni, int32_t reserved_enis)
{
	int64_t usable = (int64_t)enis - reserved_enis;
	if (usable <= 0)
		return 0;
	return usable * ((int64_t)ipv4_per_eni - 1) + 2;
}

int64_t catalog_kube_reserved_cpu(int32_t vcpu)
{
	/* Bands from Bottlerocket/EKS: each band is truncated to whole millicores on its own. */
	static const struct {
		int64_t start, end;
		double fraction;
	} bands[] = {
		{ 0, 1000, 0.06 },
		{ 1000, 2000, 0.01 },
		{ 2000, 4000, 0.005 },
		{ 4000, INT64_C(1) << 31, 0.0025 },
	};
	int64_t milli = (int64_t)vcpu * 1000, total = 0;
	for (size_t i = 0; i < JN_ARRAY_LEN(bands); i++) {
		if (milli < bands[i].start)
			continue;
		double r = (double)(bands[i].end - bands[i].start);
		if (milli < bands[i].end)
			r = (double)(milli - bands[i].start);
		total += (int64_t)(r * bands[i].fraction);
	}
	return total;
}

int64_t catalog_memory_capacity(int64_t memory_mib, bool arm64_first, double vm_overhead)
{
	int64_t mib = memory_mib - (arm64_first ? 64 : 0);
	int64_t bytes = mib * MIB;
	int64_t overhead_mib = (int64_t)ceil((double)bytes * vm_overhead / 1024 / 1024);
	return bytes - overhead_mib * MIB;
}

int64_t catalog_threshold_bytes(const struct jn_catalog_threshold *t, int64_t capacity)
{
	if (!t->is_percent)
		return t->bytes;
	double p = t->percent == 100 ? 0 : t->percent;
	return (int64_t)ceil((double)capacity / 100 * p);
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The regex needs no backtracking beyond one choice: the optional "-<digits>tb" group either
 * matches in full or is skipped, and the greedy digit run is followed by ".*\." which only
 * needs a '.' somewhere after it.
 */
bool catalog_parse_name(const char *name, char *category, size_t size, int32_t *generation)
{
	category[0] = '\0';
	*generation = 0;
	size_t n = 0;
	while (is_lower(name[n]))
		n++;
	if (n == 0)
		return false;
	size_t at = n;
	if (name[at] == '-' && is_digit(name[at + 1])) {
		size_t j = at + 1;
		while (is_digit(name[j]))
			j++;
		if (name[j] == 't' && name[j + 1] == 'b' && is_digit(name[j + 2]))
			at = j + 2;
	}
	if (!is_digit(name[at]))
		return false;
	int64_t gen = 0;
	size_t j = at;
	while (is_digit(name[j])) {
		if (gen < INT32_MAX / 10)
			gen = gen * 10 + (name[j] - '0');
		j++;
	}
	if (!strchr(name + j, '.'))
		return false;
	if (n >= size)
		n = size - 1;
	memcpy(category, name, n);
	category[n] = '\0';
	*generation = (int32_t)gen;
	return true;
}
