/*
 * A small driver of the kube client and the cache for the integration tests
 * (tests/integration/test_kube_*.py). Not a unit test: it talks to the real apiserver.
 *
 *   kube_driver KUBECONFIG bind NS NAME UID|- NODE   one bind; "ok" or an error line
 *   kube_driver KUBECONFIG get-node NAME             "ok rv=<resourceVersion>" or an error line
 *   kube_driver KUBECONFIG get-node-loop NAME N      N GETs on one client, one thread, then
 *                                                    "ok n=N p50_us=.. p99_us=.. max_us=.."
 *   kube_driver KUBECONFIG verbs NODE NS POD         every other verb in turn on a new node
 *                                                    NODE and an existing pod NS/POD, one line
 *                                                    per step: "<step> ok ..." or
 *                                                    "<step> error kind=..."
 *   kube_driver KUBECONFIG watch [NODE_RV]           node and pod watches into a cache, then
 *                                                    commands on stdin, one answer line each:
 *     wait-synced SECONDS                   "synced nodes=N pods=N check=true" | "timeout"
 *     wait-node NAME present|absent SECONDS "ok check=true" | "timeout"
 *     wait-pod NS NAME NODE SECONDS         "ok node_pods=N node_cpu_milli=N check=true" | "timeout"
 *     stats                                 "node_lists=N node_gone=N node_events=N ..."
 *     quit
 * An error line is "error kind=<kind> ms=<elapsed> msg=<message>"; the exit status is 0 for ok.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jitnode/base.h"
#include "jitnode/cache.h"
#include "jitnode/error.h"
#include "jitnode/kube.h"
#include "jitnode/log.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(const struct jn_error *err, int64_t t0)
{
	printf("error kind=%s ms=%lld msg=%s\n", jn_error_kind_name(err->kind),
		(long long)(now_ms() - t0), err->msg);
	return 1;
}

static bool node_state(struct jn_cache *cache, const char *name, bool want_present)
{
	const struct jn_node *n = jn_cache_node_ref_get(cache, name);
	bool present = n != NULL;
	jn_cache_node_unref(n);
	return present == want_present;
}

static bool pod_on(struct jn_cache *cache, const char *ns, const char *name, const char *node,
	struct jn_cache_node_info *info)
{
	const struct jn_pod *p = jn_cache_pod_get(cache, ns, name);
	bool on = p && jn_str_eq(p->node_name, node);
	jn_cache_pod_unref(p);
	if (!on)
		return false;
	jn_cache_node_get(cache, node, true, info);
	for (size_t i = 0; i < info->n_pods; i++)
		if (strcmp(info->pods[i]->name, name) == 0 && strcmp(info->pods[i]->namespace_, ns) == 0)
			return true;
	jn_cache_node_info_release(info);
	return false;
}

static int watch_session(struct jn_kube_client *client, const char *node_rv,
	struct jn_logger *log)
{
	struct jn_cache *cache = jn_cache_create(&(struct jn_cache_options){ .log = log });
	struct jn_error err;
	struct jn_kube_watch_options nodes = {
		.path = "/api/v1/nodes", .handler = jn_cache_node_handler(), .ctx = cache,
		.resource_version = node_rv, .backoff_base_ms = 100, .backoff_cap_ms = 2000,
	};
	struct jn_kube_watch_options pods = {
		.path = "/api/v1/pods", .handler = jn_cache_pod_handler(), .ctx = cache,
		.backoff_base_ms = 100, .backoff_cap_ms = 2000,
	};
	struct jn_kube_watch *wn = jn_kube_watch_start(client, &nodes, &err);
	struct jn_kube_watch *wp = wn ? jn_kube_watch_start(client, &pods, &err) : NULL;
	if (!wn || !wp) {
		jn_kube_watch_stop(wn);
		jn_cache_destroy(cache);
		return fail(&err, now_ms());
	}
	char line[1024];
	printf("started\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char a[256] = "", b[256] = "", c[256] = "";
		double secs = 0;
		int64_t deadline;
		if (sscanf(line, "wait-synced %lf", &secs) == 1) {
			deadline = now_ms() + (int64_t)(secs * 1000);
			while (!jn_cache_synced(cache) && now_ms() < deadline)
				usleep(20000);
			struct jn_cache_stats st;
			jn_cache_stats(cache, &st);
			if (jn_cache_synced(cache))
				printf("synced nodes=%zu pods=%zu check=%s\n", st.nodes, st.pods,
					jn_cache_check(cache) ? "true" : "false");
			else
				printf("timeout\n");
		} else if (sscanf(line, "wait-node %255s %255s %lf", a, b, &secs) == 3) {
			bool want = strcmp(b, "present") == 0;
			deadline = now_ms() + (int64_t)(secs * 1000);
			while (!node_state(cache, a, want) && now_ms() < deadline)
				usleep(20000);
			if (node_state(cache, a, want))
				printf("ok check=%s\n", jn_cache_check(cache) ? "true" : "false");
			else
				printf("timeout\n");
		} else if (sscanf(line, "wait-pod %255s %255s %255s %lf", a, b, c, &secs) == 4) {
			deadline = now_ms() + (int64_t)(secs * 1000);
			struct jn_cache_node_info info;
			bool on;
			while (!(on = pod_on(cache, a, b, c, &info)) && now_ms() < deadline)
				usleep(20000);
			if (on) {
				printf("ok node_pods=%zu node_cpu_milli=%lld check=%s\n", info.n_pods,
					(long long)info.requested.cpu_milli,
					jn_cache_check(cache) ? "true" : "false");
				jn_cache_node_info_release(&info);
			} else {
				printf("timeout\n");
			}
		} else if (strncmp(line, "stats", 5) == 0) {
			struct jn_kube_watch_stats n, p;
			jn_kube_watch_stats(wn, &n);
			jn_kube_watch_stats(wp, &p);
			printf("node_lists=%llu node_gone=%llu node_events=%llu node_errors=%llu "
				"node_streams=%llu pod_lists=%llu pod_events=%llu\n",
				(unsigned long long)n.lists, (unsigned long long)n.gone,
				(unsigned long long)n.events, (unsigned long long)n.errors,
				(unsigned long long)n.streams, (unsigned long long)p.lists,
				(unsigned long long)p.events);
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		} else {
			printf("unknown command\n");
		}
		fflush(stdout);
	}
	jn_kube_watch_stop(wn);
	jn_kube_watch_stop(wp);
	bool ok = jn_cache_check(cache);
	jn_cache_destroy(cache);
	return ok ? 0 : 1;
}

static bool step(const char *name, int rc, const struct jn_error *err)
{
	if (rc == 0)
		printf("%s ok\n", name);
	else
		printf("%s error kind=%s msg=%s\n", name, jn_error_kind_name(err->kind), err->msg);
	return rc == 0;
}

static const char *member(const json_t *obj, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(obj, a), b));
}

/* create/patch/delete node, events, leases and eviction against the real apiserver. */
static int verbs(struct jn_kube_client *client, const char *node, const char *ns,
	const char *pod)
{
	struct jn_error err;
	json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:{s:s, s:s}}}",
		"apiVersion", "v1", "kind", "Node", "metadata", "name", node, "labels", "jitnode.io/test",
		"yes", "status", "capacity", "cpu", "2", "memory", "4Gi");
	json_t *created = NULL;
	step("create-node", jn_kube_create_node(client, obj, &created, &err), &err);
	step("create-node-again", jn_kube_create_node(client, obj, NULL, &err), &err);
	json_decref(obj);
	char *uid = jn_xstrdup(created ? member(created, "metadata", "uid") : "");
	/* Status may be set on create: the capacity comes back as sent. */
	printf("created capacity_cpu=%s\n", created ? json_string_value(json_object_get(
		json_object_get(json_object_get(created, "status"), "capacity"), "cpu")) : "");
	json_decref(created);

	json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "jitnode.io/patched", "1");
	json_t *patched = NULL;
	if (step("patch-node", jn_kube_patch_node(client, node, patch, false, &patched, &err), &err))
		printf("patched label=%s\n", json_string_value(json_object_get(json_object_get(
			json_object_get(patched, "metadata"), "labels"), "jitnode.io/patched")));
	json_decref(patched);
	json_decref(patch);
	patch = json_pack("{s:{s:{s:s}}}", "status", "allocatable", "cpu", "1500m");
	patched = NULL;
	if (step("patch-node-status", jn_kube_patch_node(client, node, patch, true, &patched, &err),
		&err))
		printf("patched allocatable_cpu=%s\n", json_string_value(json_object_get(
			json_object_get(json_object_get(patched, "status"), "allocatable"), "cpu")));
	json_decref(patched);
	json_decref(patch);

	step("event", jn_kube_create_event(client, "Node", "", node, uid, "Normal", "Launched",
		"launched by the kube driver", "jitnode", &err), &err);

	json_t *lease = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:i}}", "apiVersion",
		"coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", node, "spec",
		"holderIdentity", "driver-a", "leaseDurationSeconds", 15);
	json_t *got = NULL;
	step("lease-create", jn_kube_create_lease(client, ns, lease, NULL, &err), &err);
	step("lease-get", jn_kube_get_lease(client, ns, node, &got, &err), &err);
	json_t *stale = json_deep_copy(got);
	json_object_set_new(json_object_get(got, "spec"), "holderIdentity", json_string("driver-b"));
	json_t *updated = NULL;
	if (step("lease-update", jn_kube_update_lease(client, ns, got, &updated, &err), &err))
		printf("lease holder=%s\n", member(updated, "spec", "holderIdentity"));
	step("lease-update-stale", jn_kube_update_lease(client, ns, stale, NULL, &err), &err);
	json_decref(updated);
	json_decref(stale);
	json_decref(got);
	json_decref(lease);

	/* (A wrong uid is not tried: the apiserver retries the conflict until its own deadline.) */
	step("evict-missing", jn_kube_evict(client, ns, "jn-no-such-pod", NULL, &err), &err);
	step("evict", jn_kube_evict(client, ns, pod, NULL, &err), &err);

	step("delete-node-wrong-uid", jn_kube_delete_node(client, node,
		"00000000-0000-0000-0000-000000000000", &err), &err);
	step("delete-node", jn_kube_delete_node(client, node, uid, &err), &err);
	step("delete-node-again", jn_kube_delete_node(client, node, NULL, &err), &err);
	free(uid);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Latency of back-to-back requests on one client: the first pays the TLS handshake. */
static int get_loop(struct jn_kube_client *client, const char *name, int n)
{
	if (n <= 0)
		return 2;
	int64_t *us = jn_xcalloc((size_t)n, sizeof(*us));
	struct jn_error err;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		json_t *node = NULL;
		if (jn_kube_get_node(client, name, &node, &err) < 0) {
			free(us);
			return fail(&err, now_ms());
		}
		json_decref(node);
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
	}
	int64_t first = us[0];
	qsort(us, (size_t)n, sizeof(*us), cmp_i64);
	printf("ok n=%d first_us=%lld p50_us=%lld p99_us=%lld max_us=%lld\n", n, (long long)first,
		(long long)us[n / 2], (long long)us[(n * 99) / 100], (long long)us[n - 1]);
	free(us);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kube_driver KUBECONFIG bind|get-node|watch ...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct jn_logger *log = jn_logger_create(stderr, JN_LOG_INFO, JN_LOG_FORMAT_TEXT, NULL);
	struct jn_kube_config cfg;
	struct jn_error err;
	int64_t t0 = now_ms();
	int rc = 1;
	if (jn_kube_config_from_kubeconfig(argv[1], NULL, &cfg, &err) < 0) {
		fail(&err, t0);
		jn_logger_destroy(log);
		return 1;
	}
	/* The latency loop measures the transport, not the client-side rate limit. */
	struct jn_kube_client_options opts = { .log = log, .timeout_ms = 10000,
		.qps = strcmp(argv[2], "get-node-loop") == 0 ? -1 : 0 };
	struct jn_kube_client *client = jn_kube_client_create(&cfg, &opts, &err);
	jn_kube_config_release(&cfg);
	if (!client) {
		fail(&err, t0);
		jn_logger_destroy(log);
		return 1;
	}
	const char *cmd = argv[2];
	if (strcmp(cmd, "bind") == 0 && argc == 7) {
		const char *uid = strcmp(argv[5], "-") == 0 ? NULL : argv[5];
		t0 = now_ms();
		if (jn_kube_bind(client, argv[3], argv[4], uid, argv[6], &err) < 0) {
			rc = fail(&err, t0);
		} else {
			printf("ok ms=%lld\n", (long long)(now_ms() - t0));
			rc = 0;
		}
	} else if (strcmp(cmd, "get-node") == 0 && argc == 4) {
		json_t *node = NULL;
		t0 = now_ms();
		if (jn_kube_get_node(client, argv[3], &node, &err) < 0) {
			rc = fail(&err, t0);
		} else {
			printf("ok rv=%s\n", json_string_value(json_object_get(json_object_get(node,
				"metadata"), "resourceVersion")));
			json_decref(node);
			rc = 0;
		}
	} else if (strcmp(cmd, "get-node-loop") == 0 && argc == 5) {
		rc = get_loop(client, argv[3], atoi(argv[4]));
	} else if (strcmp(cmd, "verbs") == 0 && argc == 6) {
		rc = verbs(client, argv[3], argv[4], argv[5]);
	} else if (strcmp(cmd, "watch") == 0) {
		rc = watch_session(client, argc > 3 ? argv[3] : NULL, log);
	} else {
		fprintf(stderr, "kube_driver: unknown command or wrong arguments\n");
		rc = 2;
	}
	jn_kube_client_destroy(client);
	jn_logger_destroy(log);
	return rc;
}
