/*
 * Taints and tolerations (core/v1 Taint, Toleration), validated the way the apiserver does so
 * that hand-written pods and policies fail here rather than match surprisingly later.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"

static const char *const effect_names[] = {
	[JN_TAINT_EFFECT_ALL] = "",
	[JN_TAINT_NO_SCHEDULE] = "NoSchedule",
	[JN_TAINT_PREFER_NO_SCHEDULE] = "PreferNoSchedule",
	[JN_TAINT_NO_EXECUTE] = "NoExecute",
};

int jn_taint_effect_parse(const char *text, enum jn_taint_effect *out)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(effect_names); i++) {
		if (strcmp(text, effect_names[i]) == 0) {
			*out = (enum jn_taint_effect)i;
			return 0;
		}
	}
	return -1;
}

const char *jn_taint_effect_name(enum jn_taint_effect effect)
{
	if ((size_t)effect >= JN_ARRAY_LEN(effect_names))
		return "unknown";
	return effect_names[effect];
}

void jn_taint_release(struct jn_taint *t)
{
	free(t->key);
	free(t->value);
	memset(t, 0, sizeof(*t));
}

void jn_taint_copy(struct jn_taint *dst, const struct jn_taint *src)
{
	dst->key = jn_xstrdup(src->key);
	dst->value = jn_xstrdup(src->value);
	dst->effect = src->effect;
}

void jn_toleration_release(struct jn_toleration *t)
{
	free(t->key);
	free(t->value);
	memset(t, 0, sizeof(*t));
}

void jn_toleration_copy(struct jn_toleration *dst, const struct jn_toleration *src)
{
	*dst = *src;
	dst->key = jn_xstrdup(src->key);
	dst->value = jn_xstrdup(src->value);
}

/* Reads obj.effect; "" is accepted only when allow_all (a toleration). */
static int effect_from_json(const json_t *obj, const struct jn_json_path *path, bool required,
	bool allow_all, enum jn_taint_effect *out, struct jn_error *err)
{
	const char *text = "";
	if (jn_json_get_string(obj, "effect", path, required, &text, err) < 0)
		return -1;
	if (jn_taint_effect_parse(text, out) < 0 || (!allow_all && *out == JN_TAINT_EFFECT_ALL)) {
		struct jn_json_path at = JN_JSON_KEY(path, "effect");
		return jn_json_error(err, &at, "unknown taint effect \"%s\" (want NoSchedule, "
			"PreferNoSchedule or NoExecute)", text);
	}
	return 0;
}

int jn_taint_from_json(const json_t *obj, const struct jn_json_path *path, struct jn_taint *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *key = NULL, *value = "";
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_json_get_string(obj, "key", path, true, &key, err) < 0 ||
	    jn_json_get_string(obj, "value", path, false, &value, err) < 0 ||
	    effect_from_json(obj, path, true, false, &out->effect, err) < 0)
		return -1;
	if (!*key) {
		struct jn_json_path at = JN_JSON_KEY(path, "key");
		return jn_json_error(err, &at, "must not be empty");
	}
	out->key = jn_xstrdup(key);
	out->value = jn_xstrdup(value);
	return 0;
}

int jn_toleration_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_toleration *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *key = "", *op = "", *value = "";
	int64_t seconds = 0;
	const json_t *secs = NULL;
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_json_get_string(obj, "key", path, false, &key, err) < 0 ||
	    jn_json_get_string(obj, "operator", path, false, &op, err) < 0 ||
	    jn_json_get_string(obj, "value", path, false, &value, err) < 0 ||
	    effect_from_json(obj, path, false, true, &out->effect, err) < 0 ||
	    jn_json_get_int(obj, "tolerationSeconds", path, false, &seconds, err) < 0)
		return -1;
	struct jn_json_path op_at = JN_JSON_KEY(path, "operator");
	if (!*op || strcmp(op, "Equal") == 0)
		out->op = JN_TOLERATION_EQUAL;
	else if (strcmp(op, "Exists") == 0)
		out->op = JN_TOLERATION_EXISTS;
	else
		return jn_json_error(err, &op_at, "unknown toleration operator \"%s\" (want Equal "
			"or Exists)", op);
	/* The apiserver's rules (ValidateTolerations): an empty key matches every key, which only
	 * makes sense with Exists; Exists compares no value. */
	if (!*key && out->op != JN_TOLERATION_EXISTS)
		return jn_json_error(err, &op_at, "must be Exists when key is empty");
	if (out->op == JN_TOLERATION_EXISTS && *value) {
		struct jn_json_path at = JN_JSON_KEY(path, "value");
		return jn_json_error(err, &at, "must be empty when operator is Exists, got \"%s\"",
			value);
	}
	secs = json_object_get(obj, "tolerationSeconds");
	out->has_seconds = secs && !json_is_null(secs);
	out->toleration_seconds = seconds;
	out->key = jn_xstrdup(key);
	out->value = jn_xstrdup(value);
	return 0;
}
