/*
 * Dispatch for the provider seam (STYLE rule 3): argument checks, optional-slot defaults,
 * postcondition asserts. Plus the small value helpers of cloud.h.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/cloud.h"

static const char *const state_names[] = {
	[JN_INSTANCE_PENDING] = "pending", [JN_INSTANCE_RUNNING] = "running",
	[JN_INSTANCE_SHUTTING_DOWN] = "shutting-down", [JN_INSTANCE_TERMINATED] = "terminated",
	[JN_INSTANCE_STOPPING] = "stopping", [JN_INSTANCE_STOPPED] = "stopped",
};

const char *jn_instance_state_name(enum jn_instance_state state)
{
	return (size_t)state < JN_ARRAY_LEN(state_names) ? state_names[state] : "unknown";
}

int jn_instance_state_parse(const char *name, enum jn_instance_state *out)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(state_names); i++) {
		if (name && strcmp(name, state_names[i]) == 0) {
			*out = (enum jn_instance_state)i;
			return 0;
		}
	}
	return -1;
}

const char *jn_drift_reason_name(enum jn_drift_reason reason)
{
	switch (reason) {
	case JN_DRIFT_AMI: return "AMIDrift";
	case JN_DRIFT_SUBNET: return "SubnetDrift";
	case JN_DRIFT_SECURITY_GROUP: return "SecurityGroupDrift";
	case JN_DRIFT_NODECLASS: return "NodeClassDrift";
	case JN_DRIFT_NONE: break;
	}
	return "";
}

const char *jn_cloud_op_name(enum jn_cloud_op op)
{
	static const char *const names[] = { "create", "delete", "get", "list", "instance_types",
		"is_drifted" };
	return (size_t)op < JN_ARRAY_LEN(names) ? names[op] : "unknown";
}

void jn_instance_release(struct jn_instance *inst)
{
	if (!inst)
		return;
	free(inst->provider_id);
	free(inst->instance_id);
	free(inst->instance_type);
	free(inst->zone);
	free(inst->private_dns_name);
	free(inst->image_id);
	free(inst->subnet_id);
	jn_strmap_release(&inst->tags);
	memset(inst, 0, sizeof(*inst));
}

void jn_instance_copy(struct jn_instance *dst, const struct jn_instance *src)
{
	*dst = *src;
	dst->provider_id = jn_xstrdup(src->provider_id);
	dst->instance_id = jn_xstrdup(src->instance_id);
	dst->instance_type = jn_xstrdup(src->instance_type);
	dst->zone = jn_xstrdup(src->zone);
	dst->private_dns_name = jn_xstrdup(src->private_dns_name);
	dst->image_id = jn_xstrdup(src->image_id);
	dst->subnet_id = jn_xstrdup(src->subnet_id);
	jn_strmap_init(&dst->tags);
	jn_strmap_copy(&dst->tags, &src->tags);
}

void jn_instance_list_release(struct jn_instance_list *list)
{
	for (size_t i = 0; i < list->len; i++)
		jn_instance_release(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

char *jn_provider_id_format(const char *zone, const char *instance_id)
{
	return jn_xasprintf("aws:///%s/%s", zone ? zone : "", instance_id);
}

int jn_provider_id_parse(const char *provider_id, char *zone, size_t zone_size, char *id,
	size_t id_size, struct jn_error *err)
{
	const char *prefix = "aws:///";
	if (!provider_id || !jn_str_has_prefix(provider_id, prefix))
		return jn_error_set(err, JN_ERR_INVALID, "invalid provider id '%s'",
			provider_id ? provider_id : "");
	const char *rest = provider_id + strlen(prefix);
	const char *slash = strrchr(rest, '/');
	const char *iid = slash ? slash + 1 : rest;
	size_t zlen = slash ? (size_t)(slash - rest) : 0;
	if (!jn_str_has_prefix(iid, "i-") || zlen >= zone_size || strlen(iid) >= id_size ||
		(slash && memchr(rest, '/', zlen)))
		return jn_error_set(err, JN_ERR_INVALID, "invalid provider id '%s'", provider_id);
	memcpy(zone, rest, zlen);
	zone[zlen] = '\0';
	snprintf(id, id_size, "%s", iid);
	return 0;
}

const char *jn_cloud_name(const struct jn_cloud_provider *cp)
{
	return cp->impl->name;
}

int jn_cloud_create(struct jn_cloud_provider *cp, const struct jn_launch_request *req,
	struct jn_instance *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!req->claim_name || !*req->claim_name)
		return jn_error_set(err, JN_ERR_INVALID, "launching: node claim has no name");
	if (req->n_offerings == 0 || req->n_offerings > JN_LAUNCH_MAX_OFFERINGS)
		return jn_error_set(err, JN_ERR_INVALID,
			"launching nodeclaim '%s': %zu offerings (want 1 to %d)", req->claim_name,
			req->n_offerings, JN_LAUNCH_MAX_OFFERINGS);
	int rc = cp->impl->create(cp, req, out, err);
	assert(rc == 0 || rc == -1);
	assert(rc < 0 || (out->provider_id && out->instance_id && out->instance_type && out->zone));
	return rc;
}

int jn_cloud_delete(struct jn_cloud_provider *cp, const char *provider_id, struct jn_error *err)
{
	if (!provider_id)
		return jn_error_set(err, JN_ERR_INVALID, "deleting: no provider id");
	return cp->impl->delete(cp, provider_id, err);
}

int jn_cloud_get(struct jn_cloud_provider *cp, const char *provider_id, struct jn_instance *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!provider_id)
		return jn_error_set(err, JN_ERR_INVALID, "getting instance: no provider id");
	int rc = cp->impl->get(cp, provider_id, out, err);
	assert(rc < 0 || out->provider_id);
	return rc;
}

int jn_cloud_list(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err)
{
	return cp->impl->list(cp, out, err);
}

struct jn_catalog *jn_cloud_instance_types(struct jn_cloud_provider *cp,
	const struct jn_nodepool *pool, struct jn_error *err)
{
	struct jn_catalog *cat = cp->impl->instance_types(cp, pool, err);
	assert(cat == NULL || jn_catalog_len(cat) > 0);
	return cat;
}

int jn_cloud_is_drifted(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
	enum jn_drift_reason *out, struct jn_error *err)
{
	*out = JN_DRIFT_NONE;
	if (!cp->impl->is_drifted)
		return 0;
	return cp->impl->is_drifted(cp, q, out, err);
}

void jn_cloud_destroy(struct jn_cloud_provider *cp)
{
	if (cp)
		cp->impl->destroy(cp);
}
