#ifndef JITNODE_CATALOG_INTERNAL_H
#define JITNODE_CATALOG_INTERNAL_H

/*
 * Private to src/catalog: the raw facts of an instance type as the data file states them
 * (struct catalog_spec), the string pool snapshots allocate from, and the builder that turns
 * specs into a snapshot.
 *
 * Two producers fill specs: gen_builtin.py emits them as static const C tables at build time
 * (catalog_builtin_data), and load.c decodes a file of the same JSON format at run time. All
 * interpretation (architecture mapping, name parsing, overheads, prices, labels) happens once,
 * in C, in build.c and overhead.c, so both producers give identical snapshots.
 */

#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/base.h"
#include "jitnode/catalog.h"

struct jn_error;

/* ------------------------------------------------------------------------------------------ */
/* Raw data                                                                                    */

struct catalog_region_zones {
	const char *region;
	const char *const *zones;
	size_t n_zones;
};

struct catalog_region_price {
	const char *region;
	double price;               /* on-demand Linux USD/hour */
};

struct catalog_spec {
	const char *name;
	const char *const *archs;   /* EC2 names: "x86_64", "arm64", "i386", "arm64_mac" */
	size_t n_archs;
	int32_t vcpu;
	int64_t memory_mib;
	const char *cpu_manufacturer;   /* "" when absent */
	double cpu_clock_ghz;           /* 0 when absent */
	const char *hypervisor;         /* "" when absent */
	bool bare_metal, burstable, current_generation, encryption_in_transit;
	bool on_demand, spot;           /* usage classes; others ("capacity-block") are ignored */
	int32_t max_enis_default_card;
	int32_t ipv4_per_eni;
	int32_t efa_max;
	int64_t local_nvme_gb;          /* 0 when absent */
	int64_t ebs_bandwidth_mbps;     /* 0 when absent */
	int64_t network_bandwidth_mbps; /* 0 when absent */
	bool trunking;
	int32_t branch_enis;
	int32_t gpu_count;              /* 0: no GPU; then the strings are "" */
	const char *gpu_manufacturer;
	const char *gpu_name;
	int64_t gpu_memory_mib;
	int32_t neuron_count;           /* 0: no Neuron device */
	const char *neuron_name;
	int32_t neuron_cores_each;
	int64_t neuron_memory_mib;
	const struct catalog_region_zones *regions;
	size_t n_regions;
	const struct catalog_region_price *prices;
	size_t n_prices;
};

struct catalog_zone_id {
	const char *region;
	const char *zone;
	const char *zone_id;
};

struct catalog_data {
	const struct catalog_spec *specs;   /* sorted by name, unique */
	size_t n_specs;
	const struct catalog_zone_id *zone_ids;
	size_t n_zone_ids;
};

/* The built-in data, generated from data/ec2_instance_types.json by gen_builtin.py. */
extern const struct catalog_data catalog_builtin_data;

/* The region whose list prices are reused elsewhere. */
#define CATALOG_PRICE_REGION "us-east-1"

/* ------------------------------------------------------------------------------------------ */
/* Pool: bump allocation for a snapshot's immutable parts, freed all at once                   */

struct catalog_pool_block;

struct catalog_pool {
	struct catalog_pool_block *head;
};

void catalog_pool_init(struct catalog_pool *pool);
void catalog_pool_release(struct catalog_pool *pool);
/** Zeroed, 16-byte aligned memory living until release. Aborts on OOM. */
void *catalog_pool_alloc(struct catalog_pool *pool, size_t size);
char *catalog_pool_strdup(struct catalog_pool *pool, const char *s);
char *catalog_pool_printf(struct catalog_pool *pool, const char *fmt, ...) JN_PRINTF(2, 3);

/* ------------------------------------------------------------------------------------------ */
/* Snapshots                                                                                   */

/* What copies made by jn_catalog_with_unavailable share: strings, labels, resources. */
struct catalog_core {
	atomic_long refs;
	char *region;
	struct jn_catalog_options options;
	struct catalog_pool pool;
	struct catalog_pool source;     /* the loaded file's strings (empty for built-in data) */
	const char **zones;             /* in pool; sorted, unique */
	const char **zone_ids;          /* in pool; parallel to zones */
	size_t n_zones;
	struct catalog_core *parent;    /* a derived core keeps its parent's strings alive */
};

struct jn_catalog {
	atomic_long refs;
	struct catalog_core *core;          /* shared */
	struct jn_instance_type *types;     /* owned; sorted by name */
	size_t n_types;
	struct jn_offering *offerings;      /* owned; every type's offerings, back to back */
	size_t n_offerings;
};

/** A new core (one reference) for region, with a copy of options; source is moved in. */
struct catalog_core *catalog_core_create(const char *region,
	const struct jn_catalog_options *options, struct catalog_pool *source);
void catalog_core_unref(struct catalog_core *core);
/** A new snapshot (one reference) taking over one reference to core, with zeroed arrays. */
struct jn_catalog *catalog_create(struct catalog_core *core, size_t n_types, size_t n_offerings);

/**
 * Builds a snapshot of data for region. source (may be NULL) holds the strings data points to;
 * it is moved into the snapshot (left empty) on success and on failure alike.
 */
struct jn_catalog *catalog_build(const struct catalog_data *data, struct catalog_pool *source,
	const char *region, const struct jn_catalog_options *options, struct jn_error *err);

/** Validates options: JN_ERR_INVALID naming the field and its bad value. */
int catalog_options_validate(const struct jn_catalog_options *o, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Labels (labels.c)                                                                           */

#define CATALOG_LABEL_SLOTS 25

/* Label keys and common values, interned in a snapshot's pool and shared by its types. */
struct catalog_labels {
	char *keys[CATALOG_LABEL_SLOTS];    /* in strcmp order */
	char *v_true, *v_false, *v_linux, *v_amd64, *v_arm64, *v_aws, *v_region;
};

void catalog_labels_init(struct catalog_labels *labels, struct catalog_pool *pool, char *region);
/** Sets it->labels (in pool) from s and the already filled name parts of it. */
void catalog_labels_fill(const struct catalog_labels *labels, struct catalog_pool *pool,
	const struct catalog_spec *s, struct jn_instance_type *it);

/*
 * The builder: interned strings shared by every type of one build (build.c). jn_catalog_with_types
 * (derive.c) builds the types an API answer adds with the same code as the data's.
 */
#define CATALOG_EXT_SLOTS 7

struct catalog_builder {
	struct catalog_core *core;
	const struct jn_catalog_options *o;
	struct catalog_labels labels;
	char *ext[CATALOG_EXT_SLOTS];
	const struct catalog_zone_id *zone_ids;     /* of the region only */
	size_t n_zone_ids;
	struct catalog_zone_id *zone_id_buf;        /* owned */
};

/** Interns the labels and resource names in core's pool; keeps data's zone ids of the region. */
void catalog_builder_init(struct catalog_builder *b, struct catalog_core *core,
	const struct catalog_data *data);
void catalog_builder_release(struct catalog_builder *b);
/** The zone id of zone in the builder's region, "" when unknown. */
const char *catalog_zone_id_of(const struct catalog_builder *b, const char *zone);
/** Fills it from s; false when the type cannot run a Linux node (no amd64/arm64). */
bool catalog_fill_type(struct catalog_builder *b, const struct catalog_spec *s,
	struct jn_instance_type *it);
/** Writes the offerings of s in rz into out (room for 2 * zones); returns how many. */
size_t catalog_fill_offerings(const struct catalog_builder *b, const struct catalog_spec *s,
	const struct catalog_region_zones *rz, struct jn_offering *out);
/** Sets the core's zone list from the offerings of cat. */
void catalog_collect_zones(struct catalog_builder *b, struct jn_catalog *cat);


/* ------------------------------------------------------------------------------------------ */
/* Karpenter's formulas (overhead.c), exposed for the unit tests                               */

/** ENI-limited pods: max(enis - reserved, 0) * (ipv4_per_eni - 1) + 2, or 0 with no ENI. */
int64_t catalog_eni_limited_pods(int32_t enis, int32_t ipv4_per_eni, int32_t reserved_enis);
/** Kube-reserved CPU in millicores for vcpu cores. */
int64_t catalog_kube_reserved_cpu(int32_t vcpu);
/** Memory capacity in bytes after the arm64 CMA reserve and the VM overhead fraction. */
int64_t catalog_memory_capacity(int64_t memory_mib, bool arm64_first, double vm_overhead);
/** An eviction threshold against a capacity, in bytes. */
int64_t catalog_threshold_bytes(const struct jn_catalog_threshold *t, int64_t capacity);

/**
 * Parses a type name with Karpenter's scheme ^([a-z]+)(-[0-9]+tb)?([0-9]+).*\. : the category
 * (written to category, at most size - 1 chars) and the generation. False when it does not
 * match (then category is "" and *generation 0).
 */
bool catalog_parse_name(const char *name, char *category, size_t size, int32_t *generation);

#endif
