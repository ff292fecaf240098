/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every benchmark needs: a monotonic clock in seconds, a shell command
 * for namespace set-up whose failure is reported on stderr, a seeded random
 * sequence, a list file that may be xz-compressed, a one-line description of
 * the machine, and (with FM_BENCH_NETLINK) an rtnetlink socket opened in a
 * named namespace. Header-only, one copy per benchmark program.
 */
#ifndef FM_BENCH_H
#define FM_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

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

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
static inline uint64_t bench_rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Open a text list for reading: through `xz -dc` when @path ends in ".xz"
 * (*@piped is then true), else the file itself. NULL with errno set. */
__attribute__((unused)) static FILE *bench_list_open(const char *path, bool *piped)
{
	size_t n = strlen(path);
	char cmd[4200];

	*piped = n > 3 && !strcmp(path + n - 3, ".xz");
	if (!*piped)
		return fopen(path, "r");
	if (strchr(path, '\'') || n > sizeof(cmd) - 16) {
		errno = EINVAL; /* no quoting games with the shell */
		return NULL;
	}
	if (access(path, R_OK))
		return NULL;
	snprintf(cmd, sizeof(cmd), "xz -dc '%s'", path);
	return popen(cmd, "r");
}

/* Close what bench_list_open() opened; nonzero if reading it failed. */
__attribute__((unused)) static int bench_list_close(FILE *f, bool piped)
{
	return piped ? pclose(f) : fclose(f);
}

/* The CPU model (as lscpu prints it: /proc/cpuinfo "model name"), the number
 * of online CPUs and "Linux <release>", for the header of a benchmark. */
__attribute__((unused)) static void bench_machine(char *cpu, size_t cpulen, int *ncpu, char *kernel,
						  size_t klen)
{
	struct utsname u;
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(cpu, cpulen, "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(cpu, cpulen, "%s", colon);
		break;
	}
	if (f)
		fclose(f);
	*ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) != 0 || snprintf(kernel, klen, "%s %s", u.sysname, u.release) < 0)
		snprintf(kernel, klen, "unknown kernel");
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
