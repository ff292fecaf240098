/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Offline sources and the snapshot writer.
 *
 * Three input formats, detected from their first bytes (load.c):
 *  - an `ip route save` file: a 4-byte magic 0x45311224 in host byte order,
 *    then RTM_NEWROUTE messages exactly as the kernel dumped them (savefile.c);
 *  - a fibmirror snapshot: "FMSNAP1\n", a u32 version, then netlink messages
 *    for links, addresses, netconf, nexthops, rules and routes, ended by
 *    NLMSG_DONE (snapshot.c);
 *  - text: `ip route show` / `ip -6 route show` lines or bare prefixes
 *    (textlist.c).
 * Every reader feeds the normal apply path (nl_apply() for messages,
 * rib_*_apply() for text), so offline mode runs the live code.
 *
 * Errors: 0 on success; -EBADMSG or -EINVAL for malformed input, -EFBIG over
 * the size cap, other -errno (I/O, -ENOMEM, RIB errors). On error @err (when
 * not NULL and @errlen > 0) holds a NUL-terminated message naming the byte
 * offset (binary formats) or line number (text) of the first problem. The rib
 * may then hold part of the input: the caller passes a fresh rib and frees it
 * on error.
 *
 * Thread context: the rib's writer thread.
 */
#ifndef FM_IO_H
#define FM_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rib;

#define IO_SAVEFILE_MAGIC     0x45311224u
#define IO_SNAPSHOT_MAGIC     "FMSNAP1\n"
#define IO_SNAPSHOT_MAGIC_LEN 8
#define IO_SNAPSHOT_VERSION   1u
#define IO_DEFAULT_MAX_BYTES  (1ull << 30)

/* NLMSG_ALIGN() masks with an unsigned int; this one keeps size_t width. */
#define IO_ALIGN4(n) (((size_t)(n) + 3) & ~(size_t)3)

/*
 * io_load() - read @path (at most @max_bytes, 0 = IO_DEFAULT_MAX_BYTES) and
 * load it into @rib. A larger file gives -EFBIG without being read.
 */
int io_load(struct rib *rib, const char *path, uint64_t max_bytes, char *err, size_t errlen);

/* io_load_buf() - the same from memory (any alignment). Used by io_load() and the fuzzers. */
int io_load_buf(struct rib *rib, const void *data, size_t len, char *err, size_t errlen);

/* io_snapshot_write() - write @rib as a snapshot to @f. Return 0 or -errno (-EIO on write errors).
 */
int io_snapshot_write(struct rib *rib, FILE *f);

/* Format readers behind io_load_buf(); @data is 4-byte aligned and starts with the magic. */
int io_savefile_load(struct rib *rib, const uint8_t *data, size_t len, char *err, size_t errlen);
int io_snapshot_load(struct rib *rib, const uint8_t *data, size_t len, char *err, size_t errlen);
int io_textlist_load(struct rib *rib, const uint8_t *data, size_t len, char *err, size_t errlen);

/*
 * io_frame() - validate the framing of the netlink message at @off: a whole
 * header, nlmsg_len >= @min_len and not past the end of the input. @what names
 * the format in the error ("savefile"). Return 0 with the length in *ret_len,
 * or -EBADMSG with the reason in @err.
 */
int io_frame(const uint8_t *data, size_t len, size_t off, size_t min_len, const char *what,
	     uint32_t *ret_len, char *err, size_t errlen);

/*
 * io_apply_msg() - nl_apply() one framed message (copied with zero padding when
 * its length is not a multiple of 4, as libmnl reads to the aligned end), turning
 * a failure into "<what>: offset N: ...".
 */
int io_apply_msg(struct rib *rib, const void *msg, size_t off, const char *what, char *err,
		 size_t errlen);

/* io_err() - format an error message into @err (NULL-safe) and return @code. */
int io_err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
