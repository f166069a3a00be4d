#ifndef JITNODE_API_H
#define JITNODE_API_H

/*
 * The Kubernetes object model jitnode reads: quantities, resource lists, taints, tolerations,
 * selectors and affinity, pods and nodes, decoded from the JSON the apiserver sends
 * (`kubectl get -o json` shapes and List objects).
 *
 * Decoding is lenient about what it does not know (unknown fields are ignored: the apiserver
 * adds fields between releases) and strict about what it reads (a wrong type or an invalid
 * quantity fails with the JSON path, e.g.
 * "spec.containers[2].resources.requests.cpu: invalid quantity \"12x\": ...").
 *
 * Ownership: every struct here owns its strings and arrays. Objects are caller-allocated and
 * filled by jn_<x>_from_json() (which leaves *out released on failure), and freed with
 * jn_<x>_release(). Releasing a zeroed struct is safe. Nothing here is thread-safe to mutate;
 * shared read-only use is fine.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jitnode/map.h"

struct jn_error;
struct jn_json_path;

/* ------------------------------------------------------------------------------------------ */
/* Quantities (k8s.io/apimachinery/pkg/api/resource)                                           */

/*
 * A parsed quantity, held exactly in nano-units (apimachinery's finest scale; finer input is
 * rounded up, as apimachinery does). The grammar is apimachinery's:
 *   <quantity> ::= <signedNumber><suffix>
 *   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei | n | u | m | "" | k | M | G | T | P | E
 *                | <decimalExponent>  (e or E followed by a signed integer)
 * Whitespace, empty strings, bare suffixes and trailing garbage are rejected.
 */
struct jn_quantity {
	__int128 nano;  /* value * 10^9, exact */
};

/* The longest quantity text accepted (apimachinery has no limit; nobody writes more). */
#define JN_QUANTITY_MAX_LEN 256

/**
 * Parses text. Fails with JN_ERR_INVALID: "invalid quantity \"<text>\": <reason>", reasons
 * being "empty", "expected a digit at offset N, got 'c'", "unknown suffix \"KiB\"",
 * "out of range (magnitude above 1.7e29)" or "longer than 256 characters"; *out is untouched
 * on failure. Where apimachinery is laxer we are stricter: a quantity needs at least one digit
 * ("Ki", ".", "-" fail; apimachinery reads them as 0). Where apimachinery caps binary values at
 * 2^63-1, we keep them exact (Value() saturates to the same number).
 */
int jn_quantity_parse(const char *text, struct jn_quantity *out, struct jn_error *err);
/**
 * The value in thousandths (MilliValue): a fraction rounds away from zero, as apimachinery's
 * RoundUp does ("0.5m" -> 1, "-0.5m" -> -1); saturates at INT64_MAX / INT64_MIN.
 */
int64_t jn_quantity_milli(const struct jn_quantity *q);
/** The value as an integer (Value), rounded like jn_quantity_milli ("9.01" -> 10). */
int64_t jn_quantity_value(const struct jn_quantity *q);
/** Compares a and b: <0, 0, >0. */
int jn_quantity_cmp(const struct jn_quantity *a, const struct jn_quantity *b);

/**
 * Parses a quantity given as a JSON string or number (the apiserver always sends strings;
 * hand-written YAML often has numbers). Surrounding whitespace inside the string is trimmed,
 * as apimachinery's UnmarshalJSON does. The path names the member in errors:
 * "spec.containers[2].resources.requests.cpu: invalid quantity \"12x\": unknown suffix \"x\"".
 */
int jn_quantity_from_json(const json_t *value, const struct jn_json_path *path,
	struct jn_quantity *out, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Resource lists                                                                              */

/* The resources every node has; anything else is an extended resource. */
#define JN_RESOURCE_CPU "cpu"
#define JN_RESOURCE_MEMORY "memory"
#define JN_RESOURCE_EPHEMERAL_STORAGE "ephemeral-storage"
#define JN_RESOURCE_PODS "pods"

struct jn_extended_resource {
	char *name;     /* owned, e.g. "nvidia.com/gpu", "hugepages-2Mi" */
	int64_t value;  /* Value(), rounded up */
};

/*
 * Resources in the units kube-scheduler compares: cpu in millicores, memory and
 * ephemeral-storage in bytes, pods as a count; extended resources as integer Value()s,
 * sorted by name.
 */
struct jn_resources {
	int64_t cpu_milli;
	int64_t memory;
	int64_t ephemeral_storage;
	int64_t pods;
	struct jn_extended_resource *ext;  /* owned, sorted by name */
	size_t n_ext;
};

void jn_resources_release(struct jn_resources *r);
void jn_resources_copy(struct jn_resources *dst, const struct jn_resources *src);
/** Value of any resource by name ("cpu" in millicores); 0 when absent. */
int64_t jn_resources_get(const struct jn_resources *r, const char *name);
/** Sets any resource by name ("cpu" takes millicores). */
void jn_resources_set(struct jn_resources *r, const char *name, int64_t value);
/** dst += src, resource by resource (saturating). */
void jn_resources_add(struct jn_resources *dst, const struct jn_resources *src);
/** dst -= src, resource by resource (saturating; may go negative). */
void jn_resources_sub(struct jn_resources *dst, const struct jn_resources *src);
/** dst = max(dst, src), resource by resource. */
void jn_resources_max(struct jn_resources *dst, const struct jn_resources *src);
/** True when every resource of need is <= the same resource of have (absent counts as 0). */
bool jn_resources_fit(const struct jn_resources *need, const struct jn_resources *have);
/** True when every resource, extended ones included, is 0. */
bool jn_resources_is_zero(const struct jn_resources *r);
/**
 * Decodes a ResourceList object ({"cpu":"100m","memory":"1Gi",...}) into out (added to, not
 * replaced). cpu is read with jn_quantity_milli(), everything else with jn_quantity_value(), as
 * kube-scheduler does. Each value's path is named in errors; on failure out may hold the members
 * read before the bad one (release it).
 */
int jn_resources_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_resources *out, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Taints and tolerations                                                                      */

enum jn_taint_effect {
	JN_TAINT_EFFECT_ALL = 0,          /* only in a toleration: tolerates every effect */
	JN_TAINT_NO_SCHEDULE,
	JN_TAINT_PREFER_NO_SCHEDULE,
	JN_TAINT_NO_EXECUTE,
};

struct jn_taint {
	char *key;      /* owned */
	char *value;    /* owned, "" when absent */
	enum jn_taint_effect effect;
};

enum jn_toleration_op {
	JN_TOLERATION_EQUAL = 0,   /* the default when operator is empty */
	JN_TOLERATION_EXISTS,
};

struct jn_toleration {
	char *key;      /* owned; "" with EXISTS tolerates every taint */
	enum jn_toleration_op op;
	char *value;    /* owned, "" when absent */
	enum jn_taint_effect effect;
	bool has_seconds;
	int64_t toleration_seconds;
};

void jn_taint_release(struct jn_taint *t);
/** Deep copy; dst is overwritten (not released first). */
void jn_taint_copy(struct jn_taint *dst, const struct jn_taint *src);
void jn_toleration_release(struct jn_toleration *t);
/** Deep copy; dst is overwritten (not released first). */
void jn_toleration_copy(struct jn_toleration *dst, const struct jn_toleration *src);
/**
 * Parses "NoSchedule", "PreferNoSchedule", "NoExecute" (and "" for a toleration's ALL).
 * Returns 0, or -1 for anything else (no error object: callers add the path).
 */
int jn_taint_effect_parse(const char *text, enum jn_taint_effect *out);
/** "NoSchedule", ... ("" for ALL, "unknown" out of range). Static storage. */
const char *jn_taint_effect_name(enum jn_taint_effect effect);
/**
 * Decodes one taint object ({key, value, effect}); key (non-empty) and effect are required,
 * value defaults to "". Fails with the path: "spec.taints[1].effect: unknown taint effect ...".
 */
int jn_taint_from_json(const json_t *obj, const struct jn_json_path *path, struct jn_taint *out,
	struct jn_error *err);
/**
 * Decodes one toleration. operator "" means Equal; effect "" means every effect;
 * tolerationSeconds sets has_seconds. The apiserver's rules are enforced: an empty key needs
 * operator Exists, and Exists takes no value.
 */
int jn_toleration_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_toleration *out, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Selectors and affinity                                                                      */

enum jn_selector_op {
	JN_OP_IN = 0,
	JN_OP_NOT_IN,
	JN_OP_EXISTS,
	JN_OP_DOES_NOT_EXIST,
	JN_OP_GT,
	JN_OP_LT,
	JN_OP_GTE,   /* Karpenter's NodePool extension */
	JN_OP_LTE,   /* Karpenter's NodePool extension */
};

/** Parses "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"; -1 otherwise. */
int jn_selector_op_parse(const char *text, enum jn_selector_op *out);
/** The operator's API spelling ("In", ...; "unknown" out of range). Static storage. */
const char *jn_selector_op_name(enum jn_selector_op op);

/* One NodeSelectorRequirement / LabelSelectorRequirement / NodePool requirement. */
struct jn_requirement {
	char *key;          /* owned */
	enum jn_selector_op op;
	char **values;      /* owned strings; In/NotIn need >= 1, Gt/Lt exactly 1 integer */
	size_t n_values;
	int32_t min_values; /* NodePool minValues; 0 when unset */
};

void jn_requirement_release(struct jn_requirement *r);
/** Deep copy; dst is overwritten (not released first). */
void jn_requirement_copy(struct jn_requirement *dst, const struct jn_requirement *src);
/**
 * Decodes {key, operator, values[, minValues]}; validates the operator/values pairing the way
 * the apiserver does (In/NotIn need values, Exists/DoesNotExist none, Gt/Lt/Gte/Lte exactly one
 * integer) and minValues the way Karpenter's NodePool CRD does (1..50, and with In at most the
 * number of values). key must be non-empty. All eight operators are accepted here; label
 * selectors accept only the first four. Errors carry the path
 * ("spec.template.spec.requirements[0].values: must be non-empty when operator is In").
 */
int jn_requirement_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_requirement *out, struct jn_error *err);
/**
 * Decodes obj.key, an optional array of requirements, into an owned array (*out NULL, *n_out 0
 * when absent or empty). label_ops limits operators to In/NotIn/Exists/DoesNotExist
 * (metav1.LabelSelectorRequirement). Nothing is left allocated on failure.
 */
int jn_requirement_array_from_json(const json_t *obj, const char *key,
	const struct jn_json_path *path, bool label_ops, struct jn_requirement **out,
	size_t *n_out, struct jn_error *err);
/** Releases n requirements and frees the array; NULL-safe. */
void jn_requirement_array_free(struct jn_requirement *reqs, size_t n);

/* A NodeSelectorTerm: its requirements are ANDed. Terms of a NodeSelector are ORed. */
struct jn_node_selector_term {
	struct jn_requirement *match_expressions;   /* owned */
	size_t n_match_expressions;
	struct jn_requirement *match_fields;        /* owned; only metadata.name exists */
	size_t n_match_fields;
};

struct jn_preferred_scheduling_term {
	int32_t weight;     /* 1..100 */
	struct jn_node_selector_term term;
};

/** Releases t (a zeroed term is fine); does not free t itself. */
void jn_node_selector_term_release(struct jn_node_selector_term *t);
/** Decodes {matchExpressions, matchFields}; out is left released on failure. */
int jn_node_selector_term_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_node_selector_term *out, struct jn_error *err);

/* A metav1.LabelSelector. An empty selector matches everything; a NULL one nothing. */
struct jn_label_selector {
	struct jn_strmap match_labels;
	struct jn_requirement *match_expressions;   /* owned; In, NotIn, Exists, DoesNotExist */
	size_t n_match_expressions;
};

/** Releases s (NULL-safe; a zeroed selector is fine). Does not free s itself. */
void jn_label_selector_release(struct jn_label_selector *s);
/** Deep copy; dst is overwritten (not released first). */
void jn_label_selector_copy(struct jn_label_selector *dst, const struct jn_label_selector *src);
/** Decodes {matchLabels, matchExpressions}; out is left released on failure. */
int jn_label_selector_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_label_selector *out, struct jn_error *err);
/**
 * metav1 LabelSelector semantics: every matchLabels entry equal and every expression true.
 * An empty selector matches everything; a NULL selector matches nothing.
 */
bool jn_label_selector_matches(const struct jn_label_selector *s,
	const struct jn_strmap *labels);

struct jn_pod_affinity_term {
	struct jn_label_selector *label_selector;       /* owned; NULL when absent */
	char **namespaces;                              /* owned; empty = the pod's namespace */
	size_t n_namespaces;
	struct jn_label_selector *namespace_selector;   /* owned; NULL when absent */
	char *topology_key;                             /* owned */
	char **match_label_keys;                        /* owned */
	size_t n_match_label_keys;
	char **mismatch_label_keys;                     /* owned */
	size_t n_mismatch_label_keys;
};

struct jn_weighted_pod_affinity_term {
	int32_t weight;     /* 1..100 */
	struct jn_pod_affinity_term term;
};

/** Releases t (a zeroed term is fine); does not free t itself. */
void jn_pod_affinity_term_release(struct jn_pod_affinity_term *t);
/**
 * Decodes a PodAffinityTerm; topologyKey is required and non-empty, label selectors are
 * validated as label selectors. out is left released on failure.
 */
int jn_pod_affinity_term_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_pod_affinity_term *out, struct jn_error *err);

enum jn_unsatisfiable_action {
	JN_DO_NOT_SCHEDULE = 0,
	JN_SCHEDULE_ANYWAY,
};

enum jn_inclusion_policy {
	JN_POLICY_HONOR = 0,
	JN_POLICY_IGNORE,
};

struct jn_topology_spread {
	int32_t max_skew;
	char *topology_key;                           /* owned */
	enum jn_unsatisfiable_action when_unsatisfiable;
	struct jn_label_selector *label_selector;     /* owned; NULL when absent */
	int32_t min_domains;                          /* 0 when unset */
	enum jn_inclusion_policy node_affinity_policy; /* default Honor */
	enum jn_inclusion_policy node_taints_policy;   /* default Ignore */
	char **match_label_keys;                      /* owned */
	size_t n_match_label_keys;
};

/** Releases s (a zeroed constraint is fine); does not free s itself. */
void jn_topology_spread_release(struct jn_topology_spread *s);
/**
 * Decodes a TopologySpreadConstraint: maxSkew (>= 1), topologyKey and whenUnsatisfiable
 * (DoNotSchedule / ScheduleAnyway) are required; the policies default to Honor (node
 * affinity) and Ignore (taints) as the apiserver does. out is left released on failure.
 */
int jn_topology_spread_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_topology_spread *out, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Pods                                                                                        */

struct jn_host_port {
	int32_t port;
	char *protocol;   /* owned; "TCP" when absent */
	char *host_ip;    /* owned; "0.0.0.0" when absent */
};

struct jn_owner_ref {
	char *api_version;
	char *kind;       /* owned, e.g. "DaemonSet", "ReplicaSet" */
	char *name;
	char *uid;
	bool controller;
};

/*
 * Strings are owned; uid, resource_version, priority_class_name, phase and node_name are NULL
 * when absent. Host ports come from init containers and containers alike (only ports with a
 * hostPort > 0). Scheduling gates are their names.
 */
struct jn_pod {
	char *namespace_;          /* owned; "default" when absent */
	char *name;                /* required */
	char *uid;
	char *resource_version;
	char *node_name;           /* owned; NULL when unbound */
	char *scheduler_name;      /* owned; "default-scheduler" when absent */
	char *priority_class_name;
	int32_t priority;          /* 0 when absent */
	char *phase;               /* owned; NULL when absent */
	struct jn_strmap labels;
	struct jn_strmap annotations;
	struct jn_strmap node_selector;

	/* What kube-scheduler charges the pod (see jn_pod_effective_requests). */
	struct jn_resources requests;

	struct jn_toleration *tolerations;
	size_t n_tolerations;

	/* spec.affinity.nodeAffinity */
	struct jn_node_selector_term *required_node_terms;     /* ORed; NULL/0 = none */
	size_t n_required_node_terms;
	struct jn_preferred_scheduling_term *preferred_node_terms;
	size_t n_preferred_node_terms;

	/* spec.affinity.podAffinity / podAntiAffinity */
	struct jn_pod_affinity_term *required_affinity;
	size_t n_required_affinity;
	struct jn_weighted_pod_affinity_term *preferred_affinity;
	size_t n_preferred_affinity;
	struct jn_pod_affinity_term *required_anti_affinity;
	size_t n_required_anti_affinity;
	struct jn_weighted_pod_affinity_term *preferred_anti_affinity;
	size_t n_preferred_anti_affinity;

	struct jn_topology_spread *spreads;
	size_t n_spreads;

	struct jn_host_port *host_ports;
	size_t n_host_ports;

	struct jn_owner_ref *owners;
	size_t n_owners;

	char **scheduling_gates;
	size_t n_scheduling_gates;

	/* status.conditions[type=PodScheduled] */
	bool scheduled_condition_present;
	bool scheduled;                    /* its status == "True" */
	char *scheduled_reason;            /* owned; e.g. "Unschedulable", NULL when absent */

	bool deleting;                     /* metadata.deletionTimestamp is set */
	int64_t deletion_timestamp_ns;     /* wall ns; 0 when not deleting */
};

/**
 * Decodes a Pod object; effective requests are computed here (jn_pod_effective_requests).
 * metadata.name and spec are required; "kind", when present, must be "Pod". Unknown fields are
 * ignored; a wrong type fails with the path. out is left released on failure.
 */
int jn_pod_from_json(const json_t *obj, const struct jn_json_path *path, struct jn_pod *out,
	struct jn_error *err);
/** Frees everything the pod owns and zeroes it; safe on a zeroed or released pod. */
void jn_pod_release(struct jn_pod *pod);
/**
 * What kube-scheduler charges a pod with this spec (component-helpers PodRequests):
 * max(sum of containers + sum of sidecars (init containers with restartPolicy Always), each
 * non-sidecar init container + the sidecars declared before it); then pod-level
 * spec.resources.requests (cpu, memory, hugepages-*) replace the aggregate for what they name;
 * then spec.overhead is added; pods = 1. A container's (or the pod's) missing request
 * defaults to its limit, as the apiserver defaults it. Sums are exact and converted once (cpu
 * MilliValue, the rest Value). In-place resize status is not considered. out is overwritten
 * (not released first); it is left zeroed on failure. Useful for pod templates too
 * (DaemonSets). Errors name the path: "spec.containers[2].resources.requests.cpu: ...".
 */
int jn_pod_effective_requests(const json_t *spec, const struct jn_json_path *path,
	struct jn_resources *out, struct jn_error *err);
/** True when a controller owner reference has kind DaemonSet. */
bool jn_pod_is_daemonset(const struct jn_pod *pod);
/** The "karpenter.sh/do-not-disrupt" annotation is "true". */
bool jn_pod_do_not_disrupt(const struct jn_pod *pod);
/** Writes "namespace/name" into out; returns out. */
char *jn_pod_key(const struct jn_pod *pod, char *out, size_t size);

/* ------------------------------------------------------------------------------------------ */
/* Nodes                                                                                       */

struct jn_node_condition {
	char *type;     /* owned, e.g. "Ready" */
	char *status;   /* owned: "True", "False", "Unknown" */
	char *reason;   /* owned; NULL when absent */
};

struct jn_node {
	char *name;
	char *uid;
	char *resource_version;
	char *provider_id;              /* owned; NULL when absent */
	struct jn_strmap labels;
	struct jn_strmap annotations;
	struct jn_taint *taints;
	size_t n_taints;
	struct jn_resources capacity;
	struct jn_resources allocatable;
	bool unschedulable;
	struct jn_node_condition *conditions;
	size_t n_conditions;
	char **finalizers;
	size_t n_finalizers;
	bool deleting;
	int64_t deletion_timestamp_ns;
};

/**
 * Decodes a Node object (metadata.name required; "kind", when present, must be "Node"). All
 * strings are owned; uid, resource_version and provider_id are NULL when absent. out is left
 * released on failure.
 */
int jn_node_from_json(const json_t *obj, const struct jn_json_path *path, struct jn_node *out,
	struct jn_error *err);
/** Frees everything the node owns and zeroes it; safe on a zeroed or released node. */
void jn_node_release(struct jn_node *node);
/** The condition of that type (borrowed from node), or NULL. */
const struct jn_node_condition *jn_node_condition(const struct jn_node *node, const char *type);
/** The Ready condition's status is "True". */
bool jn_node_is_ready(const struct jn_node *node);

/* ------------------------------------------------------------------------------------------ */
/* Lists                                                                                       */

struct jn_pod_list {
	struct jn_pod *items;
	size_t len;
	size_t cap;
};

struct jn_node_list {
	struct jn_node *items;
	size_t len;
	size_t cap;
};

void jn_pod_list_release(struct jn_pod_list *list);
void jn_node_list_release(struct jn_node_list *list);

/**
 * Appends the pods of doc to list: doc may be a Pod, a List/PodList (items), or a JSON array of
 * either. Objects of another kind fail with the path ("items[3]: expected kind Pod, got Node";
 * items without a kind, as in typed lists, are taken as the expected kind). All or nothing: on
 * failure list is as it was before the call. A zeroed list is an empty list.
 */
int jn_pod_list_append_json(struct jn_pod_list *list, const json_t *doc, struct jn_error *err);
int jn_node_list_append_json(struct jn_node_list *list, const json_t *doc, struct jn_error *err);

#endif
