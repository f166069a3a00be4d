/* The packing engine's semantics, one rule per case, each with its exact outcome. */
#include <string.h>

#include "pack_fixture.h"
#include "tap.h"

#define POOL(name, extra) \
	"apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: " name "}\n" \
	"spec:\n  template:\n    spec:\n" \
	"      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n" extra

#define OD_REQ "      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}]\n"

static void resources_pick_the_cheapest_type_that_holds_them(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	fx_pod(&f, NULL, "a", "3", "1Gi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK_STR_EQ(f.r.claims[0].type->name, "medium");
	CHECK_DBL_NEAR(f.r.total_price, 0.20, 1e-9);
	CHECK_STR_EQ(f.r.claims[0].name, "default-1");
	CHECK_INT_EQ(f.r.claims[0].n_options, 9);   /* medium, large and gpu8 in three zones */
	fx_release(&f);
}

static void extended_resources_and_their_reason(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	fx_pod(&f, "{\"requests\":{\"nvidia.com/gpu\":\"8\"}}", "gpu-ok", "1", "1Gi");
	fx_pod(&f, "{\"requests\":{\"nvidia.com/gpu\":\"9\"}}", "gpu-too-many", "1", "1Gi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK_STR_EQ(f.r.claims[0].type->name, "gpu8");
	CHECK_STR_EQ(fx_reason(&f, "gpu-too-many"),
		"nodepool \"default\": no instance type offers nvidia.com/gpu: 9");
	fx_release(&f);
}

static void nodepool_requirements_reject_with_the_requirement(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	fx_pod(&f, "{\"spec\":{\"nodeSelector\":{\"karpenter.sh/capacity-type\":\"spot\"}}}",
		"wants-spot", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 0);
	CHECK_STR_EQ(fx_reason(&f, "wants-spot"),
		"nodepool \"default\": requirement karpenter.sh/capacity-type In [spot] not met");
	fx_release(&f);
}

static void required_node_affinity_terms_are_ored(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	fx_pod(&f, "{\"spec\":{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
		"{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"kubernetes.io/arch\",\"operator\":\"In\",\"values\":[\"s390x\"]}]},"
		"{\"matchExpressions\":[{\"key\":\"kubernetes.io/arch\",\"operator\":\"In\",\"values\":[\"arm64\"]}]}]}}}}}",
		"arm-pod", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK_STR_EQ(f.r.claims[0].type->name, "arm");
	fx_release(&f);
}

static void taints_block_unless_tolerated(void)
{
	struct fx f;
	fx_init(&f, POOL("tainted", OD_REQ "      taints: [{key: dedicated, value: gpu, effect: NoSchedule}]\n"));
	fx_pod(&f, NULL, "plain", "100m", "128Mi");
	fx_pod(&f, "{\"spec\":{\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"gpu\",\"effect\":\"NoSchedule\"}]}}",
		"tolerant", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK(fx_claim_of(&f, "tolerant") != NULL);
	CHECK_STR_EQ(fx_reason(&f, "plain"),
		"nodepool \"tainted\": did not tolerate taint dedicated=gpu:NoSchedule");
	fx_release(&f);
}

static void prefer_no_schedule_does_not_block(void)
{
	struct fx f;
	fx_init(&f, POOL("soft", OD_REQ "      taints: [{key: soft, effect: PreferNoSchedule}]\n"));
	fx_pod(&f, NULL, "plain", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	fx_release(&f);
}

static void limits_are_never_exceeded(void)
{
	struct fx f;
	fx_init(&f, POOL("capped", OD_REQ "  limits: {cpu: 4}\n"));
	fx_pod(&f, NULL, "a", "3", "1Gi");
	fx_pod(&f, NULL, "b", "3", "1Gi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK_STR_EQ(f.r.claims[0].type->name, "medium");
	CHECK_STR_EQ(fx_reason(&f, "b"), "nodepool \"capped\": limit cpu 4000 would be exceeded");
	fx_release(&f);
}

static void higher_weight_pools_first(void)
{
	struct fx f;
	fx_init(&f, POOL("cheap", OD_REQ) "---\n" POOL("preferred", OD_REQ "  weight: 50\n"));
	fx_pod(&f, NULL, "a", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK_STR_EQ(f.r.claims[0].pool->name, "preferred");
	fx_release(&f);
}

static void existing_nodes_are_filled_first(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	fx_node(&f, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"labels\":{\"kubernetes.io/arch\":\"amd64\","
		"\"topology.kubernetes.io/zone\":\"zone-a\"}},\"status\":{\"allocatable\":{\"cpu\":\"2\",\"memory\":\"4Gi\",\"pods\":\"10\"},"
		"\"capacity\":{\"cpu\":\"2\",\"memory\":\"4Gi\",\"pods\":\"10\"}}}");
	fx_pod(&f, "{\"spec\":{\"nodeName\":\"n1\"}}", "running", "1500m", "1Gi");
	fx_pod(&f, NULL, "fits", "400m", "1Gi");
	fx_pod(&f, NULL, "does-not", "400m", "1Gi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_placements, 1);
	CHECK_STR_EQ(f.in.pods[f.r.placements[0].pod].name, "fits");
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK(fx_claim_of(&f, "does-not") != NULL);
	fx_release(&f);
}

static void daemonsets_count_on_every_new_node(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	fx_pod(&f, "{\"daemonset\":true}", "agent", "1", "128Mi");
	fx_pod(&f, NULL, "a", "1500m", "1Gi");   /* 1.5 + 1 > 1.9 of small */
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	CHECK_STR_EQ(f.r.claims[0].type->name, "medium");
	CHECK_INT_EQ(jn_resources_get(&f.r.claims[0].requests, "cpu"), 2500);
	fx_release(&f);
}

static void hostname_anti_affinity_one_per_node(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	const char *anti = "{\"metadata\":{\"labels\":{\"app\":\"db\"}},\"spec\":{\"affinity\":{\"podAntiAffinity\":"
		"{\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},"
		"\"topologyKey\":\"kubernetes.io/hostname\"}]}}}}";
	fx_pod(&f, anti, "db-1", "100m", "128Mi");
	fx_pod(&f, anti, "db-2", "100m", "128Mi");
	fx_pod(&f, anti, "db-3", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 3);
	fx_release(&f);
}

static void zone_anti_affinity_one_per_zone(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	const char *anti = "{\"metadata\":{\"labels\":{\"app\":\"db\"}},\"spec\":{\"affinity\":{\"podAntiAffinity\":"
		"{\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},"
		"\"topologyKey\":\"topology.kubernetes.io/zone\"}]}}}}";
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "db-%d", i);
		fx_pod(&f, anti, name, "100m", "128Mi");
	}
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 3);
	CHECK_INT_EQ(f.r.n_unplaced, 1);
	fx_release(&f);
}

static void zone_affinity_follows_the_first_pod(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	const char *aff = "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"affinity\":{\"podAffinity\":"
		"{\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}},"
		"\"topologyKey\":\"topology.kubernetes.io/zone\"}]}}}}";
	fx_pod(&f, aff, "web-1", "1500m", "128Mi");
	fx_pod(&f, aff, "web-2", "1500m", "128Mi");
	fx_pod(&f, aff, "web-3", "1500m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	const char *zone = f.r.claims[0].offering->zone;
	for (size_t i = 0; i < f.r.n_claims; i++)
		CHECK_STR_EQ(f.r.claims[i].offering->zone, zone);
	fx_release(&f);
}

static void zone_spread_max_skew(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	const char *spread = "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"topologySpreadConstraints\":"
		"[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\",\"whenUnsatisfiable\":\"DoNotSchedule\","
		"\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}}}]}}";
	for (int i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof(name), "web-%d", i);
		fx_pod(&f, spread, name, "100m", "128Mi");
	}
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_unplaced, 0);
	int per_zone[3] = { 0 };
	for (size_t i = 0; i < f.r.n_claims; i++)
		per_zone[f.r.claims[i].offering->zone[5] - 'a'] += (int)f.r.claims[i].n_pods;
	CHECK_INT_EQ(per_zone[0], 2);
	CHECK_INT_EQ(per_zone[1], 2);
	CHECK_INT_EQ(per_zone[2], 2);
	fx_release(&f);
}

static void hostname_spread_max_skew(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	const char *spread = "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"topologySpreadConstraints\":"
		"[{\"maxSkew\":2,\"topologyKey\":\"kubernetes.io/hostname\",\"whenUnsatisfiable\":\"DoNotSchedule\","
		"\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}}}]}}";
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "web-%d", i);
		fx_pod(&f, spread, name, "100m", "128Mi");
	}
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 3);
	for (size_t i = 0; i < f.r.n_claims; i++)
		CHECK(f.r.claims[i].n_pods <= 2);
	fx_release(&f);
}

static void host_ports_conflict(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	const char *p8080 = "{\"ports\":[{\"containerPort\":80,\"hostPort\":8080}]}";
	fx_pod(&f, p8080, "x", "100m", "128Mi");
	fx_pod(&f, p8080, "y", "100m", "128Mi");
	fx_pod(&f, "{\"ports\":[{\"containerPort\":80,\"hostPort\":9090}]}", "z", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 2);
	CHECK(fx_claim_of(&f, "x") != fx_claim_of(&f, "y"));
	CHECK(fx_claim_of(&f, "z") == fx_claim_of(&f, "x"));
	fx_release(&f);
}

static void preferred_node_affinity_is_relaxed(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	fx_pod(&f, "{\"spec\":{\"affinity\":{\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":"
		"[{\"weight\":10,\"preference\":{\"matchExpressions\":[{\"key\":\"topology.kubernetes.io/zone\",\"operator\":\"In\",\"values\":[\"zone-b\"]}]}},"
		"{\"weight\":90,\"preference\":{\"matchExpressions\":[{\"key\":\"topology.kubernetes.io/zone\",\"operator\":\"In\",\"values\":[\"nowhere\"]}]}}]}}}}",
		"picky", "100m", "128Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 1);
	/* the heaviest preference cannot be met and is dropped; the next one is honoured */
	CHECK_STR_EQ(f.r.claims[0].offering->zone, "zone-b");
	fx_release(&f);
}

static void priority_goes_first(void)
{
	struct fx f;
	fx_init(&f, POOL("capped", OD_REQ "  limits: {cpu: 2}\n"));
	fx_pod(&f, NULL, "low", "1500m", "1Gi");
	fx_pod(&f, "{\"spec\":{\"priority\":1000}}", "high", "1500m", "1Gi");
	fx_solve(&f);
	CHECK(fx_claim_of(&f, "high") != NULL);
	CHECK(fx_reason(&f, "low") != NULL);
	fx_release(&f);
}

/*
 * Complementary filling (fill.c). First fit by size took gen-2, then gen-1 and the amd64 pods
 * (each 1 cpu) one claim at a time and paid 0.36: arm(gen-2) + arm(gen-1) + small(amd-1,
 * solo-1) + small(amd-2). Filling each new claim with the pods that balance it puts the
 * cpu-heavy amd64 pods with the memory-heavy one-per-node pod and gen-1 on one medium: 0.28.
 */
static void new_claims_are_filled_with_complementary_pods(void)
{
	struct fx f;
	fx_init(&f, POOL("default", OD_REQ));
	const char *solo = "{\"metadata\":{\"labels\":{\"app\":\"solo\"}},\"spec\":{\"affinity\":"
		"{\"podAntiAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSelector\":"
		"{\"matchLabels\":{\"app\":\"solo\"}},\"topologyKey\":\"kubernetes.io/hostname\"}]}}}}";
	const char *amd = "{\"spec\":{\"nodeSelector\":{\"kubernetes.io/arch\":\"amd64\"}}}";
	fx_pod(&f, solo, "solo-1", "500m", "3Gi");
	fx_pod(&f, NULL, "gen-1", "1", "1Gi");
	fx_pod(&f, NULL, "gen-2", "1500m", "3Gi");
	fx_pod(&f, amd, "amd-1", "1", "256Mi");
	fx_pod(&f, amd, "amd-2", "1", "256Mi");
	fx_solve(&f);
	CHECK_INT_EQ(f.r.n_claims, 2);
	CHECK_DBL_NEAR(f.r.total_price, 0.28, 1e-9);
	CHECK_STR_EQ(f.r.claims[0].type->name, "arm");
	CHECK_INT_EQ(f.r.claims[0].n_pods, 1);
	CHECK(fx_claim_of(&f, "gen-2") == &f.r.claims[0]);
	CHECK_STR_EQ(f.r.claims[1].type->name, "medium");
	CHECK_INT_EQ(f.r.claims[1].n_pods, 4);
	CHECK(fx_claim_of(&f, "gen-1") == &f.r.claims[1]);
	CHECK(fx_claim_of(&f, "amd-1") == &f.r.claims[1]);
	CHECK(fx_claim_of(&f, "amd-2") == &f.r.claims[1]);
	CHECK(fx_claim_of(&f, "solo-1") == &f.r.claims[1]);
	fx_release(&f);
}

int main(void)
{
	JN_RUN(resources_pick_the_cheapest_type_that_holds_them);
	JN_RUN(extended_resources_and_their_reason);
	JN_RUN(nodepool_requirements_reject_with_the_requirement);
	JN_RUN(required_node_affinity_terms_are_ored);
	JN_RUN(taints_block_unless_tolerated);
	JN_RUN(prefer_no_schedule_does_not_block);
	JN_RUN(limits_are_never_exceeded);
	JN_RUN(higher_weight_pools_first);
	JN_RUN(existing_nodes_are_filled_first);
	JN_RUN(daemonsets_count_on_every_new_node);
	JN_RUN(hostname_anti_affinity_one_per_node);
	JN_RUN(zone_anti_affinity_one_per_zone);
	JN_RUN(zone_affinity_follows_the_first_pod);
	JN_RUN(zone_spread_max_skew);
	JN_RUN(hostname_spread_max_skew);
	JN_RUN(host_ports_conflict);
	JN_RUN(preferred_node_affinity_is_relaxed);
	JN_RUN(priority_goes_first);
	JN_RUN(new_claims_are_filled_with_complementary_pods);
	return jn_tap_done();
}
