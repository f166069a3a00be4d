/* Decoding helpers shared by the NodePool and EC2NodeClass decoders. */
#include <stdlib.h>
#include <string.h>

#include "jitnode/error.h"
#include "jitnode/json.h"
#include "policy_internal.h"

int policy_get_strdup(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, char **out, struct jn_error *err)
{
	const char *s = NULL;
	if (jn_json_get_string(obj, key, path, required, &s, err) < 0)
		return -1;
	free(*out);
	*out = jn_xstrdup(s);
	return 0;
}

int policy_get_duration(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool allow_never, struct jn_duration *out, bool *present, struct jn_error *err)
{
	const char *s = NULL;
	if (jn_json_get_string(obj, key, path, false, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	struct jn_json_path at = JN_JSON_KEY(path, key);
	struct jn_error why;
	struct jn_duration d;
	if (jn_duration_parse(s, allow_never, &d, &why) < 0)
		return jn_json_error(err, &at, "%s", why.msg);
	if (!d.never && d.ns < 0)
		return jn_json_error(err, &at, "invalid duration \"%s\": must not be negative", s);
	*out = d;
	if (present)
		*present = true;
	return 0;
}

int policy_get_int_range(const json_t *obj, const char *key, const struct jn_json_path *path,
	int64_t min, int64_t max, bool *present, int64_t *out, struct jn_error *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	int64_t n = 0;
	if (jn_json_get_int(obj, key, path, true, &n, err) < 0)
		return -1;
	if (n < min || n > max) {
		struct jn_json_path at = JN_JSON_KEY(path, key);
		return jn_json_error(err, &at, "must be between %lld and %lld, got %lld",
			(long long)min, (long long)max, (long long)n);
	}
	*out = n;
	if (present)
		*present = true;
	return 0;
}

/* Kubernetes object names of cluster-scoped custom resources: RFC 1123 subdomains. */
static bool object_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && c != '-' && c != '.')
			return false;
		if ((i == 0 || i == n - 1) && !alnum)
			return false;
		if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-' || s[i + 1] == '-'))
			return false;
	}
	return true;
}

int policy_check_header(const json_t *obj, const struct jn_json_path *path,
	const char *api_version, const char *kind, const char **name, struct jn_error *err)
{
	static const char *const top[] = { "apiVersion", "kind", "metadata", "spec", "status", NULL };
	/* What users write, plus what the apiserver adds when the object is read back. */
	static const char *const meta[] = {
		"name", "labels", "annotations", "uid", "resourceVersion", "generation",
		"creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers",
		"managedFields", "ownerReferences", "selfLink", NULL,
	};
	if (jn_json_check_keys(obj, top, path, err) < 0)
		return -1;
	const char *av = NULL, *k = NULL;
	if (jn_json_get_string(obj, "apiVersion", path, true, &av, err) < 0 ||
	    jn_json_get_string(obj, "kind", path, true, &k, err) < 0)
		return -1;
	struct jn_json_path at = JN_JSON_KEY(path, "apiVersion");
	if (strcmp(av, api_version) != 0)
		return jn_json_error(err, &at, "unsupported apiVersion \"%s\" for kind %s: expected \"%s\"",
			av, kind, api_version);
	at = JN_JSON_KEY(path, "kind");
	if (strcmp(k, kind) != 0)
		return jn_json_error(err, &at, "expected kind %s, got \"%s\"", kind, k);
	const json_t *md = NULL;
	if (jn_json_get_object(obj, "metadata", path, true, &md, err) < 0)
		return -1;
	struct jn_json_path mp = JN_JSON_KEY(path, "metadata");
	if (jn_json_check_keys(md, meta, &mp, err) < 0)
		return -1;
	if (jn_json_get_string(md, "name", &mp, true, name, err) < 0)
		return -1;
	at = JN_JSON_KEY(&mp, "name");
	if (!object_name_ok(*name))
		return jn_json_error(err, &at, "invalid name \"%s\": must be a lowercase RFC 1123 "
			"subdomain", *name);
	return 0;
}

void policy_source_copy(struct jn_policy_source *dst, const struct jn_policy_source *src)
{
	if (!src) {
		*dst = (struct jn_policy_source){ 0 };
		return;
	}
	dst->file = jn_xstrdup(src->file);
	dst->line = src->line;
	dst->col = src->col;
}

void policy_source_release(struct jn_policy_source *src)
{
	free(src->file);
	*src = (struct jn_policy_source){ 0 };
}
