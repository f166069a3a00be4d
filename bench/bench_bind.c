/*
 * Bind load generator: posts bindings at a fixed concurrency with libcurl multi and prints the
 * latency distribution, either through jitnode's /bind (ExtenderBindingArgs) or straight to the
 * apiserver's pods/binding (what the scheduler's DefaultBinder does), so the two can be compared
 * in one run. The pods come from a file of "namespace name uid node" lines; each is bound once.
 *
 *   bench_bind --mode extender --url http://127.0.0.1:PORT --concurrency 32 --pods FILE
 *   bench_bind --mode direct --url https://127.0.0.1:6443 --cacert CA --cert C --key K ...
 *
 * Prints one line: mode=... concurrency=... binds=... errors=... p50_ms=... p90_ms=... p99_ms=...
 * throughput_per_s=... and exits non-zero if any bind failed (the figures would lie otherwise).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jitnode/base.h"
#include "jitnode/buf.h"

struct binding {
	char ns[128], name[256], uid[64], node[256];
};

struct slot {
	CURL *curl;
	struct curl_slist *headers;
	char *body;
	struct jn_buf answer;
	double started;
	size_t index;
};

struct options {
	const char *mode, *url, *pods, *cacert, *cert, *key, *token;
	int concurrency;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	jn_buf_append(ctx, data, size * n, NULL);
	return size * n;
}

static struct binding *read_pods(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	struct binding *items = NULL;
	size_t len = 0, cap = 0;
	struct binding b;
	while (fscanf(f, "%127s %255s %63s %255s", b.ns, b.name, b.uid, b.node) == 4)
		*JN_PUSH(items, len, cap) = b;
	fclose(f);
	*n = len;
	return items;
}

static void start(CURLM *multi, struct slot *s, const struct options *o,
	const struct binding *b, size_t index)
{
	char url[1024];
	if (strcmp(o->mode, "extender") == 0) {
		snprintf(url, sizeof(url), "%s/bind", o->url);
		s->body = jn_xasprintf("{\"PodName\":\"%s\",\"PodNamespace\":\"%s\",\"PodUID\":\"%s\","
			"\"Node\":\"%s\"}", b->name, b->ns, b->uid, b->node);
	} else {
		snprintf(url, sizeof(url), "%s/api/v1/namespaces/%s/pods/%s/binding", o->url, b->ns,
			b->name);
		s->body = jn_xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":"
			"{\"name\":\"%s\",\"namespace\":\"%s\",\"uid\":\"%s\"},\"target\":"
			"{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"%s\"}}", b->name, b->ns,
			b->uid, b->node);
	}
	curl_easy_reset(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &s->answer);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 30L);
	if (o->cacert)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, o->cacert);
	if (o->cert)
		curl_easy_setopt(s->curl, CURLOPT_SSLCERT, o->cert);
	if (o->key)
		curl_easy_setopt(s->curl, CURLOPT_SSLKEY, o->key);
	s->index = index;
	s->started = now_s();
	jn_buf_reset(&s->answer);
	curl_multi_add_handle(multi, s->curl);
}

static bool succeeded(const struct options *o, struct slot *s, long code)
{
	if (strcmp(o->mode, "extender") == 0)
		return code == 200 && strstr(jn_buf_cstr(&s->answer), "\"Error\":\"\"") != NULL;
	return code == 201;
}

int main(int argc, char **argv)
{
	struct options o = { .mode = "extender", .concurrency = 1 };
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--mode")) o.mode = v;
		else if (!strcmp(k, "--url")) o.url = v;
		else if (!strcmp(k, "--pods")) o.pods = v;
		else if (!strcmp(k, "--cacert")) o.cacert = v;
		else if (!strcmp(k, "--cert")) o.cert = v;
		else if (!strcmp(k, "--key")) o.key = v;
		else if (!strcmp(k, "--token")) o.token = v;
		else if (!strcmp(k, "--concurrency")) o.concurrency = atoi(v);
		else {
			fprintf(stderr, "bench_bind: unknown option '%s'\n", k);
			return 2;
		}
	}
	if (!o.url || !o.pods || o.concurrency < 1) {
		fprintf(stderr, "usage: bench_bind --mode extender|direct --url URL --pods FILE "
			"--concurrency N [--cacert F --cert F --key F --token T]\n");
		return 2;
	}
	size_t n;
	struct binding *pods = read_pods(o.pods, &n);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURLM *multi = curl_multi_init();
	struct slot *slots = jn_xcalloc((size_t)o.concurrency, sizeof(*slots));
	for (int i = 0; i < o.concurrency; i++) {
		slots[i].curl = curl_easy_init();
		slots[i].headers = curl_slist_append(NULL, "Content-Type: application/json");
		if (o.token) {
			char *auth = jn_xasprintf("Authorization: Bearer %s", o.token);
			slots[i].headers = curl_slist_append(slots[i].headers, auth);
			free(auth);
		}
		jn_buf_init(&slots[i].answer, 1 << 20);
	}
	double *latency = jn_xcalloc(n ? n : 1, sizeof(*latency));
	size_t next = 0, done = 0, errors = 0;
	double t0 = now_s();
	for (int i = 0; i < o.concurrency && next < n; i++, next++)
		start(multi, &slots[i], &o, &pods[next], next);
	while (done < n) {
		int running;
		curl_multi_perform(multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct slot *s = NULL;
			for (int i = 0; i < o.concurrency; i++)
				if (slots[i].curl == msg->easy_handle)
					s = &slots[i];
			long code = 0;
			curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
			latency[done] = now_s() - s->started;
			if (msg->data.result != CURLE_OK || !succeeded(&o, s, code)) {
				if (errors < 3)
					fprintf(stderr, "bind of %s/%s failed: code %ld %s\n",
						pods[s->index].ns, pods[s->index].name, code,
						jn_buf_cstr(&s->answer));
				errors++;
			}
			done++;
			curl_multi_remove_handle(multi, s->curl);
			free(s->body);
			s->body = NULL;
			if (next < n) {
				start(multi, s, &o, &pods[next], next);
				next++;
			}
		}
		if (done < n)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	double elapsed = now_s() - t0;
	qsort(latency, n, sizeof(*latency), cmp_double);
#define PCT(p) (n ? latency[(size_t)((double)(n - 1) * (p))] * 1e3 : 0.0)
	printf("mode=%s concurrency=%d binds=%zu errors=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
		"throughput_per_s=%.1f\n", o.mode, o.concurrency, n, errors, PCT(0.50), PCT(0.90),
		PCT(0.99), elapsed > 0 ? (double)n / elapsed : 0.0);
	for (int i = 0; i < o.concurrency; i++) {
		curl_easy_cleanup(slots[i].curl);
		curl_slist_free_all(slots[i].headers);
		jn_buf_release(&slots[i].answer);
	}
	free(slots);
	free(latency);
	free(pods);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return errors ? 1 : 0;
}
