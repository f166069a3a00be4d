#ifndef JITNODE_CLOUD_H
#define JITNODE_CLOUD_H

/*
 * The cloud provider seam: Karpenter's CloudProvider contract in C (STYLE §1.3).
 *
 * A provider launches one node claim at a time (create), deletes and reads instances by
 * provider id, lists what it launched (for leak collection), hands out the catalog of instance
 * types with offerings and prices, and says whether an instance drifted from its node class.
 * Implementations: cloud/ec2 (jn_ec2_provider_create in ec2.h) and cloud/sim (sim.h).
 * Decorators wrap a provider and are providers themselves: metrics and fault injection.
 *
 * Callers use the jn_cloud_* wrappers, never ->impl. The wrappers check pre- and postconditions
 * with assert and are where cross-cutting concerns live.
 *
 * Errors are typed (err->kind): the core branches on the kind, never on the text.
 *   JN_ERR_NOT_FOUND              the instance is gone (delete: already terminated)
 *   JN_ERR_INSUFFICIENT_CAPACITY  no offering of the request could be launched; the message
 *                                 names each (type, zone, capacity type) that failed and why
 *   JN_ERR_NODECLASS_NOT_READY    the node class resolves to no subnet, security group or AMI
 *   JN_ERR_THROTTLED              the API throttled us past the retry budget
 *   JN_ERR_UNAVAILABLE            the API is down or answered 5xx past the retry budget
 *   JN_ERR_INVALID                the request is wrong; retrying cannot help
 *   JN_ERR_UNAUTHORIZED           credentials missing or refused
 *
 * Thread-safety: every provider here may be called from several controller threads at once.
 * Calls are synchronous; timeouts are inside the implementation.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitnode/catalog.h"
#include "jitnode/error.h"
#include "jitnode/map.h"

struct jn_catalog;
struct jn_clock;
struct jn_logger;
struct jn_nodepool;
struct jn_ec2nodeclass;

/* ------------------------------------------------------------------------------------------ */
/* Requests and results                                                                        */

/* One place the claim may be launched, as the packer chose it. */
struct jn_launch_offering {
	const char *instance_type;          /* borrowed: "m5.large" */
	const char *zone;                   /* borrowed: "us-east-1a" */
	enum jn_capacity_type capacity_type;
	double price;                       /* USD/h: orders the fleet overrides */
};

#define JN_LAUNCH_MAX_OFFERINGS 60

/*
 * Launch one node claim. Everything is borrowed for the duration of the call.
 * Offerings are in preference order (cheapest first); at most JN_LAUNCH_MAX_OFFERINGS, at least
 * one. When both capacity types appear, spot is tried (Karpenter's rule: spot when allowed).
 */
struct jn_launch_request {
	const char *claim_name;             /* "default-x7k2p": unique; the idempotency key */
	const char *nodepool_name;          /* "default" */
	const char *node_class_name;        /* the nodepool's nodeClassRef.name */
	const struct jn_ec2nodeclass *node_class;   /* resolved class; NULL is fine for sim */
	const struct jn_launch_offering *offerings;
	size_t n_offerings;
	const struct jn_strmap *labels;     /* node labels; may be NULL (not sent to EC2) */
	const struct jn_strmap *tags;       /* extra instance tags; may be NULL */
};

enum jn_instance_state {
	JN_INSTANCE_PENDING = 0,
	JN_INSTANCE_RUNNING,
	JN_INSTANCE_SHUTTING_DOWN,
	JN_INSTANCE_TERMINATED,
	JN_INSTANCE_STOPPING,
	JN_INSTANCE_STOPPED,
};

/** "pending", "running", ... (the EC2 names). Static storage. */
const char *jn_instance_state_name(enum jn_instance_state state);
/** Parses an EC2 state name; -1 when unknown. */
int jn_instance_state_parse(const char *name, enum jn_instance_state *out);

/* Tags every provider puts on what it launches (Karpenter's names). */
#define JN_TAG_NODEPOOL "karpenter.sh/nodepool"
#define JN_TAG_NODECLAIM "karpenter.sh/nodeclaim"
#define JN_TAG_NODECLASS "karpenter.k8s.aws/ec2nodeclass"
#define JN_TAG_CLUSTER_PREFIX "kubernetes.io/cluster/"   /* + cluster name = "owned" */
#define JN_TAG_NAME "Name"

/* An instance as the provider sees it. Owns everything; caller-allocated. */
struct jn_instance {
	char *provider_id;                  /* "aws:///us-east-1a/i-0123456789abcdef0" */
	char *instance_id;                  /* "i-0123456789abcdef0" */
	char *instance_type;
	char *zone;
	enum jn_capacity_type capacity_type;
	char *private_dns_name;             /* "" when not known yet */
	char *image_id;                     /* "" when not known */
	char *subnet_id;                    /* "" when not known */
	int64_t launch_time_wall_ns;
	enum jn_instance_state state;
	struct jn_strmap tags;
};

void jn_instance_release(struct jn_instance *inst);
/** Deep copy; dst is overwritten. */
void jn_instance_copy(struct jn_instance *dst, const struct jn_instance *src);
/** "aws:///<zone>/<id>", owned. */
char *jn_provider_id_format(const char *zone, const char *instance_id);
/**
 * Splits "aws:///us-east-1a/i-0abc" into zone and instance id (copied into the caller's
 * buffers; "aws:///i-0abc" gives an empty zone). Returns -1 with JN_ERR_INVALID quoting it when
 * it is not an aws provider id or a part does not fit.
 */
int jn_provider_id_parse(const char *provider_id, char *zone, size_t zone_size, char *id,
	size_t id_size, struct jn_error *err);

struct jn_instance_list {
	struct jn_instance *items;
	size_t len;
	size_t cap;
};

void jn_instance_list_release(struct jn_instance_list *list);

/* Why an instance no longer matches its node class (Karpenter's drift reasons). */
enum jn_drift_reason {
	JN_DRIFT_NONE = 0,
	JN_DRIFT_AMI,
	JN_DRIFT_SUBNET,
	JN_DRIFT_SECURITY_GROUP,
	JN_DRIFT_NODECLASS,                 /* the class itself changed (hash) */
};

/** "", "AMIDrift", "SubnetDrift", "SecurityGroupDrift", "NodeClassDrift". Static storage. */
const char *jn_drift_reason_name(enum jn_drift_reason reason);

/* What is_drifted compares: the claim's instance against the class it should match now. */
struct jn_drift_query {
	const char *provider_id;
	const struct jn_ec2nodeclass *node_class;   /* may be NULL (sim) */
};

/* ------------------------------------------------------------------------------------------ */
/* The seam                                                                                    */

struct jn_cloud_provider;

struct jn_cloud_provider_impl {
	const char *name;                   /* "ec2", "sim", "metrics", "faults", "log" */
	/* Launches the claim; out is filled on success (owned by the caller). */
	int (*create)(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
		struct jn_instance *out, struct jn_error *err);
	/* Returns -1 with JN_ERR_NOT_FOUND once the instance is gone; callers retry until then. */
	int (*delete)(struct jn_cloud_provider *cp, const char *provider_id, struct jn_error *err);
	int (*get)(struct jn_cloud_provider *cp, const char *provider_id, struct jn_instance *out,
		struct jn_error *err);
	/* Every instance this cluster launched that is not terminated. out is appended to. */
	int (*list)(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err);
	/* All types, including those with no available offering (Karpenter's contract). New ref. */
	struct jn_catalog *(*instance_types)(struct jn_cloud_provider *cp,
		const struct jn_nodepool *pool, struct jn_error *err);
	/* Optional: the default says "not drifted". */
	int (*is_drifted)(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
		enum jn_drift_reason *out, struct jn_error *err);
	void (*destroy)(struct jn_cloud_provider *cp);
};

struct jn_cloud_provider {
	const struct jn_cloud_provider_impl *impl;
};

/** Name of the implementation ("ec2"). */
const char *jn_cloud_name(const struct jn_cloud_provider *cp);

/**
 * Launches one node claim. req must have a claim name and 1..JN_LAUNCH_MAX_OFFERINGS
 * offerings (JN_ERR_INVALID otherwise, without calling the provider). On success out holds
 * the instance (owned; release it). Launching the same claim twice yields the same instance.
 */
int jn_cloud_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err);
/** Terminates the instance; JN_ERR_NOT_FOUND once it is gone. */
int jn_cloud_delete(struct jn_cloud_provider *cp, const char *provider_id, struct jn_error *err);
/** Reads one instance (owned by the caller); JN_ERR_NOT_FOUND when gone or terminated. */
int jn_cloud_get(struct jn_cloud_provider *cp, const char *provider_id, struct jn_instance *out,
	struct jn_error *err);
/** Appends the live instances of this cluster to out (leak collection compares with claims). */
int jn_cloud_list(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err);
/** The current catalog (new reference), with ICE-marked offerings unavailable. */
struct jn_catalog *jn_cloud_instance_types(struct jn_cloud_provider *cp,
	const struct jn_nodepool *pool, struct jn_error *err);
/** Sets *out (JN_DRIFT_NONE when not drifted). */
int jn_cloud_is_drifted(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
	enum jn_drift_reason *out, struct jn_error *err);
/** Destroys the provider; NULL is allowed. A decorator destroys what it wraps. */
void jn_cloud_destroy(struct jn_cloud_provider *cp);

/* ------------------------------------------------------------------------------------------ */
/* Decorators                                                                                  */

enum jn_cloud_op {
	JN_CLOUD_OP_CREATE = 0,
	JN_CLOUD_OP_DELETE,
	JN_CLOUD_OP_GET,
	JN_CLOUD_OP_LIST,
	JN_CLOUD_OP_INSTANCE_TYPES,
	JN_CLOUD_OP_IS_DRIFTED,
	JN_CLOUD_OP_COUNT,
};

/** "create", "delete", "get", "list", "instance_types", "is_drifted". Static storage. */
const char *jn_cloud_op_name(enum jn_cloud_op op);

#define JN_CLOUD_ERROR_KINDS (JN_ERR_INTERNAL + 1)

/* Counters kept by the metrics decorator (Karpenter's cloudprovider metrics.Decorate). */
struct jn_cloud_metrics {
	uint64_t calls[JN_CLOUD_OP_COUNT];
	uint64_t errors[JN_CLOUD_OP_COUNT][JN_CLOUD_ERROR_KINDS];   /* by enum jn_error_kind */
	int64_t duration_ns[JN_CLOUD_OP_COUNT];                    /* summed, monotonic clock */
};

/**
 * Wraps inner (ownership passes to the decorator). Every call is counted by operation and
 * by error kind; read them with jn_cloud_metrics_read. clock is borrowed.
 */
struct jn_cloud_provider *jn_cloud_decorate_metrics(struct jn_cloud_provider *inner,
	const struct jn_clock *clock);
/** A consistent copy of the counters of a metrics decorator (asserts it is one). */
void jn_cloud_metrics_read(struct jn_cloud_provider *cp, struct jn_cloud_metrics *out);

/**
 * Wraps inner (ownership passes): one log line per call, timed on clock (STYLE rule 14).
 *   create    INFO "launched nodeclaim" nodeclaim= nodepool= provider_id= type= zone=
 *             capacity_type= price= (the claim's price for what launched) options=N latency_ms=
 *             WARN "failed to launch nodeclaim" nodeclaim= nodepool= options= kind= error=
 *             latency_ms=
 *   delete    INFO "deleted instance" / "found instance already gone" (not found) provider_id=
 *   get       DEBUG "read instance" state= / "found instance gone"
 *   list      DEBUG "listed instances" count=
 *   instance_types  DEBUG "read instance types" types=
 *   is_drifted      INFO "found instance drifted" reason= (DEBUG when not drifted)
 * and WARN "failed to <verb> ..." kind= error= latency_ms= for every other failure. clock and
 * log are borrowed and must outlive it. Put it outermost, so the latency covers every layer.
 */
struct jn_cloud_provider *jn_cloud_decorate_log(struct jn_cloud_provider *inner,
	const struct jn_clock *clock, struct jn_logger *log);

/*
 * The fault-injection plan (Karpenter's fake provider: NextCreateErr, AllowedCreateCalls,
 * CreateCalls). Tests set fields between calls through jn_cloud_faults_plan().
 */
struct jn_cloud_fault_plan {
	/* The next call of op fails with this kind (once), without reaching the inner provider. */
	enum jn_error_kind next_error[JN_CLOUD_OP_COUNT];
	/* How many more create calls may reach the inner provider; -1 unlimited. Past it:
	 * JN_ERR_INSUFFICIENT_CAPACITY. */
	int allowed_create_calls;
	/* Recorded calls, all operations, in order. */
	size_t calls[JN_CLOUD_OP_COUNT];
	/* Claim names of create calls (owned, in order), for tests to assert on. */
	char **create_claims;
	size_t n_create_claims;
	size_t cap_create_claims;
};

/** Wraps inner (ownership passes). The plan starts with no faults and unlimited creates. */
struct jn_cloud_provider *jn_cloud_decorate_faults(struct jn_cloud_provider *inner);
/** The plan of a fault decorator (asserts it is one). Borrowed; not thread-safe to edit while
 * other threads call the provider. */
struct jn_cloud_fault_plan *jn_cloud_faults_plan(struct jn_cloud_provider *cp);

#endif
