/*
 * The EC2 provider through a scripted transport: the codecs on recorded answers
 * (tests/fixtures/aws/ec2), the exact CreateFleet request, the ICE cache fed by an errorSet,
 * idempotency by tag, pagination, termination.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/cloud/ec2/ec2_internal.h"
#include "fake_clock.h"
#include "../aws/fake_transport.h"
#include "jitnode/aws.h"
#include "jitnode/catalog.h"
#include "jitnode/cloud.h"
#include "jitnode/ec2.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"
#include "tap.h"

#define WALL (INT64_C(1795434600) * JN_NS_PER_SEC)

static void codec_create_fleet(void)
{
	struct jn_xml_node *root = fake_fixture_tree("ec2/create_fleet_success.xml");
	struct ec2_fleet_result r;
	CHECK_INT_EQ(ec2_decode_fleet(root, &r, NULL), 0);
	CHECK_STR_EQ(r.fleet_id, "fleet-0a1b2c3d4e5f60718");
	CHECK_INT_EQ(r.n_errors, 0);
	CHECK_INT_EQ(r.n_instances, 1);
	CHECK_STR_EQ(r.instances[0].instance_id, "i-0123456789abcdef0");
	CHECK_STR_EQ(r.instances[0].zone, "us-east-1a");
	CHECK_INT_EQ(r.instances[0].capacity_type, JN_CAPACITY_ON_DEMAND);
	ec2_fleet_result_release(&r);
	jn_xml_free(root);

	root = fake_fixture_tree("ec2/create_fleet_partial.xml");
	CHECK_INT_EQ(ec2_decode_fleet(root, &r, NULL), 0);
	CHECK_INT_EQ(r.n_errors, 2);
	CHECK_STR_EQ(r.errors[0].instance_type, "c5.large");
	CHECK_STR_EQ(r.errors[0].zone, "us-east-1a");
	CHECK_INT_EQ(r.errors[0].capacity_type, JN_CAPACITY_SPOT);
	CHECK_STR_EQ(r.errors[0].code, "InsufficientInstanceCapacity");
	CHECK_STR_EQ(r.errors[1].code, "UnfulfillableCapacity");
	CHECK_STR_EQ(r.errors[1].subnet_id, "subnet-0bbb2222");
	CHECK_INT_EQ(r.n_instances, 1);
	CHECK_STR_EQ(r.instances[0].instance_id, "i-0fedcba9876543210");
	CHECK_INT_EQ(r.instances[0].capacity_type, JN_CAPACITY_SPOT);
	ec2_fleet_result_release(&r);
	jn_xml_free(root);

	root = fake_fixture_tree("ec2/error_throttling.xml");
	struct jn_error err;
	CHECK_INT_EQ(ec2_decode_fleet(root, &r, &err), -1);
	CHECK_STR_EQ(err.msg, "expected CreateFleetResponse, got 'Response'");
	jn_xml_free(root);
}

static void codec_describe_instances_two_pages(void)
{
	struct jn_instance_list list = { 0 };
	char *token = NULL;
	struct jn_xml_node *root = fake_fixture_tree("ec2/describe_instances_page1.xml");
	CHECK_INT_EQ(ec2_decode_instances(root, &list, &token, NULL), 0);
	CHECK_STR_EQ(token, "r-0002");
	free(token);
	jn_xml_free(root);
	root = fake_fixture_tree("ec2/describe_instances_page2.xml");
	CHECK_INT_EQ(ec2_decode_instances(root, &list, &token, NULL), 0);
	CHECK(token == NULL);
	jn_xml_free(root);
	CHECK_INT_EQ(list.len, 3);
	struct jn_instance *a = &list.items[0], *b = &list.items[1], *c = &list.items[2];
	CHECK_STR_EQ(a->provider_id, "aws:///us-east-1a/i-0aaa000000000001");
	CHECK_STR_EQ(a->instance_type, "m5.large");
	CHECK_INT_EQ(a->state, JN_INSTANCE_RUNNING);
	CHECK_INT_EQ(a->capacity_type, JN_CAPACITY_ON_DEMAND);
	CHECK_STR_EQ(a->private_dns_name, "ip-10-0-1-17.ec2.internal");
	CHECK_STR_EQ(a->image_id, "ami-0123456789abcdef0");
	CHECK_INT_EQ(a->launch_time_wall_ns, INT64_C(1795428930) * JN_NS_PER_SEC);
	CHECK_STR_EQ(jn_strmap_get(&a->tags, "karpenter.sh/nodeclaim"), "default-abcde");
	CHECK_INT_EQ(a->tags.len, 4);
	CHECK_INT_EQ(b->capacity_type, JN_CAPACITY_SPOT);
	CHECK_INT_EQ(b->state, JN_INSTANCE_PENDING);
	CHECK_STR_EQ(b->private_dns_name, "ip-10-0-2-9.ec2.internal");
	CHECK_INT_EQ(c->state, JN_INSTANCE_SHUTTING_DOWN);
	CHECK_STR_EQ(c->zone, "us-east-1c");
	jn_instance_list_release(&list);
}

/* ---- the provider ---- */

struct rig {
	struct fake_transport t;
	struct jn_fake_clock clock;
	struct jn_aws_credentials_provider *creds;
	struct jn_aws_client *client;
	struct jn_cloud_provider *cp;
	struct jn_ec2nodeclass nc;
	char *logbuf;
	size_t loglen;
	FILE *logfile;
	struct jn_logger *log;
};

static void rig_init(struct rig *r)
{
	fake_transport_init(&r->t);
	jn_fake_clock_init(&r->clock, WALL);
	struct jn_aws_credentials c = { .access_key_id = "AKID", .secret_access_key = "s" };
	r->creds = jn_aws_credentials_provider_static(&c);
	struct jn_aws_client_config cfg = { .service = "ec2", .region = "us-east-1",
		.endpoint = "http://127.0.0.1:5000", .max_attempts = 4, .jitter_seed = 1 };
	r->client = jn_aws_client_create(&cfg, &r->t.base, r->creds, &r->clock.base, NULL);
	struct jn_ec2_options o = { .cluster_name = "demo", .region = "us-east-1",
		.describe_page_size = 5 };
	struct jn_error err;
	r->logfile = open_memstream(&r->logbuf, &r->loglen);
	r->log = jn_logger_create(r->logfile, JN_LOG_INFO, JN_LOG_FORMAT_TEXT, &r->clock.base);
	r->cp = jn_ec2_provider_create(&o, r->client, &r->clock.base, r->log, &err);
	memset(&r->nc, 0, sizeof(r->nc));
	r->nc.name = jn_xstrdup("default");
	r->nc.n_subnet_terms = 1;
	r->nc.subnet_terms = jn_xcalloc(1, sizeof(struct jn_selector_term));
	jn_strmap_init(&r->nc.subnet_terms[0].tags);
	jn_strmap_set(&r->nc.subnet_terms[0].tags, "karpenter.sh/discovery", "demo");
	r->nc.n_security_group_terms = 1;
	r->nc.security_group_terms = jn_xcalloc(1, sizeof(struct jn_selector_term));
	jn_strmap_init(&r->nc.security_group_terms[0].tags);
	r->nc.security_group_terms[0].id = jn_xstrdup("sg-0123");
	r->nc.n_ami_terms = 1;
	r->nc.ami_terms = jn_xcalloc(1, sizeof(struct jn_selector_term));
	jn_strmap_init(&r->nc.ami_terms[0].tags);
	r->nc.ami_terms[0].id = jn_xstrdup("ami-0123456789abcdef0");
	jn_strmap_init(&r->nc.tags);
	r->nc.metadata_options = (struct jn_metadata_options){ .http_endpoint_enabled = true,
		.http_put_response_hop_limit = 1, .http_tokens_required = true };
}

static void rig_release(struct rig *r)
{
	jn_cloud_destroy(r->cp);
	jn_aws_client_destroy(r->client);
	jn_aws_credentials_provider_destroy(r->creds);
	fake_transport_release(&r->t);
	jn_ec2nodeclass_release(&r->nc);
	jn_logger_destroy(r->log);
	fclose(r->logfile);
	free(r->logbuf);
}

/* The log so far (flushed). */
static const char *rig_log(struct rig *r)
{
	fflush(r->logfile);
	return r->logbuf;
}

static const char *empty_instances =
	"<DescribeInstancesResponse><requestId>x</requestId><reservationSet/></DescribeInstancesResponse>";
static const char *subnets =
	"<DescribeSubnetsResponse><subnetSet>"
	"<item><subnetId>subnet-0aaa1111</subnetId><availabilityZone>us-east-1a</availabilityZone>"
	"<availableIpAddressCount>250</availableIpAddressCount></item>"
	"<item><subnetId>subnet-0bbb2222</subnetId><availabilityZone>us-east-1b</availabilityZone>"
	"<availableIpAddressCount>250</availableIpAddressCount></item>"
	"</subnetSet></DescribeSubnetsResponse>";
static const char *groups =
	"<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-0123</groupId></item>"
	"</securityGroupInfo></DescribeSecurityGroupsResponse>";
static const char *lt_missing =
	"<Response><Errors><Error><Code>InvalidLaunchTemplateName.NotFoundException</Code>"
	"<Message>not found</Message></Error></Errors><RequestID>r</RequestID></Response>";
static const char *lt_created =
	"<CreateLaunchTemplateResponse><launchTemplate><launchTemplateId>lt-1</launchTemplateId>"
	"</launchTemplate></CreateLaunchTemplateResponse>";

static const char *one_instance =
	"<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
	"<instanceId>i-0fedcba9876543210</instanceId><imageId>ami-0123456789abcdef0</imageId>"
	"<instanceState><code>0</code><name>pending</name></instanceState>"
	"<privateDnsName>ip-10-0-2-9.ec2.internal</privateDnsName><instanceType>m5.large</instanceType>"
	"<launchTime>2026-11-23T11:50:00.000Z</launchTime>"
	"<placement><availabilityZone>us-east-1b</availabilityZone></placement>"
	"<subnetId>subnet-0bbb2222</subnetId><instanceLifecycle>spot</instanceLifecycle>"
	"<tagSet><item><key>karpenter.sh/nodeclaim</key><value>default-x7k2p</value></item></tagSet>"
	"</item></instancesSet></item></reservationSet></DescribeInstancesResponse>";

static const struct jn_launch_offering spot3[] = {
	{ "m5.large", "us-east-1b", JN_CAPACITY_SPOT, 0.035 },
	{ "c5.large", "us-east-1a", JN_CAPACITY_SPOT, 0.031 },
	{ "c5.large", "us-east-1b", JN_CAPACITY_SPOT, 0.033 },
	{ "m5.large", "us-east-1c", JN_CAPACITY_SPOT, 0.030 },     /* no subnet in 1c */
	{ "m5.large", "us-east-1a", JN_CAPACITY_ON_DEMAND, 0.096 }, /* spot wins: left out */
};

static void create_builds_fleet_and_feeds_ice_cache(void)
{
	struct rig r;
	rig_init(&r);
	char *partial = fake_fixture("ec2/create_fleet_partial.xml");
	fake_transport_push(&r.t, 200, empty_instances);
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 400, lt_missing);
	fake_transport_push(&r.t, 200, lt_created);
	fake_transport_push(&r.t, 200, partial);
	fake_transport_push(&r.t, 200, one_instance);
	struct jn_launch_request req = { .claim_name = "default-x7k2p", .nodepool_name = "default",
		.node_class_name = "default", .node_class = &r.nc, .offerings = spot3, .n_offerings = 5 };
	struct jn_instance in;
	struct jn_error err;
	int rc = jn_cloud_create(r.cp, &req, &in, &err);
	CHECK_INT_EQ(rc, 0);
	if (rc < 0)
		jn_tap_diag("%s", err.msg);
	CHECK_INT_EQ(r.t.n_requests, 7);
	CHECK_STR_CONTAINS(r.t.requests[0].body, "Action=DescribeInstances&Version=2016-11-15"
		"&Filter.1.Name=tag%3Akarpenter.sh%2Fnodeclaim&Filter.1.Value.1=default-x7k2p"
		"&Filter.2.Name=tag%3Akubernetes.io%2Fcluster%2Fdemo&Filter.2.Value.1=owned"
		"&Filter.3.Name=instance-state-name&Filter.3.Value.1=pending");
	CHECK_STR_EQ(r.t.requests[1].body, "Action=DescribeSubnets&Version=2016-11-15"
		"&Filter.1.Name=tag%3Akarpenter.sh%2Fdiscovery&Filter.1.Value.1=demo");
	CHECK_STR_EQ(r.t.requests[2].body,
		"Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-0123");
	CHECK_STR_CONTAINS(r.t.requests[4].body, "Action=CreateLaunchTemplate&Version=2016-11-15"
		"&LaunchTemplateName=jitnode%2Fdemo%2F");
	CHECK_STR_CONTAINS(r.t.requests[4].body, "&LaunchTemplateData.ImageId=ami-0123456789abcdef0"
		"&LaunchTemplateData.SecurityGroupId.1=sg-0123"
		"&LaunchTemplateData.MetadataOptions.HttpEndpoint=enabled");
	CHECK_STR_CONTAINS(r.t.requests[4].body, "MetadataOptions.HttpTokens=required");
	const char *fleet = r.t.requests[5].body;
	char token[65];
	ec2_client_token("demo", "default-x7k2p", token);
	CHECK_INT_EQ(strlen(token), 64);
	CHECK_STR_CONTAINS(fleet, token);
	/* Cheapest first, one override per (offering, subnet in its zone), no on-demand. */
	CHECK_STR_CONTAINS(fleet, "&Type=instant&TargetCapacitySpecification.TotalTargetCapacity=1"
		"&TargetCapacitySpecification.DefaultTargetCapacityType=spot"
		"&SpotOptions.AllocationStrategy=price-capacity-optimized"
		"&LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName=jitnode%2Fdemo%2F");
	CHECK_STR_CONTAINS(fleet, "LaunchTemplateSpecification.Version=%24Latest"
		"&LaunchTemplateConfigs.1.Overrides.1.InstanceType=c5.large"
		"&LaunchTemplateConfigs.1.Overrides.1.SubnetId=subnet-0aaa1111"
		"&LaunchTemplateConfigs.1.Overrides.1.AvailabilityZone=us-east-1a"
		"&LaunchTemplateConfigs.1.Overrides.1.ImageId=ami-0123456789abcdef0"
		"&LaunchTemplateConfigs.1.Overrides.1.Priority=0.031000"
		"&LaunchTemplateConfigs.1.Overrides.2.InstanceType=c5.large"
		"&LaunchTemplateConfigs.1.Overrides.2.SubnetId=subnet-0bbb2222");
	CHECK_STR_CONTAINS(fleet, "Overrides.3.InstanceType=m5.large"
		"&LaunchTemplateConfigs.1.Overrides.3.SubnetId=subnet-0bbb2222");
	CHECK(strstr(fleet, "Overrides.4.") == NULL);
	CHECK_STR_CONTAINS(fleet, "&TagSpecification.1.ResourceType=instance"
		"&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=default%2Fdefault-x7k2p");
	CHECK_STR_CONTAINS(fleet, "TagSpecification.2.ResourceType=volume");
	CHECK_STR_CONTAINS(fleet, "TagSpecification.3.ResourceType=fleet");
	CHECK_STR_CONTAINS(fleet, "Key=karpenter.sh%2Fnodeclaim&TagSpecification.1.Tag.");
	/* the class's hash, which drift compares later */
	char hash[17], tag[128];
	ec2_nodeclass_hash(&r.nc, hash);
	snprintf(tag, sizeof(tag), "Key=karpenter.k8s.aws%%2Fec2nodeclass-hash&TagSpecification.1."
		"Tag.3.Value=%s&TagSpecification.1.Tag.4.Key=karpenter.k8s.aws%%2Fec2nodeclass-hash-"
		"version&TagSpecification.1.Tag.4.Value=jn1", hash);
	CHECK_STR_CONTAINS(fleet, tag);
	CHECK_STR_EQ(in.provider_id, "aws:///us-east-1b/i-0fedcba9876543210");
	CHECK_STR_EQ(in.instance_type, "m5.large");
	CHECK_INT_EQ(in.capacity_type, JN_CAPACITY_SPOT);
	CHECK_STR_EQ(in.private_dns_name, "ip-10-0-2-9.ec2.internal");
	jn_instance_release(&in);
	/* Why: what was left out and the cheapest sent; then what EC2 picked, at which rank. */
	CHECK_STR_CONTAINS(rig_log(&r), "INFO chose fleet overrides nodeclaim=default-x7k2p "
		"capacity_type=spot strategy=price-capacity-optimized options=5 other_capacity_type=1 "
		"ice_skipped=0 no_subnet=1 no_image=0 overrides=3 cheapest_type=c5.large cheapest_zone=us-east-1a "
		"cheapest_price=0.031\n");
	CHECK_STR_CONTAINS(rig_log(&r), "INFO launched instance nodeclaim=default-x7k2p "
		"id=i-0fedcba9876543210 type=m5.large zone=us-east-1b capacity_type=spot price=0.035 "
		"rank=2 overrides=3 fleet_errors=2");

	/* Both errorSet entries are in the ICE cache, and the catalog shows it. */
	struct jn_catalog *cat = jn_cloud_instance_types(r.cp, NULL, &err);
	const struct jn_instance_type *c5 = jn_catalog_find(cat, "c5.large");
	CHECK(!jn_instance_type_offering(c5, "us-east-1a", JN_CAPACITY_SPOT)->available);
	CHECK(!jn_instance_type_offering(c5, "us-east-1b", JN_CAPACITY_SPOT)->available);
	CHECK(jn_instance_type_offering(c5, "us-east-1a", JN_CAPACITY_ON_DEMAND)->available);
	jn_catalog_unref(cat);

	/* The next launch leaves them out and reuses the resolution and the template (cached). */
	fake_transport_push(&r.t, 200, empty_instances);
	char *none = fake_fixture("ec2/create_fleet_no_capacity.xml");
	fake_transport_push(&r.t, 200, none);
	req.claim_name = "default-second";
	CHECK_INT_EQ(jn_cloud_create(r.cp, &req, &in, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INSUFFICIENT_CAPACITY);
	CHECK_STR_EQ(err.msg, "launching nodeclaim 'default-second': fleet 'fleet-2c3d4e5f607182930' "
		"launched no instance: p5.48xlarge/us-east-1a/on-demand: InsufficientInstanceCapacity");
	CHECK_INT_EQ(r.t.n_requests, 9);
	CHECK_STR_CONTAINS(r.t.requests[8].body, "Overrides.1.InstanceType=m5.large"
		"&LaunchTemplateConfigs.1.Overrides.1.SubnetId=subnet-0bbb2222");
	CHECK(strstr(r.t.requests[8].body, "c5.large") == NULL);
	CHECK_STR_CONTAINS(rig_log(&r), "INFO chose fleet overrides nodeclaim=default-second "
		"capacity_type=spot strategy=price-capacity-optimized options=5 other_capacity_type=1 "
		"ice_skipped=2 no_subnet=1 no_image=0 overrides=1 cheapest_type=m5.large");
	/* Three minutes later the marks are gone. */
	jn_fake_clock_advance(&r.clock, 181 * JN_NS_PER_SEC);
	cat = jn_cloud_instance_types(r.cp, NULL, &err);
	c5 = jn_catalog_find(cat, "c5.large");
	CHECK(jn_instance_type_offering(c5, "us-east-1a", JN_CAPACITY_SPOT)->available);
	jn_catalog_unref(cat);
	/* ...and the node class is resolved again (its cache lasts 60 s). */
	fake_transport_push(&r.t, 200, empty_instances);
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 200, none);
	req.claim_name = "default-third";
	CHECK_INT_EQ(jn_cloud_create(r.cp, &req, &in, &err), -1);
	CHECK_INT_EQ(r.t.n_requests, 13);
	CHECK_STR_CONTAINS(r.t.requests[10].body, "Action=DescribeSubnets");
	CHECK_STR_CONTAINS(r.t.requests[12].body, "Overrides.1.InstanceType=c5.large");
	free(partial);
	free(none);
	rig_release(&r);
}

static void existing_claim_is_returned_not_relaunched(void)
{
	struct rig r;
	rig_init(&r);
	fake_transport_push(&r.t, 200, one_instance);
	struct jn_launch_request req = { .claim_name = "default-x7k2p", .node_class = &r.nc,
		.offerings = spot3, .n_offerings = 1 };
	struct jn_instance in;
	struct jn_error err;
	CHECK_INT_EQ(jn_cloud_create(r.cp, &req, &in, &err), 0);
	CHECK_STR_EQ(in.instance_id, "i-0fedcba9876543210");
	CHECK_INT_EQ(r.t.n_requests, 1);
	jn_instance_release(&in);

	/* A CreateFleet that fails with a 500 but launched: the retry finds it by tag instead. */
	fake_transport_push(&r.t, 200, empty_instances);
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 200, "<DescribeLaunchTemplatesResponse><launchTemplates><item>"
		"<launchTemplateName>x</launchTemplateName></item></launchTemplates>"
		"</DescribeLaunchTemplatesResponse>");
	fake_transport_push(&r.t, 500, "<html>oops</html>");
	fake_transport_push(&r.t, 200, one_instance);
	req.claim_name = "default-retry";
	CHECK_INT_EQ(jn_cloud_create(r.cp, &req, &in, &err), 0);
	CHECK_INT_EQ(r.t.n_requests, 7);
	CHECK_STR_CONTAINS(r.t.requests[6].body, "Action=DescribeInstances");
	CHECK_STR_EQ(in.instance_id, "i-0fedcba9876543210");
	jn_instance_release(&in);
	rig_release(&r);
}

static void list_pages_get_and_delete(void)
{
	struct rig r;
	rig_init(&r);
	char *p1 = fake_fixture("ec2/describe_instances_page1.xml");
	char *p2 = fake_fixture("ec2/describe_instances_page2.xml");
	fake_transport_push(&r.t, 200, p1);
	fake_transport_push(&r.t, 200, p2);
	struct jn_instance_list list = { 0 };
	struct jn_error err;
	CHECK_INT_EQ(jn_cloud_list(r.cp, &list, &err), 0);
	/* The shutting-down one on page 2 is not live. */
	CHECK_INT_EQ(list.len, 2);
	CHECK_STR_CONTAINS(r.t.requests[0].body, "&MaxResults=5");
	CHECK(strstr(r.t.requests[0].body, "NextToken") == NULL);
	CHECK_STR_CONTAINS(r.t.requests[1].body, "&MaxResults=5&NextToken=r-0002");
	CHECK_STR_CONTAINS(r.t.requests[0].body,
		"Filter.1.Name=tag-key&Filter.1.Value.1=karpenter.sh%2Fnodepool");
	jn_instance_list_release(&list);

	fake_transport_push(&r.t, 200, "<TerminateInstancesResponse><instancesSet><item>"
		"<instanceId>i-1</instanceId><currentState><code>32</code><name>shutting-down</name>"
		"</currentState><previousState><code>16</code><name>running</name></previousState>"
		"</item></instancesSet></TerminateInstancesResponse>");
	fake_transport_push(&r.t, 200, "<TerminateInstancesResponse><instancesSet><item>"
		"<instanceId>i-1</instanceId><currentState><code>48</code><name>terminated</name>"
		"</currentState><previousState><code>48</code><name>terminated</name></previousState>"
		"</item></instancesSet></TerminateInstancesResponse>");
	fake_transport_push(&r.t, 400, "<Response><Errors><Error><Code>InvalidInstanceID.NotFound"
		"</Code><Message>The instance ID 'i-2' does not exist</Message></Error></Errors></Response>");
	CHECK_INT_EQ(jn_cloud_delete(r.cp, "aws:///us-east-1a/i-1", &err), 0);
	CHECK_STR_EQ(r.t.requests[2].body, "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-1");
	CHECK_INT_EQ(jn_cloud_delete(r.cp, "aws:///us-east-1a/i-1", &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_EQ(err.msg, "deleting instance 'aws:///us-east-1a/i-1': instance 'i-1' is terminated");
	CHECK_INT_EQ(jn_cloud_delete(r.cp, "aws:///us-east-1a/i-2", &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);

	fake_transport_push(&r.t, 200, empty_instances);
	struct jn_instance in;
	CHECK_INT_EQ(jn_cloud_get(r.cp, "aws:///us-east-1a/i-3", &in, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_EQ(err.msg, "getting instance 'aws:///us-east-1a/i-3': instance 'i-3' is terminated");
	free(p1);
	free(p2);
	rig_release(&r);
}

static void auth_failure_and_unready_nodeclass(void)
{
	struct rig r;
	rig_init(&r);
	char *auth = fake_fixture("ec2/error_auth_failure.xml");
	fake_transport_push(&r.t, 401, auth);
	struct jn_launch_request req = { .claim_name = "c", .node_class = &r.nc, .offerings = spot3,
		.n_offerings = 1 };
	struct jn_instance in;
	struct jn_error err;
	CHECK_INT_EQ(jn_cloud_create(r.cp, &req, &in, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAUTHORIZED);
	CHECK_INT_EQ(r.t.n_requests, 1);
	fake_transport_push(&r.t, 200, empty_instances);
	fake_transport_push(&r.t, 200, "<DescribeSubnetsResponse><subnetSet/></DescribeSubnetsResponse>");
	fake_transport_push(&r.t, 200, groups);
	CHECK_INT_EQ(jn_cloud_create(r.cp, &req, &in, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NODECLASS_NOT_READY);
	CHECK_STR_EQ(err.msg, "launching nodeclaim 'c': nodeclass 'default': no subnet matches");
	free(auth);
	rig_release(&r);
}

static void ami_drift(void)
{
	struct rig r;
	rig_init(&r);
	struct jn_error err;
	/* Drift: the instance runs an AMI the node class no longer selects. */
	const char *drifted = "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
		"<instanceId>i-1</instanceId><imageId>ami-old</imageId>"
		"<instanceState><code>16</code><name>running</name></instanceState>"
		"<instanceType>m5.large</instanceType><placement><availabilityZone>us-east-1a"
		"</availabilityZone></placement><subnetId>subnet-0aaa1111</subnetId>"
		"</item></instancesSet></item></reservationSet></DescribeInstancesResponse>";
	fake_transport_push(&r.t, 200, drifted);
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	struct jn_drift_query q = { .provider_id = "aws:///us-east-1a/i-1", .node_class = &r.nc };
	enum jn_drift_reason why;
	CHECK_INT_EQ(jn_cloud_is_drifted(r.cp, &q, &why, &err), 0);
	CHECK_STR_EQ(jn_drift_reason_name(why), "AMIDrift");
	rig_release(&r);
}

static void alias_paths(void)
{
	char *path = NULL;
	struct jn_error err;
	CHECK_INT_EQ(ec2_alias_ssm_path("al2023@latest", "1.31", "x86_64", &path, &err), 0);
	CHECK_STR_EQ(path, "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/"
		"recommended/image_id");
	free(path);
	CHECK_INT_EQ(ec2_alias_ssm_path("al2023@v20240807", "1.30", "arm64", &path, &err), 0);
	CHECK_STR_EQ(path, "/aws/service/eks/optimized-ami/1.30/amazon-linux-2023/arm64/standard/"
		"amazon-eks-node-al2023-arm64-standard-1.30-v20240807/image_id");
	free(path);
	CHECK_INT_EQ(ec2_alias_ssm_path("bottlerocket@latest", "1.31", "arm64", &path, &err), 0);
	CHECK_STR_EQ(path, "/aws/service/bottlerocket/aws-k8s-1.31/arm64/latest/image_id");
	free(path);
	CHECK_INT_EQ(ec2_alias_ssm_path("bottlerocket@v1.20.1", "1.31", "x86_64", &path, &err), 0);
	CHECK_STR_EQ(path, "/aws/service/bottlerocket/aws-k8s-1.31/x86_64/1.20.1/image_id");
	free(path);
	CHECK_INT_EQ(ec2_alias_ssm_path("windows2022@latest", "1.31", "x86_64", &path, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NODECLASS_NOT_READY);
	CHECK_STR_EQ(err.msg, "ami alias 'windows2022@latest': family 'windows2022' is not "
		"supported (al2023, bottlerocket)");
	CHECK_INT_EQ(ec2_alias_ssm_path("al2023@latest", NULL, "x86_64", &path, &err), -1);
	CHECK_STR_EQ(err.msg, "ami alias 'al2023@latest' needs the cluster's kubernetes version, "
		"which is not set");
	CHECK_INT_EQ(ec2_alias_ssm_path("al2023", "1.31", "x86_64", &path, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK(path == NULL);
}

/* An alias through SSM: an image per architecture, each type launched with its own. */
static void alias_resolved_through_ssm(void)
{
	struct rig r;
	rig_init(&r);
	jn_cloud_destroy(r.cp);
	struct jn_aws_client_config cfg = { .service = "ssm", .region = "us-east-1",
		.endpoint = "http://127.0.0.1:5000", .max_attempts = 1 };
	struct jn_aws_client *ssm = jn_aws_client_create(&cfg, &r.t.base, r.creds, &r.clock.base,
		NULL);
	struct jn_ec2_options o = { .cluster_name = "demo", .region = "us-east-1",
		.kubernetes_version = "1.31", .ssm_client = ssm };
	r.cp = jn_ec2_provider_create(&o, r.client, &r.clock.base, r.log, NULL);
	struct ec2_provider *p = ec2_from_provider(r.cp);
	free(r.nc.ami_terms[0].id);
	r.nc.ami_terms[0].id = NULL;
	r.nc.ami_terms[0].alias = jn_xstrdup("al2023@latest");
	char *missing = fake_fixture("ssm/parameter_not_found.json");
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 200, "{\"Parameter\": {\"Name\": \"x\", \"Value\": \"ami-amd\"}}");
	fake_transport_push(&r.t, 400, missing);
	struct ec2_resolved res;
	struct jn_error err;
	CHECK_INT_EQ(ec2_resolve(p, &r.nc, &res, &err), 0);
	CHECK_STR_EQ(r.t.requests[2].body, "{\"Name\":\"/aws/service/eks/optimized-ami/1.31/"
		"amazon-linux-2023/x86_64/standard/recommended/image_id\"}");
	CHECK_STR_EQ(fake_request_header(&r.t, 3, "X-Amz-Target"), "AmazonSSM.GetParameter");
	CHECK_STR_CONTAINS(fake_request_header(&r.t, 3, "Authorization"), "/us-east-1/ssm/aws4_request");
	CHECK_STR_CONTAINS(r.t.requests[3].body, "/arm64/standard/recommended/image_id");
	CHECK_STR_EQ(res.image_id, "ami-amd");
	CHECK_STR_EQ(res.image_amd64, "ami-amd");
	CHECK(res.image_arm64 == NULL);
	CHECK_STR_EQ(ec2_image_for(p, &res, "m5.large"), "ami-amd");
	CHECK(ec2_image_for(p, &res, "m6g.large") == NULL);
	ec2_resolved_release(&res);
	CHECK_STR_CONTAINS(rig_log(&r), "INFO resolved ami alias nodeclass=default alias=al2023@latest "
		"amd64=ami-amd arm64=\"\"");

	/* Neither architecture has the parameter: the node class is not ready, saying which. */
	free(r.nc.ami_terms[0].alias);
	r.nc.ami_terms[0].alias = jn_xstrdup("bottlerocket@latest");
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 400, missing);
	fake_transport_push(&r.t, 400, missing);
	CHECK_INT_EQ(ec2_resolve(p, &r.nc, &res, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NODECLASS_NOT_READY);
	CHECK_STR_EQ(err.msg, "nodeclass 'default': resolving ami alias 'bottlerocket@latest': "
		"reading ssm parameter '/aws/service/bottlerocket/aws-k8s-1.31/x86_64/latest/image_id': "
		"calling GetParameter: 'ParameterNotFound' (http 400): Parameter /aws/service/eks/"
		"optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id not found.");
	CHECK_STR_CONTAINS(r.t.requests[6].body, "aws-k8s-1.31/x86_64/latest/image_id");
	CHECK_STR_CONTAINS(r.t.requests[7].body, "aws-k8s-1.31/arm64/latest/image_id");

	/* An ssmParameter term reads its parameter as the image id. */
	free(r.nc.ami_terms[0].alias);
	r.nc.ami_terms[0].alias = NULL;
	r.nc.ami_terms[0].ssm_parameter = jn_xstrdup("/my/ami");
	char *ok = fake_fixture("ssm/get_parameter.json");
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 200, ok);
	CHECK_INT_EQ(ec2_resolve(p, &r.nc, &res, &err), 0);
	CHECK_STR_EQ(res.image_id, "ami-0ed094fb1304fd857");
	CHECK(res.image_amd64 == NULL && res.image_arm64 == NULL);
	CHECK_STR_EQ(ec2_image_for(p, &res, "m6g.large"), "ami-0ed094fb1304fd857");
	CHECK_STR_EQ(r.t.requests[10].body, "{\"Name\":\"/my/ami\"}");
	ec2_resolved_release(&res);
	free(ok);
	free(missing);
	rig_release(&r);
	jn_aws_client_destroy(ssm);
}

/* A role becomes an instance profile with a deterministic name, created once, role swapped. */
static void role_becomes_instance_profile(void)
{
	struct rig r;
	rig_init(&r);
	jn_cloud_destroy(r.cp);
	struct jn_aws_client_config cfg = { .service = "iam", .region = "us-east-1",
		.endpoint = "http://127.0.0.1:5000", .max_attempts = 1 };
	struct jn_aws_client *iam = jn_aws_client_create(&cfg, &r.t.base, r.creds, &r.clock.base,
		NULL);
	struct jn_ec2_options o = { .cluster_name = "demo", .region = "us-east-1",
		.iam_client = iam };
	r.cp = jn_ec2_provider_create(&o, r.client, &r.clock.base, r.log, NULL);
	struct ec2_provider *p = ec2_from_provider(r.cp);
	r.nc.role = jn_xstrdup("nodes/KarpenterNodeRole-itest");
	char *name = ec2_instance_profile_name("demo", "us-east-1", "default");
	CHECK_STR_EQ(name, "demo_e17225dea66a4bd9");
	char *missing = fake_fixture("iam/no_such_entity.xml");
	char *created = fake_fixture("iam/create_instance_profile.xml");
	char *held = fake_fixture("iam/get_instance_profile.xml");
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 404, missing);
	fake_transport_push(&r.t, 200, created);
	fake_transport_push(&r.t, 200, "<AddRoleToInstanceProfileResponse/>");
	struct ec2_resolved res;
	struct jn_error err;
	CHECK_INT_EQ(ec2_resolve(p, &r.nc, &res, &err), 0);
	CHECK_STR_EQ(res.instance_profile, name);
	ec2_resolved_release(&res);
	CHECK_INT_EQ(r.t.n_requests, 5);
	char want[512];
	snprintf(want, sizeof(want), "Action=GetInstanceProfile&Version=2010-05-08"
		"&InstanceProfileName=%s", name);
	CHECK_STR_EQ(r.t.requests[2].body, want);
	CHECK_STR_CONTAINS(fake_request_header(&r.t, 2, "Authorization"), "/us-east-1/iam/aws4_request");
	snprintf(want, sizeof(want), "Action=CreateInstanceProfile&Version=2010-05-08"
		"&InstanceProfileName=%s&Path=%%2Fkarpenter%%2Fus-east-1%%2Fdemo%%2Fdefault%%2F"
		"&Tags.member.1.Key=kubernetes.io%%2Fcluster%%2Fdemo&Tags.member.1.Value=owned"
		"&Tags.member.2.Key=karpenter.k8s.aws%%2Fec2nodeclass&Tags.member.2.Value=default"
		"&Tags.member.3.Key=topology.kubernetes.io%%2Fregion&Tags.member.3.Value=us-east-1",
		name);
	CHECK_STR_EQ(r.t.requests[3].body, want);
	snprintf(want, sizeof(want), "Action=AddRoleToInstanceProfile&Version=2010-05-08"
		"&InstanceProfileName=%s&RoleName=KarpenterNodeRole-itest", name);
	CHECK_STR_EQ(r.t.requests[4].body, want);
	CHECK_STR_CONTAINS(rig_log(&r), "INFO created instance profile nodeclass=default "
		"instance_profile=demo_e17225dea66a4bd9 role=KarpenterNodeRole-itest replaced_role=\"\"");

	/* Resolved again after the cache: the pair is known, IAM is not asked. */
	jn_fake_clock_advance(&r.clock, 61 * JN_NS_PER_SEC);
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	CHECK_INT_EQ(ec2_resolve(p, &r.nc, &res, &err), 0);
	ec2_resolved_release(&res);
	CHECK_INT_EQ(r.t.n_requests, 7);

	/* Another role: the same profile, the old role removed first. */
	free(r.nc.role);
	r.nc.role = jn_xstrdup("OtherNodeRole");
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 200, held);
	fake_transport_push(&r.t, 200, "<RemoveRoleFromInstanceProfileResponse/>");
	fake_transport_push(&r.t, 200, "<AddRoleToInstanceProfileResponse/>");
	CHECK_INT_EQ(ec2_resolve(p, &r.nc, &res, &err), 0);
	ec2_resolved_release(&res);
	CHECK_INT_EQ(r.t.n_requests, 12);
	CHECK_STR_CONTAINS(r.t.requests[10].body, "Action=RemoveRoleFromInstanceProfile&"
		"Version=2010-05-08&InstanceProfileName=demo_e17225dea66a4bd9"
		"&RoleName=KarpenterNodeRole-itest");
	CHECK_STR_CONTAINS(r.t.requests[11].body, "&RoleName=OtherNodeRole");

	/* A role IAM does not know is the class's fault. */
	free(r.nc.role);
	r.nc.role = jn_xstrdup("NoSuchRole");
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	fake_transport_push(&r.t, 200, held);
	fake_transport_push(&r.t, 200, "<RemoveRoleFromInstanceProfileResponse/>");
	fake_transport_push(&r.t, 404, "<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>"
		"The role with name NoSuchRole cannot be found.</Message></Error></ErrorResponse>");
	CHECK_INT_EQ(ec2_resolve(p, &r.nc, &res, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NODECLASS_NOT_READY);
	CHECK_STR_EQ(err.msg, "nodeclass 'default': instance profile 'demo_e17225dea66a4bd9' for "
		"role 'NoSuchRole': calling AddRoleToInstanceProfile: 'NoSuchEntity' (http 404): The role "
		"with name NoSuchRole cannot be found.");
	rig_release(&r);
	jn_aws_client_destroy(iam);

	/* Without an iam client a role cannot be used. */
	rig_init(&r);
	r.nc.role = jn_xstrdup("R");
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	CHECK_INT_EQ(ec2_resolve(ec2_from_provider(r.cp), &r.nc, &res, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NODECLASS_NOT_READY);
	CHECK_STR_EQ(err.msg, "nodeclass 'default': role 'R' needs an instance profile, and no iam "
		"client is configured");
	rig_release(&r);
	free(name);
	free(missing);
	free(created);
	free(held);
}

static char *instance_xml(const char *hash, const char *version, const char *group_set)
{
	return jn_xasprintf("<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
		"<instanceId>i-1</instanceId><imageId>ami-0123456789abcdef0</imageId>"
		"<instanceState><code>16</code><name>running</name></instanceState>"
		"<instanceType>m5.large</instanceType><placement><availabilityZone>us-east-1a"
		"</availabilityZone></placement><subnetId>subnet-0aaa1111</subnetId>"
		"<groupSet>%s</groupSet><tagSet>"
		"<item><key>karpenter.k8s.aws/ec2nodeclass-hash</key><value>%s</value></item>"
		"<item><key>karpenter.k8s.aws/ec2nodeclass-hash-version</key><value>%s</value></item>"
		"</tagSet></item></instancesSet></item></reservationSet></DescribeInstancesResponse>",
		group_set, hash, version);
}

/* Drift in Karpenter's order: the class's static fields (hash tag), AMI, subnet, groups. */
static void drift_reasons(void)
{
	struct rig r;
	rig_init(&r);
	char h1[17], h2[17];
	ec2_nodeclass_hash(&r.nc, h1);
	CHECK_INT_EQ(strlen(h1), 16);
	/* selector terms are not in the hash; static fields are */
	jn_strmap_set(&r.nc.subnet_terms[0].tags, "other", "x");
	ec2_nodeclass_hash(&r.nc, h2);
	CHECK_STR_EQ(h2, h1);
	jn_strmap_remove(&r.nc.subnet_terms[0].tags, "other");
	r.nc.user_data = jn_xstrdup("#!/bin/sh");
	ec2_nodeclass_hash(&r.nc, h2);
	CHECK(strcmp(h2, h1) != 0);
	free(r.nc.user_data);
	r.nc.user_data = NULL;

	const char *sg = "<item><groupId>sg-0123</groupId><groupName>default</groupName></item>";
	struct jn_drift_query q = { .provider_id = "aws:///us-east-1a/i-1", .node_class = &r.nc };
	enum jn_drift_reason why = JN_DRIFT_AMI;
	struct jn_error err;
	char *x = instance_xml(h1, "jn1", sg);
	fake_transport_push(&r.t, 200, x);
	free(x);
	fake_transport_push(&r.t, 200, subnets);
	fake_transport_push(&r.t, 200, groups);
	CHECK_INT_EQ(jn_cloud_is_drifted(r.cp, &q, &why, &err), 0);
	CHECK_INT_EQ(why, JN_DRIFT_NONE);
	CHECK_STR_EQ(r.t.requests[0].body, "Action=DescribeInstances&Version=2016-11-15"
		"&InstanceId.1=i-1");

	/* one group more than the class selects */
	char both[256];
	snprintf(both, sizeof(both), "%s<item><groupId>sg-0999</groupId></item>", sg);
	x = instance_xml(h1, "jn1", both);
	fake_transport_push(&r.t, 200, x);
	free(x);
	CHECK_INT_EQ(jn_cloud_is_drifted(r.cp, &q, &why, &err), 0);
	CHECK_STR_EQ(jn_drift_reason_name(why), "SecurityGroupDrift");
	CHECK_INT_EQ(r.t.n_requests, 4);   /* the resolution is cached */

	/* the class's user data changed since launch: NodeClassDrift, nothing else asked */
	r.nc.user_data = jn_xstrdup("#!/bin/sh");
	x = instance_xml(h1, "jn1", sg);
	fake_transport_push(&r.t, 200, x);
	free(x);
	CHECK_INT_EQ(jn_cloud_is_drifted(r.cp, &q, &why, &err), 0);
	CHECK_STR_EQ(jn_drift_reason_name(why), "NodeClassDrift");
	CHECK_INT_EQ(r.t.n_requests, 5);
	CHECK_STR_CONTAINS(rig_log(&r), "INFO found instance drifted provider_id=aws:///us-east-1a/i-1 "
		"reason=NodeClassDrift nodeclass=default");
	/* ...unless the tag comes from another hash version: not comparable, not drifted */
	x = instance_xml(h1, "jn0", sg);
	fake_transport_push(&r.t, 200, x);
	free(x);
	CHECK_INT_EQ(jn_cloud_is_drifted(r.cp, &q, &why, &err), 0);
	CHECK_INT_EQ(why, JN_DRIFT_NONE);
	rig_release(&r);
}

int main(void)
{
	JN_RUN(codec_create_fleet);
	JN_RUN(codec_describe_instances_two_pages);
	JN_RUN(create_builds_fleet_and_feeds_ice_cache);
	JN_RUN(existing_claim_is_returned_not_relaunched);
	JN_RUN(list_pages_get_and_delete);
	JN_RUN(auth_failure_and_unready_nodeclass);
	JN_RUN(ami_drift);
	JN_RUN(alias_paths);
	JN_RUN(alias_resolved_through_ssm);
	JN_RUN(role_becomes_instance_profile);
	JN_RUN(drift_reasons);
	return jn_tap_done();
}
