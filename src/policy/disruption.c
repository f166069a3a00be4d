/*
 * spec.disruption of a NodePool: consolidation policy, consolidateAfter and budgets.
 *
 * Defaults are the CRD's: a missing `disruption` becomes {consolidateAfter: 0s} and then
 * consolidationPolicy WhenEmptyOrUnderutilized and budgets [{nodes: "10%"}]; but a `disruption`
 * that is present must name consolidateAfter (it is required once the object exists).
 * Schedules are checked the way Karpenter will parse them later (robfig/cron's standard parser),
 * so a budget that would silently "fail closed" at runtime is an error at load time instead.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "policy_internal.h"

#define MAX_BUDGETS 50

struct cron_field {
	int min, max;
	const char *const *names;   /* names[i] is value min + i, or NULL */
};

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
	"sep", "oct", "nov", "dec", NULL };
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const struct cron_field cron_fields[5] = {
	{ 0, 59, NULL }, { 0, 23, NULL }, { 1, 31, NULL }, { 1, 12, months }, { 0, 6, days },
};

/* One number or name of f at *s; advances *s. */
static bool cron_value(const struct cron_field *f, const char **s, int *out)
{
	const char *p = *s;
	if (isdigit((unsigned char)*p)) {
		long v = 0;
		for (; isdigit((unsigned char)*p) && v <= 1000; p++)
			v = v * 10 + (*p - '0');
		*out = (int)v;
		*s = p;
		return v >= f->min && v <= f->max;
	}
	for (int i = 0; f->names && f->names[i]; i++) {
		if (strncasecmp(p, f->names[i], 3) == 0) {
			*out = f->min + i;
			*s = p + 3;
			return true;
		}
	}
	return false;
}

/* A comma-separated list of "*", "?", "a", "a-b", each optionally "/step". */
static bool cron_field_ok(const struct cron_field *f, const char *s, size_t n)
{
	char buf[128];
	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *save = NULL;
	for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		const char *p = part;
		int lo, hi;
		if (*p == '*' || *p == '?') {
			p++;
		} else {
			if (!cron_value(f, &p, &lo))
				return false;
			hi = lo;
			if (*p == '-') {
				p++;
				if (!cron_value(f, &p, &hi) || hi < lo)
					return false;
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			long step = strtol(p, (char **)&p, 10);
			if (step < 1)
				return false;
		}
		if (*p)
			return false;
	}
	/* strtok_r skips empty parts: reject ",5" and "5,,6" explicitly. */
	for (size_t i = 1; i < n; i++)
		if (s[i] == ',' && s[i - 1] == ',')
			return false;
	return s[0] != ',' && s[n - 1] != ',';
}

static bool cron_ok(const char *s)
{
	static const char *const descriptors[] = { "@yearly", "@annually", "@monthly", "@weekly",
		"@daily", "@midnight", "@hourly", NULL };
	for (size_t i = 0; descriptors[i]; i++)
		if (strcmp(s, descriptors[i]) == 0)
			return true;
	size_t field = 0;
	const char *p = s;
	while (*p) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		size_t n = strcspn(p, " \t");
		if (field >= 5 || !cron_field_ok(&cron_fields[field], p, n))
			return false;
		field++;
		p += n;
	}
	return field == 5;
}

static int budget_nodes(const json_t *v, const struct jn_json_path *at, struct jn_budget *b,
	struct jn_error *err)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return jn_json_error(err, at, "invalid value %lld: must not be negative",
				(long long)json_integer_value(v));
		b->nodes = (int64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return jn_json_error(err, at, "expected a string or an integer, got %s",
			jn_json_type_name(v));
	/* ^((100|[0-9]{1,2})%|[0-9]+)$ */
	const char *s = json_string_value(v);
	size_t digits = strspn(s, "0123456789");
	bool pct = digits && s[digits] == '%' && s[digits + 1] == '\0';
	bool ok = digits && (s[digits] == '\0' || pct) && digits <= 18;
	long long n = ok ? strtoll(s, NULL, 10) : 0;
	if (!ok || (pct && n > 100) || (pct && digits > 3))
		return jn_json_error(err, at, "invalid value \"%s\": must be a node count or a "
			"percentage from 0%% to 100%%", s);
	b->percent = pct;
	b->nodes = n;
	return 0;
}

static int budget_reasons(const json_t *obj, const struct jn_json_path *path, unsigned *out,
	struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(obj, "reasons", path, false, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	struct jn_json_path rp = JN_JSON_KEY(path, "reasons");
	if (json_array_size(arr) > MAX_BUDGETS)
		return jn_json_error(err, &rp, "must have at most %d items", MAX_BUDGETS);
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		struct jn_json_path at = JN_JSON_IDX(&rp, i);
		const char *s = json_string_value(v);
		if (!s)
			return jn_json_error(err, &at, "expected a string, got %s", jn_json_type_name(v));
		if (!strcmp(s, "Underutilized"))
			*out |= JN_DISRUPTION_UNDERUTILIZED;
		else if (!strcmp(s, "Empty"))
			*out |= JN_DISRUPTION_EMPTY;
		else if (!strcmp(s, "Drifted"))
			*out |= JN_DISRUPTION_DRIFTED;
		else
			return jn_json_error(err, &at, "unknown disruption reason \"%s\": expected "
				"Underutilized, Empty or Drifted", s);
	}
	return 0;
}

static int budget(const json_t *obj, const struct jn_json_path *path, struct jn_budget *b,
	struct jn_error *err)
{
	static const char *const keys[] = { "nodes", "schedule", "duration", "reasons", NULL };
	if (jn_json_check_keys(obj, keys, path, err) < 0)
		return -1;
	const json_t *nodes = json_object_get(obj, "nodes");
	struct jn_json_path np = JN_JSON_KEY(path, "nodes");
	if (!nodes || json_is_null(nodes)) {
		b->percent = true;      /* the CRD's item default */
		b->nodes = 10;
	} else if (budget_nodes(nodes, &np, b, err) < 0) {
		return -1;
	}
	if (policy_get_strdup(obj, "schedule", path, false, &b->schedule, err) < 0)
		return -1;
	bool has_duration = false;
	if (policy_get_duration(obj, "duration", path, false, &b->duration, &has_duration, err) < 0)
		return -1;
	if (b->schedule && !cron_ok(b->schedule)) {
		struct jn_json_path at = JN_JSON_KEY(path, "schedule");
		return jn_json_error(err, &at, "invalid cron schedule \"%s\"", b->schedule);
	}
	if (has_duration && b->duration.ns % (60 * JN_NS_PER_SEC) != 0) {
		struct jn_json_path at = JN_JSON_KEY(path, "duration");
		char text[64];
		return jn_json_error(err, &at, "invalid duration \"%s\": must be whole minutes",
			jn_duration_format(&b->duration, text, sizeof(text)));
	}
	if (has_duration != (b->schedule != NULL))
		return jn_json_error(err, path, "'schedule' must be set with 'duration'");
	return budget_reasons(obj, path, &b->reasons, err);
}

int policy_disruption(const json_t *spec, const struct jn_json_path *path, struct jn_nodepool *np,
	struct jn_error *err)
{
	static const char *const keys[] = { "consolidationPolicy", "consolidateAfter", "budgets",
		NULL };
	const json_t *d = NULL;
	if (jn_json_get_object(spec, "disruption", path, false, &d, err) < 0)
		return -1;
	struct jn_json_path dp = JN_JSON_KEY(path, "disruption");
	const json_t *budgets = NULL;
	np->consolidation_policy = JN_CONSOLIDATE_WHEN_EMPTY_OR_UNDERUTILIZED;
	np->consolidate_after = (struct jn_duration){ 0 };
	if (!d) {
		np->defaults |= JN_NODEPOOL_DEFAULT_CONSOLIDATION_POLICY |
			JN_NODEPOOL_DEFAULT_CONSOLIDATE_AFTER;
	} else {
		if (jn_json_check_keys(d, keys, &dp, err) < 0)
			return -1;
		const char *policy = NULL;
		if (jn_json_get_string(d, "consolidationPolicy", &dp, false, &policy, err) < 0)
			return -1;
		if (!policy) {
			np->defaults |= JN_NODEPOOL_DEFAULT_CONSOLIDATION_POLICY;
		} else if (!strcmp(policy, "WhenEmpty")) {
			np->consolidation_policy = JN_CONSOLIDATE_WHEN_EMPTY;
		} else if (strcmp(policy, "WhenEmptyOrUnderutilized") != 0) {
			struct jn_json_path at = JN_JSON_KEY(&dp, "consolidationPolicy");
			return jn_json_error(err, &at, "unknown consolidation policy \"%s\": expected "
				"WhenEmpty or WhenEmptyOrUnderutilized", policy);
		}
		const char *after = NULL;
		if (jn_json_get_string(d, "consolidateAfter", &dp, true, &after, err) < 0 ||
		    policy_get_duration(d, "consolidateAfter", &dp, true, &np->consolidate_after,
			NULL, err) < 0)
			return -1;
		if (jn_json_get_array(d, "budgets", &dp, false, &budgets, err) < 0)
			return -1;
	}
	if (!budgets) {
		np->budgets = jn_xcalloc(1, sizeof(*np->budgets));
		np->budgets[0] = (struct jn_budget){ .percent = true, .nodes = 10 };
		np->n_budgets = 1;
		np->defaults |= JN_NODEPOOL_DEFAULT_BUDGETS;
		return 0;
	}
	struct jn_json_path bp = JN_JSON_KEY(&dp, "budgets");
	size_t n = json_array_size(budgets);
	if (n > MAX_BUDGETS)
		return jn_json_error(err, &bp, "must have at most %d items, got %zu", MAX_BUDGETS, n);
	/* An explicit empty list means "no budget": nothing limits disruption. */
	np->budgets = n ? jn_xcalloc(n, sizeof(*np->budgets)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&bp, i);
		np->n_budgets = i + 1;
		const json_t *item = json_array_get(budgets, i);
		if (jn_json_expect_object(item, &at, err) < 0 || budget(item, &at, &np->budgets[i], err) < 0)
			return -1;
	}
	return 0;
}
