/*
 * Reading and terminating instances: DescribeInstances by id or by tags (paginated: real EC2
 * may return empty pages that still carry a nextToken, so only a missing token ends the loop),
 * and TerminateInstances. "Live" means not shutting-down and not terminated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec2_internal.h"
#include "jitnode/error.h"
#include "jitnode/log.h"

#define MAX_PAGES 1000

static bool live(const struct jn_instance *in)
{
	return in->state != JN_INSTANCE_TERMINATED && in->state != JN_INSTANCE_SHUTTING_DOWN;
}

int ec2_describe_instances(struct ec2_provider *p, struct jn_aws_query *q,
	struct jn_instance_list *out, bool paged, struct jn_error *err)
{
	char *token = NULL;
	char size[16];
	snprintf(size, sizeof(size), "%d", p->describe_page_size);
	for (int page = 0; page < MAX_PAGES; page++) {
		struct jn_aws_query pq;
		jn_aws_query_init(&pq, "DescribeInstances", EC2_API_VERSION);
		for (size_t i = 2; i < q->len; i++)
			jn_aws_query_add(&pq, q->items[i].key, q->items[i].value);
		if (paged)
			jn_aws_query_add(&pq, "MaxResults", size);
		jn_aws_query_add(&pq, "NextToken", token);
		free(token);
		token = NULL;
		struct jn_xml_node *root = NULL;
		int rc = jn_aws_client_call(p->client, &pq, &root, NULL, 0, err);
		jn_aws_query_release(&pq);
		if (rc < 0)
			return -1;
		struct jn_instance_list all = { 0 };
		rc = ec2_decode_instances(root, &all, &token, err);
		jn_xml_free(root);
		for (size_t i = 0; i < all.len; i++) {
			if (rc == 0 && live(&all.items[i]))
				*JN_PUSH(out->items, out->len, out->cap) = all.items[i];
			else
				jn_instance_release(&all.items[i]);
		}
		free(all.items);
		if (rc < 0) {
			free(token);
			return -1;
		}
		if (!token)
			return 0;
	}
	free(token);
	return jn_error_set(err, JN_ERR_TOO_LARGE, "describing instances: more than %d pages",
		MAX_PAGES);
}

static void add_live_states(struct jn_aws_query *q, int n)
{
	static const char *const states[] = { "pending", "running", "stopping", "stopped" };
	jn_aws_query_addf(q, "instance-state-name", "Filter.%d.Name", n);
	for (size_t i = 0; i < JN_ARRAY_LEN(states); i++)
		jn_aws_query_addf(q, states[i], "Filter.%d.Value.%zu", n, i + 1);
}

int ec2_find_claim(struct ec2_provider *p, const char *claim, struct jn_instance *out,
	struct jn_error *err)
{
	struct jn_aws_query q;
	jn_aws_query_init(&q, "DescribeInstances", EC2_API_VERSION);
	struct jn_strmap tags;
	jn_strmap_init(&tags);
	jn_strmap_set(&tags, JN_TAG_NODECLAIM, claim);
	jn_strmap_set(&tags, p->cluster_tag, "owned");
	int n = ec2_add_tag_filters(&q, 1, &tags);
	jn_strmap_release(&tags);
	add_live_states(&q, n);
	struct jn_instance_list found = { 0 };
	int rc = ec2_describe_instances(p, &q, &found, false, err);
	jn_aws_query_release(&q);
	if (rc < 0) {
		jn_error_prefix(err, "looking up instance of nodeclaim '%s'", claim);
		return -1;
	}
	if (found.len > 0) {
		*out = found.items[0];
		memset(&found.items[0], 0, sizeof(found.items[0]));
		if (found.len > 1 && p->log)
			jn_log_warn(p->log, "several instances carry one nodeclaim tag",
				JN_LOG_STR("nodeclaim", claim), JN_LOG_INT("count", found.len));
	}
	rc = found.len > 0;
	jn_instance_list_release(&found);
	return rc;
}

int ec2_instance_query(const char *provider_id, const char *action, struct jn_aws_query *q,
	char *id, size_t id_size, struct jn_error *err)
{
	char zone[64];
	if (jn_provider_id_parse(provider_id, zone, sizeof(zone), id, id_size, err) < 0)
		return -1;
	jn_aws_query_init(q, action, EC2_API_VERSION);
	jn_aws_query_add(q, "InstanceId.1", id);
	return 0;
}

static int describe_one(struct ec2_provider *p, const char *provider_id, struct jn_instance *out,
	struct jn_error *err)
{
	char id[64];
	struct jn_aws_query q;
	if (ec2_instance_query(provider_id, "DescribeInstances", &q, id, sizeof(id), err) < 0)
		return -1;
	struct jn_instance_list found = { 0 };
	int rc = ec2_describe_instances(p, &q, &found, false, err);
	jn_aws_query_release(&q);
	if (rc == 0 && found.len == 0)
		rc = jn_error_set(err, JN_ERR_NOT_FOUND, "instance '%s' is terminated", id);
	if (rc == 0) {
		*out = found.items[0];
		memset(&found.items[0], 0, sizeof(found.items[0]));
	}
	jn_instance_list_release(&found);
	return rc;
}

int ec2_get(struct jn_cloud_provider *cp, const char *provider_id, struct jn_instance *out,
	struct jn_error *err)
{
	struct ec2_provider *p = ec2_from_provider(cp);
	if (describe_one(p, provider_id, out, err) < 0)
		return jn_error_prefix(err, "getting instance '%s'", provider_id);
	return 0;
}

int ec2_delete(struct jn_cloud_provider *cp, const char *provider_id, struct jn_error *err)
{
	struct ec2_provider *p = ec2_from_provider(cp);
	char id[64];
	struct jn_aws_query q;
	if (ec2_instance_query(provider_id, "TerminateInstances", &q, id, sizeof(id), err) < 0)
		return -1;
	struct jn_xml_node *root = NULL;
	int rc = jn_aws_client_call(p->client, &q, &root, NULL, 0, err);
	jn_aws_query_release(&q);
	if (rc == 0) {
		/* TerminateInstances is idempotent: a second call reports previousState terminated. */
		const char *prev = jn_xml_text(root, "instancesSet/item/previousState/name");
		const char *cur = jn_xml_text(root, "instancesSet/item/currentState/name");
		if ((prev && strcmp(prev, "terminated") == 0) || (cur && strcmp(cur, "terminated") == 0))
			rc = jn_error_set(err, JN_ERR_NOT_FOUND, "instance '%s' is terminated", id);
		else if (p->log)
			jn_log_info(p->log, "terminating instance", JN_LOG_STR("id", id),
				JN_LOG_STR("state", cur ? cur : ""));
	}
	jn_xml_free(root);
	if (rc < 0)
		jn_error_prefix(err, "deleting instance '%s'", provider_id);
	return rc;
}

int ec2_list(struct jn_cloud_provider *cp, struct jn_instance_list *out, struct jn_error *err)
{
	struct ec2_provider *p = ec2_from_provider(cp);
	struct jn_aws_query q;
	jn_aws_query_init(&q, "DescribeInstances", EC2_API_VERSION);
	struct jn_strmap tags;
	jn_strmap_init(&tags);
	jn_strmap_set(&tags, p->cluster_tag, "owned");
	jn_strmap_set(&tags, JN_TAG_NODEPOOL, "*");
	int n = ec2_add_tag_filters(&q, 1, &tags);
	jn_strmap_release(&tags);
	add_live_states(&q, n);
	int rc = ec2_describe_instances(p, &q, out, true, err);
	jn_aws_query_release(&q);
	if (rc < 0)
		jn_error_prefix(err, "listing instances of cluster '%s'", p->cluster);
	return rc;
}
