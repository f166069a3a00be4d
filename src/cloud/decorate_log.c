/*
 * The log decorator: one line per provider call (STYLE rule 14), with what was decided and how
 * long the call took. Launches, deletions and drift found are INFO (they change the cluster or
 * will); reads (get, list, instance types, no drift) are DEBUG, because the controllers make
 * them every few seconds; failures are WARN with the error kind and text.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/clock.h"
#include "jitnode/cloud.h"
#include "jitnode/log.h"

struct log_provider {
	struct jn_cloud_provider base;
	struct jn_cloud_provider *inner;
	const struct jn_clock *clock;
	struct jn_logger *log;
};

static const struct jn_cloud_provider_impl log_impl;

static struct log_provider *log_from_provider(struct jn_cloud_provider *cp)
{
	assert(cp->impl == &log_impl);
	return (struct log_provider *)cp;
}

static int64_t elapsed_ms(const struct log_provider *lp, int64_t start)
{
	return (jn_clock_mono_ns(lp->clock) - start) / JN_NS_PER_MS;
}

static void log_failure(struct log_provider *lp, const char *msg, const char *key,
	const char *subject, const struct jn_error *err, int64_t start)
{
	jn_log_warn(lp->log, msg, JN_LOG_STR(key, subject ? subject : ""),
		JN_LOG_STR("kind", jn_error_kind_name(err->kind)), JN_LOG_STR("error", err->msg),
		JN_LOG_INT("latency_ms", elapsed_ms(lp, start)));
}

#define LOCAL_ERR(err) struct jn_error local_; if (!(err)) (err) = &local_

/* The price the claim offered for what was launched; 0 when it is not among the offerings. */
static double launched_price(const struct jn_launch_request *req, const struct jn_instance *in)
{
	for (size_t i = 0; i < req->n_offerings; i++) {
		const struct jn_launch_offering *o = &req->offerings[i];
		if (o->capacity_type == in->capacity_type && jn_str_eq(o->instance_type,
			in->instance_type) && jn_str_eq(o->zone, in->zone))
			return o->price;
	}
	return 0;
}

static int l_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err)
{
	struct log_provider *lp = log_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = jn_clock_mono_ns(lp->clock);
	int rc = jn_cloud_create(lp->inner, req, out, err);
	if (rc < 0) {
		jn_log_warn(lp->log, "failed to launch nodeclaim",
			JN_LOG_STR("nodeclaim", req->claim_name),
			JN_LOG_STR("nodepool", req->nodepool_name ? req->nodepool_name : ""),
			JN_LOG_INT("options", req->n_offerings),
			JN_LOG_STR("kind", jn_error_kind_name(err->kind)), JN_LOG_STR("error", err->msg),
			JN_LOG_INT("latency_ms", elapsed_ms(lp, t)));
		return rc;
	}
	jn_log_info(lp->log, "launched nodeclaim", JN_LOG_STR("nodeclaim", req->claim_name),
		JN_LOG_STR("nodepool", req->nodepool_name ? req->nodepool_name : ""),
		JN_LOG_STR("provider_id", out->provider_id), JN_LOG_STR("type", out->instance_type),
		JN_LOG_STR("zone", out->zone),
		JN_LOG_STR("capacity_type", jn_capacity_type_name(out->capacity_type)),
		JN_LOG_DBL("price", launched_price(req, out)), JN_LOG_INT("options", req->n_offerings),
		JN_LOG_INT("latency_ms", elapsed_ms(lp, t)));
	return rc;
}

static int l_delete(struct jn_cloud_provider *cp, const char *id, struct jn_error *err)
{
	struct log_provider *lp = log_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = jn_clock_mono_ns(lp->clock);
	int rc = jn_cloud_delete(lp->inner, id, err);
	if (rc < 0 && err->kind != JN_ERR_NOT_FOUND)
		log_failure(lp, "failed to delete instance", "provider_id", id, err, t);
	else
		jn_log_info(lp->log, rc == 0 ? "deleted instance" : "found instance already gone",
			JN_LOG_STR("provider_id", id), JN_LOG_INT("latency_ms", elapsed_ms(lp, t)));
	return rc;
}

static int l_get(struct jn_cloud_provider *cp, const char *id, struct jn_instance *out,
	struct jn_error *err)
{
	struct log_provider *lp = log_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = jn_clock_mono_ns(lp->clock);
	int rc = jn_cloud_get(lp->inner, id, out, err);
	if (rc < 0 && err->kind != JN_ERR_NOT_FOUND)
		log_failure(lp, "failed to read instance", "provider_id", id, err, t);
	else
		jn_log_debug(lp->log, rc == 0 ? "read instance" : "found instance gone",
			JN_LOG_STR("provider_id", id),
			JN_LOG_STR("state", rc == 0 ? jn_instance_state_name(out->state) : ""),
			JN_LOG_INT("latency_ms", elapsed_ms(lp, t)));
	return rc;
}

static int l_list(struct jn_cloud_provider *cp, struct jn_instance_list *out,
	struct jn_error *err)
{
	struct log_provider *lp = log_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = jn_clock_mono_ns(lp->clock);
	size_t before = out->len;
	int rc = jn_cloud_list(lp->inner, out, err);
	if (rc < 0)
		log_failure(lp, "failed to list instances", "provider", jn_cloud_name(lp->inner), err, t);
	else
		jn_log_debug(lp->log, "listed instances", JN_LOG_INT("count", out->len - before),
			JN_LOG_INT("latency_ms", elapsed_ms(lp, t)));
	return rc;
}

static struct jn_catalog *l_instance_types(struct jn_cloud_provider *cp,
	const struct jn_nodepool *pool, struct jn_error *err)
{
	struct log_provider *lp = log_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = jn_clock_mono_ns(lp->clock);
	struct jn_catalog *cat = jn_cloud_instance_types(lp->inner, pool, err);
	if (!cat)
		log_failure(lp, "failed to read instance types", "provider", jn_cloud_name(lp->inner),
			err, t);
	else
		jn_log_debug(lp->log, "read instance types", JN_LOG_INT("types", jn_catalog_len(cat)),
			JN_LOG_INT("latency_ms", elapsed_ms(lp, t)));
	return cat;
}

static int l_is_drifted(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
	enum jn_drift_reason *out, struct jn_error *err)
{
	struct log_provider *lp = log_from_provider(cp);
	LOCAL_ERR(err);
	int64_t t = jn_clock_mono_ns(lp->clock);
	int rc = jn_cloud_is_drifted(lp->inner, q, out, err);
	if (rc < 0)
		log_failure(lp, "failed to check drift", "provider_id", q->provider_id, err, t);
	else
		jn_log_emit(lp->log, *out == JN_DRIFT_NONE ? JN_LOG_DEBUG : JN_LOG_INFO,
			*out == JN_DRIFT_NONE ? "found instance not drifted" : "found instance drifted",
			JN_LOG_FIELDS_(JN_LOG_STR("provider_id", q->provider_id),
				JN_LOG_STR("reason", jn_drift_reason_name(*out)),
				JN_LOG_INT("latency_ms", elapsed_ms(lp, t))));
	return rc;
}

static void l_destroy(struct jn_cloud_provider *cp)
{
	struct log_provider *lp = log_from_provider(cp);
	jn_cloud_destroy(lp->inner);
	free(lp);
}

static const struct jn_cloud_provider_impl log_impl = {
	.name = "log",
	.create = l_create,
	.delete = l_delete,
	.get = l_get,
	.list = l_list,
	.instance_types = l_instance_types,
	.is_drifted = l_is_drifted,
	.destroy = l_destroy,
};

struct jn_cloud_provider *jn_cloud_decorate_log(struct jn_cloud_provider *inner,
	const struct jn_clock *clock, struct jn_logger *log)
{
	struct log_provider *lp = jn_xcalloc(1, sizeof(*lp));
	lp->base.impl = &log_impl;
	lp->inner = inner;
	lp->clock = clock;
	lp->log = log;
	return &lp->base;
}
