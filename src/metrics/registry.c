/*
 * Series are preallocated per metric and claimed with a compare-and-swap on their label value,
 * so recording never takes a lock and never allocates after the first use of a label value.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/metrics.h"

#define MAX_BOUNDS 16
#define LABEL_VALUE_MAX 64

struct series {
	_Atomic int state;                  /* 0 free, 1 being claimed, 2 ready */
	char label_value[LABEL_VALUE_MAX];
	_Atomic uint64_t count;             /* counter value, or histogram observation count */
	_Atomic uint64_t buckets[MAX_BOUNDS];
	_Atomic uint64_t sum_micros;        /* histogram sum, in millionths */
};

struct metric {
	const char *name;
	const char *help;
	const char *label;
	bool histogram;
	double bounds[MAX_BOUNDS];
	size_t n_bounds;
	struct series series[JN_METRICS_MAX_SERIES];
};

struct jn_counter { struct metric m; };
struct jn_histogram { struct metric m; };

struct jn_metrics {
	struct metric **metrics;
	size_t len;
	size_t cap;
};

struct jn_metrics *jn_metrics_create(void)
{
	return jn_xcalloc(1, sizeof(struct jn_metrics));
}

void jn_metrics_destroy(struct jn_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->len; i++)
		free(m->metrics[i]);
	free(m->metrics);
	free(m);
}

static struct metric *add_metric(struct jn_metrics *m, const char *name, const char *help,
	const char *label, bool histogram)
{
	/* Both handle types are a bare struct metric; allocate the larger shape. */
	struct metric *metric = jn_xcalloc(1, sizeof(struct jn_histogram));
	metric->name = name;
	metric->help = help;
	metric->label = label;
	metric->histogram = histogram;
	*JN_PUSH(m->metrics, m->len, m->cap) = metric;
	return metric;
}

struct jn_counter *jn_metrics_counter(struct jn_metrics *m, const char *name, const char *help,
	const char *label)
{
	return (struct jn_counter *)add_metric(m, name, help, label, false);
}

struct jn_histogram *jn_metrics_histogram(struct jn_metrics *m, const char *name,
	const char *help, const char *label, const double *bounds, size_t n_bounds)
{
	struct metric *metric = add_metric(m, name, help, label, true);
	metric->n_bounds = JN_MIN(n_bounds, (size_t)MAX_BOUNDS);
	memcpy(metric->bounds, bounds, metric->n_bounds * sizeof(*bounds));
	return (struct jn_histogram *)metric;
}

/* Finds or claims the series for value; the last slot takes every value past the cap. */
static struct series *series_for(struct metric *metric, const char *value)
{
	if (!value)
		value = "";
	for (size_t i = 0; i < JN_METRICS_MAX_SERIES; i++) {
		struct series *s = &metric->series[i];
		int state = atomic_load(&s->state);
		if (state == 0) {
			int expected = 0;
			if (atomic_compare_exchange_strong(&s->state, &expected, 1)) {
				const char *v = i == JN_METRICS_MAX_SERIES - 1 ? "other" : value;
				snprintf(s->label_value, sizeof(s->label_value), "%s", v);
				atomic_store(&s->state, 2);
				if (i == JN_METRICS_MAX_SERIES - 1 || strcmp(s->label_value, value) == 0)
					return s;
				continue;
			}
			state = atomic_load(&s->state);
		}
		while (state == 1)
			state = atomic_load(&s->state);
		if (i == JN_METRICS_MAX_SERIES - 1 || strncmp(s->label_value, value,
			LABEL_VALUE_MAX - 1) == 0)
			return s;
	}
	return &metric->series[JN_METRICS_MAX_SERIES - 1];
}

void jn_counter_add(struct jn_counter *c, const char *label_value, uint64_t n)
{
	atomic_fetch_add(&series_for(&c->m, label_value)->count, n);
}

uint64_t jn_counter_get(const struct jn_counter *c, const char *label_value)
{
	const char *value = label_value ? label_value : "";
	for (size_t i = 0; i < JN_METRICS_MAX_SERIES; i++) {
		const struct series *s = &c->m.series[i];
		if (atomic_load(&((struct series *)s)->state) == 2 && strcmp(s->label_value, value) == 0)
			return atomic_load(&((struct series *)s)->count);
	}
	return 0;
}

void jn_histogram_observe(struct jn_histogram *h, const char *label_value, double value)
{
	struct series *s = series_for(&h->m, label_value);
	for (size_t i = 0; i < h->m.n_bounds; i++) {
		if (value <= h->m.bounds[i])
			atomic_fetch_add(&s->buckets[i], 1);
	}
	atomic_fetch_add(&s->count, 1);
	atomic_fetch_add(&s->sum_micros, (uint64_t)(value > 0 ? value * 1e6 : 0));
}

static void label_text(const struct metric *metric, const struct series *s, const char *extra,
	char *out, size_t size)
{
	if (metric->label && extra)
		snprintf(out, size, "{%s=\"%s\",%s}", metric->label, s->label_value, extra);
	else if (metric->label)
		snprintf(out, size, "{%s=\"%s\"}", metric->label, s->label_value);
	else if (extra)
		snprintf(out, size, "{%s}", extra);
	else
		out[0] = '\0';
}

void jn_metrics_render(const struct jn_metrics *m, struct jn_buf *out)
{
	char labels[256];
	for (size_t i = 0; i < m->len; i++) {
		const struct metric *metric = m->metrics[i];
		jn_buf_printf(out, NULL, "# HELP %s %s\n# TYPE %s %s\n", metric->name, metric->help,
			metric->name, metric->histogram ? "histogram" : "counter");
		for (size_t k = 0; k < JN_METRICS_MAX_SERIES; k++) {
			struct series *s = (struct series *)&metric->series[k];
			if (atomic_load(&s->state) != 2)
				continue;
			uint64_t count = atomic_load(&s->count);
			if (!metric->histogram) {
				label_text(metric, s, NULL, labels, sizeof(labels));
				jn_buf_printf(out, NULL, "%s%s %llu\n", metric->name, labels,
					(unsigned long long)count);
				continue;
			}
			for (size_t b = 0; b < metric->n_bounds; b++) {
				char le[48];
				snprintf(le, sizeof(le), "le=\"%g\"", metric->bounds[b]);
				label_text(metric, s, le, labels, sizeof(labels));
				jn_buf_printf(out, NULL, "%s_bucket%s %llu\n", metric->name, labels,
					(unsigned long long)atomic_load(&s->buckets[b]));
			}
			label_text(metric, s, "le=\"+Inf\"", labels, sizeof(labels));
			jn_buf_printf(out, NULL, "%s_bucket%s %llu\n", metric->name, labels,
				(unsigned long long)count);
			label_text(metric, s, NULL, labels, sizeof(labels));
			jn_buf_printf(out, NULL, "%s_sum%s %.6f\n%s_count%s %llu\n", metric->name,
				labels, (double)atomic_load(&s->sum_micros) / 1e6, metric->name, labels,
				(unsigned long long)count);
		}
	}
}
