/*
 * The watch stream is one JSON object per line (the apiserver's streaming JSON encoder). Lines
 * are split here with a hard cap so that a peer cannot make us buffer without bound.
 */
#include <string.h>

#include "jitnode/error.h"
#include "kube_internal.h"

void jn_kube_lines_init(struct jn_kube_lines *lines, size_t max)
{
	jn_buf_init(&lines->partial, max);
	lines->max = max;
}

void jn_kube_lines_release(struct jn_kube_lines *lines)
{
	jn_buf_release(&lines->partial);
}

void jn_kube_lines_reset(struct jn_kube_lines *lines)
{
	jn_buf_reset(&lines->partial);
}

static int emit(const char *line, size_t len, jn_kube_line_fn fn, void *ctx, struct jn_error *err)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	return fn(ctx, line, len, err);
}

static int too_large(struct jn_kube_lines *lines, struct jn_error *err)
{
	return jn_error_set(err, JN_ERR_TOO_LARGE, "watch event over %zu bytes", lines->max);
}

int jn_kube_lines_feed(struct jn_kube_lines *lines, const char *data, size_t n,
	jn_kube_line_fn fn, void *ctx, struct jn_error *err)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t chunk = nl ? (size_t)(nl - data) : n;
		if (lines->partial.len == 0 && nl) {
			/* The whole line is in this block: no copy. */
			if (chunk > lines->max)
				return too_large(lines, err);
			if (emit(data, chunk, fn, ctx, err) < 0)
				return -1;
		} else {
			if (jn_buf_append(&lines->partial, data, chunk, NULL) < 0)
				return too_large(lines, err);
			if (nl) {
				int rc = emit(lines->partial.data, lines->partial.len, fn, ctx, err);
				jn_buf_reset(&lines->partial);
				if (rc < 0)
					return -1;
			}
		}
		if (!nl)
			break;
		data += chunk + 1;
		n -= chunk + 1;
	}
	return 0;
}
