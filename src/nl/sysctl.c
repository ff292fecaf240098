// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sysctls that change route lookups but have no netconf notification
 * (kernel-semantics.md §10): multipath hashing, accept_local, route_localnet,
 * promote_secondaries, IPv6 address choice, nexthop compat mode; and
 * whether IPv6 multicast routing is compiled in at all. The kernel
 * sends nothing when they change, so the mirror polls them.
 *
 * /proc/sys/net shows the namespace of whoever opened the file, so the files
 * are opened once inside the mirror's namespace and re-read with pread()
 * from wherever the writer thread runs later.
 */
#include "sysctl.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const sysctl_names[SYSCTL_COUNT] = {
    "net/ipv4/fib_multipath_hash_policy",
    "net/ipv4/fib_multipath_hash_fields",
    "net/ipv4/fib_multipath_hash_seed",
    "net/ipv4/fib_multipath_use_neigh",
    "net/ipv4/nexthop_compat_mode",
    "net/ipv4/conf/all/accept_local",
    "net/ipv4/conf/all/route_localnet",
    "net/ipv4/conf/all/promote_secondaries",
    "net/ipv4/conf/all/src_valid_mark",
    "net/ipv6/fib_multipath_hash_policy",
    "net/ipv6/fib_multipath_hash_fields",
    "net/ipv6/conf/all/use_tempaddr",
    "net/ipv6/conf/all/use_oif_addrs_only",
    "net/ipv6/route/skip_notify_on_dev_down",
    /* Exists only in kernels with IPv6 multicast routing (read-only). */
    "net/ipv6/conf/all/mc_forwarding",
};

void sysctls_open(struct sysctls *s)
{
	char path[128];
	int i;

	for (i = 0; i < SYSCTL_COUNT; i++) {
		snprintf(path, sizeof(path), "/proc/sys/%s", sysctl_names[i]);
		s->fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		s->v[i] = -1;
	}
	sysctls_read(s);
}

static int64_t read_one(int fd)
{
	char buf[64];
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The seed file reads "0" or a number; others are small integers. */
	return strtoll(buf, NULL, 0);
}

int sysctls_read(struct sysctls *s)
{
	int i, changed = 0;

	for (i = 0; i < SYSCTL_COUNT; i++) {
		int64_t v = read_one(s->fd[i]);

		changed += v != s->v[i];
		s->v[i] = v;
	}
	return changed;
}

void sysctls_close(struct sysctls *s)
{
	int i;

	for (i = 0; i < SYSCTL_COUNT; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]);
		s->fd[i] = -1;
	}
}
