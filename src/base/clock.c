#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jitnode/clock.h"

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * JN_NS_PER_SEC + ts->tv_nsec;
}

static int64_t real_mono_ns(const struct jn_clock *clock)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return timespec_ns(&ts);
}

static int64_t real_wall_ns(const struct jn_clock *clock)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return timespec_ns(&ts);
}

static void real_sleep_until(const struct jn_clock *clock, int64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / JN_NS_PER_SEC,
		.tv_nsec = deadline_ns % JN_NS_PER_SEC,
	};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static const struct jn_clock_impl real_impl = {
	.now_mono_ns = real_mono_ns,
	.now_wall_ns = real_wall_ns,
	.sleep_until = real_sleep_until,
};

/* Immutable and stateless, so sharing one instance breaks no "no global mutable state" rule. */
static const struct jn_clock real_clock = { .impl = &real_impl };

const struct jn_clock *jn_clock_real(void)
{
	return &real_clock;
}

int64_t jn_clock_mono_ns(const struct jn_clock *clock)
{
	return clock->impl->now_mono_ns(clock);
}

int64_t jn_clock_wall_ns(const struct jn_clock *clock)
{
	return clock->impl->now_wall_ns(clock);
}

void jn_clock_sleep_until(const struct jn_clock *clock, int64_t deadline_ns)
{
	clock->impl->sleep_until(clock, deadline_ns);
}

char *jn_time_format_rfc3339(int64_t wall_ns, char *out, size_t size)
{
	time_t secs = (time_t)(wall_ns / JN_NS_PER_SEC);
	int ms = (int)((wall_ns % JN_NS_PER_SEC) / JN_NS_PER_MS);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return out;
}

static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**p))
			return false;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return true;
}

static bool expect_char(const char **p, const char *choices)
{
	if (!**p || !strchr(choices, **p))
		return false;
	(*p)++;
	return true;
}

int jn_time_parse_rfc3339(const char *text, int64_t *wall_ns)
{
	const char *p = text;
	int year, mon, day, hour, min, sec;
	if (!read_digits(&p, 4, &year) || !expect_char(&p, "-") || !read_digits(&p, 2, &mon) ||
		!expect_char(&p, "-") || !read_digits(&p, 2, &day) || !expect_char(&p, "Tt ") ||
		!read_digits(&p, 2, &hour) || !expect_char(&p, ":") || !read_digits(&p, 2, &min) ||
		!expect_char(&p, ":") || !read_digits(&p, 2, &sec))
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		return -1;
	int64_t frac_ns = 0;
	if (*p == '.') {
		p++;
		int digits = 0;
		int64_t scale = JN_NS_PER_SEC / 10;
		while (isdigit((unsigned char)*p)) {
			frac_ns += (*p - '0') * scale;
			scale /= 10;
			p++;
			digits++;
		}
		if (!digits)
			return -1;
	}
	int offset_sec = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		p++;
		int oh, om;
		if (!read_digits(&p, 2, &oh) || !expect_char(&p, ":") || !read_digits(&p, 2, &om))
			return -1;
		offset_sec = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (*p)
		return -1;
	struct tm tm = {
		.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
		.tm_hour = hour, .tm_min = min, .tm_sec = sec,
	};
	int64_t secs = (int64_t)timegm(&tm) - offset_sec;
	*wall_ns = secs * JN_NS_PER_SEC + frac_ns;
	return 0;
}
