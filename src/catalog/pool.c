/*
 * A bump allocator for a snapshot's immutable parts. A snapshot holds tens of thousands of
 * small strings (label values, names); allocating them one by one would cost more time and
 * memory than the numbers themselves, and they all die together.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_internal.h"

#define BLOCK_SIZE (64u << 10)
#define ALIGN 16u

struct catalog_pool_block {
	struct catalog_pool_block *next;
	size_t used;
	size_t size;
	_Alignas(16) unsigned char data[];
};

void catalog_pool_init(struct catalog_pool *pool)
{
	pool->head = NULL;
}

void catalog_pool_release(struct catalog_pool *pool)
{
	struct catalog_pool_block *b = pool->head;
	while (b) {
		struct catalog_pool_block *next = b->next;
		free(b);
		b = next;
	}
	pool->head = NULL;
}

/* size bytes at an offset that is a multiple of align (a power of two, at most ALIGN). */
static void *bump(struct catalog_pool *pool, size_t size, size_t align)
{
	struct catalog_pool_block *b = pool->head;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (!b || at > b->size || b->size - at < size) {
		/* A large request gets a block of its own, kept behind the current one so the
		 * current block's free tail is not wasted. */
		size_t cap = size > BLOCK_SIZE / 4 ? size : BLOCK_SIZE;
		struct catalog_pool_block *nb = jn_xmalloc(sizeof(*nb) + cap);
		nb->used = 0;
		nb->size = cap;
		if (b && cap != BLOCK_SIZE) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			pool->head = nb;
		}
		b = nb;
		at = 0;
	}
	void *p = b->data + at;
	b->used = at + size;
	return p;
}

void *catalog_pool_alloc(struct catalog_pool *pool, size_t size)
{
	void *p = bump(pool, size, ALIGN);
	memset(p, 0, size);
	return p;
}

char *catalog_pool_strdup(struct catalog_pool *pool, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = bump(pool, n, 1);
	memcpy(p, s, n);
	return p;
}

char *catalog_pool_printf(struct catalog_pool *pool, const char *fmt, ...)
{
	char small[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = bump(pool, (size_t)n + 1, 1);
	if ((size_t)n < sizeof(small)) {
		memcpy(p, small, (size_t)n + 1);
		return p;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
