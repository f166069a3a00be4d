/*
 * The cluster cache driven by recorded watch event streams (tests/fixtures/kube/cache-*.jsonl:
 * one event per line, {"stream":"nodes"|"pods","type":...,"object":...}, with LIST_BEGIN and
 * SYNCED lines where a list starts and ends). jn_cache_check() runs after every event.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/buf.h"
#include "jitnode/cache.h"
#include "jitnode/error.h"
#include "../../../src/cache/cache_internal.h"
#include "tap.h"

/* Replays up to `max_lines` events of a fixture (0 = all); returns how many were applied. */
static int replay(struct jn_cache *cache, const char *fixture, int max_lines)
{
	char *path = jn_test_source_path(fixture);
	struct jn_buf text;
	jn_buf_init(&text, JN_BUF_UNLIMITED);
	struct jn_error err;
	if (jn_buf_read_file(&text, path, &err) < 0) {
		jn_tap_check(false, __FILE__, __LINE__, "reading %s: %s", fixture, err.msg);
		free(path);
		return 0;
	}
	struct jn_watch_handler nodes = jn_cache_node_handler();
	struct jn_watch_handler pods = jn_cache_pod_handler();
	int n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (max_lines && n == max_lines)
			break;
		json_t *ev = json_loads(line, 0, NULL);
		const char *stream = json_string_value(json_object_get(ev, "stream"));
		const char *type = json_string_value(json_object_get(ev, "type"));
		const json_t *obj = json_object_get(ev, "object");
		struct jn_watch_handler *h = strcmp(stream, "nodes") == 0 ? &nodes : &pods;
		if (strcmp(type, "SYNCED") == 0)
			h->on_synced(cache);
		else if (strcmp(type, "LIST_BEGIN") == 0)
			h->on_event(cache, JN_WATCH_LIST_BEGIN, NULL);
		else if (strcmp(type, "ADDED") == 0)
			h->on_event(cache, JN_WATCH_ADDED, obj);
		else if (strcmp(type, "MODIFIED") == 0)
			h->on_event(cache, JN_WATCH_MODIFIED, obj);
		else if (strcmp(type, "DELETED") == 0)
			h->on_event(cache, JN_WATCH_DELETED, obj);
		else
			h->on_event(cache, JN_WATCH_BOOKMARK, obj);
		n++;
		jn_tap_check(jn_cache_check(cache), __FILE__, __LINE__,
			"jn_cache_check after %s line %d (%s %s)", fixture, n, stream, type);
		json_decref(ev);
	}
	jn_buf_release(&text);
	free(path);
	return n;
}

static void expect_node(struct jn_cache *cache, const char *name, bool present, size_t pods,
	int64_t cpu, int64_t memory)
{
	struct jn_cache_node_info info;
	bool found = jn_cache_node_get(cache, name, false, &info);
	jn_tap_check(found == (present || pods), __FILE__, __LINE__, "node %s known: %d", name,
		found);
	jn_tap_check((info.node != NULL) == present, __FILE__, __LINE__, "node %s present: %d",
		name, info.node != NULL);
	jn_tap_check(info.n_pods == pods, __FILE__, __LINE__, "node %s pods %zu, want %zu", name,
		info.n_pods, pods);
	jn_tap_check(info.requested.cpu_milli == cpu, __FILE__, __LINE__,
		"node %s cpu %lld, want %lld", name, (long long)info.requested.cpu_milli,
		(long long)cpu);
	jn_tap_check(info.requested.memory == memory, __FILE__, __LINE__,
		"node %s memory %lld, want %lld", name, (long long)info.requested.memory,
		(long long)memory);
	jn_cache_node_info_release(&info);
}

#define MI (INT64_C(1) << 20)

static void initial_lists_index_nodes_and_pods(void)
{
	struct jn_cache *cache = jn_cache_create(NULL);
	CHECK(!jn_cache_synced(cache));
	CHECK_INT_EQ(replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 4), 4);
	CHECK(!jn_cache_synced(cache));     /* nodes only */
	CHECK_INT_EQ(replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 10), 10);
	CHECK(jn_cache_synced(cache));
	/* Replaying the lists again is idempotent (a relist that changes nothing). */
	expect_node(cache, "n1", true, 2, 750, 1536 * MI);
	/* job-1 Succeeded: known, not counted on n2. */
	expect_node(cache, "n2", true, 0, 0, 0);
	const struct jn_pod *job = jn_cache_pod_get(cache, "batch", "job-1");
	CHECK(job != NULL);
	CHECK_STR_EQ(job->node_name, "n2");
	jn_cache_pod_unref(job);
	struct jn_cache_stats st;
	jn_cache_stats(cache, &st);
	CHECK_INT_EQ(st.nodes, 2);
	CHECK_INT_EQ(st.pods, 4);
	CHECK_INT_EQ(st.bound_pods, 2);
	jn_cache_destroy(cache);
}

static void watch_events_move_pods_between_nodes(void)
{
	struct jn_cache *cache = jn_cache_create(NULL);
	CHECK_INT_EQ(replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 0), 22);
	/* web-1 Succeeded and web-2 deleted: n1 keeps only web-5 (the new one). */
	expect_node(cache, "n1", true, 1, 100, 100 * MI);
	/* web-4 (300m, 256Mi, 1 gpu) added and web-3 (1 cpu, 2Gi) bound to n2. */
	expect_node(cache, "n2", true, 2, 1300, 2304 * MI);
	expect_node(cache, "n3", false, 0, 0, 0);
	struct jn_cache_node_info info;
	CHECK(jn_cache_node_get(cache, "n2", true, &info));
	CHECK_INT_EQ(jn_resources_get(&info.requested, "nvidia.com/gpu"), 1);
	CHECK_STR_EQ(jn_strmap_get(&info.node->labels, "zone"), "a");
	CHECK_STR_EQ(info.node->resource_version, "36");
	CHECK_INT_EQ(info.n_pods, 2);
	bool has3 = false, has4 = false;
	for (size_t i = 0; i < info.n_pods; i++) {
		has3 |= strcmp(info.pods[i]->name, "web-3") == 0;
		has4 |= strcmp(info.pods[i]->name, "web-4") == 0;
	}
	CHECK(has3 && has4);
	jn_cache_node_info_release(&info);

	CHECK(jn_cache_pod_get(cache, "default", "web-2") == NULL);
	CHECK(jn_cache_pod_get_by_uid(cache, "pod-u2") == NULL);
	const struct jn_pod *p = jn_cache_pod_get_by_uid(cache, "pod-u5b");
	CHECK(p != NULL);
	CHECK_STR_EQ(p ? p->name : NULL, "web-5");
	jn_cache_pod_unref(p);
	CHECK(jn_cache_pod_get(cache, "default", "bad-1") == NULL);
	struct jn_cache_stats st;
	jn_cache_stats(cache, &st);
	CHECK_INT_EQ(st.decode_errors, 1);
	CHECK_INT_EQ(st.nodes, 2);
	CHECK_INT_EQ(st.pods, 5);   /* web-1 (Succeeded), web-3, web-4, web-5, job-1 */
	jn_cache_destroy(cache);
}

static void a_reference_outlives_the_update_that_replaced_it(void)
{
	struct jn_cache *cache = jn_cache_create(NULL);
	replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 10);
	const struct jn_pod *old = jn_cache_pod_get(cache, "default", "web-3");
	CHECK(old != NULL && old->node_name == NULL);
	replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 0);
	/* The cache moved on; the reference still sees the version it took. */
	CHECK(old->node_name == NULL);
	CHECK_STR_EQ(old->resource_version, "22");
	const struct jn_pod *now = jn_cache_pod_get(cache, "default", "web-3");
	CHECK_STR_EQ(now->node_name, "n2");
	jn_cache_pod_unref(now);
	jn_cache_destroy(cache);
	CHECK_STR_EQ(old->name, "web-3");     /* even past the cache's end */
	jn_cache_pod_unref(old);
}

static void a_relist_drops_what_was_deleted_meanwhile(void)
{
	struct jn_cache *cache = jn_cache_create(NULL);
	CHECK_INT_EQ(replay(cache, "tests/fixtures/kube/cache-relist.jsonl", 10), 10);
	expect_node(cache, "n2", true, 1, 1000, 1024 * MI);
	jn_cache_mark(cache, "n2", JN_CACHE_MARK_DELETING, 0);
	CHECK_INT_EQ(replay(cache, "tests/fixtures/kube/cache-relist.jsonl", 0), 20);
	/* n2 and its pod b vanished in the relist, and the mark with the node. */
	expect_node(cache, "n2", false, 0, 0, 0);
	CHECK_INT_EQ(jn_cache_marks(cache, "n2"), 0);
	CHECK(jn_cache_pod_get(cache, "default", "b") == NULL);
	expect_node(cache, "n1", true, 1, 1000, 1024 * MI);
	expect_node(cache, "n3", true, 1, 2000, 1024 * MI);
	struct jn_cache_snapshot *snap = jn_cache_snapshot(cache, JN_CACHE_SNAPSHOT_PODS);
	CHECK(snap->synced);
	CHECK_INT_EQ(snap->n_nodes, 2);
	CHECK_STR_EQ(snap->nodes[0].node->name, "n1");
	CHECK_STR_EQ(snap->nodes[1].node->name, "n3");
	CHECK_INT_EQ(snap->n_unbound, 1);
	CHECK_STR_EQ(snap->unbound[0]->name, "d");
	const struct jn_cache_node_info *n3 = jn_cache_snapshot_find(snap, "n3");
	CHECK(n3 != NULL && n3->n_pods == 1 && strcmp(n3->pods[0]->name, "c") == 0);
	CHECK(jn_cache_snapshot_find(snap, "n2") == NULL);
	CHECK(jn_cache_snapshot_find(snap, "a") == NULL);
	jn_cache_snapshot_release(snap);
	jn_cache_destroy(cache);
}

static void marks_live_on_names(void)
{
	struct jn_cache *cache = jn_cache_create(NULL);
	/* A mark may come before the node does. */
	jn_cache_mark(cache, "n1", JN_CACHE_MARK_DELETING | JN_CACHE_MARK_DRAINING, 0);
	CHECK(jn_cache_check(cache));
	CHECK_INT_EQ(jn_cache_marks(cache, "n1"), JN_CACHE_MARK_DELETING | JN_CACHE_MARK_DRAINING);
	struct jn_cache_node_info info;
	CHECK(jn_cache_node_get(cache, "n1", false, &info));
	CHECK_INT_EQ(info.marks, JN_CACHE_MARK_DELETING | JN_CACHE_MARK_DRAINING);
	jn_cache_node_info_release(&info);
	replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 10);
	CHECK_INT_EQ(jn_cache_marks(cache, "n1"), JN_CACHE_MARK_DELETING | JN_CACHE_MARK_DRAINING);
	jn_cache_mark(cache, "n1", 0, JN_CACHE_MARK_DRAINING);
	CHECK_INT_EQ(jn_cache_marks(cache, "n1"), JN_CACHE_MARK_DELETING);
	CHECK(jn_cache_check(cache));
	/* Clearing every mark of an unknown name forgets it. */
	jn_cache_mark(cache, "ghost", JN_CACHE_MARK_DELETING, 0);
	jn_cache_mark(cache, "ghost", 0, JN_CACHE_MARK_DELETING);
	CHECK(!jn_cache_node_get(cache, "ghost", false, &info));
	CHECK(jn_cache_check(cache));
	jn_cache_destroy(cache);
}

static void check_catches_a_broken_index(void)
{
	struct jn_cache *cache = jn_cache_create(NULL);
	replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 10);
	struct jn_cache_slot *s = jn_cache_index_get(&cache->slots, "n1");
	s->requested.cpu_milli += 1;
	CHECK(!jn_cache_check(cache));
	s->requested.cpu_milli -= 1;
	CHECK(jn_cache_check(cache));
	struct jn_cache_pod *p = s->pods[0];
	s->pods[0] = s->pods[1];
	CHECK(!jn_cache_check(cache));     /* one pod listed twice, the other not at all */
	s->pods[0] = p;
	void *u = jn_cache_index_remove(&cache->pods_by_uid, "pod-u1");
	CHECK(!jn_cache_check(cache));
	jn_cache_index_put(&cache->pods_by_uid, ((struct jn_cache_pod *)u)->pod.uid, u);
	CHECK(jn_cache_check(cache));
	jn_cache_destroy(cache);
}

/* Readers on several threads while a writer replays: no reader may see a broken index. */
struct reader_ctx {
	struct jn_cache *cache;
	_Atomic bool *stop;
	long reads;
	long bad;
};

static void *reader(void *arg)
{
	struct reader_ctx *r = arg;
	while (!*r->stop) {
		struct jn_cache_snapshot *snap = jn_cache_snapshot(r->cache, JN_CACHE_SNAPSHOT_PODS);
		for (size_t i = 0; i < snap->n_nodes; i++) {
			struct jn_resources sum = { 0 };
			for (size_t j = 0; j < snap->nodes[i].n_pods; j++)
				jn_resources_add(&sum, &snap->nodes[i].pods[j]->requests);
			if (sum.cpu_milli != snap->nodes[i].requested.cpu_milli)
				r->bad++;
			jn_resources_release(&sum);
		}
		jn_cache_snapshot_release(snap);
		const struct jn_pod *p = jn_cache_pod_get(r->cache, "default", "web-3");
		jn_cache_pod_unref(p);
		r->reads++;
	}
	return NULL;
}

static void readers_run_beside_the_writer(void)
{
	struct jn_cache *cache = jn_cache_create(NULL);
	_Atomic bool stop = false;
	struct reader_ctx r[3];
	pthread_t t[3];
	for (int i = 0; i < 3; i++) {
		r[i] = (struct reader_ctx){ .cache = cache, .stop = &stop };
		pthread_create(&t[i], NULL, reader, &r[i]);
	}
	for (int round = 0; round < 20; round++) {
		replay(cache, "tests/fixtures/kube/cache-watch.jsonl", 0);
		replay(cache, "tests/fixtures/kube/cache-relist.jsonl", 0);
	}
	stop = true;
	long reads = 0, bad = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		reads += r[i].reads;
		bad += r[i].bad;
	}
	CHECK(reads > 0);
	CHECK_INT_EQ(bad, 0);
	jn_tap_diag("%ld snapshots read beside 840 events", reads);
	jn_cache_destroy(cache);
}

int main(void)
{
	JN_RUN(initial_lists_index_nodes_and_pods);
	JN_RUN(watch_events_move_pods_between_nodes);
	JN_RUN(a_reference_outlives_the_update_that_replaced_it);
	JN_RUN(a_relist_drops_what_was_deleted_meanwhile);
	JN_RUN(marks_live_on_names);
	JN_RUN(check_catches_a_broken_index);
	JN_RUN(readers_run_beside_the_writer);
	return jn_tap_done();
}
