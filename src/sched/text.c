/*
 * Reason and log text for the sched layer. Everything here writes into caller buffers with
 * snprintf's contract, so a rejection costs one formatted line and no allocation, and the hot
 * path (why == NULL) costs nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sched_internal.h"

/* Karpenter prints the first five values of a long set, then "and N others". */
#define SHOWN_VALUES 5

void sched_text_init(struct sched_text *t, char *out, size_t size)
{
	t->out = out;
	t->size = out ? size : 0;
	t->len = 0;
	if (t->size)
		out[0] = '\0';
}

static void text_vprintf(struct sched_text *t, const char *fmt, va_list ap)
{
	size_t room = t->len < t->size ? t->size - t->len : 0;
	int n = vsnprintf(room ? t->out + t->len : NULL, room, fmt, ap);
	if (n > 0)
		t->len += (size_t)n;
}

void sched_text_printf(struct sched_text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	text_vprintf(t, fmt, ap);
	va_end(ap);
}

void sched_text_put(struct sched_text *t, const char *s)
{
	sched_text_printf(t, "%s", s);
}

static void put_values(struct sched_text *t, const struct jn_req *r)
{
	sched_text_put(t, "[");
	size_t shown = JN_MIN(r->n_values, (size_t)SHOWN_VALUES);
	for (size_t i = 0; i < shown; i++)
		sched_text_printf(t, "%s%s", i ? " " : "", r->values[i]);
	if (r->n_values > shown)
		sched_text_printf(t, " and %zu others", r->n_values - shown);
	sched_text_put(t, "]");
}

static void put_bounds(struct sched_text *t, const struct jn_req *r, const char *sep)
{
	if (r->has_gte) {
		sched_text_printf(t, "%s>=%" PRId64, sep, r->gte);
		sep = " ";
	}
	if (r->has_lte)
		sched_text_printf(t, "%s<=%" PRId64, sep, r->lte);
}

void sched_text_req_set(struct sched_text *t, const struct jn_req *r)
{
	switch (jn_req_op(r)) {
	case JN_OP_IN:
		put_values(t, r);
		return;
	case JN_OP_NOT_IN:
		sched_text_put(t, "NotIn ");
		put_values(t, r);
		put_bounds(t, r, " ");
		return;
	case JN_OP_EXISTS:
		if (r->has_gte || r->has_lte)
			put_bounds(t, r, "");
		else
			sched_text_put(t, "Exists");
		return;
	default:
		sched_text_put(t, "DoesNotExist");
		return;
	}
}

size_t jn_req_format_set(const struct jn_req *r, char *out, size_t size)
{
	struct sched_text t;
	sched_text_init(&t, out, size);
	sched_text_req_set(&t, r);
	return t.len;
}

size_t jn_req_format(const struct jn_req *r, char *out, size_t size)
{
	struct sched_text t;
	sched_text_init(&t, out, size);
	enum jn_selector_op op = jn_req_op(r);
	sched_text_printf(&t, "%s %s", r->key, jn_selector_op_name(op));
	if (op == JN_OP_IN || op == JN_OP_NOT_IN) {
		sched_text_put(&t, " ");
		put_values(&t, r);
	}
	put_bounds(&t, r, " ");
	if (r->min_values)
		sched_text_printf(&t, " minValues %" PRId32, r->min_values);
	return t.len;
}

size_t jn_reqs_format(const struct jn_reqs *reqs, char *out, size_t size)
{
	struct sched_text t;
	sched_text_init(&t, out, size);
	for (size_t i = 0; i < reqs->len; i++) {
		if (i)
			sched_text_put(&t, ", ");
		size_t room = t.len < t.size ? t.size - t.len : 0;
		t.len += jn_req_format(&reqs->items[i], room ? t.out + t.len : NULL, room);
	}
	return t.len;
}

void sched_why(char *why, size_t why_size, const char *fmt, ...)
{
	if (!why || !why_size)
		return;
	struct sched_text t;
	sched_text_init(&t, why, why_size);
	va_list ap;
	va_start(ap, fmt);
	text_vprintf(&t, fmt, ap);
	va_end(ap);
}

void sched_why_not_in(char *why, size_t why_size, const char *key, const struct jn_req *incoming,
	const struct jn_req *existing)
{
	if (!why || !why_size)
		return;
	struct sched_text t;
	sched_text_init(&t, why, why_size);
	sched_text_printf(&t, "key %s: ", key);
	sched_text_req_set(&t, incoming);
	sched_text_put(&t, " not in ");
	sched_text_req_set(&t, existing);
}

bool sched_parse_int64(const char *s, int64_t *out)
{
	/* strtoll alone accepts leading spaces and stops at garbage; Go's ParseInt does neither. */
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE)
		return false;
	*out = (int64_t)v;
	return true;
}
