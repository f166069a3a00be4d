#define _GNU_SOURCE /* strcasestr */
/*
 * The client against a scripted local server: exact request shapes (the Binding), typed errors
 * with the Status message, keep-alive, 429 with Retry-After, timeouts, a dead server, token
 * rotation, list pagination and the response cap.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/kube.h"
#include "fake_apiserver.h"
#include "fake_clock.h"
#include "tap.h"

struct script {
	pthread_mutex_t mu;
	char last_method[16];
	char last_target[2048];
	char last_body[4096];
	char last_auth[256];
	int calls;
	int throttle_first;         /* answer 429 (Retry-After: 2) to this many calls */
	int delay_ms;               /* sleep before answering */
	bool list_gone_once;        /* answer 410 to the first continue */
};

static const char conflict[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
	"\"status\":\"Failure\",\"message\":\"Operation cannot be fulfilled on pods/binding "
	"\\\"taken\\\": pod taken is already assigned to node \\\"n9\\\"\",\"reason\":\"Conflict\","
	"\"details\":{\"name\":\"taken\",\"kind\":\"pods/binding\"},\"code\":409}";

static bool handle(void *ctx, const struct fake_request *req, struct jn_buf *resp)
{
	struct script *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->calls++;
	snprintf(s->last_method, sizeof(s->last_method), "%s", req->method);
	snprintf(s->last_target, sizeof(s->last_target), "%s", req->target);
	snprintf(s->last_body, sizeof(s->last_body), "%s", req->body);
	const char *auth = strcasestr(req->headers, "\r\nauthorization: ");
	s->last_auth[0] = '\0';
	if (auth)
		sscanf(auth + 17, "%255[^\r]", s->last_auth);
	int calls = s->calls;
	bool throttle = calls <= s->throttle_first;
	bool gone = s->list_gone_once && strstr(req->target, "continue=") != NULL;
	if (gone)
		s->list_gone_once = false;
	int delay = s->delay_ms;
	pthread_mutex_unlock(&s->mu);
	if (delay)
		usleep((useconds_t)delay * 1000);
	if (throttle) {
		fake_respond(resp, 429, "Retry-After: 2\r\n", "{\"kind\":\"Status\",\"message\":"
			"\"too many requests, please try again later\",\"code\":429}");
	} else if (strstr(req->target, "/pods/taken/binding")) {
		fake_respond(resp, 409, "", conflict);
	} else if (strstr(req->target, "/binding")) {
		fake_respond(resp, 201, "", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
			"\"status\":\"Success\",\"code\":201}");
	} else if (strcmp(req->target, "/api/v1/nodes/missing") == 0) {
		fake_respond(resp, 404, "", "{\"kind\":\"Status\",\"message\":\"nodes \\\"missing\\\" "
			"not found\",\"reason\":\"NotFound\",\"code\":404}");
	} else if (gone) {
		fake_respond(resp, 410, "", "{\"kind\":\"Status\",\"message\":\"The provided continue "
			"parameter is too old\",\"reason\":\"Expired\",\"code\":410}");
	} else if (strncmp(req->target, "/api/v1/pods?", 13) == 0) {
		bool second = strstr(req->target, "continue=tok%2B1") != NULL;
		fake_respond(resp, 200, "", second
			? "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"77\"},"
			  "\"items\":[{\"metadata\":{\"name\":\"c\"}}]}"
			: "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"76\","
			  "\"continue\":\"tok+1\"},\"items\":[{\"metadata\":{\"name\":\"a\"}},"
			  "{\"metadata\":{\"name\":\"b\"}}]}");
	} else if (strcmp(req->target, "/big") == 0) {
		struct jn_buf big;
		jn_buf_init(&big, JN_BUF_UNLIMITED);
		jn_buf_append_str(&big, "[", NULL);
		for (int i = 0; i < 2000; i++)
			jn_buf_append_str(&big, i ? ",\"xxxxxxxx\"" : "\"xxxxxxxx\"", NULL);
		jn_buf_append_str(&big, "]", NULL);
		fake_respond(resp, 200, "", big.data);
		jn_buf_release(&big);
	} else {
		fake_respond(resp, 200, "", "{\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\"}}");
	}
	return false;
}

static struct script *new_script(void)
{
	struct script *s = jn_xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

static struct jn_kube_client *client_for(struct fake_server *srv, const struct jn_clock *clock,
	int64_t timeout_ms)
{
	struct jn_kube_config cfg = { .server = (char *)fake_url(srv), .token = "t0k3n" };
	struct jn_kube_client_options opts = { .clock = clock, .timeout_ms = timeout_ms,
		.max_response = 8192 };
	struct jn_error err;
	struct jn_kube_client *c = jn_kube_client_create(&cfg, &opts, &err);
	CHECK(c != NULL);
	return c;
}

static void binds_with_the_exact_binding_and_reuses_the_connection(void)
{
	struct script *s = new_script();
	struct fake_server *srv = fake_start(handle, s);
	struct jn_kube_client *c = client_for(srv, NULL, 5000);
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_bind(c, "default", "web-1", "uid-1", "n1", &err), 0);
	CHECK_STR_EQ(s->last_method, "POST");
	CHECK_STR_EQ(s->last_target, "/api/v1/namespaces/default/pods/web-1/binding");
	CHECK_STR_EQ(s->last_body, "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":"
		"{\"name\":\"web-1\",\"namespace\":\"default\",\"uid\":\"uid-1\"},\"target\":"
		"{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"n1\"}}");
	CHECK_STR_EQ(s->last_auth, "Bearer t0k3n");
	for (int i = 0; i < 20; i++) {
		json_t *node = NULL;
		CHECK_INT_EQ(jn_kube_get_node(c, "n1", &node, &err), 0);
		json_decref(node);
	}
	CHECK_INT_EQ(fake_requests(srv), 21);
	CHECK_INT_EQ(fake_connections(srv), 1);     /* keep-alive: one connection for all */
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);
}

static void maps_a_conflict_and_a_missing_object(void)
{
	struct script *s = new_script();
	struct fake_server *srv = fake_start(handle, s);
	struct jn_kube_client *c = client_for(srv, NULL, 5000);
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_bind(c, "default", "taken", "uid-2", "n1", &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_CONFLICT);
	CHECK_STR_EQ(err.msg, "binding pod 'default/taken' to node 'n1': post "
		"/api/v1/namespaces/default/pods/taken/binding: 409 conflict: Operation cannot be "
		"fulfilled on pods/binding \"taken\": pod taken is already assigned to node \"n9\"");
	json_t *out = NULL;
	int status = 0;
	CHECK_INT_EQ(jn_kube_request(c, "GET", "/api/v1/nodes/missing", NULL, NULL, &out, &status,
		&err), -1);
	CHECK_INT_EQ(status, 404);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_EQ(err.msg, "get /api/v1/nodes/missing: 404 not found: nodes \"missing\" not found");
	CHECK(out == NULL);
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);
}

static void honors_retry_after_on_the_clock(void)
{
	struct script *s = new_script();
	s->throttle_first = 2;
	struct fake_server *srv = fake_start(handle, s);
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, 0);
	struct jn_kube_client *c = client_for(srv, &clock.base, 30000);
	struct jn_error err;
	json_t *out = NULL;
	CHECK_INT_EQ(jn_kube_get_node(c, "n1", &out, &err), 0);
	json_decref(out);
	CHECK_INT_EQ(s->calls, 3);
	CHECK_INT_EQ(clock.mono_ns, 4 * JN_NS_PER_SEC);     /* waited Retry-After twice */
	/* A budget that ends before the retry: THROTTLED with the message. */
	jn_kube_client_destroy(c);
	s->calls = 0;
	c = client_for(srv, &clock.base, 3000);
	CHECK_INT_EQ(jn_kube_get_node(c, "n1", &out, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_THROTTLED);
	CHECK_STR_EQ(err.msg, "get /api/v1/nodes/n1: 429 too many requests: too many requests, "
		"please try again later");
	CHECK_INT_EQ(s->calls, 2);
	/* An eviction refused by a PDB is not retried. */
	s->calls = 0;
	s->throttle_first = 5;
	CHECK_INT_EQ(jn_kube_evict(c, "default", "web-1", "uid-1", &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_THROTTLED);
	CHECK_INT_EQ(s->calls, 1);
	CHECK_STR_EQ(s->last_target, "/api/v1/namespaces/default/pods/web-1/eviction");
	CHECK_STR_EQ(s->last_body, "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":"
		"{\"name\":\"web-1\",\"namespace\":\"default\"},\"deleteOptions\":{\"preconditions\":"
		"{\"uid\":\"uid-1\"}}}");
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void times_out_and_reports_a_dead_server(void)
{
	struct script *s = new_script();
	s->delay_ms = 1500;
	struct fake_server *srv = fake_start(handle, s);
	struct jn_kube_client *c = client_for(srv, NULL, 300);
	struct jn_error err;
	json_t *out = NULL;
	int64_t t0 = now_ms();
	CHECK_INT_EQ(jn_kube_get_node(c, "n1", &out, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TIMEOUT);
	CHECK(now_ms() - t0 < 1400);
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);

	/* A port nobody listens on: refused at once. */
	struct jn_kube_config cfg = { .server = "http://127.0.0.1:1" };
	c = jn_kube_client_create(&cfg, NULL, &err);
	t0 = now_ms();
	CHECK_INT_EQ(jn_kube_bind(c, "default", "web-1", NULL, "n1", &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAVAILABLE);
	CHECK_STR_CONTAINS(err.msg, "binding pod 'default/web-1' to node 'n1': post "
		"/api/v1/namespaces/default/pods/web-1/binding: ");
	CHECK(now_ms() - t0 < 1000);
	jn_kube_client_destroy(c);

	struct jn_kube_config bad = { .server = "ftp://x" };
	CHECK(jn_kube_client_create(&bad, NULL, &err) == NULL);
	CHECK_STR_EQ(err.msg, "creating the kube client: invalid server \"ftp://x\"");
}

static void rereads_a_rotated_token(void)
{
	char path[] = "/tmp/jn_token_XXXXXX";
	int fd = mkstemp(path);
	CHECK(write(fd, "first\n", 6) == 6);
	close(fd);
	struct script *s = new_script();
	struct fake_server *srv = fake_start(handle, s);
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, 0);
	struct jn_kube_config cfg = { .server = (char *)fake_url(srv), .token_file = path };
	struct jn_kube_client_options opts = { .clock = &clock.base };
	struct jn_error err;
	struct jn_kube_client *c = jn_kube_client_create(&cfg, &opts, &err);
	json_t *out = NULL;
	jn_kube_get_node(c, "n1", &out, &err);
	json_decref(out);
	CHECK_STR_EQ(s->last_auth, "Bearer first");
	FILE *f = fopen(path, "w");
	fputs("second-longer\n", f);
	fclose(f);
	/* Within the stat interval the old token is still used... */
	jn_kube_get_node(c, "n1", &out, &err);
	json_decref(out);
	CHECK_STR_EQ(s->last_auth, "Bearer first");
	/* ...after it, the changed file is read. */
	jn_fake_clock_advance(&clock, 2 * JN_NS_PER_SEC);
	jn_kube_get_node(c, "n1", &out, &err);
	json_decref(out);
	CHECK_STR_EQ(s->last_auth, "Bearer second-longer");
	/* A token file that vanished keeps the last token. */
	remove(path);
	jn_fake_clock_advance(&clock, 120 * JN_NS_PER_SEC);
	jn_kube_get_node(c, "n1", &out, &err);
	json_decref(out);
	CHECK_STR_EQ(s->last_auth, "Bearer second-longer");
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);
}

static void lists_every_page(void)
{
	struct script *s = new_script();
	struct fake_server *srv = fake_start(handle, s);
	struct jn_kube_client *c = client_for(srv, NULL, 5000);
	struct jn_error err;
	json_t *list = NULL;
	CHECK_INT_EQ(jn_kube_list(c, "/api/v1/pods", 2, &list, &err), 0);
	char *dump = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR_EQ(dump, "{\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}},"
		"{\"metadata\":{\"name\":\"c\"}}],\"kind\":\"PodList\",\"metadata\":"
		"{\"resourceVersion\":\"77\"}}");
	free(dump);
	json_decref(list);
	CHECK_STR_EQ(s->last_target, "/api/v1/pods?limit=2&continue=tok%2B1");
	/* An expired continue token restarts the list once. */
	s->calls = 0;
	s->list_gone_once = true;
	CHECK_INT_EQ(jn_kube_list(c, "/api/v1/pods", 2, &list, &err), 0);
	CHECK_INT_EQ(json_array_size(json_object_get(list, "items")), 3);
	CHECK_INT_EQ(s->calls, 4);
	json_decref(list);
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);
}

static void caps_the_response(void)
{
	struct script *s = new_script();
	struct fake_server *srv = fake_start(handle, s);
	struct jn_kube_client *c = client_for(srv, NULL, 5000);
	struct jn_error err;
	json_t *out = NULL;
	CHECK_INT_EQ(jn_kube_request(c, "GET", "/big", NULL, NULL, &out, NULL, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TOO_LARGE);
	CHECK_STR_EQ(err.msg, "get /big: answer over 8192 bytes");
	/* The handle that failed goes back to the pool and works again. */
	CHECK_INT_EQ(jn_kube_get_node(c, "n1", &out, &err), 0);
	json_decref(out);
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);
}

struct hammer {
	struct jn_kube_client *client;
	int failures;
};

static void *hammer(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 50; i++) {
		struct jn_error err;
		if (jn_kube_bind(h->client, "default", "web-1", "u", "n1", &err) < 0)
			h->failures++;
	}
	return NULL;
}

static void serves_many_threads_on_a_few_connections(void)
{
	struct script *s = new_script();
	struct fake_server *srv = fake_start(handle, s);
	struct jn_kube_client *c = client_for(srv, NULL, 5000);
	struct hammer h[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		h[i] = (struct hammer){ .client = c };
		pthread_create(&t[i], NULL, hammer, &h[i]);
	}
	int failures = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		failures += h[i].failures;
	}
	CHECK_INT_EQ(failures, 0);
	CHECK_INT_EQ(fake_requests(srv), 200);
	CHECK(fake_connections(srv) <= 4);
	jn_tap_diag("200 binds from 4 threads over %u connections", fake_connections(srv));
	jn_kube_client_destroy(c);
	fake_stop(srv);
	free(s);
}

int main(void)
{
	JN_RUN(binds_with_the_exact_binding_and_reuses_the_connection);
	JN_RUN(maps_a_conflict_and_a_missing_object);
	JN_RUN(honors_retry_after_on_the_clock);
	JN_RUN(times_out_and_reports_a_dead_server);
	JN_RUN(rereads_a_rotated_token);
	JN_RUN(lists_every_page);
	JN_RUN(caps_the_response);
	JN_RUN(serves_many_threads_on_a_few_connections);
	return jn_tap_done();
}
