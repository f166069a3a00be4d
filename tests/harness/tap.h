#ifndef JITNODE_TEST_TAP_H
#define JITNODE_TEST_TAP_H

/*
 * A tiny TAP harness. Every check prints one "ok N - ..." or "not ok N - ..." line, a failed
 * check prints both operands, and jn_tap_done() prints the plan and "N passed, N failed" and
 * returns the exit status. A test file lists its cases in main():
 *
 *   int main(void) { JN_RUN(parses_millicores); JN_RUN(rejects_garbage); return jn_tap_done(); }
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "jitnode/base.h"

/** Records one check; returns cond. */
bool jn_tap_check(bool cond, const char *file, int line, const char *fmt, ...) JN_PRINTF(4, 5);
/** Prints a "# ..." diagnostic line. */
void jn_tap_diag(const char *fmt, ...) JN_PRINTF(1, 2);
/** Marks the start of a case (a "# case" comment) so failures are easy to place. */
void jn_tap_case(const char *name);
/** Prints the plan and the summary; returns 0 when every check passed, 1 otherwise. */
int jn_tap_done(void);

/** Absolute path of a file under the source tree ($JN_SOURCE_ROOT, set by meson). Owned. */
char *jn_test_source_path(const char *relative);

#define JN_RUN(fn) do { jn_tap_case(#fn); fn(); } while (0)

#define CHECK(cond) jn_tap_check((cond), __FILE__, __LINE__, "%s", #cond)

#define CHECK_INT_EQ(a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	jn_tap_check(a_ == b_, __FILE__, __LINE__, "%s == %s (%lld vs %lld)", #a, #b, a_, b_); \
} while (0)

#define CHECK_DBL_NEAR(a, b, eps) do { \
	double a_ = (double)(a), b_ = (double)(b); \
	jn_tap_check((a_ - b_) <= (eps) && (b_ - a_) <= (eps), __FILE__, __LINE__, \
		"%s ~= %s (%.9g vs %.9g)", #a, #b, a_, b_); \
} while (0)

#define CHECK_STR_EQ(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	jn_tap_check(a_ && b_ && strcmp(a_, b_) == 0, __FILE__, __LINE__, \
		"%s == %s (\"%s\" vs \"%s\")", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
} while (0)

/** Asserts that haystack contains needle. */
#define CHECK_STR_CONTAINS(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	jn_tap_check(h_ && n_ && strstr(h_, n_) != NULL, __FILE__, __LINE__, \
		"%s contains %s (\"%s\" in \"%s\")", #hay, #needle, n_ ? n_ : "(null)", \
		h_ ? h_ : "(null)"); \
} while (0)

#endif
