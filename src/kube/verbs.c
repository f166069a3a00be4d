/*
 * The verbs jitnode uses, each one request (a list is one request per page). They build paths
 * with escaped names and exact object shapes; errors come from jn_kube_call with the request
 * named, and the verb adds what it was doing.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "kube_internal.h"

#define LEASES "/apis/coordination.k8s.io/v1/namespaces/"

/* Owned path "<a><escaped b><c><escaped d><e>": the usual collection/name/subresource shape. */
static char *path_of(const char *a, const char *b, const char *c, const char *d, const char *e)
{
	struct jn_buf p;
	jn_buf_init(&p, JN_BUF_UNLIMITED);
	jn_buf_append_str(&p, a, NULL);
	if (b)
		jn_kube_escape(&p, b);
	if (c)
		jn_buf_append_str(&p, c, NULL);
	if (d)
		jn_kube_escape(&p, d);
	if (e)
		jn_buf_append_str(&p, e, NULL);
	return jn_buf_detach(&p, NULL);
}

static int send_json(struct jn_kube_client *client, const char *method, char *path,
	json_t *body, json_t **out, struct jn_error *err)
{
	int rc = jn_kube_request(client, method, path, body, NULL, out, NULL, err);
	free(path);
	json_decref(body);
	return rc;
}

int jn_kube_bind(struct jn_kube_client *client, const char *ns, const char *name,
	const char *uid, const char *node, struct jn_error *err)
{
	json_t *meta = json_pack("{s:s, s:s}", "name", name, "namespace", ns);
	if (uid)
		json_object_set_new(meta, "uid", json_string(uid));
	json_t *binding = json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s}}",
		"apiVersion", "v1", "kind", "Binding", "metadata", meta,
		"target", "apiVersion", "v1", "kind", "Node", "name", node);
	char *path = path_of("/api/v1/namespaces/", ns, "/pods/", name, "/binding");
	if (send_json(client, "POST", path, binding, NULL, err) < 0)
		return jn_error_prefix(err, "binding pod '%s/%s' to node '%s'", ns, name, node);
	return 0;
}

int jn_kube_get_pod(struct jn_kube_client *client, const char *ns, const char *name,
	json_t **out, struct jn_error *err)
{
	char *path = path_of("/api/v1/namespaces/", ns, "/pods/", name, NULL);
	return send_json(client, "GET", path, NULL, out, err);
}

int jn_kube_get_node(struct jn_kube_client *client, const char *name, json_t **out,
	struct jn_error *err)
{
	return send_json(client, "GET", path_of("/api/v1/nodes/", name, NULL, NULL, NULL), NULL,
		out, err);
}

/* One pass over every page; *gone when a continue token expired (the caller restarts). */
static int list_pass(struct jn_kube_client *client, const char *path, size_t page_size,
	jn_kube_page_fn fn, void *ctx, char **rv, bool *gone, struct jn_error *err)
{
	char *cont = NULL;
	bool first = true;
	int rc = -1;
	do {
		struct jn_buf p;
		jn_buf_init(&p, JN_BUF_UNLIMITED);
		jn_buf_printf(&p, NULL, "%s%climit=%zu", path, strchr(path, '?') ? '&' : '?',
			page_size);
		if (cont) {
			jn_buf_append_str(&p, "&continue=", NULL);
			jn_kube_escape(&p, cont);
		}
		json_t *page = NULL;
		int status = 0;
		int prc = jn_kube_request(client, "GET", jn_buf_cstr(&p), NULL, NULL, &page, &status,
			err);
		jn_buf_release(&p);
		if (prc < 0) {
			*gone = status == 410 && cont != NULL;
			goto done;
		}
		const json_t *items = json_object_get(page, "items");
		const json_t *meta = json_object_get(page, "metadata");
		const char *kind = json_string_value(json_object_get(page, "kind"));
		if (fn(ctx, first, kind, items) < 0) {
			json_decref(page);
			goto done;
		}
		first = false;
		const char *page_rv = json_string_value(json_object_get(meta, "resourceVersion"));
		if (page_rv) {
			free(*rv);
			*rv = jn_xstrdup(page_rv);
		}
		free(cont);
		const char *next = json_string_value(json_object_get(meta, "continue"));
		cont = next && *next ? jn_xstrdup(next) : NULL;
		json_decref(page);
	} while (cont);
	rc = 0;
done:
	free(cont);
	return rc;
}

int jn_kube_list_each(struct jn_kube_client *client, const char *path, size_t page_size,
	jn_kube_page_fn fn, void *ctx, char **rv, struct jn_error *err)
{
	*rv = NULL;
	for (int pass = 0;; pass++) {
		bool gone = false;
		if (list_pass(client, path, page_size ? page_size : 500, fn, ctx, rv, &gone, err) == 0)
			return 0;
		if (!gone || pass > 0) {
			free(*rv);
			*rv = NULL;
			return jn_error_prefix(err, "listing %s", path);
		}
	}
}

struct collect {
	json_t *result;
};

static int collect_page(void *ctx, bool first, const char *kind, const json_t *items)
{
	struct collect *c = ctx;
	json_t *all = json_object_get(c->result, "items");
	if (first)
		json_array_clear(all);
	if (kind)
		json_object_set_new(c->result, "kind", json_string(kind));
	json_array_extend(all, (json_t *)items);
	return 0;
}

int jn_kube_list(struct jn_kube_client *client, const char *path, size_t page_size,
	json_t **out, struct jn_error *err)
{
	*out = NULL;
	struct collect c = {
		.result = json_pack("{s:s, s:{}, s:[]}", "kind", "List", "metadata", "items"),
	};
	char *rv = NULL;
	if (jn_kube_list_each(client, path, page_size, collect_page, &c, &rv, err) < 0) {
		json_decref(c.result);
		return -1;
	}
	if (rv)
		json_object_set_new(json_object_get(c.result, "metadata"), "resourceVersion",
			json_string(rv));
	free(rv);
	*out = c.result;
	return 0;
}

int jn_kube_create_node(struct jn_kube_client *client, const json_t *node, json_t **out,
	struct jn_error *err)
{
	if (jn_kube_request(client, "POST", "/api/v1/nodes", node, NULL, out, NULL, err) < 0) {
		const char *name = json_string_value(json_object_get(json_object_get(node,
			"metadata"), "name"));
		return jn_error_prefix(err, "creating node '%s'", name ? name : "");
	}
	return 0;
}

int jn_kube_patch_node(struct jn_kube_client *client, const char *name, const json_t *patch,
	bool status, json_t **out, struct jn_error *err)
{
	char *path = path_of("/api/v1/nodes/", name, status ? "/status" : NULL, NULL, NULL);
	int rc = jn_kube_request(client, "PATCH", path, patch, NULL, out, NULL, err);
	free(path);
	return rc < 0 ? jn_error_prefix(err, "patching node '%s'", name) : 0;
}

static json_t *delete_options(const char *uid)
{
	json_t *opts = json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", "DeleteOptions");
	if (uid)
		json_object_set_new(opts, "preconditions", json_pack("{s:s}", "uid", uid));
	return opts;
}

int jn_kube_delete_node(struct jn_kube_client *client, const char *name, const char *uid,
	struct jn_error *err)
{
	char *path = path_of("/api/v1/nodes/", name, NULL, NULL, NULL);
	if (send_json(client, "DELETE", path, delete_options(uid), NULL, err) < 0)
		return jn_error_prefix(err, "deleting node '%s'", name);
	return 0;
}

int jn_kube_evict(struct jn_kube_client *client, const char *ns, const char *name,
	const char *uid, struct jn_error *err)
{
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "policy/v1",
		"kind", "Eviction", "metadata", "name", name, "namespace", ns);
	if (uid) {
		json_t *opts = delete_options(uid);
		json_object_del(opts, "apiVersion");
		json_object_del(opts, "kind");
		json_object_set_new(ev, "deleteOptions", opts);
	}
	char *path = path_of("/api/v1/namespaces/", ns, "/pods/", name, "/eviction");
	char *text = json_dumps(ev, JSON_COMPACT);
	/* A PDB refusal is a 429 that will not clear in seconds: the drain retries, not us. */
	struct jn_kube_call call = {
		.method = "POST", .path = path, .body = text, .body_len = strlen(text),
		.no_retry = true,
	};
	int rc = jn_kube_call(client, &call, NULL, err);
	free(text);
	free(path);
	json_decref(ev);
	return rc < 0 ? jn_error_prefix(err, "evicting pod '%s/%s'", ns, name) : 0;
}

int jn_kube_create_event(struct jn_kube_client *client, const char *kind, const char *ns,
	const char *name, const char *uid, const char *type, const char *reason,
	const char *message, const char *component, struct jn_error *err)
{
	char now[40];
	jn_time_format_rfc3339(jn_clock_wall_ns(jn_kube_client_clock(client)), now, sizeof(now));
	const char *event_ns = ns && *ns ? ns : "default";
	char *generate = jn_xasprintf("%s.", name);
	json_t *involved = json_pack("{s:s, s:s, s:s}", "apiVersion", "v1", "kind", kind,
		"name", name);
	if (ns && *ns)
		json_object_set_new(involved, "namespace", json_string(ns));
	if (uid)
		json_object_set_new(involved, "uid", json_string(uid));
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:{s:s},"
		" s:s, s:s, s:i, s:s}",
		"apiVersion", "v1", "kind", "Event",
		"metadata", "generateName", generate, "namespace", event_ns,
		"involvedObject", involved, "reason", reason, "message", message, "type", type,
		"source", "component", component, "firstTimestamp", now, "lastTimestamp", now,
		"count", 1, "reportingComponent", component);
	free(generate);
	char *path = path_of("/api/v1/namespaces/", event_ns, "/events", NULL, NULL);
	if (send_json(client, "POST", path, ev, NULL, err) < 0)
		return jn_error_prefix(err, "recording event '%s' on %s '%s'", reason, kind, name);
	return 0;
}

int jn_kube_get_lease(struct jn_kube_client *client, const char *ns, const char *name,
	json_t **out, struct jn_error *err)
{
	return send_json(client, "GET", path_of(LEASES, ns, "/leases/", name, NULL), NULL, out,
		err);
}

int jn_kube_create_lease(struct jn_kube_client *client, const char *ns, const json_t *lease,
	json_t **out, struct jn_error *err)
{
	char *path = path_of(LEASES, ns, "/leases", NULL, NULL);
	int rc = jn_kube_request(client, "POST", path, lease, NULL, out, NULL, err);
	free(path);
	return rc < 0 ? jn_error_prefix(err, "creating a lease in '%s'", ns) : 0;
}

int jn_kube_update_lease(struct jn_kube_client *client, const char *ns, const json_t *lease,
	json_t **out, struct jn_error *err)
{
	const char *name = json_string_value(json_object_get(json_object_get(lease, "metadata"),
		"name"));
	if (!name)
		return jn_error_set(err, JN_ERR_INVALID, "updating a lease: metadata.name is required");
	char *path = path_of(LEASES, ns, "/leases/", name, NULL);
	int rc = jn_kube_request(client, "PUT", path, lease, NULL, out, NULL, err);
	free(path);
	return rc < 0 ? jn_error_prefix(err, "updating lease '%s/%s'", ns, name) : 0;
}
