#ifndef JITNODE_BUF_H
#define JITNODE_BUF_H

/*
 * A growable byte buffer with a hard cap, always NUL-terminated (the NUL is not counted in len).
 *
 * The cap is fixed at init: a buffer filled from the network or a file can never grow past it,
 * and an append that would is refused with JN_ERR_TOO_LARGE naming the limit (STYLE rule 7).
 * Caller-allocated: jn_buf_init / jn_buf_release. Not thread-safe.
 */

#include <stddef.h>

#include "jitnode/base.h"

struct jn_error;

struct jn_buf {
	char *data;     /* owned; NULL until the first append, jn_buf_cstr() never returns NULL */
	size_t len;
	size_t cap;
	size_t limit;   /* the most bytes len may reach */
};

#define JN_BUF_UNLIMITED SIZE_MAX

/** Prepares an empty buffer that holds at most `limit` bytes (JN_BUF_UNLIMITED for none). */
void jn_buf_init(struct jn_buf *buf, size_t limit);
/** Frees the storage; the buffer may be initialised again. */
void jn_buf_release(struct jn_buf *buf);
/** Empties the buffer, keeping its storage. */
void jn_buf_reset(struct jn_buf *buf);

/** Appends n bytes. Fails with JN_ERR_TOO_LARGE (buffer unchanged) past the limit. */
int jn_buf_append(struct jn_buf *buf, const void *data, size_t n, struct jn_error *err);
int jn_buf_append_str(struct jn_buf *buf, const char *s, struct jn_error *err);
int jn_buf_printf(struct jn_buf *buf, struct jn_error *err, const char *fmt, ...) JN_PRINTF(3, 4);
int jn_buf_vprintf(struct jn_buf *buf, struct jn_error *err, const char *fmt, va_list ap)
	JN_PRINTF(3, 0);

/** Borrowed NUL-terminated view ("" when empty); valid until the next append or release. */
const char *jn_buf_cstr(const struct jn_buf *buf);

/** Hands the storage to the caller (owned, NUL-terminated) and leaves the buffer empty. */
char *jn_buf_detach(struct jn_buf *buf, size_t *len);

/** Reads a whole file into buf, up to its limit. JN_ERR_IO / JN_ERR_TOO_LARGE name the file. */
int jn_buf_read_file(struct jn_buf *buf, const char *path, struct jn_error *err);

#endif
