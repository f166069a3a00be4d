#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "tap.h"

static const struct jn_json_path root = JN_JSON_ROOT;

static int taint(const char *doc, struct jn_taint *t, struct jn_error *err)
{
	json_t *v = json_loads(doc, 0, NULL);
	struct jn_json_path at = JN_JSON_KEY(&root, "taints");
	struct jn_json_path i = JN_JSON_IDX(&at, 1);
	int rc = jn_taint_from_json(v, &i, t, err);
	json_decref(v);
	return rc;
}

static int toleration(const char *doc, struct jn_toleration *t, struct jn_error *err)
{
	json_t *v = json_loads(doc, 0, NULL);
	struct jn_json_path at = JN_JSON_KEY(&root, "tolerations");
	struct jn_json_path i = JN_JSON_IDX(&at, 0);
	int rc = jn_toleration_from_json(v, &i, t, err);
	json_decref(v);
	return rc;
}

static void effects(void)
{
	enum jn_taint_effect e;
	CHECK_INT_EQ(jn_taint_effect_parse("NoSchedule", &e), 0);
	CHECK_INT_EQ(e, JN_TAINT_NO_SCHEDULE);
	CHECK_INT_EQ(jn_taint_effect_parse("PreferNoSchedule", &e), 0);
	CHECK_INT_EQ(e, JN_TAINT_PREFER_NO_SCHEDULE);
	CHECK_INT_EQ(jn_taint_effect_parse("NoExecute", &e), 0);
	CHECK_INT_EQ(e, JN_TAINT_NO_EXECUTE);
	CHECK_INT_EQ(jn_taint_effect_parse("", &e), 0);
	CHECK_INT_EQ(e, JN_TAINT_EFFECT_ALL);
	CHECK_INT_EQ(jn_taint_effect_parse("noschedule", &e), -1);
	CHECK_STR_EQ(jn_taint_effect_name(JN_TAINT_NO_EXECUTE), "NoExecute");
	CHECK_STR_EQ(jn_taint_effect_name((enum jn_taint_effect)9), "unknown");
}

static void taints(void)
{
	struct jn_taint t = { 0 }, copy;
	struct jn_error err;
	CHECK_INT_EQ(taint("{\"key\":\"karpenter.sh/disrupted\",\"effect\":\"NoSchedule\","
		"\"timeAdded\":\"2024-01-01T00:00:00Z\"}", &t, &err), 0);
	CHECK_STR_EQ(t.key, "karpenter.sh/disrupted");
	CHECK_STR_EQ(t.value, "");
	CHECK_INT_EQ(t.effect, JN_TAINT_NO_SCHEDULE);
	jn_taint_copy(&copy, &t);
	jn_taint_release(&t);
	CHECK_STR_EQ(copy.key, "karpenter.sh/disrupted");
	jn_taint_release(&copy);

	CHECK_INT_EQ(taint("{\"key\":\"k\",\"value\":\"v\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "taints[1].effect: is required");
	CHECK_INT_EQ(taint("{\"key\":\"k\",\"effect\":\"Sometimes\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "taints[1].effect: unknown taint effect \"Sometimes\" (want "
		"NoSchedule, PreferNoSchedule or NoExecute)");
	CHECK_INT_EQ(taint("{\"key\":\"k\",\"effect\":\"\"}", &t, &err), -1);
	CHECK_INT_EQ(taint("{\"effect\":\"NoSchedule\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "taints[1].key: is required");
	CHECK_INT_EQ(taint("{\"key\":\"\",\"effect\":\"NoSchedule\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "taints[1].key: must not be empty");
	CHECK_INT_EQ(taint("{\"key\":\"k\",\"value\":3,\"effect\":\"NoSchedule\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "taints[1].value: expected a string, got an integer");
	CHECK_INT_EQ(taint("\"k=v:NoSchedule\"", &t, &err), -1);
	jn_taint_release(&t);
}

static void tolerations(void)
{
	struct jn_toleration t = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(toleration("{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
		"\"effect\":\"NoExecute\",\"tolerationSeconds\":300}", &t, &err), 0);
	CHECK_STR_EQ(t.key, "node.kubernetes.io/not-ready");
	CHECK_INT_EQ(t.op, JN_TOLERATION_EXISTS);
	CHECK_INT_EQ(t.effect, JN_TAINT_NO_EXECUTE);
	CHECK(t.has_seconds);
	CHECK_INT_EQ(t.toleration_seconds, 300);
	jn_toleration_release(&t);

	CHECK_INT_EQ(toleration("{\"key\":\"dedicated\",\"value\":\"gpu\"}", &t, &err), 0);
	CHECK_INT_EQ(t.op, JN_TOLERATION_EQUAL);
	CHECK_STR_EQ(t.value, "gpu");
	CHECK_INT_EQ(t.effect, JN_TAINT_EFFECT_ALL);
	CHECK(!t.has_seconds);
	struct jn_toleration copy;
	jn_toleration_copy(&copy, &t);
	jn_toleration_release(&t);
	CHECK_STR_EQ(copy.value, "gpu");
	jn_toleration_release(&copy);

	CHECK_INT_EQ(toleration("{\"operator\":\"Exists\"}", &t, &err), 0);   /* tolerates all */
	CHECK_STR_EQ(t.key, "");
	jn_toleration_release(&t);

	CHECK_INT_EQ(toleration("{\"key\":\"a\",\"operator\":\"In\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "tolerations[0].operator: unknown toleration operator \"In\" (want "
		"Equal or Exists)");
	CHECK_INT_EQ(toleration("{\"value\":\"x\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "tolerations[0].operator: must be Exists when key is empty");
	CHECK_INT_EQ(toleration("{\"key\":\"a\",\"operator\":\"Exists\",\"value\":\"x\"}", &t,
		&err), -1);
	CHECK_STR_EQ(err.msg, "tolerations[0].value: must be empty when operator is Exists, "
		"got \"x\"");
	CHECK_INT_EQ(toleration("{\"key\":\"a\",\"tolerationSeconds\":\"300\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "tolerations[0].tolerationSeconds: expected an integer, got a string");
	CHECK_INT_EQ(toleration("{\"key\":\"a\",\"effect\":\"Never\"}", &t, &err), -1);
	CHECK_STR_EQ(err.msg, "tolerations[0].effect: unknown taint effect \"Never\" (want "
		"NoSchedule, PreferNoSchedule or NoExecute)");
	jn_toleration_release(&t);
}

int main(void)
{
	JN_RUN(effects);
	JN_RUN(taints);
	JN_RUN(tolerations);
	return jn_tap_done();
}
