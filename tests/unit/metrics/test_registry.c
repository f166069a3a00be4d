#include <stdio.h>
#include <stdlib.h>

#include "jitnode/metrics.h"
#include "tap.h"

static void counters_and_histograms_render(void)
{
	struct jn_metrics *m = jn_metrics_create();
	struct jn_counter *binds = jn_metrics_counter(m, "jitnode_binds_total",
		"Bindings performed.", "result");
	struct jn_counter *plain = jn_metrics_counter(m, "jitnode_up", "Always 1.", NULL);
	static const double bounds[] = { 0.01, 0.1 };
	struct jn_histogram *lat = jn_metrics_histogram(m, "jitnode_bind_seconds",
		"Bind latency.", NULL, bounds, 2);
	jn_counter_add(binds, "success", 3);
	jn_counter_add(binds, "conflict", 1);
	jn_counter_add(binds, "success", 2);
	jn_counter_add(plain, NULL, 1);
	jn_histogram_observe(lat, NULL, 0.005);
	jn_histogram_observe(lat, NULL, 0.05);
	jn_histogram_observe(lat, NULL, 1.5);
	CHECK_INT_EQ(jn_counter_get(binds, "success"), 5);
	CHECK_INT_EQ(jn_counter_get(binds, "conflict"), 1);
	CHECK_INT_EQ(jn_counter_get(binds, "missing"), 0);
	struct jn_buf out;
	jn_buf_init(&out, JN_BUF_UNLIMITED);
	jn_metrics_render(m, &out);
	CHECK_STR_EQ(jn_buf_cstr(&out),
		"# HELP jitnode_binds_total Bindings performed.\n"
		"# TYPE jitnode_binds_total counter\n"
		"jitnode_binds_total{result=\"success\"} 5\n"
		"jitnode_binds_total{result=\"conflict\"} 1\n"
		"# HELP jitnode_up Always 1.\n"
		"# TYPE jitnode_up counter\n"
		"jitnode_up 1\n"
		"# HELP jitnode_bind_seconds Bind latency.\n"
		"# TYPE jitnode_bind_seconds histogram\n"
		"jitnode_bind_seconds_bucket{le=\"0.01\"} 1\n"
		"jitnode_bind_seconds_bucket{le=\"0.1\"} 2\n"
		"jitnode_bind_seconds_bucket{le=\"+Inf\"} 3\n"
		"jitnode_bind_seconds_sum 1.555000\n"
		"jitnode_bind_seconds_count 3\n");
	jn_buf_release(&out);
	jn_metrics_destroy(m);
}

static void label_values_past_the_cap_fold_into_other(void)
{
	struct jn_metrics *m = jn_metrics_create();
	struct jn_counter *c = jn_metrics_counter(m, "x_total", "x", "k");
	char v[16];
	for (int i = 0; i < JN_METRICS_MAX_SERIES + 10; i++) {
		snprintf(v, sizeof(v), "v%d", i);
		jn_counter_add(c, v, 1);
	}
	CHECK_INT_EQ(jn_counter_get(c, "v0"), 1);
	CHECK_INT_EQ(jn_counter_get(c, "other"), 11);
	jn_metrics_destroy(m);
}

int main(void)
{
	JN_RUN(counters_and_histograms_render);
	JN_RUN(label_values_past_the_cap_fold_into_other);
	return jn_tap_done();
}
