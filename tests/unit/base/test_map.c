#include "jitnode/map.h"
#include "tap.h"

static void keeps_keys_sorted_and_replaces(void)
{
	struct jn_strmap m;
	jn_strmap_init(&m);
	jn_strmap_set(&m, "topology.kubernetes.io/zone", "us-east-1a");
	jn_strmap_set(&m, "kubernetes.io/arch", "amd64");
	jn_strmap_set(&m, "node.kubernetes.io/instance-type", "m5.large");
	jn_strmap_set(&m, "kubernetes.io/arch", "arm64");
	CHECK_INT_EQ(m.len, 3);
	CHECK_STR_EQ(m.items[0].key, "kubernetes.io/arch");
	CHECK_STR_EQ(m.items[1].key, "node.kubernetes.io/instance-type");
	CHECK_STR_EQ(m.items[2].key, "topology.kubernetes.io/zone");
	CHECK_STR_EQ(jn_strmap_get(&m, "kubernetes.io/arch"), "arm64");
	CHECK(jn_strmap_get(&m, "missing") == NULL);
	CHECK(jn_strmap_remove(&m, "node.kubernetes.io/instance-type"));
	CHECK(!jn_strmap_remove(&m, "node.kubernetes.io/instance-type"));
	CHECK_INT_EQ(m.len, 2);

	struct jn_strmap sub, copy;
	jn_strmap_init(&sub);
	jn_strmap_set(&sub, "kubernetes.io/arch", "arm64");
	CHECK(jn_strmap_contains_all(&m, &sub));
	jn_strmap_set(&sub, "kubernetes.io/arch", "amd64");
	CHECK(!jn_strmap_contains_all(&m, &sub));
	jn_strmap_copy(&copy, &m);
	jn_strmap_release(&m);
	CHECK_STR_EQ(jn_strmap_get(&copy, "topology.kubernetes.io/zone"), "us-east-1a");
	jn_strmap_release(&copy);
	jn_strmap_release(&sub);
}

int main(void)
{
	JN_RUN(keeps_keys_sorted_and_replaces);
	return jn_tap_done();
}
