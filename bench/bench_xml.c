/*
 * Time to parse a 1 MB DescribeInstances answer (expat tree + decoding into structs as the ec2
 * provider does), after checking the decode found every instance.
 * Prints: xml_describe_instances_bytes=<n> xml_parse_ms=<ms> xml_instances=<n>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jitnode/aws.h"
#include "jitnode/buf.h"
#include "jitnode/cloud.h"
#include "jitnode/error.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *instance_fmt =
	"<item><instanceId>i-%017x</instanceId><imageId>ami-0123456789abcdef0</imageId>"
	"<instanceState><code>16</code><name>running</name></instanceState>"
	"<privateDnsName>ip-10-0-%d-%d.ec2.internal</privateDnsName>"
	"<instanceType>m5.large</instanceType><launchTime>2026-11-23T10:15:30.000Z</launchTime>"
	"<placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy>"
	"</placement><subnetId>subnet-0aaa1111</subnetId><vpcId>vpc-1</vpcId>"
	"<privateIpAddress>10.0.1.17</privateIpAddress><architecture>x86_64</architecture>"
	"<groupSet><item><groupId>sg-0123</groupId><groupName>default</groupName></item></groupSet>"
	"<tagSet><item><key>karpenter.sh/nodeclaim</key><value>default-%05d</value></item>"
	"<item><key>karpenter.sh/nodepool</key><value>default</value></item>"
	"<item><key>kubernetes.io/cluster/demo</key><value>owned</value></item>"
	"<item><key>Name</key><value>default/default-%05d</value></item></tagSet></item>\n";

int main(void)
{
	struct jn_buf doc;
	jn_buf_init(&doc, JN_BUF_UNLIMITED);
	jn_buf_append_str(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse "
		"xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>x</requestId>"
		"<reservationSet><item><reservationId>r-1</reservationId><instancesSet>\n", NULL);
	int count = 0;
	while (doc.len < (1u << 20)) {
		jn_buf_printf(&doc, NULL, instance_fmt, count, count / 250, count % 250, count, count);
		count++;
	}
	jn_buf_append_str(&doc, "</instancesSet></item></reservationSet></DescribeInstancesResponse>\n",
		NULL);
	int rounds = 20;
	double best = 1e9;
	size_t decoded = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();
		struct jn_xml_node *root;
		struct jn_error err;
		if (jn_xml_parse(doc.data, doc.len, NULL, &root, &err) < 0) {
			fprintf(stderr, "bench_xml: %s\n", err.msg);
			return 1;
		}
		/* Walk it as the decoder does: every instance's id, state and tags. */
		decoded = 0;
		const struct jn_xml_node *set = jn_xml_path(root, "reservationSet/item/instancesSet");
		for (size_t i = 0; set && i < set->n_children; i++) {
			const struct jn_xml_node *it = set->children[i];
			enum jn_instance_state st;
			if (jn_xml_text(it, "instanceId") &&
				jn_instance_state_parse(jn_xml_text(it, "instanceState/name"), &st) == 0 &&
				jn_xml_path(it, "tagSet")->n_children == 4)
				decoded++;
		}
		jn_xml_free(root);
		double dt = now_s() - t0;
		if (dt < best)
			best = dt;
	}
	if (decoded != (size_t)count) {
		fprintf(stderr, "bench_xml: decoded %zu of %d instances\n", decoded, count);
		return 1;
	}
	printf("xml_describe_instances_bytes=%zu\n", doc.len);
	printf("xml_instances=%d\n", count);
	printf("xml_parse_ms=%.2f\n", best * 1e3);
	jn_buf_release(&doc);
	return 0;
}
