#include <string.h>

#include "jitnode/error.h"
#include "jitnode/policy.h"
#include "tap.h"

#define NS INT64_C(1)
#define SEC INT64_C(1000000000)

static void parses_go_syntax(void)
{
	static const struct { const char *text; int64_t ns; } cases[] = {
		{ "720h", 720 * 3600 * SEC },
		{ "1m30s", 90 * SEC },
		{ "1h2m3.5s", 3723 * SEC + SEC / 2 },
		{ "0", 0 },
		{ "0s", 0 },
		{ "1.5h", 5400 * SEC },
		{ ".5s", SEC / 2 },
		{ "1.s", SEC },
		{ "300ms", 300000000 * NS },
		{ "2us", 2000 * NS },
		{ "2\xc2\xb5s", 2000 * NS },
		{ "7ns", 7 * NS },
		{ "-1m", -60 * SEC },
		{ "+10s", 10 * SEC },
		{ "1.000000000001s", SEC },     /* sub-nanosecond digits truncate, as in Go */
		{ "2562047h47m16.854775807s", INT64_MAX },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_duration d = { .ns = -42 };
		struct jn_error err;
		CHECK_INT_EQ(jn_duration_parse(cases[i].text, false, &d, &err), 0);
		CHECK_INT_EQ(d.ns, cases[i].ns);
		CHECK(!d.never);
	}
}

static void never_only_where_allowed(void)
{
	struct jn_duration d;
	struct jn_error err;
	CHECK_INT_EQ(jn_duration_parse("Never", true, &d, &err), 0);
	CHECK(d.never);
	CHECK_INT_EQ(jn_duration_parse("Never", false, &d, &err), -1);
	CHECK_STR_EQ(err.msg, "invalid duration \"Never\"");
}

static void rejects_garbage(void)
{
	static const struct { const char *text; const char *msg; } cases[] = {
		{ "", "invalid duration \"\"" },
		{ "30", "invalid duration \"30\": missing unit" },
		{ "30days", "invalid duration \"30days\": unknown unit \"days\"" },
		{ "1h 2m", "invalid duration \"1h 2m\": unknown unit \"h \"" },
		{ ".s", "invalid duration \".s\"" },
		{ "-", "invalid duration \"-\"" },
		{ "h", "invalid duration \"h\"" },
		{ "2562047h47m16.854775808s", "invalid duration \"2562047h47m16.854775808s\": out of range" },
		{ "99999999999999999999s", "invalid duration \"99999999999999999999s\": out of range" },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_duration d;
		struct jn_error err;
		CHECK_INT_EQ(jn_duration_parse(cases[i].text, true, &d, &err), -1);
		CHECK_STR_EQ(err.msg, cases[i].msg);
		CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	}
}

static void formats_like_go(void)
{
	static const struct { int64_t ns; const char *text; } cases[] = {
		{ 0, "0s" },
		{ 720 * 3600 * SEC, "720h0m0s" },
		{ 90 * SEC, "1m30s" },
		{ 3723 * SEC + SEC / 2, "1h2m3.5s" },
		{ SEC + SEC / 2, "1.5s" },
		{ 1500 * 1000 * NS, "1.5ms" },
		{ 2000 * NS, "2\xc2\xb5s" },
		{ 7, "7ns" },
		{ -60 * SEC, "-1m0s" },
		{ INT64_MAX, "2562047h47m16.854775807s" },
	};
	char buf[64];
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		struct jn_duration d = { .ns = cases[i].ns };
		CHECK_STR_EQ(jn_duration_format(&d, buf, sizeof(buf)), cases[i].text);
	}
	struct jn_duration never = { .never = true };
	CHECK_STR_EQ(jn_duration_format(&never, buf, sizeof(buf)), "Never");
}

int main(void)
{
	JN_RUN(parses_go_syntax);
	JN_RUN(never_only_where_allowed);
	JN_RUN(rejects_garbage);
	JN_RUN(formats_like_go);
	return jn_tap_done();
}
