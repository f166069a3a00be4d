/* The watch stream's line splitter: any chunking, CRLF, and the hard cap per event. */
#include <stdlib.h>
#include <string.h>

#include "jitnode/error.h"
#include "../../../src/kube/kube_internal.h"
#include "tap.h"

struct seen {
	struct jn_buf all;      /* lines joined with '|' */
	int count;
	int fail_at;            /* the callback fails on this line number (1-based); 0 = never */
};

static int collect(void *ctx, const char *line, size_t len, struct jn_error *err)
{
	struct seen *s = ctx;
	s->count++;
	if (s->count == s->fail_at)
		return jn_error_set(err, JN_ERR_INVALID, "rejected line %d", s->count);
	jn_buf_append(&s->all, line, len, NULL);
	jn_buf_append_str(&s->all, "|", NULL);
	return 0;
}

static void splits_under_every_chunking(void)
{
	const char *stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n{\"d\"";
	size_t n = strlen(stream);
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct jn_kube_lines lines;
		jn_kube_lines_init(&lines, 64);
		struct seen s = { .fail_at = 0 };
		jn_buf_init(&s.all, JN_BUF_UNLIMITED);
		for (size_t off = 0; off < n; off += chunk)
			CHECK_INT_EQ(jn_kube_lines_feed(&lines, stream + off, JN_MIN(chunk, n - off),
				collect, &s, NULL), 0);
		CHECK_STR_EQ(jn_buf_cstr(&s.all), "{\"a\":1}|{\"b\":2}|{\"c\":3}|");
		CHECK_INT_EQ(lines.partial.len, 4);     /* {"d" waits for its newline */
		jn_kube_lines_reset(&lines);
		CHECK_INT_EQ(lines.partial.len, 0);
		jn_buf_release(&s.all);
		jn_kube_lines_release(&lines);
	}
}

static void refuses_a_line_over_the_cap(void)
{
	struct jn_kube_lines lines;
	jn_kube_lines_init(&lines, 8);
	struct seen s = { 0 };
	jn_buf_init(&s.all, JN_BUF_UNLIMITED);
	struct jn_error err;
	/* Exactly 8 bytes passes, whole or in pieces. */
	CHECK_INT_EQ(jn_kube_lines_feed(&lines, "12345678\n", 9, collect, &s, &err), 0);
	CHECK_INT_EQ(jn_kube_lines_feed(&lines, "1234", 4, collect, &s, &err), 0);
	CHECK_INT_EQ(jn_kube_lines_feed(&lines, "5678\n", 5, collect, &s, &err), 0);
	CHECK_INT_EQ(s.count, 2);
	/* 9 bytes in one block, or growing across blocks, fails and names the cap. */
	CHECK_INT_EQ(jn_kube_lines_feed(&lines, "123456789\n", 10, collect, &s, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TOO_LARGE);
	CHECK_STR_EQ(err.msg, "watch event over 8 bytes");
	jn_kube_lines_reset(&lines);
	CHECK_INT_EQ(jn_kube_lines_feed(&lines, "12345", 5, collect, &s, &err), 0);
	CHECK_INT_EQ(jn_kube_lines_feed(&lines, "6789", 4, collect, &s, &err), -1);
	CHECK_STR_EQ(err.msg, "watch event over 8 bytes");
	CHECK_INT_EQ(s.count, 2);
	jn_buf_release(&s.all);
	jn_kube_lines_release(&lines);
}

static void stops_at_a_callback_error(void)
{
	struct jn_kube_lines lines;
	jn_kube_lines_init(&lines, 64);
	struct seen s = { .fail_at = 2 };
	jn_buf_init(&s.all, JN_BUF_UNLIMITED);
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_lines_feed(&lines, "a\nb\nc\n", 6, collect, &s, &err), -1);
	CHECK_STR_EQ(err.msg, "rejected line 2");
	CHECK_STR_EQ(jn_buf_cstr(&s.all), "a|");
	jn_buf_release(&s.all);
	jn_kube_lines_release(&lines);
}

int main(void)
{
	JN_RUN(splits_under_every_chunking);
	JN_RUN(refuses_a_line_over_the_cap);
	JN_RUN(stops_at_a_callback_error);
	return jn_tap_done();
}
