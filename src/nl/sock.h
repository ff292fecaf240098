/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink sockets: open, receive from the kernel only, dump (see sock.c). */
#ifndef FM_NL_SOCK_H
#define FM_NL_SOCK_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nl_sock {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	uint32_t seq;
	char *buf;
	size_t buflen;
	uint64_t grown;	  /* buffer grown after MSG_TRUNC peeks */
	uint64_t foreign; /* datagrams not sent by the kernel, dropped */
};

typedef void (*nl_msg_fn)(const struct nlmsghdr *nlh, void *arg);

/* Open a non-blocking socket, joined to @groups (RTNLGRP_*), with @rcvbuf. */
int nl_sock_open(struct nl_sock *s, const unsigned int *groups, size_t ngroups, size_t rcvbuf);
void nl_sock_close(struct nl_sock *s);
size_t nl_sock_rcvbuf(const struct nl_sock *s);
/* Ask for a receive buffer of @bytes (forced when privileged). 0 or -errno. */
int nl_sock_set_rcvbuf(struct nl_sock *s, size_t bytes);
uint64_t nl_sock_drops(const struct nl_sock *s);
/* Receive one datagram into s->buf. Return its length, -EAGAIN, -ENOBUFS,
 * -EMSGSIZE, or -errno; *foreign is set when the kernel did not send it. */
ssize_t nl_sock_recv(struct nl_sock *s, bool *foreign);
/* Wait for input: 1 ready, 0 timeout, -errno. */
int nl_sock_wait(const struct nl_sock *s, int timeout_ms);
/* Dump @type for @family, calling @fn per message. *intr: NLM_F_DUMP_INTR seen. */
int nl_sock_dump(struct nl_sock *s, uint16_t type, uint8_t family, nl_msg_fn fn, void *arg,
		 bool *intr);

#endif
