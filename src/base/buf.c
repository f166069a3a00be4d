#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"

void jn_buf_init(struct jn_buf *buf, size_t limit)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->limit = limit;
}

void jn_buf_release(struct jn_buf *buf)
{
	free(buf->data);
	jn_buf_init(buf, buf->limit);
}

void jn_buf_reset(struct jn_buf *buf)
{
	buf->len = 0;
	if (buf->data)
		buf->data[0] = '\0';
}

static int reserve(struct jn_buf *buf, size_t extra, struct jn_error *err)
{
	if (extra > buf->limit - buf->len)
		return jn_error_set(err, JN_ERR_TOO_LARGE, "more than %zu bytes", buf->limit);
	buf->data = jn_xgrow(buf->data, &buf->cap, buf->len + extra + 1, 1);
	return 0;
}

int jn_buf_append(struct jn_buf *buf, const void *data, size_t n, struct jn_error *err)
{
	if (reserve(buf, n, err) < 0)
		return -1;
	if (n)
		memcpy(buf->data + buf->len, data, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
	return 0;
}

int jn_buf_append_str(struct jn_buf *buf, const char *s, struct jn_error *err)
{
	return jn_buf_append(buf, s, strlen(s), err);
}

int jn_buf_vprintf(struct jn_buf *buf, struct jn_error *err, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return jn_error_set(err, JN_ERR_INTERNAL, "formatting '%s' failed", fmt);
	if (reserve(buf, (size_t)n, err) < 0)
		return -1;
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	buf->len += (size_t)n;
	return 0;
}

int jn_buf_printf(struct jn_buf *buf, struct jn_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = jn_buf_vprintf(buf, err, fmt, ap);
	va_end(ap);
	return rc;
}

const char *jn_buf_cstr(const struct jn_buf *buf)
{
	return buf->data ? buf->data : "";
}

char *jn_buf_detach(struct jn_buf *buf, size_t *len)
{
	char *data = buf->data ? buf->data : jn_xstrdup("");
	if (len)
		*len = buf->len;
	jn_buf_init(buf, buf->limit);
	return data;
}

int jn_buf_read_file(struct jn_buf *buf, const char *path, struct jn_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return jn_error_set(err, JN_ERR_IO, "opening '%s': %s", path, strerror(errno));
	char chunk[65536];
	int rc = 0;
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (jn_buf_append(buf, chunk, n, err) < 0) {
			rc = jn_error_prefix(err, "reading '%s'", path);
			goto out;
		}
	}
	if (ferror(f))
		rc = jn_error_set(err, JN_ERR_IO, "reading '%s': %s", path, strerror(errno));
out:
	fclose(f);
	return rc;
}
