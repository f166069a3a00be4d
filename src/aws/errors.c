/*
 * AWS error codes into jn_error kinds (ec2.md §1.4). The core branches on kind only, so every
 * code that decides a behaviour (retry, ICE cache, not found) must land on the right one.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "jitnode/aws.h"
#include "jitnode/error.h"

/* Karpenter's unfulfillableCapacityErrorCodes (pkg/errors/errors.go). */
static const char *const capacity_codes[] = {
	"InsufficientInstanceCapacity", "MaxSpotInstanceCountExceeded", "VcpuLimitExceeded",
	"UnfulfillableCapacity", "Unsupported", "InsufficientFreeAddressesInSubnet",
	"MaxFleetCountExceeded", "ReservationCapacityExceeded", "InsufficientCapacity",
};

static const char *const auth_codes[] = {
	"AuthFailure", "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch",
	"ExpiredToken", "ExpiredTokenException", "InvalidIdentityToken", "MissingAuthenticationToken",
	"OptInRequired", "Blocked",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool jn_aws_code_is_capacity(const char *code)
{
	return code && in_list(code, capacity_codes, JN_ARRAY_LEN(capacity_codes));
}

enum jn_error_kind jn_aws_error_kind(const char *code, long http_status)
{
	if (!code)
		code = "";
	if (strcmp(code, "RequestLimitExceeded") == 0 || jn_str_has_prefix(code, "Throttling") ||
		ends_with(code, "ThrottledException") || strcmp(code, "TooManyRequestsException") == 0 ||
		strcmp(code, "SlowDown") == 0)
		return JN_ERR_THROTTLED;
	if (jn_aws_code_is_capacity(code))
		return JN_ERR_INSUFFICIENT_CAPACITY;
	if (in_list(code, auth_codes, JN_ARRAY_LEN(auth_codes)) || strstr(code, "AccessDenied"))
		return JN_ERR_UNAUTHORIZED;
	if (ends_with(code, "NotFound") || ends_with(code, "NotFoundException") ||
		strcmp(code, "NoSuchEntity") == 0)
		return JN_ERR_NOT_FOUND;
	if (strstr(code, "AlreadyExists") || strcmp(code, "IdempotentParameterMismatch") == 0)
		return JN_ERR_CONFLICT;
	if (jn_str_has_prefix(code, "Invalid") || strcmp(code, "MissingParameter") == 0 ||
		ends_with(code, ".Malformed") || strcmp(code, "DryRunOperation") == 0 ||
		strcmp(code, "ValidationError") == 0)
		return JN_ERR_INVALID;
	if (http_status >= 500 || strcmp(code, "InternalError") == 0 ||
		strcmp(code, "Unavailable") == 0 || strcmp(code, "ServiceUnavailable") == 0)
		return JN_ERR_UNAVAILABLE;
	if (http_status == 401 || http_status == 403)
		return JN_ERR_UNAUTHORIZED;
	return JN_ERR_INVALID;
}

/* The first bytes of a body that is not error XML, printable, for the message. */
static void snippet(const char *body, size_t len, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 1 < size && n < 80; i++)
		out[n++] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
	out[n] = '\0';
}

int jn_aws_error_from_response(long http_status, const char *body, size_t len, char *code,
	size_t size, struct jn_error *err)
{
	if (code && size)
		code[0] = '\0';
	struct jn_xml_node *root = NULL;
	const struct jn_xml_node *e = NULL;
	if (body && len && jn_xml_parse(body, len, NULL, &root, NULL) == 0) {
		/* EC2: Response/Errors/Error; STS and other Query services: ErrorResponse/Error. */
		e = jn_xml_path(root, "Errors/Error");
		if (!e)
			e = jn_xml_child(root, "Error");
	}
	const char *c = e ? jn_xml_text(e, "Code") : NULL;
	if (c && *c) {
		const char *msg = jn_xml_text(e, "Message");
		jn_error_set(err, jn_aws_error_kind(c, http_status), "'%s' (http %ld): %s", c,
			http_status, msg && *msg ? msg : "no message");
		if (code && size)
			snprintf(code, size, "%s", c);
	} else {
		char snip[96];
		snippet(body, body ? len : 0, snip, sizeof(snip));
		jn_error_set(err, jn_aws_error_kind("", http_status), "http %ld%s%s", http_status,
			*snip ? ": " : "", snip);
	}
	jn_xml_free(root);
	return -1;
}

int jn_aws_json_error_from_response(long http_status, const char *body, size_t len, char *code,
	size_t size, struct jn_error *err)
{
	if (code && size)
		code[0] = '\0';
	json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *type = doc ? json_string_value(json_object_get(doc, "__type")) : NULL;
	if (!type || !*type) {
		json_decref(doc);
		return jn_aws_error_from_response(http_status, body, len, code, size, err);
	}
	/* "com.amazonaws.ssm#ParameterNotFound" and "ParameterNotFound" name the same code. */
	const char *hash = strrchr(type, '#');
	const char *c = hash ? hash + 1 : type;
	const char *msg = json_string_value(json_object_get(doc, "message"));
	if (!msg)
		msg = json_string_value(json_object_get(doc, "Message"));
	jn_error_set(err, jn_aws_error_kind(c, http_status), "'%s' (http %ld): %s", c, http_status,
		msg && *msg ? msg : "no message");
	if (code && size)
		snprintf(code, size, "%s", c);
	json_decref(doc);
	return -1;
}
