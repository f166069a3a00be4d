/*
 * Most-allocated scoring: after placing the pod, how full would the node be? The mean of the
 * cpu and memory fractions, scaled to 0..10 and rounded down. Full nodes score high, so pods
 * pile onto busy nodes and the empty ones drain out for consolidation (Karpenter's reason for
 * recommending MostAllocated). A node the pod does not fit on, or one jitnode is removing,
 * scores 0.
 */
#include <stdio.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/log.h"
#include "jitnode/metrics.h"
#include "extender_internal.h"

#define MAX_EXTENDER_SCORE 10

static int64_t score_node(const struct jn_extender_node *node, int64_t cpu, int64_t mem)
{
	if (!node->known || node->removing)
		return 0;
	int64_t alloc_cpu = node->allocatable_cpu_milli, alloc_mem = node->allocatable_memory;
	int64_t used_cpu = node->requested_cpu_milli + cpu, used_mem = node->requested_memory + mem;
	if (alloc_cpu <= 0 || alloc_mem <= 0 || used_cpu > alloc_cpu || used_mem > alloc_mem)
		return 0;
	double fill = ((double)used_cpu / (double)alloc_cpu + (double)used_mem / (double)alloc_mem) / 2;
	return (int64_t)(fill * MAX_EXTENDER_SCORE);
}

/* A full Node object's allocatable replaces the backend's, which may lag behind. */
static void allocatable_from_json(const json_t *node, struct jn_extender_node *view)
{
	const json_t *alloc = json_object_get(json_object_get(node, "status"), "allocatable");
	if (!alloc)
		return;
	struct jn_resources r = { 0 };
	struct jn_json_path root = JN_JSON_ROOT;
	if (jn_resources_from_json(alloc, &root, &r, NULL) == 0) {
		view->known = true;
		view->allocatable_cpu_milli = r.cpu_milli;
		view->allocatable_memory = r.memory;
	}
	jn_resources_release(&r);
}

static void add_score(struct jn_extender *ext, struct jn_buf *out, const char *name,
	const json_t *node_json, int64_t cpu, int64_t mem)
{
	struct jn_extender_node view;
	char reason[200];
	bool removing = ext_node_removing(ext, name, node_json, &view, reason, sizeof(reason));
	if (node_json)
		allocatable_from_json(node_json, &view);
	view.removing = removing;
	if (out->len > 1)
		jn_buf_append_str(out, ",", NULL);
	jn_buf_append_str(out, "{\"Host\":", NULL);
	ext_append_string(out, name);
	/* Scores are 0..10: two characters at most, no printf on the hot path. */
	int64_t score = score_node(&view, cpu, mem);
	char tail[16] = ",\"Score\":";
	size_t n = strlen(tail);
	if (score >= 10)
		tail[n++] = '1', score -= 10;
	tail[n++] = (char)('0' + score);
	tail[n++] = '}';
	jn_buf_append(out, tail, n, NULL);
}

int jn_extender_prioritize(struct jn_extender *ext, const char *body, size_t len,
	struct jn_buf *out)
{
	jn_counter_add(ext->requests, "prioritize", 1);
	char why[JN_ERROR_MSG_MAX] = "";
	struct jn_buf list;
	jn_buf_init(&list, JN_BUF_UNLIMITED);
	jn_buf_append_str(&list, "[", NULL);
	struct ext_strings names = { .what = "NodeNames" };
	jn_buf_init(&names.text, JN_BUF_UNLIMITED);
	struct jn_pod pod = { 0 };
	json_t *pod_json = NULL, *nodes = NULL;
	struct ext_span m[] = { { .name = "Pod" }, { .name = "Nodes" }, { .name = "NodeNames" } };
	int status = 400;
	if (len > ext->max_body) {
		snprintf(why, sizeof(why), "request body of %zu bytes is over the %zu-byte limit", len,
			ext->max_body);
		goto out;
	}
	if (ext_scan_request(body, len, m, JN_ARRAY_LEN(m), why, sizeof(why)) < 0)
		goto out;
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_json_path at = JN_JSON_KEY(&root, "Pod");
	struct jn_error err;
	pod_json = ext_span_is_null(&m[0]) ? NULL : ext_span_json(&m[0]);
	if (jn_pod_from_json(pod_json, &at, &pod, &err) < 0) {
		snprintf(why, sizeof(why), "%s", err.msg);
		goto out;
	}
	int64_t cpu = pod.requests.cpu_milli, mem = pod.requests.memory;
	if (!ext_span_is_null(&m[2])) {
		if (ext_string_array(&m[2], &names, why, sizeof(why)) < 0)
			goto out;
		for (size_t i = 0; i < names.len; i++)
			add_score(ext, &list, names.items[i], NULL, cpu, mem);
	} else if (!ext_span_is_null(&m[1])) {
		nodes = ext_span_json(&m[1]);
		const json_t *items = ext_get(nodes, "items");
		size_t i;
		const json_t *v;
		json_array_foreach(items, i, v) {
			const char *name = ext_node_name(v);
			if (name)
				add_score(ext, &list, name, v, cpu, mem);
		}
	} else {
		snprintf(why, sizeof(why), "request has neither NodeNames nor Nodes");
		goto out;
	}
	jn_buf_append_str(&list, "]", NULL);
	jn_buf_append(out, list.data, list.len, NULL);
	status = 200;
out:
	if (status != 200) {
		jn_log_warn(ext->log, "rejected prioritize request", JN_LOG_STR("error", why));
		jn_buf_append_str(out, why, NULL);
	}
	jn_buf_release(&list);
	ext_strings_release(&names);
	json_decref(pod_json);
	json_decref(nodes);
	jn_pod_release(&pod);
	return status;
}
