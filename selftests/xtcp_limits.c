// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded resources and lifetimes at the socket API, same body for TCP and
 * XTCP over loopback in a fresh netns: recvmsg(MSG_ERRQUEUE) reads the
 * error queue (empty: EAGAIN) and leaves the byte stream alone; a listener
 * with SO_KEEPALIVE closed while its children complete leaves nothing
 * pinned (for XTCP: the module's reference count comes back).
 */
#include <pthread.h>

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

TEST_HARNESS_MAIN
