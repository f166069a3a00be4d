/* The simulated provider and the decorators, through the cloud.h seam. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_clock.h"
#include "jitnode/catalog.h"
#include "jitnode/cloud.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/sim.h"
#include "tap.h"

#define WALL (INT64_C(1795434600) * JN_NS_PER_SEC)

static struct jn_cloud_provider *make_sim(struct jn_fake_clock *clock, uint64_t seed, double ice)
{
	jn_fake_clock_init(clock, WALL);
	struct jn_sim_options o = { .region = "us-east-1", .cluster_name = "demo", .seed = seed,
		.launch_latency_ns = 2 * JN_NS_PER_SEC, .ice_probability = ice };
	struct jn_error err;
	struct jn_cloud_provider *cp = jn_sim_provider_create(&o, &clock->base, NULL, &err);
	if (!cp)
		jn_tap_diag("%s", err.msg);
	return cp;
}

static const struct jn_launch_offering two[] = {
	{ "m5.large", "us-east-1a", JN_CAPACITY_ON_DEMAND, 0.096 },
	{ "m5.large", "us-east-1b", JN_CAPACITY_ON_DEMAND, 0.096 },
};

static void launches_with_latency_tags_and_idempotency(void)
{
	struct jn_fake_clock clock;
	struct jn_cloud_provider *cp = make_sim(&clock, 42, 0);
	CHECK_STR_EQ(jn_cloud_name(cp), "sim");
	struct jn_launch_request req = { .claim_name = "default-abcde", .nodepool_name = "default",
		.node_class_name = "default", .offerings = two, .n_offerings = 2 };
	struct jn_instance a, b;
	struct jn_error err;
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), 0);
	CHECK_INT_EQ(clock.mono_ns, 2 * JN_NS_PER_SEC);
	CHECK_STR_EQ(a.instance_type, "m5.large");
	CHECK_STR_EQ(a.zone, "us-east-1a");
	CHECK(jn_str_has_prefix(a.provider_id, "aws:///us-east-1a/i-"));
	CHECK_INT_EQ(strlen(a.instance_id), 19);
	CHECK_STR_EQ(jn_strmap_get(&a.tags, "karpenter.sh/nodeclaim"), "default-abcde");
	CHECK_STR_EQ(jn_strmap_get(&a.tags, "kubernetes.io/cluster/demo"), "owned");
	CHECK_STR_EQ(jn_strmap_get(&a.tags, "Name"), "default/default-abcde");
	CHECK_INT_EQ(a.state, JN_INSTANCE_RUNNING);
	CHECK_INT_EQ(a.launch_time_wall_ns, WALL + 2 * JN_NS_PER_SEC);
	/* The same claim again: the same instance, never a second one. */
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &b, &err), 0);
	CHECK_STR_EQ(b.instance_id, a.instance_id);
	struct jn_instance_list list = { 0 };
	CHECK_INT_EQ(jn_cloud_list(cp, &list, &err), 0);
	CHECK_INT_EQ(list.len, 1);
	jn_instance_list_release(&list);
	/* get, delete, then gone. */
	struct jn_instance g;
	CHECK_INT_EQ(jn_cloud_get(cp, a.provider_id, &g, &err), 0);
	CHECK_STR_EQ(g.private_dns_name, a.private_dns_name);
	jn_instance_release(&g);
	CHECK_INT_EQ(jn_cloud_delete(cp, a.provider_id, &err), 0);
	CHECK_INT_EQ(jn_cloud_delete(cp, a.provider_id, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_INT_EQ(jn_cloud_get(cp, a.provider_id, &g, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_CONTAINS(err.msg, "getting instance 'aws:///us-east-1a/i-");
	CHECK_STR_CONTAINS(err.msg, "': not found");
	jn_instance_release(&a);
	jn_instance_release(&b);
	jn_cloud_destroy(cp);
}

static void same_seed_same_ids(void)
{
	struct jn_fake_clock c1, c2;
	struct jn_cloud_provider *p1 = make_sim(&c1, 7, 0.3), *p2 = make_sim(&c2, 7, 0.3);
	struct jn_cloud_provider *p3 = make_sim(&c2, 8, 0.3);
	char names[3][40];
	for (int i = 0; i < 3; i++) {
		snprintf(names[i], sizeof(names[i]), "pool-%d", i);
		struct jn_launch_request req = { .claim_name = names[i], .offerings = two, .n_offerings = 2 };
		struct jn_instance a = { 0 }, b = { 0 }, c = { 0 };
		int r1 = jn_cloud_create(p1, &req, &a, NULL);
		int r2 = jn_cloud_create(p2, &req, &b, NULL);
		jn_cloud_create(p3, &req, &c, NULL);
		CHECK_INT_EQ(r1, r2);
		if (r1 == 0 && r2 == 0) {
			CHECK_STR_EQ(a.instance_id, b.instance_id);
			CHECK_STR_EQ(a.zone, b.zone);
		}
		if (i == 0 && a.instance_id && c.instance_id)
			CHECK(strcmp(a.instance_id, c.instance_id) != 0);
		jn_instance_release(&a);
		jn_instance_release(&b);
		jn_instance_release(&c);
	}
	jn_cloud_destroy(p1);
	jn_cloud_destroy(p2);
	jn_cloud_destroy(p3);
}

static void insufficient_capacity_falls_back_and_expires(void)
{
	struct jn_fake_clock clock;
	struct jn_cloud_provider *cp = make_sim(&clock, 1, 0);
	struct jn_offering_key key = { "m5.large", "us-east-1a", JN_CAPACITY_ON_DEMAND };
	jn_sim_mark_unavailable(cp, &key);
	struct jn_launch_request req = { .claim_name = "c1", .offerings = two, .n_offerings = 2 };
	struct jn_instance a;
	struct jn_error err;
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), 0);
	CHECK_STR_EQ(a.zone, "us-east-1b");
	jn_instance_release(&a);
	struct jn_catalog *cat = jn_cloud_instance_types(cp, NULL, &err);
	const struct jn_instance_type *it = jn_catalog_find(cat, "m5.large");
	CHECK(!jn_instance_type_offering(it, "us-east-1a", JN_CAPACITY_ON_DEMAND)->available);
	CHECK(jn_instance_type_offering(it, "us-east-1b", JN_CAPACITY_ON_DEMAND)->available);
	jn_catalog_unref(cat);
	/* Both zones out: a typed error naming each. */
	key.zone = NULL;
	jn_sim_mark_unavailable(cp, &key);
	req.claim_name = "c2";
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INSUFFICIENT_CAPACITY);
	CHECK_STR_EQ(err.msg, "launching nodeclaim 'c2': no capacity in 0 offerings");
	/* Three minutes later the marks are gone. */
	jn_fake_clock_advance(&clock, 181 * JN_NS_PER_SEC);
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), 0);
	CHECK_STR_EQ(a.zone, "us-east-1a");
	jn_instance_release(&a);
	/* An offering the catalog does not have is named as such. */
	struct jn_launch_offering bogus[] = { { "m5.large", "us-east-1z", JN_CAPACITY_ON_DEMAND, 1 } };
	struct jn_launch_request r3 = { .claim_name = "c3", .offerings = bogus, .n_offerings = 1 };
	CHECK_INT_EQ(jn_cloud_create(cp, &r3, &a, &err), -1);
	CHECK_STR_EQ(err.msg, "launching nodeclaim 'c3': no capacity in 1 offerings: "
		"m5.large/us-east-1z/on-demand: not offered");
	jn_cloud_destroy(cp);
}

static void throttling_spot_preference_and_interruptions(void)
{
	struct jn_fake_clock clock;
	struct jn_cloud_provider *cp = make_sim(&clock, 3, 0);
	struct jn_launch_offering mixed[] = {
		{ "m5.large", "us-east-1a", JN_CAPACITY_ON_DEMAND, 0.096 },
		{ "m5.large", "us-east-1c", JN_CAPACITY_SPOT, 0.034 },
	};
	struct jn_launch_request req = { .claim_name = "s1", .offerings = mixed, .n_offerings = 2 };
	struct jn_instance a;
	struct jn_error err;
	jn_sim_throttle_next(cp, 1);
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_THROTTLED);
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), 0);
	CHECK_INT_EQ(a.capacity_type, JN_CAPACITY_SPOT);
	CHECK_STR_EQ(a.zone, "us-east-1c");
	struct jn_instance_list gone = { 0 };
	CHECK_INT_EQ(jn_sim_interrupt_spot(cp, 0.0, &gone), 0);
	CHECK_INT_EQ(jn_sim_interrupt_spot(cp, 1.0, &gone), 1);
	CHECK_STR_EQ(gone.items[0].instance_id, a.instance_id);
	CHECK_INT_EQ(gone.items[0].state, JN_INSTANCE_TERMINATED);
	struct jn_instance g;
	CHECK_INT_EQ(jn_cloud_get(cp, a.provider_id, &g, &err), -1);
	jn_instance_list_release(&gone);
	jn_instance_release(&a);
	jn_cloud_destroy(cp);
}

static void decorators_count_and_inject(void)
{
	struct jn_fake_clock clock;
	struct jn_cloud_provider *sim = make_sim(&clock, 5, 0);
	struct jn_cloud_provider *faults = jn_cloud_decorate_faults(sim);
	struct jn_cloud_provider *cp = jn_cloud_decorate_metrics(faults, &clock.base);
	struct jn_cloud_fault_plan *plan = jn_cloud_faults_plan(faults);
	struct jn_launch_request req = { .claim_name = "d1", .offerings = two, .n_offerings = 2 };
	struct jn_instance a;
	struct jn_error err;
	plan->next_error[JN_CLOUD_OP_CREATE] = JN_ERR_UNAVAILABLE;
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAVAILABLE);
	CHECK_STR_EQ(err.msg, "injected unavailable fault in create");
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), 0);
	jn_instance_release(&a);
	plan->allowed_create_calls = 0;
	req.claim_name = "d2";
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INSUFFICIENT_CAPACITY);
	CHECK_INT_EQ(plan->n_create_claims, 3);
	CHECK_STR_EQ(plan->create_claims[2], "d2");
	/* Arguments are checked before any provider sees them. */
	req.n_offerings = 0;
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), -1);
	CHECK_STR_EQ(err.msg, "launching nodeclaim 'd2': 0 offerings (want 1 to 60)");
	struct jn_cloud_metrics m;
	jn_cloud_metrics_read(cp, &m);
	CHECK_INT_EQ(m.calls[JN_CLOUD_OP_CREATE], 3);
	CHECK_INT_EQ(m.errors[JN_CLOUD_OP_CREATE][JN_ERR_UNAVAILABLE], 1);
	CHECK_INT_EQ(m.errors[JN_CLOUD_OP_CREATE][JN_ERR_INSUFFICIENT_CAPACITY], 1);
	CHECK_INT_EQ(m.duration_ns[JN_CLOUD_OP_CREATE], 2 * JN_NS_PER_SEC);
	enum jn_drift_reason why;
	struct jn_drift_query q = { .provider_id = "aws:///us-east-1a/i-1" };
	CHECK_INT_EQ(jn_cloud_is_drifted(cp, &q, &why, &err), 0);
	CHECK_INT_EQ(why, JN_DRIFT_NONE);
	jn_cloud_metrics_read(cp, &m);
	CHECK_INT_EQ(m.calls[JN_CLOUD_OP_IS_DRIFTED], 1);
	jn_cloud_destroy(cp);
}

/* One line per call, with the decision's numbers (STYLE rule 14). */
static void log_decorator_lines(void)
{
	struct jn_fake_clock clock;
	struct jn_cloud_provider *sim = make_sim(&clock, 5, 0);
	struct jn_cloud_provider *faults = jn_cloud_decorate_faults(sim);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jn_logger *log = jn_logger_create(f, JN_LOG_DEBUG, JN_LOG_FORMAT_TEXT, &clock.base);
	struct jn_cloud_provider *cp = jn_cloud_decorate_log(faults, &clock.base, log);
	CHECK_STR_EQ(jn_cloud_name(cp), "log");
	struct jn_launch_request req = { .claim_name = "l1", .nodepool_name = "default",
		.offerings = two, .n_offerings = 2 };
	struct jn_instance a;
	struct jn_error err;
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a, &err), 0);
	fflush(f);
	char want[512];
	snprintf(want, sizeof(want), "INFO launched nodeclaim nodeclaim=l1 nodepool=default "
		"provider_id=%s type=m5.large zone=us-east-1a capacity_type=on-demand price=0.096 "
		"options=2 latency_ms=2000\n", a.provider_id);
	CHECK_STR_CONTAINS(buf, want);
	jn_cloud_faults_plan(faults)->next_error[JN_CLOUD_OP_CREATE] = JN_ERR_THROTTLED;
	req.claim_name = "l2";
	struct jn_instance a2;
	CHECK_INT_EQ(jn_cloud_create(cp, &req, &a2,
		&err), -1);
	CHECK_INT_EQ(jn_cloud_delete(cp, a.provider_id, &err), 0);
	CHECK_INT_EQ(jn_cloud_delete(cp, a.provider_id, &err), -1);
	enum jn_drift_reason why;
	struct jn_drift_query q = { .provider_id = a.provider_id };
	CHECK_INT_EQ(jn_cloud_is_drifted(cp, &q, &why, &err), 0);
	struct jn_catalog *cat = jn_cloud_instance_types(cp, NULL, &err);
	jn_catalog_unref(cat);
	fflush(f);
	CHECK_STR_CONTAINS(buf, "WARN failed to launch nodeclaim nodeclaim=l2 nodepool=default "
		"options=2 kind=throttled error=\"injected throttled fault in create\" latency_ms=0\n");
	snprintf(want, sizeof(want), "INFO deleted instance provider_id=%s latency_ms=0\n",
		a.provider_id);
	CHECK_STR_CONTAINS(buf, want);
	snprintf(want, sizeof(want), "INFO found instance already gone provider_id=%s", a.provider_id);
	CHECK_STR_CONTAINS(buf, want);
	CHECK_STR_CONTAINS(buf, "DEBUG found instance not drifted provider_id=");
	CHECK_STR_CONTAINS(buf, "DEBUG read instance types types=");
	jn_instance_release(&a);
	jn_cloud_destroy(cp);
	jn_logger_destroy(log);
	fclose(f);
	free(buf);
}

static void provider_ids_and_states(void)
{
	char zone[32], id[32];
	struct jn_error err;
	CHECK_INT_EQ(jn_provider_id_parse("aws:///us-east-1a/i-0abc", zone, sizeof(zone), id,
		sizeof(id), &err), 0);
	CHECK_STR_EQ(zone, "us-east-1a");
	CHECK_STR_EQ(id, "i-0abc");
	CHECK_INT_EQ(jn_provider_id_parse("aws:///i-0abc", zone, sizeof(zone), id, sizeof(id), &err), 0);
	CHECK_STR_EQ(zone, "");
	CHECK_INT_EQ(jn_provider_id_parse("kwok://x", zone, sizeof(zone), id, sizeof(id), &err), -1);
	CHECK_STR_EQ(err.msg, "invalid provider id 'kwok://x'");
	enum jn_instance_state s;
	CHECK_INT_EQ(jn_instance_state_parse("shutting-down", &s), 0);
	CHECK_INT_EQ(s, JN_INSTANCE_SHUTTING_DOWN);
	CHECK_INT_EQ(jn_instance_state_parse("nope", &s), -1);
	CHECK_STR_EQ(jn_drift_reason_name(JN_DRIFT_AMI), "AMIDrift");
}

int main(void)
{
	JN_RUN(launches_with_latency_tags_and_idempotency);
	JN_RUN(same_seed_same_ids);
	JN_RUN(insufficient_capacity_falls_back_and_expires);
	JN_RUN(throttling_spot_preference_and_interruptions);
	JN_RUN(decorators_count_and_inject);
	JN_RUN(log_decorator_lines);
	JN_RUN(provider_ids_and_states);
	return jn_tap_done();
}
