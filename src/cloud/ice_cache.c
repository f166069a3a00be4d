/*
 * The insufficient-capacity cache. A launch that EC2 refused for a (type, zone, capacity type)
 * makes that offering unavailable for a few minutes, so that the next packing pass picks the
 * next cheapest offering instead of asking for the same full pool again (Karpenter
 * pkg/cache/unavailableofferings.go). Entries expire on the monotonic clock; the set is small
 * (bounded by the catalog's offerings), so a flat array is enough.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_internal.h"
#include "jitnode/clock.h"

struct jn_ice_cache {
	const struct jn_clock *clock;
	int64_t ttl_ns;
	pthread_mutex_t lock;
	struct jn_ice_entry *items;
	size_t len;
	size_t cap;
};

struct jn_ice_cache *jn_ice_cache_create(const struct jn_clock *clock, int64_t ttl_ns)
{
	struct jn_ice_cache *ice = jn_xcalloc(1, sizeof(*ice));
	ice->clock = clock;
	ice->ttl_ns = ttl_ns > 0 ? ttl_ns : JN_ICE_TTL_NS;
	pthread_mutex_init(&ice->lock, NULL);
	return ice;
}

static void entry_free(struct jn_ice_entry *e)
{
	free(e->instance_type);
	free(e->zone);
	free(e->reason);
}

void jn_ice_cache_destroy(struct jn_ice_cache *ice)
{
	if (!ice)
		return;
	for (size_t i = 0; i < ice->len; i++)
		entry_free(&ice->items[i]);
	free(ice->items);
	pthread_mutex_destroy(&ice->lock);
	free(ice);
}

/* Drops expired entries; lock held. */
static void expire(struct jn_ice_cache *ice, int64_t now)
{
	size_t kept = 0;
	for (size_t i = 0; i < ice->len; i++) {
		if (ice->items[i].expires_mono_ns > now)
			ice->items[kept++] = ice->items[i];
		else
			entry_free(&ice->items[i]);
	}
	ice->len = kept;
}

static struct jn_ice_entry *find(struct jn_ice_cache *ice, const char *type, const char *zone,
	enum jn_capacity_type ct)
{
	for (size_t i = 0; i < ice->len; i++) {
		struct jn_ice_entry *e = &ice->items[i];
		if (e->capacity_type == ct && strcmp(e->instance_type, type) == 0 &&
			strcmp(e->zone, zone) == 0)
			return e;
	}
	return NULL;
}

void jn_ice_cache_mark(struct jn_ice_cache *ice, const char *instance_type, const char *zone,
	enum jn_capacity_type capacity_type, const char *reason)
{
	pthread_mutex_lock(&ice->lock);
	int64_t now = jn_clock_mono_ns(ice->clock);
	expire(ice, now);
	struct jn_ice_entry *e = find(ice, instance_type, zone ? zone : "", capacity_type);
	if (!e) {
		e = JN_PUSH(ice->items, ice->len, ice->cap);
		e->instance_type = jn_xstrdup(instance_type);
		e->zone = jn_xstrdup(zone ? zone : "");
		e->capacity_type = capacity_type;
		e->reason = NULL;
	}
	free(e->reason);
	e->reason = jn_xstrdup(reason ? reason : "");
	e->expires_mono_ns = now + ice->ttl_ns;
	pthread_mutex_unlock(&ice->lock);
}

bool jn_ice_cache_has(struct jn_ice_cache *ice, const char *instance_type, const char *zone,
	enum jn_capacity_type capacity_type)
{
	pthread_mutex_lock(&ice->lock);
	expire(ice, jn_clock_mono_ns(ice->clock));
	bool has = find(ice, instance_type, zone ? zone : "", capacity_type) != NULL;
	pthread_mutex_unlock(&ice->lock);
	return has;
}

size_t jn_ice_cache_entries(struct jn_ice_cache *ice, struct jn_ice_entry **out)
{
	pthread_mutex_lock(&ice->lock);
	expire(ice, jn_clock_mono_ns(ice->clock));
	size_t n = ice->len;
	*out = n ? jn_xcalloc(n, sizeof(**out)) : NULL;
	for (size_t i = 0; i < n; i++) {
		(*out)[i] = ice->items[i];
		(*out)[i].instance_type = jn_xstrdup(ice->items[i].instance_type);
		(*out)[i].zone = jn_xstrdup(ice->items[i].zone);
		(*out)[i].reason = jn_xstrdup(ice->items[i].reason);
	}
	pthread_mutex_unlock(&ice->lock);
	return n;
}

void jn_ice_cache_entries_free(struct jn_ice_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_free(&entries[i]);
	free(entries);
}

struct jn_catalog *jn_ice_cache_apply(struct jn_ice_cache *ice, const struct jn_catalog *base)
{
	struct jn_ice_entry *es;
	size_t n = jn_ice_cache_entries(ice, &es);
	struct jn_offering_key *keys = n ? jn_xcalloc(n, sizeof(*keys)) : NULL;
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct jn_offering_key){ es[i].instance_type, es[i].zone,
			es[i].capacity_type };
	struct jn_catalog *cat = jn_catalog_with_unavailable(base, keys, n);
	free(keys);
	jn_ice_cache_entries_free(es, n);
	return cat;
}

size_t jn_launch_candidates(const struct jn_launch_request *req, struct jn_ice_cache *ice,
	size_t *idx)
{
	bool any_spot = false;
	for (size_t i = 0; i < req->n_offerings; i++)
		any_spot |= req->offerings[i].capacity_type == JN_CAPACITY_SPOT;
	size_t n = 0;
	for (size_t i = 0; i < req->n_offerings && n < JN_LAUNCH_MAX_OFFERINGS; i++) {
		const struct jn_launch_offering *o = &req->offerings[i];
		if (any_spot && o->capacity_type != JN_CAPACITY_SPOT)
			continue;
		if (ice && jn_ice_cache_has(ice, o->instance_type, o->zone, o->capacity_type))
			continue;
		idx[n++] = i;
	}
	return n;
}
