/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RCU publication as ThreadSanitizer can see it.
 *
 * liburcu's rcu_assign_pointer/rcu_dereference are volatile accesses and its
 * grace periods live in an uninstrumented library, so TSan would call every
 * reader of a freshly published structure, and every free after a grace
 * period, a race. Publication here is a release store and an acquire load
 * (the same instructions on x86 and arm64); readers release a sync object
 * when they leave a read-side section and whoever frees after a grace period
 * acquires it: the happens-before the grace period really provides.
 */
#ifndef FM_UTIL_RCU_H
#define FM_UTIL_RCU_H

#define fm_rcu_publish(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define fm_rcu_deref(p)	     __atomic_load_n(&(p), __ATOMIC_ACQUIRE)

#if defined(__SANITIZE_THREAD__)
#define FM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FM_TSAN 1
#endif
#endif

#ifdef FM_TSAN
#include <sanitizer/tsan_interface.h>
extern char fm_rcu_gp;
/* Just before rcu_read_unlock(), and before call_rcu(): what was done so
 * far happens before the reclamation. (After the unlock, a grace period and
 * the free could come before the release, which TSan would then not see
 * ordered.) */
#define fm_rcu_reader_left() __tsan_release(&fm_rcu_gp)
#define fm_rcu_retire()	     __tsan_release(&fm_rcu_gp)
/* Before freeing what readers may have seen, after a grace period. */
#define fm_rcu_reclaim() __tsan_acquire(&fm_rcu_gp)
#else
#define fm_rcu_reader_left() ((void)0)
#define fm_rcu_retire()	     ((void)0)
#define fm_rcu_reclaim()     ((void)0)
#endif

#endif
