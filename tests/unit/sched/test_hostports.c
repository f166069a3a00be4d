#include "sched_test.h"

#define HP(p, proto, ip) { .port = (p), .protocol = (char *)(proto), .host_ip = (char *)(ip) }

/* kube-scheduler's NodePorts rules: protocol and port equal, IPs equal or one is 0.0.0.0. */
static void detects_conflicts(void)
{
	static const struct {
		struct jn_host_port a, b;
		bool want;
	} cases[] = {
		{ HP(80, "TCP", "0.0.0.0"), HP(80, "TCP", "10.0.0.1"), true },
		{ HP(80, "TCP", "10.0.0.1"), HP(80, "TCP", "0.0.0.0"), true },
		{ HP(80, "TCP", "10.0.0.1"), HP(80, "TCP", "10.0.0.1"), true },
		{ HP(80, "TCP", "10.0.0.1"), HP(80, "TCP", "10.0.0.2"), false },
		{ HP(80, "UDP", "0.0.0.0"), HP(80, "TCP", "0.0.0.0"), false },
		{ HP(80, "SCTP", "0.0.0.0"), HP(80, "SCTP", "0.0.0.0"), true },
		{ HP(80, "TCP", "0.0.0.0"), HP(81, "TCP", "0.0.0.0"), false },
		/* defaults: protocol TCP, host IP 0.0.0.0 */
		{ HP(80, "", ""), HP(80, "TCP", "10.0.0.1"), true },
		{ HP(80, NULL, NULL), HP(80, "UDP", "10.0.0.1"), false },
		/* only the IPv4 wildcard is a wildcard, as in kube-scheduler */
		{ HP(80, "TCP", "::"), HP(80, "TCP", "10.0.0.1"), false },
		{ HP(80, "TCP", "::"), HP(80, "TCP", "::"), true },
		/* no host port at all */
		{ HP(0, "TCP", "0.0.0.0"), HP(0, "TCP", "0.0.0.0"), false },
	};
	for (size_t i = 0; i < JN_ARRAY_LEN(cases); i++) {
		char ctx[32];
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		CASE_INT_EQ(ctx, jn_host_port_conflicts(&cases[i].a, &cases[i].b), cases[i].want);
		CASE_INT_EQ(ctx, jn_host_port_conflicts(&cases[i].b, &cases[i].a), cases[i].want);
	}
}

static void tracks_a_nodes_ports(void)
{
	struct jn_host_ports hp, copy;
	struct jn_host_port first[] = { HP(8080, "TCP", "10.0.0.1"), HP(53, "UDP", NULL),
		HP(0, "TCP", NULL) };
	struct jn_host_port wild[] = { HP(9090, NULL, NULL), HP(8080, "", "") };
	struct jn_host_port other_ip[] = { HP(8080, "TCP", "10.0.0.2"), HP(53, "TCP", NULL) };
	char why[128] = "untouched";
	jn_host_ports_init(&hp);
	CHECK(!jn_host_ports_conflict(&hp, first, 3, why, sizeof(why)));
	jn_host_ports_add(&hp, first, 3);
	CHECK_INT_EQ(hp.len, 2);
	CHECK_STR_EQ(hp.items[1].host_ip, "0.0.0.0");
	CHECK_STR_EQ(hp.items[1].protocol, "UDP");
	CHECK(!jn_host_ports_conflict(&hp, other_ip, 2, why, sizeof(why)));
	CHECK_STR_EQ(why, "untouched");
	CHECK(jn_host_ports_conflict(&hp, wild, 2, why, sizeof(why)));
	CHECK_STR_EQ(why, "host port 0.0.0.0:8080/TCP conflicts with 10.0.0.1:8080/TCP in use");
	jn_host_ports_copy(&copy, &hp);
	jn_host_ports_release(&hp);
	CHECK(jn_host_ports_conflict(&copy, wild, 2, NULL, 0));
	jn_host_ports_add(&copy, other_ip, 2);
	CHECK_INT_EQ(copy.len, 4);
	jn_host_ports_release(&copy);
	CHECK_INT_EQ(copy.len, 0);
}

int main(void)
{
	JN_RUN(detects_conflicts);
	JN_RUN(tracks_a_nodes_ports);
	return jn_tap_done();
}
