/*
 * Go's time.ParseDuration and Duration.String(), which is what Karpenter's fields use
 * (metav1.Duration and its NillableDuration wrapper that adds "Never").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jitnode/error.h"
#include "jitnode/policy.h"

struct unit {
	const char *name;
	int64_t ns;
};

static const struct unit units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 },      /* U+00B5 micro sign */
	{ "\xce\xbcs", 1000 },      /* U+03BC Greek mu */
	{ "ms", 1000000 },
	{ "s", INT64_C(1000000000) },
	{ "m", INT64_C(60000000000) },
	{ "h", INT64_C(3600000000000) },
};

static int invalid(struct jn_error *err, const char *text, const char *why)
{
	return jn_error_set(err, JN_ERR_INVALID, "invalid duration \"%s\"%s", text, why);
}

int jn_duration_parse(const char *text, bool allow_never, struct jn_duration *out,
	struct jn_error *err)
{
	if (allow_never && strcmp(text, "Never") == 0) {
		*out = (struct jn_duration){ .ns = 0, .never = true };
		return 0;
	}
	const char *s = text;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = (struct jn_duration){ 0 };
		return 0;
	}
	if (!*s)
		return invalid(err, text, "");
	unsigned __int128 total = 0;
	while (*s) {
		/* A number: digits, optionally '.', digits; at least one digit somewhere. */
		unsigned __int128 whole = 0;
		bool any = false, big = false;
		for (; *s >= '0' && *s <= '9'; s++, any = true) {
			whole = whole * 10 + (unsigned)(*s - '0');
			big |= whole > (unsigned __int128)INT64_MAX;
		}
		uint64_t frac = 0, scale = 1;
		if (*s == '.') {
			s++;
			for (; *s >= '0' && *s <= '9'; s++, any = true) {
				if (scale < UINT64_C(1000000000000000000)) {   /* extra digits cannot matter */
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
			}
		}
		if (!any)
			return invalid(err, text, "");
		size_t ulen = strcspn(s, "0123456789.");
		if (!ulen)
			return invalid(err, text, ": missing unit");
		const struct unit *u = NULL;
		for (size_t i = 0; i < JN_ARRAY_LEN(units) && !u; i++)
			if (strlen(units[i].name) == ulen && !strncmp(s, units[i].name, ulen))
				u = &units[i];
		if (!u)
			return jn_error_set(err, JN_ERR_INVALID,
				"invalid duration \"%s\": unknown unit \"%.*s\"", text, (int)ulen, s);
		s += ulen;
		if (big)
			return invalid(err, text, ": out of range");
		total += whole * (unsigned __int128)u->ns + (unsigned __int128)frac * u->ns / scale;
		if (total > (unsigned __int128)INT64_MAX + (neg ? 1 : 0))
			return invalid(err, text, ": out of range");
	}
	*out = (struct jn_duration){ .ns = neg ? (int64_t)(0 - total) : (int64_t)total };
	return 0;
}

/* Appends "<v / scale>[.<fraction without trailing zeros>]" to out at *at. */
static void put_fixed(char *out, size_t size, size_t *at, uint64_t v, uint64_t scale)
{
	int n = snprintf(out + *at, size - *at, "%" PRIu64, v / scale);
	*at += n > 0 ? (size_t)n : 0;
	uint64_t frac = v % scale;
	if (!frac || *at >= size)
		return;
	char digits[24];
	size_t len = 0;
	for (uint64_t s = scale / 10; s >= 1 && len < sizeof(digits) - 1; s /= 10)
		digits[len++] = (char)('0' + frac / s % 10);
	digits[len] = '\0';
	while (len && digits[len - 1] == '0')
		digits[--len] = '\0';
	n = snprintf(out + *at, size - *at, ".%s", digits);
	*at += n > 0 ? (size_t)n : 0;
}

char *jn_duration_format(const struct jn_duration *d, char *out, size_t size)
{
	if (!size)
		return out;
	if (d->never) {
		snprintf(out, size, "Never");
		return out;
	}
	if (d->ns == 0) {
		snprintf(out, size, "0s");
		return out;
	}
	size_t at = 0;
	uint64_t u = d->ns < 0 ? (uint64_t)0 - (uint64_t)d->ns : (uint64_t)d->ns;
	if (d->ns < 0)
		out[at++] = '-';
	out[at] = '\0';
	const uint64_t sec = UINT64_C(1000000000);
	if (u < sec) {
		const char *unit = u < 1000 ? "ns" : u < 1000000 ? "\xc2\xb5s" : "ms";
		put_fixed(out, size, &at, u, u < 1000 ? 1 : u < 1000000 ? 1000 : 1000000);
		snprintf(out + at, size > at ? size - at : 0, "%s", unit);
		return out;
	}
	uint64_t s = u / sec, h = s / 3600, m = s / 60 % 60;
	int n = 0;
	if (h)
		n = snprintf(out + at, size - at, "%" PRIu64 "h%" PRIu64 "m", h, m);
	else if (m)
		n = snprintf(out + at, size - at, "%" PRIu64 "m", m);
	at += n > 0 ? (size_t)n : 0;
	if (at >= size)
		return out;
	put_fixed(out, size, &at, (s % 60) * sec + u % sec, sec);
	if (at < size)
		snprintf(out + at, size - at, "s");
	return out;
}
