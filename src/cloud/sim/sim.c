/*
 * The simulated provider (sim.h). Instances live in an array under one mutex; ids come from a
 * seeded splitmix64 so that a run is reproducible. The ICE cache is the one the ec2 provider
 * uses, so the core sees capacity failures the same way from both.
 */
#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cloud_internal.h"
#include "jitnode/buf.h"
#include "jitnode/clock.h"
#include "jitnode/cloud.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/sim.h"

struct sim_provider {
	struct jn_cloud_provider base;
	const struct jn_clock *clock;
	struct jn_logger *log;
	char *cluster_tag;              /* "kubernetes.io/cluster/<name>" */
	int64_t launch_latency_ns;
	double ice_probability;
	struct jn_catalog *catalog;     /* built once; ICE marks applied per call */
	struct jn_ice_cache *ice;
	pthread_mutex_t lock;           /* guards everything below */
	uint64_t rng;
	unsigned throttle_next;
	struct jn_instance_list instances;
};

static const struct jn_cloud_provider_impl sim_impl;

static struct sim_provider *sim_from_provider(struct jn_cloud_provider *cp)
{
	assert(cp->impl == &sim_impl);
	return (struct sim_provider *)cp;
}

static uint64_t next_random(struct sim_provider *sp)
{
	uint64_t z = (sp->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double draw(struct sim_provider *sp)
{
	return (double)(next_random(sp) >> 11) / 9007199254740992.0;
}

static struct jn_instance *find_live(struct sim_provider *sp, const char *key, bool by_claim)
{
	for (size_t i = 0; i < sp->instances.len; i++) {
		struct jn_instance *in = &sp->instances.items[i];
		if (in->state == JN_INSTANCE_TERMINATED)
			continue;
		const char *v = by_claim ? jn_strmap_get(&in->tags, JN_TAG_NODECLAIM) : in->provider_id;
		if (v && strcmp(v, key) == 0)
			return in;
	}
	return NULL;
}

/* Builds the instance for offering o; lock held. */
static struct jn_instance *launch(struct sim_provider *sp, const struct jn_launch_request *req,
	const struct jn_launch_offering *o)
{
	struct jn_instance *in = JN_PUSH(sp->instances.items, sp->instances.len, sp->instances.cap);
	memset(in, 0, sizeof(*in));
	char id[32];
	snprintf(id, sizeof(id), "i-%017" PRIx64, next_random(sp));
	in->instance_id = jn_xstrdup(id);
	in->provider_id = jn_provider_id_format(o->zone, id);
	in->instance_type = jn_xstrdup(o->instance_type);
	in->zone = jn_xstrdup(o->zone);
	in->capacity_type = o->capacity_type;
	in->private_dns_name = jn_xasprintf("ip-10-%u-%u-%u.ec2.internal",
		(unsigned)(next_random(sp) % 256), (unsigned)(next_random(sp) % 256),
		(unsigned)(next_random(sp) % 254 + 1));
	in->image_id = jn_xstrdup("ami-sim");
	in->subnet_id = jn_xasprintf("subnet-sim-%s", o->zone);
	in->launch_time_wall_ns = jn_clock_wall_ns(sp->clock);
	in->state = JN_INSTANCE_RUNNING;
	jn_strmap_init(&in->tags);
	if (req->tags)
		jn_strmap_copy(&in->tags, req->tags);
	jn_strmap_set(&in->tags, JN_TAG_NODECLAIM, req->claim_name);
	if (req->nodepool_name)
		jn_strmap_set(&in->tags, JN_TAG_NODEPOOL, req->nodepool_name);
	if (req->node_class_name)
		jn_strmap_set(&in->tags, JN_TAG_NODECLASS, req->node_class_name);
	jn_strmap_set(&in->tags, sp->cluster_tag, "owned");
	char *name = jn_xasprintf("%s/%s", req->nodepool_name ? req->nodepool_name : "",
		req->claim_name);
	jn_strmap_set(&in->tags, JN_TAG_NAME, name);
	free(name);
	return in;
}

static int sim_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err)
{
	struct sim_provider *sp = sim_from_provider(cp);
	if (sp->launch_latency_ns > 0)
		jn_clock_sleep_until(sp->clock, jn_clock_mono_ns(sp->clock) + sp->launch_latency_ns);
	pthread_mutex_lock(&sp->lock);
	int rc = -1;
	struct jn_instance *existing = find_live(sp, req->claim_name, true);
	if (existing) {
		jn_instance_copy(out, existing);
		rc = 0;
		goto done;
	}
	if (sp->throttle_next > 0) {
		sp->throttle_next--;
		jn_error_set(err, JN_ERR_THROTTLED, "launching nodeclaim '%s': simulated throttling",
			req->claim_name);
		goto done;
	}
	size_t idx[JN_LAUNCH_MAX_OFFERINGS];
	size_t n = jn_launch_candidates(req, sp->ice, idx);
	struct jn_buf why;
	jn_buf_init(&why, 2048);
	for (size_t k = 0; k < n; k++) {
		const struct jn_launch_offering *o = &req->offerings[idx[k]];
		const struct jn_instance_type *it = jn_catalog_find(sp->catalog, o->instance_type);
		const struct jn_offering *off = it ? jn_instance_type_offering(it, o->zone,
			o->capacity_type) : NULL;
		const char *reason = NULL;
		if (!off || !off->available)
			reason = "not offered";
		else if (sp->ice_probability > 0 && draw(sp) < sp->ice_probability)
			reason = "InsufficientInstanceCapacity";
		if (!reason) {
			jn_instance_copy(out, launch(sp, req, o));
			rc = 0;
			break;
		}
		if (strcmp(reason, "not offered") != 0)
			jn_ice_cache_mark(sp->ice, o->instance_type, o->zone, o->capacity_type, reason);
		jn_buf_printf(&why, NULL, "%s%s/%s/%s: %s", why.len ? "; " : "", o->instance_type,
			o->zone, jn_capacity_type_name(o->capacity_type), reason);
	}
	if (rc < 0)
		jn_error_set(err, JN_ERR_INSUFFICIENT_CAPACITY,
			"launching nodeclaim '%s': no capacity in %zu offerings%s%s", req->claim_name, n,
			why.len ? ": " : "", jn_buf_cstr(&why));
	jn_buf_release(&why);
done:
	pthread_mutex_unlock(&sp->lock);
	if (rc == 0 && sp->log)
		jn_log_info(sp->log, "launched instance", JN_LOG_STR("nodeclaim", req->claim_name),
			JN_LOG_STR("id", out->instance_id), JN_LOG_STR("type", out->instance_type),
			JN_LOG_STR("zone", out->zone),
			JN_LOG_STR("capacity_type", jn_capacity_type_name(out->capacity_type)));
	return rc;
}

static int sim_delete(struct jn_cloud_provider *cp, const char *provider_id, struct jn_error *err)
{
	struct sim_provider *sp = sim_from_provider(cp);
	pthread_mutex_lock(&sp->lock);
	struct jn_instance *in = find_live(sp, provider_id, false);
	if (in)
		in->state = JN_INSTANCE_TERMINATED;
	pthread_mutex_unlock(&sp->lock);
	if (!in)
		return jn_error_set(err, JN_ERR_NOT_FOUND, "deleting instance '%s': not found",
			provider_id);
	return 0;
}

static int sim_get(struct jn_cloud_provider *cp, const char *provider_id, struct jn_instance *out,
	struct jn_error *err)
{
	struct sim_provider *sp = sim_from_provider(cp);
	pthread_mutex_lock(&sp->lock);
	struct jn_instance *in = find_live(sp, provider_id, false);
	if (in)
		jn_instance_copy(out, in);
	pthread_mutex_unlock(&sp->lock);
	if (!in)
		return jn_error_set(err, JN_ERR_NOT_FOUND, "getting instance '%s': not found",
			provider_id);
	return 0;
}

static int sim_list(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err)
{
	struct sim_provider *sp = sim_from_provider(cp);
	pthread_mutex_lock(&sp->lock);
	for (size_t i = 0; i < sp->instances.len; i++) {
		if (sp->instances.items[i].state == JN_INSTANCE_TERMINATED)
			continue;
		jn_instance_copy(JN_PUSH(out->items, out->len, out->cap), &sp->instances.items[i]);
	}
	pthread_mutex_unlock(&sp->lock);
	return 0;
}

static struct jn_catalog *sim_instance_types(struct jn_cloud_provider *cp,
	const struct jn_nodepool *pool, struct jn_error *err)
{
	struct sim_provider *sp = sim_from_provider(cp);
	return jn_ice_cache_apply(sp->ice, sp->catalog);
}

static void sim_destroy(struct jn_cloud_provider *cp)
{
	struct sim_provider *sp = sim_from_provider(cp);
	jn_instance_list_release(&sp->instances);
	jn_catalog_unref(sp->catalog);
	jn_ice_cache_destroy(sp->ice);
	pthread_mutex_destroy(&sp->lock);
	free(sp->cluster_tag);
	free(sp);
}

static const struct jn_cloud_provider_impl sim_impl = {
	.name = "sim",
	.create = sim_create,
	.delete = sim_delete,
	.get = sim_get,
	.list = sim_list,
	.instance_types = sim_instance_types,
	.destroy = sim_destroy,
};

struct jn_cloud_provider *jn_sim_provider_create(const struct jn_sim_options *o,
	const struct jn_clock *clock, struct jn_logger *log, struct jn_error *err)
{
	if (o->ice_probability < 0 || o->ice_probability > 1) {
		jn_error_set(err, JN_ERR_INVALID, "sim: ice probability %g is not within 0..1",
			o->ice_probability);
		return NULL;
	}
	const char *region = o->region ? o->region : "us-east-1";
	struct jn_catalog *cat = jn_catalog_builtin(region, o->catalog_options, err);
	if (!cat) {
		jn_error_prefix(err, "creating simulated cloud in '%s'", region);
		return NULL;
	}
	struct sim_provider *sp = jn_xcalloc(1, sizeof(*sp));
	sp->base.impl = &sim_impl;
	sp->clock = clock;
	sp->log = log;
	sp->catalog = cat;
	sp->cluster_tag = jn_xasprintf("%s%s", JN_TAG_CLUSTER_PREFIX,
		o->cluster_name ? o->cluster_name : "sim");
	sp->launch_latency_ns = o->launch_latency_ns;
	sp->ice_probability = o->ice_probability;
	sp->ice = jn_ice_cache_create(clock, JN_ICE_TTL_NS);
	sp->rng = o->seed;
	pthread_mutex_init(&sp->lock, NULL);
	return &sp->base;
}

void jn_sim_throttle_next(struct jn_cloud_provider *cp, unsigned n)
{
	struct sim_provider *sp = sim_from_provider(cp);
	pthread_mutex_lock(&sp->lock);
	sp->throttle_next = n;
	pthread_mutex_unlock(&sp->lock);
}

void jn_sim_mark_unavailable(struct jn_cloud_provider *cp, const struct jn_offering_key *key)
{
	struct sim_provider *sp = sim_from_provider(cp);
	if (key->zone) {
		jn_ice_cache_mark(sp->ice, key->instance_type, key->zone, key->capacity_type,
			"InsufficientInstanceCapacity");
		return;
	}
	const struct jn_instance_type *it = jn_catalog_find(sp->catalog, key->instance_type);
	for (size_t i = 0; it && i < it->n_offerings; i++)
		if (it->offerings[i].capacity_type == key->capacity_type)
			jn_ice_cache_mark(sp->ice, key->instance_type, it->offerings[i].zone,
				key->capacity_type, "InsufficientInstanceCapacity");
}

size_t jn_sim_interrupt_spot(struct jn_cloud_provider *cp, double probability,
	struct jn_instance_list *out)
{
	struct sim_provider *sp = sim_from_provider(cp);
	size_t n = 0;
	pthread_mutex_lock(&sp->lock);
	for (size_t i = 0; i < sp->instances.len; i++) {
		struct jn_instance *in = &sp->instances.items[i];
		if (in->state == JN_INSTANCE_TERMINATED || in->capacity_type != JN_CAPACITY_SPOT)
			continue;
		if (draw(sp) >= probability)
			continue;
		in->state = JN_INSTANCE_TERMINATED;
		jn_instance_copy(JN_PUSH(out->items, out->len, out->cap), in);
		n++;
	}
	pthread_mutex_unlock(&sp->lock);
	return n;
}
