#ifndef JITNODE_METRICS_H
#define JITNODE_METRICS_H

/*
 * Prometheus metrics: counters and histograms registered once at start-up, updated lock-free
 * from any thread, rendered in the text exposition format for /metrics.
 *
 * A registry is created by main and handed to whatever records; registration is not
 * thread-safe (do it before serving), updates and rendering are. Metric and label names are
 * borrowed static strings. Each metric has at most one label, fixed at registration, whose
 * values are added on first use (bounded: at most JN_METRICS_MAX_SERIES per metric; further
 * values fold into "other").
 */

#include <stddef.h>
#include <stdint.h>

#include "jitnode/buf.h"

#define JN_METRICS_MAX_SERIES 32

struct jn_metrics;
struct jn_counter;
struct jn_histogram;

/** An owned, empty registry. */
struct jn_metrics *jn_metrics_create(void);
void jn_metrics_destroy(struct jn_metrics *m);

/**
 * Registers a counter `name` (help text `help`) with one label `label` (NULL for none).
 * Returns a borrowed handle valid until the registry is destroyed.
 */
struct jn_counter *jn_metrics_counter(struct jn_metrics *m, const char *name, const char *help,
	const char *label);
/** Adds n to the series with this label value (NULL when the counter has no label). */
void jn_counter_add(struct jn_counter *c, const char *label_value, uint64_t n);
/** Current value of a series (0 if never touched). */
uint64_t jn_counter_get(const struct jn_counter *c, const char *label_value);

/**
 * Registers a histogram with the given upper bounds (seconds, ascending; copied; at most 16).
 */
struct jn_histogram *jn_metrics_histogram(struct jn_metrics *m, const char *name,
	const char *help, const char *label, const double *bounds, size_t n_bounds);
void jn_histogram_observe(struct jn_histogram *h, const char *label_value, double value);

/** Appends the text exposition (format 0.0.4) of every metric to out. */
void jn_metrics_render(const struct jn_metrics *m, struct jn_buf *out);

#endif
