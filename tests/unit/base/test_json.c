#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/map.h"
#include "tap.h"

static void errors_name_the_path(void)
{
	json_t *doc = json_loads("{\"spec\":{\"containers\":[{},{},{\"resources\":{\"requests\":"
		"{\"cpu\":{}}}}]}}", 0, NULL);
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_json_path spec = JN_JSON_KEY(&root, "spec");
	struct jn_json_path containers = JN_JSON_KEY(&spec, "containers");
	struct jn_json_path c2 = JN_JSON_IDX(&containers, 2);
	struct jn_json_path res = JN_JSON_KEY(&c2, "resources");
	struct jn_json_path req = JN_JSON_KEY(&res, "requests");
	const json_t *c = json_array_get(json_object_get(json_object_get(doc, "spec"),
		"containers"), 2);
	const json_t *requests = json_object_get(json_object_get(c, "resources"), "requests");
	struct jn_error err;
	const char *cpu = NULL;
	CHECK_INT_EQ(jn_json_get_string(requests, "cpu", &req, false, &cpu, &err), -1);
	CHECK_STR_EQ(err.msg, "spec.containers[2].resources.requests.cpu: expected a string, got an object");
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	json_decref(doc);
}

static void absent_optional_and_required(void)
{
	json_t *doc = json_loads("{\"a\":null,\"n\":3,\"b\":true,\"m\":{\"k\":\"v\",\"x\":1}}", 0, NULL);
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_error err;
	const char *s = "untouched";
	CHECK_INT_EQ(jn_json_get_string(doc, "a", &root, false, &s, &err), 0);
	CHECK_STR_EQ(s, "untouched");
	CHECK_INT_EQ(jn_json_get_string(doc, "a", &root, true, &s, &err), -1);
	CHECK_STR_EQ(err.msg, "a: is required");
	int64_t n = 0;
	CHECK_INT_EQ(jn_json_get_int(doc, "n", &root, true, &n, &err), 0);
	CHECK_INT_EQ(n, 3);
	bool b = false;
	CHECK_INT_EQ(jn_json_get_bool(doc, "b", &root, true, &b, &err), 0);
	CHECK(b);
	CHECK_INT_EQ(jn_json_get_bool(doc, "n", &root, true, &b, &err), -1);
	CHECK_STR_EQ(err.msg, "n: expected a boolean, got an integer");
	struct jn_strmap m;
	jn_strmap_init(&m);
	CHECK_INT_EQ(jn_json_get_strmap(doc, "m", &root, &m, &err), -1);
	CHECK_STR_EQ(err.msg, "m.x: expected a string, got an integer");
	jn_strmap_release(&m);
	static const char *const allowed[] = { "a", "n", "b", NULL };
	CHECK_INT_EQ(jn_json_check_keys(doc, allowed, &root, &err), -1);
	CHECK_STR_EQ(err.msg, "m: unknown field");
	json_decref(doc);
}

int main(void)
{
	JN_RUN(errors_name_the_path);
	JN_RUN(absent_optional_and_required);
	return jn_tap_done();
}
