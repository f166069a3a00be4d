/*
 * `jitnode plan`: reads pods, nodes, policies and a catalog, runs the packing engine once, and
 * prints what would be launched (plan.h has the contract and the output shapes).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jitnode/api.h"
#include "jitnode/buf.h"
#include "jitnode/catalog.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "jitnode/pack.h"
#include "jitnode/plan.h"
#include "jitnode/policy.h"

#define PLAN_MAX_FILE (256u << 20)
#define PLAN_MAX_ARGS 256

struct plan_flags {
	const char *policies[PLAN_MAX_ARGS];
	size_t n_policies;
	const char *nodes;
	const char *catalog;
	const char *region;
	bool json;
	const char *pods[PLAN_MAX_ARGS];
	size_t n_pods;
};

static int usage(FILE *errout)
{
	fprintf(errout, "usage: jitnode plan [--policies FILE|DIR]... [--nodes FILE] "
		"[--catalog FILE] [--region R] [-o table|json] PODS...\n");
	return 2;
}

static int parse_flags(int argc, char **argv, struct plan_flags *f, FILE *errout)
{
	memset(f, 0, sizeof(*f));
	f->region = "us-east-1";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_next = i + 1 < argc;
		if (strcmp(a, "--policies") == 0 && has_next && f->n_policies < PLAN_MAX_ARGS)
			f->policies[f->n_policies++] = argv[++i];
		else if (strcmp(a, "--nodes") == 0 && has_next)
			f->nodes = argv[++i];
		else if (strcmp(a, "--catalog") == 0 && has_next)
			f->catalog = argv[++i];
		else if (strcmp(a, "--region") == 0 && has_next)
			f->region = argv[++i];
		else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && has_next) {
			const char *o = argv[++i];
			if (strcmp(o, "json") != 0 && strcmp(o, "table") != 0) {
				fprintf(errout, "jitnode plan: unknown output format '%s'\n", o);
				return usage(errout);
			}
			f->json = strcmp(o, "json") == 0;
		} else if (a[0] == '-') {
			fprintf(errout, "jitnode plan: unknown or incomplete option '%s'\n", a);
			return usage(errout);
		} else if (f->n_pods < PLAN_MAX_ARGS)
			f->pods[f->n_pods++] = a;
	}
	if (f->n_pods == 0) {
		fprintf(errout, "jitnode plan: no pod files given\n");
		return usage(errout);
	}
	return 0;
}

/*
 * Reads a JSON or YAML file (`kubectl get -o json` or `-o yaml`): JSON by jansson (faster on
 * big lists), anything else by the policy subsystem's YAML reader, whose errors carry
 * "<file>:<line>:<col>". Several YAML documents become an array of them.
 */
static json_t *read_json(const char *path, struct jn_error *err)
{
	struct jn_buf buf;
	jn_buf_init(&buf, PLAN_MAX_FILE);
	json_t *doc = NULL;
	if (jn_buf_read_file(&buf, path, err) < 0)
		goto out;
	const char *p = jn_buf_cstr(&buf);
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	if (*p != '{' && *p != '[') {
		jn_yaml_to_json(path, buf.data, buf.len, &doc, err);   /* errors name the file */
		goto out;
	}
	json_error_t je;
	doc = json_loadb(buf.data, buf.len, 0, &je);
	if (!doc)
		jn_error_set(err, JN_ERR_INVALID, "reading '%s': line %d column %d: %s", path,
			je.line, je.column, je.text);
out:
	jn_buf_release(&buf);
	return doc;
}

struct plan_inputs {
	struct jn_pod_list all;         /* every pod read; the lists below index into copies */
	struct jn_pod *pending, *bound, *daemonsets;
	size_t n_pending, n_bound, n_daemonsets;
	struct jn_node_list nodes;
	struct jn_policy_set *policies;
	struct jn_catalog *catalog;
	const struct jn_nodepool **pools;
	const struct jn_instance_type **types;
};

static void inputs_release(struct plan_inputs *pi)
{
	/* pending/bound/daemonsets are shallow copies of pods in `all` */
	free(pi->pending);
	free(pi->bound);
	free(pi->daemonsets);
	jn_pod_list_release(&pi->all);
	jn_node_list_release(&pi->nodes);
	jn_policy_set_unref(pi->policies);
	jn_catalog_unref(pi->catalog);
	free(pi->pools);
	free(pi->types);
}

static bool finished(const struct jn_pod *p)
{
	return p->phase && (strcmp(p->phase, "Succeeded") == 0 || strcmp(p->phase, "Failed") == 0);
}

static bool daemonset_seen(const struct plan_inputs *pi, const struct jn_pod *p)
{
	for (size_t i = 0; i < pi->n_daemonsets; i++)
		for (size_t a = 0; a < pi->daemonsets[i].n_owners; a++)
			for (size_t b = 0; b < p->n_owners; b++)
				if (jn_str_eq(pi->daemonsets[i].owners[a].uid, p->owners[b].uid) &&
						jn_str_eq(pi->daemonsets[i].owners[a].name, p->owners[b].name))
					return true;
	return false;
}

static void sort_pods(struct plan_inputs *pi)
{
	size_t n = pi->all.len ? pi->all.len : 1;
	pi->pending = jn_xcalloc(n, sizeof(*pi->pending));
	pi->bound = jn_xcalloc(n, sizeof(*pi->bound));
	pi->daemonsets = jn_xcalloc(n, sizeof(*pi->daemonsets));
	for (size_t i = 0; i < pi->all.len; i++) {
		const struct jn_pod *p = &pi->all.items[i];
		if (finished(p))
			continue;
		if (jn_pod_is_daemonset(p)) {
			if (!daemonset_seen(pi, p))
				pi->daemonsets[pi->n_daemonsets++] = *p;
		} else if (p->node_name)
			pi->bound[pi->n_bound++] = *p;
		else
			pi->pending[pi->n_pending++] = *p;
	}
}

static int load_inputs(const struct plan_flags *f, struct plan_inputs *pi, struct jn_error *err)
{
	for (size_t i = 0; i < f->n_pods; i++) {
		json_t *doc = read_json(f->pods[i], err);
		if (!doc)
			return -1;
		int rc = jn_pod_list_append_json(&pi->all, doc, err);
		json_decref(doc);
		if (rc < 0)
			return jn_error_prefix(err, "reading pods '%s'", f->pods[i]);
	}
	sort_pods(pi);
	if (f->nodes) {
		json_t *doc = read_json(f->nodes, err);
		if (!doc)
			return -1;
		int rc = jn_node_list_append_json(&pi->nodes, doc, err);
		json_decref(doc);
		if (rc < 0)
			return jn_error_prefix(err, "reading nodes '%s'", f->nodes);
	}
	struct jn_policy_builder *b = jn_policy_builder_create();
	int rc = 0;
	for (size_t i = 0; i < f->n_policies && rc == 0; i++)
		rc = jn_policy_builder_add_path(b, f->policies[i], err);
	if (rc == 0 && f->n_policies == 0) {
		const char *text = jn_plan_default_policies();
		rc = jn_policy_builder_add_text(b, "built-in default policies", text, strlen(text),
			err);
	}
	if (rc == 0)
		pi->policies = jn_policy_builder_finish(b, NULL, err);
	jn_policy_builder_destroy(b);
	if (!pi->policies)
		return -1;
	pi->catalog = f->catalog ? jn_catalog_load_file(f->catalog, f->region, NULL, err) :
		jn_catalog_builtin(f->region, NULL, err);
	if (!pi->catalog)
		return -1;
	size_t np = jn_policy_set_nodepool_count(pi->policies);
	pi->pools = jn_xcalloc(np ? np : 1, sizeof(*pi->pools));
	for (size_t i = 0; i < np; i++)
		pi->pools[i] = jn_policy_set_nodepool_at(pi->policies, i);
	size_t nt = jn_catalog_len(pi->catalog);
	pi->types = jn_xcalloc(nt ? nt : 1, sizeof(*pi->types));
	for (size_t i = 0; i < nt; i++)
		pi->types[i] = jn_catalog_at(pi->catalog, i);
	return 0;
}

static json_t *pod_key(const struct jn_pod *p)
{
	char key[512];
	return json_string(jn_pod_key(p, key, sizeof(key)));
}

json_t *jn_plan_result_json(const struct jn_pack_input *in, const struct jn_pack_result *r)
{
	json_t *claims = json_array(), *placements = json_array(), *unplaced = json_array();
	for (size_t i = 0; i < r->n_placements; i++)
		json_array_append_new(placements, json_pack("{s:o, s:s}", "pod",
			pod_key(&in->pods[r->placements[i].pod]), "node",
			in->nodes[r->placements[i].node].name));
	for (size_t i = 0; i < r->n_claims; i++) {
		const struct jn_pack_claim *c = &r->claims[i];
		json_t *pods = json_array(), *options = json_array();
		for (size_t k = 0; k < c->n_pods; k++) {
			json_array_append_new(pods, pod_key(&in->pods[c->pods[k]]));
			json_array_append_new(placements, json_pack("{s:o, s:s}", "pod",
				pod_key(&in->pods[c->pods[k]]), "node", c->name));
		}
		for (size_t k = 0; k < c->n_options; k++) {
			char *o = jn_xasprintf("%s/%s/%s", c->options[k].type->name,
				c->options[k].offering->zone,
				jn_capacity_type_name(c->options[k].offering->capacity_type));
			json_array_append_new(options, json_string(o));
			free(o);
		}
		json_array_append_new(claims, json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:o, s:o}",
			"name", c->name, "nodepool", c->pool->name, "instance_type", c->type->name,
			"zone", c->offering->zone, "capacity_type",
			jn_capacity_type_name(c->offering->capacity_type), "price_per_hour", c->price,
			"pods", pods, "options", options));
	}
	for (size_t i = 0; i < r->n_unplaced; i++)
		json_array_append_new(unplaced, json_pack("{s:o, s:s}", "pod",
			pod_key(&in->pods[r->unplaced[i].pod]), "reason", r->unplaced[i].reason));
	return json_pack("{s:o, s:o, s:o, s:f}", "claims", claims, "placements", placements,
		"unplaced", unplaced, "total_price_per_hour", r->total_price);
}

static void print_table(const struct jn_pack_input *in, const struct jn_pack_result *r,
	FILE *out)
{
	fprintf(out, "%-24s %-20s %-16s %-14s %5s %10s\n", "NODEPOOL", "INSTANCE-TYPE", "ZONE",
		"CAPACITY-TYPE", "PODS", "$/HOUR");
	size_t pods = 0;
	for (size_t i = 0; i < r->n_claims; i++) {
		const struct jn_pack_claim *c = &r->claims[i];
		fprintf(out, "%-24s %-20s %-16s %-14s %5zu %10.4f\n", c->pool->name, c->type->name,
			c->offering->zone, jn_capacity_type_name(c->offering->capacity_type), c->n_pods,
			c->price);
		pods += c->n_pods;
	}
	fprintf(out, "%-24s %-20s %-16s %-14s %5zu %10.4f\n", "TOTAL", "", "", "", pods,
		r->total_price);
	if (r->n_placements)
		fprintf(out, "\n%zu pod(s) fit on existing nodes\n", r->n_placements);
	if (r->n_unplaced) {
		fprintf(out, "\n%zu pod(s) left out:\n", r->n_unplaced);
		char key[512];
		for (size_t i = 0; i < r->n_unplaced; i++)
			fprintf(out, "  %s: %s\n", jn_pod_key(&in->pods[r->unplaced[i].pod], key,
				sizeof(key)), r->unplaced[i].reason);
	}
}

int jn_plan_main(int argc, char **argv, FILE *out, FILE *errout)
{
	struct plan_flags f;
	int rc = parse_flags(argc, argv, &f, errout);
	if (rc != 0)
		return rc;
	struct plan_inputs pi;
	memset(&pi, 0, sizeof(pi));
	struct jn_error err;
	jn_error_clear(&err);
	struct jn_logger *log = jn_logger_create(errout, JN_LOG_INFO, JN_LOG_FORMAT_TEXT, NULL);
	struct jn_pack_result r;
	memset(&r, 0, sizeof(r));
	rc = 1;
	if (load_inputs(&f, &pi, &err) < 0)
		goto fail;
	struct jn_pack_input in = {
		.pods = pi.pending, .n_pods = pi.n_pending,
		.nodes = pi.nodes.items, .n_nodes = pi.nodes.len,
		.bound = pi.bound, .n_bound = pi.n_bound,
		.daemonsets = pi.daemonsets, .n_daemonsets = pi.n_daemonsets,
		.pools = pi.pools, .n_pools = jn_policy_set_nodepool_count(pi.policies),
		.types = pi.types, .n_types = jn_catalog_len(pi.catalog),
		.log = log,
	};
	if (jn_pack_solve(&in, &r, &err) < 0)
		goto fail;
	if (f.json) {
		json_t *doc = jn_plan_result_json(&in, &r);
		json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
		fputc('\n', out);
		json_decref(doc);
	} else
		print_table(&in, &r, out);
	rc = 0;
	goto done;
fail:
	fprintf(errout, "jitnode plan: %s\n", err.msg);
done:
	jn_pack_result_release(&r);
	inputs_release(&pi);
	jn_logger_destroy(log);
	return rc;
}
