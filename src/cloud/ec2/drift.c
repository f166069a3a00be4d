/*
 * is_drifted (Karpenter's drift reasons, in Karpenter's order): the node class's static fields
 * changed since launch (NodeClassDrift, by a hash tagged on the instance), then the AMI, the
 * subnet and the security groups the class selects now against what the instance runs with.
 * Selector terms are left out of the hash on purpose: what they select is compared directly,
 * so a new AMI behind the same alias is AMIDrift, not NodeClassDrift.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec2_internal.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"

static void fnv(uint64_t *h, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)(s ? s : "\x01"); *c; c++)
		*h = (*h ^ *c) * UINT64_C(0x100000001b3);
	*h = (*h ^ 0xff) * UINT64_C(0x100000001b3);   /* field separator */
}

static void fnv_int(uint64_t *h, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	fnv(h, buf);
}

static void fnv_map(uint64_t *h, const struct jn_strmap *m)
{
	fnv_int(h, (int64_t)m->len);
	for (size_t i = 0; i < m->len; i++) {   /* sorted: the order is canonical */
		fnv(h, m->items[i].key);
		fnv(h, m->items[i].value);
	}
}

static void fnv_resources(uint64_t *h, const struct jn_resources *r)
{
	fnv_int(h, r->cpu_milli);
	fnv_int(h, r->memory);
	fnv_int(h, r->ephemeral_storage);
	for (size_t i = 0; i < r->n_ext; i++) {
		fnv(h, r->ext[i].name);
		fnv_int(h, r->ext[i].value);
	}
}

void ec2_nodeclass_hash(const struct jn_ec2nodeclass *nc, char out[17])
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	fnv_int(&h, nc->ami_family);
	fnv(&h, nc->user_data);
	fnv(&h, nc->role);
	fnv(&h, nc->instance_profile);
	fnv_map(&h, &nc->tags);
	fnv_int(&h, nc->has_kubelet);
	if (nc->has_kubelet) {
		const struct jn_kubelet_config *k = &nc->kubelet;
		for (size_t i = 0; i < k->n_cluster_dns; i++)
			fnv(&h, k->cluster_dns[i]);
		fnv_int(&h, k->has_max_pods ? k->max_pods : -1);
		fnv_int(&h, k->has_pods_per_core ? k->pods_per_core : -1);
		fnv_resources(&h, &k->system_reserved);
		fnv_resources(&h, &k->kube_reserved);
		fnv_map(&h, &k->eviction_hard);
		fnv_map(&h, &k->eviction_soft);
		fnv_map(&h, &k->eviction_soft_grace_period);
		fnv_int(&h, k->has_eviction_max_pod_grace_period ? k->eviction_max_pod_grace_period : -1);
		fnv_int(&h, k->has_image_gc_high_threshold_percent
			? k->image_gc_high_threshold_percent : -1);
		fnv_int(&h, k->has_image_gc_low_threshold_percent
			? k->image_gc_low_threshold_percent : -1);
		fnv_int(&h, k->has_cpu_cfs_quota ? k->cpu_cfs_quota : -1);
	}
	for (size_t i = 0; i < nc->n_block_device_mappings; i++) {
		const struct jn_block_device_mapping *b = &nc->block_device_mappings[i];
		fnv(&h, b->device_name);
		fnv_int(&h, b->root_volume);
		fnv_int(&h, b->has_ebs);
		fnv_int(&h, b->ebs.has_delete_on_termination ? b->ebs.delete_on_termination : -1);
		fnv_int(&h, b->ebs.has_encrypted ? b->ebs.encrypted : -1);
		fnv_int(&h, b->ebs.iops);
		fnv(&h, b->ebs.kms_key_id);
		fnv(&h, b->ebs.snapshot_id);
		fnv_int(&h, b->ebs.throughput);
		fnv_int(&h, b->ebs.volume_size);
		fnv(&h, b->ebs.volume_type);
	}
	fnv_int(&h, nc->instance_store_raid0);
	fnv_int(&h, nc->has_detailed_monitoring ? nc->detailed_monitoring : -1);
	fnv_int(&h, nc->has_associate_public_ip_address ? nc->associate_public_ip_address : -1);
	const struct jn_metadata_options *m = &nc->metadata_options;
	fnv_int(&h, m->http_endpoint_enabled);
	fnv_int(&h, m->http_protocol_ipv6_enabled);
	fnv_int(&h, m->http_put_response_hop_limit);
	fnv_int(&h, m->http_tokens_required);
	fnv(&h, nc->context);
	snprintf(out, 17, "%016" PRIx64, h);
}

/* The instance and the ids of its security groups (owned), from one DescribeInstances. */
static int describe(struct ec2_provider *p, const char *provider_id, struct jn_instance *out,
	struct jn_strmap *groups, struct jn_error *err)
{
	char id[64];
	struct jn_aws_query q;
	if (ec2_instance_query(provider_id, "DescribeInstances", &q, id, sizeof(id), err) < 0)
		return -1;
	struct jn_xml_node *root = NULL;
	int rc = jn_aws_client_call(p->client, &q, &root, NULL, 0, err);
	jn_aws_query_release(&q);
	if (rc < 0)
		return -1;
	const struct jn_xml_node *item = jn_xml_path(root, "reservationSet/item/instancesSet/item");
	if (!item) {
		jn_xml_free(root);
		return jn_error_set(err, JN_ERR_NOT_FOUND, "instance '%s' is terminated", id);
	}
	rc = ec2_decode_instance(item, out, err);
	const struct jn_xml_node *set = jn_xml_child(item, "groupSet");
	for (size_t i = 0; rc == 0 && set && i < set->n_children; i++) {
		const char *g = jn_xml_text(set->children[i], "groupId");
		if (g && *g)
			jn_strmap_set(groups, g, "");
	}
	jn_xml_free(root);
	return rc;
}

int ec2_is_drifted(struct jn_cloud_provider *cp, const struct jn_drift_query *q,
	enum jn_drift_reason *out, struct jn_error *err)
{
	*out = JN_DRIFT_NONE;
	if (!q->node_class)
		return 0;
	struct ec2_provider *p = ec2_from_provider(cp);
	struct jn_instance in = { 0 };
	struct jn_strmap groups;
	jn_strmap_init(&groups);
	struct ec2_resolved res = { 0 };
	int rc = -1;
	if (describe(p, q->provider_id, &in, &groups, err) < 0)
		goto done;
	char hash[17];
	ec2_nodeclass_hash(q->node_class, hash);
	const char *tagged = jn_strmap_get(&in.tags, EC2_TAG_NODECLASS_HASH);
	/* an instance from another hash version (or none) cannot be compared: not drifted */
	bool comparable = jn_str_eq(jn_strmap_get(&in.tags, EC2_TAG_NODECLASS_HASH_VERSION),
		EC2_NODECLASS_HASH_VERSION);
	if (comparable && tagged && strcmp(tagged, hash) != 0) {
		*out = JN_DRIFT_NODECLASS;
		rc = 0;
		goto done;
	}
	if (ec2_resolve(p, q->node_class, &res, err) < 0)
		goto done;
	if (*in.image_id && !jn_str_eq(in.image_id, res.image_id)
		&& !jn_str_eq(in.image_id, res.image_amd64) && !jn_str_eq(in.image_id, res.image_arm64))
		*out = JN_DRIFT_AMI;
	bool subnet_ok = !*in.subnet_id;
	for (size_t i = 0; !subnet_ok && i < res.n_subnets; i++)
		subnet_ok = strcmp(res.subnets[i].id, in.subnet_id) == 0;
	if (*out == JN_DRIFT_NONE && !subnet_ok)
		*out = JN_DRIFT_SUBNET;
	/* Karpenter: drifted when the instance's groups are not exactly the selected ones */
	bool groups_ok = groups.len == res.n_security_groups;
	for (size_t i = 0; groups_ok && i < res.n_security_groups; i++)
		groups_ok = jn_strmap_has(&groups, res.security_groups[i]);
	if (*out == JN_DRIFT_NONE && groups.len > 0 && !groups_ok)
		*out = JN_DRIFT_SECURITY_GROUP;
	rc = 0;
done:
	if (rc < 0)
		jn_error_prefix(err, "checking drift of '%s'", q->provider_id);
	else if (*out != JN_DRIFT_NONE && p->log)
		jn_log_info(p->log, "found instance drifted", JN_LOG_STR("provider_id", q->provider_id),
			JN_LOG_STR("reason", jn_drift_reason_name(*out)),
			JN_LOG_STR("nodeclass", q->node_class->name));
	ec2_resolved_release(&res);
	jn_instance_release(&in);
	jn_strmap_release(&groups);
	return rc;
}
