#include "sched_test.h"

#define T(k, v, e) { .key = (char *)(k), .value = (char *)(v), .effect = (e) }
#define TOL(k, o, v, e) { .key = (char *)(k), .op = (o), .value = (char *)(v), .effect = (e) }

/* k8s.io/api/core/v1 Toleration.ToleratesTaint, case by case. */
static void tolerates_like_kube(void)
{
	static const struct {
		struct jn_toleration tol;
		struct jn_taint taint;
		bool want;
	} cases[] = {
		{ TOL("foo", JN_TOLERATION_EXISTS, "", JN_TAINT_EFFECT_ALL),
			T("foo", "bar", JN_TAINT_NO_SCHEDULE), true },
		{ TOL("foo", JN_TOLERATION_EQUAL, "bar", JN_TAINT_NO_SCHEDULE),
			T("foo", "bar", JN_TAINT_NO_SCHEDULE), true },
		{ TOL("foo", JN_TOLERATION_EQUAL, "bar", JN_TAINT_NO_SCHEDULE),
			T("foo", "baz", JN_TAINT_NO_SCHEDULE), false },
		{ TOL("foo", JN_TOLERATION_EQUAL, "bar", JN_TAINT_NO_EXECUTE),
			T("foo", "bar", JN_TAINT_NO_SCHEDULE), false },
		{ TOL("foo", JN_TOLERATION_EQUAL, "bar", JN_TAINT_EFFECT_ALL),
			T("foo", "bar", JN_TAINT_PREFER_NO_SCHEDULE), true },
		{ TOL("foo", JN_TOLERATION_EXISTS, "", JN_TAINT_NO_SCHEDULE),
			T("other", "bar", JN_TAINT_NO_SCHEDULE), false },
		/* an empty key with Exists tolerates every taint of its effect (or all) */
		{ TOL("", JN_TOLERATION_EXISTS, "", JN_TAINT_EFFECT_ALL),
			T("anything", "x", JN_TAINT_NO_EXECUTE), true },
		{ TOL("", JN_TOLERATION_EXISTS, "", JN_TAINT_NO_SCHEDULE),
			T("anything", "x", JN_TAINT_NO_EXECUTE), false },
		/* Equal with an empty value matches an empty taint value only */
		{ TOL("foo", JN_TOLERATION_EQUAL, "", JN_TAINT_NO_SCHEDULE),
			T("foo", "", JN_TAINT_NO_SCHEDULE), true },
		{ TOL("foo", JN_TOLERATION_EQUAL, "bar", JN_TAINT_NO_SCHEDULE),
			T("foo", "", JN_TAINT_NO_SCHEDULE), false },
		{ TOL("foo", JN_TOLERATION_EQUAL, NULL, JN_TAINT_NO_SCHEDULE),
			T("foo", NULL, JN_TAINT_NO_SCHEDULE), true },
		/* the apiserver rejects an empty key with Equal; the rule as written still applies */
		{ TOL("", JN_TOLERATION_EQUAL, "bar", JN_TAINT_EFFECT_ALL),
			T("foo", "bar", JN_TAINT_NO_SCHEDULE), true },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		char ctx[32];
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		CASE_INT_EQ(ctx, jn_toleration_tolerates(&cases[i].tol, &cases[i].taint), cases[i].want);
	}
}

static void finds_the_first_untolerated_taint(void)
{
	struct jn_taint taints[] = {
		T("spot", "true", JN_TAINT_PREFER_NO_SCHEDULE),
		T("dedicated", "", JN_TAINT_NO_SCHEDULE),
		T("gpu", "a100", JN_TAINT_NO_EXECUTE),
	};
	struct jn_toleration tols[] = {
		TOL("dedicated", JN_TOLERATION_EXISTS, "", JN_TAINT_EFFECT_ALL),
	};
	struct jn_pod pod;
	char why[128] = "untouched";
	test_pod(&pod, "default", "", "");
	pod.tolerations = tols;
	pod.n_tolerations = 1;

	CHECK(jn_taints_first_untolerated(taints, 3, tols, 1, JN_TAINTS_BLOCKING) == &taints[2]);
	CHECK(jn_taints_first_untolerated(taints, 3, tols, 1, JN_TAINTS_WITH_PREFERRED) == &taints[0]);
	CHECK(jn_taints_first_untolerated(taints, 2, tols, 1, JN_TAINTS_BLOCKING) == NULL);
	CHECK(jn_taints_first_untolerated(taints, 0, NULL, 0, JN_TAINTS_WITH_PREFERRED) == NULL);

	CHECK(!jn_pod_tolerates(&pod, taints, 3, JN_TAINTS_BLOCKING, why, sizeof(why)));
	CHECK_STR_EQ(why, "did not tolerate taint gpu=a100:NoExecute");
	CHECK(!jn_pod_tolerates(&pod, taints, 3, JN_TAINTS_WITH_PREFERRED, why, sizeof(why)));
	CHECK_STR_EQ(why, "did not tolerate taint spot=true:PreferNoSchedule");
	/* PreferNoSchedule never blocks in kube-scheduler's reading */
	strcpy(why, "untouched");
	CHECK(jn_pod_tolerates(&pod, taints, 2, JN_TAINTS_BLOCKING, why, sizeof(why)));
	CHECK_STR_EQ(why, "untouched");
	CHECK(!jn_pod_tolerates(&pod, &taints[1], 2, JN_TAINTS_BLOCKING, NULL, 0));

	struct jn_toleration all = TOL("", JN_TOLERATION_EXISTS, "", JN_TAINT_EFFECT_ALL);
	pod.tolerations = &all;
	CHECK(jn_pod_tolerates(&pod, taints, 3, JN_TAINTS_WITH_PREFERRED, NULL, 0));
	test_pod_release(&pod);
}

static void formats_taints(void)
{
	struct jn_taint a = T("dedicated", "gpu", JN_TAINT_NO_SCHEDULE);
	struct jn_taint b = T("node.kubernetes.io/unschedulable", "", JN_TAINT_NO_SCHEDULE);
	char buf[64], small[8];
	CHECK_INT_EQ(jn_taint_format(&a, buf, sizeof(buf)), strlen("dedicated=gpu:NoSchedule"));
	CHECK_STR_EQ(buf, "dedicated=gpu:NoSchedule");
	jn_taint_format(&b, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "node.kubernetes.io/unschedulable:NoSchedule");
	CHECK_INT_EQ(jn_taint_format(&a, small, sizeof(small)), 24);
	CHECK_STR_EQ(small, "dedicat");
	/* a reason longer than the caller's buffer is cut, never overflowed */
	struct jn_pod pod;
	test_pod(&pod, "default", "", "");
	CHECK(!jn_pod_tolerates(&pod, &a, 1, JN_TAINTS_BLOCKING, small, sizeof(small)));
	CHECK_STR_EQ(small, "did not");
	test_pod_release(&pod);
}

int main(void)
{
	JN_RUN(tolerates_like_kube);
	JN_RUN(finds_the_first_untolerated_taint);
	JN_RUN(formats_taints);
	return jn_tap_done();
}
