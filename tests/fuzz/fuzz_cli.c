// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fuzz_cli - the tool's command line and -batch lines, against an
 * offline mirror.
 *
 * Input: text lines. The first line is a command line after the program name
 * (`-4 -j get 192.0.2.1 mark 7`), split as -batch splits a line: its global
 * options go through cli_parse_globals() as main() parses argv, and a command
 * left after them runs with cli_run() as main() runs it. The lines after it
 * run through batch_lines() with -force, as `fibmirror GLOBALS -batch -
 * -force` reads them from standard input, so each line is tried whatever the
 * previous one did.
 *
 * The mirror is loaded once from FM_FUZZ_STATE (a snapshot with links,
 * addresses, rules, nexthops and routes of both families), with the flow
 * cache `get` answers through, and every input runs as `--file` would:
 * offline, never asking a daemon. c->sandbox refuses the commands that act
 * outside the process (save, daemon, bench, monitor, verify). Output goes to
 * /dev/null; FM_FUZZ_VERBOSE=1 in the environment shows it, to see what a
 * corpus file does.
 */
#include "cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static struct fm_mirror *mirror;
static struct fm_cache *cache;
static FILE *sink_out, *sink_err;

/* The mirror and the output streams, once per process. */
static void setup(void)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	const char *v = getenv("FM_FUZZ_VERBOSE");
	char err[256];

	if (mirror)
		return;
	if (fm_mirror_open_file(FM_FUZZ_STATE, &o, &mirror, err, sizeof(err))) {
		fprintf(stderr, "fuzz_cli: cannot load %s: %s\n", FM_FUZZ_STATE, err);
		abort();
	}
	/* The cache `get` would make on first use, made once: a new one for every
	 * input costs more than most inputs (ASan quarantines its memory). */
	if (fm_cache_new(mirror, NULL, &cache))
		abort();
	if (v && !strcmp(v, "1")) {
		sink_out = stdout;
		sink_err = stderr;
	} else {
		sink_out = sink_err = fopen("/dev/null", "w");
		if (!sink_out)
			abort();
	}
}

/* The options every input starts from, and keeps whatever its globals say:
 * the loaded mirror, no daemon, no side effects. */
static void confine(struct cli *c)
{
	c->m = mirror;
	c->cache = cache;
	c->file = FM_FUZZ_STATE;
	c->no_daemon = true;
	c->sandbox = true;
	c->out = sink_out;
	c->err = sink_err;
}

/* The first @len bytes as main() takes a command line. Return false where
 * main() would stop before reading a batch. */
static bool command_line(struct cli *c, const uint8_t *data, size_t len)
{
	char *line = strndup((const char *)data, len);
	char *argv[MAX_WORDS + 2] = {"fibmirror"};
	int argc, i;
	bool go_on = false;

	if (!line)
		return false;
	argc = batch_split(line, argv + 1, MAX_WORDS);
	if (argc >= 0) {
		argc++;
		argv[argc] = NULL;
		i = cli_parse_globals(c, argc, argv);
		confine(c); /* whatever -n, --file or -batch said */
		go_on = i >= 0 && !c->version;
		if (go_on && i < argc)
			cli_run(c, argc - i, argv + i);
	}
	free(line);
	return go_on;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const uint8_t *nl = len ? memchr(data, '\n', len) : NULL;
	size_t first = nl ? (size_t)(nl - data) : len;
	struct cli c = {0};
	unsigned long lineno = 1;
	FILE *in;

	setup();
	confine(&c);
	if (command_line(&c, data, first) && first + 1 < len) {
		in = fmemopen((void *)(data + first + 1), len - first - 1, "r");
		if (in) {
			batch_lines(&c, in, "-", &lineno, true);
			fclose(in);
		}
	}
	fflush(c.out);
	fflush(c.err);
	return 0;
}
