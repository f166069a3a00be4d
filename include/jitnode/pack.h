#ifndef JITNODE_PACK_H
#define JITNODE_PACK_H

/*
 * The packing engine: given pending pods, the nodes that exist (and the node claims still in
 * flight, given as nodes), the NodePools and the instance types with their offerings, decide
 * where every pod goes: onto capacity that exists, onto new node claims (each with the cheapest
 * offering that holds its pods plus up to max_options alternatives for CreateFleet), or nowhere,
 * with the reason.
 *
 * Pure (STYLE §1.2): no I/O, no locks, no globals. The provisioner, consolidation's what-if,
 * `jitnode plan` and bench/pack all call jn_pack_solve() the same way. The only side channel is
 * the optional logger, which gets one line per decision with its numbers.
 *
 * Semantics are kube-scheduler's for "may this pod run on that node" and Karpenter's for "what
 * node should be launched", restated here because callers and tests rely on them:
 *
 * Resources   cpu, memory, ephemeral-storage, pods (every pod takes one) and extended resources,
 *             against allocatable; on a new node, allocatable minus the requests of every
 *             DaemonSet pod that would land there (its tolerations and node affinity checked
 *             against the node's labels and the pool's taints).
 * Placement   nodeSelector and required node affinity (terms ORed); NodePool requirements
 *             (minValues included: a claim keeps at least that many distinct values among its
 *             options); taints (NoSchedule/NoExecute block, PreferNoSchedule does not; startup
 *             taints are ignored, as Karpenter does).
 * Preferences preferred pod affinity, preferred pod anti-affinity, preferred node affinity
 *             (heaviest term first) and ScheduleAnyway spreads are first treated as required,
 *             then relaxed one at a time, in that order, for a pod that cannot be placed
 *             (Karpenter's Preferences.Relax).
 * Topology    spread on topology.kubernetes.io/zone and kubernetes.io/hostname: maxSkew,
 *             minDomains, whenUnsatisfiable, labelSelector, matchLabelKeys, counting the pods
 *             already bound. Zone domains are the zones the pod's compatible offerings and
 *             nodes span (nodeAffinityPolicy Honor) and, with nodeTaintsPolicy Honor, whose
 *             pools/nodes taints the pod tolerates. On hostname the global minimum is 0,
 *             because a fresh node is always a domain (Karpenter's view). Required pod affinity
 *             and anti-affinity on hostname and zone, both directions for anti-affinity; the
 *             first pod of a self-selecting affinity group may go anywhere (kube-scheduler).
 *             Constraints on other topology keys are not supported: a pod with a required
 *             one is left unplaced with the reason, a ScheduleAnyway one is ignored.
 * Host ports  no two pods on a node share a port, protocol and overlapping host IP.
 * Limits      a pool's limits (resource sums of the capacity of its nodes, claims in flight
 *             and the new claims, and "nodes") are never exceeded; its existing nodes are
 *             those labelled karpenter.sh/nodepool=<name>.
 * Order       pods by priority (descending), then size (cpu, then memory, descending), so that
 *             small low-priority pods never starve important ones. Each pod tries existing
 *             nodes first (in input order), then the claims opened so far, then a new claim
 *             from the pools in weight order (highest first; the first pool that can take it).
 *
 * The choice of offering: see solver.c's design note (price per packed pod, then shrinking
 * every claim to the cheapest offering that still holds it).
 *
 * Ownership: the input is borrowed for the duration of the call. The result owns its claim
 * names, pod index arrays, options, labels, requirements and reasons; pointers to input objects
 * (pools, instance types, offerings) stay borrowed from the input and must not outlive it.
 * Thread-safety: jn_pack_solve may run on many threads at once on inputs nobody mutates.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/api.h"
#include "jitnode/map.h"
#include "jitnode/sched.h"

struct jn_error;
struct jn_logger;
struct jn_nodepool;
struct jn_instance_type;
struct jn_offering;

/* The most options a claim keeps (enough for any minValues up to it); CreateFleet's cap. */
#define JN_PACK_MAX_OPTIONS 60
/* The most distinct resources (cpu, memory, ephemeral-storage, pods + extended) in one solve. */
#define JN_PACK_MAX_RESOURCES 12

struct jn_pack_input {
	/* Pending pods, in any order. Their requests are what kube-scheduler charges. */
	const struct jn_pod *pods;
	size_t n_pods;

	/*
	 * Existing nodes and in-flight claims (as the Node they will become). Nodes that are
	 * unschedulable or deleting take no new pods but still count toward their pool's limits.
	 */
	const struct jn_node *nodes;
	size_t n_nodes;
	/* Pods already running or bound; those whose node_name names one of nodes are counted. */
	const struct jn_pod *bound;
	size_t n_bound;

	/* One pod template per DaemonSet: it lands on every new node it tolerates and selects. */
	const struct jn_pod *daemonsets;
	size_t n_daemonsets;

	/* NodePools; tried by weight (descending, unset = 0), then name. */
	const struct jn_nodepool *const *pools;
	size_t n_pools;

	/* Instance types with their offerings; unavailable offerings are never chosen. */
	const struct jn_instance_type *const *types;
	size_t n_types;

	/* How many options a claim keeps, at most JN_PACK_MAX_OPTIONS; 0 means that maximum. */
	size_t max_options;

	/* Borrowed, may be NULL: one line per decision. */
	struct jn_logger *log;
};

/* One offering a claim may be launched as. */
struct jn_pack_option {
	const struct jn_instance_type *type;    /* borrowed from the input */
	const struct jn_offering *offering;     /* borrowed from the input */
};

struct jn_pack_claim {
	char *name;                             /* owned: "<pool>-<n>", n from 1, deterministic */
	const struct jn_nodepool *pool;         /* borrowed */
	const struct jn_instance_type *type;    /* the cheapest option; borrowed */
	const struct jn_offering *offering;     /* borrowed */
	double price;                           /* of that offering, USD per hour */
	size_t *pods;                           /* owned: indices into input.pods, in placement order */
	size_t n_pods;
	struct jn_pack_option *options;         /* owned; by price, options[0] is the choice */
	size_t n_options;
	struct jn_strmap labels;                /* owned: the node's labels with the choice */
	struct jn_reqs requirements;            /* owned: pool's, narrowed to the options */
	struct jn_resources requests;           /* owned: the pods' and daemonsets' requests */
};

/* A pod placed on an existing node (or in-flight claim). */
struct jn_pack_placement {
	size_t pod;     /* index into input.pods */
	size_t node;    /* index into input.nodes */
};

struct jn_pack_unplaced {
	size_t pod;     /* index into input.pods */
	char *reason;   /* owned, lowercase, e.g. "nodepool \"default\": limit cpu 1000 would be exceeded" */
};

struct jn_pack_result {
	struct jn_pack_claim *claims;           /* owned */
	size_t n_claims;
	struct jn_pack_placement *placements;   /* owned: placements on input.nodes only */
	size_t n_placements;
	struct jn_pack_unplaced *unplaced;      /* owned, by pod index */
	size_t n_unplaced;
	double total_price;                     /* sum of the claims' prices, USD per hour */
};

/**
 * Packs in->pods. On success fills *out (caller-allocated, overwritten) and returns 0: every
 * pod is either in one claim, in placements, or in unplaced with a reason. Fails (-1, *out
 * zeroed) only on input the engine cannot represent: more than JN_PACK_MAX_RESOURCES distinct
 * resources (JN_ERR_INVALID naming the resource) or a malformed pool requirement.
 */
int jn_pack_solve(const struct jn_pack_input *in, struct jn_pack_result *out,
	struct jn_error *err);

/** Frees what the result owns; a zeroed result is fine. */
void jn_pack_result_release(struct jn_pack_result *r);

/**
 * The checker (STYLE rule 11), written apart from the solver: true when the result obeys
 * every rule above for this input: each placement satisfies resources (daemonsets included),
 * node selector and required node affinity, pool requirements, taints, required topology
 * spread, required pod affinity and anti-affinity, host ports; no pool limit is exceeded; each
 * claim's options are available offerings holding its pods, sorted by price; every pod appears
 * exactly once. On false, why gets the first violation found.
 */
bool jn_pack_check(const struct jn_pack_input *in, const struct jn_pack_result *r, char *why,
	size_t why_size);

#endif
