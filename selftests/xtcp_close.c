// SPDX-License-Identifier: GPL-2.0
/*
 * How connections end, same body for TCP and XTCP, over loopback in a
 * fresh netns (netem on lo stands for a cut link):
 *
 * - TIME_WAIT after an active close: visible in /proc (state 06), blocks a
 *   bind() of the same address:port without SO_REUSEADDR (EADDRINUSE), and
 *   with SO_REUSEADDR exactly as TCP does; XTCP's entry expires after
 *   net.xtcp.tw_timeout and is counted (TimeWaited, CurrTimeWait back to 0).
 *   TCP has no TIME_WAIT sysctl on 6.12, so its variant skips the timing.
 * - close() with unread data resets (RFC 2525): the peer gets ECONNRESET.
 * - SO_LINGER {1,0} resets and leaves no TIME_WAIT; {1,N} blocks close()
 *   about N s while the peer reads nothing or the link drops everything,
 *   and returns at once when the peer takes and acknowledges the data.
 * - Retransmission gives up with ETIMEDOUT within the configured limits
 *   (tcp_retries2 / net.xtcp.retries2 and the RTO bounds), and so does
 *   TCP_USER_TIMEOUT / XTCP_USER_TIMEOUT (option 18).
 *
 * Time bounds are generous: the debug kernel runs under TCG with KASAN.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define PORT 9200
#define LADDR "127.0.0.1"

FIXTURE(cl) {
	int unused;
};

FIXTURE_VARIANT(cl) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(cl, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(cl, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(cl)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
}

FIXTURE_TEARDOWN(cl)
{
}

static void guard_timeouts(int fd, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Wait up to ms for proc_count(f, st, port) == want (in the current netns). */
static int wait_count(const struct xfam *f, int st, int port, int want, int ms)
{
	int n = -1;

	for (int i = 0; i <= ms / 20; i++) {
		n = proc_count(f, st, port, NULL);
		if (n == want)
			break;
		sleep_ms(20);
	}
	return n;
}

/*
 * The accepted end closes first (active close) and the connecting end
 * follows: the accepted end, on local port lport, goes to TIME_WAIT. The
 * listener had SO_REUSEADDR = reuse and is closed on return.
 */
static void make_time_wait(struct __test_metadata *_metadata,
			   const struct xfam *f, uint16_t lport, int reuse)
{
	int l, c, s;
	char b;

	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, setint(l, SOL_SOCKET, SO_REUSEADDR, reuse));
	ASSERT_EQ(0, xbind(f, l, LADDR, lport));
	ASSERT_EQ(0, listen(l, 4));
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	guard_timeouts(c, 20);
	ASSERT_EQ(0, connect_wait(f, c, LADDR, lport, 20000));
	ASSERT_TRUE(poll1(l, POLLIN, 20000) & POLLIN);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	close(l);
	ASSERT_EQ(0, close(s));
	EXPECT_EQ(0, recv(c, &b, 1, 0)) TH_LOG("no EOF: %s", strerror(errno));
	ASSERT_EQ(0, close(c));
	EXPECT_EQ(1, wait_count(f, ST_TIME_WAIT, lport, 1, 10000))
		TH_LOG("no TIME_WAIT entry for port %d", lport);
}

/* bind() of ip:port with SO_REUSEADDR = reuse: 0 or errno. */
static int try_bind_ip(const struct xfam *f, const char *ip, uint16_t port,
		       int reuse)
{
	int fd = xsock(f, 0);
	int err;

	if (fd < 0)
		return errno;
	err = setint(fd, SOL_SOCKET, SO_REUSEADDR, reuse);
	if (!err)
		err = xbind(f, fd, ip, port);
	close(fd);
	return err;
}

static int try_bind(const struct xfam *f, uint16_t port, int reuse)
{
	return try_bind_ip(f, LADDR, port, reuse);
}

/*
 * TIME_WAIT of a socket without SO_REUSEADDR: a plain bind() fails, and
 * (as TCP does) so does one with SO_REUSEADDR on the new socket only: the
 * TIME_WAIT entry keeps the reuse setting of the socket it replaced.
 */
TEST_F_TIMEOUT(cl, tw_blocks_rebind, 60)
{
	const struct xfam *f = &variant->f;

	make_time_wait(_metadata, f, PORT, 0);
	EXPECT_EQ(EADDRINUSE, try_bind(f, PORT, 0));
	EXPECT_EQ(EADDRINUSE, try_bind(f, PORT, 1));
	/* the wildcard address overlaps it too */
	EXPECT_EQ(EADDRINUSE, try_bind_ip(f, "0.0.0.0", PORT, 0));
	/* another port, and the same port on another address, are free */
	EXPECT_EQ(0, try_bind(f, PORT + 1, 0));
	EXPECT_EQ(0, try_bind_ip(f, "127.0.0.2", PORT, 0));
	EXPECT_EQ(1, proc_count(f, ST_TIME_WAIT, PORT, NULL));
}

/* Both the old socket and the new one set SO_REUSEADDR: bind() works. */
TEST_F_TIMEOUT(cl, tw_reuseaddr_both, 60)
{
	const struct xfam *f = &variant->f;
	int fd;

	make_time_wait(_metadata, f, PORT, 1);
	EXPECT_EQ(EADDRINUSE, try_bind(f, PORT, 0));
	EXPECT_EQ(0, try_bind(f, PORT, 1));
	/* and the rebound socket can listen and serve again */
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setint(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, xbind(f, fd, LADDR, PORT));
	EXPECT_EQ(0, listen(fd, 4));
	close(fd);
}

/*
 * XTCP: with net.xtcp.tw_timeout = 2 the entry lives about 2 s, is counted
 * in TimeWaited and CurrTimeWait, and the port is free afterwards. TCP's
 * TIME_WAIT lasts a fixed 60 s on 6.12: its variant checks the entry and
 * the bind only.
 */
TEST_F_TIMEOUT(cl, tw_expires, 60)
{
	const struct xfam *f = &variant->f;
	long waited = 0, cur;
	double t0, dt;
	int n;

	if (is_xtcp(f)) {
		ASSERT_EQ(0, sysctl_set("net.xtcp.tw_timeout", "2"));
		ASSERT_EQ(2, sysctl_get("net.xtcp.tw_timeout"));
		waited = mib_get(f, "TimeWaited");
		EXPECT_EQ(0, mib_get(f, "CurrTimeWait"));
	}
	make_time_wait(_metadata, f, PORT, 0);
	t0 = now_s();
	EXPECT_EQ(EADDRINUSE, try_bind(f, PORT, 0));
	if (!is_xtcp(f)) {
		TH_LOG("tcp: TIME_WAIT is a fixed 60 s on 6.12; expiry not timed");
		return;
	}
	EXPECT_EQ(waited + 1, mib_get(f, "TimeWaited"));
	cur = mib_get(f, "CurrTimeWait");
	EXPECT_EQ(1, cur);
	n = wait_count(f, ST_TIME_WAIT, PORT, 0, 15000);
	dt = now_s() - t0;
	EXPECT_EQ(0, n) TH_LOG("TIME_WAIT still there after %.1f s", dt);
	/* the entry was made before t0, so it may go a little before 2 s */
	EXPECT_LE(1.5, dt) TH_LOG("TIME_WAIT gone after %.2f s, want ~2 s", dt);
	EXPECT_GE(6.0, dt) TH_LOG("TIME_WAIT gone after %.2f s, want ~2 s", dt);
	EXPECT_EQ(0, mib_get(f, "CurrTimeWait"));
	EXPECT_EQ(waited + 1, mib_get(f, "TimeWaited"));
	EXPECT_EQ(0, try_bind(f, PORT, 0));
}

/* Wait for an error or hang-up on fd; returns revents. */
static int wait_reset(int fd, int ms)
{
	return poll1(fd, POLLIN | POLLERR | POLLHUP | POLLRDHUP, ms);
}

/*
 * The counters of the two aborts, as Linux's tcp_close() counts them (and
 * XTCP the same way, xtcp_mib.h): unread data bumps (TCP)AbortOnClose, a
 * zero linger (TCP)AbortOnData.
 */
static const char *abort_unread_mib(const struct xfam *f)
{
	return is_xtcp(f) ? "AbortOnClose" : "TCPAbortOnClose";
}

static const char *abort_linger0_mib(const struct xfam *f)
{
	return is_xtcp(f) ? "AbortOnData" : "TCPAbortOnData";
}

/* RFC 2525: close() with unread received data resets the connection. */
TEST_F_TIMEOUT(cl, close_unread_rst, 60)
{
	const struct xfam *f = &variant->f;
	long aod = mib_get(f, abort_unread_mib(f));
	char buf[64];
	int s, c;

	ASSERT_EQ(0, lo_pair(f, PORT, &s, &c));
	guard_timeouts(c, 20);
	ASSERT_EQ(100, send(c, buf, 100, 0));
	ASSERT_TRUE(poll1(s, POLLIN, 10000) & POLLIN);
	ASSERT_EQ(0, close(s));
	EXPECT_TRUE(wait_reset(c, 10000) & (POLLERR | POLLHUP));
	EXPECT_EQ(-1, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, proc_count(f, ST_TIME_WAIT, PORT, NULL));
	EXPECT_EQ(aod + 1, mib_get(f, abort_unread_mib(f)));
	close(c);
}

/* SO_LINGER {1,0}: close() aborts with an RST and leaves no TIME_WAIT. */
TEST_F_TIMEOUT(cl, linger0_rst, 60)
{
	const struct xfam *f = &variant->f;
	long aoc = mib_get(f, abort_linger0_mib(f));
	long rsts = mib_get(f, "OutRsts");
	char buf[16];
	int s, c;

	ASSERT_EQ(0, lo_pair(f, PORT, &s, &c));
	guard_timeouts(c, 20);
	ASSERT_EQ(0, set_linger(s, 1, 0));
	ASSERT_EQ(0, close(s));
	EXPECT_TRUE(wait_reset(c, 10000) & (POLLERR | POLLHUP));
	EXPECT_EQ(-1, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, proc_count(f, ST_TIME_WAIT, PORT, NULL));
	EXPECT_EQ(0, proc_count(f, ST_FIN_WAIT1, PORT, NULL));
	EXPECT_EQ(aoc + 1, mib_get(f, abort_linger0_mib(f)));
	EXPECT_LT(rsts, mib_get(f, "OutRsts"));
	close(c);
}

struct reader {
	int fd;
	long bytes;
	bool eof;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	char buf[16384];
	ssize_t n;

	while ((n = recv(r->fd, buf, sizeof(buf), 0)) > 0)
		r->bytes += n;
	r->eof = n == 0;
	return NULL;
}

/* SO_LINGER {1,5} with a peer that reads: close() returns promptly. */
TEST_F_TIMEOUT(cl, linger_peer_acks, 60)
{
	const struct xfam *f = &variant->f;
	static char buf[256 * 1024];
	struct reader r = { 0 };
	pthread_t th;
	double t0, dt;
	int s, c;

	ASSERT_EQ(0, lo_pair(f, PORT, &s, &c));
	guard_timeouts(c, 20);
	guard_timeouts(s, 20);
	r.fd = c;
	ASSERT_EQ(0, pthread_create(&th, NULL, read_all, &r));
	ASSERT_EQ(sizeof(buf), send(s, buf, sizeof(buf), 0));
	ASSERT_EQ(0, set_linger(s, 1, 5));
	t0 = now_s();
	EXPECT_EQ(0, close(s));
	dt = now_s() - t0;
	pthread_join(th, NULL);
	EXPECT_GT(3.0, dt) TH_LOG("close() with a reading peer took %.2f s", dt);
	EXPECT_EQ(sizeof(buf), r.bytes);
	EXPECT_TRUE(r.eof);
	close(c);
}

/* Fill the path s -> c (c not reading) until a non-blocking send fails. */
static long fill(int s)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;
	int idle = 0;

	/* a few rounds: data in flight frees send space as it lands */
	while (idle < 3 && total < 32 * 1024 * 1024L) {
		n = send(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			total += n;
			idle = 0;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return -errno;
		idle++;
		sleep_ms(100);
	}
	return total;
}

/* SO_LINGER {1,2}, peer not reading: close() waits the whole 2 s. */
TEST_F_TIMEOUT(cl, linger_peer_not_reading, 60)
{
	const struct xfam *f = &variant->f;
	double t0, dt;
	long n;
	int s, c;

	ASSERT_EQ(0, lo_pair(f, PORT, &s, &c));
	guard_timeouts(s, 20);
	n = fill(s);
	ASSERT_LT(0, n) TH_LOG("fill: %s", strerror(-n));
	ASSERT_EQ(0, set_linger(s, 1, 2));
	t0 = now_s();
	EXPECT_EQ(0, close(s));
	dt = now_s() - t0;
	TH_LOG("%s: %ld bytes queued, close() took %.2f s", f->name, n, dt);
	EXPECT_LE(1.8, dt) TH_LOG("close() returned after %.2f s, linger 2 s", dt);
	EXPECT_GE(6.0, dt) TH_LOG("close() returned after %.2f s, linger 2 s", dt);
	close(c);
}

/* SO_LINGER {1,2}, every segment dropped: close() waits about 2 s. */
TEST_F_TIMEOUT(cl, linger_link_down, 60)
{
	const struct xfam *f = &variant->f;
	static char buf[20000];
	double t0, dt;
	int s, c;

	if (run("command -v tc >/dev/null"))
		SKIP_OUTSIDE_VM(return, "tc not available");
	ASSERT_EQ(0, lo_pair(f, PORT, &s, &c));
	guard_timeouts(s, 20);
	ASSERT_EQ(0, netem_set("lo", "loss 100%"));
	ASSERT_EQ(sizeof(buf), send(s, buf, sizeof(buf), 0));
	ASSERT_EQ(0, set_linger(s, 1, 2));
	t0 = now_s();
	EXPECT_EQ(0, close(s));
	dt = now_s() - t0;
	EXPECT_LE(1.8, dt) TH_LOG("close() returned after %.2f s, linger 2 s", dt);
	EXPECT_GE(6.0, dt) TH_LOG("close() returned after %.2f s, linger 2 s", dt);
	close(c);
}

/*
 * Cut the link (netem drops everything on lo) with data outstanding: s
 * retransmits retries2 times and gives up with ETIMEDOUT. TCP:
 * tcp_retries2 = 3 with its 200 ms minimum
 * RTO gives up 3 s (15 x 200 ms, its linear estimate) after the first
 * transmission, at the next RTO expiry. XTCP: net.xtcp.retries2 = 3 and
 * every RTO capped at rto_max_ms = 800 ms. Either way the bound below is
 * twice the worst schedule plus 5 s of slack.
 */
TEST_F_TIMEOUT(cl, retrans_timeout, 90)
{
	const struct xfam *f = &variant->f;
	int retries = 3, rto_max_ms = 800;
	long rt0, aot;
	double t0, dt, bound;
	char buf[1000] = { 0 };
	int s, c, ev;

	if (run("command -v tc >/dev/null"))
		SKIP_OUTSIDE_VM(return, "tc not available");
	if (is_xtcp(f)) {
		ASSERT_EQ(0, sysctl_set("net.xtcp.retries2", "3"));
		ASSERT_EQ(0, sysctl_set("net.xtcp.rto_max_ms", "800"));
		bound = 2.0 * (retries + 1) * rto_max_ms / 1000 + 5;
	} else {
		ASSERT_EQ(0, sysctl_set("net.ipv4.tcp_retries2", "3"));
		bound = 2.0 * 0.2 * ((2 << retries) - 1) + 5;
	}
	ASSERT_EQ(0, lo_pair(f, PORT, &s, &c));
	guard_timeouts(s, 60);
	rt0 = mib_get(f, "RetransSegs");
	aot = mib_get_ext(f, "AbortOnTimeout");
	ASSERT_EQ(0, netem_set("lo", "loss 100%"));
	t0 = now_s();
	ASSERT_EQ(sizeof(buf), send(s, buf, sizeof(buf), 0));
	ev = poll1(s, POLLIN, (int)(bound * 1500));
	dt = now_s() - t0;
	TH_LOG("%s: gave up after %.2f s (bound %.1f s)", f->name, dt, bound);
	EXPECT_TRUE(ev & POLLERR) TH_LOG("revents 0x%x after %.1f s", ev, dt);
	EXPECT_GE(bound, dt);
	EXPECT_EQ(ETIMEDOUT, so_error(s));
	EXPECT_EQ(-1, send(s, buf, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_LE(rt0 + retries, mib_get(f, "RetransSegs"));
	EXPECT_EQ(aot + 1, mib_get_ext(f, "AbortOnTimeout"));
	close(s);
	close(c);
}

/*
 * TCP_USER_TIMEOUT / XTCP_USER_TIMEOUT (18) = 1500 ms with the link cut:
 * recv() fails with ETIMEDOUT about 1.5 s after the data was sent, long
 * before the default retries2 would give up.
 */
TEST_F_TIMEOUT(cl, user_timeout, 90)
{
	const struct xfam *f = &variant->f;
	int level = is_xtcp(f) ? SOL_XTCP : IPPROTO_TCP;
	char buf[1000] = { 0 };
	socklen_t len = sizeof(int);
	double t0, dt;
	int s, c, v = 0;
	ssize_t n;

	if (run("command -v tc >/dev/null"))
		SKIP_OUTSIDE_VM(return, "tc not available");
	ASSERT_EQ(TCP_USER_TIMEOUT, XTCP_USER_TIMEOUT);
	ASSERT_EQ(0, lo_pair(f, PORT, &s, &c));
	guard_timeouts(s, 30);
	ASSERT_EQ(0, setint(s, level, XTCP_USER_TIMEOUT, 1500));
	ASSERT_EQ(0, getsockopt(s, level, XTCP_USER_TIMEOUT, &v, &len));
	EXPECT_EQ(1500, v);
	ASSERT_EQ(0, netem_set("lo", "loss 100%"));
	t0 = now_s();
	ASSERT_EQ(sizeof(buf), send(s, buf, sizeof(buf), 0));
	n = recv(s, buf, sizeof(buf), 0);
	dt = now_s() - t0;
	TH_LOG("%s: recv() %zd (%s) after %.2f s", f->name, n,
	       n < 0 ? strerror(errno) : "-", dt);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(1.4, dt);
	EXPECT_GE(5.0, dt);
	close(s);
	close(c);
}

TEST_HARNESS_MAIN
