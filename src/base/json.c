#include <stdio.h>
#include <string.h>

#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/map.h"

/* Writes the chain root-first by recursing to the root before printing this frame. */
static size_t format_frame(const struct jn_json_path *p, char *out, size_t size, size_t at)
{
	if (!p)
		return at;
	at = format_frame(p->parent, out, size, at);
	if (at >= size)
		return at;
	int n;
	if (p->key)
		n = snprintf(out + at, size - at, "%s%s", at ? "." : "", p->key);
	else if (p->index != SIZE_MAX)
		n = snprintf(out + at, size - at, "[%zu]", p->index);
	else
		n = 0;
	return n < 0 ? at : at + (size_t)n;
}

char *jn_json_path_format(const struct jn_json_path *path, char *out, size_t size)
{
	if (!size)
		return out;
	out[0] = '\0';
	size_t at = format_frame(path, out, size, 0);
	if (at >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
	return out;
}

int jn_json_error(struct jn_error *err, const struct jn_json_path *path, const char *fmt, ...)
{
	char where[512];
	jn_json_path_format(path, where, sizeof(where));
	char what[JN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!where[0])
		return jn_error_set(err, JN_ERR_INVALID, "%s", what);
	return jn_error_set(err, JN_ERR_INVALID, "%s: %s", where, what);
}

const char *jn_json_type_name(const json_t *value)
{
	switch (json_typeof(value)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "an unknown value";
}

int jn_json_expect_object(const json_t *value, const struct jn_json_path *path,
	struct jn_error *err)
{
	if (!json_is_object(value))
		return jn_json_error(err, path, "expected an object, got %s",
			value ? jn_json_type_name(value) : "nothing");
	return 0;
}

/* Looks key up; 1 when present and not null, 0 when absent (or an error if required). */
static int member(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, const json_t **out, struct jn_error *err)
{
	if (jn_json_expect_object(obj, path, err) < 0)
		return -1;
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required) {
			struct jn_json_path at = JN_JSON_KEY(path, key);
			return jn_json_error(err, &at, "is required");
		}
		return 0;
	}
	*out = v;
	return 1;
}

static int wrong_type(const json_t *v, const char *key, const struct jn_json_path *path,
	const char *want, struct jn_error *err)
{
	struct jn_json_path at = JN_JSON_KEY(path, key);
	return jn_json_error(err, &at, "expected %s, got %s", want, jn_json_type_name(v));
}

int jn_json_get_string(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, const char **out, struct jn_error *err)
{
	const json_t *v;
	int rc = member(obj, key, path, required, &v, err);
	if (rc <= 0)
		return rc;
	if (!json_is_string(v))
		return wrong_type(v, key, path, "a string", err);
	*out = json_string_value(v);
	return 0;
}

int jn_json_get_int(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, int64_t *out, struct jn_error *err)
{
	const json_t *v;
	int rc = member(obj, key, path, required, &v, err);
	if (rc <= 0)
		return rc;
	if (!json_is_integer(v))
		return wrong_type(v, key, path, "an integer", err);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int jn_json_get_bool(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, bool *out, struct jn_error *err)
{
	const json_t *v;
	int rc = member(obj, key, path, required, &v, err);
	if (rc <= 0)
		return rc;
	if (!json_is_boolean(v))
		return wrong_type(v, key, path, "a boolean", err);
	*out = json_is_true(v);
	return 0;
}

int jn_json_get_object(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, const json_t **out, struct jn_error *err)
{
	const json_t *v;
	int rc = member(obj, key, path, required, &v, err);
	if (rc <= 0)
		return rc;
	if (!json_is_object(v))
		return wrong_type(v, key, path, "an object", err);
	*out = v;
	return 0;
}

int jn_json_get_array(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, const json_t **out, struct jn_error *err)
{
	const json_t *v;
	int rc = member(obj, key, path, required, &v, err);
	if (rc <= 0)
		return rc;
	if (!json_is_array(v))
		return wrong_type(v, key, path, "an array", err);
	*out = v;
	return 0;
}

int jn_json_check_keys(const json_t *obj, const char *const *allowed,
	const struct jn_json_path *path, struct jn_error *err)
{
	if (jn_json_expect_object(obj, path, err) < 0)
		return -1;
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)obj, key, value) {
		bool known = false;
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, key) == 0;
		if (!known) {
			struct jn_json_path at = JN_JSON_KEY(path, key);
			return jn_json_error(err, &at, "unknown field");
		}
	}
	return 0;
}

int jn_json_get_strmap(const json_t *obj, const char *key, const struct jn_json_path *path,
	struct jn_strmap *out, struct jn_error *err)
{
	const json_t *map = NULL;
	if (jn_json_get_object(obj, key, path, false, &map, err) < 0)
		return -1;
	if (!map)
		return 0;
	struct jn_json_path here = JN_JSON_KEY(path, key);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)map, k, v) {
		if (!json_is_string(v))
			return wrong_type(v, k, &here, "a string", err);
		jn_strmap_set(out, k, json_string_value(v));
	}
	return 0;
}
