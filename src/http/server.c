/*
 * libmicrohttpd glue. MHD calls the access handler several times per request: once with the
 * headers, then once per body chunk, then once with no data; the body is gathered into a capped
 * per-connection buffer and the route runs on the last call.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "jitnode/error.h"
#include "jitnode/http.h"

struct request_state;

/* Blocking handlers wait here for a worker; the connection is suspended meanwhile. */
struct work_queue {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct request_state *head, *tail;
	bool stopping;
	pthread_t *threads;
	size_t n_threads;
};

struct jn_http_server {
	struct MHD_Daemon *daemon;
	struct work_queue work;
	const struct jn_http_route *routes;
	size_t n_routes;
	size_t max_body;
	uint16_t port;
	bool verify_clients;    /* a client CA was given: every request needs a valid certificate */
};

struct request_state {
	struct jn_buf body;
	bool too_large;
	/* Set while a worker runs a blocking route; the answer waits in resp until resumed. */
	struct jn_http_server *srv;
	struct MHD_Connection *conn;
	const struct jn_http_route *route;
	const char *method, *path;         /* borrowed from MHD; valid while suspended */
	bool queued, done;
	int rc;
	struct jn_error err;
	struct jn_http_response resp;
	struct request_state *next;
};

static enum MHD_Result send_text(struct MHD_Connection *conn, int status, const char *type,
	const char *text, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)text,
		MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static const struct jn_http_route *find_route(const struct jn_http_server *srv,
	const char *method, const char *path, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < srv->n_routes; i++) {
		if (strcmp(srv->routes[i].path, path) != 0)
			continue;
		*path_known = true;
		if (strcmp(srv->routes[i].method, method) == 0)
			return &srv->routes[i];
	}
	return NULL;
}

static void run_route(struct request_state *st)
{
	struct jn_http_request req = {
		.method = st->method, .path = st->path,
		.body = jn_buf_cstr(&st->body), .body_len = st->body.len,
	};
	st->resp = (struct jn_http_response){ .status = 200, .content_type = "application/json" };
	jn_buf_init(&st->resp.body, JN_BUF_UNLIMITED);
	jn_error_clear(&st->err);
	st->rc = st->route->handler(st->route->ctx, &req, &st->resp, &st->err);
	st->done = true;
}

static enum MHD_Result answer(struct MHD_Connection *conn, struct request_state *st)
{
	enum MHD_Result rc;
	if (st->rc < 0)
		rc = send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", st->err.msg,
			strlen(st->err.msg));
	else
		rc = send_text(conn, st->resp.status, st->resp.content_type,
			jn_buf_cstr(&st->resp.body), st->resp.body.len);
	return rc;
}

static void *worker_main(void *arg)
{
	struct work_queue *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->head && !q->stopping)
			pthread_cond_wait(&q->cond, &q->mu);
		struct request_state *st = q->head;
		if (!st)
			break;
		q->head = st->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&q->mu);
		run_route(st);
		MHD_resume_connection(st->conn);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Hands st to a worker; false when the pool is stopping (the caller runs it inline). */
static bool enqueue(struct work_queue *q, struct request_state *st)
{
	pthread_mutex_lock(&q->mu);
	bool ok = !q->stopping && q->n_threads > 0;
	if (ok) {
		st->next = NULL;
		if (q->tail)
			q->tail->next = st;
		else
			q->head = st;
		q->tail = st;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->mu);
	return ok;
}

static enum MHD_Result dispatch(struct jn_http_server *srv, struct MHD_Connection *conn,
	const char *method, const char *path, struct request_state *st)
{
	if (st->done)
		return answer(conn, st);
	if (st->too_large) {
		char msg[128];
		int n = snprintf(msg, sizeof(msg), "request body larger than %zu bytes\n",
			srv->max_body);
		return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain", msg, (size_t)n);
	}
	bool path_known;
	const struct jn_http_route *route = find_route(srv, method, path, &path_known);
	if (!route) {
		const char *msg = path_known ? "method not allowed\n" : "not found\n";
		return send_text(conn, path_known ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND,
			"text/plain", msg, strlen(msg));
	}
	st->route = route;
	st->method = method;
	st->path = path;
	st->conn = conn;
	if (route->blocking && !st->queued) {
		MHD_suspend_connection(conn);
		st->queued = true;
		if (enqueue(&srv->work, st))
			return MHD_YES;
		MHD_resume_connection(conn);
	}
	run_route(st);
	return answer(conn, st);
}

/*
 * libmicrohttpd asks GnuTLS for a client certificate when a trust store is set but leaves the
 * verdict to the application; without this check any client, certificate or not, is served.
 */
static bool client_verified(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
		MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t session = info ? (gnutls_session_t)info->tls_session : NULL;
	if (!session)
		return false;
	unsigned n_certs = 0;
	if (!gnutls_certificate_get_peers(session, &n_certs) || n_certs == 0)
		return false;
	unsigned status = 0;
	return gnutls_certificate_verify_peers2(session, &status) == GNUTLS_E_SUCCESS && status == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
	const char *method, const char *version, const char *upload_data,
	size_t *upload_data_size, void **con_cls)
{
	struct jn_http_server *srv = cls;
	struct request_state *st = *con_cls;
	if (!st) {
		if (srv->verify_clients && !client_verified(conn)) {
			static const char denied[] = "a valid client certificate is required\n";
			return send_text(conn, MHD_HTTP_FORBIDDEN, "text/plain", denied,
				sizeof(denied) - 1);
		}
		st = jn_xcalloc(1, sizeof(*st));
		jn_buf_init(&st->body, srv->max_body);
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!st->too_large && jn_buf_append(&st->body, upload_data, *upload_data_size,
			NULL) < 0) {
			st->too_large = true;
			jn_buf_release(&st->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(srv, conn, method, url, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct request_state *st = *con_cls;
	if (!st)
		return;
	jn_buf_release(&st->body);
	if (st->done)
		jn_buf_release(&st->resp.body);
	free(st);
	*con_cls = NULL;
}

struct jn_http_server *jn_http_server_start(const struct jn_http_server_options *opts,
	const struct jn_http_route *routes, size_t n_routes, struct jn_error *err)
{
	struct jn_http_server *srv = jn_xcalloc(1, sizeof(*srv));
	pthread_mutex_init(&srv->work.mu, NULL);
	pthread_cond_init(&srv->work.cond, NULL);
	size_t workers = opts->workers ? opts->workers : 64u;
	srv->work.threads = jn_xcalloc(workers, sizeof(pthread_t));
	for (size_t i = 0; i < workers; i++) {
		if (pthread_create(&srv->work.threads[i], NULL, worker_main, &srv->work) != 0)
			break;
		srv->work.n_threads++;
	}
	srv->routes = routes;
	srv->n_routes = n_routes;
	srv->max_body = opts->max_body ? opts->max_body : 4u << 20;

	struct sockaddr_in6 addr6 = { .sin6_family = AF_INET6, .sin6_port = htons(opts->port) };
	struct sockaddr_in addr4 = { .sin_family = AF_INET, .sin_port = htons(opts->port) };
	const struct sockaddr *addr = (const struct sockaddr *)&addr4;
	/*
	 * A few epoll threads serve every connection and run the fast handlers; blocking ones go
	 * to the workers with their connection suspended. Measured at 32 concurrent binds, pool
	 * threads that blocked in binds doubled p99; a thread per connection fixed that but paid a
	 * thread for every connection kube-scheduler opens for its concurrent binds.
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_EPOLL |
		MHD_ALLOW_SUSPEND_RESUME;
	if (opts->address && strchr(opts->address, ':')) {
		if (inet_pton(AF_INET6, opts->address, &addr6.sin6_addr) != 1)
			goto bad_address;
		addr = (const struct sockaddr *)&addr6;
		flags |= MHD_USE_IPv6;
	} else if (opts->address) {
		if (inet_pton(AF_INET, opts->address, &addr4.sin_addr) != 1)
			goto bad_address;
	} else {
		addr4.sin_addr.s_addr = htonl(INADDR_ANY);
	}
	if (opts->tls_cert_pem)
		flags |= MHD_USE_TLS;

	struct MHD_OptionItem extra_opts[6];
	size_t n_extra = 0;
	extra_opts[n_extra++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE,
		(intptr_t)(opts->threads ? opts->threads : 2u), NULL };
	extra_opts[n_extra++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
		(intptr_t)(opts->max_connections ? opts->max_connections : 1024u), NULL };
	if (opts->tls_cert_pem) {
		extra_opts[n_extra++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
			(void *)opts->tls_cert_pem };
		extra_opts[n_extra++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
			(void *)opts->tls_key_pem };
		srv->verify_clients = opts->tls_client_ca_pem != NULL;
		if (opts->tls_client_ca_pem)
			extra_opts[n_extra++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0,
				(void *)opts->tls_client_ca_pem };
	}
	extra_opts[n_extra] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_seconds ? opts->timeout_seconds : 60u,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_ARRAY, extra_opts,
		MHD_OPTION_END);
	if (!srv->daemon) {
		jn_error_set(err, JN_ERR_IO, "starting the http server on %s:%u failed",
			opts->address ? opts->address : "0.0.0.0", (unsigned)opts->port);
		goto fail;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon,
		MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : opts->port;
	return srv;

bad_address:
	jn_error_set(err, JN_ERR_INVALID, "invalid listen address '%s'", opts->address);
fail:
	jn_http_server_stop(srv);
	return NULL;
}

uint16_t jn_http_server_port(const struct jn_http_server *srv)
{
	return srv->port;
}

void jn_http_server_stop(struct jn_http_server *srv)
{
	if (!srv)
		return;
	/* Workers finish what is queued (resuming those connections) before the daemon stops. */
	pthread_mutex_lock(&srv->work.mu);
	srv->work.stopping = true;
	pthread_cond_broadcast(&srv->work.cond);
	pthread_mutex_unlock(&srv->work.mu);
	for (size_t i = 0; i < srv->work.n_threads; i++)
		pthread_join(srv->work.threads[i], NULL);
	free(srv->work.threads);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	pthread_cond_destroy(&srv->work.cond);
	pthread_mutex_destroy(&srv->work.mu);
	free(srv);
}

void jn_http_response_append(struct jn_http_response *resp, const char *text, size_t len)
{
	jn_buf_append(&resp->body, text, len, NULL);
}
