/*
 * The EC2 provider: construction, the catalog (instance_types) and drift. create lives in
 * fleet.c; get, delete and list in instances.c.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec2_internal.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"

static const struct jn_cloud_provider_impl ec2_impl;

struct ec2_provider *ec2_from_provider(struct jn_cloud_provider *cp)
{
	assert(cp->impl == &ec2_impl);
	return (struct ec2_provider *)cp;
}

static struct jn_catalog *ec2_instance_types(struct jn_cloud_provider *cp,
	const struct jn_nodepool *pool, struct jn_error *err)
{
	struct ec2_provider *p = ec2_from_provider(cp);
	int64_t now = jn_clock_mono_ns(p->clock);
	pthread_mutex_lock(&p->lock);
	/* Without the background refresher, the first call and each after the TTL refresh. */
	bool stale = p->discover_offerings && !p->refresher_running
		&& (p->refresh_attempts == 0 || now - p->refreshed_at_ns >= p->catalog_ttl_ns);
	pthread_mutex_unlock(&p->lock);
	if (stale) {
		struct jn_error rerr;
		ec2_catalog_refresh(p, &rerr);
	}
	pthread_mutex_lock(&p->lock);
	struct jn_catalog *base = jn_catalog_ref(p->discovered ? p->discovered : p->builtin);
	pthread_mutex_unlock(&p->lock);
	struct jn_catalog *cat = jn_ice_cache_apply(p->ice, base);
	jn_catalog_unref(base);
	return cat;
}

static void ec2_destroy(struct jn_cloud_provider *cp)
{
	struct ec2_provider *p = ec2_from_provider(cp);
	ec2_refresher_stop(p);
	jn_catalog_unref(p->builtin);
	jn_catalog_unref(p->discovered);
	jn_ice_cache_destroy(p->ice);
	jn_strmap_release(&p->templates);
	jn_strmap_release(&p->profiles);
	ec2_resolve_cache_release(p);
	pthread_mutex_destroy(&p->lock);
	free(p->cluster);
	free(p->cluster_tag);
	free(p->region);
	free(p->alias_image_id);
	free(p->k8s_version);
	free(p);
}

static const struct jn_cloud_provider_impl ec2_impl = {
	.name = "ec2",
	.create = ec2_create,
	.delete = ec2_delete,
	.get = ec2_get,
	.list = ec2_list,
	.instance_types = ec2_instance_types,
	.is_drifted = ec2_is_drifted,
	.destroy = ec2_destroy,
};

struct jn_cloud_provider *jn_ec2_provider_create(const struct jn_ec2_options *o,
	struct jn_aws_client *client, const struct jn_clock *clock, struct jn_logger *log,
	struct jn_error *err)
{
	if (!o->cluster_name || !*o->cluster_name || !o->region || !*o->region) {
		jn_error_set(err, JN_ERR_INVALID, "creating ec2 provider: cluster name and region are "
			"required");
		return NULL;
	}
	struct jn_catalog *builtin = jn_catalog_builtin(o->region, o->catalog_options, err);
	if (!builtin) {
		jn_error_prefix(err, "creating ec2 provider in '%s'", o->region);
		return NULL;
	}
	struct ec2_provider *p = jn_xcalloc(1, sizeof(*p));
	p->base.impl = &ec2_impl;
	p->client = client;
	p->clock = clock;
	p->log = log;
	p->cluster = jn_xstrdup(o->cluster_name);
	p->cluster_tag = jn_xasprintf("%s%s", JN_TAG_CLUSTER_PREFIX, o->cluster_name);
	p->region = jn_xstrdup(o->region);
	p->alias_image_id = jn_xstrdup(o->alias_image_id);
	p->k8s_version = jn_xstrdup(o->kubernetes_version);
	p->ssm = o->ssm_client;
	p->iam = o->iam_client;
	p->describe_page_size = o->describe_page_size > 0 ? o->describe_page_size : 500;
	p->discover_offerings = o->discover_offerings;
	p->catalog_ttl_ns = o->catalog_ttl_ns > 0 ? o->catalog_ttl_ns : 300 * JN_NS_PER_SEC;
	p->ice = jn_ice_cache_create(clock, o->ice_ttl_ns);
	p->builtin = builtin;
	jn_strmap_init(&p->templates);
	jn_strmap_init(&p->profiles);
	pthread_mutex_init(&p->lock, NULL);
	p->refresh_period_ns = o->refresh_period_ns;
	if (p->discover_offerings && p->refresh_period_ns > 0 && ec2_refresher_start(p, err) < 0) {
		ec2_destroy(&p->base);
		return NULL;
	}
	return &p->base;
}
