#ifndef JITNODE_EXTENDER_H
#define JITNODE_EXTENDER_H

/*
 * The kube-scheduler extender: /filter, /prioritize, /bind and /preempt, speaking
 * k8s.io/kube-scheduler/extender/v1 exactly (../shared/reference/extender-protocol.md):
 *   - PascalCase keys, read case-insensitively (Go's decoder is), written PascalCase;
 *   - absent lists are JSON null, never omitted;
 *   - Nodes (a NodeList) or NodeNames, depending on the scheduler's nodeCacheCapable;
 *   - FailedAndUnresolvableNodes for nodes jitnode is removing (preemption must skip them);
 *   - integer scores 0..10;
 *   - errors in the body's Error field with HTTP 200 for filter and bind (the protocol reads them
 *     there); prioritize and preempt have no Error field, so a malformed request gets HTTP 400
 *     with the reason as text (the scheduler ignores prioritize errors).
 *
 * What each verb decides:
 *   filter      keeps pods off nodes being drained or deleted: a deletionTimestamp, the disruption
 *               taint (jitnode.io/disrupted or Karpenter's karpenter.sh/disrupted), or a mark the
 *               reconciler set in the cache. Every other node passes: in-tree plugins already
 *               filtered on resources and constraints, and second-guessing them would only
 *               disagree with the scheduler.
 *   prioritize  most-allocated bin packing over cpu and memory after placing the pod, so nodes fill
 *               up and emptier nodes stay consolidatable.
 *   bind        POST pods/{name}/binding with the pod's UID as precondition, one log line per bind
 *               with its latency; a 409 becomes a clear Error.
 *   preempt     the scheduler's candidates minus nodes jitnode is deleting (evicting victims from
 *               a node about to go frees nothing lasting).
 *
 * The extender reads the cluster through a backend seam (the cache and the API client in the
 * daemon, a table in unit tests). Handlers are thread-safe if the backend is.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/http.h"

struct jn_clock;
struct jn_error;
struct jn_logger;
struct jn_metrics;

/* The taint jitnode puts on a node it is about to drain, and Karpenter's equivalent. */
#define JN_DISRUPTION_TAINT "jitnode.io/disrupted"
#define JN_KARPENTER_DISRUPTION_TAINT "karpenter.sh/disrupted"

/** What the extender needs to know about one node, as the backend sees it. */
struct jn_extender_node {
	bool known;                 /* the backend has the node */
	bool removing;              /* being drained or deleted (mark, taint or deletionTimestamp) */
	char reason[160];           /* why, when removing */
	int64_t allocatable_cpu_milli;
	int64_t allocatable_memory;
	int64_t requested_cpu_milli; /* summed requests of the pods bound to it */
	int64_t requested_memory;
};

struct jn_extender_backend;

struct jn_extender_backend_impl {
	/** Fills out for the node called name; must be fast and safe from many threads. */
	void (*lookup_node)(struct jn_extender_backend *backend, const char *name,
		struct jn_extender_node *out);
	/**
	 * Binds the pod (namespace/name with that uid) to node. Fails with JN_ERR_CONFLICT when the
	 * apiserver answers 409, JN_ERR_NOT_FOUND when the pod is gone, other kinds as they come.
	 */
	int (*bind)(struct jn_extender_backend *backend, const char *pod_namespace,
		const char *pod_name, const char *pod_uid, const char *node, struct jn_error *err);
};

struct jn_extender_backend {
	const struct jn_extender_backend_impl *impl;
};

struct jn_extender_options {
	struct jn_logger *log;          /* borrowed; may be NULL */
	const struct jn_clock *clock;   /* borrowed; NULL = the real clock */
	struct jn_metrics *metrics;     /* borrowed; may be NULL; counters are registered in it */
	size_t max_body;                /* request body cap; 0 = 16 MiB (a NodeList can be large) */
};

struct jn_extender;

/** Creates an extender over backend (borrowed, must outlive it). Returns an owned object. */
struct jn_extender *jn_extender_create(struct jn_extender_backend *backend,
	const struct jn_extender_options *opts);
void jn_extender_destroy(struct jn_extender *ext);

/**
 * The verbs as plain functions over request bytes, writing the response body into out
 * (caller-initialised). Each returns the HTTP status to answer (200, or 400 for a malformed
 * prioritize/preempt request); never fails otherwise.
 */
int jn_extender_filter(struct jn_extender *ext, const char *body, size_t len, struct jn_buf *out);
int jn_extender_prioritize(struct jn_extender *ext, const char *body, size_t len,
	struct jn_buf *out);
int jn_extender_bind(struct jn_extender *ext, const char *body, size_t len, struct jn_buf *out);
int jn_extender_preempt(struct jn_extender *ext, const char *body, size_t len,
	struct jn_buf *out);

/** The routes for the http server: POST /bind, /filter, /preempt, /prioritize. Static table
 * bound to ext: writes up to max entries into out and returns how many. */
size_t jn_extender_routes(struct jn_extender *ext, struct jn_http_route *out, size_t max);

/** Binds counted so far, by result ("success", "conflict", "error"). */
uint64_t jn_extender_bind_count(const struct jn_extender *ext, const char *result);

struct jn_cache;
struct jn_kube_client;

/**
 * The daemon's backend: node views from the cluster cache (its marks, the node's deletion
 * timestamp and disruption taints, allocatable and the summed requests of its pods) and
 * bindings through the API client. A bind that conflicts because the pod (same uid) is already
 * on that very node is a success: it is the repeat of a bind whose answer was lost. Both are borrowed and must outlive the backend. Owned;
 * destroy with jn_extender_backend_cluster_destroy (NULL is allowed).
 */
struct jn_extender_backend *jn_extender_backend_cluster_create(struct jn_cache *cache,
	struct jn_kube_client *client);
void jn_extender_backend_cluster_destroy(struct jn_extender_backend *backend);

#endif
