#include "jitnode/error.h"
#include "tap.h"

static int fails_deep(struct jn_error *err)
{
	return jn_error_set(err, JN_ERR_INVALID, "invalid quantity \"%s\"", "12x");
}

static void chain_prefixes_context_and_keeps_kind(void)
{
	struct jn_error err;
	jn_error_clear(&err);
	CHECK_INT_EQ(fails_deep(&err), -1);
	CHECK_INT_EQ(jn_error_prefix(&err, "field %s", "spec.limits.cpu"), -1);
	CHECK_INT_EQ(jn_error_prefix(&err, "loading '%s'", "a.yaml"), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_EQ(err.msg, "loading 'a.yaml': field spec.limits.cpu: invalid quantity \"12x\"");
	CHECK_STR_EQ(jn_error_kind_name(err.kind), "invalid");
}

static void null_error_is_allowed(void)
{
	CHECK_INT_EQ(jn_error_set(NULL, JN_ERR_IO, "x"), -1);
	CHECK_INT_EQ(jn_error_prefix(NULL, "y"), -1);
}

static void long_messages_are_truncated_not_overflowed(void)
{
	struct jn_error err;
	char big[3000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	jn_error_set(&err, JN_ERR_TOO_LARGE, "%s", big);
	CHECK_INT_EQ(strlen(err.msg), JN_ERROR_MSG_MAX - 1);
	jn_error_prefix(&err, "context");
	CHECK_INT_EQ(strlen(err.msg), JN_ERROR_MSG_MAX - 1);
	CHECK(jn_str_has_prefix(err.msg, "context: aaa"));
}

int main(void)
{
	JN_RUN(chain_prefixes_context_and_keeps_kind);
	JN_RUN(null_error_is_allowed);
	JN_RUN(long_messages_are_truncated_not_overflowed);
	return jn_tap_done();
}
