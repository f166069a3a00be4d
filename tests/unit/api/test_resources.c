#include <stdint.h>

#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "tap.h"

static int decode(const char *doc, struct jn_resources *r, struct jn_error *err)
{
	json_t *v = json_loads(doc, 0, NULL);
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_json_path req = JN_JSON_KEY(&root, "requests");
	int rc = jn_resources_from_json(v, &req, r, err);
	json_decref(v);
	return rc;
}

static void decodes_in_scheduler_units(void)
{
	struct jn_resources r = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(decode("{\"cpu\":\"1500m\",\"memory\":\"1.5Gi\",\"ephemeral-storage\":\"10G\","
		"\"pods\":\"110\",\"nvidia.com/gpu\":\"2\",\"hugepages-2Mi\":\"512Mi\","
		"\"example.com/dongle\":\"500m\"}", &r, &err), 0);
	CHECK_INT_EQ(r.cpu_milli, 1500);
	CHECK_INT_EQ(r.memory, 1610612736);
	CHECK_INT_EQ(r.ephemeral_storage, 10000000000);
	CHECK_INT_EQ(r.pods, 110);
	CHECK_INT_EQ(r.n_ext, 3);
	/* sorted by name; extended resources are Value()s, rounded up */
	CHECK_STR_EQ(r.ext[0].name, "example.com/dongle");
	CHECK_INT_EQ(r.ext[0].value, 1);
	CHECK_STR_EQ(r.ext[1].name, "hugepages-2Mi");
	CHECK_INT_EQ(r.ext[1].value, 536870912);
	CHECK_STR_EQ(r.ext[2].name, "nvidia.com/gpu");
	CHECK_INT_EQ(jn_resources_get(&r, "nvidia.com/gpu"), 2);
	CHECK_INT_EQ(jn_resources_get(&r, "cpu"), 1500);
	CHECK_INT_EQ(jn_resources_get(&r, "absent.io/x"), 0);
	/* decoding adds to what is there */
	CHECK_INT_EQ(decode("{\"cpu\":\"0.5\",\"nvidia.com/gpu\":1}", &r, &err), 0);
	CHECK_INT_EQ(r.cpu_milli, 2000);
	CHECK_INT_EQ(jn_resources_get(&r, "nvidia.com/gpu"), 3);
	jn_resources_release(&r);
	CHECK_INT_EQ(r.n_ext, 0);
	CHECK(r.ext == NULL);
	jn_resources_release(&r);   /* twice is fine: released means zeroed */
}

static void errors_name_the_member(void)
{
	struct jn_resources r = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(decode("{\"cpu\":\"12x\"}", &r, &err), -1);
	CHECK_STR_EQ(err.msg, "requests.cpu: invalid quantity \"12x\": unknown suffix \"x\"");
	CHECK_INT_EQ(decode("{\"memory\":[1]}", &r, &err), -1);
	CHECK_STR_EQ(err.msg, "requests.memory: expected a quantity (a string or a number), "
		"got an array");
	CHECK_INT_EQ(decode("[]", &r, &err), -1);
	CHECK_STR_EQ(err.msg, "requests: expected an object, got an array");
	jn_resources_release(&r);
}

static void arithmetic(void)
{
	struct jn_resources a = { .cpu_milli = 1000, .memory = 100, .pods = 1 };
	struct jn_resources b = { .cpu_milli = 500, .memory = 300, .ephemeral_storage = 7 };
	jn_resources_set(&a, "nvidia.com/gpu", 1);
	jn_resources_set(&b, "aws.amazon.com/neuron", 4);
	jn_resources_set(&b, "nvidia.com/gpu", 2);

	struct jn_resources sum;
	jn_resources_copy(&sum, &a);
	jn_resources_add(&sum, &b);
	CHECK_INT_EQ(sum.cpu_milli, 1500);
	CHECK_INT_EQ(sum.memory, 400);
	CHECK_INT_EQ(sum.ephemeral_storage, 7);
	CHECK_INT_EQ(sum.pods, 1);
	CHECK_INT_EQ(sum.n_ext, 2);
	CHECK_STR_EQ(sum.ext[0].name, "aws.amazon.com/neuron");
	CHECK_INT_EQ(jn_resources_get(&sum, "nvidia.com/gpu"), 3);
	CHECK_INT_EQ(jn_resources_get(&a, "nvidia.com/gpu"), 1);   /* the copy is deep */

	struct jn_resources mx;
	jn_resources_copy(&mx, &a);
	jn_resources_max(&mx, &b);
	CHECK_INT_EQ(mx.cpu_milli, 1000);
	CHECK_INT_EQ(mx.memory, 300);
	CHECK_INT_EQ(jn_resources_get(&mx, "nvidia.com/gpu"), 2);
	CHECK_INT_EQ(jn_resources_get(&mx, "aws.amazon.com/neuron"), 4);

	CHECK(jn_resources_fit(&a, &sum));
	CHECK(!jn_resources_fit(&sum, &a));
	CHECK(!jn_resources_fit(&b, &a));    /* the neuron is absent from a */
	struct jn_resources none = { 0 };
	CHECK(jn_resources_fit(&none, &a));
	CHECK(jn_resources_is_zero(&none));
	CHECK(!jn_resources_is_zero(&a));

	jn_resources_sub(&sum, &b);
	CHECK_INT_EQ(sum.cpu_milli, 1000);
	CHECK_INT_EQ(sum.memory, 100);
	CHECK_INT_EQ(jn_resources_get(&sum, "aws.amazon.com/neuron"), 0);
	CHECK_INT_EQ(jn_resources_get(&sum, "nvidia.com/gpu"), 1);

	/* sums saturate instead of wrapping */
	struct jn_resources big = { .memory = INT64_MAX - 1 };
	struct jn_resources two = { .memory = 2 };
	jn_resources_add(&big, &two);
	CHECK_INT_EQ(big.memory, INT64_MAX);

	jn_resources_release(&a);
	jn_resources_release(&b);
	jn_resources_release(&sum);
	jn_resources_release(&mx);
}

int main(void)
{
	JN_RUN(decodes_in_scheduler_units);
	JN_RUN(errors_name_the_member);
	JN_RUN(arithmetic);
	return jn_tap_done();
}
