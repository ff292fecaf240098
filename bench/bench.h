/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every benchmark needs: a monotonic clock in seconds, a shell command
 * for namespace set-up whose failure is reported on stderr, and (with
 * FM_BENCH_NETLINK) an rtnetlink socket opened in a named namespace.
 * Header-only, one copy per benchmark program.
 */
#ifndef FM_BENCH_H
#define FM_BENCH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((format(printf, 1, 2), unused)) static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	return rc;
}

#ifdef FM_BENCH_NETLINK
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <sched.h>
#include <unistd.h>

/* An rtnetlink socket in network namespace @name (made there; this thread
 * then returns to its own namespace). NULL when it cannot be made. */
__attribute__((unused)) static struct mnl_socket *socket_in(const char *name)
{
	char path[256];
	struct mnl_socket *nl = NULL;
	int self, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (self >= 0 && fd >= 0 && setns(fd, CLONE_NEWNET) == 0) {
		nl = mnl_socket_open(NETLINK_ROUTE);
		if (setns(self, CLONE_NEWNET) < 0) {
			perror("setns back");
			exit(1);
		}
	}
	if (self >= 0)
		close(self);
	if (fd >= 0)
		close(fd);
	return nl;
}
#endif

#endif
