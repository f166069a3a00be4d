/*
 * Complementary filling: when the first-fit pass opens a claim, the claim is filled at once
 * with the pending pods that best complement its room, of any eligible class, not only with
 * the pods that come next in size order.
 *
 * Why: first fit by size packs the cpu-heavy pods first, so the nodes opened for them fill on
 * cpu with memory to spare, and the memory-heavy pods met later need memory-rich (dearer) types
 * with cpu to spare; a one-pod-per-node pod gets a small node shared with whatever small pod
 * comes next. The LP bound's nodes mix both kinds on one node. Taking, for each slot, the pod
 * whose demand points most along the node's remaining room (the dot product of demand and room,
 * both as fractions of capacity) keeps the room balanced while it shrinks: large pods still
 * come first (the product grows with size), and a node short of memory draws cpu-heavy pods.
 *
 * Eligible pods: those whose class no topology group owns or counts and that use no host port,
 * so that placing one out of order cannot change what another pod may do; at relaxation level
 * 0 only, of the same priority as the pod that opened the claim (priority still goes first),
 * and never a pod that might fit an existing node or in-flight claim (those are filled first).
 * Pods are grouped by shape (class, request vector), so a choice scans shapes, not pods; at
 * most PK_MAX_SHAPES shapes are tracked (the first ones in packing order: the largest pods),
 * which bounds the work per placed pod on workloads with many distinct requests.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/base.h"
#include "pack_internal.h"

#define PK_MAX_SHAPES 128

bool pk_fill_eligible(const struct pk_class *c)
{
	return !c->unsupported_key && c->n_own == 0 && c->n_member_of == 0 && !c->has_ports;
}

/*
 * Prices per unit of cpu and memory that no offering undercuts, chosen to value the whole
 * demand highest: the dual of covering the total demand with fractional nodes, cpu and memory
 * only, max a.C + b.M s.t. a.cpu_s + b.mem_s <= price_s. Searched over the direction of (a, b)
 * on a grid (the objective along the feasible region's boundary is unimodal). A pod's worth is
 * then what its requests cost at the best rate the catalog offers.
 */
#define FILL_GRID 256

static void unit_prices(struct pk_solve *s, const uint32_t *order, uint32_t n)
{
	double C = 0, M = 0;
	for (uint32_t i = 0; i < n; i++) {
		C += (double)s->pod_req[(size_t)order[i] * s->n_dims + PK_DIM_CPU];
		M += (double)s->pod_req[(size_t)order[i] * s->n_dims + PK_DIM_MEM];
	}
	s->fill_price[0] = s->fill_price[1] = 0;
	if (C <= 0 || M <= 0)
		return;
	double best = 0;
	for (uint32_t g = 0; g <= FILL_GRID; g++) {
		double th = (double)g / FILL_GRID * 1.5707963267948966;
		double ua = cos(th) / C, ub = sin(th) / M, lambda = INFINITY;
		for (uint32_t i = 0; i < s->n_sites; i++) {
			const struct pk_site *site = &s->sites[i];
			double v = ua * (double)site->cap[PK_DIM_CPU] + ub * (double)site->cap[PK_DIM_MEM];
			if (v > 0 && site->cap[PK_DIM_CPU] > 0 && site->cap[PK_DIM_MEM] > 0)
				lambda = fmin(lambda, site->price / v);
		}
		if (isinf(lambda))
			continue;
		double obj = lambda * (cos(th) + sin(th));
		if (obj > best) {
			best = obj;
			s->fill_price[0] = lambda * ua;
			s->fill_price[1] = lambda * ub;
		}
	}
}

void pk_fill_build(struct pk_solve *s, const uint32_t *order, uint32_t n)
{
	s->pod_pos = jn_xcalloc(n ? n : 1, sizeof(*s->pod_pos));
	s->shapes = jn_xcalloc(PK_MAX_SHAPES, sizeof(*s->shapes));
	s->shape_pods = jn_xcalloc(n ? n : 1, sizeof(*s->shape_pods));
	uint32_t *shape_of = jn_xcalloc(n ? n : 1, sizeof(*shape_of));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = order[i], c = s->pod_class[p];
		s->pod_pos[p] = i;
		shape_of[i] = PK_NONE;
		if (!pk_fill_eligible(&s->classes[c]))
			continue;
		const int64_t *req = &s->pod_req[(size_t)p * s->n_dims];
		uint32_t k = 0;
		for (; k < s->n_shapes; k++) {
			const struct pk_shape *sh = &s->shapes[k];
			uint32_t q = s->shape_pods[sh->begin];   /* the shape's first pod, see below */
			if (sh->cls == c && memcmp(&s->pod_req[(size_t)q * s->n_dims], req,
					s->n_dims * sizeof(*req)) == 0)
				break;
		}
		if (k == s->n_shapes) {
			if (s->n_shapes == PK_MAX_SHAPES)
				continue;
			/* begin holds a representative pod until the counts are known */
			s->shapes[k] = (struct pk_shape){ c, k, 0, 0 };
			s->shape_pods[k] = p;
			s->n_shapes++;
		}
		s->shapes[k].end++;   /* a count for now */
		shape_of[i] = k;
	}
	uint32_t at = 0;
	for (uint32_t k = 0; k < s->n_shapes; k++) {
		uint32_t count = s->shapes[k].end;
		s->shapes[k].begin = s->shapes[k].head = s->shapes[k].end = at;
		at += count;
	}
	for (uint32_t i = 0; i < n; i++)
		if (shape_of[i] != PK_NONE)
			s->shape_pods[s->shapes[shape_of[i]].end++] = order[i];
	free(shape_of);
	unit_prices(s, order, n);
}

void pk_fill_release(struct pk_solve *s)
{
	free(s->shapes);
	free(s->shape_pods);
	free(s->pod_pos);
	s->shapes = NULL;
	s->shape_pods = s->pod_pos = NULL;
	s->n_shapes = 0;
}

/* How far apart the cpu and memory fractions of a node are once `add` joins `used`. */
static double imbalance(const int64_t *used, const int64_t *add, const int64_t *cap)
{
	double c = cap[PK_DIM_CPU] > 0 ?
		(double)(used[PK_DIM_CPU] + add[PK_DIM_CPU]) / (double)cap[PK_DIM_CPU] : 0;
	double m = cap[PK_DIM_MEM] > 0 ?
		(double)(used[PK_DIM_MEM] + add[PK_DIM_MEM]) / (double)cap[PK_DIM_MEM] : 0;
	return c > m ? c - m : m - c;
}

static double share(const int64_t *req, const int64_t *cap)
{
	double c = cap[PK_DIM_CPU] > 0 ? (double)req[PK_DIM_CPU] / (double)cap[PK_DIM_CPU] : 0;
	double m = cap[PK_DIM_MEM] > 0 ? (double)req[PK_DIM_MEM] / (double)cap[PK_DIM_MEM] : 0;
	return c > m ? c : m;
}

/* The shape's first pending pod at or after *at, advancing *at past handled ones. */
static uint32_t pending_from(struct pk_solve *s, const struct pk_shape *sh, uint32_t *at)
{
	while (*at < sh->end) {
		uint32_t p = s->shape_pods[*at];
		if (s->pod_bin[p] == PK_NONE && s->pod_pos[p] >= s->fill_pos)
			return p;
		(*at)++;
	}
	return PK_NONE;
}

/*
 * The next pod for a node of site si holding `used`: the largest pending pod that keeps the
 * node's cpu and memory fractions within max(FILL_TOLERANCE, their gap now) of each other, else
 * the one that brings them closest. at[k] is shape k's cursor. Returns the shape, or PK_NONE.
 */
#define FILL_TOLERANCE 0.05

static uint32_t pick(struct pk_solve *s, const int64_t *used, const int64_t *cap, uint32_t si,
	int32_t priority, uint32_t *at)
{
	int64_t zero[PK_DIMS] = { 0 };
	uint32_t n_existing = (uint32_t)s->in->n_nodes;
	double limit = imbalance(used, zero, cap);
	if (limit < FILL_TOLERANCE)
		limit = FILL_TOLERANCE;
	uint32_t best = PK_NONE;
	bool best_ok = false;
	double best_size = 0, best_imb = 0;
	for (uint32_t k = 0; k < s->n_shapes; k++) {
		const struct pk_shape *sh = &s->shapes[k];
		uint32_t p = pending_from(s, sh, &at[k]);
		if (p == PK_NONE || s->in->pods[p].priority != priority)
			continue;
		const int64_t *req = &s->pod_req[(size_t)p * s->n_dims];
		if (!pk_fits(used, req, cap, s->n_dims))
			continue;
		const uint64_t *sites = pk_class_sites(s, sh->cls, 0);
		if (!((sites[si / 64] >> (si % 64)) & 1))
			continue;
		double imb = imbalance(used, req, cap), size = share(req, cap);
		bool ok = imb <= limit;
		if (best != PK_NONE && (best_ok ? !ok || size <= best_size : !ok && imb >= best_imb))
			continue;
		if (n_existing > 0) {
			uint32_t first = pk_first_fit(s, 0, req, ~0u);
			if (first != PK_NONE && first < n_existing)
				continue;
		}
		best = k;
		best_ok = ok;
		best_size = size;
		best_imb = imb;
	}
	return best;
}

static double worth(const struct pk_solve *s, const int64_t *req)
{
	return s->fill_price[0] * (double)req[PK_DIM_CPU] + s->fill_price[1] * (double)req[PK_DIM_MEM];
}

double pk_fill_value(struct pk_solve *s, uint32_t pod, uint32_t si)
{
	const struct pk_site *site = &s->sites[si];
	const int64_t *req = &s->pod_req[(size_t)pod * s->n_dims];
	int64_t used[PK_DIMS] = { 0 };
	memcpy(used, req, s->n_dims * sizeof(*req));
	double value = worth(s, req);
	uint32_t at[PK_MAX_SHAPES];
	for (uint32_t k = 0; k < s->n_shapes; k++) {
		pending_from(s, &s->shapes[k], &s->shapes[k].head);
		at[k] = s->shapes[k].head;
	}
	int32_t priority = s->in->pods[pod].priority;
	for (uint32_t k; (k = pick(s, used, site->cap, si, priority, at)) != PK_NONE;) {
		const int64_t *q = &s->pod_req[(size_t)s->shape_pods[at[k]] * s->n_dims];
		for (uint32_t d = 0; d < s->n_dims; d++)
			used[d] += q[d];
		value += worth(s, q);
		at[k]++;
	}
	return value;
}

void pk_fill_claim(struct pk_solve *s, uint32_t bi, int32_t priority)
{
	if (!s->fill_on)
		return;
	uint32_t at[PK_MAX_SHAPES];
	for (uint32_t k = 0; k < s->n_shapes; k++) {
		pending_from(s, &s->shapes[k], &s->shapes[k].head);
		at[k] = s->shapes[k].head;
	}
	for (;;) {
		const struct pk_bin *b = &s->bins[bi];
		if (b->closed)
			return;
		uint32_t k = pick(s, b->used, b->cap, b->site, priority, at);
		if (k == PK_NONE)
			return;
		pk_place(s, s->shape_pods[at[k]], bi, 0);
		at[k]++;
	}
}
