#ifndef JITNODE_KUBE_INTERNAL_H
#define JITNODE_KUBE_INTERNAL_H

/*
 * Pieces of src/kube shared between its files and reachable by its unit tests: the YAML reader,
 * the token bucket, status-to-error mapping, the watch line splitter, the backoff, and the
 * low-level call the verbs and the watch are built on.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "jitnode/buf.h"
#include "jitnode/kube.h"

struct jn_error;

/* ---- yaml.c: YAML (a kubeconfig) to JSON --------------------------------------------------- */

/* Nesting deeper than this is refused: a kubeconfig is four levels deep. */
#define JN_KUBE_YAML_MAX_DEPTH 64

/**
 * Converts the first YAML document of text into a new jansson value. Mappings become objects
 * (keys must be scalars), sequences arrays; plain scalars true/false become booleans, plain
 * null, ~ and empty become null, everything else a string (kubeconfig has no numbers jitnode
 * reads). Anchors and aliases are refused. Errors carry "line L column C: <problem>".
 */
int jn_kube_yaml_to_json(const char *text, size_t len, json_t **out, struct jn_error *err);

/** Decodes base64 (whitespace ignored, padding optional) into an owned NUL-terminated string. */
int jn_kube_base64_decode(const char *text, char **out, size_t *out_len, struct jn_error *err);

/* ---- ratelimit.c: client-side token bucket ----------------------------------------------- */

/*
 * client-go's flowcontrol token bucket: `burst` tokens at most, refilled at `qps` per second.
 * A reservation always succeeds and says when the caller may go; tokens go negative while
 * callers queue, so waiting callers are served in arrival order at exactly the rate.
 */
struct jn_kube_bucket {
	pthread_mutex_t mu;
	double qps;             /* <= 0: unlimited */
	double burst;
	double tokens;
	int64_t last_ns;
};

void jn_kube_bucket_init(struct jn_kube_bucket *b, double qps, int burst, int64_t now_ns);
void jn_kube_bucket_release(struct jn_kube_bucket *b);
/** Takes one token; returns the monotonic time at or after now_ns at which the caller may go. */
int64_t jn_kube_bucket_reserve(struct jn_kube_bucket *b, int64_t now_ns);

/* ---- status.c: HTTP status and curl failures to error kinds ------------------------------ */

/** The error kind for an HTTP status (JN_ERR_NONE for 2xx). */
enum jn_error_kind jn_kube_status_kind(long status);

/**
 * Fills err for a non-2xx answer: "<method> <path>: <status> <reason>[: <Status message>]" with
 * the method lowercased, reading the message from a Status body when there is one (a body
 * that is not a Status is quoted, cut at 200 bytes). Returns -1.
 */
int jn_kube_status_error(const char *method, const char *path, long status, const char *body,
	size_t body_len, struct jn_error *err);

/** Fills err for a transfer that got no usable answer: timeouts, refused, TLS. Returns -1. */
int jn_kube_curl_error(const char *method, const char *path, CURLcode code,
	const char *detail, struct jn_error *err);

/** Parses a Retry-After value in seconds (the apiserver sends seconds); -1 when not one. */
int64_t jn_kube_parse_retry_after(const char *value);

/* ---- lines.c: the watch stream's line splitter -------------------------------------------- */

/* Called once per complete line, without the newline (and without a trailing CR). */
typedef int (*jn_kube_line_fn)(void *ctx, const char *line, size_t len, struct jn_error *err);

struct jn_kube_lines {
	struct jn_buf partial;  /* the incomplete line so far */
	size_t max;             /* the longest line accepted */
};

void jn_kube_lines_init(struct jn_kube_lines *lines, size_t max);
void jn_kube_lines_release(struct jn_kube_lines *lines);
/** Drops a partial line (a new stream starts). */
void jn_kube_lines_reset(struct jn_kube_lines *lines);
/**
 * Feeds bytes; calls fn for each complete non-empty line. A line longer than max fails with
 * JN_ERR_TOO_LARGE ("watch event over 8388608 bytes") and the splitter must be reset. Errors
 * from fn stop the feed and are returned as they are.
 */
int jn_kube_lines_feed(struct jn_kube_lines *lines, const char *data, size_t n,
	jn_kube_line_fn fn, void *ctx, struct jn_error *err);

/* ---- backoff.c --------------------------------------------------------------------------- */

/**
 * The delay before reconnect attempt `attempt` (0-based): d = min(cap, base * 2^attempt), then
 * a value in [d/2, d] picked by `random` (any 64-bit number), so that watchers that failed
 * together do not come back together.
 */
int64_t jn_kube_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms, uint64_t random);

/* ---- client.c: the call the verbs and the watch share ------------------------------------- */

struct jn_kube_call {
	const char *method;
	const char *path;
	const char *body;               /* NULL = none */
	size_t body_len;
	const char *content_type;       /* of body; NULL = application/json */
	bool no_retry;                  /* a 429 is final (evictions) */
	/* Streaming (watch): bytes of a 2xx answer go to `sink` instead of a buffer; no timeout
	 * but `abort` is polled about every second and stops the transfer when it returns true. */
	size_t (*sink)(void *ctx, const char *data, size_t n);
	void *sink_ctx;
	bool (*abort)(void *ctx);
	long idle_timeout_s;            /* streaming: fail when no byte came for this long */
	/* Out. */
	long status;                    /* 0 when no answer */
};

/**
 * Performs call on a pooled handle (rate limited unless streaming). Buffered calls decode a
 * 2xx body into *out (new reference, NULL when the body is empty, `out` may be NULL).
 */
int jn_kube_call(struct jn_kube_client *client, struct jn_kube_call *call, json_t **out,
	struct jn_error *err);

/*
 * Called once per page of a list with its items (borrowed; may be NULL) and the list's kind.
 * `first` is true for the first page of a pass: a pass restarts from the beginning when a
 * continue token expires, so consumers reset what they gathered. Returning -1 (err set by the
 * callback's owner) stops the list.
 */
typedef int (*jn_kube_page_fn)(void *ctx, bool first, const char *kind, const json_t *items);

/**
 * Lists `path` page by page (limit=page_size, 0 = 500) without holding more than one page:
 * what the watch uses, so a relist of 100,000 pods never has them all as JSON at once. *rv
 * receives the list's resourceVersion (owned). An expired continue token restarts the pass
 * once.
 */
int jn_kube_list_each(struct jn_kube_client *client, const char *path, size_t page_size,
	jn_kube_page_fn fn, void *ctx, char **rv, struct jn_error *err);

/** Appends s to buf URL-escaped as a path segment or query value. */
void jn_kube_escape(struct jn_buf *buf, const char *s);

/** The client's clock and logger (borrowed). */
const struct jn_clock *jn_kube_client_clock(const struct jn_kube_client *client);
struct jn_logger *jn_kube_client_log(const struct jn_kube_client *client);

#endif
