/*
 * The packing engine's remaining semantic rules, one per case, each with its exact outcome:
 * minValues, the spread inclusion policies, matchLabelKeys and pods already running in a
 * spread, relaxing preferred pod affinity and ScheduleAnyway spreads, in-flight claims.
 * (test_solve.c holds the others; the fixture's world is described in pack_fixture.h.)
 */
#include <stdio.h>
#include <string.h>

#include "pack_fixture.h"
#include "tap.h"

#define POOL(name, extra) \
	"apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: " name "}\n" \
	"spec:\n  template:\n    spec:\n" \
	"      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n" extra

#define REQS(more) \
	"      requirements:\n" \
	"        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}\n" more

/* A full node (no room for anything) in zone z, so that only its bound pods matter. */
#define FULL_NODE(name, zone) \
	"{\"kind\":\"Node\",\"metadata\":{\"name\":\"" name "\",\"labels\":{\"kubernetes.io/arch\":\"amd64\"," \
	"\"topology.kubernetes.io/zone\":\"" zone "\"}},\"spec\":{\"unschedulable\":true}," \
	"\"status\":{\"allocatable\":{\"cpu\":\"2\",\"memory\":\"4Gi\",\"pods\":\"10\"}," \
	"\"capacity\":{\"cpu\":\"2\",\"memory\":\"4Gi\",\"pods\":\"10\"}}}"

/* Pods per zone of the claims ("zone-a" -> 0). */
static void per_zone(const struct fx *f, int *out)
{
	for (int z = 0; z < 3; z++)
		out[z] = 0;
	for (size_t i = 0; i < f->r.n_claims; i++)
		out[f->r.claims[i].offering->zone[5] - 'a'] += (int)f->r.claims[i].n_pods;
}

static void add_pods(struct fx *f, const char *spec, const char *prefix, int n)
{
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		fx_pod(f, spec, name, "100m", "128Mi");
	}
}

static void min_values_widen_the_options(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("        - {key: node.kubernetes.io/instance-type, "
		"operator: In, values: [small, medium, large], minValues: 2}\n")));
	f.in.max_options = 3;
	fx_pod(&f, NULL, "a", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	/* the three cheapest are small in three zones: one value; medium is added for the second */
	CHECK_INT_EQ(f.r.claims[0].n_options, 4);
	CHECK_STR_EQ(f.r.claims[0].options[2].type->name, "small");
	CHECK_STR_EQ(f.r.claims[0].options[3].type->name, "medium");
	CHECK_STR_EQ(f.r.claims[0].type->name, "small");
	fx_release(&f);
}

static void min_values_not_met_leaves_the_pod_out(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("        - {key: node.kubernetes.io/instance-type, "
		"operator: In, values: [small, medium, large], minValues: 3}\n")));
	/* the same host port keeps them apart: only large holds big, any type holds tiny */
	const char *port = "{\"ports\":[{\"containerPort\":80,\"hostPort\":80}]}";
	fx_pod(&f, port, "big", "5", "1Gi");
	fx_pod(&f, port, "tiny", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK(fx_claim_of(&f, "tiny") != NULL);
	CHECK_INT_EQ(f.r.claims[0].n_options, 9);
	CHECK_STR_EQ(fx_reason(&f, "big"), "nodepool \"default\": minValues 3 for "
		"node.kubernetes.io/instance-type not met: only 1 values fit");
	fx_release(&f);
}

#define SPREAD_ZONE(policies) \
	"{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{" \
	"\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":" \
	"{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"topology.kubernetes.io/zone\"," \
	"\"operator\":\"In\",\"values\":[\"zone-a\",\"zone-b\"]}]}]}}}," \
	"\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\"," \
	"\"whenUnsatisfiable\":\"DoNotSchedule\",\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}}" \
	policies "}]}}"

static void node_affinity_policy_honor_excludes_unreachable_zones(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("")));
	add_pods(&f, SPREAD_ZONE(""), "web", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	/* zone-c is no domain: the pods cannot go there; a and b take 2 + 1 */
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	CHECK_INT_EQ(z[0] + z[1], 3);
	CHECK_INT_EQ(z[2], 0);
	CHECK(z[0] >= 1 && z[1] >= 1);
	fx_release(&f);
}

static void node_affinity_policy_ignore_counts_every_zone(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("")));
	add_pods(&f, SPREAD_ZONE(",\"nodeAffinityPolicy\":\"Ignore\""), "web", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	/* zone-c stays at 0 pods, so a and b may hold one each */
	CHECK_INT_EQ(z[0], 1);
	CHECK_INT_EQ(z[1], 1);
	CHECK_INT_EQ(f.r.n_unplaced, 1);
	CHECK_STR_CONTAINS(fx_reason(&f, "web-2"), "topology spread");
	fx_release(&f);
}

#define ZONE_POOLS \
	POOL("ab", REQS("        - {key: topology.kubernetes.io/zone, operator: In, values: [zone-a, zone-b]}\n")) \
	"---\n" POOL("c", REQS("        - {key: topology.kubernetes.io/zone, operator: In, values: [zone-c]}\n") \
	"      taints: [{key: dedicated, value: c, effect: NoSchedule}]\n")

#define SPREAD_TAINTS(policies) \
	"{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{" \
	"\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\"," \
	"\"whenUnsatisfiable\":\"DoNotSchedule\",\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}}" \
	policies "}]}}"

static void node_taints_policy_ignore_counts_tainted_zones(void)
{
	struct fx f;
	fx_init(&f, ZONE_POOLS);
	add_pods(&f, SPREAD_TAINTS(""), "web", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	/* zone-c (only the tainted pool's) is a domain by default and stays empty */
	CHECK_INT_EQ(z[0], 1);
	CHECK_INT_EQ(z[1], 1);
	CHECK_INT_EQ(z[2], 0);
	CHECK_INT_EQ(f.r.n_unplaced, 1);
	fx_release(&f);
}

static void node_taints_policy_honor_drops_tainted_zones(void)
{
	struct fx f;
	fx_init(&f, ZONE_POOLS);
	add_pods(&f, SPREAD_TAINTS(",\"nodeTaintsPolicy\":\"Honor\""), "web", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	CHECK_INT_EQ(z[0] + z[1], 3);
	CHECK_INT_EQ(z[2], 0);
	fx_release(&f);
}

#define SPREAD_HASH(keys) \
	"{\"metadata\":{\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"new\"}},\"spec\":{" \
	"\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\"," \
	"\"whenUnsatisfiable\":\"DoNotSchedule\",\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}}" \
	keys "}]}}"

#define OLD_POD "{\"metadata\":{\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"old\"}}," \
	"\"spec\":{\"nodeName\":\"old-node\"}}"

static void running_pods_count_in_a_spread(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("")));
	fx_node(&f, FULL_NODE("old-node", "zone-a"));
	fx_pod(&f, OLD_POD, "old-1", "100m", "128Mi");
	fx_pod(&f, OLD_POD, "old-2", "100m", "128Mi");
	add_pods(&f, SPREAD_HASH(""), "new", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	/* zone-a already runs 2: the new pods go to b and c until those reach 2 */
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	CHECK_INT_EQ(z[0], 0);
	CHECK_INT_EQ(z[1] + z[2], 3);
	CHECK(z[1] >= 1 && z[2] >= 1);
	fx_release(&f);
}

static void match_label_keys_count_only_the_same_revision(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("")));
	fx_node(&f, FULL_NODE("old-node", "zone-a"));
	fx_pod(&f, OLD_POD, "old-1", "100m", "128Mi");
	fx_pod(&f, OLD_POD, "old-2", "100m", "128Mi");
	add_pods(&f, SPREAD_HASH(",\"matchLabelKeys\":[\"pod-template-hash\"]"), "new", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	/* the old revision's pods do not count: one new pod per zone */
	CHECK_INT_EQ(z[0], 1);
	CHECK_INT_EQ(z[1], 1);
	CHECK_INT_EQ(z[2], 1);
	fx_release(&f);
}

#define PREFER_CACHE(app) \
	"{\"spec\":{\"affinity\":{\"podAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":" \
	"[{\"weight\":50,\"podAffinityTerm\":{\"labelSelector\":{\"matchLabels\":{\"app\":\"" app "\"}}," \
	"\"topologyKey\":\"topology.kubernetes.io/zone\"}}]}}}}"

static void preferred_pod_affinity_is_honoured_then_relaxed(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("")));
	fx_node(&f, FULL_NODE("cache-node", "zone-b"));
	fx_pod(&f, "{\"metadata\":{\"labels\":{\"app\":\"cache\"}},\"spec\":{\"nodeName\":\"cache-node\"}}",
		"cache", "100m", "128Mi");
	fx_pod(&f, PREFER_CACHE("cache"), "near-cache", "100m", "128Mi");
	fx_pod(&f, PREFER_CACHE("nothing"), "near-nothing", "1500m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	const struct jn_pack_claim *c = fx_claim_of(&f, "near-cache");
	CHECK(c != NULL);
	CHECK_STR_EQ(c ? c->offering->zone : "", "zone-b");
	/* no pod matches its preference: dropped, the pod is placed anyway (on its own node) */
	CHECK(fx_claim_of(&f, "near-nothing") != NULL);
	CHECK(fx_claim_of(&f, "near-nothing") != c);
	fx_release(&f);
}

#define ZONE_A_SPREAD(when) \
	"{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{" \
	"\"nodeSelector\":{\"topology.kubernetes.io/zone\":\"zone-a\"}," \
	"\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\"," \
	"\"whenUnsatisfiable\":\"" when "\",\"nodeAffinityPolicy\":\"Ignore\"," \
	"\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}}}]}}"

static void schedule_anyway_spread_is_relaxed(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("")));
	add_pods(&f, ZONE_A_SPREAD("ScheduleAnyway"), "web", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	/* b and c are domains the pods cannot reach: the spread is dropped after the first */
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	CHECK_INT_EQ(z[0], 3);
	fx_release(&f);
}

static void do_not_schedule_spread_is_not_relaxed(void)
{
	struct fx f;
	fx_init(&f, POOL("default", REQS("")));
	add_pods(&f, ZONE_A_SPREAD("DoNotSchedule"), "web", 3);
	fx_solve(&f);
	int z[3];
	per_zone(&f, z);
	CHECK_INT_EQ(z[0], 1);
	CHECK_INT_EQ(f.r.n_unplaced, 2);
	fx_release(&f);
}

/* An in-flight claim of pool "capped": 2 cpu of capacity, not Ready, 1.5 cpu already bound. */
#define IN_FLIGHT \
	"{\"kind\":\"Node\",\"metadata\":{\"name\":\"capped-claim-1\",\"labels\":{" \
	"\"kubernetes.io/arch\":\"amd64\",\"karpenter.sh/nodepool\":\"capped\"," \
	"\"karpenter.sh/capacity-type\":\"on-demand\",\"topology.kubernetes.io/zone\":\"zone-a\"}}," \
	"\"status\":{\"allocatable\":{\"cpu\":\"1900m\",\"memory\":\"3996Mi\",\"pods\":\"20\"}," \
	"\"capacity\":{\"cpu\":\"2\",\"memory\":\"4Gi\",\"pods\":\"20\"}}}"

static void in_flight_claims_are_filled_and_count_toward_limits(void)
{
	struct fx f;
	fx_init(&f, POOL("capped", REQS("") "  limits: {cpu: 5}\n"));
	fx_node(&f, IN_FLIGHT);
	fx_pod(&f, "{\"spec\":{\"nodeName\":\"capped-claim-1\"}}", "launching", "1500m", "1Gi");
	fx_pod(&f, NULL, "small", "300m", "128Mi");
	fx_pod(&f, NULL, "big", "3", "1Gi");
	fx_solve(&f);
	/* small fits the claim in flight; big needs a medium (4 cpu): 2 + 4 > 5 */
	CHECK_INT_EQ(f.r.n_placements, 1);
	CHECK_STR_EQ(f.in.pods[f.r.placements[0].pod].name, "small");
	CHECK_INT_EQ(f.r.placements[0].node, 0);
	CHECK_INT_EQ(f.r.n_claims, 0);
	CHECK_STR_EQ(fx_reason(&f, "big"), "nodepool \"capped\": limit cpu 5000 would be exceeded");
	fx_release(&f);
}

int main(void)
{
	JN_RUN(min_values_widen_the_options);
	JN_RUN(min_values_not_met_leaves_the_pod_out);
	JN_RUN(node_affinity_policy_honor_excludes_unreachable_zones);
	JN_RUN(node_affinity_policy_ignore_counts_every_zone);
	JN_RUN(node_taints_policy_ignore_counts_tainted_zones);
	JN_RUN(node_taints_policy_honor_drops_tainted_zones);
	JN_RUN(running_pods_count_in_a_spread);
	JN_RUN(match_label_keys_count_only_the_same_revision);
	JN_RUN(preferred_pod_affinity_is_honoured_then_relaxed);
	JN_RUN(schedule_anyway_spread_is_relaxed);
	JN_RUN(do_not_schedule_spread_is_not_relaxed);
	JN_RUN(in_flight_claims_are_filled_and_count_toward_limits);
	return jn_tap_done();
}
