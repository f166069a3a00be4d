#ifndef JITNODE_TEST_PACK_FIXTURE_H
#define JITNODE_TEST_PACK_FIXTURE_H

/*
 * A small world for packing tests: five instance types in zones a, b, c with on-demand and
 * spot offerings (spot at 40 %), pools from YAML, pods and nodes from JSON text.
 *   small  2 cpu  4Gi  20 pods $0.10     medium 4 cpu 8Gi 40 pods $0.20
 *   large  8 cpu 16Gi  80 pods $0.40     gpu8  32 cpu 128Gi, 8 nvidia.com/gpu, $10
 *   arm    2 cpu  4Gi  20 pods $0.08 (arm64)
 * Allocatable is capacity minus 100m cpu and 100Mi memory.
 */

#include "jitnode/api.h"
#include "jitnode/catalog.h"
#include "jitnode/pack.h"
#include "jitnode/policy.h"

#define FX_TYPES 5

struct fx {
	struct jn_instance_type types[FX_TYPES];
	const struct jn_instance_type *type_ptrs[FX_TYPES];
	struct jn_offering offerings[FX_TYPES][6];
	struct jn_policy_set *policies;
	const struct jn_nodepool *pools[8];
	struct jn_pod_list pods, bound, daemonsets;
	struct jn_node_list nodes;
	struct jn_pack_input in;
	struct jn_pack_result r;
};

/** Builds the types and the pools of pools_yaml (a nodeclass "default" is added). */
void fx_init(struct fx *f, const char *pools_yaml);
void fx_release(struct fx *f);
/** Adds a pod from JSON text: {"name":..,"cpu":..,"memory":..} shorthand merged into a Pod. */
void fx_pod(struct fx *f, const char *spec_json, const char *name, const char *cpu,
	const char *memory);
void fx_node(struct fx *f, const char *json);
/** Solves and runs the checker (a failing check is a failed test). Returns 0. */
int fx_solve(struct fx *f);
/** The reason of pod `name` if unplaced, else NULL. */
const char *fx_reason(const struct fx *f, const char *name);
/** The claim holding pod `name`, or NULL. */
const struct jn_pack_claim *fx_claim_of(const struct fx *f, const char *name);

#endif
