#include <stdio.h>

#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/metrics.h"
#include "extender_internal.h"

/* Copies one node's victims into the UID-only (Meta) form the scheduler expects back. */
static int meta_victims(const char *node, const json_t *victims, json_t **out, char *why,
	size_t size)
{
	const json_t *pods = ext_get(victims, "Pods");
	const json_t *pdb = ext_get(victims, "NumPDBViolations");
	json_t *uids = json_array();
	size_t i;
	const json_t *p;
	json_array_foreach(pods, i, p) {
		const json_t *uid = ext_get(p, "UID");
		if (!uid)
			uid = json_object_get(json_object_get(p, "metadata"), "uid");
		if (!json_is_string(uid)) {
			snprintf(why, size, "victims of node '%s': Pods[%zu]: no UID", node, i);
			json_decref(uids);
			return -1;
		}
		json_array_append_new(uids, json_pack("{s:O}", "UID", uid));
	}
	*out = json_pack("{s:o,s:I}", "Pods", uids, "NumPDBViolations",
		json_is_integer(pdb) ? json_integer_value(pdb) : (json_int_t)0);
	return 0;
}

int jn_extender_preempt(struct jn_extender *ext, const char *body, size_t len,
	struct jn_buf *out)
{
	jn_counter_add(ext->requests, "preempt", 1);
	char why[JN_ERROR_MSG_MAX] = "";
	json_t *kept = json_object();
	json_t *doc = ext_parse(ext, body, len, why, sizeof(why));
	if (!doc)
		goto fail;
	if (!json_is_object(ext_get(doc, "Pod"))) {
		snprintf(why, sizeof(why), "Pod: expected an object");
		goto fail;
	}
	const json_t *candidates = ext_get(doc, "NodeNameToMetaVictims");
	if (!json_is_object(candidates))
		candidates = ext_get(doc, "NodeNameToVictims");
	if (!json_is_object(candidates)) {
		snprintf(why, sizeof(why),
			"request has neither NodeNameToMetaVictims nor NodeNameToVictims");
		goto fail;
	}
	const char *node;
	json_t *victims;
	size_t dropped = 0;
	json_object_foreach((json_t *)candidates, node, victims) {
		struct jn_extender_node view;
		char reason[200];
		if (ext_node_removing(ext, node, NULL, &view, reason, sizeof(reason))) {
			dropped++;
			continue;
		}
		json_t *meta;
		if (meta_victims(node, victims, &meta, why, sizeof(why)) < 0)
			goto fail;
		json_object_set_new(kept, node, meta);
	}
	if (dropped)
		jn_log_info(ext->log, "dropped preemption candidates being removed",
			JN_LOG_INT("dropped", dropped), JN_LOG_INT("kept", json_object_size(kept)));
	json_t *result = json_pack("{s:o}", "NodeNameToMetaVictims", kept);
	ext_dump(result, out);
	json_decref(result);
	json_decref(doc);
	return 200;
fail:
	jn_log_warn(ext->log, "rejected preempt request", JN_LOG_STR("error", why));
	jn_buf_append_str(out, why, NULL);
	json_decref(kept);
	json_decref(doc);
	return 400;
}
