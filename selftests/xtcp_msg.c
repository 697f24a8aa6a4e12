// SPDX-License-Identifier: GPL-2.0
/*
 * sendmsg()/recvmsg() semantics on a connected pair, same body for TCP and
 * XTCP over loopback in a fresh netns: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT
 * on an empty receive queue and on a full send buffer (small SO_SNDBUF, the
 * peer not reading), SO_RCVLOWAT, SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN after
 * the timeout), EPIPE after our own SHUT_WR or the peer's reset with
 * MSG_NOSIGNAL and SIGPIPE without it, readv/writev, SIOCINQ/SIOCOUTQ.
 */
#include <linux/sockios.h>
#include <pthread.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

FIXTURE(msg) {
	int s, c;	/* accepted and connecting end */
};

FIXTURE_VARIANT(msg) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(msg, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(msg, xtcp) { .f = XFAM_XTCP };

static void guard_timeouts(int fd, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

FIXTURE_SETUP(msg)
{
	self->s = -1;
	self->c = -1;
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
	ASSERT_EQ(0, lo_pair(&variant->f, 9400, &self->s, &self->c));
	/* nothing below may block forever */
	guard_timeouts(self->s, 20);
	guard_timeouts(self->c, 20);
}

FIXTURE_TEARDOWN(msg)
{
	if (self->s >= 0)
		close(self->s);
	if (self->c >= 0)
		close(self->c);
}

/*
 * SIGPIPEs seen; the handler runs in this thread during send(), and each
 * check follows a call into libc, so a plain int is read fresh.
 */
static int sigpipes;

static void on_sigpipe(int sig)
{
	__atomic_add_fetch(&sigpipes, 1, __ATOMIC_RELAXED);
}

TEST_F_TIMEOUT(msg, peek, 60)
{
	char buf[32] = { 0 };

	ASSERT_EQ(11, send(self->c, "hello world", 11, 0));
	ASSERT_TRUE(poll1(self->s, POLLIN, 5000) & POLLIN);
	EXPECT_EQ(5, recv(self->s, buf, 5, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	/* peeking again sees the same bytes, and all of them */
	EXPECT_EQ(11, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "hello world", 11));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(6, recv(self->s, buf, 6, 0));
	EXPECT_EQ(0, memcmp(buf, "hello ", 6));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "world", 5));
	EXPECT_EQ(-1, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

struct dripper {
	int fd, chunks, len, gap_ms;
};

static void *drip(void *arg)
{
	struct dripper *d = arg;
	char buf[4096];

	memset(buf, 'w', sizeof(buf));
	for (int i = 0; i < d->chunks; i++) {
		sleep_ms(d->gap_ms);
		if (send(d->fd, buf, d->len, 0) != d->len)
			break;
	}
	return NULL;
}

/* MSG_WAITALL collects chunks that arrive 100 ms apart into one read. */
TEST_F_TIMEOUT(msg, waitall, 60)
{
	struct dripper d = { self->c, 4, 1000, 100 };
	static char buf[8192];
	pthread_t th;
	ssize_t n;

	ASSERT_EQ(0, pthread_create(&th, NULL, drip, &d));
	n = recv(self->s, buf, 4000, MSG_WAITALL);
	pthread_join(th, NULL);
	EXPECT_EQ(4000, n);
	/* without it, a read returns what is there */
	d.chunks = 1;
	ASSERT_EQ(0, pthread_create(&th, NULL, drip, &d));
	pthread_join(th, NULL);
	ASSERT_TRUE(poll1(self->s, POLLIN, 5000) & POLLIN);
	sleep_ms(100);
	EXPECT_EQ(1000, recv(self->s, buf, 4000, 0));
}

/* Send without blocking until the buffer is full; bytes sent. */
static long fill(int fd, int flags)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;
	int idle = 0;

	while (idle < 3 && total < 32 * 1024 * 1024L) {
		n = send(fd, buf, sizeof(buf), flags);
		if (n > 0) {
			total += n;
			idle = 0;
			continue;
		}
		if (errno != EAGAIN)
			return -errno;
		idle++;
		sleep_ms(100);
	}
	return idle == 3 ? total : -ENOBUFS;
}

TEST_F_TIMEOUT(msg, dontwait, 60)
{
	char b;
	long n;

	EXPECT_EQ(-1, recv(self->s, &b, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, setint(self->c, SOL_SOCKET, SO_SNDBUF, 4096));
	n = fill(self->c, MSG_DONTWAIT);
	EXPECT_LT(0, n) TH_LOG("MSG_DONTWAIT never hit EAGAIN: %ld", n);
	/* the same on an O_NONBLOCK socket, and no POLLOUT while full */
	ASSERT_EQ(0, set_nonblock(self->c, true));
	/* a byte may still fit in the last segment's room; not many */
	for (n = 0; n < 65536 && send(self->c, &b, 1, 0) == 1; n++)
		;
	EXPECT_GT(65536, n);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_FALSE(poll1(self->c, POLLOUT, 200) & POLLOUT);
}

/* SO_RCVLOWAT 100: not readable with 50 bytes queued, readable with 100. */
TEST_F_TIMEOUT(msg, rcvlowat, 60)
{
	char buf[256];
	int v = 0;
	socklen_t len = sizeof(v);

	ASSERT_EQ(0, setint(self->s, SOL_SOCKET, SO_RCVLOWAT, 100));
	ASSERT_EQ(0, getsockopt(self->s, SOL_SOCKET, SO_RCVLOWAT, &v, &len));
	EXPECT_EQ(100, v);
	ASSERT_EQ(50, send(self->c, buf, 50, 0));
	EXPECT_EQ(0, poll1(self->s, POLLIN, 500));
	ASSERT_EQ(50, send(self->c, buf, 50, 0));
	EXPECT_TRUE(poll1(self->s, POLLIN, 5000) & POLLIN);
	EXPECT_EQ(100, recv(self->s, buf, sizeof(buf), 0));
}

TEST_F_TIMEOUT(msg, rcvtimeo, 60)
{
	struct timeval tv = { .tv_usec = 300000 };
	double t0, dt;
	char b;

	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	t0 = now_s();
	EXPECT_EQ(-1, recv(self->s, &b, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	dt = now_s() - t0;
	EXPECT_LE(0.28, dt);
	EXPECT_GE(3.0, dt);
}

TEST_F_TIMEOUT(msg, sndtimeo, 60)
{
	struct timeval tv = { .tv_usec = 300000 };
	static char buf[65536];
	double t0 = 0, dt = 0;
	ssize_t n = 0;
	int i;

	ASSERT_EQ(0, setint(self->c, SOL_SOCKET, SO_SNDBUF, 4096));
	ASSERT_LT(0, fill(self->c, MSG_DONTWAIT));
	ASSERT_EQ(0, setsockopt(self->c, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)));
	/* a blocking send may still take a little; the last one times out */
	for (i = 0; i < 50; i++) {
		t0 = now_s();
		n = send(self->c, buf, sizeof(buf), 0);
		dt = now_s() - t0;
		if (n < 0)
			break;
	}
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(0.28, dt);
	EXPECT_GE(3.0, dt);
}

TEST_F_TIMEOUT(msg, epipe_own_shutdown, 60)
{
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(-1, send(self->c, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, sigpipes);
	EXPECT_EQ(-1, send(self->c, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(-1, write(self->c, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(2, sigpipes);
}

/*
 * After the peer's reset the first call reports ECONNRESET (the pending
 * error), then sends fail with EPIPE: SIGPIPE only without MSG_NOSIGNAL.
 */
TEST_F_TIMEOUT(msg, epipe_peer_reset, 60)
{
	char b;

	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	ASSERT_EQ(0, set_linger(self->s, 1, 0));
	ASSERT_EQ(0, close(self->s));
	self->s = -1;
	EXPECT_TRUE(poll1(self->c, POLLIN, 5000) & POLLERR);
	EXPECT_EQ(-1, recv(self->c, &b, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, send(self->c, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, sigpipes);
	EXPECT_EQ(-1, send(self->c, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(0, recv(self->c, &b, 1, 0));
}

/* The pending ECONNRESET goes to the first send() if nothing read it. */
TEST_F_TIMEOUT(msg, send_after_reset, 60)
{
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	ASSERT_EQ(0, set_linger(self->s, 1, 0));
	ASSERT_EQ(0, close(self->s));
	self->s = -1;
	EXPECT_TRUE(poll1(self->c, POLLIN, 5000) & POLLERR);
	EXPECT_EQ(-1, send(self->c, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, send(self->c, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, sigpipes);
}

TEST_F_TIMEOUT(msg, readv_writev, 60)
{
	char a[10], b[1000], c[5], x[7], y[8], z[2000];
	struct iovec out[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	struct iovec in[3] = { { x, sizeof(x) }, { y, sizeof(y) }, { z, sizeof(z) } };
	char all[1015], got[1015];
	uint64_t st = 7;
	ssize_t n, t = 0;

	pat_fill(&st, all, sizeof(all));
	memcpy(a, all, 10);
	memcpy(b, all + 10, 1000);
	memcpy(c, all + 1010, 5);
	ASSERT_EQ(1015, writev(self->c, out, 3));
	/* readv may return early; collect everything */
	while (t < 1015) {
		ASSERT_TRUE(poll1(self->s, POLLIN, 5000) & POLLIN);
		n = readv(self->s, in, 3);
		ASSERT_LT(0, n);
		/* scatter back in order */
		for (int i = 0; i < 3 && n > 0; i++) {
			size_t k = (size_t)n < in[i].iov_len ? (size_t)n : in[i].iov_len;

			memcpy(got + t, in[i].iov_base, k);
			t += k;
			n -= k;
		}
	}
	EXPECT_EQ(1015, t);
	EXPECT_EQ(0, memcmp(all, got, sizeof(all)));
}

TEST_F_TIMEOUT(msg, siocinq_siocoutq, 60)
{
	static char buf[4096];
	int v = -1, i;
	long n;

	ASSERT_EQ(1000, send(self->c, buf, 1000, 0));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ioctl(self->s, SIOCINQ, &v));
		if (v == 1000)
			break;
		sleep_ms(20);
	}
	EXPECT_EQ(1000, v);
	EXPECT_EQ(400, recv(self->s, buf, 400, 0));
	ASSERT_EQ(0, ioctl(self->s, SIOCINQ, &v));
	EXPECT_EQ(600, v);
	EXPECT_EQ(600, recv(self->s, buf, sizeof(buf), 0));
	ASSERT_EQ(0, ioctl(self->s, SIOCINQ, &v));
	EXPECT_EQ(0, v);

	/* unacknowledged + unsent bytes: > 0 with the peer not reading */
	ASSERT_EQ(0, setint(self->c, SOL_SOCKET, SO_SNDBUF, 4096));
	n = fill(self->c, MSG_DONTWAIT);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, ioctl(self->c, SIOCOUTQ, &v));
	EXPECT_LT(0, v);
	EXPECT_GE(n, v);
	/* the peer reads it all: everything acknowledged, SIOCOUTQ 0 */
	while (n > 0) {
		long r = recv(self->s, buf, sizeof(buf), 0);

		ASSERT_LT(0, r);
		n -= r;
	}
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ioctl(self->c, SIOCOUTQ, &v));
		if (!v)
			break;
		sleep_ms(20);
	}
	EXPECT_EQ(0, v);
}

TEST_HARNESS_MAIN
