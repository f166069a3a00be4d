#ifndef JITNODE_PACK_INTERNAL_H
#define JITNODE_PACK_INTERNAL_H

/*
 * The solver's dense representations, shared by the files of src/pack (never included from
 * elsewhere). Everything here lives for one jn_pack_solve() call and is indexed by small
 * integers: resources by dimension, pods by input index, sites (pool x variant x offering)
 * and bins (existing nodes first, then claims) by position.
 *
 * Why dense: the hot loop asks "does pod p fit bin b" hundreds of thousands of times per
 * solve; each question must be a handful of integer compares over arrays, never a string
 * lookup or an allocation (DESIGN.md §7: 20,000 pods in 0.4 s).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/api.h"
#include "jitnode/catalog.h"
#include "jitnode/pack.h"
#include "jitnode/policy.h"
#include "jitnode/sched.h"

#define PK_DIMS JN_PACK_MAX_RESOURCES
#define PK_DIM_CPU 0
#define PK_DIM_MEM 1
#define PK_DIM_EPH 2
#define PK_DIM_PODS 3
#define PK_MAX_ZONES 31
#define PK_NO_ZONE_BIT (1u << 31)   /* bins without a zone label, in bin masks */
#define PK_MAX_VARIANTS 8
#define PK_NONE UINT32_MAX

/* A label map that borrows every string (never jn_strmap_release it): a view over labels. */
struct pk_view {
	struct jn_strmap map;   /* items borrowed; cap is ours */
};

/* A topology group: the pods a selector picks out, counted per zone and per bin. */
enum pk_group_kind {
	PK_SPREAD = 0,
	PK_AFFINITY,
	PK_ANTI,
};

struct pk_group {
	enum pk_group_kind kind;
	bool zone;                          /* topology key is the zone, else the hostname */
	const struct jn_pod *owner;         /* a pod whose term this is (selector and namespace) */
	const struct jn_topology_spread *spread;        /* PK_SPREAD */
	const struct jn_pod_affinity_term *term;        /* PK_AFFINITY, PK_ANTI */
	int32_t *zone_count;                /* [n_zones] pods matching the selector */
	int32_t *zone_owners;               /* [n_zones] pods owning the term (PK_ANTI) */
	uint32_t zone_eligible;             /* PK_SPREAD zone: mask of the domains */
	int32_t total;                      /* matching pods everywhere */
	/* hostname ANTI/SPREAD: bins that may still take an owner, in bin order (lazily pruned) */
	uint32_t *open_bins;
	size_t n_open_bins, cap_open_bins;
	uint32_t bins_seen;
};

/* A class: pods whose constraints are identical (requests may differ). */
struct pk_class {
	const struct jn_pod *rep;           /* the first pod of the class */
	uint64_t hash;
	char *signature;                    /* owned: the canonical constraint text */
	size_t signature_len;
	bool generic;                       /* no placement constraint at all */
	bool host_limited;                  /* at most a few of its pods per node */
	uint32_t limit_k;                   /* own index of the required hostname group that
	                                       limits it most (scans its open bins), or PK_NONE */
	/* soft constraints, in relaxation order */
	uint32_t n_pref_aff, n_pref_anti, n_pref_node, n_soft_spread;
	uint32_t max_level;
	uint32_t *pref_aff_order;           /* indices into rep->preferred_affinity, heaviest first */
	uint32_t *pref_anti_order;
	/* groups this class owns, one list per kind of term; soft ones carry a level */
	uint32_t *own;                      /* group indices */
	uint32_t *own_soft_level;           /* 0 = required; L = dropped from level L on */
	bool *own_self;                     /* the class' pods match that group's selector */
	uint32_t *own_zone_mask;            /* zone spread: the zones that are domains */
	uint32_t n_own, cap_own;
	uint32_t *member_of;                /* groups whose selector picks this class's pods */
	uint32_t n_member_of;
	bool touches_zone;                  /* owns or is counted by a zone group */
	bool unsupported_key;               /* a required constraint on another topology key */
	bool has_ports;
	/* compatible sites per preferred-node rank (0..n_pref_node), built lazily */
	uint64_t **site_bits;
	uint32_t **site_list;               /* per rank: compatible sites, pool order then price */
	uint32_t *n_site_list;
	uint64_t *node_bits;                /* existing nodes: per rank [done, bits...], lazily */
	uint32_t ext_mask;                  /* extended dimensions its pods request */
	/* remaining demand of the class' pods not handled yet */
	int64_t rem[PK_DIMS];
	uint32_t rem_pods;
	uint32_t cursor;                    /* bins before it never take this class (level 0) */
	/* the last new-claim choice, reused while the demand it was made for holds */
	uint32_t memo_site, memo_level, memo_zmask;
	double memo_n;
};

/*
 * A shape: the pods of one class with one request vector, in packing order (fill.c). Only
 * classes that no topology group owns or counts and that use no host port have shapes: such
 * a pod may join any claim whose offering its class accepts and whose room holds it.
 */
struct pk_shape {
	uint32_t cls;
	uint32_t begin, end;                /* its pods in solve.shape_pods */
	uint32_t head;                      /* first of them not handled yet (lazily advanced) */
};

/* A place a new node can come from: pool x variant x offering. */
struct pk_site {
	uint32_t pool;                      /* index into solve.pools (weight order) */
	uint32_t variant;
	uint32_t type;                      /* index into in->types */
	uint32_t zone;
	const struct jn_offering *off;
	double price;
	struct pk_view labels;              /* referenced keys only (solve.keys) */
	int64_t cap[PK_DIMS];               /* allocatable minus daemonsets */
	int64_t ds[PK_DIMS];                /* the daemonsets' requests */
	int64_t type_cap[PK_DIMS];          /* capacity, for limits */
};

struct pk_pool {
	const struct jn_nodepool *np;
	struct jn_reqs reqs;
	uint32_t n_variants;
	struct jn_kv variant_kv[PK_MAX_VARIANTS][4];   /* custom key=value labels, borrowed */
	uint32_t n_variant_kv;
	bool has_limit[PK_DIMS];
	int64_t limit[PK_DIMS];
	int64_t used[PK_DIMS];
	bool has_node_limit;
	int64_t node_limit, nodes_used;
	uint32_t site_begin, site_end;      /* its sites in solve.sites, by price */
	uint32_t claims;                    /* claims named so far */
};

/* A bin: an existing node or a claim being built. */
struct pk_bin {
	bool claim;
	bool closed;
	bool zone_locked;
	uint32_t node;                      /* input node index (existing) */
	uint32_t site;                      /* target site (claim) */
	uint32_t zone;                      /* PK_NONE when the node has no zone label */
	int64_t used[PK_DIMS];
	int64_t cap[PK_DIMS];
	uint32_t first_pod, last_pod, n_pods;   /* pending pods, linked through solve.pod_next */
	uint32_t *options;                  /* claim: sites it may launch as, by price (shrink) */
	uint32_t n_options;
	bool failed;                        /* claim: no option meets minValues */
	const char *fail_key;               /* the key whose minValues failed, borrowed */
	int32_t fail_min;
	uint32_t fail_have;
	uint32_t *classes;                  /* distinct (class << 8 | level) of its pods */
	uint32_t n_classes, cap_classes;
	struct jn_host_ports ports;
};

struct pk_solve {
	const struct jn_pack_input *in;
	uint32_t n_dims;
	const char *dim_name[PK_DIMS];
	struct pk_pool *pools;
	uint32_t n_pools;
	const char *zones[PK_MAX_ZONES];
	uint32_t n_zones;
	struct pk_site *sites;
	uint32_t n_sites;
	const char **keys;                  /* label keys any pod or daemonset references, sorted */
	size_t n_keys;

	struct pk_class *classes;
	uint32_t n_classes;
	uint32_t *pod_class;                /* [n_pods] */
	int64_t *pod_req;                   /* [n_pods * n_dims] */
	uint32_t *pod_level;                /* relaxation level each pod reached */
	uint32_t *pod_next;                 /* bin pod lists */
	uint32_t *pod_bin;                  /* PK_NONE while unplaced */
	char **fail_why;                    /* [n_pods] owned reasons of pods given up */

	struct pk_group *groups;
	uint32_t n_groups;
	size_t cap_groups;
	uint32_t (*bound_anti)[2];          /* [bound pod, group] of bound pods' anti terms */
	size_t n_bound_anti, cap_bound_anti;
	int32_t *bin_counts;                /* [bins * n_groups * 2]: matching, owners */
	size_t cap_bin_counts;

	struct pk_bin *bins;
	uint32_t n_bins, cap_bins;
	/* first-fit tree over bins: per node the max remaining cpu, memory, pods and the zones */
	uint32_t tree_size;
	int64_t *tree_rem;                  /* [2 * tree_size * 3] */
	uint32_t *tree_zones;               /* [2 * tree_size] */
	int64_t min_req[PK_DIMS];           /* the smallest request of any pod, per dimension */
	int64_t rem_generic[PK_DIMS];       /* remaining demand of classes with no placement limits */
	uint32_t rem_generic_pods;
	/* complementary filling of new claims (fill.c) */
	struct pk_shape *shapes;
	uint32_t n_shapes;
	uint32_t *shape_pods;               /* pods grouped by shape, each group in packing order */
	uint32_t *pod_pos;                  /* [n_pods] position in the packing order */
	uint32_t fill_pos;                  /* pods at positions below it are handled */
	bool fill_on;                       /* new claims are filled while the first pass runs */
	double fill_price[2];               /* $/h per milli-cpu and per byte (a pod's worth) */
	size_t site_words;                  /* uint64 words per site bitset */
	size_t node_words;
};

/* classes.c */
struct jn_buf;
void pk_pod_signature(const struct pk_solve *s, const struct jn_pod *p, const int64_t *req,
	struct jn_buf *b);
uint64_t pk_hash(const char *data, size_t len);
void pk_class_init(struct pk_class *c, const struct jn_pod *rep, uint64_t hash);
void pk_class_release(struct pk_class *c);

/* sites.c */
int pk_pools_build(struct pk_solve *s, struct jn_error *err);
void pk_sites_build(struct pk_solve *s);

/* prepare.c */
int pk_prepare(struct pk_solve *s, struct jn_error *err);
void pk_release(struct pk_solve *s);
/** The dimension of a resource name, or PK_NONE when the solve does not track it. */
uint32_t pk_dim(const struct pk_solve *s, const char *name);
/** Fills v[n_dims] from r (pods forced to 1 when add_pod). */
void pk_vec_from_resources(const struct pk_solve *s, const struct jn_resources *r, int64_t *v,
	bool add_pod);
uint32_t pk_zone_index(const struct pk_solve *s, const char *zone);
/** Lazily built: the class' compatible sites at preferred-node rank. */
const uint64_t *pk_class_sites(struct pk_solve *s, uint32_t c, uint32_t rank);
const uint32_t *pk_class_site_list(struct pk_solve *s, uint32_t c, uint32_t rank, uint32_t *n);
bool pk_class_node_ok(struct pk_solve *s, uint32_t c, uint32_t rank, uint32_t node);
/** The preferred-node rank at a relaxation level. */
uint32_t pk_level_node_rank(const struct pk_class *c, uint32_t level);
/** The pod's node requirement at rank, for jn_pod_matches_node-like checks on a view. */
bool pk_pod_matches_view(const struct jn_pod *pod, uint32_t rank, const struct jn_strmap *labels);
/** Whether pod tolerates pool taints (NoSchedule, NoExecute). */
bool pk_pool_tolerated(const struct pk_pool *p, const struct jn_pod *pod);

/* groups.c */
void pk_groups_build(struct pk_solve *s);
/** True when the group's term is active (required) for class c at level. */
bool pk_group_active(const struct pk_class *c, uint32_t k, uint32_t level);
/**
 * The zones a pod of class c at level may go to, as far as zone-level constraints go; with
 * new_node, also whether a fresh node passes the hostname-level ones (else 0).
 */
uint32_t pk_groups_zone_mask(struct pk_solve *s, uint32_t c, uint32_t level, bool new_node,
	const char **why);
/** Whether bin b (zone z) takes a pod of class c at level, zmask from pk_groups_zone_mask. */
bool pk_groups_bin_ok(struct pk_solve *s, uint32_t c, uint32_t level, uint32_t b, uint32_t zone,
	uint32_t zmask, bool *permanent, const char **why);
/** Counts a pod of class c placed in bin b / zone (zone PK_NONE: none). */
void pk_groups_add(struct pk_solve *s, uint32_t c, uint32_t level, uint32_t b, uint32_t zone);
int32_t *pk_bin_counts(struct pk_solve *s, uint32_t b);
/** Counts the bound pods of existing nodes. */
void pk_groups_count_bound(struct pk_solve *s);

/* view helpers (prepare.c) */
void pk_view_init(struct pk_view *v);
void pk_view_release(struct pk_view *v);
/** Sets v to the borrowed union of maps (later maps win on equal keys). */
void pk_view_merge(struct pk_view *v, const struct jn_strmap *const *maps, size_t n);

/* shrink.c */
int pk_shrink(struct pk_solve *s);

/* solver.c */
/** Whether used + req stays within cap in each of n dimensions. */
bool pk_fits(const int64_t *used, const int64_t *req, const int64_t *cap, uint32_t n);
/** The first bin at or after from that may hold req in a zone of zmask, or PK_NONE. */
uint32_t pk_first_fit(const struct pk_solve *s, uint32_t from, const int64_t *req,
	uint32_t zmask);
/** Puts pod into bin bi at relaxation level: resources, groups, ports, demand, the tree. */
void pk_place(struct pk_solve *s, uint32_t pod, uint32_t bi, uint32_t level);

/* fill.c */
/** Whether a pod of class c may join any claim its class accepts (no groups, no ports). */
bool pk_fill_eligible(const struct pk_class *c);
/** Groups the pods of eligible classes into shapes, given the packing order. */
void pk_fill_build(struct pk_solve *s, const uint32_t *order, uint32_t n);
void pk_fill_release(struct pk_solve *s);
/**
 * Fills claim bi, just opened, with pending pods of priority `priority` that complement its
 * room best (largest dot product of demand and room, both relative to capacity) until none
 * fits. Pods a pool's existing node might take are left to the first-fit pass.
 */
void pk_fill_claim(struct pk_solve *s, uint32_t bi, int32_t priority);
/** What a claim of site si opened for pod would hold once filled: its pods' worth in $/h. */
double pk_fill_value(struct pk_solve *s, uint32_t pod, uint32_t si);

/* result.c */
int pk_result_build(struct pk_solve *s, struct jn_pack_result *out);
/** Why class c's pod cannot go anywhere: one line per pool, joined; owned. */
char *pk_explain(struct pk_solve *s, uint32_t pod, const char *dynamic_why);

#endif
