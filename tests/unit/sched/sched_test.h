#ifndef JITNODE_TEST_SCHED_TEST_H
#define JITNODE_TEST_SCHED_TEST_H

/*
 * Fixtures for the sched unit tests: requirement sets written as text
 * ("topology.kubernetes.io/zone In a b min=2"), label maps written as "k=v" lists, and api
 * structs built by hand (the decoders live in src/api and are tested there). Test-only code:
 * malformed fixtures abort.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/map.h"
#include "jitnode/sched.h"
#include "tap.h"

#define MAX_TOKENS 32

/* Checks that name the table case they belong to, so a failure reads on its own. */
#define CASE_STR_EQ(ctx, a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	jn_tap_check(a_ && b_ && strcmp(a_, b_) == 0, __FILE__, __LINE__, "%s: \"%s\" == \"%s\"", \
		(ctx), a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
} while (0)

#define CASE_INT_EQ(ctx, a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	jn_tap_check(a_ == b_, __FILE__, __LINE__, "%s: %s == %s (%lld vs %lld)", (ctx), #a, #b, \
		a_, b_); \
} while (0)

static inline enum jn_selector_op test_op(const char *name)
{
	static const char *const names[] = { "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt",
		"Gte", "Lte" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return (enum jn_selector_op)i;
	fprintf(stderr, "bad operator in fixture: %s\n", name);
	abort();
}

/*
 * Splits "key Op v1 v2 min=N" into an api requirement whose strings point into buf (which
 * must outlive it). Returns the requirement.
 */
static inline struct jn_requirement test_requirement(char *buf, char **values)
{
	struct jn_requirement r = { 0 };
	char *save = NULL;
	r.key = strtok_r(buf, " ", &save);
	r.op = test_op(strtok_r(NULL, " ", &save));
	r.values = values;
	for (char *tok; (tok = strtok_r(NULL, " ", &save));) {
		if (strncmp(tok, "min=", 4) == 0)
			r.min_values = atoi(tok + 4);
		else
			values[r.n_values++] = tok;
	}
	return r;
}

/* A jn_req from text; aborts when jn_req_init fails. */
static inline struct jn_req test_req(const char *text)
{
	char buf[512];
	char *values[MAX_TOKENS];
	snprintf(buf, sizeof(buf), "%s", text);
	struct jn_requirement r = test_requirement(buf, values);
	struct jn_req out;
	struct jn_error err;
	if (jn_req_init_requirement(&out, &r, &err) < 0) {
		fprintf(stderr, "fixture %s: %s\n", text, err.msg);
		abort();
	}
	return out;
}

/* A jn_reqs from sets separated by ";" ("zone In a; arch In amd64"); "" is the empty map. */
static inline void test_reqs(struct jn_reqs *out, const char *text)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", text);
	jn_reqs_init(out);
	char *save = NULL;
	for (char *part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
		while (*part == ' ')
			part++;
		if (!*part)
			continue;
		struct jn_req r = test_req(part);
		jn_reqs_add(out, &r, NULL, 0);
		jn_req_release(&r);
	}
}

/* A label map from "k=v,k2=v2" ("" is the empty map). */
static inline void test_labels(struct jn_strmap *out, const char *text)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", text);
	jn_strmap_init(out);
	char *save = NULL;
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq) {
			fprintf(stderr, "bad label fixture: %s\n", kv);
			abort();
		}
		*eq = '\0';
		jn_strmap_set(out, kv, eq + 1);
	}
}

/* Requirement arrays written as "a In x y; b Exists" (terms, selectors). Do not copy: the
 * requirements point into the struct itself. */
#define TEST_MAX_EXPRS 8

struct test_exprs {
	char buf[TEST_MAX_EXPRS][256];
	char *values[TEST_MAX_EXPRS][MAX_TOKENS];
	struct jn_requirement items[TEST_MAX_EXPRS];
	size_t n;
};

static inline void test_exprs(struct test_exprs *e, const char *text)
{
	char all[1024];
	snprintf(all, sizeof(all), "%s", text);
	e->n = 0;
	char *save = NULL;
	for (char *part = strtok_r(all, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
		while (*part == ' ')
			part++;
		if (!*part)
			continue;
		if (e->n == TEST_MAX_EXPRS)
			abort();
		snprintf(e->buf[e->n], sizeof(e->buf[e->n]), "%s", part);
		e->items[e->n] = test_requirement(e->buf[e->n], e->values[e->n]);
		e->n++;
	}
}

/* A pod built by hand: strings borrowed (never freed), maps owned (test_pod_release). */
static inline void test_pod(struct jn_pod *p, const char *ns, const char *labels,
	const char *node_selector)
{
	memset(p, 0, sizeof(*p));
	p->namespace_ = (char *)ns;
	p->name = (char *)"p";
	test_labels(&p->labels, labels);
	test_labels(&p->node_selector, node_selector);
}

static inline void test_pod_release(struct jn_pod *p)
{
	jn_strmap_release(&p->labels);
	jn_strmap_release(&p->node_selector);
}

/* The formatted set, in a static buffer overwritten by the next call. */
static inline const char *test_fmt(const struct jn_req *r)
{
	static char buf[512];
	jn_req_format(r, buf, sizeof(buf));
	return buf;
}

static inline const char *test_fmt_reqs(const struct jn_reqs *r)
{
	static char buf[1024];
	jn_reqs_format(r, buf, sizeof(buf));
	return buf;
}

#endif
