/*
 * The official SigV4 test suite (tests/fixtures/aws/sigv4, see its SOURCE.md): every case's
 * .req is signed and the canonical request, string to sign and Authorization header must equal
 * the .creq, .sts and .authz files byte for byte.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/aws.h"
#include "jitnode/buf.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "tap.h"

#define VECTOR_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

static char *read_case_file(const char *dir, const char *name, const char *ext)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "tests/fixtures/aws/sigv4/%s/%s.%s", dir, name, ext);
	char *path = jn_test_source_path(rel);
	struct jn_buf b;
	jn_buf_init(&b, 1 << 20);
	struct jn_error err;
	char *out = NULL;
	if (jn_buf_read_file(&b, path, &err) == 0)
		out = jn_buf_detach(&b, NULL);
	else
		jn_tap_diag("%s", err.msg);
	jn_buf_release(&b);
	free(path);
	return out;
}

/*
 * A .req file: "METHOD TARGET HTTP/1.1", then Name:value lines (a line starting with a space
 * continues the previous value), then a blank line and the body.
 */
struct parsed_req {
	char *method;
	char *path;
	char *query;
	struct jn_aws_header headers[16];
	char *names[16];
	struct jn_buf values[16];
	size_t n;
	const char *body;
	size_t body_len;
};

static void parse_req(char *text, struct parsed_req *r)
{
	memset(r, 0, sizeof(*r));
	char *line_end = strchr(text, '\n');
	*line_end = '\0';
	char *sp1 = strchr(text, ' ');
	char *sp2 = strrchr(text, ' ');
	r->method = jn_xstrndup(text, (size_t)(sp1 - text));
	char *target = jn_xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	char *q = strchr(target, '?');
	if (q) {
		r->query = jn_xstrdup(q + 1);
		*q = '\0';
	}
	r->path = target;
	char *p = line_end + 1;
	while (*p && *p != '\n') {
		char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if ((*p == ' ' || *p == '\t') && r->n > 0) {
			jn_buf_append_str(&r->values[r->n - 1], " ", NULL);
			jn_buf_append(&r->values[r->n - 1], p, len, NULL);
		} else {
			char *colon = memchr(p, ':', len);
			r->names[r->n] = jn_xstrndup(p, (size_t)(colon - p));
			jn_buf_init(&r->values[r->n], JN_BUF_UNLIMITED);
			jn_buf_append(&r->values[r->n], colon + 1, len - (size_t)(colon - p) - 1, NULL);
			r->n++;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (*p == '\n') {
		r->body = p + 1;
		r->body_len = strlen(p + 1);
	}
	for (size_t i = 0; i < r->n; i++) {
		r->headers[i].name = r->names[i];
		r->headers[i].value = jn_buf_cstr(&r->values[i]);
	}
}

static void free_req(struct parsed_req *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i]);
		jn_buf_release(&r->values[i]);
	}
}

static int run_case(const char *name)
{
	char *req = read_case_file(name, name, "req");
	char *creq = read_case_file(name, name, "creq");
	char *sts = read_case_file(name, name, "sts");
	char *authz = read_case_file(name, name, "authz");
	if (!req || !creq || !sts || !authz) {
		CHECK(!"vector files readable");
		return 0;
	}
	struct parsed_req r;
	parse_req(req, &r);
	struct jn_aws_credentials creds = {
		.access_key_id = "AKIDEXAMPLE",
		.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		/* botocore's addition: the token is an input of this case, not in its .req. */
		.session_token = strcmp(name, "get-vanilla-with-session-token") == 0 ? VECTOR_TOKEN : NULL,
	};
	struct jn_sigv4_input in = {
		.method = r.method, .path = r.path, .query = r.query,
		.headers = r.headers, .n_headers = r.n,
		.payload = r.body, .payload_len = r.body_len,
		.region = "us-east-1", .service = "service", .amz_date = "20150830T123600Z",
	};
	struct jn_sigv4_output out;
	jn_sigv4_output_init(&out);
	struct jn_error err;
	int ok = jn_sigv4_sign(&in, &creds, &out, &err) == 0;
	if (!ok)
		jn_tap_diag("%s: %s", name, err.msg);
	ok = ok && strcmp(jn_buf_cstr(&out.canonical_request), creq) == 0 &&
		strcmp(jn_buf_cstr(&out.string_to_sign), sts) == 0 &&
		strcmp(jn_buf_cstr(&out.authorization), authz) == 0;
	jn_tap_check(ok, __FILE__, __LINE__, "vector %s", name);
	if (!ok) {
		jn_tap_diag("creq got:\n%s\nwant:\n%s", jn_buf_cstr(&out.canonical_request), creq);
		jn_tap_diag("authz got: %s\nwant: %s", jn_buf_cstr(&out.authorization), authz);
	}
	jn_sigv4_output_release(&out);
	free_req(&r);
	free(req);
	free(creq);
	free(sts);
	free(authz);
	return 1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void all_official_vectors_pass(void)
{
	char *dir = jn_test_source_path("tests/fixtures/aws/sigv4");
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d) {
		free(dir);
		return;
	}
	char *names[64];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.') || strcmp(e->d_name, "LICENSE") == 0 ||
			strcmp(e->d_name, "NOTICE") == 0)
			continue;
		names[n++] = jn_xstrdup(e->d_name);
	}
	closedir(d);
	free(dir);
	qsort(names, n, sizeof(*names), name_cmp);
	int run = 0;
	for (size_t i = 0; i < n; i++) {
		run += run_case(names[i]);
		free(names[i]);
	}
	CHECK_INT_EQ(run, 34);
}

static void session_token_is_signed_and_not_duplicated(void)
{
	struct jn_aws_header hs[] = {
		{ "Host", "ec2.us-east-1.amazonaws.com" }, { "X-Amz-Date", "20260101T000000Z" },
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
	};
	struct jn_aws_credentials creds = { .access_key_id = "AKID", .secret_access_key = "s",
		.session_token = "tok" };
	const char *body = "Action=DescribeInstances&Version=2016-11-15";
	struct jn_sigv4_input in = { .method = "POST", .path = "/", .headers = hs, .n_headers = 3,
		.payload = body, .payload_len = strlen(body), .region = "us-west-2", .service = "ec2",
		.amz_date = "20260101T000000Z" };
	struct jn_sigv4_output out;
	jn_sigv4_output_init(&out);
	CHECK_INT_EQ(jn_sigv4_sign(&in, &creds, &out, NULL), 0);
	CHECK_STR_CONTAINS(jn_buf_cstr(&out.canonical_request), "\nx-amz-security-token:tok\n");
	CHECK_STR_CONTAINS(jn_buf_cstr(&out.authorization),
		"Credential=AKID/20260101/us-west-2/ec2/aws4_request, "
		"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=");
	jn_sigv4_output_release(&out);
}

static void missing_host_is_an_error(void)
{
	struct jn_aws_header hs[] = { { "X-Amz-Date", "20260101T000000Z" } };
	struct jn_aws_credentials creds = { .access_key_id = "AKID", .secret_access_key = "s" };
	struct jn_sigv4_input in = { .method = "GET", .path = "/", .headers = hs, .n_headers = 1,
		.region = "us-east-1", .service = "ec2", .amz_date = "20260101T000000Z" };
	struct jn_sigv4_output out;
	jn_sigv4_output_init(&out);
	struct jn_error err;
	CHECK_INT_EQ(jn_sigv4_sign(&in, &creds, &out, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_EQ(err.msg, "signing: no 'host' header");
	jn_sigv4_output_release(&out);
}

static void amz_date_and_encoding(void)
{
	char d[17];
	CHECK_STR_EQ(jn_aws_amz_date(INT64_C(1440938160) * JN_NS_PER_SEC, d, sizeof(d)),
		"20150830T123600Z");
	struct jn_buf b;
	jn_buf_init(&b, JN_BUF_UNLIMITED);
	jn_aws_uri_encode(&b, "a b/+*~$Latest", 14, false, NULL);
	CHECK_STR_EQ(jn_buf_cstr(&b), "a%20b%2F%2B%2A~%24Latest");
	jn_buf_release(&b);
}

int main(void)
{
	JN_RUN(all_official_vectors_pass);
	JN_RUN(session_token_is_signed_and_not_duplicated);
	JN_RUN(missing_host_is_an_error);
	JN_RUN(amz_date_and_encoding);
	return jn_tap_done();
}
