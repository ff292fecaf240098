// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct fm_mirror: a RIB plus where it comes from (a live kernel through two
 * rtnetlink sockets, or a file), and everything the public API promises on
 * top: events to a subscriber, resync, verify, counters, and the generation
 * numbers that tell remembered decisions (cache/) when they stop holding.
 *
 * Live sync, in the order DESIGN.md requires: open the event socket and join
 * the groups, dump everything on the request socket into the RIB, then apply
 * whatever the event socket queued meanwhile (the first fm_mirror_process()).
 *
 * Loss: ENOBUFS on the event socket, or a rising SO_MEMINFO drop count, means
 * notifications were lost. The mirror then resyncs: it discards what is
 * queued (the dump will show it), dumps into a shadow RIB, diffs it against
 * the current one, announces the differences between RESYNC_BEGIN and
 * RESYNC_END markers, and swaps. Nothing here exits.
 *
 * When to resync: a dump taken while the storm that caused the loss goes on
 * would overrun again, so a pending resync waits until the event socket has
 * been quiet for QUIET_MS (QUIET_STORM_MS if the storm outlived the last
 * resync), then runs at once: one resync after the storm. Two resyncs start
 * at least resync_min_ms apart, and a storm that never pauses gets one every
 * STORM_RESYNC_FACTOR * resync_min_ms all the same.
 *
 * Readers never wait for the writer: plain flows read the FIB it publishes
 * (fib/fib.h), other flows a copy of the RIB it hands over (fib/replica.h),
 * both under RCU; the writer's own thread reads its RIB.
 */
#include "fibmirror.h"

#include "mirror.h"

#include "cache/cache.h"
#include "fib/fib.h"
#include "fib/replica.h"
#include "index/index.h"
#include "lookup/fast.h"
#include "lookup/lookup.h"
#include "io/io.h"
#include "nl/nl.h"
#include "nl/sock.h"
#include "nl/sync.h"
#include "nl/sysctl.h"
#include "rib/rib.h"
#include "util/rcu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define _LGPL_SOURCE /* liburcu's inline read-side (we are LGPL too) */
#include <urcu/urcu-memb.h>

#ifndef FM_VERSION
#define FM_VERSION "0.0.0"
#endif

#define DEFAULT_RCVBUF	    (32u << 20)
#define DEFAULT_RESYNC_MS   1000
#define MAX_BATCH	    4096       /* datagrams per fm_mirror_process() call */
#define QUIET_MS	    20	       /* no event for this long: the storm is over */
#define QUIET_STORM_MS	    200	       /* ... when it had outlived the last resync */
#define STORM_RESYNC_FACTOR 10	       /* a storm without pause: resync this rarely */
#define PUBLISH_DUTY	    10	       /* compiling the FIB: at most 1/10 of the writer's time */
#define PUBLISH_MAX_WAIT_MS 1000       /* a FIB behind the RIB: compiled by then at the latest */
#define HANDOVER_MS	    10	       /* handovers to the general path's readers: this apart */
#define HANDOVER_LOG	    (1u << 20) /* ... unless this many bytes of datagrams wait */

struct fm_mirror {
	struct rib rib;
	bool live;
	struct nl_sock ev, req;
	struct fm_stats st;
	fm_event_cb sub;
	void *sub_arg;
	uint64_t drops;
	uint64_t last_resync_ms; /* start of the last resync */
	uint64_t loss_ms;	 /* when the pending resync was asked for */
	uint64_t last_rx_ms;	 /* last datagram from the kernel */
	bool resync_pending;
	uint32_t resync_min_ms;
	size_t rcvbuf_want; /* the event socket's buffer asked for (opts) */
	bool rcvbuf_raised; /* raised for a resync, until its backlog is read */
	/* What a resync leaves for after its backlog (tidy()): the state it
	 * replaced, to free, and the scan for the next route lifetime. */
	struct rib retired;
	bool has_retired, expiry_due;
	uint64_t max_routes;
	struct sysctls sys;
	uint64_t last_sysctl_ms;
	/* What readers see (fib/fib.h): published by the writer with RCU.
	 * With the writer's identity, what every lookup reads, on a cache
	 * line of its own: the writer's stores for each datagram (the log,
	 * the dirty list) would otherwise take it from the readers' CPUs. */
	struct fib *fib __attribute__((aligned(64)));
	const char *writer; /* tl_self of the writer's thread */
	struct fib_dirty dirty __attribute__((aligned(64)));
	uint64_t publish_due_ms; /* the next compile may start then */
	uint64_t patch_due_us;	 /* ... the next publication of patches only (they
				  * take tens of microseconds: a millisecond clock
				  * would make some wait ten times too long) */
	uint64_t last_change_ms; /* of the RIB */
	uint64_t dirty_since_ms; /* the FIB is behind the RIB since */
	/* The RIB lookups the FIB leaves to the general path read, a copy
	 * the writer hands over (fib/replica.h), and the FIBs' count. */
	struct replica rp;
	uint64_t handover_ms; /* the last handover */
	bool writer_only;     /* FM_OPEN_WRITER_ONLY: no readers' copy */
	uint64_t fib_seq;
	/* Decisions taken before a change, and before the publication that
	 * follows it, are stale: both bump the families' generations. */
	struct fm_gens *gens;
	unsigned unpublished; /* GEN_* bits changed since the last publication */
	unsigned unhanded;    /* ... since the last handover to readers */
	bool handed_out;      /* returned by fm_mirror_open*: decisions may exist */
	uint32_t next_expiry; /* no route's lifetime ends before (rib_expiry); 0 none */
	struct cache_reg caches;
	struct ilist flow_watches; /* index/watch.c */
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now_ms(void)
{
	return now_us() / 1000;
}

/* ------------------------------------------------------------------ events */

static void export_event(struct fm_mirror *m, struct rib *rib, struct fm_event *ev, const void *obj)
{
	static struct fm_route r;
	static struct fm_rule rule;

	switch (ev->kind) {
	case FM_KIND_ROUTE:
		rib_route_export(rib, obj, &r);
		ev->route = &r;
		break;
	case FM_KIND_RULE:
		rib_rule_export(rib, obj, &rule);
		ev->rule = &rule;
		break;
	case FM_KIND_NEXTHOP:
		ev->nexthop = &((const struct rib_nh *)obj)->o;
		break;
	case FM_KIND_LINK:
		ev->link = &((const struct rib_link *)obj)->o;
		break;
	case FM_KIND_ADDR:
		ev->addr = &((const struct rib_addr *)obj)->o;
		break;
	case FM_KIND_NETCONF:
		ev->netconf = obj;
		break;
	default:
		break;
	}
	(void)m;
}

/* Decisions of @fams taken so far may be wrong now, and again once the FIB
 * is published (readers of the old one go on answering from it). */
static void changed(struct fm_mirror *m, unsigned fams)
{
	if (m->handed_out) /* the initial load invalidates nothing */
		gens_bump(m->gens, fams);
	m->unpublished |= fams;
	m->unhanded |= fams;
	m->last_change_ms = now_ms();
	if (!m->dirty_since_ms)
		m->dirty_since_ms = m->last_change_ms;
	/* From now until the next publication the FIB is not the RIB. */
	if (m->fib)
		__atomic_store_n(&m->fib->stale, true, __ATOMIC_RELEASE);
}

static void lifetime_ended(const struct rib_route *r, void *arg)
{
	struct fm_mirror *m = arg;

	fib_dirty_table(&m->dirty, r->key.family, r->key.table);
	changed(m, gen_bit(r->key.family));
}

/*
 * A route's lifetime (IPv6 `expires`) ends without a message: the kernel
 * skips the route from then on and deletes it at its next garbage
 * collection, up to gc_interval later. Answers change at the end, so that
 * is when the tables holding such routes are recompiled and remembered
 * decisions invalidated. Writer.
 */
static void lifetimes(struct fm_mirror *m)
{
	if (!m->next_expiry || rib_expiry_left(m->next_expiry))
		return;
	m->next_expiry = rib_expiry_scan(&m->rib, lifetime_ended, m);
}

static void on_change(struct rib *rib, enum fm_event_type type, enum fm_kind kind, bool implicit,
		      const void *obj, void *arg)
{
	struct fm_mirror *m = arg;
	struct fm_event ev = {.type = type, .kind = kind, .implicit = implicit};
	unsigned fams = GEN_BOTH;

	fib_dirty_change(&m->dirty, kind, obj);
	if (kind == FM_KIND_ROUTE) {
		const struct rib_route *r = obj;

		fams = gen_bit(r->key.family);
		if (r->expires && type != FM_EV_DEL && rib_expiry_left(r->expires))
			m->next_expiry = rib_expiry_earlier(m->next_expiry, r->expires);
	} else if (kind == FM_KIND_RULE) {
		fams = gen_bit(((const struct fm_rule *)obj)->family);
	}
	changed(m, fams);
	if (!m->sub)
		return;
	export_event(m, rib, &ev, obj);
	m->sub(&ev, m->sub_arg);
}

static void marker(struct fm_mirror *m, enum fm_event_type type)
{
	struct fm_event ev = {.type = type, .kind = FM_KIND_RESYNC};

	if (m->sub)
		m->sub(&ev, m->sub_arg);
}

/* ------------------------------------------------------------------ netns */

static int netns_open(const char *ns)
{
	char path[4096];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Run @fn inside network namespace @ns (NULL: here). Sockets made there stay
 * bound to it; only this thread switches, and it switches back. */
static int in_netns(const char *ns, int (*fn)(struct fm_mirror *), struct fm_mirror *m)
{
	int self, target, rc;

	if (!ns)
		return fn(m);
	target = netns_open(ns);
	if (target < 0)
		return target;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		rc = -errno;
		close(target);
		return rc;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		rc = -errno;
	} else {
		rc = fn(m);
		if (setns(self, CLONE_NEWNET) < 0 && !rc)
			rc = -errno;
	}
	close(self);
	close(target);
	return rc;
}

static int open_sockets(struct fm_mirror *m)
{
	static const unsigned int groups[] = {
	    RTNLGRP_LINK,	  RTNLGRP_IPV4_IFADDR,	RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
	    RTNLGRP_IPV6_ROUTE,	  RTNLGRP_IPV4_RULE,	RTNLGRP_IPV6_RULE,   RTNLGRP_NEXTHOP,
	    RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF,
	};
	size_t rcv = m->st.rcvbuf ? m->st.rcvbuf : DEFAULT_RCVBUF;
	int rc;

	m->rcvbuf_want = rcv;

	rc = nl_sock_open(&m->ev, groups, sizeof(groups) / sizeof(groups[0]), rcv);
	if (rc)
		return rc;
	sysctls_open(&m->sys);
	return nl_sock_open(&m->req, NULL, 0, 0);
}

/* ------------------------------------------------------------ publication */

/* Thread-locals read on every lookup: the initial-exec model spares the
 * __tls_get_addr call a shared library otherwise pays for each access. */
#define FM_TLS_IE __attribute__((tls_model("initial-exec")))

/* Threads register with RCU on their first lookup or publication (call_rcu
 * wants a registered caller) and unregister when they exit (the key's
 * destructor). */
static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static __thread bool reader_registered FM_TLS_IE;

static void reader_exit(void *arg)
{
	(void)arg;
	urcu_memb_unregister_thread();
}

static void reader_key_init(void)
{
	pthread_key_create(&reader_key, reader_exit);
}

static void reader_register(void)
{
	if (reader_registered)
		return;
	pthread_once(&reader_once, reader_key_init);
	urcu_memb_register_thread();
	pthread_setspecific(reader_key, &reader_registered);
	reader_registered = true;
}

/* Its address names this thread: the writer's is kept in the mirror. */
static __thread char tl_self FM_TLS_IE;

/* The calling thread changes the RIB: it is the writer from now on
 * (fibmirror.h: one at a time). Until one does, every thread reads the
 * readers' copy, which a thread that starts applying cannot pull away. */
static void writer_here(struct fm_mirror *m)
{
	__atomic_store_n(&m->writer, &tl_self, __ATOMIC_RELAXED);
}

/* The writer's own lookups (a daemon answering its clients, a program that
 * applies and then asks, event callbacks) read its RIB: they see at once
 * what it applied. */
static bool is_writer(const struct fm_mirror *m)
{
	return __atomic_load_n(&m->writer, __ATOMIC_RELAXED) == &tl_self;
}

static bool fib_current(const struct fm_mirror *m)
{
	return m->fib && !fib_dirty_any(&m->dirty);
}

/*
 * When the tables may be compiled: once the RIB has been quiet for QUIET_MS
 * (a storm, or a resync that is still being answered for, is not compiled
 * piecemeal), but not later than PUBLISH_MAX_WAIT_MS after it fell behind,
 * and at most one tenth of the time (PUBLISH_DUTY) since a compile of a big
 * table takes a while.
 */
static uint64_t compile_at(const struct fm_mirror *m)
{
	uint64_t quiet = m->last_change_ms + QUIET_MS;
	uint64_t ceiling = m->dirty_since_ms + PUBLISH_MAX_WAIT_MS;
	uint64_t t = quiet < ceiling ? quiet : ceiling;

	return t > m->publish_due_ms ? t : m->publish_due_ms;
}

/* When a publication may start: a table to compile whole waits as above;
 * patches (a few prefixes, fib.h) for the duty cycle of patches (a whole
 * compile's, seconds for a full table, would hold them back as long); rules
 * not at all. In microseconds. */
static uint64_t publish_at(const struct fm_mirror *m)
{
	if (!m->fib)
		return 0;
	if (m->dirty.all || m->dirty.n)
		return compile_at(m) * 1000;
	return m->dirty.npfx ? m->patch_due_us : 0;
}

/*
 * Compile what changed into a new FIB and swap it in; the old one is freed
 * after a grace period. Until then the FIB is marked stale: the writer's own
 * lookups take the general path (the RIB), other threads' keep answering
 * from it (fib_for_lookup). Rule and sysctl
 * changes recompile the rules at once; without memory for a FIB, lookups
 * stay on the general path until a later publication.
 */
static void publish(struct fm_mirror *m)
{
	struct lookup_env env = {.rib = &m->rib, .sys = mirror_sysctls(m)};
	struct fib *old = m->fib, *nf = NULL;
	bool whole = !old || m->dirty.all || m->dirty.n, patches = m->dirty.npfx;
	uint64_t t0 = now_us(), t1, due;

	if (fib_current(m) || t0 < publish_at(m))
		return;
	reader_register();
	if (fib_build(&env, old, &m->dirty, &nf))
		nf = NULL;
	if (nf)
		nf->seq = ++m->fib_seq;
	fm_rcu_publish(m->fib, nf);
	if (nf) {
		m->st.fib_publications++;
		m->st.fib_tables_patched += nf->patched;
		m->st.fib_tables_compiled += nf->compiled;
	}
	gens_bump(m->gens, m->unpublished ? m->unpublished : GEN_BOTH);
	m->unpublished = 0;
	fib_retire(old);
	fib_dirty_clear(&m->dirty);
	m->dirty.all = !nf;
	t1 = now_us();
	m->dirty_since_ms = nf ? 0 : t1 / 1000;
	/* The duty cycle: idle PUBLISH_DUTY - 1 times as long as this took. */
	due = t1 + (PUBLISH_DUTY - 1) * (t1 - t0);
	if (whole)
		m->publish_due_ms = due / 1000;
	else if (patches)
		m->patch_due_us = due;
}

/* Milliseconds until a stale FIB may be compiled (-1: none pending). */
static int64_t publish_due(const struct fm_mirror *m)
{
	int64_t d = (int64_t)publish_at(m) - (int64_t)now_us();

	if (fib_current(m))
		return -1;
	return d > 0 ? (d + 999) / 1000 : 0;
}

/* ------------------------------------------------------------------- open */

#define FM_OPEN_ALL FM_OPEN_WRITER_ONLY /* every flag this version knows */

/* @o's flags, 0 when its version has none. */
static uint32_t open_flags(const struct fm_open_opts *o)
{
	if (!o || o->sz < offsetof(struct fm_open_opts, flags) + sizeof(uint32_t))
		return 0;
	return o->flags;
}

static struct fm_mirror *mirror_new(const struct fm_open_opts *o)
{
	struct fm_mirror *m = NULL;

	if (posix_memalign((void **)&m, 64, sizeof(*m))) /* its cache-line members */
		return NULL;
	memset(m, 0, sizeof(*m));
	if (rib_init(&m->rib)) {
		free(m);
		return NULL;
	}
	m->ev.fd = m->req.fd = -1;
	for (int i = 0; i < SYSCTL_COUNT; i++)
		m->sys.fd[i] = -1, m->sys.v[i] = -1;
	m->resync_min_ms = DEFAULT_RESYNC_MS;
	if (o && o->sz >= offsetof(struct fm_open_opts, resync_min_ms) + sizeof(uint32_t)) {
		m->st.rcvbuf = o->rcvbuf;
		m->max_routes = o->max_routes;
		if (o->resync_min_ms)
			m->resync_min_ms = o->resync_min_ms;
	}
	m->rib.max_routes = m->max_routes;
	m->rib.emit = on_change;
	m->rib.emit_arg = m;
	m->dirty.all = true;
	m->gens = gens_new();
	if (!m->gens || replica_init(&m->rp)) {
		gens_kill(m->gens);
		rib_fini(&m->rib);
		free(m);
		return NULL;
	}
	cache_reg_init(&m->caches);
	ilist_init(&m->flow_watches);
	return m;
}

/*
 * A dump keeps the writer away from the event socket for as long as the dump,
 * and for a resync the comparison and the compile, take: seconds for a
 * million routes. A buffer chosen small (--rcvbuf) would overrun in that
 * time, and the storm that caused a resync, if it goes on, would make the
 * resync useless at once. So for a dump, and until the events of those
 * seconds have been read, the buffer is at least DEFAULT_RCVBUF; then it is
 * what was asked for again.
 * (Shrinking it before its backlog is read would drop what arrives next.)
 */
static void raise_rcvbuf(struct fm_mirror *m)
{
	if (m->rcvbuf_want < DEFAULT_RCVBUF && !m->rcvbuf_raised)
		m->rcvbuf_raised = !nl_sock_set_rcvbuf(&m->ev, DEFAULT_RCVBUF);
}

static void restore_rcvbuf(struct fm_mirror *m)
{
	if (m->rcvbuf_raised && !nl_sock_set_rcvbuf(&m->ev, m->rcvbuf_want))
		m->rcvbuf_raised = false;
}

static void free_retired(struct fm_mirror *m)
{
	if (m->has_retired)
		rib_fini(&m->retired);
	m->has_retired = false;
}

/*
 * Keep @old, the state a resync replaced, until the events queued during the
 * resync are applied: freeing a million routes takes about 0.3 s, which the
 * mirror's return to equality after a storm need not wait for. One at a time
 * (a resync frees the previous one before it dumps). With the readers' copy
 * and its twin (fib/replica.h) a resync holds four states at its peak: the
 * writer's and the readers', and the dump's two.
 */
static void retire_rib(struct fm_mirror *m, struct rib *old)
{
	free_retired(m);
	m->retired = *old;
	ilist_init(&m->retired.watches); /* the head pointed into @old */
	m->has_retired = true;
}

/* What a resync left for later, done once the event socket is read empty. */
static void tidy(struct fm_mirror *m)
{
	free_retired(m);
	replica_tidy(&m->rp);
	if (m->expiry_due) {
		m->expiry_due = false;
		m->next_expiry = rib_expiry_scan(&m->rib, lifetime_ended, m);
	}
}

static int dump_into(struct fm_mirror *m, struct rib *rib, struct rib *twin)
{
	return nl_sync_dump(&m->req, rib, twin, &m->st.malformed);
}

/* ------------------------------------------------------- the readers' RIB */

/* The messages of datagram @buf into @rib; return how many changed it.
 * @malformed (may be NULL) counts the ones that did not parse. */
static int apply_messages(struct rib *rib, const void *buf, int len, uint64_t *malformed)
{
	const struct nlmsghdr *nlh = buf;
	int applied = 0, rc;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		rc = nl_apply(rib, nlh);
		if (rc == -EBADMSG && malformed)
			(*malformed)++;
		else if (rc > 0)
			applied++;
	}
	if (len > 0 && malformed)
		(*malformed)++; /* trailing bytes that are not a message */
	return applied;
}

static void replay_datagram(struct rib *rib, const void *dgram, size_t len)
{
	apply_messages(rib, dgram, (int)len, NULL);
}

/* An empty RIB for a dump of about as many prefixes as now: sized once,
 * not grown 20 times. */
static int shadow_init(struct fm_mirror *m, struct rib *shadow)
{
	int rc = rib_init(shadow);

	if (rc)
		return rc;
	shadow->max_routes = m->max_routes;
	htab_reserve(&shadow->routes, m->rib.routes.n);
	return 0;
}

/* An empty RIB for a dump's second copy, the readers' (*@ret = @twin), or
 * none for a writer-only mirror (*@ret = NULL). Return 0 or -ENOMEM. */
static int twin_init(struct fm_mirror *m, struct rib *twin, struct rib **ret)
{
	int rc;

	*ret = NULL;
	if (m->writer_only)
		return 0;
	if ((rc = shadow_init(m, twin)))
		return rc;
	*ret = twin;
	return 0;
}

/* Milliseconds until the readers' copy is due to be handed the writer's
 * state (0: now, -1: it has it). */
static int64_t handover_due(const struct fm_mirror *m)
{
	int64_t d = (int64_t)(m->handover_ms + HANDOVER_MS) - (int64_t)now_ms();

	if (m->writer_only || !replica_behind(&m->rp) || m->rp.broken)
		return -1;
	if (replica_log_bytes(&m->rp) >= HANDOVER_LOG)
		return 0;
	return d > 0 ? d : 0;
}

/*
 * Hand the writer's state to the general path's readers (fib/replica.h):
 * at once after a quiet spell, during a storm every HANDOVER_MS (each waits
 * for the previous copy's readers and replays what changed since), or once
 * HANDOVER_LOG bytes of datagrams wait. So other threads lag the
 * writer by that at most, as the FIB's readers lag it by a publication.
 * With nothing to hand over, a FIB just published of the same state guides
 * their walks from now on. Decisions taken from the previous state are
 * stale: the generations move on (as at publication).
 */
static void hand_over(struct fm_mirror *m, bool now)
{
	uint64_t seq = fib_current(m) ? m->fib->seq : 0;

	if (m->writer_only)
		return;
	if (!replica_behind(&m->rp)) {
		replica_fib(&m->rp, seq);
		return;
	}
	if (!now && handover_due(m) != 0)
		return;
	if (!replica_handover(&m->rp, &m->rib, mirror_sysctls(m), seq, replay_datagram))
		return;
	m->handover_ms = now_ms();
	if (m->handed_out)
		gens_bump(m->gens, m->unhanded ? m->unhanded : GEN_BOTH);
	m->unhanded = 0;
}

int fm_mirror_open(const struct fm_open_opts *opts, struct fm_mirror **ret)
{
	struct fm_mirror *m;
	struct rib twin, *tw = NULL;
	int rc;

	if (!ret || (opts && opts->sz < sizeof(size_t)) || (open_flags(opts) & ~FM_OPEN_ALL))
		return -EINVAL;
	m = mirror_new(opts);
	if (!m)
		return -ENOMEM;
	m->live = true;
	/* A file's mirror never changes: its readers read the one RIB anyway. */
	if (open_flags(opts) & FM_OPEN_WRITER_ONLY) {
		m->writer_only = true;
		writer_here(m);
	}
	rc = in_netns(opts ? opts->netns : NULL, open_sockets, m);
	if (!rc) {
		m->st.rcvbuf = nl_sock_rcvbuf(&m->ev);
		/* Counted before the dump: what the event socket drops while it
		 * runs is lost too, and asks for a resync. */
		m->drops = nl_sock_drops(&m->ev);
		raise_rcvbuf(m);
		rc = twin_init(m, &twin, &tw);
	}
	if (!rc) {
		rc = dump_into(m, &m->rib, tw);
		if (tw)
			replica_twin(&m->rp, tw);
	}
	if (rc) {
		fm_mirror_free(m);
		return rc;
	}
	m->last_resync_ms = now_ms();
	publish(m);
	hand_over(m, true);
	m->handed_out = true;
	*ret = m;
	return 0;
}

int fm_mirror_open_file(const char *path, const struct fm_open_opts *opts, struct fm_mirror **ret,
			char *err, size_t errlen)
{
	struct fm_mirror *m;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !ret || (open_flags(opts) & ~FM_OPEN_ALL))
		return -EINVAL;
	m = mirror_new(opts);
	if (!m)
		return -ENOMEM;
	rc = io_load(&m->rib, path, 0, err, errlen);
	if (rc) {
		fm_mirror_free(m); /* nothing half-loaded survives */
		return rc;
	}
	replica_fixed(&m->rp, &m->rib);
	publish(m);
	hand_over(m, true);
	m->handed_out = true;
	*ret = m;
	return 0;
}

void fm_mirror_free(struct fm_mirror *m)
{
	if (!m)
		return;
	m->rib.emit = NULL;
	/* No reader may be inside any more; let retired FIBs go too. */
	urcu_memb_barrier();
	fm_rcu_reclaim();
	fib_free(m->fib);
	cache_reg_fini(&m->caches);
	gens_kill(m->gens);
	replica_fini(&m->rp);
	free_retired(m);
	fib_dirty_fini(&m->dirty);
	rib_fini(&m->rib);
	if (m->ev.nl)
		nl_sock_close(&m->ev);
	if (m->req.nl)
		nl_sock_close(&m->req);
	sysctls_close(&m->sys);
	free(m);
}

int fm_mirror_fd(const struct fm_mirror *m)
{
	return m && m->live ? m->ev.fd : -EBADF;
}

/* ------------------------------------------------------------------ resync */

static void watch_diff(struct fm_mirror *m, struct rib *rib, const struct rib_route *r, bool added)
{
	struct ilist *p;

	for (p = m->rib.watches.next; p != &m->rib.watches; p = p->next) {
		struct rib_watch *w = container_of(p, struct rib_watch, link);
		struct fm_route out;

		if (!idx_route_matches(rib, r, &w->gw, w->ifindex))
			continue;
		rib_route_export(rib, r, &out);
		w->cb(&out, added, w->arg);
	}
}

struct resync_ctx {
	struct fm_mirror *m;
	struct rib *shadow;
};

static void resync_diff(char sign, enum fm_kind kind, const void *obj, void *arg)
{
	struct resync_ctx *c = arg;
	struct rib *rib = sign == '-' ? &c->m->rib : c->shadow;
	struct fm_event ev = {.type = sign == '-' ? FM_EV_DEL : FM_EV_NEW, .kind = kind};

	if (kind == FM_KIND_ROUTE)
		watch_diff(c->m, rib, obj, sign == '+');
	if (c->m->sub) {
		export_event(c->m, rib, &ev, obj);
		c->m->sub(&ev, c->m->sub_arg);
	}
}

/* Drop queued notifications: the dump that follows reflects them. */
static void drain(struct fm_mirror *m)
{
	bool foreign;
	int i;

	for (i = 0; i < 1 << 20; i++) {
		ssize_t n = nl_sock_recv(&m->ev, &foreign);

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
	}
	m->drops = nl_sock_drops(&m->ev);
}

/* The mirror's RIB becomes @shadow's state, and @shadow the old one, for the
 * caller to free once nothing needs it (freeing a million routes takes a
 * few hundred milliseconds, better spent later). */
static void rib_adopt(struct fm_mirror *m, struct rib *shadow)
{
	struct rib_hooks h;
	struct rib old;

	rib_hooks_take(&m->rib, &h);
	rib_move(&old, &m->rib);
	rib_move(&m->rib, shadow);
	rib_move(shadow, &old);
	rib_hooks_give(&m->rib, &h);
}

/* What a dump cannot show carries over: the count of silent changes, and
 * what the IPv4 FIB remembers for good (rib.h). */
static void carry_over(struct rib *to, const struct rib *from)
{
	to->implicit = from->implicit;
	to->v4_rules_changed |= from->v4_rules_changed;
	to->v4_local_added |= from->v4_local_added;
}

int fm_mirror_resync(struct fm_mirror *m)
{
	struct rib shadow, twin, *tw;
	struct resync_ctx c = {m, &shadow};
	long diffs;
	int rc;

	if (!m || !m->live)
		return -EOPNOTSUPP;
	writer_here(m);
	free_retired(m);
	replica_tidy(&m->rp);
	if ((rc = shadow_init(m, &shadow)))
		return rc;
	if ((rc = twin_init(m, &twin, &tw))) {
		rib_fini(&shadow);
		return rc;
	}
	m->last_resync_ms = now_ms();
	raise_rcvbuf(m);
	drain(m);
	rc = dump_into(m, &shadow, tw);
	if (rc) {
		rib_fini(&shadow);
		if (tw)
			rib_fini(tw);
		m->resync_pending = true;
		return rc;
	}
	marker(m, FM_EV_RESYNC_BEGIN);
	diffs = rib_diff(&m->rib, &shadow, NULL, NULL, resync_diff, &c);
	carry_over(&shadow, &m->rib);
	if (tw)
		carry_over(tw, &m->rib);
	rib_adopt(m, &shadow);
	if (tw)
		replica_twin(&m->rp, tw);
	changed(m, GEN_BOTH);
	m->dirty.all = true;
	/* A scan of every route: after the backlog (tidy()), not now.
	 * Lookups check lifetimes themselves meanwhile; events set it sooner. */
	m->next_expiry = 0;
	m->expiry_due = true;
	marker(m, FM_EV_RESYNC_END);
	m->st.resyncs++;
	m->st.resync_diffs += diffs > 0 ? (uint64_t)diffs : 0;
	m->resync_pending = false;
	publish(m);
	hand_over(m, true);
	watch_settle(m);
	retire_rib(m, &shadow); /* the old state */
	return diffs < 0 ? (int)diffs : (int)(diffs > INT32_MAX ? INT32_MAX : diffs);
}

/* How long the socket must be quiet before a pending resync runs: longer
 * when events were lost again soon after the last resync started, i.e. the
 * storm outlived it; a pause of the same storm (its writers descheduled on a
 * busy machine) must not start one resync after another. */
static uint64_t quiet_ms(const struct fm_mirror *m)
{
	bool again = m->loss_ms >= m->last_resync_ms &&
		     m->loss_ms - m->last_resync_ms < STORM_RESYNC_FACTOR * m->resync_min_ms;

	return again ? QUIET_STORM_MS : QUIET_MS;
}

/* Milliseconds until a pending resync may run (0: now, -1: none pending). */
static int64_t resync_due(const struct fm_mirror *m)
{
	uint64_t now = now_ms();
	int64_t interval = (int64_t)(m->last_resync_ms + m->resync_min_ms) - (int64_t)now;
	int64_t quiet = (int64_t)(m->last_rx_ms + quiet_ms(m)) - (int64_t)now;
	int64_t ceiling =
	    (int64_t)(m->loss_ms + STORM_RESYNC_FACTOR * m->resync_min_ms) - (int64_t)now;
	int64_t wait;

	if (!m->resync_pending)
		return -1;
	wait = quiet < ceiling ? quiet : ceiling;
	if (interval > wait)
		wait = interval;
	return wait > 0 ? wait : 0;
}

static void maybe_resync(struct fm_mirror *m)
{
	if (resync_due(m) == 0)
		fm_mirror_resync(m);
}

/* The sooner of two delays, -1 meaning none. */
static int64_t sooner(int64_t a, int64_t b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int fm_mirror_timeout(const struct fm_mirror *m)
{
	int64_t due;

	if (!m || !m->live)
		return -1;
	due = sooner(resync_due(m), publish_due(m));
	due = sooner(due, handover_due(m));
	due = sooner(due, m->next_expiry ? (int64_t)rib_expiry_ms(m->next_expiry) : -1);
	return due < 0 ? -1 : due > INT32_MAX ? INT32_MAX : (int)due;
}

/* ----------------------------------------------------------------- events */

static void loss(struct fm_mirror *m)
{
	m->st.overruns++;
	if (!m->resync_pending)
		m->loss_ms = now_ms();
	m->resync_pending = true;
}

/* The datagram in the event socket's buffer, into the RIB and the log of
 * what the readers' copy has yet to replay (at the same clock). */
static int apply_datagram(struct fm_mirror *m, ssize_t n)
{
	int applied;

	m->rib.clock = rib_clock_now();
	applied = apply_messages(&m->rib, m->ev.buf, (int)n, &m->st.malformed);
	if (!m->writer_only && replica_log(&m->rp, m->rib.clock, m->ev.buf, (size_t)n) &&
	    !m->resync_pending)
		loss(m); /* the readers' copy can follow again after a dump */
	m->rib.clock = 0;
	m->st.events += (uint64_t)applied;
	return applied;
}

/* One datagram, or a receive error. */
static int take_datagram(struct fm_mirror *m, ssize_t n, bool foreign)
{
	int applied = 0;

	if (n == -ENOBUFS) {
		m->last_rx_ms = now_ms();
		loss(m);
	} else if (n < 0) {
		m->st.malformed++;
	} else if (foreign) {
		m->st.foreign++;
	} else {
		m->last_rx_ms = now_ms();
		applied = apply_datagram(m, n);
	}
	return applied;
}

/*
 * What changes without a message: sysctls (a second of staleness at most)
 * and route lifetimes. Readers see the sysctls at the next handover.
 */
static void unannounced(struct fm_mirror *m)
{
	if (now_ms() - m->last_sysctl_ms >= 1000) {
		if (sysctls_read(&m->sys)) {
			if (!m->writer_only)
				replica_sysctls_changed(&m->rp);
			m->dirty.rules = true; /* the multipath hash's */
			changed(m, GEN_BOTH);
		}
		m->last_sysctl_ms = now_ms();
	}
	lifetimes(m);
}

int fm_mirror_process(struct fm_mirror *m, int timeout_ms)
{
	int applied = 0, i, rc;
	bool foreign;
	uint64_t drops;

	if (!m || !m->live)
		return -EOPNOTSUPP;
	writer_here(m);
	if (timeout_ms != 0) {
		int due = fm_mirror_timeout(m);

		if (due >= 0 && (timeout_ms < 0 || due < timeout_ms))
			timeout_ms = due;
	}
	rc = nl_sock_wait(&m->ev, timeout_ms);
	if (rc < 0)
		return rc;
	/* Dropped while we were away (stopped, or busy): what is queued is
	 * older than the resync's dump and will be superseded by it, so it is
	 * discarded, not applied; a full 64 MiB queue takes seconds to apply. */
	if (nl_sock_drops(&m->ev) != m->drops) {
		m->last_rx_ms = now_ms();
		loss(m);
		drain(m);
	}
	for (i = 0; i < MAX_BATCH; i++) {
		ssize_t n = nl_sock_recv(&m->ev, &foreign);

		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			/* the backlog is read */
			restore_rcvbuf(m);
			tidy(m);
			break;
		}
		applied += take_datagram(m, n, foreign);
		if (handover_due(m) == 0)
			hand_over(m, true);
	}
	unannounced(m);
	drops = nl_sock_drops(&m->ev);
	if (drops != m->drops) {
		m->drops = drops;
		m->last_rx_ms = now_ms();
		loss(m);
	}
	maybe_resync(m);
	publish(m);
	hand_over(m, false);
	watch_settle(m);
	return applied;
}

/* ----------------------------------------------------------------- verify */

/* The copy other threads' lookups read, handed the current state, against
 * the RIB: never a difference. (A log that lost a datagram hands nothing
 * over until the resync it asked for: nothing to compare meanwhile.) */
static long verify_readers(struct fm_mirror *m, fm_diff_cb cb, void *arg)
{
	if (m->writer_only)
		return 0;
	hand_over(m, true);
	if (replica_behind(&m->rp))
		return 0;
	return rib_diff(&m->rib, replica_now(&m->rp)->rib, cb, arg, NULL, NULL);
}

int fm_mirror_verify(struct fm_mirror *m, fm_diff_cb cb, void *arg)
{
	struct rib shadow;
	long diffs = 0;
	int rc, tries;

	if (!m || !m->live)
		return -EOPNOTSUPP;
	for (tries = 0; tries < 3; tries++) {
		while ((rc = fm_mirror_process(m, 0)) > 0)
			;
		if (rc < 0)
			return rc;
		if ((rc = rib_init(&shadow)))
			return rc;
		rc = dump_into(m, &shadow, NULL);
		if (rc) {
			rib_fini(&shadow);
			return rc;
		}
		/* Changes during the dump make any comparison moot: try again. */
		if (nl_sock_wait(&m->ev, 0) == 0 || tries == 2) {
			diffs = rib_diff(&m->rib, &shadow, cb, arg, NULL, NULL);
			rib_fini(&shadow);
			if (diffs >= 0) {
				long d = verify_readers(m, cb, arg);

				diffs = d < 0 ? d : diffs + d;
			}
			break;
		}
		rib_fini(&shadow);
	}
	return diffs < 0 ? (int)diffs : (int)(diffs > INT32_MAX ? INT32_MAX : diffs);
}

int fm_mirror_save(struct fm_mirror *m, const char *path)
{
	FILE *f;
	int rc;

	if (!m || !path)
		return -EINVAL;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	rc = io_snapshot_write(&m->rib, f);
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	return rc;
}

void fm_mirror_stats(const struct fm_mirror *m, struct fm_stats *ret)
{
	*ret = m->st;
	ret->implicit = m->rib.implicit;
	ret->foreign += m->ev.foreign + m->req.foreign;
	ret->truncated = m->ev.grown + m->req.grown;
	ret->routes = m->rib.n_routes;
	ret->rules = m->rib.rules[0].n + m->rib.rules[1].n;
	ret->nexthops = m->rib.n_nhs;
	ret->links = m->rib.n_links;
	ret->addrs = m->rib.n_addrs;
	ret->mem_bytes = rib_mem(&m->rib) + replica_mem(&m->rp);
	ret->incomplete = m->rib.incomplete;
	ret->live = m->live;
	if (m->live) /* as it is now: raised while a dump's backlog waits */
		ret->rcvbuf = nl_sock_rcvbuf(&m->ev);
}

void fm_mirror_subscribe(struct fm_mirror *m, fm_event_cb cb, void *arg)
{
	m->sub = cb;
	m->sub_arg = arg;
}

/* ---------------------------------------------------------------- queries */

int fm_route_foreach(struct fm_mirror *m, const struct fm_route_filter *f, fm_route_cb cb,
		     void *arg)
{
	if (!m || !cb)
		return -EINVAL;
	return rib_route_foreach(&m->rib, f, cb, arg);
}

struct visit_ctx {
	fm_route_cb cb;
	void *arg;
};

static int visit_export(struct rib *rib, struct rib_route *r, void *arg)
{
	struct visit_ctx *c = arg;
	struct fm_route out;

	rib_route_export(rib, r, &out);
	return c->cb(&out, c->arg);
}

int fm_routes_by_gateway(struct fm_mirror *m, const struct fm_ip *gw, int ifindex, fm_route_cb cb,
			 void *arg)
{
	struct visit_ctx c = {cb, arg};

	if (!m || !gw || !cb)
		return -EINVAL;
	return idx_by_gateway(&m->rib, gw, ifindex, visit_export, &c);
}

int fm_routes_by_dev(struct fm_mirror *m, int ifindex, fm_route_cb cb, void *arg)
{
	struct visit_ctx c = {cb, arg};

	if (!m || !cb || ifindex <= 0)
		return -EINVAL;
	return idx_by_dev(&m->rib, ifindex, visit_export, &c);
}

int fm_rule_foreach(struct fm_mirror *m, uint8_t family, fm_rule_cb cb, void *arg)
{
	return m && cb ? rib_rule_foreach(&m->rib, family, cb, arg) : -EINVAL;
}

int fm_nexthop_foreach(struct fm_mirror *m, fm_nexthop_cb cb, void *arg)
{
	return m && cb ? rib_nh_foreach(&m->rib, cb, arg) : -EINVAL;
}

int fm_link_foreach(struct fm_mirror *m, fm_link_cb cb, void *arg)
{
	return m && cb ? rib_link_foreach(&m->rib, cb, arg) : -EINVAL;
}

int fm_addr_foreach(struct fm_mirror *m, uint8_t family, fm_addr_cb cb, void *arg)
{
	return m && cb ? rib_addr_foreach(&m->rib, family, cb, arg) : -EINVAL;
}

int fm_netconf_foreach(struct fm_mirror *m, fm_netconf_cb cb, void *arg)
{
	size_t i;
	int rc = 0;

	if (!m || !cb)
		return -EINVAL;
	for (i = 0; i < m->rib.n_netconf && !rc; i++)
		rc = cb(&m->rib.netconf[i], arg);
	return rc;
}

int fm_nexthop_get(struct fm_mirror *m, uint32_t id, struct fm_nexthop *ret)
{
	struct rib_nh *nh = m ? rib_nh_find(&m->rib, id) : NULL;

	if (!nh)
		return -ENOENT;
	*ret = nh->o;
	return 0;
}

int fm_link_get(struct fm_mirror *m, int ifindex, struct fm_link *ret)
{
	struct rib_link *l = m ? rib_link_find(&m->rib, ifindex) : NULL;

	if (!l)
		return -ENODEV;
	*ret = l->o;
	return 0;
}

int fm_link_by_name(struct fm_mirror *m, const char *name, struct fm_link *ret)
{
	struct rib_link *l = m && name ? rib_link_by_name(&m->rib, name) : NULL;

	if (!l)
		return -ENODEV;
	*ret = l->o;
	return 0;
}

int fm_sysctl_foreach(struct fm_mirror *m, fm_sysctl_cb cb, void *arg)
{
	int i, rc = 0;

	if (!m || !cb)
		return -EINVAL;
	for (i = 0; i < SYSCTL_COUNT && !rc; i++)
		if (m->sys.v[i] >= 0)
			rc = cb(sysctl_names[i], m->sys.v[i], arg);
	return rc;
}

/* ----------------------------------------------------------------- lookup */

struct rib *mirror_rib(struct fm_mirror *m)
{
	return &m->rib;
}

struct fm_gens *mirror_gens(struct fm_mirror *m)
{
	return m->gens;
}

struct cache_reg *mirror_caches(struct fm_mirror *m)
{
	return &m->caches;
}

struct ilist *mirror_flow_watches(struct fm_mirror *m)
{
	return &m->flow_watches;
}

const struct sysctls *mirror_sysctls(const struct fm_mirror *m)
{
	return m->live ? &m->sys : NULL;
}

/* The published FIB if it is the RIB's, else NULL. Reader: in rcu_read_lock. */
static const struct fib *fib_now(const struct fm_mirror *m)
{
	const struct fib *f = fm_rcu_deref(m->fib);

	return f && !__atomic_load_n(&f->stale, __ATOMIC_ACQUIRE) ? f : NULL;
}

/*
 * The FIB a lookup answers from. Readers take the published one even when
 * the RIB has moved on since: they never wait for the writer, and see a
 * change once it is published (within PUBLISH_MAX_WAIT_MS, sooner when the
 * changes pause), as the kernel's own readers see a change once it is
 * published. The writer's thread (a daemon answering its clients, a program
 * that applies and then asks) asks the RIB itself until then, so it always
 * sees what it applied. Reader: in rcu_read_lock.
 */
static const struct fib *fib_for_lookup(const struct fm_mirror *m)
{
	if (__atomic_load_n(&m->writer, __ATOMIC_RELAXED) == &tl_self)
		return fib_now(m);
	return fm_rcu_deref(m->fib);
}

/*
 * The reference over the RIB: the writer's own (is_writer()), or for other
 * threads the copy last handed over (fib/replica.h), entered without
 * waiting for anything. A FIB compiled from that very state (read under
 * rcu_read_lock) tells the table walks where to start, so a flow with a
 * device or a source costs a few hash probes, not one per prefix length.
 */
static int general_get(struct fm_mirror *m, const struct fm_flow *fl, struct fm_result *ret,
		       uint32_t *deadline)
{
	struct lookup_env env = {.deadline = deadline};
	const struct replica_view *v;
	const struct fib *f;
	int rc;

	if (is_writer(m)) {
		env.rib = &m->rib;
		env.sys = mirror_sysctls(m);
		env.fib = fib_now(m);
		return lk_ref_route_get(&env, fl, ret);
	}
	if (m->writer_only)
		return -EPERM;
	reader_register();
	urcu_memb_read_lock();
	v = replica_enter(&m->rp);
	f = fm_rcu_deref(m->fib);
	env.rib = v->rib;
	env.sys = v->has_sys ? &v->sys : NULL;
	env.fib = f && f->seq == __atomic_load_n(&v->fib_seq, __ATOMIC_RELAXED) ? f : NULL;
	rc = lk_ref_route_get(&env, fl, ret);
	replica_leave(v);
	fm_rcu_reader_left();
	urcu_memb_read_unlock();
	return rc;
}

static bool flow_valid(const struct fm_flow *fl)
{
	return (fl->family == AF_INET || fl->family == AF_INET6) && fl->dst.family == fl->family &&
	       (!fl->src.family || fl->src.family == fl->family);
}

int mirror_route_get(struct fm_mirror *m, const struct fm_flow *fl, struct fm_result *ret,
		     uint32_t *deadline)
{
	const struct fib *f;
	int rc = LK_GENERAL;

	if (!m || !fl || !ret || !flow_valid(fl))
		return -EINVAL;
	reader_register();
	urcu_memb_read_lock();
	if ((f = fib_for_lookup(m)))
		rc = lk_fast_route_get(f, fl, ret, deadline);
	fm_rcu_reader_left();
	urcu_memb_read_unlock();
	return rc == LK_GENERAL ? general_get(m, fl, ret, deadline) : rc;
}

int fm_route_get(struct fm_mirror *m, const struct fm_flow *fl, struct fm_result *ret)
{
	return mirror_route_get(m, fl, ret, NULL);
}

int fm_route_get_bulk(struct fm_mirror *m, const struct fm_flow *fl, struct fm_result *ret, int *rc,
		      size_t n)
{
	const struct fib *f;
	size_t i;

	if (!m || (n && (!fl || !ret || !rc)))
		return -EINVAL;
	for (i = 0; i < n; i++)
		rc[i] = flow_valid(&fl[i]) ? LK_GENERAL : -EINVAL;
	reader_register();
	urcu_memb_read_lock();
	if ((f = fib_for_lookup(m)))
		lk_fast_route_get_bulk(f, fl, ret, rc, n);
	fm_rcu_reader_left();
	urcu_memb_read_unlock();
	for (i = 0; i < n; i++)
		if (rc[i] == LK_GENERAL)
			rc[i] = general_get(m, &fl[i], &ret[i], NULL);
	return 0;
}

/* ---------------------------------------------------------------- helpers */

int fm_ip_parse(const char *s, struct fm_ip *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ret->b) == 1) {
		ret->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ret->b) == 1) {
		ret->family = AF_INET6;
		return 0;
	}
	memset(ret, 0, sizeof(*ret));
	return -EINVAL;
}

/* Dotted quad without printf: glibc's inet_ntop formats IPv4 with sprintf,
 * which costs more than a lookup when -batch prints millions of answers. */
static const char *ip4_format(const uint8_t *b, char *buf, size_t len)
{
	char tmp[16], *p = tmp;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	if ((size_t)(p - tmp) > len)
		return NULL;
	return memcpy(buf, tmp, (size_t)(p - tmp));
}

const char *fm_ip_format(const struct fm_ip *ip, char *buf, size_t len)
{
	const char *s = NULL;

	if (ip->family == AF_INET)
		s = ip4_format(ip->b, buf, len);
	else if (ip->family == AF_INET6)
		s = inet_ntop(AF_INET6, ip->b, buf, (socklen_t)len);
	if (!s && len)
		snprintf(buf, len, "?");
	return buf;
}

const char *fm_version(void)
{
	return FM_VERSION;
}
