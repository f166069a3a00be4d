/*
 * jn_cache_check(): the derived indexes recomputed from the primary maps and compared
 * (STYLE rule 11). Unit tests call it after every event; it is O(objects).
 */
#include <string.h>

#include "jitnode/base.h"

#include "cache_internal.h"

static bool same_resources(const struct jn_resources *a, const struct jn_resources *b)
{
	return jn_resources_fit(a, b) && jn_resources_fit(b, a);
}

static bool check_pods(struct jn_cache *c, size_t *holding)
{
	size_t b = 0, with_uid = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->pods, &b, it));) {
		struct jn_cache_pod *p = it->value;
		if (strcmp(it->key, p->key) != 0 || atomic_load(&p->refs) < 1)
			return false;
		if (p->pod.uid) {
			with_uid++;
			if (jn_cache_index_get(&c->pods_by_uid, p->pod.uid) != p)
				return false;
		}
		bool holds = p->pod.node_name && *p->pod.node_name &&
			!jn_str_eq(p->pod.phase, "Succeeded") && !jn_str_eq(p->pod.phase, "Failed");
		if (holds != p->holds)
			return false;
		if (!holds)
			continue;
		(*holding)++;
		struct jn_cache_slot *s = jn_cache_index_get(&c->slots, p->pod.node_name);
		size_t found = 0;
		for (size_t i = 0; s && i < s->n_pods; i++)
			found += s->pods[i] == p;
		if (found != 1)
			return false;
	}
	return c->pods_by_uid.len == with_uid;
}

static bool check_slots(struct jn_cache *c, size_t *listed, size_t *with_node)
{
	size_t b = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->slots, &b, it));) {
		struct jn_cache_slot *s = it->value;
		if (strcmp(it->key, s->name) != 0)
			return false;
		if (!s->node && !s->n_pods && !s->marks)
			return false;
		if (s->node) {
			(*with_node)++;
			if (jn_cache_index_get(&c->nodes, s->name) != s->node)
				return false;
		} else if (jn_cache_index_get(&c->nodes, s->name)) {
			return false;
		}
		for (size_t i = 0; i < s->n_pods; i++) {
			struct jn_cache_pod *p = s->pods[i];
			if (jn_cache_index_get(&c->pods, p->key) != p || !p->holds ||
				!jn_str_eq(p->pod.node_name, s->name))
				return false;
		}
		*listed += s->n_pods;
		struct jn_resources sum;
		jn_cache_slot_sum(s, &sum);
		bool ok = same_resources(&sum, &s->requested);
		jn_resources_release(&sum);
		if (!ok)
			return false;
	}
	return true;
}

static bool check_nodes(struct jn_cache *c)
{
	size_t b = 0;
	for (struct jn_cache_ientry *it = NULL; (it = jn_cache_index_next(&c->nodes, &b, it));) {
		struct jn_cache_node *n = it->value;
		if (strcmp(it->key, n->node.name) != 0 || atomic_load(&n->refs) < 1)
			return false;
	}
	return true;
}

bool jn_cache_check(struct jn_cache *c)
{
	pthread_rwlock_rdlock(&c->lock);
	size_t holding = 0, listed = 0, with_node = 0;
	bool ok = check_pods(c, &holding) && check_slots(c, &listed, &with_node) &&
		check_nodes(c) && holding == listed && with_node == c->nodes.len;
	pthread_rwlock_unlock(&c->lock);
	return ok;
}
