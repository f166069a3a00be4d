/*
 * jitnode's composition root: parses the command line, builds the objects each command needs,
 * wires the seams together, and runs. No other file chooses implementations.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "jitnode/buf.h"
#include "jitnode/cache.h"
#include "jitnode/error.h"
#include "jitnode/extender.h"
#include "jitnode/http.h"
#include "jitnode/kube.h"
#include "jitnode/log.h"
#include "jitnode/metrics.h"
#include "jitnode/plan.h"

/* The one piece of process-wide state: set by SIGINT/SIGTERM, read by the serve loop. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int usage(FILE *out)
{
	fprintf(out,
		"usage: jitnode <command> [options]\n"
		"\n"
		"commands:\n"
		"  plan       what would be launched for given pods, nodes and policies\n"
		"  serve      run the extender webhooks (and, later, the controllers) against a cluster\n"
		"  version    print the version\n");
	return out == stdout ? 0 : 2;
}

struct serve_flags {
	const char *listen;         /* "ADDR:PORT" */
	const char *kubeconfig;
	const char *context;
	const char *tls_cert, *tls_key, *client_ca;
	const char *log_level, *log_format;
	unsigned threads;
	unsigned workers;
	double kube_qps;
	int kube_burst;
};

static int serve_usage(void)
{
	fprintf(stderr,
		"usage: jitnode serve [--listen ADDR:PORT] [--kubeconfig FILE] [--context NAME]\n"
		"                     [--tls-cert FILE --tls-key FILE [--client-ca FILE]]\n"
		"                     [--threads N] [--workers N] [--kube-qps N] [--kube-burst N]\n"
		"                     [--log-level debug|info|warn|error] [--log-format text|json]\n");
	return 2;
}

/* Accepts "--flag value" and "--flag=value"; returns the value when argv[*i] is flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int parse_serve_flags(int argc, char **argv, struct serve_flags *f)
{
	*f = (struct serve_flags){ .listen = "0.0.0.0:8443", .log_level = "info",
		.log_format = "text" };
	for (int i = 2; i < argc; i++) {
		const char *v;
		if ((v = flag_value(argc, argv, &i, "--listen"))) f->listen = v;
		else if ((v = flag_value(argc, argv, &i, "--kubeconfig"))) f->kubeconfig = v;
		else if ((v = flag_value(argc, argv, &i, "--context"))) f->context = v;
		else if ((v = flag_value(argc, argv, &i, "--tls-cert"))) f->tls_cert = v;
		else if ((v = flag_value(argc, argv, &i, "--tls-key"))) f->tls_key = v;
		else if ((v = flag_value(argc, argv, &i, "--client-ca"))) f->client_ca = v;
		else if ((v = flag_value(argc, argv, &i, "--log-level"))) f->log_level = v;
		else if ((v = flag_value(argc, argv, &i, "--log-format"))) f->log_format = v;
		else if ((v = flag_value(argc, argv, &i, "--threads"))) f->threads = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--workers"))) f->workers = (unsigned)atoi(v);
		else if ((v = flag_value(argc, argv, &i, "--kube-qps"))) f->kube_qps = atof(v);
		else if ((v = flag_value(argc, argv, &i, "--kube-burst"))) f->kube_burst = atoi(v);
		else {
			fprintf(stderr, "jitnode serve: unknown flag '%s'\n", argv[i]);
			return serve_usage();
		}
	}
	if (!!f->tls_cert != !!f->tls_key) {
		fprintf(stderr, "jitnode serve: --tls-cert and --tls-key go together\n");
		return 2;
	}
	return 0;
}

/* Splits "ADDR:PORT" (or "[v6]:PORT") into addr (owned) and port. */
static int split_listen(const char *listen, char **addr, uint16_t *port)
{
	const char *colon = strrchr(listen, ':');
	if (!colon)
		return -1;
	long p = strtol(colon + 1, NULL, 10);
	if (p < 0 || p > 65535)
		return -1;
	const char *start = listen, *end = colon;
	if (*start == '[' && end > start && end[-1] == ']') {
		start++;
		end--;
	}
	*addr = jn_xstrndup(start, (size_t)(end - start));
	*port = (uint16_t)p;
	return 0;
}

static int read_pem(const char *path, char **out, struct jn_error *err)
{
	*out = NULL;
	if (!path)
		return 0;
	struct jn_buf buf;
	jn_buf_init(&buf, 1u << 20);
	if (jn_buf_read_file(&buf, path, err) < 0) {
		jn_buf_release(&buf);
		return -1;
	}
	*out = jn_buf_detach(&buf, NULL);
	return 0;
}

struct serve_state {
	struct jn_cache *cache;
	struct jn_metrics *metrics;
};

static int on_healthz(void *ctx, const struct jn_http_request *req,
	struct jn_http_response *resp, struct jn_error *err)
{
	resp->content_type = "text/plain";
	jn_http_response_append(resp, "ok\n", 3);
	return 0;
}

/* Ready once the cache has listed nodes and pods: before that /filter would pass every node. */
static int on_readyz(void *ctx, const struct jn_http_request *req,
	struct jn_http_response *resp, struct jn_error *err)
{
	struct serve_state *st = ctx;
	resp->content_type = "text/plain";
	bool ready = jn_cache_synced(st->cache);
	resp->status = ready ? 200 : 503;
	const char *text = ready ? "ok\n" : "cache not synced\n";
	jn_http_response_append(resp, text, strlen(text));
	return 0;
}

static int on_metrics(void *ctx, const struct jn_http_request *req,
	struct jn_http_response *resp, struct jn_error *err)
{
	struct serve_state *st = ctx;
	resp->content_type = "text/plain; version=0.0.4";
	jn_metrics_render(st->metrics, &resp->body);
	return 0;
}

static int serve(int argc, char **argv)
{
	struct serve_flags f;
	int rc = parse_serve_flags(argc, argv, &f);
	if (rc)
		return rc;
	enum jn_log_level level;
	if (jn_log_level_parse(f.log_level, &level) < 0) {
		fprintf(stderr, "jitnode serve: unknown log level '%s'\n", f.log_level);
		return 2;
	}
	enum jn_log_format format = strcmp(f.log_format, "json") == 0 ? JN_LOG_FORMAT_JSON :
		JN_LOG_FORMAT_TEXT;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct jn_logger *log = jn_logger_create(stderr, level, format, NULL);
	struct jn_metrics *metrics = jn_metrics_create();
	struct jn_error err;
	jn_error_clear(&err);
	struct jn_kube_config cfg = { 0 };
	struct jn_kube_env env;
	struct jn_kube_client *client = NULL;
	struct jn_cache *cache = NULL;
	struct jn_kube_watch *node_watch = NULL, *pod_watch = NULL;
	struct jn_extender_backend *backend = NULL;
	struct jn_extender *ext = NULL;
	struct jn_http_server *srv = NULL;
	char *addr = NULL, *cert = NULL, *key = NULL, *client_ca = NULL;
	rc = 1;

	jn_kube_env_from_environ(&env);
	if (jn_kube_config_load(&env, f.kubeconfig, f.context, &cfg, &err) < 0)
		goto fail;
	struct jn_kube_client_options copts = { .qps = f.kube_qps, .burst = f.kube_burst,
		.log = log };
	client = jn_kube_client_create(&cfg, &copts, &err);
	if (!client)
		goto fail;
	cache = jn_cache_create(&(struct jn_cache_options){ .log = log });
	struct jn_kube_watch_options nodes = { .path = "/api/v1/nodes",
		.handler = jn_cache_node_handler(), .ctx = cache };
	struct jn_kube_watch_options pods = { .path = "/api/v1/pods",
		.handler = jn_cache_pod_handler(), .ctx = cache };
	if (!(node_watch = jn_kube_watch_start(client, &nodes, &err)) ||
		!(pod_watch = jn_kube_watch_start(client, &pods, &err)))
		goto fail;

	backend = jn_extender_backend_cluster_create(cache, client);
	ext = jn_extender_create(backend, &(struct jn_extender_options){ .log = log,
		.metrics = metrics });
	struct serve_state st = { .cache = cache, .metrics = metrics };
	struct jn_http_route routes[8];
	size_t n = jn_extender_routes(ext, routes, 4);
	routes[n++] = (struct jn_http_route){ "GET", "/healthz", on_healthz, &st, false };
	routes[n++] = (struct jn_http_route){ "GET", "/metrics", on_metrics, &st, false };
	routes[n++] = (struct jn_http_route){ "GET", "/readyz", on_readyz, &st, false };
	uint16_t port;
	if (split_listen(f.listen, &addr, &port) < 0) {
		jn_error_set(&err, JN_ERR_INVALID, "invalid --listen '%s' (want ADDR:PORT)", f.listen);
		goto fail;
	}
	if (read_pem(f.tls_cert, &cert, &err) < 0 || read_pem(f.tls_key, &key, &err) < 0 ||
		read_pem(f.client_ca, &client_ca, &err) < 0)
		goto fail;
	struct jn_http_server_options hopts = { .address = addr, .port = port,
		.threads = f.threads, .workers = f.workers, .tls_cert_pem = cert, .tls_key_pem = key,
		.tls_client_ca_pem = client_ca };
	srv = jn_http_server_start(&hopts, routes, n, &err);
	if (!srv)
		goto fail;
	jn_log_info(log, "serving extender", JN_LOG_STR("address", addr),
		JN_LOG_INT("port", jn_http_server_port(srv)), JN_LOG_BOOL("tls", cert != NULL),
		JN_LOG_STR("apiserver", jn_kube_client_server(client)));
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
	signal(SIGPIPE, SIG_IGN);
	while (!stop_requested)
		pause();
	jn_log_info(log, "stopping", JN_LOG_INT("binds", jn_extender_bind_count(ext, "success")));
	rc = 0;
fail:
	if (rc)
		jn_log_error(log, "jitnode serve failed", JN_LOG_STR("kind",
			jn_error_kind_name(err.kind)), JN_LOG_STR("error", err.msg));
	jn_http_server_stop(srv);
	jn_kube_watch_stop(pod_watch);
	jn_kube_watch_stop(node_watch);
	jn_extender_destroy(ext);
	jn_extender_backend_cluster_destroy(backend);
	jn_cache_destroy(cache);
	jn_kube_client_destroy(client);
	jn_kube_config_release(&cfg);
	free(addr);
	free(cert);
	free(key);
	free(client_ca);
	jn_metrics_destroy(metrics);
	jn_logger_destroy(log);
	curl_global_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "version") == 0) {
		printf("jitnode 0.1.0\n");
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "plan") == 0)
		return jn_plan_main(argc - 1, argv + 1, stdout, stderr);
	if (strcmp(argv[1], "serve") == 0)
		return serve(argc, argv);
	fprintf(stderr, "jitnode: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
