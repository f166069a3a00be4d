#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_transport.h"
#include "jitnode/aws.h"
#include "jitnode/error.h"
#include "tap.h"

static int fake_send(struct jn_aws_transport *base, const struct jn_aws_http_request *req,
	struct jn_aws_http_response *resp, struct jn_error *err)
{
	struct fake_transport *t = (struct fake_transport *)base;
	if (t->n_requests < FAKE_MAX) {
		struct fake_request *r = &t->requests[t->n_requests++];
		r->method = jn_xstrdup(req->method);
		r->url = jn_xstrdup(req->url);
		r->body = jn_xstrndup(req->body ? req->body : "", req->body_len);
		struct jn_buf h;
		jn_buf_init(&h, JN_BUF_UNLIMITED);
		for (size_t i = 0; i < req->n_headers; i++)
			jn_buf_printf(&h, NULL, "%s: %s\n", req->headers[i].name, req->headers[i].value);
		r->headers = jn_buf_detach(&h, NULL);
	}
	/* The first unused answer whose route matches. */
	for (size_t i = 0; i < t->n_answers; i++) {
		struct fake_answer *a = &t->answers[i];
		if (a->used)
			continue;
		if (a->url_contains && !strstr(req->url, a->url_contains))
			continue;
		enum jn_error_kind fail = a->fail;
		long status = a->status;
		const char *body = t->bodies[i];
		a->used = 1;
		if (fail != JN_ERR_NONE)
			return jn_error_set(err, fail, "fake transport failure");
		resp->status = status;
		if (body)
			jn_buf_append_str(&resp->body, body, NULL);
		return 0;
	}
	resp->status = 599;
	return 0;
}

static void fake_destroy(struct jn_aws_transport *base)
{
	(void)base;
}

static const struct jn_aws_transport_impl fake_impl = { .send = fake_send, .destroy = fake_destroy };

void fake_transport_init(struct fake_transport *t)
{
	memset(t, 0, sizeof(*t));
	t->base.impl = &fake_impl;
}

void fake_transport_release(struct fake_transport *t)
{
	for (size_t i = 0; i < t->n_answers; i++)
		free(t->bodies[i]);
	for (size_t i = 0; i < t->n_requests; i++) {
		free(t->requests[i].method);
		free(t->requests[i].url);
		free(t->requests[i].body);
		free(t->requests[i].headers);
	}
	memset(t, 0, sizeof(*t));
}

void fake_transport_push_url(struct fake_transport *t, const char *url_contains, long status,
	const char *body)
{
	size_t i = t->n_answers++;
	t->bodies[i] = jn_xstrdup(body ? body : "");
	t->answers[i] = (struct fake_answer){ .url_contains = url_contains, .status = status,
		.body = t->bodies[i] };
}

void fake_transport_push(struct fake_transport *t, long status, const char *body)
{
	fake_transport_push_url(t, NULL, status, body);
}

void fake_transport_push_failure(struct fake_transport *t, enum jn_error_kind kind)
{
	fake_transport_push_url(t, NULL, 0, "");
	t->answers[t->n_answers - 1].fail = kind;
}

const char *fake_request_header(struct fake_transport *t, size_t i, const char *name)
{
	static char value[4096];
	if (i >= t->n_requests)
		return NULL;
	size_t n = strlen(name);
	for (const char *p = t->requests[i].headers; *p;) {
		const char *end = strchr(p, '\n');
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			snprintf(value, sizeof(value), "%.*s", (int)(end - p - n - 2), p + n + 2);
			return value;
		}
		p = end + 1;
	}
	return NULL;
}

char *fake_fixture(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/fixtures/aws/%s", name);
	char *path = jn_test_source_path(rel);
	struct jn_buf b;
	jn_buf_init(&b, 64u << 20);
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

struct jn_xml_node *fake_fixture_tree(const char *name)
{
	char *doc = fake_fixture(name);
	struct jn_xml_node *root = NULL;
	struct jn_error err;
	if (doc && jn_xml_parse(doc, strlen(doc), NULL, &root, &err) < 0)
		jn_tap_diag("%s: %s", name, err.msg);
	free(doc);
	return root;
}
