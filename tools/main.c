// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * main() of the fibmirror tool, alone in its file so that everything else in
 * tools/ builds as a library (fibmirror_tools) that the fuzz targets link:
 * they run the same option parser, batch reader and subcommands on bytes
 * they make up, which a main() of their own could not share.
 */
#include "cli.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct cli c = {.out = stdout, .err = stderr};
	int i = cli_parse_globals(&c, argc, argv), rc;

	if (i < 0)
		return 1;
	if (c.version) {
		fprintf(c.out, "fibmirror %s\n", fm_version());
		return 0;
	}
	if (i >= argc && argc > 1 &&
	    (!strcmp(argv[argc - 1], "-h") || !strcmp(argv[argc - 1], "--help")))
		return cli_run(&c, 1, (char *[]){"help", NULL});
	if (c.batch && i < argc) {
		fprintf(c.err, "Error: -batch takes no command on the command line\n");
		return 1;
	}
	rc = c.batch ? batch_run(&c, c.batch, c.force) : cli_run(&c, argc - i, argv + i);
	fm_cache_free(c.cache);
	fm_mirror_free(c.m);
	fflush(stdout);
	return rc;
}
