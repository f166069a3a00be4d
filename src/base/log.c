#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/buf.h"
#include "jitnode/clock.h"
#include "jitnode/log.h"

struct jn_logger {
	FILE *out;                      /* borrowed */
	enum jn_log_level min_level;
	enum jn_log_format format;
	const struct jn_clock *clock;   /* borrowed */
};

/* A line longer than this is cut: a log line must never grow without bound. */
#define LOG_LINE_MAX 16384

static const char *const level_names[] = { "debug", "info", "warn", "error" };
static const char *const level_tags[] = { "DEBUG", "INFO", "WARN", "ERROR" };

struct jn_logger *jn_logger_create(FILE *out, enum jn_log_level min_level,
	enum jn_log_format format, const struct jn_clock *clock)
{
	struct jn_logger *log = jn_xcalloc(1, sizeof(*log));
	log->out = out;
	log->min_level = min_level;
	log->format = format;
	log->clock = clock ? clock : jn_clock_real();
	return log;
}

void jn_logger_destroy(struct jn_logger *log)
{
	free(log);
}

bool jn_log_enabled(const struct jn_logger *log, enum jn_log_level level)
{
	return log && level >= log->min_level;
}

int jn_log_level_parse(const char *name, enum jn_log_level *out)
{
	for (size_t i = 0; i < JN_ARRAY_LEN(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum jn_log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Text values are quoted when they hold a space, a quote, '=' or nothing, as logfmt does. */
static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++) {
		if (*s == ' ' || *s == '"' || *s == '=' || (unsigned char)*s < 0x20)
			return true;
	}
	return false;
}

static void append_escaped(struct jn_buf *line, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			jn_buf_printf(line, NULL, "\\%c", c);
		else if (c == '\n')
			jn_buf_append_str(line, "\\n", NULL);
		else if (c < 0x20)
			jn_buf_printf(line, NULL, "\\u%04x", c);
		else
			jn_buf_append(line, &c, 1, NULL);
	}
}

static void append_value(struct jn_buf *line, const struct jn_log_field *f, bool json)
{
	switch (f->type) {
	case JN_LOG_FIELD_STR: {
		const char *s = f->v.s ? f->v.s : "";
		bool quote = json || needs_quotes(s);
		if (quote)
			jn_buf_append_str(line, "\"", NULL);
		append_escaped(line, s);
		if (quote)
			jn_buf_append_str(line, "\"", NULL);
		break;
	}
	case JN_LOG_FIELD_INT:
		jn_buf_printf(line, NULL, "%" PRId64, f->v.i);
		break;
	case JN_LOG_FIELD_DOUBLE:
		jn_buf_printf(line, NULL, "%.6g", f->v.d);
		break;
	case JN_LOG_FIELD_BOOL:
		jn_buf_append_str(line, f->v.b ? "true" : "false", NULL);
		break;
	case JN_LOG_FIELD_END:
		break;
	}
}

void jn_log_emit(struct jn_logger *log, enum jn_log_level level, const char *msg,
	const struct jn_log_field *fields)
{
	if (!jn_log_enabled(log, level))
		return;
	char stamp[40];
	jn_time_format_rfc3339(jn_clock_wall_ns(log->clock), stamp, sizeof(stamp));
	struct jn_buf line;
	jn_buf_init(&line, LOG_LINE_MAX);
	bool json = log->format == JN_LOG_FORMAT_JSON;
	if (json) {
		jn_buf_printf(&line, NULL, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", stamp,
			level_names[level]);
		append_escaped(&line, msg);
		jn_buf_append_str(&line, "\"", NULL);
	} else {
		jn_buf_printf(&line, NULL, "%s %s ", stamp, level_tags[level]);
		append_escaped(&line, msg);
	}
	for (const struct jn_log_field *f = fields; f && f->type != JN_LOG_FIELD_END; f++) {
		if (json) {
			jn_buf_append_str(&line, ",\"", NULL);
			append_escaped(&line, f->key);
			jn_buf_append_str(&line, "\":", NULL);
		} else {
			jn_buf_printf(&line, NULL, " %s=", f->key);
		}
		append_value(&line, f, json);
	}
	if (json)
		jn_buf_append_str(&line, "}", NULL);
	/* The newline always fits: a cut line still ends where it should. */
	line.limit = JN_BUF_UNLIMITED;
	jn_buf_append_str(&line, "\n", NULL);
	fwrite(line.data, 1, line.len, log->out);
	fflush(log->out);
	jn_buf_release(&line);
}
