#ifndef JITNODE_CACHE_H
#define JITNODE_CACHE_H

/*
 * The cluster cache: every node and pod the watches have seen, decoded (api.h) and indexed for
 * the hot paths of the extender and the controllers:
 *   pods by namespace/name and by uid; nodes by name;
 *   per node name: the pods bound to it that still hold resources (phase not Succeeded/Failed)
 *   and the sum of their requests; controller marks ("jitnode is deleting this node").
 *
 * Feeding. The cache is a struct jn_watch_handler (kube.h) twice over: one handler for the node
 * watch, one for the pod watch, each with the cache as ctx. Each (re)list is a mark-and-sweep:
 * LIST_BEGIN opens a new epoch, listed objects are stamped with it, and on_synced drops what the
 * list did not mention (objects deleted while the watch was down).
 *
 * Concurrency, and why this design. Readers are the extender's /filter, /prioritize, /bind and
 * /preempt handlers on a thread pool, and the controllers; the writer is the watch threads.
 *   - Objects are immutable once published and reference-counted: an update decodes a new
 *     object outside any lock and swaps it in; readers holding the old one keep a consistent
 *     copy for as long as they like, with no lock held.
 *   - The indexes sit behind one rwlock taken for a few lookups at a time (no decoding, no
 *     allocation but an index slot under the write lock). Readers share it and never wait for
 *     each other; the lock prefers writers, so a stream of readers cannot starve the watch, and
 *     a writer holds it for microseconds.
 * Copy-on-write snapshots of the whole cache per event would cost O(objects) per event (tens of
 * thousands of pods); this costs O(pods on one node) per event and O(1) per lookup.
 * A snapshot (jn_cache_snapshot) is a consistent view of all nodes at one instant, built in one
 * read-locked pass that only takes references.
 *
 * Every function is thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/api.h"
#include "jitnode/kube.h"

struct jn_logger;

enum jn_cache_mark {
	JN_CACHE_MARK_DELETING = 1u << 0,   /* jitnode will delete this node: keep pods off it */
	JN_CACHE_MARK_DRAINING = 1u << 1,   /* jitnode is evicting this node's pods */
};

struct jn_cache_options {
	struct jn_logger *log;              /* borrowed; NULL = silent */
};

struct jn_cache;

/** Creates an empty, unsynced cache. Returns an owned cache. */
struct jn_cache *jn_cache_create(const struct jn_cache_options *opts);
/** Frees the cache; the watches feeding it must be stopped. References held stay valid. */
void jn_cache_destroy(struct jn_cache *cache);

/** The handlers to pass, with the cache as ctx, to the node and the pod watch. */
struct jn_watch_handler jn_cache_node_handler(void);
struct jn_watch_handler jn_cache_pod_handler(void);

/** True once both the node list and the pod list have been delivered whole at least once. */
bool jn_cache_synced(struct jn_cache *cache);
/**
 * Waits (real time) until synced or timeout_ms passes; returns jn_cache_synced(). For main and
 * tools, which must not serve from a cache that has not seen the cluster.
 */
bool jn_cache_wait_synced(struct jn_cache *cache, int64_t timeout_ms);

/* ---- Pods ---------------------------------------------------------------------------------- */

/**
 * The pod ns/name, or the pod with this uid: a new reference (release with jn_cache_pod_unref)
 * to an immutable pod, or NULL when the cache has none.
 */
const struct jn_pod *jn_cache_pod_get(struct jn_cache *cache, const char *ns, const char *name);
const struct jn_pod *jn_cache_pod_get_by_uid(struct jn_cache *cache, const char *uid);
/** Another reference to a pod the caller holds (to keep it past a snapshot). */
const struct jn_pod *jn_cache_pod_ref(const struct jn_pod *pod);
/** Drops a reference; the last one frees the pod. NULL is allowed. */
void jn_cache_pod_unref(const struct jn_pod *pod);

/* ---- Nodes --------------------------------------------------------------------------------- */

/* What the cache knows about one node name. Caller-allocated, released with
 * jn_cache_node_info_release(). */
struct jn_cache_node_info {
	const struct jn_node *node;     /* a reference; NULL when pods or marks name a node the
	                                   cache has not seen (yet, or any more) */
	struct jn_resources requested;  /* owned: summed requests of its resource-holding pods */
	size_t n_pods;                  /* how many such pods */
	const struct jn_pod **pods;     /* references, n_pods of them; NULL unless asked for */
	unsigned marks;                 /* enum jn_cache_mark bits */
};

void jn_cache_node_info_release(struct jn_cache_node_info *info);

/**
 * Fills *out for node `name` (with its pods when `with_pods`). Returns false (out zeroed) when
 * the cache knows nothing of that name: no node, no bound pod, no mark.
 */
bool jn_cache_node_get(struct jn_cache *cache, const char *name, bool with_pods,
	struct jn_cache_node_info *out);

/** A new reference to the node `name`, or NULL. Release with jn_cache_node_unref(). */
const struct jn_node *jn_cache_node_ref_get(struct jn_cache *cache, const char *name);
const struct jn_node *jn_cache_node_ref(const struct jn_node *node);
void jn_cache_node_unref(const struct jn_node *node);

/**
 * Sets then clears mark bits on a node name (the name need not be in the cache yet: a
 * controller may mark a node it is about to create). Marks of a name vanish when the node is
 * deleted from the cluster and nothing else refers to the name.
 */
void jn_cache_mark(struct jn_cache *cache, const char *node, unsigned set, unsigned clear);
/** The marks of a node name (0 when none). */
unsigned jn_cache_marks(struct jn_cache *cache, const char *node);

/* ---- Snapshots ----------------------------------------------------------------------------- */

enum jn_cache_snapshot_flags {
	JN_CACHE_SNAPSHOT_PODS = 1u << 0,   /* fill each node's pods, and the unbound pods */
};

struct jn_cache_snapshot {
	struct jn_cache_node_info *nodes;   /* every node in the cache, sorted by name */
	size_t n_nodes;
	const struct jn_pod **unbound;      /* references to pods with no node (non-terminal),
	                                       sorted by namespace/name; with SNAPSHOT_PODS only */
	size_t n_unbound;
	bool synced;                        /* jn_cache_synced() when taken */
};

/** Takes a consistent snapshot (owned; release with jn_cache_snapshot_release). */
struct jn_cache_snapshot *jn_cache_snapshot(struct jn_cache *cache, unsigned flags);
void jn_cache_snapshot_release(struct jn_cache_snapshot *snap);
/** The snapshot's entry for node `name` (binary search; borrowed), or NULL. */
const struct jn_cache_node_info *jn_cache_snapshot_find(const struct jn_cache_snapshot *snap,
	const char *name);

/* ---- Inspection ---------------------------------------------------------------------------- */

struct jn_cache_stats {
	size_t nodes;
	size_t pods;
	size_t bound_pods;          /* pods counted on some node */
	uint64_t events;            /* events applied since creation */
	uint64_t decode_errors;     /* objects skipped because they did not decode */
};
void jn_cache_stats(struct jn_cache *cache, struct jn_cache_stats *out);

/**
 * STYLE rule 11: true when every index agrees with the primary maps: each pod is found by its
 * key and its uid; each resource-holding bound pod is listed once under its node name and no
 * other pod is; each node's summed requests equal the sum of its pods' requests; each node is
 * under its own name; no empty per-name entry is kept. Takes the read lock; O(objects).
 */
bool jn_cache_check(struct jn_cache *cache);

#endif
