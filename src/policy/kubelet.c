/*
 * The parts of an EC2NodeClass that shape the node itself: kubelet settings (EC2NodeClass
 * spec.kubelet in v1), block devices, and instance metadata options, with the CRD's rules.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/error.h"
#include "jitnode/json.h"
#include "policy_internal.h"

#define MAX_BLOCK_DEVICES 50

static const char *const reserved_keys[] = { "cpu", "memory", "ephemeral-storage", "pid", NULL };
static const char *const eviction_signals[] = { "memory.available", "nodefs.available",
	"nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree", "pid.available", NULL };

void policy_kubelet_init(struct jn_kubelet_config *k)
{
	memset(k, 0, sizeof(*k));
	jn_strmap_init(&k->eviction_hard);
	jn_strmap_init(&k->eviction_soft);
	jn_strmap_init(&k->eviction_soft_grace_period);
}

void policy_kubelet_release(struct jn_kubelet_config *k)
{
	for (size_t i = 0; i < k->n_cluster_dns; i++)
		free(k->cluster_dns[i]);
	free(k->cluster_dns);
	jn_resources_release(&k->system_reserved);
	jn_resources_release(&k->kube_reserved);
	jn_strmap_release(&k->eviction_hard);
	jn_strmap_release(&k->eviction_soft);
	jn_strmap_release(&k->eviction_soft_grace_period);
	policy_kubelet_init(k);
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static int key_error(struct jn_error *err, const struct jn_json_path *at, const char *field,
	const char *const *valid)
{
	char list[256] = "";
	size_t used = 0;
	for (size_t i = 0; valid[i] && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s'%s'", i ? "," : "", valid[i]);
		used += n > 0 ? (size_t)n : 0;
	}
	return jn_json_error(err, at, "valid keys for %s are [%s]", field, list);
}

static int reserved(const json_t *kubelet, const char *field, const struct jn_json_path *path,
	struct jn_resources *out, struct jn_error *err)
{
	const json_t *obj = NULL;
	if (jn_json_get_object(kubelet, field, path, false, &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	struct jn_json_path fp = JN_JSON_KEY(path, field);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		struct jn_json_path at = JN_JSON_KEY(&fp, key);
		if (!in_list(key, reserved_keys))
			return key_error(err, &at, field, reserved_keys);
		struct jn_quantity q;
		if (jn_quantity_from_json(v, &at, &q, err) < 0)
			return -1;
		if (q.nano < 0)
			return jn_json_error(err, &at, "%s value cannot be a negative resource quantity",
				field);
	}
	return jn_resources_from_json(obj, &fp, out, err);
}

/* A threshold: "" or "(\d{1,2}(\.\d{1,2})?|100(\.0{1,2})?)%" or a quantity. */
static bool threshold_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n)
		return true;
	if (s[n - 1] != '%') {
		struct jn_quantity q;
		return jn_quantity_parse(s, &q, NULL) == 0;
	}
	size_t whole = strspn(s, "0123456789");
	size_t frac = s[whole] == '.' ? strspn(s + whole + 1, "0123456789") : 0;
	size_t end = whole + (s[whole] == '.' ? 1 + frac : 0);
	if (end != n - 1 || !whole || (s[whole] == '.' && (frac < 1 || frac > 2)))
		return false;
	if (whole <= 2)
		return true;
	return whole == 3 && !strncmp(s, "100", 3) && strspn(s + 4, "0") >= frac;
}

static int signals(const json_t *kubelet, const char *field, const struct jn_json_path *path,
	bool durations, struct jn_strmap *out, struct jn_error *err)
{
	if (jn_json_get_strmap(kubelet, field, path, out, err) < 0)
		return -1;
	struct jn_json_path fp = JN_JSON_KEY(path, field);
	for (size_t i = 0; i < out->len; i++) {
		const struct jn_kv *kv = &out->items[i];
		struct jn_json_path at = JN_JSON_KEY(&fp, kv->key);
		if (!in_list(kv->key, eviction_signals))
			return key_error(err, &at, field, eviction_signals);
		struct jn_duration d;
		struct jn_error why;
		if (durations && jn_duration_parse(kv->value, false, &d, &why) < 0)
			return jn_json_error(err, &at, "%s", why.msg);
		if (!durations && !threshold_ok(kv->value))
			return jn_json_error(err, &at, "invalid threshold \"%s\": expected a percentage "
				"or a quantity", kv->value);
	}
	return 0;
}

static int soft_pairs(const struct jn_kubelet_config *k, const struct jn_json_path *path,
	struct jn_error *err)
{
	for (size_t i = 0; i < k->eviction_soft.len; i++) {
		const char *sig = k->eviction_soft.items[i].key;
		if (!jn_strmap_has(&k->eviction_soft_grace_period, sig))
			return jn_json_error(err, path, "evictionSoft signal \"%s\" does not have a "
				"matching evictionSoftGracePeriod", sig);
	}
	for (size_t i = 0; i < k->eviction_soft_grace_period.len; i++) {
		const char *sig = k->eviction_soft_grace_period.items[i].key;
		if (!jn_strmap_has(&k->eviction_soft, sig))
			return jn_json_error(err, path, "evictionSoftGracePeriod signal \"%s\" does not "
				"have a matching evictionSoft", sig);
	}
	return 0;
}

static int cluster_dns(const json_t *kubelet, const struct jn_json_path *path,
	struct jn_kubelet_config *k, struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(kubelet, "clusterDNS", path, false, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	struct jn_json_path fp = JN_JSON_KEY(path, "clusterDNS");
	size_t n = json_array_size(arr);
	k->cluster_dns = jn_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&fp, i);
		const json_t *v = json_array_get(arr, i);
		if (!json_is_string(v))
			return jn_json_error(err, &at, "expected a string, got %s", jn_json_type_name(v));
		const char *ip = json_string_value(v);
		unsigned char buf[16];
		if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
			return jn_json_error(err, &at, "invalid ip address \"%s\"", ip);
		k->cluster_dns[k->n_cluster_dns++] = jn_xstrdup(ip);
	}
	return 0;
}

static int int32_field(const json_t *obj, const char *key, const struct jn_json_path *path,
	int64_t min, int64_t max, bool *has, int32_t *out, struct jn_error *err)
{
	int64_t v = 0;
	if (policy_get_int_range(obj, key, path, min, max, has, &v, err) < 0)
		return -1;
	if (*has)
		*out = (int32_t)v;
	return 0;
}

int policy_kubelet(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err)
{
	static const char *const keys[] = { "clusterDNS", "maxPods", "podsPerCore",
		"systemReserved", "kubeReserved", "evictionHard", "evictionSoft",
		"evictionSoftGracePeriod", "evictionMaxPodGracePeriod", "imageGCHighThresholdPercent",
		"imageGCLowThresholdPercent", "cpuCFSQuota", NULL };
	const json_t *obj = NULL;
	if (jn_json_get_object(spec, "kubelet", path, false, &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	nc->has_kubelet = true;
	struct jn_kubelet_config *k = &nc->kubelet;
	struct jn_json_path kp = JN_JSON_KEY(path, "kubelet");
	if (jn_json_check_keys(obj, keys, &kp, err) < 0 ||
	    cluster_dns(obj, &kp, k, err) < 0 ||
	    int32_field(obj, "maxPods", &kp, 0, INT32_MAX, &k->has_max_pods, &k->max_pods, err) < 0 ||
	    int32_field(obj, "podsPerCore", &kp, 0, INT32_MAX, &k->has_pods_per_core,
		&k->pods_per_core, err) < 0 ||
	    reserved(obj, "systemReserved", &kp, &k->system_reserved, err) < 0 ||
	    reserved(obj, "kubeReserved", &kp, &k->kube_reserved, err) < 0 ||
	    signals(obj, "evictionHard", &kp, false, &k->eviction_hard, err) < 0 ||
	    signals(obj, "evictionSoft", &kp, false, &k->eviction_soft, err) < 0 ||
	    signals(obj, "evictionSoftGracePeriod", &kp, true, &k->eviction_soft_grace_period,
		err) < 0 ||
	    soft_pairs(k, &kp, err) < 0 ||
	    int32_field(obj, "evictionMaxPodGracePeriod", &kp, INT32_MIN, INT32_MAX,
		&k->has_eviction_max_pod_grace_period, &k->eviction_max_pod_grace_period, err) < 0 ||
	    int32_field(obj, "imageGCHighThresholdPercent", &kp, 0, 100,
		&k->has_image_gc_high_threshold_percent, &k->image_gc_high_threshold_percent,
		err) < 0 ||
	    int32_field(obj, "imageGCLowThresholdPercent", &kp, 0, 100,
		&k->has_image_gc_low_threshold_percent, &k->image_gc_low_threshold_percent, err) < 0)
		return -1;
	if (k->has_image_gc_high_threshold_percent && k->has_image_gc_low_threshold_percent &&
	    k->image_gc_high_threshold_percent <= k->image_gc_low_threshold_percent)
		return jn_json_error(err, &kp, "imageGCHighThresholdPercent must be greater than "
			"imageGCLowThresholdPercent");
	const json_t *cfs = json_object_get(obj, "cpuCFSQuota");
	if (cfs && !json_is_null(cfs)) {
		k->has_cpu_cfs_quota = true;
		return jn_json_get_bool(obj, "cpuCFSQuota", &kp, true, &k->cpu_cfs_quota, err);
	}
	return 0;
}

/* "<n>Gi" (1..59000), "<n>G" (1..64000), "<n>Ti" (1..58) or "<n>T" (1..64), as the CRD allows. */
static bool volume_size(const char *s, int64_t *bytes)
{
	static const struct { const char *suffix; int64_t unit, max; } sizes[] = {
		{ "Gi", INT64_C(1) << 30, 59000 }, { "G", 1000000000, 64000 },
		{ "Ti", INT64_C(1) << 40, 58 }, { "T", INT64_C(1000000000000), 64 },
	};
	size_t digits = strspn(s, "0123456789");
	if (!digits || digits > 5 || s[0] == '0')
		return false;
	int64_t n = strtoll(s, NULL, 10);
	for (size_t i = 0; i < JN_ARRAY_LEN(sizes); i++) {
		if (strcmp(s + digits, sizes[i].suffix) == 0 && n <= sizes[i].max) {
			*bytes = n * sizes[i].unit;
			return true;
		}
	}
	return false;
}

static int ebs(const json_t *bdm, const struct jn_json_path *path, struct jn_block_device_mapping *m,
	struct jn_error *err)
{
	static const char *const keys[] = { "deleteOnTermination", "encrypted", "iops", "kmsKeyID",
		"snapshotID", "throughput", "volumeSize", "volumeType", NULL };
	static const char *const types[] = { "standard", "io1", "io2", "gp2", "sc1", "st1", "gp3",
		NULL };
	const json_t *obj = NULL;
	if (jn_json_get_object(bdm, "ebs", path, false, &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	m->has_ebs = true;
	struct jn_ebs *e = &m->ebs;
	struct jn_json_path ep = JN_JSON_KEY(path, "ebs");
	const char *size = NULL;
	bool unused;
	if (jn_json_check_keys(obj, keys, &ep, err) < 0 ||
	    jn_json_get_bool(obj, "deleteOnTermination", &ep, false, &e->delete_on_termination,
		err) < 0 ||
	    jn_json_get_bool(obj, "encrypted", &ep, false, &e->encrypted, err) < 0 ||
	    policy_get_int_range(obj, "iops", &ep, 0, INT64_MAX, &unused, &e->iops, err) < 0 ||
	    policy_get_strdup(obj, "kmsKeyID", &ep, false, &e->kms_key_id, err) < 0 ||
	    policy_get_strdup(obj, "snapshotID", &ep, false, &e->snapshot_id, err) < 0 ||
	    policy_get_int_range(obj, "throughput", &ep, 0, INT64_MAX, &unused, &e->throughput,
		err) < 0 ||
	    jn_json_get_string(obj, "volumeSize", &ep, false, &size, err) < 0 ||
	    policy_get_strdup(obj, "volumeType", &ep, false, &e->volume_type, err) < 0)
		return -1;
	e->has_delete_on_termination = json_is_boolean(json_object_get(obj, "deleteOnTermination"));
	e->has_encrypted = json_is_boolean(json_object_get(obj, "encrypted"));
	struct jn_json_path at = JN_JSON_KEY(&ep, "volumeSize");
	if (size && !volume_size(size, &e->volume_size))
		return jn_json_error(err, &at, "invalid volume size \"%s\": expected a whole number "
			"of Gi (up to 59000), G (64000), Ti (58) or T (64)", size);
	at = JN_JSON_KEY(&ep, "volumeType");
	if (e->volume_type && !in_list(e->volume_type, types))
		return jn_json_error(err, &at, "unknown volume type \"%s\": expected standard, io1, "
			"io2, gp2, sc1, st1 or gp3", e->volume_type);
	if (!size && !e->snapshot_id)
		return jn_json_error(err, &ep, "snapshotID or volumeSize must be defined");
	return 0;
}

int policy_block_devices(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err)
{
	static const char *const keys[] = { "deviceName", "ebs", "rootVolume", NULL };
	const json_t *arr = NULL;
	if (jn_json_get_array(spec, "blockDeviceMappings", path, false, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	struct jn_json_path bp = JN_JSON_KEY(path, "blockDeviceMappings");
	size_t n = json_array_size(arr);
	if (n > MAX_BLOCK_DEVICES)
		return jn_json_error(err, &bp, "must have at most %d items, got %zu",
			MAX_BLOCK_DEVICES, n);
	nc->block_device_mappings = n ? jn_xcalloc(n, sizeof(*nc->block_device_mappings)) : NULL;
	size_t roots = 0;
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&bp, i);
		struct jn_block_device_mapping *m = &nc->block_device_mappings[i];
		const json_t *item = json_array_get(arr, i);
		nc->n_block_device_mappings = i + 1;
		if (jn_json_expect_object(item, &at, err) < 0 ||
		    jn_json_check_keys(item, keys, &at, err) < 0 ||
		    policy_get_strdup(item, "deviceName", &at, false, &m->device_name, err) < 0 ||
		    jn_json_get_bool(item, "rootVolume", &at, false, &m->root_volume, err) < 0 ||
		    ebs(item, &at, m, err) < 0)
			return -1;
		roots += m->root_volume;
	}
	if (roots > 1)
		return jn_json_error(err, &bp, "must have only one blockDeviceMappings with rootVolume");
	return 0;
}

void policy_block_devices_release(struct jn_ec2nodeclass *nc)
{
	for (size_t i = 0; i < nc->n_block_device_mappings; i++) {
		struct jn_block_device_mapping *m = &nc->block_device_mappings[i];
		free(m->device_name);
		free(m->ebs.kms_key_id);
		free(m->ebs.snapshot_id);
		free(m->ebs.volume_type);
	}
	free(nc->block_device_mappings);
	nc->block_device_mappings = NULL;
	nc->n_block_device_mappings = 0;
}

static int enabled_disabled(const json_t *obj, const char *key, const struct jn_json_path *path,
	const char *yes, const char *no, bool *out, struct jn_error *err)
{
	const char *s = NULL;
	if (jn_json_get_string(obj, key, path, false, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	struct jn_json_path at = JN_JSON_KEY(path, key);
	if (strcmp(s, yes) != 0 && strcmp(s, no) != 0)
		return jn_json_error(err, &at, "unknown value \"%s\": expected %s or %s", s, yes, no);
	*out = strcmp(s, yes) == 0;
	return 0;
}

int policy_metadata_options(const json_t *spec, const struct jn_json_path *path,
	struct jn_ec2nodeclass *nc, struct jn_error *err)
{
	static const char *const keys[] = { "httpEndpoint", "httpProtocolIPv6",
		"httpPutResponseHopLimit", "httpTokens", NULL };
	struct jn_metadata_options *m = &nc->metadata_options;
	*m = (struct jn_metadata_options){ .http_endpoint_enabled = true,
		.http_protocol_ipv6_enabled = false, .http_put_response_hop_limit = 1,
		.http_tokens_required = true };
	const json_t *obj = NULL;
	if (jn_json_get_object(spec, "metadataOptions", path, false, &obj, err) < 0)
		return -1;
	if (!obj) {
		nc->defaults |= JN_EC2NODECLASS_DEFAULT_METADATA_OPTIONS;
		return 0;
	}
	struct jn_json_path mp = JN_JSON_KEY(path, "metadataOptions");
	bool unused;
	if (jn_json_check_keys(obj, keys, &mp, err) < 0 ||
	    enabled_disabled(obj, "httpEndpoint", &mp, "enabled", "disabled",
		&m->http_endpoint_enabled, err) < 0 ||
	    enabled_disabled(obj, "httpProtocolIPv6", &mp, "enabled", "disabled",
		&m->http_protocol_ipv6_enabled, err) < 0 ||
	    policy_get_int_range(obj, "httpPutResponseHopLimit", &mp, 1, 64, &unused,
		&m->http_put_response_hop_limit, err) < 0 ||
	    enabled_disabled(obj, "httpTokens", &mp, "required", "optional",
		&m->http_tokens_required, err) < 0)
		return -1;
	return 0;
}
