/*
 * EC2NodeClass selector terms into concrete subnets, security groups and an AMI (Karpenter's
 * subnet, securitygroup and amifamily providers). Terms are ORed: one Describe call per term,
 * results merged without duplicates; fields within a term are ANDed as filters of that call.
 */
#include <stdlib.h>
#include <string.h>

#include "ec2_internal.h"
#include "jitnode/clock.h"
#include "jitnode/error.h"
#include "jitnode/policy.h"

void ec2_resolved_release(struct ec2_resolved *r)
{
	for (size_t i = 0; i < r->n_subnets; i++) {
		free(r->subnets[i].id);
		free(r->subnets[i].zone);
	}
	free(r->subnets);
	for (size_t i = 0; i < r->n_security_groups; i++)
		free(r->security_groups[i]);
	free(r->security_groups);
	free(r->image_id);
	free(r->image_amd64);
	free(r->image_arm64);
	free(r->instance_profile);
	memset(r, 0, sizeof(*r));
}

void ec2_resolved_copy(struct ec2_resolved *dst, const struct ec2_resolved *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->n_subnets = src->n_subnets;
	dst->subnets = src->n_subnets ? jn_xcalloc(src->n_subnets, sizeof(*dst->subnets)) : NULL;
	for (size_t i = 0; i < src->n_subnets; i++) {
		dst->subnets[i] = src->subnets[i];
		dst->subnets[i].id = jn_xstrdup(src->subnets[i].id);
		dst->subnets[i].zone = jn_xstrdup(src->subnets[i].zone);
	}
	dst->n_security_groups = src->n_security_groups;
	dst->security_groups = src->n_security_groups
		? jn_xcalloc(src->n_security_groups, sizeof(char *)) : NULL;
	for (size_t i = 0; i < src->n_security_groups; i++)
		dst->security_groups[i] = jn_xstrdup(src->security_groups[i]);
	dst->image_id = jn_xstrdup(src->image_id);
	dst->image_amd64 = jn_xstrdup(src->image_amd64);
	dst->image_arm64 = jn_xstrdup(src->image_arm64);
	dst->instance_profile = jn_xstrdup(src->instance_profile);
}

#define RESOLVE_TTL_NS (60 * JN_NS_PER_SEC)

static void mix(uint64_t *h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : "\x01"); *p; p++)
		*h = (*h ^ *p) * UINT64_C(0x100000001b3);
	*h = (*h ^ 0xff) * UINT64_C(0x100000001b3);
}

static void mix_terms(uint64_t *h, const struct jn_selector_term *terms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct jn_selector_term *t = &terms[i];
		mix(h, t->id);
		mix(h, t->name);
		mix(h, t->owner);
		mix(h, t->alias);
		mix(h, t->ssm_parameter);
		for (size_t k = 0; k < t->tags.len; k++) {
			mix(h, t->tags.items[k].key);
			mix(h, t->tags.items[k].value);
		}
		mix(h, "|");
	}
	mix(h, "#");
}

static uint64_t terms_hash(const struct jn_ec2nodeclass *nc)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	mix_terms(&h, nc->subnet_terms, nc->n_subnet_terms);
	mix_terms(&h, nc->security_group_terms, nc->n_security_group_terms);
	mix_terms(&h, nc->ami_terms, nc->n_ami_terms);
	mix(&h, nc->role);
	mix(&h, nc->instance_profile);
	return h;
}

void ec2_resolve_cache_release(struct ec2_provider *p)
{
	for (size_t i = 0; i < p->n_resolved; i++) {
		free(p->resolved[i].nodeclass);
		ec2_resolved_release(&p->resolved[i].res);
	}
	free(p->resolved);
	p->resolved = NULL;
	p->n_resolved = p->cap_resolved = 0;
}

/* The cache entry of nc's name (lock held), or NULL. */
static struct ec2_resolve_cache *cache_entry(struct ec2_provider *p, const char *name)
{
	for (size_t i = 0; i < p->n_resolved; i++)
		if (strcmp(p->resolved[i].nodeclass, name) == 0)
			return &p->resolved[i];
	return NULL;
}

int ec2_add_tag_filters(struct jn_aws_query *q, int n, const struct jn_strmap *tags)
{
	for (size_t i = 0; i < tags->len; i++, n++) {
		const struct jn_kv *kv = &tags->items[i];
		if (strcmp(kv->value, "*") == 0) {
			jn_aws_query_addf(q, "tag-key", "Filter.%d.Name", n);
			jn_aws_query_addf(q, kv->key, "Filter.%d.Value.1", n);
		} else {
			char *name = jn_xasprintf("tag:%s", kv->key);
			jn_aws_query_addf(q, name, "Filter.%d.Name", n);
			jn_aws_query_addf(q, kv->value, "Filter.%d.Value.1", n);
			free(name);
		}
	}
	return n;
}

static int call(struct ec2_provider *p, struct jn_aws_query *q, struct jn_xml_node **root,
	struct jn_error *err)
{
	int rc = jn_aws_client_call(p->client, q, root, NULL, 0, err);
	jn_aws_query_release(q);
	return rc;
}

static int resolve_subnets(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	struct ec2_resolved *out, struct jn_error *err)
{
	size_t cap = 0;
	for (size_t t = 0; t < nc->n_subnet_terms; t++) {
		const struct jn_selector_term *term = &nc->subnet_terms[t];
		struct jn_aws_query q;
		jn_aws_query_init(&q, "DescribeSubnets", EC2_API_VERSION);
		jn_aws_query_add(&q, "SubnetId.1", term->id);
		ec2_add_tag_filters(&q, 1, &term->tags);
		struct jn_xml_node *root;
		if (call(p, &q, &root, err) < 0)
			return jn_error_prefix(err, "resolving subnets of nodeclass '%s'", nc->name);
		const struct jn_xml_node *set = jn_xml_child(root, "subnetSet");
		for (size_t i = 0; set && i < set->n_children; i++) {
			const char *id = jn_xml_text(set->children[i], "subnetId");
			const char *zone = jn_xml_text(set->children[i], "availabilityZone");
			const char *ips = jn_xml_text(set->children[i], "availableIpAddressCount");
			bool seen = !id || !zone;
			for (size_t k = 0; !seen && k < out->n_subnets; k++)
				seen = strcmp(out->subnets[k].id, id) == 0;
			if (seen)
				continue;
			struct ec2_subnet *s = JN_PUSH(out->subnets, out->n_subnets, cap);
			s->id = jn_xstrdup(id);
			s->zone = jn_xstrdup(zone);
			s->available_ips = ips ? strtol(ips, NULL, 10) : 0;
		}
		jn_xml_free(root);
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int resolve_security_groups(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	struct ec2_resolved *out, struct jn_error *err)
{
	size_t cap = 0;
	for (size_t t = 0; t < nc->n_security_group_terms; t++) {
		const struct jn_selector_term *term = &nc->security_group_terms[t];
		struct jn_aws_query q;
		jn_aws_query_init(&q, "DescribeSecurityGroups", EC2_API_VERSION);
		jn_aws_query_add(&q, "GroupId.1", term->id);
		int n = 1;
		if (term->name) {
			jn_aws_query_addf(&q, "group-name", "Filter.%d.Name", n);
			jn_aws_query_addf(&q, term->name, "Filter.%d.Value.1", n++);
		}
		ec2_add_tag_filters(&q, n, &term->tags);
		struct jn_xml_node *root;
		if (call(p, &q, &root, err) < 0)
			return jn_error_prefix(err, "resolving security groups of nodeclass '%s'",
				nc->name);
		const struct jn_xml_node *set = jn_xml_child(root, "securityGroupInfo");
		for (size_t i = 0; set && i < set->n_children; i++) {
			const char *id = jn_xml_text(set->children[i], "groupId");
			bool seen = !id;
			for (size_t k = 0; !seen && k < out->n_security_groups; k++)
				seen = strcmp(out->security_groups[k], id) == 0;
			if (!seen)
				*JN_PUSH(out->security_groups, out->n_security_groups, cap) = jn_xstrdup(id);
		}
		jn_xml_free(root);
	}
	if (out->n_security_groups > 1)
		qsort(out->security_groups, out->n_security_groups, sizeof(char *), str_cmp);
	return 0;
}

/* The newest image matching any term (Karpenter sorts by creation date, newest first). */
static int resolve_image(struct ec2_provider *p, const struct jn_ec2nodeclass *nc,
	struct ec2_resolved *out, struct jn_error *err)
{
	char *best_date = NULL;
	for (size_t t = 0; t < nc->n_ami_terms; t++) {
		const struct jn_selector_term *term = &nc->ami_terms[t];
		if (term->alias) {
			/* an alias is the only term (policy validation): it decides alone */
			if (p->alias_image_id) {
				free(out->image_id);
				out->image_id = jn_xstrdup(p->alias_image_id);
				break;
			}
			free(best_date);
			return ec2_resolve_alias(p, nc, term->alias, out, err);
		}
		if (term->ssm_parameter) {
			char *id = NULL;
			if (ec2_ssm_get(p, term->ssm_parameter, &id, err) < 0) {
				free(best_date);
				return jn_error_prefix(err, "resolving amis of nodeclass '%s'", nc->name);
			}
			if (!out->image_id)
				out->image_id = id;
			else
				free(id);
			continue;
		}
		if (term->id && !term->name && !term->owner && term->tags.len == 0) {
			if (!out->image_id)
				out->image_id = jn_xstrdup(term->id);
			continue;
		}
		struct jn_aws_query q;
		jn_aws_query_init(&q, "DescribeImages", EC2_API_VERSION);
		jn_aws_query_add(&q, "ImageId.1", term->id);
		jn_aws_query_add(&q, "Owner.1", term->owner);
		int n = 1;
		if (term->name) {
			jn_aws_query_addf(&q, "name", "Filter.%d.Name", n);
			jn_aws_query_addf(&q, term->name, "Filter.%d.Value.1", n++);
		}
		ec2_add_tag_filters(&q, n, &term->tags);
		struct jn_xml_node *root;
		if (call(p, &q, &root, err) < 0) {
			free(best_date);
			return jn_error_prefix(err, "resolving amis of nodeclass '%s'", nc->name);
		}
		const struct jn_xml_node *set = jn_xml_child(root, "imagesSet");
		for (size_t i = 0; set && i < set->n_children; i++) {
			const char *id = jn_xml_text(set->children[i], "imageId");
			const char *date = jn_xml_text(set->children[i], "creationDate");
			if (!id)
				continue;
			if (!date)
				date = "";
			if (!out->image_id || !best_date || strcmp(date, best_date) > 0) {
				free(out->image_id);
				free(best_date);
				out->image_id = jn_xstrdup(id);
				best_date = jn_xstrdup(date);
			}
		}
		jn_xml_free(root);
	}
	free(best_date);
	return 0;
}

int ec2_resolve(struct ec2_provider *p, const struct jn_ec2nodeclass *nc, struct ec2_resolved *out,
	struct jn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!nc)
		return jn_error_set(err, JN_ERR_NODECLASS_NOT_READY, "no nodeclass given");
	uint64_t hash = terms_hash(nc);
	int64_t now = jn_clock_mono_ns(p->clock);
	pthread_mutex_lock(&p->lock);
	struct ec2_resolve_cache *e = cache_entry(p, nc->name);
	bool hit = e && e->terms_hash == hash && now - e->at_mono_ns < RESOLVE_TTL_NS;
	if (hit)
		ec2_resolved_copy(out, &e->res);
	pthread_mutex_unlock(&p->lock);
	if (hit)
		return 0;
	if (resolve_subnets(p, nc, out, err) < 0 || resolve_security_groups(p, nc, out, err) < 0 ||
		resolve_image(p, nc, out, err) < 0)
		goto fail;
	if (out->n_subnets == 0) {
		jn_error_set(err, JN_ERR_NODECLASS_NOT_READY, "nodeclass '%s': no subnet matches",
			nc->name);
		goto fail;
	}
	if (out->n_security_groups == 0) {
		jn_error_set(err, JN_ERR_NODECLASS_NOT_READY,
			"nodeclass '%s': no security group matches", nc->name);
		goto fail;
	}
	if (!out->image_id) {
		jn_error_set(err, JN_ERR_NODECLASS_NOT_READY, "nodeclass '%s': no ami matches",
			nc->name);
		goto fail;
	}
	if (ec2_ensure_instance_profile(p, nc, &out->instance_profile, err) < 0)
		goto fail;
	pthread_mutex_lock(&p->lock);
	e = cache_entry(p, nc->name);
	if (!e) {
		e = JN_PUSH(p->resolved, p->n_resolved, p->cap_resolved);
		e->nodeclass = jn_xstrdup(nc->name);
	} else {
		ec2_resolved_release(&e->res);
	}
	e->terms_hash = hash;
	e->at_mono_ns = now;
	ec2_resolved_copy(&e->res, out);
	pthread_mutex_unlock(&p->lock);
	return 0;
fail:
	ec2_resolved_release(out);
	return -1;
}
