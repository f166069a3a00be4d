#ifndef JITNODE_CACHE_INTERNAL_H
#define JITNODE_CACHE_INTERNAL_H

/*
 * The cache's private structures. Primary maps: pods by "ns/name", nodes by name. Indexes
 * derived from them: pods by uid, and per node name a slot with its resource-holding pods, their
 * summed requests and the marks. jn_cache_check() proves the derived ones agree.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/api.h"
#include "jitnode/cache.h"

/* ---- index.c: a string-keyed hash table with borrowed keys ------------------------------- */

struct jn_cache_ientry {
	const char *key;                /* borrowed from the value */
	void *value;
	struct jn_cache_ientry *next;
};

struct jn_cache_index {
	struct jn_cache_ientry **buckets;
	size_t n_buckets;               /* a power of two */
	size_t len;
};

void jn_cache_index_init(struct jn_cache_index *ix);
/** Frees the table (not the values). */
void jn_cache_index_release(struct jn_cache_index *ix);
void *jn_cache_index_get(const struct jn_cache_index *ix, const char *key);
/** Inserts or replaces; returns the value replaced or NULL. key must live as long as value. */
void *jn_cache_index_put(struct jn_cache_index *ix, const char *key, void *value);
/** Removes key; returns its value or NULL. */
void *jn_cache_index_remove(struct jn_cache_index *ix, const char *key);

/** Iterates: for (it = NULL; (it = jn_cache_index_next(ix, &b, it));) with b = 0 first. */
struct jn_cache_ientry *jn_cache_index_next(const struct jn_cache_index *ix, size_t *bucket,
	struct jn_cache_ientry *it);

/* ---- the objects -------------------------------------------------------------------------- */

/* Immutable once published. pod is first so that a const struct jn_pod * converts back. */
struct jn_cache_pod {
	struct jn_pod pod;
	atomic_int refs;
	char *key;                      /* "ns/name", owned */
	uint64_t epoch;                 /* the list epoch that last announced it */
	bool holds;                     /* bound and not terminal: counted on its node */
};

struct jn_cache_node {
	struct jn_node node;
	atomic_int refs;
	uint64_t epoch;
};

/* Everything the cache knows under one node name. Exists while any member is non-empty. */
struct jn_cache_slot {
	char *name;                     /* owned */
	struct jn_cache_node *node;     /* a reference, or NULL */
	struct jn_cache_pod **pods;     /* references to the pods counted here */
	size_t n_pods;
	size_t cap_pods;
	struct jn_resources requested;  /* the sum over pods */
	unsigned marks;
};

struct jn_cache {
	pthread_rwlock_t lock;
	struct jn_logger *log;

	struct jn_cache_index pods;         /* "ns/name" -> struct jn_cache_pod */
	struct jn_cache_index pods_by_uid;  /* uid -> struct jn_cache_pod */
	struct jn_cache_index nodes;        /* name -> struct jn_cache_node */
	struct jn_cache_index slots;        /* node name -> struct jn_cache_slot */

	uint64_t pod_epoch;
	uint64_t node_epoch;
	bool pods_synced;
	bool nodes_synced;
	uint64_t events;
	uint64_t decode_errors;

	pthread_mutex_t sync_mu;            /* with sync_cv: waiters for the first sync */
	pthread_cond_t sync_cv;
};

/** The slot of a node name, created empty when missing. Under the write lock. */
struct jn_cache_slot *jn_cache_slot_get(struct jn_cache *cache, const char *name);
/** Frees a slot that no longer says anything (no node, no pods, no marks). Write lock. */
void jn_cache_slot_gc(struct jn_cache *cache, struct jn_cache_slot *slot);

/** Sums the requests of slot's pods into out (zeroed first). */
void jn_cache_slot_sum(const struct jn_cache_slot *slot, struct jn_resources *out);

#endif
