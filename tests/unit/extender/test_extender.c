/*
 * The extender's verbs over a table-backed fake cluster, asserting the exact bytes answered
 * (the wire format of k8s.io/kube-scheduler/extender/v1), and the same verbs through the real
 * HTTP server.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "jitnode/error.h"
#include "jitnode/extender.h"
#include "jitnode/http.h"
#include "tap.h"

#include <jansson.h>

struct fake_node {
	const char *name;
	struct jn_extender_node view;
};

struct fake_backend {
	struct jn_extender_backend base;
	const struct fake_node *nodes;
	size_t n_nodes;
	int binds;
	char last_bind[256];
	enum jn_error_kind next_bind_error;
};

static struct fake_backend *fake_from(struct jn_extender_backend *b)
{
	return (struct fake_backend *)b;
}

static void fake_lookup(struct jn_extender_backend *b, const char *name,
	struct jn_extender_node *out)
{
	struct fake_backend *f = fake_from(b);
	for (size_t i = 0; i < f->n_nodes; i++) {
		if (strcmp(f->nodes[i].name, name) == 0) {
			*out = f->nodes[i].view;
			return;
		}
	}
}

static int fake_bind(struct jn_extender_backend *b, const char *ns, const char *name,
	const char *uid, const char *node, struct jn_error *err)
{
	struct fake_backend *f = fake_from(b);
	f->binds++;
	snprintf(f->last_bind, sizeof(f->last_bind), "%s/%s uid=%s node=%s", ns, name, uid, node);
	if (f->next_bind_error == JN_ERR_CONFLICT)
		return jn_error_set(err, JN_ERR_CONFLICT,
			"Operation cannot be fulfilled on pods/binding \"%s\": pod %s is already "
			"assigned to node \"other\"", name, name);
	return 0;
}

static const struct jn_extender_backend_impl fake_impl = {
	.lookup_node = fake_lookup,
	.bind = fake_bind,
};

#define GIB (INT64_C(1) << 30)

static const struct fake_node cluster[] = {
	{ "n-ok", { .known = true, .allocatable_cpu_milli = 4000, .allocatable_memory = 8 * GIB,
		.requested_cpu_milli = 1000, .requested_memory = 2 * GIB } },
	{ "n-full", { .known = true, .allocatable_cpu_milli = 4000, .allocatable_memory = 8 * GIB,
		.requested_cpu_milli = 3900, .requested_memory = 2 * GIB } },
	{ "n-marked", { .known = true, .removing = true, .reason = "consolidation is deleting it",
		.allocatable_cpu_milli = 4000, .allocatable_memory = 8 * GIB } },
};

static struct fake_backend fake = {
	.base = { .impl = &fake_impl }, .nodes = cluster, .n_nodes = JN_ARRAY_LEN(cluster),
};

#define POD "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"u-1\"}," \
	"\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":" \
	"{\"cpu\":\"1\",\"memory\":\"2Gi\"}}}]}}"

static char *call(struct jn_extender *ext,
	int (*verb)(struct jn_extender *, const char *, size_t, struct jn_buf *),
	const char *body, int *status)
{
	struct jn_buf out;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	*status = verb(ext, body, strlen(body), &out);
	return jn_buf_detach(&out, NULL);
}

static void filter_by_names_rejects_nodes_being_removed(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	int status;
	char *out = call(ext, jn_extender_filter, "{\"Pod\":" POD ",\"Nodes\":null,"
		"\"NodeNames\":[\"n-ok\",\"n-marked\",\"n-unknown\"]}", &status);
	CHECK_INT_EQ(status, 200);
	CHECK_STR_EQ(out, "{\"Nodes\":null,\"NodeNames\":[\"n-ok\",\"n-unknown\"],"
		"\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{\"n-marked\":"
		"\"consolidation is deleting it\"},\"Error\":\"\"}");
	free(out);
	jn_extender_destroy(ext);
}

static void filter_full_nodes_reads_taints_and_deletion(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	int status;
	char *out = call(ext, jn_extender_filter, "{\"pod\":" POD ",\"nodenames\":null,"
		"\"Nodes\":{\"metadata\":{},\"items\":["
		"{\"metadata\":{\"name\":\"a\"}},"
		"{\"metadata\":{\"name\":\"b\"},\"spec\":{\"taints\":[{\"key\":\"jitnode.io/disrupted\","
		"\"effect\":\"NoSchedule\"}]}},"
		"{\"metadata\":{\"name\":\"c\",\"deletionTimestamp\":\"2026-11-23T11:40:00Z\"}},"
		"{\"metadata\":{\"name\":\"d\"},\"spec\":{\"taints\":[{\"key\":\"karpenter.sh/disrupted\","
		"\"effect\":\"NoSchedule\"}]}}]}}", &status);
	CHECK_INT_EQ(status, 200);
	CHECK_STR_EQ(out, "{\"Nodes\":{\"metadata\":{},\"items\":[{\"metadata\":{\"name\":\"a\"}}]},"
		"\"NodeNames\":null,\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{"
		"\"b\":\"node is being disrupted (taint jitnode.io/disrupted)\","
		"\"c\":\"node is being deleted\","
		"\"d\":\"node is being disrupted (taint karpenter.sh/disrupted)\"},\"Error\":\"\"}");
	free(out);
	jn_extender_destroy(ext);
}

static void filter_malformed_answers_error_in_body(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	int status;
	char *out = call(ext, jn_extender_filter, "{\"Pod\":", &status);
	CHECK_INT_EQ(status, 200);
	CHECK_STR_CONTAINS(out, "\"Error\":\"malformed JSON at byte 7: unexpected end of input\"");
	CHECK_STR_CONTAINS(out, "\"Nodes\":null,\"NodeNames\":null");
	free(out);
	out = call(ext, jn_extender_filter, "{\"Pod\":" POD ",\"NodeNames\":[1]}", &status);
	CHECK_STR_EQ(out, "{\"Nodes\":null,\"NodeNames\":null,\"FailedNodes\":{},"
		"\"FailedAndUnresolvableNodes\":{},\"Error\":\"NodeNames[0]: expected a string\"}");
	free(out);
	out = call(ext, jn_extender_filter, "[]", &status);
	CHECK_STR_CONTAINS(out, "\"Error\":\"malformed JSON at byte 0: expected a JSON object\"");
	free(out);
	out = call(ext, jn_extender_filter, "{\"Pod\":" POD "}", &status);
	CHECK_STR_CONTAINS(out, "\"Error\":\"request has neither NodeNames nor Nodes\"");
	free(out);
	jn_extender_destroy(ext);
}

/* The scanner that reads names in place: escapes, case, duplicates and garbage. */
static void filter_scanner_edges(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	int status;
	char *out = call(ext, jn_extender_filter, " {\"nodenames\" : [\"n-\\u006Fk\", \"n-marked\","
		"\"caf\\u00e9\\n\"] , \"POD\":" POD ", \"extra\":{\"deep\":[1,2.5e3,true,null]}} ", &status);
	CHECK_STR_EQ(out, "{\"Nodes\":null,\"NodeNames\":[\"n-ok\",\"caf\xc3\xa9\\n\"],"
		"\"FailedNodes\":{},\"FailedAndUnresolvableNodes\":{\"n-marked\":"
		"\"consolidation is deleting it\"},\"Error\":\"\"}");
	free(out);
	static const struct { const char *body, *error; } bad[] = {
		{ "{\"Pod\":{},\"pod\":{},\"NodeNames\":[]}", "duplicate member 'Pod'" },
		{ "{\"Pod\":{},\"NodeNames\":[]} x", "malformed JSON at byte 26: text after the object" },
		{ "{\"Pod\":{},\"NodeNames\":[\"a\\x\"]}", "malformed JSON at byte 25: bad escape" },
		{ "{\"Pod\":{},\"NodeNames\":[01]}", "malformed JSON at byte 24: expected ',' or ']'" },
		{ "{\"Pod\":{},\"NodeNames\":\"a\"}", "NodeNames: expected an array" },
		{ "{\"Pod\":[],\"NodeNames\":[]}", "Pod: expected an object" },
		{ "", "malformed JSON at byte 0: empty body" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(bad); i++) {
		out = call(ext, jn_extender_filter, bad[i].body, &status);
		json_t *doc = json_loads(out, 0, NULL);
		CHECK_STR_EQ(json_string_value(json_object_get(doc, "Error")), bad[i].error);
		json_decref(doc);
		free(out);
	}
	char deep[300] = "{\"Pod\":{},\"x\":";
	for (int i = 0; i < 70; i++)
		strcat(deep, "[");
	out = call(ext, jn_extender_filter, deep, &status);
	CHECK_STR_CONTAINS(out, "nested too deep");
	free(out);
	jn_extender_destroy(ext);
}

static void prioritize_scores_most_allocated(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	int status;
	/* n-ok after the pod: cpu 2000/4000 = 0.5, memory 4/8 = 0.5 -> 5.
	 * n-full: cpu 4900 > 4000 -> does not fit -> 0. n-marked: removing -> 0. unknown -> 0. */
	char *out = call(ext, jn_extender_prioritize, "{\"Pod\":" POD ",\"Nodes\":null,"
		"\"NodeNames\":[\"n-ok\",\"n-full\",\"n-marked\",\"n-unknown\"]}", &status);
	CHECK_INT_EQ(status, 200);
	CHECK_STR_EQ(out, "[{\"Host\":\"n-ok\",\"Score\":5},{\"Host\":\"n-full\",\"Score\":0},"
		"{\"Host\":\"n-marked\",\"Score\":0},{\"Host\":\"n-unknown\",\"Score\":0}]");
	free(out);
	/* Full Node objects: allocatable comes from the object (16 cpu, 16Gi) over the backend's
	 * requested 1000m / 2Gi: cpu 2000/16000 = 0.125, memory 4/16 = 0.25 -> 1.875 -> 1. */
	out = call(ext, jn_extender_prioritize, "{\"Pod\":" POD ",\"Nodes\":{\"items\":[{\"metadata\":"
		"{\"name\":\"n-ok\"},\"status\":{\"allocatable\":{\"cpu\":\"16\",\"memory\":\"16Gi\"}}}]}}",
		&status);
	CHECK_STR_EQ(out, "[{\"Host\":\"n-ok\",\"Score\":1}]");
	free(out);
	out = call(ext, jn_extender_prioritize, "{\"Pod\":{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"resources\":"
		"{\"requests\":{\"cpu\":\"12x\"}}}]}},\"NodeNames\":[]}", &status);
	CHECK_INT_EQ(status, 400);
	CHECK_STR_CONTAINS(out, "Pod.spec.containers[0].resources.requests.cpu");
	free(out);
	jn_extender_destroy(ext);
}

static void bind_calls_backend_and_reports_conflicts(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	int status;
	fake.binds = 0;
	fake.next_bind_error = JN_ERR_NONE;
	char *out = call(ext, jn_extender_bind, "{\"PodName\":\"web-1\",\"PodNamespace\":\"shop\","
		"\"PodUID\":\"u-1\",\"Node\":\"n-ok\"}", &status);
	CHECK_INT_EQ(status, 200);
	CHECK_STR_EQ(out, "{\"Error\":\"\"}");
	CHECK_STR_EQ(fake.last_bind, "shop/web-1 uid=u-1 node=n-ok");
	free(out);
	fake.next_bind_error = JN_ERR_CONFLICT;
	out = call(ext, jn_extender_bind, "{\"PodName\":\"web-1\",\"PodNamespace\":\"shop\","
		"\"PodUID\":\"u-1\",\"Node\":\"n-ok\"}", &status);
	CHECK_STR_EQ(out, "{\"Error\":\"binding pod 'shop/web-1' to node 'n-ok': conflict: "
		"Operation cannot be fulfilled on pods/binding \\\"web-1\\\": pod web-1 is already "
		"assigned to node \\\"other\\\"\"}");
	free(out);
	fake.next_bind_error = JN_ERR_NONE;
	out = call(ext, jn_extender_bind, "{\"PodName\":\"web-1\",\"PodNamespace\":\"shop\","
		"\"Node\":\"n-ok\"}", &status);
	CHECK_STR_EQ(out, "{\"Error\":\"PodUID: is required\"}");
	free(out);
	CHECK_INT_EQ(fake.binds, 2);
	CHECK_INT_EQ(jn_extender_bind_count(ext, "success"), 1);
	CHECK_INT_EQ(jn_extender_bind_count(ext, "conflict"), 1);
	CHECK_INT_EQ(jn_extender_bind_count(ext, "invalid"), 1);
	jn_extender_destroy(ext);
}

static void preempt_drops_nodes_being_removed(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	int status;
	char *out = call(ext, jn_extender_preempt, "{\"Pod\":" POD ",\"NodeNameToVictims\":null,"
		"\"NodeNameToMetaVictims\":{\"n-ok\":{\"Pods\":[{\"UID\":\"v1\"}],\"NumPDBViolations\":1},"
		"\"n-marked\":{\"Pods\":[{\"UID\":\"v2\"}],\"NumPDBViolations\":0}}}", &status);
	CHECK_INT_EQ(status, 200);
	CHECK_STR_EQ(out, "{\"NodeNameToMetaVictims\":{\"n-ok\":{\"Pods\":[{\"UID\":\"v1\"}],"
		"\"NumPDBViolations\":1}}}");
	free(out);
	/* Full victims come back in the Meta form, always. */
	out = call(ext, jn_extender_preempt, "{\"Pod\":" POD ",\"NodeNameToMetaVictims\":null,"
		"\"NodeNameToVictims\":{\"n-ok\":{\"Pods\":[{\"metadata\":{\"uid\":\"v9\"}}],"
		"\"NumPDBViolations\":0}}}", &status);
	CHECK_STR_EQ(out, "{\"NodeNameToMetaVictims\":{\"n-ok\":{\"Pods\":[{\"UID\":\"v9\"}],"
		"\"NumPDBViolations\":0}}}");
	free(out);
	out = call(ext, jn_extender_preempt, "not json", &status);
	CHECK_INT_EQ(status, 400);
	free(out);
	jn_extender_destroy(ext);
}

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	jn_buf_append(ctx, data, size * n, NULL);
	return size * n;
}

static long post(uint16_t port, const char *path, const char *body, struct jn_buf *out)
{
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, path);
	CURL *curl = curl_easy_init();
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	long code = 0;
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(curl);
	return code;
}

static void serves_verbs_over_http_with_a_body_cap(void)
{
	struct jn_extender *ext = jn_extender_create(&fake.base, NULL);
	struct jn_http_route routes[8];
	size_t n = jn_extender_routes(ext, routes, JN_ARRAY_LEN(routes));
	CHECK_INT_EQ(n, 4);
	struct jn_http_server_options opts = { .address = "127.0.0.1", .max_body = 4096 };
	struct jn_error err;
	struct jn_http_server *srv = jn_http_server_start(&opts, routes, n, &err);
	if (!CHECK(srv != NULL)) {
		jn_tap_diag("%s", err.msg);
		jn_extender_destroy(ext);
		return;
	}
	uint16_t port = jn_http_server_port(srv);
	struct jn_buf out;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	fake.next_bind_error = JN_ERR_NONE;
	CHECK_INT_EQ(post(port, "/bind", "{\"PodName\":\"a\",\"PodNamespace\":\"b\",\"PodUID\":\"c\","
		"\"Node\":\"n-ok\"}", &out), 200);
	CHECK_STR_EQ(jn_buf_cstr(&out), "{\"Error\":\"\"}");
	jn_buf_reset(&out);
	CHECK_INT_EQ(post(port, "/nope", "{}", &out), 404);
	jn_buf_reset(&out);
	char *big = jn_xmalloc(10000);
	memset(big, ' ', 9999);
	big[9999] = '\0';
	CHECK_INT_EQ(post(port, "/filter", big, &out), 413);
	CHECK_STR_EQ(jn_buf_cstr(&out), "request body larger than 4096 bytes\n");
	free(big);
	jn_buf_release(&out);
	jn_http_server_stop(srv);
	jn_extender_destroy(ext);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	JN_RUN(filter_by_names_rejects_nodes_being_removed);
	JN_RUN(filter_full_nodes_reads_taints_and_deletion);
	JN_RUN(filter_malformed_answers_error_in_body);
	JN_RUN(filter_scanner_edges);
	JN_RUN(prioritize_scores_most_allocated);
	JN_RUN(bind_calls_backend_and_reports_conflicts);
	JN_RUN(preempt_drops_nodes_being_removed);
	JN_RUN(serves_verbs_over_http_with_a_body_cap);
	curl_global_cleanup();
	return jn_tap_done();
}
