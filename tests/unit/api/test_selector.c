#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/map.h"
#include "tap.h"

static int req(const char *doc, struct jn_requirement *r, struct jn_error *err)
{
	json_t *v = json_loads(doc, 0, NULL);
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_json_path at = JN_JSON_KEY(&root, "requirements");
	struct jn_json_path i = JN_JSON_IDX(&at, 0);
	int rc = jn_requirement_from_json(v, &i, r, err);
	json_decref(v);
	return rc;
}

static void operators(void)
{
	static const char *const names[] = { "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt",
		"Gte", "Lte" };
	for (size_t i = 0; i < JN_ARRAY_LEN(names); i++) {
		enum jn_selector_op op;
		CHECK_INT_EQ(jn_selector_op_parse(names[i], &op), 0);
		CHECK_INT_EQ(op, i);
		CHECK_STR_EQ(jn_selector_op_name(op), names[i]);
	}
	enum jn_selector_op op;
	CHECK_INT_EQ(jn_selector_op_parse("in", &op), -1);
	CHECK_INT_EQ(jn_selector_op_parse("", &op), -1);
}

static void requirements(void)
{
	struct jn_requirement r = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(req("{\"key\":\"karpenter.k8s.aws/instance-family\",\"operator\":\"In\","
		"\"values\":[\"m5\",\"c5\",\"r5\"],\"minValues\":2}", &r, &err), 0);
	CHECK_STR_EQ(r.key, "karpenter.k8s.aws/instance-family");
	CHECK_INT_EQ(r.op, JN_OP_IN);
	CHECK_INT_EQ(r.n_values, 3);
	CHECK_STR_EQ(r.values[2], "r5");
	CHECK_INT_EQ(r.min_values, 2);
	struct jn_requirement copy;
	jn_requirement_copy(&copy, &r);
	jn_requirement_release(&r);
	CHECK_STR_EQ(copy.values[1], "c5");
	CHECK_INT_EQ(copy.min_values, 2);
	jn_requirement_release(&copy);
	jn_requirement_release(&copy);

	CHECK_INT_EQ(req("{\"key\":\"karpenter.k8s.aws/instance-cpu\",\"operator\":\"Gt\","
		"\"values\":[\"3\"]}", &r, &err), 0);
	CHECK_INT_EQ(r.op, JN_OP_GT);
	CHECK_INT_EQ(r.min_values, 0);
	jn_requirement_release(&r);
	CHECK_INT_EQ(req("{\"key\":\"a\",\"operator\":\"Exists\"}", &r, &err), 0);
	CHECK_INT_EQ(r.n_values, 0);
	CHECK(r.values == NULL);
	jn_requirement_release(&r);
}

static void invalid_requirements(void)
{
	static const struct { const char *doc, *msg; } cases[] = {
		{ "{\"operator\":\"In\",\"values\":[\"a\"]}", "requirements[0].key: is required" },
		{ "{\"key\":\"\",\"operator\":\"Exists\"}", "requirements[0].key: must not be empty" },
		{ "{\"key\":\"a\",\"values\":[\"a\"]}", "requirements[0].operator: is required" },
		{ "{\"key\":\"a\",\"operator\":\"Like\"}", "requirements[0].operator: unknown "
		  "operator \"Like\" (want In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte or Lte)" },
		{ "{\"key\":\"a\",\"operator\":\"In\"}", "requirements[0].values: must be non-empty "
		  "when operator is In" },
		{ "{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[]}", "requirements[0].values: "
		  "must be non-empty when operator is NotIn" },
		{ "{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}",
		  "requirements[0].values: must be empty when operator is Exists" },
		{ "{\"key\":\"a\",\"operator\":\"DoesNotExist\",\"values\":[\"x\"]}",
		  "requirements[0].values: must be empty when operator is DoesNotExist" },
		{ "{\"key\":\"a\",\"operator\":\"Gt\",\"values\":[\"1\",\"2\"]}",
		  "requirements[0].values: must have exactly one value when operator is Gt, got 2" },
		{ "{\"key\":\"a\",\"operator\":\"Lt\",\"values\":[\"x1\"]}",
		  "requirements[0].values[0]: must be an integer when operator is Lt, got \"x1\"" },
		{ "{\"key\":\"a\",\"operator\":\"Gte\",\"values\":[\"\"]}",
		  "requirements[0].values[0]: must be an integer when operator is Gte, got \"\"" },
		{ "{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"a\",7]}",
		  "requirements[0].values[1]: expected a string, got an integer" },
		{ "{\"key\":\"a\",\"operator\":\"In\",\"values\":\"a\"}",
		  "requirements[0].values: expected an array, got a string" },
		{ "{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"a\"],\"minValues\":2}",
		  "requirements[0].minValues: must be at most the number of values (1) when operator "
		  "is In, got 2" },
		{ "{\"key\":\"a\",\"operator\":\"Exists\",\"minValues\":0}",
		  "requirements[0].minValues: must be between 1 and 50, got 0" },
		{ "{\"key\":\"a\",\"operator\":\"Exists\",\"minValues\":51}",
		  "requirements[0].minValues: must be between 1 and 50, got 51" },
		{ "{\"key\":\"a\",\"operator\":\"Exists\",\"minValues\":\"2\"}",
		  "requirements[0].minValues: expected an integer, got a string" },
		{ "[]", "requirements[0]: expected an object, got an array" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_requirement r = { 0 };
		struct jn_error err = { 0 };
		int rc = req(cases[i].doc, &r, &err);
		jn_tap_check(rc == -1 && strcmp(err.msg, cases[i].msg) == 0, __FILE__, __LINE__,
			"%s: \"%s\" (want \"%s\")", cases[i].doc, err.msg, cases[i].msg);
		CHECK(r.key == NULL && r.values == NULL);   /* released on failure */
	}
}

static int selector(const char *doc, struct jn_label_selector *s, struct jn_error *err)
{
	json_t *v = json_loads(doc, 0, NULL);
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_json_path at = JN_JSON_KEY(&root, "labelSelector");
	int rc = jn_label_selector_from_json(v, &at, s, err);
	json_decref(v);
	return rc;
}

static void label_selectors(void)
{
	struct jn_label_selector s = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(selector("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
		"{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]},"
		"{\"key\":\"canary\",\"operator\":\"DoesNotExist\"}]}", &s, &err), 0);
	CHECK_INT_EQ(s.match_labels.len, 1);
	CHECK_INT_EQ(s.n_match_expressions, 2);

	struct jn_strmap labels;
	jn_strmap_init(&labels);
	jn_strmap_set(&labels, "app", "web");
	CHECK(!jn_label_selector_matches(&s, &labels));     /* tier missing */
	jn_strmap_set(&labels, "tier", "b");
	CHECK(jn_label_selector_matches(&s, &labels));
	jn_strmap_set(&labels, "canary", "");
	CHECK(!jn_label_selector_matches(&s, &labels));
	jn_strmap_remove(&labels, "canary");
	jn_strmap_set(&labels, "app", "api");
	CHECK(!jn_label_selector_matches(&s, &labels));

	struct jn_label_selector copy;
	jn_label_selector_copy(&copy, &s);
	jn_label_selector_release(&s);
	jn_strmap_set(&labels, "app", "web");
	CHECK(jn_label_selector_matches(&copy, &labels));
	jn_label_selector_release(&copy);

	struct jn_label_selector empty = { 0 };
	CHECK(jn_label_selector_matches(&empty, &labels));   /* empty matches everything */
	CHECK(!jn_label_selector_matches(NULL, &labels));    /* NULL matches nothing */
	jn_label_selector_release(NULL);

	CHECK_INT_EQ(selector("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Gt\","
		"\"values\":[\"1\"]}]}", &s, &err), -1);
	CHECK_STR_EQ(err.msg, "labelSelector.matchExpressions[0].operator: unknown operator \"Gt\" "
		"(want In, NotIn, Exists or DoesNotExist)");
	CHECK_INT_EQ(selector("{\"matchLabels\":{\"app\":1}}", &s, &err), -1);
	CHECK_STR_EQ(err.msg, "labelSelector.matchLabels.app: expected a string, got an integer");
	CHECK_INT_EQ(selector("{\"matchLabels\":{\"a\":\"b\"},\"matchExpressions\":[{\"key\":\"a\","
		"\"operator\":\"In\",\"values\":[\"x\"]},{\"key\":\"b\",\"operator\":\"In\"}]}", &s,
		&err), -1);
	CHECK_STR_EQ(err.msg, "labelSelector.matchExpressions[1].values: must be non-empty when "
		"operator is In");
	CHECK_INT_EQ(s.match_labels.len, 0);   /* released on failure */
	CHECK(s.match_expressions == NULL);
	jn_strmap_release(&labels);
}

int main(void)
{
	JN_RUN(operators);
	JN_RUN(requirements);
	JN_RUN(invalid_requirements);
	JN_RUN(label_selectors);
	return jn_tap_done();
}
