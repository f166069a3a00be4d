/*
 * Serves the extender over a fixed fake cluster for tests/wire, the check against the Go types of
 * k8s.io/kube-scheduler/extender/v1. Prints the port on stdout, serves until stdin closes.
 * Cluster: n-ok (4 cpu, 8Gi; 1 cpu and 2Gi requested), n-marked (being removed). A bind of a pod
 * whose UID is "conflict" fails as a 409 would.
 */
#include <stdio.h>
#include <string.h>

#include "jitnode/error.h"
#include "jitnode/extender.h"
#include "jitnode/http.h"

#define GIB (INT64_C(1) << 30)

static void lookup(struct jn_extender_backend *b, const char *name, struct jn_extender_node *out)
{
	if (strcmp(name, "n-ok") == 0 || strcmp(name, "a") == 0) {
		*out = (struct jn_extender_node){ .known = true, .allocatable_cpu_milli = 4000,
			.allocatable_memory = 8 * GIB, .requested_cpu_milli = 1000,
			.requested_memory = 2 * GIB };
	} else if (strcmp(name, "n-marked") == 0) {
		*out = (struct jn_extender_node){ .known = true, .removing = true,
			.reason = "consolidation is deleting it" };
	}
}

static int bind(struct jn_extender_backend *b, const char *ns, const char *name,
	const char *uid, const char *node, struct jn_error *err)
{
	if (strcmp(uid, "conflict") == 0)
		return jn_error_set(err, JN_ERR_CONFLICT, "Operation cannot be fulfilled on "
			"pods/binding \"%s\": pod %s is already assigned to node \"other\"", name, name);
	return 0;
}

static const struct jn_extender_backend_impl impl = { .lookup_node = lookup, .bind = bind };

int main(void)
{
	struct jn_extender_backend backend = { .impl = &impl };
	struct jn_extender *ext = jn_extender_create(&backend, NULL);
	struct jn_http_route routes[4];
	size_t n = jn_extender_routes(ext, routes, 4);
	struct jn_http_server_options opts = { .address = "127.0.0.1" };
	struct jn_error err;
	struct jn_http_server *srv = jn_http_server_start(&opts, routes, n, &err);
	if (!srv) {
		fprintf(stderr, "wire_server: %s\n", err.msg);
		jn_extender_destroy(ext);
		return 1;
	}
	printf("%u\n", (unsigned)jn_http_server_port(srv));
	fflush(stdout);
	char line[64];
	while (fgets(line, sizeof(line), stdin))
		;
	jn_http_server_stop(srv);
	jn_extender_destroy(ext);
	return 0;
}
