// SPDX-License-Identifier: GPL-2.0
/*
 * TCP's socket options on XTCP, same body for TCP and XTCP: every option
 * set and read back against a TCP socket of the same kernel (the
 * reference), then its effect: TCP_CORK holds a small write, TCP_SYNCNT
 * ends connect() sooner, TCP_DEFER_ACCEPT holds a connection back from
 * accept() until data comes or the deferral ends,
 * TCP_NOTSENT_LOWAT stops writes early, TCP_INQ and SO_TIMESTAMP(NS) add
 * control messages, SO_PEEK_OFF moves peeks; MSG_OOB (XTCP: EOPNOTSUPP),
 * and socket(AF_XTCP, SOCK_STREAM, IPPROTO_TCP).
 */
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

#ifndef TCP_INQ
#define TCP_INQ		36
#define TCP_CM_INQ	TCP_INQ
#endif

FIXTURE(opts) {
	int ref;	/* an AF_INET TCP socket: the expected answers */
	int fd;		/* the socket under test */
};

FIXTURE_VARIANT(opts) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(opts, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(opts, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(opts)
{
	self->ref = -1;
	self->fd = -1;
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
	self->ref = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->ref);
	self->fd = xsock(&variant->f, 0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(opts)
{
	if (self->ref >= 0)
		close(self->ref);
	if (self->fd >= 0)
		close(self->fd);
}

/* setsockopt's result (0 or errno), then the value read back, or -errno. */
static void set_get(int fd, int level, int opt, int val, int *set, int *got)
{
	socklen_t len = sizeof(*got);

	*set = setsockopt(fd, level, opt, &val, sizeof(val)) ? errno : 0;
	if (getsockopt(fd, level, opt, got, &len))
		*got = -errno;
}

TEST_F(opts, set_and_read_back)
{
	static const struct { int level, opt, val; const char *name; } c[] = {
		{ IPPROTO_TCP, TCP_CORK, 1, "TCP_CORK 1" },
		{ IPPROTO_TCP, TCP_CORK, 0, "TCP_CORK 0" },
		{ IPPROTO_TCP, TCP_SYNCNT, 3, "TCP_SYNCNT 3" },
		{ IPPROTO_TCP, TCP_SYNCNT, 0, "TCP_SYNCNT 0" },
		{ IPPROTO_TCP, TCP_SYNCNT, 128, "TCP_SYNCNT 128" },
		{ IPPROTO_TCP, TCP_SYNCNT, 127, "TCP_SYNCNT 127" },
		{ IPPROTO_TCP, TCP_WINDOW_CLAMP, 100, "TCP_WINDOW_CLAMP 100" },
		{ IPPROTO_TCP, TCP_WINDOW_CLAMP, 70000, "TCP_WINDOW_CLAMP 70000" },
		{ IPPROTO_TCP, TCP_WINDOW_CLAMP, 0, "TCP_WINDOW_CLAMP 0" },
		{ IPPROTO_TCP, TCP_QUICKACK, 0, "TCP_QUICKACK 0" },
		{ IPPROTO_TCP, TCP_QUICKACK, 1, "TCP_QUICKACK 1" },
		{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, 12345, "TCP_NOTSENT_LOWAT" },
		{ IPPROTO_TCP, TCP_INQ, 1, "TCP_INQ 1" },
		{ IPPROTO_TCP, TCP_INQ, 2, "TCP_INQ 2" },
		{ IPPROTO_TCP, TCP_INQ, 0, "TCP_INQ 0" },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT, 1, "TCP_DEFER_ACCEPT 1" },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT, 2, "TCP_DEFER_ACCEPT 2" },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT, 5, "TCP_DEFER_ACCEPT 5" },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT, 200, "TCP_DEFER_ACCEPT 200" },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT, 100000, "TCP_DEFER_ACCEPT 1e5" },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT, -5, "TCP_DEFER_ACCEPT -5" },
		{ IPPROTO_TCP, TCP_DEFER_ACCEPT, 0, "TCP_DEFER_ACCEPT 0" },
		{ SOL_SOCKET, SO_PEEK_OFF, 5, "SO_PEEK_OFF 5" },
		{ SOL_SOCKET, SO_PEEK_OFF, -1, "SO_PEEK_OFF -1" },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(c); i++) {
		int rs, rg, s, g;

		set_get(self->ref, c[i].level, c[i].opt, c[i].val, &rs, &rg);
		set_get(self->fd, c[i].level, c[i].opt, c[i].val, &s, &g);
		/*
		 * TCP has SO_PEEK_OFF from 6.9 on; on older kernels XTCP
		 * answers as 6.12's TCP does: set, and read back as set.
		 */
		if (is_xtcp(&variant->f) && c[i].level == SOL_SOCKET &&
		    c[i].opt == SO_PEEK_OFF && rs == EOPNOTSUPP &&
		    kernel_before(6, 9)) {
			rs = 0;
			rg = c[i].val;
		}
		EXPECT_EQ(rs, s) TH_LOG("%s: set %s, TCP %s", c[i].name,
					strerror(s), strerror(rs));
		EXPECT_EQ(rg, g) TH_LOG("%s: read %d, TCP %d", c[i].name, g,
					rg);
	}
}

TEST_F(opts, congestion)
{
	char name[32];
	socklen_t len;

	EXPECT_EQ(0, setsockopt(self->fd, IPPROTO_TCP, TCP_CONGESTION, "reno",
				4));
	memset(name, 'x', sizeof(name));
	len = sizeof(name);
	ASSERT_EQ(0, getsockopt(self->fd, IPPROTO_TCP, TCP_CONGESTION, name,
				&len));
	EXPECT_EQ(16, len);	/* TCP_CA_NAME_MAX */
	EXPECT_STREQ("reno", name);
	EXPECT_EQ(-1, setsockopt(self->fd, IPPROTO_TCP, TCP_CONGESTION,
				 "no-such-cc", 10));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, IPPROTO_TCP, TCP_CONGESTION, "", 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(opts, cork_holds_small_write)
{
	const struct xfam *f = &variant->f;
	char buf[200];
	int s, c;

	ASSERT_EQ(0, lo_pair(f, 6001, &s, &c));
	ASSERT_EQ(0, setint(c, IPPROTO_TCP, TCP_CORK, 1));
	ASSERT_EQ(100, send(c, buf, 100, 0));
	/* Held: TCP's probe timer would send it only after 200 ms. */
	EXPECT_EQ(0, poll1(s, POLLIN, 100) & POLLIN);
	ASSERT_EQ(0, setint(c, IPPROTO_TCP, TCP_CORK, 0));
	EXPECT_TRUE(poll1(s, POLLIN, 5000) & POLLIN);
	EXPECT_EQ(100, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	close(s);
	close(c);
}

TEST_F_TIMEOUT(opts, syncnt_ends_connect, 60)
{
	double t0, dt;
	int err;

	ASSERT_EQ(0, blackhole_setup());
	ASSERT_EQ(0, setint(self->fd, IPPROTO_TCP, TCP_SYNCNT, 1));
	t0 = now_s();
	err = xconnect(&variant->f, self->fd, BH_PEER, 6002) ? errno : 0;
	dt = now_s() - t0;
	EXPECT_EQ(ETIMEDOUT, err);
	/* SYN at 0, its one retransmission at 1 s, give up at 3 s. */
	EXPECT_LT(2.5, dt) TH_LOG("connect took %.2f s", dt);
	EXPECT_GT(8.0, dt) TH_LOG("connect took %.2f s", dt);
}

/* Fill the path from @c to @s with @s not reading; bytes @s has queued. */
static int fill_and_inq(int s, int c)
{
	static char buf[65536];
	int inq = -1;

	set_nonblock(c, true);
	for (int i = 0; i < 20; i++) {
		while (send(c, buf, sizeof(buf), 0) > 0)
			;
		sleep_ms(50);
	}
	sleep_ms(300);
	if (ioctl(s, SIOCINQ, &inq))
		return -1;
	return inq;
}

/*
 * Every window the clamped side announces, its SYN-ACK's included, is at
 * most the clamp (rounded up to the window scale unit, as TCP's ALIGN()),
 * while the peer fills it as fast as it can.
 */
TEST_F(opts, notsent_lowat_stops_writes)
{
	const struct xfam *f = &variant->f;
	int s, c, nsd = -1;

	ASSERT_EQ(0, lo_pair(f, 6004, &s, &c));
	ASSERT_EQ(0, setint(c, SOL_SOCKET, SO_SNDBUF, 4 << 20));
	ASSERT_EQ(0, setint(c, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 16384));
	fill_and_inq(s, c);
	ASSERT_EQ(0, ioctl(c, SIOCOUTQNSD, &nsd));
	/* At most one write past the mark (TCP's size_goal overshoot). */
	EXPECT_GT(16384 + 65536 + 1, nsd);
	EXPECT_EQ(0, poll1(c, POLLOUT, 0) & POLLOUT);
	close(s);
	close(c);
}

/* Wait until @s has @n bytes queued. */
static bool wait_inq(int s, int n)
{
	for (int i = 0; i < 200; i++) {
		int inq = 0;

		if (!ioctl(s, SIOCINQ, &inq) && inq >= n)
			return true;
		sleep_ms(25);
	}
	return false;
}

/* A listener on 127.0.0.1:@port with TCP_DEFER_ACCEPT @secs, or -1. */
static int defer_listener(const struct xfam *f, int secs, uint16_t port)
{
	int l = xsock(f, 0);

	if (l < 0)
		return -1;
	if (setint(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, secs) ||
	    xbind(f, l, "127.0.0.1", port) || listen(l, 4)) {
		close(l);
		return -1;
	}
	return l;
}

/*
 * TCP_DEFER_ACCEPT (tcp_check_req(), syn_ack_recalc()): the client is
 * established at once, but the listener has nothing to accept until data
 * arrives; the bare final ACK is counted in TCPDeferAcceptDrop; the data
 * is readable on the accepted child at once.
 */
TEST_F_TIMEOUT(opts, defer_accept_waits_for_data, 60)
{
	const struct xfam *f = &variant->f;
	long drops0 = mib_get(f, "TCPDeferAcceptDrop");
	int l, c, s;
	char buf[8];

	ASSERT_LE(0, drops0);
	l = defer_listener(f, 10, 6010);
	ASSERT_LE(0, l);
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(f, c, "127.0.0.1", 6010, 10000));
	/* Established on the client side; nothing to accept yet. */
	EXPECT_EQ(0, poll1(l, POLLIN, 1500) & POLLIN);
	EXPECT_LT(drops0, mib_get(f, "TCPDeferAcceptDrop"));
	ASSERT_EQ(5, send(c, "hello", 5, 0));
	ASSERT_TRUE(poll1(l, POLLIN, 5000) & POLLIN);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(5, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	close(s);
	close(c);
	close(l);
}

/*
 * Without data, the deferral ends: with 1 s (one timeout) the SYN-ACK is
 * resent at the first timeout, the client's ACK to it comes after the
 * deferral and makes the child, accepted with nothing to read.
 */
TEST_F_TIMEOUT(opts, defer_accept_ends, 60)
{
	const struct xfam *f = &variant->f;
	double t0, dt;
	int l, c, s;
	char buf[8];

	l = defer_listener(f, 1, 6011);
	ASSERT_LE(0, l);
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	t0 = now_s();
	ASSERT_EQ(0, connect_wait(f, c, "127.0.0.1", 6011, 10000));
	ASSERT_TRUE(poll1(l, POLLIN, 10000) & POLLIN);
	dt = now_s() - t0;
	/* the first SYN-ACK timeout is 1 s for both */
	EXPECT_LT(0.7, dt) TH_LOG("accepted after %.2f s", dt);
	EXPECT_GT(5.0, dt) TH_LOG("accepted after %.2f s", dt);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(-1, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(s);
	close(c);
	close(l);
}

TEST_F(opts, inq_cmsg)
{
	char buf[1000], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, 400 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int s, c, inq = -1;

	ASSERT_EQ(0, lo_pair(&variant->f, 6005, &s, &c));
	ASSERT_EQ(0, setint(s, IPPROTO_TCP, TCP_INQ, 1));
	memset(buf, 'a', sizeof(buf));
	ASSERT_EQ(1000, send(c, buf, 1000, 0));
	ASSERT_TRUE(wait_inq(s, 1000));
	ASSERT_EQ(400, recvmsg(s, &m, 0));
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_TCP && cm->cmsg_type == TCP_CM_INQ)
			memcpy(&inq, CMSG_DATA(cm), sizeof(inq));
	EXPECT_EQ(600, inq);
	close(s);
	close(c);
}

TEST_F(opts, peek_off_moves_peeks)
{
	char buf[8];
	int s, c;

	ASSERT_EQ(0, lo_pair(&variant->f, 6006, &s, &c));
	if (!is_xtcp(&variant->f) && kernel_before(6, 9)) {
		EXPECT_EQ(EOPNOTSUPP, setint(s, SOL_SOCKET, SO_PEEK_OFF, 0));
		close(s);
		close(c);
		SKIP(return, "TCP has SO_PEEK_OFF from 6.9 on");
	}
	ASSERT_EQ(0, setint(s, SOL_SOCKET, SO_PEEK_OFF, 0));
	ASSERT_EQ(8, send(c, "abcdefgh", 8, 0));
	ASSERT_TRUE(wait_inq(s, 8));
	ASSERT_EQ(3, recv(s, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	ASSERT_EQ(3, recv(s, buf, 3, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "def", 3));
	ASSERT_EQ(2, recv(s, buf, 2, 0));
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	/* The offset moved back by what was read: 6 - 2 past "ab". */
	ASSERT_EQ(2, recv(s, buf, 2, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "gh", 2));
	close(s);
	close(c);
}

static void timestamp_case(struct __test_metadata *_metadata,
			   const struct xfam *f, uint16_t port, int opt,
			   int type)
{
	char buf[16], cbuf[256];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	double stamp = 0, t;
	int s, c;

	ASSERT_EQ(0, lo_pair(f, port, &s, &c));
	ASSERT_EQ(0, setint(s, SOL_SOCKET, opt, 1));
	/*
	 * The first SO_TIMESTAMP* turns receive timestamps on through a
	 * static key that net_enable_timestamp() flips from a work item: a
	 * segment arriving before it ran carries no stamp for TCP.
	 */
	sleep_ms(200);
	t = (double)time(NULL);
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	ASSERT_TRUE(wait_inq(s, 4));
	ASSERT_EQ(4, recvmsg(s, &m, 0));
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != type)
			continue;
		if (type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			stamp = ts.tv_sec + ts.tv_nsec / 1e9;
		} else {
			struct timeval tv;

			memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
			stamp = tv.tv_sec + tv.tv_usec / 1e6;
		}
	}
	EXPECT_LE(t - 1, stamp) TH_LOG("no or old timestamp: %.3f", stamp);
	EXPECT_GE(t + 30, stamp);
	close(s);
	close(c);
}

TEST_F(opts, rx_timestamp)
{
	timestamp_case(_metadata, &variant->f, 6007, SO_TIMESTAMP,
		       SCM_TIMESTAMP);
}

TEST_F(opts, rx_timestampns)
{
	timestamp_case(_metadata, &variant->f, 6008, SO_TIMESTAMPNS,
		       SCM_TIMESTAMPNS);
}

/*
 * Urgent data: TCP sends it; XTCP refuses with EOPNOTSUPP rather than
 * sending the byte inline as ordinary data (Documentation/network.rst).
 */
TEST_F(opts, msg_oob)
{
	const struct xfam *f = &variant->f;
	int s, c;
	ssize_t n;

	ASSERT_EQ(0, lo_pair(f, 6009, &s, &c));
	n = send(c, "u", 1, MSG_OOB);
	if (is_xtcp(f)) {
		EXPECT_EQ(-1, n);
		EXPECT_EQ(EOPNOTSUPP, errno);
	} else {
		EXPECT_EQ(1, n);
	}
	close(s);
	close(c);
}

/* A TCP program's socket() call with only the family changed. */
TEST_F(opts, ipproto_tcp_alias)
{
	int fd = socket(variant->f.family, SOCK_STREAM, IPPROTO_TCP);
	int s, c;

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, lo_pair(&variant->f, 6010, &s, &c));
	close(s);
	close(c);
}

TEST_HARNESS_MAIN
