/*
 * YAML text -> jansson documents, remembering where every node was written.
 *
 * libyaml's event API is used rather than its document API because only events say whether a
 * scalar was plain or quoted, and that decides its type ("true" quoted is a string, true plain
 * a boolean). The walk is recursive with a depth cap; aliases share the anchored json_t and are
 * charged their expanded size so that a "billion laughs" file fails fast instead of making the
 * decoders walk an exponential tree.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "policy_internal.h"

struct anchor {
	char *name;
	json_t *value;      /* borrowed from the document being built */
	size_t weight;      /* nodes in the value, aliases expanded */
};

struct walker {
	yaml_parser_t parser;
	const char *name;
	struct policy_doc *doc;
	struct jn_buf path;
	size_t nodes;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t max_nodes;       /* per document, aliases expanded */
	bool positions;         /* record where every node was written (policy errors need it) */
	struct jn_error *err;
};

static int fail_at(struct walker *w, const yaml_mark_t *mark, const char *fmt, ...)
	JN_PRINTF(3, 4);

static int fail_at(struct walker *w, const yaml_mark_t *mark, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *path = jn_buf_cstr(&w->path);
	return jn_error_set(w->err, JN_ERR_INVALID, "%s:%zu:%zu: %s%s%s", w->name, mark->line + 1,
		mark->column + 1, path, *path ? ": " : "", what);
}

static int next_event(struct walker *w, yaml_event_t *ev)
{
	if (yaml_parser_parse(&w->parser, ev))
		return 0;
	const char *problem = w->parser.problem ? w->parser.problem : "unknown error";
	const yaml_mark_t *m = &w->parser.problem_mark;
	if (w->parser.context)
		return jn_error_set(w->err, JN_ERR_INVALID, "%s:%zu:%zu: invalid yaml: %s %s",
			w->name, m->line + 1, m->column + 1, problem, w->parser.context);
	return jn_error_set(w->err, JN_ERR_INVALID, "%s:%zu:%zu: invalid yaml: %s", w->name,
		m->line + 1, m->column + 1, problem);
}

static void record(struct walker *w, const yaml_mark_t *mark, const yaml_mark_t *key)
{
	struct policy_doc *d = w->doc;
	if (!w->positions)
		return;
	struct policy_pos *p = JN_PUSH(d->pos, d->n_pos, d->cap_pos);
	p->path = jn_xstrdup(jn_buf_cstr(&w->path));
	p->line = (uint32_t)mark->line + 1;
	p->col = (uint32_t)mark->column + 1;
	p->key_line = key ? (uint32_t)key->line + 1 : 0;
	p->key_col = key ? (uint32_t)key->column + 1 : 0;
}

static int charge(struct walker *w, size_t n, const yaml_mark_t *mark)
{
	w->nodes += n;
	if (w->nodes <= w->max_nodes)
		return 0;
	fail_at(w, mark, "document has more than %zu nodes (aliases expanded)", w->max_nodes);
	w->err->kind = JN_ERR_TOO_LARGE;
	return -1;
}

/* --- scalars ----------------------------------------------------------------------------- */

static bool all_digits(const char *s, const char *digits)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(digits, *s))
			return false;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, the core schema's float. */
static bool looks_float(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	size_t int_digits = strspn(s, "0123456789");
	s += int_digits;
	size_t frac_digits = 0;
	if (*s == '.') {
		s++;
		frac_digits = strspn(s, "0123456789");
		s += frac_digits;
	}
	if (!int_digits && !frac_digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!all_digits(s, "0123456789"))
			return false;
		return true;
	}
	return *s == '\0';
}

static json_t *parse_int(const char *s, int base)
{
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, base);
	if (errno == ERANGE || *end)
		return NULL;
	return json_integer(v);
}

/* Resolves a plain scalar by the YAML 1.2 core schema. Returns a new reference. */
static json_t *resolve_plain(const char *s)
{
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
	json_t *v = NULL;
	if (all_digits(digits, "0123456789"))
		v = parse_int(s, 10);
	else if (!strncmp(s, "0x", 2) && all_digits(s + 2, "0123456789abcdefABCDEF"))
		v = parse_int(s + 2, 16);
	else if (!strncmp(s, "0o", 2) && all_digits(s + 2, "01234567"))
		v = parse_int(s + 2, 8);
	if (v)
		return v;
	/* Integers too large for int64 fall through to a double, as in most YAML libraries. */
	if (all_digits(digits, "0123456789") || looks_float(s)) {
		double d = strtod(s, NULL);
		if (isfinite(d))
			return json_real(d);
	}
	return json_string(s);
}

static int scalar(struct walker *w, const yaml_event_t *ev, json_t **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	if (strlen(s) != len)
		return fail_at(w, &ev->start_mark, "strings may not contain NUL characters");
	const char *tag = (const char *)ev->data.scalar.tag;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	json_t *v;
	if (tag && strcmp(tag, YAML_STR_TAG) != 0 && strcmp(tag, "!") != 0) {
		/* Explicit core tags must agree with the text: "!!int x" is an error. */
		v = resolve_plain(s);
		bool ok = (!strcmp(tag, YAML_INT_TAG) && json_is_integer(v)) ||
			(!strcmp(tag, YAML_FLOAT_TAG) && json_is_number(v)) ||
			(!strcmp(tag, YAML_BOOL_TAG) && json_is_boolean(v)) ||
			(!strcmp(tag, YAML_NULL_TAG) && json_is_null(v));
		if (!ok) {
			json_decref(v);
			return fail_at(w, &ev->start_mark, "unsupported tag \"%s\" for \"%s\"", tag, s);
		}
	} else if (plain && !tag) {
		v = resolve_plain(s);
	} else {
		v = json_stringn(s, len);
	}
	if (!v)
		return fail_at(w, &ev->start_mark, "invalid scalar \"%s\"", s);
	*out = v;
	return 0;
}

/* --- collections ------------------------------------------------------------------------- */

static int node(struct walker *w, yaml_event_t *ev, const yaml_mark_t *key_mark, unsigned depth,
	json_t **out);

static int sequence(struct walker *w, unsigned depth, json_t *arr)
{
	size_t base = w->path.len;
	for (size_t i = 0;; i++) {
		yaml_event_t ev;
		if (next_event(w, &ev) < 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		jn_buf_printf(&w->path, NULL, "[%zu]", i);
		json_t *item = NULL;
		int rc = node(w, &ev, NULL, depth + 1, &item);
		w->path.len = base;
		w->path.data[base] = '\0';
		if (rc < 0)
			return -1;
		json_array_append_new(arr, item);
	}
}

static int mapping(struct walker *w, unsigned depth, json_t *obj)
{
	size_t base = w->path.len;
	for (;;) {
		yaml_event_t kev;
		if (next_event(w, &kev) < 0)
			return -1;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		if (kev.type != YAML_SCALAR_EVENT) {
			int rc = fail_at(w, &kev.start_mark, "mapping keys must be scalars");
			yaml_event_delete(&kev);
			return rc;
		}
		yaml_mark_t key_mark = kev.start_mark;
		char *key = jn_xstrdup((const char *)kev.data.scalar.value);
		yaml_event_delete(&kev);
		int rc = -1;
		if (json_object_get(obj, key))
			rc = fail_at(w, &key_mark, "duplicate key \"%s\"", key);
		else
			rc = 0;
		yaml_event_t vev;
		if (rc == 0 && next_event(w, &vev) == 0) {
			jn_buf_printf(&w->path, NULL, "%s%s", base ? "." : "", key);
			json_t *value = NULL;
			rc = node(w, &vev, &key_mark, depth + 1, &value);
			w->path.len = base;
			w->path.data[base] = '\0';
			if (rc == 0)
				json_object_set_new(obj, key, value);
		} else {
			rc = -1;
		}
		free(key);
		if (rc < 0)
			return -1;
	}
}

static int remember_anchor(struct walker *w, const yaml_char_t *name, json_t *value, size_t weight)
{
	if (!name)
		return 0;
	/* A later anchor of the same name shadows an earlier one (YAML 1.2 §3.2.2.2). */
	struct anchor *a = JN_PUSH(w->anchors, w->n_anchors, w->cap_anchors);
	a->name = jn_xstrdup((const char *)name);
	a->value = value;
	a->weight = weight;
	return 0;
}

static int alias(struct walker *w, const yaml_event_t *ev, json_t **out)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = w->n_anchors; i-- > 0;) {
		if (strcmp(w->anchors[i].name, name) == 0) {
			if (charge(w, w->anchors[i].weight, &ev->start_mark) < 0)
				return -1;
			*out = json_incref(w->anchors[i].value);
			return 0;
		}
	}
	return fail_at(w, &ev->start_mark, "unknown alias \"*%s\"", name);
}

/* Converts the node that starts with ev (consumed). */
static int node(struct walker *w, yaml_event_t *ev, const yaml_mark_t *key_mark, unsigned depth,
	json_t **out)
{
	int rc = -1;
	size_t before = w->nodes;
	const yaml_char_t *anchor = NULL;
	json_t *v = NULL;
	if (depth > JN_POLICY_MAX_DEPTH) {
		fail_at(w, &ev->start_mark, "nesting deeper than %u levels", JN_POLICY_MAX_DEPTH);
		w->err->kind = JN_ERR_TOO_LARGE;
		goto done;
	}
	record(w, &ev->start_mark, key_mark);
	if (ev->type == YAML_ALIAS_EVENT) {
		rc = alias(w, ev, out);
		goto done;
	}
	if (charge(w, 1, &ev->start_mark) < 0)
		goto done;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		rc = scalar(w, ev, &v);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		v = json_array();
		rc = sequence(w, depth, v);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		v = json_object();
		rc = mapping(w, depth, v);
		break;
	default:
		rc = fail_at(w, &ev->start_mark, "unexpected yaml event %d", (int)ev->type);
		break;
	}
	if (rc == 0) {
		remember_anchor(w, anchor, v, w->nodes - before);
		*out = v;
	} else {
		json_decref(v);
	}
done:
	yaml_event_delete(ev);
	return rc;
}

/* --- documents --------------------------------------------------------------------------- */

static void doc_release(struct policy_doc *d)
{
	json_decref(d->root);
	for (size_t i = 0; i < d->n_pos; i++)
		free(d->pos[i].path);
	free(d->pos);
	memset(d, 0, sizeof(*d));
}

void policy_docs_release(struct policy_docs *docs)
{
	for (size_t i = 0; i < docs->len; i++)
		doc_release(&docs->items[i]);
	free(docs->items);
	memset(docs, 0, sizeof(*docs));
}

/* Reads one document after its DOCUMENT-START event; *root stays NULL for an empty one. */
static int document(struct walker *w, struct policy_doc *d)
{
	yaml_event_t ev;
	if (next_event(w, &ev) < 0)
		return -1;
	if (ev.type == YAML_DOCUMENT_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	/* A document holding only null (e.g. "---\n~\n") counts as empty. */
	json_t *root = NULL;
	if (node(w, &ev, NULL, 0, &root) < 0)
		return -1;
	if (json_is_null(root))
		json_decref(root);
	else
		d->root = root;
	if (next_event(w, &ev) < 0)
		return -1;
	yaml_event_delete(&ev);   /* DOCUMENT-END, guaranteed by the parser */
	return 0;
}

static int parse(const char *name, const char *text, size_t len, size_t max_nodes,
	bool positions, struct policy_docs *out, struct jn_error *err)
{
	struct walker w = { .name = name, .err = err, .max_nodes = max_nodes,
		.positions = positions };
	struct policy_docs docs = { 0 };
	int rc = -1;
	jn_buf_init(&w.path, JN_BUF_UNLIMITED);
	if (!yaml_parser_initialize(&w.parser)) {
		jn_error_set(err, JN_ERR_INTERNAL, "%s: cannot initialise the yaml parser", name);
		goto out;
	}
	yaml_parser_set_input_string(&w.parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_t ev;
		if (next_event(&w, &ev) < 0)
			goto out;
		yaml_event_type_t type = ev.type;
		yaml_mark_t start = ev.start_mark;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
		if (type != YAML_DOCUMENT_START_EVENT)
			continue;   /* STREAM-START */
		struct policy_doc d = { .line = (uint32_t)start.line + 1, .col = (uint32_t)start.column + 1 };
		w.doc = &d;
		w.nodes = 0;
		for (size_t i = 0; i < w.n_anchors; i++)
			free(w.anchors[i].name);
		w.n_anchors = 0;    /* anchors do not cross documents */
		if (document(&w, &d) < 0) {
			doc_release(&d);
			goto out;
		}
		if (d.root)
			*JN_PUSH(docs.items, docs.len, docs.cap) = d;
		else
			doc_release(&d);
	}
	for (size_t i = 0; i < docs.len; i++)
		*JN_PUSH(out->items, out->len, out->cap) = docs.items[i];
	free(docs.items);
	docs.items = NULL;
	docs.len = 0;
	rc = 0;
out:
	policy_docs_release(&docs);
	for (size_t i = 0; i < w.n_anchors; i++)
		free(w.anchors[i].name);
	free(w.anchors);
	jn_buf_release(&w.path);
	yaml_parser_delete(&w.parser);
	return rc;
}

int policy_yaml_parse(const char *name, const char *text, size_t len, struct policy_docs *out,
	struct jn_error *err)
{
	return parse(name, text, len, JN_POLICY_MAX_NODES, true, out, err);
}

int jn_yaml_to_json(const char *name, const char *text, size_t len, json_t **out,
	struct jn_error *err)
{
	struct policy_docs docs = { 0 };
	*out = NULL;
	if (parse(name, text, len, JN_YAML_MAX_NODES, false, &docs, err) < 0)
		return -1;
	if (docs.len == 1) {
		*out = json_incref(docs.items[0].root);
	} else {
		*out = json_array();
		for (size_t i = 0; i < docs.len; i++)
			json_array_append(*out, docs.items[i].root);
	}
	policy_docs_release(&docs);
	return 0;
}

/* --- positions --------------------------------------------------------------------------- */

bool policy_doc_find(const struct policy_doc *doc, const char *path, bool key, uint32_t *line,
	uint32_t *col)
{
	for (size_t i = 0; i < doc->n_pos; i++) {
		const struct policy_pos *p = &doc->pos[i];
		if (strcmp(p->path, path) != 0)
			continue;
		if (key && p->key_line) {
			*line = p->key_line;
			*col = p->key_col;
		} else {
			*line = p->line;
			*col = p->col;
		}
		return true;
	}
	return false;
}

int policy_doc_locate_error(const struct policy_doc *doc, const char *name, struct jn_error *err)
{
	if (!err)
		return -1;
	const char *msg = err->msg;
	const struct policy_pos *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < doc->n_pos; i++) {
		const struct policy_pos *p = &doc->pos[i];
		size_t n = strlen(p->path);
		if (n < best_len || (n == 0 && best) || strncmp(msg, p->path, n) != 0)
			continue;
		/* The path must end where the message's path ends or at a member/index boundary. */
		char c = msg[n];
		if (n && !(c == ':' || c == '.' || c == '['))
			continue;
		best = p;
		best_len = n;
	}
	uint32_t line = doc->line, col = doc->col;
	if (best) {
		const char *tail = msg + best_len;
		bool unknown = strcmp(tail, ": unknown field") == 0;
		line = unknown && best->key_line ? best->key_line : best->line;
		col = unknown && best->key_line ? best->key_col : best->col;
	}
	return jn_error_prefix(err, "%s:%u:%u", name, line, col);
}
