/* The client against a scripted transport and the fake clock: signing, retries, backoff. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fake_clock.h"
#include "fake_transport.h"
#include "jitnode/aws.h"
#include "jitnode/error.h"
#include "tap.h"

#define WALL_2026 (INT64_C(1795434600) * JN_NS_PER_SEC)   /* 2026-11-23T11:50:00Z */

struct rig {
	struct fake_transport t;
	struct jn_fake_clock clock;
	struct jn_aws_credentials_provider *creds;
	struct jn_aws_client *client;
};

static void rig_init(struct rig *r, const char *endpoint, int max_attempts)
{
	fake_transport_init(&r->t);
	jn_fake_clock_init(&r->clock, WALL_2026);
	struct jn_aws_credentials c = { .access_key_id = "AKID", .secret_access_key = "secret",
		.session_token = "session" };
	r->creds = jn_aws_credentials_provider_static(&c);
	struct jn_aws_client_config cfg = { .service = "ec2", .region = "us-west-2",
		.endpoint = endpoint, .max_attempts = max_attempts, .jitter_seed = 7 };
	r->client = jn_aws_client_create(&cfg, &r->t.base, r->creds, &r->clock.base, NULL);
}

static void rig_release(struct rig *r)
{
	jn_aws_client_destroy(r->client);
	jn_aws_credentials_provider_destroy(r->creds);
	fake_transport_release(&r->t);
}

static void signs_and_posts_form_body(void)
{
	struct rig r;
	rig_init(&r, "http://127.0.0.1:5000/", 3);
	fake_transport_push(&r.t, 200, "<DescribeInstancesResponse><requestId>x</requestId>"
		"<reservationSet/></DescribeInstancesResponse>");
	struct jn_aws_query q;
	jn_aws_query_init(&q, "DescribeInstances", "2016-11-15");
	struct jn_xml_node *out = NULL;
	struct jn_error err;
	CHECK_INT_EQ(jn_aws_client_call(r.client, &q, &out, NULL, 0, &err), 0);
	CHECK_STR_EQ(out->name, "DescribeInstancesResponse");
	CHECK_INT_EQ(r.t.n_requests, 1);
	CHECK_STR_EQ(r.t.requests[0].method, "POST");
	CHECK_STR_EQ(r.t.requests[0].url, "http://127.0.0.1:5000/");
	CHECK_STR_EQ(r.t.requests[0].body, "Action=DescribeInstances&Version=2016-11-15");
	CHECK_STR_EQ(fake_request_header(&r.t, 0, "Host"), "127.0.0.1:5000");
	CHECK_STR_EQ(fake_request_header(&r.t, 0, "X-Amz-Date"), "20261123T115000Z");
	CHECK_STR_EQ(fake_request_header(&r.t, 0, "X-Amz-Security-Token"), "session");
	CHECK_STR_CONTAINS(fake_request_header(&r.t, 0, "Authorization"),
		"AWS4-HMAC-SHA256 Credential=AKID/20261123/us-west-2/ec2/aws4_request, "
		"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=");
	jn_xml_free(out);
	jn_aws_query_release(&q);
	rig_release(&r);
}

static void throttling_is_retried_with_bounded_jitter(void)
{
	struct rig r;
	rig_init(&r, "https://ec2.us-west-2.amazonaws.com", 5);
	char *throttle = fake_fixture("ec2/error_throttling.xml");
	fake_transport_push(&r.t, 503, throttle);
	fake_transport_push(&r.t, 503, throttle);
	fake_transport_push_failure(&r.t, JN_ERR_TIMEOUT);
	fake_transport_push(&r.t, 200, "<TerminateInstancesResponse/>");
	struct jn_aws_query q;
	jn_aws_query_init(&q, "TerminateInstances", "2016-11-15");
	struct jn_xml_node *out = NULL;
	struct jn_error err;
	CHECK_INT_EQ(jn_aws_client_call(r.client, &q, &out, NULL, 0, &err), 0);
	struct jn_aws_client_stats s;
	jn_aws_client_stats(r.client, &s);
	CHECK_INT_EQ(s.attempts, 4);
	CHECK_INT_EQ(s.retries, 3);
	CHECK_INT_EQ(s.throttled, 2);
	CHECK_INT_EQ(s.server_errors, 1);
	/* Full jitter: each sleep is at most 100, 200, 400 ms; the fake clock moved by exactly that. */
	CHECK(s.slept_ns <= 700 * JN_NS_PER_MS);
	CHECK_INT_EQ(r.clock.mono_ns, s.slept_ns);
	CHECK_STR_EQ(r.t.requests[3].url, "https://ec2.us-west-2.amazonaws.com/");
	jn_xml_free(out);
	jn_aws_query_release(&q);
	free(throttle);
	rig_release(&r);
}

static void storm_of_500s_ends_after_max_attempts(void)
{
	struct rig r;
	rig_init(&r, "http://127.0.0.1:5000", 4);
	for (int i = 0; i < 6; i++)
		fake_transport_push(&r.t, 500, "<html>boom</html>");
	struct jn_aws_query q;
	jn_aws_query_init(&q, "CreateFleet", "2016-11-15");
	struct jn_xml_node *out = NULL;
	struct jn_error err;
	char code[64];
	CHECK_INT_EQ(jn_aws_client_call(r.client, &q, &out, code, sizeof(code), &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAVAILABLE);
	CHECK_STR_EQ(err.msg, "calling CreateFleet (gave up after 4 attempts): http 500: <html>boom</html>");
	CHECK_INT_EQ(r.t.n_requests, 4);
	CHECK(out == NULL);
	jn_aws_query_release(&q);
	rig_release(&r);
}

static void invalid_requests_are_never_retried(void)
{
	struct rig r;
	rig_init(&r, "http://127.0.0.1:5000", 5);
	char *bad = fake_fixture("ec2/error_invalid_parameter.xml");
	char *auth = fake_fixture("ec2/error_auth_failure.xml");
	fake_transport_push(&r.t, 400, bad);
	fake_transport_push(&r.t, 401, auth);
	struct jn_aws_query q;
	jn_aws_query_init(&q, "CreateFleet", "2016-11-15");
	struct jn_xml_node *out = NULL;
	struct jn_error err;
	char code[64];
	CHECK_INT_EQ(jn_aws_client_call(r.client, &q, &out, code, sizeof(code), &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_EQ(code, "InvalidParameterValue");
	CHECK_STR_EQ(err.msg, "calling CreateFleet: 'InvalidParameterValue' (http 400): "
		"Value (m9.huge) for parameter instanceType is invalid.");
	CHECK_INT_EQ(r.t.n_requests, 1);
	CHECK_INT_EQ(jn_aws_client_call(r.client, &q, &out, code, sizeof(code), &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAUTHORIZED);
	CHECK_INT_EQ(r.t.n_requests, 2);
	CHECK_INT_EQ(r.clock.mono_ns, 0);
	free(bad);
	free(auth);
	jn_aws_query_release(&q);
	rig_release(&r);
}

/* The JSON protocol (SSM): target header, JSON body, JSON errors, the same retries. */
static void json_protocol_call(void)
{
	struct rig r;
	rig_init(&r, "http://127.0.0.1:5000", 3);
	char *ok = fake_fixture("ssm/get_parameter.json");
	char *missing = fake_fixture("ssm/parameter_not_found.json");
	fake_transport_push(&r.t, 400, "{\"__type\": \"com.amazonaws.ssm#ThrottlingException\", "
		"\"message\": \"Rate exceeded\"}");
	fake_transport_push(&r.t, 200, ok);
	struct json_t *out = NULL;
	struct jn_error err;
	const char *body = "{\"Name\": \"/aws/service/ami-amazon-linux-latest/"
		"al2023-ami-kernel-default-x86_64\"}";
	CHECK_INT_EQ(jn_aws_client_call_json(r.client, "AmazonSSM.GetParameter", body, &out, NULL, 0,
		&err), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(out, "Parameter"), "Value")),
		"ami-0ed094fb1304fd857");
	json_decref(out);
	CHECK_INT_EQ(r.t.n_requests, 2);   /* throttled once, then answered */
	CHECK_STR_EQ(r.t.requests[1].body, body);
	CHECK_STR_EQ(fake_request_header(&r.t, 1, "X-Amz-Target"), "AmazonSSM.GetParameter");
	CHECK_STR_EQ(fake_request_header(&r.t, 1, "Content-Type"), "application/x-amz-json-1.1");
	CHECK_STR_CONTAINS(fake_request_header(&r.t, 1, "Authorization"),
		"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, ");

	/* Not found is not retried and keeps moto's message. */
	fake_transport_push(&r.t, 400, missing);
	char code[64];
	CHECK_INT_EQ(jn_aws_client_call_json(r.client, "AmazonSSM.GetParameter", "{}", &out, code,
		sizeof(code), &err), -1);
	CHECK(out == NULL);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_EQ(code, "ParameterNotFound");
	CHECK_STR_EQ(err.msg, "calling GetParameter: 'ParameterNotFound' (http 400): Parameter "
		"/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/"
		"image_id not found.");
	CHECK_INT_EQ(r.t.n_requests, 3);
	/* A 2xx that is not JSON */
	fake_transport_push(&r.t, 200, "<html>");
	CHECK_INT_EQ(jn_aws_client_call_json(r.client, "AmazonSSM.GetParameter", "{}", &out, NULL, 0,
		&err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_CONTAINS(err.msg, "calling GetParameter: answer is not json: ");
	free(ok);
	free(missing);
	rig_release(&r);
}

int main(void)
{
	JN_RUN(signs_and_posts_form_body);
	JN_RUN(throttling_is_retried_with_bounded_jitter);
	JN_RUN(storm_of_500s_ends_after_max_attempts);
	JN_RUN(invalid_requests_are_never_retried);
	JN_RUN(json_protocol_call);
	return jn_tap_done();
}
