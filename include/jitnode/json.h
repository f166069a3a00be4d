#ifndef JITNODE_JSON_H
#define JITNODE_JSON_H

/*
 * jansson helpers that check types and say where the input was wrong.
 *
 * Decoders walk a JSON document with a chain of `struct jn_json_path` frames kept on the stack,
 * one per level, so that an error names the exact place:
 *   "spec.containers[2].resources.requests.cpu: expected a string or a number, got an object"
 * Unknown fields are ignored by these getters (Kubernetes objects grow fields between
 * releases); strict decoders (policies) check keys separately with jn_json_check_keys().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct jn_error;
struct jn_strmap;

struct jn_json_path {
	const struct jn_json_path *parent;  /* NULL at the root */
	const char *key;                    /* object member, or NULL for an array element */
	size_t index;                       /* the array index when key is NULL */
};

/** A root frame (prints as nothing) and child frames, for use as compound literals. */
#define JN_JSON_ROOT ((struct jn_json_path){ .parent = NULL, .key = NULL, .index = SIZE_MAX })
#define JN_JSON_KEY(p, k) ((struct jn_json_path){ .parent = (p), .key = (k), .index = 0 })
#define JN_JSON_IDX(p, i) ((struct jn_json_path){ .parent = (p), .key = NULL, .index = (i) })

/** Formats a path as "a.b[2].c" into out; returns out. Truncates (with "...") if too long. */
char *jn_json_path_format(const struct jn_json_path *path, char *out, size_t size);

/** Sets err to JN_ERR_INVALID with "<path>: <message>". Returns -1. */
int jn_json_error(struct jn_error *err, const struct jn_json_path *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** "a string", "an integer", "an object", ... for error messages. */
const char *jn_json_type_name(const json_t *value);

/*
 * Getters. Each looks up `key` in `obj` (an object, checked). When the member is absent or JSON
 * null, `*out` is left untouched and the getter returns 0 unless `required`, in which case it
 * fails with "<path>.<key>: is required". A member of the wrong type fails with the path and the
 * type seen. Strings are borrowed from the document.
 */
int jn_json_get_string(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, const char **out, struct jn_error *err);
int jn_json_get_int(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, int64_t *out, struct jn_error *err);
int jn_json_get_bool(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, bool *out, struct jn_error *err);
/** `*out` is borrowed; absent or null leaves it NULL when not required. */
int jn_json_get_object(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, const json_t **out, struct jn_error *err);
int jn_json_get_array(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, const json_t **out, struct jn_error *err);

/** Checks that value is an object; fails with the path otherwise. */
int jn_json_expect_object(const json_t *value, const struct jn_json_path *path,
	struct jn_error *err);

/**
 * Fails on the first member of obj whose name is not in `allowed` (a NULL-terminated list):
 * "<path>.<member>: unknown field". For strict schemas (NodePool, EC2NodeClass).
 */
int jn_json_check_keys(const json_t *obj, const char *const *allowed,
	const struct jn_json_path *path, struct jn_error *err);

/** Reads every string member of obj (an object of strings) into a map; the path names a bad one. */
int jn_json_get_strmap(const json_t *obj, const char *key, const struct jn_json_path *path,
	struct jn_strmap *out, struct jn_error *err);

#endif
