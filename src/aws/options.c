/*
 * The AWS environment (ec2.md §3.2, §3.7), captured once from an envp array so that the
 * library itself never calls getenv and tests inject whatever environment they need.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_internal.h"
#include "jitnode/error.h"

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return (*e)[n + 1] ? *e + n + 1 : NULL;
	return NULL;
}

static char *env_dup(char *const *envp, const char *name, const char *fallback_name)
{
	const char *v = env_get(envp, name);
	if (!v && fallback_name)
		v = env_get(envp, fallback_name);
	return jn_xstrdup(v);
}

static bool env_true(char *const *envp, const char *name)
{
	const char *v = env_get(envp, name);
	return v && (strcmp(v, "true") == 0 || strcmp(v, "TRUE") == 0 || strcmp(v, "1") == 0);
}

void jn_aws_options_release(struct jn_aws_options *o)
{
	char **fields[] = {
		&o->region, &o->profile, &o->shared_credentials_file, &o->config_file,
		&o->access_key_id, &o->secret_access_key, &o->session_token, &o->role_arn,
		&o->web_identity_token_file, &o->role_session_name, &o->container_full_uri,
		&o->container_token_file, &o->container_token, &o->imds_endpoint, &o->endpoint_url,
		&o->endpoint_url_ec2, &o->endpoint_url_sts, &o->endpoint_url_ssm, &o->endpoint_url_iam,
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(fields); i++)
		free(*fields[i]);
	memset(o, 0, sizeof(*o));
}

int jn_aws_options_from_env(struct jn_aws_options *o, char *const *envp, struct jn_error *err)
{
	memset(o, 0, sizeof(*o));
	const char *home = env_get(envp, "HOME");
	o->region = env_dup(envp, "AWS_REGION", "AWS_DEFAULT_REGION");
	o->profile = env_dup(envp, "AWS_PROFILE", "AWS_DEFAULT_PROFILE");
	if (!o->profile)
		o->profile = jn_xstrdup("default");
	o->shared_credentials_file = env_dup(envp, "AWS_SHARED_CREDENTIALS_FILE", NULL);
	if (!o->shared_credentials_file && home)
		o->shared_credentials_file = jn_xasprintf("%s/.aws/credentials", home);
	o->config_file = env_dup(envp, "AWS_CONFIG_FILE", NULL);
	if (!o->config_file && home)
		o->config_file = jn_xasprintf("%s/.aws/config", home);
	o->access_key_id = env_dup(envp, "AWS_ACCESS_KEY_ID", NULL);
	o->secret_access_key = env_dup(envp, "AWS_SECRET_ACCESS_KEY", NULL);
	o->session_token = env_dup(envp, "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN");
	o->role_arn = env_dup(envp, "AWS_ROLE_ARN", NULL);
	o->web_identity_token_file = env_dup(envp, "AWS_WEB_IDENTITY_TOKEN_FILE", NULL);
	o->role_session_name = env_dup(envp, "AWS_ROLE_SESSION_NAME", NULL);
	o->container_full_uri = env_dup(envp, "AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL);
	o->container_token_file = env_dup(envp, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", NULL);
	o->container_token = env_dup(envp, "AWS_CONTAINER_AUTHORIZATION_TOKEN", NULL);
	o->imds_endpoint = env_dup(envp, "AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL);
	if (!o->imds_endpoint)
		o->imds_endpoint = jn_xstrdup("http://169.254.169.254");
	o->imds_disabled = env_true(envp, "AWS_EC2_METADATA_DISABLED");
	o->ignore_endpoint_urls = env_true(envp, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	o->endpoint_url = env_dup(envp, "AWS_ENDPOINT_URL", NULL);
	o->endpoint_url_ec2 = env_dup(envp, "AWS_ENDPOINT_URL_EC2", NULL);
	o->endpoint_url_sts = env_dup(envp, "AWS_ENDPOINT_URL_STS", NULL);
	o->endpoint_url_ssm = env_dup(envp, "AWS_ENDPOINT_URL_SSM", NULL);
	o->endpoint_url_iam = env_dup(envp, "AWS_ENDPOINT_URL_IAM", NULL);

	const char *attempts = env_get(envp, "AWS_MAX_ATTEMPTS");
	if (attempts) {
		char *end;
		errno = 0;
		long v = strtol(attempts, &end, 10);
		if (errno || *end || v < 1 || v > 20) {
			jn_error_set(err, JN_ERR_INVALID,
				"AWS_MAX_ATTEMPTS: invalid value '%s' (want 1 to 20)", attempts);
			goto fail;
		}
		o->max_attempts = (int)v;
	}
	if (!o->region && o->config_file) {
		char *section = jn_aws_config_section(o->profile);
		int rc = jn_aws_ini_get(o->config_file, section, "region", &o->region, err);
		free(section);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	jn_aws_options_release(o);
	return -1;
}

char *jn_aws_options_endpoint(const struct jn_aws_options *o, const char *service)
{
	const char *url = NULL;
	if (!o->ignore_endpoint_urls) {
		if (strcmp(service, "ec2") == 0)
			url = o->endpoint_url_ec2;
		else if (strcmp(service, "sts") == 0)
			url = o->endpoint_url_sts;
		else if (strcmp(service, "ssm") == 0)
			url = o->endpoint_url_ssm;
		else if (strcmp(service, "iam") == 0)
			url = o->endpoint_url_iam;
		if (!url)
			url = o->endpoint_url;
	}
	/* IAM is global: one endpoint, whatever the region */
	char *out = url ? jn_xstrdup(url) : strcmp(service, "iam") == 0
		? jn_xstrdup("https://iam.amazonaws.com") : jn_xasprintf("https://%s.%s.amazonaws.com", service,
			o->region ? o->region : "us-east-1");
	size_t n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
}

char *jn_aws_config_section(const char *profile)
{
	if (!profile || strcmp(profile, "default") == 0)
		return jn_xstrdup("default");
	return jn_xasprintf("profile %s", profile);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int jn_aws_ini_get(const char *path, const char *section, const char *key, char **out,
	struct jn_error *err)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return jn_error_set(err, JN_ERR_IO, "reading '%s': %s", path, strerror(errno));
	}
	char line[4096];
	bool in_section = false;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line);
		if (*s == '#' || *s == ';' || *s == '\0')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (end)
				*end = '\0';
			in_section = strcmp(trim(s + 1), section) == 0;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in_section || !eq)
			continue;
		*eq = '\0';
		if (strcmp(trim(s), key) == 0) {
			free(*out);
			*out = jn_xstrdup(trim(eq + 1));
			break;
		}
	}
	fclose(f);
	return 0;
}
