#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jitnode/buf.h"
#include "extender_internal.h"

json_t *ext_get(const json_t *obj, const char *key)
{
	if (!json_is_object(obj))
		return NULL;
	json_t *exact = json_object_get(obj, key);
	if (exact)
		return exact;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		if (strcasecmp(k, key) == 0)
			return v;
	}
	return NULL;
}

json_t *ext_parse(const struct jn_extender *ext, const char *body, size_t len, char *why,
	size_t why_size)
{
	if (len > ext->max_body) {
		snprintf(why, why_size, "request body of %zu bytes is over the %zu-byte limit", len,
			ext->max_body);
		return NULL;
	}
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(why, why_size, "malformed JSON at line %d column %d: %s", jerr.line,
			jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		snprintf(why, why_size, "expected a JSON object");
		json_decref(doc);
		return NULL;
	}
	return doc;
}

const char *ext_node_name(const json_t *node)
{
	return json_string_value(json_object_get(json_object_get(node, "metadata"), "name"));
}

static bool has_disruption_taint(const json_t *node, const char **key)
{
	const json_t *taints = json_object_get(json_object_get(node, "spec"), "taints");
	size_t i;
	const json_t *t;
	json_array_foreach(taints, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		if (k && (strcmp(k, JN_DISRUPTION_TAINT) == 0 ||
			strcmp(k, JN_KARPENTER_DISRUPTION_TAINT) == 0)) {
			*key = k;
			return true;
		}
	}
	return false;
}

bool ext_node_removing(const struct jn_extender *ext, const char *name, const json_t *node_json,
	struct jn_extender_node *view, char *reason, size_t reason_size)
{
	memset(view, 0, sizeof(*view));
	ext->backend->impl->lookup_node(ext->backend, name, view);
	const char *taint;
	if (node_json && json_object_get(json_object_get(node_json, "metadata"),
		"deletionTimestamp")) {
		snprintf(reason, reason_size, "node is being deleted");
		return true;
	}
	if (node_json && has_disruption_taint(node_json, &taint)) {
		snprintf(reason, reason_size, "node is being disrupted (taint %s)", taint);
		return true;
	}
	if (view->known && view->removing) {
		snprintf(reason, reason_size, "%s", view->reason[0] ? view->reason :
			"node is being removed by jitnode");
		return true;
	}
	return false;
}

void ext_dump(const json_t *value, struct jn_buf *out)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	jn_buf_append_str(out, text, NULL);
	free(text);
}

void ext_append_string(struct jn_buf *out, const char *s)
{
	jn_buf_append(out, "\"", 1, NULL);
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jn_buf_append(out, run, (size_t)(s - run), NULL);
		switch (c) {
		case '"': jn_buf_append_str(out, "\\\"", NULL); break;
		case '\\': jn_buf_append_str(out, "\\\\", NULL); break;
		case '\b': jn_buf_append_str(out, "\\b", NULL); break;
		case '\f': jn_buf_append_str(out, "\\f", NULL); break;
		case '\n': jn_buf_append_str(out, "\\n", NULL); break;
		case '\r': jn_buf_append_str(out, "\\r", NULL); break;
		case '\t': jn_buf_append_str(out, "\\t", NULL); break;
		default: jn_buf_printf(out, NULL, "\\u%04X", c); break;
		}
		run = s + 1;
	}
	jn_buf_append(out, run, (size_t)(s - run), NULL);
	jn_buf_append(out, "\"", 1, NULL);
}
