// SPDX-License-Identifier: GPL-2.0
/*
 * connect(), same body for TCP and XTCP, each test in a fresh netns:
 * blocking and non-blocking connect (EINPROGRESS, EALREADY, EISCONN, POLLOUT,
 * SO_ERROR), ECONNREFUSED at once from a closed port, ETIMEDOUT after the
 * configured SYN retransmissions (counted on the wire, with their backoff),
 * ENETUNREACH without a route, connect to INADDR_ANY, connect(AF_UNSPEC)
 * disconnect, argument errors, the specific listener beating the wildcard
 * one, and the counters TCP keeps for these events.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

static const struct xfam tcp_ref = XFAM_TCP;

FIXTURE(conn) {
	int unused;
};

FIXTURE_VARIANT(conn) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(conn, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(conn, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(conn)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
}

FIXTURE_TEARDOWN(conn)
{
}

static int listener(const struct xfam *f, const char *ip, uint16_t port,
		    int backlog)
{
	int fd = xsock(f, 0);

	if (fd < 0)
		return -1;
	if (xbind(f, fd, ip, port) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F_TIMEOUT(conn, blocking_connect, 90)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in a, b;
	socklen_t len;
	int l, c, s;

	l = listener(f, "127.0.0.1", 6000, 8);
	ASSERT_LE(0, l);
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xconnect(f, c, "127.0.0.1", 6000));
	EXPECT_EQ(EISCONN, xconnect(f, c, "127.0.0.1", 6000));

	len = sizeof(a);
	ASSERT_EQ(0, getpeername(c, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(f->family, a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_EQ(htons(6000), a.sin_port);

	len = sizeof(b);
	s = accept(l, (struct sockaddr *)&b, &len);
	ASSERT_LE(0, s);
	EXPECT_EQ(sizeof(b), len);
	EXPECT_EQ(f->family, b.sin_family);
	len = sizeof(a);
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&a, &len));
	EXPECT_EQ(f->family, a.sin_family);
	EXPECT_EQ(a.sin_addr.s_addr, b.sin_addr.s_addr);
	EXPECT_EQ(a.sin_port, b.sin_port);
	EXPECT_NE(0, a.sin_port);
	close(s);
	close(c);
	close(l);
}

/* Outcome of a non-blocking connect as (poll mask, SO_ERROR) for ref. */
struct nb_result {
	int connect_err, mask, soerr, soerr2, again, again2;
};

static void nb_connect(const struct xfam *f, const char *ip, uint16_t port,
		       struct nb_result *r)
{
	int fd = xsock(f, SOCK_NONBLOCK);

	memset(r, 0, sizeof(*r));
	r->connect_err = xconnect(f, fd, ip, port);
	r->mask = poll1(fd, POLLIN | POLLOUT | POLLRDHUP, 10000);
	sleep_ms(20);	/* let the final ACK/RST settle before re-polling */
	r->mask = poll1(fd, POLLIN | POLLOUT | POLLRDHUP, 0);
	r->soerr = so_error(fd);
	r->soerr2 = so_error(fd);
	r->again = xconnect(f, fd, ip, port);
	r->again2 = xconnect(f, fd, ip, port);
	close(fd);
}

TEST_F_TIMEOUT(conn, nonblocking_connect, 90)
{
	const struct xfam *f = &variant->f;
	struct nb_result r, ref;
	long ao, po;
	int l, s;

	l = listener(f, "127.0.0.1", 6001, 8);
	ASSERT_LE(0, l);
	ao = mib_get(f, "ActiveOpens");
	po = mib_get(f, "PassiveOpens");
	nb_connect(f, "127.0.0.1", 6001, &r);
	EXPECT_EQ(EINPROGRESS, r.connect_err);
	EXPECT_TRUE(r.mask & POLLOUT) TH_LOG("mask 0x%x", r.mask);
	EXPECT_FALSE(r.mask & (POLLERR | POLLHUP)) TH_LOG("mask 0x%x", r.mask);
	EXPECT_EQ(0, r.soerr);
	/* TCP: the first connect() after completion reports success... */
	EXPECT_EQ(0, r.again);
	/* ...then the socket is connected */
	EXPECT_EQ(EISCONN, r.again2);
	EXPECT_EQ(ao + 1, mib_get(f, "ActiveOpens"));
	EXPECT_EQ(po + 1, mib_get(f, "PassiveOpens"));
	s = accept(l, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);

	if (is_xtcp(f)) {
		int tl = listener(&tcp_ref, "127.0.0.1", 6002, 8);

		ASSERT_LE(0, tl);
		nb_connect(&tcp_ref, "127.0.0.1", 6002, &ref);
		EXPECT_EQ(ref.mask, r.mask) TH_LOG("connected: TCP polls 0x%x, XTCP 0x%x",
						   ref.mask, r.mask);
		close(tl);
	}
	close(l);
}

TEST_F_TIMEOUT(conn, refused, 90)
{
	const struct xfam *f = &variant->f;
	struct nb_result r, ref;
	struct timeval tv = { 10, 0 };
	long fails, rsts;
	double t0;
	int fd, l;

	fails = mib_get(f, "AttemptFails");
	rsts = mib_get(f, "OutRsts");

	/* blocking: refused at once (bounded by SO_SNDTIMEO if no RST) */
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	t0 = now_s();
	EXPECT_EQ(ECONNREFUSED, xconnect(f, fd, "127.0.0.1", 6010));
	EXPECT_GT(5.0, now_s() - t0);
	EXPECT_EQ(0, so_error(fd));
	/* the same socket can connect again */
	l = listener(f, "127.0.0.1", 6011, 8);
	ASSERT_LE(0, l);
	EXPECT_EQ(0, xconnect(f, fd, "127.0.0.1", 6011));
	close(fd);
	close(l);

	/* non-blocking: EINPROGRESS, then POLLERR|POLLHUP and SO_ERROR once */
	nb_connect(f, "127.0.0.1", 6010, &r);
	EXPECT_EQ(EINPROGRESS, r.connect_err);
	EXPECT_EQ(POLLERR | POLLHUP, r.mask & (POLLERR | POLLHUP))
		TH_LOG("mask 0x%x", r.mask);
	EXPECT_EQ(ECONNREFUSED, r.soerr);
	EXPECT_EQ(0, r.soerr2);
	/* TCP: the next connect() reports the aborted attempt, then retries */
	EXPECT_EQ(ECONNABORTED, r.again);
	EXPECT_EQ(EINPROGRESS, r.again2);

	EXPECT_LE(fails + 2, mib_get(f, "AttemptFails"));
	EXPECT_LE(rsts + 2, mib_get(f, "OutRsts"));

	if (is_xtcp(f)) {
		nb_connect(&tcp_ref, "127.0.0.1", 6010, &ref);
		EXPECT_EQ(ref.mask, r.mask) TH_LOG("refused: TCP polls 0x%x, XTCP 0x%x",
						   ref.mask, r.mask);
	}
}

/*
 * A SYN_SENT socket: EALREADY on a second connect, no POLLOUT, visible as
 * 02 in the sockets view; close() removes it.
 */
TEST_F_TIMEOUT(conn, in_progress, 90)
{
	const struct xfam *f = &variant->f;
	int fd;

	ASSERT_EQ(0, blackhole_setup());
	fd = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EINPROGRESS, xconnect(f, fd, BH_PEER, 80));
	EXPECT_EQ(EALREADY, xconnect(f, fd, BH_PEER, 80));
	EXPECT_EQ(EALREADY, xconnect(f, fd, BH_PEER, 81));
	EXPECT_EQ(0, poll1(fd, POLLOUT | POLLIN, 300));
	EXPECT_EQ(0, so_error(fd));
	EXPECT_EQ(1, proc_count(f, ST_SYN_SENT, 0, NULL));
	/* bind after connect started */
	EXPECT_EQ(EINVAL, xbind(f, fd, BH_LOCAL, 0));
	close(fd);
	EXPECT_EQ(0, proc_count(f, ST_SYN_SENT, 0, NULL));
}

/*
 * ETIMEDOUT after `retries` SYN retransmissions with exponential backoff,
 * observed on the wire: exactly retries + 1 SYNs, each gap at least (nearly)
 * twice the one before.
 */
TEST_F_TIMEOUT(conn, timeout, 120)
{
	const struct xfam *f = &variant->f;
	int retries = 2, fd, cap, rto, n = 0, err;
	long fails = mib_get(f, "AttemptFails");
	double t0, el, ts[8];
	struct seg sg;

	ASSERT_EQ(0, blackhole_setup());
	rto = syn_timers_set(f, retries, 200);
	ASSERT_LT(0, rto) TH_LOG("sysctls: %s", strerror(errno));
	cap = cap_open("va");
	ASSERT_LE(0, cap);

	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	t0 = now_s();
	err = xconnect(f, fd, BH_PEER, 80);
	el = now_s() - t0;
	EXPECT_EQ(ETIMEDOUT, err) TH_LOG("connect: %s", strerror(err));
	/* SYNs at 0, rto, 3 rto; gives up at 7 rto */
	EXPECT_LE(TIMER_LO(7 * rto / 1000.0), el) TH_LOG("gave up after %.3f s", el);
	EXPECT_GE(TIMER_HI(7 * rto / 1000.0), el) TH_LOG("gave up after %.3f s", el);
	EXPECT_EQ(0, so_error(fd));
	EXPECT_EQ(0, proc_count(f, ST_SYN_SENT, 0, NULL));

	while (n < 8 && cap_next(cap, f->ipproto, &sg, 0) == 1) {
		if (sg.outgoing && sg.flags == TH_SYN && sg.dport == 80)
			ts[n++] = sg.t;
	}
	EXPECT_EQ(retries + 1, n) TH_LOG("%d SYNs on the wire", n);
	for (int i = 1; i < n && i <= retries; i++) {
		double gap = ts[i] - ts[i - 1];
		double want = rto / 1000.0 * (1 << (i - 1));

		EXPECT_LE(TIMER_LO(want), gap) TH_LOG("gap %d: %.3f s, want %.3f s",
						      i, gap, want);
		EXPECT_GE(TIMER_HI(want), gap) TH_LOG("gap %d: %.3f s, want %.3f s",
						      i, gap, want);
	}
	EXPECT_EQ(fails + 1, mib_get(f, "AttemptFails"));
	close(fd);
	close(cap);
}

TEST_F_TIMEOUT(conn, unreachable, 90)
{
	const struct xfam *f = &variant->f;
	double t0 = now_s();
	int fd = xsock(f, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(ENETUNREACH, xconnect(f, fd, "10.9.9.9", 80));
	close(fd);
	fd = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(ENETUNREACH, xconnect(f, fd, "10.9.9.9", 80));
	EXPECT_GT(5.0, now_s() - t0);
	close(fd);
}

TEST_F_TIMEOUT(conn, bad_args, 90)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in sin = xaddr(f, "127.0.0.1", 6020);
	int l, fd;

	l = listener(f, "127.0.0.1", 6020, 8);
	ASSERT_LE(0, l);
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin, sizeof(sin) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin, 1));
	EXPECT_EQ(EINVAL, errno);
	sin.sin_family = AF_INET6;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* the other family: XTCP takes AF_INET, TCP refuses AF_XTCP */
	sin.sin_family = is_xtcp(f) ? AF_INET : AF_XTCP;
	if (is_xtcp(f)) {
		EXPECT_EQ(0, connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
			TH_LOG("connect with AF_INET sockaddr: %s", strerror(errno));
	} else {
		EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
		EXPECT_EQ(EAFNOSUPPORT, errno);
	}
	close(fd);

	/* a listener cannot connect; a connected socket cannot listen */
	EXPECT_EQ(EISCONN, xconnect(f, l, "127.0.0.1", 6020));
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xconnect(f, fd, "127.0.0.1", 6020));
	EXPECT_EQ(-1, listen(fd, 8));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	close(l);
}

/* INADDR_ANY as destination means this host (TCP routes it to loopback). */
TEST_F_TIMEOUT(conn, connect_any_addr, 90)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int l, fd;

	l = listener(f, "127.0.0.1", 6030, 8);
	ASSERT_LE(0, l);
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xconnect(f, fd, "0.0.0.0", 6030));
	ASSERT_EQ(0, getpeername(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	close(fd);
	close(l);
}

/* connect(AF_UNSPEC) disconnects; the socket can then connect again. */
TEST_F_TIMEOUT(conn, disconnect_af_unspec, 90)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	int l, fd, s1, s2;

	l = listener(f, "127.0.0.1", 6040, 8);
	ASSERT_LE(0, l);
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xconnect(f, fd, "127.0.0.1", 6040));
	s1 = accept(l, NULL, NULL);
	ASSERT_LE(0, s1);
	EXPECT_EQ(0, connect(fd, &sa, sizeof(sa))) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(ENOTCONN, errno);
	/* the peer was reset */
	EXPECT_TRUE(poll1(s1, POLLIN, 5000) & POLLIN);
	EXPECT_EQ(0, xconnect(f, fd, "127.0.0.1", 6040));
	s2 = accept(l, NULL, NULL);
	EXPECT_LE(0, s2);
	close(s2);
	close(s1);
	close(fd);
	close(l);
}

/* Accept one pending connection without blocking; -1 if none. */
static int try_accept(int l)
{
	int s;

	set_nonblock(l, true);
	s = accept(l, NULL, NULL);
	set_nonblock(l, false);
	return s;
}

/*
 * A listener bound to a specific address beats a wildcard one on the same
 * port (both SO_REUSEPORT, as TCP requires), whichever was created first.
 */
TEST_F_TIMEOUT(conn, specific_beats_wildcard, 90)
{
	const struct xfam *f = &variant->f;
	int order, w, sp, c1, c2, s;

	if (reuseport_refused(_metadata, f))
		SKIP(return, NO_REUSEPORT_WHY);
	for (order = 0; order < 2; order++) {
		uint16_t port = 6050 + order;

		w = xsock(f, 0);
		sp = xsock(f, 0);
		ASSERT_LE(0, w);
		ASSERT_LE(0, sp);
		setint(w, SOL_SOCKET, SO_REUSEPORT, 1);
		setint(sp, SOL_SOCKET, SO_REUSEPORT, 1);
		if (order == 0) {
			ASSERT_EQ(0, xbind(f, w, "0.0.0.0", port));
			ASSERT_EQ(0, listen(w, 8));
			ASSERT_EQ(0, xbind(f, sp, "127.0.0.1", port));
			ASSERT_EQ(0, listen(sp, 8));
		} else {
			ASSERT_EQ(0, xbind(f, sp, "127.0.0.1", port));
			ASSERT_EQ(0, listen(sp, 8));
			ASSERT_EQ(0, xbind(f, w, "0.0.0.0", port));
			ASSERT_EQ(0, listen(w, 8));
		}
		c1 = xsock(f, 0);
		ASSERT_LE(0, c1);
		ASSERT_EQ(0, connect_wait(f, c1, "127.0.0.1", port, 10000));
		EXPECT_TRUE(poll1(sp, POLLIN, 5000) & POLLIN);
		s = try_accept(sp);
		EXPECT_LE(0, s) TH_LOG("order %d: specific listener got nothing", order);
		close(s);
		s = try_accept(w);
		EXPECT_EQ(-1, s) TH_LOG("order %d: wildcard listener got 127.0.0.1", order);
		close(s);

		c2 = xsock(f, 0);
		ASSERT_LE(0, c2);
		ASSERT_EQ(0, connect_wait(f, c2, "127.0.0.2", port, 10000));
		EXPECT_TRUE(poll1(w, POLLIN, 5000) & POLLIN);
		s = try_accept(w);
		EXPECT_LE(0, s) TH_LOG("order %d: wildcard listener got nothing", order);
		close(s);
		s = try_accept(sp);
		EXPECT_EQ(-1, s);
		close(s);
		close(c1);
		close(c2);
		close(w);
		close(sp);
	}
}

TEST_HARNESS_MAIN
