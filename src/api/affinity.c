/*
 * Scheduling constraints of a pod spec: node affinity terms, pod (anti-)affinity terms and
 * topology spread constraints. Decoded as kube-scheduler reads them, with the defaults the
 * apiserver would fill (topology spread nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore).
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "api_internal.h"

void jn_node_selector_term_release(struct jn_node_selector_term *t)
{
	jn_requirement_array_free(t->match_expressions, t->n_match_expressions);
	jn_requirement_array_free(t->match_fields, t->n_match_fields);
	memset(t, 0, sizeof(*t));
}

int jn_node_selector_term_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_node_selector_term *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_requirement_array_from_json(obj, "matchExpressions", path, false,
		&out->match_expressions, &out->n_match_expressions, err) < 0 ||
	    jn_requirement_array_from_json(obj, "matchFields", path, false, &out->match_fields,
		&out->n_match_fields, err) < 0) {
		jn_node_selector_term_release(out);
		return -1;
	}
	return 0;
}

/* Reads obj.key as a weight in 1..100 (the apiserver's bounds for every weighted term). */
static int weight_from_json(const json_t *obj, const struct jn_json_path *path, int32_t *out,
	struct jn_error *err)
{
	if (api_get_int32(obj, "weight", path, true, out, err) < 0)
		return -1;
	if (*out < 1 || *out > 100) {
		struct jn_json_path at = JN_JSON_KEY(path, "weight");
		return jn_json_error(err, &at, "must be between 1 and 100, got %d", (int)*out);
	}
	return 0;
}

static int preferred_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_preferred_scheduling_term *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	const json_t *pref = NULL;
	if (weight_from_json(obj, path, &out->weight, err) < 0 ||
	    jn_json_get_object(obj, "preference", path, true, &pref, err) < 0)
		return -1;
	struct jn_json_path at = JN_JSON_KEY(path, "preference");
	return jn_node_selector_term_from_json(pref, &at, &out->term, err);
}

/* Optional label selector member: NULL when absent, an owned selector otherwise. */
static int selector_member(const json_t *obj, const char *key, const struct jn_json_path *path,
	struct jn_label_selector **out, struct jn_error *err)
{
	const json_t *sel = NULL;
	*out = NULL;
	if (jn_json_get_object(obj, key, path, false, &sel, err) < 0)
		return -1;
	if (!sel)
		return 0;
	struct jn_json_path at = JN_JSON_KEY(path, key);
	struct jn_label_selector *s = jn_xcalloc(1, sizeof(*s));
	if (jn_label_selector_from_json(sel, &at, s, err) < 0) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static void selector_free(struct jn_label_selector *s)
{
	jn_label_selector_release(s);
	free(s);
}

void jn_pod_affinity_term_release(struct jn_pod_affinity_term *t)
{
	selector_free(t->label_selector);
	api_strings_free(t->namespaces, t->n_namespaces);
	selector_free(t->namespace_selector);
	free(t->topology_key);
	api_strings_free(t->match_label_keys, t->n_match_label_keys);
	api_strings_free(t->mismatch_label_keys, t->n_mismatch_label_keys);
	memset(t, 0, sizeof(*t));
}

int jn_pod_affinity_term_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_pod_affinity_term *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *topology_key = NULL;
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_json_get_string(obj, "topologyKey", path, true, &topology_key, err) < 0)
		return -1;
	if (!*topology_key) {
		struct jn_json_path at = JN_JSON_KEY(path, "topologyKey");
		return jn_json_error(err, &at, "must not be empty");
	}
	if (selector_member(obj, "labelSelector", path, &out->label_selector, err) < 0 ||
	    selector_member(obj, "namespaceSelector", path, &out->namespace_selector, err) < 0 ||
	    api_strings_from_json(obj, "namespaces", path, &out->namespaces, &out->n_namespaces,
		err) < 0 ||
	    api_strings_from_json(obj, "matchLabelKeys", path, &out->match_label_keys,
		&out->n_match_label_keys, err) < 0 ||
	    api_strings_from_json(obj, "mismatchLabelKeys", path, &out->mismatch_label_keys,
		&out->n_mismatch_label_keys, err) < 0)
		goto fail;
	out->topology_key = jn_xstrdup(topology_key);
	return 0;
fail:
	jn_pod_affinity_term_release(out);
	return -1;
}

static int weighted_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_weighted_pod_affinity_term *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	const json_t *term = NULL;
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    weight_from_json(obj, path, &out->weight, err) < 0 ||
	    jn_json_get_object(obj, "podAffinityTerm", path, true, &term, err) < 0)
		return -1;
	struct jn_json_path at = JN_JSON_KEY(path, "podAffinityTerm");
	return jn_pod_affinity_term_from_json(term, &at, &out->term, err);
}

void jn_topology_spread_release(struct jn_topology_spread *s)
{
	free(s->topology_key);
	selector_free(s->label_selector);
	api_strings_free(s->match_label_keys, s->n_match_label_keys);
	memset(s, 0, sizeof(*s));
}

static int policy_member(const json_t *obj, const char *key, const struct jn_json_path *path,
	enum jn_inclusion_policy *out, struct jn_error *err)
{
	const char *text = NULL;
	if (jn_json_get_string(obj, key, path, false, &text, err) < 0)
		return -1;
	if (!text)
		return 0;
	if (strcmp(text, "Honor") == 0)
		*out = JN_POLICY_HONOR;
	else if (strcmp(text, "Ignore") == 0)
		*out = JN_POLICY_IGNORE;
	else {
		struct jn_json_path at = JN_JSON_KEY(path, key);
		return jn_json_error(err, &at, "unknown policy \"%s\" (want Honor or Ignore)",
			text);
	}
	return 0;
}

int jn_topology_spread_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_topology_spread *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	out->node_affinity_policy = JN_POLICY_HONOR;
	out->node_taints_policy = JN_POLICY_IGNORE;
	const char *topology_key = NULL, *when = NULL;
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    api_get_int32(obj, "maxSkew", path, true, &out->max_skew, err) < 0 ||
	    jn_json_get_string(obj, "topologyKey", path, true, &topology_key, err) < 0 ||
	    jn_json_get_string(obj, "whenUnsatisfiable", path, true, &when, err) < 0 ||
	    api_get_int32(obj, "minDomains", path, false, &out->min_domains, err) < 0 ||
	    policy_member(obj, "nodeAffinityPolicy", path, &out->node_affinity_policy, err) < 0 ||
	    policy_member(obj, "nodeTaintsPolicy", path, &out->node_taints_policy, err) < 0)
		return -1;
	if (out->max_skew < 1) {
		struct jn_json_path at = JN_JSON_KEY(path, "maxSkew");
		return jn_json_error(err, &at, "must be at least 1, got %d", (int)out->max_skew);
	}
	if (!*topology_key) {
		struct jn_json_path at = JN_JSON_KEY(path, "topologyKey");
		return jn_json_error(err, &at, "must not be empty");
	}
	if (strcmp(when, "DoNotSchedule") == 0)
		out->when_unsatisfiable = JN_DO_NOT_SCHEDULE;
	else if (strcmp(when, "ScheduleAnyway") == 0)
		out->when_unsatisfiable = JN_SCHEDULE_ANYWAY;
	else {
		struct jn_json_path at = JN_JSON_KEY(path, "whenUnsatisfiable");
		return jn_json_error(err, &at, "unknown action \"%s\" (want DoNotSchedule or "
			"ScheduleAnyway)", when);
	}
	if (selector_member(obj, "labelSelector", path, &out->label_selector, err) < 0 ||
	    api_strings_from_json(obj, "matchLabelKeys", path, &out->match_label_keys,
		&out->n_match_label_keys, err) < 0)
		goto fail;
	out->topology_key = jn_xstrdup(topology_key);
	return 0;
fail:
	jn_topology_spread_release(out);
	return -1;
}

/*
 * Decodes the array obj.key with decode() into an owned array of elem_size-byte elements;
 * on failure releases the decoded ones with release() and frees the array.
 */
static int decode_array(const json_t *obj, const char *key, const struct jn_json_path *path,
	size_t elem_size, int (*decode)(const json_t *, const struct jn_json_path *, void *,
		struct jn_error *),
	void (*release)(void *), void **out, size_t *n_out, struct jn_error *err)
{
	*out = NULL;
	*n_out = 0;
	const json_t *arr = NULL;
	if (jn_json_get_array(obj, key, path, false, &arr, err) < 0)
		return -1;
	size_t n = arr ? json_array_size(arr) : 0;
	if (!n)
		return 0;
	struct jn_json_path here = JN_JSON_KEY(path, key);
	char *items = jn_xcalloc(n, elem_size);
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&here, i);
		if (decode(json_array_get(arr, i), &at, items + i * elem_size, err) < 0) {
			for (size_t j = 0; j < i; j++)
				release(items + j * elem_size);
			free(items);
			return -1;
		}
	}
	*out = items;
	*n_out = n;
	return 0;
}

/* Adapters with void * element types, so one loop serves every array of terms. */
#define ADAPT(name, type, fn) \
	static int name##_dec(const json_t *o, const struct jn_json_path *p, void *out, \
		struct jn_error *e) { return fn(o, p, (type *)out, e); }
ADAPT(term, struct jn_node_selector_term, jn_node_selector_term_from_json)
ADAPT(pref, struct jn_preferred_scheduling_term, preferred_from_json)
ADAPT(aff, struct jn_pod_affinity_term, jn_pod_affinity_term_from_json)
ADAPT(waff, struct jn_weighted_pod_affinity_term, weighted_from_json)
ADAPT(spread, struct jn_topology_spread, jn_topology_spread_from_json)

static void term_rel(void *t) { jn_node_selector_term_release(t); }
static void pref_rel(void *t) { jn_node_selector_term_release(
	&((struct jn_preferred_scheduling_term *)t)->term); }
static void aff_rel(void *t) { jn_pod_affinity_term_release(t); }
static void waff_rel(void *t) { jn_pod_affinity_term_release(
	&((struct jn_weighted_pod_affinity_term *)t)->term); }
static void spread_rel(void *t) { jn_topology_spread_release(t); }

#define DECODE_ARRAY(obj, key, path, kind, items, n, err) \
	decode_array((obj), (key), (path), sizeof(*(items)), kind##_dec, kind##_rel, \
		(void **)&(items), &(n), (err))

static int node_affinity(const json_t *aff, const struct jn_json_path *path, struct jn_pod *pod,
	struct jn_error *err)
{
	const json_t *node = NULL, *required = NULL;
	if (jn_json_get_object(aff, "nodeAffinity", path, false, &node, err) < 0)
		return -1;
	if (!node)
		return 0;
	struct jn_json_path np = JN_JSON_KEY(path, "nodeAffinity");
	const char *req_key = "requiredDuringSchedulingIgnoredDuringExecution";
	if (jn_json_get_object(node, req_key, &np, false, &required, err) < 0)
		return -1;
	if (required) {
		struct jn_json_path rp = JN_JSON_KEY(&np, req_key);
		/* A NodeSelector with no terms matches nothing; the apiserver forbids it. */
		const json_t *terms = NULL;
		if (jn_json_get_array(required, "nodeSelectorTerms", &rp, true, &terms, err) < 0)
			return -1;
		if (!json_array_size(terms)) {
			struct jn_json_path tp = JN_JSON_KEY(&rp, "nodeSelectorTerms");
			return jn_json_error(err, &tp, "must have at least one term");
		}
		if (DECODE_ARRAY(required, "nodeSelectorTerms", &rp, term, pod->required_node_terms,
			pod->n_required_node_terms, err) < 0)
			return -1;
	}
	return DECODE_ARRAY(node, "preferredDuringSchedulingIgnoredDuringExecution", &np, pref,
		pod->preferred_node_terms, pod->n_preferred_node_terms, err);
}

static int pod_affinity(const json_t *aff, const char *key, const struct jn_json_path *path,
	struct jn_pod_affinity_term **required, size_t *n_required,
	struct jn_weighted_pod_affinity_term **preferred, size_t *n_preferred,
	struct jn_error *err)
{
	const json_t *obj = NULL;
	if (jn_json_get_object(aff, key, path, false, &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	struct jn_json_path p = JN_JSON_KEY(path, key);
	if (DECODE_ARRAY(obj, "requiredDuringSchedulingIgnoredDuringExecution", &p, aff,
		*required, *n_required, err) < 0)
		return -1;
	return DECODE_ARRAY(obj, "preferredDuringSchedulingIgnoredDuringExecution", &p, waff,
		*preferred, *n_preferred, err);
}

int api_pod_constraints_from_json(const json_t *spec, const struct jn_json_path *path,
	struct jn_pod *pod, struct jn_error *err)
{
	const json_t *aff = NULL;
	if (jn_json_get_object(spec, "affinity", path, false, &aff, err) < 0)
		return -1;
	if (aff) {
		struct jn_json_path ap = JN_JSON_KEY(path, "affinity");
		if (node_affinity(aff, &ap, pod, err) < 0 ||
		    pod_affinity(aff, "podAffinity", &ap, &pod->required_affinity,
			&pod->n_required_affinity, &pod->preferred_affinity,
			&pod->n_preferred_affinity, err) < 0 ||
		    pod_affinity(aff, "podAntiAffinity", &ap, &pod->required_anti_affinity,
			&pod->n_required_anti_affinity, &pod->preferred_anti_affinity,
			&pod->n_preferred_anti_affinity, err) < 0)
			return -1;
	}
	return DECODE_ARRAY(spec, "topologySpreadConstraints", path, spread, pod->spreads,
		pod->n_spreads, err);
}

void api_pod_constraints_release(struct jn_pod *pod)
{
	for (size_t i = 0; i < pod->n_required_node_terms; i++)
		jn_node_selector_term_release(&pod->required_node_terms[i]);
	free(pod->required_node_terms);
	for (size_t i = 0; i < pod->n_preferred_node_terms; i++)
		jn_node_selector_term_release(&pod->preferred_node_terms[i].term);
	free(pod->preferred_node_terms);
	for (size_t i = 0; i < pod->n_required_affinity; i++)
		jn_pod_affinity_term_release(&pod->required_affinity[i]);
	free(pod->required_affinity);
	for (size_t i = 0; i < pod->n_preferred_affinity; i++)
		jn_pod_affinity_term_release(&pod->preferred_affinity[i].term);
	free(pod->preferred_affinity);
	for (size_t i = 0; i < pod->n_required_anti_affinity; i++)
		jn_pod_affinity_term_release(&pod->required_anti_affinity[i]);
	free(pod->required_anti_affinity);
	for (size_t i = 0; i < pod->n_preferred_anti_affinity; i++)
		jn_pod_affinity_term_release(&pod->preferred_anti_affinity[i].term);
	free(pod->preferred_anti_affinity);
	for (size_t i = 0; i < pod->n_spreads; i++)
		jn_topology_spread_release(&pod->spreads[i]);
	free(pod->spreads);
}
