/*
 * EC2NodeClass (karpenter.k8s.aws/v1) decoding and validation: the CRD's schema and CEL rules
 * for selector terms, AMI family / alias agreement, role vs instanceProfile and tags. The
 * kubelet block and block devices are in kubelet.c.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/error.h"
#include "jitnode/json.h"
#include "policy_internal.h"

#define MAX_TERMS 30
#define MAX_TERM_TAGS 20

enum term_kind { TERM_SUBNET, TERM_SECURITY_GROUP, TERM_AMI, TERM_CAPACITY_RESERVATION };

struct term_rules {
	const char *const *keys;
	const char *id_prefix;      /* ids are "<prefix>[0-9a-z]+" */
	const char *need;           /* for "expected at least one of ..." */
};

static const char *const subnet_keys[] = { "tags", "id", NULL };
static const char *const sg_keys[] = { "tags", "id", "name", NULL };
static const char *const ami_keys[] = { "alias", "tags", "id", "name", "owner", "ssmParameter",
	NULL };
static const char *const cr_keys[] = { "tags", "id", "ownerID", "instanceMatchCriteria", NULL };

static const struct term_rules term_rules[] = {
	[TERM_SUBNET] = { subnet_keys, "subnet-", "tags or id" },
	[TERM_SECURITY_GROUP] = { sg_keys, "sg-", "tags, id or name" },
	[TERM_AMI] = { ami_keys, "ami-", "tags, id, name, alias or ssmParameter" },
	[TERM_CAPACITY_RESERVATION] = { cr_keys, "cr-", "tags, id or instanceMatchCriteria" },
};

static const char *const families[] = {
	[JN_AMI_FAMILY_AL2] = "AL2", [JN_AMI_FAMILY_AL2023] = "AL2023",
	[JN_AMI_FAMILY_BOTTLEROCKET] = "Bottlerocket", [JN_AMI_FAMILY_CUSTOM] = "Custom",
	[JN_AMI_FAMILY_WINDOWS2019] = "Windows2019", [JN_AMI_FAMILY_WINDOWS2022] = "Windows2022",
};

const char *jn_ami_family_name(enum jn_ami_family family)
{
	return (size_t)family < JN_ARRAY_LEN(families) ? families[family] : "unknown";
}

static bool id_ok(const char *id, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(id, prefix, n) != 0 || !id[n])
		return false;
	return strspn(id + n, "0123456789abcdefghijklmnopqrstuvwxyz") == strlen(id + n);
}

/* Maps an alias family ("al2023") to its AMI family; -1 when unsupported. */
static int alias_family(const char *alias, size_t n)
{
	static const char *const names[] = { "al2", "al2023", "bottlerocket", "windows2019",
		"windows2022" };
	static const enum jn_ami_family map[] = { JN_AMI_FAMILY_AL2, JN_AMI_FAMILY_AL2023,
		JN_AMI_FAMILY_BOTTLEROCKET, JN_AMI_FAMILY_WINDOWS2019, JN_AMI_FAMILY_WINDOWS2022 };
	for (size_t i = 0; i < JN_ARRAY_LEN(names); i++)
		if (strlen(names[i]) == n && strncmp(alias, names[i], n) == 0)
			return (int)map[i];
	return -1;
}

static int check_alias(const char *alias, const struct jn_json_path *at, struct jn_error *err)
{
	const char *sep = strchr(alias, '@');
	size_t n = sep ? (size_t)(sep - alias) : 0;
	bool alnum = n && strspn(alias, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789") == n;
	if (strlen(alias) > 30)
		return jn_json_error(err, at, "invalid alias \"%s\": must be at most 30 characters",
			alias);
	if (!alnum || !sep[1])
		return jn_json_error(err, at, "invalid alias \"%s\": must match the format "
			"'family@version'", alias);
	int family = alias_family(alias, n);
	if (family < 0)
		return jn_json_error(err, at, "invalid alias \"%s\": family is not supported, must be "
			"one of 'al2', 'al2023', 'bottlerocket', 'windows2019', 'windows2022'", alias);
	if ((family == JN_AMI_FAMILY_WINDOWS2019 || family == JN_AMI_FAMILY_WINDOWS2022) &&
	    strcmp(sep + 1, "latest") != 0)
		return jn_json_error(err, at, "invalid alias \"%s\": windows families may only "
			"specify version 'latest'", alias);
	return 0;
}

static int term_tags(const json_t *obj, const struct jn_json_path *path, struct jn_strmap *tags,
	struct jn_error *err)
{
	if (jn_json_get_strmap(obj, "tags", path, tags, err) < 0)
		return -1;
	struct jn_json_path tp = JN_JSON_KEY(path, "tags");
	if (tags->len > MAX_TERM_TAGS)
		return jn_json_error(err, &tp, "must have at most %d tags, got %zu", MAX_TERM_TAGS,
			tags->len);
	for (size_t i = 0; i < tags->len; i++) {
		struct jn_json_path at = JN_JSON_KEY(&tp, tags->items[i].key);
		if (!tags->items[i].key[0] || !tags->items[i].value[0])
			return jn_json_error(err, &at, "empty tag keys or values aren't supported");
	}
	return 0;
}

static int term(const json_t *obj, const struct jn_json_path *path, enum term_kind kind,
	struct jn_selector_term *t, struct jn_error *err)
{
	const struct term_rules *r = &term_rules[kind];
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    jn_json_check_keys(obj, r->keys, path, err) < 0 ||
	    term_tags(obj, path, &t->tags, err) < 0 ||
	    policy_get_strdup(obj, "id", path, false, &t->id, err) < 0 ||
	    policy_get_strdup(obj, "name", path, false, &t->name, err) < 0 ||
	    policy_get_strdup(obj, "owner", path, false, &t->owner, err) < 0 ||
	    policy_get_strdup(obj, "alias", path, false, &t->alias, err) < 0 ||
	    policy_get_strdup(obj, "ssmParameter", path, false, &t->ssm_parameter, err) < 0 ||
	    policy_get_strdup(obj, "ownerID", path, false, &t->owner_id, err) < 0 ||
	    policy_get_strdup(obj, "instanceMatchCriteria", path, false,
		&t->instance_match_criteria, err) < 0)
		return -1;
	bool tags = json_object_get(obj, "tags") != NULL;
	if (!tags && !t->id && !t->name && !t->alias && !t->ssm_parameter &&
	    !t->instance_match_criteria)
		return jn_json_error(err, path, "expected at least one of %s", r->need);
	bool others = tags || t->name || t->owner || t->alias || t->owner_id ||
		t->instance_match_criteria || t->ssm_parameter;
	if (t->id && others)
		return jn_json_error(err, path, "'id' is mutually exclusive, cannot be set with a "
			"combination of other fields");
	if (kind == TERM_SECURITY_GROUP && t->name && tags)
		return jn_json_error(err, path, "'name' is mutually exclusive, cannot be set with a "
			"combination of other fields");
	if (t->alias && (tags || t->name || t->owner || t->ssm_parameter))
		return jn_json_error(err, path, "'alias' is mutually exclusive, cannot be set with a "
			"combination of other fields");
	struct jn_json_path at = JN_JSON_KEY(path, "id");
	/* The CRD's id patterns are unanchored except cr-; all are checked whole here, as real
	 * ids never carry anything around them. */
	if (t->id && !id_ok(t->id, r->id_prefix))
		return jn_json_error(err, &at, "invalid id \"%s\": expected %s[0-9a-z]+", t->id,
			r->id_prefix);
	at = JN_JSON_KEY(path, "alias");
	if (t->alias && check_alias(t->alias, &at, err) < 0)
		return -1;
	at = JN_JSON_KEY(path, "ownerID");
	if (t->owner_id && (strlen(t->owner_id) != 12 || strspn(t->owner_id, "0123456789") != 12))
		return jn_json_error(err, &at, "invalid owner id \"%s\": expected 12 digits",
			t->owner_id);
	at = JN_JSON_KEY(path, "instanceMatchCriteria");
	if (t->instance_match_criteria && strcmp(t->instance_match_criteria, "open") != 0 &&
	    strcmp(t->instance_match_criteria, "targeted") != 0)
		return jn_json_error(err, &at, "unknown instance match criteria \"%s\": expected "
			"open or targeted", t->instance_match_criteria);
	return 0;
}

static void term_release(struct jn_selector_term *t)
{
	jn_strmap_release(&t->tags);
	free(t->id);
	free(t->name);
	free(t->owner);
	free(t->alias);
	free(t->ssm_parameter);
	free(t->owner_id);
	free(t->instance_match_criteria);
}

static int terms(const json_t *spec, const char *field, const struct jn_json_path *path,
	enum term_kind kind, bool required, struct jn_selector_term **out, size_t *count,
	struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(spec, field, path, required, &arr, err) < 0)
		return -1;
	struct jn_json_path fp = JN_JSON_KEY(path, field);
	size_t n = arr ? json_array_size(arr) : 0;
	if (required && !n)
		return jn_json_error(err, &fp, "must have at least one term");
	if (n > MAX_TERMS)
		return jn_json_error(err, &fp, "must have at most %d terms, got %zu", MAX_TERMS, n);
	*out = n ? jn_xcalloc(n, sizeof(**out)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&fp, i);
		jn_strmap_init(&(*out)[i].tags);
		*count = i + 1;
		if (term(json_array_get(arr, i), &at, kind, &(*out)[i], err) < 0)
			return -1;
	}
	if (kind == TERM_AMI && n > 1) {
		for (size_t i = 0; i < n; i++) {
			struct jn_json_path at = JN_JSON_IDX(&fp, i);
			if ((*out)[i].alias)
				return jn_json_error(err, &at, "'alias' is mutually exclusive, cannot be set "
					"with a combination of other amiSelectorTerms");
		}
	}
	return 0;
}

static int ami_family(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err)
{
	const char *given = NULL;
	if (jn_json_get_string(spec, "amiFamily", path, false, &given, err) < 0)
		return -1;
	struct jn_json_path at = JN_JSON_KEY(path, "amiFamily");
	int family = -1;
	for (size_t i = 0; given && i < JN_ARRAY_LEN(families); i++)
		if (strcmp(given, families[i]) == 0)
			family = (int)i;
	if (given && family < 0)
		return jn_json_error(err, &at, "unknown ami family \"%s\": expected AL2, AL2023, "
			"Bottlerocket, Custom, Windows2019 or Windows2022", given);
	const char *alias = nc->n_ami_terms ? nc->ami_terms[0].alias : NULL;
	if (!alias) {
		if (!given)
			return jn_json_error(err, path, "must specify amiFamily if amiSelectorTerms does "
				"not contain an alias");
		nc->ami_family = (enum jn_ami_family)family;
		return 0;
	}
	int from_alias = alias_family(alias, (size_t)(strchr(alias, '@') - alias));
	if (!given) {
		nc->ami_family = (enum jn_ami_family)from_alias;
		nc->defaults |= JN_EC2NODECLASS_DEFAULT_AMI_FAMILY;
		return 0;
	}
	if (family != from_alias && family != JN_AMI_FAMILY_CUSTOM)
		return jn_json_error(err, &at, "amiFamily \"%s\" does not match alias \"%s\": must be "
			"'%s' or 'Custom'", given, alias, families[from_alias]);
	nc->ami_family = (enum jn_ami_family)family;
	return 0;
}

static int identity(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err)
{
	if (policy_get_strdup(spec, "role", path, false, &nc->role, err) < 0 ||
	    policy_get_strdup(spec, "instanceProfile", path, false, &nc->instance_profile, err) < 0)
		return -1;
	struct jn_json_path at = JN_JSON_KEY(path, "role");
	if (nc->role && !nc->role[0])
		return jn_json_error(err, &at, "role cannot be empty");
	at = JN_JSON_KEY(path, "instanceProfile");
	if (nc->instance_profile && !nc->instance_profile[0])
		return jn_json_error(err, &at, "instanceProfile cannot be empty");
	if (!nc->role == !nc->instance_profile)
		return jn_json_error(err, path, "must specify exactly one of ['role', "
			"'instanceProfile']");
	return 0;
}

static int tags(const json_t *spec, const struct jn_json_path *path, struct jn_strmap *out,
	struct jn_error *err)
{
	static const char *const exact[] = { "eks:eks-cluster-name", "karpenter.sh/nodepool",
		"karpenter.sh/nodeclaim", "karpenter.k8s.aws/ec2nodeclass", NULL };
	if (jn_json_get_strmap(spec, "tags", path, out, err) < 0)
		return -1;
	struct jn_json_path tp = JN_JSON_KEY(path, "tags");
	for (size_t i = 0; i < out->len; i++) {
		const char *k = out->items[i].key;
		struct jn_json_path at = JN_JSON_KEY(&tp, k);
		if (!k[0])
			return jn_json_error(err, &at, "empty tag keys aren't supported");
		if (jn_str_has_prefix(k, "kubernetes.io/cluster"))
			return jn_json_error(err, &at, "tag contains a restricted tag matching "
				"kubernetes.io/cluster/");
		for (size_t j = 0; exact[j]; j++)
			if (strcmp(k, exact[j]) == 0)
				return jn_json_error(err, &at, "tag contains a restricted tag matching %s",
					exact[j]);
	}
	return 0;
}

static int optional_bool(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool *has, bool *out, struct jn_error *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	*has = true;
	return jn_json_get_bool(obj, key, path, true, out, err);
}

static int decode(const json_t *obj, const struct jn_json_path *path, struct jn_ec2nodeclass *nc,
	struct jn_error *err)
{
	static const char *const keys[] = { "subnetSelectorTerms", "securityGroupSelectorTerms",
		"capacityReservationSelectorTerms", "associatePublicIPAddress", "amiSelectorTerms",
		"amiFamily", "userData", "role", "instanceProfile", "tags", "kubelet",
		"blockDeviceMappings", "instanceStorePolicy", "detailedMonitoring", "metadataOptions",
		"context", NULL };
	const char *name = NULL;
	if (policy_check_header(obj, path, "karpenter.k8s.aws/v1", "EC2NodeClass", &name, err) < 0)
		return -1;
	nc->name = jn_xstrdup(name);
	const json_t *spec = NULL;
	if (jn_json_get_object(obj, "spec", path, true, &spec, err) < 0)
		return -1;
	struct jn_json_path sp = JN_JSON_KEY(path, "spec");
	if (jn_json_check_keys(spec, keys, &sp, err) < 0 ||
	    terms(spec, "subnetSelectorTerms", &sp, TERM_SUBNET, true, &nc->subnet_terms,
		&nc->n_subnet_terms, err) < 0 ||
	    terms(spec, "securityGroupSelectorTerms", &sp, TERM_SECURITY_GROUP, true,
		&nc->security_group_terms, &nc->n_security_group_terms, err) < 0 ||
	    terms(spec, "capacityReservationSelectorTerms", &sp, TERM_CAPACITY_RESERVATION, false,
		&nc->capacity_reservation_terms, &nc->n_capacity_reservation_terms, err) < 0 ||
	    terms(spec, "amiSelectorTerms", &sp, TERM_AMI, true, &nc->ami_terms, &nc->n_ami_terms,
		err) < 0 ||
	    ami_family(spec, &sp, nc, err) < 0 ||
	    policy_get_strdup(spec, "userData", &sp, false, &nc->user_data, err) < 0 ||
	    identity(spec, &sp, nc, err) < 0 ||
	    tags(spec, &sp, &nc->tags, err) < 0 ||
	    policy_kubelet(spec, &sp, nc, err) < 0 ||
	    policy_block_devices(spec, &sp, nc, err) < 0 ||
	    policy_metadata_options(spec, &sp, nc, err) < 0 ||
	    optional_bool(spec, "detailedMonitoring", &sp, &nc->has_detailed_monitoring,
		&nc->detailed_monitoring, err) < 0 ||
	    optional_bool(spec, "associatePublicIPAddress", &sp, &nc->has_associate_public_ip_address,
		&nc->associate_public_ip_address, err) < 0 ||
	    policy_get_strdup(spec, "context", &sp, false, &nc->context, err) < 0)
		return -1;
	const char *store = NULL;
	if (jn_json_get_string(spec, "instanceStorePolicy", &sp, false, &store, err) < 0)
		return -1;
	struct jn_json_path at = JN_JSON_KEY(&sp, "instanceStorePolicy");
	if (store && strcmp(store, "RAID0") != 0)
		return jn_json_error(err, &at, "unknown instance store policy \"%s\": expected RAID0",
			store);
	nc->instance_store_raid0 = store != NULL;
	return 0;
}

int jn_ec2nodeclass_from_json(const json_t *obj, const struct jn_json_path *path,
	const struct jn_policy_source *source, struct jn_ec2nodeclass *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	jn_strmap_init(&out->tags);
	policy_kubelet_init(&out->kubelet);
	if (jn_json_expect_object(obj, path, err) < 0 || decode(obj, path, out, err) < 0) {
		jn_ec2nodeclass_release(out);
		return -1;
	}
	policy_source_copy(&out->source, source);
	return 0;
}

static void terms_release(struct jn_selector_term *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		term_release(&t[i]);
	free(t);
}

void jn_ec2nodeclass_release(struct jn_ec2nodeclass *nc)
{
	free(nc->name);
	terms_release(nc->subnet_terms, nc->n_subnet_terms);
	terms_release(nc->security_group_terms, nc->n_security_group_terms);
	terms_release(nc->ami_terms, nc->n_ami_terms);
	terms_release(nc->capacity_reservation_terms, nc->n_capacity_reservation_terms);
	free(nc->user_data);
	free(nc->role);
	free(nc->instance_profile);
	jn_strmap_release(&nc->tags);
	policy_kubelet_release(&nc->kubelet);
	policy_block_devices_release(nc);
	free(nc->context);
	policy_source_release(&nc->source);
	memset(nc, 0, sizeof(*nc));
}
