/*
 * A small validating JSON scanner for the hot part of extender requests. kube-scheduler sends
 * the pod (about 1 KB) followed by up to hundreds of node names; building a jansson tree for the
 * names cost half of a filter call. The scanner walks the top-level object once, records where
 * each member's value lies, and reads the names in place; only the Pod (and full Node objects,
 * on the rare non-cache-capable path) is handed to jansson.
 *
 * Grammar accepted: RFC 8259 JSON, nesting at most 64 deep (requests are flat). Everything else
 * is "malformed JSON at byte N: <what>".
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "jitnode/buf.h"
#include "extender_internal.h"

#define MAX_DEPTH 64

struct scanner {
	const char *p, *start, *end;
	char *why;
	size_t why_size;
};

static int fail(struct scanner *s, const char *what)
{
	snprintf(s->why, s->why_size, "malformed JSON at byte %zu: %s", (size_t)(s->p - s->start),
		what);
	return -1;
}

static void skip_ws(struct scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	*out = v;
	return 0;
}

/* Scans a string at s->p (the opening quote); sets *escaped when it holds escapes. */
static int scan_string(struct scanner *s, bool *escaped)
{
	*escaped = false;
	s->p++;
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return fail(s, "control character in a string");
		if (c == '\\') {
			*escaped = true;
			if (s->p + 1 >= s->end)
				break;
			char e = s->p[1];
			unsigned cp;
			if (e == 'u') {
				if (s->end - s->p < 6 || hex4(s->p + 2, &cp) < 0)
					return fail(s, "bad \\u escape");
				s->p += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", e))
				return fail(s, "bad escape");
			s->p += 2;
			continue;
		}
		s->p++;
	}
	return fail(s, "unterminated string");
}

static int scan_number(struct scanner *s)
{
	const char *p = s->p;
	if (p < s->end && *p == '-')
		p++;
	if (p >= s->end || !isdigit((unsigned char)*p))
		return fail(s, "bad number");
	if (*p == '0')
		p++;
	else
		while (p < s->end && isdigit((unsigned char)*p))
			p++;
	if (p < s->end && *p == '.') {
		p++;
		if (p >= s->end || !isdigit((unsigned char)*p))
			return fail(s, "bad number");
		while (p < s->end && isdigit((unsigned char)*p))
			p++;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= s->end || !isdigit((unsigned char)*p))
			return fail(s, "bad number");
		while (p < s->end && isdigit((unsigned char)*p))
			p++;
	}
	s->p = p;
	return 0;
}

static int scan_value(struct scanner *s, int depth);

static int scan_members(struct scanner *s, int depth, bool object)
{
	char close = object ? '}' : ']';
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		skip_ws(s);
		if (object) {
			bool escaped;
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "expected a member name");
			if (scan_string(s, &escaped) < 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':'");
			s->p++;
		}
		if (scan_value(s, depth + 1) < 0)
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return 0;
		}
		return fail(s, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int scan_literal(struct scanner *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "unexpected token");
	s->p += n;
	return 0;
}

static int scan_value(struct scanner *s, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(s, "nested too deep");
	skip_ws(s);
	if (s->p >= s->end)
		return fail(s, "unexpected end of input");
	bool escaped;
	switch (*s->p) {
	case '{': return scan_members(s, depth, true);
	case '[': return scan_members(s, depth, false);
	case '"': return scan_string(s, &escaped);
	case 't': return scan_literal(s, "true");
	case 'f': return scan_literal(s, "false");
	case 'n': return scan_literal(s, "null");
	default: return scan_number(s);
	}
}

int ext_scan_request(const char *body, size_t len, struct ext_span *members, size_t n_members,
	char *why, size_t why_size)
{
	struct scanner s = { .p = body, .start = body, .end = body + len, .why = why,
		.why_size = why_size };
	for (size_t i = 0; i < n_members; i++)
		members[i].text = NULL;
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return s.p >= s.end ? fail(&s, "empty body") : fail(&s, "expected a JSON object");
	s.p++;
	skip_ws(&s);
	bool empty = s.p < s.end && *s.p == '}';
	if (empty)
		s.p++;
	while (!empty) {
		skip_ws(&s);
		bool escaped;
		const char *key = s.p + 1;
		if (s.p >= s.end || *s.p != '"')
			return fail(&s, "expected a member name");
		if (scan_string(&s, &escaped) < 0)
			return -1;
		size_t key_len = (size_t)(s.p - 1 - key);
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return fail(&s, "expected ':'");
		s.p++;
		skip_ws(&s);
		const char *value = s.p;
		if (scan_value(&s, 1) < 0)
			return -1;
		/* Go's decoder matches member names case-insensitively; so do we. */
		for (size_t i = 0; !escaped && i < n_members; i++) {
			if (strlen(members[i].name) != key_len ||
				strncasecmp(members[i].name, key, key_len) != 0)
				continue;
			if (members[i].text) {
				snprintf(why, why_size, "duplicate member '%s'", members[i].name);
				return -1;
			}
			members[i].text = value;
			members[i].len = (size_t)(s.p - value);
		}
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}') {
			s.p++;
			break;
		}
		return fail(&s, "expected ',' or '}'");
	}
	skip_ws(&s);
	if (s.p != s.end)
		return fail(&s, "text after the object");
	return 0;
}

bool ext_span_is_null(const struct ext_span *span)
{
	return !span->text || (span->len == 4 && memcmp(span->text, "null", 4) == 0);
}

/* Appends the UTF-8 encoding of a code point. */
static void put_utf8(struct jn_buf *out, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	jn_buf_append(out, b, n, NULL);
}

/* Decodes the (already validated) string literal at p into out, NUL-terminated. */
static const char *unescape(const char *p, const char *end, struct jn_buf *out)
{
	p++;
	while (p < end && *p != '"') {
		if (*p != '\\') {
			const char *run = p;
			while (p < end && *p != '"' && *p != '\\')
				p++;
			jn_buf_append(out, run, (size_t)(p - run), NULL);
			continue;
		}
		char e = p[1];
		unsigned cp = 0;
		switch (e) {
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			hex4(p + 2, &cp);
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 8 && p[2] == '\\' && p[3] == 'u') {
				unsigned lo;
				if (hex4(p + 4, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			break;
		default: cp = (unsigned char)e; break;
		}
		put_utf8(out, cp);
		p += 2;
	}
	jn_buf_append(out, "", 1, NULL);
	return p + 1;
}

int ext_string_array(const struct ext_span *span, struct ext_strings *out, char *why,
	size_t why_size)
{
	const char *p = span->text, *end = span->text + span->len;
	out->len = 0;
	jn_buf_reset(&out->text);
	if (*p != '[') {
		snprintf(why, why_size, "%s: expected an array", out->what);
		return -1;
	}
	/* Offsets first: the text buffer may move while it grows. */
	size_t offsets_cap = 0;
	size_t *offsets = NULL;
	p++;
	for (;;) {
		while (p < end && strchr(" \t\r\n,", *p))
			p++;
		if (p >= end || *p == ']')
			break;
		if (*p != '"') {
			snprintf(why, why_size, "%s[%zu]: expected a string", out->what, out->len);
			free(offsets);
			return -1;
		}
		*JN_PUSH(offsets, out->len, offsets_cap) = out->text.len;
		p = unescape(p, end, &out->text);
	}
	out->items = jn_xgrow(out->items, &out->cap, out->len ? out->len : 1, sizeof(*out->items));
	for (size_t i = 0; i < out->len; i++)
		out->items[i] = out->text.data + offsets[i];
	free(offsets);
	return 0;
}

void ext_strings_release(struct ext_strings *s)
{
	free(s->items);
	jn_buf_release(&s->text);
}

json_t *ext_span_json(const struct ext_span *span)
{
	return json_loadb(span->text, span->len, JSON_DECODE_ANY, NULL);
}
