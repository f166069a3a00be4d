/*
 * Snapshots derived from API answers: prices replaced per (type, zone, capacity type), and
 * types the built-in data lacks built from what DescribeInstanceTypes states. The source
 * snapshot must never change, and the derived one must pass jn_catalog_check.
 */
#include <math.h>
#include <string.h>

#include "jitnode/catalog.h"
#include "jitnode/error.h"
#include "tap.h"

#define MIB (INT64_C(1) << 20)

static struct jn_catalog *builtin(void)
{
	struct jn_error err;
	struct jn_catalog *cat = jn_catalog_builtin("us-east-1", NULL, &err);
	if (!cat)
		jn_tap_diag("builtin: %s", err.msg);
	return cat;
}

static void prices_replace_only_named_offerings(void)
{
	struct jn_catalog *cat = builtin();
	const struct jn_instance_type *before = jn_catalog_find(cat, "m5.large");
	const struct jn_offering *spot_b = jn_instance_type_offering(before, "us-east-1b",
		JN_CAPACITY_SPOT);
	double estimate = spot_b->price;
	struct jn_offering_price prices[] = {
		{ "m5.large", "us-east-1a", JN_CAPACITY_SPOT, 0.0312 },
		{ "m5.large", "us-east-1a", JN_CAPACITY_SPOT, 0.0333 },     /* later wins */
		{ "m5.large", "us-east-1c", JN_CAPACITY_ON_DEMAND, 0.1 },
		{ "m5.large", "us-west-2a", JN_CAPACITY_SPOT, 0.02 },       /* not in region */
		{ "nope.large", "us-east-1a", JN_CAPACITY_SPOT, 0.02 },     /* unknown type */
		{ "m5.large", "us-east-1b", JN_CAPACITY_SPOT, 0 },          /* not a price */
		{ "m5.large", "us-east-1b", JN_CAPACITY_SPOT, NAN },
	};
	size_t applied = 99;
	struct jn_catalog *priced = jn_catalog_with_prices(cat, prices, 7, &applied);
	CHECK(jn_catalog_check(priced));
	CHECK_INT_EQ(applied, 3);
	const struct jn_instance_type *it = jn_catalog_find(priced, "m5.large");
	const struct jn_offering *a = jn_instance_type_offering(it, "us-east-1a", JN_CAPACITY_SPOT);
	CHECK_DBL_NEAR(a->price, 0.0333, 1e-12);
	CHECK_INT_EQ(a->price_source, JN_PRICE_SPOT_HISTORY);
	CHECK(a->available);
	const struct jn_offering *b = jn_instance_type_offering(it, "us-east-1b", JN_CAPACITY_SPOT);
	CHECK_DBL_NEAR(b->price, estimate, 1e-12);
	CHECK_INT_EQ(b->price_source, JN_PRICE_SPOT_ESTIMATE);
	/* an on-demand price from an API re-estimates its zone's spot estimate */
	const struct jn_offering *c = jn_instance_type_offering(it, "us-east-1c",
		JN_CAPACITY_ON_DEMAND);
	CHECK_DBL_NEAR(c->price, 0.1, 1e-12);
	CHECK_INT_EQ(c->price_source, JN_PRICE_API);
	const struct jn_offering *cs = jn_instance_type_offering(it, "us-east-1c", JN_CAPACITY_SPOT);
	CHECK_DBL_NEAR(cs->price, 0.1 * 0.35, 1e-12);
	/* the source snapshot is untouched */
	const struct jn_offering *a0 = jn_instance_type_offering(before, "us-east-1a",
		JN_CAPACITY_SPOT);
	CHECK_INT_EQ(a0->price_source, JN_PRICE_SPOT_ESTIMATE);
	CHECK_DBL_NEAR(a0->price, estimate, 1e-12);
	CHECK_STR_EQ(jn_price_source_name(JN_PRICE_SPOT_HISTORY), "spot-history");
	CHECK_STR_EQ(jn_price_source_name(JN_PRICE_API), "api");
	jn_catalog_unref(cat);
	/* the derived snapshot outlives its source */
	CHECK_DBL_NEAR(jn_instance_type_offering(it, "us-east-1a", JN_CAPACITY_SPOT)->price, 0.0333,
		1e-12);
	jn_catalog_unref(priced);
}

static void unavailable_stays_unavailable_when_priced(void)
{
	struct jn_catalog *cat = builtin();
	struct jn_offering_key key = { "m5.large", "us-east-1a", JN_CAPACITY_SPOT };
	struct jn_catalog *ice = jn_catalog_with_unavailable(cat, &key, 1);
	struct jn_offering_price p = { "m5.large", "us-east-1a", JN_CAPACITY_SPOT, 0.03 };
	struct jn_catalog *priced = jn_catalog_with_prices(ice, &p, 1, NULL);
	const struct jn_offering *o = jn_instance_type_offering(jn_catalog_find(priced, "m5.large"),
		"us-east-1a", JN_CAPACITY_SPOT);
	CHECK(!o->available);
	CHECK_DBL_NEAR(o->price, 0.03, 1e-12);
	jn_catalog_unref(priced);
	jn_catalog_unref(ice);
	jn_catalog_unref(cat);
}

static void new_type_built_from_api_facts(void)
{
	struct jn_catalog *cat = builtin();
	size_t n_before = jn_catalog_len(cat);
	const char *archs[] = { "x86_64", "i386" };
	const char *arm[] = { "arm64" };
	const char *zones[] = { "us-east-1b", "us-east-1a", "us-west-2a" };
	const char *mac[] = { "x86_64_mac" };
	struct jn_catalog_type_spec specs[] = {
		{ .name = "zz9.large", .archs = archs, .n_archs = 2, .vcpu = 2, .memory_mib = 8192,
			.max_enis = 3, .ipv4_per_eni = 10, .on_demand = true, .spot = true,
			.hypervisor = "nitro", .current_generation = true, .zones = zones, .n_zones = 3 },
		/* known: the built-in facts win, nothing is added */
		{ .name = "m5.large", .archs = archs, .n_archs = 1, .vcpu = 64, .memory_mib = 1,
			.max_enis = 1, .ipv4_per_eni = 2, .on_demand = true, .zones = zones,
			.n_zones = 1 },
		/* skipped: not Linux-capable, no zone in the region, no vcpu */
		{ .name = "mac9.metal", .archs = mac, .n_archs = 1, .vcpu = 12, .memory_mib = 32768,
			.max_enis = 8, .ipv4_per_eni = 30, .on_demand = true, .zones = zones, .n_zones = 1 },
		{ .name = "zz9.xlarge", .archs = archs, .n_archs = 1, .vcpu = 4, .memory_mib = 16384,
			.max_enis = 4, .ipv4_per_eni = 15, .on_demand = true, .zones = zones + 2,
			.n_zones = 1 },
		{ .name = "zz9.nano", .archs = archs, .n_archs = 1, .vcpu = 0, .memory_mib = 512,
			.max_enis = 2, .ipv4_per_eni = 2, .on_demand = true, .zones = zones, .n_zones = 1 },
		{ .name = "aa1g.medium", .archs = arm, .n_archs = 1, .vcpu = 1, .memory_mib = 2048,
			.max_enis = 2, .ipv4_per_eni = 4, .spot = true, .zones = zones, .n_zones = 1 },
		/* named twice: the first wins */
		{ .name = "zz9.large", .archs = arm, .n_archs = 1, .vcpu = 4, .memory_mib = 8192,
			.max_enis = 3, .ipv4_per_eni = 10, .on_demand = true, .zones = zones,
			.n_zones = 1 },
	};
	size_t added = 0;
	struct jn_catalog *more = jn_catalog_with_types(cat, specs, 7, &added);
	CHECK(jn_catalog_check(more));
	CHECK_INT_EQ(added, 2);
	CHECK_INT_EQ(jn_catalog_len(more), n_before + 2);
	CHECK_INT_EQ(jn_catalog_find(more, "m5.large")->vcpu, 2);
	CHECK(jn_catalog_find(more, "mac9.metal") == NULL);
	CHECK(jn_catalog_find(more, "zz9.xlarge") == NULL);
	CHECK(jn_catalog_find(more, "zz9.nano") == NULL);

	const struct jn_instance_type *it = jn_catalog_find(more, "zz9.large");
	CHECK_STR_EQ(it->arch, "amd64");
	CHECK_STR_EQ(it->family, "zz9");
	CHECK_STR_EQ(it->category, "zz");
	CHECK_INT_EQ(it->generation, 9);
	CHECK_INT_EQ(it->capacity.cpu_milli, 2000);
	CHECK_INT_EQ(it->capacity.memory, (8192 - 615) * MIB);   /* 7.5 % VM overhead, rounded up */
	CHECK_INT_EQ(it->capacity.pods, 29);                      /* 3 ENIs x 9 IPs + 2 */
	CHECK_INT_EQ(it->allocatable.cpu_milli, 2000 - 70);
	CHECK_INT_EQ(it->capacity.n_ext, 0);
	CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_HYPERVISOR), "nitro");
	CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_MEMORY), "8192");
	CHECK(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_NETWORK_BANDWIDTH) == NULL);
	/* two zones of the region, both capacity types, sorted, unpriced and so unavailable */
	CHECK_INT_EQ(it->n_offerings, 4);
	CHECK_STR_EQ(it->offerings[0].zone, "us-east-1a");
	CHECK_INT_EQ(it->offerings[0].capacity_type, JN_CAPACITY_ON_DEMAND);
	CHECK_STR_EQ(it->offerings[0].zone_id, "use1-az6");
	CHECK_STR_EQ(it->offerings[3].zone, "us-east-1b");
	for (size_t i = 0; i < it->n_offerings; i++) {
		CHECK_INT_EQ(it->offerings[i].price_source, JN_PRICE_NONE);
		CHECK(!it->offerings[i].available);
	}
	const struct jn_instance_type *g = jn_catalog_find(more, "aa1g.medium");
	CHECK_STR_EQ(g->arch, "arm64");
	CHECK_INT_EQ(g->n_offerings, 1);
	CHECK_INT_EQ(g->capacity.memory, (2048 - 64 - 149) * MIB);  /* CMA reserve, then 7.5 % */

	/* spot history makes them launchable; the source and the first derivation stay put */
	struct jn_offering_price p = { "zz9.large", "us-east-1b", JN_CAPACITY_SPOT, 0.021 };
	struct jn_catalog *priced = jn_catalog_with_prices(more, &p, 1, NULL);
	jn_catalog_unref(more);
	jn_catalog_unref(cat);
	const struct jn_offering *o = jn_instance_type_offering(jn_catalog_find(priced, "zz9.large"),
		"us-east-1b", JN_CAPACITY_SPOT);
	CHECK(o->available);
	CHECK_DBL_NEAR(o->price, 0.021, 1e-12);
	CHECK(!jn_instance_type_offering(jn_catalog_find(priced, "zz9.large"), "us-east-1b",
		JN_CAPACITY_ON_DEMAND)->available);
	/* an ICE view of a derived snapshot keeps working after everything else is dropped */
	struct jn_offering_key key = { "zz9.large", NULL, JN_CAPACITY_SPOT };
	struct jn_catalog *ice = jn_catalog_with_unavailable(priced, &key, 1);
	jn_catalog_unref(priced);
	CHECK(jn_catalog_check(ice));
	CHECK_STR_EQ(jn_catalog_find(ice, "zz9.large")->name, "zz9.large");
	CHECK_STR_EQ(jn_catalog_find(ice, "m5.large")->family, "m5");
	jn_catalog_unref(ice);
}

static void new_zone_joins_the_zone_list(void)
{
	struct jn_catalog *cat = builtin();
	size_t n0;
	jn_catalog_zones(cat, NULL, &n0);
	const char *archs[] = { "x86_64" };
	const char *zones[] = { "us-east-1-bos-1a" };
	struct jn_catalog_type_spec s = { .name = "zz9.large", .archs = archs, .n_archs = 1,
		.vcpu = 2, .memory_mib = 8192, .max_enis = 3, .ipv4_per_eni = 10, .on_demand = true,
		.zones = zones, .n_zones = 1 };
	struct jn_catalog *more = jn_catalog_with_types(cat, &s, 1, NULL);
	CHECK(jn_catalog_check(more));
	size_t n;
	const char *const *ids;
	const char *const *list = jn_catalog_zones(more, &ids, &n);
	CHECK_INT_EQ(n, n0 + 1);
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], "us-east-1-bos-1a") == 0)
			CHECK_STR_EQ(ids[i], "");
	CHECK_STR_EQ(jn_catalog_region(more), "us-east-1");
	jn_catalog_unref(cat);
	jn_catalog_unref(more);
}

int main(void)
{
	JN_RUN(prices_replace_only_named_offerings);
	JN_RUN(unavailable_stays_unavailable_when_priced);
	JN_RUN(new_type_built_from_api_facts);
	JN_RUN(new_zone_joins_the_zone_list);
	return jn_tap_done();
}
