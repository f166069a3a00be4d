/* The client-side token bucket on the fake clock, and the reconnect backoff. */
#include "jitnode/clock.h"
#include "../../../src/kube/kube_internal.h"
#include "fake_clock.h"
#include "tap.h"

static void burst_then_steady_rate(void)
{
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, 0);
	struct jn_kube_bucket b;
	jn_kube_bucket_init(&b, 10, 3, jn_clock_mono_ns(&clock.base));
	int64_t now = jn_clock_mono_ns(&clock.base);
	/* Three go at once (the burst)... */
	for (int i = 0; i < 3; i++)
		CHECK_INT_EQ(jn_kube_bucket_reserve(&b, now), now);
	/* ...the next ones queue 100 ms apart at 10 qps. */
	CHECK_INT_EQ(jn_kube_bucket_reserve(&b, now), now + 100 * JN_NS_PER_MS);
	CHECK_INT_EQ(jn_kube_bucket_reserve(&b, now), now + 200 * JN_NS_PER_MS);
	/* After a second the queue (2 owed) is paid and 8 tokens accrued, capped at the burst 3. */
	jn_fake_clock_advance(&clock, JN_NS_PER_SEC);
	now = jn_clock_mono_ns(&clock.base);
	for (int i = 0; i < 3; i++)
		CHECK_INT_EQ(jn_kube_bucket_reserve(&b, now), now);
	CHECK_INT_EQ(jn_kube_bucket_reserve(&b, now), now + 100 * JN_NS_PER_MS);
	/* 50 ms later half a token accrued against one owed: the next caller queues behind the
	 * one still waiting (50 ms more) and goes 100 ms after it. */
	jn_fake_clock_advance(&clock, 50 * JN_NS_PER_MS);
	now = jn_clock_mono_ns(&clock.base);
	CHECK_INT_EQ(jn_kube_bucket_reserve(&b, now), now + 150 * JN_NS_PER_MS);
	jn_kube_bucket_release(&b);
}

static void qps_zero_or_less_is_unlimited(void)
{
	struct jn_kube_bucket b;
	jn_kube_bucket_init(&b, -1, 1, 0);
	for (int i = 0; i < 1000; i++)
		CHECK_INT_EQ(jn_kube_bucket_reserve(&b, 5), 5);
	jn_kube_bucket_release(&b);
}

static void backoff_doubles_to_the_cap_with_jitter(void)
{
	/* random 0 picks the bottom of [d/2, d]; a random of d - d/2 the top. */
	CHECK_INT_EQ(jn_kube_backoff_ms(0, 200, 30000, 0), 100);
	CHECK_INT_EQ(jn_kube_backoff_ms(0, 200, 30000, 100), 200);
	CHECK_INT_EQ(jn_kube_backoff_ms(1, 200, 30000, 0), 200);
	CHECK_INT_EQ(jn_kube_backoff_ms(3, 200, 30000, 800), 1600);
	CHECK_INT_EQ(jn_kube_backoff_ms(10, 200, 30000, 0), 15000);
	CHECK_INT_EQ(jn_kube_backoff_ms(200, 200, 30000, 15000), 30000);
	for (uint64_t r = 0; r < 5000; r += 7) {
		int64_t d = jn_kube_backoff_ms(4, 200, 30000, r * 2654435761u);
		CHECK(d >= 1600 && d <= 3200);
	}
}

int main(void)
{
	JN_RUN(burst_then_steady_rate);
	JN_RUN(qps_zero_or_less_is_unlimited);
	JN_RUN(backoff_doubles_to_the_cap_with_jitter);
	return jn_tap_done();
}
