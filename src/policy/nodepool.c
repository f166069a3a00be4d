/*
 * NodePool (karpenter.sh/v1) decoding and validation.
 *
 * Karpenter validates in two places: the CRD (OpenAPI schema + CEL, enforced by the apiserver)
 * and a runtime check (labels, taints, requirements). Both are applied here, and Karpenter's own
 * rules run before the generic api decoders so that users see Karpenter's reasons. Requirement
 * keys are normalised the way Karpenter normalises them when it builds scheduling requirements
 * (beta zone/region/arch/os/instance-type labels become their stable names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "policy_internal.h"

#define MAX_REQUIREMENTS 100
#define MAX_LABELS 100
#define MAX_MIN_VALUES 50

static const char *const normalized_labels[][2] = {
	{ "failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/zone" },
	{ "failure-domain.beta.kubernetes.io/region", "topology.kubernetes.io/region" },
	{ "beta.kubernetes.io/arch", "kubernetes.io/arch" },
	{ "beta.kubernetes.io/os", "kubernetes.io/os" },
	{ "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type" },
};

static int check_label_key(const char *key, const struct jn_json_path *at, struct jn_error *err)
{
	const char *problem = policy_qualified_name_problem(key);
	if (problem)
		return jn_json_error(err, at, "invalid key \"%s\": %s", key, problem);
	char why[128];
	if (!policy_label_key_allowed(key, why, sizeof(why)))
		return jn_json_error(err, at, "%s", why);
	return 0;
}

/* Go's strconv.Atoi(v) >= 0, which is what the CEL rule and the webhook accept. */
static bool non_negative_int(const char *s)
{
	if (*s == '+')
		s++;
	size_t n = strspn(s, "0123456789");
	return n && n <= 18 && s[n] == '\0';
}

static int requirement_values(const json_t *obj, const struct jn_json_path *path,
	enum jn_selector_op op, const char *op_name, size_t *count, struct jn_error *err)
{
	const json_t *values = NULL;
	if (jn_json_get_array(obj, "values", path, false, &values, err) < 0)
		return -1;
	struct jn_json_path vp = JN_JSON_KEY(path, "values");
	size_t n = values ? json_array_size(values) : 0;
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&vp, i);
		const json_t *v = json_array_get(values, i);
		if (!json_is_string(v))
			return jn_json_error(err, &at, "expected a string, got %s", jn_json_type_name(v));
		const char *problem = policy_label_value_problem(json_string_value(v));
		if (problem)
			return jn_json_error(err, &at, "invalid value \"%s\": %s", json_string_value(v),
				problem);
	}
	const struct jn_json_path *where = values ? &vp : path;
	switch (op) {
	case JN_OP_IN:
		if (!n)
			return jn_json_error(err, where, "operator In must have at least one value");
		break;
	case JN_OP_EXISTS:
	case JN_OP_DOES_NOT_EXIST:
		if (n)
			return jn_json_error(err, where, "operator %s must not have values", op_name);
		break;
	case JN_OP_GT:
	case JN_OP_LT:
	case JN_OP_GTE:
	case JN_OP_LTE:
		if (n != 1 || !non_negative_int(json_string_value(json_array_get(values, 0))))
			return jn_json_error(err, where, "operator %s must have a single non-negative "
				"integer value", op_name);
		break;
	case JN_OP_NOT_IN:
		break;
	}
	*count = n;
	return 0;
}

static int requirement(const json_t *obj, const struct jn_json_path *path,
	struct jn_requirement *out, struct jn_error *err)
{
	static const char *const keys[] = { "key", "operator", "values", "minValues", NULL };
	if (jn_json_check_keys(obj, keys, path, err) < 0)
		return -1;
	const char *key = NULL, *op_name = NULL;
	if (jn_json_get_string(obj, "key", path, true, &key, err) < 0)
		return -1;
	struct jn_json_path kp = JN_JSON_KEY(path, "key");
	if (check_label_key(key, &kp, err) < 0)
		return -1;
	if (jn_json_get_string(obj, "operator", path, true, &op_name, err) < 0)
		return -1;
	enum jn_selector_op op;
	struct jn_json_path opp = JN_JSON_KEY(path, "operator");
	if (jn_selector_op_parse(op_name, &op) < 0)
		return jn_json_error(err, &opp, "unknown operator \"%s\"", op_name);
	size_t n = 0;
	if (requirement_values(obj, path, op, op_name, &n, err) < 0)
		return -1;
	int64_t min_values = 0;
	bool has_min = false;
	if (policy_get_int_range(obj, "minValues", path, 1, MAX_MIN_VALUES, &has_min, &min_values,
		err) < 0)
		return -1;
	if (has_min && op == JN_OP_IN && (size_t)min_values > n) {
		struct jn_json_path at = JN_JSON_KEY(path, "minValues");
		return jn_json_error(err, &at, "minValues %lld is more than the %zu values given",
			(long long)min_values, n);
	}
	if (jn_requirement_from_json(obj, path, out, err) < 0)
		return -1;
	for (size_t i = 0; i < JN_ARRAY_LEN(normalized_labels); i++) {
		if (strcmp(out->key, normalized_labels[i][0]) == 0) {
			free(out->key);
			out->key = jn_xstrdup(normalized_labels[i][1]);
		}
	}
	return 0;
}

static int requirements(const json_t *spec, const struct jn_json_path *path,
	struct jn_nodepool *np, struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(spec, "requirements", path, true, &arr, err) < 0)
		return -1;
	struct jn_json_path rp = JN_JSON_KEY(path, "requirements");
	size_t n = json_array_size(arr);
	if (n > MAX_REQUIREMENTS)
		return jn_json_error(err, &rp, "must have at most %d items, got %zu",
			MAX_REQUIREMENTS, n);
	np->requirements = n ? jn_xcalloc(n, sizeof(*np->requirements)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&rp, i);
		const json_t *item = json_array_get(arr, i);
		if (jn_json_expect_object(item, &at, err) < 0 ||
		    requirement(item, &at, &np->requirements[i], err) < 0)
			return -1;
		np->n_requirements = i + 1;
	}
	return 0;
}

static int taint(const json_t *obj, const struct jn_json_path *path, struct jn_taint *out,
	struct jn_error *err)
{
	static const char *const keys[] = { "key", "value", "effect", "timeAdded", NULL };
	if (jn_json_expect_object(obj, path, err) < 0 || jn_json_check_keys(obj, keys, path, err) < 0)
		return -1;
	const char *key = NULL, *value = NULL, *effect = NULL;
	if (jn_json_get_string(obj, "key", path, true, &key, err) < 0 ||
	    jn_json_get_string(obj, "value", path, false, &value, err) < 0 ||
	    jn_json_get_string(obj, "effect", path, true, &effect, err) < 0)
		return -1;
	struct jn_json_path at = JN_JSON_KEY(path, "key");
	const char *problem = policy_qualified_name_problem(key);
	if (problem)
		return jn_json_error(err, &at, "invalid key \"%s\": %s", key, problem);
	at = JN_JSON_KEY(path, "value");
	if (value && (problem = policy_label_value_problem(value)))
		return jn_json_error(err, &at, "invalid value \"%s\": %s", value, problem);
	at = JN_JSON_KEY(path, "effect");
	enum jn_taint_effect e;
	if (jn_taint_effect_parse(effect, &e) < 0 || e == JN_TAINT_EFFECT_ALL)
		return jn_json_error(err, &at, "unknown taint effect \"%s\": expected NoSchedule, "
			"PreferNoSchedule or NoExecute", effect);
	return jn_taint_from_json(obj, path, out, err);
}

static int taint_list(const json_t *spec, const char *field, const struct jn_json_path *path,
	struct jn_taint **out, size_t *count, struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(spec, field, path, false, &arr, err) < 0)
		return -1;
	size_t n = arr ? json_array_size(arr) : 0;
	struct jn_json_path tp = JN_JSON_KEY(path, field);
	*out = n ? jn_xcalloc(n, sizeof(**out)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&tp, i);
		if (taint(json_array_get(arr, i), &at, &(*out)[i], err) < 0)
			return -1;
		*count = i + 1;
	}
	return 0;
}

/* Karpenter's webhook: a key/effect pair may appear once across taints and startupTaints. */
static int taint_duplicates(const struct jn_nodepool *np, const struct jn_json_path *path,
	struct jn_error *err)
{
	size_t total = np->n_taints + np->n_startup_taints;
	for (size_t i = 0; i < total; i++) {
		bool startup = i >= np->n_taints;
		const struct jn_taint *t = startup ? &np->startup_taints[i - np->n_taints] : &np->taints[i];
		for (size_t j = 0; j < i; j++) {
			const struct jn_taint *u = j >= np->n_taints ? &np->startup_taints[j - np->n_taints] :
				&np->taints[j];
			if (strcmp(t->key, u->key) != 0 || t->effect != u->effect)
				continue;
			struct jn_json_path list = JN_JSON_KEY(path, startup ? "startupTaints" : "taints");
			struct jn_json_path at = JN_JSON_IDX(&list, startup ? i - np->n_taints : i);
			return jn_json_error(err, &at, "duplicate taint key/effect pair \"%s:%s\"", t->key,
				jn_taint_effect_name(t->effect));
		}
	}
	return 0;
}

static int template_metadata(const json_t *tmpl, const struct jn_json_path *path,
	struct jn_nodepool *np, struct jn_error *err)
{
	static const char *const keys[] = { "labels", "annotations", NULL };
	const json_t *md = NULL;
	if (jn_json_get_object(tmpl, "metadata", path, false, &md, err) < 0)
		return -1;
	if (!md)
		return 0;
	struct jn_json_path mp = JN_JSON_KEY(path, "metadata");
	if (jn_json_check_keys(md, keys, &mp, err) < 0 ||
	    jn_json_get_strmap(md, "labels", &mp, &np->labels, err) < 0 ||
	    jn_json_get_strmap(md, "annotations", &mp, &np->annotations, err) < 0)
		return -1;
	struct jn_json_path lp = JN_JSON_KEY(&mp, "labels");
	if (np->labels.len > MAX_LABELS)
		return jn_json_error(err, &lp, "must have at most %d labels, got %zu", MAX_LABELS,
			np->labels.len);
	for (size_t i = 0; i < np->labels.len; i++) {
		const struct jn_kv *kv = &np->labels.items[i];
		struct jn_json_path at = JN_JSON_KEY(&lp, kv->key);
		if (check_label_key(kv->key, &at, err) < 0)
			return -1;
		const char *problem = policy_label_value_problem(kv->value);
		if (problem)
			return jn_json_error(err, &at, "invalid value \"%s\": %s", kv->value, problem);
	}
	struct jn_json_path ap = JN_JSON_KEY(&mp, "annotations");
	for (size_t i = 0; i < np->annotations.len; i++) {
		const char *key = np->annotations.items[i].key;
		const char *problem = policy_qualified_name_problem(key);
		struct jn_json_path at = JN_JSON_KEY(&ap, key);
		if (problem)
			return jn_json_error(err, &at, "invalid key \"%s\": %s", key, problem);
	}
	return 0;
}

static int node_class_ref(const json_t *spec, const struct jn_json_path *path,
	struct jn_node_class_ref *ref, struct jn_error *err)
{
	static const char *const keys[] = { "group", "kind", "name", NULL };
	const json_t *obj = NULL;
	if (jn_json_get_object(spec, "nodeClassRef", path, true, &obj, err) < 0)
		return -1;
	struct jn_json_path rp = JN_JSON_KEY(path, "nodeClassRef");
	if (jn_json_check_keys(obj, keys, &rp, err) < 0 ||
	    policy_get_strdup(obj, "group", &rp, true, &ref->group, err) < 0 ||
	    policy_get_strdup(obj, "kind", &rp, true, &ref->kind, err) < 0 ||
	    policy_get_strdup(obj, "name", &rp, true, &ref->name, err) < 0)
		return -1;
	const char *fields[] = { "group", "kind", "name" };
	const char *values[] = { ref->group, ref->kind, ref->name };
	for (size_t i = 0; i < 3; i++) {
		struct jn_json_path at = JN_JSON_KEY(&rp, fields[i]);
		if (!values[i][0])
			return jn_json_error(err, &at, "%s may not be empty", fields[i]);
	}
	if (strcmp(ref->group, "karpenter.k8s.aws") != 0 || strcmp(ref->kind, "EC2NodeClass") != 0)
		return jn_json_error(err, &rp, "unsupported node class \"%s/%s\": expected group "
			"karpenter.k8s.aws and kind EC2NodeClass", ref->group, ref->kind);
	return 0;
}

static int limit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct jn_nodepool_limit *)a)->resource,
		((const struct jn_nodepool_limit *)b)->resource);
}

static int limits(const json_t *spec, const struct jn_json_path *path, struct jn_nodepool *np,
	struct jn_error *err)
{
	const json_t *obj = NULL;
	if (jn_json_get_object(spec, "limits", path, false, &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	struct jn_json_path lp = JN_JSON_KEY(path, "limits");
	np->limits = jn_xcalloc(json_object_size(obj) + 1, sizeof(*np->limits));
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)obj, name, v) {
		struct jn_json_path at = JN_JSON_KEY(&lp, name);
		struct jn_quantity q;
		if (jn_quantity_from_json(v, &at, &q, err) < 0)
			return -1;
		if (q.nano < 0)
			return jn_json_error(err, &at, "must not be negative");
		struct jn_nodepool_limit *l = &np->limits[np->n_limits++];
		l->resource = jn_xstrdup(name);
		l->value = strcmp(name, JN_RESOURCE_CPU) == 0 ? jn_quantity_milli(&q) :
			jn_quantity_value(&q);
	}
	qsort(np->limits, np->n_limits, sizeof(*np->limits), limit_cmp);
	return 0;
}

static int template_spec(const json_t *tmpl, const struct jn_json_path *path,
	struct jn_nodepool *np, struct jn_error *err)
{
	static const char *const keys[] = { "taints", "startupTaints", "requirements",
		"nodeClassRef", "expireAfter", "terminationGracePeriod", NULL };
	const json_t *spec = NULL;
	if (jn_json_get_object(tmpl, "spec", path, true, &spec, err) < 0)
		return -1;
	struct jn_json_path sp = JN_JSON_KEY(path, "spec");
	if (jn_json_check_keys(spec, keys, &sp, err) < 0 ||
	    taint_list(spec, "taints", &sp, &np->taints, &np->n_taints, err) < 0 ||
	    taint_list(spec, "startupTaints", &sp, &np->startup_taints, &np->n_startup_taints,
		err) < 0 ||
	    taint_duplicates(np, &sp, err) < 0 ||
	    requirements(spec, &sp, np, err) < 0 ||
	    node_class_ref(spec, &sp, &np->node_class_ref, err) < 0)
		return -1;
	bool has_expire = false;
	np->expire_after = (struct jn_duration){ .ns = 720 * 3600 * JN_NS_PER_SEC };
	if (policy_get_duration(spec, "expireAfter", &sp, true, &np->expire_after, &has_expire,
		err) < 0)
		return -1;
	if (!has_expire)
		np->defaults |= JN_NODEPOOL_DEFAULT_EXPIRE_AFTER;
	return policy_get_duration(spec, "terminationGracePeriod", &sp, false,
		&np->termination_grace_period, &np->has_termination_grace_period, err);
}

static int decode(const json_t *obj, const struct jn_json_path *path, struct jn_nodepool *np,
	struct jn_error *err)
{
	static const char *const spec_keys[] = { "template", "disruption", "limits", "weight", NULL };
	static const char *const template_keys[] = { "metadata", "spec", NULL };
	const char *name = NULL;
	if (policy_check_header(obj, path, "karpenter.sh/v1", "NodePool", &name, err) < 0)
		return -1;
	np->name = jn_xstrdup(name);
	const json_t *spec = NULL, *tmpl = NULL;
	if (jn_json_get_object(obj, "spec", path, true, &spec, err) < 0)
		return -1;
	struct jn_json_path sp = JN_JSON_KEY(path, "spec");
	if (jn_json_check_keys(spec, spec_keys, &sp, err) < 0 ||
	    jn_json_get_object(spec, "template", &sp, true, &tmpl, err) < 0)
		return -1;
	struct jn_json_path tp = JN_JSON_KEY(&sp, "template");
	if (jn_json_check_keys(tmpl, template_keys, &tp, err) < 0 ||
	    template_metadata(tmpl, &tp, np, err) < 0 ||
	    template_spec(tmpl, &tp, np, err) < 0 ||
	    limits(spec, &sp, np, err) < 0)
		return -1;
	int64_t weight = 0;
	if (policy_get_int_range(spec, "weight", &sp, 1, 100, &np->has_weight, &weight, err) < 0)
		return -1;
	np->weight = (int32_t)weight;
	return policy_disruption(spec, &sp, np, err);
}

int jn_nodepool_from_json(const json_t *obj, const struct jn_json_path *path,
	const struct jn_policy_source *source, struct jn_nodepool *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	jn_strmap_init(&out->labels);
	jn_strmap_init(&out->annotations);
	if (jn_json_expect_object(obj, path, err) < 0 || decode(obj, path, out, err) < 0) {
		jn_nodepool_release(out);
		return -1;
	}
	policy_source_copy(&out->source, source);
	return 0;
}

void jn_nodepool_release(struct jn_nodepool *np)
{
	free(np->name);
	jn_strmap_release(&np->labels);
	jn_strmap_release(&np->annotations);
	for (size_t i = 0; i < np->n_taints; i++)
		jn_taint_release(&np->taints[i]);
	free(np->taints);
	for (size_t i = 0; i < np->n_startup_taints; i++)
		jn_taint_release(&np->startup_taints[i]);
	free(np->startup_taints);
	for (size_t i = 0; i < np->n_requirements; i++)
		jn_requirement_release(&np->requirements[i]);
	free(np->requirements);
	free(np->node_class_ref.group);
	free(np->node_class_ref.kind);
	free(np->node_class_ref.name);
	for (size_t i = 0; i < np->n_limits; i++)
		free(np->limits[i].resource);
	free(np->limits);
	for (size_t i = 0; i < np->n_budgets; i++)
		free(np->budgets[i].schedule);
	free(np->budgets);
	policy_source_release(&np->source);
	policy_source_release(&np->node_class_ref_source);
	memset(np, 0, sizeof(*np));
}

const struct jn_nodepool_limit *jn_nodepool_limit(const struct jn_nodepool *pool,
	const char *resource)
{
	for (size_t i = 0; i < pool->n_limits; i++)
		if (strcmp(pool->limits[i].resource, resource) == 0)
			return &pool->limits[i];
	return NULL;
}

char *jn_nodepool_defaults_format(unsigned defaults, char *out, size_t size)
{
	static const char *const names[] = { "expireAfter", "consolidationPolicy",
		"consolidateAfter", "budgets" };
	size_t at = 0;
	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < JN_ARRAY_LEN(names); i++) {
		if (!(defaults & (1u << i)) || at >= size)
			continue;
		int n = snprintf(out + at, size - at, "%s%s", at ? "," : "", names[i]);
		at += n > 0 ? (size_t)n : 0;
	}
	return out;
}
