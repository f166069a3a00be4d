/*
 * The fault-injection decorator (Karpenter's fake provider, sqlite's DO_OS_MALLOC_TEST): a
 * test arms the next error of an operation or limits how many creates reach the provider,
 * and reads back the calls that were made. Product code never branches on tests.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "jitnode/cloud.h"

struct fault_provider {
	struct jn_cloud_provider base;
	struct jn_cloud_provider *inner;
	pthread_mutex_t lock;
	struct jn_cloud_fault_plan plan;
};

static const struct jn_cloud_provider_impl fault_impl;

static struct fault_provider *fault_from_provider(struct jn_cloud_provider *cp)
{
	assert(cp->impl == &fault_impl);
	return (struct fault_provider *)cp;
}

/* Records the call; returns the kind to fail with, or JN_ERR_NONE to go through. */
static enum jn_error_kind take(struct fault_provider *fp, enum jn_cloud_op op)
{
	pthread_mutex_lock(&fp->lock);
	fp->plan.calls[op]++;
	enum jn_error_kind k = fp->plan.next_error[op];
	fp->plan.next_error[op] = JN_ERR_NONE;
	pthread_mutex_unlock(&fp->lock);
	return k;
}

static int injected(enum jn_error_kind k, enum jn_cloud_op op, struct jn_error *err)
{
	return jn_error_set(err, k, "injected %s fault in %s", jn_error_kind_name(k),
		jn_cloud_op_name(op));
}

static int f_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err)
{
	struct fault_provider *fp = fault_from_provider(cp);
	enum jn_error_kind k = take(fp, JN_CLOUD_OP_CREATE);
	pthread_mutex_lock(&fp->lock);
	*JN_PUSH(fp->plan.create_claims, fp->plan.n_create_claims, fp->plan.cap_create_claims) =
		jn_xstrdup(req->claim_name);
	bool allowed = fp->plan.allowed_create_calls != 0;
	if (k == JN_ERR_NONE && fp->plan.allowed_create_calls > 0)
		fp->plan.allowed_create_calls--;
	pthread_mutex_unlock(&fp->lock);
	if (k != JN_ERR_NONE)
		return injected(k, JN_CLOUD_OP_CREATE, err);
	if (!allowed)
		return jn_error_set(err, JN_ERR_INSUFFICIENT_CAPACITY,
			"launching nodeclaim '%s': no create calls allowed", req->claim_name);
	return jn_cloud_create(fp->inner, req, out, err);
}

static int f_delete(struct jn_cloud_provider *cp, const char *id, struct jn_error *err)
{
	struct fault_provider *fp = fault_from_provider(cp);
	enum jn_error_kind k = take(fp, JN_CLOUD_OP_DELETE);
	return k ? injected(k, JN_CLOUD_OP_DELETE, err) : jn_cloud_delete(fp->inner, id, err);
}

static int f_get(struct jn_cloud_provider *cp, const char *id, struct jn_instance *out,
	struct jn_error *err)
{
	struct fault_provider *fp = fault_from_provider(cp);
	enum jn_error_kind k = take(fp, JN_CLOUD_OP_GET);
	return k ? injected(k, JN_CLOUD_OP_GET, err) : jn_cloud_get(fp->inner, id, out, err);
}

static int f_list(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err)
{
	struct fault_provider *fp = fault_from_provider(cp);
	enum jn_error_kind k = take(fp, JN_CLOUD_OP_LIST);
	return k ? injected(k, JN_CLOUD_OP_LIST, err) : jn_cloud_list(fp->inner, out, err);
}

static struct jn_catalog *f_instance_types(struct jn_cloud_provider *cp,
	const struct jn_nodepool *pool, struct jn_error *err)
{
	struct fault_provider *fp = fault_from_provider(cp);
	enum jn_error_kind k = take(fp, JN_CLOUD_OP_INSTANCE_TYPES);
	if (k) {
		injected(k, JN_CLOUD_OP_INSTANCE_TYPES, err);
		return NULL;
	}
	return jn_cloud_instance_types(fp->inner, pool, err);
}

static int f_is_drifted(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
	enum jn_drift_reason *out, struct jn_error *err)
{
	struct fault_provider *fp = fault_from_provider(cp);
	enum jn_error_kind k = take(fp, JN_CLOUD_OP_IS_DRIFTED);
	return k ? injected(k, JN_CLOUD_OP_IS_DRIFTED, err) : jn_cloud_is_drifted(fp->inner, q, out, err);
}

static void f_destroy(struct jn_cloud_provider *cp)
{
	struct fault_provider *fp = fault_from_provider(cp);
	jn_cloud_destroy(fp->inner);
	for (size_t i = 0; i < fp->plan.n_create_claims; i++)
		free(fp->plan.create_claims[i]);
	free(fp->plan.create_claims);
	pthread_mutex_destroy(&fp->lock);
	free(fp);
}

static const struct jn_cloud_provider_impl fault_impl = {
	.name = "faults",
	.create = f_create,
	.delete = f_delete,
	.get = f_get,
	.list = f_list,
	.instance_types = f_instance_types,
	.is_drifted = f_is_drifted,
	.destroy = f_destroy,
};

struct jn_cloud_provider *jn_cloud_decorate_faults(struct jn_cloud_provider *inner)
{
	struct fault_provider *fp = jn_xcalloc(1, sizeof(*fp));
	fp->base.impl = &fault_impl;
	fp->inner = inner;
	fp->plan.allowed_create_calls = -1;
	pthread_mutex_init(&fp->lock, NULL);
	return &fp->base;
}

struct jn_cloud_fault_plan *jn_cloud_faults_plan(struct jn_cloud_provider *cp)
{
	return &fault_from_provider(cp)->plan;
}
