/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Library-internal access to a mirror's parts (tests and lookup). */
#ifndef FM_MIRROR_H
#define FM_MIRROR_H

#include "fibmirror.h"
#include "nl/sysctl.h"
#include "rib/rib.h"

struct rib *mirror_rib(struct fm_mirror *m);
const struct sysctls *mirror_sysctls(const struct fm_mirror *m);

#endif
