#include <stdio.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/metrics.h"
#include "extender_internal.h"

static const char *required_string(const json_t *doc, const char *key, char *why, size_t size)
{
	const json_t *v = ext_get(doc, key);
	if (!json_is_string(v) || !json_string_length(v)) {
		if (!why[0])
			snprintf(why, size, "%s: is required", key);
		return NULL;
	}
	return json_string_value(v);
}

static const char *result_label(enum jn_error_kind kind)
{
	switch (kind) {
	case JN_ERR_NONE: return "success";
	case JN_ERR_CONFLICT: return "conflict";
	case JN_ERR_NOT_FOUND: return "not-found";
	default: return "error";
	}
}

int jn_extender_bind(struct jn_extender *ext, const char *body, size_t len, struct jn_buf *out)
{
	jn_counter_add(ext->requests, "bind", 1);
	char why[JN_ERROR_MSG_MAX] = "";
	json_t *doc = ext_parse(ext, body, len, why, sizeof(why));
	if (!doc) {
		jn_counter_add(ext->binds, "invalid", 1);
		goto answer;
	}
	const char *name = required_string(doc, "PodName", why, sizeof(why));
	const char *ns = required_string(doc, "PodNamespace", why, sizeof(why));
	const char *uid = required_string(doc, "PodUID", why, sizeof(why));
	const char *node = required_string(doc, "Node", why, sizeof(why));
	if (why[0]) {
		jn_counter_add(ext->binds, "invalid", 1);
		goto answer;
	}
	struct jn_error err;
	jn_error_clear(&err);
	int64_t start = jn_clock_mono_ns(ext->clock);
	int rc = ext->backend->impl->bind(ext->backend, ns, name, uid, node, &err);
	double seconds = (double)(jn_clock_mono_ns(ext->clock) - start) / 1e9;
	jn_counter_add(ext->binds, result_label(rc < 0 ? err.kind : JN_ERR_NONE), 1);
	jn_histogram_observe(ext->bind_seconds, NULL, seconds);
	char key[512];
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	if (rc < 0) {
		snprintf(why, sizeof(why), "binding pod '%s' to node '%s': %s: %s", key, node,
			jn_error_kind_name(err.kind), err.msg);
		jn_log_warn(ext->log, "failed to bind pod", JN_LOG_STR("pod", key),
			JN_LOG_STR("node", node), JN_LOG_STR("kind", jn_error_kind_name(err.kind)),
			JN_LOG_DBL("latency_ms", seconds * 1e3), JN_LOG_STR("error", err.msg));
	} else {
		jn_log_info(ext->log, "bound pod", JN_LOG_STR("pod", key), JN_LOG_STR("node", node),
			JN_LOG_STR("uid", uid), JN_LOG_DBL("latency_ms", seconds * 1e3));
	}
answer:;
	json_t *result = json_pack("{s:s}", "Error", why);
	ext_dump(result, out);
	json_decref(result);
	json_decref(doc);
	return 200;
}
