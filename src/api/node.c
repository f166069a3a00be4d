/*
 * Node decoding: what the cache, the packer and the disruption controllers read of a Node.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/map.h"
#include "api_internal.h"

void jn_node_release(struct jn_node *node)
{
	free(node->name);
	free(node->uid);
	free(node->resource_version);
	free(node->provider_id);
	jn_strmap_release(&node->labels);
	jn_strmap_release(&node->annotations);
	for (size_t i = 0; i < node->n_taints; i++)
		jn_taint_release(&node->taints[i]);
	free(node->taints);
	jn_resources_release(&node->capacity);
	jn_resources_release(&node->allocatable);
	for (size_t i = 0; i < node->n_conditions; i++) {
		free(node->conditions[i].type);
		free(node->conditions[i].status);
		free(node->conditions[i].reason);
	}
	free(node->conditions);
	api_strings_free(node->finalizers, node->n_finalizers);
	memset(node, 0, sizeof(*node));
}

static int metadata_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_node *node, struct jn_error *err)
{
	const json_t *meta = NULL;
	if (jn_json_get_object(obj, "metadata", path, true, &meta, err) < 0)
		return -1;
	struct jn_json_path mp = JN_JSON_KEY(path, "metadata");
	return api_dup_string(meta, "name", &mp, true, &node->name, err) < 0 ||
		api_dup_string(meta, "uid", &mp, false, &node->uid, err) < 0 ||
		api_dup_string(meta, "resourceVersion", &mp, false, &node->resource_version,
			err) < 0 ||
		jn_json_get_strmap(meta, "labels", &mp, &node->labels, err) < 0 ||
		jn_json_get_strmap(meta, "annotations", &mp, &node->annotations, err) < 0 ||
		api_strings_from_json(meta, "finalizers", &mp, &node->finalizers,
			&node->n_finalizers, err) < 0 ||
		api_deletion_from_json(meta, &mp, &node->deleting, &node->deletion_timestamp_ns,
			err) < 0 ? -1 : 0;
}

static int spec_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_node *node, struct jn_error *err)
{
	const json_t *spec = NULL, *taints = NULL;
	if (jn_json_get_object(obj, "spec", path, false, &spec, err) < 0)
		return -1;
	if (!spec)
		return 0;
	struct jn_json_path sp = JN_JSON_KEY(path, "spec");
	if (api_dup_string(spec, "providerID", &sp, false, &node->provider_id, err) < 0 ||
	    jn_json_get_bool(spec, "unschedulable", &sp, false, &node->unschedulable, err) < 0 ||
	    jn_json_get_array(spec, "taints", &sp, false, &taints, err) < 0)
		return -1;
	size_t n = taints ? json_array_size(taints) : 0;
	if (!n)
		return 0;
	struct jn_json_path tp = JN_JSON_KEY(&sp, "taints");
	node->taints = jn_xcalloc(n, sizeof(*node->taints));
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&tp, i);
		if (jn_taint_from_json(json_array_get(taints, i), &at, &node->taints[i], err) < 0)
			return -1;
		node->n_taints = i + 1;
	}
	return 0;
}

static int status_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_node *node, struct jn_error *err)
{
	const json_t *status = NULL, *capacity = NULL, *allocatable = NULL, *conds = NULL;
	if (jn_json_get_object(obj, "status", path, false, &status, err) < 0)
		return -1;
	if (!status)
		return 0;
	struct jn_json_path sp = JN_JSON_KEY(path, "status");
	struct jn_json_path cap_p = JN_JSON_KEY(&sp, "capacity");
	struct jn_json_path alloc_p = JN_JSON_KEY(&sp, "allocatable");
	if (jn_json_get_object(status, "capacity", &sp, false, &capacity, err) < 0 ||
	    jn_json_get_object(status, "allocatable", &sp, false, &allocatable, err) < 0 ||
	    jn_json_get_array(status, "conditions", &sp, false, &conds, err) < 0 ||
	    (capacity && jn_resources_from_json(capacity, &cap_p, &node->capacity, err) < 0) ||
	    (allocatable && jn_resources_from_json(allocatable, &alloc_p, &node->allocatable,
		err) < 0))
		return -1;
	size_t n = conds ? json_array_size(conds) : 0;
	if (!n)
		return 0;
	struct jn_json_path cp = JN_JSON_KEY(&sp, "conditions");
	node->conditions = jn_xcalloc(n, sizeof(*node->conditions));
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&cp, i);
		const json_t *c = json_array_get(conds, i);
		struct jn_node_condition *nc = &node->conditions[i];
		node->n_conditions = i + 1;
		if (jn_json_expect_object(c, &at, err) < 0 ||
		    api_dup_string(c, "type", &at, true, &nc->type, err) < 0 ||
		    api_dup_string(c, "status", &at, true, &nc->status, err) < 0 ||
		    api_dup_string(c, "reason", &at, false, &nc->reason, err) < 0)
			return -1;
	}
	return 0;
}

int jn_node_from_json(const json_t *obj, const struct jn_json_path *path, struct jn_node *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    api_check_kind(obj, "Node", path, err) < 0 ||
	    metadata_from_json(obj, path, out, err) < 0 ||
	    spec_from_json(obj, path, out, err) < 0 ||
	    status_from_json(obj, path, out, err) < 0) {
		jn_node_release(out);
		return -1;
	}
	return 0;
}

const struct jn_node_condition *jn_node_condition(const struct jn_node *node, const char *type)
{
	for (size_t i = 0; i < node->n_conditions; i++)
		if (jn_str_eq(node->conditions[i].type, type))
			return &node->conditions[i];
	return NULL;
}

bool jn_node_is_ready(const struct jn_node *node)
{
	const struct jn_node_condition *c = jn_node_condition(node, "Ready");
	return c && jn_str_eq(c->status, "True");
}
