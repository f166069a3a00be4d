/* A chained hash table keyed by strings borrowed from the values (FNV-1a, power-of-two size). */
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "cache_internal.h"

static uint64_t hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

void jn_cache_index_init(struct jn_cache_index *ix)
{
	ix->n_buckets = 64;
	ix->buckets = jn_xcalloc(ix->n_buckets, sizeof(*ix->buckets));
	ix->len = 0;
}

void jn_cache_index_release(struct jn_cache_index *ix)
{
	for (size_t i = 0; i < ix->n_buckets; i++) {
		struct jn_cache_ientry *e = ix->buckets[i];
		while (e) {
			struct jn_cache_ientry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(ix->buckets);
	ix->buckets = NULL;
	ix->n_buckets = 0;
	ix->len = 0;
}

static struct jn_cache_ientry **find(const struct jn_cache_index *ix, const char *key)
{
	struct jn_cache_ientry **p = &ix->buckets[hash(key) & (ix->n_buckets - 1)];
	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

void *jn_cache_index_get(const struct jn_cache_index *ix, const char *key)
{
	struct jn_cache_ientry *e = *find(ix, key);
	return e ? e->value : NULL;
}

static void grow(struct jn_cache_index *ix)
{
	size_t n = ix->n_buckets * 2;
	struct jn_cache_ientry **b = jn_xcalloc(n, sizeof(*b));
	for (size_t i = 0; i < ix->n_buckets; i++) {
		struct jn_cache_ientry *e = ix->buckets[i];
		while (e) {
			struct jn_cache_ientry *next = e->next;
			size_t j = hash(e->key) & (n - 1);
			e->next = b[j];
			b[j] = e;
			e = next;
		}
	}
	free(ix->buckets);
	ix->buckets = b;
	ix->n_buckets = n;
}

void *jn_cache_index_put(struct jn_cache_index *ix, const char *key, void *value)
{
	struct jn_cache_ientry **p = find(ix, key);
	if (*p) {
		void *old = (*p)->value;
		(*p)->key = key;
		(*p)->value = value;
		return old;
	}
	struct jn_cache_ientry *e = jn_xmalloc(sizeof(*e));
	e->key = key;
	e->value = value;
	e->next = NULL;
	*p = e;
	if (++ix->len > ix->n_buckets)
		grow(ix);
	return NULL;
}

void *jn_cache_index_remove(struct jn_cache_index *ix, const char *key)
{
	struct jn_cache_ientry **p = find(ix, key);
	struct jn_cache_ientry *e = *p;
	if (!e)
		return NULL;
	*p = e->next;
	void *value = e->value;
	free(e);
	ix->len--;
	return value;
}

struct jn_cache_ientry *jn_cache_index_next(const struct jn_cache_index *ix, size_t *bucket,
	struct jn_cache_ientry *it)
{
	if (it && it->next)
		return it->next;
	if (it)
		(*bucket)++;
	for (; *bucket < ix->n_buckets; (*bucket)++) {
		if (ix->buckets[*bucket])
			return ix->buckets[*bucket];
	}
	return NULL;
}
