/*
 * What kube-scheduler charges a pod (component-helpers resource.PodRequests, as called by the
 * scheduler's NodeResourcesFit through framework.calculateResource):
 *
 *   containers  = sum(regular containers) + sum(restartable init containers, i.e. sidecars)
 *   init(i)     = request of non-restartable init container i
 *                 + sum(sidecars declared before it)
 *   sidecar(i)  = sum(sidecars up to and including i)
 *   requests    = max(containers, max over i of init(i) / sidecar(i))
 *   then pod-level spec.resources.requests (cpu, memory, hugepages-*) replace the aggregate
 *   for the resources they name, then spec.overhead is added, and pods = 1.
 *
 * Sums are kept as exact quantities and converted once at the end (cpu with MilliValue,
 * everything else with Value), exactly as the scheduler converts the summed ResourceList: two
 * containers asking "0.5m" each are charged 1 millicore, not 2.
 *
 * The apiserver defaults a container's missing request to its limit (and a pod-level missing
 * request to the pod-level limit); pods read from the apiserver already carry that, and
 * hand-written pods get the same defaulting here. In-place resize status (allocated and
 * actuated resources in status) and DRA node-allocatable claims are not considered.
 */
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "api_internal.h"

struct qitem {
	const char *name;   /* borrowed from the JSON document */
	__int128 nano;
};

/* A ResourceList of exact quantities; small (a handful of names), searched linearly. */
struct qlist {
	struct qitem *items;
	size_t len, cap;
};

static const __int128 I128_MAX = (__int128)(((unsigned __int128)1 << 127) - 1);

static __int128 sat_add(__int128 a, __int128 b)
{
	__int128 r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? I128_MAX : -I128_MAX;
	return r;
}

static struct qitem *find(const struct qlist *l, const char *name)
{
	for (size_t i = 0; i < l->len; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

static struct qitem *slot(struct qlist *l, const char *name)
{
	struct qitem *it = find(l, name);
	if (it)
		return it;
	it = JN_PUSH(l->items, l->len, l->cap);
	it->name = name;
	it->nano = 0;
	return it;
}

static void qlist_add(struct qlist *dst, const struct qlist *src)
{
	for (size_t i = 0; i < src->len; i++) {
		struct qitem *it = slot(dst, src->items[i].name);
		it->nano = sat_add(it->nano, src->items[i].nano);
	}
}

static void qlist_max(struct qlist *dst, const struct qlist *src)
{
	for (size_t i = 0; i < src->len; i++) {
		struct qitem *it = find(dst, src->items[i].name);
		if (!it)
			slot(dst, src->items[i].name)->nano = src->items[i].nano;
		else if (src->items[i].nano > it->nano)
			it->nano = src->items[i].nano;
	}
}

static void qlist_reset(struct qlist *l)
{
	l->len = 0;
}

static void qlist_release(struct qlist *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Reads a ResourceList object member into l (replacing what l held). */
static int qlist_from_json(const json_t *obj, const char *key, const struct jn_json_path *path,
	struct qlist *l, struct jn_error *err)
{
	qlist_reset(l);
	const json_t *list = NULL;
	if (jn_json_get_object(obj, key, path, false, &list, err) < 0)
		return -1;
	if (!list)
		return 0;
	struct jn_json_path here = JN_JSON_KEY(path, key);
	const char *name;
	json_t *value;
	json_object_foreach((json_t *)list, name, value) {
		struct jn_json_path at = JN_JSON_KEY(&here, name);
		struct jn_quantity q;
		if (jn_quantity_from_json(value, &at, &q, err) < 0)
			return -1;
		slot(l, name)->nano = q.nano;
	}
	return 0;
}

/*
 * Reads a ResourceRequirements object ({requests, limits}) into req, defaulting each missing
 * request to its limit (core/v1 SetDefaults). only_pod_level limits the defaulting to the
 * resources pod-level resources support.
 */
static int requirements_from_json(const json_t *obj, const struct jn_json_path *path,
	bool only_pod_level, struct qlist *req, struct qlist *lim, struct jn_error *err)
{
	qlist_reset(req);
	const json_t *res = NULL;
	if (jn_json_get_object(obj, "resources", path, false, &res, err) < 0)
		return -1;
	if (!res)
		return 0;
	struct jn_json_path rp = JN_JSON_KEY(path, "resources");
	if (qlist_from_json(res, "requests", &rp, req, err) < 0 ||
	    qlist_from_json(res, "limits", &rp, lim, err) < 0)
		return -1;
	for (size_t i = 0; i < lim->len; i++) {
		const char *name = lim->items[i].name;
		if (only_pod_level && !api_is_pod_level_resource(name))
			continue;
		if (!find(req, name))
			slot(req, name)->nano = lim->items[i].nano;
	}
	return 0;
}

bool api_is_pod_level_resource(const char *name)
{
	return strcmp(name, JN_RESOURCE_CPU) == 0 || strcmp(name, JN_RESOURCE_MEMORY) == 0 ||
		jn_str_has_prefix(name, "hugepages-");
}

static bool is_sidecar(const json_t *container)
{
	const json_t *policy = json_object_get(container, "restartPolicy");
	return json_is_string(policy) && strcmp(json_string_value(policy), "Always") == 0;
}

struct work {
	struct qlist total, sidecars, init_max, one, lim, tmp;
};

static void work_release(struct work *w)
{
	qlist_release(&w->total);
	qlist_release(&w->sidecars);
	qlist_release(&w->init_max);
	qlist_release(&w->one);
	qlist_release(&w->lim);
	qlist_release(&w->tmp);
}

/* Applies the aggregation of the file comment to spec's containers, into w->total. */
static int aggregate(const json_t *spec, const struct jn_json_path *path, struct work *w,
	struct jn_error *err)
{
	const json_t *containers = NULL, *inits = NULL;
	if (jn_json_get_array(spec, "containers", path, false, &containers, err) < 0 ||
	    jn_json_get_array(spec, "initContainers", path, false, &inits, err) < 0)
		return -1;
	struct jn_json_path cp = JN_JSON_KEY(path, "containers");
	for (size_t i = 0; containers && i < json_array_size(containers); i++) {
		struct jn_json_path at = JN_JSON_IDX(&cp, i);
		const json_t *c = json_array_get(containers, i);
		if (jn_json_expect_object(c, &at, err) < 0 ||
		    requirements_from_json(c, &at, false, &w->one, &w->lim, err) < 0)
			return -1;
		qlist_add(&w->total, &w->one);
	}
	struct jn_json_path ip = JN_JSON_KEY(path, "initContainers");
	for (size_t i = 0; inits && i < json_array_size(inits); i++) {
		struct jn_json_path at = JN_JSON_IDX(&ip, i);
		const json_t *c = json_array_get(inits, i);
		if (jn_json_expect_object(c, &at, err) < 0 ||
		    requirements_from_json(c, &at, false, &w->one, &w->lim, err) < 0)
			return -1;
		if (is_sidecar(c)) {
			/* A sidecar keeps running: it adds to the pod and to every later init. */
			qlist_add(&w->total, &w->one);
			qlist_add(&w->sidecars, &w->one);
			qlist_max(&w->init_max, &w->sidecars);
		} else {
			qlist_reset(&w->tmp);
			qlist_add(&w->tmp, &w->one);
			qlist_add(&w->tmp, &w->sidecars);
			qlist_max(&w->init_max, &w->tmp);
		}
	}
	qlist_max(&w->total, &w->init_max);
	return 0;
}

static void to_resources(const struct qlist *l, struct jn_resources *out)
{
	for (size_t i = 0; i < l->len; i++) {
		struct jn_quantity q = { .nano = l->items[i].nano };
		const char *name = l->items[i].name;
		if (strcmp(name, JN_RESOURCE_PODS) == 0)
			continue;   /* a pod is one pod, whatever its containers say */
		bool cpu = strcmp(name, JN_RESOURCE_CPU) == 0;
		jn_resources_set(out, name, cpu ? jn_quantity_milli(&q) : jn_quantity_value(&q));
	}
	out->pods = 1;
}

int jn_pod_effective_requests(const json_t *spec, const struct jn_json_path *path,
	struct jn_resources *out, struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	struct work w = { 0 };
	int rc = -1;
	if (jn_json_expect_object(spec, path, err) < 0 || aggregate(spec, path, &w, err) < 0)
		goto done;
	/* Pod-level requests replace the container aggregate for the resources they support. */
	if (requirements_from_json(spec, path, true, &w.one, &w.lim, err) < 0)
		goto done;
	for (size_t i = 0; i < w.one.len; i++)
		if (api_is_pod_level_resource(w.one.items[i].name))
			slot(&w.total, w.one.items[i].name)->nano = w.one.items[i].nano;
	if (qlist_from_json(spec, "overhead", path, &w.one, err) < 0)
		goto done;
	qlist_add(&w.total, &w.one);
	to_resources(&w.total, out);
	rc = 0;
done:
	work_release(&w);
	return rc;
}
