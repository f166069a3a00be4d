#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/map.h"

void jn_strmap_init(struct jn_strmap *map)
{
	map->items = NULL;
	map->len = 0;
	map->cap = 0;
}

void jn_strmap_release(struct jn_strmap *map)
{
	for (size_t i = 0; i < map->len; i++) {
		free(map->items[i].key);
		free(map->items[i].value);
	}
	free(map->items);
	jn_strmap_init(map);
}

void jn_strmap_copy(struct jn_strmap *dst, const struct jn_strmap *src)
{
	jn_strmap_init(dst);
	if (!src->len)
		return;
	dst->items = jn_xcalloc(src->len, sizeof(*dst->items));
	dst->cap = src->len;
	for (size_t i = 0; i < src->len; i++) {
		dst->items[i].key = jn_xstrdup(src->items[i].key);
		dst->items[i].value = jn_xstrdup(src->items[i].value);
	}
	dst->len = src->len;
}

/* Index of key, or of where it would be inserted; *found says which. */
static size_t search(const struct jn_strmap *map, const char *key, bool *found)
{
	return jn_bsearch_str(map->items, map->len, sizeof(*map->items),
		offsetof(struct jn_kv, key), key, found);
}

void jn_strmap_set(struct jn_strmap *map, const char *key, const char *value)
{
	bool found;
	size_t at = search(map, key, &found);
	char *copy = jn_xstrdup(value ? value : "");
	if (found) {
		free(map->items[at].value);
		map->items[at].value = copy;
		return;
	}
	map->items = jn_xgrow(map->items, &map->cap, map->len + 1, sizeof(*map->items));
	memmove(&map->items[at + 1], &map->items[at], (map->len - at) * sizeof(*map->items));
	map->items[at].key = jn_xstrdup(key);
	map->items[at].value = copy;
	map->len++;
}

const char *jn_strmap_get(const struct jn_strmap *map, const char *key)
{
	bool found;
	size_t at = search(map, key, &found);
	return found ? map->items[at].value : NULL;
}

bool jn_strmap_has(const struct jn_strmap *map, const char *key)
{
	return jn_strmap_get(map, key) != NULL;
}

bool jn_strmap_remove(struct jn_strmap *map, const char *key)
{
	bool found;
	size_t at = search(map, key, &found);
	if (!found)
		return false;
	free(map->items[at].key);
	free(map->items[at].value);
	memmove(&map->items[at], &map->items[at + 1], (map->len - at - 1) * sizeof(*map->items));
	map->len--;
	return true;
}

bool jn_strmap_contains_all(const struct jn_strmap *map, const struct jn_strmap *sub)
{
	for (size_t i = 0; i < sub->len; i++) {
		const char *v = jn_strmap_get(map, sub->items[i].key);
		if (!v || strcmp(v, sub->items[i].value) != 0)
			return false;
	}
	return true;
}
