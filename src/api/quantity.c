/*
 * resource.Quantity, parsed exactly.
 *
 * apimachinery keeps an int64 mantissa with a decimal scale and falls back to arbitrary
 * precision (inf.Dec); we keep one __int128 count of nano-units, which holds every value
 * apimachinery can represent at nano scale up to ~1.7e29 and fails loudly beyond that instead of
 * wrapping. The input is first turned into a decimal digit string with a decimal exponent
 * (binary suffixes multiply the digit string by 2^k, so fractional binary values such as
 * "0.1Ki" stay exact), then cut at the nano position; any non-zero digit past it rounds the
 * magnitude up, which is apimachinery's RoundUp (away from zero) at scale Nano.
 *
 * Deliberate differences from apimachinery, all on inputs it accepts but nobody writes:
 * a quantity needs at least one digit ("Ki", ".", "-" are rejected, apimachinery reads 0),
 * binary values above 2^63-1 are kept exact instead of being capped (Value() saturates to
 * the same number), and inputs longer than JN_QUANTITY_MAX_LEN are rejected.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"

#define NANO_DIGITS 9
/* Doubling 60 times (Ei) adds at most 19 decimal digits. */
#define DIGITS_MAX (JN_QUANTITY_MAX_LEN + 20)
/* Exponents beyond this already overflow (or round to 1n) whatever the digits are. */
#define EXPONENT_CLAMP 100000

static const __int128 I128_MAX = (__int128)(((unsigned __int128)1 << 127) - 1);

struct suffix {
	const char *text;
	int base;       /* 10 or 2 */
	int exponent;
};

static const struct suffix suffixes[] = {
	{ "n", 10, -9 }, { "u", 10, -6 }, { "m", 10, -3 }, { "", 10, 0 },
	{ "k", 10, 3 }, { "M", 10, 6 }, { "G", 10, 9 }, { "T", 10, 12 }, { "P", 10, 15 },
	{ "E", 10, 18 },
	{ "Ki", 2, 10 }, { "Mi", 2, 20 }, { "Gi", 2, 30 }, { "Ti", 2, 40 }, { "Pi", 2, 50 },
	{ "Ei", 2, 60 },
};

/* A decimal exponent suffix: 'e' or 'E', an optional sign, then at least one digit. */
static bool parse_exponent(const char *s, int64_t *out)
{
	if (*s != 'e' && *s != 'E')
		return false;
	s++;
	bool negative = false;
	if (*s == '+' || *s == '-')
		negative = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return false;
	int64_t e = 0;
	for (; isdigit((unsigned char)*s); s++)
		if (e < EXPONENT_CLAMP)
			e = e * 10 + (*s - '0');
	if (*s)
		return false;
	*out = negative ? -e : e;
	return true;
}

#define FAIL(err, text, fmt, ...) \
	jn_error_set((err), JN_ERR_INVALID, "invalid quantity \"%s\": " fmt, (text), __VA_ARGS__)

/* Multiplies the decimal digit string (most significant first) by 2. */
static void double_digits(char *digits, size_t *len)
{
	int carry = 0;
	for (size_t i = *len; i-- > 0;) {
		int d = (digits[i] - '0') * 2 + carry;
		digits[i] = (char)('0' + d % 10);
		carry = d / 10;
	}
	if (carry) {
		memmove(digits + 1, digits, *len);
		digits[0] = (char)('0' + carry);
		(*len)++;
	}
}

/*
 * nano = ceil(digits * 10^exp10) in magnitude. Returns false when it does not fit an __int128.
 */
static bool to_nano(const char *digits, size_t len, int64_t exp10, __int128 *out)
{
	int64_t whole = (int64_t)len + exp10;  /* how many digits lie left of the nano point */
	__int128 acc = 0;
	bool rest = false;
	for (size_t i = 0; i < len; i++) {
		int d = digits[i] - '0';
		if ((int64_t)i < whole) {
			if (acc > (I128_MAX - d) / 10)
				return false;
			acc = acc * 10 + d;
		} else if (d) {
			rest = true;
		}
	}
	for (int64_t i = 0; acc && i < exp10; i++) {
		if (acc > I128_MAX / 10)
			return false;
		acc *= 10;
	}
	if (rest) {
		if (acc == I128_MAX)
			return false;
		acc++;
	}
	*out = acc;
	return true;
}

int jn_quantity_parse(const char *text, struct jn_quantity *out, struct jn_error *err)
{
	if (!text || !*text)
		return FAIL(err, text ? text : "", "%s", "empty");
	size_t n = strlen(text);
	if (n > JN_QUANTITY_MAX_LEN)
		return jn_error_set(err, JN_ERR_INVALID,
			"invalid quantity \"%.32s...\": longer than %d characters", text,
			JN_QUANTITY_MAX_LEN);

	const char *p = text;
	bool negative = false;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';

	char digits[DIGITS_MAX + 1];
	size_t len = 0;
	int64_t exp10 = 0;
	bool seen_digit = false;
	for (; isdigit((unsigned char)*p); p++, seen_digit = true)
		if (len || *p != '0')   /* leading zeros carry no value */
			digits[len++] = *p;
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, seen_digit = true) {
			if (len || *p != '0')
				digits[len++] = *p;
			exp10--;
		}
	}
	if (!seen_digit) {
		size_t at = (size_t)(p - text);
		if (!*p)
			return FAIL(err, text, "expected a digit at offset %zu, got the end", at);
		return FAIL(err, text, "expected a digit at offset %zu, got '%c'", at, *p);
	}

	const struct suffix *suf = NULL;
	for (size_t i = 0; i < JN_ARRAY_LEN(suffixes) && !suf; i++)
		if (strcmp(p, suffixes[i].text) == 0)
			suf = &suffixes[i];
	int64_t e = 0;
	if (suf && suf->base == 2) {
		for (int i = 0; i < suf->exponent && len; i++)
			double_digits(digits, &len);
	} else if (suf) {
		exp10 += suf->exponent;
	} else if (parse_exponent(p, &e)) {
		exp10 += e;
	} else {
		return FAIL(err, text, "unknown suffix \"%s\"", p);
	}

	__int128 nano = 0;
	if (!to_nano(digits, len, exp10 + NANO_DIGITS, &nano))
		return FAIL(err, text, "%s", "out of range (magnitude above 1.7e29)");
	out->nano = negative ? -nano : nano;
	return 0;
}

/* Divides by 10^digits, rounding away from zero (apimachinery's AsScaledInt64), saturating. */
static int64_t scaled(__int128 nano, int digits)
{
	__int128 div = 1;
	for (int i = 0; i < digits; i++)
		div *= 10;
	__int128 q = nano / div;
	if (nano % div)
		q += nano > 0 ? 1 : -1;
	if (q > INT64_MAX)
		return INT64_MAX;
	if (q < INT64_MIN)
		return INT64_MIN;
	return (int64_t)q;
}

int64_t jn_quantity_milli(const struct jn_quantity *q)
{
	return scaled(q->nano, NANO_DIGITS - 3);
}

int64_t jn_quantity_value(const struct jn_quantity *q)
{
	return scaled(q->nano, NANO_DIGITS);
}

int jn_quantity_cmp(const struct jn_quantity *a, const struct jn_quantity *b)
{
	return (a->nano > b->nano) - (a->nano < b->nano);
}

/* The shortest %g text that reads back as the same double, as Go's encoder writes numbers. */
static void format_real(double v, char *out, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

int jn_quantity_from_json(const json_t *value, const struct jn_json_path *path,
	struct jn_quantity *out, struct jn_error *err)
{
	char text[JN_QUANTITY_MAX_LEN + 2];
	if (json_is_string(value)) {
		/* apimachinery's UnmarshalJSON trims surrounding whitespace before parsing. */
		const char *s = json_string_value(value);
		size_t n = json_string_length(value);
		while (n && isspace((unsigned char)*s))
			s++, n--;
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n > JN_QUANTITY_MAX_LEN)
			n = JN_QUANTITY_MAX_LEN + 1;  /* still too long: the parser says so */
		memcpy(text, s, n);
		text[n] = '\0';
	} else if (json_is_integer(value)) {
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(value));
	} else if (json_is_real(value)) {
		format_real(json_real_value(value), text, sizeof(text));
	} else {
		return jn_json_error(err, path,
			"expected a quantity (a string or a number), got %s",
			value ? jn_json_type_name(value) : "nothing");
	}
	if (jn_quantity_parse(text, out, err) < 0) {
		char where[512];
		jn_json_path_format(path, where, sizeof(where));
		if (where[0])
			jn_error_prefix(err, "%s", where);
		return -1;
	}
	return 0;
}
