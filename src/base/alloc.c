#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"

static void die_oom(size_t size)
{
	fprintf(stderr, "jitnode: out of memory allocating %zu bytes\n", size);
	abort();
}

void *jn_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		die_oom(size);
	return p;
}

void *jn_xcalloc(size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		die_oom(SIZE_MAX);
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die_oom(nmemb * size);
	return p;
}

void *jn_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (!p)
		die_oom(size);
	return p;
}

char *jn_xstrdup(const char *s)
{
	return s ? jn_xstrndup(s, strlen(s)) : NULL;
}

char *jn_xstrndup(const char *s, size_t n)
{
	char *p = jn_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *jn_xvasprintf(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		die_oom(0);
	char *p = jn_xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *jn_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = jn_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void *jn_xgrow(void *array, size_t *cap, size_t need, size_t elem_size)
{
	if (need <= *cap)
		return array;
	size_t next = *cap ? *cap : 4;
	while (next < need) {
		if (next > SIZE_MAX / 2)
			die_oom(SIZE_MAX);
		next *= 2;
	}
	if (elem_size && next > SIZE_MAX / elem_size)
		die_oom(SIZE_MAX);
	array = jn_xrealloc(array, next * elem_size);
	*cap = next;
	return array;
}

bool jn_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool jn_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

size_t jn_bsearch_str(const void *items, size_t len, size_t elem_size, size_t key_offset,
	const char *key, bool *found)
{
	const char *base = items;
	size_t lo = 0, hi = len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(const char *const *)(const void *)(base + mid * elem_size + key_offset);
		int c = strcmp(k, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}
