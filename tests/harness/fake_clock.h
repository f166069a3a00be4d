#ifndef JITNODE_TEST_FAKE_CLOCK_H
#define JITNODE_TEST_FAKE_CLOCK_H

/*
 * A clock that moves only when the test says so (Karpenter's clock.FakeClock). sleep_until
 * jumps straight to the deadline, so code that waits runs instantly and deterministically.
 */

#include <stdint.h>

#include "jitnode/clock.h"

struct jn_fake_clock {
	struct jn_clock base;   /* first: pass &fake.base wherever a clock is wanted */
	int64_t mono_ns;
	int64_t wall_ns;
};

/** Starts at mono 0 and the given wall time (nanoseconds since the epoch). */
void jn_fake_clock_init(struct jn_fake_clock *clock, int64_t wall_ns);
/** Moves both clocks forward. */
void jn_fake_clock_advance(struct jn_fake_clock *clock, int64_t delta_ns);

#endif
