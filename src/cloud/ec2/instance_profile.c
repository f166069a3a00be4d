/*
 * A node class's role made into an instance profile (Karpenter's instanceprofile provider,
 * re-derived): EC2 launches with a profile, never with a role. The profile's name is a pure
 * function of cluster, region and node class, so a restart finds the profile it made instead
 * of making another; GetInstanceProfile tells whether it exists and which role it holds
 * (a profile holds at most one). IAM is a Query service with ".member.N" lists.
 *
 * Once a (profile, role) pair is in place it is remembered, so a launch costs no IAM call;
 * the resolution cache (60 s) around this bounds how stale that memory can be observed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "ec2_internal.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"

char *ec2_instance_profile_name(const char *cluster, const char *region, const char *nodeclass)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *s = jn_xasprintf("%s/%s", region, nodeclass);
	SHA256((const unsigned char *)s, strlen(s), md);
	free(s);
	return jn_xasprintf("%s_%02x%02x%02x%02x%02x%02x%02x%02x", cluster, md[0], md[1], md[2],
		md[3], md[4], md[5], md[6], md[7]);
}

static int iam_call(struct ec2_provider *p, struct jn_aws_query *q, struct jn_xml_node **root,
	struct jn_error *err)
{
	int rc = jn_aws_client_call(p->iam, q, root, NULL, 0, err);
	jn_aws_query_release(q);
	return rc;
}

/* The role the profile holds now: 1 with *role (owned, may be NULL: none), 0 not found. */
static int get_profile(struct ec2_provider *p, const char *name, char **role,
	struct jn_error *err)
{
	*role = NULL;
	struct jn_aws_query q;
	jn_aws_query_init(&q, "GetInstanceProfile", IAM_API_VERSION);
	jn_aws_query_add(&q, "InstanceProfileName", name);
	struct jn_xml_node *root = NULL;
	struct jn_error e;
	if (iam_call(p, &q, &root, &e) < 0) {
		if (e.kind == JN_ERR_NOT_FOUND)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	*role = jn_xml_strdup(root, "GetInstanceProfileResult/InstanceProfile/Roles/member/RoleName");
	jn_xml_free(root);
	return 1;
}

static int create_profile(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	const char *name, struct jn_error *err)
{
	struct jn_aws_query q;
	jn_aws_query_init(&q, "CreateInstanceProfile", IAM_API_VERSION);
	jn_aws_query_add(&q, "InstanceProfileName", name);
	char *path = jn_xasprintf("/karpenter/%s/%s/%s/", p->region, p->cluster, nc->name);
	jn_aws_query_add(&q, "Path", path);
	free(path);
	const char *tags[][2] = {
		{ p->cluster_tag, "owned" },
		{ JN_TAG_NODECLASS, nc->name },
		{ "topology.kubernetes.io/region", p->region },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(tags); i++) {
		jn_aws_query_addf(&q, tags[i][0], "Tags.member.%zu.Key", i + 1);
		jn_aws_query_addf(&q, tags[i][1], "Tags.member.%zu.Value", i + 1);
	}
	struct jn_xml_node *root = NULL;
	struct jn_error e;
	int rc = iam_call(p, &q, &root, &e);
	jn_xml_free(root);
	/* made by a concurrent launch or an earlier life of ours: as good as made now */
	if (rc < 0 && e.kind != JN_ERR_CONFLICT) {
		if (err)
			*err = e;
		return -1;
	}
	return 0;
}

static int role_call(struct ec2_provider *p, const char *action, const char *profile,
	const char *role, struct jn_error *err)
{
	struct jn_aws_query q;
	jn_aws_query_init(&q, action, IAM_API_VERSION);
	jn_aws_query_add(&q, "InstanceProfileName", profile);
	jn_aws_query_add(&q, "RoleName", role);
	struct jn_xml_node *root = NULL;
	int rc = iam_call(p, &q, &root, err);
	jn_xml_free(root);
	return rc;
}

int ec2_ensure_instance_profile(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	char **name, struct jn_error *err)
{
	*name = NULL;
	if (nc->instance_profile) {
		*name = jn_xstrdup(nc->instance_profile);
		return 0;
	}
	if (!nc->role)
		return 0;
	/* AddRoleToInstanceProfile takes a bare name: "path/to/role" -> "role" */
	const char *slash = strrchr(nc->role, '/');
	const char *role = slash ? slash + 1 : nc->role;
	if (!p->iam)
		return jn_error_set(err, JN_ERR_NODECLASS_NOT_READY, "nodeclass '%s': role '%s' needs "
			"an instance profile, and no iam client is configured", nc->name, nc->role);
	char *profile = ec2_instance_profile_name(p->cluster, p->region, nc->name);
	pthread_mutex_lock(&p->lock);
	bool known = jn_str_eq(jn_strmap_get(&p->profiles, profile), role);
	pthread_mutex_unlock(&p->lock);
	if (known) {
		*name = profile;
		return 0;
	}
	char *held = NULL;
	bool created = false;
	int found = get_profile(p, profile, &held, err);
	if (found < 0)
		goto fail;
	if (found == 0) {
		if (create_profile(p, nc, profile, err) < 0)
			goto fail;
		created = true;
	}
	bool replace = held && strcmp(held, role) != 0;
	if (replace && role_call(p, "RemoveRoleFromInstanceProfile", profile, held, err) < 0)
		goto fail;
	if ((!held || replace)
		&& role_call(p, "AddRoleToInstanceProfile", profile, role, err) < 0) {
		/* IAM says NoSuchEntity for a missing role: the class is wrong, not the cloud */
		if (err && err->kind == JN_ERR_NOT_FOUND)
			err->kind = JN_ERR_NODECLASS_NOT_READY;
		goto fail;
	}
	if (p->log)
		jn_log_info(p->log, created ? "created instance profile" : !held || replace
			? "attached role to instance profile" : "found instance profile",
			JN_LOG_STR("nodeclass", nc->name), JN_LOG_STR("instance_profile", profile),
			JN_LOG_STR("role", role), JN_LOG_STR("replaced_role", replace ? held : ""));
	pthread_mutex_lock(&p->lock);
	jn_strmap_set(&p->profiles, profile, role);
	pthread_mutex_unlock(&p->lock);
	free(held);
	*name = profile;
	return 0;
fail:
	free(held);
	jn_error_prefix(err, "nodeclass '%s': instance profile '%s' for role '%s'", nc->name,
		profile, nc->role);
	free(profile);
	return -1;
}
