/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by XTCP's benchmark programs (scripts/bench/b*.c): the
 * family under test, the guest clock, close modes, a one-line JSON writer
 * and the rule for what a failure means.
 *
 * Every program takes --family inet|xtcp and prints one JSON object per
 * line on stdout. "status" is "ok" with figures, "na" with a reason when
 * XTCP cannot run the benchmark yet (family not registered, connect or the
 * data path not there), or "error" when something that must work failed
 * (anything on the TCP side): the harness turns "error" into a non-zero
 * exit and "na" into "n/a (reason)" in its table.
 *
 * The clock is CLOCK_MONOTONIC. Under QEMU's -icount shift=0,sleep=off one
 * guest nanosecond is one guest instruction, so every *_ns figure is an
 * instruction count in that mode.
 */
#ifndef XTCP_BENCH_H
#define XTCP_BENCH_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../include/uapi/linux/xtcp.h"

/* ---- the family under test -------------------------------------------- */

struct bfam {
	int family;		/* socket() and sockaddr family */
	int protocol;		/* socket() protocol argument */
	int ipproto;		/* IP protocol number on the wire */
	const char *name;	/* "inet" or "xtcp", as in the JSON */
};

static struct bfam fam = { AF_INET, IPPROTO_TCP, IPPROTO_TCP, "inet" };
static const char *bench_name = "?";

/* Abort (SO_LINGER {1,0}: RST, no TIME_WAIT) or graceful (FIN) close. */
enum { CLOSE_ABORT, CLOSE_GRACEFUL };
static int close_mode = CLOSE_ABORT;

static inline bool is_xtcp(void)
{
	return fam.family == AF_XTCP;
}

static inline void set_family(const char *s)
{
	if (!strcmp(s, "inet") || !strcmp(s, "tcp")) {
		fam = (struct bfam){ AF_INET, IPPROTO_TCP, IPPROTO_TCP, "inet" };
	} else if (!strcmp(s, "xtcp")) {
		fam = (struct bfam){ AF_XTCP, IPPROTO_XTCP, IPPROTO_XTCP, "xtcp" };
	} else {
		fprintf(stderr, "--family inet|xtcp\n");
		exit(2);
	}
}

static inline void set_close_mode(const char *s)
{
	if (!strcmp(s, "abort")) {
		close_mode = CLOSE_ABORT;
	} else if (!strcmp(s, "graceful")) {
		close_mode = CLOSE_GRACEFUL;
	} else {
		fprintf(stderr, "--close abort|graceful\n");
		exit(2);
	}
}

static inline const char *close_mode_name(void)
{
	return close_mode == CLOSE_ABORT ? "abort" : "graceful";
}

/* ---- JSON output: one object per line ----------------------------------- */

static char jbuf[16384];
static size_t jlen;

static inline void jadd(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(jbuf + jlen, sizeof(jbuf) - jlen, fmt, ap);
	va_end(ap);
	if (n > 0 && jlen + n < sizeof(jbuf))
		jlen += n;
}

/* Start a result object: {"bench":..., "variant":..., "family":..., */
static inline void jbegin(const char *variant, const char *status)
{
	jlen = 0;
	jadd("{\"bench\":\"%s\",\"variant\":\"%s\",\"family\":\"%s\","
	     "\"status\":\"%s\",\"close\":\"%s\"",
	     bench_name, variant, fam.name, status, close_mode_name());
}

static inline void jnum(const char *key, double v)
{
	if (v == (double)(long long)v)
		jadd(",\"%s\":%lld", key, (long long)v);
	else
		jadd(",\"%s\":%.6g", key, v);
}

static inline void jstr(const char *key, const char *v)
{
	const char *p;

	jadd(",\"%s\":\"", key);
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			jadd("\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			jadd(" ");
		else
			jadd("%c", *p);
	}
	jadd("\"");
}

static inline void jend(void)
{
	jadd("}\n");
	fwrite(jbuf, 1, jlen, stdout);
	fflush(stdout);
}

/*
 * Something failed. For XTCP that means "not there yet" (n/a with the
 * reason, exit 0); for TCP it is a real error (exit 1). Either way one
 * JSON line says what.
 */
static inline void bfail(const char *variant, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	jbegin(variant, is_xtcp() ? "na" : "error");
	jstr("reason", why);
	jend();
	fprintf(stderr, "%s/%s/%s: %s\n", bench_name, variant, fam.name, why);
	exit(is_xtcp() ? 0 : 1);
}

#define BFAIL_ERRNO(variant, what) \
	bfail(variant, "%s: %s", what, strerror(errno))

/* A watchdog: a hung XTCP operation becomes n/a, a hung TCP one an error. */
static const char *watchdog_variant = "all";

static inline void watchdog_fire(int sig)
{
	char msg[256];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg),
		     "{\"bench\":\"%s\",\"variant\":\"%s\",\"family\":\"%s\","
		     "\"status\":\"%s\",\"reason\":\"timed out (hung operation)\"}\n",
		     bench_name, watchdog_variant, fam.name,
		     is_xtcp() ? "na" : "error");
	if (write(1, msg, n) < 0)
		_exit(3);
	/* Take the forked helpers (servers, flooder) down too. */
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	_exit(is_xtcp() ? 0 : 1);
}

/* XTCP_BENCH_WATCHDOG (seconds), set by the harness, overrides the default. */
static inline void watchdog(const char *variant, unsigned int seconds)
{
	const char *env = getenv("XTCP_BENCH_WATCHDOG");

	if (env && atoi(env) > 0)
		seconds = atoi(env);
	watchdog_variant = variant;
	signal(SIGALRM, watchdog_fire);
	alarm(seconds);
}

/* ---- clock, statistics -------------------------------------------------- */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Percentile (0..100) of n samples; sorts them. */
static inline uint64_t pctl(uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(p / 100.0 * (n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* ---- sockets ----------------------------------------------------------- */

static inline int bsock(void)
{
	return socket(fam.family, SOCK_STREAM, fam.protocol);
}

static inline struct sockaddr_in baddr(uint32_t ip_host_order, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = fam.family;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(ip_host_order);
	return sin;
}

#define LOOPBACK 0x7f000001u	/* 127.0.0.1 */

static inline int bbind(int fd, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sin = baddr(ip, port);

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static inline int bconnect(int fd, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sin = baddr(ip, port);

	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static inline int setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

static inline int local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	return ntohs(sin.sin_port);
}

/* Apply the close mode to a socket (both ends get it, before close()). */
static inline void set_linger(int fd)
{
	struct linger l = { 1, 0 };

	if (close_mode == CLOSE_ABORT)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static inline void bclose(int fd)
{
	set_linger(fd);
	close(fd);
}

/*
 * A listener on ip:port (port 0: ephemeral), SO_REUSEADDR set; returns the
 * fd, or -1 with errno.
 */
static inline int blisten(uint32_t ip, uint16_t port, int backlog)
{
	int fd = bsock();
	int err;

	if (fd < 0)
		return -1;
	setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (bbind(fd, ip, port) || listen(fd, backlog)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* poll() one fd; revents, 0 on timeout, -1 on error. */
static inline int poll1(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	return pfd.revents;
}

static inline void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/*
 * Does the family carry data? Connect a pair on loopback and move one byte
 * each way with timeouts. Returns 0 if it works, else -1 with why not in
 * why. Used to report the data-path benchmarks as n/a until XTCP's data
 * path exists, never to fake them.
 */
static inline int data_path_check(char *why, size_t len)
{
	int l, c = -1, s = -1;
	char b = 'x';
	ssize_t n;

	why[0] = 0;
	l = blisten(LOOPBACK, 0, 8);
	if (l < 0) {
		snprintf(why, len, "listen: %s", strerror(errno));
		return -1;
	}
	c = bsock();
	if (c < 0 || bconnect(c, LOOPBACK, local_port(l))) {
		snprintf(why, len, "connect: %s", strerror(errno));
		goto out;
	}
	errno = 0;
	if (poll1(l, POLLIN, 2000) > 0)
		s = accept(l, NULL, NULL);
	if (s < 0) {
		snprintf(why, len, "accept: %s",
			 errno ? strerror(errno) : "timeout");
		goto out;
	}
	n = send(c, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != 1) {
		snprintf(why, len, "no data path yet (send: %s)",
			 n < 0 ? strerror(errno) : "short");
		goto out;
	}
	if (poll1(s, POLLIN, 2000) <= 0 || recv(s, &b, 1, MSG_DONTWAIT) != 1) {
		snprintf(why, len, "no data path yet (byte not received)");
		goto out;
	}
	if (send(s, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1 ||
	    poll1(c, POLLIN, 2000) <= 0 || recv(c, &b, 1, MSG_DONTWAIT) != 1)
		snprintf(why, len, "no data path yet (reply not received)");
out:
	if (s >= 0)
		bclose(s);
	if (c >= 0)
		bclose(c);
	close(l);
	return why[0] ? -1 : 0;
}

/* Read/write exactly n bytes (blocking). 0 or -1. */
static inline int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	ssize_t r;

	while (n) {
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

static inline int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t r;

	while (n) {
		r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

/* ---- system ------------------------------------------------------------ */

static inline void raise_nofile(rlim_t n)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	if (rl.rlim_cur < n)
		rl.rlim_cur = n;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		fprintf(stderr, "setrlimit(NOFILE, %llu): %s\n",
			(unsigned long long)n, strerror(errno));
}

static inline long read_long(const char *path)
{
	char buf[64];
	long v = -1;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return -1;
	if (fgets(buf, sizeof(buf), fp))
		v = strtol(buf, NULL, 10);
	fclose(fp);
	return v;
}

/*
 * Slab usage: total bytes of active objects over all caches, and the
 * active-object count and object size of one cache (/proc/slabinfo, root).
 */
struct slabsnap {
	long long total;	/* sum of active_objs * objsize */
	long long objs;		/* active objects of the named cache */
	long objsize;		/* its object size */
	int merged;		/* SLUB merged other caches with it */
};

/*
 * SLUB counts a CPU's current slab as fully used, so objects taken from it
 * do not show until the next slab: flush the per-CPU slabs of every cache
 * (writing 1 to /sys/kernel/slab/<cache>/shrink) before reading, so the
 * counts are exact rather than off by a few slabs.
 */
static inline void slab_flush(void)
{
	char path[512], line[512], name[128];
	FILE *fp = fopen("/proc/slabinfo", "r"), *sf;

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%127s", name) != 1 || name[0] == '#' ||
		    !strcmp(name, "slabinfo"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", name);
		sf = fopen(path, "w");
		if (sf) {
			fputs("1", sf);
			fclose(sf);
		}
	}
	fclose(fp);
}

/*
 * Objects in use and object size of one cache from /sys/kernel/slab, which
 * also knows caches that SLUB merged into another (they are missing from
 * /proc/slabinfo): then the count is the merged cache's. The size is the
 * slot each object takes (slab_size: with alignment and metadata, what
 * /proc/slabinfo calls objsize). -1 when the cache does not exist.
 */
static inline void slab_cache_count(const char *cache, struct slabsnap *s)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/objects", cache);
	s->objs = read_long(path);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/slab_size", cache);
	s->objsize = read_long(path);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/aliases", cache);
	s->merged = read_long(path) > 0;
}

static inline struct slabsnap slab_snap(const char *cache)
{
	struct slabsnap s = { 0, -1, -1, 0 };
	char line[512], name[128];
	long act, num, osz;
	FILE *fp;

	slab_flush();
	if (cache)
		slab_cache_count(cache, &s);
	fp = fopen("/proc/slabinfo", "r");
	if (!fp)
		return s;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%127s %ld %ld %ld", name, &act, &num, &osz) != 4)
			continue;
		s.total += (long long)act * osz;
		if (cache && s.objs < 0 && !strcmp(name, cache)) {
			s.objs = act;
			s.objsize = osz;
		}
	}
	fclose(fp);
	return s;
}

/*
 * Slab caches of the protocol sock and of the request sock, by family.
 * XTCP's are found by the harness and passed in XTCP_BENCH_SOCK_CACHE and
 * XTCP_BENCH_REQSK_CACHE.
 */
static inline void cache_names(const char **sock, const char **reqsk)
{
	const char *s = getenv("XTCP_BENCH_SOCK_CACHE");
	const char *r = getenv("XTCP_BENCH_REQSK_CACHE");

	if (sock)
		*sock = !is_xtcp() ? "TCP" : s && *s ? s : "XTCP";
	if (reqsk)
		*reqsk = !is_xtcp() ? "request_sock_TCP" :
			 r && *r ? r : "request_sock_XTCP";
}

static inline long arg_long(const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (*end == 'k')
		v *= 1000;
	else if (*end == 'M')
		v *= 1000000;
	return v;
}

#endif /* XTCP_BENCH_H */
