#ifndef JITNODE_KUBE_H
#define JITNODE_KUBE_H

/*
 * The Kubernetes API client: configuration (kubeconfig or in-cluster), JSON requests with typed
 * errors, the verbs jitnode needs (bind, get/list pods and nodes, create/patch/delete node,
 * evict, events, leases) and list+watch feeding a handler seam.
 *
 * Transport. One client owns a pool of libcurl easy handles that are reused, so connections stay
 * open (keep-alive) and TLS sessions are resumed; a curl share handle shares the connection
 * cache, DNS and TLS sessions between them. Any number of threads may call the request functions
 * on one client at once: each call borrows a handle from the pool (creating one when all are
 * busy) and gives it back. A watch runs on its own thread with its own handle.
 *
 * Rate limits. Every request (not the long-lived watch stream) first takes a token from a
 * client-side token bucket (qps, burst) read on the injected clock, as client-go does; a caller
 * that exceeds the rate waits its turn inside the call.
 *
 * Errors. HTTP status and transport failures become error kinds the caller branches on:
 *   404 -> JN_ERR_NOT_FOUND        409 -> JN_ERR_CONFLICT       401, 403 -> JN_ERR_UNAUTHORIZED
 *   429 -> JN_ERR_THROTTLED (retried after Retry-After while the request's budget allows)
 *   5xx, refused/unreachable -> JN_ERR_UNAVAILABLE     timeouts -> JN_ERR_TIMEOUT
 *   410 Gone -> JN_ERR_NOT_FOUND, told apart by the HTTP status (the watch relists on it)
 *   other 4xx -> JN_ERR_INVALID       an over-cap response -> JN_ERR_TOO_LARGE
 * The message names the request and carries the apiserver's Status message, e.g.
 *   "post /api/v1/namespaces/default/pods/web-1/binding: 409 conflict: Operation cannot be
 *    fulfilled on pods/binding \"web-1\": pod web-1 is already assigned to node \"n1\""
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct jn_clock;
struct jn_error;
struct jn_logger;

/* ------------------------------------------------------------------------------------------ */
/* Configuration                                                                               */

/*
 * Where the connection settings come from. PEM material is held in memory (inline *-data of a
 * kubeconfig, or a file read at load time) except the bearer token file, which is re-read when
 * it rotates (bound service-account tokens are refreshed by the kubelet about hourly).
 */
struct jn_kube_config {
	char *server;           /* owned, "https://10.0.0.1:443" (no trailing slash) */
	char *token;            /* owned bearer token; NULL when none or when token_file is used */
	char *token_file;       /* owned path re-read on rotation; NULL when none */
	char *ca_pem;           /* owned CA bundle (PEM text); NULL = the system store */
	char *client_cert_pem;  /* owned client certificate (PEM text); NULL when none */
	char *client_key_pem;   /* owned client key (PEM text); NULL when none */
	bool insecure;          /* insecure-skip-tls-verify */
	char *context;          /* owned; the kubeconfig context used, NULL in-cluster */
	char *namespace_;       /* owned; the context's (or service account's) namespace */
};

/*
 * Where in-cluster settings live. main builds this from the environment with
 * jn_kube_env_from_environ(); tests point it at a temporary directory. Strings are borrowed.
 */
struct jn_kube_env {
	const char *service_host;   /* $KUBERNETES_SERVICE_HOST; NULL = not in a cluster */
	const char *service_port;   /* $KUBERNETES_SERVICE_PORT; NULL = 443 */
	const char *sa_dir;         /* NULL = /var/run/secrets/kubernetes.io/serviceaccount */
	const char *kubeconfig;     /* $KUBECONFIG (first path of a list); NULL = none */
	const char *home;           /* $HOME, for ~/.kube/config; NULL = none */
};

/** Fills env from the process environment (getenv); the strings are borrowed from it. */
void jn_kube_env_from_environ(struct jn_kube_env *env);

/** Frees every member; a zeroed config is fine. The struct may be reused. */
void jn_kube_config_release(struct jn_kube_config *cfg);

/**
 * Reads a kubeconfig file (YAML or JSON): the named context, or current-context when `context`
 * is NULL, and its cluster and user. Supported: server, certificate-authority(-data),
 * insecure-skip-tls-verify; token, tokenFile, client-certificate(-data),
 * client-key(-data). Relative file paths are taken from the kubeconfig's folder. exec and
 * auth-provider users are refused (JN_ERR_INVALID, naming the user). Errors name the file and
 * the entry ("'/x/kubeconfig': context \"dev\": no cluster named \"dev-cluster\"").
 * `out` is overwritten (not released first); on failure it is left released.
 */
int jn_kube_config_from_kubeconfig(const char *path, const char *context,
	struct jn_kube_config *out, struct jn_error *err);

/**
 * In-cluster configuration: https://$host:$port, the CA from sa_dir/ca.crt, the token file
 * sa_dir/token (read now to fail early, re-read by the client on rotation) and the namespace
 * from sa_dir/namespace (optional). Fails with JN_ERR_NOT_FOUND when env->service_host is NULL.
 */
int jn_kube_config_in_cluster(const struct jn_kube_env *env, struct jn_kube_config *out,
	struct jn_error *err);

/**
 * The usual order: an explicit kubeconfig path (`path`, e.g. --kubeconfig) wins, then
 * in-cluster, then $KUBECONFIG, then ~/.kube/config. `context` as for the kubeconfig reader.
 */
int jn_kube_config_load(const struct jn_kube_env *env, const char *path, const char *context,
	struct jn_kube_config *out, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Client                                                                                      */

struct jn_kube_client_options {
	double qps;                     /* steady request rate; 0 = 50 (rate limiting off: < 0) */
	int burst;                      /* bucket size; 0 = 100 */
	int64_t timeout_ms;             /* whole request, including 429 retries; 0 = 30000 */
	int64_t connect_timeout_ms;     /* 0 = 5000 */
	size_t max_response;            /* response body cap in bytes; 0 = 256 MiB (a big list) */
	int max_retries_429;            /* retries after a 429; 0 = 3 (none: < 0) */
	const struct jn_clock *clock;   /* borrowed; NULL = the real clock */
	struct jn_logger *log;          /* borrowed; NULL = silent */
	const char *user_agent;         /* borrowed; NULL = "jitnode/0.1" */
};

struct jn_kube_client;

/**
 * Creates a client for cfg (deep-copied: cfg may be released afterwards). Returns an owned
 * client, or NULL with err set (JN_ERR_INVALID for an unusable config, JN_ERR_IO when the token
 * file cannot be read). Thread-safe once created.
 */
struct jn_kube_client *jn_kube_client_create(const struct jn_kube_config *cfg,
	const struct jn_kube_client_options *opts, struct jn_error *err);

/** Frees the client; every watch on it must have been stopped. NULL is allowed. */
void jn_kube_client_destroy(struct jn_kube_client *client);

/** The server URL (borrowed, lives as long as the client). */
const char *jn_kube_client_server(const struct jn_kube_client *client);

/**
 * Sends one request: method "GET", "POST", "PUT", "PATCH" or "DELETE", path beginning with "/"
 * (query string included, already escaped), body NULL or a JSON value sent as
 * application/json (a PATCH sends application/merge-patch+json, unless `content_type` says
 * otherwise: pass NULL for the default). On 2xx, *out (when out is non-NULL) receives the
 * decoded response (new reference; NULL for an empty body). Errors as described above; the
 * HTTP status is stored in *status when status is non-NULL (0 when no response came).
 */
int jn_kube_request(struct jn_kube_client *client, const char *method, const char *path,
	const json_t *body, const char *content_type, json_t **out, int *status,
	struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Verbs. Names are used as given (the apiserver validates them); they are URL-escaped here.   */

/**
 * Binds pod ns/name to node with a v1 Binding through the pods/binding subresource:
 *   {"apiVersion":"v1","kind":"Binding","metadata":{"name":..,"namespace":..,"uid":..},
 *    "target":{"apiVersion":"v1","kind":"Node","name":..}}
 * `uid` (may be NULL to skip the precondition) guards against binding a re-created pod of the
 * same name. A pod already bound, being deleted or with another uid gives JN_ERR_CONFLICT.
 */
int jn_kube_bind(struct jn_kube_client *client, const char *ns, const char *name,
	const char *uid, const char *node, struct jn_error *err);

/** GET one pod / node. *out is a new reference. */
int jn_kube_get_pod(struct jn_kube_client *client, const char *ns, const char *name,
	json_t **out, struct jn_error *err);
int jn_kube_get_node(struct jn_kube_client *client, const char *name, json_t **out,
	struct jn_error *err);

/**
 * Lists every page of a collection (`path` such as "/api/v1/pods", optionally with a
 * "?labelSelector=..." query) with limit=`page_size` (0 = 500) and continue tokens. *out
 * receives a new {"kind":..,"metadata":{"resourceVersion":..},"items":[...]} with all items.
 * An expired continue token (410) restarts the list once from the beginning.
 */
int jn_kube_list(struct jn_kube_client *client, const char *path, size_t page_size,
	json_t **out, struct jn_error *err);

/** Creates a Node (status may be set on create). *out (may be NULL) is the created object. */
int jn_kube_create_node(struct jn_kube_client *client, const json_t *node, json_t **out,
	struct jn_error *err);
/** JSON merge patch (RFC 7386) of a node, or of its status when `status` is true. */
int jn_kube_patch_node(struct jn_kube_client *client, const char *name, const json_t *patch,
	bool status, json_t **out, struct jn_error *err);
/** Deletes a node; `uid` (may be NULL) is a precondition. NOT_FOUND when already gone. */
int jn_kube_delete_node(struct jn_kube_client *client, const char *name, const char *uid,
	struct jn_error *err);

/**
 * Evicts a pod (policy/v1 Eviction, the uid as precondition when non-NULL). A refusal by a
 * PodDisruptionBudget is a 429 that will not clear in seconds: it comes back at once as
 * JN_ERR_THROTTLED (no Retry-After retry) so that the drain decides when to try again. A pod
 * already gone is JN_ERR_NOT_FOUND. Note: with a uid that does not match, the apiserver
 * retries the conflict internally until the request times out (JN_ERR_TIMEOUT here).
 */
int jn_kube_evict(struct jn_kube_client *client, const char *ns, const char *name,
	const char *uid, struct jn_error *err);

/**
 * Creates a core/v1 Event about an object (`kind` "Pod" or "Node", its namespace ("" for
 * cluster-scoped objects), name and uid): type "Normal" or "Warning", a CamelCase reason and a
 * message, reported by `component`. The Event goes in the object's namespace ("default" for
 * cluster-scoped objects) with a generated name.
 */
int jn_kube_create_event(struct jn_kube_client *client, const char *kind, const char *ns,
	const char *name, const char *uid, const char *type, const char *reason,
	const char *message, const char *component, struct jn_error *err);

/** coordination.k8s.io/v1 Lease get / create / update (update carries metadata.resourceVersion,
 * so a concurrent writer gives JN_ERR_CONFLICT). *out (may be NULL) is a new reference. */
int jn_kube_get_lease(struct jn_kube_client *client, const char *ns, const char *name,
	json_t **out, struct jn_error *err);
int jn_kube_create_lease(struct jn_kube_client *client, const char *ns, const json_t *lease,
	json_t **out, struct jn_error *err);
int jn_kube_update_lease(struct jn_kube_client *client, const char *ns, const json_t *lease,
	json_t **out, struct jn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* List and watch                                                                              */

enum jn_watch_event {
	/*
	 * A (re)list starts; obj is NULL. The items of the list follow as JN_WATCH_ADDED and
	 * on_synced() ends it: anything the handler held that was not announced in between is
	 * gone (deleted while the watch was down). This is client-go's Replace().
	 */
	JN_WATCH_LIST_BEGIN = 0,
	JN_WATCH_ADDED,
	JN_WATCH_MODIFIED,
	JN_WATCH_DELETED,               /* obj is the last state seen by the apiserver */
	JN_WATCH_BOOKMARK,              /* obj carries only metadata.resourceVersion */
};

/** "list-begin", "added", "modified", "deleted", "bookmark". Static storage. */
const char *jn_watch_event_name(enum jn_watch_event ev);

/*
 * The seam a watch feeds (a cache, a test recorder). Called on the watch's thread, one call at a
 * time, in the order of the stream. obj is borrowed for the duration of the call.
 */
struct jn_watch_handler {
	void (*on_event)(void *ctx, enum jn_watch_event ev, const json_t *obj);
	/** A list has been delivered whole (after the first list and after every relist). */
	void (*on_synced)(void *ctx);
};

struct jn_kube_watch_options {
	const char *path;               /* collection, e.g. "/api/v1/nodes"; copied */
	const char *label_selector;     /* NULL = all; copied */
	const char *field_selector;     /* NULL = all; copied */
	struct jn_watch_handler handler;
	void *ctx;                      /* borrowed; passed to the handler */
	size_t max_event_bytes;         /* one event line; 0 = 8 MiB (past it: relist) */
	int64_t backoff_base_ms;        /* first reconnect delay; 0 = 200 */
	int64_t backoff_cap_ms;         /* 0 = 30000 */
	unsigned timeout_seconds;       /* server-side watch timeout; 0 = 300..600 at random */
	size_t page_size;               /* list page size; 0 = 500 */
	/* Resume: watch from this resourceVersion without listing first (the handler already holds
	 * the state at it). The handler then sees no LIST_BEGIN or on_synced until a 410 or an
	 * over-cap event forces a relist. NULL = list first. Copied. */
	const char *resource_version;
};

struct jn_kube_watch;

/**
 * Starts list+watch on its own thread: list (LIST_BEGIN, ADDED..., on_synced), then watch from
 * the list's resourceVersion with allowWatchBookmarks. A stream that ends is reopened from the
 * last resourceVersion seen; a 410 Gone (HTTP, or an ERROR event with code 410) or an over-cap
 * event relists; failures (and a stream that ends without one event) reconnect after a capped
 * exponential backoff with jitter (between d/2 and d, d = min(cap, base*2^n)), reset once a
 * stream delivers an event or a list succeeds. Returns an
 * owned watch, or NULL with err set when the thread cannot start.
 */
struct jn_kube_watch *jn_kube_watch_start(struct jn_kube_client *client,
	const struct jn_kube_watch_options *opts, struct jn_error *err);

/**
 * Stops the thread and frees the watch; NULL is ok. A stream or a backoff wait stops within
 * about a second; a list request in flight is not interrupted and finishes first (bounded by
 * the client's timeout_ms).
 */
void jn_kube_watch_stop(struct jn_kube_watch *watch);

/** Counters for tests and metrics (read without locking; approximate while running). */
struct jn_kube_watch_stats {
	uint64_t lists;         /* complete lists delivered */
	uint64_t streams;       /* watch streams opened */
	uint64_t events;        /* events delivered (bookmarks included) */
	uint64_t gone;          /* 410s seen */
	uint64_t errors;        /* failed lists or streams */
};
void jn_kube_watch_stats(const struct jn_kube_watch *watch, struct jn_kube_watch_stats *out);

#endif
