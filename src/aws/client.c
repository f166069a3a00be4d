/*
 * The Query-protocol client: sign, send, parse, retry.
 *
 * Retry policy (botocore "standard" mode, ec2.md §1.4): throttling codes, 5xx answers, timeouts
 * and connection failures are retried; anything else (invalid parameters, auth, not found) is
 * returned at once, because sending it again cannot change the answer. Backoff is full jitter
 * (AWS Architecture Blog "Exponential Backoff And Jitter"): sleep uniform(0, min(cap, base*2^n)),
 * which spreads a throttled fleet of callers instead of retrying them in lockstep. Sleeping goes
 * through the clock seam so tests with the fake clock run instantly and can read the delays.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jitnode/aws.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/log.h"

struct jn_aws_client {
	char *service;
	char *region;
	char *url;                  /* endpoint + "/" */
	char *host;                 /* authority as written in the endpoint: "127.0.0.1:5000" */
	char *path;                 /* the endpoint's path prefix + "/" */
	struct jn_aws_client_config cfg;
	struct jn_aws_transport *transport;
	struct jn_aws_credentials_provider *creds;
	const struct jn_clock *clock;
	struct jn_logger *log;
	pthread_mutex_t lock;       /* guards rng and stats */
	uint64_t rng;
	struct jn_aws_client_stats stats;
};

struct jn_aws_client *jn_aws_client_create(const struct jn_aws_client_config *config,
	struct jn_aws_transport *transport, struct jn_aws_credentials_provider *creds,
	const struct jn_clock *clock, struct jn_logger *log)
{
	struct jn_aws_client *c = jn_xcalloc(1, sizeof(*c));
	c->cfg = *config;
	c->service = jn_xstrdup(config->service);
	c->region = jn_xstrdup(config->region);
	c->cfg.service = c->service;
	c->cfg.region = c->region;
	c->cfg.endpoint = NULL;
	if (c->cfg.timeout_ms <= 0)
		c->cfg.timeout_ms = 10000;
	if (c->cfg.max_attempts <= 0)
		c->cfg.max_attempts = 5;
	if (c->cfg.base_delay_ns <= 0)
		c->cfg.base_delay_ns = 100 * JN_NS_PER_MS;
	if (c->cfg.max_delay_ns <= 0)
		c->cfg.max_delay_ns = 20 * JN_NS_PER_SEC;
	if (c->cfg.max_response_bytes == 0)
		c->cfg.max_response_bytes = 16u << 20;
	c->rng = config->jitter_seed ? config->jitter_seed : UINT64_C(0x9e3779b97f4a7c15);

	/* Split "scheme://authority/prefix" once; the signature must cover what curl sends. */
	const char *ep = config->endpoint;
	const char *auth = strstr(ep, "://");
	auth = auth ? auth + 3 : ep;
	const char *slash = strchr(auth, '/');
	size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
	c->host = jn_xstrndup(auth, alen);
	const char *prefix = slash ? slash : "";
	size_t plen = strlen(prefix);
	while (plen > 0 && prefix[plen - 1] == '/')
		plen--;
	c->path = jn_xasprintf("%.*s/", (int)plen, prefix);
	c->url = jn_xasprintf("%.*s%s", (int)(auth - ep + alen), ep, c->path);
	c->transport = transport;
	c->creds = creds;
	c->clock = clock;
	c->log = log;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void jn_aws_client_destroy(struct jn_aws_client *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->service);
	free(c->region);
	free(c->url);
	free(c->host);
	free(c->path);
	free(c);
}

void jn_aws_client_stats(struct jn_aws_client *c, struct jn_aws_client_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

/* splitmix64: tiny, seedable, good enough to spread retries. */
static uint64_t next_random(struct jn_aws_client *c)
{
	uint64_t z = (c->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int64_t backoff_ns(struct jn_aws_client *c, int attempt)
{
	int64_t ceiling = c->cfg.base_delay_ns;
	for (int i = 0; i < attempt && ceiling < c->cfg.max_delay_ns; i++)
		ceiling *= 2;
	ceiling = JN_MIN(ceiling, c->cfg.max_delay_ns);
	pthread_mutex_lock(&c->lock);
	int64_t d = (int64_t)(next_random(c) % (uint64_t)(ceiling + 1));
	c->stats.slept_ns += d;
	pthread_mutex_unlock(&c->lock);
	return d;
}

static void count(struct jn_aws_client *c, uint64_t *field)
{
	pthread_mutex_lock(&c->lock);
	(*field)++;
	pthread_mutex_unlock(&c->lock);
}

/* What one protocol sends and how it reads the answer. */
struct protocol {
	const char *content_type;
	const char *target;         /* X-Amz-Target (JSON protocol), or NULL */
	/* Reads a 2xx body into the caller's out; -1 with err when it is not the expected format. */
	int (*parse)(const char *body, size_t len, void *out, struct jn_error *err);
	/* Turns an error answer into err (and code); returns -1. */
	int (*error)(long status, const char *body, size_t len, char *code, size_t code_size,
		struct jn_error *err);
	void *out;
};

/* One signed POST. Returns 0 with the parsed answer, or -1 with err (and code) filled. */
static int attempt_once(struct jn_aws_client *c, const struct jn_buf *body,
	const struct protocol *proto, char *code, size_t code_size, struct jn_error *err)
{
	struct jn_aws_credentials creds = { 0 };
	if (jn_aws_credentials_get(c->creds, &creds, err) < 0)
		return -1;
	char date[17];
	jn_aws_amz_date(jn_clock_wall_ns(c->clock), date, sizeof(date));
	struct jn_aws_header hs[5] = {
		{ "Host", c->host },
		{ "X-Amz-Date", date },
		{ "Content-Type", proto->content_type },
	};
	size_t nh = 3;
	if (proto->target)
		hs[nh++] = (struct jn_aws_header){ "X-Amz-Target", proto->target };
	if (creds.session_token)
		hs[nh++] = (struct jn_aws_header){ "X-Amz-Security-Token", creds.session_token };
	struct jn_sigv4_input in = {
		.method = "POST", .path = c->path, .headers = hs, .n_headers = nh,
		.payload = body->data, .payload_len = body->len,
		.region = c->region, .service = c->service, .amz_date = date,
	};
	struct jn_sigv4_output sig;
	jn_sigv4_output_init(&sig);
	struct jn_aws_http_response resp = { 0 };
	jn_buf_init(&resp.body, c->cfg.max_response_bytes);
	int rc = -1;
	if (jn_sigv4_sign(&in, &creds, &sig, err) < 0)
		goto done;
	struct jn_aws_header all[6];
	memcpy(all, hs, sizeof(hs[0]) * nh);
	all[nh] = (struct jn_aws_header){ "Authorization", jn_buf_cstr(&sig.authorization) };
	struct jn_aws_http_request req = {
		.method = "POST", .url = c->url, .headers = all, .n_headers = nh + 1,
		.body = body->data, .body_len = body->len, .timeout_ms = c->cfg.timeout_ms,
	};
	count(c, &c->stats.attempts);
	if (jn_aws_transport_send(c->transport, &req, &resp, err) < 0)
		goto done;
	if (resp.status < 200 || resp.status >= 300) {
		proto->error(resp.status, resp.body.data, resp.body.len, code, code_size, err);
		goto done;
	}
	rc = proto->parse(resp.body.data ? resp.body.data : "", resp.body.len, proto->out, err);
done:
	jn_sigv4_output_release(&sig);
	jn_buf_release(&resp.body);
	jn_aws_credentials_release(&creds);
	return rc;
}

static int parse_xml(const char *body, size_t len, void *out, struct jn_error *err)
{
	return jn_xml_parse(body, len, NULL, out, err);
}

static int parse_json(const char *body, size_t len, void *out, struct jn_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, 0, &jerr);
	if (!doc)
		return jn_error_set(err, JN_ERR_INVALID, "answer is not json: %s (line %d, column %d)",
			jerr.text, jerr.line, jerr.column);
	*(json_t **)out = doc;
	return 0;
}

static int call_with_retries(struct jn_aws_client *c, const char *action, const struct jn_buf *body,
	const struct protocol *proto, const struct jn_aws_retry_guard *guard, char *code,
	size_t code_size, struct jn_error *err);

static bool retryable(enum jn_error_kind kind)
{
	return kind == JN_ERR_THROTTLED || kind == JN_ERR_UNAVAILABLE || kind == JN_ERR_TIMEOUT;
}

int jn_aws_client_call(struct jn_aws_client *c, const struct jn_aws_query *q,
	struct jn_xml_node **out, char *code, size_t code_size, struct jn_error *err)
{
	return jn_aws_client_call_guarded(c, q, NULL, out, code, code_size, err);
}

int jn_aws_client_call_guarded(struct jn_aws_client *c, const struct jn_aws_query *q,
	const struct jn_aws_retry_guard *guard, struct jn_xml_node **out, char *code,
	size_t code_size, struct jn_error *err)
{
	*out = NULL;
	struct jn_buf body;
	jn_buf_init(&body, JN_BUF_UNLIMITED);
	jn_aws_query_encode(q, &body, NULL);
	struct protocol proto = {
		.content_type = "application/x-www-form-urlencoded; charset=utf-8",
		.parse = parse_xml, .error = jn_aws_error_from_response, .out = out,
	};
	int rc = call_with_retries(c, jn_aws_query_action(q), &body, &proto, guard, code, code_size,
		err);
	jn_buf_release(&body);
	return rc;
}

int jn_aws_client_call_json(struct jn_aws_client *c, const char *target, const char *body,
	struct json_t **out, char *code, size_t code_size, struct jn_error *err)
{
	*out = NULL;
	struct jn_buf buf;
	jn_buf_init(&buf, JN_BUF_UNLIMITED);
	jn_buf_append(&buf, body, strlen(body), NULL);
	struct protocol proto = {
		.content_type = "application/x-amz-json-1.1", .target = target,
		.parse = parse_json, .error = jn_aws_json_error_from_response, .out = out,
	};
	/* "AmazonSSM.GetParameter" names the call in errors as the Action does for EC2 */
	const char *dot = strrchr(target, '.');
	int rc = call_with_retries(c, dot ? dot + 1 : target, &buf, &proto, NULL, code, code_size,
		err);
	jn_buf_release(&buf);
	return rc;
}

static int call_with_retries(struct jn_aws_client *c, const char *action, const struct jn_buf *body,
	const struct protocol *proto, const struct jn_aws_retry_guard *guard, char *code,
	size_t code_size, struct jn_error *err)
{
	if (code && code_size)
		code[0] = '\0';
	count(c, &c->stats.calls);
	struct jn_error local;
	if (!err)
		err = &local;
	int rc = -1, attempt = 0;
	for (;;) {
		jn_error_clear(err);
		if (attempt_once(c, body, proto, code, code_size, err) == 0) {
			rc = 0;
			break;
		}
		if (err->kind == JN_ERR_THROTTLED)
			count(c, &c->stats.throttled);
		else if (err->kind == JN_ERR_UNAVAILABLE || err->kind == JN_ERR_TIMEOUT)
			count(c, &c->stats.server_errors);
		attempt++;
		if (!retryable(err->kind) || attempt >= c->cfg.max_attempts)
			break;
		int64_t delay = backoff_ns(c, attempt - 1);
		if (c->log)
			jn_log_warn(c->log, "retrying aws call", JN_LOG_STR("action", action),
				JN_LOG_INT("attempt", attempt), JN_LOG_INT("delay_ms", delay / JN_NS_PER_MS),
				JN_LOG_STR("reason", jn_error_kind_name(err->kind)),
				JN_LOG_STR("error", err->msg));
		count(c, &c->stats.retries);
		jn_clock_sleep_until(c->clock, jn_clock_mono_ns(c->clock) + delay);
		if (guard) {
			struct jn_error gerr;
			int g = guard->before_retry(guard->ctx, attempt + 1, &gerr);
			if (g != 0) {
				rc = g > 0 ? 1 : -1;
				if (g < 0)
					*err = gerr;
				break;
			}
		}
	}
	if (rc < 0) {
		if (attempt > 1 && retryable(err->kind))
			jn_error_prefix(err, "calling %s (gave up after %d attempts)", action, attempt);
		else
			jn_error_prefix(err, "calling %s", action);
	}
	return rc;
}
