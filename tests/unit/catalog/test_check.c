/*
 * jn_catalog_check is the oracle other tests lean on, so it must fail when an invariant
 * breaks: each case corrupts one thing in a private copy (jn_catalog_with_unavailable owns
 * its type and offering arrays), checks that the checker notices, and puts it back.
 */
#include <string.h>

#include "jitnode/catalog.h"
#include "jitnode/error.h"
#include "tap.h"

static struct jn_catalog *fresh_copy(struct jn_catalog *base)
{
	return jn_catalog_with_unavailable(base, NULL, 0);
}

/* The copy's own (mutable) view of a type; the catalog API hands out const pointers. */
static struct jn_instance_type *mut(struct jn_catalog *cat, const char *name)
{
	return (struct jn_instance_type *)jn_catalog_find(cat, name);
}

static void detects_each_broken_invariant(void)
{
	struct jn_error err;
	struct jn_catalog *base = jn_catalog_builtin("us-east-1", NULL, &err);
	if (!CHECK(base != NULL))
		return;
	struct jn_catalog *cat = fresh_copy(base);
	CHECK(jn_catalog_check(cat));
	struct jn_instance_type *it = mut(cat, "m5.large");
	struct jn_offering *offs = (struct jn_offering *)it->offerings;

	/* allocatable that does not follow from capacity - overhead */
	it->allocatable.memory -= 1;
	CHECK(!jn_catalog_check(cat));
	it->allocatable.memory += 1;
	it->overhead.kube_reserved.cpu_milli += 1;
	CHECK(!jn_catalog_check(cat));
	it->overhead.kube_reserved.cpu_milli -= 1;
	it->allocatable.pods += 1;
	CHECK(!jn_catalog_check(cat));
	it->allocatable.pods -= 1;
	it->capacity.cpu_milli = 3000;      /* not vcpu * 1000 */
	CHECK(!jn_catalog_check(cat));
	it->capacity.cpu_milli = 2000;
	CHECK(jn_catalog_check(cat));

	/* an available offering without a price; a spot price off the on-demand ratio */
	offs[0].price = 0;
	offs[0].price_source = JN_PRICE_NONE;
	CHECK(!jn_catalog_check(cat));
	offs[0].available = false;
	CHECK(!jn_catalog_check(cat));      /* the zone's spot estimate no longer follows */
	struct jn_offering spot = offs[1];
	offs[1].price = 0;
	offs[1].price_source = JN_PRICE_NONE;
	offs[1].available = false;
	CHECK(jn_catalog_check(cat));       /* unpriced and unavailable in both is consistent */
	offs[1] = spot;
	offs[0].price = 0.096;
	offs[0].price_source = JN_PRICE_LIST;
	offs[0].available = true;
	offs[1].price *= 2;
	CHECK(!jn_catalog_check(cat));
	offs[1].price /= 2;
	CHECK(jn_catalog_check(cat));

	/* offerings out of order, or in another region */
	struct jn_offering tmp = offs[0];
	offs[0] = offs[2];
	offs[2] = tmp;
	CHECK(!jn_catalog_check(cat));
	offs[2] = offs[0];
	offs[0] = tmp;
	const char *zone = offs[8].zone;
	offs[8].zone = "eu-west-1a";
	CHECK(!jn_catalog_check(cat));
	offs[8].zone = "us-east-1ez";  /* in order and in the region, but not one of its zones */
	CHECK(!jn_catalog_check(cat));
	offs[8].zone = zone;

	/* labels that disagree with the type (the labels are shared with base: restore) */
	struct jn_kv *kv = NULL;
	for (size_t i = 0; i < it->labels.len; i++)
		if (strcmp(it->labels.items[i].key, JN_LABEL_ARCH) == 0)
			kv = &it->labels.items[i];
	if (CHECK(kv != NULL)) {
		char *arch = kv->value;
		kv->value = (char *)"arm64";
		CHECK(!jn_catalog_check(cat));
		kv->value = arch;
	}
	size_t len = it->labels.len;
	it->labels.len = 0;                 /* no instance-type label */
	CHECK(!jn_catalog_check(cat));
	it->labels.len = len;

	/* types out of name order */
	struct jn_instance_type *a = mut(cat, "a1.2xlarge"), *b = mut(cat, "a1.4xlarge");
	struct jn_instance_type swap = *a;
	*a = *b;
	*b = swap;
	CHECK(!jn_catalog_check(cat));
	swap = *a;
	*a = *b;
	*b = swap;
	CHECK(jn_catalog_check(cat));
	CHECK(jn_catalog_check(base));
	CHECK(!jn_catalog_check(NULL));
	jn_catalog_unref(cat);
	jn_catalog_unref(base);
}

int main(void)
{
	JN_RUN(detects_each_broken_invariant);
	return jn_tap_done();
}
