/*
 * Effective pod requests, case by case against what kube-scheduler charges (component-helpers
 * PodRequests): sidecars, init containers larger than the sum, overhead, pod-level resources,
 * limit-only defaulting, exact summation, and the error paths.
 */
#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "tap.h"

static int requests(const char *spec_json, struct jn_resources *out, struct jn_error *err)
{
	json_error_t jerr;
	json_t *spec = json_loads(spec_json, 0, &jerr);
	if (!spec) {
		jn_tap_diag("bad test json: %s", jerr.text);
		return -2;
	}
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_json_path sp = JN_JSON_KEY(&root, "spec");
	int rc = jn_pod_effective_requests(spec, &sp, out, err);
	json_decref(spec);
	return rc;
}

static void sums_regular_containers(void)
{
	struct jn_resources r;
	CHECK_INT_EQ(requests("{\"containers\":["
		"{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}},"
		"{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"256Mi\","
		"\"ephemeral-storage\":\"1Gi\"}}},"
		"{\"name\":\"c\"}]}", &r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 350);
	CHECK_INT_EQ(r.memory, 402653184);
	CHECK_INT_EQ(r.ephemeral_storage, 1073741824);
	CHECK_INT_EQ(r.pods, 1);
	CHECK_INT_EQ(r.n_ext, 0);
	jn_resources_release(&r);
}

static void init_container_larger_than_the_sum(void)
{
	struct jn_resources r;
	/* Per resource: cpu comes from the init container, memory from the containers. */
	CHECK_INT_EQ(requests("{\"containers\":["
		"{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"300m\",\"memory\":\"512Mi\"}}},"
		"{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"200m\",\"memory\":\"512Mi\"}}}],"
		"\"initContainers\":["
		"{\"name\":\"migrate\",\"resources\":{\"requests\":{\"cpu\":\"2\",\"memory\":\"256Mi\"}}},"
		"{\"name\":\"warm\",\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"768Mi\"}}}]}",
		&r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 2000);
	CHECK_INT_EQ(r.memory, 1073741824);
	jn_resources_release(&r);
}

static void sidecars_add_to_everything_after_them(void)
{
	struct jn_resources r;
	/*
	 * init order: sidecar A (200m, 100Mi), init B (1, 50Mi), sidecar C (300m, 200Mi),
	 * init D (100m, 1Gi); container (400m, 300Mi).
	 *   running:  400m + A + C = 900m; 300Mi + 100Mi + 200Mi = 600Mi
	 *   B starts: 1000m + A = 1200m;   50Mi + 100Mi = 150Mi
	 *   D starts: 100m + A + C = 600m; 1024Mi + 300Mi = 1324Mi
	 *   => cpu 1200m, memory 1324Mi
	 */
	CHECK_INT_EQ(requests("{\"initContainers\":["
		"{\"name\":\"A\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":"
		"{\"cpu\":\"200m\",\"memory\":\"100Mi\"}}},"
		"{\"name\":\"B\",\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"50Mi\"}}},"
		"{\"name\":\"C\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":"
		"{\"cpu\":\"300m\",\"memory\":\"200Mi\"}}},"
		"{\"name\":\"D\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"1Gi\"}}}],"
		"\"containers\":[{\"name\":\"main\",\"resources\":{\"requests\":"
		"{\"cpu\":\"400m\",\"memory\":\"300Mi\"}}}]}", &r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 1200);
	CHECK_INT_EQ(r.memory, 1388314624);
	jn_resources_release(&r);

	/* Sidecars only: they run for the pod's whole life, so they are summed. */
	CHECK_INT_EQ(requests("{\"initContainers\":["
		"{\"name\":\"proxy\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":"
		"{\"cpu\":\"500m\"}}},"
		"{\"name\":\"log\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":"
		"{\"cpu\":\"250m\"}}}],"
		"\"containers\":[{\"name\":\"main\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}",
		&r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 1750);
	jn_resources_release(&r);

	/* restartPolicy other than Always is an ordinary init container. */
	CHECK_INT_EQ(requests("{\"initContainers\":["
		"{\"name\":\"x\",\"restartPolicy\":\"Never\",\"resources\":{\"requests\":"
		"{\"cpu\":\"500m\"}}}],"
		"\"containers\":[{\"name\":\"main\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}",
		&r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 1000);
	jn_resources_release(&r);
}

static void overhead_is_added(void)
{
	struct jn_resources r;
	CHECK_INT_EQ(requests("{\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":"
		"{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}],"
		"\"initContainers\":[{\"name\":\"i\",\"resources\":{\"requests\":{\"cpu\":\"2\"}}}],"
		"\"runtimeClassName\":\"kata\","
		"\"overhead\":{\"cpu\":\"250m\",\"memory\":\"120Mi\"}}", &r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 2250);    /* max(1, 2) + 250m: overhead is outside the max */
	CHECK_INT_EQ(r.memory, 1199570944);
	CHECK_INT_EQ(r.pods, 1);
	jn_resources_release(&r);
}

static void limits_only_default_requests(void)
{
	struct jn_resources r;
	CHECK_INT_EQ(requests("{\"containers\":["
		"{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"2\",\"memory\":\"1Gi\"},"
		"\"requests\":{\"memory\":\"512Mi\"}}},"
		"{\"name\":\"gpu\",\"resources\":{\"limits\":{\"nvidia.com/gpu\":\"1\"}}}]}",
		&r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 2000);           /* defaulted from the limit */
	CHECK_INT_EQ(r.memory, 536870912);         /* the explicit request wins */
	CHECK_INT_EQ(jn_resources_get(&r, "nvidia.com/gpu"), 1);
	jn_resources_release(&r);

	/* An explicit zero request is not missing. */
	CHECK_INT_EQ(requests("{\"containers\":[{\"name\":\"a\",\"resources\":{"
		"\"limits\":{\"cpu\":\"2\"},\"requests\":{\"cpu\":\"0\"}}}]}", &r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 0);
	jn_resources_release(&r);
}

static void pod_level_resources_take_precedence(void)
{
	struct jn_resources r;
	CHECK_INT_EQ(requests("{\"resources\":{\"requests\":{\"cpu\":\"3\"},"
		"\"limits\":{\"memory\":\"4Gi\",\"nvidia.com/gpu\":\"8\"}},"
		"\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":"
		"{\"cpu\":\"1\",\"memory\":\"1Gi\",\"ephemeral-storage\":\"2Gi\"}}}],"
		"\"overhead\":{\"cpu\":\"100m\"}}", &r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 3100);           /* pod-level 3, then overhead */
	CHECK_INT_EQ(r.memory, 4294967296);        /* pod-level request defaulted from its limit */
	CHECK_INT_EQ(r.ephemeral_storage, 2147483648);   /* not a pod-level resource */
	CHECK_INT_EQ(jn_resources_get(&r, "nvidia.com/gpu"), 0);   /* nor is a GPU */
	jn_resources_release(&r);
}

static void sums_are_exact_before_rounding(void)
{
	struct jn_resources r;
	CHECK_INT_EQ(requests("{\"containers\":["
		"{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"0.5m\",\"memory\":\"0.5\","
		"\"example.com/dongle\":\"500m\"}}},"
		"{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"0.5m\",\"memory\":\"0.5\","
		"\"example.com/dongle\":\"500m\"}}}]}", &r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 1);
	CHECK_INT_EQ(r.memory, 1);
	CHECK_INT_EQ(jn_resources_get(&r, "example.com/dongle"), 1);
	jn_resources_release(&r);
}

static void empty_spec_is_one_pod(void)
{
	struct jn_resources r;
	CHECK_INT_EQ(requests("{}", &r, NULL), 0);
	CHECK_INT_EQ(r.cpu_milli, 0);
	CHECK_INT_EQ(r.memory, 0);
	CHECK_INT_EQ(r.pods, 1);
	jn_resources_release(&r);
	/* A container asking for "pods" does not change that a pod is one pod. */
	CHECK_INT_EQ(requests("{\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":"
		"{\"pods\":\"5\"}}}]}", &r, NULL), 0);
	CHECK_INT_EQ(r.pods, 1);
	jn_resources_release(&r);
}

static void errors_name_the_path(void)
{
	static const struct { const char *spec, *msg; } cases[] = {
		{ "{\"containers\":[{},{},{\"resources\":{\"requests\":{\"cpu\":\"12x\"}}}]}",
		  "spec.containers[2].resources.requests.cpu: invalid quantity \"12x\": unknown "
		  "suffix \"x\"" },
		{ "{\"initContainers\":[{\"resources\":{\"limits\":{\"memory\":\"1 Gi\"}}}]}",
		  "spec.initContainers[0].resources.limits.memory: invalid quantity \"1 Gi\": "
		  "unknown suffix \" Gi\"" },
		{ "{\"containers\":[{\"resources\":{\"requests\":{\"cpu\":true}}}]}",
		  "spec.containers[0].resources.requests.cpu: expected a quantity (a string or a "
		  "number), got a boolean" },
		{ "{\"containers\":[{\"resources\":{\"requests\":[\"cpu\"]}}]}",
		  "spec.containers[0].resources.requests: expected an object, got an array" },
		{ "{\"containers\":[{},\"sidecar\"]}",
		  "spec.containers[1]: expected an object, got a string" },
		{ "{\"containers\":{}}", "spec.containers: expected an array, got an object" },
		{ "{\"overhead\":[]}", "spec.overhead: expected an object, got an array" },
		{ "{\"resources\":{\"requests\":{\"cpu\":\"-\"}}}",
		  "spec.resources.requests.cpu: invalid quantity \"-\": expected a digit at offset 1, "
		  "got the end" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_resources r = { .cpu_milli = 7 };
		struct jn_error err = { 0 };
		int rc = requests(cases[i].spec, &r, &err);
		jn_tap_check(rc == -1 && err.kind == JN_ERR_INVALID &&
			strcmp(err.msg, cases[i].msg) == 0, __FILE__, __LINE__,
			"%s: rc %d \"%s\" (want \"%s\")", cases[i].spec, rc, err.msg, cases[i].msg);
		CHECK(r.cpu_milli == 0 && r.ext == NULL);
	}
}

int main(void)
{
	JN_RUN(sums_regular_containers);
	JN_RUN(init_container_larger_than_the_sum);
	JN_RUN(sidecars_add_to_everything_after_them);
	JN_RUN(overhead_is_added);
	JN_RUN(limits_only_default_requests);
	JN_RUN(pod_level_resources_take_precedence);
	JN_RUN(sums_are_exact_before_rounding);
	JN_RUN(empty_spec_is_one_pod);
	JN_RUN(errors_name_the_path);
	return jn_tap_done();
}
