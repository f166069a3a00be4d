/*
 * The built-in catalog: data/ec2_instance_types.json, compiled into C tables by
 * gen_builtin.py (see meson.build), built into a snapshot on request. Nothing is parsed at
 * run time, so a snapshot of a whole region costs only the builder's arithmetic.
 */
#include <string.h>

#include "jitnode/error.h"

#include "catalog_internal.h"

static const char *const builtin_regions[] = { "us-east-1", "us-west-2", "eu-west-1" };

const char *const *jn_catalog_builtin_regions(size_t *n)
{
	*n = JN_ARRAY_LEN(builtin_regions);
	return builtin_regions;
}

struct jn_catalog *jn_catalog_builtin(const char *region, const struct jn_catalog_options *options,
	struct jn_error *err)
{
	bool known = false;
	for (size_t i = 0; i < JN_ARRAY_LEN(builtin_regions); i++)
		known = known || strcmp(builtin_regions[i], region) == 0;
	if (!known) {
		jn_error_set(err, JN_ERR_NOT_FOUND,
			"region '%s' is not in the built-in catalog (us-east-1, us-west-2, eu-west-1)",
			region);
		return NULL;
	}
	return catalog_build(&catalog_builtin_data, NULL, region, options, err);
}
