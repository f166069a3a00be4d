#ifndef JITNODE_EXTENDER_INTERNAL_H
#define JITNODE_EXTENDER_INTERNAL_H

#include <jansson.h>

#include "jitnode/extender.h"

struct jn_counter;
struct jn_histogram;

struct jn_extender {
	struct jn_extender_backend *backend;
	struct jn_logger *log;
	const struct jn_clock *clock;
	size_t max_body;
	struct jn_metrics *own_metrics;     /* when the caller gave none */
	struct jn_counter *requests;        /* by verb */
	struct jn_counter *binds;           /* by result */
	struct jn_histogram *bind_seconds;
	struct jn_histogram *request_seconds;   /* by verb: jitnode's own handling time */
};

/* Go's encoding/json matches keys case-insensitively; so do we. Borrowed; NULL when absent. */
json_t *ext_get(const json_t *obj, const char *key);

/**
 * Parses body as one JSON object; on failure writes the reason into why and returns NULL.
 * Refuses bodies over the extender's cap.
 */
json_t *ext_parse(const struct jn_extender *ext, const char *body, size_t len, char *why,
	size_t why_size);

/** The node's name (metadata.name) or NULL. */
const char *ext_node_name(const json_t *node);

/**
 * Whether jitnode is removing the node: from the Node object when given (deletionTimestamp,
 * disruption taint), else or also from the backend's view. Fills reason. `node_json` may be NULL.
 */
bool ext_node_removing(const struct jn_extender *ext, const char *name, const json_t *node_json,
	struct jn_extender_node *view, char *reason, size_t reason_size);

/**
 * Appends s as a JSON string literal (quotes included), escaped as jansson would. The hot
 * answers (names, scores) are written straight into the buffer: building and dumping a jansson
 * tree cost a third of a 500-node prioritize.
 */
void ext_append_string(struct jn_buf *out, const char *s);

/* Where one top-level member's value lies in a request body (scan.c). */
struct ext_span {
	const char *name;       /* the member's name, matched case-insensitively */
	const char *text;       /* NULL when absent */
	size_t len;
};

/**
 * Validates body as one JSON object and locates the members named in `members` without
 * building a tree. Fails with "malformed JSON at byte N: ..." or "duplicate member 'X'".
 */
int ext_scan_request(const char *body, size_t len, struct ext_span *members, size_t n_members,
	char *why, size_t why_size);
/** Absent or JSON null. */
bool ext_span_is_null(const struct ext_span *span);

/* Strings of a JSON array read in place (decoded into one buffer). */
struct ext_strings {
	const char *what;       /* the member's name, for errors */
	const char **items;     /* borrowed from text */
	size_t len;
	size_t cap;
	struct jn_buf text;
};

/** Reads a scanned array of strings; fails with "<what>[i]: expected a string". */
int ext_string_array(const struct ext_span *span, struct ext_strings *out, char *why,
	size_t why_size);
void ext_strings_release(struct ext_strings *s);

/** Parses a scanned span with jansson (it was validated already). New reference. */
json_t *ext_span_json(const struct ext_span *span);

/** Appends a JSON value's compact text to out. */
void ext_dump(const json_t *value, struct jn_buf *out);

#endif
