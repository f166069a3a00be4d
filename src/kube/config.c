/*
 * Connection settings: kubeconfig files and the in-cluster service account.
 *
 * PEM material is loaded into memory once here so that the client never touches those files
 * again (curl takes them as blobs). The one exception is the service-account token, which the
 * kubelet rotates: the config keeps its path and the client re-reads it (client.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "jitnode/kube.h"
#include "kube_internal.h"

/* A PEM bundle or a token is a few KiB; a CA bundle with the whole Mozilla store ~250 KiB. */
#define MAX_MATERIAL (4u << 20)
#define MAX_KUBECONFIG (8u << 20)
#define DEFAULT_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void jn_kube_env_from_environ(struct jn_kube_env *env)
{
	memset(env, 0, sizeof(*env));
	env->service_host = getenv("KUBERNETES_SERVICE_HOST");
	env->service_port = getenv("KUBERNETES_SERVICE_PORT");
	env->kubeconfig = getenv("KUBECONFIG");
	env->home = getenv("HOME");
	if (env->kubeconfig && !*env->kubeconfig)
		env->kubeconfig = NULL;
}

void jn_kube_config_release(struct jn_kube_config *cfg)
{
	free(cfg->server);
	free(cfg->token);
	free(cfg->token_file);
	free(cfg->ca_pem);
	free(cfg->client_cert_pem);
	free(cfg->client_key_pem);
	free(cfg->context);
	free(cfg->namespace_);
	memset(cfg, 0, sizeof(*cfg));
}

static int read_text(const char *path, char **out, struct jn_error *err)
{
	struct jn_buf buf;
	jn_buf_init(&buf, MAX_MATERIAL);
	if (jn_buf_read_file(&buf, path, err) < 0) {
		jn_buf_release(&buf);
		return -1;
	}
	*out = jn_buf_detach(&buf, NULL);
	return 0;
}

/* Path relative to the kubeconfig's folder unless absolute. Owned. */
static char *resolve(const char *base_dir, const char *path)
{
	if (path[0] == '/' || !base_dir)
		return jn_xstrdup(path);
	return jn_xasprintf("%s/%s", base_dir, path);
}

/* The entry of a named list (clusters, users, contexts) whose name is `name`; borrowed. */
static const json_t *find_named(const json_t *doc, const char *list, const char *member,
	const char *name)
{
	const json_t *arr = json_object_get(doc, list);
	size_t i;
	const json_t *item;
	json_array_foreach(arr, i, item) {
		const char *n = json_string_value(json_object_get(item, "name"));
		if (n && strcmp(n, name) == 0) {
			const json_t *body = json_object_get(item, member);
			return json_is_object(body) ? body : NULL;
		}
	}
	return NULL;
}

static const char *str_member(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s && *s ? s : NULL;
}

/* Reads "<key>-data" (base64) or "<key>" (a file) into *out; absent leaves it NULL. */
static int load_material(const json_t *obj, const char *key, const char *base_dir, char **out,
	struct jn_error *err)
{
	char data_key[64];
	snprintf(data_key, sizeof(data_key), "%s-data", key);
	const char *data = str_member(obj, data_key);
	if (data) {
		if (jn_kube_base64_decode(data, out, NULL, err) < 0)
			return jn_error_prefix(err, "%s", data_key);
		return 0;
	}
	const char *file = str_member(obj, key);
	if (!file)
		return 0;
	char *path = resolve(base_dir, file);
	int rc = read_text(path, out, err);
	free(path);
	return rc < 0 ? jn_error_prefix(err, "%s", key) : 0;
}

static int read_cluster(const json_t *cluster, const char *base_dir, struct jn_kube_config *out,
	struct jn_error *err)
{
	const char *server = str_member(cluster, "server");
	if (!server)
		return jn_error_set(err, JN_ERR_INVALID, "server is required");
	out->server = jn_xstrdup(server);
	size_t n = strlen(out->server);
	while (n > 0 && out->server[n - 1] == '/')
		out->server[--n] = '\0';
	const json_t *insecure = json_object_get(cluster, "insecure-skip-tls-verify");
	out->insecure = json_is_true(insecure) ||
		(json_is_string(insecure) && strcmp(json_string_value(insecure), "true") == 0);
	return load_material(cluster, "certificate-authority", base_dir, &out->ca_pem, err);
}

static int read_user(const json_t *user, const char *base_dir, struct jn_kube_config *out,
	struct jn_error *err)
{
	if (json_object_get(user, "exec") || json_object_get(user, "auth-provider"))
		return jn_error_set(err, JN_ERR_INVALID,
			"exec and auth-provider credentials are not supported");
	const char *token = str_member(user, "token");
	const char *token_file = str_member(user, "tokenFile");
	if (token)
		out->token = jn_xstrdup(token);
	else if (token_file)
		out->token_file = resolve(base_dir, token_file);
	if (load_material(user, "client-certificate", base_dir, &out->client_cert_pem, err) < 0 ||
		load_material(user, "client-key", base_dir, &out->client_key_pem, err) < 0)
		return -1;
	if (!out->client_cert_pem != !out->client_key_pem)
		return jn_error_set(err, JN_ERR_INVALID,
			"client-certificate and client-key must be given together");
	return 0;
}

static int from_doc(const json_t *doc, const char *base_dir, const char *context,
	struct jn_kube_config *out, struct jn_error *err)
{
	if (!json_is_object(doc))
		return jn_error_set(err, JN_ERR_INVALID, "expected a mapping at the top");
	if (!context)
		context = str_member(doc, "current-context");
	if (!context)
		return jn_error_set(err, JN_ERR_INVALID, "no current-context and no context given");
	const json_t *ctx = find_named(doc, "contexts", "context", context);
	if (!ctx)
		return jn_error_set(err, JN_ERR_NOT_FOUND, "no context named \"%s\"", context);
	out->context = jn_xstrdup(context);
	const char *ns = str_member(ctx, "namespace");
	out->namespace_ = jn_xstrdup(ns ? ns : "default");
	const char *cluster_name = str_member(ctx, "cluster");
	const json_t *cluster = cluster_name ? find_named(doc, "clusters", "cluster", cluster_name)
		: NULL;
	if (!cluster)
		return jn_error_set(err, JN_ERR_NOT_FOUND, "context \"%s\": no cluster named \"%s\"",
			context, cluster_name ? cluster_name : "");
	if (read_cluster(cluster, base_dir, out, err) < 0)
		return jn_error_prefix(err, "cluster \"%s\"", cluster_name);
	const char *user_name = str_member(ctx, "user");
	if (!user_name)
		return 0;       /* anonymous, or a client certificate-less test cluster */
	const json_t *user = find_named(doc, "users", "user", user_name);
	if (!user)
		return jn_error_set(err, JN_ERR_NOT_FOUND, "context \"%s\": no user named \"%s\"",
			context, user_name);
	if (read_user(user, base_dir, out, err) < 0)
		return jn_error_prefix(err, "user \"%s\"", user_name);
	return 0;
}

int jn_kube_config_from_kubeconfig(const char *path, const char *context,
	struct jn_kube_config *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	struct jn_buf text;
	jn_buf_init(&text, MAX_KUBECONFIG);
	json_t *doc = NULL;
	char *base_dir = NULL;
	if (jn_buf_read_file(&text, path, err) < 0)
		goto fail;
	if (jn_kube_yaml_to_json(text.data ? text.data : "", text.len, &doc, err) < 0)
		goto fail;
	const char *slash = strrchr(path, '/');
	base_dir = slash ? jn_xstrndup(path, (size_t)(slash - path) + (slash == path)) : NULL;
	if (from_doc(doc, base_dir, context, out, err) < 0)
		goto fail;
	json_decref(doc);
	free(base_dir);
	jn_buf_release(&text);
	return 0;
fail:
	jn_error_prefix(err, "kubeconfig '%s'", path);
	json_decref(doc);
	free(base_dir);
	jn_buf_release(&text);
	jn_kube_config_release(out);
	return -1;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int jn_kube_config_in_cluster(const struct jn_kube_env *env, struct jn_kube_config *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!env->service_host || !*env->service_host)
		return jn_error_set(err, JN_ERR_NOT_FOUND,
			"not in a cluster: KUBERNETES_SERVICE_HOST is not set");
	const char *dir = env->sa_dir ? env->sa_dir : DEFAULT_SA_DIR;
	const char *port = env->service_port && *env->service_port ? env->service_port : "443";
	bool v6 = strchr(env->service_host, ':') != NULL;
	out->server = jn_xasprintf(v6 ? "https://[%s]:%s" : "https://%s:%s", env->service_host,
		port);
	char *path = jn_xasprintf("%s/ca.crt", dir);
	int rc = read_text(path, &out->ca_pem, err);
	free(path);
	if (rc < 0)
		goto fail;
	out->token_file = jn_xasprintf("%s/token", dir);
	char *token = NULL;
	if (read_text(out->token_file, &token, err) < 0)
		goto fail;
	free(token);
	path = jn_xasprintf("%s/namespace", dir);
	struct jn_error ignored;
	if (read_text(path, &out->namespace_, &ignored) < 0)
		out->namespace_ = jn_xstrdup("default");
	trim(out->namespace_);
	free(path);
	return 0;
fail:
	jn_kube_config_release(out);
	return jn_error_prefix(err, "loading the in-cluster config");
}

int jn_kube_config_load(const struct jn_kube_env *env, const char *path, const char *context,
	struct jn_kube_config *out, struct jn_error *err)
{
	if (path)
		return jn_kube_config_from_kubeconfig(path, context, out, err);
	if (env->service_host && *env->service_host)
		return jn_kube_config_in_cluster(env, out, err);
	if (env->kubeconfig) {
		/* $KUBECONFIG may be a list; merging is not supported, the first file is used. */
		const char *colon = strchr(env->kubeconfig, ':');
		char *first = colon ? jn_xstrndup(env->kubeconfig, (size_t)(colon - env->kubeconfig))
			: jn_xstrdup(env->kubeconfig);
		int rc = jn_kube_config_from_kubeconfig(first, context, out, err);
		free(first);
		return rc;
	}
	if (env->home) {
		char *home_cfg = jn_xasprintf("%s/.kube/config", env->home);
		int rc = jn_kube_config_from_kubeconfig(home_cfg, context, out, err);
		free(home_cfg);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	return jn_error_set(err, JN_ERR_NOT_FOUND,
		"no kubeconfig given, not in a cluster, and no $KUBECONFIG or $HOME");
}
