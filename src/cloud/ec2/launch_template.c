/*
 * Launch templates, one per distinct launch configuration, named by a hash of what they hold
 * ("jitnode/<cluster>/<16 hex>"), so that a template is created once and found again by name
 * after a restart, and a changed node class gets a new one (Karpenter's launchtemplate
 * provider names them the same way). Known names are cached in memory; a CreateFleet that
 * says the template is missing drops it from the cache (fleet.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ec2_internal.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"

/* FNV-1a 64: stable across builds and platforms, which is all a name needs. */
static void fnv(uint64_t *h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : "\x01"); *p; p++) {
		*h ^= *p;
		*h *= UINT64_C(0x100000001b3);
	}
	*h ^= 0xff;     /* field separator: ("ab","c") and ("a","bc") differ */
	*h *= UINT64_C(0x100000001b3);
}

static void fnv_int(uint64_t *h, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	fnv(h, buf);
}

static uint64_t config_hash(const struct jn_ec2nodeclass *nc, const struct ec2_resolved *res)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	fnv(&h, nc->name);
	fnv(&h, res->image_id);
	for (size_t i = 0; i < res->n_security_groups; i++)
		fnv(&h, res->security_groups[i]);
	fnv(&h, nc->user_data);
	fnv(&h, res->instance_profile);
	const struct jn_metadata_options *m = &nc->metadata_options;
	fnv_int(&h, m->http_endpoint_enabled);
	fnv_int(&h, m->http_protocol_ipv6_enabled);
	fnv_int(&h, m->http_put_response_hop_limit);
	fnv_int(&h, m->http_tokens_required);
	for (size_t i = 0; i < nc->n_block_device_mappings; i++) {
		const struct jn_block_device_mapping *b = &nc->block_device_mappings[i];
		fnv(&h, b->device_name);
		fnv_int(&h, b->ebs.volume_size);
		fnv(&h, b->ebs.volume_type);
		fnv_int(&h, b->ebs.iops);
		fnv_int(&h, b->ebs.throughput);
		fnv_int(&h, b->ebs.has_encrypted ? b->ebs.encrypted + 1 : 0);
		fnv_int(&h, b->ebs.has_delete_on_termination ? b->ebs.delete_on_termination + 1 : 0);
		fnv(&h, b->ebs.kms_key_id);
		fnv(&h, b->ebs.snapshot_id);
	}
	for (size_t i = 0; i < nc->tags.len; i++) {
		fnv(&h, nc->tags.items[i].key);
		fnv(&h, nc->tags.items[i].value);
	}
	return h;
}

static char *base64(const char *s)
{
	size_t n = strlen(s);
	char *out = jn_xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static void add_block_devices(struct jn_aws_query *q, const struct jn_ec2nodeclass *nc)
{
	char num[32];
	for (size_t i = 0; i < nc->n_block_device_mappings; i++) {
		const struct jn_block_device_mapping *b = &nc->block_device_mappings[i];
		const char *pre = "LaunchTemplateData.BlockDeviceMapping";
		char key[96];
		snprintf(key, sizeof(key), "%s.%zu.DeviceName", pre, i + 1);
		jn_aws_query_add(q, key, b->device_name);
		if (!b->has_ebs)
			continue;
		const struct jn_ebs *e = &b->ebs;
#define EBS_KEY(field) (snprintf(key, sizeof(key), "%s.%zu.Ebs." field, pre, i + 1), key)
		if (e->volume_size) {
			snprintf(num, sizeof(num), "%" PRId64, (e->volume_size + (INT64_C(1) << 30) - 1) >> 30);
			jn_aws_query_add(q, EBS_KEY("VolumeSize"), num);
		}
		jn_aws_query_add(q, EBS_KEY("VolumeType"), e->volume_type);
		if (e->iops) {
			snprintf(num, sizeof(num), "%" PRId64, e->iops);
			jn_aws_query_add(q, EBS_KEY("Iops"), num);
		}
		if (e->throughput) {
			snprintf(num, sizeof(num), "%" PRId64, e->throughput);
			jn_aws_query_add(q, EBS_KEY("Throughput"), num);
		}
		if (e->has_encrypted)
			jn_aws_query_add(q, EBS_KEY("Encrypted"), e->encrypted ? "true" : "false");
		if (e->has_delete_on_termination)
			jn_aws_query_add(q, EBS_KEY("DeleteOnTermination"),
				e->delete_on_termination ? "true" : "false");
		jn_aws_query_add(q, EBS_KEY("KmsKeyId"), e->kms_key_id);
		jn_aws_query_add(q, EBS_KEY("SnapshotId"), e->snapshot_id);
#undef EBS_KEY
	}
}

static int create_template(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	const struct ec2_resolved *res, const char *name, struct jn_error *err)
{
	struct jn_aws_query q;
	jn_aws_query_init(&q, "CreateLaunchTemplate", EC2_API_VERSION);
	jn_aws_query_add(&q, "LaunchTemplateName", name);
	jn_aws_query_add(&q, "LaunchTemplateData.ImageId", res->image_id);
	if (nc->user_data) {
		char *b64 = base64(nc->user_data);
		jn_aws_query_add(&q, "LaunchTemplateData.UserData", b64);
		free(b64);
	}
	for (size_t i = 0; i < res->n_security_groups; i++)
		jn_aws_query_addf(&q, res->security_groups[i], "LaunchTemplateData.SecurityGroupId.%zu",
			i + 1);
	jn_aws_query_add(&q, "LaunchTemplateData.IamInstanceProfile.Name", res->instance_profile);
	const struct jn_metadata_options *m = &nc->metadata_options;
	jn_aws_query_add(&q, "LaunchTemplateData.MetadataOptions.HttpEndpoint",
		m->http_endpoint_enabled ? "enabled" : "disabled");
	jn_aws_query_add(&q, "LaunchTemplateData.MetadataOptions.HttpProtocolIpv6",
		m->http_protocol_ipv6_enabled ? "enabled" : "disabled");
	jn_aws_query_add(&q, "LaunchTemplateData.MetadataOptions.HttpTokens",
		m->http_tokens_required ? "required" : "optional");
	if (m->http_put_response_hop_limit > 0) {
		char hop[24];
		snprintf(hop, sizeof(hop), "%" PRId64, m->http_put_response_hop_limit);
		jn_aws_query_add(&q, "LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit", hop);
	}
	add_block_devices(&q, nc);
	jn_aws_query_add(&q, "TagSpecification.1.ResourceType", "launch-template");
	jn_aws_query_add(&q, "TagSpecification.1.Tag.1.Key", p->cluster_tag);
	jn_aws_query_add(&q, "TagSpecification.1.Tag.1.Value", "owned");
	jn_aws_query_add(&q, "TagSpecification.1.Tag.2.Key", JN_TAG_NODECLASS);
	jn_aws_query_add(&q, "TagSpecification.1.Tag.2.Value", nc->name);
	struct jn_xml_node *root = NULL;
	int rc = jn_aws_client_call(p->client, &q, &root, NULL, 0, err);
	jn_aws_query_release(&q);
	jn_xml_free(root);
	if (rc < 0 && err && err->kind == JN_ERR_CONFLICT)
		return 0;   /* another replica or an earlier run created it: same name, same content */
	if (rc == 0 && p->log)
		jn_log_info(p->log, "created launch template", JN_LOG_STR("name", name),
			JN_LOG_STR("nodeclass", nc->name), JN_LOG_STR("ami", res->image_id));
	return rc;
}

int ec2_ensure_launch_template(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	const struct ec2_resolved *res, char **name, struct jn_error *err)
{
	*name = jn_xasprintf("jitnode/%s/%016" PRIx64, p->cluster, config_hash(nc, res));
	pthread_mutex_lock(&p->lock);
	bool known = jn_strmap_has(&p->templates, *name);
	pthread_mutex_unlock(&p->lock);
	if (known)
		return 0;
	struct jn_aws_query q;
	jn_aws_query_init(&q, "DescribeLaunchTemplates", EC2_API_VERSION);
	jn_aws_query_add(&q, "LaunchTemplateName.1", *name);
	struct jn_xml_node *root = NULL;
	struct jn_error local;
	int rc = jn_aws_client_call(p->client, &q, &root, NULL, 0, &local);
	jn_aws_query_release(&q);
	bool exists = rc == 0 && jn_xml_path(root, "launchTemplates/item") != NULL;
	jn_xml_free(root);
	if (rc < 0 && local.kind != JN_ERR_NOT_FOUND) {
		if (err)
			*err = local;
		goto fail;
	}
	if (!exists && create_template(p, nc, res, *name, err) < 0)
		goto fail;
	pthread_mutex_lock(&p->lock);
	jn_strmap_set(&p->templates, *name, "");
	pthread_mutex_unlock(&p->lock);
	return 0;
fail:
	jn_error_prefix(err, "ensuring launch template '%s'", *name);
	free(*name);
	*name = NULL;
	return -1;
}
