/*
 * bench/pack: the packing engine's speed, memory and cost (DESIGN.md §7, issue 5).
 *
 * Case 1 reproduces the inputs of Karpenter's BenchmarkScheduling (kubernetes-sigs/karpenter
 * pkg/controllers/provisioning/scheduling/scheduling_benchmark_test.go and
 * pkg/cloudprovider/fake/instancetype.go): 400 instance types, type i with i+1 vCPU, 2(i+1) GiB
 * and 10(i+1) pods, 100m/10Mi kubelet overhead, 5 offerings (spot in two zones, on-demand in
 * three) priced 0.1 per vCPU + 0.1 per GB; pods in five equal classes (plain, zone spread,
 * hostname spread, zone self-affinity, hostname anti-affinity) with cpu in {100,250,500,1000,
 * 1500}m and memory in {100,256,512,1024,2048,4096}Mi, random labels from 7 values, seed 42.
 *
 * Case 2 packs a mixed 10,000-pod workload on the built-in us-east-1 catalog with two pools
 * (general purpose on-demand c/m/r/t, and a tainted GPU pool) and two daemonsets, and prints the
 * plan's cost next to a lower bound computed here, apart from the engine: the LP relaxation
 * "fractional nodes, fractional pods, every resource covered at once", per compatibility class,
 * with one pod per node for hostname anti-affinity and no pod on a node it cannot fit alone.
 *
 * Why it is a lower bound. Pod types t are (kind, request vector d_t), n_t pods each; sites s
 * are (pool, instance type, price p_s) with capacity cap_s = allocatable minus the daemonsets.
 * For prices u >= 0 (one per type) let V_s(u) = max u.q over q >= 0 with sum_t q_t d_t <= cap_s,
 * q_t <= 1 when t has hostname anti-affinity, q_t = 0 when t's kind may not run on s or one
 * pod of t exceeds cap_s. Every node of any valid plan is a site s holding integer counts q
 * that satisfy these constraints, so it holds value u.q <= V_s(u) <= M p_s, where
 * M = max_s V_s(u)/p_s. Summing over the plan's nodes: sum_t n_t u_t <= M * cost, hence
 *     cost >= (sum_t n_t u_t) / M        for every u >= 0.
 * Dropping zones, spreads and pod affinity only removes constraints, which keeps it valid.
 * The best u is the optimum of the dual LP  max n.u  s.t.  q.u <= p_s for every pattern (s, q);
 * we reach it by cutting planes (Kelley): solve over the patterns met so far, price every site
 * exactly with a small simplex, add the most violated patterns, stop when none is (then the
 * bound equals the LP optimum; the bench prints both). V_s is computed exactly, so whatever u
 * the loop stops at the printed figure is a valid bound (floating point aside, ~1e-9).
 * Classes may share nodes: that is why u is one price vector for all and V_s mixes types.
 *
 * Each case runs in a child process so that its peak RSS is its own. Every result is checked
 * with jn_pack_check before its figures are printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/catalog.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/pack.h"
#include "jitnode/policy.h"
#include "jitnode/sched.h"

#define TARGET_SECONDS_20K 0.4
#define TARGET_RSS_MB 100.0
#define TARGET_COST_GAP 0.05

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((r->s >> 33) % n);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static void die(const char *what, const struct jn_error *err)
{
	fprintf(stderr, "bench_pack: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

/* ------------------------------------------------------------------------------------------ */
/* Pods                                                                                        */

static void pod_add(struct jn_pod_list *list, json_t *doc)
{
	struct jn_error err;
	if (jn_pod_list_append_json(list, doc, &err) < 0)
		die("building a pod", &err);
	json_decref(doc);
}

static json_t *pod_doc(const char *name, json_t *labels, json_t *spec_extra, const char *cpu,
	const char *mem)
{
	json_t *spec = spec_extra ? spec_extra : json_object();
	json_object_set_new(spec, "containers", json_pack("[{s:s, s:{s:{s:s, s:s}}}]", "name", "c",
		"resources", "requests", "cpu", cpu, "memory", mem));
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:o}", "apiVersion", "v1", "kind", "Pod",
		"metadata", "name", name, "namespace", "default", "labels", labels, "spec", spec);
}

static const char *const label_values[] = { "a", "b", "c", "d", "e", "f", "g" };

static void karpenter_pods(struct jn_pod_list *list, size_t count, struct rng *r)
{
	static const char *const cpus[] = { "100m", "250m", "500m", "1000m", "1500m" };
	static const char *const mems[] = { "100Mi", "256Mi", "512Mi", "1024Mi", "2048Mi", "4096Mi" };
	for (size_t i = 0; i < count; i++) {
		char name[32];
		snprintf(name, sizeof(name), "pod-%zu", i);
		size_t kind = i * 5 / (count ? count : 1);
		const char *cpu = cpus[rnd(r, 5)], *mem = mems[rnd(r, 6)];
		json_t *labels, *extra = NULL;
		const char *own = label_values[rnd(r, 7)], *sel = label_values[rnd(r, 7)];
		switch (kind) {
		case 0:
			labels = json_pack("{s:s}", "my-label", own);
			break;
		case 1:
		case 2:
			labels = json_pack("{s:s}", "my-label", own);
			extra = json_pack("{s:[{s:i, s:s, s:s, s:{s:{s:s}}}]}",
				"topologySpreadConstraints", "maxSkew", 1, "topologyKey",
				kind == 1 ? "topology.kubernetes.io/zone" : "kubernetes.io/hostname",
				"whenUnsatisfiable", "DoNotSchedule", "labelSelector", "matchLabels",
				"my-label", sel);
			break;
		case 3:
			labels = json_pack("{s:s}", "my-affinity", own);
			extra = json_pack("{s:{s:{s:[{s:{s:{s:s}}, s:s}]}}}", "affinity", "podAffinity",
				"requiredDuringSchedulingIgnoredDuringExecution", "labelSelector",
				"matchLabels", "my-affinity", own, "topologyKey",
				"topology.kubernetes.io/zone");
			break;
		default:
			labels = json_pack("{s:s}", "app", "nginx");
			extra = json_pack("{s:{s:{s:[{s:{s:{s:s}}, s:s}]}}}", "affinity",
				"podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
				"labelSelector", "matchLabels", "app", "nginx", "topologyKey",
				"kubernetes.io/hostname");
			break;
		}
		pod_add(list, pod_doc(name, labels, extra, cpu, mem));
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Karpenter's fake instance types                                                             */

struct fake_catalog {
	struct jn_instance_type *types;
	const struct jn_instance_type **ptrs;
	struct jn_offering *offerings;
	char **names;
	size_t n;
};

static void fake_catalog_init(struct fake_catalog *fc, size_t n)
{
	static const struct {
		const char *zone;
		enum jn_capacity_type ct;
	} offs[] = {
		{ "test-zone-1", JN_CAPACITY_SPOT }, { "test-zone-1", JN_CAPACITY_ON_DEMAND },
		{ "test-zone-2", JN_CAPACITY_SPOT }, { "test-zone-2", JN_CAPACITY_ON_DEMAND },
		{ "test-zone-3", JN_CAPACITY_ON_DEMAND },
	};
	fc->n = n;
	fc->types = calloc(n, sizeof(*fc->types));
	fc->ptrs = calloc(n, sizeof(*fc->ptrs));
	fc->offerings = calloc(n * 5, sizeof(*fc->offerings));
	fc->names = calloc(n, sizeof(*fc->names));
	for (size_t i = 0; i < n; i++) {
		struct jn_instance_type *it = &fc->types[i];
		fc->names[i] = malloc(32);
		snprintf(fc->names[i], 32, "fake-it-%zu", i);
		it->name = fc->names[i];
		it->arch = "amd64";
		it->vcpu = (int32_t)(i + 1);
		int64_t mem = (int64_t)(i + 1) * 2 * (1ll << 30);
		it->capacity.cpu_milli = (int64_t)(i + 1) * 1000;
		it->capacity.memory = mem;
		it->capacity.pods = (int64_t)(i + 1) * 10;
		it->allocatable = it->capacity;
		it->allocatable.cpu_milli -= 100;
		it->allocatable.memory -= 10ll << 20;
		jn_strmap_init(&it->labels);
		jn_strmap_set(&it->labels, JN_LABEL_INSTANCE_TYPE, it->name);
		jn_strmap_set(&it->labels, JN_LABEL_ARCH, "amd64");
		jn_strmap_set(&it->labels, JN_LABEL_OS, "linux");
		double price = 0.1 * (double)(i + 1) + 0.1 * (double)mem / 1e9;
		for (size_t o = 0; o < 5; o++) {
			struct jn_offering *off = &fc->offerings[i * 5 + o];
			off->zone = offs[o].zone;
			off->zone_id = "";
			off->capacity_type = offs[o].ct;
			off->price_source = JN_PRICE_LIST;
			off->price = price;
			off->available = true;
		}
		it->offerings = &fc->offerings[i * 5];
		it->n_offerings = 5;
		fc->ptrs[i] = it;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Policies                                                                                    */

static const char *const nodeclass_yaml =
	"apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: default}\n"
	"spec:\n  amiSelectorTerms: [{alias: al2023@latest}]\n  role: r\n"
	"  subnetSelectorTerms: [{tags: {k: v}}]\n  securityGroupSelectorTerms: [{tags: {k: v}}]\n";

static struct jn_policy_set *policies(const char *yaml)
{
	struct jn_error err;
	struct jn_policy_builder *b = jn_policy_builder_create();
	if (jn_policy_builder_add_text(b, "bench-nodeclass", nodeclass_yaml, strlen(nodeclass_yaml),
			&err) < 0 ||
			jn_policy_builder_add_text(b, "bench-pools", yaml, strlen(yaml), &err) < 0)
		die("loading bench policies", &err);
	struct jn_policy_set *set = jn_policy_builder_finish(b, NULL, &err);
	jn_policy_builder_destroy(b);
	if (!set)
		die("loading bench policies", &err);
	return set;
}

static void pools_of(const struct jn_policy_set *set, const struct jn_nodepool **out, size_t *n)
{
	*n = jn_policy_set_nodepool_count(set);
	for (size_t i = 0; i < *n; i++)
		out[i] = jn_policy_set_nodepool_at(set, i);
}

/* ------------------------------------------------------------------------------------------ */

struct figures {
	double seconds, price;
	size_t nodes, placed;
};

static struct figures run(const struct jn_pack_input *in)
{
	struct jn_pack_result r;
	struct jn_error err;
	double t0 = now();
	if (jn_pack_solve(in, &r, &err) < 0)
		die("solving", &err);
	double t1 = now();
	char why[512];
	if (!jn_pack_check(in, &r, why, sizeof(why))) {
		fprintf(stderr, "bench_pack: the result fails the checker: %s\n", why);
		exit(1);
	}
	struct figures f = { t1 - t0, r.total_price, r.n_claims, in->n_pods - r.n_unplaced };
	jn_pack_result_release(&r);
	return f;
}

static void case_karpenter(size_t count)
{
	struct fake_catalog fc;
	fake_catalog_init(&fc, 400);
	struct jn_policy_set *set = policies(
		"apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: default}\n"
		"spec:\n  template:\n    spec:\n      requirements: []\n"
		"      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n");
	const struct jn_nodepool *pools[8];
	size_t n_pools;
	pools_of(set, pools, &n_pools);
	struct jn_pod_list pods = { 0 };
	struct rng r = { 42 };
	karpenter_pods(&pods, count, &r);
	struct jn_pack_input in = {
		.pods = pods.items, .n_pods = pods.len, .pools = pools, .n_pools = n_pools,
		.types = fc.ptrs, .n_types = fc.n,
	};
	struct figures f = run(&in);
	printf("case=karpenter pods=%zu placed=%zu seconds=%.4f pods_per_sec=%.0f nodes=%zu "
		"price_per_hour=%.2f peak_rss_mb=%.1f", count, f.placed, f.seconds,
		(double)count / (f.seconds > 0 ? f.seconds : 1e-9), f.nodes, f.price, peak_rss_mb());
	if (count == 20000)
		printf(" target_seconds=%.1f target_rss_mb=%.0f met=%s", TARGET_SECONDS_20K,
			TARGET_RSS_MB, f.seconds <= TARGET_SECONDS_20K && peak_rss_mb() <= TARGET_RSS_MB ?
			"yes" : "no");
	printf("\n");
	jn_pod_list_release(&pods);
	jn_policy_set_unref(set);
}

/* ------------------------------------------------------------------------------------------ */
/* Case 2: the mixed workload                                                                  */


struct kind {
	const char *name;
	int percent;
	json_t *(*extra)(void);
	const char *const *cpus;
	const char *const *mems;
	size_t n_cpus, n_mems;
	const char *gpu;
};

static json_t *extra_none(void) { return NULL; }
static json_t *extra_arm(void)
{
	return json_pack("{s:{s:s}}", "nodeSelector", "kubernetes.io/arch", "arm64");
}
static json_t *extra_spread(void)
{
	return json_pack("{s:[{s:i, s:s, s:s, s:{s:{s:s}}}]}", "topologySpreadConstraints",
		"maxSkew", 1, "topologyKey", "topology.kubernetes.io/zone", "whenUnsatisfiable",
		"DoNotSchedule", "labelSelector", "matchLabels", "app", "api");
}
static json_t *extra_compute(void)
{
	return json_pack("{s:{s:{s:{s:[{s:[{s:s, s:s, s:[s]}]}]}}}}", "affinity", "nodeAffinity",
		"requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms",
		"matchExpressions", "key", "karpenter.k8s.aws/instance-category", "operator", "In",
		"values", "c");
}
static json_t *extra_anti(void)
{
	return json_pack("{s:{s:{s:[{s:{s:{s:s}}, s:s}]}}}", "affinity", "podAntiAffinity",
		"requiredDuringSchedulingIgnoredDuringExecution", "labelSelector", "matchLabels",
		"app", "singleton", "topologyKey", "kubernetes.io/hostname");
}
static json_t *extra_gpu(void)
{
	return json_pack("{s:[{s:s, s:s, s:s}]}", "tolerations", "key", "nvidia.com/gpu",
		"operator", "Exists", "effect", "NoSchedule");
}

static const char *const c_web[] = { "250m", "500m", "1" };
static const char *const m_web[] = { "512Mi", "1Gi", "2Gi" };
static const char *const c_mem[] = { "500m", "1" };
static const char *const m_mem[] = { "4Gi", "8Gi", "16Gi" };
static const char *const c_api[] = { "500m", "1" };
static const char *const m_api[] = { "1Gi", "2Gi" };
static const char *const c_cmp[] = { "2", "4" };
static const char *const m_cmp[] = { "2Gi", "4Gi" };
static const char *const c_one[] = { "1" };
static const char *const m_one[] = { "2Gi" };
static const char *const c_gpu[] = { "4" };
static const char *const m_gpu[] = { "16Gi" };

#define K(n, pc, fn, c, m, g) { n, pc, fn, c, m, JN_ARRAY_LEN(c), JN_ARRAY_LEN(m), g }
static const struct kind kinds[] = {
	K("web", 45, extra_none, c_web, m_web, NULL),
	K("cache", 15, extra_none, c_mem, m_mem, NULL),
	K("api", 10, extra_spread, c_api, m_api, NULL),
	K("arm", 10, extra_arm, c_web, m_web, NULL),
	K("compute", 10, extra_compute, c_cmp, m_cmp, NULL),
	K("singleton", 5, extra_anti, c_one, m_one, NULL),
	K("gpu", 5, extra_gpu, c_gpu, m_gpu, "1"),
};

static const char *const mixed_pools =
	"apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: general}\n"
	"spec:\n  template:\n    spec:\n      requirements:\n"
	"        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}\n"
	"        - {key: kubernetes.io/os, operator: In, values: [linux]}\n"
	"        - {key: karpenter.k8s.aws/instance-category, operator: In, values: [c, m, r, t]}\n"
	"        - {key: karpenter.k8s.aws/instance-generation, operator: Gt, values: ['4']}\n"
	"      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n"
	"---\napiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: gpu}\n"
	"spec:\n  template:\n    spec:\n      requirements:\n"
	"        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}\n"
	"        - {key: karpenter.k8s.aws/instance-category, operator: In, values: [g]}\n"
	"      taints: [{key: nvidia.com/gpu, value: 'true', effect: NoSchedule}]\n"
	"      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n";

static void mixed_daemonsets(struct jn_pod_list *ds)
{
	static const char *const cpu[] = { "100m", "50m" }, *const mem[] = { "128Mi", "64Mi" };
	for (int i = 0; i < 2; i++) {
		json_t *extra = json_pack("{s:[{s:s}]}", "tolerations", "operator", "Exists");
		pod_add(ds, pod_doc(i ? "node-exporter" : "log-agent", json_object(), extra, cpu[i],
			mem[i]));
	}
}

/*
 * The lower bound (see the header comment for the argument). Pod types are (kind, request
 * vector); a kind is a compatibility class (identical constraints). Resources are cpu (cores),
 * memory (GiB), pods and GPUs; sites are (pool, instance type, price) with allocatable minus
 * the daemonsets that land there (zones are dropped: a relaxation).
 */
#define LB_DIMS 4
#define LB_MAX_TYPES 128
#define LB_MAX_CUTS 4000

struct lb_type {
	size_t kind;
	bool anti;                  /* hostname anti-affinity with itself: one pod per node */
	double d[LB_DIMS];
	double n;                   /* pods of this type */
};

struct lb_site {
	double price;
	double cap[LB_DIMS];
	uint32_t kinds;             /* bit k: kind k's pods may run there */
	const char *name;
};

struct lb {
	struct lb_type types[LB_MAX_TYPES];
	size_t n_types;
	struct lb_site *sites;
	size_t n_sites, cap_sites;
};

/*
 * A dense tableau simplex: maximise c.x subject to A x <= b, x >= 0, with b >= 0 (the origin
 * is feasible, so one phase suffices). A is m x n, row-major. Dantzig's rule, Bland's after
 * 50 m pivots (no cycling). Returns the optimum and fills x; INFINITY when unbounded.
 */
static double simplex(size_t m, size_t n, const double *A, const double *b, const double *c,
	double *x, double *y)
{
	size_t w = n + m + 1;
	double *t = calloc((m + 1) * w, sizeof(double));
	size_t *basis = calloc(m ? m : 1, sizeof(size_t));
	for (size_t i = 0; i < m; i++) {
		memcpy(&t[i * w], &A[i * n], n * sizeof(double));
		t[i * w + n + i] = 1;
		t[i * w + w - 1] = b[i];
		basis[i] = n + i;
	}
	for (size_t j = 0; j < n; j++)
		t[m * w + j] = -c[j];
	double result = 0;
	for (size_t iter = 0;; iter++) {
		bool bland = iter > 50 * (m + n);
		size_t e = w;
		double best = -1e-9;
		for (size_t j = 0; j + 1 < w; j++)
			if (t[m * w + j] < best) {
				e = j;
				if (bland)
					break;
				best = t[m * w + j];
			}
		if (e == w)
			break;
		size_t l = m;
		double ratio = INFINITY;
		for (size_t i = 0; i < m; i++)
			if (t[i * w + e] > 1e-12) {
				double r = t[i * w + w - 1] / t[i * w + e];
				if (r < ratio - 1e-12 || (r <= ratio + 1e-12 && l < m && basis[i] < basis[l])) {
					ratio = r;
					l = i;
				}
			}
		if (l == m) {
			result = INFINITY;
			goto out;
		}
		double pv = t[l * w + e];
		for (size_t j = 0; j < w; j++)
			t[l * w + j] /= pv;
		for (size_t i = 0; i <= m; i++) {
			double f = t[i * w + e];
			if (i == l || f == 0)
				continue;
			for (size_t j = 0; j < w; j++)
				t[i * w + j] -= f * t[l * w + j];
		}
		basis[l] = e;
	}
	result = t[m * w + w - 1];
	for (size_t j = 0; j < n; j++)
		x[j] = 0;
	for (size_t i = 0; i < m; i++)
		if (basis[i] < n)
			x[basis[i]] = t[i * w + w - 1];
	for (size_t i = 0; y && i < m; i++)
		y[i] = t[m * w + n + i];
out:
	free(t);
	free(basis);
	return result;
}

static bool lb_fits(const struct lb_type *t, const struct lb_site *s)
{
	if (!((s->kinds >> t->kind) & 1))
		return false;
	for (int d = 0; d < LB_DIMS; d++)
		if (t->d[d] > s->cap[d] + 1e-9)
			return false;
	return true;
}

/*
 * V_s(u): the most value one node of site s can hold at pod prices u, pods fractional:
 * max u.q  s.t.  sum_t q_t d_t <= cap_s,  q_t <= 1 for one-per-node types,  q_t = 0 for types
 * that cannot run there (wrong kind, or one pod exceeds the empty node). Fills q (the pattern).
 */
static double lb_node_value(const struct lb *lb, const struct lb_site *s, const double *u,
	double *q)
{
	size_t n = lb->n_types, m = LB_DIMS;
	double A[(LB_DIMS + LB_MAX_TYPES) * LB_MAX_TYPES], b[LB_DIMS + LB_MAX_TYPES],
		c[LB_MAX_TYPES];
	memset(A, 0, sizeof(A));
	for (int d = 0; d < LB_DIMS; d++)
		b[d] = s->cap[d] > 0 ? s->cap[d] : 0;
	for (size_t t = 0; t < n; t++) {
		bool ok = lb_fits(&lb->types[t], s);
		c[t] = ok ? u[t] : 0;
		for (int d = 0; d < LB_DIMS; d++)
			A[d * n + t] = lb->types[t].d[d];
		if (!ok || lb->types[t].anti) {
			A[m * n + t] = 1;
			b[m++] = ok ? 1 : 0;
		}
	}
	return simplex(m, n, A, b, c, q, NULL);
}

static void lb_add_site(struct lb *lb, const struct lb_site *site)
{
	for (size_t i = 0; i < lb->n_sites; i++) {
		const struct lb_site *o = &lb->sites[i];
		if (o->price == site->price && o->name == site->name && o->kinds == site->kinds &&
				memcmp(o->cap, site->cap, sizeof(o->cap)) == 0)
			return;     /* the same type in another zone */
	}
	*JN_PUSH(lb->sites, lb->n_sites, lb->cap_sites) = *site;
}

static double res_dim(const struct jn_resources *r, int d)
{
	switch (d) {
	case 0: return (double)r->cpu_milli / 1000.0;
	case 1: return (double)r->memory / (double)(1ll << 30);
	case 2: return (double)r->pods;
	default: return (double)jn_resources_get(r, "nvidia.com/gpu");
	}
}

static void lb_build(struct lb *lb, const struct jn_pack_input *in, const size_t *kind_first,
	const size_t *kind_end)
{
	size_t nk = JN_ARRAY_LEN(kinds);
	memset(lb, 0, sizeof(*lb));
	for (size_t k = 0; k < nk; k++)
		for (size_t i = kind_first[k]; i < kind_end[k]; i++) {
			struct lb_type t = { .kind = k, .anti = in->pods[i].n_required_anti_affinity > 0,
				.n = 1 };
			for (int d = 0; d < LB_DIMS; d++)
				t.d[d] = d == 2 ? 1 : res_dim(&in->pods[i].requests, d);
			size_t j = 0;
			while (j < lb->n_types && !(lb->types[j].kind == k &&
					memcmp(lb->types[j].d, t.d, sizeof(t.d)) == 0))
				j++;
			if (j == lb->n_types) {
				if (lb->n_types == LB_MAX_TYPES)
					die("too many pod types for the bound", NULL);
				lb->types[lb->n_types++] = t;
			} else
				lb->types[j].n++;
		}
	for (size_t p = 0; p < in->n_pools; p++) {
		const struct jn_nodepool *np = in->pools[p];
		struct jn_reqs reqs;
		jn_reqs_init(&reqs);
		jn_reqs_add_requirements(&reqs, np->requirements, np->n_requirements, NULL);
		for (size_t t = 0; t < in->n_types; t++) {
			const struct jn_instance_type *it = in->types[t];
			for (size_t o = 0; o < it->n_offerings; o++) {
				const struct jn_offering *off = &it->offerings[o];
				if (!off->available)
					continue;
				struct jn_strmap labels;
				jn_instance_type_node_labels(it, off, &labels);
				for (size_t l = 0; l < np->labels.len; l++)
					jn_strmap_set(&labels, np->labels.items[l].key, np->labels.items[l].value);
				jn_strmap_set(&labels, "karpenter.sh/nodepool", np->name);
				if (!jn_reqs_matches_labels(&reqs, &labels, NULL, 0)) {
					jn_strmap_release(&labels);
					continue;
				}
				struct lb_site site = { .price = off->price, .name = it->name };
				for (int d = 0; d < LB_DIMS; d++)
					site.cap[d] = res_dim(&it->allocatable, d);
				for (size_t i = 0; i < in->n_daemonsets; i++) {
					const struct jn_pod *ds = &in->daemonsets[i];
					if (jn_pod_tolerates(ds, np->taints, np->n_taints, JN_TAINTS_BLOCKING,
							NULL, 0) && jn_pod_matches_node(ds, &labels, NULL, NULL, 0))
						for (int d = 0; d < LB_DIMS; d++)
							site.cap[d] -= d == 2 ? 1 : res_dim(&ds->requests, d);
				}
				for (size_t k = 0; k < nk; k++) {
					const struct jn_pod *rep = &in->pods[kind_first[k]];
					if (kind_first[k] < kind_end[k] &&
							jn_pod_tolerates(rep, np->taints, np->n_taints,
								JN_TAINTS_BLOCKING, NULL, 0) &&
							jn_pod_matches_node(rep, &labels, NULL, NULL, 0))
						site.kinds |= 1u << k;
				}
				if (site.kinds)
					lb_add_site(lb, &site);
				jn_strmap_release(&labels);
			}
		}
		jn_reqs_release(&reqs);
	}
}

struct lb_figures {
	double bound;               /* the valid lower bound, $/h */
	double lp;                  /* the LP optimum as far as the cuts went (>= bound) */
	double per_kind[JN_ARRAY_LEN(kinds)];   /* the bound's share per kind: sum n_t u_t */
	int iterations;
	size_t cuts;
};

/*
 * Kelley's cutting planes on the dual: max n.u s.t. q.u <= price for every pattern (site,
 * fractional fill q) met so far. Each round solves it, prices every site (lb_node_value) and
 * adds the most violated patterns; whatever u it stops at, n.u / max_s(V_s(u)/p_s) is a valid
 * bound, and it equals the LP optimum once no site is violated.
 */
static struct lb_figures lower_bound(const struct jn_pack_input *in, const size_t *kind_first,
	const size_t *kind_end)
{
	struct lb lb;
	lb_build(&lb, in, kind_first, kind_end);
	size_t T = lb.n_types;
	struct lb_figures f = { 0 };
	double *A = calloc(LB_MAX_CUTS * T, sizeof(double)), *b = calloc(LB_MAX_CUTS, sizeof(double));
	double u[LB_MAX_TYPES], q[LB_MAX_TYPES], nvec[LB_MAX_TYPES];
	size_t m = 0;
	for (size_t t = 0; t < T; t++) {
		nvec[t] = lb.types[t].n;
		/* a first cut per type: its cheapest single-type node (bounds u_t) */
		double best = 0, bp = 0;
		for (size_t s = 0; s < lb.n_sites; s++) {
			if (!lb_fits(&lb.types[t], &lb.sites[s]))
				continue;
			double k = INFINITY;
			for (int d = 0; d < LB_DIMS; d++)
				if (lb.types[t].d[d] > 0)
					k = fmin(k, lb.sites[s].cap[d] / lb.types[t].d[d]);
			if (lb.types[t].anti)
				k = fmin(k, 1);
			if (k / lb.sites[s].price > best) {
				best = k / lb.sites[s].price;
				bp = lb.sites[s].price;
			}
		}
		if (best == 0)
			die("a pod type fits no site of the bound", NULL);
		A[m * T + t] = best * bp;
		b[m++] = bp;
	}
	double *ratio = calloc(lb.n_sites, sizeof(double));
	double *y = calloc(LB_MAX_CUTS, sizeof(double));
	size_t *cut_site = calloc(LB_MAX_CUTS, sizeof(size_t));
	for (f.iterations = 0; f.iterations < 300; f.iterations++) {
		f.lp = simplex(m, T, A, b, nvec, u, y);
		double value = 0, worst = 0;
		for (size_t t = 0; t < T; t++)
			value += nvec[t] * u[t];
		for (size_t s = 0; s < lb.n_sites; s++) {
			ratio[s] = lb_node_value(&lb, &lb.sites[s], u, q) / lb.sites[s].price;
			worst = fmax(worst, ratio[s]);
		}
		double bound = value / fmax(worst, 1.0);
		if (bound > f.bound) {
			f.bound = bound;
			for (size_t k = 0; k < JN_ARRAY_LEN(kinds); k++)
				f.per_kind[k] = 0;
			for (size_t t = 0; t < T; t++)
				f.per_kind[lb.types[t].kind] += nvec[t] * u[t] / fmax(worst, 1.0);
		}
		if (worst <= 1 + 1e-7)
			break;
		/* cut off u with the (up to 8) most violated sites' patterns */
		for (int k = 0; k < 8 && m < LB_MAX_CUTS; k++) {
			size_t arg = 0;
			for (size_t s = 1; s < lb.n_sites; s++)
				if (ratio[s] > ratio[arg])
					arg = s;
			if (ratio[arg] <= 1 + 1e-7)
				break;
			ratio[arg] = 0;
			lb_node_value(&lb, &lb.sites[arg], u, q);
			memcpy(&A[m * T], q, T * sizeof(double));
			cut_site[m] = arg;
			b[m++] = lb.sites[arg].price;
		}
	}
	f.cuts = m;
	/* the LP's nodes: the patterns the optimum buys (the dual of the cuts) */
	for (size_t i = T; getenv("BENCH_PACK_VERBOSE") && i < m; i++) {
		if (y[i] < 1e-6)
			continue;
		printf("  lp site=%s nodes=%.2f price=%.2f mix:", lb.sites[cut_site[i]].name, y[i],
			y[i] * b[i]);
		for (size_t t = 0; t < T; t++)
			if (A[i * T + t] > 1e-9)
				printf(" %s(%.2g,%.3g)x%.2f", kinds[lb.types[t].kind].name, lb.types[t].d[0],
					lb.types[t].d[1], A[i * T + t]);
		printf("\n");
	}
	free(y);
	free(cut_site);
	free(ratio);
	free(A);
	free(b);
	free(lb.sites);
	return f;
}

/* Where the plan's money goes: per instance type, its claims, fill and the kinds on them. */
static void describe_plan(const struct jn_pack_input *in, const size_t *first, const size_t *end)
{
	struct jn_pack_result r;
	if (jn_pack_solve(in, &r, NULL) < 0)
		return;
	size_t seen[4096] = { 0 };
	for (size_t c = 0; c < r.n_claims; c++) {
		if (seen[c])
			continue;
		size_t count = 0, kinds_on[JN_ARRAY_LEN(kinds)] = { 0 };
		double cpu = 0, mem = 0, acpu = 0, amem = 0, price = 0;
		for (size_t d = c; d < r.n_claims; d++) {
			if (r.claims[d].type != r.claims[c].type || seen[d])
				continue;
			seen[d] = 1;
			count++;
			price += r.claims[d].price;
			cpu += res_dim(&r.claims[d].requests, 0);
			mem += res_dim(&r.claims[d].requests, 1);
			acpu += res_dim(&r.claims[d].type->allocatable, 0);
			amem += res_dim(&r.claims[d].type->allocatable, 1);
			for (size_t i = 0; i < r.claims[d].n_pods; i++)
				for (size_t k = 0; k < JN_ARRAY_LEN(kinds); k++)
					if (r.claims[d].pods[i] >= first[k] && r.claims[d].pods[i] < end[k])
						kinds_on[k]++;
		}
		printf("  type=%s claims=%zu price=%.2f cpu_fill=%.2f mem_fill=%.2f pods:", 
			r.claims[c].type->name, count, price, cpu / acpu, mem / amem);
		for (size_t k = 0; k < JN_ARRAY_LEN(kinds); k++)
			if (kinds_on[k])
				printf(" %s=%zu", kinds[k].name, kinds_on[k]);
		printf("\n");
	}
	jn_pack_result_release(&r);
}

static void case_mixed(size_t count)
{
	struct jn_error err;
	struct jn_catalog *cat = jn_catalog_builtin("us-east-1", NULL, &err);
	if (!cat)
		die("building the catalog", &err);
	size_t n_types = jn_catalog_len(cat);
	const struct jn_instance_type **types = calloc(n_types, sizeof(*types));
	for (size_t i = 0; i < n_types; i++)
		types[i] = jn_catalog_at(cat, i);
	struct jn_policy_set *set = policies(mixed_pools);
	const struct jn_nodepool *pools[8];
	size_t n_pools;
	pools_of(set, pools, &n_pools);
	struct jn_pod_list pods = { 0 }, ds = { 0 };
	mixed_daemonsets(&ds);
	struct rng r = { 7 };
	size_t first[JN_ARRAY_LEN(kinds)], end[JN_ARRAY_LEN(kinds)], made = 0;
	for (size_t k = 0; k < JN_ARRAY_LEN(kinds); k++) {
		const struct kind *kd = &kinds[k];
		size_t n = k + 1 == JN_ARRAY_LEN(kinds) ? count - made : count * (size_t)kd->percent / 100;
		first[k] = pods.len;
		for (size_t i = 0; i < n; i++) {
			char name[48];
			snprintf(name, sizeof(name), "%s-%zu", kd->name, i);
			json_t *labels = json_pack("{s:s}", "app", strcmp(kd->name, "web") == 0 ?
				label_values[rnd(&r, 7)] : kd->name);
			json_t *doc = pod_doc(name, labels, kd->extra(), kd->cpus[rnd(&r, (uint32_t)kd->n_cpus)],
				kd->mems[rnd(&r, (uint32_t)kd->n_mems)]);
			if (kd->gpu) {
				json_t *res = json_object_get(json_array_get(json_object_get(json_object_get(
					doc, "spec"), "containers"), 0), "resources");
				json_object_set_new(json_object_get(res, "requests"), "nvidia.com/gpu",
					json_string(kd->gpu));
				json_object_set_new(res, "limits", json_pack("{s:s}", "nvidia.com/gpu", kd->gpu));
			}
			pod_add(&pods, doc);
		}
		end[k] = pods.len;
		made += n;
	}
	struct jn_pack_input in = {
		.pods = pods.items, .n_pods = pods.len, .pools = pools, .n_pools = n_pools,
		.types = types, .n_types = n_types, .daemonsets = ds.items, .n_daemonsets = ds.len,
	};
	struct figures f = run(&in);
	double rss = peak_rss_mb();
	struct lb_figures lbf = lower_bound(&in, first, end);
	double lb = lbf.bound;
	double gap = lb > 0 ? (f.price - lb) / lb : 0;
	printf("case=mixed pods=%zu placed=%zu types=%zu seconds=%.4f pods_per_sec=%.0f nodes=%zu "
		"price_per_hour=%.2f lower_bound=%.2f gap_pct=%.1f peak_rss_mb=%.1f "
		"target_gap_pct=%.0f met=%s\n", count, f.placed, n_types, f.seconds,
		(double)count / (f.seconds > 0 ? f.seconds : 1e-9), f.nodes, f.price, lb, gap * 100,
		rss, TARGET_COST_GAP * 100, gap <= TARGET_COST_GAP ? "yes" : "no");
	if (getenv("BENCH_PACK_VERBOSE")) {
		printf("bound lp=%.2f iterations=%d cuts=%zu", lbf.lp, lbf.iterations, lbf.cuts);
		for (size_t k = 0; k < JN_ARRAY_LEN(kinds); k++)
			printf(" %s=%.2f", kinds[k].name, lbf.per_kind[k]);
		printf("\n");
		describe_plan(&in, first, end);
	}
	jn_pod_list_release(&pods);
	jn_pod_list_release(&ds);
	free(types);
	jn_policy_set_unref(set);
	jn_catalog_unref(cat);
}

int main(int argc, char **argv)
{
	static const size_t counts[] = { 1, 100, 1000, 5000, 20000 };
	int cases = argc > 1 ? atoi(argv[1]) : 3;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]) + 1; i++) {
		if (i < 5 && !(cases & 1))
			continue;
		if (i == 5 && !(cases & 2))
			continue;
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("bench_pack: fork");
			return 1;
		}
		if (pid == 0) {
			if (i < 5)
				case_karpenter(counts[i]);
			else
				case_mixed(10000);
			fflush(stdout);
			_exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_pack: case %zu failed\n", i);
			return 1;
		}
	}
	return 0;
}
