/*
 * Label rules. Names and values follow apimachinery's IsQualifiedName / IsValidLabelValue;
 * restricted domains follow the CEL rules of Karpenter's NodePool CRD (core plus the AWS
 * provider's karpenter.k8s.aws rule), in the order the CRD lists them so that the first
 * failing rule gives the same message the apiserver would print first.
 */
#include <stdio.h>
#include <string.h>

#include "jitnode/base.h"
#include "policy_internal.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over [s, s + n). */
static bool name_chars_ok(const char *s, size_t n)
{
	if (!n || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* A lowercase RFC 1123 subdomain: labels [a-z0-9]([-a-z0-9]*[a-z0-9])? joined by dots. */
static bool subdomain_ok(const char *s, size_t n)
{
	if (!n || n > 253)
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			char c = s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

const char *policy_qualified_name_problem(const char *key)
{
	const char *slash = strchr(key, '/');
	const char *name = key;
	if (slash) {
		if (strchr(slash + 1, '/'))
			return "a qualified name must be a name with an optional prefix and one '/'";
		if (slash == key)
			return "prefix part must be non-empty";
		if (!subdomain_ok(key, (size_t)(slash - key)))
			return "prefix part must be a lowercase RFC 1123 subdomain";
		name = slash + 1;
	}
	size_t n = strlen(name);
	if (!n)
		return "name part must be non-empty";
	if (n > 63)
		return "name part must be no more than 63 characters";
	if (!name_chars_ok(name, n))
		return "name part must consist of alphanumeric characters, '-', '_' or '.', "
			"and must start and end with an alphanumeric character";
	return NULL;
}

const char *policy_label_value_problem(const char *value)
{
	size_t n = strlen(value);
	if (n > 63)
		return "must be no more than 63 characters";
	if (n && !name_chars_ok(value, n))
		return "a label value must consist of alphanumeric characters, '-', '_' or '.', "
			"and must start and end with an alphanumeric character";
	return NULL;
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(key, *list) == 0)
			return true;
	return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Well-known kubernetes.io labels a NodePool may use (the CRD's list). */
static const char *const kubernetes_io_allowed[] = {
	"beta.kubernetes.io/instance-type", "failure-domain.beta.kubernetes.io/region",
	"beta.kubernetes.io/os", "beta.kubernetes.io/arch", "failure-domain.beta.kubernetes.io/zone",
	"topology.kubernetes.io/zone", "topology.kubernetes.io/region",
	"node.kubernetes.io/instance-type", "kubernetes.io/arch", "kubernetes.io/os",
	"node.kubernetes.io/windows-build", NULL,
};

static const char *const karpenter_sh_allowed[] = {
	"karpenter.sh/capacity-type", "karpenter.sh/nodepool", NULL,
};

/* The AWS provider's well-known labels (karpenter-provider-aws pkg/apis/v1/labels.go). */
static const char *const karpenter_k8s_aws_allowed[] = {
	"karpenter.k8s.aws/capacity-reservation-id", "karpenter.k8s.aws/capacity-reservation-type",
	"karpenter.k8s.aws/instance-hypervisor",
	"karpenter.k8s.aws/instance-encryption-in-transit-supported",
	"karpenter.k8s.aws/instance-category", "karpenter.k8s.aws/instance-family",
	"karpenter.k8s.aws/instance-generation", "karpenter.k8s.aws/instance-size",
	"karpenter.k8s.aws/instance-local-nvme", "karpenter.k8s.aws/instance-cpu",
	"karpenter.k8s.aws/instance-cpu-manufacturer",
	"karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz",
	"karpenter.k8s.aws/instance-memory", "karpenter.k8s.aws/instance-ebs-bandwidth",
	"karpenter.k8s.aws/instance-network-bandwidth", "karpenter.k8s.aws/instance-gpu-name",
	"karpenter.k8s.aws/instance-gpu-manufacturer", "karpenter.k8s.aws/instance-gpu-count",
	"karpenter.k8s.aws/instance-gpu-memory", "karpenter.k8s.aws/instance-accelerator-name",
	"karpenter.k8s.aws/instance-accelerator-manufacturer",
	"karpenter.k8s.aws/instance-accelerator-count", NULL,
};

bool policy_label_key_allowed(const char *key, char *out, size_t size)
{
	/* CEL's key.find("^([^/]+)"): everything before the first '/', or the whole key. */
	const char *slash = strchr(key, '/');
	size_t n = slash ? (size_t)(slash - key) : strlen(key);
	const char *why = NULL;
	/* Requirement keys and template labels share these rules: the CRD's two lists differ only
	 * by node.kubernetes.io/instance-type, which the node.kubernetes.io exception covers. */
	if (ends_with(key, n, "kubernetes.io") && !in_list(key, kubernetes_io_allowed) &&
	    !ends_with(key, n, "node.kubernetes.io") &&
	    !ends_with(key, n, "node-restriction.kubernetes.io"))
		why = "label domain \"kubernetes.io\" is restricted";
	else if (ends_with(key, n, "k8s.io") && !ends_with(key, n, "kops.k8s.io"))
		why = "label domain \"k8s.io\" is restricted";
	else if (ends_with(key, n, "karpenter.sh") && !in_list(key, karpenter_sh_allowed))
		why = "label domain \"karpenter.sh\" is restricted";
	else if (strcmp(key, "karpenter.sh/nodepool") == 0)
		why = "label \"karpenter.sh/nodepool\" is restricted";
	else if (strcmp(key, "kubernetes.io/hostname") == 0)
		why = "label \"kubernetes.io/hostname\" is restricted";
	else if (ends_with(key, n, "karpenter.k8s.aws") && !in_list(key, karpenter_k8s_aws_allowed))
		why = "label domain \"karpenter.k8s.aws\" is restricted";
	if (!why)
		return true;
	snprintf(out, size, "%s", why);
	return false;
}
