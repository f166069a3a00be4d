/*
 * The quantity grammar and its arithmetic, case by case. The valid cases follow the behaviour
 * apimachinery's quantity_test.go describes (TestQuantityParse, TestQuantityRoundUp,
 * TestQuantityParseEmit); each row states the exact MilliValue() and Value() that
 * kube-scheduler would compute, or the exact error.
 */
#include <stdint.h>
#include <stdio.h>

#include "jitnode/api.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "tap.h"

#define SAT INT64_MAX
#define NSAT INT64_MIN

struct ok_case {
	const char *text;
	int64_t milli;
	int64_t value;
};

static const struct ok_case ok_cases[] = {
	/* zeros in every suffix */
	{ "0", 0, 0 }, { "0n", 0, 0 }, { "0u", 0, 0 }, { "0m", 0, 0 }, { "0Ki", 0, 0 },
	{ "0k", 0, 0 }, { "0Mi", 0, 0 }, { "0M", 0, 0 }, { "0Gi", 0, 0 }, { "0G", 0, 0 },
	{ "0Ti", 0, 0 }, { "0T", 0, 0 }, { "-0", 0, 0 }, { "000", 0, 0 },
	{ "1", 1000, 1 },
	/* binary suffixes */
	{ "1Ki", 1024000, 1024 },
	{ "8Ki", 8192000, 8192 },
	{ "7Mi", 7340032000, 7340032 },
	{ "6Gi", 6442450944000, 6442450944 },
	{ "5Ti", 5497558138880000, 5497558138880 },
	{ "4Pi", 4503599627370496000, 4503599627370496 },
	{ "3Ei", SAT, 3458764513820540928 },
	{ "10Ti", 10995116277760000, 10995116277760 },
	{ "100Ti", 109951162777600000, 109951162777600 },
	/* decimal suffixes */
	{ "5n", 1, 1 },
	{ "4u", 1, 1 },
	{ "3m", 3, 1 },
	{ "9", 9000, 9 },
	{ "8k", 8000000, 8000 },
	{ "50k", 50000000, 50000 },
	{ "7M", 7000000000, 7000000 },
	{ "6G", 6000000000000, 6000000000 },
	{ "5T", 5000000000000000, 5000000000000 },
	{ "40T", 40000000000000000, 40000000000000 },
	{ "300T", 300000000000000000, 300000000000000 },
	{ "2P", 2000000000000000000, 2000000000000000 },
	{ "1E", SAT, 1000000000000000000 },
	/* decimal exponents */
	{ "1E-3", 1, 1 },
	{ "1e3", 1000000, 1000 },
	{ "1E6", 1000000000, 1000000 },
	{ "1e9", 1000000000000, 1000000000 },
	{ "1E12", 1000000000000000, 1000000000000 },
	{ "1e13", 10000000000000000, 10000000000000 },
	{ "1e14", 100000000000000000, 100000000000000 },
	{ "1e15", 1000000000000000000, 1000000000000000 },
	{ "1E18", SAT, 1000000000000000000 },
	{ "1e+3", 1000000, 1000 },
	/* things that look like floating point */
	{ "100.035k", 100035000, 100035 },
	{ "0.001", 1, 1 },
	{ "0.0005k", 500, 1 },
	{ "0.005", 5, 1 },
	{ "0.05", 50, 1 },
	{ "0.5", 500, 1 },
	{ "0.00050k", 500, 1 },
	{ "0.00500", 5, 1 },
	{ "0.5e0", 500, 1 },
	{ "0.5e-1", 50, 1 },
	{ "0.5e-2", 5, 1 },
	{ "10.035M", 10035000000, 10035000 },
	{ "1.2e3", 1200000, 1200 },
	{ "1.3E+6", 1300000000, 1300000 },
	{ "1.40e9", 1400000000000, 1400000000 },
	{ "1.53E12", 1530000000000000, 1530000000000 },
	{ "1.6e15", 1600000000000000000, 1600000000000000 },
	{ "1.7E18", SAT, 1700000000000000000 },
	{ "9.01", 9010, 10 },
	{ "8.1k", 8100000, 8100 },
	{ "7.123456M", 7123456000, 7123456 },
	{ "6.987654321G", 6987654321000, 6987654321 },
	{ "5.444T", 5444000000000000, 5444000000000 },
	{ "40.1T", 40100000000000000, 40100000000000 },
	{ "300.2T", 300200000000000000, 300200000000000 },
	{ "2.5P", 2500000000000000000, 2500000000000000 },
	{ "1.01E", SAT, 1010000000000000000 },
	/* things that round up (finer than nano, or fractions of a unit) */
	{ "3.001n", 1, 1 },
	{ "1.1E-9", 1, 1 },
	{ "0.0000000001", 1, 1 },
	{ "0.00000000050", 1, 1 },
	{ "0.5e-9", 1, 1 },
	{ "0.9n", 1, 1 },
	{ "0.00000012345", 1, 1 },
	{ "1001m", 1001, 2 },
	{ "1e-1000", 1, 1 },
	/* things that saturate int64 (apimachinery caps binary values at 2^63-1 the same way) */
	{ "9Ei", SAT, SAT },
	{ "9223372036854775807Ki", SAT, SAT },
	{ "12E", SAT, SAT },
	{ "170141183460469231731687303715", SAT, SAT },   /* the largest accepted integer */
	/* fractional binary values */
	{ "100.035Ki", 102435840, 102436 },
	{ "0.5Mi", 524288000, 524288 },
	{ "0.05Gi", 53687091200, 53687092 },
	{ "0.025Ti", 27487790694400, 27487790695 },
	{ "0.1Ki", 102400, 103 },
	{ ".001Ki", 1024, 2 },
	{ ".000001Ki", 2, 1 },
	{ "0.000000000001Ki", 1, 1 },
	/* written by trolls */
	{ ".001", 1, 1 },
	{ ".0001k", 100, 1 },
	{ "1.", 1000, 1 },
	{ "1.G", 1000000000000, 1000000000 },
	{ "000100m", 100, 1 },
	/* signs: rounding is away from zero, as apimachinery's RoundUp */
	{ "+1", 1000, 1 },
	{ "+0.5", 500, 1 },
	{ "-1", -1000, -1 },
	{ "-9.01", -9010, -10 },
	{ "-0.5m", -1, -1 },
	{ "-3.001n", -1, -1 },
	{ "-1Gi", -1073741824000, -1073741824 },
	{ "-1.5", -1500, -2 },
	{ "-3Ei", NSAT, -3458764513820540928 },
	{ "-170141183460469231731687303715", NSAT, NSAT },
};

struct bad_case {
	const char *text;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "", "invalid quantity \"\": empty" },
	{ " 1", "invalid quantity \" 1\": expected a digit at offset 0, got ' '" },
	{ "1 ", "invalid quantity \"1 \": unknown suffix \" \"" },
	{ "1.2.3", "invalid quantity \"1.2.3\": unknown suffix \".3\"" },
	{ "Ki", "invalid quantity \"Ki\": expected a digit at offset 0, got 'K'" },
	{ "1Ki5", "invalid quantity \"1Ki5\": unknown suffix \"Ki5\"" },
	{ "1e", "invalid quantity \"1e\": unknown suffix \"e\"" },
	{ "1ee3", "invalid quantity \"1ee3\": unknown suffix \"ee3\"" },
	{ "--1", "invalid quantity \"--1\": expected a digit at offset 1, got '-'" },
	{ "1KiB", "invalid quantity \"1KiB\": unknown suffix \"KiB\"" },
	{ "1mi", "invalid quantity \"1mi\": unknown suffix \"mi\"" },
	{ "1.1.M", "invalid quantity \"1.1.M\": unknown suffix \".M\"" },
	{ "1+1.0M", "invalid quantity \"1+1.0M\": unknown suffix \"+1.0M\"" },
	{ "0.1mi", "invalid quantity \"0.1mi\": unknown suffix \"mi\"" },
	{ "0.1am", "invalid quantity \"0.1am\": unknown suffix \"am\"" },
	{ "aoeu", "invalid quantity \"aoeu\": expected a digit at offset 0, got 'a'" },
	{ ".5i", "invalid quantity \".5i\": unknown suffix \"i\"" },
	{ "1i", "invalid quantity \"1i\": unknown suffix \"i\"" },
	{ "-3.01i", "invalid quantity \"-3.01i\": unknown suffix \"i\"" },
	{ "-3.01e-", "invalid quantity \"-3.01e-\": unknown suffix \"e-\"" },
	{ "1e+", "invalid quantity \"1e+\": unknown suffix \"e+\"" },
	{ "12x", "invalid quantity \"12x\": unknown suffix \"x\"" },
	{ "0x10", "invalid quantity \"0x10\": unknown suffix \"x10\"" },
	{ "1,5", "invalid quantity \"1,5\": unknown suffix \",5\"" },
	{ "-", "invalid quantity \"-\": expected a digit at offset 1, got the end" },
	{ ".", "invalid quantity \".\": expected a digit at offset 1, got the end" },
	{ "+.", "invalid quantity \"+.\": expected a digit at offset 2, got the end" },
	{ "Infinity", "invalid quantity \"Infinity\": expected a digit at offset 0, got 'I'" },
	{ "170141183460469231731687303716",
	  "invalid quantity \"170141183460469231731687303716\": out of range (magnitude above "
	  "1.7e29)" },
	{ "1e30", "invalid quantity \"1e30\": out of range (magnitude above 1.7e29)" },
	{ "-200000000000000000000000000000",
	  "invalid quantity \"-200000000000000000000000000000\": out of range (magnitude above "
	  "1.7e29)" },
	{ "200000000000000Pi",
	  "invalid quantity \"200000000000000Pi\": out of range (magnitude above 1.7e29)" },
};

static void table_of_valid_quantities(void)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct jn_quantity q = { 0 };
		struct jn_error err = { 0 };
		int rc = jn_quantity_parse(c->text, &q, &err);
		jn_tap_check(rc == 0, __FILE__, __LINE__, "parses \"%s\" (%s)", c->text, err.msg);
		long long milli = jn_quantity_milli(&q), value = jn_quantity_value(&q);
		jn_tap_check(milli == c->milli && value == c->value, __FILE__, __LINE__,
			"\"%s\": milli %lld value %lld (want %lld %lld)", c->text, milli, value,
			(long long)c->milli, (long long)c->value);
	}
	CHECK(JN_ARRAY_LEN(ok_cases) + JN_ARRAY_LEN(bad_cases) >= 60);
}

static void table_of_invalid_quantities(void)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct jn_quantity q = { .nano = 42 };
		struct jn_error err = { 0 };
		int rc = jn_quantity_parse(c->text, &q, &err);
		jn_tap_check(rc == -1 && err.kind == JN_ERR_INVALID && strcmp(err.msg, c->msg) == 0,
			__FILE__, __LINE__, "rejects \"%s\": rc %d \"%s\" (want \"%s\")", c->text, rc,
			err.msg, c->msg);
		CHECK_INT_EQ((long long)q.nano, 42);   /* out untouched on failure */
	}
}

static void exact_nano_units(void)
{
	struct jn_quantity q;
	CHECK_INT_EQ(jn_quantity_parse("3.001n", &q, NULL), 0);
	CHECK_INT_EQ((long long)q.nano, 4);
	CHECK_INT_EQ(jn_quantity_parse("1.1E-9", &q, NULL), 0);
	CHECK_INT_EQ((long long)q.nano, 2);
	CHECK_INT_EQ(jn_quantity_parse("0.00000012345", &q, NULL), 0);
	CHECK_INT_EQ((long long)q.nano, 124);
	CHECK_INT_EQ(jn_quantity_parse("0.000000000001Ki", &q, NULL), 0);
	CHECK_INT_EQ((long long)q.nano, 2);
	CHECK_INT_EQ(jn_quantity_parse(".000000001Ki", &q, NULL), 0);
	CHECK_INT_EQ((long long)q.nano, 1024);
	CHECK_INT_EQ(jn_quantity_parse("-0.1n", &q, NULL), 0);
	CHECK_INT_EQ((long long)q.nano, -1);
	/* The exact value survives where int64 milli would not: 9Ei is 9 * 2^60. */
	CHECK_INT_EQ(jn_quantity_parse("9Ei", &q, NULL), 0);
	CHECK(q.nano == (__int128)9 * ((__int128)1 << 60) * 1000000000);
	/* The boundary: the largest __int128 count of nano-units, in decimal. */
	CHECK_INT_EQ(jn_quantity_parse("170141183460469231731687303715.884105727", &q, NULL), 0);
	CHECK(q.nano == (__int128)(((unsigned __int128)1 << 127) - 1));
	CHECK_INT_EQ(jn_quantity_parse("170141183460469231731687303715.8841057271", &q, NULL), -1);
}

static void compares(void)
{
	struct jn_quantity a, b;
	jn_quantity_parse("100m", &a, NULL);
	jn_quantity_parse("50m", &b, NULL);
	CHECK_INT_EQ(jn_quantity_cmp(&a, &b), 1);
	CHECK_INT_EQ(jn_quantity_cmp(&b, &a), -1);
	jn_quantity_parse("10000T", &a, NULL);
	jn_quantity_parse("100Gi", &b, NULL);
	CHECK_INT_EQ(jn_quantity_cmp(&a, &b), 1);
	jn_quantity_parse("1Gi", &a, NULL);
	jn_quantity_parse("1024Mi", &b, NULL);
	CHECK_INT_EQ(jn_quantity_cmp(&a, &b), 0);
	jn_quantity_parse("1000m", &a, NULL);
	jn_quantity_parse("1", &b, NULL);
	CHECK_INT_EQ(jn_quantity_cmp(&a, &b), 0);
}

static void rejects_overlong_text(void)
{
	char text[JN_QUANTITY_MAX_LEN + 2];
	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	struct jn_error err;
	struct jn_quantity q;
	CHECK_INT_EQ(jn_quantity_parse(text, &q, &err), -1);
	CHECK_STR_EQ(err.msg, "invalid quantity \"11111111111111111111111111111111...\": longer "
		"than 256 characters");
	/* Leading zeros do not count against the digits kept, only against the length. */
	char zeros[JN_QUANTITY_MAX_LEN + 1];
	memset(zeros, '0', sizeof(zeros) - 1);
	zeros[1] = '.';
	zeros[sizeof(zeros) - 2] = '1';
	zeros[sizeof(zeros) - 1] = '\0';
	CHECK_INT_EQ(jn_quantity_parse(zeros, &q, &err), 0);
	CHECK_INT_EQ((long long)q.nano, 1);
}

static void parse_json(const char *doc, struct jn_quantity *q, struct jn_error *err, int *rc)
{
	json_t *v = json_loads(doc, JSON_DECODE_ANY, NULL);
	struct jn_json_path root = JN_JSON_ROOT;
	struct jn_json_path cpu = JN_JSON_KEY(&root, "cpu");
	*rc = jn_quantity_from_json(v, &cpu, q, err);
	json_decref(v);
}

static void from_json_strings_and_numbers(void)
{
	struct jn_quantity q;
	struct jn_error err;
	int rc;
	parse_json("\"250m\"", &q, &err, &rc);
	CHECK_INT_EQ(rc, 0);
	CHECK_INT_EQ(jn_quantity_milli(&q), 250);
	parse_json("2", &q, &err, &rc);
	CHECK_INT_EQ(rc, 0);
	CHECK_INT_EQ(jn_quantity_milli(&q), 2000);
	parse_json("-3", &q, &err, &rc);
	CHECK_INT_EQ(rc, 0);
	CHECK_INT_EQ(jn_quantity_value(&q), -3);
	parse_json("0.1", &q, &err, &rc);
	CHECK_INT_EQ(rc, 0);
	CHECK_INT_EQ((long long)q.nano, 100000000);
	parse_json("1.5e3", &q, &err, &rc);
	CHECK_INT_EQ(rc, 0);
	CHECK_INT_EQ(jn_quantity_value(&q), 1500);
	/* apimachinery's UnmarshalJSON trims whitespace inside the string. */
	parse_json("\" 1Gi \"", &q, &err, &rc);
	CHECK_INT_EQ(rc, 0);
	CHECK_INT_EQ(jn_quantity_value(&q), 1073741824);
	parse_json("\"12x\"", &q, &err, &rc);
	CHECK_INT_EQ(rc, -1);
	CHECK_STR_EQ(err.msg, "cpu: invalid quantity \"12x\": unknown suffix \"x\"");
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	parse_json("{}", &q, &err, &rc);
	CHECK_INT_EQ(rc, -1);
	CHECK_STR_EQ(err.msg, "cpu: expected a quantity (a string or a number), got an object");
	parse_json("true", &q, &err, &rc);
	CHECK_STR_EQ(err.msg, "cpu: expected a quantity (a string or a number), got a boolean");
	parse_json("\"\"", &q, &err, &rc);
	CHECK_STR_EQ(err.msg, "cpu: invalid quantity \"\": empty");
}

int main(void)
{
	JN_RUN(table_of_valid_quantities);
	JN_RUN(table_of_invalid_quantities);
	JN_RUN(exact_nano_units);
	JN_RUN(compares);
	JN_RUN(rejects_overlong_text);
	JN_RUN(from_json_strings_and_numbers);
	return jn_tap_done();
}
