/* The packing tests' small world (pack_fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jitnode/error.h"
#include "jitnode/sched.h"
#include "pack_fixture.h"
#include "tap.h"

static const struct {
	const char *name, *arch;
	int cpu, mem_gi, pods, gpus;
	double price;
} specs[FX_TYPES] = {
	{ "small", "amd64", 2, 4, 20, 0, 0.10 },
	{ "medium", "amd64", 4, 8, 40, 0, 0.20 },
	{ "large", "amd64", 8, 16, 80, 0, 0.40 },
	{ "gpu8", "amd64", 32, 128, 100, 8, 10.0 },
	{ "arm", "arm64", 2, 4, 20, 0, 0.08 },
};

static const char *const zones[] = { "zone-a", "zone-b", "zone-c" };

static const char *const nodeclass =
	"apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: default}\n"
	"spec:\n  amiSelectorTerms: [{alias: al2023@latest}]\n  role: r\n"
	"  subnetSelectorTerms: [{tags: {k: v}}]\n  securityGroupSelectorTerms: [{tags: {k: v}}]\n";

void fx_init(struct fx *f, const char *pools_yaml)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < FX_TYPES; i++) {
		struct jn_instance_type *it = &f->types[i];
		it->name = specs[i].name;
		it->arch = specs[i].arch;
		it->vcpu = specs[i].cpu;
		it->capacity.cpu_milli = specs[i].cpu * 1000;
		it->capacity.memory = (int64_t)specs[i].mem_gi << 30;
		it->capacity.pods = specs[i].pods;
		if (specs[i].gpus)
			jn_resources_set(&it->capacity, "nvidia.com/gpu", specs[i].gpus);
		jn_resources_copy(&it->allocatable, &it->capacity);
		it->allocatable.cpu_milli -= 100;
		it->allocatable.memory -= 100 << 20;
		jn_strmap_init(&it->labels);
		jn_strmap_set(&it->labels, JN_LABEL_INSTANCE_TYPE, it->name);
		jn_strmap_set(&it->labels, JN_LABEL_ARCH, it->arch);
		jn_strmap_set(&it->labels, JN_LABEL_OS, "linux");
		for (int z = 0; z < 3; z++)
			for (int ct = 0; ct < 2; ct++) {
				struct jn_offering *o = &f->offerings[i][z * 2 + ct];
				o->zone = zones[z];
				o->zone_id = "";
				o->capacity_type = ct ? JN_CAPACITY_SPOT : JN_CAPACITY_ON_DEMAND;
				o->price_source = JN_PRICE_LIST;
				o->price = specs[i].price * (ct ? 0.4 : 1.0);
				o->available = true;
			}
		it->offerings = f->offerings[i];
		it->n_offerings = 6;
		f->type_ptrs[i] = it;
	}
	struct jn_error err;
	struct jn_policy_builder *b = jn_policy_builder_create();
	if (jn_policy_builder_add_text(b, "nodeclass", nodeclass, strlen(nodeclass), &err) < 0 ||
			jn_policy_builder_add_text(b, "pools", pools_yaml, strlen(pools_yaml), &err) < 0)
		jn_tap_diag("fixture policies: %s", err.msg);
	f->policies = jn_policy_builder_finish(b, NULL, &err);
	if (!f->policies)
		jn_tap_diag("fixture policies: %s", err.msg);
	jn_policy_builder_destroy(b);
	size_t n = f->policies ? jn_policy_set_nodepool_count(f->policies) : 0;
	for (size_t i = 0; i < n && i < 8; i++)
		f->pools[i] = jn_policy_set_nodepool_at(f->policies, i);
	f->in.pools = f->pools;
	f->in.n_pools = n;
	f->in.types = f->type_ptrs;
	f->in.n_types = FX_TYPES;
}

void fx_release(struct fx *f)
{
	jn_pack_result_release(&f->r);
	for (int i = 0; i < FX_TYPES; i++) {
		jn_resources_release(&f->types[i].capacity);
		jn_resources_release(&f->types[i].allocatable);
		jn_strmap_release(&f->types[i].labels);
	}
	jn_policy_set_unref(f->policies);
	jn_pod_list_release(&f->pods);
	jn_pod_list_release(&f->bound);
	jn_pod_list_release(&f->daemonsets);
	jn_node_list_release(&f->nodes);
}

void fx_pod(struct fx *f, const char *spec_json, const char *name, const char *cpu,
	const char *memory)
{
	json_error_t je;
	json_t *extra = json_loads(spec_json ? spec_json : "{}", 0, &je);
	if (!extra) {
		jn_tap_diag("bad fixture json: %s", je.text);
		return;
	}
	json_t *meta = json_object_get(extra, "metadata");
	json_t *spec = json_object_get(extra, "spec");
	json_t *doc = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{}}", "apiVersion", "v1", "kind", "Pod",
		"metadata", "name", name, "namespace", "default", "spec");
	if (meta)
		json_object_update(json_object_get(doc, "metadata"), meta);
	if (spec)
		json_object_update(json_object_get(doc, "spec"), spec);
	json_t *requests = json_pack("{s:s, s:s}", "cpu", cpu, "memory", memory);
	json_t *more = json_object_get(extra, "requests");
	if (more)
		json_object_update(requests, more);
	json_t *container = json_pack("{s:s, s:{s:o}}", "name", "c", "resources", "requests",
		requests);
	json_t *ports = json_object_get(extra, "ports");
	if (ports)
		json_object_set(container, "ports", ports);
	json_object_set_new(json_object_get(doc, "spec"), "containers", json_pack("[o]", container));
	struct jn_pod_list *list = json_object_get(extra, "daemonset") ? &f->daemonsets :
		json_object_get(json_object_get(doc, "spec"), "nodeName") ? &f->bound : &f->pods;
	struct jn_error err;
	if (jn_pod_list_append_json(list, doc, &err) < 0)
		jn_tap_diag("fixture pod: %s", err.msg);
	json_decref(doc);
	json_decref(extra);
}

void fx_node(struct fx *f, const char *text)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	struct jn_error err;
	if (!doc || jn_node_list_append_json(&f->nodes, doc, &err) < 0)
		jn_tap_diag("fixture node: %s", doc ? err.msg : je.text);
	json_decref(doc);
}

int fx_solve(struct fx *f)
{
	f->in.pods = f->pods.items;
	f->in.n_pods = f->pods.len;
	f->in.bound = f->bound.items;
	f->in.n_bound = f->bound.len;
	f->in.daemonsets = f->daemonsets.items;
	f->in.n_daemonsets = f->daemonsets.len;
	f->in.nodes = f->nodes.items;
	f->in.n_nodes = f->nodes.len;
	jn_pack_result_release(&f->r);
	struct jn_error err;
	if (jn_pack_solve(&f->in, &f->r, &err) < 0) {
		jn_tap_diag("solve failed: %s", err.msg);
		return -1;
	}
	char why[512] = "";
	bool ok = jn_pack_check(&f->in, &f->r, why, sizeof(why));
	jn_tap_check(ok, __FILE__, __LINE__, "the checker accepts the result (%s)", why);
	return 0;
}

const char *fx_reason(const struct fx *f, const char *name)
{
	for (size_t i = 0; i < f->r.n_unplaced; i++)
		if (strcmp(f->in.pods[f->r.unplaced[i].pod].name, name) == 0)
			return f->r.unplaced[i].reason;
	return NULL;
}

const struct jn_pack_claim *fx_claim_of(const struct fx *f, const char *name)
{
	for (size_t c = 0; c < f->r.n_claims; c++)
		for (size_t k = 0; k < f->r.claims[c].n_pods; k++)
			if (strcmp(f->in.pods[f->r.claims[c].pods[k]].name, name) == 0)
				return &f->r.claims[c];
	return NULL;
}
