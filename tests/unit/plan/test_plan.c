/* `jitnode plan`: the JSON shape scripts rely on, the table, bad input, the built-in default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jitnode/buf.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/plan.h"
#include "jitnode/policy.h"
#include "tap.h"

static int run(const char *const *args, size_t n, struct jn_buf *out, struct jn_buf *err)
{
	char *argv[16];
	for (size_t i = 0; i < n; i++)
		argv[i] = (char *)args[i];
	FILE *o = tmpfile(), *e = tmpfile();
	int rc = jn_plan_main((int)n, argv, o, e);
	char chunk[4096];
	size_t k;
	rewind(o);
	while ((k = fread(chunk, 1, sizeof(chunk), o)) > 0)
		jn_buf_append(out, chunk, k, NULL);
	rewind(e);
	while ((k = fread(chunk, 1, sizeof(chunk), e)) > 0)
		jn_buf_append(err, chunk, k, NULL);
	fclose(o);
	fclose(e);
	return rc;
}

static void json_has_the_documented_shape(void)
{
	char *pods = jn_test_source_path("tests/fixtures/workloads/inflate.json");
	char *pol = jn_test_source_path("policies/default.yaml");
	const char *args[] = { "plan", "--policies", pol, "-o", "json", pods };
	struct jn_buf out, err;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	jn_buf_init(&err, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(run(args, 6, &out, &err), 0);
	json_error_t je;
	json_t *doc = json_loads(jn_buf_cstr(&out), 0, &je);
	CHECK(doc != NULL);
	CHECK_INT_EQ(json_object_size(doc), 4);
	json_t *claims = json_object_get(doc, "claims");
	CHECK(json_array_size(claims) > 0);
	size_t pods_in_claims = 0;
	double total = 0;
	for (size_t i = 0; i < json_array_size(claims); i++) {
		json_t *c = json_array_get(claims, i);
		CHECK_INT_EQ(json_object_size(c), 8);
		CHECK_STR_EQ(json_string_value(json_object_get(c, "nodepool")), "default");
		CHECK_STR_EQ(json_string_value(json_object_get(c, "capacity_type")), "on-demand");
		pods_in_claims += json_array_size(json_object_get(c, "pods"));
		total += json_real_value(json_object_get(c, "price_per_hour"));
		CHECK(json_array_size(json_object_get(c, "options")) <= 60);
	}
	CHECK_INT_EQ(pods_in_claims, 100);
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "placements")), 100);
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "unplaced")), 0);
	CHECK_DBL_NEAR(json_real_value(json_object_get(doc, "total_price_per_hour")), total, 1e-9);
	CHECK_STR_CONTAINS(jn_buf_cstr(&err), "computed packing nodes=");
	json_decref(doc);
	jn_buf_release(&out);
	jn_buf_release(&err);
	free(pods);
	free(pol);
}

static void table_has_a_total(void)
{
	char *pods = jn_test_source_path("tests/fixtures/workloads/inflate.json");
	const char *args[] = { "plan", pods };
	struct jn_buf out, err;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	jn_buf_init(&err, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(run(args, 2, &out, &err), 0);
	CHECK_STR_CONTAINS(jn_buf_cstr(&out), "NODEPOOL");
	CHECK_STR_CONTAINS(jn_buf_cstr(&out), "TOTAL");
	jn_buf_release(&out);
	jn_buf_release(&err);
	free(pods);
}

static void bad_input_names_the_file_and_field(void)
{
	char path[] = "/tmp/jn-plan-badXXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\","
		"\"resources\":{\"requests\":{\"cpu\":\"12x\"}}}]}}", f);
	fclose(f);
	const char *args[] = { "plan", path };
	struct jn_buf out, err;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	jn_buf_init(&err, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(run(args, 2, &out, &err), 1);
	CHECK_STR_CONTAINS(jn_buf_cstr(&err), path);
	CHECK_STR_CONTAINS(jn_buf_cstr(&err), "requests.cpu");
	remove(path);
	jn_buf_release(&out);
	jn_buf_release(&err);
}

static char *write_temp(const char *text)
{
	char *path = jn_xstrdup("/tmp/jn-plan-yamlXXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* What `kubectl get pods -o yaml` prints: a List whose items carry server-set fields. */
static const char kubectl_yaml[] =
	"apiVersion: v1\n"
	"items:\n"
	"- apiVersion: v1\n"
	"  kind: Pod\n"
	"  metadata:\n"
	"    creationTimestamp: \"2024-05-01T10:00:00Z\"\n"
	"    labels: {app: web}\n"
	"    name: web-1\n"
	"    namespace: shop\n"
	"    resourceVersion: \"1234\"\n"
	"    uid: 0b4e7c1e-0000-0000-0000-000000000001\n"
	"  spec:\n"
	"    containers:\n"
	"    - image: nginx\n"
	"      name: web\n"
	"      resources:\n"
	"        requests: {cpu: 1500m, memory: 1Gi}\n"
	"    nodeSelector:\n"
	"      karpenter.sh/capacity-type: on-demand\n"
	"  status:\n"
	"    phase: Pending\n"
	"- apiVersion: v1\n"
	"  kind: Pod\n"
	"  metadata:\n"
	"    name: web-2\n"
	"    namespace: shop\n"
	"  spec:\n"
	"    containers:\n"
	"    - name: web\n"
	"      resources:\n"
	"        requests:\n"
	"          cpu: \"1\"\n"
	"          memory: 512Mi\n"
	"  status:\n"
	"    phase: Pending\n"
	"kind: List\n"
	"metadata:\n"
	"  resourceVersion: \"\"\n";

static void kubectl_yaml_is_planned_like_json(void)
{
	char *path = write_temp(kubectl_yaml);
	const char *args[] = { "plan", "-o", "json", path };
	struct jn_buf out, err;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	jn_buf_init(&err, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(run(args, 4, &out, &err), 0);
	json_t *doc = json_loads(jn_buf_cstr(&out), 0, NULL);
	CHECK(doc != NULL);
	json_t *claims = json_object_get(doc, "claims");
	/* two t3a nodes (0.0188 + 0.0094 $/h) are cheaper than one 4-vCPU node for both pods */
	CHECK_INT_EQ(json_array_size(claims), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *pods = json_object_get(json_array_get(claims, i), "pods");
		CHECK_INT_EQ(json_array_size(pods), 1);
		CHECK_STR_EQ(json_string_value(json_array_get(pods, 0)), i ? "shop/web-2" : "shop/web-1");
	}
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(claims, 0), "instance_type")),
		"t3a.small");
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "unplaced")), 0);
	json_decref(doc);
	remove(path);
	free(path);
	jn_buf_release(&out);
	jn_buf_release(&err);
}

static void yaml_syntax_error_names_file_line_col(void)
{
	char *path = write_temp("kind: Pod\nmetadata:\n  name: x\n  labels: {a: b\n");
	const char *args[] = { "plan", path };
	struct jn_buf out, err, want;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	jn_buf_init(&err, JN_BUF_UNLIMITED);
	jn_buf_init(&want, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(run(args, 2, &out, &err), 1);
	jn_buf_printf(&want, NULL, "%s:5:1: invalid yaml", path);
	CHECK_STR_CONTAINS(jn_buf_cstr(&err), jn_buf_cstr(&want));
	remove(path);
	free(path);
	jn_buf_release(&out);
	jn_buf_release(&err);
	jn_buf_release(&want);
}

static void yaml_documents_are_a_list(void)
{
	json_t *doc = NULL;
	const char text[] = "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n";
	CHECK_INT_EQ(jn_yaml_to_json("t.yaml", text, strlen(text), &doc, NULL), 0);
	CHECK_INT_EQ(json_array_size(doc), 2);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(json_array_get(doc, 1),
		"metadata"), "name")), "b");
	json_decref(doc);
	const char one[] = "replicas: 3\nname: '3'\n";
	CHECK_INT_EQ(jn_yaml_to_json("t.yaml", one, strlen(one), &doc, NULL), 0);
	CHECK(json_is_object(doc));
	CHECK_INT_EQ(json_integer_value(json_object_get(doc, "replicas")), 3);
	CHECK_STR_EQ(json_string_value(json_object_get(doc, "name")), "3");
	json_decref(doc);
	struct jn_error e;
	const char dup[] = "a: 1\na: 2\n";
	CHECK_INT_EQ(jn_yaml_to_json("d.yaml", dup, strlen(dup), &doc, &e), -1);
	CHECK(doc == NULL);
	CHECK_STR_CONTAINS(e.msg, "d.yaml:2:1");
}

static void no_pods_is_a_usage_error(void)
{
	const char *args[] = { "plan" };
	struct jn_buf out, err;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	jn_buf_init(&err, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(run(args, 1, &out, &err), 2);
	CHECK_STR_CONTAINS(jn_buf_cstr(&err), "no pod files given");
	jn_buf_release(&out);
	jn_buf_release(&err);
}

static void builtin_default_equals_the_file(void)
{
	char *pol = jn_test_source_path("policies/default.yaml");
	struct jn_buf b;
	jn_buf_init(&b, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(jn_buf_read_file(&b, pol, NULL), 0);
	CHECK_STR_EQ(jn_plan_default_policies(), jn_buf_cstr(&b));
	jn_buf_release(&b);
	free(pol);
}

int main(void)
{
	JN_RUN(json_has_the_documented_shape);
	JN_RUN(table_has_a_total);
	JN_RUN(bad_input_names_the_file_and_field);
	JN_RUN(kubectl_yaml_is_planned_like_json);
	JN_RUN(yaml_syntax_error_names_file_line_col);
	JN_RUN(yaml_documents_are_a_list);
	JN_RUN(no_pods_is_a_usage_error);
	JN_RUN(builtin_default_equals_the_file);
	return jn_tap_done();
}
