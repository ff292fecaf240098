// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The daemon: one long-lived mirror per network namespace, serving the CLI's
 * subcommands over a unix control socket.
 *
 * The socket lives at DIR/net-<inode of the netns>.sock, DIR being
 * /run/fibmirror for root (mode 0700) or a per-user directory otherwise, and
 * is itself mode 0600; a connecting peer must also have the daemon's uid or be
 * root (SO_PEERCRED). Every command runs in the daemon's single thread, which
 * is also the mirror's writer, so no locking exists anywhere.
 *
 * Protocol. Request: "FMQ1", u32 length of the rest, u8 family, u8 flags
 * (json, pretty, details), u16 argc, then argc NUL-terminated strings; at
 * most REQ_MAX bytes. Reply: frames of u8 channel ('o' stdout, 'e' stderr,
 * 'x' exit status as u32) + u32 length + payload. "monitor" keeps the
 * connection and streams 'o' frames. Clients are non-blocking with a capped
 * output queue: a client that does not read is dropped, never waited for.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define REQ_MAX	    (64 * 1024)
#define OUT_MAX	    (64u << 20)
#define MAX_CLIENTS 256

struct client {
	int fd;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	bool monitor, closing;
	struct monitor_filter f;
};

struct daemon {
	struct cli *c;
	int lfd;
	struct client cl[MAX_CLIENTS];
	size_t n;
	char path[108];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ------------------------------------------------------------------ paths */

int daemon_socket_path(const char *netns, char *buf, size_t len)
{
	char nspath[4096];
	const char *dir = getenv("FIBMIRROR_SOCKET_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	char dbuf[256];
	struct stat st;

	if (netns && strchr(netns, '/'))
		snprintf(nspath, sizeof(nspath), "%s", netns);
	else if (netns)
		snprintf(nspath, sizeof(nspath), "/run/netns/%s", netns);
	else
		snprintf(nspath, sizeof(nspath), "/proc/self/ns/net");
	if (stat(nspath, &st) < 0)
		return -errno;
	if (!dir && geteuid() == 0)
		dir = "/run/fibmirror";
	if (!dir) {
		snprintf(dbuf, sizeof(dbuf), "%s/fibmirror-%u", xdg ? xdg : "/tmp",
			 (unsigned)geteuid());
		dir = dbuf;
	}
	if ((size_t)snprintf(buf, len, "%s/net-%lu.sock", dir, (unsigned long)st.st_ino) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* ----------------------------------------------------------------- framing */

static int queue(struct client *cl, char chan, const void *data, size_t len)
{
	uint32_t l = (uint32_t)len;
	char *nb;

	if (cl->out_len + len + 5 > OUT_MAX)
		return -ENOBUFS;
	nb = realloc(cl->out, cl->out_len + len + 5);
	if (!nb)
		return -ENOMEM;
	cl->out = nb;
	cl->out[cl->out_len] = chan;
	memcpy(cl->out + cl->out_len + 1, &l, 4);
	memcpy(cl->out + cl->out_len + 5, data, len);
	cl->out_len += len + 5;
	return 0;
}

static void client_close(struct daemon *d, size_t i)
{
	close(d->cl[i].fd);
	free(d->cl[i].in);
	free(d->cl[i].out);
	d->cl[i] = d->cl[--d->n];
}

static void flush_out(struct client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t w = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w <= 0) {
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			cl->closing = true;
			cl->out_off = cl->out_len;
			return;
		}
		cl->out_off += (size_t)w;
	}
	cl->out_len = cl->out_off = 0;
}

/* ----------------------------------------------------------------- requests */

/* Parse a complete request into argv (pointers into cl->in). */
static int parse_request(struct client *cl, struct cli *rc, int *argc, char ***argv)
{
	uint32_t len;
	uint16_t n;
	size_t off = 12, i;
	char **v;

	memcpy(&len, cl->in + 4, 4);
	memcpy(&n, cl->in + 10, 2);
	rc->family = (uint8_t)cl->in[8];
	rc->json = cl->in[9] & 1;
	rc->pretty = cl->in[9] & 2;
	rc->details = cl->in[9] & 4;
	if (n == 0 || n > 1024 || cl->in[cl->in_len - 1] != '\0')
		return -EINVAL;
	v = calloc(n + 1u, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (off >= cl->in_len) {
			free(v);
			return -EINVAL;
		}
		v[i] = cl->in + off;
		off += strlen(v[i]) + 1;
	}
	if (off != cl->in_len) {
		free(v);
		return -EINVAL;
	}
	*argc = n;
	*argv = v;
	return 0;
}

static void reply_exit(struct client *cl, uint32_t status)
{
	queue(cl, 'x', &status, 4);
	cl->closing = true;
}

static void run_request(struct daemon *d, struct client *cl)
{
	struct cli rc = *d->c;
	char *obuf = NULL, *ebuf = NULL, **argv = NULL;
	size_t olen = 0, elen = 0;
	int argc, status;

	rc.in_daemon = true;
	if (parse_request(cl, &rc, &argc, &argv)) {
		queue(cl, 'e', "Error: malformed request\n", 24);
		reply_exit(cl, 1);
		return;
	}
	rc.out = open_memstream(&obuf, &olen);
	rc.err = open_memstream(&ebuf, &elen);
	if (!rc.out || !rc.err) {
		reply_exit(cl, 2);
		goto out;
	}
	if (!strncmp(argv[0], "monitor", strlen(argv[0])) && strlen(argv[0]) >= 3) {
		status = monitor_parse(&rc, argc, argv, &cl->f) ? 1 : -1;
		if (status < 0)
			cl->monitor = true;
	} else {
		status = cli_run(&rc, argc, argv);
	}
	fclose(rc.out);
	fclose(rc.err);
	rc.out = rc.err = NULL;
	if (olen)
		queue(cl, 'o', obuf, olen);
	if (elen)
		queue(cl, 'e', ebuf, elen);
	if (status >= 0)
		reply_exit(cl, (uint32_t)status);
out:
	if (rc.out)
		fclose(rc.out);
	if (rc.err)
		fclose(rc.err);
	free(obuf);
	free(ebuf);
	free(argv);
}

static void client_read(struct daemon *d, struct client *cl)
{
	char buf[4096];
	ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);
	uint32_t len;
	char *nb;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			cl->closing = true, cl->out_len = cl->out_off = 0;
		return;
	}
	if (cl->monitor)
		return; /* monitors only listen */
	if (cl->in_len + (size_t)n > REQ_MAX + 12 || !(nb = realloc(cl->in, cl->in_len + n))) {
		queue(cl, 'e', "Error: request too large\n", 24);
		reply_exit(cl, 1);
		return;
	}
	cl->in = nb;
	memcpy(cl->in + cl->in_len, buf, (size_t)n);
	cl->in_len += (size_t)n;
	if (cl->in_len < 12)
		return;
	memcpy(&len, cl->in + 4, 4);
	if (memcmp(cl->in, "FMQ1", 4) || len > REQ_MAX || len < 4) {
		queue(cl, 'e', "Error: malformed request\n", 24);
		reply_exit(cl, 1);
		return;
	}
	if (cl->in_len < 8 + (size_t)len)
		return;
	if (cl->in_len > 8 + (size_t)len) {
		queue(cl, 'e', "Error: malformed request\n", 24);
		reply_exit(cl, 1);
		return;
	}
	run_request(d, cl);
}

/* ------------------------------------------------------------------ server */

static void on_event(const struct fm_event *ev, void *arg)
{
	struct daemon *d = arg;
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct client *cl = &d->cl[i];
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		if (!cl->monitor || cl->closing)
			continue;
		f = open_memstream(&buf, &len);
		if (!f)
			continue;
		monitor_print(f, d->c->m, &cl->f, ev);
		fclose(f);
		if (len && queue(cl, 'o', buf, len))
			cl->closing = true,
			cl->out_len = cl->out_off = 0; /* a reader that fell behind */
		free(buf);
	}
}

static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

static void accept_one(struct daemon *d)
{
	int fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (d->n == MAX_CLIENTS || !peer_allowed(fd)) {
		close(fd);
		return;
	}
	memset(&d->cl[d->n], 0, sizeof(d->cl[0]));
	d->cl[d->n++].fd = fd;
}

static int listen_on(struct daemon *d)
{
	struct sockaddr_un sa;
	char dir[108], *slash;
	int rc;

	if ((rc = daemon_socket_path(d->c->netns, d->path, sizeof(d->path))))
		return rc;
	snprintf(dir, sizeof(dir), "%s", d->path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((rc = sock_addr(d->path, &sa)))
		return rc;
	d->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->lfd < 0)
		return -errno;
	/* A socket file left by a daemon that died is stale once nobody answers. */
	if (connect(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return -EADDRINUSE;
	unlink(d->path);
	if (bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(d->path, 0600) < 0 ||
	    listen(d->lfd, 64) < 0)
		return -errno;
	return 0;
}

static void serve(struct daemon *d)
{
	struct pollfd p[MAX_CLIENTS + 2];
	size_t i;
	int timeout;

	while (!stop) {
		p[0] = (struct pollfd){.fd = fm_mirror_fd(d->c->m), .events = POLLIN};
		p[1] = (struct pollfd){.fd = d->lfd, .events = POLLIN};
		for (i = 0; i < d->n; i++)
			p[i + 2] = (struct pollfd){
			    .fd = d->cl[i].fd, .events = POLLIN | (d->cl[i].out_len ? POLLOUT : 0)};
		timeout = fm_mirror_timeout(d->c->m);
		if (timeout < 0 || timeout > 250)
			timeout = 250;
		if (poll(p, d->n + 2, timeout) < 0 && errno != EINTR)
			break;
		/* Always: a resync may be pending behind its rate limit. */
		fm_mirror_process(d->c->m, 0);
		if (p[1].revents & POLLIN)
			accept_one(d);
		for (i = d->n; i-- > 0;) {
			struct client *cl = &d->cl[i];

			if (i + 2 < d->n + 2 && (p[i + 2].revents & (POLLIN | POLLHUP | POLLERR)))
				client_read(d, cl);
			flush_out(cl);
			if (cl->closing && cl->out_len == 0)
				client_close(d, i);
		}
	}
}

int daemon_main(struct cli *c, int argc, char **argv)
{
	static struct daemon d;
	struct sigaction sa = {.sa_handler = on_signal};
	int rc;

	(void)argv;
	if (argc != 1) {
		fprintf(c->err, "Usage: fibmirror daemon\n");
		return 1;
	}
	if (c->file) {
		fprintf(c->err, "Error: the daemon mirrors the live kernel, not --file\n");
		return 1;
	}
	if (cli_mirror(c))
		return 2;
	d.c = c;
	d.lfd = -1;
	if ((rc = listen_on(&d))) {
		fprintf(c->err, "Error: control socket %s: %s\n", d.path, strerror(-rc));
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fm_mirror_subscribe(c->m, on_event, &d);
	fprintf(c->err, "fibmirror daemon: serving %s\n", d.path);
	serve(&d);
	fm_mirror_subscribe(c->m, NULL, NULL);
	while (d.n)
		client_close(&d, d.n - 1);
	close(d.lfd);
	unlink(d.path);
	return 0;
}

/* ------------------------------------------------------------------ client */

static int send_request(int fd, struct cli *c, int argc, char **argv)
{
	char *req;
	size_t len = 12, off = 12;
	uint32_t l;
	uint16_t n = (uint16_t)argc;
	int i, rc = 0;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len - 8 > REQ_MAX || argc > 1024)
		return -E2BIG;
	req = malloc(len);
	if (!req)
		return -ENOMEM;
	memcpy(req, "FMQ1", 4);
	l = (uint32_t)(len - 8);
	memcpy(req + 4, &l, 4);
	req[8] = (char)c->family;
	req[9] = (char)((c->json ? 1 : 0) | (c->pretty ? 2 : 0) | (c->details ? 4 : 0));
	memcpy(req + 10, &n, 2);
	for (i = 0; i < argc; i++) {
		strcpy(req + off, argv[i]);
		off += strlen(argv[i]) + 1;
	}
	for (off = 0; off < len;) {
		ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (w <= 0) {
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	free(req);
	return rc;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t r = read(fd, (char *)buf + off, len - off);

		if (r <= 0)
			return r == 0 ? -EPIPE : -errno;
		off += (size_t)r;
	}
	return 0;
}

static int read_replies(int fd, struct cli *c)
{
	char hdr[5], *buf = NULL;
	uint32_t len, status;

	for (;;) {
		if (read_full(fd, hdr, 5)) {
			fprintf(c->err, "Error: the daemon closed the connection\n");
			free(buf);
			return 2;
		}
		memcpy(&len, hdr + 1, 4);
		if (len > OUT_MAX || !(buf = realloc(buf, len + 1u)) || read_full(fd, buf, len)) {
			free(buf);
			return 2;
		}
		if (hdr[0] == 'x' && len == 4) {
			memcpy(&status, buf, 4);
			free(buf);
			return (int)status;
		}
		fwrite(buf, 1, len, hdr[0] == 'e' ? c->err : c->out);
		if (hdr[0] == 'o')
			fflush(c->out);
	}
}

/* "save FILE" is written by the daemon: give it an absolute path. */
static char *absolute(const char *path)
{
	char cwd[4096], *p;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&p, "%s/%s", cwd, path) < 0)
		return NULL;
	return p;
}

int daemon_forward(struct cli *c, int argc, char **argv)
{
	struct sockaddr_un sa;
	char path[108], *abs = NULL;
	int fd, rc;

	if (daemon_socket_path(c->netns, path, sizeof(path)) || sock_addr(path, &sa))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	if (argc == 2 && !strcmp(argv[0], "save") && (abs = absolute(argv[1])))
		argv = (char *[]){argv[0], abs, NULL};
	rc = send_request(fd, c, argc, argv);
	free(abs);
	if (rc) {
		close(fd);
		return -1;
	}
	rc = read_replies(fd, c);
	close(fd);
	return rc;
}
