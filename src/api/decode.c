/*
 * Small decoding helpers shared by the object decoders (see api_internal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "api_internal.h"

int api_strings_from_json(const json_t *obj, const char *key, const struct jn_json_path *path,
	char ***out, size_t *n_out, struct jn_error *err)
{
	const json_t *arr = NULL;
	*out = NULL;
	*n_out = 0;
	if (jn_json_get_array(obj, key, path, false, &arr, err) < 0)
		return -1;
	if (!arr || !json_array_size(arr))
		return 0;
	struct jn_json_path here = JN_JSON_KEY(path, key);
	size_t n = json_array_size(arr);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(arr, i);
		if (!json_is_string(v)) {
			struct jn_json_path at = JN_JSON_IDX(&here, i);
			return jn_json_error(err, &at, "expected a string, got %s",
				jn_json_type_name(v));
		}
	}
	char **values = jn_xcalloc(n, sizeof(*values));
	for (size_t i = 0; i < n; i++)
		values[i] = jn_xstrdup(json_string_value(json_array_get(arr, i)));
	*out = values;
	*n_out = n;
	return 0;
}

void api_strings_free(char **values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(values[i]);
	free(values);
}

char **api_strings_copy(char *const *values, size_t n)
{
	if (!n)
		return NULL;
	char **copy = jn_xcalloc(n, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = jn_xstrdup(values[i]);
	return copy;
}

int api_get_int32(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, int32_t *out, struct jn_error *err)
{
	int64_t v = *out;
	if (jn_json_get_int(obj, key, path, required, &v, err) < 0)
		return -1;
	if (v < INT32_MIN || v > INT32_MAX) {
		struct jn_json_path at = JN_JSON_KEY(path, key);
		return jn_json_error(err, &at, "%lld is out of range for a 32-bit integer",
			(long long)v);
	}
	*out = (int32_t)v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (no timegm in POSIX). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int api_parse_time(const char *text, int64_t *out_ns)
{
	int y, mo, d, h, mi, s, n = 0;
	if (sscanf(text, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
	    n != 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	const char *p = text + n;
	int64_t frac = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		if (!digits)
			return -1;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	int64_t offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, on = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &on) != 2 || on != 5)
			return -1;
		offset = (*p == '-' ? -1 : 1) * ((int64_t)oh * 3600 + om * 60);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
	*out_ns = secs * 1000000000 + frac;
	return 0;
}

int api_check_kind(const json_t *obj, const char *kind, const struct jn_json_path *path,
	struct jn_error *err)
{
	const char *got = NULL;
	if (jn_json_get_string(obj, "kind", path, false, &got, err) < 0)
		return -1;
	if (got && strcmp(got, kind) != 0)
		return jn_json_error(err, path, "expected kind %s, got %s", kind, got);
	return 0;
}

int api_dup_string(const json_t *obj, const char *key, const struct jn_json_path *path,
	bool required, char **out, struct jn_error *err)
{
	const char *s = NULL;
	if (jn_json_get_string(obj, key, path, required, &s, err) < 0)
		return -1;
	if (s) {
		free(*out);
		*out = jn_xstrdup(s);
	}
	return 0;
}

int api_deletion_from_json(const json_t *meta, const struct jn_json_path *path, bool *deleting,
	int64_t *ns, struct jn_error *err)
{
	const char *ts = NULL;
	if (jn_json_get_string(meta, "deletionTimestamp", path, false, &ts, err) < 0)
		return -1;
	if (!ts)
		return 0;
	if (api_parse_time(ts, ns) < 0) {
		struct jn_json_path at = JN_JSON_KEY(path, "deletionTimestamp");
		return jn_json_error(err, &at, "invalid timestamp \"%s\" (want RFC 3339)", ts);
	}
	*deleting = true;
	return 0;
}
