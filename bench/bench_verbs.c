/*
 * The extender verbs' own cost, without HTTP: a cache of 500 nodes and 2,000 bound pods (fed
 * through the watch handlers, as the daemon feeds it), then /filter and /prioritize requests as
 * kube-scheduler sends them for 500 nodes (NodeNames, nodeCacheCapable) timed in a loop.
 * Prints one key=value line per verb: microseconds per request and per node name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jitnode/buf.h"
#include "jitnode/cache.h"
#include "jitnode/extender.h"
#include "jitnode/kube.h"

#define NODES 500
#define PODS 2000
#define ROUNDS 2000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *node_json(int i)
{
	char name[32];
	snprintf(name, sizeof(name), "node-%d", i);
	return json_pack("{s:{s:s,s:s},s:{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s}}}", "metadata", "name",
		name, "uid", name, "status", "capacity", "cpu", "32", "memory", "128Gi", "pods", "110",
		"allocatable", "cpu", "32", "memory", "128Gi", "pods", "110");
}

static json_t *pod_json(int i, const char *node)
{
	char name[32], uid[32];
	snprintf(name, sizeof(name), "pod-%d", i);
	snprintf(uid, sizeof(uid), "uid-%d", i);
	json_t *pod = json_pack("{s:{s:s,s:s,s:s},s:{s:[{s:s,s:s,s:{s:{s:s,s:s}}}]},s:{s:s}}",
		"metadata", "name", name, "namespace", "default", "uid", uid,
		"spec", "containers", "name", "c", "image", "pause", "resources", "requests",
		"cpu", "100m", "memory", "64Mi", "status", "phase", "Running");
	if (node)
		json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(node));
	return pod;
}

static void run(struct jn_extender *ext, const char *verb,
	int (*fn)(struct jn_extender *, const char *, size_t, struct jn_buf *), const char *body)
{
	struct jn_buf out;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	size_t len = strlen(body);
	double t0 = now_s();
	for (int r = 0; r < ROUNDS; r++) {
		jn_buf_reset(&out);
		if (fn(ext, body, len, &out) != 200) {
			fprintf(stderr, "%s failed: %s\n", verb, jn_buf_cstr(&out));
			exit(1);
		}
	}
	double per = (now_s() - t0) / ROUNDS;
	printf("verb=%s nodes=%d request_bytes=%zu us_per_request=%.1f ns_per_node=%.0f\n", verb,
		NODES, len, per * 1e6, per * 1e9 / NODES);
	jn_buf_release(&out);
}

int main(void)
{
	struct jn_cache *cache = jn_cache_create(&(struct jn_cache_options){ 0 });
	struct jn_watch_handler nodes = jn_cache_node_handler(), pods = jn_cache_pod_handler();
	nodes.on_event(cache, JN_WATCH_LIST_BEGIN, NULL);
	for (int i = 0; i < NODES; i++) {
		json_t *n = node_json(i);
		nodes.on_event(cache, JN_WATCH_ADDED, n);
		json_decref(n);
	}
	nodes.on_synced(cache);
	pods.on_event(cache, JN_WATCH_LIST_BEGIN, NULL);
	for (int i = 0; i < PODS; i++) {
		char node[32];
		snprintf(node, sizeof(node), "node-%d", i % NODES);
		json_t *p = pod_json(i, node);
		pods.on_event(cache, JN_WATCH_ADDED, p);
		json_decref(p);
	}
	pods.on_synced(cache);

	struct jn_extender_backend *backend = jn_extender_backend_cluster_create(cache, NULL);
	struct jn_extender *ext = jn_extender_create(backend, NULL);
	json_t *args = json_object();
	json_t *pod = pod_json(PODS, NULL);
	json_object_set_new(args, "Pod", pod);
	json_object_set_new(args, "Nodes", json_null());
	json_t *names = json_array();
	for (int i = 0; i < NODES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "node-%d", i);
		json_array_append_new(names, json_string(name));
	}
	json_object_set_new(args, "NodeNames", names);
	char *body = json_dumps(args, JSON_COMPACT);
	run(ext, "filter", jn_extender_filter, body);
	run(ext, "prioritize", jn_extender_prioritize, body);
	free(body);
	json_decref(args);
	jn_extender_destroy(ext);
	jn_extender_backend_cluster_destroy(backend);
	jn_cache_destroy(cache);
	return 0;
}
