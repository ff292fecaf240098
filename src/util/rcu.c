// SPDX-License-Identifier: LGPL-2.1-or-later
/* The sync object of util/rcu.h (ThreadSanitizer builds only use it). */
#include "rcu.h"

char fm_rcu_gp;
