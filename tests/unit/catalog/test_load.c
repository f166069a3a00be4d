/*
 * jn_catalog_load_file: the data file loads into exactly the built-in snapshot (so the
 * compiled-in tables and the run-time loader cannot drift), small hand-written files load
 * with the documented defaults, and bad files fail with the file and the JSON path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jitnode/catalog.h"
#include "jitnode/error.h"
#include "tap.h"

#define MIB (INT64_C(1) << 20)

static char tmpdir[] = "/tmp/jn_catalog_test_XXXXXX";

/* Writes text to a fresh file under tmpdir; returns its owned path. */
static char *write_file(const char *name, const char *text)
{
	char *path = jn_xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static bool same_resources(const struct jn_resources *a, const struct jn_resources *b)
{
	if (a->cpu_milli != b->cpu_milli || a->memory != b->memory || a->pods != b->pods
		|| a->ephemeral_storage != b->ephemeral_storage || a->n_ext != b->n_ext)
		return false;
	for (size_t i = 0; i < a->n_ext; i++)
		if (strcmp(a->ext[i].name, b->ext[i].name) || a->ext[i].value != b->ext[i].value)
			return false;
	return true;
}

/* Empty string when equal, else the first difference. */
static const char *diff_type(const struct jn_instance_type *a, const struct jn_instance_type *b)
{
	if (strcmp(a->name, b->name) || strcmp(a->family, b->family) || strcmp(a->size, b->size)
		|| strcmp(a->category, b->category) || a->generation != b->generation)
		return "name parts";
	if (strcmp(a->arch, b->arch) || a->vcpu != b->vcpu || a->memory_mib != b->memory_mib
		|| strcmp(a->cpu_manufacturer, b->cpu_manufacturer)
		|| a->cpu_clock_mhz != b->cpu_clock_mhz || strcmp(a->hypervisor, b->hypervisor)
		|| a->bare_metal != b->bare_metal || a->burstable != b->burstable
		|| a->current_generation != b->current_generation
		|| a->encryption_in_transit != b->encryption_in_transit)
		return "specs";
	if (a->gpu.count != b->gpu.count || strcmp(a->gpu.name, b->gpu.name)
		|| strcmp(a->gpu.manufacturer, b->gpu.manufacturer)
		|| a->gpu.memory_mib != b->gpu.memory_mib || a->neuron.count != b->neuron.count
		|| strcmp(a->neuron.name, b->neuron.name) || a->neuron.cores_each != b->neuron.cores_each
		|| a->neuron.memory_mib != b->neuron.memory_mib)
		return "devices";
	if (a->local_nvme_gb != b->local_nvme_gb
		|| a->network_bandwidth_mbps != b->network_bandwidth_mbps
		|| a->ebs_bandwidth_mbps != b->ebs_bandwidth_mbps || a->max_enis != b->max_enis
		|| a->ipv4_per_eni != b->ipv4_per_eni || a->max_pods != b->max_pods)
		return "network";
	if (!same_resources(&a->capacity, &b->capacity)
		|| !same_resources(&a->allocatable, &b->allocatable)
		|| memcmp(&a->overhead, &b->overhead, sizeof(a->overhead)) != 0)
		return "resources";
	if (a->labels.len != b->labels.len)
		return "label count";
	for (size_t i = 0; i < a->labels.len; i++)
		if (strcmp(a->labels.items[i].key, b->labels.items[i].key)
			|| strcmp(a->labels.items[i].value, b->labels.items[i].value))
			return "labels";
	if (a->n_offerings != b->n_offerings)
		return "offering count";
	for (size_t i = 0; i < a->n_offerings; i++) {
		const struct jn_offering *x = &a->offerings[i], *y = &b->offerings[i];
		if (strcmp(x->zone, y->zone) || strcmp(x->zone_id, y->zone_id)
			|| x->capacity_type != y->capacity_type || x->price_source != y->price_source
			|| x->price != y->price || x->available != y->available)
			return "offerings";
	}
	return "";
}

static void data_file_equals_builtin(void)
{
	char *path = jn_test_source_path("src/catalog/data/ec2_instance_types.json");
	size_t n_regions;
	const char *const *regions = jn_catalog_builtin_regions(&n_regions);
	for (size_t r = 0; r < n_regions; r++) {
		struct jn_error err;
		jn_error_clear(&err);
		struct jn_catalog *built = jn_catalog_builtin(regions[r], NULL, &err);
		struct jn_catalog *loaded = jn_catalog_load_file(path, regions[r], NULL, &err);
		if (!CHECK(built && loaded)) {
			jn_tap_diag("%s", err.msg);
			jn_catalog_unref(built);
			jn_catalog_unref(loaded);
			continue;
		}
		CHECK(jn_catalog_check(loaded));
		CHECK_INT_EQ(jn_catalog_len(loaded), jn_catalog_len(built));
		size_t same = 0;
		for (size_t i = 0; i < jn_catalog_len(built) && i < jn_catalog_len(loaded); i++) {
			const char *d = diff_type(jn_catalog_at(built, i), jn_catalog_at(loaded, i));
			if (d[0] && same == i)
				jn_tap_diag("%s %s differs in %s", regions[r],
					jn_catalog_at(built, i)->name, d);
			same += d[0] == '\0';
		}
		CHECK_INT_EQ(same, jn_catalog_len(built));
		jn_catalog_unref(built);
		jn_catalog_unref(loaded);
	}
	free(path);
}

static const char small_catalog[] =
	"{\"instance_types\": {\n"
	" \"x9.large\": {\"arch\": [\"x86_64\"], \"vcpu\": 2, \"memory_mib\": 8192,\n"
	"  \"usage_classes\": [\"on-demand\", \"spot\", \"capacity-block\"],\n"
	"  \"max_enis_default_card\": 3, \"ipv4_per_eni\": 10,\n"
	"  \"regions\": {\"xx-test-1\": {\"zones\": [\"xx-test-1b\", \"xx-test-1a\"]}},\n"
	"  \"price_od_linux_usd_hr\": {\"us-east-1\": 0.2}},\n"
	" \"a9.large\": {\"arch\": [\"arm64\"], \"vcpu\": 1, \"memory_mib\": 2048,\n"
	"  \"usage_classes\": [\"on-demand\"], \"max_enis_default_card\": 2, \"ipv4_per_eni\": 4,\n"
	"  \"regions\": {\"xx-test-1\": {\"zones\": [\"xx-test-1a\"]}},\n"
	"  \"price_od_linux_usd_hr\": {\"xx-test-1\": 0.05}, \"gpu\": null}\n"
	"}}\n";

static void small_file_with_defaults(void)
{
	char *path = write_file("small.json", small_catalog);
	struct jn_error err;
	jn_error_clear(&err);
	struct jn_catalog *cat = jn_catalog_load_file(path, "xx-test-1", NULL, &err);
	if (!CHECK(cat != NULL)) {
		jn_tap_diag("%s", err.msg);
		goto out;
	}
	CHECK(jn_catalog_check(cat));
	CHECK_INT_EQ(jn_catalog_len(cat), 2);
	/* sorted by name whatever the file's order */
	const struct jn_instance_type *a = jn_catalog_at(cat, 0), *x = jn_catalog_at(cat, 1);
	CHECK_STR_EQ(a->name, "a9.large");
	CHECK_STR_EQ(x->name, "x9.large");
	/* a9.large: 1 vCPU: 1000 - 60 = 940m; pods 2*3+2 = 8; arm64: 2048-64 = 1984Mi,
	 * ceil(1984*0.075 = 148.8) = 149 -> 1835Mi; kube 11*8+255 = 343; 1835-343-100 = 1392Mi */
	CHECK_INT_EQ(a->allocatable.cpu_milli, 940);
	CHECK_INT_EQ(a->capacity.pods, 8);
	CHECK_INT_EQ(a->capacity.memory, 1835 * MIB);
	CHECK_INT_EQ(a->allocatable.memory, 1392 * MIB);
	/* its own region's list price; on-demand only; no zone-id mapping in the file */
	CHECK_INT_EQ(a->n_offerings, 1);
	CHECK_INT_EQ(a->offerings[0].price_source, JN_PRICE_LIST);
	CHECK_DBL_NEAR(a->offerings[0].price, 0.05, 1e-12);
	CHECK_STR_EQ(a->offerings[0].zone_id, "");
	/* optional members default: not burstable, current generation, no hypervisor label */
	CHECK(!a->burstable);
	CHECK(a->current_generation);
	CHECK(jn_strmap_get(&a->labels, JN_LABEL_INSTANCE_HYPERVISOR) == NULL);
	CHECK(jn_strmap_get(&a->labels, JN_LABEL_INSTANCE_CPU_MANUFACTURER) == NULL);
	/* x9.large: zones sorted, capacity-block ignored, us-east-1 price reused, spot 0.2*0.35 */
	CHECK_INT_EQ(x->n_offerings, 4);
	if (x->n_offerings == 4) {
		CHECK_STR_EQ(x->offerings[0].zone, "xx-test-1a");
		CHECK_INT_EQ(x->offerings[0].price_source, JN_PRICE_OTHER_REGION);
		CHECK_DBL_NEAR(x->offerings[0].price, 0.2, 1e-12);
		CHECK_STR_EQ(x->offerings[3].zone, "xx-test-1b");
		CHECK_INT_EQ(x->offerings[3].capacity_type, JN_CAPACITY_SPOT);
		CHECK_DBL_NEAR(x->offerings[3].price, 0.07, 1e-12);
	}

	size_t nz;
	const char *const *ids;
	const char *const *zones = jn_catalog_zones(cat, &ids, &nz);
	CHECK_INT_EQ(nz, 2);
	if (nz == 2) {
		CHECK_STR_EQ(zones[0], "xx-test-1a");
		CHECK_STR_EQ(zones[1], "xx-test-1b");
		CHECK_STR_EQ(ids[1], "");
	}
	jn_catalog_unref(cat);

	/* a region nothing is offered in */
	CHECK(jn_catalog_load_file(path, "us-east-1", NULL, &err) == NULL);
	CHECK_INT_EQ(err.kind, JN_ERR_NOT_FOUND);
	char *want = jn_xasprintf("loading catalog '%s': no instance type is offered in region "
		"'us-east-1'", path);
	CHECK_STR_EQ(err.msg, want);
	free(want);
out:
	unlink(path);
	free(path);
}

/*
 * Loads text and checks the error is JN_ERR_INVALID "loading catalog '<path>': <what>", or
 * only starts so when prefix (jansson words its own syntax errors).
 */
static void expect_error(const char *text, const char *what, bool prefix)
{
	char *path = write_file("bad.json", text);
	struct jn_error err;
	jn_error_clear(&err);
	struct jn_catalog *cat = jn_catalog_load_file(path, "xx-test-1", NULL, &err);
	CHECK(cat == NULL);
	jn_catalog_unref(cat);
	CHECK_INT_EQ(err.kind, JN_ERR_INVALID);
	char *want = jn_xasprintf("loading catalog '%s': %s", path, what);
	if (prefix)
		CHECK(jn_str_has_prefix(err.msg, want));
	else
		CHECK_STR_EQ(err.msg, want);
	free(want);
	unlink(path);
	free(path);
}

static void expect_invalid(const char *text, const char *what)
{
	expect_error(text, what, false);
}

#define TYPE_HEAD "{\"instance_types\": {\"m5.large\": {"
#define TYPE_OK_BASE "\"arch\": [\"x86_64\"], \"usage_classes\": [\"on-demand\"], " \
	"\"max_enis_default_card\": 3, \"ipv4_per_eni\": 10, "
#define TYPE_REGIONS "\"regions\": {\"xx-test-1\": {\"zones\": [\"xx-test-1a\"]}}"

static void bad_files_name_the_field(void)
{
	expect_invalid(TYPE_HEAD TYPE_OK_BASE "\"vcpu\": \"2\", \"memory_mib\": 8192, "
		TYPE_REGIONS "}}}",
		"instance_types.m5.large.vcpu: expected an integer, got a string");
	expect_invalid(TYPE_HEAD TYPE_OK_BASE "\"vcpu\": 0, \"memory_mib\": 8192, "
		TYPE_REGIONS "}}}",
		"instance_types.m5.large.vcpu: 0 is outside [1, 2147483647]");
	expect_invalid(TYPE_HEAD TYPE_OK_BASE "\"vcpu\": 2, \"memory_mib\": 8192}}}",
		"instance_types.m5.large.regions: is required");
	expect_invalid(TYPE_HEAD TYPE_OK_BASE "\"vcpu\": 2, \"memory_mib\": 8192, "
		"\"regions\": {\"xx-test-1\": {\"zones\": [\"xx-test-1a\", \"yy-test-2a\"]}}}}}",
		"instance_types.m5.large.regions.xx-test-1.zones[1]: zone 'yy-test-2a' is not in "
		"region 'xx-test-1'");
	expect_invalid(TYPE_HEAD TYPE_OK_BASE "\"vcpu\": 2, \"memory_mib\": 8192, " TYPE_REGIONS
		", \"price_od_linux_usd_hr\": {\"us-east-1\": -1}}}}",
		"instance_types.m5.large.price_od_linux_usd_hr.us-east-1: expected a positive number");
	expect_invalid(TYPE_HEAD TYPE_OK_BASE "\"vcpu\": 2, \"memory_mib\": 8192, " TYPE_REGIONS
		", \"gpu\": {\"count\": true}}}}",
		"instance_types.m5.large.gpu.count: expected an integer, got a boolean");
	expect_invalid(TYPE_HEAD "\"arch\": [], \"vcpu\": 2}}}",
		"instance_types.m5.large.arch: must not be empty");
	expect_invalid(TYPE_HEAD "\"arch\": [\"x86_64\", 64]}}}",
		"instance_types.m5.large.arch[1]: expected a string, got an integer");
	expect_invalid("{\"instance_types\": []}",
		"instance_types: expected an object, got an array");
	expect_invalid("{\"meta\": {\"zone_name_to_id_moto\": {\"r\": {\"z\": 1}}}, "
		"\"instance_types\": {}}",
		"meta.zone_name_to_id_moto.r.z: expected a string, got an integer");
	expect_invalid("[1]", "expected an object, got an array");
	/* the parser's own words after the position */
	expect_error("{\"instance_types\": {\"a\": {}, \"a\": {}}}", "line 1 column 32: duplicate",
		true);
	expect_error("{\"instance_types\": ", "line 1 column 19: ", true);
}

static void missing_file(void)
{
	struct jn_error err;
	CHECK(jn_catalog_load_file("/nonexistent/catalog.json", "us-east-1", NULL, &err) == NULL);
	CHECK_INT_EQ(err.kind, JN_ERR_IO);
	CHECK_STR_CONTAINS(err.msg, "'/nonexistent/catalog.json'");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	JN_RUN(data_file_equals_builtin);
	JN_RUN(small_file_with_defaults);
	JN_RUN(bad_files_name_the_field);
	JN_RUN(missing_file);
	rmdir(tmpdir);
	return jn_tap_done();
}
