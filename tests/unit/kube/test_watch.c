/*
 * List+watch against a scripted server, feeding the real cache: events move the
 * resourceVersion, a stream that ends is reopened from it, an ERROR event with code 410 and an
 * HTTP 410 relist (dropping a node deleted meanwhile), an over-cap event relists, failures back
 * off, and stop is prompt.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jitnode/cache.h"
#include "jitnode/error.h"
#include "jitnode/kube.h"
#include "fake_apiserver.h"
#include "tap.h"

#define MAX_TARGETS 64

struct script {
	pthread_mutex_t mu;
	int lists;
	int watches;
	char targets[MAX_TARGETS][512];
	int n_targets;
	bool huge_event;            /* the first watch sends one event over the cap */
};

static const char *node_json(const char *name, const char *uid, const char *rv)
{
	static __thread char buf[512];
	snprintf(buf, sizeof(buf), "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
		"\"%s\",\"uid\":\"%s\",\"resourceVersion\":\"%s\"},\"status\":{\"allocatable\":"
		"{\"cpu\":\"4\",\"memory\":\"8Gi\"}}}", name, uid, rv);
	return buf;
}

static void event(struct jn_buf *b, const char *type, const char *obj)
{
	jn_buf_printf(b, NULL, "{\"type\":\"%s\",\"object\":%s}\n", type, obj);
}

static bool handle(void *ctx, const struct fake_request *req, struct jn_buf *resp)
{
	struct script *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (s->n_targets < MAX_TARGETS)
		snprintf(s->targets[s->n_targets++], 512, "%s", req->target);
	bool watch = strstr(req->target, "watch=1") != NULL;
	int n = watch ? ++s->watches : ++s->lists;
	bool huge = s->huge_event;
	pthread_mutex_unlock(&s->mu);
	struct jn_buf body;
	jn_buf_init(&body, JN_BUF_UNLIMITED);
	if (!watch) {
		/* List 1: n1, n2 at rv 100. Later lists: n1, n3 (n2 was deleted meanwhile). */
		jn_buf_printf(&body, NULL, "{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"metadata\":"
			"{\"resourceVersion\":\"%d\"},\"items\":[", n * 100);
		jn_buf_printf(&body, NULL, "%s,", node_json("n1", "u1", "90"));
		jn_buf_append_str(&body, n == 1 ? node_json("n2", "u2", "91")
			: node_json("n3", "u3", "150"), NULL);
		jn_buf_append_str(&body, "]}", NULL);
		fake_respond(resp, 200, "", body.data);
	} else if (huge && n == 1) {
		struct jn_buf big;
		jn_buf_init(&big, JN_BUF_UNLIMITED);
		jn_buf_append_str(&big, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"nbig\",\"labels\":{"
			"\"x\":\"", NULL);
		for (int i = 0; i < 5000; i++)
			jn_buf_append_str(&big, "y", NULL);
		jn_buf_append_str(&big, "\"}}}", NULL);
		event(&body, "ADDED", big.data);
		jn_buf_release(&big);
		fake_respond(resp, 200, "Connection: close\r\n", body.data);
	} else if (n == 1) {
		event(&body, "ADDED", node_json("n3", "u3", "101"));
		event(&body, "MODIFIED", node_json("n1", "u1", "102"));
		event(&body, "BOOKMARK", "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":"
			"{\"resourceVersion\":\"103\"}}");
		fake_respond(resp, 200, "Connection: close\r\n", body.data);
	} else if (n == 2) {
		event(&body, "ERROR", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			"\"message\":\"too old resource version: 103 (150)\",\"reason\":\"Expired\","
			"\"code\":410}");
		fake_respond(resp, 200, "Connection: close\r\n", body.data);
	} else if (n == 3) {
		fake_respond(resp, 410, "", "{\"kind\":\"Status\",\"message\":\"too old resource "
			"version\",\"reason\":\"Expired\",\"code\":410}");
	} else {
		fake_respond(resp, 503, "", "{\"kind\":\"Status\",\"message\":\"apiserver is shutting "
			"down\",\"code\":503}");
	}
	jn_buf_release(&body);
	return watch;
}

static bool wait_for(struct script *s, int lists, int watches, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		pthread_mutex_lock(&s->mu);
		bool done = s->lists >= lists && s->watches >= watches;
		pthread_mutex_unlock(&s->mu);
		if (done)
			return true;
		usleep(10000);
	}
	return false;
}

static void relists_on_gone_and_follows_resource_versions(void)
{
	struct script s = { .n_targets = 0 };
	pthread_mutex_init(&s.mu, NULL);
	struct fake_server *srv = fake_start(handle, &s);
	struct jn_kube_config cfg = { .server = (char *)fake_url(srv) };
	struct jn_error err;
	struct jn_kube_client *client = jn_kube_client_create(&cfg, NULL, &err);
	struct jn_cache *cache = jn_cache_create(NULL);
	struct jn_kube_watch_options opts = {
		.path = "/api/v1/nodes",
		.label_selector = "pool=a b",
		.handler = jn_cache_node_handler(),
		.ctx = cache,
		.backoff_base_ms = 10,
		.backoff_cap_ms = 40,
		.timeout_seconds = 30,
	};
	struct jn_kube_watch *w = jn_kube_watch_start(client, &opts, &err);
	CHECK(w != NULL);
	/* 3 lists, then streams failing with 503 while we look. */
	CHECK(wait_for(&s, 3, 6, 5000));
	struct jn_kube_watch_stats st;
	jn_kube_watch_stats(w, &st);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	jn_kube_watch_stop(w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double stop_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(stop_s < 1.5);
	CHECK_INT_EQ(st.lists, 3);
	CHECK_INT_EQ(st.gone, 2);
	CHECK_INT_EQ(st.events, 3);
	CHECK(st.errors >= 2);

	pthread_mutex_lock(&s.mu);
	CHECK_STR_EQ(s.targets[0], "/api/v1/nodes?resourceVersion=&labelSelector=pool%3Da%20b"
		"&limit=500");
	CHECK_STR_EQ(s.targets[1], "/api/v1/nodes?watch=1&allowWatchBookmarks=true"
		"&timeoutSeconds=30&resourceVersion=100&labelSelector=pool%3Da%20b");
	/* Reopened from the bookmark's resourceVersion. */
	CHECK_STR_EQ(s.targets[2], "/api/v1/nodes?watch=1&allowWatchBookmarks=true"
		"&timeoutSeconds=30&resourceVersion=103&labelSelector=pool%3Da%20b");
	CHECK_STR_EQ(s.targets[3], "/api/v1/nodes?resourceVersion=&labelSelector=pool%3Da%20b"
		"&limit=500");
	CHECK_STR_EQ(s.targets[4], "/api/v1/nodes?watch=1&allowWatchBookmarks=true"
		"&timeoutSeconds=30&resourceVersion=200&labelSelector=pool%3Da%20b");
	CHECK_STR_CONTAINS(s.targets[6], "resourceVersion=300");
	pthread_mutex_unlock(&s.mu);

	/* The relists dropped n2; n3 came back from the list. */
	CHECK(jn_cache_check(cache));
	const struct jn_node *n2 = jn_cache_node_ref_get(cache, "n2");
	CHECK(n2 == NULL);
	const struct jn_node *n3 = jn_cache_node_ref_get(cache, "n3");
	CHECK(n3 != NULL);
	CHECK_STR_EQ(n3 ? n3->resource_version : NULL, "150");
	jn_cache_node_unref(n3);
	struct jn_cache_stats cs;
	jn_cache_stats(cache, &cs);
	CHECK_INT_EQ(cs.nodes, 2);
	jn_cache_destroy(cache);
	jn_kube_client_destroy(client);
	fake_stop(srv);
}

static void an_event_over_the_cap_relists(void)
{
	struct script s = { .huge_event = true };
	pthread_mutex_init(&s.mu, NULL);
	struct fake_server *srv = fake_start(handle, &s);
	struct jn_kube_config cfg = { .server = (char *)fake_url(srv) };
	struct jn_error err;
	struct jn_kube_client *client = jn_kube_client_create(&cfg, NULL, &err);
	struct jn_cache *cache = jn_cache_create(NULL);
	struct jn_kube_watch_options opts = {
		.path = "/api/v1/nodes", .handler = jn_cache_node_handler(), .ctx = cache,
		.max_event_bytes = 4096, .backoff_base_ms = 10, .backoff_cap_ms = 20,
	};
	struct jn_kube_watch *w = jn_kube_watch_start(client, &opts, &err);
	CHECK(wait_for(&s, 2, 2, 5000));
	jn_kube_watch_stop(w);
	const struct jn_node *big = jn_cache_node_ref_get(cache, "nbig");
	CHECK(big == NULL);
	pthread_mutex_lock(&s.mu);
	CHECK(strstr(s.targets[1], "watch=1") != NULL);
	CHECK(strstr(s.targets[2], "watch=1") == NULL);     /* the list that followed */
	pthread_mutex_unlock(&s.mu);
	jn_cache_destroy(cache);
	jn_kube_client_destroy(client);
	fake_stop(srv);
}

int main(void)
{
	JN_RUN(relists_on_gone_and_follows_resource_versions);
	JN_RUN(an_event_over_the_cap_relists);
	return jn_tap_done();
}
