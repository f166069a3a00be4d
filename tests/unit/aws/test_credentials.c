/* Options from an injected environment, and the credentials chain with its cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_clock.h"
#include "fake_transport.h"
#include "jitnode/aws.h"
#include "jitnode/error.h"
#include "tap.h"

#define WALL_2026 (INT64_C(1795434600) * JN_NS_PER_SEC)   /* 2026-11-23T11:50:00Z */

static char *write_temp(const char *content)
{
	char *path = jn_xstrdup("/tmp/jn_creds_XXXXXX");
	int fd = mkstemp(path);
	if (write(fd, content, strlen(content)) < 0)
		jn_tap_diag("write failed");
	close(fd);
	return path;
}

static void options_from_env(void)
{
	char *const env[] = { "HOME=/home/x", "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_ENDPOINT_URL=http://127.0.0.1:5000/", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:6000",
		"AWS_SESSION_TOKEN=", "AWS_SECURITY_TOKEN=legacy", "AWS_MAX_ATTEMPTS=7", NULL };
	struct jn_aws_options o;
	struct jn_error err;
	CHECK_INT_EQ(jn_aws_options_from_env(&o, env, &err), 0);
	CHECK_STR_EQ(o.region, "eu-west-1");
	CHECK_STR_EQ(o.profile, "default");
	CHECK_STR_EQ(o.shared_credentials_file, "/home/x/.aws/credentials");
	CHECK_STR_EQ(o.session_token, "legacy");
	CHECK_STR_EQ(o.imds_endpoint, "http://169.254.169.254");
	CHECK_INT_EQ(o.max_attempts, 7);
	char *ec2 = jn_aws_options_endpoint(&o, "ec2");
	char *sts = jn_aws_options_endpoint(&o, "sts");
	CHECK_STR_EQ(ec2, "http://127.0.0.1:5000");
	CHECK_STR_EQ(sts, "http://127.0.0.1:6000");
	free(ec2);
	free(sts);
	jn_aws_options_release(&o);

	char *const env2[] = { "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_ENDPOINT_URL_EC2=http://a:1", NULL };
	CHECK_INT_EQ(jn_aws_options_from_env(&o, env2, &err), 0);
	CHECK_STR_EQ(o.region, "us-west-2");
	ec2 = jn_aws_options_endpoint(&o, "ec2");
	sts = jn_aws_options_endpoint(&o, "sts");
	CHECK_STR_EQ(ec2, "http://a:1");
	CHECK_STR_EQ(sts, "https://sts.us-west-2.amazonaws.com");
	free(ec2);
	free(sts);
	jn_aws_options_release(&o);

	char *const bad[] = { "AWS_MAX_ATTEMPTS=0", NULL };
	CHECK_INT_EQ(jn_aws_options_from_env(&o, bad, &err), -1);
	CHECK_STR_EQ(err.msg, "AWS_MAX_ATTEMPTS: invalid value '0' (want 1 to 20)");
}

static void profile_region_and_shared_file(void)
{
	char *config = write_temp("[default]\nregion = us-east-2\n[profile dev]\nregion=ap-south-1\n");
	char *creds = write_temp("# c\n[default]\naws_access_key_id = AKIDDEF\n"
		"aws_secret_access_key=sdef\n[dev]\naws_access_key_id=AKIDDEV\n"
		"aws_secret_access_key = sdev\naws_session_token = tdev\n");
	char *cfg_var = jn_xasprintf("AWS_CONFIG_FILE=%s", config);
	char *cred_var = jn_xasprintf("AWS_SHARED_CREDENTIALS_FILE=%s", creds);
	char *const env[] = { cfg_var, cred_var, "AWS_PROFILE=dev", "AWS_EC2_METADATA_DISABLED=true", NULL };
	struct jn_aws_options o;
	CHECK_INT_EQ(jn_aws_options_from_env(&o, env, NULL), 0);
	CHECK_STR_EQ(o.region, "ap-south-1");
	struct fake_transport t;
	fake_transport_init(&t);
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, WALL_2026);
	struct jn_aws_credentials_provider *p = jn_aws_credentials_provider_create(&o, &t.base,
		&clock.base, NULL);
	struct jn_aws_credentials c;
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, NULL), 0);
	CHECK_STR_EQ(c.access_key_id, "AKIDDEV");
	CHECK_STR_EQ(c.session_token, "tdev");
	CHECK_STR_EQ(c.source, "shared-file");
	CHECK_INT_EQ(t.n_requests, 0);
	jn_aws_credentials_release(&c);
	jn_aws_credentials_provider_destroy(p);
	jn_aws_options_release(&o);
	fake_transport_release(&t);
	unlink(config);
	unlink(creds);
	free(config);
	free(creds);
	free(cfg_var);
	free(cred_var);
}

static void environment_wins(void)
{
	char *const env[] = { "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=senv",
		"AWS_SESSION_TOKEN=tenv", "AWS_ROLE_ARN=arn:aws:iam::1:role/x",
		"AWS_WEB_IDENTITY_TOKEN_FILE=/nonexistent", NULL };
	struct jn_aws_options o;
	jn_aws_options_from_env(&o, env, NULL);
	struct jn_aws_credentials_provider *p = jn_aws_credentials_provider_create(&o, NULL, NULL, NULL);
	struct jn_aws_credentials c;
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, NULL), 0);
	CHECK_STR_EQ(c.access_key_id, "AKIDENV");
	CHECK_STR_EQ(c.session_token, "tenv");
	CHECK_STR_EQ(c.source, "environment");
	CHECK_INT_EQ(c.expires_wall_ns, 0);
	jn_aws_credentials_release(&c);
	jn_aws_credentials_provider_destroy(p);
	jn_aws_options_release(&o);
}

static void web_identity_assumes_role_and_refreshes(void)
{
	char *token = write_temp("eyJhbGciOiJSUzI1NiJ9.jwt\n");
	char *token_var = jn_xasprintf("AWS_WEB_IDENTITY_TOKEN_FILE=%s", token);
	char *const env[] = { token_var, "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/jitnode",
		"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:7000",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_CONFIG_FILE=/nonexistent", NULL };
	struct jn_aws_options o;
	jn_aws_options_from_env(&o, env, NULL);
	struct fake_transport t;
	fake_transport_init(&t);
	char *answer = fake_fixture("ec2/sts_assume_role_with_web_identity.xml");
	fake_transport_push(&t, 200, answer);
	fake_transport_push(&t, 200, answer);
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, WALL_2026);     /* 70 min before the fixture's expiry */
	struct jn_aws_credentials_provider *p = jn_aws_credentials_provider_create(&o, &t.base,
		&clock.base, NULL);
	struct jn_aws_credentials c;
	struct jn_error err;
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, &err), 0);
	CHECK_STR_EQ(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
	CHECK_STR_EQ(c.session_token, "IQoJb3JpZ2luX2VjEXAMPLETOKEN");
	CHECK_STR_EQ(c.source, "web-identity");
	CHECK_STR_EQ(t.requests[0].url, "http://127.0.0.1:7000/");
	CHECK_STR_EQ(t.requests[0].body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
		"&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fjitnode&RoleSessionName=jitnode"
		"&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.jwt");
	CHECK(fake_request_header(&t, 0, "Authorization") == NULL);
	jn_aws_credentials_release(&c);
	/* Cached for the next hour... */
	jn_fake_clock_advance(&clock, 60 * 60 * JN_NS_PER_SEC);
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, &err), 0);
	jn_aws_credentials_release(&c);
	CHECK_INT_EQ(jn_aws_credentials_fetches(p), 1);
	/* ...refreshed within 5 minutes of expiry, and the refresh failing keeps the old ones. */
	jn_fake_clock_advance(&clock, 6 * 60 * JN_NS_PER_SEC);
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, &err), 0);
	jn_aws_credentials_release(&c);
	CHECK_INT_EQ(jn_aws_credentials_fetches(p), 2);
	CHECK_INT_EQ(t.n_requests, 2);
	jn_aws_credentials_provider_destroy(p);

	/* A rejected token is an error of its own kind, not a fall-through to IMDS. */
	fake_transport_release(&t);
	fake_transport_init(&t);
	char *sts_err = fake_fixture("ec2/sts_error.xml");
	fake_transport_push(&t, 400, sts_err);
	p = jn_aws_credentials_provider_create(&o, &t.base, &clock.base, NULL);
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAUTHORIZED);
	CHECK_STR_CONTAINS(err.msg, "assuming role 'arn:aws:iam::123456789012:role/jitnode' with "
		"web identity: POST 'http://127.0.0.1:7000/': 'InvalidIdentityToken' (http 400)");
	CHECK_INT_EQ(t.n_requests, 1);
	jn_aws_credentials_provider_destroy(p);
	fake_transport_release(&t);
	jn_aws_options_release(&o);
	unlink(token);
	free(token);
	free(token_var);
	free(answer);
	free(sts_err);
}

static const char *imds_json =
	"{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"test-key\","
	"\"SecretAccessKey\":\"test-secret-key\",\"Token\":\"test-session-token\","
	"\"Expiration\":\"2026-11-24T11:50:00Z\"}";

static void imds_v2_token_then_role(void)
{
	char *const env[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:5000/",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_CONFIG_FILE=/nonexistent", NULL };
	struct jn_aws_options o;
	jn_aws_options_from_env(&o, env, NULL);
	struct fake_transport t;
	fake_transport_init(&t);
	fake_transport_push(&t, 200, "fake-imdsv2-token");
	fake_transport_push(&t, 200, "default-role\n");
	fake_transport_push(&t, 200, imds_json);
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, WALL_2026);
	struct jn_aws_credentials_provider *p = jn_aws_credentials_provider_create(&o, &t.base,
		&clock.base, NULL);
	struct jn_aws_credentials c;
	struct jn_error err;
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, &err), 0);
	CHECK_STR_EQ(c.access_key_id, "test-key");
	CHECK_STR_EQ(c.source, "imds");
	CHECK_INT_EQ(c.expires_wall_ns, WALL_2026 + 24 * 3600 * JN_NS_PER_SEC);
	CHECK_STR_EQ(t.requests[0].method, "PUT");
	CHECK_STR_EQ(t.requests[0].url, "http://127.0.0.1:5000/latest/api/token");
	CHECK_STR_EQ(fake_request_header(&t, 0, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
	CHECK_STR_EQ(t.requests[2].url,
		"http://127.0.0.1:5000/latest/meta-data/iam/security-credentials/default-role");
	CHECK_STR_EQ(fake_request_header(&t, 2, "X-aws-ec2-metadata-token"), "fake-imdsv2-token");
	jn_aws_credentials_release(&c);
	jn_aws_credentials_provider_destroy(p);
	fake_transport_release(&t);

	/* Nothing anywhere: one error that says what was looked at. */
	fake_transport_init(&t);
	fake_transport_push_failure(&t, JN_ERR_TIMEOUT);
	p = jn_aws_credentials_provider_create(&o, &t.base, &clock.base, NULL);
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_UNAUTHORIZED);
	CHECK_STR_CONTAINS(err.msg, "no aws credentials found: environment, shared files "
		"'/nonexistent', web identity and container credentials not configured; fetching "
		"instance role credentials from imds 'http://127.0.0.1:5000/'");
	jn_aws_credentials_provider_destroy(p);
	fake_transport_release(&t);
	jn_aws_options_release(&o);
}

static void pod_identity_reads_token_file(void)
{
	char *token = write_temp("pod-token\n");
	char *token_var = jn_xasprintf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", token);
	char *const env[] = { token_var,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/v1/credentials",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_CONFIG_FILE=/nonexistent", NULL };
	struct jn_aws_options o;
	jn_aws_options_from_env(&o, env, NULL);
	struct fake_transport t;
	fake_transport_init(&t);
	fake_transport_push(&t, 200, imds_json);
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, WALL_2026);
	struct jn_aws_credentials_provider *p = jn_aws_credentials_provider_create(&o, &t.base,
		&clock.base, NULL);
	struct jn_aws_credentials c;
	struct jn_error err;
	CHECK_INT_EQ(jn_aws_credentials_get(p, &c, &err), 0);
	CHECK_STR_EQ(c.source, "container");
	CHECK_STR_EQ(c.session_token, "test-session-token");
	CHECK_STR_EQ(t.requests[0].method, "GET");
	CHECK_STR_EQ(fake_request_header(&t, 0, "Authorization"), "pod-token");
	jn_aws_credentials_release(&c);
	jn_aws_credentials_provider_destroy(p);
	fake_transport_release(&t);
	jn_aws_options_release(&o);
	unlink(token);
	free(token);
	free(token_var);
}

int main(void)
{
	JN_RUN(options_from_env);
	JN_RUN(profile_region_and_shared_file);
	JN_RUN(environment_wins);
	JN_RUN(web_identity_assumes_role_and_refreshes);
	JN_RUN(imds_v2_token_then_role);
	JN_RUN(pod_identity_reads_token_file);
	return jn_tap_done();
}
