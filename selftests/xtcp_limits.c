// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded resources and lifetimes at the socket API, same body for TCP and
 * XTCP over loopback in a fresh netns: recvmsg(MSG_ERRQUEUE) reads the
 * error queue (empty: EAGAIN) and leaves the byte stream alone; a listener
 * with SO_KEEPALIVE closed while its children complete leaves nothing
 * pinned (for XTCP: the module's reference count comes back).
 */
#include <limits.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

FIXTURE(limits) {
	int s, c;	/* accepted and connecting end */
};

FIXTURE_VARIANT(limits) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(limits, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(limits, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(limits)
{
	struct timeval tv = { .tv_sec = 20 };

	self->s = -1;
	self->c = -1;
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
	ASSERT_EQ(0, lo_pair(&variant->f, 9700, &self->s, &self->c));
	setsockopt(self->s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(self->c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

FIXTURE_TEARDOWN(limits)
{
	if (self->s >= 0)
		close(self->s);
	if (self->c >= 0)
		close(self->c);
}

/* tcp_recvmsg() -> inet_recv_error(): the empty error queue, not the data. */
TEST_F_TIMEOUT(limits, errqueue_keeps_stream, 60)
{
	char cbuf[256], buf[16] = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->s, SOL_IP, IP_RECVERR, &one, sizeof(one)));
	ASSERT_EQ(5, send(self->c, "hello", 5, 0));
	ASSERT_TRUE(poll1(self->s, POLLIN, 5000) & POLLIN);

	/* non-blocking or not, an empty error queue is EAGAIN at once */
	errno = 0;
	EXPECT_EQ(-1, recvmsg(self->s, &m, MSG_ERRQUEUE));
	EXPECT_EQ(EAGAIN, errno);
	errno = 0;
	EXPECT_EQ(-1, recv(self->s, buf, sizeof(buf), MSG_ERRQUEUE | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	/* with MSG_PEEK too */
	errno = 0;
	EXPECT_EQ(-1, recv(self->s, buf, sizeof(buf), MSG_ERRQUEUE | MSG_PEEK));
	EXPECT_EQ(EAGAIN, errno);
	/* POLLERR is not raised by an empty error queue */
	EXPECT_FALSE(poll1(self->s, POLLIN, 0) & POLLERR);

	/* and the five bytes are still there for a normal read */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
}

/* A listener answers MSG_ERRQUEUE from its (empty) queue as well. */
TEST_F_TIMEOUT(limits, errqueue_listener, 60)
{
	char buf[8];
	int l = xsock(&variant->f, 0);

	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(&variant->f, l, "127.0.0.1", 9701));
	ASSERT_EQ(0, listen(l, 4));
	errno = 0;
	EXPECT_EQ(-1, recv(l, buf, sizeof(buf), MSG_ERRQUEUE));
	EXPECT_EQ(EAGAIN, errno);
	/* a normal read of a listener is still ENOTCONN */
	errno = 0;
	EXPECT_EQ(-1, recv(l, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	close(l);
}

FIXTURE(lifetimes) {
	int unused;
};

FIXTURE_VARIANT(lifetimes) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(lifetimes, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(lifetimes, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(lifetimes)
{
	xtcp_setup_netns(_metadata, &variant->f);
}

FIXTURE_TEARDOWN(lifetimes)
{
}

/*
 * What pins sockets: the module's reference count for XTCP (every live
 * full socket holds one), the netns's "TCP: inuse" (hashed sockets) for
 * TCP.
 */
static long pinned(const struct xfam *f)
{
	char buf[4096], *p;

	if (is_xtcp(f)) {
		if (read_file("/sys/module/xtcp/refcnt", buf, sizeof(buf)) < 0)
			return -1;
		return atol(buf);
	}
	if (read_file("/proc/net/sockstat", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "TCP: inuse ");
	return p ? atol(p + 11) : -1;
}

#define RACE_ROUNDS	64
#define RACE_CONNS	16

struct race {
	const struct xfam *f;
	int port;
	int fds[RACE_CONNS];
};

static void *race_connect(void *arg)
{
	struct race *r = arg;
	struct sockaddr_in a = xaddr(r->f, "127.0.0.1", r->port);
	int i;

	for (i = 0; i < RACE_CONNS; i++) {
		r->fds[i] = xsock(r->f, SOCK_NONBLOCK);
		if (r->fds[i] >= 0)
			connect(r->fds[i], (struct sockaddr *)&a, sizeof(a));
	}
	return NULL;
}

/*
 * A listener with SO_KEEPALIVE closed while final ACKs complete children:
 * each child's keepalive must be armed before the child is queued
 * (tcp_create_openreq_child()), or the close can abort a child whose
 * timer is armed after, pinning it (and the module) for two hours. A
 * race with a window of a few instructions: many rounds, the close moved
 * across the burst; afterwards nothing of ours may stay pinned.
 */
TEST_F_TIMEOUT(lifetimes, keepalive_child_vs_listener_close, 240)
{
	long base = pinned(&variant->f), now = -1;
	struct race r = { .f = &variant->f };
	int round, i, one = 1;
	double end;

	ASSERT_LE(0, base);
	for (round = 0; round < RACE_ROUNDS; round++) {
		pthread_t t;
		int l = xsock(&variant->f, 0);

		ASSERT_LE(0, l);
		ASSERT_EQ(0, setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &one,
					sizeof(one)));
		r.port = 9720 + round;
		ASSERT_EQ(0, xbind(&variant->f, l, "127.0.0.1", r.port));
		ASSERT_EQ(0, listen(l, RACE_CONNS));
		ASSERT_EQ(0, pthread_create(&t, NULL, race_connect, &r));
		/* close somewhere in the burst of handshakes, early to late */
		usleep((round % 32) * 400);
		close(l);
		pthread_join(t, NULL);
		for (i = 0; i < RACE_CONNS; i++)
			if (r.fds[i] >= 0)
				close(r.fds[i]);
	}
	/* closed children, resets and RCU frees settle within seconds */
	end = now_s() + 30;
	while (now_s() < end) {
		now = pinned(&variant->f);
		if (now <= base)
			break;
		sleep_ms(200);
	}
	TH_LOG("pinned before %ld, after %ld", base, now);
	EXPECT_LE(now, base);
}

#define TW_LIMIT	8
#define TW_CONNS	24

/*
 * tcp_max_tw_buckets / net.xtcp.max_tw_buckets: past the limit a closing
 * socket gets no TIME_WAIT (or FIN_WAIT2) mini sock, it just closes and
 * TCPTimeWaitOverflow counts it (tcp_time_wait()).
 */
TEST_F_TIMEOUT(lifetimes, tw_overflow, 120)
{
	const char *knob = is_xtcp(&variant->f) ? "net.xtcp.max_tw_buckets" :
						  "net.ipv4.tcp_max_tw_buckets";
	long ovf0 = mib_get(&variant->f, "TCPTimeWaitOverflow"), ovf;
	int l = xsock(&variant->f, 0), i, n = -1;
	char b, val[16];
	double end;

	ASSERT_LE(0, ovf0);
	ASSERT_LT(0, sysctl_get(knob)) TH_LOG("%s unset", knob);
	snprintf(val, sizeof(val), "%d", TW_LIMIT);
	ASSERT_EQ(0, sysctl_set(knob, val));
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(&variant->f, l, "127.0.0.1", 9760));
	ASSERT_EQ(0, listen(l, 4));
	for (i = 0; i < TW_CONNS; i++) {
		int c = xsock(&variant->f, 0), s;

		ASSERT_LE(0, c);
		ASSERT_EQ(0, connect_wait(&variant->f, c, "127.0.0.1", 9760,
					  20000));
		ASSERT_TRUE(poll1(l, POLLIN, 20000) & POLLIN);
		s = accept(l, NULL, NULL);
		ASSERT_LE(0, s);
		/* the client closes first: it is the one left in TIME_WAIT */
		close(c);
		ASSERT_TRUE(poll1(s, POLLIN, 20000) & POLLIN);
		EXPECT_EQ(0, recv(s, &b, 1, 0));
		close(s);
	}
	close(l);
	/* the last FINs and ACKs cross loopback */
	end = now_s() + 20;
	do {
		sleep_ms(100);
		n = proc_count(&variant->f, 0x06, 0, NULL);
		ovf = mib_get(&variant->f, "TCPTimeWaitOverflow") - ovf0;
	} while (now_s() < end && n + ovf < TW_CONNS);
	TH_LOG("TIME_WAIT %d, TCPTimeWaitOverflow +%ld", n, ovf);
	EXPECT_EQ(TW_LIMIT, n);
	EXPECT_EQ(TW_CONNS - TW_LIMIT, ovf);
}

/*
 * net.xtcp.rmem/wmem: min <= default <= max, and a netns other than
 * init_net cannot go above init_net's max. XTCP only: TCP checks neither
 * for tcp_rmem/tcp_wmem (a difference listed in limits.rst). The fixture
 * runs in a fresh netns; init_net's values are read through the parent's
 * netns file descriptor.
 */
#define ZW_ORPHANS	50

/*
 * Orphans whose peer answers every window probe with a zero window: each
 * ACK resets the probe count, so only tcp_probe_timer()'s orphan rule can
 * end them: once the backed-off RTO has reached rto_max and orphan_retries
 * probes backed it off, the orphan gives up (AbortOnTimeout). Scaled to
 * rto_max_ms 200 and orphan_retries 3, 50 orphans must all be gone
 * within a few seconds; without the rule they live while the peer does.
 */
TEST_F_TIMEOUT(lifetimes, zero_window_orphans, 120)
{
	const struct xfam *f = &variant->f;
	int s[ZW_ORPHANS], c[ZW_ORPHANS], i, l, small = 4096;
	static char buf[65536];
	long base, aborts0, left = -1;

	if (!is_xtcp(f))
		SKIP(return, "TCP caps its RTO at 120 s: orphans take minutes");
	ASSERT_EQ(0, sysctl_set("net.xtcp.rto_max_ms", "200"));
	ASSERT_EQ(0, sysctl_set("net.xtcp.orphan_retries", "3"));
	base = xtcp_snmp_get("CurrOrphans");
	aborts0 = xtcp_snmp_get("AbortOnTimeout");
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	/* a small receive buffer, so the window closes soon */
	ASSERT_EQ(0, setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	ASSERT_EQ(0, xbind(f, l, "127.0.0.1", 9760));
	ASSERT_EQ(0, listen(l, ZW_ORPHANS));
	for (i = 0; i < ZW_ORPHANS; i++) {
		int sndbuf = 65536;

		c[i] = xsock(f, 0);
		ASSERT_LE(0, c[i]);
		/*
		 * What 50 orphans hold stays far below net.xtcp.mem: past its
		 * hard limit they would be reset for memory instead.
		 */
		ASSERT_EQ(0, setsockopt(c[i], SOL_SOCKET, SO_SNDBUF, &sndbuf,
					sizeof(sndbuf)));
		ASSERT_EQ(0, connect_wait(f, c[i], "127.0.0.1", 9760, 20000));
		ASSERT_TRUE(poll1(l, POLLIN, 20000) & POLLIN);
		s[i] = accept(l, NULL, NULL);
		ASSERT_LE(0, s[i]);
	}
	close(l);
	for (i = 0; i < ZW_ORPHANS; i++) {
		int tries;

		ASSERT_EQ(0, set_nonblock(c[i], true));
		/* fill the peer's window and our send buffer, then orphan */
		for (tries = 0; tries < 200; tries++) {
			if (send(c[i], buf, sizeof(buf), 0) < 0) {
				ASSERT_EQ(EAGAIN, errno);
				if (tries)
					break;
			}
			sleep_ms(5);
		}
		close(c[i]);
	}
	for (i = 0; i < 300; i++) {
		left = xtcp_snmp_get("CurrOrphans") - base;
		if (left <= 0)
			break;
		sleep_ms(100);
	}
	TH_LOG("%ld orphans left after %d ms", left, i * 100);
	EXPECT_EQ(0, left);
	EXPECT_EQ(ZW_ORPHANS, xtcp_snmp_get("AbortOnTimeout") - aborts0);
	/* the peers never read: their data is still there */
	for (i = 0; i < ZW_ORPHANS; i++) {
		int q = 0;

		EXPECT_EQ(0, ioctl(s[i], SIOCINQ, &q));
		EXPECT_LT(0, q);
		close(s[i]);
	}
}

TEST_F(lifetimes, mem_sysctls_bounded)
{
	static const char * const k[] = { "net.xtcp.rmem", "net.xtcp.wmem" };
	char buf[64], init_max[32];
	int i, selfns, initns;

	if (!is_xtcp(&variant->f))
		SKIP(return, "TCP bounds neither tcp_rmem nor tcp_wmem");
	for (i = 0; i < 2; i++) {
		long min, def, max;
		char path[64];
		int n;

		snprintf(path, sizeof(path), "/proc/sys/%s", k[i]);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		/* init_net's max, through PID 1's netns */
		selfns = open("/proc/self/ns/net", O_RDONLY);
		initns = open("/proc/1/ns/net", O_RDONLY);
		ASSERT_LE(0, selfns);
		ASSERT_LE(0, initns);
		ASSERT_EQ(0, setns(initns, CLONE_NEWNET));
		ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
		ASSERT_EQ(0, setns(selfns, CLONE_NEWNET));
		close(initns);
		close(selfns);
		n = sscanf(buf, "%ld %ld %ld", &min, &def, &max);
		ASSERT_EQ(3, n);
		snprintf(init_max, sizeof(init_max), "%ld", max);

		/* out of order: refused, and nothing changed */
		EXPECT_NE(0, write_file(path, "8192 4096 16384"));
		EXPECT_NE(0, write_file(path, "4096 32768 16384"));
		ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
		n = sscanf(buf, "%ld %ld %ld", &min, &def, &max);
		EXPECT_EQ(3, n);
		EXPECT_TRUE(min <= def && def <= max) TH_LOG("%s: %s", k[i], buf);
		/* in order and within init_net's max: taken */
		EXPECT_EQ(0, write_file(path, "4096 8192 16384"));
		ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
		EXPECT_EQ(0, strncmp(buf, "4096\t8192\t16384\n", 16)) TH_LOG("%s", buf);
		/* up to init_net's max, not one byte more */
		snprintf(buf, sizeof(buf), "4096 8192 %s", init_max);
		EXPECT_EQ(0, write_file(path, buf));
		snprintf(buf, sizeof(buf), "4096 8192 %ld", atol(init_max) + 1);
		EXPECT_NE(0, write_file(path, buf));
	}
}

/*
 * Memory accounting, same body for TCP (net.ipv4.tcp_mem, "TCP" in
 * /proc/net/protocols, TcpExt) and XTCP (net.xtcp.mem, "XTCP",
 * /proc/net/xtcp/snmp). Both limits are global, so they are written in
 * init_net (PID 1's netns) and put back afterwards.
 *
 * The page count in /proc/net/protocols is the global part only: each CPU
 * keeps a reserve of up to net.core.mem_pcpu_rsv pages (256 by default)
 * before it moves to the global count, in either direction. MEM_SLACK()
 * is that lag for all CPUs; every bound below allows it and says why.
 */
#define MEM_PAIRS	16
#define MEM_RCVBUF	(1024 * 1024)	/* SO_RCVBUFFORCE: the core doubles it */

FIXTURE(mem) {
	int s[MEM_PAIRS], c[MEM_PAIRS];
	long sent[MEM_PAIRS];
	char knob[64], saved[128];
	long slack, ncpu;
};

FIXTURE_VARIANT(mem) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(mem, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(mem, xtcp) { .f = XFAM_XTCP };

/* Read or write a file of init_net's /proc/sys; 0 or -1. */
static int init_net_file(const char *path, char *buf, size_t len, bool wr)
{
	int selfns = open("/proc/self/ns/net", O_RDONLY);
	int initns = open("/proc/1/ns/net", O_RDONLY);
	int ret = -1;

	if (selfns >= 0 && initns >= 0 && !setns(initns, CLONE_NEWNET)) {
		ret = wr ? write_file(path, buf) : (read_file(path, buf, len) < 0 ? -1 : 0);
		if (setns(selfns, CLONE_NEWNET))
			ret = -1;
	}
	if (selfns >= 0)
		close(selfns);
	if (initns >= 0)
		close(initns);
	return ret;
}

/* The "memory" column (pages) and "press" of @proto in /proc/net/protocols. */
static long proto_pages(const char *proto, bool *press)
{
	char line[512], name[32], pr[8];
	long pages = LONG_MIN;
	FILE *fp = fopen("/proc/net/protocols", "r");

	if (!fp)
		return LONG_MIN;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%31s %*u %*d %ld %7s", name, &pages, pr) == 3 &&
		    !strcmp(name, proto)) {
			if (press)
				*press = !strcmp(pr, "yes");
			fclose(fp);
			return pages;
		}
	fclose(fp);
	return LONG_MIN;
}

static long mem_pressures(const struct xfam *f, const char *name)
{
	if (is_xtcp(f))
		return xtcp_snmp_get(name);
	return snmp_table_get("/proc/net/netstat", "TcpExt", name);
}

FIXTURE_SETUP(mem)
{
	const struct xfam *f = &variant->f;
	int i, l, rsv = 256;
	char rsvbuf[32];
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	for (i = 0; i < MEM_PAIRS; i++) {
		self->s[i] = -1;
		self->c[i] = -1;
	}
	self->saved[0] = 0;
	snprintf(self->knob, sizeof(self->knob), "/proc/sys/net/%s",
		 is_xtcp(f) ? "xtcp/mem" : "ipv4/tcp_mem");
	if (xtcp_setup_netns(_metadata, f))
		return;
	ASSERT_EQ(0, init_net_file(self->knob, self->saved,
				   sizeof(self->saved), false));
	/* 6.8 made the reserve a sysctl of init_net; before, 256 pages. */
	if (!init_net_file("/proc/sys/net/core/mem_pcpu_rsv", rsvbuf,
			   sizeof(rsvbuf), false))
		rsv = atoi(rsvbuf);
	self->ncpu = ncpu > 0 ? ncpu : 1;
	self->slack = (long)rsv * self->ncpu;
	for (i = 0; i < MEM_PAIRS; i++) {
		int big = MEM_RCVBUF;

		l = xsock(f, 0);
		ASSERT_LE(0, l);
		/* The child inherits it, locked: no autotuning to wait for. */
		ASSERT_EQ(0, setsockopt(l, SOL_SOCKET, SO_RCVBUFFORCE, &big,
					sizeof(big)));
		ASSERT_EQ(0, xbind(f, l, "127.0.0.1", 9720 + i));
		ASSERT_EQ(0, listen(l, 4));
		self->c[i] = xsock(f, 0);
		ASSERT_LE(0, self->c[i]);
		ASSERT_EQ(0, connect_wait(f, self->c[i], "127.0.0.1", 9720 + i,
					  20000));
		ASSERT_TRUE(poll1(l, POLLIN, 20000) & POLLIN);
		self->s[i] = accept(l, NULL, NULL);
		ASSERT_LE(0, self->s[i]);
		close(l);
		ASSERT_EQ(0, set_nonblock(self->c[i], true));
		ASSERT_EQ(0, set_nonblock(self->s[i], true));
		self->sent[i] = 0;
	}
}

static void mem_close(struct _test_data_mem *self)
{
	int i;

	for (i = 0; i < MEM_PAIRS; i++) {
		if (self->s[i] >= 0)
			close(self->s[i]);
		if (self->c[i] >= 0)
			close(self->c[i]);
		self->s[i] = -1;
		self->c[i] = -1;
	}
}

FIXTURE_TEARDOWN(mem)
{
	mem_close(self);
	if (self->saved[0])
		init_net_file(self->knob, self->saved, 0, true);
}

/*
 * Write to every pair without reading, for @secs, or with @want_press
 * until pressure was seen and then one second more (at most 30 s: the
 * debug kernel moves data slowly). Returns the highest page count seen,
 * *press if pressure was.
 */
static long mem_fill(struct _test_data_mem *self, const char *proto, bool *press,
		     double secs, bool want_press)
{
	static char chunk[32768];
	double start = now_s(), seen = 0;
	long peak = LONG_MIN;
	int i;

	*press = false;
	for (;;) {
		double t = now_s() - start;
		bool p = false;
		long pages;

		if (!want_press && t >= secs)
			break;
		if (want_press && ((seen && t >= seen + 1) || t >= 30))
			break;
		for (i = 0; i < MEM_PAIRS; i++) {
			ssize_t n = send(self->c[i], chunk, sizeof(chunk), 0);

			if (n > 0)
				self->sent[i] += n;
		}
		pages = proto_pages(proto, &p);
		if (pages > peak)
			peak = pages;
		if (p && !*press)
			seen = t;
		*press |= p;
		sleep_ms(20);
	}
	return peak;
}

/*
 * Read every pair to the end of what its sender wrote, all at once: a
 * sender whose segments were refused over the hard limit sends them again
 * on its backed-off RTO, which can take tens of seconds, and reading the
 * pairs one after another would keep the others' memory held meanwhile.
 * Returns the seconds it took, or -1 on an error or after @secs.
 */
static double mem_drain(struct _test_data_mem *self, double secs)
{
	static char buf[65536];
	long got[MEM_PAIRS] = { 0 };
	double start = now_s();
	int i;

	for (;;) {
		struct pollfd p[MEM_PAIRS];
		int n = 0;

		for (i = 0; i < MEM_PAIRS; i++)
			if (got[i] < self->sent[i])
				p[n++] = (struct pollfd){ .fd = self->s[i],
							  .events = POLLIN };
		if (!n)
			break;
		if (now_s() - start > secs || poll(p, n, 1000) < 0)
			return -1;
		for (i = 0; i < MEM_PAIRS; i++) {
			ssize_t r;

			if (got[i] >= self->sent[i])
				continue;
			r = recv(self->s[i], buf, sizeof(buf), 0);
			if (r == 0 || (r < 0 && errno != EAGAIN))
				return -1;
			if (r > 0)
				got[i] += r;
			if (got[i] > self->sent[i])
				return -1;
		}
	}
	return now_s() - start;
}

/* What an unread flood holds is counted, and given back when read. */
TEST_F_TIMEOUT(mem, charged_and_returned, 180)
{
	const char *proto = is_xtcp(&variant->f) ? "XTCP" : "TCP";
	long base, peak, unread = 0, end;
	bool press;
	int i;

	base = proto_pages(proto, NULL);
	ASSERT_LE(0, base) TH_LOG("%s has no memory count", proto);
	peak = mem_fill(self, proto, &press, 3.0, false);
	for (i = 0; i < MEM_PAIRS; i++) {
		int q = 0;

		ASSERT_EQ(0, ioctl(self->s[i], SIOCINQ, &q));
		unread += q;
	}
	/* what arrived after the last sample is counted too */
	end = proto_pages(proto, NULL);
	if (end > peak)
		peak = end;
	TH_LOG("%s: %ld pages before, %ld at the peak, %ld bytes unread",
	       proto, base, peak, unread);
	/* The receive queues alone hold that many payload bytes. */
	ASSERT_LT(16L * MEM_PAIRS * 4096, unread);
	/* Only a flood well above the CPUs' reserves says anything. */
	if (unread / 4096 <= 2 * self->slack)
		SKIP(return, "%ld CPUs' reserves (%ld pages) hide the flood",
		     self->ncpu, self->slack);
	EXPECT_GE(peak - base, unread / 4096 - self->slack);
	ASSERT_LE(0, mem_drain(self, 60));
	mem_close(self);
	/* Queues are gone with their sockets; allow the per-CPU lag. */
	for (i = 0; i < 50; i++) {
		end = proto_pages(proto, NULL);
		if (end <= base + self->slack)
			break;
		sleep_ms(100);
	}
	EXPECT_LE(end, base + self->slack) TH_LOG("%ld pages left", end);
}

/*
 * A flood against small limits: pressure is entered and counted, the
 * count stays near the hard limit, every byte still arrives once read, and
 * pressure ends when the memory is given back.
 */
TEST_F_TIMEOUT(mem, pressure_and_hard_limit, 300)
{
	const char *proto = is_xtcp(&variant->f) ? "XTCP" : "TCP";
	long lim[3], enter0, chrono0, peak, bound;
	double drained;
	char buf[96];
	bool press, still = true;
	int i;

	/*
	 * min above the per-CPU lag, so that the global count, which can
	 * stay that far above the truth, still falls below it at the end.
	 */
	lim[0] = self->slack + 64;
	lim[1] = lim[0] + 64;
	lim[2] = lim[1] + 256;
	snprintf(buf, sizeof(buf), "%ld %ld %ld", lim[0], lim[1], lim[2]);
	ASSERT_EQ(0, init_net_file(self->knob, buf, 0, true));
	enter0 = mem_pressures(&variant->f, "TCPMemoryPressures");
	chrono0 = mem_pressures(&variant->f, "TCPMemoryPressuresChrono");
	ASSERT_LE(0, enter0);

	peak = mem_fill(self, proto, &press, 0, true);
	/*
	 * The hard limit is checked against the global count, which each
	 * CPU moves by up to its reserve plus one charge (a 64 KB skb is
	 * 17 pages) at once; over it, a stream socket may still take one
	 * send chunk (32 KB, 8 pages) when its queue has reached its send
	 * buffer, and a refused charge is given back. Unbounded, the 16
	 * receive buffers of 2 MB would hold about 8,000 pages.
	 */
	bound = lim[2] + self->slack + self->ncpu * 17 + MEM_PAIRS * 8;
	TH_LOG("%s: limits %s, peak %ld pages, bound %ld", proto, buf, peak,
	       bound);
	EXPECT_TRUE(press);
	EXPECT_LT(enter0, mem_pressures(&variant->f, "TCPMemoryPressures"));
	EXPECT_LE(peak, bound);
	EXPECT_LT(lim[1], peak);

	drained = mem_drain(self, 200);
	TH_LOG("%s: every byte read in %.1f s", proto, drained);
	ASSERT_LE(0, drained);
	mem_close(self);
	for (i = 0; i < 50 && still; i++) {
		proto_pages(proto, &still);
		if (still)
			sleep_ms(100);
	}
	EXPECT_FALSE(still) TH_LOG("%s still under pressure", proto);
	EXPECT_LT(chrono0, mem_pressures(&variant->f,
					 "TCPMemoryPressuresChrono"));
}

/* net.xtcp.mem: ordered and at least 1, in init_net only. */
TEST_F(mem, sysctl_checked)
{
	char buf[128];

	if (!is_xtcp(&variant->f))
		SKIP(return, "TCP's tcp_mem takes any three values");
	/* global: not in a new netns */
	EXPECT_NE(0, access("/proc/sys/net/xtcp/mem", F_OK));
	EXPECT_NE(0, init_net_file(self->knob, "300 200 400", 0, true));
	EXPECT_NE(0, init_net_file(self->knob, "100 200 150", 0, true));
	EXPECT_NE(0, init_net_file(self->knob, "0 200 400", 0, true));
	EXPECT_NE(0, init_net_file(self->knob, "-1 200 400", 0, true));
	ASSERT_EQ(0, init_net_file(self->knob, buf, sizeof(buf), false));
	EXPECT_STREQ(self->saved, buf);
	EXPECT_EQ(0, init_net_file(self->knob, "100 200 400", 0, true));
	ASSERT_EQ(0, init_net_file(self->knob, buf, sizeof(buf), false));
	EXPECT_STREQ("100\t200\t400\n", buf);
}

TEST_HARNESS_MAIN
