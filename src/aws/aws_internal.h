#ifndef JITNODE_AWS_INTERNAL_H
#define JITNODE_AWS_INTERNAL_H

/* Helpers private to src/aws. */

#include "jitnode/aws.h"

/**
 * Reads key from [section] of an INI file (the AWS shared files: "key = value" lines, '#' and
 * ';' comments). *out is owned, or NULL when the file, the section or the key is missing.
 * Fails with JN_ERR_IO only when the file exists but cannot be read.
 */
int jn_aws_ini_get(const char *path, const char *section, const char *key, char **out,
	struct jn_error *err);

/** The config-file section of a profile: "default" or "profile <name>". Owned. */
char *jn_aws_config_section(const char *profile);

#endif
