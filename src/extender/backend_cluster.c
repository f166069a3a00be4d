/*
 * The extender's backend over the cluster cache and the API client. A lookup copies the few
 * numbers the verbs need while holding the cache's node reference, so no cache lock outlives the
 * call and a concurrent watch update never waits on a webhook.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/cache.h"
#include "jitnode/error.h"
#include "jitnode/kube.h"
#include "extender_internal.h"

struct cluster_backend {
	struct jn_extender_backend base;
	struct jn_cache *cache;
	struct jn_kube_client *client;
};

static const struct jn_extender_backend_impl cluster_impl;

static struct cluster_backend *cluster_from(struct jn_extender_backend *backend)
{
	assert(backend->impl == &cluster_impl);
	return (struct cluster_backend *)backend;
}

static const char *disruption_taint(const struct jn_node *node)
{
	for (size_t i = 0; i < node->n_taints; i++) {
		const char *key = node->taints[i].key;
		if (strcmp(key, JN_DISRUPTION_TAINT) == 0 ||
			strcmp(key, JN_KARPENTER_DISRUPTION_TAINT) == 0)
			return key;
	}
	return NULL;
}

static void lookup_node(struct jn_extender_backend *backend, const char *name,
	struct jn_extender_node *out)
{
	struct cluster_backend *b = cluster_from(backend);
	struct jn_cache_node_info info;
	memset(out, 0, sizeof(*out));
	if (!jn_cache_node_get(b->cache, name, false, &info))
		return;
	const struct jn_node *node = info.node;
	const char *taint = node ? disruption_taint(node) : NULL;
	out->known = node != NULL;
	if (info.marks & JN_CACHE_MARK_DELETING) {
		out->removing = true;
		snprintf(out->reason, sizeof(out->reason), "jitnode is deleting this node");
	} else if (info.marks & JN_CACHE_MARK_DRAINING) {
		out->removing = true;
		snprintf(out->reason, sizeof(out->reason), "jitnode is draining this node");
	} else if (node && node->deleting) {
		out->removing = true;
		snprintf(out->reason, sizeof(out->reason), "node is being deleted");
	} else if (taint) {
		out->removing = true;
		snprintf(out->reason, sizeof(out->reason), "node is being disrupted (taint %s)",
			taint);
	}
	if (node) {
		out->allocatable_cpu_milli = node->allocatable.cpu_milli;
		out->allocatable_memory = node->allocatable.memory;
	}
	out->requested_cpu_milli = info.requested.cpu_milli;
	out->requested_memory = info.requested.memory;
	jn_cache_node_info_release(&info);
}

/*
 * A bind repeated after a timeout (the first one did land) meets a 409 "already assigned".
 * When the pod, with this uid, already sits on this very node, the binding the scheduler asked
 * for exists: answer success, or the scheduler would unreserve a pod that is in fact placed.
 */
static bool already_bound_here(struct cluster_backend *b, const char *ns, const char *name,
	const char *uid, const char *node)
{
	json_t *pod = NULL;
	if (jn_kube_get_pod(b->client, ns, name, &pod, NULL) < 0)
		return false;
	const char *bound = json_string_value(json_object_get(json_object_get(pod, "spec"),
		"nodeName"));
	const char *have = json_string_value(json_object_get(json_object_get(pod, "metadata"),
		"uid"));
	bool same = bound && strcmp(bound, node) == 0 && (!uid || (have && strcmp(have, uid) == 0));
	json_decref(pod);
	return same;
}

static int bind(struct jn_extender_backend *backend, const char *ns, const char *name,
	const char *uid, const char *node, struct jn_error *err)
{
	struct cluster_backend *b = cluster_from(backend);
	int rc = jn_kube_bind(b->client, ns, name, uid, node, err);
	if (rc < 0 && err && err->kind == JN_ERR_CONFLICT &&
		already_bound_here(b, ns, name, uid, node)) {
		jn_error_clear(err);
		return 0;
	}
	return rc;
}

static const struct jn_extender_backend_impl cluster_impl = {
	.lookup_node = lookup_node,
	.bind = bind,
};

struct jn_extender_backend *jn_extender_backend_cluster_create(struct jn_cache *cache,
	struct jn_kube_client *client)
{
	struct cluster_backend *b = jn_xcalloc(1, sizeof(*b));
	b->base.impl = &cluster_impl;
	b->cache = cache;
	b->client = client;
	return &b->base;
}

void jn_extender_backend_cluster_destroy(struct jn_extender_backend *backend)
{
	if (backend)
		free(cluster_from(backend));
}
