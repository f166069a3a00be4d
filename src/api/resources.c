/*
 * Resource lists in the units kube-scheduler compares (framework.Resource): the four well-known
 * resources as fields, everything else (GPUs, hugepages, vpc.amazonaws.com/pod-eni, ...) in a
 * small array sorted by name. Arithmetic saturates: a sum of requests can never wrap into a
 * negative that would make a pod fit anywhere.
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

void jn_resources_release(struct jn_resources *r)
{
	for (size_t i = 0; i < r->n_ext; i++)
		free(r->ext[i].name);
	free(r->ext);
	memset(r, 0, sizeof(*r));
}

void jn_resources_copy(struct jn_resources *dst, const struct jn_resources *src)
{
	*dst = *src;
	dst->ext = NULL;
	if (!src->n_ext)
		return;
	dst->ext = jn_xcalloc(src->n_ext, sizeof(*dst->ext));
	for (size_t i = 0; i < src->n_ext; i++) {
		dst->ext[i].name = jn_xstrdup(src->ext[i].name);
		dst->ext[i].value = src->ext[i].value;
	}
}

/* The well-known field for name, or NULL for an extended resource. */
static int64_t *field(struct jn_resources *r, const char *name)
{
	if (strcmp(name, JN_RESOURCE_CPU) == 0)
		return &r->cpu_milli;
	if (strcmp(name, JN_RESOURCE_MEMORY) == 0)
		return &r->memory;
	if (strcmp(name, JN_RESOURCE_EPHEMERAL_STORAGE) == 0)
		return &r->ephemeral_storage;
	if (strcmp(name, JN_RESOURCE_PODS) == 0)
		return &r->pods;
	return NULL;
}

/* Binary search: the index of name, or where it would be inserted (*found false). */
static size_t ext_find(const struct jn_resources *r, const char *name, bool *found)
{
	return jn_bsearch_str(r->ext, r->n_ext, sizeof(*r->ext),
		offsetof(struct jn_extended_resource, name), name, found);
}

/* The slot of an extended resource, inserted with value 0 when absent. */
static int64_t *ext_slot(struct jn_resources *r, const char *name)
{
	bool found;
	size_t at = ext_find(r, name, &found);
	if (found)
		return &r->ext[at].value;
	r->ext = jn_xrealloc(r->ext, (r->n_ext + 1) * sizeof(*r->ext));
	memmove(&r->ext[at + 1], &r->ext[at], (r->n_ext - at) * sizeof(*r->ext));
	r->n_ext++;
	r->ext[at].name = jn_xstrdup(name);
	r->ext[at].value = 0;
	return &r->ext[at].value;
}

int64_t jn_resources_get(const struct jn_resources *r, const char *name)
{
	int64_t *f = field((struct jn_resources *)r, name);
	if (f)
		return *f;
	bool found;
	size_t at = ext_find(r, name, &found);
	return found ? r->ext[at].value : 0;
}

void jn_resources_set(struct jn_resources *r, const char *name, int64_t value)
{
	int64_t *f = field(r, name);
	*(f ? f : ext_slot(r, name)) = value;
}

void jn_resources_add(struct jn_resources *dst, const struct jn_resources *src)
{
	dst->cpu_milli = sat_add(dst->cpu_milli, src->cpu_milli);
	dst->memory = sat_add(dst->memory, src->memory);
	dst->ephemeral_storage = sat_add(dst->ephemeral_storage, src->ephemeral_storage);
	dst->pods = sat_add(dst->pods, src->pods);
	for (size_t i = 0; i < src->n_ext; i++) {
		int64_t *slot = ext_slot(dst, src->ext[i].name);
		*slot = sat_add(*slot, src->ext[i].value);
	}
}

void jn_resources_max(struct jn_resources *dst, const struct jn_resources *src)
{
	dst->cpu_milli = JN_MAX(dst->cpu_milli, src->cpu_milli);
	dst->memory = JN_MAX(dst->memory, src->memory);
	dst->ephemeral_storage = JN_MAX(dst->ephemeral_storage, src->ephemeral_storage);
	dst->pods = JN_MAX(dst->pods, src->pods);
	for (size_t i = 0; i < src->n_ext; i++) {
		int64_t *slot = ext_slot(dst, src->ext[i].name);
		*slot = JN_MAX(*slot, src->ext[i].value);
	}
}

bool jn_resources_fit(const struct jn_resources *need, const struct jn_resources *have)
{
	if (need->cpu_milli > have->cpu_milli || need->memory > have->memory ||
	    need->ephemeral_storage > have->ephemeral_storage || need->pods > have->pods)
		return false;
	for (size_t i = 0; i < need->n_ext; i++)
		if (need->ext[i].value > jn_resources_get(have, need->ext[i].name))
			return false;
	return true;
}

bool jn_resources_is_zero(const struct jn_resources *r)
{
	if (r->cpu_milli || r->memory || r->ephemeral_storage || r->pods)
		return false;
	for (size_t i = 0; i < r->n_ext; i++)
		if (r->ext[i].value)
			return false;
	return true;
}

int jn_resources_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_resources *out, struct jn_error *err)
{
	if (jn_json_expect_object(obj, path, err) < 0)
		return -1;
	const char *name;
	json_t *value;
	json_object_foreach((json_t *)obj, name, value) {
		struct jn_json_path at = JN_JSON_KEY(path, name);
		struct jn_quantity q;
		if (jn_quantity_from_json(value, &at, &q, err) < 0)
			return -1;
		/* kube-scheduler charges cpu in MilliValue() and everything else in Value(). */
		bool cpu = strcmp(name, JN_RESOURCE_CPU) == 0;
		int64_t v = cpu ? jn_quantity_milli(&q) : jn_quantity_value(&q);
		jn_resources_set(out, name, sat_add(jn_resources_get(out, name), v));
	}
	return 0;
}

void jn_resources_sub(struct jn_resources *dst, const struct jn_resources *src)
{
	struct jn_resources neg = {
		.cpu_milli = src->cpu_milli == INT64_MIN ? INT64_MAX : -src->cpu_milli,
		.memory = src->memory == INT64_MIN ? INT64_MAX : -src->memory,
		.ephemeral_storage = src->ephemeral_storage == INT64_MIN ?
			INT64_MAX : -src->ephemeral_storage,
		.pods = src->pods == INT64_MIN ? INT64_MAX : -src->pods,
	};
	jn_resources_add(dst, &neg);
	for (size_t i = 0; i < src->n_ext; i++) {
		int64_t *slot = ext_slot(dst, src->ext[i].name);
		int64_t v = src->ext[i].value;
		*slot = sat_add(*slot, v == INT64_MIN ? INT64_MAX : -v);
	}
}
