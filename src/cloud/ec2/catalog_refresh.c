/*
 * The catalog from EC2's own answers (ec2.h, "instance_types"): which (type, zone) EC2 offers
 * (DescribeInstanceTypeOfferings), the facts of types the built-in data lacks
 * (DescribeInstanceTypes), and the latest spot price per type and zone
 * (DescribeSpotPriceHistory, Linux/UNIX), merged into a snapshot derived from the built-in
 * one. A refresh is swapped in only when every call answered and the result is sane; otherwise
 * the snapshot in use is kept and the reason logged (a half-answered refresh would make
 * offerings vanish or lose their prices).
 *
 * Each answer's XML tree is kept until the merge is done: the specs and prices borrow its text
 * instead of copying thousands of strings.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ec2_internal.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/log.h"

#define MAX_PAGES 200

struct trees {
	struct jn_xml_node **items;
	size_t len, cap;
};

static void trees_release(struct trees *t)
{
	for (size_t i = 0; i < t->len; i++)
		jn_xml_free(t->items[i]);
	free(t->items);
}

/*
 * Calls action page by page (NextToken), keeping every answer in trees. fill adds the query's
 * own parameters. Returns 0 or -1 with err.
 */
static int call_pages(struct ec2_provider *p, const char *action,
	void (*fill)(struct jn_aws_query *q, const struct ec2_provider *p), struct trees *trees,
	struct jn_error *err)
{
	char *token = NULL;
	for (int page = 0; page < MAX_PAGES; page++) {
		struct jn_aws_query q;
		jn_aws_query_init(&q, action, EC2_API_VERSION);
		fill(&q, p);
		jn_aws_query_add(&q, "NextToken", token);
		free(token);
		token = NULL;
		struct jn_xml_node *root = NULL;
		int rc = jn_aws_client_call(p->client, &q, &root, NULL, 0, err);
		jn_aws_query_release(&q);
		if (rc < 0)
			return -1;
		*JN_PUSH(trees->items, trees->len, trees->cap) = root;
		const char *next = jn_xml_text(root, "nextToken");
		if (!next || !*next)
			return 0;
		token = jn_xstrdup(next);
	}
	free(token);
	jn_error_set(err, JN_ERR_UNAVAILABLE, "calling %s: more than %d pages", action, MAX_PAGES);
	return -1;
}

static void fill_offerings(struct jn_aws_query *q, const struct ec2_provider *p)
{
	(void)p;
	jn_aws_query_add(q, "LocationType", "availability-zone");
	jn_aws_query_add(q, "MaxResults", "1000");
}

static void fill_types(struct jn_aws_query *q, const struct ec2_provider *p)
{
	(void)p;
	jn_aws_query_add(q, "MaxResults", "100");
}

static void fill_spot(struct jn_aws_query *q, const struct ec2_provider *p)
{
	/* StartTime = now: EC2 answers with the price in effect now for each type and zone. */
	char now[32];
	jn_time_format_rfc3339(jn_clock_wall_ns(p->clock), now, sizeof(now));
	jn_aws_query_add(q, "ProductDescription.1", "Linux/UNIX");
	jn_aws_query_add(q, "ProductDescription.2", "Linux/UNIX (Amazon VPC)");
	jn_aws_query_add(q, "StartTime", now);
	jn_aws_query_add(q, "MaxResults", "1000");
}

/* ---- offerings ---- */

static int cmp_pair(const void *a, const void *b)
{
	const struct ec2_type_zone *x = a, *y = b;
	int c = strcmp(x->type, y->type);
	return c ? c : strcmp(x->zone, y->zone);
}

int ec2_decode_offerings(const struct jn_xml_node *root, struct ec2_offered *out)
{
	const struct jn_xml_node *set = jn_xml_child(root, "instanceTypeOfferingSet");
	for (size_t i = 0; set && i < set->n_children; i++) {
		const char *t = jn_xml_text(set->children[i], "instanceType");
		const char *z = jn_xml_text(set->children[i], "location");
		if (t && z && *t && *z)
			*JN_PUSH(out->pairs, out->len, out->cap) = (struct ec2_type_zone){ t, z };
	}
	return 0;
}

static bool offered(const struct ec2_offered *o, const char *type, const char *zone)
{
	struct ec2_type_zone key = { type, zone };
	return bsearch(&key, o->pairs, o->len, sizeof(*o->pairs), cmp_pair) != NULL;
}

/* ---- instance types ---- */

static bool is_true(const struct jn_xml_node *n, const char *path)
{
	return jn_str_eq(jn_xml_text(n, path), "true");
}

static long long num(const struct jn_xml_node *n, const char *path)
{
	const char *s = jn_xml_text(n, path);
	return s ? strtoll(s, NULL, 10) : 0;
}

/* Borrows child texts of n/path into a new array (owned) of *count strings. */
static const char **texts(const struct jn_xml_node *n, const char *path, size_t *count)
{
	const struct jn_xml_node *set = jn_xml_path(n, path);
	*count = set ? set->n_children : 0;
	const char **out = jn_xcalloc(*count + 1, sizeof(*out));
	for (size_t i = 0; i < *count; i++)
		out[i] = set->children[i]->text;
	return out;
}

void ec2_type_specs_release(struct ec2_type_specs *s)
{
	for (size_t i = 0; i < s->len; i++) {
		free((void *)s->items[i].archs);
		free((void *)s->items[i].zones);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}

int ec2_decode_instance_types(const struct jn_xml_node *root, struct ec2_type_specs *out)
{
	const struct jn_xml_node *set = jn_xml_child(root, "instanceTypeSet");
	for (size_t i = 0; set && i < set->n_children; i++) {
		const struct jn_xml_node *it = set->children[i];
		const char *name = jn_xml_text(it, "instanceType");
		if (!name || !*name)
			continue;
		struct jn_catalog_type_spec s = {
			.name = name,
			.vcpu = (int32_t)num(it, "vCpuInfo/defaultVCpus"),
			.memory_mib = num(it, "memoryInfo/sizeInMiB"),
			.max_enis = (int32_t)num(it, "networkInfo/maximumNetworkInterfaces"),
			.ipv4_per_eni = (int32_t)num(it, "networkInfo/ipv4AddressesPerInterface"),
			.bare_metal = is_true(it, "bareMetal"),
			.burstable = is_true(it, "burstablePerformanceSupported"),
			.current_generation = is_true(it, "currentGeneration"),
			.hypervisor = jn_xml_text(it, "hypervisor"),
		};
		s.archs = texts(it, "processorInfo/supportedArchitectures", &s.n_archs);
		size_t n_usage;
		const char **usage = texts(it, "supportedUsageClasses", &n_usage);
		for (size_t k = 0; k < n_usage; k++) {
			s.on_demand |= jn_str_eq(usage[k], "on-demand");
			s.spot |= jn_str_eq(usage[k], "spot");
		}
		free(usage);
		*JN_PUSH(out->items, out->len, out->cap) = s;
	}
	return 0;
}

/* Gives each spec the zones EC2 offers it in (o sorted). */
static void attach_zones(struct ec2_type_specs *specs, const struct ec2_offered *o)
{
	for (size_t i = 0; i < specs->len; i++) {
		struct jn_catalog_type_spec *s = &specs->items[i];
		struct ec2_type_zone key = { s->name, "" };
		size_t lo = 0, hi = o->len;
		while (lo < hi) {   /* first pair >= (name, "") */
			size_t mid = lo + (hi - lo) / 2;
			if (cmp_pair(&o->pairs[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t end = lo;
		while (end < o->len && strcmp(o->pairs[end].type, s->name) == 0)
			end++;
		const char **zones = jn_xcalloc(end - lo + 1, sizeof(*zones));
		for (size_t k = lo; k < end; k++)
			zones[k - lo] = o->pairs[k].zone;
		s->zones = zones;
		s->n_zones = end - lo;
	}
}

/* ---- spot prices ---- */

struct stamped {
	struct jn_offering_price price;
	int64_t at_ns;
};

static int cmp_stamped(const void *a, const void *b)
{
	const struct stamped *x = a, *y = b;
	int c = strcmp(x->price.instance_type, y->price.instance_type);
	if (!c)
		c = strcmp(x->price.zone, y->price.zone);
	if (!c)
		c = (x->at_ns < y->at_ns) - (x->at_ns > y->at_ns);   /* newest first */
	return c;
}

size_t ec2_decode_spot_prices(const struct jn_xml_node *const *roots, size_t n_roots,
	struct jn_offering_price **out)
{
	struct stamped *all = NULL;
	size_t n = 0, cap = 0;
	for (size_t r = 0; r < n_roots; r++) {
		const struct jn_xml_node *set = jn_xml_child(roots[r], "spotPriceHistorySet");
		for (size_t i = 0; set && i < set->n_children; i++) {
			const struct jn_xml_node *item = set->children[i];
			const char *t = jn_xml_text(item, "instanceType");
			const char *z = jn_xml_text(item, "availabilityZone");
			const char *d = jn_xml_text(item, "productDescription");
			const char *p = jn_xml_text(item, "spotPrice");
			const char *at = jn_xml_text(item, "timestamp");
			int64_t at_ns = 0;
			char *end = NULL;
			double price = p ? strtod(p, &end) : 0;
			/* "Linux/UNIX" and "Linux/UNIX (Amazon VPC)" are the same Linux price. */
			if (!t || !z || !d || strncmp(d, "Linux/UNIX", 10) != 0 || !end || *end
				|| !(price > 0) || !at || jn_time_parse_rfc3339(at, &at_ns) < 0)
				continue;
			*JN_PUSH(all, n, cap) = (struct stamped){
				{ t, z, JN_CAPACITY_SPOT, price }, at_ns };
		}
	}
	qsort(all, n, sizeof(*all), cmp_stamped);
	*out = jn_xcalloc(n + 1, sizeof(**out));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(all[i].price.instance_type, all[i - 1].price.instance_type) == 0
			&& strcmp(all[i].price.zone, all[i - 1].price.zone) == 0)
			continue;
		(*out)[k++] = all[i].price;
	}
	free(all);
	return k;
}

/* ---- the merge ---- */

struct jn_catalog *ec2_catalog_fetch(struct ec2_provider *p, struct ec2_refresh_stats *st,
	struct jn_error *err)
{
	memset(st, 0, sizeof(*st));
	struct trees t_off = { 0 }, t_types = { 0 }, t_spot = { 0 };
	struct ec2_offered off = { 0 };
	struct ec2_type_specs specs = { 0 };
	struct jn_offering_price *prices = NULL;
	struct jn_offering_key *keys = NULL;
	struct jn_catalog *with_types = NULL, *priced = NULL, *out = NULL;
	size_t n_keys = 0, cap_keys = 0;

	if (call_pages(p, "DescribeInstanceTypeOfferings", fill_offerings, &t_off, err) < 0
		|| call_pages(p, "DescribeInstanceTypes", fill_types, &t_types, err) < 0
		|| call_pages(p, "DescribeSpotPriceHistory", fill_spot, &t_spot, err) < 0)
		goto done;
	for (size_t i = 0; i < t_off.len; i++)
		ec2_decode_offerings(t_off.items[i], &off);
	for (size_t i = 0; i < t_types.len; i++)
		ec2_decode_instance_types(t_types.items[i], &specs);
	size_t n_prices = ec2_decode_spot_prices((const struct jn_xml_node *const *)t_spot.items,
		t_spot.len, &prices);
	st->offered = off.len;
	st->types = specs.len;
	st->spot_prices = n_prices;
	if (!off.len || !specs.len || !n_prices) {
		jn_error_set(err, JN_ERR_UNAVAILABLE, "ec2 answered %zu offerings, %zu instance types "
			"and %zu spot prices: every one must be non-empty", off.len, specs.len, n_prices);
		goto done;
	}
	qsort(off.pairs, off.len, sizeof(*off.pairs), cmp_pair);
	attach_zones(&specs, &off);

	with_types = jn_catalog_with_types(p->builtin, specs.items, specs.len, &st->added_types);
	priced = jn_catalog_with_prices(with_types, prices, n_prices, &st->priced);
	for (size_t i = 0; i < jn_catalog_len(priced); i++) {
		const struct jn_instance_type *it = jn_catalog_at(priced, i);
		for (size_t k = 0; k < it->n_offerings; k++) {
			const struct jn_offering *o = &it->offerings[k];
			if (!offered(&off, it->name, o->zone))
				*JN_PUSH(keys, n_keys, cap_keys) = (struct jn_offering_key){ it->name, o->zone,
					o->capacity_type };
		}
	}
	st->not_offered = n_keys;
	out = jn_catalog_with_unavailable(priced, keys, n_keys);
	for (size_t i = 0; i < jn_catalog_len(out); i++) {
		const struct jn_instance_type *it = jn_catalog_at(out, i);
		for (size_t k = 0; k < it->n_offerings; k++)
			st->available += it->offerings[k].available;
	}
	if (!st->available || !jn_catalog_check(out)) {
		jn_error_set(err, JN_ERR_INTERNAL, "merged catalog has %zu available offerings%s",
			st->available, st->available ? " and fails its invariants" : "");
		jn_catalog_unref(out);
		out = NULL;
	}
done:
	jn_catalog_unref(with_types);
	jn_catalog_unref(priced);
	free(keys);
	free(prices);
	ec2_type_specs_release(&specs);
	free(off.pairs);
	trees_release(&t_off);
	trees_release(&t_types);
	trees_release(&t_spot);
	return out;
}

int ec2_catalog_refresh(struct ec2_provider *p, struct jn_error *err)
{
	struct ec2_refresh_stats st;
	int64_t started = jn_clock_mono_ns(p->clock);
	struct jn_catalog *fresh = ec2_catalog_fetch(p, &st, err);
	int64_t now = jn_clock_mono_ns(p->clock);
	pthread_mutex_lock(&p->lock);
	p->refreshed_at_ns = now;
	p->refresh_attempts++;
	if (fresh) {
		jn_catalog_unref(p->discovered);
		p->discovered = fresh;
		p->refreshes++;
	}
	pthread_mutex_unlock(&p->lock);
	if (!fresh) {
		if (p->log)
			jn_log_warn(p->log, "kept instance type catalog after failed refresh",
				JN_LOG_STR("error", err->msg));
		return -1;
	}
	if (p->log)
		jn_log_info(p->log, "refreshed instance type catalog",
			JN_LOG_INT("types", jn_catalog_len(fresh)), JN_LOG_INT("added_types", st.added_types),
			JN_LOG_INT("offered", st.offered), JN_LOG_INT("not_offered", st.not_offered),
			JN_LOG_INT("spot_prices", st.spot_prices), JN_LOG_INT("priced", st.priced),
			JN_LOG_INT("available", st.available),
			JN_LOG_INT("latency_ms", (now - started) / JN_NS_PER_MS));
	return 0;
}

/* ---- the background refresher ---- */

/* How often a waiting refresher looks at its stop flag: bounds how long stop takes. */
#define STOP_POLL_NS (100 * JN_NS_PER_MS)

static void *refresher_main(void *arg)
{
	struct ec2_provider *p = arg;
	while (!atomic_load(&p->refresher_stop)) {
		struct jn_error err;
		ec2_catalog_refresh(p, &err);
		int64_t deadline = jn_clock_mono_ns(p->clock) + p->refresh_period_ns;
		for (int64_t now = jn_clock_mono_ns(p->clock);
			now < deadline && !atomic_load(&p->refresher_stop);
			now = jn_clock_mono_ns(p->clock))
			jn_clock_sleep_until(p->clock, JN_MIN(deadline, now + STOP_POLL_NS));
	}
	return NULL;
}

int ec2_refresher_start(struct ec2_provider *p, struct jn_error *err)
{
	atomic_store(&p->refresher_stop, false);
	int rc = pthread_create(&p->refresher, NULL, refresher_main, p);
	if (rc != 0) {
		jn_error_set(err, JN_ERR_INTERNAL, "starting the catalog refresher: %s", strerror(rc));
		return -1;
	}
	p->refresher_running = true;
	return 0;
}

void ec2_refresher_stop(struct ec2_provider *p)
{
	if (!p->refresher_running)
		return;
	atomic_store(&p->refresher_stop, true);
	pthread_join(p->refresher, NULL);
	p->refresher_running = false;
}
