/*
 * The API client: a pool of reused curl easy handles over one share handle.
 *
 * Why a pool and a share: an easy handle keeps its connections open between transfers, so a
 * handle that is reused avoids the TCP and TLS handshakes; the share handle puts connections,
 * DNS answers and TLS sessions in one place, so whichever pooled handle a thread borrows finds a
 * warm connection. The pool grows to the number of threads that call at once and never
 * shrinks (the extender's thread pool bounds it).
 *
 * Locks: pool_mu guards the idle list, token_mu the bearer token, the bucket its own counters,
 * and the share handle takes one mutex per kind of shared data through curl's callbacks. No
 * lock is held during a transfer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "kube_internal.h"

/* How often the token file is stat()ed, and how often it is re-read regardless of mtime. */
#define TOKEN_STAT_NS (1 * JN_NS_PER_SEC)
#define TOKEN_REREAD_NS (60 * JN_NS_PER_SEC)
#define MAX_TOKEN (64u << 10)
/* The body of a failed answer that we keep for its Status message. */
#define MAX_ERROR_BODY (64u << 10)

struct jn_kube_client {
	struct jn_kube_config cfg;              /* deep copy; the token member is guarded */
	double qps;
	int burst;
	int64_t timeout_ms;
	int64_t connect_timeout_ms;
	size_t max_response;
	int max_retries_429;
	char *user_agent;
	const struct jn_clock *clock;
	struct jn_logger *log;

	pthread_mutex_t token_mu;
	char *token;                            /* current bearer token, owned; may be NULL */
	int64_t token_checked_ns;
	int64_t token_read_ns;
	struct timespec token_mtime;
	off_t token_size;

	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];

	pthread_mutex_t pool_mu;
	CURL **idle;
	size_t n_idle;
	size_t cap_idle;

	struct jn_kube_bucket bucket;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
	struct jn_kube_client *c = ctx;
	pthread_mutex_lock(&c->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
	struct jn_kube_client *c = ctx;
	pthread_mutex_unlock(&c->share_mu[data]);
}

static char *dup_or_null(const char *s)
{
	return s ? jn_xstrdup(s) : NULL;
}

static void trim_token(char *t)
{
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
		t[--n] = '\0';
}

/* (Re)reads the token file under token_mu. Keeps the old token when the read fails. */
static int read_token_file(struct jn_kube_client *c, int64_t now, struct jn_error *err)
{
	struct stat st;
	struct jn_buf buf;
	jn_buf_init(&buf, MAX_TOKEN);
	if (stat(c->cfg.token_file, &st) < 0 || jn_buf_read_file(&buf, c->cfg.token_file, err) < 0) {
		jn_buf_release(&buf);
		return jn_error_set(err, JN_ERR_IO, "reading the token file '%s'", c->cfg.token_file);
	}
	free(c->token);
	c->token = jn_buf_detach(&buf, NULL);
	trim_token(c->token);
	c->token_mtime = st.st_mtim;
	c->token_size = st.st_size;
	c->token_read_ns = now;
	c->token_checked_ns = now;
	return 0;
}

/* Owned "Authorization: Bearer ..." header for this request, or NULL. */
static char *auth_header(struct jn_kube_client *c)
{
	pthread_mutex_lock(&c->token_mu);
	if (c->cfg.token_file) {
		int64_t now = jn_clock_mono_ns(c->clock);
		if (now - c->token_checked_ns >= TOKEN_STAT_NS) {
			c->token_checked_ns = now;
			struct stat st;
			bool changed = stat(c->cfg.token_file, &st) == 0 &&
				(st.st_mtim.tv_sec != c->token_mtime.tv_sec ||
				 st.st_mtim.tv_nsec != c->token_mtime.tv_nsec ||
				 st.st_size != c->token_size);
			struct jn_error err;
			if ((changed || now - c->token_read_ns >= TOKEN_REREAD_NS) &&
				read_token_file(c, now, &err) < 0)
				jn_log_warn(c->log, "kept the previous token", JN_LOG_STR("error", err.msg));
		}
	}
	char *h = c->token && *c->token ? jn_xasprintf("Authorization: Bearer %s", c->token) : NULL;
	pthread_mutex_unlock(&c->token_mu);
	return h;
}

struct jn_kube_client *jn_kube_client_create(const struct jn_kube_config *cfg,
	const struct jn_kube_client_options *opts, struct jn_error *err)
{
	static const struct jn_kube_client_options defaults = { 0 };
	if (!opts)
		opts = &defaults;
	if (!cfg->server || (strncmp(cfg->server, "https://", 8) != 0 &&
		strncmp(cfg->server, "http://", 7) != 0)) {
		jn_error_set(err, JN_ERR_INVALID, "creating the kube client: invalid server \"%s\"",
			cfg->server ? cfg->server : "");
		return NULL;
	}
	struct jn_kube_client *c = jn_xcalloc(1, sizeof(*c));
	c->cfg.server = jn_xstrdup(cfg->server);
	c->cfg.token_file = dup_or_null(cfg->token_file);
	c->cfg.ca_pem = dup_or_null(cfg->ca_pem);
	c->cfg.client_cert_pem = dup_or_null(cfg->client_cert_pem);
	c->cfg.client_key_pem = dup_or_null(cfg->client_key_pem);
	c->cfg.insecure = cfg->insecure;
	c->cfg.context = dup_or_null(cfg->context);
	c->cfg.namespace_ = dup_or_null(cfg->namespace_);
	c->token = dup_or_null(cfg->token);
	c->qps = opts->qps == 0 ? 50 : opts->qps;
	c->burst = opts->burst > 0 ? opts->burst : 100;
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 5000;
	c->max_response = opts->max_response > 0 ? opts->max_response : (256u << 20);
	c->max_retries_429 = opts->max_retries_429 == 0 ? 3 : JN_MAX(opts->max_retries_429, 0);
	c->user_agent = jn_xstrdup(opts->user_agent ? opts->user_agent : "jitnode/0.1");
	c->clock = opts->clock ? opts->clock : jn_clock_real();
	c->log = opts->log;
	pthread_mutex_init(&c->token_mu, NULL);
	pthread_mutex_init(&c->pool_mu, NULL);
	for (size_t i = 0; i < JN_ARRAY_LEN(c->share_mu); i++)
		pthread_mutex_init(&c->share_mu[i], NULL);
	jn_kube_bucket_init(&c->bucket, c->qps, c->burst, jn_clock_mono_ns(c->clock));
	/* Reference-counted and thread-safe since curl 7.84. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->share = curl_share_init();
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	if (c->cfg.token_file &&
		read_token_file(c, jn_clock_mono_ns(c->clock), err) < 0) {
		jn_error_prefix(err, "creating the kube client");
		jn_kube_client_destroy(c);
		return NULL;
	}
	return c;
}

void jn_kube_client_destroy(struct jn_kube_client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_idle; i++)
		curl_easy_cleanup(c->idle[i]);
	free(c->idle);
	if (c->share)
		curl_share_cleanup(c->share);
	curl_global_cleanup();
	jn_kube_bucket_release(&c->bucket);
	for (size_t i = 0; i < JN_ARRAY_LEN(c->share_mu); i++)
		pthread_mutex_destroy(&c->share_mu[i]);
	pthread_mutex_destroy(&c->pool_mu);
	pthread_mutex_destroy(&c->token_mu);
	free(c->token);
	free(c->user_agent);
	jn_kube_config_release(&c->cfg);
	free(c);
}

const char *jn_kube_client_server(const struct jn_kube_client *c)
{
	return c->cfg.server;
}

const struct jn_clock *jn_kube_client_clock(const struct jn_kube_client *c)
{
	return c->clock;
}

struct jn_logger *jn_kube_client_log(const struct jn_kube_client *c)
{
	return c->log;
}

static CURL *acquire(struct jn_kube_client *c)
{
	pthread_mutex_lock(&c->pool_mu);
	CURL *h = c->n_idle ? c->idle[--c->n_idle] : NULL;
	pthread_mutex_unlock(&c->pool_mu);
	if (!h) {
		h = curl_easy_init();
		if (!h) {
			fprintf(stderr, "jitnode: out of memory creating a curl handle\n");
			abort();
		}
	}
	return h;
}

static void give_back(struct jn_kube_client *c, CURL *h)
{
	/* reset keeps live connections, caches and the share; options are set anew per call. */
	curl_easy_reset(h);
	pthread_mutex_lock(&c->pool_mu);
	*JN_PUSH(c->idle, c->n_idle, c->cap_idle) = h;
	pthread_mutex_unlock(&c->pool_mu);
}

void jn_kube_escape(struct jn_buf *buf, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			jn_buf_append(buf, s, 1, NULL);
		} else {
			char enc[3] = { '%', hex[ch >> 4], hex[ch & 15] };
			jn_buf_append(buf, enc, 3, NULL);
		}
	}
}

/* Per-transfer state the curl callbacks write into. */
struct transfer {
	CURL *h;
	struct jn_kube_call *call;
	struct jn_buf body;         /* the buffered answer, or a failed stream's error body */
	bool over_cap;
	int64_t retry_after;        /* seconds; -1 when absent */
};

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		char value[32];
		size_t vlen = JN_MIN(len - (sizeof(name) - 1), sizeof(value) - 1);
		memcpy(value, data + sizeof(name) - 1, vlen);
		value[vlen] = '\0';
		t->retry_after = jn_kube_parse_retry_after(value);
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	if (t->call->sink) {
		long status = 0;
		curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
			return t->call->sink(t->call->sink_ctx, data, len);
	}
	if (jn_buf_append(&t->body, data, len, NULL) < 0) {
		t->over_cap = true;
		return 0;       /* CURLE_WRITE_ERROR ends the transfer */
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	curl_off_t ulnow)
{
	struct transfer *t = ctx;
	return t->call->abort && t->call->abort(t->call->sink_ctx) ? 1 : 0;
}

/* Connections kept open to the apiserver, at most (one per concurrent caller). */
#define KUBE_MAX_CONNECTIONS 256

static struct curl_slist *set_options(struct jn_kube_client *c, struct transfer *t,
	int64_t timeout_ms, char *errbuf)
{
	struct jn_kube_call *call = t->call;
	CURL *h = t->h;
	char *url = jn_xasprintf("%s%s", c->cfg.server, call->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);      /* curl copies string options */
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	/*
	 * The shared connection cache is pruned to the handle's MAXCONNECTS (default 5) after
	 * every transfer: with more concurrent callers than that, connections were closed and the
	 * next requests paid a new TLS handshake. Keep as many as the pool may hold.
	 */
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, (long)KUBE_MAX_CONNECTIONS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	if (call->idle_timeout_s > 0) {
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, call->idle_timeout_s);
	}
	if (call->abort) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
	}
	if (c->cfg.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->cfg.ca_pem) {
		struct curl_blob blob = { c->cfg.ca_pem, strlen(c->cfg.ca_pem), CURL_BLOB_NOCOPY };
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	}
	if (c->cfg.client_cert_pem) {
		struct curl_blob cert = { c->cfg.client_cert_pem, strlen(c->cfg.client_cert_pem),
			CURL_BLOB_NOCOPY };
		struct curl_blob key = { c->cfg.client_key_pem, strlen(c->cfg.client_key_pem),
			CURL_BLOB_NOCOPY };
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
	headers = curl_slist_append(headers, "Expect:");
	char *auth = auth_header(c);
	if (auth) {
		headers = curl_slist_append(headers, auth);
		free(auth);
	}
	if (strcmp(call->method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call->method);
	if (call->body) {
		char *ct = jn_xasprintf("Content-Type: %s",
			call->content_type ? call->content_type : "application/json");
		headers = curl_slist_append(headers, ct);
		free(ct);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, call->body);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	return headers;
}

/* The method lowercased into m (16 bytes), for error text. */
static const char *lower(const char *method, char *m)
{
	size_t i = 0;
	for (; method[i] && i < 15; i++)
		m[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] - 'A' + 'a' : method[i]);
	m[i] = '\0';
	return m;
}

static int decode(const struct jn_kube_call *call, const struct jn_buf *body, json_t **out,
	struct jn_error *err)
{
	if (!out)
		return 0;
	*out = NULL;
	if (body->len == 0)
		return 0;
	json_error_t jerr;
	*out = json_loadb(body->data, body->len, JSON_DECODE_ANY, &jerr);
	if (!*out) {
		char m[16];
		return jn_error_set(err, JN_ERR_INVALID, "%s %s: decoding the answer: %s",
			lower(call->method, m), call->path, jerr.text);
	}
	return 0;
}

int jn_kube_call(struct jn_kube_client *c, struct jn_kube_call *call, json_t **out,
	struct jn_error *err)
{
	if (out)
		*out = NULL;
	bool streaming = call->sink != NULL;
	int64_t start = jn_clock_mono_ns(c->clock);
	int64_t deadline = start + c->timeout_ms * JN_NS_PER_MS;
	int retries = call->no_retry ? 0 : c->max_retries_429;
	struct transfer t = { .call = call };
	jn_buf_init(&t.body, streaming ? MAX_ERROR_BODY : c->max_response);
	int rc = -1;
	for (int attempt = 0;; attempt++) {
		if (!streaming) {
			int64_t go = jn_kube_bucket_reserve(&c->bucket, jn_clock_mono_ns(c->clock));
			if (go > jn_clock_mono_ns(c->clock))
				jn_clock_sleep_until(c->clock, go);
		}
		int64_t left_ms = (deadline - jn_clock_mono_ns(c->clock)) / JN_NS_PER_MS;
		if (!streaming && left_ms <= 0) {
			jn_kube_curl_error(call->method, call->path, CURLE_OPERATION_TIMEDOUT,
				"timed out waiting for the client rate limiter", err);
			goto done;
		}
		char errbuf[CURL_ERROR_SIZE] = "";
		t.h = acquire(c);
		jn_buf_reset(&t.body);
		t.over_cap = false;
		t.retry_after = -1;
		struct curl_slist *headers = set_options(c, &t, streaming ? 0 : left_ms, errbuf);
		CURLcode cc = curl_easy_perform(t.h);
		call->status = 0;
		curl_easy_getinfo(t.h, CURLINFO_RESPONSE_CODE, &call->status);
		give_back(c, t.h);
		curl_slist_free_all(headers);
		if (cc != CURLE_OK && t.over_cap) {
			char m[16];
			jn_error_set(err, JN_ERR_TOO_LARGE, "%s %s: answer over %zu bytes",
				lower(call->method, m), call->path, t.body.limit);
			goto done;
		}
		if (cc == CURLE_ABORTED_BY_CALLBACK ||
			(cc == CURLE_WRITE_ERROR && streaming && call->status / 100 == 2)) {
			/* Stopped by the watch (its sink or its abort flag); it knows why. */
			rc = jn_error_set(err, JN_ERR_INTERNAL, "%s: stream stopped", call->path);
			goto done;
		}
		if (cc != CURLE_OK) {
			jn_kube_curl_error(call->method, call->path, cc, errbuf, err);
			goto done;
		}
		if (call->status >= 200 && call->status < 300) {
			rc = streaming ? 0 : decode(call, &t.body, out, err);
			goto done;
		}
		if (call->status == 429 && attempt < retries) {
			int64_t wait_ns = (t.retry_after >= 0 ? t.retry_after : 1) * JN_NS_PER_SEC;
			int64_t at = jn_clock_mono_ns(c->clock) + wait_ns;
			if (at < deadline) {
				jn_log_debug(c->log, "retrying after a 429", JN_LOG_STR("path", call->path),
					JN_LOG_INT("retry_after_s", wait_ns / JN_NS_PER_SEC));
				jn_clock_sleep_until(c->clock, at);
				continue;
			}
		}
		jn_kube_status_error(call->method, call->path, call->status, t.body.data, t.body.len,
			err);
		goto done;
	}
done:
	jn_buf_release(&t.body);
	return rc;
}

int jn_kube_request(struct jn_kube_client *c, const char *method, const char *path,
	const json_t *body, const char *content_type, json_t **out, int *status,
	struct jn_error *err)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (!content_type && body && strcmp(method, "PATCH") == 0)
		content_type = "application/merge-patch+json";
	struct jn_kube_call call = {
		.method = method,
		.path = path,
		.body = text,
		.body_len = text ? strlen(text) : 0,
		.content_type = content_type,
	};
	int rc = jn_kube_call(c, &call, out, err);
	if (status)
		*status = (int)call.status;
	free(text);
	return rc;
}
