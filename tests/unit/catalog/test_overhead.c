/*
 * Karpenter's formulas one by one (src/catalog/overhead.c), including the bands and roundings
 * that the whole-type tests in test_catalog.c only touch at a few points.
 */
#include "jitnode/catalog.h"
#include "../../../src/catalog/catalog_internal.h"
#include "tap.h"

#define MIB (INT64_C(1) << 20)

static void eni_limited_pods(void)
{
	/* enis * (ipv4 - 1) + 2 */
	CHECK_INT_EQ(catalog_eni_limited_pods(3, 10, 0), 29);
	CHECK_INT_EQ(catalog_eni_limited_pods(15, 50, 0), 737);
	/* reserved ENIs come off first: (3 - 1) * 9 + 2 = 20 */
	CHECK_INT_EQ(catalog_eni_limited_pods(3, 10, 1), 20);
	/* no ENI left: 0, not 2 */
	CHECK_INT_EQ(catalog_eni_limited_pods(2, 2, 2), 0);
	CHECK_INT_EQ(catalog_eni_limited_pods(2, 2, 5), 0);
}

static void kube_reserved_cpu_bands(void)
{
	CHECK_INT_EQ(catalog_kube_reserved_cpu(1), 60);             /* 6% of 1000 */
	CHECK_INT_EQ(catalog_kube_reserved_cpu(2), 70);             /* + 1% of 1000 */
	CHECK_INT_EQ(catalog_kube_reserved_cpu(3), 75);             /* + 0.5% of 1000 */
	CHECK_INT_EQ(catalog_kube_reserved_cpu(4), 80);             /* + 0.5% of 2000 */
	CHECK_INT_EQ(catalog_kube_reserved_cpu(8), 90);             /* + 0.25% of 4000 */
	CHECK_INT_EQ(catalog_kube_reserved_cpu(48), 190);           /* 80 + 0.25% of 44000 */
	CHECK_INT_EQ(catalog_kube_reserved_cpu(96), 310);           /* 80 + 0.25% of 92000 */
	/* 5 vCPU: 80 + 1000*0.0025 = 2.5, truncated to 2 */
	CHECK_INT_EQ(catalog_kube_reserved_cpu(5), 82);
}

static void memory_capacity(void)
{
	/* 8192 - ceil(614.4) = 7577 */
	CHECK_INT_EQ(catalog_memory_capacity(8192, false, 0.075), 7577 * MIB);
	/* arm64: 512 - 64 = 448; 448 - ceil(33.6) = 414 */
	CHECK_INT_EQ(catalog_memory_capacity(512, true, 0.075), 414 * MIB);
	/* 0 overhead leaves MiB as they are; 10%: 1000 - ceil(100.0) */
	CHECK_INT_EQ(catalog_memory_capacity(4096, false, 0), 4096 * MIB);
	CHECK_INT_EQ(catalog_memory_capacity(1000, false, 0.1), 900 * MIB);
}

static void thresholds(void)
{
	struct jn_catalog_threshold pct = { .is_percent = true, .percent = 10 };
	/* ceil(20Gi / 100 * 10) = 2Gi exactly */
	CHECK_INT_EQ(catalog_threshold_bytes(&pct, INT64_C(20) << 30), INT64_C(2) << 30);
	/* ceil(1001 / 100 * 10) = ceil(100.1) = 101 */
	CHECK_INT_EQ(catalog_threshold_bytes(&pct, 1001), 101);
	/* 100% disables the threshold, as the kubelet reads it */
	pct.percent = 100;
	CHECK_INT_EQ(catalog_threshold_bytes(&pct, 1001), 0);
	struct jn_catalog_threshold abs = { .bytes = 100 * MIB };
	CHECK_INT_EQ(catalog_threshold_bytes(&abs, 1), 100 * MIB);
}

static void name_scheme(void)
{
	char cat[16];
	int32_t gen;
	CHECK(catalog_parse_name("m5.large", cat, sizeof(cat), &gen));
	CHECK_STR_EQ(cat, "m");
	CHECK_INT_EQ(gen, 5);
	CHECK(catalog_parse_name("u-12tb1.112xlarge", cat, sizeof(cat), &gen));
	CHECK_STR_EQ(cat, "u");
	CHECK_INT_EQ(gen, 1);
	CHECK(catalog_parse_name("u7i-12tb.224xlarge", cat, sizeof(cat), &gen));
	CHECK_STR_EQ(cat, "u");
	CHECK_INT_EQ(gen, 7);
	CHECK(catalog_parse_name("is4gen.xlarge", cat, sizeof(cat), &gen));
	CHECK_STR_EQ(cat, "is");
	CHECK_INT_EQ(gen, 4);
	CHECK(catalog_parse_name("x2iedn.32xlarge", cat, sizeof(cat), &gen));
	CHECK_STR_EQ(cat, "x");
	CHECK_INT_EQ(gen, 2);
	/* no digit after the letters, or no '.' after the digits: no match */
	CHECK(!catalog_parse_name("mac-m4.metal", cat, sizeof(cat), &gen));
	CHECK_STR_EQ(cat, "");
	CHECK_INT_EQ(gen, 0);
	CHECK(!catalog_parse_name("m5large", cat, sizeof(cat), &gen));
	CHECK(!catalog_parse_name("5m.large", cat, sizeof(cat), &gen));
}

int main(void)
{
	JN_RUN(eni_limited_pods);
	JN_RUN(kube_reserved_cpu_bands);
	JN_RUN(memory_capacity);
	JN_RUN(thresholds);
	JN_RUN(name_scheme);
	return jn_tap_done();
}
