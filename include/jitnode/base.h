#ifndef JITNODE_BASE_H
#define JITNODE_BASE_H

/*
 * Memory and small utilities every subsystem uses.
 *
 * Out of memory is not an error jitnode recovers from (STYLE rule 7): the jn_x* allocators log
 * to stderr and abort, so callers never carry impossible branches. What outside input controls
 * (request bodies, files, EC2 answers) is capped where it is read, long before memory runs out.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define JN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define JN_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define JN_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define JN_PRINTF(fmt_idx, arg_idx)
#endif

/** malloc that aborts on failure. Returns owned memory (never NULL, even for size 0). */
void *jn_xmalloc(size_t size);
/** calloc that aborts on failure or on nmemb * size overflow. */
void *jn_xcalloc(size_t nmemb, size_t size);
/** realloc that aborts on failure. */
void *jn_xrealloc(void *ptr, size_t size);
/** strdup that aborts on failure; jn_xstrdup(NULL) returns NULL. */
char *jn_xstrdup(const char *s);
/** Owned copy of the first n bytes of s, NUL-terminated. */
char *jn_xstrndup(const char *s, size_t n);
/** Owned formatted string. */
char *jn_xasprintf(const char *fmt, ...) JN_PRINTF(1, 2);
char *jn_xvasprintf(const char *fmt, va_list ap) JN_PRINTF(1, 0);

/**
 * Grows an array so that it holds at least `need` elements of `elem_size` bytes.
 * `*cap` is updated; the array at least doubles so that appending is amortised O(1).
 * Returns the (possibly moved) array. Aborts on overflow.
 */
void *jn_xgrow(void *array, size_t *cap, size_t need, size_t elem_size);

/** Appends one element to a (items, len, cap) triple, growing it; evaluates to the new slot. */
#define JN_PUSH(items, len, cap) \
	((items) = jn_xgrow((items), &(cap), (len) + 1, sizeof(*(items))), &(items)[(len)++])

/**
 * Binary search in an array sorted by a string member: `items` holds `len` elements of
 * `elem_size` bytes whose `char *` key sits at `key_offset` (offsetof). Returns the index of key,
 * or where it would be inserted to keep the order; *found says which.
 */
size_t jn_bsearch_str(const void *items, size_t len, size_t elem_size, size_t key_offset,
	const char *key, bool *found);

/** True when s starts with prefix. */
bool jn_str_has_prefix(const char *s, const char *prefix);
/** True when both are NULL or both equal. */
bool jn_str_eq(const char *a, const char *b);

#endif
