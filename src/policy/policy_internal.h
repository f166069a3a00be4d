#ifndef JITNODE_POLICY_INTERNAL_H
#define JITNODE_POLICY_INTERNAL_H

/*
 * Private to src/policy: the YAML layer (text -> jansson documents with a position for every
 * node), label-name rules, and small decoding helpers shared by nodepool.c and nodeclass.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jitnode/policy.h"

struct jn_error;
struct jn_json_path;

/*
 * Where a node of a document was written. `path` is the node's JSON path exactly as
 * jn_json_path_format() prints it from a root frame ("spec.template.spec.requirements[0].key"),
 * so that an error message "<path>: <reason>" can be traced back to a line.
 */
struct policy_pos {
	char *path;             /* owned */
	uint32_t line, col;     /* the value, 1-based */
	uint32_t key_line, key_col;   /* the mapping key naming it; 0 for sequence items, the root */
};

struct policy_doc {
	json_t *root;           /* owned reference; NULL for an empty document (never kept) */
	uint32_t line, col;     /* where the document starts */
	struct policy_pos *pos; /* owned, in document order */
	size_t n_pos;
	size_t cap_pos;
};

struct policy_docs {
	struct policy_doc *items;
	size_t len;
	size_t cap;
};

/**
 * Parses every non-empty document of a YAML 1.2 text (JSON included). Scalars follow the core
 * schema: plain `null`/`~`/empty, `true`/`false`, integers (decimal, 0x, 0o) and floats become
 * JSON null, booleans and numbers; quoted scalars and everything else stay strings; `!!str`
 * forces a string. Duplicate keys, non-scalar keys and unsupported tags are errors. Aliases are
 * shared (not copied) and counted, expanded, against JN_POLICY_MAX_NODES. Errors name
 * "<name>:<line>:<col>". Appends to out; on failure out is left as it was.
 */
int policy_yaml_parse(const char *name, const char *text, size_t len, struct policy_docs *out,
	struct jn_error *err);
void policy_docs_release(struct policy_docs *docs);

/**
 * Prefixes an error from decoding doc ("<path>: <reason>") with "<name>:<line>:<col>", using the
 * deepest recorded node whose path starts the message (the key's position for "unknown field").
 * Falls back to the document start. Returns -1.
 */
int policy_doc_locate_error(const struct policy_doc *doc, const char *name, struct jn_error *err);

/** Position of the node at path (value, or key when `key`); false when not recorded. */
bool policy_doc_find(const struct policy_doc *doc, const char *path, bool key, uint32_t *line,
	uint32_t *col);

/* ------------------------------------------------------------------------------------------ */
/* Label and name rules (Kubernetes validation + Karpenter's CEL rules)                        */

/** Why key is not a qualified name (IsQualifiedName), as a static message; NULL when valid. */
const char *policy_qualified_name_problem(const char *key);
/** Why value is not a label value (IsValidLabelValue); NULL when valid. */
const char *policy_label_value_problem(const char *value);
/**
 * Karpenter's restricted-domain rules for a requirement key or a template label key. Writes the
 * CEL message ("label domain \"kubernetes.io\" is restricted") into out and returns false when
 * key is restricted.
 */
bool policy_label_key_allowed(const char *key, char *out, size_t size);

/* ------------------------------------------------------------------------------------------ */
/* Decoding helpers                                                                            */

/** Owned copy of an optional string member (NULL when absent); errors on a wrong type. */
int policy_get_strdup(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, char **out, struct jn_error *err);
/** Parses a non-negative duration member; absent leaves *out and *present untouched. */
int policy_get_duration(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool allow_never, struct jn_duration *out, bool *present, struct jn_error *err);
/** Reads an integer member within [min, max]; "must be between <min> and <max>". */
int policy_get_int_range(const json_t *obj, const char *key, const struct jn_json_path *path,
	int64_t min, int64_t max, bool *present, int64_t *out, struct jn_error *err);
/** Checks apiVersion/kind and metadata (name required; server-set fields ignored). */
int policy_check_header(const json_t *obj, const struct jn_json_path *path,
	const char *api_version, const char *kind, const char **name, struct jn_error *err);
/** Decodes spec.disruption of a NodePool spec into np, applying the CRD's defaults. */
int policy_disruption(const json_t *spec, const struct jn_json_path *path, struct jn_nodepool *np,
	struct jn_error *err);
/* kubelet.c: spec.kubelet, spec.blockDeviceMappings and spec.metadataOptions of a node class */
void policy_kubelet_init(struct jn_kubelet_config *k);
void policy_kubelet_release(struct jn_kubelet_config *k);
int policy_kubelet(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err);
int policy_block_devices(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err);
void policy_block_devices_release(struct jn_ec2nodeclass *nc);
int policy_metadata_options(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err);

void policy_source_copy(struct jn_policy_source *dst, const struct jn_policy_source *src);
void policy_source_release(struct jn_policy_source *src);

#endif
