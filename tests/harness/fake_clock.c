#include <assert.h>

#include "fake_clock.h"

static const struct jn_clock_impl fake_impl;

static const struct jn_fake_clock *fake_from_clock(const struct jn_clock *clock)
{
	assert(clock->impl == &fake_impl);
	return (const struct jn_fake_clock *)clock;
}

static int64_t fake_mono(const struct jn_clock *clock)
{
	return fake_from_clock(clock)->mono_ns;
}

static int64_t fake_wall(const struct jn_clock *clock)
{
	return fake_from_clock(clock)->wall_ns;
}

static void fake_sleep_until(const struct jn_clock *clock, int64_t deadline_ns)
{
	/* The seam hands out a const clock; the fake owns its storage and may move it. */
	struct jn_fake_clock *fake = (struct jn_fake_clock *)fake_from_clock(clock);
	if (deadline_ns > fake->mono_ns)
		jn_fake_clock_advance(fake, deadline_ns - fake->mono_ns);
}

static const struct jn_clock_impl fake_impl = {
	.now_mono_ns = fake_mono,
	.now_wall_ns = fake_wall,
	.sleep_until = fake_sleep_until,
};

void jn_fake_clock_init(struct jn_fake_clock *clock, int64_t wall_ns)
{
	clock->base.impl = &fake_impl;
	clock->mono_ns = 0;
	clock->wall_ns = wall_ns;
}

void jn_fake_clock_advance(struct jn_fake_clock *clock, int64_t delta_ns)
{
	clock->mono_ns += delta_ns;
	clock->wall_ns += delta_ns;
}
