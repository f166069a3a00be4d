#ifndef JITNODE_ERROR_H
#define JITNODE_ERROR_H

/*
 * Errors: a kind the caller branches on, and a message that carries its context chain.
 *
 * Functions that can fail return int (0 on success, -1 on failure) and take an optional
 * `struct jn_error *err` last. On failure they fill it with a kind and a message; callers add
 * context on the way up with jn_error_prefix(), giving chains such as
 *   "loading policies/default.yaml, nodepool 'default': spec.limits.cpu: invalid quantity \"x\""
 * Callers branch on `kind`, never on the text. `err` may be NULL when the caller does not care.
 * A struct jn_error owns no heap memory: it can live on the stack and be dropped freely.
 */

#include "jitnode/base.h"

enum jn_error_kind {
	JN_ERR_NONE = 0,
	JN_ERR_INVALID,                 /* bad input: a file, a request, an argument */
	JN_ERR_TOO_LARGE,               /* input over a fixed cap; the message names the cap */
	JN_ERR_NOT_FOUND,
	JN_ERR_CONFLICT,                /* e.g. a 409 from the apiserver */
	JN_ERR_IO,                      /* a file or socket operation failed */
	JN_ERR_TIMEOUT,
	JN_ERR_UNAVAILABLE,             /* a peer is down or answered 5xx */
	JN_ERR_THROTTLED,
	JN_ERR_UNAUTHORIZED,
	JN_ERR_INSUFFICIENT_CAPACITY,   /* feeds the ICE cache */
	JN_ERR_NODECLASS_NOT_READY,
	JN_ERR_INTERNAL,                /* a broken invariant; a bug */
};

#define JN_ERROR_MSG_MAX 1024

struct jn_error {
	enum jn_error_kind kind;
	char msg[JN_ERROR_MSG_MAX];     /* NUL-terminated; truncated, never overflowed */
};

/** Resets err to JN_ERR_NONE with an empty message. err may be NULL. */
void jn_error_clear(struct jn_error *err);

/**
 * Sets err's kind and message. Always returns -1 so that a failure path reads
 * `return jn_error_set(err, JN_ERR_INVALID, "...")`. err may be NULL.
 */
int jn_error_set(struct jn_error *err, enum jn_error_kind kind, const char *fmt, ...)
	JN_PRINTF(3, 4);

/**
 * Prefixes the message with context and ": " (a gerund phrase by convention: "reading
 * 'pods.json'"). The kind is kept. Returns -1. err may be NULL.
 */
int jn_error_prefix(struct jn_error *err, const char *fmt, ...) JN_PRINTF(2, 3);

/** A stable lowercase name for kind ("invalid", "not-found", ...). Static storage. */
const char *jn_error_kind_name(enum jn_error_kind kind);

#endif
