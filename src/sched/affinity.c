/*
 * Node affinity: a pod's nodeSelector and node affinity terms, read two ways.
 * - Against an existing node's labels, with kube-scheduler's semantics (what the scheduler
 *   itself will decide, so the extender and the packer never disagree with it).
 * - As requirement sets for a node that does not exist yet, with Karpenter's relaxation:
 *   one required term and at most one preferred term at a time (jn_pod_node_reqs).
 */
#include <string.h>

#include "jitnode/error.h"
#include "sched_internal.h"

static bool value_listed(const struct jn_requirement *r, const char *v)
{
	for (size_t i = 0; i < r->n_values; i++)
		if (strcmp(r->values[i], v) == 0)
			return true;
	return false;
}

static bool compare_int(enum jn_selector_op op, const struct jn_requirement *r, const char *v)
{
	int64_t have, bound;
	if (r->n_values != 1 || !sched_parse_int64(v, &have) ||
		!sched_parse_int64(r->values[0], &bound))
		return false;
	switch (op) {
	case JN_OP_GT:
		return have > bound;
	case JN_OP_LT:
		return have < bound;
	case JN_OP_GTE:
		return have >= bound;
	default:
		return have <= bound;
	}
}

bool jn_requirement_matches_labels(const struct jn_requirement *r, const struct jn_strmap *labels)
{
	const char *v = jn_strmap_get(labels, r->key);
	switch (r->op) {
	case JN_OP_IN:
		return v && value_listed(r, v);
	case JN_OP_NOT_IN:
		return !v || !value_listed(r, v);
	case JN_OP_EXISTS:
		return v != NULL;
	case JN_OP_DOES_NOT_EXIST:
		return v == NULL;
	case JN_OP_GT:
	case JN_OP_LT:
	case JN_OP_GTE:
	case JN_OP_LTE:
		return v && compare_int(r->op, r, v);
	}
	return false;
}

/* matchFields: metadata.name is the only field a NodeSelectorTerm may select on. */
static bool field_matches(const struct jn_requirement *r, const char *node_name)
{
	if (strcmp(r->key, "metadata.name") != 0 || !node_name)
		return false;
	if (r->op == JN_OP_IN)
		return value_listed(r, node_name);
	if (r->op == JN_OP_NOT_IN)
		return !value_listed(r, node_name);
	return false;
}

/* Index of the first expression of term that fails, or SIZE_MAX when the term matches. */
static size_t term_first_failure(const struct jn_node_selector_term *term,
	const struct jn_strmap *labels, const char *node_name)
{
	for (size_t i = 0; i < term->n_match_expressions; i++)
		if (!jn_requirement_matches_labels(&term->match_expressions[i], labels))
			return i;
	for (size_t i = 0; i < term->n_match_fields; i++)
		if (!field_matches(&term->match_fields[i], node_name))
			return term->n_match_expressions + i;
	return SIZE_MAX;
}

bool jn_node_selector_term_matches(const struct jn_node_selector_term *term,
	const struct jn_strmap *labels, const char *node_name)
{
	if (!term->n_match_expressions && !term->n_match_fields)
		return false;   /* an empty term selects no node */
	return term_first_failure(term, labels, node_name) == SIZE_MAX;
}

static void why_term(char *why, size_t why_size, const struct jn_node_selector_term *term,
	const struct jn_strmap *labels, const char *node_name)
{
	size_t at = term_first_failure(term, labels, node_name);
	if (!term->n_match_expressions && !term->n_match_fields) {
		sched_why(why, why_size, "node affinity not matched: empty term");
		return;
	}
	bool field = at >= term->n_match_expressions;
	const struct jn_requirement *r = field ? &term->match_fields[at - term->n_match_expressions]
		: &term->match_expressions[at];
	struct sched_text t;
	sched_text_init(&t, why, why_size);
	sched_text_printf(&t, "node affinity not matched: %s %s", r->key,
		jn_selector_op_name(r->op));
	if (r->n_values) {
		sched_text_put(&t, " [");
		for (size_t i = 0; i < r->n_values; i++)
			sched_text_printf(&t, "%s%s", i ? " " : "", r->values[i]);
		sched_text_put(&t, "]");
	}
	const char *v = field ? node_name : jn_strmap_get(labels, r->key);
	if (v)
		sched_text_printf(&t, " (node has \"%s\")", v);
	else
		sched_text_put(&t, " (label missing)");
}

bool jn_pod_matches_node(const struct jn_pod *pod, const struct jn_strmap *labels,
	const char *node_name, char *why, size_t why_size)
{
	for (size_t i = 0; i < pod->node_selector.len; i++) {
		const struct jn_kv *kv = &pod->node_selector.items[i];
		const char *v = jn_strmap_get(labels, kv->key);
		if (v && strcmp(v, kv->value) == 0)
			continue;
		if (v)
			sched_why(why, why_size, "node selector %s=%s not matched (node has \"%s\")",
				kv->key, kv->value, v);
		else
			sched_why(why, why_size, "node selector %s=%s not matched (label missing)",
				kv->key, kv->value);
		return false;
	}
	if (!pod->n_required_node_terms)
		return true;
	for (size_t i = 0; i < pod->n_required_node_terms; i++)
		if (jn_node_selector_term_matches(&pod->required_node_terms[i], labels, node_name))
			return true;
	if (pod->n_required_node_terms == 1)
		why_term(why, why_size, &pod->required_node_terms[0], labels, node_name);
	else
		sched_why(why, why_size, "none of %zu node affinity terms matched",
			pod->n_required_node_terms);
	return false;
}

int64_t jn_pod_preferred_node_score(const struct jn_pod *pod, const struct jn_strmap *labels,
	const char *node_name)
{
	int64_t score = 0;
	for (size_t i = 0; i < pod->n_preferred_node_terms; i++) {
		const struct jn_preferred_scheduling_term *p = &pod->preferred_node_terms[i];
		if (jn_node_selector_term_matches(&p->term, labels, node_name))
			score += p->weight;
	}
	return score;
}

size_t jn_pod_preferred_node_term(const struct jn_pod *pod, size_t rank)
{
	/* The rank of term i is the number of terms that sort before it: heavier, or as heavy and
	 * earlier. Pods have a handful of preferred terms, so O(n^2) with no allocation wins. */
	if (rank >= pod->n_preferred_node_terms)
		return SIZE_MAX;
	const struct jn_preferred_scheduling_term *p = pod->preferred_node_terms;
	for (size_t i = 0; i < pod->n_preferred_node_terms; i++) {
		size_t before = 0;
		for (size_t j = 0; j < pod->n_preferred_node_terms; j++)
			if (p[j].weight > p[i].weight || (p[j].weight == p[i].weight && j < i))
				before++;
		if (before == rank)
			return i;
	}
	return SIZE_MAX;
}

int jn_reqs_add_term(struct jn_reqs *reqs, const struct jn_node_selector_term *term,
	struct jn_error *err)
{
	return jn_reqs_add_requirements(reqs, term->match_expressions, term->n_match_expressions,
		err);
}

int jn_pod_node_reqs(struct jn_reqs *out, const struct jn_pod *pod, size_t required_term,
	size_t preferred_rank, struct jn_error *err)
{
	char why[256];
	jn_reqs_init(out);
	if (!jn_reqs_add_labels(out, &pod->node_selector, why, sizeof(why))) {
		jn_error_set(err, JN_ERR_INVALID, "%s", why);
		goto fail;
	}
	size_t pref = jn_pod_preferred_node_term(pod, preferred_rank);
	if (pref != SIZE_MAX &&
		jn_reqs_add_term(out, &pod->preferred_node_terms[pref].term, err) < 0) {
		jn_error_prefix(err, "preferred node affinity term %zu", pref);
		goto fail;
	}
	if (pod->n_required_node_terms) {
		if (required_term >= pod->n_required_node_terms) {
			jn_error_set(err, JN_ERR_INVALID,
				"required node affinity term %zu out of range (pod has %zu)", required_term,
				pod->n_required_node_terms);
			goto fail;
		}
		if (jn_reqs_add_term(out, &pod->required_node_terms[required_term], err) < 0) {
			jn_error_prefix(err, "required node affinity term %zu", required_term);
			goto fail;
		}
	}
	return 0;
fail:
	jn_reqs_release(out);
	return -1;
}
