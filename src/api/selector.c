/*
 * Selector requirements and metav1.LabelSelector.
 *
 * One struct serves NodeSelectorRequirement, LabelSelectorRequirement and Karpenter's NodePool
 * requirement (which adds minValues and the Gte/Lte operators); the decoder checks the
 * operator/values pairing the apiserver checks, so that a requirement that reached the
 * scheduler's algebra is always well formed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/map.h"
#include "api_internal.h"

/* Karpenter's NodePool CRD bounds minValues to 1..50. */
#define MIN_VALUES_MAX 50

static const char *const op_names[] = {
	[JN_OP_IN] = "In",
	[JN_OP_NOT_IN] = "NotIn",
	[JN_OP_EXISTS] = "Exists",
	[JN_OP_DOES_NOT_EXIST] = "DoesNotExist",
	[JN_OP_GT] = "Gt",
	[JN_OP_LT] = "Lt",
	[JN_OP_GTE] = "Gte",
	[JN_OP_LTE] = "Lte",
};

int jn_selector_op_parse(const char *text, enum jn_selector_op *out)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(op_names); i++) {
		if (strcmp(text, op_names[i]) == 0) {
			*out = (enum jn_selector_op)i;
			return 0;
		}
	}
	return -1;
}

const char *jn_selector_op_name(enum jn_selector_op op)
{
	if ((size_t)op >= JN_ARRAY_LEN(op_names))
		return "unknown";
	return op_names[op];
}

void jn_requirement_release(struct jn_requirement *r)
{
	free(r->key);
	for (size_t i = 0; i < r->n_values; i++)
		free(r->values[i]);
	free(r->values);
	memset(r, 0, sizeof(*r));
}

void jn_requirement_copy(struct jn_requirement *dst, const struct jn_requirement *src)
{
	*dst = *src;
	dst->key = jn_xstrdup(src->key);
	dst->values = NULL;
	if (src->n_values) {
		dst->values = jn_xcalloc(src->n_values, sizeof(*dst->values));
		for (size_t i = 0; i < src->n_values; i++)
			dst->values[i] = jn_xstrdup(src->values[i]);
	}
}

static bool is_integer(const char *s)
{
	if (!*s)
		return false;
	char *end;
	errno = 0;
	(void)strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Checks the operator/values pairing (apimachinery ValidateNodeSelectorRequirement). */
static int check_values(const struct jn_requirement *r, const struct jn_json_path *path,
	struct jn_error *err)
{
	struct jn_json_path at = JN_JSON_KEY(path, "values");
	const char *op = jn_selector_op_name(r->op);
	switch (r->op) {
	case JN_OP_IN:
	case JN_OP_NOT_IN:
		if (!r->n_values)
			return jn_json_error(err, &at, "must be non-empty when operator is %s", op);
		return 0;
	case JN_OP_EXISTS:
	case JN_OP_DOES_NOT_EXIST:
		if (r->n_values)
			return jn_json_error(err, &at, "must be empty when operator is %s", op);
		return 0;
	case JN_OP_GT:
	case JN_OP_LT:
	case JN_OP_GTE:
	case JN_OP_LTE:
		if (r->n_values != 1)
			return jn_json_error(err, &at, "must have exactly one value when operator "
				"is %s, got %zu", op, r->n_values);
		if (!is_integer(r->values[0])) {
			struct jn_json_path v0 = JN_JSON_IDX(&at, 0);
			return jn_json_error(err, &v0, "must be an integer when operator is %s, "
				"got \"%s\"", op, r->values[0]);
		}
		return 0;
	}
	return jn_json_error(err, path, "unknown operator");
}

/* Decodes a requirement, accepting only operators up to and including last_op. */
static int requirement_from_json(const json_t *obj, const struct jn_json_path *path,
	enum jn_selector_op last_op, struct jn_requirement *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *key = NULL, *op = NULL;
	int64_t min_values = 0;
	const json_t *mv = NULL;
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_json_get_string(obj, "key", path, true, &key, err) < 0 ||
	    jn_json_get_string(obj, "operator", path, true, &op, err) < 0 ||
	    jn_json_get_int(obj, "minValues", path, false, &min_values, err) < 0)
		return -1;
	if (!*key) {
		struct jn_json_path at = JN_JSON_KEY(path, "key");
		return jn_json_error(err, &at, "must not be empty");
	}
	if (jn_selector_op_parse(op, &out->op) < 0 || out->op > last_op) {
		struct jn_json_path at = JN_JSON_KEY(path, "operator");
		return jn_json_error(err, &at, "unknown operator \"%s\" (want %s)", op,
			last_op == JN_OP_DOES_NOT_EXIST ? "In, NotIn, Exists or DoesNotExist" :
			"In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte or Lte");
	}
	if (api_strings_from_json(obj, "values", path, &out->values, &out->n_values, err) < 0)
		goto fail;
	if (check_values(out, path, err) < 0)
		goto fail;
	mv = json_object_get(obj, "minValues");
	if (mv && !json_is_null(mv)) {
		struct jn_json_path at = JN_JSON_KEY(path, "minValues");
		if (min_values < 1 || min_values > MIN_VALUES_MAX) {
			jn_json_error(err, &at, "must be between 1 and %d, got %lld",
				MIN_VALUES_MAX, (long long)min_values);
			goto fail;
		}
		if (out->op == JN_OP_IN && (size_t)min_values > out->n_values) {
			jn_json_error(err, &at, "must be at most the number of values (%zu) when "
				"operator is In, got %lld", out->n_values, (long long)min_values);
			goto fail;
		}
		out->min_values = (int32_t)min_values;
	}
	out->key = jn_xstrdup(key);
	return 0;
fail:
	jn_requirement_release(out);
	return -1;
}

int jn_requirement_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_requirement *out, struct jn_error *err)
{
	return requirement_from_json(obj, path, JN_OP_LTE, out, err);
}

int jn_requirement_array_from_json(const json_t *obj, const char *key,
	const struct jn_json_path *path, bool label_ops, struct jn_requirement **out,
	size_t *n_out, struct jn_error *err)
{
	*out = NULL;
	*n_out = 0;
	const json_t *arr = NULL;
	if (jn_json_get_array(obj, key, path, false, &arr, err) < 0)
		return -1;
	if (!arr || !json_array_size(arr))
		return 0;
	struct jn_json_path here = JN_JSON_KEY(path, key);
	size_t n = json_array_size(arr);
	struct jn_requirement *reqs = jn_xcalloc(n, sizeof(*reqs));
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&here, i);
		if (requirement_from_json(json_array_get(arr, i), &at,
			label_ops ? JN_OP_DOES_NOT_EXIST : JN_OP_LTE, &reqs[i], err) < 0) {
			jn_requirement_array_free(reqs, i);
			return -1;
		}
	}
	*out = reqs;
	*n_out = n;
	return 0;
}

void jn_requirement_array_free(struct jn_requirement *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		jn_requirement_release(&reqs[i]);
	free(reqs);
}

void jn_label_selector_release(struct jn_label_selector *s)
{
	if (!s)
		return;
	jn_strmap_release(&s->match_labels);
	jn_requirement_array_free(s->match_expressions, s->n_match_expressions);
	memset(s, 0, sizeof(*s));
}

void jn_label_selector_copy(struct jn_label_selector *dst, const struct jn_label_selector *src)
{
	jn_strmap_copy(&dst->match_labels, &src->match_labels);
	dst->n_match_expressions = src->n_match_expressions;
	dst->match_expressions = NULL;
	if (src->n_match_expressions) {
		dst->match_expressions = jn_xcalloc(src->n_match_expressions,
			sizeof(*dst->match_expressions));
		for (size_t i = 0; i < src->n_match_expressions; i++)
			jn_requirement_copy(&dst->match_expressions[i], &src->match_expressions[i]);
	}
}

int jn_label_selector_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_label_selector *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_json_get_strmap(obj, "matchLabels", path, &out->match_labels, err) < 0 ||
	    jn_requirement_array_from_json(obj, "matchExpressions", path, true,
		&out->match_expressions, &out->n_match_expressions, err) < 0) {
		jn_label_selector_release(out);
		return -1;
	}
	return 0;
}

static bool has_value(const struct jn_requirement *r, const char *v)
{
	for (size_t i = 0; i < r->n_values; i++)
		if (strcmp(r->values[i], v) == 0)
			return true;
	return false;
}

bool jn_label_selector_matches(const struct jn_label_selector *s,
	const struct jn_strmap *labels)
{
	if (!s)
		return false;
	if (!jn_strmap_contains_all(labels, &s->match_labels))
		return false;
	for (size_t i = 0; i < s->n_match_expressions; i++) {
		const struct jn_requirement *r = &s->match_expressions[i];
		const char *v = jn_strmap_get(labels, r->key);
		bool ok;
		switch (r->op) {
		case JN_OP_IN: ok = v && has_value(r, v); break;
		case JN_OP_NOT_IN: ok = !v || !has_value(r, v); break;
		case JN_OP_EXISTS: ok = v != NULL; break;
		case JN_OP_DOES_NOT_EXIST: ok = v == NULL; break;
		default: ok = false; break;   /* not valid in a label selector */
		}
		if (!ok)
			return false;
	}
	return true;
}
