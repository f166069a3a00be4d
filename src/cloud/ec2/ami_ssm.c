/*
 * AMIs named through SSM: aliases ("al2023@latest") and ssmParameter selector terms, read with
 * SSM GetParameter (AWS JSON 1.1). The public parameter paths are Karpenter's
 * (pkg/providers/amifamily al2023.go and bottlerocket.go), re-derived:
 *
 *   al2023@latest      /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/standard/
 *                      recommended/image_id
 *   al2023@<version>   /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/standard/
 *                      amazon-eks-node-al2023-<arch>-standard-<k8s>-<version>/image_id
 *   bottlerocket@latest  /aws/service/bottlerocket/aws-k8s-<k8s>/<arch>/latest/image_id
 *   bottlerocket@<v>     the same with <v> in place of latest, its leading 'v's trimmed
 *                        (GitHub tags carry a 'v', SSM paths do not)
 *
 * <arch> is x86_64 and arm64, each looked up; a type gets the image of its architecture. Only
 * the "standard" variant is resolved: the GPU (nvidia) and Neuron variants are not, so GPU types
 * launched through an alias boot the standard image (no drivers). Other families (al2, windows,
 * ubuntu) are refused with a typed error rather than guessed.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec2_internal.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"

int ec2_alias_ssm_path(const char *alias, const char *k8s_version, const char *arch, char **out,
	struct jn_error *err)
{
	*out = NULL;
	const char *at = strchr(alias, '@');
	if (!at || at == alias || !at[1])
		return jn_error_set(err, JN_ERR_INVALID, "ami alias '%s' is not 'family@version'",
			alias);
	if (!k8s_version || !*k8s_version)
		return jn_error_set(err, JN_ERR_NODECLASS_NOT_READY,
			"ami alias '%s' needs the cluster's kubernetes version, which is not set", alias);
	size_t flen = (size_t)(at - alias);
	const char *version = at + 1;
	bool latest = strcmp(version, "latest") == 0;
	if (flen == 6 && strncmp(alias, "al2023", 6) == 0) {
		*out = latest ? jn_xasprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/"
				"standard/recommended/image_id", k8s_version, arch)
			: jn_xasprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/standard/"
				"amazon-eks-node-al2023-%s-standard-%s-%s/image_id", k8s_version, arch, arch,
				k8s_version, version);
		return 0;
	}
	if (flen == 12 && strncmp(alias, "bottlerocket", 12) == 0) {
		while (*version == 'v')
			version++;
		if (!*version)
			return jn_error_set(err, JN_ERR_INVALID, "ami alias '%s' has no version", alias);
		*out = jn_xasprintf("/aws/service/bottlerocket/aws-k8s-%s/%s/%s/image_id", k8s_version,
			arch, version);
		return 0;
	}
	return jn_error_set(err, JN_ERR_NODECLASS_NOT_READY,
		"ami alias '%s': family '%.*s' is not supported (al2023, bottlerocket)", alias,
		(int)flen, alias);
}

int ec2_ssm_get(struct ec2_provider *p, const char *name, char **value, struct jn_error *err)
{
	*value = NULL;
	if (!p->ssm)
		return jn_error_set(err, JN_ERR_NODECLASS_NOT_READY,
			"reading ssm parameter '%s': no ssm client is configured", name);
	json_t *req = json_pack("{s:s}", "Name", name);
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	json_t *out = NULL;
	int rc = jn_aws_client_call_json(p->ssm, "AmazonSSM.GetParameter", body, &out, NULL, 0, err);
	free(body);
	if (rc < 0)
		return jn_error_prefix(err, "reading ssm parameter '%s'", name);
	const char *v = json_string_value(json_object_get(json_object_get(out, "Parameter"),
		"Value"));
	if (v && *v)
		*value = jn_xstrdup(v);
	json_decref(out);
	if (!*value)
		return jn_error_set(err, JN_ERR_INVALID, "reading ssm parameter '%s': the answer has no "
			"Parameter.Value", name);
	return 0;
}

int ec2_resolve_alias(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	const char *alias, struct ec2_resolved *out, struct jn_error *err)
{
	static const char *const archs[] = { "x86_64", "arm64" };
	char *ids[2] = { NULL, NULL };
	struct jn_error first = { 0 };
	for (size_t i = 0; i < 2; i++) {
		char *path = NULL;
		struct jn_error e;
		if (ec2_alias_ssm_path(alias, p->k8s_version, archs[i], &path, &e) < 0) {
			free(ids[0]);
			if (err)
				*err = e;
			return jn_error_prefix(err, "nodeclass '%s'", nc->name);
		}
		/* Karpenter goes on when one architecture has no parameter; so do we. */
		if (ec2_ssm_get(p, path, &ids[i], &e) < 0 && first.kind == JN_ERR_NONE)
			first = e;
		free(path);
	}
	if (!ids[0] && !ids[1]) {
		/* no parameter at all: the alias names nothing this region and version serve */
		if (first.kind == JN_ERR_NOT_FOUND)
			first.kind = JN_ERR_NODECLASS_NOT_READY;
		if (err)
			*err = first;
		return jn_error_prefix(err, "nodeclass '%s': resolving ami alias '%s'", nc->name,
			alias);
	}
	free(out->image_id);
	free(out->image_amd64);
	free(out->image_arm64);
	out->image_amd64 = ids[0];
	out->image_arm64 = ids[1];
	out->image_id = jn_xstrdup(ids[0] ? ids[0] : ids[1]);
	if (p->log)
		jn_log_info(p->log, "resolved ami alias", JN_LOG_STR("nodeclass", nc->name),
			JN_LOG_STR("alias", alias), JN_LOG_STR("amd64", ids[0] ? ids[0] : ""),
			JN_LOG_STR("arm64", ids[1] ? ids[1] : ""));
	return 0;
}

const char *ec2_image_for(struct ec2_provider *p, const struct ec2_resolved *res,
	const char *instance_type)
{
	if (!res->image_amd64 && !res->image_arm64)
		return res->image_id;
	const struct jn_instance_type *it = jn_catalog_find(p->builtin, instance_type);
	const char *arch = it ? it->arch : NULL;
	if (!arch) {
		/* a type only a refresh knows: its snapshot says */
		pthread_mutex_lock(&p->lock);
		struct jn_catalog *cat = p->discovered ? jn_catalog_ref(p->discovered) : NULL;
		pthread_mutex_unlock(&p->lock);
		it = cat ? jn_catalog_find(cat, instance_type) : NULL;
		arch = it && strcmp(it->arch, "arm64") == 0 ? "arm64" : it ? "amd64" : NULL;
		jn_catalog_unref(cat);
	}
	if (!arch)
		return res->image_id;
	return strcmp(arch, "arm64") == 0 ? res->image_arm64 : res->image_amd64;
}
