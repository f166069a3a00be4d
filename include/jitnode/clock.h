#ifndef JITNODE_CLOCK_H
#define JITNODE_CLOCK_H

/*
 * The clock seam. Every component that reads time (batcher, reconcilers, ICE-cache TTLs,
 * leases, expiration, logs) takes a `const struct jn_clock *` so that tests can drive time.
 * The real clock lives in src/base/clock.c; the fake one in tests/harness/fake_clock.c.
 */

#include <stddef.h>
#include <stdint.h>

struct jn_clock;

struct jn_clock_impl {
	/** Monotonic nanoseconds, for intervals and deadlines. */
	int64_t (*now_mono_ns)(const struct jn_clock *clock);
	/** Wall-clock nanoseconds since the Unix epoch, for timestamps and expiry. */
	int64_t (*now_wall_ns)(const struct jn_clock *clock);
	/** Sleeps until the monotonic time reaches deadline_ns (a fake clock may just jump). */
	void (*sleep_until)(const struct jn_clock *clock, int64_t deadline_ns);
};

struct jn_clock {
	const struct jn_clock_impl *impl;
};

/** The process's real clock: immutable, shared, never destroyed. Thread-safe. */
const struct jn_clock *jn_clock_real(void);

int64_t jn_clock_mono_ns(const struct jn_clock *clock);
int64_t jn_clock_wall_ns(const struct jn_clock *clock);
void jn_clock_sleep_until(const struct jn_clock *clock, int64_t deadline_ns);

/**
 * Formats wall nanoseconds as RFC 3339 UTC with milliseconds ("2026-11-23T11:40:00.123Z")
 * into out (at least 25 bytes). Returns out.
 */
char *jn_time_format_rfc3339(int64_t wall_ns, char *out, size_t size);

/**
 * Parses RFC 3339 ("2026-11-23T11:40:00Z", fractions and offsets allowed) into wall nanoseconds.
 * Returns -1 when text is not such a time.
 */
int jn_time_parse_rfc3339(const char *text, int64_t *wall_ns);

#define JN_NS_PER_SEC INT64_C(1000000000)
#define JN_NS_PER_MS INT64_C(1000000)

#endif
