/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fibmirror command line: global options, the subcommand table, and the
 * daemon that serves the same subcommands over a control socket. A command
 * writes to cli->out and cli->err only, so the daemon can run it for a client
 * by pointing both at buffers.
 */
#ifndef FM_TOOLS_CLI_H
#define FM_TOOLS_CLI_H

#include "fibmirror.h"

#include <stdbool.h>
#include <stdio.h>

struct cli {
	uint8_t family; /* -4 / -6, 0 = both */
	bool json, pretty, details, stats;
	const char *netns;   /* -n NAME */
	const char *file;    /* --file F: offline */
	uint64_t max_routes; /* --max-routes N */
	uint64_t rcvbuf;     /* --rcvbuf BYTES: event socket buffer */
	bool no_daemon;	     /* --no-daemon: never ask a daemon */
	const char *batch;   /* -batch FILE */
	bool force;	     /* -force: go on after a failing batch line */
	FILE *out, *err;
	struct fm_mirror *m;	/* opened on first use, or the daemon's */
	struct fm_cache *cache; /* `get` answers through it (the daemon's lives on) */
	bool in_daemon;		/* running inside the daemon for a client */
	void *monitor;		/* daemon: client that asked for "monitor" */
	bool version;		/* -V: print the version, run nothing */
	/* Refuse the subcommands that act outside the process (save, daemon,
	 * bench, monitor, verify): the fuzz targets run made-up commands. */
	bool sandbox;
};

/* Parse the global options of a command line (argv[0] is the program) into
 * @c. Return the index of the subcommand (argc when none, or after -h or -V),
 * or -1 after printing an error. */
int cli_parse_globals(struct cli *c, int argc, char **argv);
/* Run one subcommand (argv[0] is its name). Return the exit status. */
int cli_run(struct cli *c, int argc, char **argv);
/* Open the mirror the options ask for, once. Return 0 or -errno (reported). */
int cli_mirror(struct cli *c);
/* The exit status when cli_mirror() failed. */
int cli_fail_status(const struct cli *c);
/* The event printer shared by "monitor" here and in the daemon. */
struct monitor_filter {
	unsigned kinds; /* bit per enum fm_kind */
	uint8_t family;
	bool json;
};
int monitor_parse(struct cli *c, int argc, char **argv, struct monitor_filter *f);
void monitor_print(FILE *out, struct fm_mirror *m, const struct monitor_filter *f,
		   const struct fm_event *ev);

/* get.c: `ip route get` from the mirror. */
enum {
	GET_CONNECTED = 1u << 0, /* "connected": look up again, print both answers */
	GET_NOTIFY = 1u << 1,	 /* "notify" (IPv4): the answer carries RTCF_NOTIFY */
	GET_FROM = 1u << 2,	 /* "from" was given (even "from 0.0.0.0") */
};
int cmd_get(struct cli *c, int argc, char **argv);
/*
 * Parse `get ARGS` (argv[0] is "get") into @fl and GET_* @opts, resolving
 * device names in c->m (NULL: every name is unknown). Errors are printed to
 * c->err as ip prints them. Return 0, or ip's exit status (1, 2 or 255).
 */
int get_parse(struct cli *c, int argc, char **argv, struct fm_flow *fl, unsigned *opts);

/* batch.c: split @line in place into at most @max words, as a -batch line:
 * blanks separate, quotes group, '#' starts a comment. Return the word count,
 * or -1 on an open quote or more than @max words. */
int batch_split(char *line, char **argv, int max);
/* Run the subcommands of @path ("-": standard input). */
int batch_run(struct cli *c, const char *path, bool force);
/* Run the lines of @in, numbering them from *@lineno + 1 in "Command failed
 * @path:LINE". Return 0, or 1 after a failing line (where it stops unless
 * @force). */
int batch_lines(struct cli *c, FILE *in, const char *path, unsigned long *lineno, bool force);
/* Whether @word names the "monitor" subcommand (a unique prefix does). */
bool cli_is_monitor(const char *word);

/* daemon.c */
int daemon_main(struct cli *c, int argc, char **argv);
/* Forward argv to the daemon of this namespace. Return the exit status, or
 * -1 when no daemon runs (the caller then mirrors on the spot). */
int daemon_forward(struct cli *c, int argc, char **argv);
/* Run the batch @in through the daemon. Return its status, or -1 (nothing
 * read from @in) when no daemon runs. */
int daemon_batch(struct cli *c, FILE *in, const char *path, bool force);
int daemon_socket_path(const char *netns, char *buf, size_t len);
/* Serve the @len bytes @data, as written by one client to the control
 * socket, with @c as the daemon's state (its mirror, cache and options):
 * the daemon's own parsing and dispatch, the reply frames written to
 * @replies. Runs the commands like a connection does, chdir() included;
 * nothing else of the daemon (no socket, no event loop). For fuzzing. */
void daemon_serve_buffer(struct cli *c, const void *data, size_t len, FILE *replies);

#endif
