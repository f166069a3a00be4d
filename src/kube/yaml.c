/*
 * A minimal YAML-to-JSON reader for kubeconfig files (libyaml's event parser). Kept here rather
 * than shared with src/policy because the layering forbids kube -> policy; a kubeconfig needs
 * only mappings, sequences and string scalars, so this is deliberately small.
 */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "jitnode/error.h"
#include "kube_internal.h"

struct reader {
	yaml_parser_t parser;
	struct jn_error *err;
};

static int parse_error(struct reader *r)
{
	yaml_parser_t *p = &r->parser;
	return jn_error_set(r->err, JN_ERR_INVALID, "line %zu column %zu: %s%s%s",
		p->problem_mark.line + 1, p->problem_mark.column + 1,
		p->problem ? p->problem : "invalid yaml", p->context ? " " : "",
		p->context ? p->context : "");
}

static int at_error(struct reader *r, const yaml_event_t *ev, const char *what)
{
	return jn_error_set(r->err, JN_ERR_INVALID, "line %zu column %zu: %s",
		ev->start_mark.line + 1, ev->start_mark.column + 1, what);
}

static json_t *scalar_value(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	if (ev->data.scalar.plain_implicit && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (n == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0)
			return json_null();
		if (strcmp(v, "true") == 0)
			return json_true();
		if (strcmp(v, "false") == 0)
			return json_false();
	}
	return json_stringn(v, n);
}

static int next(struct reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev))
		return parse_error(r);
	return 0;
}

/* Reads the node that starts with ev (consumed here) into *out. */
static int read_node(struct reader *r, yaml_event_t *ev, unsigned depth, json_t **out)
{
	if (depth > JN_KUBE_YAML_MAX_DEPTH) {
		at_error(r, ev, "nesting deeper than 64 levels");
		yaml_event_delete(ev);
		return -1;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*out = scalar_value(ev);
		yaml_event_delete(ev);
		return 0;
	case YAML_ALIAS_EVENT:
		at_error(r, ev, "aliases are not supported");
		yaml_event_delete(ev);
		return -1;
	case YAML_SEQUENCE_START_EVENT: {
		yaml_event_delete(ev);
		json_t *arr = json_array();
		for (;;) {
			yaml_event_t item;
			if (next(r, &item) < 0)
				goto fail_arr;
			if (item.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&item);
				break;
			}
			json_t *v;
			if (read_node(r, &item, depth + 1, &v) < 0)
				goto fail_arr;
			json_array_append_new(arr, v);
		}
		*out = arr;
		return 0;
fail_arr:
		json_decref(arr);
		return -1;
	}
	case YAML_MAPPING_START_EVENT: {
		yaml_event_delete(ev);
		json_t *obj = json_object();
		for (;;) {
			yaml_event_t key;
			if (next(r, &key) < 0)
				goto fail_obj;
			if (key.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&key);
				break;
			}
			if (key.type != YAML_SCALAR_EVENT) {
				at_error(r, &key, "mapping keys must be scalars");
				yaml_event_delete(&key);
				goto fail_obj;
			}
			char *name = jn_xstrndup((const char *)key.data.scalar.value,
				key.data.scalar.length);
			yaml_event_delete(&key);
			yaml_event_t val;
			json_t *v;
			if (next(r, &val) < 0 || read_node(r, &val, depth + 1, &v) < 0) {
				free(name);
				goto fail_obj;
			}
			json_object_set_new(obj, name, v);
			free(name);
		}
		*out = obj;
		return 0;
fail_obj:
		json_decref(obj);
		return -1;
	}
	default:
		at_error(r, ev, "unexpected yaml event");
		yaml_event_delete(ev);
		return -1;
	}
}

int jn_kube_yaml_to_json(const char *text, size_t len, json_t **out, struct jn_error *err)
{
	struct reader r = { .err = err };
	if (!yaml_parser_initialize(&r.parser))
		return jn_error_set(err, JN_ERR_INTERNAL, "initializing the yaml parser");
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
	json_t *doc = NULL;
	int rc = -1;
	for (;;) {
		yaml_event_t ev;
		if (next(&r, &ev) < 0)
			goto done;
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (read_node(&r, &ev, 0, &doc) < 0)
			goto done;
		break;
	}
	*out = doc ? doc : json_null();
	doc = NULL;
	rc = 0;
done:
	json_decref(doc);
	yaml_parser_delete(&r.parser);
	return rc;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int jn_kube_base64_decode(const char *text, char **out, size_t *out_len, struct jn_error *err)
{
	size_t n = strlen(text);
	char *dst = jn_xmalloc(n / 4 * 3 + 4);
	size_t len = 0;
	uint32_t acc = 0;
	int bits = 0;
	bool padding = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			padding = true;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || padding) {
			free(dst);
			return jn_error_set(err, JN_ERR_INVALID, "invalid base64 at offset %zu", i);
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	dst[len] = '\0';
	*out = dst;
	if (out_len)
		*out_len = len;
	return 0;
}
