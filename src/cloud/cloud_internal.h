#ifndef JITNODE_CLOUD_INTERNAL_H
#define JITNODE_CLOUD_INTERNAL_H

/* Helpers shared by the providers under src/cloud (not part of the public seam). */

#include <stddef.h>
#include <stdint.h>

#include "jitnode/catalog.h"
#include "jitnode/cloud.h"

struct jn_clock;

/*
 * The ICE cache (Karpenter's UnavailableOfferings): (instance type, zone, capacity type)
 * triples that answered "insufficient capacity", each unavailable until its TTL passes on the
 * monotonic clock. Thread-safe. Caller-allocated: init/release.
 */
struct jn_ice_entry {
	char *instance_type;
	char *zone;
	enum jn_capacity_type capacity_type;
	int64_t expires_mono_ns;
	char *reason;               /* the EC2 error code */
};

struct jn_ice_cache;

/** Default TTL: 3 minutes, as Karpenter's. */
#define JN_ICE_TTL_NS (INT64_C(180) * 1000000000)

struct jn_ice_cache *jn_ice_cache_create(const struct jn_clock *clock, int64_t ttl_ns);
void jn_ice_cache_destroy(struct jn_ice_cache *ice);
/** Marks the triple unavailable for the TTL from now (refreshing an existing mark). */
void jn_ice_cache_mark(struct jn_ice_cache *ice, const char *instance_type, const char *zone,
	enum jn_capacity_type capacity_type, const char *reason);
/** Whether the triple is marked and the mark has not expired. */
bool jn_ice_cache_has(struct jn_ice_cache *ice, const char *instance_type, const char *zone,
	enum jn_capacity_type capacity_type);
/** Live marks (expired ones are dropped first). Owned copy: jn_ice_cache_entries_free. */
size_t jn_ice_cache_entries(struct jn_ice_cache *ice, struct jn_ice_entry **out);
void jn_ice_cache_entries_free(struct jn_ice_entry *entries, size_t n);
/** base with the live marks applied (jn_catalog_with_unavailable). New reference. */
struct jn_catalog *jn_ice_cache_apply(struct jn_ice_cache *ice, const struct jn_catalog *base);

/**
 * The offerings a launch tries, in order: the spot ones when any is spot (Karpenter launches
 * spot whenever the claim allows it), else all; each not marked in ice. Writes indexes into
 * req->offerings to idx (capacity JN_LAUNCH_MAX_OFFERINGS) and returns how many.
 */
size_t jn_launch_candidates(const struct jn_launch_request *req, struct jn_ice_cache *ice,
	size_t *idx);

#endif
