/*
 * A tiny driver of the EC2 provider for tests/integration/test_ec2_*.py (moto on loopback,
 * optionally behind the fault proxy). Not a unit test: it reads the AWS environment like main
 * does (jn_aws_options_from_env(environ)) and prints one JSON object per command on stdout.
 *
 *   ec2_driver [options] launch CLAIM POOL TYPE:ZONE:CAPACITY:PRICE[,...]
 *   ec2_driver [options] get PROVIDER_ID | delete PROVIDER_ID | list | creds
 *   ec2_driver [options] catalog TYPE...   (the catalog refreshed from EC2: TYPE's offerings)
 *   ec2_driver [options] drift PROVIDER_ID (is_drifted against the node class of the options)
 * options: --cluster NAME (itest)  --subnet-ids ID,ID  --subnet-tag KEY=VALUE
 *          --sg-name NAME (default)  --ami ID (ami-760aaa0f)  --timeout-ms N  --max-attempts N
 *          --repeat N (launch: run it N times in this process, the last answer printed)
 *          --ami-alias ALIAS  --ami-ssm PARAMETER (AMI term through SSM, instead of --ami)
 *          --k8s-version V (1.31)  --role NAME (node class role: an instance profile is made)
 *          --user-data TEXT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jitnode/aws.h"
#include "jitnode/catalog.h"
#include "jitnode/clock.h"
#include "jitnode/cloud.h"
#include "jitnode/ec2.h"
#include "jitnode/log.h"
#include "jitnode/policy.h"

extern char **environ;

struct args {
	const char *cluster, *subnet_ids, *subnet_tag, *sg_name, *ami, *ami_alias, *ami_ssm;
	const char *k8s_version, *role, *user_data;
	long timeout_ms, max_attempts, repeat;
	int argc;
	char **argv;
};

static int usage(void)
{
	fprintf(stderr, "usage: ec2_driver [options] launch|get|delete|list|creds ...\n");
	return 2;
}

static json_t *instance_json(const struct jn_instance *in)
{
	json_t *tags = json_object();
	for (size_t i = 0; i < in->tags.len; i++)
		json_object_set_new(tags, in->tags.items[i].key, json_string(in->tags.items[i].value));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}",
		"provider_id", in->provider_id, "instance_id", in->instance_id,
		"instance_type", in->instance_type, "zone", in->zone,
		"capacity_type", jn_capacity_type_name(in->capacity_type),
		"private_dns_name", in->private_dns_name ? in->private_dns_name : "",
		"image_id", in->image_id ? in->image_id : "",
		"state", jn_instance_state_name(in->state),
		"launch_time_s", (json_int_t)(in->launch_time_wall_ns / JN_NS_PER_SEC), "tags", tags);
}

static void print(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\n", s);
	free(s);
	json_decref(obj);
}

static json_t *error_json(const struct jn_error *err)
{
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "kind", jn_error_kind_name(err->kind),
		"error", err->msg);
}

static void fill_nodeclass(struct jn_ec2nodeclass *nc, const struct args *a)
{
	memset(nc, 0, sizeof(*nc));
	nc->name = jn_xstrdup("default");
	jn_strmap_init(&nc->tags);
	/* One term per subnet id (terms are ORed), or one tag term. */
	char *ids = jn_xstrdup(a->subnet_ids ? a->subnet_ids : "");
	size_t cap = 0;
	for (char *save, *tok = strtok_r(ids, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct jn_selector_term *t = JN_PUSH(nc->subnet_terms, nc->n_subnet_terms, cap);
		memset(t, 0, sizeof(*t));
		jn_strmap_init(&t->tags);
		t->id = jn_xstrdup(tok);
	}
	free(ids);
	if (a->subnet_tag) {
		struct jn_selector_term *t = JN_PUSH(nc->subnet_terms, nc->n_subnet_terms, cap);
		memset(t, 0, sizeof(*t));
		jn_strmap_init(&t->tags);
		char *kv = jn_xstrdup(a->subnet_tag), *eq = strchr(kv, '=');
		if (eq) {
			*eq = '\0';
			jn_strmap_set(&t->tags, kv, eq + 1);
		}
		free(kv);
	}
	nc->security_group_terms = jn_xcalloc(1, sizeof(*nc->security_group_terms));
	nc->n_security_group_terms = 1;
	jn_strmap_init(&nc->security_group_terms[0].tags);
	nc->security_group_terms[0].name = jn_xstrdup(a->sg_name);
	nc->ami_terms = jn_xcalloc(1, sizeof(*nc->ami_terms));
	nc->n_ami_terms = 1;
	jn_strmap_init(&nc->ami_terms[0].tags);
	if (a->ami_alias)
		nc->ami_terms[0].alias = jn_xstrdup(a->ami_alias);
	else if (a->ami_ssm)
		nc->ami_terms[0].ssm_parameter = jn_xstrdup(a->ami_ssm);
	else
		nc->ami_terms[0].id = jn_xstrdup(a->ami);
	nc->role = a->role ? jn_xstrdup(a->role) : NULL;
	nc->user_data = a->user_data ? jn_xstrdup(a->user_data) : NULL;
	nc->metadata_options = (struct jn_metadata_options){ .http_endpoint_enabled = true,
		.http_put_response_hop_limit = 2, .http_tokens_required = true };
}

/* "m5.large:us-east-1a:on-demand:0.096,..." (strings point into spec, which is modified). */
static size_t parse_offerings(char *spec, struct jn_launch_offering *out, size_t max)
{
	size_t n = 0;
	for (char *save, *tok = strtok_r(spec, ",", &save); tok && n < max;
		tok = strtok_r(NULL, ",", &save)) {
		char *f[4] = { 0 };
		int k = 0;
		for (char *s2, *p = strtok_r(tok, ":", &s2); p && k < 4; p = strtok_r(NULL, ":", &s2))
			f[k++] = p;
		if (k != 4 || jn_capacity_type_parse(f[2], &out[n].capacity_type) < 0)
			return 0;
		out[n].instance_type = f[0];
		out[n].zone = f[1];
		out[n].price = atof(f[3]);
		n++;
	}
	return n;
}

static json_t *unavailable_json(struct jn_cloud_provider *cp, const struct jn_launch_offering *offs,
	size_t n)
{
	json_t *arr = json_array();
	struct jn_catalog *cat = jn_cloud_instance_types(cp, NULL, NULL);
	for (size_t i = 0; cat && i < n; i++) {
		const struct jn_instance_type *it = jn_catalog_find(cat, offs[i].instance_type);
		const struct jn_offering *o = it ? jn_instance_type_offering(it, offs[i].zone,
			offs[i].capacity_type) : NULL;
		if (o && !o->available)
			json_array_append_new(arr, json_pack("[s,s,s]", offs[i].instance_type, offs[i].zone,
				jn_capacity_type_name(offs[i].capacity_type)));
	}
	jn_catalog_unref(cat);
	return arr;
}

/* {"ok", "types": N, "available": N, "offerings": {TYPE: [[zone, capacity, price, source,
 * available], ...]}} for the types named after the command. */
static json_t *catalog_json(struct jn_cloud_provider *cp, const struct args *a)
{
	struct jn_catalog *cat = jn_cloud_instance_types(cp, NULL, NULL);
	json_t *offs = json_object();
	size_t available = 0;
	for (size_t i = 0; i < jn_catalog_len(cat); i++) {
		const struct jn_instance_type *it = jn_catalog_at(cat, i);
		for (size_t k = 0; k < it->n_offerings; k++)
			available += it->offerings[k].available;
	}
	for (int i = 1; i < a->argc; i++) {
		const struct jn_instance_type *it = jn_catalog_find(cat, a->argv[i]);
		json_t *arr = json_array();
		for (size_t k = 0; it && k < it->n_offerings; k++) {
			const struct jn_offering *o = &it->offerings[k];
			json_array_append_new(arr, json_pack("[s,s,f,s,b]", o->zone,
				jn_capacity_type_name(o->capacity_type), o->price,
				jn_price_source_name(o->price_source), o->available));
		}
		json_object_set_new(offs, a->argv[i], arr);
	}
	json_t *out = json_pack("{s:b, s:I, s:I, s:o}", "ok", 1,
		"types", (json_int_t)jn_catalog_len(cat), "available", (json_int_t)available,
		"offerings", offs);
	jn_catalog_unref(cat);
	return out;
}

static int run(const struct args *a, struct jn_aws_options *opts, struct jn_logger *log)
{
	const char *cmd = a->argv[0];
	struct jn_aws_transport *t = jn_aws_transport_curl_create();
	struct jn_aws_credentials_provider *creds = jn_aws_credentials_provider_create(opts, t,
		jn_clock_real(), log);
	char *endpoint = jn_aws_options_endpoint(opts, "ec2");
	struct jn_aws_client_config cfg = { .service = "ec2",
		.region = opts->region ? opts->region : "us-east-1", .endpoint = endpoint,
		.timeout_ms = a->timeout_ms, .max_attempts = (int)a->max_attempts,
		.base_delay_ns = 50 * JN_NS_PER_MS, .max_delay_ns = JN_NS_PER_SEC };
	if (!cfg.max_attempts)
		cfg.max_attempts = opts->max_attempts;
	struct jn_aws_client *client = jn_aws_client_create(&cfg, t, creds, jn_clock_real(), log);
	char *ssm_endpoint = jn_aws_options_endpoint(opts, "ssm");
	struct jn_aws_client_config ssm_cfg = cfg;
	ssm_cfg.service = "ssm";
	ssm_cfg.endpoint = ssm_endpoint;
	struct jn_aws_client *ssm = jn_aws_client_create(&ssm_cfg, t, creds, jn_clock_real(), log);
	/* IAM is global: signed for us-east-1 whatever the region */
	char *iam_endpoint = jn_aws_options_endpoint(opts, "iam");
	struct jn_aws_client_config iam_cfg = cfg;
	iam_cfg.service = "iam";
	iam_cfg.region = "us-east-1";
	iam_cfg.endpoint = iam_endpoint;
	struct jn_aws_client *iam = jn_aws_client_create(&iam_cfg, t, creds, jn_clock_real(), log);
	struct jn_ec2_options eo = { .cluster_name = a->cluster, .region = cfg.region,
		.discover_offerings = strcmp(cmd, "catalog") == 0, .kubernetes_version = a->k8s_version,
		.ssm_client = ssm, .iam_client = iam };
	struct jn_error err;
	struct jn_cloud_provider *cp = jn_ec2_provider_create(&eo, client, jn_clock_real(), log, &err);
	int rc = 1;
	if (!cp) {
		print(error_json(&err));
		goto done;
	}
	if (strcmp(cmd, "creds") == 0) {
		struct jn_aws_credentials c;
		if (jn_aws_credentials_get(creds, &c, &err) < 0) {
			print(error_json(&err));
			goto done;
		}
		print(json_pack("{s:b, s:s, s:s, s:b}", "ok", 1, "source", c.source,
			"access_key_id", c.access_key_id, "session_token", c.session_token != NULL));
		jn_aws_credentials_release(&c);
		rc = 0;
	} else if (strcmp(cmd, "launch") == 0 && a->argc == 4) {
		struct jn_launch_offering offs[JN_LAUNCH_MAX_OFFERINGS];
		char *spec = jn_xstrdup(a->argv[3]);
		size_t n = parse_offerings(spec, offs, JN_LAUNCH_MAX_OFFERINGS);
		struct jn_ec2nodeclass nc;
		fill_nodeclass(&nc, a);
		struct jn_launch_request req = { .claim_name = a->argv[1], .nodepool_name = a->argv[2],
			.node_class_name = "default", .node_class = &nc, .offerings = offs, .n_offerings = n };
		struct jn_instance in;
		int lrc = 0;
		for (long i = 0; i < (a->repeat > 0 ? a->repeat : 1); i++) {
			if (i > 0 && lrc == 0)
				jn_instance_release(&in);
			lrc = jn_cloud_create(cp, &req, &in, &err);
		}
		json_t *out = lrc == 0 ? json_pack("{s:b, s:o}", "ok", 1, "instance", instance_json(&in))
			: error_json(&err);
		struct jn_aws_client_stats st;
		jn_aws_client_stats(client, &st);
		json_object_set_new(out, "unavailable", unavailable_json(cp, offs, n));
		json_object_set_new(out, "attempts", json_integer((json_int_t)st.attempts));
		json_object_set_new(out, "retries", json_integer((json_int_t)st.retries));
		json_object_set_new(out, "offerings", json_integer((json_int_t)n));
		print(out);
		if (lrc == 0)
			jn_instance_release(&in);
		jn_ec2nodeclass_release(&nc);
		free(spec);
		rc = lrc == 0 ? 0 : 1;
	} else if ((strcmp(cmd, "get") == 0 || strcmp(cmd, "delete") == 0) && a->argc == 2) {
		struct jn_instance in;
		int r = cmd[0] == 'g' ? jn_cloud_get(cp, a->argv[1], &in, &err)
			: jn_cloud_delete(cp, a->argv[1], &err);
		if (r < 0) {
			print(error_json(&err));
		} else {
			print(cmd[0] == 'g' ? json_pack("{s:b, s:o}", "ok", 1, "instance", instance_json(&in))
				: json_pack("{s:b}", "ok", 1));
			if (cmd[0] == 'g')
				jn_instance_release(&in);
			rc = 0;
		}
	} else if (strcmp(cmd, "drift") == 0 && a->argc == 2) {
		struct jn_ec2nodeclass nc;
		fill_nodeclass(&nc, a);
		struct jn_drift_query q = { .provider_id = a->argv[1], .node_class = &nc };
		enum jn_drift_reason why;
		if (jn_cloud_is_drifted(cp, &q, &why, &err) < 0) {
			print(error_json(&err));
		} else {
			print(json_pack("{s:b, s:s}", "ok", 1, "reason", jn_drift_reason_name(why)));
			rc = 0;
		}
		jn_ec2nodeclass_release(&nc);
	} else if (strcmp(cmd, "catalog") == 0) {
		print(catalog_json(cp, a));
		rc = 0;
	} else if (strcmp(cmd, "list") == 0) {
		struct jn_instance_list list = { 0 };
		if (jn_cloud_list(cp, &list, &err) < 0) {
			print(error_json(&err));
		} else {
			json_t *arr = json_array();
			for (size_t i = 0; i < list.len; i++)
				json_array_append_new(arr, instance_json(&list.items[i]));
			print(json_pack("{s:b, s:o}", "ok", 1, "instances", arr));
			rc = 0;
		}
		jn_instance_list_release(&list);
	} else {
		rc = usage();
	}
done:
	jn_cloud_destroy(cp);
	jn_aws_client_destroy(client);
	jn_aws_client_destroy(ssm);
	jn_aws_client_destroy(iam);
	free(ssm_endpoint);
	free(iam_endpoint);
	jn_aws_credentials_provider_destroy(creds);
	jn_aws_transport_destroy(t);
	free(endpoint);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { .cluster = "itest", .sg_name = "default", .ami = "ami-760aaa0f",
		.k8s_version = "1.31",
		.timeout_ms = 5000 };
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *k = argv[i] + 2, *v = argv[i + 1];
		if (strcmp(k, "cluster") == 0) a.cluster = v;
		else if (strcmp(k, "subnet-ids") == 0) a.subnet_ids = v;
		else if (strcmp(k, "subnet-tag") == 0) a.subnet_tag = v;
		else if (strcmp(k, "sg-name") == 0) a.sg_name = v;
		else if (strcmp(k, "ami") == 0) a.ami = v;
		else if (strcmp(k, "timeout-ms") == 0) a.timeout_ms = atol(v);
		else if (strcmp(k, "max-attempts") == 0) a.max_attempts = atol(v);
		else if (strcmp(k, "repeat") == 0) a.repeat = atol(v);
		else if (strcmp(k, "ami-alias") == 0) a.ami_alias = v;
		else if (strcmp(k, "ami-ssm") == 0) a.ami_ssm = v;
		else if (strcmp(k, "k8s-version") == 0) a.k8s_version = v;
		else if (strcmp(k, "role") == 0) a.role = v;
		else if (strcmp(k, "user-data") == 0) a.user_data = v;
		else return usage();
	}
	if (i >= argc)
		return usage();
	a.argc = argc - i;
	a.argv = argv + i;
	struct jn_aws_options opts;
	struct jn_error err;
	if (jn_aws_options_from_env(&opts, environ, &err) < 0) {
		print(error_json(&err));
		return 1;
	}
	struct jn_logger *log = jn_logger_create(stderr, JN_LOG_DEBUG, JN_LOG_FORMAT_TEXT,
		jn_clock_real());
	int rc = run(&a, &opts, log);
	jn_logger_destroy(log);
	jn_aws_options_release(&opts);
	return rc;
}
