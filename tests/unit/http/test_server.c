/*
 * The HTTP server: routing, body caps, keep-alive, and TLS with and without client-certificate
 * verification (test PKI in tests/fixtures/http).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "jitnode/http.h"
#include "tap.h"

static int echo(void *ctx, const struct jn_http_request *req, struct jn_http_response *resp,
	struct jn_error *err)
{
	char head[128];
	int n = snprintf(head, sizeof(head), "%s %s %zu:", req->method, req->path, req->body_len);
	jn_http_response_append(resp, head, (size_t)n);
	jn_http_response_append(resp, req->body, req->body_len);
	return 0;
}

static int fails(void *ctx, const struct jn_http_request *req, struct jn_http_response *resp,
	struct jn_error *err)
{
	return jn_error_set(err, JN_ERR_INTERNAL, "handler broke");
}

static const struct jn_http_route routes[] = {
	{ "POST", "/echo", echo, NULL, true },
	{ "GET", "/fail", fails, NULL, false },
};

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	jn_buf_append(ctx, data, size * n, NULL);
	return size * n;
}

struct tls_client {
	const char *ca, *cert, *key;
};

static long request(CURL *curl, const char *url, const char *body, const struct tls_client *tls,
	struct jn_buf *out, CURLcode *result)
{
	jn_buf_reset(out);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (body)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	else
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	if (tls) {
		curl_easy_setopt(curl, CURLOPT_CAINFO, tls->ca);
		curl_easy_setopt(curl, CURLOPT_SSLCERT, tls->cert);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, tls->key);
	}
	long code = 0;
	*result = curl_easy_perform(curl);
	if (*result == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static void routes_caps_and_keep_alive(void)
{
	struct jn_http_server_options opts = { .address = "127.0.0.1", .max_body = 64 };
	struct jn_error err;
	struct jn_http_server *srv = jn_http_server_start(&opts, routes, 2, &err);
	if (!CHECK(srv != NULL))
		return;
	char url[128];
	struct jn_buf out;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	CURL *curl = curl_easy_init();
	CURLcode rc;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", (unsigned)jn_http_server_port(srv));
	CHECK_INT_EQ(request(curl, url, "hello", NULL, &out, &rc), 200);
	CHECK_STR_EQ(jn_buf_cstr(&out), "POST /echo 5:hello");
	long first_conn = -1, second_conn = -2;
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &first_conn);
	CHECK_INT_EQ(request(curl, url, "again", NULL, &out, &rc), 200);
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &second_conn);
	CHECK_INT_EQ(first_conn, 1);
	CHECK_INT_EQ(second_conn, 0); /* the second request reused the connection */
	CHECK_INT_EQ(request(curl, url, "0123456789012345678901234567890123456789012345678901234567890"
		"123456789", NULL, &out, &rc), 413);
	CHECK_STR_EQ(jn_buf_cstr(&out), "request body larger than 64 bytes\n");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/fail", (unsigned)jn_http_server_port(srv));
	CHECK_INT_EQ(request(curl, url, NULL, NULL, &out, &rc), 500);
	CHECK_STR_EQ(jn_buf_cstr(&out), "handler broke");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", (unsigned)jn_http_server_port(srv));
	CHECK_INT_EQ(request(curl, url, NULL, NULL, &out, &rc), 405);
	curl_easy_cleanup(curl);
	jn_buf_release(&out);
	jn_http_server_stop(srv);
	/* A bad address is refused, not bound. */
	struct jn_http_server_options bad = { .address = "not-an-ip" };
	CHECK(jn_http_server_start(&bad, routes, 2, &err) == NULL);
	CHECK_STR_EQ(err.msg, "invalid listen address 'not-an-ip'");
}

static char *read_fixture(const char *name)
{
	char *rel = jn_xasprintf("tests/fixtures/http/%s", name);
	char *path = jn_test_source_path(rel);
	struct jn_buf b;
	jn_buf_init(&b, 1 << 20);
	struct jn_error err;
	if (jn_buf_read_file(&b, path, &err) < 0)
		jn_tap_diag("%s", err.msg);
	free(rel);
	free(path);
	return jn_buf_detach(&b, NULL);
}

static void tls_with_client_verification(void)
{
	char *cert = read_fixture("server.crt"), *key = read_fixture("server.key");
	char *ca = read_fixture("ca.crt");
	struct jn_http_server_options opts = { .address = "127.0.0.1", .tls_cert_pem = cert,
		.tls_key_pem = key, .tls_client_ca_pem = ca };
	struct jn_error err;
	struct jn_http_server *srv = jn_http_server_start(&opts, routes, 2, &err);
	if (!CHECK(srv != NULL)) {
		jn_tap_diag("%s", err.msg);
		goto out;
	}
	char *ca_path = jn_test_source_path("tests/fixtures/http/ca.crt");
	char *client_cert = jn_test_source_path("tests/fixtures/http/client.crt");
	char *client_key = jn_test_source_path("tests/fixtures/http/client.key");
	char url[128];
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/echo", (unsigned)jn_http_server_port(srv));
	struct jn_buf out;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	CURLcode rc;
	CURL *curl = curl_easy_init();
	struct tls_client with_cert = { ca_path, client_cert, client_key };
	CHECK_INT_EQ(request(curl, url, "secret", &with_cert, &out, &rc), 200);
	CHECK_STR_EQ(jn_buf_cstr(&out), "POST /echo 6:secret");
	curl_easy_cleanup(curl);
	/* Without a client certificate the request is refused before any handler runs. */
	curl = curl_easy_init();
	struct tls_client no_cert = { ca_path, NULL, NULL };
	CHECK_INT_EQ(request(curl, url, "secret", &no_cert, &out, &rc), 403);
	CHECK_STR_EQ(jn_buf_cstr(&out), "a valid client certificate is required\n");
	curl_easy_cleanup(curl);
	/* A certificate the CA did not sign is refused the same way. */
	char *rogue_cert = jn_test_source_path("tests/fixtures/http/rogue.crt");
	char *rogue_key = jn_test_source_path("tests/fixtures/http/rogue.key");
	curl = curl_easy_init();
	struct tls_client rogue = { ca_path, rogue_cert, rogue_key };
	long code = request(curl, url, "secret", &rogue, &out, &rc);
	CHECK(code == 403 || rc != CURLE_OK);
	curl_easy_cleanup(curl);
	free(rogue_cert);
	free(rogue_key);
	/* Plain HTTP to the TLS port gets no answer. */
	curl = curl_easy_init();
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", (unsigned)jn_http_server_port(srv));
	CHECK_INT_EQ(request(curl, url, "x", NULL, &out, &rc), 0);
	curl_easy_cleanup(curl);
	jn_buf_release(&out);
	free(ca_path);
	free(client_cert);
	free(client_key);
	jn_http_server_stop(srv);
out:
	free(cert);
	free(key);
	free(ca);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	JN_RUN(routes_caps_and_keep_alive);
	JN_RUN(tls_with_client_verification);
	curl_global_cleanup();
	return jn_tap_done();
}
