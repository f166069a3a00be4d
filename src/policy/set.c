/*
 * Policy sets: the builder that reads files, folders and JSON values, and the immutable,
 * reference-counted set it produces.
 *
 * A text is all-or-nothing: its objects are decoded into a staging area and moved into the
 * builder only when every document of the text decoded. Cross-object rules (unique names, node
 * class references) need everything, so they run once in jn_policy_builder_finish(), which is
 * also where the pools are ordered the way the provisioner tries them (weight desc, then name).
 */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/log.h"
#include "policy_internal.h"

struct jn_policy_builder {
	struct jn_nodepool *pools;
	size_t n_pools, cap_pools;
	struct jn_ec2nodeclass *classes;
	size_t n_classes, cap_classes;
};

struct jn_policy_set {
	atomic_size_t refs;
	struct jn_nodepool *pools;              /* weight desc, then name */
	size_t n_pools;
	const struct jn_nodepool **pools_by_name;
	struct jn_ec2nodeclass *classes;        /* by name */
	size_t n_classes;
};

/* qsort and bsearch, minus the undefined behaviour of a NULL base for an empty array. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void *find(const void *key, const void *base, size_t n, size_t size,
	int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

struct jn_policy_builder *jn_policy_builder_create(void)
{
	return jn_xcalloc(1, sizeof(struct jn_policy_builder));
}

static void builder_clear(struct jn_policy_builder *b)
{
	for (size_t i = 0; i < b->n_pools; i++)
		jn_nodepool_release(&b->pools[i]);
	free(b->pools);
	for (size_t i = 0; i < b->n_classes; i++)
		jn_ec2nodeclass_release(&b->classes[i]);
	free(b->classes);
	memset(b, 0, sizeof(*b));
}

void jn_policy_builder_destroy(struct jn_policy_builder *b)
{
	if (!b)
		return;
	builder_clear(b);
	free(b);
}

/* --- decoding documents ------------------------------------------------------------------- */

struct decode_ctx {
	struct jn_policy_builder *stage;
	const struct policy_doc *doc;   /* NULL for JSON values (no positions) */
	const char *name;
};

static void source_at(const struct decode_ctx *c, const struct jn_json_path *path, bool key,
	struct jn_policy_source *out)
{
	char where[512];
	jn_json_path_format(path, where, sizeof(where));
	*out = (struct jn_policy_source){ .file = (char *)c->name };
	if (c->doc && !policy_doc_find(c->doc, where, key, &out->line, &out->col)) {
		out->line = c->doc->line;
		out->col = c->doc->col;
	}
}

static int add_object(const struct decode_ctx *c, const json_t *obj,
	const struct jn_json_path *path, unsigned depth, struct jn_error *err);

static int add_list(const struct decode_ctx *c, const json_t *obj, const struct jn_json_path *path,
	unsigned depth, struct jn_error *err)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata", "items", NULL };
	const json_t *items = NULL;
	if (jn_json_check_keys(obj, keys, path, err) < 0 ||
	    jn_json_get_array(obj, "items", path, true, &items, err) < 0)
		return -1;
	struct jn_json_path ip = JN_JSON_KEY(path, "items");
	size_t i;
	const json_t *item;
	json_array_foreach(items, i, item) {
		struct jn_json_path at = JN_JSON_IDX(&ip, i);
		if (add_object(c, item, &at, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int add_object(const struct decode_ctx *c, const json_t *obj,
	const struct jn_json_path *path, unsigned depth, struct jn_error *err)
{
	const char *kind = NULL, *api_version = "";
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_json_get_string(obj, "kind", path, true, &kind, err) < 0 ||
	    jn_json_get_string(obj, "apiVersion", path, false, &api_version, err) < 0)
		return -1;
	if (c->stage->n_pools + c->stage->n_classes >= JN_POLICY_MAX_OBJECTS)
		return jn_error_set(err, JN_ERR_TOO_LARGE, "more than %u policy objects",
			JN_POLICY_MAX_OBJECTS);
	struct jn_policy_source src;
	source_at(c, path, false, &src);
	if (strcmp(kind, "NodePool") == 0) {
		struct jn_nodepool *np = JN_PUSH(c->stage->pools, c->stage->n_pools,
			c->stage->cap_pools);
		if (jn_nodepool_from_json(obj, path, &src, np, err) < 0) {
			c->stage->n_pools--;
			return -1;
		}
		struct jn_json_path s = JN_JSON_KEY(path, "spec"), t = JN_JSON_KEY(&s, "template");
		struct jn_json_path ts = JN_JSON_KEY(&t, "spec");
		struct jn_json_path r = JN_JSON_KEY(&ts, "nodeClassRef"), n = JN_JSON_KEY(&r, "name");
		source_at(c, &n, false, &src);
		policy_source_copy(&np->node_class_ref_source, &src);
		return 0;
	}
	if (strcmp(kind, "EC2NodeClass") == 0) {
		struct jn_ec2nodeclass *nc = JN_PUSH(c->stage->classes, c->stage->n_classes,
			c->stage->cap_classes);
		if (jn_ec2nodeclass_from_json(obj, path, &src, nc, err) < 0) {
			c->stage->n_classes--;
			return -1;
		}
		return 0;
	}
	size_t len = strlen(kind);
	if (depth == 0 && len >= 4 && strcmp(kind + len - 4, "List") == 0)
		return add_list(c, obj, path, depth, err);
	struct jn_json_path at = JN_JSON_KEY(path, "kind");
	return jn_json_error(err, &at, "unsupported kind \"%s\" (apiVersion \"%s\"): expected "
		"NodePool (karpenter.sh/v1) or EC2NodeClass (karpenter.k8s.aws/v1)", kind, api_version);
}

/* Moves everything staged into b. */
static void commit(struct jn_policy_builder *b, struct jn_policy_builder *stage)
{
	for (size_t i = 0; i < stage->n_pools; i++)
		*JN_PUSH(b->pools, b->n_pools, b->cap_pools) = stage->pools[i];
	for (size_t i = 0; i < stage->n_classes; i++)
		*JN_PUSH(b->classes, b->n_classes, b->cap_classes) = stage->classes[i];
	free(stage->pools);
	free(stage->classes);
	memset(stage, 0, sizeof(*stage));
}

int jn_policy_builder_add_text(struct jn_policy_builder *b, const char *name, const char *text,
	size_t len, struct jn_error *err)
{
	struct policy_docs docs = { 0 };
	struct jn_policy_builder stage = { 0 };
	int rc = -1;
	if (policy_yaml_parse(name, text, len, &docs, err) < 0)
		goto out;
	for (size_t i = 0; i < docs.len; i++) {
		struct decode_ctx c = { .stage = &stage, .doc = &docs.items[i], .name = name };
		struct jn_json_path root = JN_JSON_ROOT;
		if (add_object(&c, docs.items[i].root, &root, 0, err) < 0) {
			policy_doc_locate_error(&docs.items[i], name, err);
			goto out;
		}
	}
	if (b->n_pools + b->n_classes + stage.n_pools + stage.n_classes > JN_POLICY_MAX_OBJECTS) {
		jn_error_set(err, JN_ERR_TOO_LARGE, "%s: more than %u policy objects", name,
			JN_POLICY_MAX_OBJECTS);
		goto out;
	}
	commit(b, &stage);
	rc = 0;
out:
	builder_clear(&stage);
	policy_docs_release(&docs);
	return rc;
}

int jn_policy_builder_add_json(struct jn_policy_builder *b, const char *name, const json_t *doc,
	struct jn_error *err)
{
	struct jn_policy_builder stage = { 0 };
	struct decode_ctx c = { .stage = &stage, .doc = NULL, .name = name };
	struct jn_json_path root = JN_JSON_ROOT;
	int rc = add_object(&c, doc, &root, 0, err);
	if (rc < 0)
		jn_error_prefix(err, "%s", name);
	else
		commit(b, &stage);
	builder_clear(&stage);
	return rc;
}

int jn_policy_builder_add_file(struct jn_policy_builder *b, const char *path,
	struct jn_error *err)
{
	struct jn_buf buf;
	jn_buf_init(&buf, JN_POLICY_MAX_FILE_BYTES);
	int rc = jn_buf_read_file(&buf, path, err);
	if (rc == 0)
		rc = jn_policy_builder_add_text(b, path, jn_buf_cstr(&buf), buf.len, err);
	jn_buf_release(&buf);
	return rc;
}

static bool policy_file_name(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return false;   /* hidden files: editor and tool droppings */
	return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")) ||
		(n > 5 && !strcmp(name + n - 5, ".json"));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int jn_policy_builder_add_dir(struct jn_policy_builder *b, const char *path,
	struct jn_error *err)
{
	DIR *dir = opendir(path);
	if (!dir)
		return jn_error_set(err, JN_ERR_IO, "opening folder \"%s\": %s", path, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (struct dirent *de; (de = readdir(dir));) {
		if (!policy_file_name(de->d_name))
			continue;
		char *full = jn_xasprintf("%s/%s", path, de->d_name);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			*JN_PUSH(names, n, cap) = full;
		else
			free(full);
	}
	closedir(dir);
	sort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = jn_policy_builder_add_file(b, names[i], err);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int jn_policy_builder_add_path(struct jn_policy_builder *b, const char *path,
	struct jn_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return jn_error_set(err, JN_ERR_IO, "reading \"%s\": %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return jn_policy_builder_add_dir(b, path, err);
	return jn_policy_builder_add_file(b, path, err);
}

/* --- finishing ---------------------------------------------------------------------------- */

static char *where(const struct jn_policy_source *s, char *out, size_t size)
{
	if (s->line)
		snprintf(out, size, "%s:%u:%u", s->file ? s->file : "", s->line, s->col);
	else
		snprintf(out, size, "%s", s->file ? s->file : "");
	return out;
}

struct named {
	const char *name;
	const struct jn_policy_source *source;
	size_t order;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int check_unique(struct named *items, size_t n, const char *what, struct jn_error *err)
{
	sort(items, n, sizeof(*items), named_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(items[i].name, items[i - 1].name) != 0)
			continue;
		char a[512], b[512];
		return jn_error_set(err, JN_ERR_INVALID, "%s: %s \"%s\" is already defined at %s",
			where(items[i].source, a, sizeof(a)), what, items[i].name,
			where(items[i - 1].source, b, sizeof(b)));
	}
	return 0;
}

static int check_names(const struct jn_policy_builder *b, struct jn_error *err)
{
	size_t n = JN_MAX(b->n_pools, b->n_classes);
	struct named *items = jn_xcalloc(n + 1, sizeof(*items));
	for (size_t i = 0; i < b->n_pools; i++)
		items[i] = (struct named){ b->pools[i].name, &b->pools[i].source, i };
	int rc = check_unique(items, b->n_pools, "nodepool", err);
	for (size_t i = 0; rc == 0 && i < b->n_classes; i++)
		items[i] = (struct named){ b->classes[i].name, &b->classes[i].source, i };
	if (rc == 0)
		rc = check_unique(items, b->n_classes, "ec2nodeclass", err);
	free(items);
	return rc;
}

static int class_cmp(const void *a, const void *b)
{
	return strcmp(((const struct jn_ec2nodeclass *)a)->name,
		((const struct jn_ec2nodeclass *)b)->name);
}

static int pool_order(const void *a, const void *b)
{
	const struct jn_nodepool *x = a, *y = b;
	int32_t wx = x->has_weight ? x->weight : 0, wy = y->has_weight ? y->weight : 0;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int pool_ptr_by_name(const void *a, const void *b)
{
	return strcmp((*(const struct jn_nodepool *const *)a)->name,
		(*(const struct jn_nodepool *const *)b)->name);
}

static void log_set(const struct jn_policy_set *set, struct jn_logger *log)
{
	char text[128], dur[64], src[512];
	for (size_t i = 0; i < set->n_pools; i++) {
		const struct jn_nodepool *p = &set->pools[i];
		jn_log_info(log, "loaded nodepool", JN_LOG_STR("name", p->name),
			JN_LOG_INT("weight", p->has_weight ? p->weight : 0),
			JN_LOG_STR("nodeclass", p->node_class_ref.name),
			JN_LOG_INT("requirements", p->n_requirements),
			JN_LOG_STR("expire_after", jn_duration_format(&p->expire_after, dur, sizeof(dur))),
			JN_LOG_STR("defaulted", jn_nodepool_defaults_format(p->defaults, text,
				sizeof(text))),
			JN_LOG_STR("source", where(&p->source, src, sizeof(src))));
	}
	for (size_t i = 0; i < set->n_classes; i++) {
		const struct jn_ec2nodeclass *c = &set->classes[i];
		snprintf(text, sizeof(text), "%s%s%s",
			c->defaults & JN_EC2NODECLASS_DEFAULT_METADATA_OPTIONS ? "metadataOptions" : "",
			c->defaults == 3 ? "," : "",
			c->defaults & JN_EC2NODECLASS_DEFAULT_AMI_FAMILY ? "amiFamily" : "");
		jn_log_info(log, "loaded ec2nodeclass", JN_LOG_STR("name", c->name),
			JN_LOG_STR("ami_family", jn_ami_family_name(c->ami_family)),
			JN_LOG_STR("defaulted", text));
	}
	jn_log_info(log, "loaded policies", JN_LOG_INT("nodepools", set->n_pools),
		JN_LOG_INT("ec2nodeclasses", set->n_classes));
}

struct jn_policy_set *jn_policy_builder_finish(struct jn_policy_builder *b,
	struct jn_logger *log, struct jn_error *err)
{
	if (check_names(b, err) < 0)
		return NULL;
	sort(b->classes, b->n_classes, sizeof(*b->classes), class_cmp);
	for (size_t i = 0; i < b->n_pools; i++) {
		const struct jn_nodepool *p = &b->pools[i];
		struct jn_ec2nodeclass key = { .name = p->node_class_ref.name };
		if (find(&key, b->classes, b->n_classes, sizeof(key), class_cmp))
			continue;
		char at[512];
		jn_error_set(err, JN_ERR_INVALID, "%s: spec.template.spec.nodeClassRef.name: "
			"ec2nodeclass \"%s\" not found (referenced by nodepool \"%s\")",
			where(&p->node_class_ref_source, at, sizeof(at)), p->node_class_ref.name,
			p->name);
		return NULL;
	}
	sort(b->pools, b->n_pools, sizeof(*b->pools), pool_order);
	struct jn_policy_set *set = jn_xcalloc(1, sizeof(*set));
	atomic_init(&set->refs, 1);
	set->pools = b->pools;
	set->n_pools = b->n_pools;
	set->classes = b->classes;
	set->n_classes = b->n_classes;
	set->pools_by_name = jn_xcalloc(set->n_pools + 1, sizeof(*set->pools_by_name));
	for (size_t i = 0; i < set->n_pools; i++)
		set->pools_by_name[i] = &set->pools[i];
	sort(set->pools_by_name, set->n_pools, sizeof(*set->pools_by_name), pool_ptr_by_name);
	memset(b, 0, sizeof(*b));
	log_set(set, log);
	return set;
}

struct jn_policy_set *jn_policy_set_load(const char *path, struct jn_logger *log,
	struct jn_error *err)
{
	struct jn_policy_builder *b = jn_policy_builder_create();
	struct jn_policy_set *set = NULL;
	if (jn_policy_builder_add_path(b, path, err) == 0)
		set = jn_policy_builder_finish(b, log, err);
	jn_policy_builder_destroy(b);
	return set;
}

struct jn_policy_set *jn_policy_set_ref(struct jn_policy_set *set)
{
	atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
	return set;
}

void jn_policy_set_unref(struct jn_policy_set *set)
{
	if (!set || atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < set->n_pools; i++)
		jn_nodepool_release(&set->pools[i]);
	free(set->pools);
	free(set->pools_by_name);
	for (size_t i = 0; i < set->n_classes; i++)
		jn_ec2nodeclass_release(&set->classes[i]);
	free(set->classes);
	free(set);
}

size_t jn_policy_set_nodepool_count(const struct jn_policy_set *set)
{
	return set->n_pools;
}

const struct jn_nodepool *jn_policy_set_nodepool_at(const struct jn_policy_set *set, size_t i)
{
	return i < set->n_pools ? &set->pools[i] : NULL;
}

const struct jn_nodepool *jn_policy_set_nodepool(const struct jn_policy_set *set,
	const char *name)
{
	struct jn_nodepool key = { .name = (char *)name };
	const struct jn_nodepool *kp = &key;
	const struct jn_nodepool **hit = find(&kp, set->pools_by_name, set->n_pools,
		sizeof(*set->pools_by_name), pool_ptr_by_name);
	return hit ? *hit : NULL;
}

size_t jn_policy_set_nodeclass_count(const struct jn_policy_set *set)
{
	return set->n_classes;
}

const struct jn_ec2nodeclass *jn_policy_set_nodeclass_at(const struct jn_policy_set *set,
	size_t i)
{
	return i < set->n_classes ? &set->classes[i] : NULL;
}

const struct jn_ec2nodeclass *jn_policy_set_nodeclass(const struct jn_policy_set *set,
	const char *name)
{
	struct jn_ec2nodeclass key = { .name = (char *)name };
	return find(&key, set->classes, set->n_classes, sizeof(key), class_cmp);
}

const struct jn_ec2nodeclass *jn_policy_set_nodeclass_for(const struct jn_policy_set *set,
	const struct jn_nodepool *pool)
{
	return jn_policy_set_nodeclass(set, pool->node_class_ref.name);
}
