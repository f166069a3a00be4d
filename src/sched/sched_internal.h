#ifndef JITNODE_SCHED_INTERNAL_H
#define JITNODE_SCHED_INTERNAL_H

/* Helpers shared by the files of src/sched; nothing outside src/sched includes this. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/base.h"
#include "jitnode/sched.h"

/*
 * A bounded text cursor with snprintf's contract: writes at most size bytes (NUL included)
 * into out, and len counts the full text, so the _format functions can return it.
 */
struct sched_text {
	char *out;      /* may be NULL when size is 0 */
	size_t size;
	size_t len;
};

void sched_text_init(struct sched_text *t, char *out, size_t size);
void sched_text_printf(struct sched_text *t, const char *fmt, ...) JN_PRINTF(2, 3);
void sched_text_put(struct sched_text *t, const char *s);
/** Appends the set as jn_req_format_set describes it. */
void sched_text_req_set(struct sched_text *t, const struct jn_req *r);

/** Writes a reason into why (when why is not NULL and why_size > 0). */
void sched_why(char *why, size_t why_size, const char *fmt, ...) JN_PRINTF(3, 4);
/** Writes "key <k>: <incoming set> not in <existing set>" into why. */
void sched_why_not_in(char *why, size_t why_size, const char *key, const struct jn_req *incoming,
	const struct jn_req *existing);

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits only, in range. */
bool sched_parse_int64(const char *s, int64_t *out);

#endif
