/*
 * Signature Version 4 (ec2.md §2). Every step writes into a jn_buf so that the vectors can
 * check the canonical request and the string to sign byte for byte, not just the signature.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "jitnode/aws.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"

void jn_aws_credentials_release(struct jn_aws_credentials *creds)
{
	if (!creds)
		return;
	free(creds->access_key_id);
	free(creds->secret_access_key);
	free(creds->session_token);
	memset(creds, 0, sizeof(*creds));
}

void jn_aws_credentials_copy(struct jn_aws_credentials *dst, const struct jn_aws_credentials *src)
{
	dst->access_key_id = jn_xstrdup(src->access_key_id);
	dst->secret_access_key = jn_xstrdup(src->secret_access_key);
	dst->session_token = jn_xstrdup(src->session_token);
	dst->expires_wall_ns = src->expires_wall_ns;
	dst->source = src->source;
}

void jn_sigv4_output_init(struct jn_sigv4_output *out)
{
	jn_buf_init(&out->canonical_request, JN_BUF_UNLIMITED);
	jn_buf_init(&out->string_to_sign, JN_BUF_UNLIMITED);
	jn_buf_init(&out->authorization, JN_BUF_UNLIMITED);
}

void jn_sigv4_output_release(struct jn_sigv4_output *out)
{
	jn_buf_release(&out->canonical_request);
	jn_buf_release(&out->string_to_sign);
	jn_buf_release(&out->authorization);
}

char *jn_aws_amz_date(int64_t wall_ns, char *out, size_t size)
{
	time_t secs = (time_t)(wall_ns / JN_NS_PER_SEC);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, size, "%Y%m%dT%H%M%SZ", &tm);
	return out;
}

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

int jn_aws_uri_encode(struct jn_buf *out, const char *s, size_t len, bool keep_slash,
	struct jn_error *err)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			if (jn_buf_append(out, &s[i], 1, err) < 0)
				return -1;
			continue;
		}
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
		if (jn_buf_append(out, esc, 3, err) < 0)
			return -1;
	}
	return 0;
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data ? data : "", len, md);
	hex_encode(md, sizeof(md), out);
}

static void hmac(const void *key, size_t key_len, const char *msg, unsigned char out[32])
{
	unsigned int n = 32;
	HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out, &n);
}

/*
 * Path: split into segments, drop "." and empty ones, let ".." pop (RFC 3986 §5.2.4), encode
 * each segment. A trailing slash survives, as the get-slash vectors expect.
 */
static int canonical_path(struct jn_buf *out, const char *path, bool keep_as_is,
	struct jn_error *err)
{
	if (!path || !*path)
		path = "/";
	if (keep_as_is)
		return jn_aws_uri_encode(out, path, strlen(path), true, err);
	const char *segs[256];
	size_t lens[256], n = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - start);
		if (len == 0 || (len == 1 && start[0] == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.') {
			if (n > 0)
				n--;
			continue;
		}
		if (n == JN_ARRAY_LEN(segs))
			return jn_error_set(err, JN_ERR_TOO_LARGE, "path has more than %zu segments",
				JN_ARRAY_LEN(segs));
		segs[n] = start;
		lens[n++] = len;
	}
	size_t plen = strlen(path);
	bool trailing = plen > 1 && path[plen - 1] == '/';
	/* "/." and "/.." end a directory too. */
	if (plen >= 2 && path[plen - 1] == '.' && (path[plen - 2] == '/' ||
		(plen >= 3 && path[plen - 2] == '.' && path[plen - 3] == '/')))
		trailing = true;
	if (jn_buf_append_str(out, "/", err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && jn_buf_append_str(out, "/", err) < 0)
			return -1;
		if (jn_aws_uri_encode(out, segs[i], lens[i], false, err) < 0)
			return -1;
	}
	if (trailing && n > 0 && jn_buf_append_str(out, "/", err) < 0)
		return -1;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes then re-encodes, so "a b", "a%20b" and "a%20b" sign alike. */
static int reencode(struct jn_buf *out, const char *s, size_t len, struct jn_error *err)
{
	char *raw = jn_xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			raw[n++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			raw[n++] = s[i];
		}
	}
	int rc = jn_aws_uri_encode(out, raw, n, false, err);
	free(raw);
	return rc;
}

struct qpair {
	char *key;
	char *value;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

static int canonical_query(struct jn_buf *out, const char *query, struct jn_error *err)
{
	if (!query || !*query)
		return 0;
	struct qpair *pairs = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	for (const char *p = query; *p;) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0) {
			const char *eq = memchr(p, '=', len);
			size_t klen = eq ? (size_t)(eq - p) : len;
			struct jn_buf k, v;
			jn_buf_init(&k, JN_BUF_UNLIMITED);
			jn_buf_init(&v, JN_BUF_UNLIMITED);
			reencode(&k, p, klen, NULL);
			if (eq)
				reencode(&v, eq + 1, len - klen - 1, NULL);
			struct qpair *slot = JN_PUSH(pairs, n, cap);
			slot->key = jn_buf_detach(&k, NULL);
			slot->value = jn_buf_detach(&v, NULL);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	qsort(pairs, n, sizeof(*pairs), qpair_cmp);
	for (size_t i = 0; i < n; i++) {
		if (jn_buf_printf(out, err, "%s%s=%s", i ? "&" : "", pairs[i].key, pairs[i].value) < 0)
			goto done;
	}
	rc = 0;
done:
	for (size_t i = 0; i < n; i++) {
		free(pairs[i].key);
		free(pairs[i].value);
	}
	free(pairs);
	return rc;
}

struct chdr {
	char *name;                 /* lowercased */
	struct jn_buf value;        /* trimmed, collapsed, repeated values joined with ',' */
};

static int chdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct chdr *)a)->name, ((const struct chdr *)b)->name);
}

/* Trims and collapses whitespace runs (including the folded lines of multi-line values). */
static void append_trimmed(struct jn_buf *out, const char *v)
{
	bool space = false, any = false;
	for (; *v; v++) {
		if (isspace((unsigned char)*v)) {
			space = any;
			continue;
		}
		if (space)
			jn_buf_append(out, " ", 1, NULL);
		space = false;
		any = true;
		jn_buf_append(out, v, 1, NULL);
	}
}

static void add_header(struct chdr **hs, size_t *n, size_t *cap, const char *name, const char *value)
{
	char *lower = jn_xstrdup(name);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*hs)[i].name, lower) == 0) {
			jn_buf_append(&(*hs)[i].value, ",", 1, NULL);
			append_trimmed(&(*hs)[i].value, value);
			free(lower);
			return;
		}
	}
	struct chdr *h = JN_PUSH(*hs, *n, *cap);
	h->name = lower;
	jn_buf_init(&h->value, JN_BUF_UNLIMITED);
	append_trimmed(&h->value, value);
}

static bool has_header(struct chdr *hs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(hs[i].name, name) == 0)
			return true;
	return false;
}

int jn_sigv4_sign(const struct jn_sigv4_input *in, const struct jn_aws_credentials *creds,
	struct jn_sigv4_output *out, struct jn_error *err)
{
	jn_buf_reset(&out->canonical_request);
	jn_buf_reset(&out->string_to_sign);
	jn_buf_reset(&out->authorization);
	if (!creds || !creds->access_key_id || !creds->secret_access_key)
		return jn_error_set(err, JN_ERR_INVALID, "signing: no credentials");
	if (!in->amz_date || strlen(in->amz_date) != 16)
		return jn_error_set(err, JN_ERR_INVALID, "signing: invalid x-amz-date '%s'",
			in->amz_date ? in->amz_date : "");

	struct chdr *hs = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	for (size_t i = 0; i < in->n_headers; i++)
		add_header(&hs, &n, &cap, in->headers[i].name, in->headers[i].value);
	if (creds->session_token && !has_header(hs, n, "x-amz-security-token"))
		add_header(&hs, &n, &cap, "x-amz-security-token", creds->session_token);
	if (!has_header(hs, n, "host")) {
		jn_error_set(err, JN_ERR_INVALID, "signing: no 'host' header");
		goto done;
	}
	qsort(hs, n, sizeof(*hs), chdr_cmp);

	struct jn_buf *cr = &out->canonical_request;
	jn_buf_printf(cr, NULL, "%s\n", in->method);
	if (canonical_path(cr, in->path, in->no_path_normalize, err) < 0)
		goto done;
	jn_buf_append_str(cr, "\n", NULL);
	if (canonical_query(cr, in->query, err) < 0)
		goto done;
	jn_buf_append_str(cr, "\n", NULL);
	for (size_t i = 0; i < n; i++)
		jn_buf_printf(cr, NULL, "%s:%s\n", hs[i].name, jn_buf_cstr(&hs[i].value));
	jn_buf_append_str(cr, "\n", NULL);
	struct jn_buf signed_headers;
	jn_buf_init(&signed_headers, JN_BUF_UNLIMITED);
	for (size_t i = 0; i < n; i++)
		jn_buf_printf(&signed_headers, NULL, "%s%s", i ? ";" : "", hs[i].name);
	char payload_hash[65];
	sha256_hex(in->payload, in->payload_len, payload_hash);
	jn_buf_printf(cr, NULL, "%s\n%s", jn_buf_cstr(&signed_headers), payload_hash);

	char day[9];
	memcpy(day, in->amz_date, 8);
	day[8] = '\0';
	char cr_hash[65];
	sha256_hex(cr->data, cr->len, cr_hash);
	jn_buf_printf(&out->string_to_sign, NULL, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
		in->amz_date, day, in->region, in->service, cr_hash);

	/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request") */
	char *k0 = jn_xasprintf("AWS4%s", creds->secret_access_key);
	unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
	hmac(k0, strlen(k0), day, k1);
	hmac(k1, 32, in->region, k2);
	hmac(k2, 32, in->service, k3);
	hmac(k3, 32, "aws4_request", k4);
	hmac(k4, 32, jn_buf_cstr(&out->string_to_sign), sig);
	memset(k0, 0, strlen(k0));
	free(k0);
	char sig_hex[65];
	hex_encode(sig, 32, sig_hex);
	jn_buf_printf(&out->authorization, NULL,
		"AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
		creds->access_key_id, day, in->region, in->service, jn_buf_cstr(&signed_headers),
		sig_hex);
	jn_buf_release(&signed_headers);
	rc = 0;
done:
	for (size_t i = 0; i < n; i++) {
		free(hs[i].name);
		jn_buf_release(&hs[i].value);
	}
	free(hs);
	return rc;
}
