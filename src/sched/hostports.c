/*
 * Host ports in use on a node, with kube-scheduler's NodePorts conflict rules. A node holds a
 * few host ports at most, so a flat array and a linear scan are the right structure.
 */
#include <stdlib.h>
#include <string.h>

#include "sched_internal.h"

#define WILDCARD_IP "0.0.0.0"

static const char *norm_ip(const char *ip)
{
	return ip && ip[0] ? ip : WILDCARD_IP;
}

static const char *norm_protocol(const char *p)
{
	return p && p[0] ? p : "TCP";
}

static bool conflicts(int32_t pa, const char *proto_a, const char *ip_a, int32_t pb,
	const char *proto_b, const char *ip_b)
{
	if (pa <= 0 || pa != pb || strcmp(proto_a, proto_b) != 0)
		return false;
	return strcmp(ip_a, WILDCARD_IP) == 0 || strcmp(ip_b, WILDCARD_IP) == 0 ||
		strcmp(ip_a, ip_b) == 0;
}

void jn_host_ports_init(struct jn_host_ports *hp)
{
	hp->items = NULL;
	hp->len = 0;
	hp->cap = 0;
}

void jn_host_ports_release(struct jn_host_ports *hp)
{
	for (size_t i = 0; i < hp->len; i++) {
		free(hp->items[i].host_ip);
		free(hp->items[i].protocol);
	}
	free(hp->items);
	jn_host_ports_init(hp);
}

void jn_host_ports_copy(struct jn_host_ports *dst, const struct jn_host_ports *src)
{
	jn_host_ports_init(dst);
	for (size_t i = 0; i < src->len; i++) {
		struct jn_host_port_use *u = JN_PUSH(dst->items, dst->len, dst->cap);
		u->host_ip = jn_xstrdup(src->items[i].host_ip);
		u->protocol = jn_xstrdup(src->items[i].protocol);
		u->port = src->items[i].port;
	}
}

bool jn_host_port_conflicts(const struct jn_host_port *a, const struct jn_host_port *b)
{
	return conflicts(a->port, norm_protocol(a->protocol), norm_ip(a->host_ip), b->port,
		norm_protocol(b->protocol), norm_ip(b->host_ip));
}

bool jn_host_ports_conflict(const struct jn_host_ports *hp, const struct jn_host_port *ports,
	size_t n, char *why, size_t why_size)
{
	for (size_t i = 0; i < n; i++) {
		const char *proto = norm_protocol(ports[i].protocol);
		const char *ip = norm_ip(ports[i].host_ip);
		for (size_t j = 0; j < hp->len; j++) {
			const struct jn_host_port_use *u = &hp->items[j];
			if (!conflicts(ports[i].port, proto, ip, u->port, u->protocol, u->host_ip))
				continue;
			sched_why(why, why_size, "host port %s:%d/%s conflicts with %s:%d/%s in use", ip,
				(int)ports[i].port, proto, u->host_ip, (int)u->port, u->protocol);
			return true;
		}
	}
	return false;
}

void jn_host_ports_add(struct jn_host_ports *hp, const struct jn_host_port *ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ports[i].port <= 0)
			continue;
		struct jn_host_port_use *u = JN_PUSH(hp->items, hp->len, hp->cap);
		u->host_ip = jn_xstrdup(norm_ip(ports[i].host_ip));
		u->protocol = jn_xstrdup(norm_protocol(ports[i].protocol));
		u->port = ports[i].port;
	}
}
