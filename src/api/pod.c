/*
 * Pod decoding: metadata, the scheduling-relevant parts of spec, and the PodScheduled
 * condition. Effective requests are in pod_requests.c and affinity/spread in affinity.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitnode/api.h"
#include "jitnode/base.h"
#include "jitnode/error.h"
#include "jitnode/json.h"
#include "jitnode/map.h"
#include "api_internal.h"

void jn_pod_release(struct jn_pod *pod)
{
	free(pod->namespace_);
	free(pod->name);
	free(pod->uid);
	free(pod->resource_version);
	free(pod->node_name);
	free(pod->scheduler_name);
	free(pod->priority_class_name);
	free(pod->phase);
	jn_strmap_release(&pod->labels);
	jn_strmap_release(&pod->annotations);
	jn_strmap_release(&pod->node_selector);
	jn_resources_release(&pod->requests);
	for (size_t i = 0; i < pod->n_tolerations; i++)
		jn_toleration_release(&pod->tolerations[i]);
	free(pod->tolerations);
	api_pod_constraints_release(pod);
	for (size_t i = 0; i < pod->n_host_ports; i++) {
		free(pod->host_ports[i].protocol);
		free(pod->host_ports[i].host_ip);
	}
	free(pod->host_ports);
	for (size_t i = 0; i < pod->n_owners; i++) {
		free(pod->owners[i].api_version);
		free(pod->owners[i].kind);
		free(pod->owners[i].name);
		free(pod->owners[i].uid);
	}
	free(pod->owners);
	api_strings_free(pod->scheduling_gates, pod->n_scheduling_gates);
	free(pod->scheduled_reason);
	memset(pod, 0, sizeof(*pod));
}

static int owners_from_json(const json_t *meta, const struct jn_json_path *path,
	struct jn_pod *pod, struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(meta, "ownerReferences", path, false, &arr, err) < 0)
		return -1;
	size_t n = arr ? json_array_size(arr) : 0;
	if (!n)
		return 0;
	struct jn_json_path here = JN_JSON_KEY(path, "ownerReferences");
	pod->owners = jn_xcalloc(n, sizeof(*pod->owners));
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&here, i);
		const json_t *o = json_array_get(arr, i);
		struct jn_owner_ref *ref = &pod->owners[i];
		pod->n_owners = i + 1;   /* counted before filling: release frees partial refs */
		if (jn_json_expect_object(o, &at, err) < 0 ||
		    api_dup_string(o, "apiVersion", &at, true, &ref->api_version, err) < 0 ||
		    api_dup_string(o, "kind", &at, true, &ref->kind, err) < 0 ||
		    api_dup_string(o, "name", &at, true, &ref->name, err) < 0 ||
		    api_dup_string(o, "uid", &at, true, &ref->uid, err) < 0 ||
		    jn_json_get_bool(o, "controller", &at, false, &ref->controller, err) < 0)
			return -1;
	}
	return 0;
}

static int metadata_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_pod *pod, struct jn_error *err)
{
	const json_t *meta = NULL;
	if (jn_json_get_object(obj, "metadata", path, true, &meta, err) < 0)
		return -1;
	struct jn_json_path mp = JN_JSON_KEY(path, "metadata");
	if (api_dup_string(meta, "name", &mp, true, &pod->name, err) < 0 ||
	    api_dup_string(meta, "namespace", &mp, false, &pod->namespace_, err) < 0 ||
	    api_dup_string(meta, "uid", &mp, false, &pod->uid, err) < 0 ||
	    api_dup_string(meta, "resourceVersion", &mp, false, &pod->resource_version, err) < 0 ||
	    jn_json_get_strmap(meta, "labels", &mp, &pod->labels, err) < 0 ||
	    jn_json_get_strmap(meta, "annotations", &mp, &pod->annotations, err) < 0 ||
	    api_deletion_from_json(meta, &mp, &pod->deleting, &pod->deletion_timestamp_ns,
		err) < 0 ||
	    owners_from_json(meta, &mp, pod, err) < 0)
		return -1;
	if (!pod->namespace_)
		pod->namespace_ = jn_xstrdup("default");
	return 0;
}

static int tolerations_from_json(const json_t *spec, const struct jn_json_path *path,
	struct jn_pod *pod, struct jn_error *err)
{
	const json_t *arr = NULL;
	if (jn_json_get_array(spec, "tolerations", path, false, &arr, err) < 0)
		return -1;
	size_t n = arr ? json_array_size(arr) : 0;
	if (!n)
		return 0;
	struct jn_json_path here = JN_JSON_KEY(path, "tolerations");
	pod->tolerations = jn_xcalloc(n, sizeof(*pod->tolerations));
	for (size_t i = 0; i < n; i++) {
		struct jn_json_path at = JN_JSON_IDX(&here, i);
		if (jn_toleration_from_json(json_array_get(arr, i), &at, &pod->tolerations[i],
			err) < 0)
			return -1;
		pod->n_tolerations = i + 1;
	}
	return 0;
}

/* Host ports of one container list ("containers" or "initContainers"). */
static int ports_of(const json_t *spec, const char *key, const struct jn_json_path *path,
	struct jn_pod *pod, size_t *cap, struct jn_error *err)
{
	const json_t *containers = NULL;
	if (jn_json_get_array(spec, key, path, false, &containers, err) < 0)
		return -1;
	struct jn_json_path cp = JN_JSON_KEY(path, key);
	for (size_t i = 0; containers && i < json_array_size(containers); i++) {
		struct jn_json_path at = JN_JSON_IDX(&cp, i);
		const json_t *c = json_array_get(containers, i), *ports = NULL;
		if (jn_json_expect_object(c, &at, err) < 0 ||
		    jn_json_get_array(c, "ports", &at, false, &ports, err) < 0)
			return -1;
		struct jn_json_path pp = JN_JSON_KEY(&at, "ports");
		for (size_t j = 0; ports && j < json_array_size(ports); j++) {
			struct jn_json_path at_port = JN_JSON_IDX(&pp, j);
			const json_t *port = json_array_get(ports, j);
			int32_t host_port = 0;
			const char *protocol = "TCP", *host_ip = "0.0.0.0";
			if (jn_json_expect_object(port, &at_port, err) < 0 ||
			    api_get_int32(port, "hostPort", &at_port, false, &host_port, err) < 0 ||
			    jn_json_get_string(port, "protocol", &at_port, false, &protocol,
				err) < 0 ||
			    jn_json_get_string(port, "hostIP", &at_port, false, &host_ip, err) < 0)
				return -1;
			if (host_port <= 0)
				continue;   /* only host ports occupy the node */
			struct jn_host_port *hp = JN_PUSH(pod->host_ports, pod->n_host_ports, *cap);
			hp->port = host_port;
			hp->protocol = jn_xstrdup(*protocol ? protocol : "TCP");
			hp->host_ip = jn_xstrdup(*host_ip ? host_ip : "0.0.0.0");
		}
	}
	return 0;
}

static int spec_from_json(const json_t *obj, const struct jn_json_path *path, struct jn_pod *pod,
	struct jn_error *err)
{
	const json_t *spec = NULL;
	if (jn_json_get_object(obj, "spec", path, true, &spec, err) < 0)
		return -1;
	struct jn_json_path sp = JN_JSON_KEY(path, "spec");
	size_t port_cap = 0;
	const json_t *gates = NULL;
	if (api_dup_string(spec, "nodeName", &sp, false, &pod->node_name, err) < 0 ||
	    api_dup_string(spec, "schedulerName", &sp, false, &pod->scheduler_name, err) < 0 ||
	    api_dup_string(spec, "priorityClassName", &sp, false, &pod->priority_class_name,
		err) < 0 ||
	    api_get_int32(spec, "priority", &sp, false, &pod->priority, err) < 0 ||
	    jn_json_get_strmap(spec, "nodeSelector", &sp, &pod->node_selector, err) < 0 ||
	    jn_pod_effective_requests(spec, &sp, &pod->requests, err) < 0 ||
	    tolerations_from_json(spec, &sp, pod, err) < 0 ||
	    api_pod_constraints_from_json(spec, &sp, pod, err) < 0 ||
	    ports_of(spec, "initContainers", &sp, pod, &port_cap, err) < 0 ||
	    ports_of(spec, "containers", &sp, pod, &port_cap, err) < 0 ||
	    jn_json_get_array(spec, "schedulingGates", &sp, false, &gates, err) < 0)
		return -1;
	if (pod->node_name && !*pod->node_name) {
		free(pod->node_name);   /* "" is unbound too */
		pod->node_name = NULL;
	}
	if (!pod->scheduler_name || !*pod->scheduler_name) {
		free(pod->scheduler_name);
		pod->scheduler_name = jn_xstrdup("default-scheduler");
	}
	struct jn_json_path gp = JN_JSON_KEY(&sp, "schedulingGates");
	size_t n = gates ? json_array_size(gates) : 0;
	if (n) {
		pod->scheduling_gates = jn_xcalloc(n, sizeof(*pod->scheduling_gates));
		for (size_t i = 0; i < n; i++) {
			struct jn_json_path at = JN_JSON_IDX(&gp, i);
			char *name = NULL;
			pod->n_scheduling_gates = i;
			if (api_dup_string(json_array_get(gates, i), "name", &at, true, &name,
				err) < 0)
				return -1;
			pod->scheduling_gates[i] = name;
		}
		pod->n_scheduling_gates = n;
	}
	return 0;
}

static int status_from_json(const json_t *obj, const struct jn_json_path *path,
	struct jn_pod *pod, struct jn_error *err)
{
	const json_t *status = NULL, *conds = NULL;
	if (jn_json_get_object(obj, "status", path, false, &status, err) < 0)
		return -1;
	if (!status)
		return 0;
	struct jn_json_path sp = JN_JSON_KEY(path, "status");
	if (api_dup_string(status, "phase", &sp, false, &pod->phase, err) < 0 ||
	    jn_json_get_array(status, "conditions", &sp, false, &conds, err) < 0)
		return -1;
	struct jn_json_path cp = JN_JSON_KEY(&sp, "conditions");
	for (size_t i = 0; conds && i < json_array_size(conds); i++) {
		struct jn_json_path at = JN_JSON_IDX(&cp, i);
		const json_t *c = json_array_get(conds, i);
		const char *type = NULL, *st = NULL, *reason = NULL;
		if (jn_json_expect_object(c, &at, err) < 0 ||
		    jn_json_get_string(c, "type", &at, true, &type, err) < 0 ||
		    jn_json_get_string(c, "status", &at, true, &st, err) < 0 ||
		    jn_json_get_string(c, "reason", &at, false, &reason, err) < 0)
			return -1;
		if (strcmp(type, "PodScheduled") != 0)
			continue;
		pod->scheduled_condition_present = true;
		pod->scheduled = strcmp(st, "True") == 0;
		free(pod->scheduled_reason);
		pod->scheduled_reason = jn_xstrdup(reason);
	}
	return 0;
}

int jn_pod_from_json(const json_t *obj, const struct jn_json_path *path, struct jn_pod *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (jn_json_expect_object(obj, path, err) < 0 ||
	    api_check_kind(obj, "Pod", path, err) < 0 ||
	    metadata_from_json(obj, path, out, err) < 0 ||
	    spec_from_json(obj, path, out, err) < 0 ||
	    status_from_json(obj, path, out, err) < 0) {
		jn_pod_release(out);
		return -1;
	}
	return 0;
}

bool jn_pod_is_daemonset(const struct jn_pod *pod)
{
	for (size_t i = 0; i < pod->n_owners; i++)
		if (pod->owners[i].controller && jn_str_eq(pod->owners[i].kind, "DaemonSet"))
			return true;
	return false;
}

bool jn_pod_do_not_disrupt(const struct jn_pod *pod)
{
	return jn_str_eq(jn_strmap_get(&pod->annotations, "karpenter.sh/do-not-disrupt"), "true");
}

char *jn_pod_key(const struct jn_pod *pod, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", pod->namespace_ ? pod->namespace_ : "",
		pod->name ? pod->name : "");
	return out;
}
