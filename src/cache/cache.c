/*
 * The cluster cache: applying watch events (cache.h has the design note).
 *
 * Ownership inside: the primary maps (pods, nodes) own one reference to each object; the uid
 * index and the slots borrow it. Readers that want an object past their critical section take
 * their own reference. Objects are decoded before the write lock is taken and freed after it
 * is dropped, so the lock covers only index updates.
 */
#define _GNU_SOURCE     /* pthread_rwlockattr_setkind_np: writer preference */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/log.h"
#include "cache_internal.h"

struct jn_cache *jn_cache_create(const struct jn_cache_options *opts)
{
	struct jn_cache *c = jn_xcalloc(1, sizeof(*c));
	c->log = opts ? opts->log : NULL;
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&c->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&c->sync_mu, NULL);
	pthread_condattr_t cattr;
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->sync_cv, &cattr);
	pthread_condattr_destroy(&cattr);
	jn_cache_index_init(&c->pods);
	jn_cache_index_init(&c->pods_by_uid);
	jn_cache_index_init(&c->nodes);
	jn_cache_index_init(&c->slots);
	return c;
}

/* ---- references ---------------------------------------------------------------------------- */

const struct jn_pod *jn_cache_pod_ref(const struct jn_pod *pod)
{
	struct jn_cache_pod *p = (struct jn_cache_pod *)pod;
	atomic_fetch_add(&p->refs, 1);
	return pod;
}

void jn_cache_pod_unref(const struct jn_pod *pod)
{
	struct jn_cache_pod *p = (struct jn_cache_pod *)pod;
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	jn_pod_release(&p->pod);
	free(p->key);
	free(p);
}

const struct jn_node *jn_cache_node_ref(const struct jn_node *node)
{
	struct jn_cache_node *n = (struct jn_cache_node *)node;
	atomic_fetch_add(&n->refs, 1);
	return node;
}

void jn_cache_node_unref(const struct jn_node *node)
{
	struct jn_cache_node *n = (struct jn_cache_node *)node;
	if (!n || atomic_fetch_sub(&n->refs, 1) != 1)
		return;
	jn_node_release(&n->node);
	free(n);
}

/* ---- slots ---------------------------------------------------------------------------------- */

void jn_cache_slot_sum(const struct jn_cache_slot *slot, struct jn_resources *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < slot->n_pods; i++)
		jn_resources_add(out, &slot->pods[i]->pod.requests);
}

struct jn_cache_slot *jn_cache_slot_get(struct jn_cache *c, const char *name)
{
	struct jn_cache_slot *s = jn_cache_index_get(&c->slots, name);
	if (!s) {
		s = jn_xcalloc(1, sizeof(*s));
		s->name = jn_xstrdup(name);
		jn_cache_index_put(&c->slots, s->name, s);
	}
	return s;
}

static void slot_free(struct jn_cache_slot *s)
{
	jn_resources_release(&s->requested);
	free(s->pods);
	free(s->name);
	free(s);
}

void jn_cache_slot_gc(struct jn_cache *c, struct jn_cache_slot *s)
{
	if (s->node || s->n_pods || s->marks)
		return;
	jn_cache_index_remove(&c->slots, s->name);
	slot_free(s);
}

static void resum(struct jn_cache_slot *s)
{
	jn_resources_release(&s->requested);
	jn_cache_slot_sum(s, &s->requested);
}

static void account(struct jn_cache *c, struct jn_cache_pod *p)
{
	if (!p->holds)
		return;
	struct jn_cache_slot *s = jn_cache_slot_get(c, p->pod.node_name);
	*JN_PUSH(s->pods, s->n_pods, s->cap_pods) = p;
	resum(s);
}

static void unaccount(struct jn_cache *c, struct jn_cache_pod *p)
{
	if (!p->holds)
		return;
	struct jn_cache_slot *s = jn_cache_index_get(&c->slots, p->pod.node_name);
	if (!s)
		return;
	for (size_t i = 0; i < s->n_pods; i++) {
		if (s->pods[i] == p) {
			s->pods[i] = s->pods[--s->n_pods];
			break;
		}
	}
	resum(s);
	jn_cache_slot_gc(c, s);
}

/* ---- pods ----------------------------------------------------------------------------------- */

static bool holds_resources(const struct jn_pod *pod)
{
	return pod->node_name && *pod->node_name && !jn_str_eq(pod->phase, "Succeeded") &&
		!jn_str_eq(pod->phase, "Failed");
}

/* Unlinks p from every index; the caller drops the primary reference. */
static void pod_unlink(struct jn_cache *c, struct jn_cache_pod *p)
{
	jn_cache_index_remove(&c->pods, p->key);
	if (p->pod.uid && jn_cache_index_get(&c->pods_by_uid, p->pod.uid) == p)
		jn_cache_index_remove(&c->pods_by_uid, p->pod.uid);
	unaccount(c, p);
}

/* Publishes p (taking over the reference); returns the version it replaced, to unref. */
static struct jn_cache_pod *pod_publish(struct jn_cache *c, struct jn_cache_pod *p)
{
	struct jn_cache_pod *old = jn_cache_index_get(&c->pods, p->key);
	if (old)
		pod_unlink(c, old);
	jn_cache_index_put(&c->pods, p->key, p);
	if (p->pod.uid)
		jn_cache_index_put(&c->pods_by_uid, p->pod.uid, p);
	account(c, p);
	return old;
}

static struct jn_cache_pod *decode_pod(struct jn_cache *c, const json_t *obj)
{
	struct jn_cache_pod *p = jn_xcalloc(1, sizeof(*p));
	struct jn_error err;
	struct jn_json_path root = JN_JSON_ROOT;
	if (jn_pod_from_json(obj, &root, &p->pod, &err) < 0) {
		const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"),
			"name"));
		jn_log_warn(c->log, "skipped an undecodable pod", JN_LOG_STR("pod", name),
			JN_LOG_STR("error", err.msg));
		free(p);
		return NULL;
	}
	atomic_init(&p->refs, 1);
	p->key = jn_xasprintf("%s/%s", p->pod.namespace_, p->pod.name);
	p->holds = holds_resources(&p->pod);
	return p;
}

static void on_pod_event(void *ctx, enum jn_watch_event ev, const json_t *obj)
{
	struct jn_cache *c = ctx;
	if (ev == JN_WATCH_BOOKMARK)
		return;
	if (ev == JN_WATCH_LIST_BEGIN) {
		pthread_rwlock_wrlock(&c->lock);
		c->pod_epoch++;
		pthread_rwlock_unlock(&c->lock);
		return;
	}
	struct jn_cache_pod *p = decode_pod(c, obj);
	struct jn_cache_pod *drop = NULL;
	pthread_rwlock_wrlock(&c->lock);
	c->events++;
	if (!p) {
		c->decode_errors++;
	} else if (ev == JN_WATCH_DELETED) {
		struct jn_cache_pod *old = jn_cache_index_get(&c->pods, p->key);
		/* A late DELETED of an older pod with the same name must not remove the new one. */
		if (old && (!old->pod.uid || !p->pod.uid || strcmp(old->pod.uid, p->pod.uid) == 0)) {
			pod_unlink(c, old);
			drop = old;
		}
	} else {
		p->epoch = c->pod_epoch;
		drop = pod_publish(c, p);
		p = NULL;
	}
	pthread_rwlock_unlock(&c->lock);
	jn_cache_pod_unref(drop ? &drop->pod : NULL);
	jn_cache_pod_unref(p ? &p->pod : NULL);
}

/* ---- nodes ---------------------------------------------------------------------------------- */

static struct jn_cache_node *decode_node(struct jn_cache *c, const json_t *obj)
{
	struct jn_cache_node *n = jn_xcalloc(1, sizeof(*n));
	struct jn_error err;
	struct jn_json_path root = JN_JSON_ROOT;
	if (jn_node_from_json(obj, &root, &n->node, &err) < 0) {
		const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"),
			"name"));
		jn_log_warn(c->log, "skipped an undecodable node", JN_LOG_STR("node", name),
			JN_LOG_STR("error", err.msg));
		free(n);
		return NULL;
	}
	if (!n->node.name) {
		jn_node_release(&n->node);
		free(n);
		return NULL;
	}
	atomic_init(&n->refs, 1);
	return n;
}

/* Removes node n (linked under its name); returns it for the caller to unref. */
static struct jn_cache_node *node_unlink(struct jn_cache *c, struct jn_cache_node *n)
{
	jn_cache_index_remove(&c->nodes, n->node.name);
	struct jn_cache_slot *s = jn_cache_index_get(&c->slots, n->node.name);
	if (s) {
		s->node = NULL;
		s->marks = 0;           /* the node is gone: "deleting it" has happened */
		jn_cache_slot_gc(c, s);
	}
	return n;
}

static void on_node_event(void *ctx, enum jn_watch_event ev, const json_t *obj)
{
	struct jn_cache *c = ctx;
	if (ev == JN_WATCH_BOOKMARK)
		return;
	if (ev == JN_WATCH_LIST_BEGIN) {
		pthread_rwlock_wrlock(&c->lock);
		c->node_epoch++;
		pthread_rwlock_unlock(&c->lock);
		return;
	}
	struct jn_cache_node *n = decode_node(c, obj);
	struct jn_cache_node *drop = NULL;
	pthread_rwlock_wrlock(&c->lock);
	c->events++;
	if (!n) {
		c->decode_errors++;
	} else if (ev == JN_WATCH_DELETED) {
		struct jn_cache_node *old = jn_cache_index_get(&c->nodes, n->node.name);
		if (old && (!old->node.uid || !n->node.uid || strcmp(old->node.uid, n->node.uid) == 0))
			drop = node_unlink(c, old);
	} else {
		n->epoch = c->node_epoch;
		drop = jn_cache_index_put(&c->nodes, n->node.name, n);
		jn_cache_slot_get(c, n->node.name)->node = n;
		n = NULL;
	}
	pthread_rwlock_unlock(&c->lock);
	jn_cache_node_unref(drop ? &drop->node : NULL);
	jn_cache_node_unref(n ? &n->node : NULL);
}

/* ---- relists -------------------------------------------------------------------------------- */

static void signal_synced(struct jn_cache *c)
{
	pthread_mutex_lock(&c->sync_mu);
	pthread_cond_broadcast(&c->sync_cv);
	pthread_mutex_unlock(&c->sync_mu);
}

/* Collects the entries of ix whose epoch is older than `epoch` (pods or nodes). */
#define COLLECT_STALE(ix, type, min_epoch, out, n, cap) do { \
	size_t b_ = 0; \
	for (struct jn_cache_ientry *it_ = NULL; (it_ = jn_cache_index_next((ix), &b_, it_));) { \
		type *o_ = it_->value; \
		if (o_->epoch < (min_epoch)) \
			*JN_PUSH((out), (n), (cap)) = o_; \
	} \
} while (0)

static void on_pods_synced(void *ctx)
{
	struct jn_cache *c = ctx;
	struct jn_cache_pod **stale = NULL;
	size_t n = 0, cap = 0;
	pthread_rwlock_wrlock(&c->lock);
	COLLECT_STALE(&c->pods, struct jn_cache_pod, c->pod_epoch, stale, n, cap);
	for (size_t i = 0; i < n; i++)
		pod_unlink(c, stale[i]);
	c->pods_synced = true;
	pthread_rwlock_unlock(&c->lock);
	for (size_t i = 0; i < n; i++)
		jn_cache_pod_unref(&stale[i]->pod);
	free(stale);
	jn_log_info(c->log, "pods synced", JN_LOG_INT("dropped", n));
	signal_synced(c);
}

static void on_nodes_synced(void *ctx)
{
	struct jn_cache *c = ctx;
	struct jn_cache_node **stale = NULL;
	size_t n = 0, cap = 0;
	pthread_rwlock_wrlock(&c->lock);
	COLLECT_STALE(&c->nodes, struct jn_cache_node, c->node_epoch, stale, n, cap);
	for (size_t i = 0; i < n; i++)
		node_unlink(c, stale[i]);
	c->nodes_synced = true;
	pthread_rwlock_unlock(&c->lock);
	for (size_t i = 0; i < n; i++)
		jn_cache_node_unref(&stale[i]->node);
	free(stale);
	jn_log_info(c->log, "nodes synced", JN_LOG_INT("dropped", n));
	signal_synced(c);
}

struct jn_watch_handler jn_cache_node_handler(void)
{
	return (struct jn_watch_handler){ .on_event = on_node_event, .on_synced = on_nodes_synced };
}

struct jn_watch_handler jn_cache_pod_handler(void)
{
	return (struct jn_watch_handler){ .on_event = on_pod_event, .on_synced = on_pods_synced };
}

bool jn_cache_synced(struct jn_cache *c)
{
	pthread_rwlock_rdlock(&c->lock);
	bool synced = c->pods_synced && c->nodes_synced;
	pthread_rwlock_unlock(&c->lock);
	return synced;
}

bool jn_cache_wait_synced(struct jn_cache *c, int64_t timeout_ms)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->sync_mu);
	while (!jn_cache_synced(c)) {
		if (pthread_cond_timedwait(&c->sync_cv, &c->sync_mu, &deadline) != 0)
			break;
	}
	pthread_mutex_unlock(&c->sync_mu);
	return jn_cache_synced(c);
}

/* ---- teardown ------------------------------------------------------------------------------- */

void jn_cache_destroy(struct jn_cache *c)
{
	if (!c)
		return;
	size_t b = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->pods, &b, it));)
		jn_cache_pod_unref(&((struct jn_cache_pod *)it->value)->pod);
	b = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->nodes, &b, it));)
		jn_cache_node_unref(&((struct jn_cache_node *)it->value)->node);
	b = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->slots, &b, it));)
		slot_free(it->value);
	jn_cache_index_release(&c->pods);
	jn_cache_index_release(&c->pods_by_uid);
	jn_cache_index_release(&c->nodes);
	jn_cache_index_release(&c->slots);
	pthread_cond_destroy(&c->sync_cv);
	pthread_mutex_destroy(&c->sync_mu);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}
