/* kubeconfig and in-cluster configuration, and the YAML reader under them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jitnode/error.h"
#include "jitnode/kube.h"
#include "../../../src/kube/kube_internal.h"
#include "tap.h"

static char *fixture(void)
{
	return jn_test_source_path("tests/fixtures/kube/kubeconfig.yaml");
}

static void reads_current_context_with_token_and_inline_ca(void)
{
	char *path = fixture();
	struct jn_kube_config cfg;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, NULL, &cfg, &err), 0);
	CHECK_STR_EQ(cfg.context, "dev");
	CHECK_STR_EQ(cfg.server, "https://dev.example.com:6443");
	CHECK_STR_EQ(cfg.token, "abc.def-ghi");
	CHECK(cfg.token_file == NULL);
	CHECK_STR_EQ(cfg.ca_pem, "-----BEGIN CERTIFICATE-----\ninline-ca\n-----END CERTIFICATE-----\n");
	CHECK(cfg.client_cert_pem == NULL);
	CHECK(!cfg.insecure);
	CHECK_STR_EQ(cfg.namespace_, "team-a");
	jn_kube_config_release(&cfg);
	free(path);
}

static void reads_certificate_files_relative_to_the_kubeconfig(void)
{
	char *path = fixture();
	struct jn_kube_config cfg;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, "prod", &cfg, &err), 0);
	CHECK_STR_EQ(cfg.server, "https://10.0.0.1:443");
	CHECK_STR_EQ(cfg.ca_pem, "-----BEGIN CERTIFICATE-----\nfile-ca\n-----END CERTIFICATE-----\n");
	CHECK_STR_EQ(cfg.client_cert_pem,
		"-----BEGIN CERTIFICATE-----\nfile-client\n-----END CERTIFICATE-----\n");
	CHECK_STR_EQ(cfg.client_key_pem,
		"-----BEGIN PRIVATE KEY-----\nfile-key\n-----END PRIVATE KEY-----\n");
	CHECK(cfg.token == NULL);
	CHECK_STR_EQ(cfg.namespace_, "default");
	jn_kube_config_release(&cfg);
	free(path);
}

static void reads_inline_client_certificates_and_insecure(void)
{
	char *path = fixture();
	struct jn_kube_config cfg;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, "lab", &cfg, &err), 0);
	CHECK(cfg.insecure);
	CHECK(cfg.ca_pem == NULL);
	CHECK_STR_EQ(cfg.client_cert_pem,
		"-----BEGIN CERTIFICATE-----\ninline-client\n-----END CERTIFICATE-----\n");
	/* The key's base64 is folded over two lines in a block scalar. */
	CHECK_STR_EQ(cfg.client_key_pem,
		"-----BEGIN PRIVATE KEY-----\ninline-key\n-----END PRIVATE KEY-----\n");
	jn_kube_config_release(&cfg);
	free(path);
}

static void keeps_the_token_file_path(void)
{
	char *path = fixture();
	char *token = jn_test_source_path("tests/fixtures/kube/token.txt");
	struct jn_kube_config cfg;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, "rotating", &cfg, &err), 0);
	CHECK(cfg.token == NULL);
	CHECK_STR_EQ(cfg.token_file, token);
	jn_kube_config_release(&cfg);
	free(token);
	free(path);
}

static void refuses_what_it_cannot_use(void)
{
	char *path = fixture();
	struct jn_kube_config cfg;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, "nope", &cfg, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_CONTAINS(err.msg, "kubeconfig '");
	CHECK_STR_CONTAINS(err.msg, "': no context named \"nope\"");
	CHECK(cfg.server == NULL);

	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, "broken", &cfg, &err), -1);
	CHECK_STR_CONTAINS(err.msg, "context \"broken\": no cluster named \"no-such-cluster\"");

	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, "cloud", &cfg, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_CONTAINS(err.msg,
		"user \"exec-user\": exec and auth-provider credentials are not supported");
	CHECK(cfg.server == NULL);

	CHECK_INT_EQ(jn_kube_config_from_kubeconfig(path, "half-cert", &cfg, &err), -1);
	CHECK_STR_CONTAINS(err.msg,
		"user \"half\": client-certificate and client-key must be given together");

	CHECK_INT_EQ(jn_kube_config_from_kubeconfig("/nonexistent/kubeconfig", NULL, &cfg, &err),
		-1);
	CHECK_INT_EQ(err.kind, JN_ERR_IO);
	CHECK_STR_CONTAINS(err.msg, "kubeconfig '/nonexistent/kubeconfig'");
	free(path);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void reads_the_in_cluster_service_account(void)
{
	char dir[] = "/tmp/jn_sa_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	write_file(path, "CA PEM\n");
	snprintf(path, sizeof(path), "%s/token", dir);
	write_file(path, "sa-token\n");
	snprintf(path, sizeof(path), "%s/namespace", dir);
	write_file(path, "jitnode\n");
	struct jn_kube_env env = { .service_host = "10.96.0.1", .service_port = "443",
		.sa_dir = dir };
	struct jn_kube_config cfg;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_config_in_cluster(&env, &cfg, &err), 0);
	CHECK_STR_EQ(cfg.server, "https://10.96.0.1:443");
	CHECK_STR_EQ(cfg.ca_pem, "CA PEM\n");
	char want[300];
	snprintf(want, sizeof(want), "%s/token", dir);
	CHECK_STR_EQ(cfg.token_file, want);
	CHECK_STR_EQ(cfg.namespace_, "jitnode");
	jn_kube_config_release(&cfg);

	env.service_host = "fd00::1";
	env.service_port = NULL;
	CHECK_INT_EQ(jn_kube_config_load(&env, NULL, NULL, &cfg, &err), 0);
	CHECK_STR_EQ(cfg.server, "https://[fd00::1]:443");
	jn_kube_config_release(&cfg);

	snprintf(path, sizeof(path), "%s/token", dir);
	remove(path);
	CHECK_INT_EQ(jn_kube_config_in_cluster(&env, &cfg, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_IO);
	CHECK_STR_CONTAINS(err.msg, "loading the in-cluster config: ");

	env.service_host = NULL;
	CHECK_INT_EQ(jn_kube_config_in_cluster(&env, &cfg, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_EQ(err.msg, "not in a cluster: KUBERNETES_SERVICE_HOST is not set");
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	remove(path);
	snprintf(path, sizeof(path), "%s/namespace", dir);
	remove(path);
	rmdir(dir);
}

static void load_prefers_explicit_then_cluster_then_env(void)
{
	char *path = fixture();
	struct jn_kube_env env = { .kubeconfig = path };
	struct jn_kube_config cfg;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_config_load(&env, NULL, "prod", &cfg, &err), 0);
	CHECK_STR_EQ(cfg.context, "prod");
	jn_kube_config_release(&cfg);
	struct jn_kube_env none = { 0 };
	CHECK_INT_EQ(jn_kube_config_load(&none, NULL, NULL, &cfg, &err), -1);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	free(path);
}

static void yaml_reader_types_and_errors(void)
{
	const char *text = "a: [1, true, \"true\", ~, x]\nb: {c: null, d: ''}\n";
	json_t *doc = NULL;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_yaml_to_json(text, strlen(text), &doc, &err), 0);
	char *dump = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR_EQ(dump, "{\"a\":[\"1\",true,\"true\",null,\"x\"],\"b\":{\"c\":null,\"d\":\"\"}}");
	free(dump);
	json_decref(doc);

	const char *alias = "a: &x 1\nb: *x\n";
	CHECK_INT_EQ(jn_kube_yaml_to_json(alias, strlen(alias), &doc, &err), -1);
	CHECK_STR_EQ(err.msg, "line 2 column 4: aliases are not supported");
	const char *bad = "a: [1, 2\nb: 3\n";
	CHECK_INT_EQ(jn_kube_yaml_to_json(bad, strlen(bad), &doc, &err), -1);
	CHECK_STR_CONTAINS(err.msg, "line 2 column 2: ");
	const char *keys = "? [a]\n: 1\n";
	CHECK_INT_EQ(jn_kube_yaml_to_json(keys, strlen(keys), &doc, &err), -1);
	CHECK_STR_EQ(err.msg, "line 1 column 3: mapping keys must be scalars");

	struct jn_buf deep;
	jn_buf_init(&deep, JN_BUF_UNLIMITED);
	for (int i = 0; i < 70; i++)
		jn_buf_append_str(&deep, "[", NULL);
	CHECK_INT_EQ(jn_kube_yaml_to_json(deep.data, deep.len, &doc, &err), -1);
	CHECK_STR_CONTAINS(err.msg, "nesting deeper than 64 levels");
	jn_buf_release(&deep);
}

static void base64_decoding(void)
{
	char *out;
	size_t len;
	struct jn_error err;
	CHECK_INT_EQ(jn_kube_base64_decode("aGVs\nbG8=", &out, &len, &err), 0);
	CHECK_STR_EQ(out, "hello");
	CHECK_INT_EQ(len, 5);
	free(out);
	CHECK_INT_EQ(jn_kube_base64_decode("aGVsbG8", &out, &len, &err), 0);
	CHECK_STR_EQ(out, "hello");
	free(out);
	CHECK_INT_EQ(jn_kube_base64_decode("aGV*bG8=", &out, &len, &err), -1);
	CHECK_STR_EQ(err.msg, "invalid base64 at offset 3");
}

int main(void)
{
	JN_RUN(reads_current_context_with_token_and_inline_ca);
	JN_RUN(reads_certificate_files_relative_to_the_kubeconfig);
	JN_RUN(reads_inline_client_certificates_and_insecure);
	JN_RUN(keeps_the_token_file_path);
	JN_RUN(refuses_what_it_cannot_use);
	JN_RUN(reads_the_in_cluster_service_account);
	JN_RUN(load_prefers_explicit_then_cluster_then_env);
	JN_RUN(yaml_reader_types_and_errors);
	JN_RUN(base64_decoding);
	return jn_tap_done();
}
