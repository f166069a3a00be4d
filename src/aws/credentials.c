/*
 * The credentials chain (ec2.md §3.1) and its cache.
 *
 * Sources, in botocore's order: environment, shared credentials/config files, web identity
 * (IRSA), container (EKS Pod Identity), IMDSv2. The first source that is configured decides:
 * a configured web identity or container source that fails is an error, not a reason to fall
 * through to IMDS (botocore does the same; silently using the node's role instead of the pod's
 * would be a security surprise). The chosen source is remembered and asked again to refresh.
 *
 * Cache: credentials are refetched once they are within REFRESH_WINDOW of expiring; if the
 * refetch fails while they are still valid, the old ones are served and the failure is logged,
 * so a blip of the STS or IMDS endpoint never stops launches.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws_internal.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/log.h"

#define REFRESH_WINDOW_NS (5 * 60 * JN_NS_PER_SEC)
#define SOURCE_TIMEOUT_MS 2000
#define MAX_SOURCE_BODY (64u << 10)

enum source {
	SOURCE_NONE = 0,
	SOURCE_STATIC,
	SOURCE_ENV,
	SOURCE_SHARED_FILE,
	SOURCE_WEB_IDENTITY,
	SOURCE_CONTAINER,
	SOURCE_IMDS,
};

struct jn_aws_credentials_provider {
	struct jn_aws_options opts;         /* a private copy of the fields we use */
	char *web_role_arn;                 /* from env or profile */
	char *web_token_file;
	struct jn_aws_transport *transport;
	const struct jn_clock *clock;
	struct jn_logger *log;
	pthread_mutex_t lock;
	enum source source;
	struct jn_aws_credentials cached;
	bool have_cached;
	unsigned fetches;
};

/* ---- small HTTP helper for the credential endpoints ---- */

static int http_call(struct jn_aws_credentials_provider *p, const char *method, const char *url,
	const struct jn_aws_header *hs, size_t nh, const char *body, struct jn_buf *out,
	struct jn_error *err)
{
	struct jn_aws_http_request req = {
		.method = method, .url = url, .headers = hs, .n_headers = nh,
		.body = body, .body_len = body ? strlen(body) : 0, .timeout_ms = SOURCE_TIMEOUT_MS,
	};
	struct jn_aws_http_response resp = { 0 };
	jn_buf_init(&resp.body, MAX_SOURCE_BODY);
	int rc = jn_aws_transport_send(p->transport, &req, &resp, err);
	if (rc == 0 && (resp.status < 200 || resp.status >= 300)) {
		jn_aws_error_from_response(resp.status, resp.body.data, resp.body.len, NULL, 0, err);
		jn_error_prefix(err, "%s '%s'", method, url);
		rc = -1;
	}
	if (rc == 0) {
		jn_buf_reset(out);
		jn_buf_append(out, resp.body.data ? resp.body.data : "", resp.body.len, NULL);
	}
	jn_buf_release(&resp.body);
	return rc;
}

static int parse_expiration(const char *text, int64_t *out, struct jn_error *err)
{
	*out = 0;
	if (!text || !*text)
		return 0;
	if (jn_time_parse_rfc3339(text, out) < 0)
		return jn_error_set(err, JN_ERR_INVALID, "invalid expiration '%s'", text);
	return 0;
}

/* The JSON answer of IMDS and of the container endpoint. */
static int creds_from_json(const char *body, struct jn_aws_credentials *out, struct jn_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(body, 0, &jerr);
	if (!doc)
		return jn_error_set(err, JN_ERR_INVALID, "invalid credentials json: %s", jerr.text);
	const char *ak = json_string_value(json_object_get(doc, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(doc, "SecretAccessKey"));
	const char *tok = json_string_value(json_object_get(doc, "Token"));
	const char *exp = json_string_value(json_object_get(doc, "Expiration"));
	int rc = -1;
	if (!ak || !sk) {
		jn_error_set(err, JN_ERR_INVALID, "credentials json has no AccessKeyId/SecretAccessKey");
		goto done;
	}
	if (parse_expiration(exp, &out->expires_wall_ns, err) < 0)
		goto done;
	out->access_key_id = jn_xstrdup(ak);
	out->secret_access_key = jn_xstrdup(sk);
	out->session_token = jn_xstrdup(tok);
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

/* ---- sources ---- */

static int from_shared_files(struct jn_aws_credentials_provider *p, struct jn_aws_credentials *out,
	struct jn_error *err)
{
	const char *files[2] = { p->opts.shared_credentials_file, p->opts.config_file };
	for (int i = 0; i < 2; i++) {
		if (!files[i])
			continue;
		char *section = i == 0 ? jn_xstrdup(p->opts.profile) : jn_aws_config_section(p->opts.profile);
		char *ak = NULL, *sk = NULL, *tok = NULL;
		int rc = jn_aws_ini_get(files[i], section, "aws_access_key_id", &ak, err);
		if (rc == 0)
			rc = jn_aws_ini_get(files[i], section, "aws_secret_access_key", &sk, err);
		if (rc == 0)
			rc = jn_aws_ini_get(files[i], section, "aws_session_token", &tok, err);
		free(section);
		if (rc == 0 && ak && sk) {
			out->access_key_id = ak;
			out->secret_access_key = sk;
			out->session_token = tok;
			out->source = "shared-file";
			return 1;
		}
		free(ak);
		free(sk);
		free(tok);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int read_token_file(const char *path, struct jn_buf *out, struct jn_error *err)
{
	jn_buf_reset(out);
	if (jn_buf_read_file(out, path, err) < 0)
		return jn_error_prefix(err, "reading token file '%s'", path);
	while (out->len > 0 && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
		out->data[--out->len] = '\0';
	return 0;
}

static int from_web_identity(struct jn_aws_credentials_provider *p, struct jn_aws_credentials *out,
	struct jn_error *err)
{
	struct jn_buf token, body, answer;
	jn_buf_init(&token, 64u << 10);
	jn_buf_init(&body, JN_BUF_UNLIMITED);
	jn_buf_init(&answer, MAX_SOURCE_BODY);
	struct jn_xml_node *root = NULL;
	char *url = NULL;
	int rc = -1;
	/* kubelet rotates the projected token: read it on every refresh. */
	if (read_token_file(p->web_token_file, &token, err) < 0)
		goto done;
	struct jn_aws_query q;
	jn_aws_query_init(&q, "AssumeRoleWithWebIdentity", "2011-06-15");
	jn_aws_query_add(&q, "RoleArn", p->web_role_arn);
	jn_aws_query_add(&q, "RoleSessionName",
		p->opts.role_session_name ? p->opts.role_session_name : "jitnode");
	jn_aws_query_add(&q, "WebIdentityToken", jn_buf_cstr(&token));
	jn_aws_query_encode(&q, &body, NULL);
	jn_aws_query_release(&q);
	char *endpoint = jn_aws_options_endpoint(&p->opts, "sts");
	url = jn_xasprintf("%s/", endpoint);
	free(endpoint);
	/* The call is unsigned (smithy noAuth): the token is the proof. */
	struct jn_aws_header hs[] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
	};
	if (http_call(p, "POST", url, hs, 1, jn_buf_cstr(&body), &answer, err) < 0)
		goto done;
	if (jn_xml_parse(answer.data, answer.len, NULL, &root, err) < 0)
		goto done;
	const struct jn_xml_node *c = jn_xml_path(root, "AssumeRoleWithWebIdentityResult/Credentials");
	if (!c || !jn_xml_text(c, "AccessKeyId") || !jn_xml_text(c, "SecretAccessKey")) {
		jn_error_set(err, JN_ERR_INVALID, "sts answer has no credentials");
		goto done;
	}
	if (parse_expiration(jn_xml_text(c, "Expiration"), &out->expires_wall_ns, err) < 0)
		goto done;
	out->access_key_id = jn_xml_strdup(c, "AccessKeyId");
	out->secret_access_key = jn_xml_strdup(c, "SecretAccessKey");
	out->session_token = jn_xml_strdup(c, "SessionToken");
	out->source = "web-identity";
	rc = 0;
done:
	if (rc < 0)
		jn_error_prefix(err, "assuming role '%s' with web identity", p->web_role_arn);
	jn_xml_free(root);
	free(url);
	jn_buf_release(&token);
	jn_buf_release(&body);
	jn_buf_release(&answer);
	return rc;
}

static int from_container(struct jn_aws_credentials_provider *p, struct jn_aws_credentials *out,
	struct jn_error *err)
{
	struct jn_buf token, answer;
	jn_buf_init(&token, 16u << 10);
	jn_buf_init(&answer, MAX_SOURCE_BODY);
	int rc = -1;
	if (p->opts.container_token_file) {
		if (read_token_file(p->opts.container_token_file, &token, err) < 0)
			goto done;
	} else if (p->opts.container_token) {
		jn_buf_append_str(&token, p->opts.container_token, NULL);
	}
	/* A header value with CR or LF could smuggle headers (botocore rejects it too). */
	if (strpbrk(jn_buf_cstr(&token), "\r\n")) {
		jn_error_set(err, JN_ERR_INVALID, "container authorization token contains a newline");
		goto done;
	}
	struct jn_aws_header hs[] = { { "Authorization", jn_buf_cstr(&token) } };
	if (http_call(p, "GET", p->opts.container_full_uri, hs, token.len ? 1 : 0, NULL, &answer,
		err) < 0)
		goto done;
	if (creds_from_json(jn_buf_cstr(&answer), out, err) < 0)
		goto done;
	out->source = "container";
	rc = 0;
done:
	if (rc < 0)
		jn_error_prefix(err, "fetching container credentials from '%s'",
			p->opts.container_full_uri);
	jn_buf_release(&token);
	jn_buf_release(&answer);
	return rc;
}

static int from_imds(struct jn_aws_credentials_provider *p, struct jn_aws_credentials *out,
	struct jn_error *err)
{
	struct jn_buf token, answer;
	jn_buf_init(&token, 4096);
	jn_buf_init(&answer, MAX_SOURCE_BODY);
	const char *base = p->opts.imds_endpoint;
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	char *url = jn_xasprintf("%.*s/latest/api/token", (int)blen, base);
	int rc = -1;
	struct jn_aws_header ttl[] = { { "X-aws-ec2-metadata-token-ttl-seconds", "21600" } };
	if (http_call(p, "PUT", url, ttl, 1, "", &token, err) < 0)
		goto done;
	struct jn_aws_header auth[] = { { "X-aws-ec2-metadata-token", jn_buf_cstr(&token) } };
	free(url);
	url = jn_xasprintf("%.*s/latest/meta-data/iam/security-credentials/", (int)blen, base);
	if (http_call(p, "GET", url, auth, 1, NULL, &answer, err) < 0)
		goto done;
	char *role = jn_xstrdup(jn_buf_cstr(&answer));
	role[strcspn(role, "\r\n")] = '\0';
	if (!*role) {
		free(role);
		jn_error_set(err, JN_ERR_UNAUTHORIZED, "instance has no iam role");
		goto done;
	}
	free(url);
	url = jn_xasprintf("%.*s/latest/meta-data/iam/security-credentials/%s", (int)blen, base, role);
	free(role);
	if (http_call(p, "GET", url, auth, 1, NULL, &answer, err) < 0)
		goto done;
	if (creds_from_json(jn_buf_cstr(&answer), out, err) < 0)
		goto done;
	out->source = "imds";
	rc = 0;
done:
	if (rc < 0)
		jn_error_prefix(err, "fetching instance role credentials from imds '%s'", base);
	free(url);
	jn_buf_release(&token);
	jn_buf_release(&answer);
	return rc;
}

/* Fetches from the remembered source, or walks the chain to choose one. */
static int fetch(struct jn_aws_credentials_provider *p, struct jn_aws_credentials *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	enum source s = p->source;
	if (s == SOURCE_NONE || s == SOURCE_ENV) {
		if (p->opts.access_key_id && p->opts.secret_access_key) {
			out->access_key_id = jn_xstrdup(p->opts.access_key_id);
			out->secret_access_key = jn_xstrdup(p->opts.secret_access_key);
			out->session_token = jn_xstrdup(p->opts.session_token);
			out->source = "environment";
			p->source = SOURCE_ENV;
			return 0;
		}
	}
	if (s == SOURCE_NONE || s == SOURCE_SHARED_FILE) {
		int found = from_shared_files(p, out, err);
		if (found < 0)
			return -1;
		if (found) {
			p->source = SOURCE_SHARED_FILE;
			return 0;
		}
	}
	if ((s == SOURCE_NONE || s == SOURCE_WEB_IDENTITY) && p->web_role_arn && p->web_token_file) {
		if (from_web_identity(p, out, err) < 0)
			return -1;
		p->source = SOURCE_WEB_IDENTITY;
		return 0;
	}
	if ((s == SOURCE_NONE || s == SOURCE_CONTAINER) && p->opts.container_full_uri) {
		if (from_container(p, out, err) < 0)
			return -1;
		p->source = SOURCE_CONTAINER;
		return 0;
	}
	if ((s == SOURCE_NONE || s == SOURCE_IMDS) && !p->opts.imds_disabled) {
		struct jn_error imds_err;
		if (from_imds(p, out, &imds_err) == 0) {
			p->source = SOURCE_IMDS;
			return 0;
		}
		if (s == SOURCE_IMDS) {
			if (err)
				*err = imds_err;
			return -1;
		}
		return jn_error_set(err, JN_ERR_UNAUTHORIZED,
			"no aws credentials found: environment, shared files '%s', web identity and "
			"container credentials not configured; %s",
			p->opts.shared_credentials_file ? p->opts.shared_credentials_file : "",
			imds_err.msg);
	}
	return jn_error_set(err, JN_ERR_UNAUTHORIZED,
		"no aws credentials found: environment, shared files, web identity and container "
		"credentials not configured, imds disabled");
}

struct jn_aws_credentials_provider *jn_aws_credentials_provider_create(
	const struct jn_aws_options *opts, struct jn_aws_transport *transport,
	const struct jn_clock *clock, struct jn_logger *log)
{
	struct jn_aws_credentials_provider *p = jn_xcalloc(1, sizeof(*p));
	struct jn_aws_options *o = &p->opts;
	o->region = jn_xstrdup(opts->region);
	o->profile = jn_xstrdup(opts->profile ? opts->profile : "default");
	o->shared_credentials_file = jn_xstrdup(opts->shared_credentials_file);
	o->config_file = jn_xstrdup(opts->config_file);
	o->access_key_id = jn_xstrdup(opts->access_key_id);
	o->secret_access_key = jn_xstrdup(opts->secret_access_key);
	o->session_token = jn_xstrdup(opts->session_token);
	o->role_session_name = jn_xstrdup(opts->role_session_name);
	o->container_full_uri = jn_xstrdup(opts->container_full_uri);
	o->container_token_file = jn_xstrdup(opts->container_token_file);
	o->container_token = jn_xstrdup(opts->container_token);
	o->imds_endpoint = jn_xstrdup(opts->imds_endpoint ? opts->imds_endpoint
		: "http://169.254.169.254");
	o->imds_disabled = opts->imds_disabled;
	o->endpoint_url = jn_xstrdup(opts->endpoint_url);
	o->endpoint_url_sts = jn_xstrdup(opts->endpoint_url_sts);
	o->ignore_endpoint_urls = opts->ignore_endpoint_urls;
	p->web_role_arn = jn_xstrdup(opts->role_arn);
	p->web_token_file = jn_xstrdup(opts->web_identity_token_file);
	if ((!p->web_role_arn || !p->web_token_file) && o->config_file) {
		/* The profile may name the role instead (config: role_arn + web_identity_token_file). */
		char *section = jn_aws_config_section(o->profile), *arn = NULL, *file = NULL;
		jn_aws_ini_get(o->config_file, section, "role_arn", &arn, NULL);
		jn_aws_ini_get(o->config_file, section, "web_identity_token_file", &file, NULL);
		free(section);
		if (arn && file && !p->web_role_arn && !p->web_token_file) {
			p->web_role_arn = arn;
			p->web_token_file = file;
		} else {
			free(arn);
			free(file);
		}
	}
	p->transport = transport;
	p->clock = clock;
	p->log = log;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

struct jn_aws_credentials_provider *jn_aws_credentials_provider_static(
	const struct jn_aws_credentials *creds)
{
	struct jn_aws_credentials_provider *p = jn_xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->source = SOURCE_STATIC;
	jn_aws_credentials_copy(&p->cached, creds);
	p->cached.source = "static";
	p->cached.expires_wall_ns = 0;
	p->have_cached = true;
	return p;
}

static bool fresh(struct jn_aws_credentials_provider *p, int64_t now)
{
	return p->have_cached && (p->cached.expires_wall_ns == 0 ||
		now + REFRESH_WINDOW_NS < p->cached.expires_wall_ns);
}

int jn_aws_credentials_get(struct jn_aws_credentials_provider *p, struct jn_aws_credentials *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&p->lock);
	int rc = 0;
	int64_t now = p->clock ? jn_clock_wall_ns(p->clock) : 0;
	if (p->source != SOURCE_STATIC && !fresh(p, now)) {
		struct jn_aws_credentials next;
		struct jn_error ferr;
		p->fetches++;
		if (fetch(p, &next, &ferr) == 0) {
			jn_aws_credentials_release(&p->cached);
			p->cached = next;
			p->have_cached = true;
			if (p->log)
				jn_log_info(p->log, "fetched aws credentials",
					JN_LOG_STR("source", next.source),
					JN_LOG_INT("expires_in_s", next.expires_wall_ns
						? (next.expires_wall_ns - now) / JN_NS_PER_SEC : -1));
		} else if (p->have_cached && now < p->cached.expires_wall_ns) {
			if (p->log)
				jn_log_warn(p->log, "keeping aws credentials after failed refresh",
					JN_LOG_STR("source", p->cached.source), JN_LOG_STR("error", ferr.msg));
		} else {
			if (err)
				*err = ferr;
			rc = -1;
		}
	}
	if (rc == 0)
		jn_aws_credentials_copy(out, &p->cached);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

unsigned jn_aws_credentials_fetches(struct jn_aws_credentials_provider *p)
{
	pthread_mutex_lock(&p->lock);
	unsigned n = p->fetches;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void jn_aws_credentials_provider_destroy(struct jn_aws_credentials_provider *p)
{
	if (!p)
		return;
	jn_aws_credentials_release(&p->cached);
	jn_aws_options_release(&p->opts);
	free(p->web_role_arn);
	free(p->web_token_file);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
