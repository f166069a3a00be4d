#ifndef JITNODE_SRC_API_API_INTERNAL_H
#define JITNODE_SRC_API_API_INTERNAL_H

/* Decoding helpers shared by the files of src/api; not part of the public contract. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct jn_error;
struct jn_json_path;

/**
 * Reads obj.key, an optional array of strings, into an owned array (*out NULL and *n_out 0
 * when absent or empty). A non-string element fails with its path ("key[3]: expected ...").
 */
int api_strings_from_json(const json_t *obj, const char *key, const struct jn_json_path *path,
	char ***out, size_t *n_out, struct jn_error *err);
/** Frees n owned strings and the array; NULL-safe. */
void api_strings_free(char **values, size_t n);
/** Owned deep copy of n strings (NULL when n is 0). */
char **api_strings_copy(char *const *values, size_t n);

/**
 * Parses an RFC 3339 timestamp as the apiserver writes it ("2024-05-01T10:20:30Z", optionally
 * with fractional seconds or a numeric offset) into wall-clock nanoseconds since the epoch.
 */
int api_parse_time(const char *text, int64_t *out_ns);

/**
 * Reads obj.key as an int32 (absent leaves *out untouched); out-of-range values fail with the
 * path.
 */
int api_get_int32(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, int32_t *out, struct jn_error *err);

struct jn_pod;

/** True for the resources pod-level spec.resources may set: cpu, memory, hugepages-*. */
bool api_is_pod_level_resource(const char *name);

/**
 * Decodes spec.affinity and spec.topologySpreadConstraints into pod. On failure pod may hold
 * part of them; jn_pod_release() frees it.
 */
int api_pod_constraints_from_json(const json_t *spec, const struct jn_json_path *path,
	struct jn_pod *pod, struct jn_error *err);
/** Frees what api_pod_constraints_from_json() filled. */
void api_pod_constraints_release(struct jn_pod *pod);

/**
 * Checks obj.kind: absent is accepted (items of a typed List carry no kind), anything but
 * `kind` fails with the path: "<path>: expected kind Pod, got Node".
 */
int api_check_kind(const json_t *obj, const char *kind, const struct jn_json_path *path,
	struct jn_error *err);

/** Reads obj.key as an owned string copy (*out untouched when absent). */
int api_dup_string(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, char **out, struct jn_error *err);

/** Reads metadata.deletionTimestamp into *deleting / *ns (RFC 3339; the path names a bad one). */
int api_deletion_from_json(const json_t *meta, const struct jn_json_path *path, bool *deleting,
	int64_t *ns, struct jn_error *err);

#endif
