/* Query bodies, the XML tree with its caps, and error answers into kinds (fixtures in ec2/). */
#include <stdlib.h>
#include <string.h>

#include "fake_transport.h"
#include "jitnode/aws.h"
#include "jitnode/error.h"
#include "tap.h"

static void query_flattens_and_encodes(void)
{
	struct jn_aws_query q;
	jn_aws_query_init(&q, "CreateFleet", "2016-11-15");
	jn_aws_query_add(&q, "Type", "instant");
	jn_aws_query_add(&q, "Context", NULL);   /* optional: adds nothing */
	jn_aws_query_addf(&q, "jitnode/abc", "LaunchTemplateConfigs.%d.LaunchTemplateSpecification.LaunchTemplateName", 1);
	jn_aws_query_addf(&q, "$Latest", "LaunchTemplateConfigs.%d.LaunchTemplateSpecification.Version", 1);
	const char *ids[] = { "i-1", "i-2" };
	jn_aws_query_add_list(&q, "InstanceId", ids, 2);
	jn_aws_query_add_list(&q, "Empty", ids, 0);
	jn_aws_query_add(&q, "TagSpecification.1.Tag.1.Value", "a b+c=d&e");
	struct jn_buf b;
	jn_buf_init(&b, JN_BUF_UNLIMITED);
	CHECK_INT_EQ(jn_aws_query_encode(&q, &b, NULL), 0);
	CHECK_STR_EQ(jn_buf_cstr(&b),
		"Action=CreateFleet&Version=2016-11-15&Type=instant"
		"&LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName=jitnode%2Fabc"
		"&LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version=%24Latest"
		"&InstanceId.1=i-1&InstanceId.2=i-2"
		"&TagSpecification.1.Tag.1.Value=a%20b%2Bc%3Dd%26e");
	CHECK_STR_EQ(jn_aws_query_action(&q), "CreateFleet");
	CHECK_STR_EQ(jn_aws_query_get(&q, "InstanceId.2"), "i-2");
	CHECK(jn_aws_query_get(&q, "Empty.1") == NULL);
	jn_buf_release(&b);
	jn_aws_query_release(&q);
}

static void xml_tree_ignores_namespaces(void)
{
	char *doc = fake_fixture("ec2/create_fleet_success.xml");
	struct jn_xml_node *root = NULL;
	struct jn_error err;
	CHECK_INT_EQ(jn_xml_parse(doc, strlen(doc), NULL, &root, &err), 0);
	CHECK_STR_EQ(root->name, "CreateFleetResponse");
	CHECK_STR_EQ(jn_xml_text(root, "fleetId"), "fleet-0a1b2c3d4e5f60718");
	const struct jn_xml_node *item = jn_xml_path(root, "fleetInstanceSet/item");
	CHECK_STR_EQ(jn_xml_text(item, "instanceIds/item"), "i-0123456789abcdef0");
	CHECK_STR_EQ(jn_xml_text(item, "launchTemplateAndOverrides/overrides/priority"), "0.096");
	CHECK_INT_EQ(jn_xml_path(root, "errorSet")->n_children, 0);
	CHECK(jn_xml_text(root, "nope/x") == NULL);
	jn_xml_free(root);
	free(doc);
}

static void xml_caps_and_malformed(void)
{
	const char *deep = "<a><b><c><d/></c></b></a>";
	struct jn_xml_limits lim = { .max_bytes = 1000, .max_nodes = 100, .max_depth = 3,
		.max_text = 8 };
	struct jn_xml_node *root = NULL;
	struct jn_error err;
	CHECK_INT_EQ(jn_xml_parse(deep, strlen(deep), &lim, &root, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_TOO_LARGE);
	CHECK_STR_EQ(err.msg, "xml answer has more than 3 levels of nesting");
	CHECK(root == NULL);
	lim.max_depth = 10;
	lim.max_nodes = 3;
	CHECK_INT_EQ(jn_xml_parse(deep, strlen(deep), &lim, &root, &err), -1);
	CHECK_STR_EQ(err.msg, "xml answer has more than 3 elements");
	lim.max_nodes = 100;
	const char *text = "<a>123456789</a>";
	CHECK_INT_EQ(jn_xml_parse(text, strlen(text), &lim, &root, &err), -1);
	CHECK_STR_EQ(err.msg, "xml answer has more than 8 bytes of text in one element");
	lim.max_bytes = 10;
	CHECK_INT_EQ(jn_xml_parse(deep, strlen(deep), &lim, &root, &err), -1);
	CHECK_STR_EQ(err.msg, "xml answer has more than 10 bytes");
	CHECK_INT_EQ(jn_xml_parse("<a><b></a>", 10, NULL, &root, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_CONTAINS(err.msg, "malformed xml at line 1 column 8: mismatched tag");
}

static void error_answer(const char *fixture, long status, enum jn_error_kind kind,
	const char *code_want, const char *msg_want)
{
	char *doc = fake_fixture(fixture);
	char code[64];
	struct jn_error err;
	CHECK_INT_EQ(jn_aws_error_from_response(status, doc, strlen(doc), code, sizeof(code), &err), -1);
	CHECK_INT_EQ(err.kind, kind);
	CHECK_STR_EQ(code, code_want);
	CHECK_STR_EQ(err.msg, msg_want);
	free(doc);
}

static void errors_map_to_kinds(void)
{
	error_answer("ec2/error_throttling.xml", 503, JN_ERR_THROTTLED, "RequestLimitExceeded",
		"'RequestLimitExceeded' (http 503): Request limit exceeded.");
	error_answer("ec2/error_auth_failure.xml", 401, JN_ERR_UNAUTHORIZED, "AuthFailure",
		"'AuthFailure' (http 401): AWS was not able to validate the provided access credentials");
	error_answer("ec2/error_invalid_parameter.xml", 400, JN_ERR_INVALID, "InvalidParameterValue",
		"'InvalidParameterValue' (http 400): Value (m9.huge) for parameter instanceType is invalid.");
	error_answer("ec2/sts_error.xml", 400, JN_ERR_UNAUTHORIZED, "InvalidIdentityToken",
		"'InvalidIdentityToken' (http 400): Couldn't retrieve verification key from your identity provider");
	char code[8];
	struct jn_error err;
	const char *html = "<!doctype html>\n<title>500 Internal Server Error</title>";
	jn_aws_error_from_response(500, html, strlen(html), code, sizeof(code), &err);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAVAILABLE);
	CHECK_STR_EQ(code, "");
	CHECK_STR_EQ(err.msg, "http 500: <!doctype html> <title>500 Internal Server Error</title>");

	CHECK_INT_EQ(jn_aws_error_kind("Throttling", 400), JN_ERR_THROTTLED);
	CHECK_INT_EQ(jn_aws_error_kind("InsufficientInstanceCapacity", 500), JN_ERR_INSUFFICIENT_CAPACITY);
	CHECK_INT_EQ(jn_aws_error_kind("UnauthorizedOperation", 403), JN_ERR_UNAUTHORIZED);
	CHECK_INT_EQ(jn_aws_error_kind("InvalidInstanceID.NotFound", 400), JN_ERR_NOT_FOUND);
	CHECK_INT_EQ(jn_aws_error_kind("InvalidLaunchTemplateName.NotFoundException", 400), JN_ERR_NOT_FOUND);
	CHECK_INT_EQ(jn_aws_error_kind("InvalidLaunchTemplateName.AlreadyExistsException", 400), JN_ERR_CONFLICT);
	CHECK_INT_EQ(jn_aws_error_kind("InvalidParameterCombination", 400), JN_ERR_INVALID);
	CHECK_INT_EQ(jn_aws_error_kind("InternalError", 500), JN_ERR_UNAVAILABLE);
	CHECK_INT_EQ(jn_aws_error_kind("", 502), JN_ERR_UNAVAILABLE);
	CHECK(jn_aws_code_is_capacity("VcpuLimitExceeded"));
	CHECK(!jn_aws_code_is_capacity("InvalidParameterValue"));
}

int main(void)
{
	JN_RUN(query_flattens_and_encodes);
	JN_RUN(xml_tree_ignores_namespaces);
	JN_RUN(xml_caps_and_malformed);
	JN_RUN(errors_map_to_kinds);
	return jn_tap_done();
}
