/*
 * create: one node claim through CreateFleet Type=instant (see ec2.h for the steps).
 *
 * Idempotency, twice over: the ClientToken makes EC2 itself return the first fleet's result for
 * a repeated call, and the claim's tag is looked up before the call and before every retry of
 * it, which also covers endpoints that ignore ClientToken (moto) and restarts in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "ec2_internal.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"

void ec2_client_token(const char *cluster, const char *claim, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *s = jn_xasprintf("%s/%s", cluster, claim);
	SHA256((const unsigned char *)s, strlen(s), md);
	free(s);
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "jn-", 3);
	for (size_t i = 0; i < 61; i++)
		out[3 + i] = hex[(md[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[64] = '\0';
}

struct guard_ctx {
	struct ec2_provider *p;
	const char *claim;
	struct jn_instance found;
};

/* Before a retry: did the lost attempt launch the instance after all? */
static int guard(void *ctx, int attempt, struct jn_error *err)
{
	struct guard_ctx *g = ctx;
	return ec2_find_claim(g->p, g->claim, &g->found, err);
}

static void add_tags(struct jn_aws_query *q, int spec, const char *type,
	const struct jn_strmap *tags)
{
	jn_aws_query_addf(q, type, "TagSpecification.%d.ResourceType", spec);
	for (size_t i = 0; i < tags->len; i++) {
		jn_aws_query_addf(q, tags->items[i].key, "TagSpecification.%d.Tag.%zu.Key", spec, i + 1);
		jn_aws_query_addf(q, tags->items[i].value, "TagSpecification.%d.Tag.%zu.Value", spec,
			i + 1);
	}
}

static void instance_tags(struct ec2_provider *p, const struct jn_launch_request *req,
	struct jn_strmap *tags)
{
	jn_strmap_init(tags);
	if (req->node_class)
		jn_strmap_copy(tags, &req->node_class->tags);
	for (size_t i = 0; req->tags && i < req->tags->len; i++)
		jn_strmap_set(tags, req->tags->items[i].key, req->tags->items[i].value);
	jn_strmap_set(tags, p->cluster_tag, "owned");
	if (req->nodepool_name)
		jn_strmap_set(tags, JN_TAG_NODEPOOL, req->nodepool_name);
	jn_strmap_set(tags, JN_TAG_NODECLAIM, req->claim_name);
	if (req->node_class_name)
		jn_strmap_set(tags, JN_TAG_NODECLASS, req->node_class_name);
	if (req->node_class) {
		char hash[17];
		ec2_nodeclass_hash(req->node_class, hash);
		jn_strmap_set(tags, EC2_TAG_NODECLASS_HASH, hash);
		jn_strmap_set(tags, EC2_TAG_NODECLASS_HASH_VERSION, EC2_NODECLASS_HASH_VERSION);
	}
	char *name = jn_xasprintf("%s/%s", req->nodepool_name ? req->nodepool_name : "",
		req->claim_name);
	jn_strmap_set(tags, JN_TAG_NAME, name);
	free(name);
}

/* Stable insertion sort of candidate indexes by price: n <= 60. */
static void sort_by_price(const struct jn_launch_request *req, size_t *idx, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && req->offerings[idx[j - 1]].price > req->offerings[v].price) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/*
 * Adds an override per (offering, subnet of its zone), with the image of the offering's
 * architecture; *no_subnet and *no_image count offerings left out for want of either.
 */
static size_t add_overrides(struct ec2_provider *p, struct jn_aws_query *q,
	const struct jn_launch_request *req, const size_t *idx, size_t n,
	const struct ec2_resolved *res, size_t *no_subnet, size_t *no_image)
{
	size_t k = 0;
	*no_subnet = *no_image = 0;
	for (size_t i = 0; i < n; i++) {
		const struct jn_launch_offering *o = &req->offerings[idx[i]];
		const char *image = ec2_image_for(p, res, o->instance_type);
		if (!image) {
			(*no_image)++;
			continue;
		}
		size_t before = k;
		for (size_t s = 0; s < res->n_subnets; s++) {
			if (strcmp(res->subnets[s].zone, o->zone) != 0)
				continue;
			k++;
			char price[32];
			snprintf(price, sizeof(price), "%.6f", o->price);
			const char *pre = "LaunchTemplateConfigs.1.Overrides";
			jn_aws_query_addf(q, o->instance_type, "%s.%zu.InstanceType", pre, k);
			jn_aws_query_addf(q, res->subnets[s].id, "%s.%zu.SubnetId", pre, k);
			jn_aws_query_addf(q, o->zone, "%s.%zu.AvailabilityZone", pre, k);
			jn_aws_query_addf(q, image, "%s.%zu.ImageId", pre, k);
			jn_aws_query_addf(q, price, "%s.%zu.Priority", pre, k);
		}
		*no_subnet += k == before;
	}
	return k;
}

/* Whether add_overrides sends the offering: a subnet in its zone and an image for its type. */
static bool sent(struct ec2_provider *p, const struct ec2_resolved *res,
	const struct jn_launch_offering *o)
{
	for (size_t i = 0; i < res->n_subnets; i++)
		if (strcmp(res->subnets[i].zone, o->zone) == 0)
			return ec2_image_for(p, res, o->instance_type) != NULL;
	return false;
}

/*
 * Why these overrides (STYLE rule 14): how many offerings the claim allowed, how many of the
 * capacity type tried were left out by the ICE cache or for want of a subnet, and the cheapest.
 */
static void log_choice(struct ec2_provider *p, const struct jn_launch_request *req,
	const size_t *idx, size_t n, const struct ec2_resolved *res, size_t n_overrides,
	size_t no_subnet, size_t no_image, bool spot)
{
	if (!p->log)
		return;
	size_t same = 0;
	for (size_t i = 0; i < req->n_offerings; i++)
		same += (req->offerings[i].capacity_type == JN_CAPACITY_SPOT) == spot;
	const struct jn_launch_offering *cheapest = NULL;
	for (size_t i = 0; i < n && !cheapest; i++)
		if (sent(p, res, &req->offerings[idx[i]]))
			cheapest = &req->offerings[idx[i]];
	jn_log_info(p->log, "chose fleet overrides", JN_LOG_STR("nodeclaim", req->claim_name),
		JN_LOG_STR("capacity_type", spot ? "spot" : "on-demand"),
		JN_LOG_STR("strategy", spot ? "price-capacity-optimized" : "lowest-price"),
		JN_LOG_INT("options", req->n_offerings),
		JN_LOG_INT("other_capacity_type", req->n_offerings - same),
		JN_LOG_INT("ice_skipped", same - n), JN_LOG_INT("no_subnet", no_subnet),
		JN_LOG_INT("no_image", no_image),
		JN_LOG_INT("overrides", n_overrides),
		JN_LOG_STR("cheapest_type", cheapest ? cheapest->instance_type : ""),
		JN_LOG_STR("cheapest_zone", cheapest ? cheapest->zone : ""),
		JN_LOG_DBL("cheapest_price", cheapest ? cheapest->price : 0));
}

/* Rank (0 = cheapest) and price of what EC2 launched among the offerings sent; -1 if none. */
static long launched_rank(struct ec2_provider *p, const struct jn_launch_request *req,
	const size_t *idx, size_t n, const struct ec2_resolved *res,
	const struct ec2_fleet_instance *fi, double *price)
{
	long rank = 0;
	for (size_t i = 0; i < n; i++) {
		const struct jn_launch_offering *o = &req->offerings[idx[i]];
		if (!sent(p, res, o))
			continue;
		if (strcmp(o->instance_type, fi->instance_type) == 0 && strcmp(o->zone, fi->zone) == 0
			&& o->capacity_type == fi->capacity_type) {
			*price = o->price;
			return rank;
		}
		rank++;
	}
	*price = 0;
	return -1;
}

static const char *subnet_zone(const struct ec2_resolved *res, const char *subnet)
{
	for (size_t i = 0; i < res->n_subnets; i++)
		if (strcmp(res->subnets[i].id, subnet) == 0)
			return res->subnets[i].zone;
	return "";
}

/* Marks the ICE cache from the errorSet; sets err when no instance came back. */
static int handle_errors(struct ec2_provider *p, const struct jn_launch_request *req,
	const struct ec2_fleet_result *fr, const struct ec2_resolved *res, struct jn_error *err)
{
	struct jn_buf why;
	jn_buf_init(&why, 1536);
	enum jn_error_kind kind = JN_ERR_INSUFFICIENT_CAPACITY;
	for (size_t i = 0; i < fr->n_errors; i++) {
		const struct ec2_fleet_error *e = &fr->errors[i];
		const char *zone = *e->zone ? e->zone : subnet_zone(res, e->subnet_id);
		bool capacity = jn_aws_code_is_capacity(e->code);
		if (capacity)
			jn_ice_cache_mark(p->ice, e->instance_type, zone, e->capacity_type, e->code);
		else if (kind == JN_ERR_INSUFFICIENT_CAPACITY)
			kind = jn_aws_error_kind(e->code, 400);
		if (p->log)
			jn_log_warn(p->log, capacity ? "marked offering unavailable" : "fleet override failed",
				JN_LOG_STR("nodeclaim", req->claim_name),
				JN_LOG_STR("type", e->instance_type), JN_LOG_STR("zone", zone),
				JN_LOG_STR("capacity_type", jn_capacity_type_name(e->capacity_type)),
				JN_LOG_STR("code", e->code));
		jn_buf_printf(&why, NULL, "%s%s/%s/%s: %s", i ? "; " : "", e->instance_type, zone,
			jn_capacity_type_name(e->capacity_type), e->code);
	}
	int rc = 0;
	if (fr->n_instances == 0)
		rc = jn_error_set(err, kind, "fleet '%s' launched no instance: %s", fr->fleet_id,
			why.len ? jn_buf_cstr(&why) : "no error reported");
	jn_buf_release(&why);
	return rc;
}

static void forget_template(struct ec2_provider *p, const char *name)
{
	pthread_mutex_lock(&p->lock);
	jn_strmap_remove(&p->templates, name);
	pthread_mutex_unlock(&p->lock);
}

int ec2_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err)
{
	struct ec2_provider *p = ec2_from_provider(cp);
	struct ec2_resolved res = { 0 };
	struct ec2_fleet_result fr = { 0 };
	struct jn_aws_query q = { 0 };
	struct jn_strmap tags = { 0 };
	struct guard_ctx g = { .p = p, .claim = req->claim_name };
	struct jn_xml_node *root = NULL;
	char *lt = NULL;
	int rc = ec2_find_claim(p, req->claim_name, out, err);
	if (rc != 0) {
		if (rc > 0 && p->log)
			jn_log_info(p->log, "found instance of nodeclaim",
				JN_LOG_STR("nodeclaim", req->claim_name), JN_LOG_STR("id", out->instance_id));
		rc = rc > 0 ? 0 : -1;
		goto done;
	}
	rc = -1;
	if (ec2_resolve(p, req->node_class, &res, err) < 0 ||
		ec2_ensure_launch_template(p, req->node_class, &res, &lt, err) < 0)
		goto done;

	size_t idx[JN_LAUNCH_MAX_OFFERINGS];
	size_t n = jn_launch_candidates(req, p->ice, idx);
	sort_by_price(req, idx, n);
	jn_aws_query_init(&q, "CreateFleet", EC2_API_VERSION);
	char token[65];
	ec2_client_token(p->cluster, req->claim_name, token);
	jn_aws_query_add(&q, "ClientToken", token);
	jn_aws_query_add(&q, "Type", "instant");
	bool spot = n > 0 && req->offerings[idx[0]].capacity_type == JN_CAPACITY_SPOT;
	jn_aws_query_add(&q, "TargetCapacitySpecification.TotalTargetCapacity", "1");
	jn_aws_query_add(&q, "TargetCapacitySpecification.DefaultTargetCapacityType",
		spot ? "spot" : "on-demand");
	if (spot)
		jn_aws_query_add(&q, "SpotOptions.AllocationStrategy", "price-capacity-optimized");
	else
		jn_aws_query_add(&q, "OnDemandOptions.AllocationStrategy", "lowest-price");
	jn_aws_query_add(&q, "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName",
		lt);
	jn_aws_query_add(&q, "LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version", "$Latest");
	size_t no_subnet, no_image;
	size_t n_overrides = add_overrides(p, &q, req, idx, n, &res, &no_subnet, &no_image);
	log_choice(p, req, idx, n, &res, n_overrides, no_subnet, no_image, spot);
	if (n_overrides == 0) {
		jn_error_set(err, JN_ERR_INSUFFICIENT_CAPACITY,
			"no offering left to launch: %zu requested, %zu not in the ice cache, %zu of "
			"those without a subnet in their zone, %zu without an image for their "
			"architecture", req->n_offerings, n, no_subnet, no_image);
		goto done;
	}
	instance_tags(p, req, &tags);
	add_tags(&q, 1, "instance", &tags);
	add_tags(&q, 2, "volume", &tags);
	add_tags(&q, 3, "fleet", &tags);

	char code[96];
	struct jn_aws_retry_guard guard_hook = { .before_retry = guard, .ctx = &g };
	int call = jn_aws_client_call_guarded(p->client, &q, &guard_hook, &root, code, sizeof(code),
		err);
	if (call == 1) {
		*out = g.found;
		memset(&g.found, 0, sizeof(g.found));
		rc = 0;
		goto done;
	}
	if (call < 0) {
		if (strcmp(code, "InvalidLaunchTemplateName.NotFoundException") == 0 ||
			strcmp(code, "InvalidLaunchTemplateId.NotFound") == 0)
			forget_template(p, lt);
		goto done;
	}
	if (ec2_decode_fleet(root, &fr, err) < 0 || handle_errors(p, req, &fr, &res, err) < 0)
		goto done;
	const struct ec2_fleet_instance *fi = &fr.instances[0];
	char *pid = jn_provider_id_format(fi->zone, fi->instance_id);
	struct jn_error derr;
	if (ec2_get(cp, pid, out, &derr) < 0) {
		/* EC2 is eventually consistent: describe may not know the instance yet. */
		memset(out, 0, sizeof(*out));
		out->provider_id = pid;
		pid = NULL;
		out->instance_id = jn_xstrdup(fi->instance_id);
		out->instance_type = jn_xstrdup(fi->instance_type);
		out->zone = jn_xstrdup(fi->zone);
		out->capacity_type = fi->capacity_type;
		out->private_dns_name = jn_xstrdup("");
		out->image_id = jn_xstrdup(res.image_id);
		out->subnet_id = jn_xstrdup(fi->subnet_id);
		out->state = JN_INSTANCE_PENDING;
		jn_strmap_init(&out->tags);
		jn_strmap_copy(&out->tags, &tags);
	}
	free(pid);
	/* moto reports the lifecycle of the fleet item, not on the instance: trust the fleet. */
	out->capacity_type = fi->capacity_type;
	double price;
	long rank = launched_rank(p, req, idx, n, &res, fi, &price);
	if (p->log)
		jn_log_info(p->log, "launched instance", JN_LOG_STR("nodeclaim", req->claim_name),
			JN_LOG_STR("id", out->instance_id), JN_LOG_STR("type", out->instance_type),
			JN_LOG_STR("zone", out->zone),
			JN_LOG_STR("capacity_type", jn_capacity_type_name(out->capacity_type)),
			JN_LOG_DBL("price", price), JN_LOG_INT("rank", rank),
			JN_LOG_INT("overrides", n_overrides), JN_LOG_INT("fleet_errors", fr.n_errors),
			JN_LOG_STR("fleet", fr.fleet_id));
	rc = 0;
done:
	if (rc < 0)
		jn_error_prefix(err, "launching nodeclaim '%s'", req->claim_name);
	jn_instance_release(&g.found);
	jn_xml_free(root);
	ec2_fleet_result_release(&fr);
	ec2_resolved_release(&res);
	jn_aws_query_release(&q);
	jn_strmap_release(&tags);
	free(lt);
	return rc;
}
