#ifndef JITNODE_SIM_H
#define JITNODE_SIM_H

/*
 * The simulated cloud: a provider over the built-in catalog that launches instances in memory.
 * It is what `jitnode simulate` and most unit tests run on, so it is deterministic: under the
 * same seed, the same calls give the same instance ids, the same injected capacity failures and
 * the same interruptions. Time (launch latency, ICE expiry) goes through the clock seam.
 *
 * Behaviour, matching the ec2 provider's contract (cloud.h):
 *   create    sleeps launch_latency_ns, then tries the request's offerings in order (spot ones
 *             only when any is spot); an offering missing from the catalog, unavailable, marked
 *             in the ICE cache, or failing the ice_probability draw is skipped, and the draw's
 *             failure marks it for 3 minutes. Launching a claim that already has a live
 *             instance returns that instance (the ClientToken rule).
 *   delete    terminates at once; JN_ERR_NOT_FOUND once terminated or unknown.
 *   get/list  live (not terminated) instances only.
 *
 * Besides the constructor, sim.h exports a few controls: the simulation driver scripts the
 * world through them (Karpenter's fake cloud provider has the same knobs).
 */

#include <stddef.h>
#include <stdint.h>

#include "jitnode/catalog.h"

struct jn_clock;
struct jn_cloud_provider;
struct jn_error;
struct jn_instance_list;
struct jn_logger;

struct jn_sim_options {
	const char *region;                     /* a built-in region; NULL means "us-east-1" */
	const char *cluster_name;               /* tags kubernetes.io/cluster/<name>; NULL "sim" */
	uint64_t seed;                          /* instance ids and every random draw */
	int64_t launch_latency_ns;              /* slept through the clock in each create */
	double ice_probability;                 /* chance an offering is out of capacity, 0..1 */
	const struct jn_catalog_options *catalog_options;   /* NULL: defaults */
};

/**
 * Creates the simulated provider. Fails with the catalog's error for an unknown region, or
 * JN_ERR_INVALID for an ice_probability outside 0..1. clock is borrowed; log may be NULL.
 * Owned: jn_cloud_destroy.
 */
struct jn_cloud_provider *jn_sim_provider_create(const struct jn_sim_options *options,
	const struct jn_clock *clock, struct jn_logger *log, struct jn_error *err);

/** The next n create calls fail with JN_ERR_THROTTLED (before any capacity is used). */
void jn_sim_throttle_next(struct jn_cloud_provider *cp, unsigned n);

/** Marks one offering out of capacity for 3 minutes (zone NULL: all zones of the type). */
void jn_sim_mark_unavailable(struct jn_cloud_provider *cp, const struct jn_offering_key *key);

/**
 * Interrupts each live spot instance with the given probability (a seeded draw per instance,
 * in launch order): it becomes terminated and is appended to out (owned by the caller), as a
 * spot interruption notice would report it. Returns how many were interrupted.
 */
size_t jn_sim_interrupt_spot(struct jn_cloud_provider *cp, double probability,
	struct jn_instance_list *out);

#endif
