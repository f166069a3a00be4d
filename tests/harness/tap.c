#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

/* Test-process state: the harness is not product code, and one process runs one suite. */
static int checks_run;
static int checks_failed;
static const char *current_case = "";

bool jn_tap_check(bool cond, const char *file, int line, const char *fmt, ...)
{
	checks_run++;
	if (!cond)
		checks_failed++;
	printf("%sok %d - %s: ", cond ? "" : "not ", checks_run, current_case);
	va_list ap;
	va_start(ap, fmt);
	char *what = jn_xvasprintf(fmt, ap);
	va_end(ap);
	/* A TAP line is one line: control characters in compared strings are escaped. */
	for (const char *c = what; *c; c++) {
		if (*c == '\n')
			fputs("\\n", stdout);
		else if (*c == '#')
			fputs("\\#", stdout);
		else
			putchar(*c);
	}
	free(what);
	if (!cond)
		printf(" # at %s:%d", file, line);
	printf("\n");
	fflush(stdout);
	return cond;
}

void jn_tap_diag(const char *fmt, ...)
{
	printf("# ");
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void jn_tap_case(const char *name)
{
	current_case = name;
}

int jn_tap_done(void)
{
	printf("1..%d\n", checks_run);
	printf("# %d passed, %d failed\n", checks_run - checks_failed, checks_failed);
	return checks_failed ? 1 : 0;
}

char *jn_test_source_path(const char *relative)
{
	const char *root = getenv("JN_SOURCE_ROOT");
	return jn_xasprintf("%s/%s", root ? root : ".", relative);
}
