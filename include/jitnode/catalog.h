#ifndef JITNODE_CATALOG_H
#define JITNODE_CATALOG_H

/*
 * The instance-type catalog: what each EC2 instance type offers a pod once it is a node, where
 * it can be launched (offerings: zone x capacity type), and at what price.
 *
 * A struct jn_catalog is an immutable, reference-counted snapshot for ONE region (DESIGN.md §3).
 * Readers hold a reference (jn_catalog_ref / jn_catalog_unref, atomic) and never lock; a refresh
 * or an ICE update builds a new snapshot and swaps the pointer. Everything reachable from a
 * snapshot (types, strings, labels, resources, offerings) is borrowed from it and stays valid
 * until the last reference is dropped. Nothing in it may be modified or released by callers:
 * copy (jn_strmap_copy, jn_resources_copy) to own.
 *
 * Sources. The built-in data is src/catalog/data/ec2_instance_types.json (facts captured from
 * AWS by moto plus Karpenter's VPC-limit and bandwidth tables; see data/SOURCE.md), compiled
 * into the binary as C tables at build time. jn_catalog_load_file() reads a file of the same
 * format at run time. Both go through the same builder, so both give identical snapshots.
 *
 * Types left out: those whose architecture is neither x86_64 nor arm64 (the mac*.metal types;
 * EKS cannot run them), and those not offered in the requested region.
 *
 * What the numbers mean, following karpenter-provider-aws pkg/providers/instancetype/types.go
 * for the AL2023 AMI family (Karpenter's default), re-derived, with its exact rounding:
 *
 *   capacity.cpu          vcpu * 1000 millicores
 *   capacity.memory       m = memory_mib, minus 64 MiB when the first architecture is arm64
 *                         (Graviton CMA reserve); then minus
 *                         ceil(m * 2^20 * vm_memory_overhead_percent / 1024 / 1024) MiB,
 *                         evaluated in double precision left to right as Karpenter does
 *   capacity.ephemeral    root_volume_bytes (20 GiB: Karpenter's default root block device)
 *   capacity.pods         max_pods when set, else ENI-limited pods:
 *                           max(enis_default_card - reserved_enis, 0) * (ipv4_per_eni - 1) + 2
 *                         (0 when no ENI is left); then min(pods_per_core * vcpu, that) when
 *                         pods_per_core is set
 *   capacity extended     nvidia.com/gpu, amd.com/gpu, habana.ai/gaudi (GPU count by maker),
 *                         aws.amazon.com/neuron (devices), aws.amazon.com/neuroncore (devices x
 *                         cores), vpc.amazonaws.com/efa (max EFA interfaces),
 *                         vpc.amazonaws.com/pod-eni (branch ENIs of trunking types); only the
 *                         non-zero ones are listed (absent means 0 to jn_resources_fit)
 *
 *   kube-reserved cpu     6 % of the first core, 1 % of the second, 0.5 % of cores 3-4,
 *                         0.25 % beyond; each band truncated to whole millicores, then summed
 *   kube-reserved memory  (11 * p + 255) MiB, p = ENI-limited pods with 0 reserved ENIs (AL2023
 *                         uses the ENI limit here even when max_pods is set), or the pods
 *                         capacity when reserved_memory_uses_pods is set (Bottlerocket's rule)
 *   kube-reserved eph.    1 GiB
 *   eviction memory       100 MiB (memory.available), or the evictionHard override
 *   eviction nodefs       ceil(ephemeral / 100 * 10) (nodefs.available 10 %), or the override
 *   allocatable           capacity - kube-reserved - system-reserved - eviction, per resource,
 *                         floored at 0; pods and extended resources are not reduced
 *
 * Not modelled here: DaemonSet overhead (it depends on the cluster's DaemonSets; the packer
 * adds it per NodePool, as Karpenter's scheduler does), instanceStorePolicy RAID0 and block
 * device mappings other than the root volume size, Windows AMIs, capacity reservations.
 *
 * Prices. The data holds only us-east-1 on-demand list prices. The decision, per offering
 * (until jn_catalog_with_prices replaces some with prices an API stated):
 *   - on-demand in a region with list prices: that price (JN_PRICE_LIST);
 *   - on-demand elsewhere: the us-east-1 list price reused (JN_PRICE_OTHER_REGION), an estimate;
 *   - spot: SIMULATED, on-demand price (list or reused) x spot_price_ratio (default 0.35), the
 *     same in every zone (JN_PRICE_SPOT_ESTIMATE); there is no spot price history here;
 *   - no on-demand price at all: price 0, JN_PRICE_NONE, and the offering is not available
 *     (Karpenter's rule: an offering without a price is unavailable).
 *
 * Labels. Each type carries the labels a node of that type gets from its instance type, with
 * Karpenter's exact values; a label whose value would be empty is left out, as Karpenter's
 * Requirements.Labels() does:
 *   always            node.kubernetes.io/instance-type, kubernetes.io/arch (amd64|arm64),
 *                     kubernetes.io/os (linux), topology.kubernetes.io/region,
 *                     karpenter.k8s.aws/instance-cpu (vCPUs), -memory (MiB, as AWS states it,
 *                     before any overhead), -encryption-in-transit-supported (true|false),
 *                     -capability-flex (true when the family contains "-flex")
 *   when parsable     -family, -size (the name split at its one '.'), -category, -generation
 *                     (Karpenter's name scheme; the mac types have neither)
 *   when known        -hypervisor (nitro|xen), -cpu-manufacturer (intel|amd|aws),
 *                     -cpu-sustained-clock-speed-mhz, -local-nvme (GB), -network-bandwidth
 *                     (Mbps, Karpenter's table), -ebs-bandwidth (Mbps)
 *   GPU types         -gpu-name, -gpu-manufacturer (lower-kebab-cased: "t4", "a10g",
 *                     "radeon-pro-v520", "nvidia"), -gpu-count, -gpu-memory (MiB of one GPU)
 *   Neuron types      -accelerator-name ("inferentia2"), -accelerator-manufacturer ("aws"),
 *                     -accelerator-count (devices)
 * The zone, zone-id and capacity-type labels belong to an offering, not to the type:
 * jn_instance_type_node_labels() adds them at node creation. Labels Karpenter sets from the
 * NodePool or at registration (karpenter.sh/nodepool, hostname, ...) are not the catalog's.
 *
 * Zone ids come from the data file's meta.zone_name_to_id_moto (the mapping moto's
 * DescribeAvailabilityZones answers with, which is what the simulated and moto-backed clouds
 * see); a zone missing from it has zone_id "".
 *
 * Thread-safety: snapshots are immutable; any number of threads may read one and take or drop
 * references concurrently.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/api.h"
#include "jitnode/map.h"

struct jn_error;

/* Well-known labels (Kubernetes, Karpenter, karpenter-provider-aws). */
#define JN_LABEL_INSTANCE_TYPE "node.kubernetes.io/instance-type"
#define JN_LABEL_ARCH "kubernetes.io/arch"
#define JN_LABEL_OS "kubernetes.io/os"
#define JN_LABEL_REGION "topology.kubernetes.io/region"
#define JN_LABEL_ZONE "topology.kubernetes.io/zone"
#define JN_LABEL_ZONE_ID "topology.k8s.aws/zone-id"
#define JN_LABEL_CAPACITY_TYPE "karpenter.sh/capacity-type"
#define JN_LABEL_INSTANCE_ACCELERATOR_COUNT "karpenter.k8s.aws/instance-accelerator-count"
#define JN_LABEL_INSTANCE_ACCELERATOR_MANUFACTURER \
	"karpenter.k8s.aws/instance-accelerator-manufacturer"
#define JN_LABEL_INSTANCE_ACCELERATOR_NAME "karpenter.k8s.aws/instance-accelerator-name"
#define JN_LABEL_INSTANCE_CAPABILITY_FLEX "karpenter.k8s.aws/instance-capability-flex"
#define JN_LABEL_INSTANCE_CATEGORY "karpenter.k8s.aws/instance-category"
#define JN_LABEL_INSTANCE_CPU "karpenter.k8s.aws/instance-cpu"
#define JN_LABEL_INSTANCE_CPU_MANUFACTURER "karpenter.k8s.aws/instance-cpu-manufacturer"
#define JN_LABEL_INSTANCE_CPU_SUSTAINED_CLOCK_SPEED_MHZ \
	"karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz"
#define JN_LABEL_INSTANCE_EBS_BANDWIDTH "karpenter.k8s.aws/instance-ebs-bandwidth"
#define JN_LABEL_INSTANCE_ENCRYPTION_IN_TRANSIT_SUPPORTED \
	"karpenter.k8s.aws/instance-encryption-in-transit-supported"
#define JN_LABEL_INSTANCE_FAMILY "karpenter.k8s.aws/instance-family"
#define JN_LABEL_INSTANCE_GENERATION "karpenter.k8s.aws/instance-generation"
#define JN_LABEL_INSTANCE_GPU_COUNT "karpenter.k8s.aws/instance-gpu-count"
#define JN_LABEL_INSTANCE_GPU_MANUFACTURER "karpenter.k8s.aws/instance-gpu-manufacturer"
#define JN_LABEL_INSTANCE_GPU_MEMORY "karpenter.k8s.aws/instance-gpu-memory"
#define JN_LABEL_INSTANCE_GPU_NAME "karpenter.k8s.aws/instance-gpu-name"
#define JN_LABEL_INSTANCE_HYPERVISOR "karpenter.k8s.aws/instance-hypervisor"
#define JN_LABEL_INSTANCE_LOCAL_NVME "karpenter.k8s.aws/instance-local-nvme"
#define JN_LABEL_INSTANCE_MEMORY "karpenter.k8s.aws/instance-memory"
#define JN_LABEL_INSTANCE_NETWORK_BANDWIDTH "karpenter.k8s.aws/instance-network-bandwidth"
#define JN_LABEL_INSTANCE_SIZE "karpenter.k8s.aws/instance-size"

/* Extended resources as Karpenter names them. */
#define JN_RESOURCE_NVIDIA_GPU "nvidia.com/gpu"
#define JN_RESOURCE_AMD_GPU "amd.com/gpu"
#define JN_RESOURCE_HABANA_GAUDI "habana.ai/gaudi"
#define JN_RESOURCE_AWS_NEURON "aws.amazon.com/neuron"
#define JN_RESOURCE_AWS_NEURON_CORE "aws.amazon.com/neuroncore"
#define JN_RESOURCE_EFA "vpc.amazonaws.com/efa"
#define JN_RESOURCE_POD_ENI "vpc.amazonaws.com/pod-eni"

/* ------------------------------------------------------------------------------------------ */
/* Options: the kubelet settings and estimates the numbers depend on                           */

/* An eviction threshold: an absolute amount, or a percentage of the resource's capacity. */
struct jn_catalog_threshold {
	bool is_percent;
	double percent;     /* 0..100, used when is_percent; 100 means disabled (0), as kubelet */
	int64_t bytes;      /* used when !is_percent */
};

/* Amounts held back from allocatable. -1 in kube_reserved means "computed by the formula". */
struct jn_catalog_reserved {
	int64_t cpu_milli;
	int64_t memory;             /* bytes */
	int64_t ephemeral_storage;  /* bytes */
};

struct jn_catalog_options {
	/* Karpenter's --vm-memory-overhead-percent: despite the name, a fraction (0.075 = 7.5 %). */
	double vm_memory_overhead_percent;
	int32_t max_pods;           /* kubelet maxPods; 0 = the ENI limit */
	int32_t pods_per_core;      /* kubelet podsPerCore; 0 = unset */
	int32_t reserved_enis;      /* Karpenter --reserved-enis: ENIs kept from pod networking */
	int64_t root_volume_bytes;  /* ephemeral-storage capacity */
	/* Use the pods capacity (not the ENI limit) in kube-reserved memory (Bottlerocket). */
	bool reserved_memory_uses_pods;
	struct jn_catalog_reserved kube_reserved;    /* kubelet kubeReserved; -1 = computed */
	struct jn_catalog_reserved system_reserved;  /* kubelet systemReserved; default 0 */
	struct jn_catalog_threshold eviction_memory; /* evictionHard memory.available */
	struct jn_catalog_threshold eviction_nodefs; /* evictionHard nodefs.available */
	double spot_price_ratio;    /* simulated spot price = on-demand x this, in (0, 1] */
};

/**
 * Fills o with the defaults: vm_memory_overhead_percent 0.075, max_pods 0 (ENI-limited),
 * pods_per_core 0, reserved_enis 0, root_volume_bytes 20 GiB, kube_reserved all -1 (computed),
 * system_reserved all 0, eviction_memory 100 MiB, eviction_nodefs 10 %, spot_price_ratio 0.35.
 * Callers change fields afterwards.
 */
void jn_catalog_options_init(struct jn_catalog_options *o);

/* ------------------------------------------------------------------------------------------ */
/* Offerings and instance types                                                                */

enum jn_capacity_type {
	JN_CAPACITY_ON_DEMAND = 0,
	JN_CAPACITY_SPOT,
};

/** "on-demand" or "spot" (the karpenter.sh/capacity-type values). Static storage. */
const char *jn_capacity_type_name(enum jn_capacity_type type);
/** Parses "on-demand" / "spot"; -1 on anything else (no error object: callers word it). */
int jn_capacity_type_parse(const char *text, enum jn_capacity_type *out);

enum jn_price_source {
	JN_PRICE_NONE = 0,          /* no price known; the offering is unavailable */
	JN_PRICE_LIST,              /* the published on-demand price for this region */
	JN_PRICE_OTHER_REGION,      /* estimate: us-east-1's on-demand list price reused here */
	JN_PRICE_SPOT_ESTIMATE,     /* simulated: on-demand price x spot_price_ratio */
	JN_PRICE_SPOT_HISTORY,      /* EC2's DescribeSpotPriceHistory (jn_catalog_with_prices) */
	JN_PRICE_API,               /* an on-demand price some API stated (jn_catalog_with_prices) */
};

/** "none", "list", "other-region", "spot-estimate", "spot-history", "api". Static storage. */
const char *jn_price_source_name(enum jn_price_source source);

/* One place a type can be launched. (zone, capacity_type) is unique within a type. */
struct jn_offering {
	const char *zone;           /* "us-east-1a" */
	const char *zone_id;        /* "use1-az6"; "" when unknown */
	enum jn_capacity_type capacity_type;
	enum jn_price_source price_source;
	double price;               /* USD per hour; 0 when price_source is JN_PRICE_NONE */
	bool available;             /* priced and not marked unavailable (ICE) */
};

struct jn_gpu_info {
	int32_t count;              /* 0 when the type has no GPU; then the strings are "" */
	const char *name;           /* as AWS spells it: "T4", "A10G" */
	const char *manufacturer;   /* "NVIDIA", "AMD", "Habana" */
	int64_t memory_mib;         /* of one GPU */
};

struct jn_neuron_info {
	int32_t count;              /* devices; 0 when none, then name is "" */
	const char *name;           /* "Inferentia", "Trainium2" */
	int32_t cores_each;
	int64_t memory_mib;         /* of one device */
};

/* What is held back from capacity, by whom (bytes and millicores). */
struct jn_instance_overhead {
	struct jn_catalog_reserved kube_reserved;
	struct jn_catalog_reserved system_reserved;
	struct jn_catalog_reserved eviction;    /* cpu_milli is always 0 */
};

/*
 * One instance type in one region. All pointers are borrowed from the snapshot. Strings are
 * never NULL ("" when the data has nothing).
 */
struct jn_instance_type {
	const char *name;           /* "m5.large" */
	const char *family;         /* "m5"; "" when the name has no '.' */
	const char *size;           /* "large" */
	const char *category;       /* "m"; "" when the name does not match Karpenter's scheme */
	int32_t generation;         /* 5; 0 when the name does not match */
	const char *arch;           /* "amd64" or "arm64" */
	int32_t vcpu;
	int64_t memory_mib;         /* as AWS states it, before any overhead */
	const char *cpu_manufacturer;   /* "Intel", "AMD", "AWS" */
	int32_t cpu_clock_mhz;      /* sustained clock, rounded; 0 when unknown */
	const char *hypervisor;     /* "nitro", "xen", "" (bare metal) */
	bool bare_metal;
	bool burstable;
	bool current_generation;    /* AWS's flag (m5, c5, r5 ... are "previous" now) */
	bool encryption_in_transit;
	struct jn_gpu_info gpu;
	struct jn_neuron_info neuron;
	int64_t local_nvme_gb;      /* 0 when none */
	int64_t network_bandwidth_mbps;  /* Karpenter's table; 0 when unknown */
	int64_t ebs_bandwidth_mbps;      /* 0 when unknown */
	int32_t max_enis;           /* of the default network card */
	int32_t ipv4_per_eni;
	int64_t max_pods;           /* the pods capacity, after the options */

	struct jn_resources capacity;       /* borrowed; see the formulas above */
	struct jn_instance_overhead overhead;
	struct jn_resources allocatable;    /* borrowed; capacity minus overhead */
	struct jn_strmap labels;            /* borrowed; sorted; never release */

	const struct jn_offering *offerings;    /* sorted by (zone, capacity type) */
	size_t n_offerings;
};

/** The offering of it in zone with capacity type, or NULL when there is none. */
const struct jn_offering *jn_instance_type_offering(const struct jn_instance_type *it,
	const char *zone, enum jn_capacity_type capacity_type);

/**
 * The labels a node launched from it through off gets: the type's labels plus
 * topology.kubernetes.io/zone, topology.k8s.aws/zone-id (when known) and
 * karpenter.sh/capacity-type. out is overwritten (any previous content is not released) and
 * owned by the caller (jn_strmap_release).
 */
void jn_instance_type_node_labels(const struct jn_instance_type *it,
	const struct jn_offering *off, struct jn_strmap *out);

/* ------------------------------------------------------------------------------------------ */
/* Snapshots                                                                                   */

struct jn_catalog;

/** The regions of the built-in data ("us-east-1", "us-west-2", "eu-west-1"). Static storage. */
const char *const *jn_catalog_builtin_regions(size_t *n);

/**
 * Builds a snapshot of the built-in data for region. options may be NULL for the defaults.
 * Returns a new reference (jn_catalog_unref), or NULL with JN_ERR_NOT_FOUND for a region the
 * data does not hold, or JN_ERR_INVALID for options out of range (the message names the field).
 * Cost: about a millisecond or two for the whole set; about 1.5 MB.
 */
struct jn_catalog *jn_catalog_builtin(const char *region, const struct jn_catalog_options *options,
	struct jn_error *err);

/** The most bytes jn_catalog_load_file reads. */
#define JN_CATALOG_FILE_MAX (64u << 20)

/**
 * Builds a snapshot for region from a file of the built-in format:
 *   {"meta": {"zone_name_to_id_moto": {"<region>": {"<zone>": "<zone id>"}}},   (optional)
 *    "instance_types": {"<name>": {
 *        "arch": ["x86_64"], "vcpu": 2, "memory_mib": 8192,                      (required)
 *        "usage_classes": ["on-demand", "spot"], "max_enis_default_card": 3,     (required)
 *        "ipv4_per_eni": 10, "regions": {"<region>": {"zones": ["<zone>", ...]}}, (required)
 *        "price_od_linux_usd_hr": {"<region>": 0.096},          (optional, and all below)
 *        "cpu_manufacturer", "cpu_clock_ghz", "hypervisor", "bare_metal", "burstable",
 *        "current_generation", "encryption_in_transit", "efa_max", "local_nvme_gb",
 *        "ebs_max_bandwidth_mbps", "karpenter_network_bandwidth_mbps",
 *        "gpu": {"count", "manufacturer", "name", "memory_mib_each"},
 *        "neuron": {"count", "name", "cores_each", "memory_mib_each"},
 *        "karpenter_vpc": {"trunking", "branch_enis"} }}}
 * Other members are ignored; null counts as absent. Errors: JN_ERR_IO / JN_ERR_TOO_LARGE for
 * the file; JN_ERR_INVALID naming the file and the JSON path of the bad member, e.g.
 *   "loading catalog 'x.json': instance_types.m5.large.vcpu: expected an integer, got a string";
 * JN_ERR_NOT_FOUND when no type is offered in region. Returns a new reference.
 */
struct jn_catalog *jn_catalog_load_file(const char *path, const char *region,
	const struct jn_catalog_options *options, struct jn_error *err);

/** Takes a reference; returns cat. Thread-safe. */
struct jn_catalog *jn_catalog_ref(struct jn_catalog *cat);
/** Drops a reference; the last one frees the snapshot. NULL is a no-op. Thread-safe. */
void jn_catalog_unref(struct jn_catalog *cat);

/** The region of the snapshot. Borrowed. */
const char *jn_catalog_region(const struct jn_catalog *cat);
/** The options it was built with. Borrowed. */
const struct jn_catalog_options *jn_catalog_options(const struct jn_catalog *cat);
/** Number of instance types. */
size_t jn_catalog_len(const struct jn_catalog *cat);
/**
 * The zones of the region that offer at least one type, sorted ("us-east-1a", ...), with
 * their zone ids ("" when unknown) at the same index when ids is not NULL. Borrowed.
 */
const char *const *jn_catalog_zones(const struct jn_catalog *cat, const char *const **ids,
	size_t *n);
/** The i-th type in name order; NULL when i >= len. Borrowed. */
const struct jn_instance_type *jn_catalog_at(const struct jn_catalog *cat, size_t i);
/** The type called name, or NULL. O(log n). Borrowed. */
const struct jn_instance_type *jn_catalog_find(const struct jn_catalog *cat, const char *name);

/* An offering named by what EC2 reports in an insufficient-capacity error. */
struct jn_offering_key {
	const char *instance_type;
	const char *zone;           /* NULL: every zone of the type */
	enum jn_capacity_type capacity_type;
};

/**
 * A new snapshot equal to cat except that the offerings named by keys are unavailable (the ICE
 * cache's view). Marks add to those cat already has; to let marks expire, derive again from
 * the catalog the cloud provider built. Keys naming types or zones not in cat are ignored.
 * The copy shares cat's immutable parts (labels, resources, strings): it costs one copy of the
 * type and offering arrays. Returns a new reference; never fails.
 */
struct jn_catalog *jn_catalog_with_unavailable(const struct jn_catalog *cat,
	const struct jn_offering_key *keys, size_t n_keys);

/* ------------------------------------------------------------------------------------------ */
/* Snapshots derived from API answers (the EC2 provider's refresh)                             */

/* A price for one offering, as an API states it. */
struct jn_offering_price {
	const char *instance_type;
	const char *zone;
	enum jn_capacity_type capacity_type;
	double price;               /* USD per hour; > 0 (others are skipped) */
};

/**
 * A new snapshot equal to cat except for the prices of the offerings named in prices: each
 * matching offering gets the price, with source JN_PRICE_SPOT_HISTORY for spot and JN_PRICE_API
 * for on-demand, and becomes available if it was unavailable only for want of a price
 * (JN_PRICE_NONE); an offering made unavailable otherwise (not offered, ICE) stays so.
 * A spot offering still priced by estimate is re-estimated from its zone's new on-demand price.
 * Prices naming types, zones or capacity types cat lacks, and prices <= 0 (or not finite), are
 * skipped; *applied (when not NULL) counts the offerings changed. A later price for the same
 * offering wins. Shares cat's immutable parts like jn_catalog_with_unavailable; returns a new
 * reference; never fails.
 */
struct jn_catalog *jn_catalog_with_prices(const struct jn_catalog *cat,
	const struct jn_offering_price *prices, size_t n_prices, size_t *applied);

/*
 * An instance type as EC2 states it (DescribeInstanceTypes for the facts,
 * DescribeInstanceTypeOfferings for the zones). Everything is borrowed for the call.
 */
struct jn_catalog_type_spec {
	const char *name;                   /* "m7i-flex.large" */
	const char *const *archs;           /* EC2 names: "x86_64", "arm64" (others are ignored) */
	size_t n_archs;
	int32_t vcpu;                       /* vCpuInfo.defaultVCpus, > 0 */
	int64_t memory_mib;                 /* memoryInfo.sizeInMiB, > 0 */
	int32_t max_enis;                   /* networkInfo.maximumNetworkInterfaces, > 0 */
	int32_t ipv4_per_eni;               /* networkInfo.ipv4AddressesPerInterface, > 0 */
	bool on_demand, spot;               /* supportedUsageClasses */
	bool bare_metal, burstable, current_generation;
	const char *hypervisor;             /* "nitro", "xen"; NULL or "" when absent */
	const char *const *zones;           /* zones of cat's region offering it */
	size_t n_zones;
};

/**
 * A new snapshot holding every type of cat unchanged plus the types of specs cat does not
 * know, built with cat's options and Karpenter's formulas (catalog.h, above) from what the spec
 * gives: capacity, overhead, allocatable, pods from the ENI limits, and the labels derivable
 * from the name and the facts. What a spec does not carry is left out: no GPU, Neuron, EFA or
 * pod-ENI resources (a pod asking for them never lands on such a type, which errs on the safe
 * side), no bandwidth, clock or manufacturer labels. The added types have no price: their
 * offerings are JN_PRICE_NONE, unavailable, until jn_catalog_with_prices prices them
 * (Karpenter's rule: an offering without a price is not launched).
 *
 * The decision for a type cat knows: cat's facts win (the built-in data holds more than the
 * answer: GPUs, bandwidth, Karpenter's VPC tables); its offerings are not touched here (make
 * offerings EC2 does not list unavailable with jn_catalog_with_unavailable).
 *
 * Specs that cannot make a Linux node or are malformed (no name, no amd64/arm64 architecture,
 * vcpu, memory, ENIs or IPs per ENI <= 0, no zone of the region) are skipped; *added (when not
 * NULL) counts the types added. Zones of the region that cat does not list join the snapshot's
 * zones with zone id "". The result keeps cat's core alive; returns a new reference, never
 * fails. Cost: the new types' labels and resources plus a copy of cat's arrays.
 */
struct jn_catalog *jn_catalog_with_types(const struct jn_catalog *cat,
	const struct jn_catalog_type_spec *specs, size_t n_specs, size_t *added);

/**
 * Checks every invariant of the snapshot (STYLE rule 11): types sorted by unique name; each
 * type's capacity, overhead and allocatable agree (allocatable = capacity - overhead, floored
 * at 0, pods equal); labels sorted and holding name, arch, os and region; offerings sorted,
 * unique, in the snapshot's region, priced when available, priced by their source's rule
 * (spot-estimate = on-demand x ratio; spot-history only on spot, api only on on-demand).
 * Returns false on the first violation. Meant for assert() and tests; O(size).
 */
bool jn_catalog_check(const struct jn_catalog *cat);

#endif
