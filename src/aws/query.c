/*
 * Query-protocol bodies, EC2 flavour (ec2.md §1.2). Parameters keep their insertion order:
 * the server does not care, but a stable order makes fixtures and the payload hash
 * reproducible.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/aws.h"
#include "jitnode/error.h"

void jn_aws_query_init(struct jn_aws_query *q, const char *action, const char *version)
{
	memset(q, 0, sizeof(*q));
	jn_aws_query_add(q, "Action", action);
	jn_aws_query_add(q, "Version", version);
}

void jn_aws_query_release(struct jn_aws_query *q)
{
	for (size_t i = 0; i < q->len; i++) {
		free(q->items[i].key);
		free(q->items[i].value);
	}
	free(q->items);
	memset(q, 0, sizeof(*q));
}

void jn_aws_query_add(struct jn_aws_query *q, const char *key, const char *value)
{
	if (!value)
		return;
	struct jn_aws_param *p = JN_PUSH(q->items, q->len, q->cap);
	p->key = jn_xstrdup(key);
	p->value = jn_xstrdup(value);
}

void jn_aws_query_addf(struct jn_aws_query *q, const char *value, const char *key_fmt, ...)
{
	if (!value)
		return;
	va_list ap;
	va_start(ap, key_fmt);
	char *key = jn_xvasprintf(key_fmt, ap);
	va_end(ap);
	struct jn_aws_param *p = JN_PUSH(q->items, q->len, q->cap);
	p->key = key;
	p->value = jn_xstrdup(value);
}

void jn_aws_query_add_list(struct jn_aws_query *q, const char *prefix, const char *const *values,
	size_t n)
{
	for (size_t i = 0; i < n; i++)
		jn_aws_query_addf(q, values[i], "%s.%zu", prefix, i + 1);
}

const char *jn_aws_query_get(const struct jn_aws_query *q, const char *key)
{
	for (size_t i = 0; i < q->len; i++)
		if (strcmp(q->items[i].key, key) == 0)
			return q->items[i].value;
	return NULL;
}

const char *jn_aws_query_action(const struct jn_aws_query *q)
{
	const char *a = jn_aws_query_get(q, "Action");
	return a ? a : "";
}

int jn_aws_query_encode(const struct jn_aws_query *q, struct jn_buf *out, struct jn_error *err)
{
	for (size_t i = 0; i < q->len; i++) {
		const struct jn_aws_param *p = &q->items[i];
		if ((i > 0 && jn_buf_append(out, "&", 1, err) < 0) ||
			jn_aws_uri_encode(out, p->key, strlen(p->key), false, err) < 0 ||
			jn_buf_append(out, "=", 1, err) < 0 ||
			jn_aws_uri_encode(out, p->value, strlen(p->value), false, err) < 0)
			return -1;
	}
	return 0;
}
