// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * -batch FILE: many subcommands in one process, as `ip -batch` runs them, so
 * a line costs a parse and a lookup, not a process start and a kernel dump.
 * When a daemon serves the namespace, the lines go to it in chunks over one
 * connection (daemon_batch()) and the long-lived mirror answers them; else one
 * mirror opened here serves every line. Lines are split on blanks; "double"
 * or 'single' quotes group words; '#' starts a comment. The first failing
 * line stops the batch with "Command failed FILE:LINE" unless -force is
 * given, as in iproute2.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 128

int batch_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line, *out;

	while (*p) {
		char quote = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == max)
			return -1;
		argv[argc++] = out = p;
		for (; *p && (quote || (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'));
		     p++) {
			if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p;
				continue;
			}
			if (quote && *p == quote) {
				quote = 0;
				continue;
			}
			*out++ = *p;
		}
		if (quote)
			return -1;
		if (*p)
			p++;
		*out = '\0';
	}
	return argc;
}

int batch_lines(struct cli *c, FILE *in, const char *path, unsigned long *lineno, bool force)
{
	char *line = NULL, *argv[MAX_ARGS + 1];
	size_t cap = 0;
	int status = 0, rc, argc;

	while (getline(&line, &cap, in) >= 0) {
		++*lineno;
		argc = batch_split(line, argv, MAX_ARGS);
		if (argc == 0)
			continue;
		rc = argc < 0 ? 1 : cli_run(c, argc, argv);
		if (argc < 0)
			fprintf(c->err, "Error: unbalanced quote or too many words\n");
		if (rc == 0)
			continue;
		fprintf(c->err, "Command failed %s:%lu\n", path, *lineno);
		status = 1;
		if (!force)
			break;
	}
	free(line);
	return status;
}

int batch_run(struct cli *c, const char *path, bool force)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	unsigned long lineno = 0;
	int status = -1;

	if (!f) {
		fprintf(c->err, "Cannot open file \"%s\" for reading: %s\n", path, strerror(errno));
		return 1;
	}
	if (!c->file && !c->no_daemon)
		status = daemon_batch(c, f, path, force);
	if (status < 0) {
		c->no_daemon = true; /* one in-process mirror for the whole batch */
		status = batch_lines(c, f, path, &lineno, force);
	}
	if (f != stdin)
		fclose(f);
	return status;
}
