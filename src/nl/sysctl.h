/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lookup-relevant sysctls that the kernel never announces (sysctl.c). */
#ifndef FM_NL_SYSCTL_H
#define FM_NL_SYSCTL_H

#include <stdint.h>

#define SYSCTL_COUNT 15

struct sysctls {
	int fd[SYSCTL_COUNT];	 /* opened inside the namespace, so reads follow it */
	int64_t v[SYSCTL_COUNT]; /* -1: not available */
};

extern const char *const sysctl_names[SYSCTL_COUNT];

/* Open the files; call inside the mirror's network namespace. */
void sysctls_open(struct sysctls *s);
/* Re-read every value; return the number that changed. */
int sysctls_read(struct sysctls *s);
void sysctls_close(struct sysctls *s);

#endif
