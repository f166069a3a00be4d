/*
 * Requirements keyed by label (struct jn_reqs): Karpenter's scheduling.Requirements.
 *
 * The map is a sorted array, not a hash table: requirement maps hold a dozen keys, so binary
 * search is as fast as hashing, and two sorted maps are compared in one merge pass with no
 * allocation, which is what the packer does millions of times (is this pod compatible with
 * this claim, this claim with this instance type).
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "jitnode/error.h"
#include "sched_internal.h"

void jn_reqs_init(struct jn_reqs *reqs)
{
	reqs->items = NULL;
	reqs->len = 0;
	reqs->cap = 0;
}

void jn_reqs_release(struct jn_reqs *reqs)
{
	for (size_t i = 0; i < reqs->len; i++)
		jn_req_release(&reqs->items[i]);
	free(reqs->items);
	jn_reqs_init(reqs);
}

void jn_reqs_copy(struct jn_reqs *dst, const struct jn_reqs *src)
{
	jn_reqs_init(dst);
	if (!src->len)
		return;
	dst->items = jn_xgrow(NULL, &dst->cap, src->len, sizeof(*dst->items));
	for (size_t i = 0; i < src->len; i++)
		jn_req_copy(&dst->items[i], &src->items[i]);
	dst->len = src->len;
}

static size_t search(const struct jn_reqs *reqs, const char *key, bool *found)
{
	return jn_bsearch_str(reqs->items, reqs->len, sizeof(*reqs->items),
		offsetof(struct jn_req, key), key, found);
}

const struct jn_req *jn_reqs_get(const struct jn_reqs *reqs, const char *key)
{
	bool found;
	size_t at = search(reqs, jn_label_normalize(key), &found);
	return found ? &reqs->items[at] : NULL;
}

bool jn_reqs_has(const struct jn_reqs *reqs, const char *key)
{
	return jn_reqs_get(reqs, key) != NULL;
}

bool jn_reqs_remove(struct jn_reqs *reqs, const char *key)
{
	bool found;
	size_t at = search(reqs, jn_label_normalize(key), &found);
	if (!found)
		return false;
	jn_req_release(&reqs->items[at]);
	memmove(&reqs->items[at], &reqs->items[at + 1], (reqs->len - at - 1) * sizeof(*reqs->items));
	reqs->len--;
	return true;
}

/* The one rule every comparison shares: no common value is fine only if both allow absence. */
static bool sets_meet(const struct jn_req *a, const struct jn_req *b)
{
	return jn_req_intersects(a, b) || (jn_req_allows_absent(a) && jn_req_allows_absent(b));
}

bool jn_reqs_add(struct jn_reqs *reqs, const struct jn_req *req, char *why, size_t why_size)
{
	bool found;
	size_t at = search(reqs, req->key, &found);
	if (!found) {
		reqs->items = jn_xgrow(reqs->items, &reqs->cap, reqs->len + 1, sizeof(*reqs->items));
		memmove(&reqs->items[at + 1], &reqs->items[at], (reqs->len - at) * sizeof(*reqs->items));
		jn_req_copy(&reqs->items[at], req);
		reqs->len++;
		return true;
	}
	struct jn_req *existing = &reqs->items[at];
	bool ok = sets_meet(existing, req);
	if (!ok)
		sched_why_not_in(why, why_size, req->key, req, existing);
	jn_req_intersect(existing, req);
	return ok;
}

bool jn_reqs_add_all(struct jn_reqs *reqs, const struct jn_reqs *other, char *why,
	size_t why_size)
{
	for (size_t i = 0; i < other->len; i++)
		if (!jn_reqs_add(reqs, &other->items[i], why, why_size))
			return false;
	return true;
}

int jn_reqs_add_requirements(struct jn_reqs *reqs, const struct jn_requirement *src, size_t n,
	struct jn_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct jn_req r;
		char why[256];
		if (jn_req_init_requirement(&r, &src[i], err) < 0)
			return -1;
		bool ok = jn_reqs_add(reqs, &r, why, sizeof(why));
		jn_req_release(&r);
		if (!ok)
			return jn_error_set(err, JN_ERR_INVALID, "%s", why);
	}
	return 0;
}

bool jn_reqs_add_labels(struct jn_reqs *reqs, const struct jn_strmap *labels, char *why,
	size_t why_size)
{
	for (size_t i = 0; i < labels->len; i++) {
		struct jn_req r;
		jn_req_init_label(&r, labels->items[i].key, labels->items[i].value);
		bool ok = jn_reqs_add(reqs, &r, why, why_size);
		jn_req_release(&r);
		if (!ok)
			return false;
	}
	return true;
}

bool jn_reqs_compatible(const struct jn_reqs *have, const struct jn_reqs *want,
	const struct jn_keyset *allow_undefined, char *why, size_t why_size)
{
	size_t i = 0;
	for (size_t j = 0; j < want->len; j++) {
		const struct jn_req *w = &want->items[j];
		int c = 1;
		while (i < have->len && (c = strcmp(have->items[i].key, w->key)) < 0)
			i++;
		if (i < have->len && c == 0) {
			if (!sets_meet(&have->items[i], w)) {
				sched_why_not_in(why, why_size, w->key, w, &have->items[i]);
				return false;
			}
			continue;
		}
		/* Custom labels must be defined by have; well-known ones the instance types decide. */
		if (jn_req_allows_absent(w) || jn_keyset_has(allow_undefined, w->key))
			continue;
		sched_why(why, why_size, "label \"%s\" does not have known values", w->key);
		return false;
	}
	return true;
}

bool jn_reqs_intersects(const struct jn_reqs *a, const struct jn_reqs *b, char *why,
	size_t why_size)
{
	size_t i = 0, j = 0;
	while (i < a->len && j < b->len) {
		int c = strcmp(a->items[i].key, b->items[j].key);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			if (!sets_meet(&a->items[i], &b->items[j])) {
				sched_why_not_in(why, why_size, b->items[j].key, &b->items[j], &a->items[i]);
				return false;
			}
			i++, j++;
		}
	}
	return true;
}

bool jn_reqs_matches_labels(const struct jn_reqs *reqs, const struct jn_strmap *labels,
	char *why, size_t why_size)
{
	for (size_t i = 0; i < reqs->len; i++) {
		const struct jn_req *r = &reqs->items[i];
		const char *value = jn_strmap_get(labels, r->key);
		if (value ? jn_req_has(r, value) : jn_req_allows_absent(r))
			continue;
		if (why && why_size) {
			struct sched_text t;
			sched_text_init(&t, why, why_size);
			if (value)
				sched_text_printf(&t, "key %s: label value \"%s\" not in ", r->key, value);
			else
				sched_text_printf(&t, "key %s: label missing, requires ", r->key);
			sched_text_req_set(&t, r);
		}
		return false;
	}
	return true;
}

bool jn_reqs_check(const struct jn_reqs *reqs)
{
	if (reqs->len > reqs->cap || (reqs->len && !reqs->items))
		return false;
	for (size_t i = 0; i < reqs->len; i++) {
		if (!jn_req_check(&reqs->items[i]))
			return false;
		if (i && strcmp(reqs->items[i - 1].key, reqs->items[i].key) >= 0)
			return false;
	}
	return true;
}
