/*
 * One key's requirement set (struct jn_req): Karpenter's scheduling.Requirement in C.
 *
 * A set is finite (the listed values) or a complement (all but the listed values, optionally
 * within inclusive integer bounds). Values stay sorted so that membership is a binary search
 * and intersecting two finite sets is a linear merge. Intersection works in place and frees
 * what it drops: the packer narrows a claim's requirements pod after pod, and a finite set only
 * ever shrinks, so the common In ∩ In case never allocates.
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "jitnode/error.h"
#include "sched_internal.h"

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool find_value(const struct jn_req *r, const char *v)
{
	bool found;
	jn_bsearch_str(r->values, r->n_values, sizeof(*r->values), 0, v, &found);
	return found;
}

static bool within(const char *v, bool has_gte, int64_t gte, bool has_lte, int64_t lte)
{
	if (!has_gte && !has_lte)
		return true;
	int64_t n;
	if (!sched_parse_int64(v, &n))
		return false;   /* bounds admit integers only */
	return (!has_gte || n >= gte) && (!has_lte || n <= lte);
}

static void free_values(struct jn_req *r)
{
	for (size_t i = 0; i < r->n_values; i++)
		free(r->values[i]);
	r->n_values = 0;
}

/* Turns r into DoesNotExist, keeping its key and min_values. */
static void make_empty(struct jn_req *r)
{
	free_values(r);
	r->complement = false;
	r->has_gte = r->has_lte = false;
	r->gte = r->lte = 0;
}

static void set_values(struct jn_req *r, const char *const *values, size_t n)
{
	if (!n)
		return;
	r->values = jn_xgrow(r->values, &r->cap_values, n, sizeof(*r->values));
	for (size_t i = 0; i < n; i++)
		r->values[i] = jn_xstrdup(values[i]);
	qsort(r->values, n, sizeof(*r->values), cmp_strp);
	size_t kept = 1;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(r->values[i], r->values[kept - 1]) == 0)
			free(r->values[i]);
		else
			r->values[kept++] = r->values[i];
	}
	r->n_values = kept;
}

/* Gt/Lt/Gte/Lte: one integer, canonicalized to inclusive bounds on a complement set. */
static int init_bound(struct jn_req *r, enum jn_selector_op op, const char *const *values,
	size_t n, struct jn_error *err)
{
	int64_t v;
	if (n != 1)
		return jn_error_set(err, JN_ERR_INVALID,
			"requirement %s: operator %s needs one integer value, got %zu values", r->key,
			jn_selector_op_name(op), n);
	if (!sched_parse_int64(values[0], &v))
		return jn_error_set(err, JN_ERR_INVALID,
			"requirement %s: operator %s needs one integer value, got \"%s\"", r->key,
			jn_selector_op_name(op), values[0]);
	r->complement = true;
	switch (op) {
	case JN_OP_GT:
		if (v == INT64_MAX)
			make_empty(r);   /* nothing is greater */
		else
			r->has_gte = true, r->gte = v + 1;
		break;
	case JN_OP_LT:
		if (v == INT64_MIN)
			make_empty(r);
		else
			r->has_lte = true, r->lte = v - 1;
		break;
	case JN_OP_GTE:
		r->has_gte = true, r->gte = v;
		break;
	default:
		r->has_lte = true, r->lte = v;
		break;
	}
	return 0;
}

int jn_req_init(struct jn_req *r, const char *key, enum jn_selector_op op,
	const char *const *values, size_t n_values, int32_t min_values, struct jn_error *err)
{
	memset(r, 0, sizeof(*r));
	r->key = jn_xstrdup(jn_label_normalize(key));
	r->min_values = min_values;
	switch (op) {
	case JN_OP_IN:
		set_values(r, values, n_values);
		return 0;
	case JN_OP_NOT_IN:
		r->complement = true;
		set_values(r, values, n_values);
		return 0;
	case JN_OP_EXISTS:
		r->complement = true;
		return 0;
	case JN_OP_DOES_NOT_EXIST:
		return 0;
	case JN_OP_GT:
	case JN_OP_LT:
	case JN_OP_GTE:
	case JN_OP_LTE:
		if (init_bound(r, op, values, n_values, err) == 0)
			return 0;
		break;
	default:
		jn_error_set(err, JN_ERR_INVALID, "requirement %s: unknown operator %d", r->key,
			(int)op);
		break;
	}
	jn_req_release(r);
	return -1;
}

int jn_req_init_requirement(struct jn_req *r, const struct jn_requirement *src,
	struct jn_error *err)
{
	return jn_req_init(r, src->key, src->op, (const char *const *)src->values, src->n_values,
		src->min_values, err);
}

void jn_req_init_label(struct jn_req *r, const char *key, const char *value)
{
	memset(r, 0, sizeof(*r));
	r->key = jn_xstrdup(jn_label_normalize(key));
	set_values(r, &value, 1);
}

void jn_req_release(struct jn_req *r)
{
	free_values(r);
	free(r->values);
	free(r->key);
	memset(r, 0, sizeof(*r));
}

void jn_req_copy(struct jn_req *dst, const struct jn_req *src)
{
	*dst = *src;
	dst->key = jn_xstrdup(src->key);
	dst->values = NULL;
	dst->cap_values = 0;
	if (src->n_values) {
		dst->values = jn_xgrow(NULL, &dst->cap_values, src->n_values, sizeof(*dst->values));
		for (size_t i = 0; i < src->n_values; i++)
			dst->values[i] = jn_xstrdup(src->values[i]);
	}
}

bool jn_req_has(const struct jn_req *r, const char *value)
{
	if (find_value(r, value) != r->complement)
		return within(value, r->has_gte, r->gte, r->has_lte, r->lte);
	return false;
}

bool jn_req_allows_absent(const struct jn_req *r)
{
	if (!r->complement)
		return r->n_values == 0;
	return r->n_values > 0 && !r->has_gte && !r->has_lte;
}

bool jn_req_is_empty(const struct jn_req *r)
{
	return !r->complement && r->n_values == 0;
}

enum jn_selector_op jn_req_op(const struct jn_req *r)
{
	if (r->complement)
		return r->n_values ? JN_OP_NOT_IN : JN_OP_EXISTS;
	return r->n_values ? JN_OP_IN : JN_OP_DOES_NOT_EXIST;
}

/* The merged bounds of two sets; false when they leave no integer. */
struct bounds {
	bool has_gte, has_lte;
	int64_t gte, lte;
};

static bool merge_bounds(const struct jn_req *a, const struct jn_req *b, struct bounds *out)
{
	out->has_gte = a->has_gte || b->has_gte;
	out->has_lte = a->has_lte || b->has_lte;
	out->gte = !a->has_gte ? b->gte : !b->has_gte ? a->gte : JN_MAX(a->gte, b->gte);
	out->lte = !a->has_lte ? b->lte : !b->has_lte ? a->lte : JN_MIN(a->lte, b->lte);
	return !(out->has_gte && out->has_lte && out->gte > out->lte);
}

/* Keeps r's values v for which (v listed in o) == keep_listed and v is within bounds. */
static void filter_values(struct jn_req *r, const struct jn_req *o, bool keep_listed,
	const struct bounds *bd)
{
	size_t kept = 0;
	for (size_t i = 0; i < r->n_values; i++) {
		char *v = r->values[i];
		if (find_value(o, v) == keep_listed &&
			within(v, bd->has_gte, bd->gte, bd->has_lte, bd->lte))
			r->values[kept++] = v;
		else
			free(v);
	}
	r->n_values = kept;
}

/* r (a complement) ∩ o (finite): r's values become o's values that r does not exclude. */
static void take_difference(struct jn_req *r, const struct jn_req *o, const struct bounds *bd)
{
	char **old = r->values;
	size_t n_old = r->n_values;
	struct jn_req excluded = { .values = old, .n_values = n_old };
	r->values = NULL;
	r->cap_values = 0;
	r->n_values = 0;
	for (size_t i = 0; i < o->n_values; i++) {
		const char *v = o->values[i];
		if (find_value(&excluded, v) || !within(v, bd->has_gte, bd->gte, bd->has_lte, bd->lte))
			continue;
		*JN_PUSH(r->values, r->n_values, r->cap_values) = jn_xstrdup(v);
	}
	for (size_t i = 0; i < n_old; i++)
		free(old[i]);
	free(old);
}

/* Both complements: the excluded values merge (sorted union); those outside bounds go. */
static void take_union(struct jn_req *r, const struct jn_req *o, const struct bounds *bd)
{
	size_t n = r->n_values + o->n_values;
	if (!n)
		return;
	char **merged = jn_xmalloc(n * sizeof(*merged));
	size_t i = 0, j = 0, k = 0;
	while (i < r->n_values || j < o->n_values) {
		int c = i == r->n_values ? 1 : j == o->n_values ? -1 : strcmp(r->values[i], o->values[j]);
		char *v;
		if (c < 0) {
			v = r->values[i++];
		} else if (c > 0) {
			v = jn_xstrdup(o->values[j++]);
		} else {
			v = r->values[i++];
			j++;
		}
		if (within(v, bd->has_gte, bd->gte, bd->has_lte, bd->lte))
			merged[k++] = v;
		else
			free(v);
	}
	free(r->values);
	r->values = merged;
	r->n_values = k;
	r->cap_values = n;
}

void jn_req_intersect(struct jn_req *r, const struct jn_req *o)
{
	if (r == o)
		return;
	struct bounds bd;
	bool complement = r->complement && o->complement;
	r->min_values = JN_MAX(r->min_values, o->min_values);
	if (!merge_bounds(r, o, &bd)) {
		make_empty(r);
		return;
	}
	if (r->complement && o->complement)
		take_union(r, o, &bd);
	else if (r->complement)
		take_difference(r, o, &bd);
	else
		filter_values(r, o, !o->complement, &bd);
	r->complement = complement;
	if (complement) {
		r->has_gte = bd.has_gte, r->gte = bd.gte;
		r->has_lte = bd.has_lte, r->lte = bd.lte;
	} else {
		/* Finite sets carry no bounds: their values were filtered by them already. */
		r->has_gte = r->has_lte = false;
		r->gte = r->lte = 0;
	}
}

bool jn_req_intersects(const struct jn_req *r, const struct jn_req *o)
{
	struct bounds bd;
	if (!merge_bounds(r, o, &bd))
		return false;
	if (r->complement && o->complement)
		return true;
	const struct jn_req *finite = r->complement ? o : r;
	const struct jn_req *other = finite == r ? o : r;
	for (size_t i = 0; i < finite->n_values; i++) {
		const char *v = finite->values[i];
		if (find_value(other, v) != other->complement &&
			within(v, bd.has_gte, bd.gte, bd.has_lte, bd.lte))
			return true;
	}
	return false;
}

bool jn_req_check(const struct jn_req *r)
{
	if (!r->key || (r->n_values && !r->values) || r->n_values > r->cap_values)
		return false;
	for (size_t i = 0; i < r->n_values; i++)
		if (!r->values[i] || (i && strcmp(r->values[i - 1], r->values[i]) >= 0))
			return false;
	if (!r->complement && (r->has_gte || r->has_lte))
		return false;
	if (r->has_gte && r->has_lte && r->gte > r->lte)
		return false;
	return r->min_values >= 0;
}
