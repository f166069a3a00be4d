#include <stdlib.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/metrics.h"
#include "extender_internal.h"

static const double request_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 1 };
static const double bind_bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5 };

struct jn_extender *jn_extender_create(struct jn_extender_backend *backend,
	const struct jn_extender_options *opts)
{
	struct jn_extender *ext = jn_xcalloc(1, sizeof(*ext));
	ext->backend = backend;
	ext->log = opts ? opts->log : NULL;
	ext->clock = opts && opts->clock ? opts->clock : jn_clock_real();
	ext->max_body = opts && opts->max_body ? opts->max_body : 16u << 20;
	struct jn_metrics *m = opts ? opts->metrics : NULL;
	if (!m)
		m = ext->own_metrics = jn_metrics_create();
	ext->requests = jn_metrics_counter(m, "jitnode_extender_requests_total",
		"Extender requests received, by verb.", "verb");
	ext->binds = jn_metrics_counter(m, "jitnode_extender_binds_total",
		"Bindings attempted through the bind verb, by result.", "result");
	ext->bind_seconds = jn_metrics_histogram(m, "jitnode_extender_bind_duration_seconds",
		"Time to bind a pod through the apiserver.", NULL, bind_bounds,
		JN_ARRAY_LEN(bind_bounds));
	ext->request_seconds = jn_metrics_histogram(m, "jitnode_extender_request_duration_seconds",
		"Time jitnode spends handling one extender request, by verb.", "verb", request_bounds,
		JN_ARRAY_LEN(request_bounds));
	return ext;
}

void jn_extender_destroy(struct jn_extender *ext)
{
	if (!ext)
		return;
	jn_metrics_destroy(ext->own_metrics);
	free(ext);
}

uint64_t jn_extender_bind_count(const struct jn_extender *ext, const char *result)
{
	return jn_counter_get(ext->binds, result);
}

typedef int (*verb_fn)(struct jn_extender *, const char *, size_t, struct jn_buf *);

static int serve(verb_fn verb, void *ctx, const struct jn_http_request *req,
	struct jn_http_response *resp)
{
	struct jn_extender *ext = ctx;
	int64_t start = jn_clock_mono_ns(ext->clock);
	resp->status = verb(ctx, req->body, req->body_len, &resp->body);
	jn_histogram_observe(ext->request_seconds, req->path + 1,
		(double)(jn_clock_mono_ns(ext->clock) - start) / 1e9);
	if (resp->status != 200)
		resp->content_type = "text/plain";
	return 0;
}

static int on_bind(void *ctx, const struct jn_http_request *req, struct jn_http_response *resp,
	struct jn_error *err)
{
	return serve(jn_extender_bind, ctx, req, resp);
}

static int on_filter(void *ctx, const struct jn_http_request *req, struct jn_http_response *resp,
	struct jn_error *err)
{
	return serve(jn_extender_filter, ctx, req, resp);
}

static int on_preempt(void *ctx, const struct jn_http_request *req,
	struct jn_http_response *resp, struct jn_error *err)
{
	return serve(jn_extender_preempt, ctx, req, resp);
}

static int on_prioritize(void *ctx, const struct jn_http_request *req,
	struct jn_http_response *resp, struct jn_error *err)
{
	return serve(jn_extender_prioritize, ctx, req, resp);
}

size_t jn_extender_routes(struct jn_extender *ext, struct jn_http_route *out, size_t max)
{
	const struct jn_http_route routes[] = {
		{ "POST", "/bind", on_bind, ext, .blocking = true },
		{ "POST", "/filter", on_filter, ext, .blocking = false },
		{ "POST", "/preempt", on_preempt, ext, .blocking = false },
		{ "POST", "/prioritize", on_prioritize, ext, .blocking = false },
	};
	size_t n = JN_MIN(max, JN_ARRAY_LEN(routes));
	for (size_t i = 0; i < n; i++)
		out[i] = routes[i];
	return n;
}
