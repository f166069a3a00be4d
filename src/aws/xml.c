/*
 * expat into a small element tree. EC2 answers are small and read once, so a tree keeps the
 * decoders (ec2 instances, fleets, STS) plain path lookups instead of one SAX state machine
 * per answer. The caps bound memory whatever the peer sends (STYLE rule 7).
 */
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "jitnode/aws.h"
#include "jitnode/error.h"

const struct jn_xml_limits jn_xml_default_limits = {
	.max_bytes = 16u << 20,
	.max_nodes = 500000,
	.max_depth = 32,
	.max_text = 64u << 10,
};

struct parse_state {
	XML_Parser parser;
	const struct jn_xml_limits *limits;
	struct jn_xml_node *root;
	struct jn_xml_node *stack[64];
	size_t depth;
	size_t nodes;
	struct jn_buf text;         /* character data of the innermost open element */
	struct jn_error *err;
	bool failed;
};

static void fail(struct parse_state *st, enum jn_error_kind kind, const char *what, size_t cap)
{
	if (!st->failed)
		jn_error_set(st->err, kind, "xml answer has more than %zu %s", cap, what);
	st->failed = true;
	XML_StopParser(st->parser, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse_state *st = ud;
	if (st->failed)
		return;
	if (st->depth >= st->limits->max_depth || st->depth >= JN_ARRAY_LEN(st->stack)) {
		fail(st, JN_ERR_TOO_LARGE, "levels of nesting", st->limits->max_depth);
		return;
	}
	if (++st->nodes > st->limits->max_nodes) {
		fail(st, JN_ERR_TOO_LARGE, "elements", st->limits->max_nodes);
		return;
	}
	/* With namespace processing on, expat hands "uri|local": keep the local name. */
	const char *local = strrchr(name, '|');
	local = local ? local + 1 : name;
	struct jn_xml_node *node = jn_xcalloc(1, sizeof(*node));
	node->name = jn_xstrdup(local);
	if (st->depth == 0) {
		st->root = node;
	} else {
		struct jn_xml_node *parent = st->stack[st->depth - 1];
		*JN_PUSH(parent->children, parent->n_children, parent->cap) = node;
	}
	st->stack[st->depth++] = node;
	jn_buf_reset(&st->text);
}

static void on_end(void *ud, const XML_Char *name)
{
	struct parse_state *st = ud;
	if (st->failed || st->depth == 0)
		return;
	struct jn_xml_node *node = st->stack[--st->depth];
	/* Text only matters on leaves; whitespace between child elements is indentation. */
	node->text = jn_xstrdup(node->n_children == 0 ? jn_buf_cstr(&st->text) : "");
	jn_buf_reset(&st->text);
}

static void on_text(void *ud, const XML_Char *s, int len)
{
	struct parse_state *st = ud;
	if (st->failed || st->depth == 0)
		return;
	if (jn_buf_append(&st->text, s, (size_t)len, NULL) < 0)
		fail(st, JN_ERR_TOO_LARGE, "bytes of text in one element", st->limits->max_text);
}

/* Nodes left open by a failed parse have no text yet; give them one so free is uniform. */
static void close_open_nodes(struct parse_state *st)
{
	while (st->depth > 0) {
		struct jn_xml_node *node = st->stack[--st->depth];
		if (!node->text)
			node->text = jn_xstrdup("");
	}
}

int jn_xml_parse(const char *data, size_t len, const struct jn_xml_limits *limits,
	struct jn_xml_node **out, struct jn_error *err)
{
	*out = NULL;
	if (!limits)
		limits = &jn_xml_default_limits;
	if (len > limits->max_bytes)
		return jn_error_set(err, JN_ERR_TOO_LARGE, "xml answer has more than %zu bytes",
			limits->max_bytes);
	struct parse_state st = { .limits = limits, .err = err };
	jn_buf_init(&st.text, limits->max_text);
	st.parser = XML_ParserCreateNS(NULL, '|');
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, on_start, on_end);
	XML_SetCharacterDataHandler(st.parser, on_text);
	int rc = 0;
	if (XML_Parse(st.parser, data, (int)len, XML_TRUE) == XML_STATUS_ERROR || st.failed) {
		if (!st.failed)
			jn_error_set(err, JN_ERR_INVALID, "malformed xml at line %lu column %lu: %s",
				(unsigned long)XML_GetCurrentLineNumber(st.parser),
				(unsigned long)XML_GetCurrentColumnNumber(st.parser),
				XML_ErrorString(XML_GetErrorCode(st.parser)));
		close_open_nodes(&st);
		jn_xml_free(st.root);
		rc = -1;
	} else if (!st.root) {
		rc = jn_error_set(err, JN_ERR_INVALID, "xml answer has no root element");
	} else {
		*out = st.root;
	}
	XML_ParserFree(st.parser);
	jn_buf_release(&st.text);
	return rc;
}

void jn_xml_free(struct jn_xml_node *node)
{
	if (!node)
		return;
	for (size_t i = 0; i < node->n_children; i++)
		jn_xml_free(node->children[i]);
	free(node->children);
	free(node->name);
	free(node->text);
	free(node);
}

const struct jn_xml_node *jn_xml_child(const struct jn_xml_node *node, const char *name)
{
	if (!node)
		return NULL;
	for (size_t i = 0; i < node->n_children; i++)
		if (strcmp(node->children[i]->name, name) == 0)
			return node->children[i];
	return NULL;
}

const struct jn_xml_node *jn_xml_path(const struct jn_xml_node *node, const char *path)
{
	char seg[128];
	while (node && *path) {
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);
		if (len >= sizeof(seg))
			return NULL;
		memcpy(seg, path, len);
		seg[len] = '\0';
		node = jn_xml_child(node, seg);
		path += len + (slash ? 1 : 0);
	}
	return node;
}

const char *jn_xml_text(const struct jn_xml_node *node, const char *path)
{
	const struct jn_xml_node *n = jn_xml_path(node, path);
	return n ? n->text : NULL;
}

char *jn_xml_strdup(const struct jn_xml_node *node, const char *path)
{
	return jn_xstrdup(jn_xml_text(node, path));
}
