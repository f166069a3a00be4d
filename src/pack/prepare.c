/*
 * Turning the input into the solver's dense form: resource dimensions, zones, classes of pods,
 * the label keys anything references, sites, and the lazily built class x site compatibility.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "jitnode/buf.h"
#include "jitnode/error.h"
#include "jitnode/log.h"
#include "pack_internal.h"

uint32_t pk_dim(const struct pk_solve *s, const char *name)
{
	for (uint32_t d = 0; d < s->n_dims; d++)
		if (strcmp(s->dim_name[d], name) == 0)
			return d;
	return PK_NONE;
}

void pk_vec_from_resources(const struct pk_solve *s, const struct jn_resources *r, int64_t *v,
	bool add_pod)
{
	memset(v, 0, sizeof(int64_t) * PK_DIMS);
	v[PK_DIM_CPU] = r->cpu_milli;
	v[PK_DIM_MEM] = r->memory;
	v[PK_DIM_EPH] = r->ephemeral_storage;
	v[PK_DIM_PODS] = add_pod ? 1 : r->pods;
	for (size_t i = 0; i < r->n_ext; i++) {
		uint32_t d = pk_dim(s, r->ext[i].name);
		if (d != PK_NONE)
			v[d] = r->ext[i].value;
	}
}

uint32_t pk_zone_index(const struct pk_solve *s, const char *zone)
{
	if (!zone)
		return PK_NONE;
	for (uint32_t z = 0; z < s->n_zones; z++)
		if (strcmp(s->zones[z], zone) == 0)
			return z;
	return PK_NONE;
}

static int add_dims(struct pk_solve *s, const struct jn_resources *r, struct jn_error *err)
{
	for (size_t i = 0; i < r->n_ext; i++) {
		if (r->ext[i].value <= 0 || pk_dim(s, r->ext[i].name) != PK_NONE)
			continue;
		if (s->n_dims == PK_DIMS)
			return jn_error_set(err, JN_ERR_INVALID,
				"too many distinct resources: \"%s\" is past the limit of %d",
				r->ext[i].name, PK_DIMS);
		s->dim_name[s->n_dims++] = r->ext[i].name;
	}
	return 0;
}

static int dims_build(struct pk_solve *s, struct jn_error *err)
{
	s->dim_name[PK_DIM_CPU] = JN_RESOURCE_CPU;
	s->dim_name[PK_DIM_MEM] = JN_RESOURCE_MEMORY;
	s->dim_name[PK_DIM_EPH] = JN_RESOURCE_EPHEMERAL_STORAGE;
	s->dim_name[PK_DIM_PODS] = JN_RESOURCE_PODS;
	s->n_dims = 4;
	for (size_t i = 0; i < s->in->n_pods; i++)
		if (add_dims(s, &s->in->pods[i].requests, err) < 0)
			return -1;
	for (size_t i = 0; i < s->in->n_daemonsets; i++)
		if (add_dims(s, &s->in->daemonsets[i].requests, err) < 0)
			return -1;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_zone(const char **zones, uint32_t *n, size_t *dropped, const char *z)
{
	for (uint32_t i = 0; i < *n; i++)
		if (strcmp(zones[i], z) == 0)
			return;
	if (*n == PK_MAX_ZONES) {
		(*dropped)++;
		return;
	}
	zones[(*n)++] = z;
}

static void zones_build(struct pk_solve *s)
{
	size_t dropped = 0;
	for (size_t t = 0; t < s->in->n_types; t++)
		for (size_t o = 0; o < s->in->types[t]->n_offerings; o++)
			add_zone(s->zones, &s->n_zones, &dropped, s->in->types[t]->offerings[o].zone);
	for (size_t n = 0; n < s->in->n_nodes; n++) {
		const char *z = jn_strmap_get(&s->in->nodes[n].labels, JN_LABEL_ZONE);
		if (z)
			add_zone(s->zones, &s->n_zones, &dropped, z);
	}
	qsort(s->zones, s->n_zones, sizeof(s->zones[0]), str_cmp);
	if (dropped)
		jn_log_warn(s->in->log, "ignored zones past the limit", JN_LOG_INT("limit", PK_MAX_ZONES),
			JN_LOG_INT("ignored", dropped));
}

static void classes_build(struct pk_solve *s)
{
	const struct jn_pack_input *in = s->in;
	size_t n = in->n_pods, slots = 16;
	while (slots < n * 2)
		slots *= 2;
	uint32_t *table = jn_xmalloc(slots * sizeof(*table));
	memset(table, 0xff, slots * sizeof(*table));
	size_t cap = 0;
	struct jn_buf b;
	jn_buf_init(&b, JN_BUF_UNLIMITED);
	for (uint32_t d = 0; d < s->n_dims; d++)
		s->min_req[d] = INT64_MAX;
	for (size_t i = 0; i < n; i++) {
		int64_t *req = &s->pod_req[i * s->n_dims];
		int64_t v[PK_DIMS];
		pk_vec_from_resources(s, &in->pods[i].requests, v, true);
		memcpy(req, v, s->n_dims * sizeof(int64_t));
		for (uint32_t d = 0; d < s->n_dims; d++)
			s->min_req[d] = JN_MIN(s->min_req[d], req[d]);
		pk_pod_signature(s, &in->pods[i], req, &b);
		uint64_t h = pk_hash(b.data, b.len);
		size_t slot = (size_t)h & (slots - 1);
		uint32_t c;
		for (;;) {
			c = table[slot];
			if (c == PK_NONE || (s->classes[c].hash == h &&
					s->classes[c].signature_len == b.len &&
					memcmp(s->classes[c].signature, b.data, b.len) == 0))
				break;
			slot = (slot + 1) & (slots - 1);
		}
		if (c == PK_NONE) {
			c = s->n_classes;
			struct pk_class *k = JN_PUSH(s->classes, s->n_classes, cap);
			pk_class_init(k, &in->pods[i], h);
			k->memo_site = PK_NONE;
			k->signature = jn_xstrndup(b.data, b.len);
			k->signature_len = b.len;
			for (uint32_t d = PK_DIM_PODS + 1; d < s->n_dims; d++)
				if (req[d] > 0)
					k->ext_mask |= 1u << d;
			table[slot] = c;
		}
		s->pod_class[i] = c;
		struct pk_class *k = &s->classes[c];
		for (uint32_t d = 0; d < s->n_dims; d++)
			k->rem[d] += req[d];
		k->rem_pods++;
	}
	for (uint32_t d = 0; d < s->n_dims; d++)
		if (s->min_req[d] == INT64_MAX)
			s->min_req[d] = 0;
	jn_buf_release(&b);
	free(table);
}

static void add_key(const char ***keys, size_t *n, size_t *cap, const char *k)
{
	*JN_PUSH(*keys, *n, *cap) = k;
}

static void add_term_keys(const char ***keys, size_t *n, size_t *cap,
	const struct jn_node_selector_term *t)
{
	for (size_t i = 0; i < t->n_match_expressions; i++)
		add_key(keys, n, cap, t->match_expressions[i].key);
}

static void add_pod_keys(const char ***keys, size_t *n, size_t *cap, const struct jn_pod *p)
{
	for (size_t i = 0; i < p->node_selector.len; i++)
		add_key(keys, n, cap, p->node_selector.items[i].key);
	for (size_t i = 0; i < p->n_required_node_terms; i++)
		add_term_keys(keys, n, cap, &p->required_node_terms[i]);
	for (size_t i = 0; i < p->n_preferred_node_terms; i++)
		add_term_keys(keys, n, cap, &p->preferred_node_terms[i].term);
}

static void keys_build(struct pk_solve *s)
{
	size_t cap = 0;
	add_key(&s->keys, &s->n_keys, &cap, JN_LABEL_ZONE);
	add_key(&s->keys, &s->n_keys, &cap, JN_LABEL_INSTANCE_TYPE);
	add_key(&s->keys, &s->n_keys, &cap, JN_LABEL_CAPACITY_TYPE);
	add_key(&s->keys, &s->n_keys, &cap, JN_LABEL_NODEPOOL);
	for (uint32_t c = 0; c < s->n_classes; c++)
		add_pod_keys(&s->keys, &s->n_keys, &cap, s->classes[c].rep);
	for (size_t i = 0; i < s->in->n_daemonsets; i++)
		add_pod_keys(&s->keys, &s->n_keys, &cap, &s->in->daemonsets[i]);
	for (uint32_t p = 0; p < s->n_pools; p++)
		for (size_t i = 0; i < s->pools[p].reqs.len; i++)
			add_key(&s->keys, &s->n_keys, &cap, s->pools[p].reqs.items[i].key);
	qsort(s->keys, s->n_keys, sizeof(*s->keys), str_cmp);
	size_t u = 0;
	for (size_t i = 0; i < s->n_keys; i++)
		if (u == 0 || strcmp(s->keys[u - 1], s->keys[i]) != 0)
			s->keys[u++] = s->keys[i];
	s->n_keys = u;
}

bool pk_pod_matches_view(const struct jn_pod *pod, uint32_t rank, const struct jn_strmap *labels)
{
	if (!jn_pod_matches_node(pod, labels, NULL, NULL, 0))
		return false;
	if (rank < pod->n_preferred_node_terms) {
		size_t t = jn_pod_preferred_node_term(pod, rank);
		return jn_node_selector_term_matches(&pod->preferred_node_terms[t].term, labels, NULL);
	}
	return true;
}

static void class_sites_build(struct pk_solve *s, struct pk_class *c, uint32_t rank)
{
	uint64_t *bits = jn_xcalloc(s->site_words ? s->site_words : 1, sizeof(*bits));
	uint32_t *list = jn_xcalloc(s->n_sites ? s->n_sites : 1, sizeof(*list));
	uint32_t n = 0;
	bool tolerated[64] = { 0 };
	for (uint32_t p = 0; p < s->n_pools && p < 64; p++)
		tolerated[p] = pk_pool_tolerated(&s->pools[p], c->rep);
	for (uint32_t i = 0; i < s->n_sites; i++) {
		const struct pk_site *site = &s->sites[i];
		if (site->pool >= 64 ? !pk_pool_tolerated(&s->pools[site->pool], c->rep) :
				!tolerated[site->pool])
			continue;
		bool ok = true;
		for (uint32_t d = PK_DIM_PODS + 1; d < s->n_dims && ok; d++)
			if ((c->ext_mask & (1u << d)) && site->cap[d] <= 0)
				ok = false;
		if (!ok || !pk_pod_matches_view(c->rep, rank, &site->labels.map))
			continue;
		bits[i / 64] |= 1ull << (i % 64);
		list[n++] = i;
	}
	c->site_bits[rank] = bits;
	c->site_list[rank] = list;
	c->n_site_list[rank] = n;
}

const uint64_t *pk_class_sites(struct pk_solve *s, uint32_t c, uint32_t rank)
{
	struct pk_class *k = &s->classes[c];
	if (!k->site_bits[rank])
		class_sites_build(s, k, rank);
	return k->site_bits[rank];
}

const uint32_t *pk_class_site_list(struct pk_solve *s, uint32_t c, uint32_t rank, uint32_t *n)
{
	pk_class_sites(s, c, rank);
	*n = s->classes[c].n_site_list[rank];
	return s->classes[c].site_list[rank];
}

bool pk_class_node_ok(struct pk_solve *s, uint32_t c, uint32_t rank, uint32_t node)
{
	struct pk_class *k = &s->classes[c];
	uint32_t ranks = k->n_pref_node + 1;
	if (!k->node_bits) {
		/* per rank: one "computed" word then the bits */
		k->node_bits = jn_xcalloc(ranks * (s->node_words + 1), sizeof(uint64_t));
	}
	uint64_t *row = (uint64_t *)k->node_bits + rank * (s->node_words + 1);
	if (!row[0]) {
		row[0] = 1;
		for (size_t i = 0; i < s->in->n_nodes; i++) {
			const struct jn_node *nd = &s->in->nodes[i];
			bool ok = !nd->unschedulable && !nd->deleting &&
				jn_pod_tolerates(k->rep, nd->taints, nd->n_taints, JN_TAINTS_BLOCKING,
					NULL, 0) &&
				jn_pod_matches_node(k->rep, &nd->labels, nd->name, NULL, 0);
			if (ok && rank < k->rep->n_preferred_node_terms) {
				size_t t = jn_pod_preferred_node_term(k->rep, rank);
				ok = jn_node_selector_term_matches(
					&k->rep->preferred_node_terms[t].term, &nd->labels, nd->name);
			}
			if (ok)
				row[1 + i / 64] |= 1ull << (i % 64);
		}
	}
	return (row[1 + node / 64] >> (node % 64)) & 1;
}

int pk_prepare(struct pk_solve *s, struct jn_error *err)
{
	const struct jn_pack_input *in = s->in;
	if (dims_build(s, err) < 0 || pk_pools_build(s, err) < 0)
		return -1;
	zones_build(s);
	size_t n = in->n_pods ? in->n_pods : 1;
	s->pod_req = jn_xcalloc(n * s->n_dims, sizeof(*s->pod_req));
	s->pod_class = jn_xcalloc(n, sizeof(*s->pod_class));
	s->pod_level = jn_xcalloc(n, sizeof(*s->pod_level));
	s->pod_next = jn_xcalloc(n, sizeof(*s->pod_next));
	s->pod_bin = jn_xcalloc(n, sizeof(*s->pod_bin));
	memset(s->pod_bin, 0xff, n * sizeof(*s->pod_bin));
	classes_build(s);
	keys_build(s);
	pk_sites_build(s);
	s->node_words = (in->n_nodes + 63) / 64;
	/* every class' plain compatibility is needed at once (demand estimates, explanations) */
	for (uint32_t c = 0; c < s->n_classes; c++)
		pk_class_sites(s, c, 0);
	pk_groups_build(s);
	for (uint32_t c = 0; c < s->n_classes; c++) {
		struct pk_class *k = &s->classes[c];
		/* generic: may share any node; being counted by others' groups does not matter */
		k->generic = k->n_site_list[0] == s->n_sites && k->n_own == 0 && !k->has_ports &&
			k->max_level == 0;
		if (k->generic) {
			for (uint32_t d = 0; d < s->n_dims; d++)
				s->rem_generic[d] += k->rem[d];
			s->rem_generic_pods += k->rem_pods;
		}
	}
	jn_log_debug(in->log, "prepared packing", JN_LOG_INT("pods", in->n_pods),
		JN_LOG_INT("classes", s->n_classes), JN_LOG_INT("sites", s->n_sites),
		JN_LOG_INT("zones", s->n_zones), JN_LOG_INT("resources", s->n_dims));
	return 0;
}

void pk_release(struct pk_solve *s)
{
	for (uint32_t c = 0; c < s->n_classes; c++)
		pk_class_release(&s->classes[c]);
	free(s->classes);
	for (uint32_t i = 0; i < s->n_sites; i++)
		pk_view_release(&s->sites[i].labels);
	free(s->sites);
	for (uint32_t p = 0; p < s->n_pools; p++)
		jn_reqs_release(&s->pools[p].reqs);
	free(s->pools);
	free(s->keys);
	free(s->pod_req);
	free(s->pod_class);
	free(s->pod_level);
	free(s->pod_next);
	free(s->pod_bin);
	for (uint32_t g = 0; g < s->n_groups; g++) {
		free(s->groups[g].zone_count);
		free(s->groups[g].zone_owners);
		free(s->groups[g].open_bins);
	}
	free(s->groups);
	free(s->bin_counts);
	free(s->tree_rem);
	free(s->tree_zones);
	free(s->bound_anti);
	for (size_t i = 0; s->fail_why && i < s->in->n_pods; i++)
		free(s->fail_why[i]);
	for (uint32_t b = 0; b < s->n_bins; b++) {
		free(s->bins[b].classes);
		free(s->bins[b].options);
		jn_host_ports_release(&s->bins[b].ports);
	}
	free(s->bins);
	free(s->fail_why);
	memset(s, 0, sizeof(*s));
}
