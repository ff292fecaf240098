// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: offline loading - read a file under a size cap, detect its format.
 *
 * io_load() reads the whole input into one buffer (never more than the cap:
 * a regular file is measured first, a pipe is read until the cap is crossed)
 * and hands it to io_load_buf(), which picks the reader from the first bytes:
 *
 *   24 12 31 45 (on little-endian)  `ip route save` magic, host byte order
 *   45 31 12 24                      the same magic byte-swapped: refused with a
 *                                    clear message, the messages inside are in
 *                                    the other host's byte order
 *   "FMSNAP1\n"                      a fibmirror snapshot
 *   anything else                    text (which refuses binary bytes)
 *
 * The binary readers cast message headers in place, so io_load_buf() copies
 * an input that is not 8-byte aligned (fuzzers and callers may pass any
 * pointer); that copy is the size of the input, never of a length field.
 *
 * Thread context: the rib's writer.
 */
#include "io.h"
#include "nl/nl.h"
#include "rib/rib.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <sys/socket.h>

int io_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

int io_frame(const uint8_t *data, size_t len, size_t off, size_t min_len, const char *what,
	     uint32_t *ret_len, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = (const void *)(data + off);
	size_t left = len - off;

	if (left < sizeof(*nlh))
		return io_err(err, errlen, -EBADMSG,
			      "%s: offset %zu: truncated message header (%zu of %zu bytes)", what,
			      off, left, sizeof(*nlh));
	if (nlh->nlmsg_len < min_len)
		return io_err(err, errlen, -EBADMSG,
			      "%s: offset %zu: message length %" PRIu32 " < %zu", what, off,
			      nlh->nlmsg_len, min_len);
	if (nlh->nlmsg_len > left)
		return io_err(err, errlen, -EBADMSG,
			      "%s: offset %zu: message length %" PRIu32
			      " runs past the end of the input (%zu bytes left)",
			      what, off, nlh->nlmsg_len, left);
	*ret_len = nlh->nlmsg_len;
	return 0;
}

static const char *msg_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWROUTE:
		return "RTM_NEWROUTE";
	case RTM_NEWRULE:
		return "RTM_NEWRULE";
	case RTM_NEWNEXTHOP:
		return "RTM_NEWNEXTHOP";
	case RTM_NEWLINK:
		return "RTM_NEWLINK";
	case RTM_NEWADDR:
		return "RTM_NEWADDR";
	case RTM_NEWNETCONF:
		return "RTM_NEWNETCONF";
	default:
		return "netlink";
	}
}

/*
 * libmnl walks attributes up to NLMSG_ALIGN(nlmsg_len), so a message whose
 * length is not a multiple of 4 is applied from a zero-padded copy: in place,
 * the last message of an input would be read up to 3 bytes past its end.
 */
static int apply_padded(struct rib *rib, const struct nlmsghdr *nlh)
{
	size_t n = nlh->nlmsg_len;
	void *copy;
	int ret;

	if (!(n & 3))
		return nl_apply(rib, nlh);
	copy = calloc(1, IO_ALIGN4(n));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, nlh, n);
	ret = nl_apply(rib, copy);
	free(copy);
	return ret;
}

int io_apply_msg(struct rib *rib, const void *msg, size_t off, const char *what, char *err,
		 size_t errlen)
{
	const struct nlmsghdr *nlh = msg;
	int ret = apply_padded(rib, nlh);

	if (ret == -EBADMSG)
		return io_err(err, errlen, ret, "%s: offset %zu: malformed %s message", what, off,
			      msg_name(nlh->nlmsg_type));
	if (ret < 0)
		return io_err(err, errlen, ret, "%s: offset %zu: %s message refused: %s", what, off,
			      msg_name(nlh->nlmsg_type), strerror(-ret));
	return ret;
}

/*
 * A route list (`ip route save`, text) carries no rules, but every network
 * namespace starts with the default ones: without them nothing would route.
 * Added when the file brought no rule of either family.
 */
static int with_default_rules(struct rib *rib, int ret)
{
	static const struct {
		uint8_t family;
		uint32_t priority, table;
	} dflt[] = {{AF_INET, 0, RT_TABLE_LOCAL},
		    {AF_INET, 32766, RT_TABLE_MAIN},
		    {AF_INET, 32767, RT_TABLE_DEFAULT},
		    {AF_INET6, 0, RT_TABLE_LOCAL},
		    {AF_INET6, 32766, RT_TABLE_MAIN}};
	size_t i;
	int rc;

	if (ret < 0 || rib->rules[0].n || rib->rules[1].n)
		return ret;
	for (i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++) {
		struct fm_rule r = {.family = dflt[i].family,
				    .action = FR_ACT_TO_TBL,
				    .priority = dflt[i].priority,
				    .table = dflt[i].table,
				    .protocol = RTPROT_KERNEL,
				    .attrs = FM_RULE_PRIORITY | FM_RULE_PROTOCOL};

		if ((rc = rib_rule_apply(rib, RIB_NEW, NLM_F_CREATE | NLM_F_APPEND, &r)))
			return rc;
	}
	return ret;
}

static int load_aligned(struct rib *rib, const uint8_t *p, size_t len, char *err, size_t errlen)
{
	uint32_t magic = 0;

	if (len >= sizeof(magic))
		memcpy(&magic, p, sizeof(magic));
	if (len >= sizeof(magic) && magic == IO_SAVEFILE_MAGIC)
		return with_default_rules(rib, io_savefile_load(rib, p, len, err, errlen));
	if (len >= sizeof(magic) && magic == __builtin_bswap32(IO_SAVEFILE_MAGIC))
		return io_err(err, errlen, -EINVAL,
			      "savefile: offset 0: byte-swapped magic (file from a host of the "
			      "other endianness)");
	if (len >= IO_SNAPSHOT_MAGIC_LEN && !memcmp(p, IO_SNAPSHOT_MAGIC, IO_SNAPSHOT_MAGIC_LEN))
		return io_snapshot_load(rib, p, len, err, errlen);
	return with_default_rules(rib, io_textlist_load(rib, p, len, err, errlen));
}

int io_load_buf(struct rib *rib, const void *data, size_t len, char *err, size_t errlen)
{
	uint8_t *copy;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!len || !((uintptr_t)data & 7))
		return load_aligned(rib, data, len, err, errlen);
	copy = malloc(len);
	if (!copy)
		return io_err(err, errlen, -ENOMEM, "out of memory (%zu bytes)", len);
	memcpy(copy, data, len);
	ret = load_aligned(rib, copy, len, err, errlen);
	free(copy);
	return ret;
}

/* Read all of @fd into a new buffer, failing with -EFBIG past @max bytes. */
static int read_all(int fd, uint64_t max, uint8_t **ret, size_t *ret_len, char *err, size_t errlen)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap), *nb;
	ssize_t r;

	if (!buf)
		return io_err(err, errlen, -ENOMEM, "out of memory");
	for (;;) {
		if (n == cap) {
			if (n > max)
				break;
			/* Grow to at most max + 1 bytes: enough to see that the input is too big.
			 */
			cap = cap > max / 2 ? (size_t)max + 1 : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return io_err(err, errlen, -ENOMEM, "out of memory (%zu bytes)",
					      cap);
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			free(buf);
			return io_err(err, errlen, e, "read: %s", strerror(-e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return io_err(err, errlen, -EFBIG, "input is over the limit of %" PRIu64 " bytes",
			      max);
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

int io_load(struct rib *rib, const char *path, uint64_t max_bytes, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, ret;

	if (err && errlen)
		err[0] = '\0';
	if (!max_bytes)
		max_bytes = IO_DEFAULT_MAX_BYTES;
	if (max_bytes > SIZE_MAX / 4)
		max_bytes = SIZE_MAX / 4;
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return io_err(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = io_err(err, errlen, -errno, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		ret = io_err(err, errlen, -EISDIR, "%s: is a directory", path);
	} else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes) {
		ret = io_err(err, errlen, -EFBIG,
			     "%s: file is %" PRIu64 " bytes, over the limit of %" PRIu64, path,
			     (uint64_t)st.st_size, max_bytes);
	} else {
		ret = read_all(fd, max_bytes, &buf, &len, err, errlen);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (ret < 0)
		return ret;
	ret = load_aligned(rib, buf, len, err, errlen);
	free(buf);
	return ret;
}
