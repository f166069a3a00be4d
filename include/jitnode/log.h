#ifndef JITNODE_LOG_H
#define JITNODE_LOG_H

/*
 * Structured logging: one line per decision, a lowercase verb phrase plus key=value fields
 * (STYLE rule 14), for example
 *   2026-11-23T11:40:00.123Z INFO computed packing nodes=2 pods=89 price_per_hour=0.192
 * or, with JN_LOG_FORMAT_JSON,
 *   {"time":"2026-11-23T11:40:00.123Z","level":"info","msg":"computed packing","nodes":2,...}
 *
 * A logger is created by main (or a test) and handed to whatever logs; there is no global one.
 * Emitting is thread-safe: each line is formatted into one buffer and written with one call.
 * Fields are passed as a compound-literal array through the jn_log_* macros:
 *   jn_log_info(log, "launched nodeclaim", JN_LOG_STR("type", "m5.large"), JN_LOG_INT("pods", 9));
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jn_clock;

enum jn_log_level {
	JN_LOG_DEBUG = 0,
	JN_LOG_INFO,
	JN_LOG_WARN,
	JN_LOG_ERROR,
};

enum jn_log_format {
	JN_LOG_FORMAT_TEXT = 0,
	JN_LOG_FORMAT_JSON,
};

enum jn_log_field_type {
	JN_LOG_FIELD_END = 0,
	JN_LOG_FIELD_STR,
	JN_LOG_FIELD_INT,
	JN_LOG_FIELD_DOUBLE,
	JN_LOG_FIELD_BOOL,
};

struct jn_log_field {
	const char *key;
	enum jn_log_field_type type;
	union {
		const char *s;   /* borrowed; NULL prints as an empty string */
		int64_t i;
		double d;
		bool b;
	} v;
};

#define JN_LOG_STR(k, val) ((struct jn_log_field){ .key = (k), .type = JN_LOG_FIELD_STR, .v.s = (val) })
#define JN_LOG_INT(k, val) ((struct jn_log_field){ .key = (k), .type = JN_LOG_FIELD_INT, .v.i = (int64_t)(val) })
#define JN_LOG_DBL(k, val) ((struct jn_log_field){ .key = (k), .type = JN_LOG_FIELD_DOUBLE, .v.d = (double)(val) })
#define JN_LOG_BOOL(k, val) ((struct jn_log_field){ .key = (k), .type = JN_LOG_FIELD_BOOL, .v.b = (val) })

struct jn_logger;

/**
 * Creates a logger writing to `out` (borrowed; must outlive the logger) lines at `min_level` or
 * above. `clock` (borrowed) stamps each line; NULL means the real clock. Returns an owned logger.
 */
struct jn_logger *jn_logger_create(FILE *out, enum jn_log_level min_level,
	enum jn_log_format format, const struct jn_clock *clock);
/** Destroys the logger; NULL is allowed. Does not close `out`. */
void jn_logger_destroy(struct jn_logger *log);

/** Whether a line at `level` would be written (to skip building expensive fields). */
bool jn_log_enabled(const struct jn_logger *log, enum jn_log_level level);

/**
 * Writes one line. `fields` is terminated by an entry of type JN_LOG_FIELD_END (the macros add
 * it). A NULL logger writes nothing, so library code may log unconditionally.
 */
void jn_log_emit(struct jn_logger *log, enum jn_log_level level, const char *msg,
	const struct jn_log_field *fields);

/** Parses "debug", "info", "warn", "error"; returns -1 when unknown. */
int jn_log_level_parse(const char *name, enum jn_log_level *out);

/* At least one field: a decision line always carries its numbers (C11 has no __VA_OPT__). */
#define JN_LOG_FIELDS_(...) ((const struct jn_log_field[]){ __VA_ARGS__, { 0 } })
#define jn_log_debug(log, msg, ...) jn_log_emit((log), JN_LOG_DEBUG, (msg), JN_LOG_FIELDS_(__VA_ARGS__))
#define jn_log_info(log, msg, ...) jn_log_emit((log), JN_LOG_INFO, (msg), JN_LOG_FIELDS_(__VA_ARGS__))
#define jn_log_warn(log, msg, ...) jn_log_emit((log), JN_LOG_WARN, (msg), JN_LOG_FIELDS_(__VA_ARGS__))
#define jn_log_error(log, msg, ...) jn_log_emit((log), JN_LOG_ERROR, (msg), JN_LOG_FIELDS_(__VA_ARGS__))

#endif
