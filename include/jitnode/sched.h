#ifndef JITNODE_SCHED_H
#define JITNODE_SCHED_H

/*
 * The scheduling algebra: requirement sets, node affinity, taints and tolerations, label
 * selectors, topology spread and host ports. This is the pure layer the packing engine, the
 * extender and consolidation call millions of times per plan.
 *
 * Pure: no I/O, no locks, no globals, no logging. Every function is safe to call from many
 * threads at once on objects that none of them mutates.
 *
 * Semantics are kube-scheduler's where the question is "may this pod run on this node" and
 * Karpenter's (pkg/scheduling) where it is "may a node that does not exist yet satisfy both of
 * these". Deviations are named where they are made.
 *
 * Reasons. Predicates that can reject take `char *why, size_t why_size`: on rejection they write
 * a NUL-terminated, lowercase-first human reason there (truncated, never overflowed), for the
 * packer's "why was this pod not placed" output. why may be NULL (why_size 0): the hot path then
 * formats nothing and allocates nothing. On success why is left untouched.
 *
 * Formatting. Functions named _format write snprintf-style: at most size bytes including the
 * NUL, and return the length the full text has (so a return >= size means it was truncated).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/api.h"
#include "jitnode/map.h"

struct jn_error;

/* ------------------------------------------------------------------------------------------ */
/* Well-known label keys                                                                       */

#define JN_LABEL_ZONE "topology.kubernetes.io/zone"
#define JN_LABEL_REGION "topology.kubernetes.io/region"
#define JN_LABEL_HOSTNAME "kubernetes.io/hostname"
#define JN_LABEL_INSTANCE_TYPE "node.kubernetes.io/instance-type"
#define JN_LABEL_ARCH "kubernetes.io/arch"
#define JN_LABEL_OS "kubernetes.io/os"
#define JN_LABEL_CAPACITY_TYPE "karpenter.sh/capacity-type"
#define JN_LABEL_NODEPOOL "karpenter.sh/nodepool"

/* A sorted (strcmp) array of label keys. Static or caller-owned storage; never freed here. */
struct jn_keyset {
	const char *const *keys;
	size_t len;
};

/** True when key is in set (binary search). set may be NULL (the empty set). */
bool jn_keyset_has(const struct jn_keyset *set, const char *key);

/**
 * Karpenter's WellKnownLabels: the core set (nodepool, zone, region, instance-type, arch, os,
 * capacity-type, windows-build) plus the labels the AWS provider registers
 * (karpenter.k8s.aws/instance-*, capacity-reservation-*, topology.k8s.aws/zone-id). Both jitnode
 * providers (ec2, sim) label instance types with these. Static storage.
 *
 * A pod may require a well-known key that a NodePool leaves open: the instance types decide.
 * A custom key must be defined by the NodePool (see jn_reqs_compatible).
 */
const struct jn_keyset *jn_well_known_labels(void);

/**
 * Karpenter's NormalizedLabels: the deprecated beta alias of a key mapped to its stable name
 * ("failure-domain.beta.kubernetes.io/zone" -> JN_LABEL_ZONE, "beta.kubernetes.io/arch" ->
 * JN_LABEL_ARCH, ...); any other key is returned as is. Requirement sets are always keyed by
 * the normalized name. Borrowed: static storage or key itself.
 */
const char *jn_label_normalize(const char *key);

/* ------------------------------------------------------------------------------------------ */
/* One key's requirement set (requirement.c)                                                   */

/*
 * The set of values a label key may take: either the listed values (complement false: In, or
 * DoesNotExist when empty) or every value but the listed ones (complement true: NotIn, or
 * Exists when empty). A complement set may also carry inclusive integer bounds: Gt N is stored
 * as gte = N+1 and Lt N as lte = N-1 (Karpenter's canonical form), so a bounded set admits only
 * integers in [gte, lte] that are not listed. Finite sets never carry bounds: intersecting drops
 * the values outside them and then the bounds.
 *
 * Invariants (jn_req_check): values sorted by strcmp and unique; bounds only when complement;
 * gte <= lte when both are set (an empty range collapses to DoesNotExist).
 *
 * How a set meets the absence of its key on a node (a deliberate, documented choice shared by
 * every function below): DoesNotExist and an unbounded NotIn admit a node without the label;
 * In, Exists and anything bounded do not. kube-scheduler agrees (Gt/Lt fail on a missing
 * label). Karpenter decides on the operator alone, so it lets "NotIn [x] and Gt 3" accept a
 * missing label; we do not.
 *
 * Caller-allocated: jn_req_init_* / jn_req_release. Owns its key and values.
 */
struct jn_req {
	char *key;              /* owned, normalized (jn_label_normalize) */
	char **values;          /* owned, sorted, unique */
	size_t n_values;
	size_t cap_values;
	bool complement;
	bool has_gte;
	bool has_lte;
	int64_t gte;            /* inclusive lower bound when has_gte */
	int64_t lte;            /* inclusive upper bound when has_lte */
	int32_t min_values;     /* NodePool minValues; 0 when unset; intersection keeps the max */
};

/**
 * Builds the set a selector requirement describes. values are copied (duplicates dropped).
 * In with no values is DoesNotExist and NotIn with none is Exists (Karpenter's reading).
 * Gt, Lt, Gte and Lte need exactly one integer value (decimal, optional sign, int64 range) and
 * fail otherwise with JN_ERR_INVALID: "requirement <key>: operator Gt needs one integer value,
 * got \"abc\"" (r is then released). Gt INT64_MAX and Lt INT64_MIN admit nothing (DoesNotExist).
 */
int jn_req_init(struct jn_req *r, const char *key, enum jn_selector_op op,
	const char *const *values, size_t n_values, int32_t min_values, struct jn_error *err);
/** jn_req_init from an api requirement (its min_values included). */
int jn_req_init_requirement(struct jn_req *r, const struct jn_requirement *src,
	struct jn_error *err);
/** key In [value]: a node's or an instance type's label. Cannot fail. */
void jn_req_init_label(struct jn_req *r, const char *key, const char *value);
void jn_req_release(struct jn_req *r);
/** Deep copy; dst is overwritten (not released first). */
void jn_req_copy(struct jn_req *dst, const struct jn_req *src);

/** True when the set admits value (bounds need value to parse as an integer). */
bool jn_req_has(const struct jn_req *r, const char *value);
/** True when the set admits a node without the key (see the note above struct jn_req). */
bool jn_req_allows_absent(const struct jn_req *r);
/** True when no value is admitted (In over nothing: DoesNotExist). */
bool jn_req_is_empty(const struct jn_req *r);
/**
 * The operator that describes the set, as Karpenter's Operator(): JN_OP_IN, JN_OP_NOT_IN,
 * JN_OP_EXISTS (bounds alone read as Exists) or JN_OP_DOES_NOT_EXIST.
 */
enum jn_selector_op jn_req_op(const struct jn_req *r);

/**
 * r = r ∩ other (same key; other's key is not checked). Values of a finite side outside the
 * other side or outside the merged bounds are dropped; two complements merge their excluded
 * values; gte takes the max, lte the min, min_values the max. Allocates only when a
 * complement meets a finite set (the result copies the finite side's values).
 */
void jn_req_intersect(struct jn_req *r, const struct jn_req *other);
/** True when r ∩ other admits at least one value. Never allocates (Karpenter HasIntersection). */
bool jn_req_intersects(const struct jn_req *r, const struct jn_req *other);

/**
 * Karpenter-style text for logs: "<key> In [a b c d e and 3 others]", "<key> NotIn [x]",
 * "<key> Exists >=4 <=8", "<key> DoesNotExist", plus " minValues N" when set.
 */
size_t jn_req_format(const struct jn_req *r, char *out, size_t size);
/**
 * The set alone, as reasons quote it: "[a b]" for In, "NotIn [x]", "Exists", "DoesNotExist",
 * ">=4 <=8" for bounds alone, "NotIn [x] >=4" for both; minValues omitted.
 */
size_t jn_req_format_set(const struct jn_req *r, char *out, size_t size);

/** Invariant check for assert() and tests: false on any violation listed above. */
bool jn_req_check(const struct jn_req *r);

/* ------------------------------------------------------------------------------------------ */
/* Requirements: sets keyed by label key (reqs.c)                                              */

/*
 * A conjunction of requirement sets, at most one per key, kept sorted by key so that two maps
 * are compared by one merge pass. A key with no entry is unconstrained. Caller-allocated:
 * jn_reqs_init / jn_reqs_release. Owns its entries.
 */
struct jn_reqs {
	struct jn_req *items;   /* sorted by strcmp(key), keys unique */
	size_t len;
	size_t cap;
};

void jn_reqs_init(struct jn_reqs *reqs);
void jn_reqs_release(struct jn_reqs *reqs);
/** Deep copy; dst is overwritten (not released first). */
void jn_reqs_copy(struct jn_reqs *dst, const struct jn_reqs *src);

/** The set for key (normalized first), borrowed until the next change to reqs; NULL if none. */
const struct jn_req *jn_reqs_get(const struct jn_reqs *reqs, const char *key);
bool jn_reqs_has(const struct jn_reqs *reqs, const char *key);
/** Removes key's set; returns whether there was one. */
bool jn_reqs_remove(struct jn_reqs *reqs, const char *key);

/**
 * Adds req: a copy when its key is new, else the intersection with the set already there.
 * Returns false on a conflict, i.e. when the two sets share no value and do not both admit the
 * key's absence (jn_reqs_intersects' rule), writing "key <k>: <req> not in <existing>" to why.
 * On conflict the map still holds the (empty) intersection, so that every later compatibility
 * check fails the same way; callers that want to keep the old map check first.
 */
bool jn_reqs_add(struct jn_reqs *reqs, const struct jn_req *req, char *why, size_t why_size);
/** jn_reqs_add for every set of other, in key order; stops at and reports the first conflict. */
bool jn_reqs_add_all(struct jn_reqs *reqs, const struct jn_reqs *other, char *why,
	size_t why_size);
/**
 * Adds api requirements (a NodePool's spec.requirements with minValues, a node selector term's
 * matchExpressions). Fails with JN_ERR_INVALID on a malformed requirement (jn_req_init) or a
 * conflict ("key <k>: [b] not in [a]"); reqs then holds what was added before.
 */
int jn_reqs_add_requirements(struct jn_reqs *reqs, const struct jn_requirement *src, size_t n,
	struct jn_error *err);
/** Adds key In [value] for every label (a node's labels, an instance type's, a nodeSelector). */
bool jn_reqs_add_labels(struct jn_reqs *reqs, const struct jn_strmap *labels, char *why,
	size_t why_size);

/**
 * Karpenter's Compatible: can one node satisfy both `have` (a NodePool's or a claim's
 * requirements) and `want` (a pod's)? For each key of want, in key order:
 * - have constrains the key too: the sets must intersect, unless both admit the key's absence;
 *   else "key <k>: <want set> not in <have set>", e.g.
 *   "key karpenter.sh/capacity-type: [spot] not in [on-demand]";
 * - have does not: fine when the key is in allow_undefined (a well-known label the instance
 *   types will decide) or want admits the key's absence (NotIn, DoesNotExist); else
 *   "label \"<k>\" does not have known values".
 * Keys only have constrains are ignored. Stops at the first failing key. Never allocates.
 * allow_undefined NULL allows none (an existing node's labels: everything must be defined).
 */
bool jn_reqs_compatible(const struct jn_reqs *have, const struct jn_reqs *want,
	const struct jn_keyset *allow_undefined, char *why, size_t why_size);

/**
 * Karpenter's Intersects: every key both constrain must intersect, unless both sets admit the
 * key's absence. Keys constrained by one side only are fine. The reason names b's set first:
 * "key <k>: <b set> not in <a set>". Never allocates. Used between a claim's requirements and
 * an instance type's or an offering's.
 */
bool jn_reqs_intersects(const struct jn_reqs *a, const struct jn_reqs *b, char *why,
	size_t why_size);

/**
 * Whether an existing node's labels satisfy every set of reqs: a present label's value must be
 * admitted (jn_req_has); an absent one must be allowed (jn_req_allows_absent). Label keys are
 * looked up as reqs holds them (normalized). Reasons:
 * "key <k>: label value \"v\" not in <set>" and "key <k>: label missing, requires <set>".
 */
bool jn_reqs_matches_labels(const struct jn_reqs *reqs, const struct jn_strmap *labels,
	char *why, size_t why_size);

/** "k1 In [a], k2 Exists, ..." in key order (jn_req_format joined by ", "). */
size_t jn_reqs_format(const struct jn_reqs *reqs, char *out, size_t size);
/** Invariant check: keys sorted and unique, every set passes jn_req_check. */
bool jn_reqs_check(const struct jn_reqs *reqs);

/* ------------------------------------------------------------------------------------------ */
/* Node affinity (affinity.c)                                                                  */

/**
 * kube-scheduler's reading of one requirement against a label map (a node's labels, a pod's):
 * In: present and listed; NotIn: absent or not listed; Exists; DoesNotExist; Gt/Lt/Gte/Lte:
 * present, and both the label and the bound parse as integers and compare as the operator says.
 * The key is looked up exactly as written (no normalization: nodes carry both alias labels).
 */
bool jn_requirement_matches_labels(const struct jn_requirement *r, const struct jn_strmap *labels);

/**
 * A NodeSelectorTerm against a node: every matchExpression matches its labels and every
 * matchField matches its name (the only field is metadata.name; others never match). A term
 * with neither matches nothing (kube-scheduler).
 */
bool jn_node_selector_term_matches(const struct jn_node_selector_term *term,
	const struct jn_strmap *labels, const char *node_name);

/**
 * The pod's required node placement against an existing node: every nodeSelector entry equals
 * the node's label, AND (no required terms OR any required term matches). Preferred terms are
 * ignored. Reasons: "node selector <k>=<v> not matched (node has \"x\")" or "... (label
 * missing)"; with one term, its first failing expression as written:
 * "node affinity not matched: <k> In [a b] (node has \"x\")" or "... (label missing)"; with
 * several, "none of N node affinity terms matched".
 */
bool jn_pod_matches_node(const struct jn_pod *pod, const struct jn_strmap *labels,
	const char *node_name, char *why, size_t why_size);

/** kube-scheduler's NodeAffinity score: the sum of the weights of preferred terms that match. */
int64_t jn_pod_preferred_node_score(const struct jn_pod *pod, const struct jn_strmap *labels,
	const char *node_name);

/**
 * Index of the preferred node term of the given rank, heaviest first (ties keep spec order),
 * or SIZE_MAX when rank >= n_preferred_node_terms. Rank r is what Karpenter treats as required
 * after relaxing away the r heaviest.
 */
size_t jn_pod_preferred_node_term(const struct jn_pod *pod, size_t rank);

/**
 * Adds a term's matchExpressions to reqs (jn_reqs_add_requirements). matchFields are ignored,
 * as Karpenter ignores them: a node that does not exist has no name to match.
 */
int jn_reqs_add_term(struct jn_reqs *reqs, const struct jn_node_selector_term *term,
	struct jn_error *err);

/**
 * The requirements a new node needs for this pod, in one relaxation state (Karpenter's
 * newPodRequirements): the nodeSelector (key In [value] each) AND required term number
 * `required_term` (ignored when the pod has none) AND the preferred term of rank
 * `preferred_rank` (jn_pod_preferred_node_term; none when the rank is past the end, e.g.
 * SIZE_MAX). The packer relaxes by raising preferred_rank past the end, then stepping
 * required_term through the ORed terms. out is initialised here; on failure it is released and
 * err says why: a malformed requirement, required_term out of range, or a conflict inside the
 * pod's own constraints (JN_ERR_INVALID, "key <k>: [b] not in [a]"): that state cannot be met.
 */
int jn_pod_node_reqs(struct jn_reqs *out, const struct jn_pod *pod, size_t required_term,
	size_t preferred_rank, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Taints and tolerations (taints.c)                                                           */

/**
 * k8s.io/api/core/v1 Toleration.ToleratesTaint: the effects must be equal unless the
 * toleration's is JN_TAINT_EFFECT_ALL; the keys must be equal unless the toleration's is "";
 * then Exists tolerates any value and Equal needs equal values.
 */
bool jn_toleration_tolerates(const struct jn_toleration *t, const struct jn_taint *taint);
/** True when any of the n tolerations tolerates taint. */
bool jn_tolerations_tolerate(const struct jn_toleration *t, size_t n,
	const struct jn_taint *taint);

enum jn_taint_filter {
	/* kube-scheduler's TaintToleration filter: only NoSchedule and NoExecute taints block. */
	JN_TAINTS_BLOCKING = 0,
	/* PreferNoSchedule blocks too: Karpenter honours it first and relaxes it last. */
	JN_TAINTS_WITH_PREFERRED,
};

/** The first taint (in array order) that filter considers and no toleration tolerates; NULL if none. */
const struct jn_taint *jn_taints_first_untolerated(const struct jn_taint *taints, size_t n,
	const struct jn_toleration *tolerations, size_t n_tolerations, enum jn_taint_filter filter);
/**
 * Whether the pod tolerates the taints under filter; reason
 * "did not tolerate taint dedicated=gpu:NoSchedule" (jn_taint_format).
 */
bool jn_pod_tolerates(const struct jn_pod *pod, const struct jn_taint *taints, size_t n,
	enum jn_taint_filter filter, char *why, size_t why_size);
/** kube's Taint.ToString: "key=value:Effect", or "key:Effect" when the value is empty. */
size_t jn_taint_format(const struct jn_taint *t, char *out, size_t size);

/* ------------------------------------------------------------------------------------------ */
/* Label selectors and pod affinity terms (selector.c)                                         */

/*
 * A plain selector is matched by api.h's jn_label_selector_matches (NULL matches nothing, an
 * empty selector everything, Gt/Lt never: they are not label selector operators).
 */

/**
 * sel with kube-scheduler's matchLabelKeys / mismatchLabelKeys merged in, without building
 * anything: for each key in match_keys that owner_labels has, candidate must have the same
 * value (key In [owner's]); for each key in mismatch_keys that owner_labels has, candidate must
 * not (key NotIn [owner's]). Keys the owner lacks are skipped. A NULL selector still matches
 * nothing (the apiserver merges nothing into it). Merging twice is harmless, so pods whose
 * selectors the apiserver already merged give the same answer.
 */
bool jn_label_selector_matches_merged(const struct jn_label_selector *sel,
	const struct jn_strmap *candidate, const struct jn_strmap *owner_labels,
	char *const *match_keys, size_t n_match_keys, char *const *mismatch_keys,
	size_t n_mismatch_keys);

/**
 * Whether a pod affinity term of a pod in namespace own_ns covers namespace ns (kube-scheduler
 * GetNamespacesFromPodAffinityTerm plus the namespaceSelector): with no namespaces listed and
 * no namespaceSelector, only own_ns; otherwise ns is listed, or the namespaceSelector matches
 * ns_labels (the caller's view of that Namespace's labels; NULL reads as no labels, so only an
 * empty selector `{}` — every namespace — matches).
 */
bool jn_pod_affinity_term_covers_namespace(const struct jn_pod_affinity_term *term,
	const char *own_ns, const char *ns, const struct jn_strmap *ns_labels);

/**
 * Whether `other` is a pod the term of `owner` selects: its namespace is covered and its
 * labels match the term's selector merged with matchLabelKeys / mismatchLabelKeys taken from
 * owner's labels. other_ns_labels as above.
 */
bool jn_pod_affinity_term_matches(const struct jn_pod_affinity_term *term,
	const struct jn_pod *owner, const struct jn_pod *other,
	const struct jn_strmap *other_ns_labels);

/* ------------------------------------------------------------------------------------------ */
/* Topology spread (topology.c)                                                                */

/*
 * kube-scheduler's PodTopologySpread filter, split so that the packer keeps the counts.
 *
 * What counts, for a constraint c of an incoming pod P (kube-scheduler's PreFilter):
 * - a node counts (jn_spread_node_counts) when it has the label c.topology_key, and
 *   - nodeAffinityPolicy Honor (the default): it matches P's nodeSelector and required node
 *     affinity (jn_pod_matches_node); Ignore: any node;
 *   - nodeTaintsPolicy Honor: P tolerates its NoSchedule/NoExecute taints; Ignore (the
 *     default): any node.
 *   kube-scheduler also requires the node to carry the topology keys of all of P's DoNotSchedule
 *   constraints; callers that want that exactness check each constraint's key.
 * - a pod on a counted node counts (jn_spread_counts_pod) when it is in P's namespace, is not
 *   being deleted, and its labels match c's labelSelector merged with matchLabelKeys from P's
 *   labels. Pods are counted in the domain named by their node's topology_key label.
 * - the domains are the distinct values of topology_key over counted nodes (kube-scheduler),
 *   plus those a new node could take (Karpenter: every zone the pod's requirements admit in a
 *   pool; a fresh hostname with count 0 for kubernetes.io/hostname).
 *
 * The filter: global_min = the smallest count over the domains, or 0 when the constraint is
 * DoNotSchedule with minDomains > number of domains; placing P in domain d is allowed when
 * count[d] + self - global_min <= maxSkew, where self = 1 if P matches its own selector.
 * kube-scheduler enforces only DoNotSchedule constraints; ScheduleAnyway ones only score.
 * Karpenter enforces both and relaxes ScheduleAnyway away when the pod cannot be placed: these
 * helpers apply to whatever constraint they are given, the caller chooses.
 */

/** Whether a node's pods count for c (see above). node_name may be NULL. */
bool jn_spread_node_counts(const struct jn_topology_spread *c, const struct jn_pod *pod,
	const struct jn_strmap *node_labels, const char *node_name, const struct jn_taint *taints,
	size_t n_taints);
/** Whether `other` counts toward c of `pod` (namespace, not deleting, merged selector). */
bool jn_spread_counts_pod(const struct jn_topology_spread *c, const struct jn_pod *pod,
	const struct jn_pod *other);
/** Whether pod matches its own constraint's merged selector (the "self" term of the skew). */
bool jn_spread_self_match(const struct jn_topology_spread *c, const struct jn_pod *pod);

/** global_min over counts[0..n) as described above (0 when n == 0). */
int32_t jn_spread_global_min(const struct jn_topology_spread *c, const int32_t *counts, size_t n);
/** count + self - global_min <= maxSkew. */
bool jn_spread_allows(const struct jn_topology_spread *c, int32_t count, int32_t global_min,
	bool self_match);
/**
 * Karpenter's choice for a new node: among the domains with candidate[i] true (NULL: all), the
 * allowed one with the lowest count (ties: lowest index), or SIZE_MAX when none is allowed.
 * counts covers every domain (they all weigh in global_min); candidates are those the node
 * being built can still take.
 */
size_t jn_spread_pick_domain(const struct jn_topology_spread *c, const int32_t *counts,
	size_t n, const bool *candidate, bool self_match);

/* ------------------------------------------------------------------------------------------ */
/* Host ports (hostports.c)                                                                    */

/*
 * The host ports in use on one node (kube-scheduler's NodePorts / HostPortInfo). Two ports
 * conflict when their protocols ("" reads as TCP) and port numbers are equal and their host
 * IPs are equal or either is 0.0.0.0 ("" reads as 0.0.0.0). Only the IPv4 wildcard is a
 * wildcard, as in kube-scheduler. Ports <= 0 are not host ports and never conflict.
 * Caller-allocated: jn_host_ports_init / jn_host_ports_release. Owns copies of the strings.
 */
struct jn_host_port_use {
	char *host_ip;     /* owned, normalized */
	char *protocol;    /* owned, normalized */
	int32_t port;
};

struct jn_host_ports {
	struct jn_host_port_use *items;
	size_t len;
	size_t cap;
};

void jn_host_ports_init(struct jn_host_ports *hp);
void jn_host_ports_release(struct jn_host_ports *hp);
void jn_host_ports_copy(struct jn_host_ports *dst, const struct jn_host_ports *src);
/** Whether two host ports conflict (rules above). */
bool jn_host_port_conflicts(const struct jn_host_port *a, const struct jn_host_port *b);
/**
 * Whether any of ports conflicts with one in use; reason
 * "host port 0.0.0.0:8080/TCP conflicts with 10.0.0.1:8080/TCP in use".
 */
bool jn_host_ports_conflict(const struct jn_host_ports *hp, const struct jn_host_port *ports,
	size_t n, char *why, size_t why_size);
/** Records ports as used (a pod placed on the node). Ports <= 0 are skipped. */
void jn_host_ports_add(struct jn_host_ports *hp, const struct jn_host_port *ports, size_t n);

#endif
