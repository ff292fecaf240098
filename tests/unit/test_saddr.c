// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Source address selection without a kernel (lookup/saddr.c): RIBs built by
 * hand, one rule at a time. IPv4 (inet_select_addr): scope order of the list,
 * same subnet (the peer's for point-to-point), secondaries never, the
 * fallback over devices in ifindex order with lo first and link scope
 * skipped. IPv6 (ipv6_dev_get_saddr): candidates (tentative, dadfailed,
 * optimistic), then rules 1, 2, 3, 5, 6, 7, 8 and the tie-break by list and
 * device order. The expected answers follow the kernel's rules by hand;
 * tests/netns/test_saddr.sh checks the same rules against a live kernel.
 */
#include "lookup/lookup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

enum { LO = 1, D2 = 2, D3 = 3, D4 = 4, D5 = 5 };

static struct rib rib;

static void reset(void)
{
	static bool inited;
	static const char *names[] = {NULL, "lo", "d2", "d3", "d4", "d5"};
	int i;

	if (inited)
		rib_fini(&rib);
	inited = true;
	rib_init(&rib);
	/* Inserted in reverse so that hash or insertion order is not ifindex order. */
	for (i = D5; i >= LO; i--) {
		struct fm_link l = {.ifindex = i, .flags = IFF_UP | IFF_RUNNING};

		if (i == LO)
			l.flags |= IFF_LOOPBACK;
		snprintf(l.name, sizeof(l.name), "%s", names[i]);
		rib_link_apply(&rib, RIB_NEW, &l);
	}
}

/* "10.1.0.1/24" on @dev; @peer "10.45.0.0/24" or NULL; IFA_F_* @flags. */
static void a4(int dev, const char *cidr, uint8_t scope, uint32_t flags, const char *peer)
{
	struct fm_address a = {.family = AF_INET, .scope = scope, .flags = flags, .ifindex = dev};
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", peer ? peer : cidr);
	slash = strchr(buf, '/');
	a.prefixlen = (uint8_t)atoi(slash + 1);
	*slash = '\0';
	fm_ip_parse(buf, &a.address);
	snprintf(buf, sizeof(buf), "%s", cidr);
	if ((slash = strchr(buf, '/')))
		*slash = '\0';
	fm_ip_parse(buf, &a.local);
	rib_addr_apply(&rib, RIB_NEW, 0, &a);
}

static void a6(int dev, const char *cidr, uint32_t flags)
{
	struct fm_address a = {.family = AF_INET6, .flags = flags, .ifindex = dev};
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	a.prefixlen = (uint8_t)atoi(slash + 1);
	*slash = '\0';
	fm_ip_parse(buf, &a.local);
	a.address = a.local;
	/* The RT_SCOPE the kernel reports, which orders the RIB's list. */
	if (a.local.b[0] == 0xfe && (a.local.b[1] & 0xc0) == 0x80)
		a.scope = RT_SCOPE_LINK;
	else if (strcmp(buf, "::1") == 0)
		a.scope = RT_SCOPE_HOST;
	rib_addr_apply(&rib, RIB_NEW, 0, &a);
}

static const char *s4(int dev, const char *dst, uint8_t scope)
{
	static char out[INET_ADDRSTRLEN];
	uint32_t d = 0, s;

	if (dst)
		inet_pton(AF_INET, dst, &d);
	if (lk_saddr4(&rib, dev, d, scope, &s) < 0)
		return "none";
	return inet_ntop(AF_INET, &s, out, sizeof(out));
}

static const char *s6(int oif, const char *dst)
{
	static char out[INET6_ADDRSTRLEN];
	struct lookup_env env = {.rib = &rib, .sys = NULL};
	uint8_t d[16], s[16];

	inet_pton(AF_INET6, dst, d);
	if (lk_saddr6(&env, oif, d, s) < 0)
		return "none";
	return inet_ntop(AF_INET6, s, out, sizeof(out));
}

static void is(const char *got, const char *want, const char *what)
{
	if (!ok(strcmp(got, want) == 0, "%s", what))
		diag("got %s, want %s", got, want);
}

static void ipv4(void)
{
	reset();
	a4(LO, "127.0.0.1/8", RT_SCOPE_HOST, IFA_F_PERMANENT, NULL);
	a4(D2, "10.1.0.1/24", RT_SCOPE_UNIVERSE, 0, NULL);
	a4(D2, "10.1.0.2/24", RT_SCOPE_UNIVERSE, IFA_F_SECONDARY, NULL);
	a4(D2, "172.16.1.1/16", RT_SCOPE_UNIVERSE, 0, NULL);
	a4(D2, "10.9.0.1/16", RT_SCOPE_LINK, 0, NULL); /* listed before the globals */
	a4(D2, "10.7.0.1/24", RT_SCOPE_HOST, 0, NULL); /* and this before all */

	is(s4(D2, NULL, RT_SCOPE_UNIVERSE), "10.1.0.1", "v4 scope: universe skips host, link");
	is(s4(D2, NULL, RT_SCOPE_LINK), "10.9.0.1", "v4 scope: link scope first in the list");
	is(s4(D2, NULL, RT_SCOPE_HOST), "10.7.0.1", "v4 scope: host scope first in the list");
	is(s4(D2, NULL, RT_SCOPE_SITE), "10.1.0.1", "v4 scope: site accepts universe only here");
	is(s4(D2, "172.16.200.1", RT_SCOPE_UNIVERSE), "172.16.1.1", "v4 same subnet wins");
	is(s4(D2, "8.8.8.8", RT_SCOPE_UNIVERSE), "10.1.0.1", "v4 other subnet: first primary");
	is(s4(D2, "10.1.0.77", RT_SCOPE_UNIVERSE), "10.1.0.1", "v4 secondary never chosen");
	is(s4(D2, "10.9.3.3", RT_SCOPE_UNIVERSE), "10.1.0.1",
	   "v4 same subnet but scope too wide: skipped");
	is(s4(D2, "10.9.3.3", RT_SCOPE_LINK), "10.9.0.1", "v4 same subnet within scope");

	/* A point-to-point address matches on the peer's prefix. */
	a4(D4, "10.4.2.1/24", RT_SCOPE_UNIVERSE, 0, NULL);
	a4(D4, "10.44.0.1", RT_SCOPE_UNIVERSE, 0, "10.45.0.0/24");
	is(s4(D4, "10.45.0.7", RT_SCOPE_UNIVERSE), "10.44.0.1", "v4 peer prefix matches");
	is(s4(D4, "10.44.0.7", RT_SCOPE_UNIVERSE), "10.4.2.1", "v4 own /32 of a peer: no match");

	/* Fallbacks: d3 only has a link-scope address and a secondary. */
	a4(D3, "10.3.0.1/24", RT_SCOPE_LINK, 0, NULL);
	a4(D3, "10.3.1.1/24", RT_SCOPE_UNIVERSE, IFA_F_SECONDARY, NULL);
	is(s4(D3, "10.3.0.9", RT_SCOPE_LINK), "10.3.0.1", "v4 device route: link scope ok");
	is(s4(D3, "10.3.0.9", RT_SCOPE_UNIVERSE), "10.1.0.1",
	   "v4 gateway route: other device, lowest ifindex (lo has none)");
	is(s4(D3, NULL, RT_SCOPE_HOST), "10.3.0.1", "v4 host scope accepts the link address");
	is(s4(D5, NULL, RT_SCOPE_HOST), "127.0.0.1", "v4 host scope falls back to lo's 127.0.0.1");
	a4(LO, "192.0.2.1/32", RT_SCOPE_UNIVERSE, 0, NULL);
	is(s4(D3, "10.3.0.9", RT_SCOPE_UNIVERSE), "192.0.2.1",
	   "v4 gateway route: lo's global address first");
	is(s4(D5, "1.1.1.1", RT_SCOPE_UNIVERSE), "192.0.2.1", "v4 device without IPv4: lo");
	is(s4(99, "1.1.1.1", RT_SCOPE_UNIVERSE), "192.0.2.1", "v4 unknown device: fallback");

	/* The fallback skips link scope, not host scope, on other devices. */
	reset();
	a4(D2, "10.2.0.1/24", RT_SCOPE_LINK, 0, NULL);
	a4(D4, "10.4.0.1/24", RT_SCOPE_UNIVERSE, 0, NULL);
	a4(D3, "10.3.0.1/24", RT_SCOPE_UNIVERSE, 0, NULL);
	is(s4(D5, NULL, RT_SCOPE_LINK), "10.3.0.1", "v4 fallback: ifindex order, link skipped");
	is(s4(D5, NULL, RT_SCOPE_HOST), "10.3.0.1", "v4 fallback at host scope: same");
	reset();
	is(s4(D2, NULL, RT_SCOPE_HOST), "none", "v4 no address anywhere: -EADDRNOTAVAIL");
}

static void ipv6_candidates(void)
{
	reset();
	a6(LO, "::1/128", IFA_F_PERMANENT);
	a6(D2, "fe80::2/64", IFA_F_PERMANENT);
	a6(D2, "2001:db8:2::1/64", IFA_F_PERMANENT);
	a6(D3, "fe80::3/64", IFA_F_PERMANENT | IFA_F_TENTATIVE);
	a6(D3, "2001:db8:3::1/64", IFA_F_PERMANENT | IFA_F_TENTATIVE);
	a6(D3, "2001:db8:3::2/64", IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_DADFAILED);

	is(s6(D2, "2001:db8:9::1"), "2001:db8:2::1", "v6 global destination: global address");
	is(s6(D2, "fe80::99"), "fe80::2", "v6 link-local destination: link-local");
	is(s6(D2, "ff02::1"), "fe80::2", "v6 link-scope multicast: link-local");
	is(s6(D2, "ff0e::1"), "2001:db8:2::1", "v6 global multicast: global of the device");
	is(s6(D2, "ff05::1"), "2001:db8:2::1", "v6 site multicast: smallest enough scope");
	is(s6(D3, "2001:db8:3::5"), "2001:db8:2::1", "v6 tentative never used: another device's");
	is(s6(D3, "fe80::5"), "none", "v6 link-local via a device with only tentative: none");
	is(s6(D3, "ff02::1"), "none", "v6 multicast only looks at the device");
	is(s6(D3, "2001:db8:3::2"), "2001:db8:2::1", "v6 dadfailed never used, even if equal");
	is(s6(D4, "2001:db8:9::1"), "2001:db8:2::1", "v6 device without addresses: others");
	is(s6(LO, "::1"), "::1", "v6 loopback");

	/* Optimistic addresses are candidates but avoided (rule 3). */
	a6(D4, "fe80::4/64", IFA_F_PERMANENT);
	a6(D4, "2001:db8:4::1/64", IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_OPTIMISTIC);
	is(s6(D4, "2001:db8:4::9"), "2001:db8:2::1", "v6 optimistic avoided (rule 3)");
	is(s6(D4, "ff0e::1"), "2001:db8:4::1", "v6 optimistic beats too small a scope");
	is(s6(D4, "2001:db8:4::1"), "2001:db8:4::1", "v6 optimistic: rule 1 still applies");
}

static void ipv6_rules(void)
{
	reset();
	/* Rule 2: scope before everything but rule 1. */
	a6(D2, "fe80::2/64", IFA_F_PERMANENT);
	a6(D2, "fec0::2/64", IFA_F_PERMANENT);
	a6(D2, "2001:db8:2::1/64", IFA_F_PERMANENT);
	is(s6(D2, "fec0::9"), "fec0::2", "v6 rule 2: site-local for site-local");
	is(s6(D2, "fe80::2"), "fe80::2", "v6 rule 1: the destination itself");

	/* Rule 3: deprecated avoided, unless it is the destination. */
	a6(D2, "2001:db8:2::7/64", IFA_F_PERMANENT | IFA_F_DEPRECATED);
	is(s6(D2, "2001:db8:2::8"), "2001:db8:2::1", "v6 rule 3: deprecated avoided");
	is(s6(D2, "2001:db8:2::7"), "2001:db8:2::7", "v6 rule 1 beats rule 3");

	/* Rule 5: the outgoing device before the longest prefix. */
	a6(D3, "2001:db8:3::1/64", IFA_F_PERMANENT);
	is(s6(D2, "2001:db8:3::9"), "2001:db8:2::1", "v6 rule 5: outgoing device first");
	is(s6(0, "2001:db8:3::9"), "2001:db8:3::1", "v6 no outgoing device: longest prefix");

	/* Rule 6: labels (ULA 5, 6to4 2, Teredo 6, ::/0 1) before the prefix. */
	reset();
	a6(D2, "2001:db8:1::1/64", IFA_F_PERMANENT);
	a6(D2, "fd00:9::1/64", IFA_F_PERMANENT);
	a6(D2, "2002:c000:201::1/48", IFA_F_PERMANENT);
	a6(D2, "2001:0:1::1/64", IFA_F_PERMANENT);
	a6(D2, "2001:db8:1::99/128", IFA_F_PERMANENT);
	is(s6(D2, "fd12::1"), "fd00:9::1", "v6 rule 6: ULA for ULA");
	is(s6(D2, "2002:1::1"), "2002:c000:201::1", "v6 rule 6: 6to4 for 6to4");
	is(s6(D2, "2001:0:9::1"), "2001:0:1::1", "v6 rule 6: Teredo for Teredo");
	is(s6(D2, "fd00:9::5"), "fd00:9::1", "v6 rule 6 and 8 agree");
	is(s6(D2, "2003::1"), "2001:db8:1::99",
	   "v6 label 1 for the rest: then the longest prefix (2001:db8:1::99 newest)");
	is(s6(D2, "::ffff:192.0.2.1"), "2001:db8:1::99",
	   "v6 mapped destination (label 4), no match: longest prefix");

	/* Rule 8: longest prefix, capped at the address's prefix length. */
	reset();
	a6(D2, "2001:db8:aaaa::1/32", IFA_F_PERMANENT);
	a6(D2, "2001:db8:aaab::1/64", IFA_F_PERMANENT);
	is(s6(D2, "2001:db8:aaaa::99"), "2001:db8:aaab::1",
	   "v6 rule 8: common bits capped at the prefix length (32 < 47)");
	a6(D2, "2001:db8:aaaa::2/64", IFA_F_PERMANENT);
	is(s6(D2, "2001:db8:aaaa::99"), "2001:db8:aaaa::2", "v6 rule 8: longest prefix");

	/* Ties: the first in list order, i.e. the newest within a scope. */
	reset();
	a6(D2, "2001:db8:1::1/64", IFA_F_PERMANENT);
	a6(D2, "2001:db8:1::2/64", IFA_F_PERMANENT);
	is(s6(D2, "2001:db8:1::ffff"), "2001:db8:1::2", "v6 tie: newest address (list order)");
	a6(D4, "2001:db8:9::4/64", IFA_F_PERMANENT);
	a6(D3, "2001:db8:9::3/64", IFA_F_PERMANENT);
	is(s6(0, "2001:db8:9::ffff"), "2001:db8:9::3", "v6 tie across devices: lower ifindex");
	is(s6(D5, "2001:db8:9::ffff"), "2001:db8:9::3", "v6 tie, not the oif: lower ifindex");

	/* Rule 7: public before temporary (use_tempaddr < 2, the default). */
	reset();
	a6(D2, "2001:db8:7::1/64", IFA_F_PERMANENT | IFA_F_MANAGETEMPADDR);
	a6(D2, "2001:db8:7:0:1234:5678:9abc:def0/64", IFA_F_TEMPORARY);
	is(s6(D2, "2001:db8:7::9"), "2001:db8:7::1", "v6 rule 7: public before temporary");
	a6(D3, "2001:db8:8:0:1234:5678:9abc:def0/64", IFA_F_TEMPORARY);
	is(s6(D3, "2001:db8:7::9"), "2001:db8:8:0:1234:5678:9abc:def0", "v6 rule 5 beats rule 7");
}

/* lk_saddr6_fixed() of "P/len" through @oif, as text ("again", "none"). */
static const char *fixed(int oif, const char *cidr)
{
	static char out[INET6_ADDRSTRLEN];
	struct lk_addrs6 s;
	char buf[64], *slash;
	uint8_t p[16], a[16];
	int rc;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = '\0';
	inet_pton(AF_INET6, buf, p);
	if (lk_addrs6_build(&rib, &s))
		return "nomem";
	rc = lk_saddr6_fixed(&s, oif, p, atoi(slash + 1), a);
	lk_addrs6_free(&s);
	if (rc == -EAGAIN)
		return "again";
	return rc ? "none" : inet_ntop(AF_INET6, a, out, sizeof(out));
}

/*
 * A source chosen once per prefix (the FIB's IPv6 outcomes) must be what
 * every destination in it gets. Teredo's 2001::/32 inside 2001::/16: rule
 * 6 picks 2a00::1 for 2001:db8::1 (label 1) and, with no label matching,
 * rule 8 picks 2002::1 for 2001::1 (14 bits in common, against 4).
 */
static void ipv6_fixed(void)
{
	reset();
	a6(D2, "2a00::1/64", IFA_F_PERMANENT);
	a6(D2, "2002::1/64", IFA_F_PERMANENT);
	is(s6(D2, "2001:db8::1"), "2a00::1", "v6 rule 6 over 2001::/16 outside Teredo");
	is(s6(D2, "2001::1"), "2002::1", "v6 rule 8 inside Teredo");
	is(fixed(D2, "2001::/16"), "again", "fixed: a label entry inside the prefix");
	is(fixed(D2, "2001:db8::/32"), "2a00::1", "fixed: a prefix inside one label entry");
	is(fixed(D2, "2a00::/16"), "again", "fixed: a candidate inside the prefix");
	is(fixed(D2, "fd00::/16"), "again", "fixed: not global unicast (ULA)");
	is(fixed(D2, "2c00::/8"), "2a00::1", "fixed: rule 8 the same throughout");
}

static uint32_t rng = 20261206u;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

/* Random prefixes near random addresses of the devices: wherever
 * lk_saddr6_fixed() answers, 64 random destinations in the prefix agree. */
static void ipv6_fixed_random(void)
{
	static const char *pool[] = {"2001:db8:1::1/64",    "2001:db8:2::1/48", "2a00:1::5/64",
				     "2002:c000:201::1/48", "2001::9/32",	"2001:10::1/64",
				     "fd00::1/64",	    "fe80::2/64",	"3ffe::1/64"};
	static const uint8_t tops[] = {0x20, 0x2a, 0x3f, 0x24, 0xfd, 0x00};
	unsigned tried = 0, answered = 0, bad = 0, r, k, i;
	struct lk_addrs6 s;

	diag("seed %u", rng);
	for (r = 0; r < 40; r++) {
		reset();
		for (i = 0; i < 1 + rnd(5); i++)
			a6(D2 + (int)rnd(4), pool[rnd(9)],
			   rnd(6) ? IFA_F_PERMANENT : IFA_F_DEPRECATED);
		if (lk_addrs6_build(&rib, &s))
			break;
		for (k = 0; k < 200; k++) {
			uint8_t p[16], d[16], a[16], b[16];
			int len = (int)rnd(65), oif = (int)rnd(6), j;

			for (j = 0; j < 16; j++)
				p[j] = (uint8_t)rnd(256);
			p[0] = tops[rnd(6)];
			if (rnd(2))
				p[1] = (uint8_t)(rnd(3));
			tried++;
			if (lk_saddr6_fixed(&s, oif, p, len, a) == -EAGAIN)
				continue;
			answered++;
			for (j = 0; j < 64; j++) {
				int byte;

				memcpy(d, p, 16);
				for (byte = len / 8; byte < 16; byte++) {
					uint8_t keep =
					    byte == len / 8 ? (uint8_t)(0xff << (8 - len % 8)) : 0;

					d[byte] = (uint8_t)((p[byte] & keep) | (rnd(256) & ~keep));
				}
				if (lk_saddr6_fixed(&s, oif, p, len, a) !=
					lk_saddr6_from(&s, oif, d, b) ||
				    memcmp(a, b, 16))
					bad++;
			}
		}
		lk_addrs6_free(&s);
	}
	ok(answered * 4 > tried && bad == 0,
	   "fixed sources: %u of %u prefixes answered, %u disagreements over 64 destinations each",
	   answered, tried, bad);
}

int main(void)
{
	ipv4();
	ipv6_candidates();
	ipv6_rules();
	ipv6_fixed();
	ipv6_fixed_random();
	rib_fini(&rib);
	return tap_done();
}
