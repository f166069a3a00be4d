/*
 * Pods and nodes from whatever a user or the apiserver hands us: one object, a List or typed
 * List (`kubectl get pods -o json`), or a JSON array of either. Appending is all or nothing:
 * on failure the list is back to its length before the call.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "api_internal.h"

/* Nesting bound: arrays of Lists of ... are legitimate only a level or two deep. */
#define MAX_DEPTH 4

struct kind_ops {
	const char *kind;        /* "Pod" */
	const char *list_kind;   /* "PodList" */
	size_t elem_size;
	int (*decode)(const json_t *obj, const struct jn_json_path *path, void *out,
		struct jn_error *err);
	void (*release)(void *item);
};

/* A type-erased (items, len, cap) triple, copied in and out of the typed list. */
struct any_list {
	void *items;
	size_t len;
	size_t cap;
};

static int append(const struct kind_ops *ops, struct any_list *l, const json_t *doc,
	const struct jn_json_path *path, int depth, struct jn_error *err)
{
	if (depth > MAX_DEPTH)
		return jn_json_error(err, path, "lists nested deeper than %d levels", MAX_DEPTH);
	if (json_is_array(doc)) {
		for (size_t i = 0; i < json_array_size(doc); i++) {
			struct jn_json_path at = JN_JSON_IDX(path, i);
			if (append(ops, l, json_array_get(doc, i), &at, depth + 1, err) < 0)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(doc))
		return jn_json_error(err, path, "expected a %s, a %s or an array, got %s",
			ops->kind, ops->list_kind, jn_json_type_name(doc));
	const json_t *kind = json_object_get(doc, "kind");
	const char *k = json_is_string(kind) ? json_string_value(kind) : NULL;
	bool is_list = k ? (strcmp(k, "List") == 0 || strcmp(k, ops->list_kind) == 0) :
		json_object_get(doc, "items") != NULL;
	if (is_list) {
		const json_t *items = NULL;
		if (jn_json_get_array(doc, "items", path, false, &items, err) < 0)
			return -1;
		if (!items)
			return 0;
		struct jn_json_path ip = JN_JSON_KEY(path, "items");
		for (size_t i = 0; i < json_array_size(items); i++) {
			struct jn_json_path at = JN_JSON_IDX(&ip, i);
			const json_t *item = json_array_get(items, i);
			/* Items of a List are single objects, never nested lists. */
			if (json_is_object(item) && api_check_kind(item, ops->kind, &at, err) < 0)
				return -1;
			if (!json_is_object(item))
				return jn_json_error(err, &at, "expected an object, got %s",
					jn_json_type_name(item));
			if (append(ops, l, item, &at, MAX_DEPTH, err) < 0)
				return -1;
		}
		return 0;
	}
	l->items = jn_xgrow(l->items, &l->cap, l->len + 1, ops->elem_size);
	void *slot = (char *)l->items + l->len * ops->elem_size;
	if (ops->decode(doc, path, slot, err) < 0)
		return -1;
	l->len++;
	return 0;
}

static int append_all(const struct kind_ops *ops, struct any_list *l, const json_t *doc,
	struct jn_error *err)
{
	size_t before = l->len;
	struct jn_json_path root = JN_JSON_ROOT;
	if (append(ops, l, doc, &root, 0, err) == 0)
		return 0;
	for (size_t i = before; i < l->len; i++)
		ops->release((char *)l->items + i * ops->elem_size);
	l->len = before;
	return -1;
}

static int pod_dec(const json_t *o, const struct jn_json_path *p, void *out, struct jn_error *e)
{
	return jn_pod_from_json(o, p, out, e);
}

static void pod_rel(void *item)
{
	jn_pod_release(item);
}

static int node_dec(const json_t *o, const struct jn_json_path *p, void *out, struct jn_error *e)
{
	return jn_node_from_json(o, p, out, e);
}

static void node_rel(void *item)
{
	jn_node_release(item);
}

static const struct kind_ops pod_ops = {
	.kind = "Pod", .list_kind = "PodList", .elem_size = sizeof(struct jn_pod),
	.decode = pod_dec, .release = pod_rel,
};

static const struct kind_ops node_ops = {
	.kind = "Node", .list_kind = "NodeList", .elem_size = sizeof(struct jn_node),
	.decode = node_dec, .release = node_rel,
};

int jn_pod_list_append_json(struct jn_pod_list *list, const json_t *doc, struct jn_error *err)
{
	struct any_list l = { list->items, list->len, list->cap };
	int rc = append_all(&pod_ops, &l, doc, err);
	list->items = l.items;
	list->len = l.len;
	list->cap = l.cap;
	return rc;
}

int jn_node_list_append_json(struct jn_node_list *list, const json_t *doc, struct jn_error *err)
{
	struct any_list l = { list->items, list->len, list->cap };
	int rc = append_all(&node_ops, &l, doc, err);
	list->items = l.items;
	list->len = l.len;
	list->cap = l.cap;
	return rc;
}

void jn_pod_list_release(struct jn_pod_list *list)
{
	for (size_t i = 0; i < list->len; i++)
		jn_pod_release(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

void jn_node_list_release(struct jn_node_list *list)
{
	for (size_t i = 0; i < list->len; i++)
		jn_node_release(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}
