#ifndef JITNODE_MAP_H
#define JITNODE_MAP_H

/*
 * A string-to-string map kept sorted by key: labels, annotations, nodeSelector, tags.
 *
 * Kubernetes objects carry few labels (tens at most), so a sorted array beats a hash table in
 * memory and in speed, and iteration order is deterministic (log lines and JSON output are
 * stable). Caller-allocated: jn_strmap_init / jn_strmap_release; copies keys and values.
 */

#include <stdbool.h>
#include <stddef.h>

struct jn_kv {
	char *key;      /* owned */
	char *value;    /* owned, never NULL ("" for an empty value) */
};

struct jn_strmap {
	struct jn_kv *items;    /* sorted by strcmp(key) */
	size_t len;
	size_t cap;
};

void jn_strmap_init(struct jn_strmap *map);
void jn_strmap_release(struct jn_strmap *map);
/** Deep copy of src into dst (dst must be initialised or released; it is overwritten). */
void jn_strmap_copy(struct jn_strmap *dst, const struct jn_strmap *src);

/** Inserts or replaces key. Copies both strings. */
void jn_strmap_set(struct jn_strmap *map, const char *key, const char *value);
/** Borrowed value, or NULL when absent. O(log n). */
const char *jn_strmap_get(const struct jn_strmap *map, const char *key);
bool jn_strmap_has(const struct jn_strmap *map, const char *key);
/** Removes key if present; returns whether it was. */
bool jn_strmap_remove(struct jn_strmap *map, const char *key);
/** True when every entry of sub is in map with the same value (a label selector's matchLabels). */
bool jn_strmap_contains_all(const struct jn_strmap *map, const struct jn_strmap *sub);

#endif
