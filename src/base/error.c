#include <stdio.h>
#include <string.h>

#include "jitnode/error.h"

void jn_error_clear(struct jn_error *err)
{
	if (!err)
		return;
	err->kind = JN_ERR_NONE;
	err->msg[0] = '\0';
}

int jn_error_set(struct jn_error *err, enum jn_error_kind kind, const char *fmt, ...)
{
	if (!err)
		return -1;
	err->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int jn_error_prefix(struct jn_error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char context[JN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	/* Room for both parts, then cut to the message size: truncation is the intent. */
	char joined[2 * JN_ERROR_MSG_MAX + 2];
	snprintf(joined, sizeof(joined), "%s: %s", context, err->msg);
	memcpy(err->msg, joined, sizeof(err->msg) - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
	if (err->kind == JN_ERR_NONE)
		err->kind = JN_ERR_INTERNAL;
	return -1;
}

const char *jn_error_kind_name(enum jn_error_kind kind)
{
	switch (kind) {
	case JN_ERR_NONE: return "none";
	case JN_ERR_INVALID: return "invalid";
	case JN_ERR_TOO_LARGE: return "too-large";
	case JN_ERR_NOT_FOUND: return "not-found";
	case JN_ERR_CONFLICT: return "conflict";
	case JN_ERR_IO: return "io";
	case JN_ERR_TIMEOUT: return "timeout";
	case JN_ERR_UNAVAILABLE: return "unavailable";
	case JN_ERR_THROTTLED: return "throttled";
	case JN_ERR_UNAUTHORIZED: return "unauthorized";
	case JN_ERR_INSUFFICIENT_CAPACITY: return "insufficient-capacity";
	case JN_ERR_NODECLASS_NOT_READY: return "nodeclass-not-ready";
	case JN_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}
