/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few lines every C test needs: TAP output ("ok N - what", "# note",
 * "1..N" at the end) and running a shell command for network-namespace set-up.
 * Header-only, one copy per test program.
 */
#ifndef FM_TESTS_TAP_H
#define FM_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_run, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2), unused)) static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Print the plan; the exit status for main(). */
__attribute__((unused)) static int tap_done(void)
{
	printf("1..%d\n", tap_run);
	if (tap_failed)
		diag("%d of %d failed", tap_failed, tap_run);
	return tap_failed ? 1 : 0;
}

/* Run a formatted shell command; a failure is reported as a TAP note. */
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
		diag("command failed (%d): %s", rc, cmd);
	return rc;
}

#endif
