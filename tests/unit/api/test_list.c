/*
 * Lists: single objects, List / PodList / NodeList, JSON arrays of either, kind checks with
 * the path, and all-or-nothing appends.
 */
#include <stdlib.h>

#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "tap.h"

static json_t *fixture(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/fixtures/api/%s", name);
	char *path = jn_test_source_path(rel);
	json_t *doc = json_load_file(path, 0, NULL);
	free(path);
	return doc;
}

#define POD(name) "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"" name "\"},\"spec\":{}}"
#define BARE_POD(name) "{\"metadata\":{\"name\":\"" name "\"},\"spec\":{}}"
#define NODE(name) "{\"kind\":\"Node\",\"metadata\":{\"name\":\"" name "\"}}"

static int append_pods(struct jn_pod_list *list, const char *text, struct jn_error *err)
{
	json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
	int rc = jn_pod_list_append_json(list, doc, err);
	json_decref(doc);
	return rc;
}

static void shapes(void)
{
	struct jn_pod_list list = { 0 };
	struct jn_error err = { 0 };
	/* a single Pod */
	CHECK_INT_EQ(append_pods(&list, POD("a"), &err), 0);
	/* a typed PodList, whose items carry no kind */
	CHECK_INT_EQ(append_pods(&list, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\","
		"\"metadata\":{\"resourceVersion\":\"42\"},\"items\":[" BARE_POD("b") ","
		BARE_POD("c") "]}", &err), 0);
	/* an array mixing a Pod and a List */
	CHECK_INT_EQ(append_pods(&list, "[" POD("d") ",{\"kind\":\"List\",\"items\":[" POD("e")
		"]}]", &err), 0);
	/* an empty List and an empty array */
	CHECK_INT_EQ(append_pods(&list, "{\"kind\":\"List\",\"items\":[]}", &err), 0);
	CHECK_INT_EQ(append_pods(&list, "[]", &err), 0);
	CHECK_INT_EQ(list.len, 5);
	const char *want[] = { "a", "b", "c", "d", "e" };
	for (size_t i = 0; i < JN_ARRAY_LEN(want) && i < list.len; i++)
		CHECK_STR_EQ(list.items[i].name, want[i]);
	jn_pod_list_release(&list);
	CHECK(list.items == NULL && list.len == 0 && list.cap == 0);
	jn_pod_list_release(&list);
}

static void fixture_list(void)
{
	json_t *doc = fixture("pods-list.json");
	struct jn_pod_list list = { 0 };
	struct jn_error err = { 0 };
	CHECK_INT_EQ(jn_pod_list_append_json(&list, doc, &err), 0);
	CHECK_INT_EQ(list.len, 3);
	CHECK_STR_EQ(list.items[1].name, "node-exporter-x2x9q");
	CHECK_STR_EQ(list.items[2].name, "batch-job-7q2xk");
	jn_pod_list_release(&list);
	json_decref(doc);
}

static void wrong_kinds_fail_with_the_path_and_change_nothing(void)
{
	static const struct { const char *doc, *msg; } cases[] = {
		{ "{\"kind\":\"List\",\"items\":[" POD("x") "," NODE("n") "]}",
		  "items[1]: expected kind Pod, got Node" },
		{ "[" POD("x") "," POD("y") "," NODE("n") "]", "[2]: expected kind Pod, got Node" },
		{ NODE("n"), "expected kind Pod, got Node" },
		{ "{\"kind\":\"NodeList\",\"items\":[]}", "expected kind Pod, got NodeList" },
		{ "\"pods\"", "expected a Pod, a PodList or an array, got a string" },
		{ "{\"kind\":\"List\",\"items\":[[" POD("x") "]]}",
		  "items[0]: expected an object, got an array" },
		{ "{\"kind\":\"List\",\"items\":{}}", "items: expected an array, got an object" },
		{ "[" POD("x") ",{\"kind\":\"PodList\",\"items\":[" BARE_POD("y") ","
		  "{\"metadata\":{\"name\":\"z\"},\"spec\":{\"priority\":\"x\"}}]}]",
		  "[1].items[1].spec.priority: expected an integer, got a string" },
		{ "[[[[[[" POD("x") "]]]]]]", "[0][0][0][0][0]: lists nested deeper than 4 levels" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_pod_list list = { 0 };
		struct jn_error err = { 0 };
		CHECK_INT_EQ(append_pods(&list, POD("before"), &err), 0);
		int rc = append_pods(&list, cases[i].doc, &err);
		jn_tap_check(rc == -1 && err.kind == JN_ERR_INVALID &&
			strcmp(err.msg, cases[i].msg) == 0, __FILE__, __LINE__,
			"%s: rc %d \"%s\" (want \"%s\")", cases[i].doc, rc, err.msg, cases[i].msg);
		CHECK_INT_EQ(list.len, 1);
		CHECK_STR_EQ(list.items[0].name, "before");
		jn_pod_list_release(&list);
	}
}

static void node_lists(void)
{
	struct jn_node_list list = { 0 };
	struct jn_error err = { 0 };
	json_t *doc = json_loads("[" NODE("a") ",{\"kind\":\"List\",\"items\":[" NODE("b") "]}]",
		0, NULL);
	CHECK_INT_EQ(jn_node_list_append_json(&list, doc, &err), 0);
	CHECK_INT_EQ(list.len, 2);
	CHECK_STR_EQ(list.items[1].name, "b");
	json_decref(doc);
	doc = json_loads("{\"kind\":\"List\",\"items\":[" NODE("c") "," POD("p") "]}", 0, NULL);
	CHECK_INT_EQ(jn_node_list_append_json(&list, doc, &err), -1);
	CHECK_STR_EQ(err.msg, "items[1]: expected kind Node, got Pod");
	CHECK_INT_EQ(list.len, 2);
	json_decref(doc);
	jn_node_list_release(&list);
}

int main(void)
{
	JN_RUN(shapes);
	JN_RUN(fixture_list);
	JN_RUN(wrong_kinds_fail_with_the_path_and_change_nothing);
	JN_RUN(node_lists);
	return jn_tap_done();
}
