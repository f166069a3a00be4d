/*
 * EC2 answers into structs (ec2.md §1.3). Lists are <xSet><item>...</item></xSet>; absent or
 * empty sets are the same thing. Values are copied out so that the XML tree can be freed.
 */
#include <stdlib.h>
#include <string.h>

#include "ec2_internal.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"

static char *dup_or_empty(const struct jn_xml_node *node, const char *path)
{
	const char *t = jn_xml_text(node, path);
	return jn_xstrdup(t ? t : "");
}

static enum jn_capacity_type lifecycle(const char *text)
{
	return text && strcmp(text, "spot") == 0 ? JN_CAPACITY_SPOT : JN_CAPACITY_ON_DEMAND;
}

void ec2_fleet_result_release(struct ec2_fleet_result *r)
{
	free(r->fleet_id);
	for (size_t i = 0; i < r->n_errors; i++) {
		struct ec2_fleet_error *e = &r->errors[i];
		free(e->instance_type);
		free(e->zone);
		free(e->subnet_id);
		free(e->code);
		free(e->message);
	}
	free(r->errors);
	for (size_t i = 0; i < r->n_instances; i++) {
		struct ec2_fleet_instance *in = &r->instances[i];
		free(in->instance_id);
		free(in->instance_type);
		free(in->zone);
		free(in->subnet_id);
	}
	free(r->instances);
	memset(r, 0, sizeof(*r));
}

int ec2_decode_fleet(const struct jn_xml_node *root, struct ec2_fleet_result *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(root->name, "CreateFleetResponse") != 0)
		return jn_error_set(err, JN_ERR_INVALID, "expected CreateFleetResponse, got '%s'",
			root->name);
	out->fleet_id = dup_or_empty(root, "fleetId");
	size_t cap = 0;
	const struct jn_xml_node *set = jn_xml_child(root, "errorSet");
	for (size_t i = 0; set && i < set->n_children; i++) {
		const struct jn_xml_node *item = set->children[i];
		const struct jn_xml_node *ov = jn_xml_path(item, "launchTemplateAndOverrides/overrides");
		struct ec2_fleet_error *e = JN_PUSH(out->errors, out->n_errors, cap);
		e->instance_type = dup_or_empty(ov, "instanceType");
		e->zone = dup_or_empty(ov, "availabilityZone");
		e->subnet_id = dup_or_empty(ov, "subnetId");
		e->capacity_type = lifecycle(jn_xml_text(item, "lifecycle"));
		e->code = dup_or_empty(item, "errorCode");
		e->message = dup_or_empty(item, "errorMessage");
	}
	cap = 0;
	set = jn_xml_child(root, "fleetInstanceSet");
	for (size_t i = 0; set && i < set->n_children; i++) {
		const struct jn_xml_node *item = set->children[i];
		const struct jn_xml_node *ov = jn_xml_path(item, "launchTemplateAndOverrides/overrides");
		const struct jn_xml_node *ids = jn_xml_child(item, "instanceIds");
		for (size_t k = 0; ids && k < ids->n_children; k++) {
			struct ec2_fleet_instance *in = JN_PUSH(out->instances, out->n_instances, cap);
			in->instance_id = jn_xstrdup(ids->children[k]->text);
			const char *t = jn_xml_text(item, "instanceType");
			in->instance_type = jn_xstrdup(t && *t ? t : jn_xml_text(ov, "instanceType"));
			if (!in->instance_type)
				in->instance_type = jn_xstrdup("");
			/* moto leaves availabilityZone out of the item; the override carries it. */
			t = jn_xml_text(item, "availabilityZone");
			in->zone = jn_xstrdup(t && *t ? t : jn_xml_text(ov, "availabilityZone"));
			if (!in->zone)
				in->zone = jn_xstrdup("");
			t = jn_xml_text(item, "subnetId");
			in->subnet_id = jn_xstrdup(t && *t ? t : jn_xml_text(ov, "subnetId"));
			if (!in->subnet_id)
				in->subnet_id = jn_xstrdup("");
			in->capacity_type = lifecycle(jn_xml_text(item, "lifecycle"));
		}
	}
	return 0;
}

int ec2_decode_instance(const struct jn_xml_node *item, struct jn_instance *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	jn_strmap_init(&out->tags);
	const char *id = jn_xml_text(item, "instanceId");
	if (!id || !*id)
		return jn_error_set(err, JN_ERR_INVALID, "instance has no instanceId");
	out->instance_id = jn_xstrdup(id);
	out->instance_type = dup_or_empty(item, "instanceType");
	out->zone = dup_or_empty(item, "placement/availabilityZone");
	out->provider_id = jn_provider_id_format(out->zone, id);
	out->private_dns_name = dup_or_empty(item, "privateDnsName");
	out->image_id = dup_or_empty(item, "imageId");
	out->subnet_id = dup_or_empty(item, "subnetId");
	out->capacity_type = lifecycle(jn_xml_text(item, "instanceLifecycle"));
	const char *state = jn_xml_text(item, "instanceState/name");
	if (jn_instance_state_parse(state, &out->state) < 0) {
		jn_error_set(err, JN_ERR_INVALID, "instance '%s' has unknown state '%s'", id,
			state ? state : "");
		goto fail;
	}
	const char *launch = jn_xml_text(item, "launchTime");
	if (launch && *launch && jn_time_parse_rfc3339(launch, &out->launch_time_wall_ns) < 0) {
		jn_error_set(err, JN_ERR_INVALID, "instance '%s' has invalid launchTime '%s'", id, launch);
		goto fail;
	}
	const struct jn_xml_node *tags = jn_xml_child(item, "tagSet");
	for (size_t i = 0; tags && i < tags->n_children; i++) {
		const char *k = jn_xml_text(tags->children[i], "key");
		const char *v = jn_xml_text(tags->children[i], "value");
		if (k)
			jn_strmap_set(&out->tags, k, v ? v : "");
	}
	return 0;
fail:
	jn_instance_release(out);
	return -1;
}

int ec2_decode_instances(const struct jn_xml_node *root, struct jn_instance_list *out,
	char **next_token, struct jn_error *err)
{
	*next_token = NULL;
	if (strcmp(root->name, "DescribeInstancesResponse") != 0)
		return jn_error_set(err, JN_ERR_INVALID, "expected DescribeInstancesResponse, got '%s'",
			root->name);
	const struct jn_xml_node *rs = jn_xml_child(root, "reservationSet");
	for (size_t i = 0; rs && i < rs->n_children; i++) {
		const struct jn_xml_node *set = jn_xml_child(rs->children[i], "instancesSet");
		for (size_t k = 0; set && k < set->n_children; k++) {
			struct jn_instance in;
			if (ec2_decode_instance(set->children[k], &in, err) < 0)
				return -1;
			*JN_PUSH(out->items, out->len, out->cap) = in;
		}
	}
	const char *tok = jn_xml_text(root, "nextToken");
	if (tok && *tok)
		*next_token = jn_xstrdup(tok);
	return 0;
}
