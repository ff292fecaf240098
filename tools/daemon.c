// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The daemon: one long-lived mirror per network namespace, serving the CLI's
 * subcommands over a unix control socket.
 *
 * The socket lives at DIR/net-<inode of the netns>.sock, DIR being
 * /run/fibmirror for root (mode 0700) or a per-user directory otherwise, and
 * is itself mode 0600; a connecting peer must also have the daemon's uid or be
 * root (SO_PEERCRED). With "daemon --group NAME" the socket is 0660 in group
 * NAME and the group's members are admitted too. A daemon of a named netns
 * exits when the name is deleted, rather than keep the namespace alive.
 * Every command runs in the daemon's single thread, which is also the
 * mirror's writer, so no locking exists anywhere.
 *
 * Protocol (version 2). Request: "FMQ2", u32 length of the rest, u8 family,
 * u8 flags (REQ_*), u16 argc, then argc NUL-terminated strings: the
 * client's working directory, in which the daemon runs the command (a
 * relative "save FILE" is the client's), then the command's words; at most
 * REQ_MAX bytes. Reply: frames of u8 channel ('o' stdout, 'e' stderr, 'x'
 * exit status as u32) + u32 length + payload. A command closes the
 * connection after its 'x'; "monitor" keeps it and streams 'o' frames; a
 * -batch chunk (REQ_BATCH: the words are the file name, the number of the
 * line before the chunk, the chunk's lines) keeps it for the next chunk, so
 * a batch of any size is one connection and chunks of at most REQ_MAX
 * bytes: no client holds the daemon for longer than one chunk takes.
 *
 * Clients are non-blocking with an output queue capped at OUT_MAX (the
 * environment's FIBMIRROR_DAEMON_QUEUE, in bytes, lowers it for tests). A
 * monitor that falls behind is never waited for: the events that do not fit
 * are counted, not queued, and once its queue has drained it gets an error
 * saying how many it missed, and exit status 3 (a gap is never silent). A
 * command whose output outgrows the queue (a full table's "show -j") waits
 * for its client to read, at most DRAIN_MS without progress and DRAIN_MAX_MS
 * in all, and the client is dropped after that, so no client holds the
 * others up for longer.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX	     (64 * 1024)
#define OUT_MAX	     (64u << 20)
#define CHAN_BUF     (64 * 1024) /* a command's output is queued in frames of this */
#define DRAIN_MS     1000	 /* a client whose queue is full must read within this */
#define DRAIN_MAX_MS 3000	 /* and a request's output may wait this long in all */
#define MAX_CLIENTS  256
#define QUEUE_KEEP   (1u << 20)		 /* an empty queue keeps at most this much */
#define IN_MAX	     (2 * (REQ_MAX + 8)) /* a request and the batch chunk sent ahead */
#define RECV_MAX     16384		 /* read from a client at a time */

/* Request flags (byte 9). */
enum {
	REQ_JSON = 1,
	REQ_PRETTY = 2,
	REQ_DETAILS = 4,
	REQ_BATCH = 8,	/* a -batch chunk */
	REQ_FORCE = 16, /* -force: a failing line does not stop the chunk */
};
/* A batch chunk's lines: what fits in a request beside its other words. */
#define CHUNK_MAX (REQ_MAX - 8192)

static size_t out_max = OUT_MAX; /* a client's queue; FIBMIRROR_DAEMON_QUEUE */

struct client {
	int fd;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	bool monitor, closing;
	bool dropped;	    /* what it was sent is cut short: nothing more is queued */
	bool batch_stopped; /* a -batch line failed without -force */
	uint64_t missed;    /* a monitor that fell behind: events not sent */
	uint64_t waited_ms; /* the current request's output, waiting for the client */
	struct monitor_filter f;
	FILE *sink; /* daemon_serve_buffer(): the replies go here, not to fd */
};

struct daemon {
	struct cli *c;
	int lfd;
	struct client cl[MAX_CLIENTS];
	size_t n;
	char path[108];
	bool group; /* daemon --group: its members are admitted too */
	gid_t gid;
	int nswatch;  /* inotify on the directory of the netns name, or -1 */
	bool ns_gone; /* that name was deleted: time to go */
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

	if (cl->dropped)
		return -EPIPE; /* a frame after a cut one would be read as garbage */
	if (cl->out_len + len + 5 > out_max)
		return -ENOBUFS;
	if (cl->out_len + len + 5 > cl->out_cap) {
		/* Doubling: a monitor's queue takes one frame per event, and
		 * growing it by each would copy it over and over. */
		size_t cap = cl->out_cap ? cl->out_cap : 4096;

		while (cap < cl->out_len + len + 5)
			cap *= 2;
		cap = cap < out_max ? cap : out_max;
		nb = realloc(cl->out, cap);
		if (!nb)
			return -ENOMEM;
		cl->out = nb;
		cl->out_cap = cap;
	}
	cl->out[cl->out_len] = chan;
	memcpy(cl->out + cl->out_len + 1, &l, 4);
	memcpy(cl->out + cl->out_len + 5, data, len);
	cl->out_len += len + 5;
	return 0;
}

/* Drop what @cl has not read yet; it is closed once the loop sees it. */
static void client_drop(struct client *cl)
{
	cl->closing = cl->dropped = true;
	cl->out_len = cl->out_off = 0;
}

static void queue_error(struct client *cl, const char *msg)
{
	queue(cl, 'e', msg, strlen(msg));
}

static void reply_exit(struct client *cl, uint32_t status)
{
	queue(cl, 'x', &status, 4);
	cl->closing = true;
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
	if (cl->sink && cl->out_off < cl->out_len &&
	    fwrite(cl->out + cl->out_off, 1, cl->out_len - cl->out_off, cl->sink) !=
		cl->out_len - cl->out_off) {
		client_drop(cl);
		return;
	}
	while (!cl->sink && cl->out_off < cl->out_len) {
		ssize_t w = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w <= 0) {
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			client_drop(cl);
			return;
		}
		cl->out_off += (size_t)w;
	}
	cl->out_len = cl->out_off = 0;
	if (cl->out_cap > QUEUE_KEEP) { /* a burst is over: give its memory back */
		free(cl->out);
		cl->out = NULL;
		cl->out_cap = 0;
	}
}

/*
 * Make room in a full queue by waiting for the client to read: a command
 * whose output exceeds the queue (a full table's "show") streams to a
 * client that reads, and a client that stops reading for DRAIN_MS is
 * dropped, which is also the longest it can hold the others up.
 */
static int drain(struct client *cl)
{
	while (!cl->closing && cl->out_len - cl->out_off > out_max / 2) {
		struct pollfd p = {.fd = cl->fd, .events = POLLOUT};
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!cl->sink && (cl->waited_ms >= DRAIN_MAX_MS || poll(&p, 1, DRAIN_MS) <= 0))
			client_drop(cl); /* it reads too slowly, if at all */
		else
			flush_out(cl);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cl->waited_ms += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000 +
					    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
	if (cl->closing)
		return -EPIPE;
	memmove(cl->out, cl->out + cl->out_off, cl->out_len - cl->out_off);
	cl->out_len -= cl->out_off;
	cl->out_off = 0;
	return 0;
}

/* A command's standard output or error: a buffered stream whose flushes
 * are queued as frames, so output is copied once, in large pieces. */
struct chan {
	struct client *cl;
	char id;
};

/* A monitor that fell behind, once it has read all that was queued before:
 * the end of its stream says so, and how much it missed. */
static void monitor_gap(struct client *cl)
{
	char msg[192];

	if (!cl->monitor || !cl->missed || cl->closing || cl->out_len)
		return;
	snprintf(msg, sizeof(msg),
		 "Error: monitor fell behind: up to %" PRIu64
		 " events were not sent (the mirror is intact; start monitor again)\n",
		 cl->missed);
	queue_error(cl, msg);
	reply_exit(cl, 3);
	flush_out(cl);
}

static ssize_t chan_write(void *arg, const char *buf, size_t len)
{
	struct chan *ch = arg;
	int rc;

	if (ch->cl->closing)
		return -1;
	rc = queue(ch->cl, ch->id, buf, len);
	if (rc == -ENOBUFS && drain(ch->cl) == 0)
		rc = queue(ch->cl, ch->id, buf, len);
	return rc || ch->cl->closing ? -1 : (ssize_t)len; /* stdio marks the stream failed */
}

static FILE *chan_open(struct chan *ch, struct client *cl, char id)
{
	FILE *f;

	*ch = (struct chan){.cl = cl, .id = id};
	f = fopencookie(ch, "w", (cookie_io_functions_t){.write = chan_write});
	if (f && setvbuf(f, NULL, _IOFBF, CHAN_BUF)) {
		fclose(f);
		f = NULL;
	}
	return f;
}

/* ----------------------------------------------------------------- requests */

/* Parse the @rlen-byte request at the head of cl->in into argv (pointers
 * into cl->in). */
static int parse_request(struct client *cl, size_t rlen, struct cli *rc, int *argc, char ***argv)
{
	uint32_t len;
	uint16_t n;
	size_t off = 12, i;
	char **v;

	memcpy(&len, cl->in + 4, 4);
	memcpy(&n, cl->in + 10, 2);
	rc->family = (uint8_t)cl->in[8];
	rc->json = cl->in[9] & REQ_JSON;
	rc->pretty = cl->in[9] & REQ_PRETTY;
	rc->details = cl->in[9] & REQ_DETAILS;
	rc->force = cl->in[9] & REQ_FORCE;
	if (n == 0 || n > 1024 || cl->in[rlen - 1] != '\0')
		return -EINVAL;
	v = calloc(n + 1u, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (off >= rlen) {
			free(v);
			return -EINVAL;
		}
		v[i] = cl->in + off;
		off += strlen(v[i]) + 1;
	}
	if (off != rlen) {
		free(v);
		return -EINVAL;
	}
	*argc = n;
	*argv = v;
	return 0;
}

/* Run one -batch chunk. Return the batch status; the connection stays open. */
static int run_chunk(struct cli *rc, int argc, char **argv)
{
	unsigned long lineno;
	char *end = NULL;
	FILE *in;
	int status;

	errno = 0;
	if (argc == 3)
		lineno = strtoul(argv[1], &end, 10);
	if (argc != 3 || errno || *end) {
		fprintf(rc->err, "Error: malformed request\n");
		return 1;
	}
	in = fmemopen(argv[2], strlen(argv[2]), "r");
	if (!in) {
		fprintf(rc->err, "Error: -batch through the daemon: %s\n", strerror(errno));
		return 2;
	}
	status = batch_lines(rc, in, argv[0], &lineno, rc->force);
	fclose(in);
	return status;
}

/* The command of a request, in whatever the client asked for. */
static int dispatch(struct client *cl, struct cli *rc, int argc, char **argv)
{
	int status;

	if (cl->in[9] & REQ_BATCH) {
		if (cl->batch_stopped)
			return 1; /* sent before the client knew a line had failed */
		status = run_chunk(rc, argc, argv);
		cl->batch_stopped = status && !rc->force;
		return status;
	}
	if (cli_is_monitor(argv[0])) {
		status = monitor_parse(rc, argc, argv, &cl->f) ? 1 : -1;
		cl->monitor = status < 0;
		return status;
	}
	return cli_run(rc, argc, argv);
}

/* dispatch() in the client's directory @dir, then back in ours. */
static int dispatch_in(struct client *cl, struct cli *rc, const char *dir, int argc, char **argv)
{
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), status;

	if (dir[0] != '/' || argc < 1) {
		fprintf(rc->err, "Error: malformed request\n");
		status = 1;
	} else if (here < 0 || chdir(dir) < 0) {
		fprintf(rc->err, "Error: the daemon cannot enter %s: %s\n", dir, strerror(errno));
		status = 2;
	} else {
		status = dispatch(cl, rc, argc, argv);
	}
	if (here >= 0 && fchdir(here) < 0)
		fprintf(rc->err, "Error: the daemon's directory: %s\n", strerror(errno));
	if (here >= 0)
		close(here);
	return status;
}

static void run_request(struct daemon *d, struct client *cl, size_t rlen)
{
	struct cli rc = *d->c;
	struct chan och, ech;
	char **argv = NULL;
	int argc, status;
	bool batch, lost;

	rc.in_daemon = true;
	cl->waited_ms = 0;
	if (parse_request(cl, rlen, &rc, &argc, &argv)) {
		queue_error(cl, "Error: malformed request\n");
		reply_exit(cl, 1);
		return;
	}
	rc.out = chan_open(&och, cl, 'o');
	rc.err = chan_open(&ech, cl, 'e');
	if (!rc.out || !rc.err) {
		reply_exit(cl, 2);
		goto out;
	}
	batch = cl->in[9] & REQ_BATCH;
	status = dispatch_in(cl, &rc, argv[0], argc - 1, argv + 1);
	lost = fclose(rc.out) == EOF;
	lost |= fclose(rc.err) == EOF;
	rc.out = rc.err = NULL;
	if (lost && !cl->closing) { /* out of memory: never a silently short reply */
		queue_error(cl, "Error: the daemon lost part of the reply\n");
		status = 2;
	}
	if (batch) {
		uint32_t st = (uint32_t)status;

		queue(cl, 'x', &st, 4);
	} else if (status >= 0) {
		reply_exit(cl, (uint32_t)status);
	}
out:
	if (rc.out)
		fclose(rc.out);
	if (rc.err)
		fclose(rc.err);
	free(argv);
}

/* Append the @n (> 0) bytes @cl sent to its input. */
static void client_take(struct client *cl, const char *buf, size_t n)
{
	char *nb;

	if (cl->monitor || cl->closing)
		return; /* monitors only listen */
	if (cl->in_len + n > IN_MAX || !(nb = realloc(cl->in, cl->in_len + n))) {
		queue_error(cl, "Error: request too large\n");
		reply_exit(cl, 1);
		return;
	}
	cl->in = nb;
	memcpy(cl->in + cl->in_len, buf, n);
	cl->in_len += n;
}

/* Take what @cl sent; serve() runs each request once it is complete. */
static void client_read(struct client *cl)
{
	char buf[RECV_MAX];
	ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			client_drop(cl);
		return;
	}
	client_take(cl, buf, (size_t)n);
}

/* The length of the complete request at the head of @cl's input; 0 while
 * there is none, or after answering a malformed one. */
static size_t request_ready(struct client *cl)
{
	uint32_t len;

	if (cl->closing || cl->monitor || cl->in_len < 12)
		return 0;
	memcpy(&len, cl->in + 4, 4);
	if (memcmp(cl->in, "FMQ2", 4) || len > REQ_MAX || len < 4) {
		queue_error(cl, "Error: malformed request\n");
		reply_exit(cl, 1);
		return 0;
	}
	return cl->in_len >= 8 + (size_t)len ? 8 + (size_t)len : 0;
}

/* Run @cl's next request if it is complete. Return whether another one is
 * waiting (a -batch client sends its next chunk ahead). */
static bool client_serve(struct daemon *d, struct client *cl)
{
	size_t rlen = request_ready(cl);

	if (!rlen)
		return false;
	run_request(d, cl, rlen);
	memmove(cl->in, cl->in + rlen, cl->in_len - rlen);
	cl->in_len -= rlen;
	return request_ready(cl) != 0;
}

/*
 * The bytes a client wrote, served as serve() serves a connection (taken in
 * RECV_MAX pieces, one request per round, its replies flushed after it) by
 * the same functions, but with no socket: the reply frames go to @replies, a
 * reader that never falls behind. Serving stops where the daemon would stop
 * reading: the connection closing, a monitor, or the end of @data with no
 * complete request left. For the fuzz target (tests/fuzz/fuzz_control.c).
 */
void daemon_serve_buffer(struct cli *c, const void *data, size_t len, FILE *replies)
{
	struct daemon d = {.c = c, .lfd = -1, .nswatch = -1};
	struct client cl = {.fd = -1, .sink = replies};
	bool pending = false;
	size_t off = 0, n;

	while (!cl.closing && !cl.monitor && (off < len || pending)) {
		n = len - off < RECV_MAX ? len - off : RECV_MAX;
		if (n)
			client_take(&cl, (const char *)data + off, n);
		off += n;
		pending = client_serve(&d, &cl);
		flush_out(&cl);
	}
	free(cl.in);
	free(cl.out);
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
		if (cl->missed) { /* behind: nothing more until its queue drains */
			cl->missed++;
			continue;
		}
		f = open_memstream(&buf, &len);
		if (!f)
			continue;
		monitor_print(f, d->c->m, &cl->f, ev);
		fclose(f);
		if (len && queue(cl, 'o', buf, len))
			cl->missed = 1; /* a reader that fell behind */
		free(buf);
	}
}

/* Whether @gid is among the supplementary groups of the peer of @fd, which
 * SO_PEERCRED does not give (Linux 4.13+; before, only the primary counts). */
static bool peer_in_group(int fd, gid_t gid)
{
	bool in = false;
#ifdef SO_PEERGROUPS
	gid_t small[64], *g = small;
	socklen_t l = sizeof(small), i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &l) < 0 &&
	    (errno != ERANGE || !(g = malloc(l)) ||
	     getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &l) < 0))
		l = 0;
	for (i = 0; i < l / sizeof(*g); i++)
		in |= g[i] == gid;
	if (g != small)
		free(g);
#else
	(void)fd;
	(void)gid;
#endif
	return in;
}

/* Root, our own uid, or with --group a member of the group (the socket's
 * mode already says so; this holds should the file's mode be loosened). */
static bool peer_allowed(const struct daemon *d, int fd)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		return false;
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	return d->group && (cr.gid == d->gid || peer_in_group(fd, d->gid));
}

static void accept_one(struct daemon *d)
{
	int fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (d->n == MAX_CLIENTS || !peer_allowed(d, fd)) {
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
	struct stat st;
	int rc;

	if ((rc = daemon_socket_path(d->c->netns, d->path, sizeof(d->path))))
		return rc;
	snprintf(dir, sizeof(dir), "%s", d->path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	/* With --group the group must reach the socket: the directory becomes
	 * searchable (not listable); the socket's mode and group are the gate. */
	if (d->group && (stat(dir, &st) < 0 || chmod(dir, (st.st_mode & 07777) | 0011) < 0))
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
	if (bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (d->group && chown(d->path, (uid_t)-1, d->gid) < 0) ||
	    chmod(d->path, d->group ? 0660 : 0600) < 0 || listen(d->lfd, 64) < 0)
		return -errno;
	return 0;
}

/*
 * A daemon of a named namespace ends when the name is deleted (`ip netns
 * del`): its sockets would keep the namespace alive, unreachable by name,
 * for as long as it runs. inotify on the name's directory (/run/netns)
 * reports the unlink. Set d->nswatch (-1 for the current namespace, or
 * without inotify) and d->ns_gone if the name is already gone.
 */
static void ns_watch(struct daemon *d)
{
	char dir[4096];
	const char *ns = d->c->netns;

	d->nswatch = -1;
	if (!ns)
		return;
	if (strchr(ns, '/'))
		snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(ns, '/') - ns), ns);
	else
		snprintf(dir, sizeof(dir), "/run/netns");
	d->nswatch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->nswatch >= 0 &&
	    inotify_add_watch(d->nswatch, dir[0] ? dir : "/", IN_DELETE | IN_MOVED_FROM) < 0) {
		close(d->nswatch);
		d->nswatch = -1;
	}
	/* Deleted before the watch began? */
	snprintf(dir, sizeof(dir), strchr(ns, '/') ? "%s" : "/run/netns/%s", ns);
	d->ns_gone = access(dir, F_OK) < 0 && errno == ENOENT;
}

/* Whether the queued inotify events include the deletion of our name. */
static bool ns_deleted(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *name = strrchr(d->c->netns, '/');
	bool gone = false;
	ssize_t n, off;

	name = name ? name + 1 : d->c->netns;
	while ((n = read(d->nswatch, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			gone |= ev->len && !strcmp(ev->name, name);
			off += (ssize_t)(sizeof(*ev) + ev->len);
		}
	}
	return gone;
}

static void serve(struct daemon *d)
{
	struct pollfd p[MAX_CLIENTS + 3];
	size_t i, polled;
	bool pending = false;
	int timeout;

	while (!stop && !d->ns_gone) {
		p[0] = (struct pollfd){.fd = fm_mirror_fd(d->c->m), .events = POLLIN};
		p[1] = (struct pollfd){.fd = d->lfd, .events = POLLIN};
		for (i = 0; i < d->n; i++)
			p[i + 2] = (struct pollfd){
			    .fd = d->cl[i].fd, .events = POLLIN | (d->cl[i].out_len ? POLLOUT : 0)};
		polled = d->n;
		/* Last, so the clients keep their indexes; poll() skips a -1. */
		p[polled + 2] = (struct pollfd){.fd = d->nswatch, .events = POLLIN};
		timeout = fm_mirror_timeout(d->c->m);
		if (timeout < 0 || timeout > 250)
			timeout = 250;
		if (poll(p, polled + 3, pending ? 0 : timeout) < 0 && errno != EINTR)
			break;
		if (p[polled + 2].revents & POLLIN)
			d->ns_gone = ns_deleted(d);
		/* Always: a resync may be pending behind its rate limit. */
		fm_mirror_process(d->c->m, 0);
		if (p[1].revents & POLLIN)
			accept_one(d);
		/* One request per client per round: a batch cannot starve the rest. */
		pending = false;
		for (i = d->n; i-- > 0;) {
			struct client *cl = &d->cl[i];

			if (i < polled && (p[i + 2].revents & (POLLIN | POLLHUP | POLLERR)))
				client_read(cl);
			pending |= client_serve(d, cl);
			flush_out(cl);
			monitor_gap(cl);
			if (cl->closing && cl->out_len == 0)
				client_close(d, i);
		}
	}
}

int daemon_main(struct cli *c, int argc, char **argv)
{
	static struct daemon d;
	struct sigaction sa = {.sa_handler = on_signal};
	const char *q;
	int rc;

	if (argc == 3 && !strcmp(argv[1], "--group")) {
		struct group *g = getgrnam(argv[2]);

		if (!g) {
			fprintf(c->err, "Error: no group \"%s\"\n", argv[2]);
			return 1;
		}
		d.group = true;
		d.gid = g->gr_gid;
	} else if (argc != 1) {
		fprintf(c->err, "Usage: fibmirror daemon [--group NAME]\n");
		return 1;
	}
	if (c->file) {
		fprintf(c->err, "Error: the daemon mirrors the live kernel, not --file\n");
		return 1;
	}
	if (cli_mirror(c))
		return 2;
	/* One flow cache for every client's `get` (this thread answers them all). */
	if ((rc = fm_cache_new(c->m, NULL, &c->cache)))
		c->cache = NULL;
	if ((q = getenv("FIBMIRROR_DAEMON_QUEUE")) && strtoul(q, NULL, 10) >= 2 * CHAN_BUF)
		out_max = strtoul(q, NULL, 10);
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
	ns_watch(&d);
	fprintf(c->err, "fibmirror daemon: serving %s\n", d.path);
	serve(&d);
	if (d.ns_gone)
		fprintf(c->err, "fibmirror daemon: netns %s was deleted, exiting\n", c->netns);
	if (d.nswatch >= 0)
		close(d.nswatch);
	fm_mirror_subscribe(c->m, NULL, NULL);
	while (d.n)
		client_close(&d, d.n - 1);
	close(d.lfd);
	unlink(d.path);
	return 0;
}

/* ------------------------------------------------------------------ client */

/* Send @argv, after this process's directory (the protocol's first word). */
static int send_request(int fd, const struct cli *c, uint8_t flags, int argc, char **argv)
{
	char *req, cwd[4096];
	size_t len = 12, off = 12;
	uint32_t l;
	uint16_t n = (uint16_t)(argc + 1);
	int i, rc = 0;

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	len += strlen(cwd) + 1;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len - 8 > REQ_MAX || argc >= 1024)
		return -E2BIG;
	req = malloc(len);
	if (!req)
		return -ENOMEM;
	memcpy(req, "FMQ2", 4);
	l = (uint32_t)(len - 8);
	memcpy(req + 4, &l, 4);
	req[8] = (char)c->family;
	req[9] = (char)(flags | (c->json ? REQ_JSON : 0) | (c->pretty ? REQ_PRETTY : 0) |
			(c->details ? REQ_DETAILS : 0));
	memcpy(req + 10, &n, 2);
	strcpy(req + off, cwd);
	off += strlen(cwd) + 1;
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

/* The end of a connection that came before the reply's status. */
static const char closed_early[] = "Error: the daemon closed the connection before the end of its "
				   "reply (it drops a client that reads too slowly)\n";

static int read_replies(int fd, struct cli *c)
{
	char hdr[5], *buf = NULL, *nb;
	uint32_t len, status;

	for (;;) {
		if (read_full(fd, hdr, 5)) {
			fputs(closed_early, c->err);
			free(buf);
			return 2;
		}
		memcpy(&len, hdr + 1, 4);
		nb = len > OUT_MAX ? NULL : realloc(buf, len + 1u);
		if (!nb || read_full(fd, nb, len)) {
			free(nb ? nb : buf);
			return 2;
		}
		buf = nb;
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

/* A connection to the daemon of this namespace, or -1 when none serves. */
static int daemon_connect(const struct cli *c)
{
	struct sockaddr_un sa;
	char path[108];
	int fd;

	if (daemon_socket_path(c->netns, path, sizeof(path)) || sock_addr(path, &sa))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int daemon_forward(struct cli *c, int argc, char **argv)
{
	int fd = daemon_connect(c), rc;

	if (fd < 0)
		return -1;
	rc = send_request(fd, c, 0, argc, argv);
	if (rc) {
		close(fd);
		return -1;
	}
	rc = read_replies(fd, c);
	close(fd);
	return rc;
}

/*
 * Append whole lines of @in to @buf (at most CHUNK_MAX bytes, NUL-terminated)
 * and count them in @lines; a line is cut at a NUL byte, where the local
 * batch stops reading it too. A line longer than a chunk is cut short: it
 * fails as an unknown or malformed command. Return the bytes used, 0 at EOF.
 */
static size_t fill_chunk(FILE *in, char *buf, char **line, size_t *cap, bool *held,
			 unsigned long *lines)
{
	size_t used = 0;

	for (;;) {
		size_t len;

		if (!*held && getline(line, cap, in) < 0)
			break;
		len = strlen(*line);
		if (len > CHUNK_MAX - 2)
			len = CHUNK_MAX - 2;
		if (used && used + len + 2 > CHUNK_MAX) {
			*held = true; /* the next chunk's first line */
			break;
		}
		*held = false;
		memcpy(buf + used, *line, len);
		used += len;
		if (!len || buf[used - 1] != '\n')
			buf[used++] = '\n';
		++*lines;
	}
	buf[used] = '\0';
	return used;
}

/*
 * Chunks go out one ahead of the replies being read, so the daemon has the
 * next chunk while this process writes the previous one's output. When a
 * line fails without -force, the daemon skips the chunk already sent, so no
 * line after the failing one runs, as in a local batch.
 */
int daemon_batch(struct cli *c, FILE *in, const char *path, bool force)
{
	char *buf = malloc(CHUNK_MAX), *line = NULL, num[24];
	unsigned long lineno = 0, lines = 0, sent = 0, done = 0;
	size_t cap = 0;
	bool held = false, more = true;
	int fd = -1, status = 0, st;

	if (buf)
		fd = daemon_connect(c);
	if (fd < 0) {
		free(buf);
		return -1;
	}
	while (more || done < sent) {
		if (more && sent - done < 2) {
			char *argv[] = {(char *)path, num, buf, NULL};

			more = fill_chunk(in, buf, &line, &cap, &held, &lines) != 0;
			if (!more)
				continue;
			snprintf(num, sizeof(num), "%lu", lineno);
			lineno += lines;
			lines = 0;
			if (send_request(fd, c, REQ_BATCH | (force ? REQ_FORCE : 0), 3, argv)) {
				fputs(closed_early, c->err);
				status = 2;
				break;
			}
			sent++;
			continue;
		}
		st = read_replies(fd, c);
		done++;
		status = st ?: status;
		if (st == 2 || (st && !force))
			break;
	}
	close(fd);
	free(line);
	free(buf);
	return status;
}
