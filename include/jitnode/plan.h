#ifndef JITNODE_PLAN_H
#define JITNODE_PLAN_H

/*
 * `jitnode plan`: what would be launched for given pods, nodes and policies, and why.
 *
 *   jitnode plan [--policies FILE|DIR]... [--nodes FILE] [--catalog FILE] [--region R]
 *                [-o table|json] PODS...
 *
 * PODS are files of `kubectl get pods -o json` or `-o yaml` output (a List, a single Pod, an
 * array, or several YAML documents); --nodes takes the same forms.
 * Pods bound to a node (spec.nodeName) are counted on that node when it is given with --nodes;
 * pods owned by a DaemonSet are read as daemonsets (one template per DaemonSet) and land on
 * every new node they tolerate and select; finished pods (Succeeded, Failed) are ignored; every
 * other pod is planned. A file that does not start with '{' or '[' is read as YAML
 * (jn_yaml_to_json); its syntax errors name "<file>:<line>:<col>".
 *
 * Policies: NodePools and EC2NodeClasses from files or folders (policy.h). Without --policies
 * a built-in copy of policies/default.yaml is used, so the binary never depends on the
 * repository at run time (plan_default.c; a unit test keeps the two equal).
 * Catalog: the built-in one for --region (default us-east-1), or --catalog FILE (catalog.h).
 *
 * Output: a table (one row per claim: pool, type, zone, capacity type, pod count, $/h; the
 * total; the pods left out with reasons) or, with -o json, exactly
 *   {"claims":[{"name","nodepool","instance_type","zone","capacity_type","price_per_hour",
 *               "pods":["ns/name"],"options":["type/zone/capacity-type"]}],
 *    "placements":[{"pod":"ns/name","node":"existing-node-or-claim-name"}],
 *    "unplaced":[{"pod":"ns/name","reason":"..."}],
 *    "total_price_per_hour":0.0}
 * Bad input exits 1 with one line on errout naming the file and the field; bad usage exits 2.
 */

#include <stdio.h>

struct jn_pack_input;
struct jn_pack_result;

/** Runs the command; argv[0] is "plan". Returns the exit status. */
int jn_plan_main(int argc, char **argv, FILE *out, FILE *errout);

/**
 * The -o json document for a result (new reference; see the shape above). Placements list the
 * pods on existing nodes, then those on claims, in claim order.
 */
struct json_t *jn_plan_result_json(const struct jn_pack_input *in,
	const struct jn_pack_result *r);

/** The built-in default policies (policies/default.yaml's text). Static storage. */
const char *jn_plan_default_policies(void);

#endif
