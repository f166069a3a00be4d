/*
 * Reading the cache: lookups, marks and snapshots. Each takes the read lock for a few index
 * operations and reference increments; copies that allocate (summed resources) are the only
 * other work done under it.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "cache_internal.h"

const struct jn_pod *jn_cache_pod_get(struct jn_cache *c, const char *ns, const char *name)
{
	char *key = jn_xasprintf("%s/%s", ns, name);
	pthread_rwlock_rdlock(&c->lock);
	struct jn_cache_pod *p = jn_cache_index_get(&c->pods, key);
	if (p)
		jn_cache_pod_ref(&p->pod);
	pthread_rwlock_unlock(&c->lock);
	free(key);
	return p ? &p->pod : NULL;
}

const struct jn_pod *jn_cache_pod_get_by_uid(struct jn_cache *c, const char *uid)
{
	pthread_rwlock_rdlock(&c->lock);
	struct jn_cache_pod *p = jn_cache_index_get(&c->pods_by_uid, uid);
	if (p)
		jn_cache_pod_ref(&p->pod);
	pthread_rwlock_unlock(&c->lock);
	return p ? &p->pod : NULL;
}

const struct jn_node *jn_cache_node_ref_get(struct jn_cache *c, const char *name)
{
	pthread_rwlock_rdlock(&c->lock);
	struct jn_cache_node *n = jn_cache_index_get(&c->nodes, name);
	if (n)
		jn_cache_node_ref(&n->node);
	pthread_rwlock_unlock(&c->lock);
	return n ? &n->node : NULL;
}

void jn_cache_node_info_release(struct jn_cache_node_info *info)
{
	jn_cache_node_unref(info->node);
	jn_resources_release(&info->requested);
	if (info->pods) {
		for (size_t i = 0; i < info->n_pods; i++)
			jn_cache_pod_unref(info->pods[i]);
		free(info->pods);
	}
	memset(info, 0, sizeof(*info));
}

/* Fills info from a slot; called under the read lock. */
static void fill_info(const struct jn_cache_slot *s, bool with_pods,
	struct jn_cache_node_info *info)
{
	memset(info, 0, sizeof(*info));
	info->node = s->node ? jn_cache_node_ref(&s->node->node) : NULL;
	jn_resources_copy(&info->requested, &s->requested);
	info->n_pods = s->n_pods;
	info->marks = s->marks;
	if (with_pods && s->n_pods) {
		info->pods = jn_xcalloc(s->n_pods, sizeof(*info->pods));
		for (size_t i = 0; i < s->n_pods; i++)
			info->pods[i] = jn_cache_pod_ref(&s->pods[i]->pod);
	}
}

bool jn_cache_node_get(struct jn_cache *c, const char *name, bool with_pods,
	struct jn_cache_node_info *out)
{
	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&c->lock);
	struct jn_cache_slot *s = jn_cache_index_get(&c->slots, name);
	if (s)
		fill_info(s, with_pods, out);
	pthread_rwlock_unlock(&c->lock);
	return s != NULL;
}

void jn_cache_mark(struct jn_cache *c, const char *node, unsigned set, unsigned clear)
{
	pthread_rwlock_wrlock(&c->lock);
	struct jn_cache_slot *s = set ? jn_cache_slot_get(c, node)
		: jn_cache_index_get(&c->slots, node);
	if (s) {
		s->marks = (s->marks | set) & ~clear;
		jn_cache_slot_gc(c, s);
	}
	pthread_rwlock_unlock(&c->lock);
}

unsigned jn_cache_marks(struct jn_cache *c, const char *node)
{
	pthread_rwlock_rdlock(&c->lock);
	struct jn_cache_slot *s = jn_cache_index_get(&c->slots, node);
	unsigned marks = s ? s->marks : 0;
	pthread_rwlock_unlock(&c->lock);
	return marks;
}

static int cmp_info(const void *a, const void *b)
{
	const struct jn_cache_node_info *x = a, *y = b;
	return strcmp(x->node->name, y->node->name);
}

static int cmp_pod(const void *a, const void *b)
{
	const struct jn_pod *x = *(const struct jn_pod *const *)a;
	const struct jn_pod *y = *(const struct jn_pod *const *)b;
	int r = strcmp(x->namespace_, y->namespace_);
	return r ? r : strcmp(x->name, y->name);
}

struct jn_cache_snapshot *jn_cache_snapshot(struct jn_cache *c, unsigned flags)
{
	bool with_pods = flags & JN_CACHE_SNAPSHOT_PODS;
	struct jn_cache_snapshot *snap = jn_xcalloc(1, sizeof(*snap));
	pthread_rwlock_rdlock(&c->lock);
	snap->synced = c->pods_synced && c->nodes_synced;
	snap->nodes = jn_xcalloc(c->nodes.len ? c->nodes.len : 1, sizeof(*snap->nodes));
	size_t b = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->slots, &b, it));) {
		struct jn_cache_slot *s = it->value;
		if (s->node)
			fill_info(s, with_pods, &snap->nodes[snap->n_nodes++]);
	}
	if (with_pods) {
		size_t cap = 0;
		b = 0;
		for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->pods, &b, it));) {
			struct jn_cache_pod *p = it->value;
			if (!p->pod.node_name && !jn_str_eq(p->pod.phase, "Succeeded") &&
				!jn_str_eq(p->pod.phase, "Failed"))
				*JN_PUSH(snap->unbound, snap->n_unbound, cap) = jn_cache_pod_ref(&p->pod);
		}
	}
	pthread_rwlock_unlock(&c->lock);
	qsort(snap->nodes, snap->n_nodes, sizeof(*snap->nodes), cmp_info);
	if (snap->n_unbound)
		qsort(snap->unbound, snap->n_unbound, sizeof(*snap->unbound), cmp_pod);
	return snap;
}

void jn_cache_snapshot_release(struct jn_cache_snapshot *snap)
{
	if (!snap)
		return;
	for (size_t i = 0; i < snap->n_nodes; i++)
		jn_cache_node_info_release(&snap->nodes[i]);
	free(snap->nodes);
	for (size_t i = 0; i < snap->n_unbound; i++)
		jn_cache_pod_unref(snap->unbound[i]);
	free(snap->unbound);
	free(snap);
}

const struct jn_cache_node_info *jn_cache_snapshot_find(const struct jn_cache_snapshot *snap,
	const char *name)
{
	size_t lo = 0, hi = snap->n_nodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(snap->nodes[mid].node->name, name);
		if (r == 0)
			return &snap->nodes[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void jn_cache_stats(struct jn_cache *c, struct jn_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&c->lock);
	out->nodes = c->nodes.len;
	out->pods = c->pods.len;
	size_t b = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->slots, &b, it));)
		out->bound_pods += ((struct jn_cache_slot *)it->value)->n_pods;
	out->events = c->events;
	out->decode_errors = c->decode_errors;
	pthread_rwlock_unlock(&c->lock);
}
