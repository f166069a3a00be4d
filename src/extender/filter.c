#include <stdio.h>

#include "jitnode/log.h"
#include "jitnode/metrics.h"
#include "extender_internal.h"

static void pod_key(const json_t *pod, char *out, size_t size)
{
	const json_t *meta = json_object_get(pod, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	snprintf(out, size, "%s/%s", ns ? ns : "default", name ? name : "?");
}

/* Judges one node; adds it to the unresolvable map when jitnode is removing it. */
static bool keep_node(struct jn_extender *ext, const char *name, const json_t *node_json,
	json_t *unresolvable)
{
	struct jn_extender_node view;
	char reason[200];
	if (!ext_node_removing(ext, name, node_json, &view, reason, sizeof(reason)))
		return true;
	json_object_set_new(unresolvable, name, json_string(reason));
	return false;
}

static int filter_names(struct jn_extender *ext, const json_t *names, json_t *result,
	json_t *unresolvable, char *why, size_t why_size)
{
	json_t *kept = json_array();
	size_t i;
	const json_t *n;
	json_array_foreach(names, i, n) {
		if (!json_is_string(n)) {
			snprintf(why, why_size, "NodeNames[%zu]: expected a string", i);
			json_decref(kept);
			return -1;
		}
		if (keep_node(ext, json_string_value(n), NULL, unresolvable))
			json_array_append(kept, (json_t *)n);
	}
	json_object_set_new(result, "NodeNames", kept);
	return 0;
}

static int filter_nodes(struct jn_extender *ext, const json_t *nodes, json_t *result,
	json_t *unresolvable, char *why, size_t why_size)
{
	const json_t *items = ext_get(nodes, "items");
	if (!json_is_array(items) && !json_is_null(items) && items) {
		snprintf(why, why_size, "Nodes.items: expected an array");
		return -1;
	}
	json_t *kept = json_array();
	size_t i;
	const json_t *node;
	json_array_foreach(items, i, node) {
		const char *name = ext_node_name(node);
		if (!name) {
			snprintf(why, why_size, "Nodes.items[%zu].metadata.name: is required", i);
			json_decref(kept);
			return -1;
		}
		if (keep_node(ext, name, node, unresolvable))
			json_array_append(kept, (json_t *)node);
	}
	json_object_set_new(result, "Nodes", json_pack("{s:{},s:o}", "metadata", "items", kept));
	return 0;
}

int jn_extender_filter(struct jn_extender *ext, const char *body, size_t len, struct jn_buf *out)
{
	jn_counter_add(ext->requests, "filter", 1);
	json_t *result = json_pack("{s:n,s:n,s:{},s:{},s:s}", "Nodes", "NodeNames",
		"FailedNodes", "FailedAndUnresolvableNodes", "Error", "");
	json_t *unresolvable = json_object_get(result, "FailedAndUnresolvableNodes");
	char why[512] = "";
	json_t *doc = ext_parse(ext, body, len, why, sizeof(why));
	if (!doc)
		goto answer;
	const json_t *pod = ext_get(doc, "Pod");
	if (!json_is_object(pod)) {
		snprintf(why, sizeof(why), "Pod: expected an object");
		goto answer;
	}
	const json_t *names = ext_get(doc, "NodeNames");
	const json_t *nodes = ext_get(doc, "Nodes");
	int rc = -1;
	if (json_is_array(names))
		rc = filter_names(ext, names, result, unresolvable, why, sizeof(why));
	else if (json_is_object(nodes))
		rc = filter_nodes(ext, nodes, result, unresolvable, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "request has neither NodeNames nor Nodes");
	if (rc == 0 && json_object_size(unresolvable)) {
		char key[300];
		pod_key(pod, key, sizeof(key));
		jn_log_info(ext->log, "filtered out nodes being removed", JN_LOG_STR("pod", key),
			JN_LOG_INT("rejected", json_object_size(unresolvable)));
	}
answer:
	if (why[0]) {
		json_object_set_new(result, "Error", json_string(why));
		json_object_set_new(result, "Nodes", json_null());
		json_object_set_new(result, "NodeNames", json_null());
		jn_log_warn(ext->log, "rejected filter request", JN_LOG_STR("error", why));
	}
	ext_dump(result, out);
	json_decref(result);
	json_decref(doc);
	return 200;
}
