#ifndef JITNODE_EC2_H
#define JITNODE_EC2_H

/*
 * The EC2 cloud provider: the constructor is its only public symbol (STYLE §1.1); everything
 * else is reached through cloud.h.
 *
 * What create does, in order (Karpenter's instance provider, re-derived):
 *   1. Looks for a live instance tagged with the claim (karpenter.sh/nodeclaim + the cluster
 *      tag): one found is returned as is, so a launch retried after a crash or a lost answer
 *      never makes a second instance (moto ignores ClientToken; real EC2 honours it too).
 *   2. Resolves the node class: subnets and security groups from their selector terms (ids,
 *      tags; terms ORed), the AMI from its terms (id; ssmParameter through SSM GetParameter;
 *      or DescribeImages by tags/name/owner, newest first). An alias (al2023@latest,
 *      al2023@v20240807, bottlerocket@latest, bottlerocket@1.20.1) reads Karpenter's public
 *      SSM parameters for x86_64 and arm64 (paths in ami_ssm.c; needs ssm_client and
 *      kubernetes_version); each type launches with its architecture's image, and types of
 *      an architecture with no image are left out (no_image= in the log). No parameter
 *      found for either architecture, no SSM client or no version: JN_ERR_NODECLASS_NOT_READY
 *      naming the alias and the parameter; SSM throttled or down: that kind. Nothing
 *      resolved: JN_ERR_NODECLASS_NOT_READY.
 *      The instance profile: the class's instanceProfile, or for its role the profile
 *      "<cluster>_<first 16 hex of sha256("<region>/<nodeclass>")>" (path
 *      /karpenter/<region>/<cluster>/<nodeclass>/, tagged with the cluster, node class and
 *      region), created with IAM CreateInstanceProfile when GetInstanceProfile does not find
 *      it, its role replaced (RemoveRoleFromInstanceProfile) when another, and the role added
 *      (AddRoleToInstanceProfile, the role's path dropped). The name depends on nothing else,
 *      so a restart finds the profile again. A role IAM does not know, or no iam_client:
 *      JN_ERR_NODECLASS_NOT_READY.
 *   3. Finds or creates the launch template "jitnode/<cluster>/<hash>", the hash covering node
 *      class, AMI, security groups, user data, block devices, metadata options and profile.
 *   4. CreateFleet Type=instant, capacity 1: one override per (offering, subnet in its zone),
 *      cheapest first, offerings in the ICE cache left out; spot uses price-capacity-optimized,
 *      on-demand lowest-price; tags on instance, volume and fleet; ClientToken derived from the
 *      cluster and claim names. The call is not retried blindly: before a retry the claim's
 *      tag is looked up again (step 1).
 *      Logged (INFO "chose fleet overrides"): capacity type and strategy, options= the claim
 *      allowed, other_capacity_type= left out for it, ice_skipped=, no_subnet= (offerings with
 *      no subnet in their zone), overrides=, and the cheapest sent (type, zone, price); then
 *      "launched instance" with type, zone, capacity type, price= and rank= (0: the cheapest
 *      override won) or, per errorSet entry, "marked offering unavailable".
 *   5. Each errorSet entry with a capacity code marks (type, zone, capacity type) in the ICE
 *      cache for ice_ttl_ns; no instance at all gives JN_ERR_INSUFFICIENT_CAPACITY naming each
 *      failed offering and its code.
 * Instances are also tagged karpenter.k8s.aws/ec2nodeclass-hash (16 hex over the class's static
 * fields: everything but its name and selector terms) and -hash-version "jn1".
 *
 * is_drifted, in Karpenter's order: NodeClassDrift when the instance's hash tag (of this hash
 * version; other versions are not compared) differs from the class's hash now; AMIDrift when
 * it runs an image the class does not select now (any architecture's); SubnetDrift when its
 * subnet is not selected; SecurityGroupDrift when its groups are not exactly those selected
 * (an instance reporting no group is not compared).
 *
 * instance_types: the built-in catalog for the region, or, when discover_offerings is set, the
 * last valid refresh from EC2's answers, with the ICE cache applied on every call. A refresh
 * (catalog_refresh.c) makes three calls, all pages of each:
 *   DescribeInstanceTypeOfferings (availability zones): offerings EC2 does not list become
 *     unavailable;
 *   DescribeInstanceTypes: types the built-in data lacks are added, built from the answer's
 *     vCPUs, memory, architectures, ENIs and usage classes (jn_catalog_with_types; no GPU or
 *     other extended resources; types the data knows keep the data's facts);
 *   DescribeSpotPriceHistory (Linux/UNIX, StartTime now): the newest price per (type, zone)
 *     replaces the spot estimate (jn_catalog_with_prices). Added types have no on-demand
 *     price, so only their spot offerings can launch. On-demand prices stay the built-in ones.
 * It is swapped in only when every call answered, no answer was empty and the result has an
 * available offering; otherwise the snapshot in use is kept and "kept instance type catalog
 * after failed refresh" logged with the error. With refresh_period_ns > 0 a thread refreshes
 * at once and then every period (on the clock seam; instance_types never waits for EC2, and
 * serves the built-in catalog until the first refresh lands); destroy stops it. With 0 the
 * first instance_types call refreshes, and then the first one after each catalog_ttl_ns.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jn_aws_client;
struct jn_catalog_options;
struct jn_clock;
struct jn_cloud_provider;
struct jn_error;
struct jn_logger;

struct jn_ec2_options {
	const char *cluster_name;           /* required: tags kubernetes.io/cluster/<name> */
	const char *region;                 /* required: the catalog's region */
	const struct jn_catalog_options *catalog_options;   /* NULL: defaults */
	int64_t ice_ttl_ns;                 /* 0: 3 minutes */
	int64_t catalog_ttl_ns;             /* 0: 5 minutes */
	bool discover_offerings;            /* refresh the catalog from EC2's answers (above) */
	int64_t refresh_period_ns;          /* > 0: refresh in a background thread this often */
	int describe_page_size;             /* MaxResults of DescribeInstances; 0: 500 */
	const char *alias_image_id;         /* AMI for alias terms, bypassing SSM (tests); NULL */
	const char *kubernetes_version;     /* "1.31": the alias parameter paths; NULL: refuse */
	struct jn_aws_client *ssm_client;   /* an "ssm" client; NULL: aliases and ssmParameter
	                                     * terms fail with JN_ERR_NODECLASS_NOT_READY */
	struct jn_aws_client *iam_client;   /* an "iam" client; NULL: a node class's role (not
	                                     * instance profile) fails with NODECLASS_NOT_READY */
};

/**
 * Creates the provider. client (an "ec2" jn_aws_client), the options' ssm_client and
 * iam_client, clock and log are borrowed and must outlive it; log may be NULL. With
 * discover_offerings and refresh_period_ns > 0 it starts the refresher thread (JN_ERR_INTERNAL
 * when the thread cannot start); jn_cloud_destroy stops it. Fails with JN_ERR_INVALID for missing options or with the
 * catalog's error for a region the built-in data does not hold. Owned: jn_cloud_destroy.
 */
struct jn_cloud_provider *jn_ec2_provider_create(const struct jn_ec2_options *options,
	struct jn_aws_client *client, const struct jn_clock *clock, struct jn_logger *log,
	struct jn_error *err);

#endif
