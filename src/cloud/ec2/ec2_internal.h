#ifndef JITNODE_EC2_INTERNAL_H
#define JITNODE_EC2_INTERNAL_H

/*
 * Private to src/cloud/ec2: the provider struct, the XML codecs of the answers it reads, and
 * the node-class resolution. Tests include this header to check the codecs on fixtures.
 */

#include <pthread.h>
#include <stdatomic.h>

#include "../cloud_internal.h"
#include "jitnode/aws.h"
#include "jitnode/cloud.h"
#include "jitnode/ec2.h"

struct jn_ec2nodeclass;

#define EC2_API_VERSION "2016-11-15"

struct ec2_provider {
	struct jn_cloud_provider base;
	struct jn_aws_client *client;
	const struct jn_clock *clock;
	struct jn_logger *log;
	char *cluster;
	char *cluster_tag;                  /* "kubernetes.io/cluster/<cluster>" */
	char *region;
	char *alias_image_id;
	char *k8s_version;                  /* for alias paths; NULL: aliases refused */
	struct jn_aws_client *ssm;          /* NULL: aliases and ssmParameter terms refused */
	struct jn_aws_client *iam;          /* NULL: roles refused (instance profiles only) */
	int describe_page_size;
	bool discover_offerings;
	int64_t catalog_ttl_ns;
	int64_t refresh_period_ns;          /* > 0: the background refresher runs */
	pthread_t refresher;
	atomic_bool refresher_stop;
	bool refresher_running;
	struct jn_ice_cache *ice;
	pthread_mutex_t lock;               /* guards the fields below */
	struct jn_catalog *builtin;         /* the built-in data, never changes */
	struct jn_catalog *discovered;      /* the last valid refresh (catalog_refresh.c) or NULL */
	int64_t refreshed_at_ns;            /* of the last attempt, valid or not */
	uint64_t refresh_attempts;
	uint64_t refreshes;                 /* attempts that were swapped in */
	struct jn_strmap templates;         /* launch template names known to exist */
	struct jn_strmap profiles;          /* instance profile name -> role known attached */
	struct ec2_resolve_cache *resolved; /* per node class, for RESOLVE_TTL (resolve.c) */
	size_t n_resolved;
	size_t cap_resolved;
};

/* ---- codecs (codec.c) ---- */

struct ec2_fleet_error {
	char *instance_type;
	char *zone;                         /* override's AvailabilityZone; "" when absent */
	char *subnet_id;
	enum jn_capacity_type capacity_type;
	char *code;
	char *message;
};

struct ec2_fleet_instance {
	char *instance_id;
	char *instance_type;
	char *zone;
	char *subnet_id;
	enum jn_capacity_type capacity_type;
};

struct ec2_fleet_result {
	char *fleet_id;
	struct ec2_fleet_error *errors;
	size_t n_errors;
	struct ec2_fleet_instance *instances;   /* one per instance id */
	size_t n_instances;
};

/** Decodes a CreateFleet answer. JN_ERR_INVALID when the root is not CreateFleetResponse. */
int ec2_decode_fleet(const struct jn_xml_node *root, struct ec2_fleet_result *out,
	struct jn_error *err);
void ec2_fleet_result_release(struct ec2_fleet_result *r);

/** Decodes one Instance element (DescribeInstances, RunInstances). */
int ec2_decode_instance(const struct jn_xml_node *item, struct jn_instance *out,
	struct jn_error *err);

/**
 * Appends the instances of a DescribeInstances page to out; *next_token is the page's
 * nextToken (owned) or NULL on the last page.
 */
int ec2_decode_instances(const struct jn_xml_node *root, struct jn_instance_list *out,
	char **next_token, struct jn_error *err);

/* ---- the catalog from EC2's answers (catalog_refresh.c) ---- */

struct ec2_type_zone {
	const char *type;                   /* borrowed from an answer */
	const char *zone;
};

/* (type, zone) pairs of DescribeInstanceTypeOfferings answers. */
struct ec2_offered {
	struct ec2_type_zone *pairs;
	size_t len, cap;
};

/* DescribeInstanceTypes items; strings borrowed from the answer, archs and zones owned. */
struct ec2_type_specs {
	struct jn_catalog_type_spec *items;
	size_t len, cap;
};

struct ec2_refresh_stats {
	size_t offered;                     /* (type, zone) pairs EC2 listed */
	size_t not_offered;                 /* offerings of the catalog EC2 did not list */
	size_t types;                       /* DescribeInstanceTypes items */
	size_t added_types;                 /* types the built-in data lacked */
	size_t spot_prices;                 /* latest Linux price per (type, zone) */
	size_t priced;                      /* offerings given one of them */
	size_t available;                   /* available offerings of the result */
};

/** Appends the pairs of one answer (unsorted). Returns 0. */
int ec2_decode_offerings(const struct jn_xml_node *root, struct ec2_offered *out);
/** Appends the items of one answer; zones are left empty. Returns 0. */
int ec2_decode_instance_types(const struct jn_xml_node *root, struct ec2_type_specs *out);
void ec2_type_specs_release(struct ec2_type_specs *s);
/**
 * The latest Linux/UNIX spot price per (type, zone) across the answers, sorted by type then
 * zone; items without a parsable positive price or timestamp are skipped. *out is owned (free),
 * its strings borrowed from roots. Returns how many.
 */
size_t ec2_decode_spot_prices(const struct jn_xml_node *const *roots, size_t n_roots,
	struct jn_offering_price **out);
/**
 * One refresh: the three calls, merged into a snapshot derived from p->builtin. NULL with err
 * when a call failed, an answer was empty, or the result has no available offering.
 */
struct jn_catalog *ec2_catalog_fetch(struct ec2_provider *p, struct ec2_refresh_stats *st,
	struct jn_error *err);
/** Fetches and swaps the result in; on failure keeps the snapshot in use and logs why. */
int ec2_catalog_refresh(struct ec2_provider *p, struct jn_error *err);
/** Starts the thread refreshing every p->refresh_period_ns (first refresh at once). */
int ec2_refresher_start(struct ec2_provider *p, struct jn_error *err);
/** Stops and joins it (returns within ~100 ms plus a refresh in flight); no-op when not running. */
void ec2_refresher_stop(struct ec2_provider *p);

/* ---- resolution (resolve.c) ---- */

struct ec2_subnet {
	char *id;
	char *zone;
	long available_ips;
};

struct ec2_resolved {
	struct ec2_subnet *subnets;
	size_t n_subnets;
	char **security_groups;             /* ids, sorted */
	size_t n_security_groups;
	char *image_id;                     /* the launch template's image */
	/* From an alias: the image per architecture (NULL: none, and types of that architecture
	 * cannot launch). Both NULL otherwise: image_id serves every type. */
	char *image_amd64;
	char *image_arm64;
	char *instance_profile;             /* the class's, or the one made for its role; NULL */
};

void ec2_resolved_release(struct ec2_resolved *r);
void ec2_resolved_copy(struct ec2_resolved *dst, const struct ec2_resolved *src);

/* A node class's resolution, reused for 60 s (Karpenter caches subnets, groups and AMIs the
 * same way) as long as the selector terms hash the same. */
struct ec2_resolve_cache {
	char *nodeclass;
	uint64_t terms_hash;
	int64_t at_mono_ns;
	struct ec2_resolved res;
};

/** Frees the cache entries of p. */
void ec2_resolve_cache_release(struct ec2_provider *p);
/** Resolves subnets, security groups and the AMI; JN_ERR_NODECLASS_NOT_READY when empty. */
int ec2_resolve(struct ec2_provider *p, const struct jn_ec2nodeclass *nc, struct ec2_resolved *out,
	struct jn_error *err);

/** Adds Filter.N for each tag of a selector term; "*" becomes a tag-key filter. Returns next N. */
int ec2_add_tag_filters(struct jn_aws_query *q, int n, const struct jn_strmap *tags);

/* ---- AMIs through SSM (ami_ssm.c) ---- */

/**
 * The SSM parameter path of an alias for an architecture ("x86_64", "arm64"). *out owned.
 * JN_ERR_INVALID for a malformed alias, JN_ERR_NODECLASS_NOT_READY for an unsupported family or
 * no kubernetes version.
 */
int ec2_alias_ssm_path(const char *alias, const char *k8s_version, const char *arch, char **out,
	struct jn_error *err);
/** GetParameter's value (owned). JN_ERR_NODECLASS_NOT_READY when p has no ssm client. */
int ec2_ssm_get(struct ec2_provider *p, const char *name, char **value, struct jn_error *err);
/** Sets out's image_id, image_amd64 and image_arm64 from the alias's two parameters. */
int ec2_resolve_alias(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	const char *alias, struct ec2_resolved *out, struct jn_error *err);
/** The image a type launches with: its architecture's, or image_id; NULL when none fits. */
const char *ec2_image_for(struct ec2_provider *p, const struct ec2_resolved *res,
	const char *instance_type);

/* ---- instance profiles for roles (instance_profile.c) ---- */

#define IAM_API_VERSION "2010-05-08"

/** The profile name for a class's role: "<cluster>_<16 hex of sha256(region/nodeclass)>". */
char *ec2_instance_profile_name(const char *cluster, const char *region, const char *nodeclass);
/**
 * The class's instance profile into *name (owned): its instanceProfile as is, or for its role
 * the profile of ec2_instance_profile_name, created (path /karpenter/<region>/<cluster>/
 * <nodeclass>/, tagged) when missing, holding exactly that role. Remembered per (name, role).
 */
int ec2_ensure_instance_profile(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	char **name, struct jn_error *err);

/* ---- launch templates (launch_template.c) ---- */

/** Finds or creates the template for (class, resolved); writes its name (owned) to *name. */
int ec2_ensure_launch_template(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	const struct ec2_resolved *res, char **name, struct jn_error *err);

/* ---- instances (instances.c) ---- */

/** DescribeInstances with the query's filters, all pages appended to out (live ones only). */
/*
 * Starts a query for one instance action ("DescribeInstances", "TerminateInstances") on the
 * instance of provider_id: *q is initialised with InstanceId.1 and id (at least 64 bytes)
 * receives the instance id. On failure nothing is initialised.
 */
int ec2_instance_query(const char *provider_id, const char *action, struct jn_aws_query *q,
	char *id, size_t id_size, struct jn_error *err);

int ec2_describe_instances(struct ec2_provider *p, struct jn_aws_query *q,
	struct jn_instance_list *out, bool paged, struct jn_error *err);
/** The live instance tagged with claim, if any: 1 found (out filled), 0 none, -1 error. */
int ec2_find_claim(struct ec2_provider *p, const char *claim, struct jn_instance *out,
	struct jn_error *err);

/* The seam's get, delete and list. */
int ec2_get(struct jn_cloud_provider *cp, const char *provider_id, struct jn_instance *out,
	struct jn_error *err);
int ec2_delete(struct jn_cloud_provider *cp, const char *provider_id, struct jn_error *err);
int ec2_list(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err);

/* ---- drift (drift.c) ---- */

/* Tags recording the node class's static fields at launch (NodeClassDrift). */
#define EC2_TAG_NODECLASS_HASH "karpenter.k8s.aws/ec2nodeclass-hash"
#define EC2_TAG_NODECLASS_HASH_VERSION "karpenter.k8s.aws/ec2nodeclass-hash-version"
#define EC2_NODECLASS_HASH_VERSION "jn1"

/**
 * 16 hex digits over the class's static fields (everything but its selector terms and name):
 * AMI family, user data, role, instance profile, tags, kubelet, block devices, instance store
 * policy, monitoring, public IP, metadata options, context.
 */
void ec2_nodeclass_hash(const struct jn_ec2nodeclass *nc, char out[17]);
int ec2_is_drifted(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
	enum jn_drift_reason *out, struct jn_error *err);

/* ---- fleet (fleet.c) ---- */

int ec2_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err);
/** The ClientToken of a claim: "jn-" + hex SHA-256 of "<cluster>/<claim>", 64 characters. */
void ec2_client_token(const char *cluster, const char *claim, char out[65]);

struct ec2_provider *ec2_from_provider(struct jn_cloud_provider *cp);

#endif
