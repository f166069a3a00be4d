/*
 * jitnode's composition root: parses the command line, builds the objects each command needs,
 * wires the seams together, and runs. No other file chooses implementations.
 */
#include <stdio.h>
#include <string.h>

static int usage(FILE *out)
{
	fprintf(out,
		"usage: jitnode <command> [options]\n"
		"\n"
		"commands:\n"
		"  plan       what would be launched for given pods, nodes and policies\n"
		"  version    print the version\n");
	return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "version") == 0) {
		printf("jitnode 0.1.0\n");
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)
		return usage(stdout);
	fprintf(stderr, "jitnode: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
