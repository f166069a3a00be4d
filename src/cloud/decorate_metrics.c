/*
 * The metrics decorator (Karpenter cloudprovider/metrics.Decorate): counts every call by
 * operation and by error kind, and sums the time spent, then forwards to the inner provider.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "jitnode/clock.h"
#include "jitnode/cloud.h"

struct metrics_provider {
	struct jn_cloud_provider base;
	struct jn_cloud_provider *inner;
	const struct jn_clock *clock;
	pthread_mutex_t lock;
	struct jn_cloud_metrics m;
};

static const struct jn_cloud_provider_impl metrics_impl;

static struct metrics_provider *metrics_from_provider(struct jn_cloud_provider *cp)
{
	assert(cp->impl == &metrics_impl);
	return (struct metrics_provider *)cp;
}

static int64_t begin(struct metrics_provider *mp)
{
	return jn_clock_mono_ns(mp->clock);
}

static void end(struct metrics_provider *mp, enum jn_cloud_op op, int64_t start, int rc,
	const struct jn_error *err)
{
	int64_t spent = jn_clock_mono_ns(mp->clock) - start;
	pthread_mutex_lock(&mp->lock);
	mp->m.calls[op]++;
	mp->m.duration_ns[op] += spent;
	if (rc < 0) {
		enum jn_error_kind k = err ? err->kind : JN_ERR_INTERNAL;
		mp->m.errors[op][(size_t)k < JN_CLOUD_ERROR_KINDS ? k : JN_ERR_INTERNAL]++;
	}
	pthread_mutex_unlock(&mp->lock);
}

/* The decorator needs the kind even when the caller passed no err. */
#define LOCAL_ERR(err) struct jn_error local_; if (!(err)) (err) = &local_

static int m_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = begin(mp);
	int rc = jn_cloud_create(mp->inner, req, out, err);
	end(mp, JN_CLOUD_OP_CREATE, t, rc, err);
	return rc;
}

static int m_delete(struct jn_cloud_provider *cp, const char *id, struct jn_error *err)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = begin(mp);
	int rc = jn_cloud_delete(mp->inner, id, err);
	end(mp, JN_CLOUD_OP_DELETE, t, rc, err);
	return rc;
}

static int m_get(struct jn_cloud_provider *cp, const char *id, struct jn_instance *out,
	struct jn_error *err)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = begin(mp);
	int rc = jn_cloud_get(mp->inner, id, out, err);
	end(mp, JN_CLOUD_OP_GET, t, rc, err);
	return rc;
}

static int m_list(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = begin(mp);
	int rc = jn_cloud_list(mp->inner, out, err);
	end(mp, JN_CLOUD_OP_LIST, t, rc, err);
	return rc;
}

static struct jn_catalog *m_instance_types(struct jn_cloud_provider *cp,
	const struct jn_nodepool *pool, struct jn_error *err)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = begin(mp);
	struct jn_catalog *cat = jn_cloud_instance_types(mp->inner, pool, err);
	end(mp, JN_CLOUD_OP_INSTANCE_TYPES, t, cat ? 0 : -1, err);
	return cat;
}

static int m_is_drifted(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
	enum jn_drift_reason *out, struct jn_error *err)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = begin(mp);
	int rc = jn_cloud_is_drifted(mp->inner, q, out, err);
	end(mp, JN_CLOUD_OP_IS_DRIFTED, t, rc, err);
	return rc;
}

static void m_destroy(struct jn_cloud_provider *cp)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	jn_cloud_destroy(mp->inner);
	pthread_mutex_destroy(&mp->lock);
	free(mp);
}

static const struct jn_cloud_provider_impl metrics_impl = {
	.name = "metrics",
	.create = m_create,
	.delete = m_delete,
	.get = m_get,
	.list = m_list,
	.instance_types = m_instance_types,
	.is_drifted = m_is_drifted,
	.destroy = m_destroy,
};

struct jn_cloud_provider *jn_cloud_decorate_metrics(struct jn_cloud_provider *inner,
	const struct jn_clock *clock)
{
	struct metrics_provider *mp = jn_xcalloc(1, sizeof(*mp));
	mp->base.impl = &metrics_impl;
	mp->inner = inner;
	mp->clock = clock;
	pthread_mutex_init(&mp->lock, NULL);
	return &mp->base;
}

void jn_cloud_metrics_read(struct jn_cloud_provider *cp, struct jn_cloud_metrics *out)
{
	struct metrics_provider *mp = metrics_from_provider(cp);
	pthread_mutex_lock(&mp->lock);
	*out = mp->m;
	pthread_mutex_unlock(&mp->lock);
}
