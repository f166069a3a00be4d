/*
 * List and watch on a thread of its own (client-go's Reflector, reduced to what jitnode needs).
 *
 *            start
 *              │
 *              ▼        fails: backoff
 *   ┌──────► LIST ◄──────────────┐     LIST: LIST_BEGIN, ADDED per item, on_synced(); rv = list rv
 *   │          │ ok              │
 *   │          ▼                 │
 *   │   ┌──► STREAM ─────────────┘     STREAM: GET ?watch=1&resourceVersion=rv&allowWatchBookmarks
 *   │   │      │                       every event moves rv forward (bookmarks too)
 *   │   │      ├─ ended (server timeout, EOF) ─► STREAM again at once (from rv)
 *   │   └──────┼─ failed (refused, 5xx, ERROR event) ─► backoff, STREAM again (from rv)
 *   └──────────┴─ 410 Gone (HTTP or ERROR event code 410), event over the cap ─► LIST
 *
 * The backoff doubles from base to cap with jitter and is reset once a stream delivers an event
 * or a list succeeds. Waits are sliced (100 ms) on the client's clock so that stop is prompt.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "kube_internal.h"

enum outcome {
	STREAM_ENDED,
	STREAM_FAILED,
	STREAM_GONE,
	STREAM_TOO_LARGE,
	STREAM_STOPPED,
};

struct jn_kube_watch {
	struct jn_kube_client *client;
	struct jn_logger *log;
	const struct jn_clock *clock;
	char *path;
	char *label_selector;
	char *field_selector;
	struct jn_watch_handler handler;
	void *ctx;
	int64_t backoff_base_ms;
	int64_t backoff_cap_ms;
	unsigned timeout_seconds;
	size_t page_size;

	pthread_t thread;
	atomic_bool stop;

	/* Owned by the watch thread. */
	char *rv;
	struct jn_kube_lines lines;
	enum outcome outcome;       /* what the stream callbacks saw */
	bool delivered;             /* the current stream delivered an event */
	char stream_error[256];
	uint64_t rng;

	atomic_uint_fast64_t n_lists, n_streams, n_events, n_gone, n_errors;
};

const char *jn_watch_event_name(enum jn_watch_event ev)
{
	switch (ev) {
	case JN_WATCH_LIST_BEGIN: return "list-begin";
	case JN_WATCH_ADDED: return "added";
	case JN_WATCH_MODIFIED: return "modified";
	case JN_WATCH_DELETED: return "deleted";
	case JN_WATCH_BOOKMARK: return "bookmark";
	}
	return "unknown";
}

static uint64_t next_random(struct jn_kube_watch *w)
{
	/* xorshift64*: jitter only, no need for quality. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * UINT64_C(2685821657736338717);
}

static bool stopping(void *ctx)
{
	struct jn_kube_watch *w = ctx;
	return atomic_load(&w->stop);
}

/* Sleeps ms on the client's clock in slices; returns false when stop was asked. */
static bool pause_ms(struct jn_kube_watch *w, int64_t ms)
{
	int64_t deadline = jn_clock_mono_ns(w->clock) + ms * JN_NS_PER_MS;
	while (!stopping(w)) {
		int64_t now = jn_clock_mono_ns(w->clock);
		if (now >= deadline)
			return true;
		jn_clock_sleep_until(w->clock, JN_MIN(deadline, now + 100 * JN_NS_PER_MS));
	}
	return false;
}

static void append_selectors(struct jn_kube_watch *w, struct jn_buf *p)
{
	if (w->label_selector) {
		jn_buf_append_str(p, "&labelSelector=", NULL);
		jn_kube_escape(p, w->label_selector);
	}
	if (w->field_selector) {
		jn_buf_append_str(p, "&fieldSelector=", NULL);
		jn_kube_escape(p, w->field_selector);
	}
}

static void set_rv(struct jn_kube_watch *w, const json_t *obj)
{
	const char *rv = json_string_value(json_object_get(json_object_get(obj, "metadata"),
		"resourceVersion"));
	if (rv && *rv) {
		free(w->rv);
		w->rv = jn_xstrdup(rv);
	}
}

struct list_ctx {
	struct jn_kube_watch *w;
	size_t items;
};

static int on_page(void *ctx, bool first, const char *kind, const json_t *items)
{
	struct list_ctx *l = ctx;
	struct jn_kube_watch *w = l->w;
	if (first) {
		/* A pass (re)starts: a new epoch for the handler's mark-and-sweep. */
		w->handler.on_event(w->ctx, JN_WATCH_LIST_BEGIN, NULL);
		l->items = 0;
	}
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
		w->handler.on_event(w->ctx, JN_WATCH_ADDED, item);
	l->items += json_array_size(items);
	return 0;
}

static int do_list(struct jn_kube_watch *w, struct jn_error *err)
{
	struct jn_buf p;
	jn_buf_init(&p, JN_BUF_UNLIMITED);
	/* "resourceVersion=" empty: a consistent read from etcd (selectors follow with '&'). */
	jn_buf_printf(&p, NULL, "%s?resourceVersion=", w->path);
	append_selectors(w, &p);
	struct list_ctx l = { .w = w };
	char *rv = NULL;
	int rc = jn_kube_list_each(w->client, jn_buf_cstr(&p), w->page_size, on_page, &l, &rv, err);
	jn_buf_release(&p);
	if (rc < 0)
		return -1;
	if (w->handler.on_synced)
		w->handler.on_synced(w->ctx);
	if (rv && *rv) {
		free(w->rv);
		w->rv = rv;
	} else {
		free(rv);
	}
	atomic_fetch_add(&w->n_lists, 1);
	jn_log_info(w->log, "listed", JN_LOG_STR("path", w->path), JN_LOG_INT("items", l.items),
		JN_LOG_STR("resource_version", w->rv));
	return 0;
}

static int on_line(void *ctx, const char *line, size_t len, struct jn_error *err)
{
	struct jn_kube_watch *w = ctx;
	json_error_t jerr;
	json_t *ev = json_loadb(line, len, 0, &jerr);
	const char *type = json_string_value(json_object_get(ev, "type"));
	const json_t *obj = json_object_get(ev, "object");
	if (!type || !json_is_object(obj)) {
		json_decref(ev);
		w->outcome = STREAM_FAILED;
		return jn_error_set(err, JN_ERR_INVALID, "undecodable watch event: %s",
			type ? "no object" : jerr.text);
	}
	enum jn_watch_event kind;
	if (strcmp(type, "ADDED") == 0) {
		kind = JN_WATCH_ADDED;
	} else if (strcmp(type, "MODIFIED") == 0) {
		kind = JN_WATCH_MODIFIED;
	} else if (strcmp(type, "DELETED") == 0) {
		kind = JN_WATCH_DELETED;
	} else if (strcmp(type, "BOOKMARK") == 0) {
		kind = JN_WATCH_BOOKMARK;
	} else {
		json_int_t code = json_integer_value(json_object_get(obj, "code"));
		const char *msg = json_string_value(json_object_get(obj, "message"));
		w->outcome = code == 410 ? STREAM_GONE : STREAM_FAILED;
		jn_error_set(err, code == 410 ? JN_ERR_NOT_FOUND : JN_ERR_UNAVAILABLE,
			"watch error event %s code %lld: %s", type, (long long)code, msg ? msg : "");
		json_decref(ev);
		return -1;
	}
	set_rv(w, obj);
	w->handler.on_event(w->ctx, kind, obj);
	w->delivered = true;
	atomic_fetch_add(&w->n_events, 1);
	json_decref(ev);
	return 0;
}

static size_t sink(void *ctx, const char *data, size_t n)
{
	struct jn_kube_watch *w = ctx;
	struct jn_error err;
	if (jn_kube_lines_feed(&w->lines, data, n, on_line, w, &err) < 0) {
		if (err.kind == JN_ERR_TOO_LARGE)
			w->outcome = STREAM_TOO_LARGE;
		else if (w->outcome == STREAM_ENDED)
			w->outcome = STREAM_FAILED;
		snprintf(w->stream_error, sizeof(w->stream_error), "%s", err.msg);
		return 0;
	}
	return n;
}

static enum outcome do_stream(struct jn_kube_watch *w)
{
	struct jn_buf p;
	jn_buf_init(&p, JN_BUF_UNLIMITED);
	unsigned timeout = w->timeout_seconds ? w->timeout_seconds
		: 300 + (unsigned)(next_random(w) % 301);
	jn_buf_printf(&p, NULL, "%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=%u"
		"&resourceVersion=", w->path, timeout);
	jn_kube_escape(&p, w->rv ? w->rv : "");
	append_selectors(w, &p);
	jn_kube_lines_reset(&w->lines);
	w->outcome = STREAM_ENDED;
	w->delivered = false;
	w->stream_error[0] = '\0';
	struct jn_kube_call call = {
		.method = "GET",
		.path = jn_buf_cstr(&p),
		.sink = sink,
		.sink_ctx = w,
		.abort = stopping,
		.idle_timeout_s = (long)timeout + 60,
	};
	atomic_fetch_add(&w->n_streams, 1);
	struct jn_error err;
	int rc = jn_kube_call(w->client, &call, NULL, &err);
	jn_buf_release(&p);
	if (stopping(w))
		return STREAM_STOPPED;
	if (rc == 0)
		return w->outcome;
	if (w->outcome != STREAM_ENDED) {
		/* The sink stopped the stream and said why. */
		jn_log_warn(w->log, "watch stream stopped", JN_LOG_STR("path", w->path),
			JN_LOG_STR("error", w->stream_error));
		return w->outcome;
	}
	if (call.status == 410)
		return STREAM_GONE;
	jn_log_warn(w->log, "watch stream failed", JN_LOG_STR("path", w->path),
		JN_LOG_STR("error", err.msg));
	return STREAM_FAILED;
}

static void *run(void *arg)
{
	struct jn_kube_watch *w = arg;
	unsigned failures = 0;
	bool relist = w->rv == NULL;
	while (!stopping(w)) {
		if (relist) {
			struct jn_error err;
			if (do_list(w, &err) < 0) {
				atomic_fetch_add(&w->n_errors, 1);
				int64_t ms = jn_kube_backoff_ms(failures++, w->backoff_base_ms,
					w->backoff_cap_ms, next_random(w));
				jn_log_warn(w->log, "list failed", JN_LOG_STR("path", w->path),
					JN_LOG_STR("error", err.msg), JN_LOG_INT("retry_in_ms", ms));
				pause_ms(w, ms);
				continue;
			}
			relist = false;
			failures = 0;
		}
		enum outcome o = do_stream(w);
		if (w->delivered)
			failures = 0;
		switch (o) {
		case STREAM_STOPPED:
			break;
		case STREAM_ENDED:
			/* A healthy stream delivers bookmarks at least every minute; one that ends
			 * without a single event is treated as a failure so that it cannot spin. */
			if (!w->delivered)
				pause_ms(w, jn_kube_backoff_ms(failures++, w->backoff_base_ms,
					w->backoff_cap_ms, next_random(w)));
			break;
		case STREAM_GONE:
			atomic_fetch_add(&w->n_gone, 1);
			jn_log_info(w->log, "relisting after 410 gone", JN_LOG_STR("path", w->path),
				JN_LOG_STR("resource_version", w->rv));
			relist = true;
			break;
		case STREAM_TOO_LARGE:
			atomic_fetch_add(&w->n_errors, 1);
			relist = true;
			pause_ms(w, jn_kube_backoff_ms(failures++, w->backoff_base_ms,
				w->backoff_cap_ms, next_random(w)));
			break;
		case STREAM_FAILED:
			atomic_fetch_add(&w->n_errors, 1);
			pause_ms(w, jn_kube_backoff_ms(failures++, w->backoff_base_ms,
				w->backoff_cap_ms, next_random(w)));
			break;
		}
	}
	return NULL;
}

static void free_watch(struct jn_kube_watch *w)
{
	jn_kube_lines_release(&w->lines);
	free(w->path);
	free(w->label_selector);
	free(w->field_selector);
	free(w->rv);
	free(w);
}

struct jn_kube_watch *jn_kube_watch_start(struct jn_kube_client *client,
	const struct jn_kube_watch_options *opts, struct jn_error *err)
{
	if (!opts->path || !opts->handler.on_event) {
		jn_error_set(err, JN_ERR_INVALID, "starting a watch: path and on_event are required");
		return NULL;
	}
	struct jn_kube_watch *w = jn_xcalloc(1, sizeof(*w));
	w->client = client;
	w->log = jn_kube_client_log(client);
	w->clock = jn_kube_client_clock(client);
	w->path = jn_xstrdup(opts->path);
	w->label_selector = opts->label_selector ? jn_xstrdup(opts->label_selector) : NULL;
	w->field_selector = opts->field_selector ? jn_xstrdup(opts->field_selector) : NULL;
	w->handler = opts->handler;
	w->ctx = opts->ctx;
	w->backoff_base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 200;
	w->backoff_cap_ms = opts->backoff_cap_ms > 0 ? opts->backoff_cap_ms : 30000;
	w->timeout_seconds = opts->timeout_seconds;
	w->page_size = opts->page_size;
	w->rv = opts->resource_version ? jn_xstrdup(opts->resource_version) : NULL;
	w->rng = (uint64_t)jn_clock_mono_ns(w->clock) ^ (uint64_t)(uintptr_t)w ^ 0x9e3779b97f4a7c15u;
	if (!w->rng)
		w->rng = 1;
	jn_kube_lines_init(&w->lines, opts->max_event_bytes ? opts->max_event_bytes : (8u << 20));
	atomic_init(&w->stop, false);
	int rc = pthread_create(&w->thread, NULL, run, w);
	if (rc != 0) {
		jn_error_set(err, JN_ERR_INTERNAL, "starting the watch of '%s': %s", opts->path,
			strerror(rc));
		free_watch(w);
		return NULL;
	}
	return w;
}

void jn_kube_watch_stop(struct jn_kube_watch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	free_watch(w);
}

void jn_kube_watch_stats(const struct jn_kube_watch *w, struct jn_kube_watch_stats *out)
{
	struct jn_kube_watch *m = (struct jn_kube_watch *)w;
	out->lists = atomic_load(&m->n_lists);
	out->streams = atomic_load(&m->n_streams);
	out->events = atomic_load(&m->n_events);
	out->gone = atomic_load(&m->n_gone);
	out->errors = atomic_load(&m->n_errors);
}
