/*
 * The EC2 provider's catalog refresh through a scripted transport, on recorded answers
 * (tests/fixtures/aws/ec2/describe_{instance_type_offerings,instance_types,spot_price_history}):
 * the three requests, the merge (offerings EC2 does not list, types the data lacks, the newest
 * Linux spot price), the TTL, the rule that only a valid refresh is swapped in (and the log line
 * saying why not), and the background refresher starting and stopping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../../src/cloud/ec2/ec2_internal.h"
#include "fake_clock.h"
#include "../aws/fake_transport.h"
#include "jitnode/aws.h"
#include "jitnode/catalog.h"
#include "jitnode/clock.h"
#include "jitnode/cloud.h"
#include "jitnode/ec2.h"
#include "jitnode/log.h"
#include "tap.h"

#define WALL (INT64_C(1795434600) * JN_NS_PER_SEC)   /* 2026-11-23T11:50:00Z */

struct rig {
	struct fake_transport t;
	struct jn_fake_clock clock;
	struct jn_aws_credentials_provider *creds;
	struct jn_aws_client *client;
	struct jn_cloud_provider *cp;
	char *logbuf;
	size_t loglen;
	FILE *logfile;
	struct jn_logger *log;
};

static void rig_init(struct rig *r, const struct jn_clock *clock)
{
	fake_transport_init(&r->t);
	jn_fake_clock_init(&r->clock, WALL);
	if (!clock)
		clock = &r->clock.base;
	struct jn_aws_credentials c = { .access_key_id = "AKID", .secret_access_key = "s" };
	r->creds = jn_aws_credentials_provider_static(&c);
	struct jn_aws_client_config cfg = { .service = "ec2", .region = "us-east-1",
		.endpoint = "http://127.0.0.1:5000", .max_attempts = 1, .jitter_seed = 1 };
	r->client = jn_aws_client_create(&cfg, &r->t.base, r->creds, clock, NULL);
	r->logfile = open_memstream(&r->logbuf, &r->loglen);
	r->log = jn_logger_create(r->logfile, JN_LOG_INFO, JN_LOG_FORMAT_TEXT, clock);
	r->cp = NULL;
}

static struct jn_cloud_provider *provider(struct rig *r, const struct jn_clock *clock,
	int64_t period_ns)
{
	struct jn_ec2_options o = { .cluster_name = "demo", .region = "us-east-1",
		.discover_offerings = true, .refresh_period_ns = period_ns };
	struct jn_error err;
	struct jn_cloud_provider *cp = jn_ec2_provider_create(&o, r->client,
		clock ? clock : &r->clock.base, r->log, &err);
	if (!cp)
		jn_tap_diag("create: %s", err.msg);
	return cp;
}

static void rig_release(struct rig *r)
{
	jn_cloud_destroy(r->cp);
	jn_aws_client_destroy(r->client);
	jn_aws_credentials_provider_destroy(r->creds);
	fake_transport_release(&r->t);
	jn_logger_destroy(r->log);
	fclose(r->logfile);
	free(r->logbuf);
}

static void push_fixture(struct rig *r, const char *name)
{
	char *body = fake_fixture(name);
	fake_transport_push(&r->t, 200, body);
	free(body);
}

static void push_good_refresh(struct rig *r)
{
	push_fixture(r, "ec2/describe_instance_type_offerings.xml");
	push_fixture(r, "ec2/describe_instance_types.xml");
	push_fixture(r, "ec2/describe_spot_price_history.xml");
}

static void codecs_on_recorded_answers(void)
{
	struct jn_xml_node *root = fake_fixture_tree("ec2/describe_spot_price_history.xml");
	struct jn_offering_price *prices = NULL;
	const struct jn_xml_node *roots[] = { root };
	size_t n = ec2_decode_spot_prices(roots, 1, &prices);
	/* newest Linux price per (type, zone); Windows and an unparsable price are skipped */
	CHECK_INT_EQ(n, 3);
	CHECK_STR_EQ(prices[0].instance_type, "m5.large");
	CHECK_STR_EQ(prices[0].zone, "us-east-1a");
	CHECK_DBL_NEAR(prices[0].price, 0.0351, 1e-12);
	CHECK_INT_EQ(prices[0].capacity_type, JN_CAPACITY_SPOT);
	CHECK_STR_EQ(prices[1].zone, "us-east-1b");
	CHECK_DBL_NEAR(prices[1].price, 0.0362, 1e-12);
	CHECK_STR_EQ(prices[2].instance_type, "x9g.medium");
	free(prices);
	jn_xml_free(root);

	root = fake_fixture_tree("ec2/describe_instance_types.xml");
	struct ec2_type_specs specs = { 0 };
	CHECK_INT_EQ(ec2_decode_instance_types(root, &specs), 0);
	CHECK_INT_EQ(specs.len, 3);
	const struct jn_catalog_type_spec *m5 = &specs.items[0];
	CHECK_STR_EQ(m5->name, "m5.large");
	CHECK_INT_EQ(m5->vcpu, 2);
	CHECK_INT_EQ(m5->memory_mib, 8192);
	CHECK_INT_EQ(m5->max_enis, 3);
	CHECK_INT_EQ(m5->ipv4_per_eni, 10);
	CHECK_INT_EQ(m5->n_archs, 1);
	CHECK_STR_EQ(m5->archs[0], "x86_64");
	CHECK(m5->on_demand && m5->spot && !m5->bare_metal && !m5->current_generation);
	CHECK_STR_EQ(m5->hypervisor, "nitro");
	CHECK_STR_EQ(specs.items[2].name, "x9g.medium");
	CHECK_STR_EQ(specs.items[2].archs[0], "arm64");
	CHECK(specs.items[2].current_generation);
	ec2_type_specs_release(&specs);
	jn_xml_free(root);

	root = fake_fixture_tree("ec2/describe_instance_type_offerings.xml");
	struct ec2_offered off = { 0 };
	ec2_decode_offerings(root, &off);
	CHECK_INT_EQ(off.len, 12);
	CHECK_STR_EQ(off.pairs[0].type, "m5.large");
	CHECK_STR_EQ(off.pairs[0].zone, "us-east-1a");
	free(off.pairs);
	jn_xml_free(root);
}

static void refresh_merges_three_answers(void)
{
	struct rig r;
	rig_init(&r, NULL);
	r.cp = provider(&r, NULL, 0);
	push_good_refresh(&r);
	struct jn_error err;
	struct jn_catalog *cat = jn_cloud_instance_types(r.cp, NULL, &err);
	CHECK(jn_catalog_check(cat));
	CHECK_INT_EQ(r.t.n_requests, 3);
	CHECK_STR_EQ(r.t.requests[0].body, "Action=DescribeInstanceTypeOfferings&Version=2016-11-15"
		"&LocationType=availability-zone&MaxResults=1000");
	CHECK_STR_EQ(r.t.requests[1].body, "Action=DescribeInstanceTypes&Version=2016-11-15"
		"&MaxResults=100");
	CHECK_STR_EQ(r.t.requests[2].body, "Action=DescribeSpotPriceHistory&Version=2016-11-15"
		"&ProductDescription.1=Linux%2FUNIX&ProductDescription.2=Linux%2FUNIX%20%28Amazon%20VPC%29"
		"&StartTime=2026-11-23T11%3A50%3A00.000Z&MaxResults=1000");

	const struct jn_instance_type *m5 = jn_catalog_find(cat, "m5.large");
	const struct jn_offering *o = jn_instance_type_offering(m5, "us-east-1a", JN_CAPACITY_SPOT);
	CHECK(o->available);
	CHECK_DBL_NEAR(o->price, 0.0351, 1e-12);
	CHECK_INT_EQ(o->price_source, JN_PRICE_SPOT_HISTORY);
	o = jn_instance_type_offering(m5, "us-east-1c", JN_CAPACITY_SPOT);
	CHECK_INT_EQ(o->price_source, JN_PRICE_SPOT_ESTIMATE);   /* Windows price not taken */
	CHECK(o->available);
	o = jn_instance_type_offering(m5, "us-east-1a", JN_CAPACITY_ON_DEMAND);
	CHECK_INT_EQ(o->price_source, JN_PRICE_LIST);
	CHECK_DBL_NEAR(o->price, 0.096, 1e-12);
	/* EC2 does not list m5.large in us-east-1e, nor c5.large anywhere */
	o = jn_instance_type_offering(m5, "us-east-1e", JN_CAPACITY_ON_DEMAND);
	CHECK(o == NULL || !o->available);
	CHECK(!jn_instance_type_offering(jn_catalog_find(cat, "c5.large"), "us-east-1a",
		JN_CAPACITY_ON_DEMAND)->available);

	/* the type the data lacks: built from the answer, spot priced where EC2 priced it */
	const struct jn_instance_type *m9 = jn_catalog_find(cat, "x9g.medium");
	CHECK(m9 != NULL);
	CHECK_STR_EQ(m9->arch, "arm64");
	CHECK_INT_EQ(m9->vcpu, 2);
	CHECK_INT_EQ(m9->n_offerings, 4);
	o = jn_instance_type_offering(m9, "us-east-1a", JN_CAPACITY_SPOT);
	CHECK(o->available);
	CHECK_DBL_NEAR(o->price, 0.0105, 1e-12);
	CHECK(!jn_instance_type_offering(m9, "us-east-1b", JN_CAPACITY_SPOT)->available);
	CHECK(!jn_instance_type_offering(m9, "us-east-1a", JN_CAPACITY_ON_DEMAND)->available);
	jn_catalog_unref(cat);
	fflush(r.logfile);
	CHECK_STR_CONTAINS(r.logbuf, "refreshed instance type catalog");
	CHECK_STR_CONTAINS(r.logbuf, "added_types=1");
	CHECK_STR_CONTAINS(r.logbuf, "spot_prices=3");
	CHECK_STR_CONTAINS(r.logbuf, "priced=3");

	/* Within the TTL no call. */
	cat = jn_cloud_instance_types(r.cp, NULL, &err);
	jn_catalog_unref(cat);
	CHECK_INT_EQ(r.t.n_requests, 3);

	/* After it, a failed call keeps the last good snapshot and says why. */
	jn_fake_clock_advance(&r.clock, 301 * JN_NS_PER_SEC);
	fake_transport_push(&r.t, 400, "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
		"<Message>no</Message></Error></Errors></Response>");
	cat = jn_cloud_instance_types(r.cp, NULL, &err);
	CHECK_INT_EQ(r.t.n_requests, 4);
	CHECK(jn_catalog_find(cat, "x9g.medium") != NULL);
	jn_catalog_unref(cat);
	fflush(r.logfile);
	CHECK_STR_CONTAINS(r.logbuf, "kept instance type catalog after failed refresh");
	CHECK_STR_CONTAINS(r.logbuf, "calling DescribeInstanceTypeOfferings: 'UnauthorizedOperation'");

	/* An empty spot answer is not a valid refresh either. */
	jn_fake_clock_advance(&r.clock, 301 * JN_NS_PER_SEC);
	push_fixture(&r, "ec2/describe_instance_type_offerings.xml");
	push_fixture(&r, "ec2/describe_instance_types.xml");
	fake_transport_push(&r.t, 200, "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet/>"
		"</DescribeSpotPriceHistoryResponse>");
	cat = jn_cloud_instance_types(r.cp, NULL, &err);
	CHECK_INT_EQ(r.t.n_requests, 7);
	CHECK_INT_EQ(jn_instance_type_offering(jn_catalog_find(cat, "m5.large"), "us-east-1a",
		JN_CAPACITY_SPOT)->price_source, JN_PRICE_SPOT_HISTORY);
	jn_catalog_unref(cat);
	fflush(r.logfile);
	CHECK_STR_CONTAINS(r.logbuf, "ec2 answered 12 offerings, 3 instance types and 0 spot prices");
	rig_release(&r);
}

static void pages_are_followed(void)
{
	struct rig r;
	rig_init(&r, NULL);
	r.cp = provider(&r, NULL, 0);
	fake_transport_push(&r.t, 200, "<DescribeInstanceTypeOfferingsResponse>"
		"<instanceTypeOfferingSet><item><instanceType>m5.large</instanceType>"
		"<location>us-east-1a</location></item></instanceTypeOfferingSet>"
		"<nextToken>p2</nextToken></DescribeInstanceTypeOfferingsResponse>");
	fake_transport_push(&r.t, 200, "<DescribeInstanceTypeOfferingsResponse>"
		"<instanceTypeOfferingSet><item><instanceType>m5.large</instanceType>"
		"<location>us-east-1b</location></item></instanceTypeOfferingSet>"
		"</DescribeInstanceTypeOfferingsResponse>");
	push_fixture(&r, "ec2/describe_instance_types.xml");
	push_fixture(&r, "ec2/describe_spot_price_history.xml");
	struct jn_error err;
	struct jn_catalog *cat = jn_cloud_instance_types(r.cp, NULL, &err);
	CHECK_INT_EQ(r.t.n_requests, 4);
	CHECK_STR_CONTAINS(r.t.requests[1].body, "&NextToken=p2");
	const struct jn_instance_type *m5 = jn_catalog_find(cat, "m5.large");
	CHECK(jn_instance_type_offering(m5, "us-east-1b", JN_CAPACITY_ON_DEMAND)->available);
	CHECK(!jn_instance_type_offering(m5, "us-east-1c", JN_CAPACITY_ON_DEMAND)->available);
	jn_catalog_unref(cat);
	rig_release(&r);
}

static int64_t mono_ms(void)
{
	return jn_clock_mono_ns(jn_clock_real()) / JN_NS_PER_MS;
}

static void background_refresher_swaps_and_stops(void)
{
	struct rig r;
	const struct jn_clock *real = jn_clock_real();
	rig_init(&r, real);
	push_good_refresh(&r);
	/* a period far longer than the test: one refresh at start, then waiting until stopped */
	r.cp = provider(&r, real, 3600 * JN_NS_PER_SEC);
	struct ec2_provider *p = ec2_from_provider(r.cp);
	int64_t until = mono_ms() + 5000;
	uint64_t done = 0;
	while (mono_ms() < until) {
		pthread_mutex_lock(&p->lock);
		done = p->refresh_attempts;
		pthread_mutex_unlock(&p->lock);
		if (done)
			break;
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	CHECK_INT_EQ(done, 1);
	struct jn_error err;
	struct jn_catalog *cat = jn_cloud_instance_types(r.cp, NULL, &err);
	CHECK(jn_catalog_find(cat, "x9g.medium") != NULL);
	jn_catalog_unref(cat);
	CHECK_INT_EQ(r.t.n_requests, 3);   /* instance_types itself never called EC2 */
	int64_t t0 = mono_ms();
	jn_cloud_destroy(r.cp);
	r.cp = NULL;
	int64_t stop_ms = mono_ms() - t0;
	jn_tap_diag("refresher stopped in %lld ms", (long long)stop_ms);
	CHECK(stop_ms < 1000);
	rig_release(&r);
}

int main(void)
{
	JN_RUN(codecs_on_recorded_answers);
	JN_RUN(refresh_merges_three_answers);
	JN_RUN(pages_are_followed);
	JN_RUN(background_refresher_swaps_and_stops);
	return jn_tap_done();
}
