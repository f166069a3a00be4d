#ifndef JITNODE_POLICY_H
#define JITNODE_POLICY_H

/*
 * Policies: Karpenter v1 NodePools (karpenter.sh/v1) and EC2NodeClasses (karpenter.k8s.aws/v1),
 * loaded from YAML or JSON files, validated strictly, and published as one immutable,
 * reference-counted `struct jn_policy_set`.
 *
 * Compatibility: field names, defaults and validation rules are Karpenter's (the CRDs' OpenAPI
 * schema and CEL rules, plus the webhook's runtime checks), so a Karpenter user's YAML loads
 * unchanged, and YAML the apiserver would reject is rejected here with the same reason.
 * Deliberate differences, each a superset that cannot break Karpenter YAML:
 *   - durations take Go's whole syntax ("1h2m3.5s", "500ms") where the CRD pattern allows only
 *     whole s/m/h units; negative durations are still rejected;
 *   - a budget's `nodes` may also be a plain YAML integer (`nodes: 5`), not only "5";
 *   - objects read back from a cluster (`kubectl get -o yaml`) load too: server-set metadata
 *     (uid, resourceVersion, managedFields, ...) and `status` are accepted and ignored, and
 *     List / NodePoolList / EC2NodeClassList documents contribute their items.
 * Not supported (an "unknown field" error): NodePool replicas / consolidateWhen /
 * decisionRatioThreshold (alpha) and EC2NodeClass ipPrefixCount / enclaveOptions.
 *
 * Errors: every validation failure is JN_ERR_INVALID with a message that starts with the place
 * in the source and the JSON path:
 *   "policies/bad.yaml:12:21: spec.template.spec.requirements[0].operator: unknown operator \"Within\""
 * Lines and columns are 1-based; they point at the offending value, or at the key for
 * "unknown field". Documents of any other kind are rejected (not skipped): a policies folder
 * is read as a whole, and a stray Deployment there is far more likely a mistake than intent.
 * Empty documents (a lone `---`, comments only) are skipped.
 *
 * Threads: a built set is immutable; jn_policy_set_ref/unref are atomic, so any thread may read
 * a set it holds a reference to. A builder is single-threaded.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jitnode/api.h"
#include "jitnode/map.h"

struct jn_error;
struct jn_logger;

/* ------------------------------------------------------------------------------------------ */
/* Durations (Go's time.ParseDuration syntax, plus Karpenter's "Never")                        */

struct jn_duration {
	int64_t ns;     /* meaningless when never */
	bool never;
};

/**
 * Parses Go duration syntax: an optional sign, then one or more decimal numbers each with a unit
 * (ns, us, µs, ms, s, m, h), e.g. "720h", "1m30s", "1h2m3.5s"; "0" alone is zero. "Never" is
 * accepted only when allow_never. Fails with JN_ERR_INVALID: "invalid duration \"<text>\"" (or
 * "... out of range" past ~292 years). Negative values are accepted here; fields reject them.
 */
int jn_duration_parse(const char *text, bool allow_never, struct jn_duration *out,
	struct jn_error *err);

/** Formats like Go's Duration.String() ("720h0m0s", "1.5s", "0s") or "Never". Returns out. */
char *jn_duration_format(const struct jn_duration *d, char *out, size_t size);

/* ------------------------------------------------------------------------------------------ */
/* Where an object came from                                                                   */

struct jn_policy_source {
	char *file;     /* owned; the name given to the loader */
	uint32_t line;  /* 1-based; 0 when unknown (objects given as JSON values) */
	uint32_t col;
};

/* ------------------------------------------------------------------------------------------ */
/* NodePool (karpenter.sh/v1)                                                                  */

enum jn_consolidation_policy {
	JN_CONSOLIDATE_WHEN_EMPTY_OR_UNDERUTILIZED = 0,   /* the default */
	JN_CONSOLIDATE_WHEN_EMPTY,
};

/* Disruption reasons a budget applies to (Karpenter's DisruptionReason enum). */
enum jn_disruption_reason_flags {
	JN_DISRUPTION_UNDERUTILIZED = 1 << 0,
	JN_DISRUPTION_EMPTY = 1 << 1,
	JN_DISRUPTION_DRIFTED = 1 << 2,
};

struct jn_budget {
	bool percent;           /* nodes is a percentage (0..100) of the pool's nodes */
	int64_t nodes;          /* how many nodes may be disrupting at once (or the percentage) */
	unsigned reasons;       /* enum jn_disruption_reason_flags; 0 = every reason */
	char *schedule;         /* owned cron expression ("0 9 * * mon-fri", "@daily"); NULL = always */
	struct jn_duration duration;   /* how long the budget is active after each schedule hit;
	                                  whole minutes; set exactly when schedule is */
};

struct jn_node_class_ref {
	char *group;    /* owned, e.g. "karpenter.k8s.aws" */
	char *kind;     /* owned, e.g. "EC2NodeClass" */
	char *name;     /* owned */
};

/* One entry of spec.limits, in jn_resources units: cpu in millicores, other resources Value(). */
struct jn_nodepool_limit {
	char *resource;     /* owned, e.g. "cpu", "memory", "nvidia.com/gpu", "nodes" */
	int64_t value;
};

/* Which fields were absent and took Karpenter's default (for one log line per pool). */
enum jn_nodepool_defaults {
	JN_NODEPOOL_DEFAULT_EXPIRE_AFTER = 1 << 0,          /* 720h */
	JN_NODEPOOL_DEFAULT_CONSOLIDATION_POLICY = 1 << 1,  /* WhenEmptyOrUnderutilized */
	JN_NODEPOOL_DEFAULT_CONSOLIDATE_AFTER = 1 << 2,     /* 0s */
	JN_NODEPOOL_DEFAULT_BUDGETS = 1 << 3,               /* [{nodes: "10%"}] */
};

struct jn_nodepool {
	char *name;                              /* owned; metadata.name */

	/* spec.template.metadata: copied onto every node */
	struct jn_strmap labels;
	struct jn_strmap annotations;

	/* spec.template.spec */
	struct jn_taint *taints;                 /* owned */
	size_t n_taints;
	struct jn_taint *startup_taints;         /* owned */
	size_t n_startup_taints;
	struct jn_requirement *requirements;     /* owned; in file order */
	size_t n_requirements;
	struct jn_node_class_ref node_class_ref;
	struct jn_duration expire_after;         /* default 720h; may be never */
	bool has_termination_grace_period;
	struct jn_duration termination_grace_period;

	/* spec.limits: absent = unlimited; sorted by resource name */
	struct jn_nodepool_limit *limits;
	size_t n_limits;

	/* spec.weight: 1..100; a pool without one sorts as weight 0 */
	bool has_weight;
	int32_t weight;

	/* spec.disruption */
	enum jn_consolidation_policy consolidation_policy;
	struct jn_duration consolidate_after;    /* may be never */
	struct jn_budget *budgets;               /* owned; absent = [{nodes: 10%}]; an explicit
	                                            empty list means nothing limits disruption */
	size_t n_budgets;

	unsigned defaults;                       /* enum jn_nodepool_defaults */
	struct jn_policy_source source;          /* the document */
	struct jn_policy_source node_class_ref_source;   /* spec.template.spec.nodeClassRef.name */
};

/** Borrowed limit for resource, or NULL when the pool sets none for it. */
const struct jn_nodepool_limit *jn_nodepool_limit(const struct jn_nodepool *pool,
	const char *resource);

/** Writes the names of the defaulted fields ("expireAfter,budgets", "" for none); returns out. */
char *jn_nodepool_defaults_format(unsigned defaults, char *out, size_t size);

/* ------------------------------------------------------------------------------------------ */
/* EC2NodeClass (karpenter.k8s.aws/v1)                                                         */

/*
 * One selector term (subnet, security group, AMI or capacity reservation). Fields within a term
 * are ANDed; terms are ORed. Which fields may appear depends on the list (Karpenter's CEL rules):
 *   subnet: tags | id;  security group: tags | id | name;
 *   ami: alias (alone, and the only term) | id | tags, name, owner, ssmParameter;
 *   capacity reservation: id | tags, ownerID, instanceMatchCriteria.
 * Unset strings are NULL; a tag value "*" matches any value.
 */
struct jn_selector_term {
	struct jn_strmap tags;
	char *id;
	char *name;
	char *owner;
	char *alias;                    /* "family@version", e.g. "al2023@latest" */
	char *ssm_parameter;
	char *owner_id;
	char *instance_match_criteria;  /* "open" | "targeted" */
};

enum jn_ami_family {
	JN_AMI_FAMILY_AL2 = 0,
	JN_AMI_FAMILY_AL2023,
	JN_AMI_FAMILY_BOTTLEROCKET,
	JN_AMI_FAMILY_CUSTOM,
	JN_AMI_FAMILY_WINDOWS2019,
	JN_AMI_FAMILY_WINDOWS2022,
};

/** "AL2", "AL2023", "Bottlerocket", "Custom", "Windows2019", "Windows2022". Static storage. */
const char *jn_ami_family_name(enum jn_ami_family family);

struct jn_ebs {
	bool has_delete_on_termination;
	bool delete_on_termination;
	bool has_encrypted;
	bool encrypted;
	int64_t iops;               /* 0 = unset */
	char *kms_key_id;           /* owned; NULL = unset */
	char *snapshot_id;          /* owned; NULL = unset */
	int64_t throughput;         /* MiB/s; 0 = unset */
	int64_t volume_size;        /* bytes; 0 = unset */
	char *volume_type;          /* owned; standard|io1|io2|gp2|sc1|st1|gp3; NULL = unset */
};

struct jn_block_device_mapping {
	char *device_name;          /* owned; NULL = unset */
	bool has_ebs;
	struct jn_ebs ebs;
	bool root_volume;
};

struct jn_metadata_options {
	bool http_endpoint_enabled;     /* default true */
	bool http_protocol_ipv6_enabled;/* default false */
	int64_t http_put_response_hop_limit;  /* 1..64, default 1 */
	bool http_tokens_required;      /* default true */
};

struct jn_kubelet_config {
	char **cluster_dns;             /* owned */
	size_t n_cluster_dns;
	bool has_max_pods;
	int32_t max_pods;
	bool has_pods_per_core;
	int32_t pods_per_core;
	/* cpu, memory, ephemeral-storage; "pid" is kept as an extended resource named "pid" */
	struct jn_resources system_reserved;
	struct jn_resources kube_reserved;
	/* signal -> threshold ("100Mi" or "10%"), signals from Karpenter's list; validated */
	struct jn_strmap eviction_hard;
	struct jn_strmap eviction_soft;
	struct jn_strmap eviction_soft_grace_period;   /* signal -> Go duration text */
	bool has_eviction_max_pod_grace_period;
	int32_t eviction_max_pod_grace_period;
	bool has_image_gc_high_threshold_percent;
	int32_t image_gc_high_threshold_percent;
	bool has_image_gc_low_threshold_percent;
	int32_t image_gc_low_threshold_percent;
	bool has_cpu_cfs_quota;
	bool cpu_cfs_quota;
};

enum jn_ec2nodeclass_defaults {
	JN_EC2NODECLASS_DEFAULT_METADATA_OPTIONS = 1 << 0,  /* enabled, ipv6 off, hop 1, required */
	JN_EC2NODECLASS_DEFAULT_AMI_FAMILY = 1 << 1,        /* inferred from the alias */
};

struct jn_ec2nodeclass {
	char *name;                                 /* owned; metadata.name */
	struct jn_selector_term *subnet_terms;      /* owned; >= 1 */
	size_t n_subnet_terms;
	struct jn_selector_term *security_group_terms;   /* owned; >= 1 */
	size_t n_security_group_terms;
	struct jn_selector_term *ami_terms;         /* owned; >= 1 */
	size_t n_ami_terms;
	struct jn_selector_term *capacity_reservation_terms;   /* owned; may be empty */
	size_t n_capacity_reservation_terms;
	enum jn_ami_family ami_family;              /* given, or inferred from the alias */
	char *user_data;                            /* owned; NULL = unset */
	char *role;                                 /* owned; exactly one of role and */
	char *instance_profile;                     /* instance_profile is non-NULL */
	struct jn_strmap tags;
	bool has_kubelet;
	struct jn_kubelet_config kubelet;
	struct jn_block_device_mapping *block_device_mappings;   /* owned */
	size_t n_block_device_mappings;
	bool instance_store_raid0;                  /* instanceStorePolicy: RAID0 */
	bool has_detailed_monitoring;
	bool detailed_monitoring;
	bool has_associate_public_ip_address;
	bool associate_public_ip_address;
	struct jn_metadata_options metadata_options;
	char *context;                              /* owned; NULL = unset */

	unsigned defaults;                          /* enum jn_ec2nodeclass_defaults */
	struct jn_policy_source source;
};

/* ------------------------------------------------------------------------------------------ */
/* Decoding one object (used by the loader, and for objects read from the apiserver)            */

/**
 * Decodes and validates one NodePool object (apiVersion karpenter.sh/v1, kind NodePool) into a
 * caller-allocated pool, applying defaults. On failure *out is released and err says
 * "<path>: <reason>" (no file position: the loader adds it). source is copied (may be NULL).
 */
int jn_nodepool_from_json(const json_t *obj, const struct jn_json_path *path,
	const struct jn_policy_source *source, struct jn_nodepool *out, struct jn_error *err);
void jn_nodepool_release(struct jn_nodepool *pool);

/** The same for an EC2NodeClass (apiVersion karpenter.k8s.aws/v1, kind EC2NodeClass). */
int jn_ec2nodeclass_from_json(const json_t *obj, const struct jn_json_path *path,
	const struct jn_policy_source *source, struct jn_ec2nodeclass *out, struct jn_error *err);
void jn_ec2nodeclass_release(struct jn_ec2nodeclass *nc);

/* ------------------------------------------------------------------------------------------ */
/* Policy sets                                                                                 */

/* Hard caps on what a loader reads (STYLE rule 7); going past one is JN_ERR_TOO_LARGE. */
#define JN_POLICY_MAX_FILE_BYTES (4u << 20)     /* per file */
#define JN_POLICY_MAX_NODES 200000u             /* YAML nodes per file, aliases expanded */
#define JN_POLICY_MAX_DEPTH 64u                 /* nesting */
#define JN_POLICY_MAX_OBJECTS 10000u            /* NodePools + EC2NodeClasses per set */

struct jn_policy_set;
struct jn_policy_builder;

/** An empty builder. Owned; free with jn_policy_builder_destroy(). */
struct jn_policy_builder *jn_policy_builder_create(void);
/** Frees the builder and everything added to it; NULL is allowed. */
void jn_policy_builder_destroy(struct jn_policy_builder *b);

/**
 * Adds every document of a YAML (or JSON: JSON is YAML) text. `name` labels errors and sources
 * (a file name). On failure nothing from this text is kept and err carries
 * "<name>:<line>:<col>: <path>: <reason>".
 */
int jn_policy_builder_add_text(struct jn_policy_builder *b, const char *name, const char *text,
	size_t len, struct jn_error *err);
/* The most YAML nodes (aliases expanded) jn_yaml_to_json accepts per document: a pod list. */
#define JN_YAML_MAX_NODES 20000000u

/**
 * The policy subsystem's YAML reader, for other inputs (e.g. `kubectl get pods -o yaml` for
 * `jitnode plan`): parses every non-empty document of text with the same scalar rules as
 * policies (YAML 1.2 core schema: plain null/true/false/numbers are typed, quoted scalars stay
 * strings; duplicate keys and unsupported tags are errors). On success *out is a new reference:
 * the document itself when the text holds exactly one, else a JSON array of the documents in
 * order (empty when there are none). Aliases share the anchored value (treat the result as
 * read-only). On failure returns -1 with *out NULL and err "<name>:<line>:<col>: <reason>"
 * (JN_ERR_INVALID, or JN_ERR_TOO_LARGE past JN_YAML_MAX_NODES). Thread-safe; no I/O.
 */
int jn_yaml_to_json(const char *name, const char *text, size_t len, json_t **out,
	struct jn_error *err);

/** Reads a file (at most JN_POLICY_MAX_FILE_BYTES) and adds it. */
int jn_policy_builder_add_file(struct jn_policy_builder *b, const char *path,
	struct jn_error *err);
/** Adds every *.yaml, *.yml and *.json file of a folder (not recursive), in byte order of name. */
int jn_policy_builder_add_dir(struct jn_policy_builder *b, const char *path,
	struct jn_error *err);
/** Adds a file, or a folder as jn_policy_builder_add_dir() does. */
int jn_policy_builder_add_path(struct jn_policy_builder *b, const char *path,
	struct jn_error *err);
/**
 * Adds one decoded object (a NodePool, an EC2NodeClass or a List of them), e.g. from the
 * apiserver. Errors carry "<name>: <path>: <reason>"; sources have no line.
 */
int jn_policy_builder_add_json(struct jn_policy_builder *b, const char *name, const json_t *doc,
	struct jn_error *err);

/**
 * Cross-checks and freezes what was added: duplicate names are rejected ("<file>:<line>:<col>:
 * nodepool \"x\" is already defined at <file>:<line>:<col>"), and every NodePool's nodeClassRef
 * must name kind EC2NodeClass, group karpenter.k8s.aws, and a class in the set (the error points
 * at the reference). On success the builder is emptied (it may be reused or destroyed) and a
 * new set is returned with one reference. On failure returns NULL and the builder keeps its
 * objects. `log` (borrowed, may be NULL) gets one line per object with defaults applied and one
 * summary line.
 */
struct jn_policy_set *jn_policy_builder_finish(struct jn_policy_builder *b,
	struct jn_logger *log, struct jn_error *err);

/** Loads a file or folder in one call (builder, add_path, finish). New reference or NULL. */
struct jn_policy_set *jn_policy_set_load(const char *path, struct jn_logger *log,
	struct jn_error *err);

/** Takes a reference; returns set. Thread-safe. */
struct jn_policy_set *jn_policy_set_ref(struct jn_policy_set *set);
/** Drops a reference, freeing the set with the last one; NULL is allowed. Thread-safe. */
void jn_policy_set_unref(struct jn_policy_set *set);

/** NodePools sorted by weight (descending; unset = 0), then name. Borrowed, valid while held. */
size_t jn_policy_set_nodepool_count(const struct jn_policy_set *set);
const struct jn_nodepool *jn_policy_set_nodepool_at(const struct jn_policy_set *set, size_t i);
/** Borrowed NodePool by name, or NULL. O(log n). */
const struct jn_nodepool *jn_policy_set_nodepool(const struct jn_policy_set *set,
	const char *name);

/** EC2NodeClasses sorted by name. Borrowed, valid while the set is held. */
size_t jn_policy_set_nodeclass_count(const struct jn_policy_set *set);
const struct jn_ec2nodeclass *jn_policy_set_nodeclass_at(const struct jn_policy_set *set,
	size_t i);
const struct jn_ec2nodeclass *jn_policy_set_nodeclass(const struct jn_policy_set *set,
	const char *name);
/** The EC2NodeClass a pool references (always present in a built set). Borrowed. */
const struct jn_ec2nodeclass *jn_policy_set_nodeclass_for(const struct jn_policy_set *set,
	const struct jn_nodepool *pool);

#endif
