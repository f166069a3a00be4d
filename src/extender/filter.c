#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/log.h"
#include "jitnode/metrics.h"
#include "extender_internal.h"

/* One node's verdict; names and objects are borrowed from the request document. */
struct verdict {
	const char *name;
	const json_t *node;     /* the Node object when the request carried objects */
	bool keep;
	char reason[200];
};

struct verdicts {
	struct verdict *items;
	size_t len;
	size_t cap;
	size_t rejected;
};

static void pod_key(const json_t *pod, char *out, size_t size)
{
	const json_t *meta = json_object_get(pod, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	snprintf(out, size, "%s/%s", ns ? ns : "default", name ? name : "?");
}

static void judge(struct jn_extender *ext, struct verdicts *v, const char *name,
	const json_t *node)
{
	struct verdict *d = JN_PUSH(v->items, v->len, v->cap);
	struct jn_extender_node view;
	d->name = name;
	d->node = node;
	d->keep = !ext_node_removing(ext, name, node, &view, d->reason, sizeof(d->reason));
	if (!d->keep)
		v->rejected++;
}

static void judge_names(struct jn_extender *ext, const struct ext_strings *names,
	struct verdicts *v)
{
	for (size_t i = 0; i < names->len; i++)
		judge(ext, v, names->items[i], NULL);
}

static int judge_nodes(struct jn_extender *ext, const json_t *nodes, struct verdicts *v,
	char *why, size_t why_size)
{
	const json_t *items = ext_get(nodes, "items");
	if (items && !json_is_array(items) && !json_is_null(items)) {
		snprintf(why, why_size, "Nodes.items: expected an array");
		return -1;
	}
	size_t i;
	const json_t *node;
	json_array_foreach(items, i, node) {
		const char *name = ext_node_name(node);
		if (!name) {
			snprintf(why, why_size, "Nodes.items[%zu].metadata.name: is required", i);
			return -1;
		}
		judge(ext, v, name, node);
	}
	return 0;
}

/* ExtenderFilterResult, keys in the order of the Go struct, absent lists as null. */
static void write_result(const struct verdicts *v, bool by_names, const char *error,
	struct jn_buf *out)
{
	jn_buf_append_str(out, "{\"Nodes\":", NULL);
	if (!error && !by_names) {
		jn_buf_append_str(out, "{\"metadata\":{},\"items\":[", NULL);
		bool first = true;
		for (size_t i = 0; i < v->len; i++) {
			if (!v->items[i].keep)
				continue;
			if (!first)
				jn_buf_append_str(out, ",", NULL);
			ext_dump(v->items[i].node, out);
			first = false;
		}
		jn_buf_append_str(out, "]}", NULL);
	} else {
		jn_buf_append_str(out, "null", NULL);
	}
	jn_buf_append_str(out, ",\"NodeNames\":", NULL);
	if (!error && by_names) {
		jn_buf_append_str(out, "[", NULL);
		bool first = true;
		for (size_t i = 0; i < v->len; i++) {
			if (!v->items[i].keep)
				continue;
			if (!first)
				jn_buf_append_str(out, ",", NULL);
			ext_append_string(out, v->items[i].name);
			first = false;
		}
		jn_buf_append_str(out, "]", NULL);
	} else {
		jn_buf_append_str(out, "null", NULL);
	}
	jn_buf_append_str(out, ",\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{", NULL);
	bool first = true;
	for (size_t i = 0; !error && i < v->len; i++) {
		if (v->items[i].keep)
			continue;
		if (!first)
			jn_buf_append_str(out, ",", NULL);
		ext_append_string(out, v->items[i].name);
		jn_buf_append_str(out, ":", NULL);
		ext_append_string(out, v->items[i].reason);
		first = false;
	}
	jn_buf_append_str(out, "},\"Error\":", NULL);
	ext_append_string(out, error ? error : "");
	jn_buf_append_str(out, "}", NULL);
}

int jn_extender_filter(struct jn_extender *ext, const char *body, size_t len, struct jn_buf *out)
{
	jn_counter_add(ext->requests, "filter", 1);
	struct verdicts v = { 0 };
	struct ext_strings names = { .what = "NodeNames" };
	jn_buf_init(&names.text, JN_BUF_UNLIMITED);
	json_t *nodes = NULL;
	char why[512] = "";
	struct ext_span m[] = { { .name = "Pod" }, { .name = "Nodes" }, { .name = "NodeNames" } };
	bool by_names = false;
	if (len > ext->max_body) {
		snprintf(why, sizeof(why), "request body of %zu bytes is over the %zu-byte limit", len,
			ext->max_body);
		goto answer;
	}
	if (ext_scan_request(body, len, m, JN_ARRAY_LEN(m), why, sizeof(why)) < 0)
		goto answer;
	if (ext_span_is_null(&m[0]) || m[0].text[0] != '{') {
		snprintf(why, sizeof(why), "Pod: expected an object");
		goto answer;
	}
	by_names = !ext_span_is_null(&m[2]);
	if (by_names) {
		if (ext_string_array(&m[2], &names, why, sizeof(why)) < 0)
			goto answer;
		judge_names(ext, &names, &v);
	} else if (!ext_span_is_null(&m[1]) && m[1].text[0] == '{') {
		nodes = ext_span_json(&m[1]);
		if (judge_nodes(ext, nodes, &v, why, sizeof(why)) < 0)
			goto answer;
	} else {
		snprintf(why, sizeof(why), "request has neither NodeNames nor Nodes");
		goto answer;
	}
	if (v.rejected) {
		char key[300];
		json_t *pod = ext_span_json(&m[0]);
		pod_key(pod, key, sizeof(key));
		json_decref(pod);
		jn_log_info(ext->log, "filtered out nodes being removed", JN_LOG_STR("pod", key),
			JN_LOG_INT("rejected", v.rejected), JN_LOG_INT("passed", v.len - v.rejected));
	}
answer:
	if (why[0])
		jn_log_warn(ext->log, "rejected filter request", JN_LOG_STR("error", why));
	write_result(&v, by_names, why[0] ? why : NULL, out);
	free(v.items);
	ext_strings_release(&names);
	json_decref(nodes);
	return 200;
}
