#include <stdio.h>
#include <stdlib.h>

#include "fake_clock.h"
#include "jitnode/log.h"
#include "tap.h"

#include <jansson.h>


static char *capture(enum jn_log_format format, enum jn_log_level level)
{
	struct jn_fake_clock clock;
	jn_fake_clock_init(&clock, INT64_C(1795434000) * JN_NS_PER_SEC + 123 * JN_NS_PER_MS);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	struct jn_logger *log = jn_logger_create(out, JN_LOG_INFO, format, &clock.base);
	jn_log_emit(log, level, "computed packing", (const struct jn_log_field[]){
		JN_LOG_INT("nodes", 2), JN_LOG_INT("pods", 89), JN_LOG_STR("type", "m5.large"),
		JN_LOG_STR("reason", "limit \"cpu\" reached"), JN_LOG_DBL("price", 0.192),
		JN_LOG_BOOL("spot", false), { 0 } });
	jn_logger_destroy(log);
	fclose(out);
	return text;
}

static void text_lines_are_logfmt(void)
{
	char *text = capture(JN_LOG_FORMAT_TEXT, JN_LOG_INFO);
	CHECK_STR_EQ(text, "2026-11-23T11:40:00.123Z INFO computed packing nodes=2 pods=89 "
		"type=m5.large reason=\"limit \\\"cpu\\\" reached\" price=0.192 spot=false\n");
	free(text);
}

static void json_lines_are_objects(void)
{
	char *text = capture(JN_LOG_FORMAT_JSON, JN_LOG_WARN);
	CHECK_STR_EQ(text, "{\"time\":\"2026-11-23T11:40:00.123Z\",\"level\":\"warn\","
		"\"msg\":\"computed packing\",\"nodes\":2,\"pods\":89,\"type\":\"m5.large\","
		"\"reason\":\"limit \\\"cpu\\\" reached\",\"price\":0.192,\"spot\":false}\n");
	json_t *parsed = json_loads(text, 0, NULL);
	free(text);
	CHECK(parsed != NULL);
	json_decref(parsed);
}

static void below_level_is_silent(void)
{
	char *text = capture(JN_LOG_FORMAT_TEXT, JN_LOG_DEBUG);
	CHECK_STR_EQ(text, "");
	free(text);
	enum jn_log_level lvl;
	CHECK_INT_EQ(jn_log_level_parse("warn", &lvl), 0);
	CHECK_INT_EQ(lvl, JN_LOG_WARN);
	CHECK_INT_EQ(jn_log_level_parse("loud", &lvl), -1);
}

int main(void)
{
	JN_RUN(text_lines_are_logfmt);
	JN_RUN(json_lines_are_objects);
	JN_RUN(below_level_is_silent);
	return jn_tap_done();
}
