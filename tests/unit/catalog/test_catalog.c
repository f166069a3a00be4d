/*
 * The built-in catalog: capacity, overhead and allocatable of well-known types worked out by
 * hand with Karpenter's formulas (each case shows its arithmetic), labels, offerings and
 * prices, the region filter, lookups, options, the ICE view and the invariant checker.
 */
#include <string.h>

#include "jitnode/catalog.h"
#include "jitnode/error.h"
#include "tap.h"

#define MIB (INT64_C(1) << 20)
#define GIB (INT64_C(1) << 30)

/* Default ephemeral-storage allocatable, the same for every type:
 * 20Gi root - 1Gi kube-reserved - ceil(20Gi / 100 * 10) = 2Gi nodefs eviction = 17Gi. */
#define EPHEMERAL_ALLOCATABLE (17 * GIB)

static struct jn_catalog *builtin(const char *region)
{
	struct jn_error err;
	jn_error_clear(&err);
	struct jn_catalog *cat = jn_catalog_builtin(region, NULL, &err);
	if (!CHECK(cat != NULL))
		jn_tap_diag("%s", err.msg);
	return cat;
}

static const struct jn_instance_type *must_find(const struct jn_catalog *cat, const char *name)
{
	const struct jn_instance_type *it = jn_catalog_find(cat, name);
	if (!CHECK(it != NULL))
		jn_tap_diag("missing %s", name);
	return it;
}

static void m5_large_allocatable(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	const struct jn_instance_type *it = must_find(cat, "m5.large");
	if (!it)
		goto out;
	/* pods: 3 ENIs * (10 IPv4 - 1) + 2 = 29 */
	CHECK_INT_EQ(it->max_pods, 29);
	CHECK_INT_EQ(it->capacity.pods, 29);
	CHECK_INT_EQ(it->allocatable.pods, 29);
	/* cpu: 2000m - (1000*0.06=60 + 1000*0.01=10 + 0) = 1930m */
	CHECK_INT_EQ(it->capacity.cpu_milli, 2000);
	CHECK_INT_EQ(it->overhead.kube_reserved.cpu_milli, 70);
	CHECK_INT_EQ(it->allocatable.cpu_milli, 1930);
	/* memory: 8192Mi - ceil(8192*0.075 = 614.4) = 615Mi -> 7577Mi capacity;
	 * kube-reserved 11*29+255 = 574Mi; eviction 100Mi -> 7577-574-100 = 6903Mi */
	CHECK_INT_EQ(it->capacity.memory, 7577 * MIB);
	CHECK_INT_EQ(it->overhead.kube_reserved.memory, 574 * MIB);
	CHECK_INT_EQ(it->overhead.eviction.memory, 100 * MIB);
	CHECK_INT_EQ(it->allocatable.memory, 6903 * MIB);
	CHECK_INT_EQ(it->capacity.ephemeral_storage, 20 * GIB);
	CHECK_INT_EQ(it->overhead.eviction.ephemeral_storage, 2 * GIB);
	CHECK_INT_EQ(it->allocatable.ephemeral_storage, EPHEMERAL_ALLOCATABLE);
	/* trunking type: 9 branch ENIs for security groups per pod, nothing else extended */
	CHECK_INT_EQ(it->capacity.n_ext, 1);
	CHECK_STR_EQ(it->capacity.ext[0].name, "vpc.amazonaws.com/pod-eni");
	CHECK_INT_EQ(it->capacity.ext[0].value, 9);
out:
	jn_catalog_unref(cat);
}

static void c5_xlarge_allocatable(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	const struct jn_instance_type *it = must_find(cat, "c5.xlarge");
	if (!it)
		goto out;
	/* pods: 4 * (15 - 1) + 2 = 58 */
	CHECK_INT_EQ(it->capacity.pods, 58);
	/* cpu: 4000m - (60 + 10 + 2000*0.005=10 + 0) = 3920m */
	CHECK_INT_EQ(it->allocatable.cpu_milli, 3920);
	/* memory: 8192 - 615 = 7577Mi; kube 11*58+255 = 893Mi; 7577-893-100 = 6584Mi */
	CHECK_INT_EQ(it->capacity.memory, 7577 * MIB);
	CHECK_INT_EQ(it->allocatable.memory, 6584 * MIB);
	CHECK_INT_EQ(it->allocatable.ephemeral_storage, EPHEMERAL_ALLOCATABLE);
out:
	jn_catalog_unref(cat);
}

static void t3_micro_allocatable(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	const struct jn_instance_type *it = must_find(cat, "t3.micro");
	if (!it)
		goto out;
	/* pods: 2 * (2 - 1) + 2 = 4 */
	CHECK_INT_EQ(it->capacity.pods, 4);
	/* cpu: 2000 - 70 = 1930m */
	CHECK_INT_EQ(it->allocatable.cpu_milli, 1930);
	/* memory: 1024 - ceil(76.8) = 947Mi; kube 11*4+255 = 299Mi; 947-299-100 = 548Mi */
	CHECK_INT_EQ(it->capacity.memory, 947 * MIB);
	CHECK_INT_EQ(it->allocatable.memory, 548 * MIB);
	/* no trunking on t3.micro: no extended resources at all */
	CHECK_INT_EQ(it->capacity.n_ext, 0);
	CHECK(it->burstable);
out:
	jn_catalog_unref(cat);
}

static void m6g_16xlarge_allocatable(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	const struct jn_instance_type *it = must_find(cat, "m6g.16xlarge");
	if (!it)
		goto out;
	CHECK_STR_EQ(it->arch, "arm64");
	/* pods: 15 * (50 - 1) + 2 = 737 */
	CHECK_INT_EQ(it->capacity.pods, 737);
	/* cpu: 64000 - (60 + 10 + 10 + 60000*0.0025=150) = 64000 - 230 = 63770m */
	CHECK_INT_EQ(it->overhead.kube_reserved.cpu_milli, 230);
	CHECK_INT_EQ(it->allocatable.cpu_milli, 63770);
	/* memory: Graviton CMA 262144 - 64 = 262080Mi; ceil(262080*0.075 = 19656) = 19656Mi
	 * -> 242424Mi; kube 11*737+255 = 8362Mi; 242424-8362-100 = 233962Mi */
	CHECK_INT_EQ(it->capacity.memory, INT64_C(242424) * MIB);
	CHECK_INT_EQ(it->overhead.kube_reserved.memory, 8362 * MIB);
	CHECK_INT_EQ(it->allocatable.memory, INT64_C(233962) * MIB);
	CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_MEMORY), "262144");
	CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_CPU_MANUFACTURER), "aws");
out:
	jn_catalog_unref(cat);
}

static void gpu_type_labels_and_resources(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	const struct jn_instance_type *it = must_find(cat, "g4dn.xlarge");
	if (!it)
		goto out;
	const struct jn_strmap *l = &it->labels;
	static const char *const want[][2] = {
		{ "karpenter.k8s.aws/instance-capability-flex", "false" },
		{ "karpenter.k8s.aws/instance-category", "g" },
		{ "karpenter.k8s.aws/instance-cpu", "4" },
		{ "karpenter.k8s.aws/instance-cpu-manufacturer", "intel" },
		{ "karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz", "2500" },
		{ "karpenter.k8s.aws/instance-ebs-bandwidth", "3500" },
		{ "karpenter.k8s.aws/instance-encryption-in-transit-supported", "true" },
		{ "karpenter.k8s.aws/instance-family", "g4dn" },
		{ "karpenter.k8s.aws/instance-generation", "4" },
		{ "karpenter.k8s.aws/instance-gpu-count", "1" },
		{ "karpenter.k8s.aws/instance-gpu-manufacturer", "nvidia" },
		{ "karpenter.k8s.aws/instance-gpu-memory", "16384" },
		{ "karpenter.k8s.aws/instance-gpu-name", "t4" },
		{ "karpenter.k8s.aws/instance-hypervisor", "nitro" },
		{ "karpenter.k8s.aws/instance-local-nvme", "125" },
		{ "karpenter.k8s.aws/instance-memory", "16384" },
		{ "karpenter.k8s.aws/instance-network-bandwidth", "5000" },
		{ "karpenter.k8s.aws/instance-size", "xlarge" },
		{ "kubernetes.io/arch", "amd64" },
		{ "kubernetes.io/os", "linux" },
		{ "node.kubernetes.io/instance-type", "g4dn.xlarge" },
		{ "topology.kubernetes.io/region", "us-east-1" },
	};
	CHECK_INT_EQ(l->len, JN_ARRAY_LEN(want));
	for (size_t i = 0; i < JN_ARRAY_LEN(want) && i < l->len; i++) {
		CHECK_STR_EQ(l->items[i].key, want[i][0]);
		CHECK_STR_EQ(l->items[i].value, want[i][1]);
	}
	CHECK_INT_EQ(it->gpu.count, 1);
	CHECK_STR_EQ(it->gpu.name, "T4");
	CHECK_INT_EQ(it->local_nvme_gb, 125);
	/* extended: nvidia.com/gpu 1 and 39 branch ENIs, sorted by name */
	CHECK_INT_EQ(it->capacity.n_ext, 2);
	CHECK_STR_EQ(it->capacity.ext[0].name, "nvidia.com/gpu");
	CHECK_INT_EQ(it->capacity.ext[0].value, 1);
	CHECK_STR_EQ(it->capacity.ext[1].name, "vpc.amazonaws.com/pod-eni");
	CHECK_INT_EQ(it->capacity.ext[1].value, 39);
	CHECK_INT_EQ(it->allocatable.n_ext, 2);
	/* memory: 16384 - ceil(1228.8) = 15155Mi; 11*29+255 = 574; 15155-574-100 = 14481Mi */
	CHECK_INT_EQ(it->allocatable.memory, 14481 * MIB);

	/* a Neuron type: accelerator labels and neuron / neuroncore resources */
	it = must_find(cat, "inf2.xlarge");
	if (!it)
		goto out;
	CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_ACCELERATOR_NAME), "inferentia2");
	CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_ACCELERATOR_MANUFACTURER), "aws");
	CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_ACCELERATOR_COUNT), "1");
	CHECK(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_GPU_NAME) == NULL);
	CHECK_INT_EQ(it->capacity.n_ext, 3);
	CHECK_STR_EQ(it->capacity.ext[0].name, "aws.amazon.com/neuron");
	CHECK_INT_EQ(it->capacity.ext[0].value, 1);
	CHECK_STR_EQ(it->capacity.ext[1].name, "aws.amazon.com/neuroncore");
	CHECK_INT_EQ(it->capacity.ext[1].value, 2);

	/* bare metal: no hypervisor label (an empty value is left out); flex family */
	it = must_find(cat, "m5.metal");
	if (it)
		CHECK(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_HYPERVISOR) == NULL);
	it = must_find(cat, "c7i-flex.large");
	if (it) {
		CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_CAPABILITY_FLEX), "true");
		CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_FAMILY), "c7i-flex");
		CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_CATEGORY), "c");
		CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_INSTANCE_GENERATION), "7");
	}
out:
	jn_catalog_unref(cat);
}

static void m5_large_offerings_in_us_east_1(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	const struct jn_instance_type *it = must_find(cat, "m5.large");
	if (!it)
		goto out;
	/* five zones (us-east-1e does not offer m5.large) x {on-demand, spot}; zone ids are
	 * moto's mapping (1a=az6, 1b=az1, 1c=az2, 1d=az4, 1f=az5) */
	static const char *const zones[][2] = {
		{ "us-east-1a", "use1-az6" }, { "us-east-1b", "use1-az1" },
		{ "us-east-1c", "use1-az2" }, { "us-east-1d", "use1-az4" },
		{ "us-east-1f", "use1-az5" },
	};
	CHECK_INT_EQ(it->n_offerings, 10);
	for (size_t z = 0; z < 5 && it->n_offerings == 10; z++) {
		const struct jn_offering *od = &it->offerings[2 * z], *spot = &it->offerings[2 * z + 1];
		CHECK_STR_EQ(od->zone, zones[z][0]);
		CHECK_STR_EQ(od->zone_id, zones[z][1]);
		CHECK_INT_EQ(od->capacity_type, JN_CAPACITY_ON_DEMAND);
		CHECK_INT_EQ(od->price_source, JN_PRICE_LIST);
		CHECK_DBL_NEAR(od->price, 0.096, 1e-12);
		CHECK(od->available);
		CHECK_STR_EQ(spot->zone, zones[z][0]);
		CHECK_INT_EQ(spot->capacity_type, JN_CAPACITY_SPOT);
		CHECK_INT_EQ(spot->price_source, JN_PRICE_SPOT_ESTIMATE);
		/* simulated spot: 0.096 * 0.35 = 0.0336 */
		CHECK_DBL_NEAR(spot->price, 0.0336, 1e-12);
		CHECK(spot->available);
	}
	CHECK(jn_instance_type_offering(it, "us-east-1e", JN_CAPACITY_ON_DEMAND) == NULL);
	const struct jn_offering *o = jn_instance_type_offering(it, "us-east-1c", JN_CAPACITY_SPOT);
	CHECK(o == &it->offerings[5]);

	struct jn_strmap labels;
	jn_instance_type_node_labels(it, o, &labels);
	CHECK_INT_EQ(labels.len, it->labels.len + 3);
	CHECK_STR_EQ(jn_strmap_get(&labels, "topology.kubernetes.io/zone"), "us-east-1c");
	CHECK_STR_EQ(jn_strmap_get(&labels, "topology.k8s.aws/zone-id"), "use1-az2");
	CHECK_STR_EQ(jn_strmap_get(&labels, "karpenter.sh/capacity-type"), "spot");
	CHECK_STR_EQ(jn_strmap_get(&labels, "node.kubernetes.io/instance-type"), "m5.large");
	jn_strmap_release(&labels);
out:
	jn_catalog_unref(cat);
}

static void other_regions_reuse_us_east_1_prices(void)
{
	struct jn_catalog *cat = builtin("us-west-2");
	const struct jn_instance_type *it = must_find(cat, "m5.large");
	if (it) {
		/* us-west-2a..d */
		CHECK_INT_EQ(it->n_offerings, 8);
		CHECK_STR_EQ(it->offerings[0].zone, "us-west-2a");
		CHECK_STR_EQ(it->offerings[0].zone_id, "usw2-az2");
		CHECK_INT_EQ(it->offerings[0].price_source, JN_PRICE_OTHER_REGION);
		CHECK_DBL_NEAR(it->offerings[0].price, 0.096, 1e-12);
		CHECK_STR_EQ(jn_strmap_get(&it->labels, JN_LABEL_REGION), "us-west-2");
	}
	/* dl2q.24xlarge has no price anywhere: offered, listed, but never available */
	it = must_find(cat, "dl2q.24xlarge");
	if (it) {
		CHECK(it->n_offerings > 0);
		for (size_t i = 0; i < it->n_offerings; i++) {
			CHECK(!it->offerings[i].available);
			CHECK_INT_EQ(it->offerings[i].price_source, JN_PRICE_NONE);
			CHECK_DBL_NEAR(it->offerings[i].price, 0, 0);
		}
	}
	CHECK(jn_catalog_check(cat));
	jn_catalog_unref(cat);
}

static void region_filter(void)
{
	struct jn_catalog *east = builtin("us-east-1"), *west = builtin("us-west-2"),
		*eu = builtin("eu-west-1");
	if (!east || !west || !eu)
		goto out;
	/* Offered types whose architecture maps to amd64/arm64: the data's 1,354 / 1,331 /
	 * 1,150 minus 9 / 9 / 3 mac*.metal types. */
	CHECK_INT_EQ(jn_catalog_len(east), 1345);
	CHECK_INT_EQ(jn_catalog_len(west), 1322);
	CHECK_INT_EQ(jn_catalog_len(eu), 1147);
	CHECK(jn_catalog_find(east, "mac2.metal") == NULL);
	/* c8gb.large is offered in us-east-1 only; dl2q.24xlarge everywhere but us-east-1 */
	CHECK(jn_catalog_find(east, "c8gb.large") != NULL);
	CHECK(jn_catalog_find(eu, "c8gb.large") == NULL);
	CHECK(jn_catalog_find(east, "dl2q.24xlarge") == NULL);
	CHECK(jn_catalog_find(west, "dl2q.24xlarge") != NULL);
	CHECK_STR_EQ(jn_catalog_region(eu), "eu-west-1");
	/* the zones with offerings, with moto's zone ids (us-east-1e offers 58 types) */
	size_t nz;
	const char *const *ids;
	const char *const *zones = jn_catalog_zones(east, &ids, &nz);
	CHECK_INT_EQ(nz, 6);
	if (nz == 6) {
		CHECK_STR_EQ(zones[0], "us-east-1a");
		CHECK_STR_EQ(ids[0], "use1-az6");
		CHECK_STR_EQ(zones[4], "us-east-1e");
		CHECK_STR_EQ(ids[4], "use1-az3");
		CHECK_STR_EQ(zones[5], "us-east-1f");
	}
	zones = jn_catalog_zones(eu, NULL, &nz);
	CHECK_INT_EQ(nz, 3);
	CHECK_STR_EQ(zones[2], "eu-west-1c");
	for (size_t i = 0; i < jn_catalog_len(eu); i++) {
		const struct jn_instance_type *it = jn_catalog_at(eu, i);
		for (size_t j = 0; j < it->n_offerings; j++) {
			if (strncmp(it->offerings[j].zone, "eu-west-1", 9) != 0) {
				CHECK_STR_EQ(it->offerings[j].zone, "eu-west-1?");
				goto out;
			}
		}
	}
	CHECK(jn_catalog_check(east) && jn_catalog_check(west) && jn_catalog_check(eu));
out:
	jn_catalog_unref(east);
	jn_catalog_unref(west);
	jn_catalog_unref(eu);
}

static void lookups_and_iteration(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	if (!cat)
		return;
	CHECK(jn_catalog_find(cat, "m5.large") != NULL);
	CHECK(jn_catalog_find(cat, "m5.larg") == NULL);
	CHECK(jn_catalog_find(cat, "") == NULL);
	CHECK(jn_catalog_find(cat, "zzz.large") == NULL);
	size_t n = jn_catalog_len(cat);
	CHECK(jn_catalog_at(cat, n) == NULL);
	const struct jn_instance_type *first = jn_catalog_at(cat, 0), *last = jn_catalog_at(cat, n - 1);
	CHECK(jn_catalog_find(cat, first->name) == first);
	CHECK(jn_catalog_find(cat, last->name) == last);
	CHECK_STR_EQ(first->name, "a1.2xlarge");
	size_t found = 0;
	for (size_t i = 0; i < n; i++)
		found += jn_catalog_find(cat, jn_catalog_at(cat, i)->name) == jn_catalog_at(cat, i);
	CHECK_INT_EQ(found, n);
	const struct jn_instance_type *it = jn_catalog_find(cat, "m5.large");
	CHECK_STR_EQ(it->family, "m5");
	CHECK_STR_EQ(it->size, "large");
	CHECK_STR_EQ(it->category, "m");
	CHECK_INT_EQ(it->generation, 5);
	CHECK_INT_EQ(it->cpu_clock_mhz, 3100);
	CHECK(!it->current_generation);
	jn_catalog_unref(cat);
}

static void unknown_region_and_bad_options(void)
{
	struct jn_error err;
	CHECK(jn_catalog_builtin("ap-south-1", NULL, &err) == NULL);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	CHECK_STR_EQ(err.msg, "region 'ap-south-1' is not in the built-in catalog "
		"(us-east-1, us-west-2, eu-west-1)");
	size_t n;
	const char *const *regions = jn_catalog_builtin_regions(&n);
	CHECK_INT_EQ(n, 3);
	CHECK_STR_EQ(regions[2], "eu-west-1");

	struct jn_catalog_options o;
	jn_catalog_options_init(&o);
	o.vm_memory_overhead_percent = 7.5;
	CHECK(jn_catalog_builtin("us-east-1", &o, &err) == NULL);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	CHECK_STR_EQ(err.msg, "invalid catalog options: vm_memory_overhead_percent 7.5 is outside "
		"[0, 1)");
	jn_catalog_options_init(&o);
	o.spot_price_ratio = 0;
	CHECK(jn_catalog_builtin("us-east-1", &o, &err) == NULL);
	CHECK_STR_EQ(err.msg, "invalid catalog options: spot_price_ratio 0 is outside (0, 1]");
	jn_catalog_options_init(&o);
	o.reserved_enis = -1;
	CHECK(jn_catalog_builtin("us-east-1", &o, &err) == NULL);
	CHECK_STR_EQ(err.msg, "invalid catalog options: reserved_enis -1 is negative");
	/* a struct nobody initialised is refused, not read as "no overhead" */
	struct jn_catalog_options zero = { 0 };
	CHECK(jn_catalog_builtin("us-east-1", &zero, &err) == NULL);
	CHECK_STR_EQ(err.msg, "invalid catalog options: root_volume_bytes 0 must be positive");
	jn_catalog_options_init(&o);
	o.eviction_nodefs.percent = 101;
	CHECK(jn_catalog_builtin("us-east-1", &o, &err) == NULL);
	CHECK_STR_EQ(err.msg, "invalid catalog options: eviction_nodefs 101% is outside [0, 100]");
}

static void kubelet_options(void)
{
	struct jn_error err;
	struct jn_catalog_options o;
	jn_catalog_options_init(&o);
	o.max_pods = 110;
	struct jn_catalog *cat = jn_catalog_builtin("us-east-1", &o, &err);
	const struct jn_instance_type *it = cat ? must_find(cat, "m5.large") : NULL;
	if (it) {
		CHECK_INT_EQ(it->capacity.pods, 110);
		/* AL2023 keeps the ENI limit (29) in kube-reserved memory: still 574Mi */
		CHECK_INT_EQ(it->overhead.kube_reserved.memory, 574 * MIB);
		CHECK_INT_EQ(it->allocatable.memory, 6903 * MIB);
	}
	jn_catalog_unref(cat);

	/* Bottlerocket's rule: 11*110+255 = 1465Mi; 7577-1465-100 = 6012Mi */
	o.reserved_memory_uses_pods = true;
	cat = jn_catalog_builtin("us-east-1", &o, &err);
	it = cat ? must_find(cat, "m5.large") : NULL;
	if (it)
		CHECK_INT_EQ(it->allocatable.memory, 6012 * MIB);
	jn_catalog_unref(cat);

	/* podsPerCore 4 on 2 vCPUs: min(8, 29) = 8; reserved ENIs 1 on c5.xlarge: 3*14+2 = 44 */
	jn_catalog_options_init(&o);
	o.pods_per_core = 4;
	o.reserved_enis = 1;
	cat = jn_catalog_builtin("us-east-1", &o, &err);
	if (cat) {
		CHECK_INT_EQ(jn_catalog_find(cat, "m5.large")->capacity.pods, 8);
		it = jn_catalog_find(cat, "c5.xlarge");
		/* min(4 * 4 = 16, 44) = 16, kube-reserved memory still from 0 reserved ENIs: 893Mi */
		CHECK_INT_EQ(it->capacity.pods, 16);
		CHECK_INT_EQ(it->overhead.kube_reserved.memory, 893 * MIB);
	}
	jn_catalog_unref(cat);

	/* Overrides: kubeReserved cpu 100m, systemReserved memory 200Mi, evictionHard
	 * memory.available 5% and nodefs.available 1Gi, root volume 50Gi, VM overhead 0. */
	jn_catalog_options_init(&o);
	o.kube_reserved.cpu_milli = 100;
	o.system_reserved.memory = 200 * MIB;
	o.eviction_memory = (struct jn_catalog_threshold){ .is_percent = true, .percent = 5 };
	o.eviction_nodefs = (struct jn_catalog_threshold){ .bytes = GIB };
	o.root_volume_bytes = 50 * GIB;
	o.vm_memory_overhead_percent = 0;
	cat = jn_catalog_builtin("us-east-1", &o, &err);
	it = cat ? must_find(cat, "m5.large") : NULL;
	if (it) {
		CHECK_INT_EQ(it->allocatable.cpu_milli, 1900);
		/* capacity 8192Mi; eviction ceil(8192Mi / 100 * 5) = 429496730 bytes;
		 * 8192Mi - 574Mi - 200Mi - 429496730 */
		CHECK_INT_EQ(it->capacity.memory, 8192 * MIB);
		CHECK_INT_EQ(it->overhead.eviction.memory, 429496730);
		CHECK_INT_EQ(it->allocatable.memory, (8192 - 574 - 200) * MIB - 429496730);
		/* 50Gi - 1Gi - 1Gi */
		CHECK_INT_EQ(it->allocatable.ephemeral_storage, 48 * GIB);
		CHECK(jn_catalog_check(cat));
	}
	jn_catalog_unref(cat);
}

static void ice_view_and_references(void)
{
	struct jn_catalog *cat = builtin("us-east-1");
	if (!cat)
		return;
	struct jn_offering_key keys[] = {
		{ "m5.large", "us-east-1a", JN_CAPACITY_SPOT },
		{ "c5.xlarge", NULL, JN_CAPACITY_ON_DEMAND },
		{ "no.such", "us-east-1a", JN_CAPACITY_SPOT },
		{ "m5.large", "us-east-9z", JN_CAPACITY_SPOT },
	};
	struct jn_catalog *ice = jn_catalog_with_unavailable(cat, keys, JN_ARRAY_LEN(keys));
	CHECK(jn_catalog_check(ice));
	const struct jn_instance_type *m5 = jn_catalog_find(ice, "m5.large");
	CHECK(!jn_instance_type_offering(m5, "us-east-1a", JN_CAPACITY_SPOT)->available);
	CHECK(jn_instance_type_offering(m5, "us-east-1a", JN_CAPACITY_ON_DEMAND)->available);
	CHECK(jn_instance_type_offering(m5, "us-east-1b", JN_CAPACITY_SPOT)->available);
	const struct jn_instance_type *c5 = jn_catalog_find(ice, "c5.xlarge");
	size_t od_down = 0, spot_up = 0;
	for (size_t i = 0; i < c5->n_offerings; i++) {
		if (c5->offerings[i].capacity_type == JN_CAPACITY_ON_DEMAND)
			od_down += !c5->offerings[i].available;
		else
			spot_up += c5->offerings[i].available;
	}
	CHECK_INT_EQ(od_down, 5);
	CHECK_INT_EQ(spot_up, 5);
	/* the source is untouched; the copy shares its labels */
	const struct jn_instance_type *orig = jn_catalog_find(cat, "m5.large");
	CHECK(jn_instance_type_offering(orig, "us-east-1a", JN_CAPACITY_SPOT)->available);
	CHECK(orig->labels.items == m5->labels.items);

	/* marks accumulate when deriving from a derived view */
	struct jn_offering_key more = { "m5.large", "us-east-1b", JN_CAPACITY_SPOT };
	struct jn_catalog *ice2 = jn_catalog_with_unavailable(ice, &more, 1);
	m5 = jn_catalog_find(ice2, "m5.large");
	CHECK(!jn_instance_type_offering(m5, "us-east-1a", JN_CAPACITY_SPOT)->available);
	CHECK(!jn_instance_type_offering(m5, "us-east-1b", JN_CAPACITY_SPOT)->available);

	/* references: the copy outlives its source */
	CHECK(jn_catalog_ref(cat) == cat);
	jn_catalog_unref(cat);
	jn_catalog_unref(cat);
	jn_catalog_unref(ice);
	CHECK(jn_catalog_check(ice2));
	CHECK_STR_EQ(jn_catalog_find(ice2, "g4dn.xlarge")->labels.items[0].value, "false");
	jn_catalog_unref(ice2);
	jn_catalog_unref(NULL);
}

static void names_and_strings(void)
{
	CHECK_STR_EQ(jn_capacity_type_name(JN_CAPACITY_ON_DEMAND), "on-demand");
	CHECK_STR_EQ(jn_capacity_type_name(JN_CAPACITY_SPOT), "spot");
	enum jn_capacity_type ct = JN_CAPACITY_ON_DEMAND;
	CHECK_INT_EQ(jn_capacity_type_parse("spot", &ct), 0);
	CHECK_INT_EQ(ct, JN_CAPACITY_SPOT);
	CHECK_INT_EQ(jn_capacity_type_parse("reserved", &ct), -1);
	CHECK_STR_EQ(jn_price_source_name(JN_PRICE_OTHER_REGION), "other-region");
	CHECK_STR_EQ(jn_price_source_name(JN_PRICE_SPOT_ESTIMATE), "spot-estimate");
}

int main(void)
{
	JN_RUN(m5_large_allocatable);
	JN_RUN(c5_xlarge_allocatable);
	JN_RUN(t3_micro_allocatable);
	JN_RUN(m6g_16xlarge_allocatable);
	JN_RUN(gpu_type_labels_and_resources);
	JN_RUN(m5_large_offerings_in_us_east_1);
	JN_RUN(other_regions_reuse_us_east_1_prices);
	JN_RUN(region_filter);
	JN_RUN(lookups_and_iteration);
	JN_RUN(unknown_region_and_bad_options);
	JN_RUN(kubelet_options);
	JN_RUN(ice_view_and_references);
	JN_RUN(names_and_strings);
	return jn_tap_done();
}
