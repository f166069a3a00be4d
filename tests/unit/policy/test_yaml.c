/* The YAML layer: scalar typing, positions, documents, caps. */
#include <string.h>

#include "jitnode/error.h"
#include "../../../src/policy/policy_internal.h"
#include "tap.h"

static int parse(const char *text, struct policy_docs *docs, struct jn_error *err)
{
	return policy_yaml_parse("t.yaml", text, strlen(text), docs, err);
}

static void scalars_follow_the_core_schema(void)
{
	struct policy_docs docs = { 0 };
	struct jn_error err;
	const char *text =
		"a: true\nb: \"true\"\nc: 'false'\nd: 42\ne: \"42\"\nf: 1.5\ng: ~\nh: null\n"
		"i: yes\nj: 0x1f\nk: 0o17\nl: 1e3\nm: on\nn: -7\no: !!str 12\np: 99999999999999999999\n"
		"q: 1Gi\nr: |\n  block\n";
	CHECK_INT_EQ(parse(text, &docs, &err), 0);
	CHECK_INT_EQ(docs.len, 1);
	json_t *r = docs.items[0].root;
	CHECK(json_is_true(json_object_get(r, "a")));
	CHECK_STR_EQ(json_string_value(json_object_get(r, "b")), "true");
	CHECK_STR_EQ(json_string_value(json_object_get(r, "c")), "false");
	CHECK_INT_EQ(json_integer_value(json_object_get(r, "d")), 42);
	CHECK_STR_EQ(json_string_value(json_object_get(r, "e")), "42");
	CHECK_DBL_NEAR(json_real_value(json_object_get(r, "f")), 1.5, 1e-12);
	CHECK(json_is_null(json_object_get(r, "g")));
	CHECK(json_is_null(json_object_get(r, "h")));
	/* YAML 1.1's yes/no/on/off are strings under 1.2: no "Norway problem". */
	CHECK_STR_EQ(json_string_value(json_object_get(r, "i")), "yes");
	CHECK_INT_EQ(json_integer_value(json_object_get(r, "j")), 31);
	CHECK_INT_EQ(json_integer_value(json_object_get(r, "k")), 15);
	CHECK_DBL_NEAR(json_real_value(json_object_get(r, "l")), 1000.0, 1e-9);
	CHECK_STR_EQ(json_string_value(json_object_get(r, "m")), "on");
	CHECK_INT_EQ(json_integer_value(json_object_get(r, "n")), -7);
	CHECK_STR_EQ(json_string_value(json_object_get(r, "o")), "12");
	CHECK(json_is_real(json_object_get(r, "p")));
	CHECK_STR_EQ(json_string_value(json_object_get(r, "q")), "1Gi");
	CHECK_STR_EQ(json_string_value(json_object_get(r, "r")), "block\n");
	policy_docs_release(&docs);
}

static void positions_are_recorded(void)
{
	struct policy_docs docs = { 0 };
	struct jn_error err;
	const char *text = "---\nspec:\n  items:\n    - key: a\n      operator: In\n";
	CHECK_INT_EQ(parse(text, &docs, &err), 0);
	uint32_t line = 0, col = 0;
	CHECK(policy_doc_find(&docs.items[0], "spec.items[0].operator", false, &line, &col));
	CHECK_INT_EQ(line, 5);
	CHECK_INT_EQ(col, 17);
	CHECK(policy_doc_find(&docs.items[0], "spec.items[0].operator", true, &line, &col));
	CHECK_INT_EQ(line, 5);
	CHECK_INT_EQ(col, 7);
	CHECK(policy_doc_find(&docs.items[0], "spec.items[0]", false, &line, &col));
	CHECK_INT_EQ(line, 4);
	CHECK_INT_EQ(col, 7);
	CHECK(!policy_doc_find(&docs.items[0], "spec.nothing", false, &line, &col));
	/* An error is placed at the deepest node its path names. */
	jn_error_set(&err, JN_ERR_INVALID, "spec.items[0].operator: unknown operator \"X\"");
	policy_doc_locate_error(&docs.items[0], "t.yaml", &err);
	CHECK_STR_EQ(err.msg, "t.yaml:5:17: spec.items[0].operator: unknown operator \"X\"");
	jn_error_set(&err, JN_ERR_INVALID, "spec.items[0].values: is required");
	policy_doc_locate_error(&docs.items[0], "t.yaml", &err);
	CHECK_STR_EQ(err.msg, "t.yaml:4:7: spec.items[0].values: is required");
	jn_error_set(&err, JN_ERR_INVALID, "spec.items: unknown field");
	policy_doc_locate_error(&docs.items[0], "t.yaml", &err);
	CHECK_STR_EQ(err.msg, "t.yaml:3:3: spec.items: unknown field");
	jn_error_set(&err, JN_ERR_INVALID, "kind: is required");
	policy_doc_locate_error(&docs.items[0], "t.yaml", &err);
	CHECK_STR_EQ(err.msg, "t.yaml:2:1: kind: is required");
	policy_docs_release(&docs);
}

static void documents_and_empties(void)
{
	struct policy_docs docs = { 0 };
	struct jn_error err;
	const char *text = "# only a comment\n---\n---\na: 1\n---\n~\n---\n[1, 2]\n...\n";
	CHECK_INT_EQ(parse(text, &docs, &err), 0);
	CHECK_INT_EQ(docs.len, 2);
	CHECK_INT_EQ(docs.items[0].line, 3);
	CHECK(json_is_object(docs.items[0].root));
	CHECK(json_is_array(docs.items[1].root));
	policy_docs_release(&docs);
	CHECK_INT_EQ(parse("", &docs, &err), 0);
	CHECK_INT_EQ(docs.len, 0);
	/* JSON is YAML. */
	CHECK_INT_EQ(parse("{\"a\": [1, \"x\", true, null, {\"b\": 2.5}]}", &docs, &err), 0);
	CHECK_INT_EQ(docs.len, 1);
	CHECK_INT_EQ(json_array_size(json_object_get(docs.items[0].root, "a")), 5);
	policy_docs_release(&docs);
}

static void errors_name_the_place(void)
{
	struct policy_docs docs = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(parse("a: 1\nb: [1, 2\nc: 3\n", &docs, &err), -1);
	CHECK_STR_EQ(err.msg, "t.yaml:3:2: invalid yaml: did not find expected ',' or ']' while "
		"parsing a flow sequence");
	CHECK_INT_EQ(parse("a:\n  b: 1\n  b: 2\n", &docs, &err), -1);
	CHECK_STR_EQ(err.msg, "t.yaml:3:3: a: duplicate key \"b\"");
	CHECK_INT_EQ(parse("? [a]\n: 1\n", &docs, &err), -1);
	CHECK_STR_EQ(err.msg, "t.yaml:1:3: mapping keys must be scalars");
	CHECK_INT_EQ(parse("a: !!int x\n", &docs, &err), -1);
	CHECK_STR_EQ(err.msg, "t.yaml:1:4: a: unsupported tag \"tag:yaml.org,2002:int\" for \"x\"");
	CHECK_INT_EQ(parse("a: *nope\n", &docs, &err), -1);
	CHECK_STR_EQ(err.msg, "t.yaml:1:4: a: unknown alias \"*nope\"");
	CHECK_INT_EQ(parse("a: \"x\\0y\"\n", &docs, &err), -1);
	CHECK_STR_EQ(err.msg, "t.yaml:1:4: a: strings may not contain NUL characters");
	CHECK_INT_EQ(docs.len, 0);
}

static void aliases_are_shared_and_capped(void)
{
	struct policy_docs docs = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(parse("base: &b {x: 1}\ncopy: *b\n", &docs, &err), 0);
	json_t *r = docs.items[0].root;
	CHECK(json_object_get(r, "base") == json_object_get(r, "copy"));
	policy_docs_release(&docs);
	/* Each level multiplies by 10: 10^6 nodes expanded, past the cap. */
	const char *laughs =
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
	CHECK_INT_EQ(parse(laughs, &docs, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TOO_LARGE);
	CHECK_STR_CONTAINS(err.msg, "document has more than 200000 nodes (aliases expanded)");
	char deep[1024] = "";
	for (int i = 0; i < 70; i++)
		strcat(deep, "[");
	CHECK_INT_EQ(parse(deep, &docs, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TOO_LARGE);
	CHECK_STR_CONTAINS(err.msg, "nesting deeper than 64 levels");
	CHECK_INT_EQ(docs.len, 0);
}

int main(void)
{
	JN_RUN(scalars_follow_the_core_schema);
	JN_RUN(positions_are_recorded);
	JN_RUN(documents_and_empties);
	JN_RUN(errors_name_the_place);
	JN_RUN(aliases_are_shared_and_capped);
	return jn_tap_done();
}
