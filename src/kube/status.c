/*
 * HTTP answers and transfer failures to error kinds (kube.h lists the mapping). The apiserver
 * explains every failure in a metav1.Status body; its message goes into the error text as is,
 * because it is what an operator needs to read ("pod web-1 is already assigned to node ...").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/error.h"
#include "kube_internal.h"

enum jn_error_kind jn_kube_status_kind(long status)
{
	if (status >= 200 && status < 300)
		return JN_ERR_NONE;
	switch (status) {
	case 401:
	case 403:
		return JN_ERR_UNAUTHORIZED;
	case 404:
	case 410:
		return JN_ERR_NOT_FOUND;
	case 409:
		return JN_ERR_CONFLICT;
	case 413:
		return JN_ERR_TOO_LARGE;
	case 429:
		return JN_ERR_THROTTLED;
	case 504:
		return JN_ERR_TIMEOUT;
	default:
		return status >= 500 ? JN_ERR_UNAVAILABLE : JN_ERR_INVALID;
	}
}

static const char *reason_text(long status)
{
	switch (status) {
	case 400: return "bad request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not found";
	case 405: return "method not allowed";
	case 409: return "conflict";
	case 410: return "gone";
	case 413: return "request entity too large";
	case 415: return "unsupported media type";
	case 422: return "unprocessable entity";
	case 429: return "too many requests";
	case 500: return "internal server error";
	case 503: return "service unavailable";
	case 504: return "gateway timeout";
	default: return status >= 500 ? "server error" : "client error";
	}
}

static void lower_method(const char *method, char *out, size_t size)
{
	size_t i = 0;
	for (; method[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)method[i]);
	out[i] = '\0';
}

int jn_kube_status_error(const char *method, const char *path, long status, const char *body,
	size_t body_len, struct jn_error *err)
{
	char m[16];
	lower_method(method, m, sizeof(m));
	enum jn_error_kind kind = jn_kube_status_kind(status);
	json_t *doc = body_len ? json_loadb(body, body_len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(doc, "message"));
	int rc;
	if (msg && *msg)
		rc = jn_error_set(err, kind, "%s %s: %ld %s: %s", m, path, status,
			reason_text(status), msg);
	else if (body_len && !doc)
		rc = jn_error_set(err, kind, "%s %s: %ld %s: \"%.*s\"", m, path, status,
			reason_text(status), (int)JN_MIN(body_len, (size_t)200), body);
	else
		rc = jn_error_set(err, kind, "%s %s: %ld %s", m, path, status, reason_text(status));
	json_decref(doc);
	return rc;
}

int jn_kube_curl_error(const char *method, const char *path, CURLcode code,
	const char *detail, struct jn_error *err)
{
	char m[16];
	lower_method(method, m, sizeof(m));
	enum jn_error_kind kind;
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		kind = JN_ERR_TIMEOUT;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		kind = JN_ERR_UNAVAILABLE;
		break;
	default:
		kind = JN_ERR_IO;
		break;
	}
	return jn_error_set(err, kind, "%s %s: %s", m, path,
		detail && *detail ? detail : curl_easy_strerror(code));
}

int64_t jn_kube_parse_retry_after(const char *value)
{
	while (*value == ' ' || *value == '\t')
		value++;
	if (!isdigit((unsigned char)*value))
		return -1;
	char *end;
	long long s = strtoll(value, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	if (*end || s < 0 || s > 86400)
		return -1;
	return s;
}
