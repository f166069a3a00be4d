/* Well-known label keys and Karpenter's key normalization. Static tables only. */
#include <stddef.h>
#include <string.h>

#include "sched_internal.h"

/* Sorted by strcmp: jn_keyset_has binary-searches it (jn_keyset check in the unit tests). */
static const char *const well_known[] = {
	"karpenter.k8s.aws/capacity-reservation-id",
	"karpenter.k8s.aws/capacity-reservation-type",
	"karpenter.k8s.aws/instance-accelerator-count",
	"karpenter.k8s.aws/instance-accelerator-manufacturer",
	"karpenter.k8s.aws/instance-accelerator-name",
	"karpenter.k8s.aws/instance-capability-flex",
	"karpenter.k8s.aws/instance-category",
	"karpenter.k8s.aws/instance-cpu",
	"karpenter.k8s.aws/instance-cpu-manufacturer",
	"karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz",
	"karpenter.k8s.aws/instance-ebs-bandwidth",
	"karpenter.k8s.aws/instance-encryption-in-transit-supported",
	"karpenter.k8s.aws/instance-family",
	"karpenter.k8s.aws/instance-generation",
	"karpenter.k8s.aws/instance-gpu-count",
	"karpenter.k8s.aws/instance-gpu-manufacturer",
	"karpenter.k8s.aws/instance-gpu-memory",
	"karpenter.k8s.aws/instance-gpu-name",
	"karpenter.k8s.aws/instance-hypervisor",
	"karpenter.k8s.aws/instance-local-nvme",
	"karpenter.k8s.aws/instance-memory",
	"karpenter.k8s.aws/instance-network-bandwidth",
	"karpenter.k8s.aws/instance-size",
	JN_LABEL_CAPACITY_TYPE,
	JN_LABEL_NODEPOOL,
	JN_LABEL_ARCH,
	JN_LABEL_OS,
	JN_LABEL_INSTANCE_TYPE,
	"node.kubernetes.io/windows-build",
	"topology.k8s.aws/zone-id",
	JN_LABEL_REGION,
	JN_LABEL_ZONE,
};

static const struct jn_keyset well_known_set = {
	.keys = well_known,
	.len = JN_ARRAY_LEN(well_known),
};

const struct jn_keyset *jn_well_known_labels(void)
{
	return &well_known_set;
}

bool jn_keyset_has(const struct jn_keyset *set, const char *key)
{
	bool found = false;
	if (set)
		jn_bsearch_str(set->keys, set->len, sizeof(*set->keys), 0, key, &found);
	return found;
}

static const struct {
	const char *alias;
	const char *stable;
} normalized[] = {
	{ "beta.kubernetes.io/arch", JN_LABEL_ARCH },
	{ "beta.kubernetes.io/instance-type", JN_LABEL_INSTANCE_TYPE },
	{ "beta.kubernetes.io/os", JN_LABEL_OS },
	{ "failure-domain.beta.kubernetes.io/region", JN_LABEL_REGION },
	{ "failure-domain.beta.kubernetes.io/zone", JN_LABEL_ZONE },
};

const char *jn_label_normalize(const char *key)
{
	/* Every alias starts with one of two prefixes: most keys are rejected on the first byte. */
	if (key[0] != 'b' && key[0] != 'f')
		return key;
	for (size_t i = 0; i < JN_ARRAY_LEN(normalized); i++)
		if (strcmp(key, normalized[i].alias) == 0)
			return normalized[i].stable;
	return key;
}
