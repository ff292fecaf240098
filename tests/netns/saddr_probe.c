// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: saddr_probe - ask lk_saddr4()/lk_saddr6() what they choose, over a live
 * mirror of a namespace, for the kernel comparison in test_saddr.sh.
 *
 * Usage: saddr_probe NETNS < queries
 * One query a line, one answer a line (the address, or "none"):
 *   4 DEV DST SCOPE   inet_select_addr(DEV, DST, SCOPE); DST 0.0.0.0 for none,
 *                     SCOPE a number (0 universe .. 254 host)
 *   6 DEV DST         ipv6_dev_get_saddr(DEV, DST); DEV "-" for no device
 *   sync              apply kernel events until 200 ms pass without any;
 *                     answers "synced"
 *   addrs DEV         the device's IPv6 then IPv4 addresses in mirror list
 *                     order with their IFA_F_* flags, on one line
 *   verify            answers the number of differences between the mirror
 *                     and a fresh kernel dump (fm_mirror_verify)
 * A device that the mirror does not know is answered "nodev". Pending events
 * are applied before every query, so the mirror can be opened before the
 * namespace is set up (addresses then arrive as events, not in a dump).
 * Exit 0, or 1 when the mirror could not be opened.
 */
#include "fibmirror.h"
#include "lookup/lookup.h"
#include "mirror.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dev_index(struct fm_mirror *m, const char *name)
{
	struct fm_link l;

	if (strcmp(name, "-") == 0)
		return 0;
	return fm_link_by_name(m, name, &l) == 0 ? l.ifindex : -1;
}

static int print_diff(char sign, const char *line, void *arg)
{
	(void)arg;
	fprintf(stderr, "verify: %c %s\n", sign, line);
	return 0;
}

static void dump_addrs(struct fm_mirror *m, int ifindex)
{
	const struct rib_link *l = rib_link_find(mirror_rib(m), ifindex);
	char buf[INET6_ADDRSTRLEN];
	int f;

	for (f = 1; l && f >= 0; f--) {
		for (struct ilist *p = l->addrs[f].next; p != &l->addrs[f]; p = p->next) {
			const struct fm_address *a = &container_of(p, struct rib_addr, link)->o;

			printf("%s/%u:%#x ", fm_ip_format(&a->local, buf, sizeof(buf)),
			       a->prefixlen, a->flags);
		}
	}
	putchar('\n');
}

static void answer(struct fm_mirror *m, const char *line)
{
	struct lookup_env env = {.rib = mirror_rib(m), .sys = mirror_sysctls(m)};
	char dev[32], dst[64], buf[INET6_ADDRSTRLEN];
	unsigned scope = 0;
	int fam, ifindex, n;

	if (strncmp(line, "sync", 4) == 0) {
		while (fm_mirror_process(m, 200) > 0)
			;
		puts("synced");
		return;
	}
	if (strncmp(line, "verify", 6) == 0) {
		printf("%d\n", fm_mirror_verify(m, print_diff, NULL));
		return;
	}
	fm_mirror_process(m, 0);
	if (sscanf(line, "addrs %31s", dev) == 1) {
		dump_addrs(m, dev_index(m, dev));
		return;
	}
	n = sscanf(line, "%d %31s %63s %u", &fam, dev, dst, &scope);
	if (n < 3 || (fam == 4 && n < 4)) {
		puts("badquery");
		return;
	}
	ifindex = dev_index(m, dev);
	if (ifindex < 0) {
		puts("nodev");
		return;
	}
	if (fam == 4) {
		uint32_t d, s;

		if (inet_pton(AF_INET, dst, &d) != 1) {
			puts("badquery");
			return;
		}
		if (lk_saddr4(env.rib, ifindex, d, (uint8_t)scope, &s) == 0)
			puts(inet_ntop(AF_INET, &s, buf, sizeof(buf)));
		else
			puts("none");
	} else {
		uint8_t d[16], s[16];

		if (inet_pton(AF_INET6, dst, d) != 1) {
			puts("badquery");
			return;
		}
		if (lk_saddr6(&env, ifindex, d, s) == 0)
			puts(inet_ntop(AF_INET6, s, buf, sizeof(buf)));
		else
			puts("none");
	}
}

int main(int argc, char **argv)
{
	struct fm_open_opts opts = {.sz = sizeof(opts)};
	struct fm_mirror *m;
	char line[256];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s NETNS < queries\n", argv[0]);
		return 2;
	}
	opts.netns = argv[1];
	rc = fm_mirror_open(&opts, &m);
	if (rc < 0) {
		fprintf(stderr, "fm_mirror_open(%s): %s\n", argv[1], strerror(-rc));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		answer(m, line);
		fflush(stdout);
	}
	fm_mirror_free(m);
	return 0;
}
