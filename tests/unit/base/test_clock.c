#include "fake_clock.h"
#include "jitnode/clock.h"
#include "tap.h"

static void parses_rfc3339(void)
{
	int64_t ns = 0;
	CHECK_INT_EQ(jn_time_parse_rfc3339("2026-11-23T11:40:00Z", &ns), 0);
	CHECK_INT_EQ(ns, INT64_C(1795434000) * JN_NS_PER_SEC);
	CHECK_INT_EQ(jn_time_parse_rfc3339("2026-11-23T12:40:00.5+01:00", &ns), 0);
	CHECK_INT_EQ(ns, INT64_C(1795434000) * JN_NS_PER_SEC + 500 * JN_NS_PER_MS);
	CHECK_INT_EQ(jn_time_parse_rfc3339("2026-11-23", &ns), -1);
	CHECK_INT_EQ(jn_time_parse_rfc3339("2026-11-23T11:40:00", &ns), -1);
	CHECK_INT_EQ(jn_time_parse_rfc3339("2026-13-23T11:40:00Z", &ns), -1);
	CHECK_INT_EQ(jn_time_parse_rfc3339("2026-11-23T11:40:00Zjunk", &ns), -1);
	char out[40];
	CHECK_STR_EQ(jn_time_format_rfc3339(INT64_C(1795434000) * JN_NS_PER_SEC + 7 * JN_NS_PER_MS,
		out, sizeof(out)), "2026-11-23T11:40:00.007Z");
}

static void fake_clock_moves_only_when_told(void)
{
	struct jn_fake_clock fake;
	jn_fake_clock_init(&fake, 1000);
	const struct jn_clock *c = &fake.base;
	CHECK_INT_EQ(jn_clock_mono_ns(c), 0);
	jn_clock_sleep_until(c, 5 * JN_NS_PER_SEC);
	CHECK_INT_EQ(jn_clock_mono_ns(c), 5 * JN_NS_PER_SEC);
	CHECK_INT_EQ(jn_clock_wall_ns(c), 1000 + 5 * JN_NS_PER_SEC);
	jn_clock_sleep_until(c, 1);
	CHECK_INT_EQ(jn_clock_mono_ns(c), 5 * JN_NS_PER_SEC);
	const struct jn_clock *real = jn_clock_real();
	int64_t a = jn_clock_mono_ns(real), b = jn_clock_mono_ns(real);
	CHECK(b >= a);
}

int main(void)
{
	JN_RUN(parses_rfc3339);
	JN_RUN(fake_clock_moves_only_when_told);
	return jn_tap_done();
}
