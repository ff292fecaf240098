/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A private network namespace for a C test: created as "PREFIX-PID" (root
 * only) and deleted at exit. Header-only, with tap.h.
 */
#ifndef FM_TESTS_NETNS_H
#define FM_TESTS_NETNS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"

static char netns_name[64];

static void netns_delete(void)
{
	if (netns_name[0])
		sh("ip netns del %s 2>/dev/null", netns_name);
}

/* Line-buffered TAP, then the namespace; 0, or 77 after printing why the
 * test is skipped (the exit status CTest counts as a skip). */
__attribute__((unused)) static int netns_create(const char *prefix)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("1..0 # SKIP not root\n");
		return 77;
	}
	snprintf(netns_name, sizeof(netns_name), "%s-%d", prefix, (int)getpid());
	if (sh("ip netns add %s 2>/dev/null", netns_name)) {
		netns_name[0] = '\0';
		printf("1..0 # SKIP cannot create a network namespace\n");
		return 77;
	}
	atexit(netns_delete);
	return 0;
}

#endif
