// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's multipath hash, reproduced where it can be (kernel-semantics
 * §6): only with a known, non-zero net.ipv4.fib_multipath_hash_seed (shared
 * by IPv4 and IPv6), and for hash policies 0 (L3) and 1 (L4).
 *
 * The kernel fills a struct flow_keys (zeroed), makes it direction-neutral
 * (__flow_hash_consistentify: lower address and lower port first), and runs
 * SipHash-2-4 keyed with the 32-bit seed repeated to fill each 64-bit half
 * (fib_multipath_hash_construct_key) over the bytes from the "basic" key to the
 * end of the addresses; the result, shifted right once, is compared with each
 * live nexthop's upper bound, round((cumulative weight << 31) / total) - 1.
 * The byte layout below is that of flow_keys in Linux 6.x (basic at offset 8,
 * addresses at 44, 80 bytes in all); the kernel documents the hash as not
 * stable across versions, so tests check it against the running kernel.
 *
 * What `ip route get` hashes: IPv4 builds a packet from the request (source
 * RTA_SRC, 0 when not given; UDP by default); IPv6 hashes the flow itself
 * (source, destination, flow label without the traffic class, protocol).
 */
#include "ref.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

/* SipHash-2-4 (the reference algorithm; 64-bit result). */
static uint64_t siphash24(const uint8_t *p, size_t len, uint64_t k0, uint64_t k1)
{
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			 k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
	uint64_t m, b = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	m = 0;
	memcpy(&m, p + i, len - i);
	b |= m;
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* struct flow_keys, Linux 6.x: offsets of the fields the hash reads. */
enum {
	FK_BASIC = 8, /* n_proto u16, ip_proto u8 */
	FK_TAGS = 12, /* flow_label u32 */
	FK_PORTS = 36,
	FK_ADDRS = 44,
	FK_SIZE = 80,
};

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* __flow_hash_consistentify(): raw little-endian compares, as the kernel's
 * (__force u32)/(__force u16) casts do on this machine. */
static void consistentify(uint8_t *k, int alen)
{
	uint8_t *src = k + FK_ADDRS, *dst = src + alen;
	uint32_t s4, d4;
	uint16_t sp, dp;

	if (alen == 4) {
		memcpy(&s4, src, 4);
		memcpy(&d4, dst, 4);
		if (d4 < s4)
			swap_bytes(src, dst, 4);
	} else if (memcmp(dst, src, 16) < 0) {
		swap_bytes(src, dst, 16);
	}
	memcpy(&sp, k + FK_PORTS, 2);
	memcpy(&dp, k + FK_PORTS + 2, 2);
	if (dp < sp)
		swap_bytes(k + FK_PORTS, k + FK_PORTS + 2, 2);
}

static uint32_t flow_hash(uint8_t *k, int alen, uint64_t seed)
{
	/* From "basic" to the end of the struct, less the unused address room. */
	size_t len = FK_SIZE - FK_BASIC - (32 - 2 * (size_t)alen);
	uint32_t h;

	consistentify(k, alen);
	h = (uint32_t)siphash24(k + FK_BASIC, len, seed, seed);
	return h ? h : 1;
}

void lk_mp_params(const struct lookup_env *env, struct mp_params *p)
{
	p->seed = ref_sysctl(env, "net/ipv4/fib_multipath_hash_seed", 0);
	p->policy[0] = ref_sysctl(env, "net/ipv4/fib_multipath_hash_policy", 0);
	p->policy[1] = ref_sysctl(env, "net/ipv6/fib_multipath_hash_policy", 0);
}

int lk_mp_hash(const struct lookup_env *env, const struct fm_flow *fl, uint32_t *ret)
{
	struct mp_params p;

	lk_mp_params(env, &p);
	return lk_mp_hash_p(&p, fl, ret);
}

int lk_mp_hash_p(const struct mp_params *p, const struct fm_flow *fl, uint32_t *ret)
{
	int v6 = fl->family == AF_INET6, alen = v6 ? 16 : 4;
	int64_t seed = p->seed, policy = p->policy[v6];
	uint8_t k[FK_SIZE];
	uint16_t sport = htons(fl->sport), dport = htons(fl->dport);
	uint8_t proto = fl->ip_proto;

	/* IPv4 hashes the packet built from the request: ports only in its
	 * UDP or TCP header. */
	if (!v6 && proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		sport = dport = 0;

	if (seed <= 0 || (policy != 0 && policy != 1))
		return -1; /* a random seed, or a policy not reproduced */
	memset(k, 0, sizeof(k));
	if (fl->src.family)
		memcpy(k + FK_ADDRS, fl->src.b, alen);
	memcpy(k + FK_ADDRS + alen, fl->dst.b, alen);
	if (policy == 1) {
		k[FK_BASIC + 2] = proto;
		memcpy(k + FK_PORTS, &sport, 2);
		memcpy(k + FK_PORTS + 2, &dport, 2);
	} else if (v6) {
		uint32_t label = htonl(fl->flowlabel & 0xfffff);

		k[FK_BASIC + 2] = proto;
		memcpy(k + FK_TAGS, &label, 4);
	}
	*ret = flow_hash(k, alen, (uint64_t)seed << 32 | (uint64_t)seed) >> 1;
	return 0;
}

/*
 * The member a hash picks: the first live one whose upper bound is not below
 * it (fib_select_multipath, fib6_select_path, nexthop_select_path_hthr).
 * With @mine (IPv4 since 6.15, a flow with a source: whether each member's
 * own source is the flow's), a member of the flow's source wins: the one the
 * hash reaches if it is such a member, else the first such member before
 * it, else the first live one.
 */
int lk_mp_select_pref(const struct fm_hop *hops, int n, uint32_t hash, const bool *mine)
{
	uint64_t total = 0, w = 0;
	bool found = false;
	int i, sel = -1;

	for (i = 0; i < n; i++)
		if (!(hops[i].flags & RTNH_F_DEAD))
			total += hops[i].weight;
	for (i = 0; i < n && total; i++) {
		bool m = !mine || mine[i];
		int64_t ub;

		if (hops[i].flags & RTNH_F_DEAD)
			continue;
		w += hops[i].weight;
		ub = (int64_t)(((w << 31) + total / 2) / total) - 1;
		if (!found) {
			sel = i;
			found = m;
		}
		if ((int64_t)hash > ub)
			continue;
		if (m)
			return i;
		if (found)
			return sel;
	}
	return sel;
}

int lk_mp_select(const struct fm_hop *hops, int n, uint32_t hash)
{
	return lk_mp_select_pref(hops, n, hash, NULL);
}
