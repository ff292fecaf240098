// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fuzz_control - the daemon's control-socket protocol, from a hostile
 * client.
 *
 * Input: the bytes one client writes to the control socket, any number of
 * requests ("FMQ2", length, family, flags, argc, NUL-terminated words; -batch
 * chunks). They go through daemon_serve_buffer(), which is the daemon's own
 * framing, request parsing and dispatch (tools/daemon.c), with no socket.
 *
 * The daemon's state is an offline mirror loaded once from FM_FUZZ_STATE and
 * one flow cache, as daemon_main() keeps; c->sandbox refuses the commands
 * that act outside the process (save, verify, daemon, bench, and monitor in
 * a batch). The oracle, beyond the sanitizers: the replies are whole frames
 * ('o' or 'e' with any length, 'x' with 4 bytes), else abort(), since a torn
 * frame desynchronises every client. FM_FUZZ_VERBOSE=1 in the environment
 * writes the reply frames to standard output.
 */
#include "cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static struct cli daemon_cli;
static bool verbose;

static void setup(void)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	char err[256];

	if (daemon_cli.m)
		return;
	if (fm_mirror_open_file(FM_FUZZ_STATE, &o, &daemon_cli.m, err, sizeof(err))) {
		fprintf(stderr, "fuzz_control: cannot load %s: %s\n", FM_FUZZ_STATE, err);
		abort();
	}
	if (fm_cache_new(daemon_cli.m, NULL, &daemon_cli.cache))
		abort();
	daemon_cli.sandbox = true;
	verbose = getenv("FM_FUZZ_VERBOSE") && !strcmp(getenv("FM_FUZZ_VERBOSE"), "1");
	daemon_cli.out = daemon_cli.err = stderr; /* each request has its own */
}

/* Abort unless @buf is a sequence of whole reply frames. */
static void check_frames(const char *buf, size_t len)
{
	size_t off = 0;
	uint32_t l;

	while (off < len) {
		if (len - off < 5) {
			fprintf(stderr, "fuzz_control: %zu bytes of a frame header\n", len - off);
			abort();
		}
		memcpy(&l, buf + off + 1, 4);
		if (!strchr("oex", buf[off]) || !buf[off] || l > len - off - 5 ||
		    (buf[off] == 'x' && l != 4)) {
			fprintf(stderr, "fuzz_control: bad frame '%c' of %u bytes at %zu of %zu\n",
				buf[off], l, off, len);
			abort();
		}
		off += 5 + (size_t)l;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *replies;

	setup();
	replies = open_memstream(&buf, &n);
	if (!replies)
		return 0;
	daemon_serve_buffer(&daemon_cli, data, len, replies);
	fclose(replies);
	check_frames(buf, n);
	if (verbose)
		fwrite(buf, 1, n, stdout);
	free(buf);
	return 0;
}
