#ifndef JITNODE_HTTP_H
#define JITNODE_HTTP_H

/*
 * The HTTP server jitnode's webhooks and health/metrics routes run on (libmicrohttpd).
 *
 * Routes are a static table of (method, path, handler), matched exactly (sway's command table).
 * A handler gets the whole request body, already capped at `max_body` bytes (a larger body is
 * answered 413 without calling it), and fills a response. Handlers run several at once and must
 * be thread-safe. Fast handlers run on the event threads that serve the connections; a route
 * marked `blocking` (it waits on another server, like a bind on the apiserver) runs on a pool of
 * worker threads while its connection is suspended, so a slow apiserver never stalls the other
 * connections of an event thread and no thread is created per connection.
 *
 * TLS is optional: give a certificate and key (PEM) to serve HTTPS, and a CA to require and
 * verify client certificates.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/buf.h"

struct jn_error;

struct jn_http_request {
	const char *method;     /* borrowed, e.g. "POST" */
	const char *path;       /* borrowed, without the query string */
	const char *body;       /* borrowed, NUL-terminated (the NUL is not counted) */
	size_t body_len;
};

struct jn_http_response {
	int status;                 /* 200 unless the handler says otherwise */
	const char *content_type;   /* static string; "application/json" by default */
	struct jn_buf body;         /* the handler appends here; freed by the server */
};

/** Returns 0, or -1 to answer 500 with the error's message (a bug path, not a protocol answer). */
typedef int (*jn_http_handler_fn)(void *ctx, const struct jn_http_request *req,
	struct jn_http_response *resp, struct jn_error *err);

struct jn_http_route {
	const char *method;
	const char *path;
	jn_http_handler_fn handler;
	void *ctx;                  /* borrowed; handed to the handler */
	bool blocking;              /* the handler waits on I/O (a bind): run it on a worker */
};

struct jn_http_server_options {
	const char *address;        /* "127.0.0.1", "0.0.0.0", "::" ; NULL = all IPv4 */
	uint16_t port;              /* 0 picks a free port (see jn_http_server_port) */
	unsigned threads;           /* event threads (epoll) serving connections; 0 = 2 */
	unsigned workers;           /* threads running blocking handlers; 0 = 64 */
	unsigned max_connections;   /* 0 = 1024 */
	size_t max_body;            /* 0 = 4 MiB */
	unsigned timeout_seconds;   /* idle connection timeout; 0 = 60 */
	const char *tls_cert_pem;   /* NULL = plain HTTP; else the serving certificate (PEM text) */
	const char *tls_key_pem;
	const char *tls_client_ca_pem; /* non-NULL: require and verify client certificates */
};

struct jn_http_server;

/**
 * Starts serving `routes` (borrowed, n_routes entries; must outlive the server). Returns an
 * owned server, or NULL with err set (JN_ERR_IO when the address cannot be bound).
 */
struct jn_http_server *jn_http_server_start(const struct jn_http_server_options *opts,
	const struct jn_http_route *routes, size_t n_routes, struct jn_error *err);
/** The port actually bound (useful with port 0). */
uint16_t jn_http_server_port(const struct jn_http_server *srv);
/** Stops accepting, waits for handlers in flight, frees everything. NULL is allowed. */
void jn_http_server_stop(struct jn_http_server *srv);

/** Appends text to resp->body (no cap: the handler decides what it writes). */
void jn_http_response_append(struct jn_http_response *resp, const char *text, size_t len);

#endif
