/* HTTP status and transfer failures to typed errors with the apiserver's Status message. */
#include <string.h>

#include "jitnode/error.h"
#include "../../../src/kube/kube_internal.h"
#include "tap.h"

static void maps_status_codes_to_kinds(void)
{
	static const struct { long status; enum jn_error_kind kind; } cases[] = {
		{ 200, JN_ERR_NONE }, { 201, JN_ERR_NONE }, { 400, JN_ERR_INVALID },
		{ 401, JN_ERR_UNAUTHORIZED }, { 403, JN_ERR_UNAUTHORIZED }, { 404, JN_ERR_NOT_FOUND },
		{ 409, JN_ERR_CONFLICT }, { 410, JN_ERR_NOT_FOUND }, { 413, JN_ERR_TOO_LARGE },
		{ 422, JN_ERR_INVALID }, { 429, JN_ERR_THROTTLED }, { 500, JN_ERR_UNAVAILABLE },
		{ 503, JN_ERR_UNAVAILABLE }, { 504, JN_ERR_TIMEOUT },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++)
		CHECK_INT_EQ(jn_kube_status_kind(cases[i].status), cases[i].kind);
}

static void carries_the_status_message(void)
{
	const char *body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
		"\"message\":\"Operation cannot be fulfilled on pods/binding \\\"web-1\\\": pod web-1 "
		"is already assigned to node \\\"n1\\\"\",\"reason\":\"Conflict\",\"code\":409}";
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_status_error("POST", "/api/v1/namespaces/default/pods/web-1/binding",
		409, body, strlen(body), &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_CONFLICT);
	CHECK_STR_EQ(err.msg, "post /api/v1/namespaces/default/pods/web-1/binding: 409 conflict: "
		"Operation cannot be fulfilled on pods/binding \"web-1\": pod web-1 is already "
		"assigned to node \"n1\"");
}

static void quotes_a_body_that_is_not_a_status(void)
{
	struct jn_error err;
	const char *body = "<html>bad gateway</html>";
	jn_kube_status_error("GET", "/api/v1/nodes", 502, body, strlen(body), &err);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAVAILABLE);
	CHECK_STR_EQ(err.msg, "get /api/v1/nodes: 502 server error: \"<html>bad gateway</html>\"");
	jn_kube_status_error("DELETE", "/api/v1/nodes/a", 404, "", 0, &err);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_EQ(err.msg, "delete /api/v1/nodes/a: 404 not found");
	char big[600];
	memset(big, 'x', sizeof(big));
	jn_kube_status_error("GET", "/x", 400, big, sizeof(big), &err);
	CHECK_INT_EQ(strlen(err.msg), strlen("get /x: 400 bad request: \"\"") + 200);
}

static void maps_transfer_failures(void)
{
	struct jn_error err;
	jn_kube_curl_error("GET", "/api/v1/pods", CURLE_OPERATION_TIMEDOUT, "", &err);
	CHECK_INT_EQ(err.kind, JN_ERR_TIMEOUT);
	CHECK_STR_CONTAINS(err.msg, "get /api/v1/pods: ");
	jn_kube_curl_error("GET", "/api/v1/pods", CURLE_COULDNT_CONNECT,
		"Failed to connect to 127.0.0.1 port 1", &err);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAVAILABLE);
	CHECK_STR_EQ(err.msg, "get /api/v1/pods: Failed to connect to 127.0.0.1 port 1");
	jn_kube_curl_error("GET", "/", CURLE_PEER_FAILED_VERIFICATION, NULL, &err);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAVAILABLE);
}

static void parses_retry_after_seconds(void)
{
	CHECK_INT_EQ(jn_kube_parse_retry_after(" 1\r\n"), 1);
	CHECK_INT_EQ(jn_kube_parse_retry_after("30"), 30);
	CHECK_INT_EQ(jn_kube_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
	CHECK_INT_EQ(jn_kube_parse_retry_after("-1"), -1);
	CHECK_INT_EQ(jn_kube_parse_retry_after("5x"), -1);
	CHECK_INT_EQ(jn_kube_parse_retry_after("999999"), -1);
}

int main(void)
{
	JN_RUN(maps_status_codes_to_kinds);
	JN_RUN(carries_the_status_message);
	JN_RUN(quotes_a_body_that_is_not_a_status);
	JN_RUN(maps_transfer_failures);
	JN_RUN(parses_retry_after_seconds);
	return jn_tap_done();
}
