#include <stdio.h>
#include <stdlib.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "tap.h"

static void appends_and_formats(void)
{
	struct jn_buf b;
	jn_buf_init(&b, JN_BUF_UNLIMITED);
	CHECK_STR_EQ(jn_buf_cstr(&b), "");
	CHECK_INT_EQ(jn_buf_append_str(&b, "nodes=", NULL), 0);
	CHECK_INT_EQ(jn_buf_printf(&b, NULL, "%d pods=%s", 2, "89"), 0);
	CHECK_STR_EQ(jn_buf_cstr(&b), "nodes=2 pods=89");
	CHECK_INT_EQ(b.len, 15);
	jn_buf_reset(&b);
	CHECK_STR_EQ(jn_buf_cstr(&b), "");
	jn_buf_release(&b);
}

static void refuses_past_limit_and_keeps_content(void)
{
	struct jn_buf b;
	struct jn_error err;
	jn_buf_init(&b, 8);
	CHECK_INT_EQ(jn_buf_append_str(&b, "12345678", &err), 0);
	CHECK_INT_EQ(jn_buf_append_str(&b, "9", &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TOO_LARGE);
	CHECK_STR_EQ(err.msg, "more than 8 bytes");
	CHECK_STR_EQ(jn_buf_cstr(&b), "12345678");
	CHECK_INT_EQ(jn_buf_printf(&b, &err, "%s", "x"), -1);
	size_t len;
	char *owned = jn_buf_detach(&b, &len);
	CHECK_INT_EQ(len, 8);
	CHECK_STR_EQ(owned, "12345678");
	CHECK_INT_EQ(b.len, 0);
	free(owned);
}

static void reads_files_with_a_cap(void)
{
	char path[] = "/tmp/jn_buf_test_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("hello world", f);
	fclose(f);
	struct jn_buf b;
	struct jn_error err;
	jn_buf_init(&b, 64);
	CHECK_INT_EQ(jn_buf_read_file(&b, path, &err), 0);
	CHECK_STR_EQ(jn_buf_cstr(&b), "hello world");
	jn_buf_release(&b);
	jn_buf_init(&b, 5);
	CHECK_INT_EQ(jn_buf_read_file(&b, path, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TOO_LARGE);
	CHECK_STR_CONTAINS(err.msg, "more than 5 bytes");
	jn_buf_release(&b);
	remove(path);
	CHECK_INT_EQ(jn_buf_read_file(&b, path, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_IO);
	CHECK_STR_CONTAINS(err.msg, "No such file");
}

int main(void)
{
	JN_RUN(appends_and_formats);
	JN_RUN(refuses_past_limit_and_keeps_content);
	JN_RUN(reads_files_with_a_cap);
	return jn_tap_done();
}
