/*
 * The HTTP seam: dispatch, plus the libcurl transport. One easy handle is reused so that
 * keep-alive connections survive between calls (moto closes them anyway; AWS does not). The
 * handle is not thread-safe, so calls are serialised: EC2 calls are few and slow compared with
 * the lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "jitnode/aws.h"
#include "jitnode/error.h"

int jn_aws_transport_send(struct jn_aws_transport *t, const struct jn_aws_http_request *req,
	struct jn_aws_http_response *resp, struct jn_error *err)
{
	resp->status = 0;
	jn_buf_reset(&resp->body);
	return t->impl->send(t, req, resp, err);
}

void jn_aws_transport_destroy(struct jn_aws_transport *t)
{
	if (t)
		t->impl->destroy(t);
}

struct curl_transport {
	struct jn_aws_transport base;
	pthread_mutex_t lock;
	CURL *curl;
};

static const struct jn_aws_transport_impl curl_impl;

static struct curl_transport *curl_from_transport(struct jn_aws_transport *t)
{
	return (struct curl_transport *)t;
}

struct sink {
	struct jn_buf *body;
	bool too_large;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	if (jn_buf_append(s->body, data, size * n, NULL) < 0) {
		s->too_large = true;
		return 0;       /* makes curl fail with CURLE_WRITE_ERROR */
	}
	return size * n;
}

static int curl_send(struct jn_aws_transport *t, const struct jn_aws_http_request *req,
	struct jn_aws_http_response *resp, struct jn_error *err)
{
	struct curl_transport *ct = curl_from_transport(t);
	if (req->timeout_ms <= 0)
		return jn_error_set(err, JN_ERR_INVALID, "http request to '%s' has no timeout", req->url);
	struct curl_slist *list = NULL;
	for (size_t i = 0; i < req->n_headers; i++) {
		char *line = jn_xasprintf("%s: %s", req->headers[i].name, req->headers[i].value);
		list = curl_slist_append(list, line);
		free(line);
	}
	/* No 100-continue round trip, and nothing curl adds that a signature could cover. */
	list = curl_slist_append(list, "Expect:");
	list = curl_slist_append(list, "Accept:");
	struct sink sink = { .body = &resp->body };

	pthread_mutex_lock(&ct->lock);
	CURL *c = ct->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)JN_MIN(req->timeout_ms, 3000));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "jitnode/0.1");
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	pthread_mutex_unlock(&ct->lock);
	curl_slist_free_all(list);

	if (sink.too_large)
		return jn_error_set(err, JN_ERR_TOO_LARGE, "answer of '%s' has more than %zu bytes",
			req->url, resp->body.limit);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return jn_error_set(err, JN_ERR_TIMEOUT, "%s '%s' timed out after %lld ms", req->method,
			req->url, (long long)req->timeout_ms);
	if (rc != CURLE_OK)
		return jn_error_set(err, JN_ERR_UNAVAILABLE, "%s '%s': %s", req->method, req->url,
			curl_easy_strerror(rc));
	resp->status = status;
	return 0;
}

static void curl_destroy(struct jn_aws_transport *t)
{
	struct curl_transport *ct = curl_from_transport(t);
	curl_easy_cleanup(ct->curl);
	pthread_mutex_destroy(&ct->lock);
	free(ct);
}

static const struct jn_aws_transport_impl curl_impl = {
	.send = curl_send,
	.destroy = curl_destroy,
};

struct jn_aws_transport *jn_aws_transport_curl_create(void)
{
	/* Reference-counted by libcurl and thread-safe since 7.84. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct curl_transport *ct = jn_xcalloc(1, sizeof(*ct));
	ct->base.impl = &curl_impl;
	pthread_mutex_init(&ct->lock, NULL);
	ct->curl = curl_easy_init();
	if (!ct->curl) {
		fprintf(stderr, "jitnode: curl_easy_init failed\n");
		abort();
	}
	return &ct->base;
}
