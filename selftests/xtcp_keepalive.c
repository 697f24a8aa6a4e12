// SPDX-License-Identifier: GPL-2.0
/*
 * Keepalive, XTCP's options, and what TIME_WAIT does to bind() and
 * connect(). Same body for TCP and XTCP:
 *
 * - options: XTCP_NODELAY, XTCP_MAXSEG, XTCP_KEEPIDLE, XTCP_KEEPINTVL,
 *   XTCP_KEEPCNT, XTCP_LINGER2, XTCP_USER_TIMEOUT at IPPROTO_TCP (and
 *   SOL_XTCP for XTCP): defaults, ranges, errnos, option lengths, values
 *   read back, compared call by call with a TCP socket in the same netns;
 * - keepalive on the wire (two netns over veth, KEEPIDLE = KEEPINTVL = 1,
 *   KEEPCNT = 3): a peer whose answers are dropped (netem loss 100%) gets
 *   KEEPCNT probes (seq = snd_una - 1) then an RST, and the socket fails
 *   with ETIMEDOUT after idle + intvl * cnt; a live peer answers every probe
 *   and the connection stays up; KEEPIDLE set on a socket already idling
 *   with SO_KEEPALIVE re-arms the timer; XTCP_USER_TIMEOUT ends probing
 *   early;
 * - TIME_WAIT keeps the port: bind() with and without SO_REUSEADDR on
 *   either side, a connect() reusing the 4-tuple (TCP without timestamps,
 *   which XTCP never sends), and for XTCP the /proc state, counters and
 *   net.xtcp.tw_timeout expiry.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define LPORT	9100
#define CPORT	9101

/* ---- option matrix ------------------------------------------------------ */

struct optres {
	int err;	/* errno of the call, 0 on success */
	int val;	/* getsockopt value (after a set: the value read back) */
	int len;	/* getsockopt length */
};

#define NOPT_MAX	160

struct optlog {
	struct optres r[NOPT_MAX];
	const char *what[NOPT_MAX];
	int n;
};

static void log_get(struct optlog *lg, int fd, int level, int opt, int len,
		    const char *what)
{
	struct optres *r = &lg->r[lg->n];
	socklen_t l = len;
	int val = 0x5a5a5a5a;

	r->err = getsockopt(fd, level, opt, &val, &l) ? errno : 0;
	r->val = val;
	r->len = l;
	lg->what[lg->n++] = what;
}

static void log_set(struct optlog *lg, int fd, int level, int opt,
		    const void *val, int len, const char *what)
{
	struct optres *r = &lg->r[lg->n];

	r->err = setsockopt(fd, level, opt, val, len) ? errno : 0;
	r->val = 0;
	r->len = 0;
	lg->what[lg->n++] = what;
	log_get(lg, fd, level, opt, sizeof(int), what);
}

struct optcase {
	int opt;
	const char *name;
	int vals[10];
	int nvals;
};

static const struct optcase optcases[] = {
	{ XTCP_NODELAY, "NODELAY", { 1, 0, 2, -1, 0 }, 5 },
	{ XTCP_MAXSEG, "MAXSEG",
	  { 87, 88, 536, 1400, 32767, 32768, -1, 0 }, 8 },
	{ XTCP_KEEPIDLE, "KEEPIDLE",
	  { 0, 1, 32767, 32768, -1, 7200 }, 6 },
	{ XTCP_KEEPINTVL, "KEEPINTVL",
	  { 0, 1, 32767, 32768, -1, 75 }, 6 },
	{ XTCP_KEEPCNT, "KEEPCNT", { 0, 1, 127, 128, -1, 9 }, 6 },
	{ XTCP_LINGER2, "LINGER2",
	  { -5, 30, 120, 121, 100000, 0 }, 6 },
	{ XTCP_USER_TIMEOUT, "USER_TIMEOUT",
	  { -1, 1, 5000, 0x7fffffff, 0 }, 5 },
};

/* The same calls on any socket; the log says what each returned. */
static void opt_matrix(struct optlog *lg, int fd, int level)
{
	unsigned int i;
	int j, v = 1;

	lg->n = 0;
	/* defaults */
	for (i = 0; i < ARRAY_SIZE(optcases); i++)
		log_get(lg, fd, level, optcases[i].opt, sizeof(int),
			optcases[i].name);
	/* ranges and values read back */
	for (i = 0; i < ARRAY_SIZE(optcases); i++)
		for (j = 0; j < optcases[i].nvals; j++)
			log_set(lg, fd, level, optcases[i].opt,
				&optcases[i].vals[j], sizeof(int),
				optcases[i].name);
	/* lengths */
	log_set(lg, fd, level, XTCP_KEEPCNT, &v, 3, "set len 3");
	v = 5;
	log_set(lg, fd, level, XTCP_KEEPCNT, &v, 0, "set len 0");
	{
		int big[2] = { 7, 99 };

		log_set(lg, fd, level, XTCP_KEEPCNT, big, sizeof(big),
			"set len 8");
	}
	log_set(lg, fd, level, XTCP_KEEPCNT, NULL, sizeof(int), "set NULL");
	v = 300;
	log_set(lg, fd, level, XTCP_KEEPIDLE, &v, sizeof(int), "idle 300");
	log_get(lg, fd, level, XTCP_KEEPIDLE, 2, "get len 2");
	log_get(lg, fd, level, XTCP_KEEPIDLE, 1, "get len 1");
	log_get(lg, fd, level, XTCP_KEEPIDLE, 0, "get len 0");
	log_get(lg, fd, level, XTCP_KEEPIDLE, 8, "get len 8");
	log_get(lg, fd, level, XTCP_KEEPIDLE, -1, "get len -1");
	/* unknown option */
	v = 1;
	log_set(lg, fd, level, 999, &v, sizeof(int), "set 999");
	log_set(lg, fd, level, 999, &v, 2, "set 999 len 2");
	log_get(lg, fd, level, 999, sizeof(int), "get 999");
}

static void opt_compare(struct __test_metadata *_metadata,
			const struct optlog *ref, const struct optlog *got,
			const char *label)
{
	int i;

	ASSERT_EQ(ref->n, got->n);
	for (i = 0; i < ref->n; i++) {
		EXPECT_EQ(ref->r[i].err, got->r[i].err)
			TH_LOG("%s #%d %s: errno %d, TCP %d", label, i,
			       ref->what[i], got->r[i].err, ref->r[i].err);
		EXPECT_EQ(ref->r[i].val, got->r[i].val)
			TH_LOG("%s #%d %s: value %d, TCP %d", label, i,
			       ref->what[i], got->r[i].val, ref->r[i].val);
		EXPECT_EQ(ref->r[i].len, got->r[i].len)
			TH_LOG("%s #%d %s: len %d, TCP %d", label, i,
			       ref->what[i], got->r[i].len, ref->r[i].len);
	}
}

/* ---- keepalive over veth ------------------------------------------------ */

FIXTURE(ka) {
	struct twons t;
	int lst;	/* in S */
	int srv;	/* accepted, in S */
	int cli;	/* in C */
	int cap;	/* packet socket on vc, in C */
};

FIXTURE_VARIANT(ka) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(ka, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(ka, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(ka)
{
	self->lst = -1;
	self->srv = -1;
	self->cli = -1;
	self->cap = -1;
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
}

FIXTURE_TEARDOWN(ka)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	if (self->lst >= 0)
		close(self->lst);
	if (self->cap >= 0)
		close(self->cap);
}

/* Counter names: XTCP's, and TCP's TcpExt equivalents. */
static long ka_probes(const struct xfam *f)
{
	return mib_get(f, is_xtcp(f) ? "KeepaliveProbes" : "TCPKeepAlive");
}

static long ka_timeouts(const struct xfam *f)
{
	return mib_get(f, is_xtcp(f) ? "KeepaliveTimeouts" :
					"TCPAbortOnTimeout");
}

static int set_ka(int fd, int idle, int intvl, int cnt)
{
	return setint(fd, IPPROTO_TCP, XTCP_KEEPIDLE, idle) ||
	       setint(fd, IPPROTO_TCP, XTCP_KEEPINTVL, intvl) ||
	       setint(fd, IPPROTO_TCP, XTCP_KEEPCNT, cnt);
}

/* One byte each way: the connection works and both sides heard the peer. */
static int ping(int a, int b)
{
	char c = 'k';

	if (send(a, &c, 1, MSG_NOSIGNAL) != 1 || poll1(b, POLLIN, 5000) <= 0 ||
	    recv(b, &c, 1, 0) != 1)
		return -1;
	if (send(b, &c, 1, MSG_NOSIGNAL) != 1 || poll1(a, POLLIN, 5000) <= 0 ||
	    recv(a, &c, 1, 0) != 1)
		return -1;
	return 0;
}

/*
 * S listens, C connects; with @idle, the client has SO_KEEPALIVE and the
 * three options before connect(). Returns with the caller in S, right
 * after both sides heard from each other.
 */
static void ka_connect(struct __test_metadata *_metadata,
		       struct _test_data_ka *self, const struct xfam *f,
		       int idle, int intvl, int cnt)
{
	ASSERT_EQ(0, twons_setup(&self->t, false));
	self->lst = xsock(f, 0);
	ASSERT_LE(0, self->lst);
	ASSERT_EQ(0, xbind(f, self->lst, NS_S_ADDR, LPORT));
	ASSERT_EQ(0, listen(self->lst, 8));

	ASSERT_EQ(0, ns_enter(self->t.c));
	self->cap = cap_open("vc");
	ASSERT_LE(0, self->cap);
	self->cli = xsock(f, 0);
	ASSERT_LE(0, self->cli);
	if (idle) {
		ASSERT_EQ(0, set_ka(self->cli, idle, intvl, cnt));
		ASSERT_EQ(0, setint(self->cli, SOL_SOCKET, SO_KEEPALIVE, 1));
	}
	ASSERT_EQ(0, connect_wait(f, self->cli, NS_S_ADDR, LPORT, 10000));
	ASSERT_EQ(0, ns_enter(self->t.s));
	self->srv = accept(self->lst, NULL, NULL);
	ASSERT_LE(0, self->srv);
	ASSERT_EQ(0, ping(self->cli, self->srv));
}

/* Drop everything S sends (the peer's answers). Caller in S. */
static int cut_peer(void)
{
	if (!run("tc qdisc add dev vs root netem loss 100%% 2>/dev/null"))
		return 0;
	/* No netem: send S's frames to a MAC that nobody owns. */
	return run("ip neigh replace " NS_C_ADDR " lladdr " FAKE_MAC
		   " dev vs nud permanent");
}

/*
 * Wait for the client to fail; returns the seconds it took from @t0 and
 * checks the wire: @min_probes to @max_probes probes (pure ACKs at one
 * sequence number below the RST's) and then the RST. Caller in C.
 */
static double wait_dead(struct __test_metadata *_metadata,
			struct _test_data_ka *self, const struct xfam *f,
			double t0, int min_probes, int max_probes, int limit_s)
{
	int rev, probes = 0, rsts = 0;
	uint32_t probe_seq = 0;
	double took;
	struct seg sg;
	char c;

	rev = poll1(self->cli, POLLIN, limit_s * 1000);
	took = now_s() - t0;
	ASSERT_NE(0, rev) TH_LOG("no error after %.1f s", took);
	EXPECT_TRUE(rev & POLLERR) TH_LOG("revents %#x", rev);
	EXPECT_EQ(-1, recv(self->cli, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ETIMEDOUT, errno);

	while (cap_next(self->cap, f->ipproto, &sg, 200) == 1) {
		if (!sg.outgoing || sg.dport != LPORT)
			continue;
		if (sg.flags == TH_ACK) {
			if (probes && sg.seq != probe_seq)
				continue;	/* not a probe */
			probe_seq = sg.seq;
			probes++;
		} else if (sg.flags & TH_RST) {
			rsts++;
			/* at snd_nxt, one above the probes' snd_una - 1 */
			EXPECT_EQ(probes ? probe_seq + 1 : sg.seq, sg.seq);
		}
	}
	EXPECT_LE(min_probes, probes);
	EXPECT_GE(max_probes, probes);
	EXPECT_EQ(1, rsts);
	return took;
}

/* Drain what the capture saw so far (the handshake and the ping). */
static void cap_drain(int cap, const struct xfam *f)
{
	struct seg sg;

	while (cap_next(cap, f->ipproto, &sg, 0) == 1)
		;
}

/*
 * Idle 1 s, probes every 1 s, 3 unanswered: ETIMEDOUT about 4 s after
 * SO_KEEPALIVE (enabled once the peer is cut, so that how long the cut
 * takes does not matter).
 */
TEST_F_TIMEOUT(ka, dead_peer, 90)
{
	const struct xfam *f = &variant->f;
	long probes0, tmo0;
	double t0, took;

	ka_connect(_metadata, self, f, 0, 0, 0);
	ASSERT_EQ(0, cut_peer());
	ASSERT_EQ(0, ns_enter(self->t.c));
	cap_drain(self->cap, f);
	probes0 = ka_probes(f);
	tmo0 = ka_timeouts(f);
	ASSERT_EQ(0, set_ka(self->cli, 1, 1, 3));
	t0 = now_s();
	ASSERT_EQ(0, setint(self->cli, SOL_SOCKET, SO_KEEPALIVE, 1));

	took = wait_dead(_metadata, self, f, t0, 3, 3, 30);
	EXPECT_GE(took, 3.5);
	EXPECT_LE(took, 4.0 + 8.0);
	EXPECT_EQ(probes0 + 3, ka_probes(f));
	EXPECT_EQ(tmo0 + 1, ka_timeouts(f));
	/* recv() consumed the error; the socket is closed for good. */
	EXPECT_EQ(0, so_error(self->cli));
	EXPECT_EQ(0, recv(self->cli, &t0, 1, MSG_DONTWAIT));
}

/* A peer that answers keeps the connection: probes go out, nothing fails. */
TEST_F_TIMEOUT(ka, live_peer, 90)
{
	const struct xfam *f = &variant->f;
	long probes0;

	ka_connect(_metadata, self, f, 1, 1, 3);
	ASSERT_EQ(0, ns_enter(self->t.c));
	probes0 = ka_probes(f);
	sleep_ms(6000);	/* idle + intvl * cnt would have ended it */
	EXPECT_EQ(0, poll1(self->cli, POLLIN, 0));
	EXPECT_EQ(0, so_error(self->cli));
	EXPECT_LE(probes0 + 3, ka_probes(f));
	EXPECT_EQ(0, ping(self->cli, self->srv));
}

/* SO_KEEPALIVE at the 2 h default, then KEEPIDLE 1: the timer follows. */
TEST_F_TIMEOUT(ka, keepidle_rearms, 90)
{
	const struct xfam *f = &variant->f;
	double t0, took;

	ka_connect(_metadata, self, f, 0, 0, 0);
	ASSERT_EQ(0, cut_peer());
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, setint(self->cli, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, setint(self->cli, IPPROTO_TCP, XTCP_KEEPINTVL, 1));
	ASSERT_EQ(0, setint(self->cli, IPPROTO_TCP, XTCP_KEEPCNT, 2));
	sleep_ms(1500);
	cap_drain(self->cap, f);
	t0 = now_s();
	/* Idle for 1.5 s already: the first probe goes out at once. */
	ASSERT_EQ(0, setint(self->cli, IPPROTO_TCP, XTCP_KEEPIDLE, 1));
	took = wait_dead(_metadata, self, f, t0, 2, 2, 30);
	EXPECT_GE(took, 1.5);
	EXPECT_LE(took, 2.0 + 8.0);
}

/*
 * XTCP_USER_TIMEOUT 4.5 s with 10 probes allowed: once idle that long
 * with a probe out, it gives up, well before KEEPCNT (TCP: elapsed >=
 * user timeout with a probe out). Idle time counts from the last segment
 * heard, before the cut.
 */
TEST_F_TIMEOUT(ka, user_timeout, 90)
{
	const struct xfam *f = &variant->f;
	double t0, took;

	ka_connect(_metadata, self, f, 0, 0, 0);
	t0 = now_s();	/* last heard from the peer */
	ASSERT_EQ(0, cut_peer());
	ASSERT_EQ(0, ns_enter(self->t.c));
	cap_drain(self->cap, f);
	ASSERT_EQ(0, set_ka(self->cli, 1, 1, 10));
	ASSERT_EQ(0, setint(self->cli, IPPROTO_TCP, XTCP_USER_TIMEOUT, 4500));
	ASSERT_EQ(0, setint(self->cli, SOL_SOCKET, SO_KEEPALIVE, 1));
	took = wait_dead(_metadata, self, f, t0, 1, 6, 30);
	EXPECT_GE(took, 4.5);
	EXPECT_LE(took, 6.0 + 6.0);
}

/* The option matrix, against a TCP socket in the same netns. */
TEST_F(ka, options)
{
	const struct xfam *f = &variant->f;
	const struct xfam tcp = XFAM_TCP;
	static struct optlog ref, got;
	int fd, tfd;

	tfd = xsock(&tcp, 0);
	ASSERT_LE(0, tfd);
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	opt_matrix(&ref, tfd, IPPROTO_TCP);
	opt_matrix(&got, fd, IPPROTO_TCP);
	opt_compare(_metadata, &ref, &got, "IPPROTO_TCP");
	close(fd);

	/* A few of TCP's answers, so that the reference is checked too. */
	EXPECT_EQ(0, ref.r[0].val);	/* NODELAY */
	EXPECT_EQ(536, ref.r[1].val);	/* MAXSEG before connect */
	EXPECT_EQ(7200, ref.r[2].val);	/* KEEPIDLE */
	EXPECT_EQ(75, ref.r[3].val);	/* KEEPINTVL */
	EXPECT_EQ(9, ref.r[4].val);	/* KEEPCNT */
	EXPECT_EQ(60, ref.r[5].val);	/* LINGER2 */
	EXPECT_EQ(0, ref.r[6].val);	/* USER_TIMEOUT */

	if (is_xtcp(f)) {
		/* SOL_XTCP is the same thing under XTCP's own level. */
		fd = xsock(f, 0);
		ASSERT_LE(0, fd);
		opt_matrix(&got, fd, SOL_XTCP);
		opt_compare(_metadata, &ref, &got, "SOL_XTCP");
		close(fd);
	}

	/* Defaults follow the netns's sysctls. */
	ASSERT_EQ(0, sysctl_set(is_xtcp(f) ? "net.xtcp.keepalive_time" :
				"net.ipv4.tcp_keepalive_time", "100"));
	ASSERT_EQ(0, sysctl_set(is_xtcp(f) ? "net.xtcp.fin_timeout" :
				"net.ipv4.tcp_fin_timeout", "33"));
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	got.n = 0;
	log_get(&got, fd, IPPROTO_TCP, XTCP_KEEPIDLE, sizeof(int), "");
	log_get(&got, fd, IPPROTO_TCP, XTCP_LINGER2, sizeof(int), "");
	EXPECT_EQ(100, got.r[0].val);
	EXPECT_EQ(33, got.r[1].val);
	close(fd);
	close(tfd);
}

/* ---- TIME_WAIT and the port --------------------------------------------- */

FIXTURE(tw) {
	int unused;
};

FIXTURE_VARIANT(tw) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(tw, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(tw, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(tw)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
	/* TCP reuses TIME_WAIT 4-tuples only with timestamps; XTCP has none. */
	ASSERT_EQ(0, is_xtcp(&variant->f) ? 0 :
		  sysctl_set("net.ipv4.tcp_timestamps", "0"));
}

FIXTURE_TEARDOWN(tw)
{
}

#define ST_TIME_WAIT	0x06

/*
 * A connection from 127.0.0.1:CPORT to 127.0.0.1:LPORT, closed by the
 * client first, so the client's side ends in TIME_WAIT. @reuse: the
 * client's SO_REUSEADDR (1) and SO_REUSEPORT (2). Returns 0 when the
 * TIME_WAIT entry is there.
 */
static int make_tw(const struct xfam *f, int reuse)
{
	int lst, cli, srv, ret = -1, i;

	lst = xsock(f, 0);
	cli = xsock(f, 0);
	if (lst < 0 || cli < 0)
		return -1;
	setint(lst, SOL_SOCKET, SO_REUSEADDR, 1);
	if (xbind(f, lst, "127.0.0.1", LPORT) || listen(lst, 4))
		goto out;
	if (reuse & 1)
		setint(cli, SOL_SOCKET, SO_REUSEADDR, 1);
	if (reuse & 2)
		setint(cli, SOL_SOCKET, SO_REUSEPORT, 1);
	if (xbind(f, cli, "127.0.0.1", CPORT) ||
	    connect_wait(f, cli, "127.0.0.1", LPORT, 5000))
		goto out;
	srv = accept(lst, NULL, NULL);
	if (srv < 0)
		goto out;
	close(cli);
	cli = -1;
	sleep_ms(100);
	close(srv);
	for (i = 0; i < 50; i++) {
		if (proc_count(f, ST_TIME_WAIT, CPORT, NULL) == 1) {
			ret = 0;
			break;
		}
		sleep_ms(100);
	}
out:
	if (cli >= 0)
		close(cli);
	close(lst);
	return ret;
}

static int try_bind(const struct xfam *f, const char *ip, int reuse)
{
	int fd = xsock(f, 0), err;

	if (reuse & 1)
		setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (reuse & 2)
		setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	err = xbind(f, fd, ip, CPORT);
	close(fd);
	return err;
}

/* The client did not set SO_REUSEADDR: nothing rebinds its port. */
TEST_F(tw, bind_blocked)
{
	const struct xfam *f = &variant->f;

	ASSERT_EQ(0, make_tw(f, 0));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "127.0.0.1", 0));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "127.0.0.1", 1));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "0.0.0.0", 0));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "0.0.0.0", 1));
	/* another local address does not overlap */
	EXPECT_EQ(0, try_bind(f, "127.0.0.2", 0));
}

/* SO_REUSEADDR on both sides: bind works, the 4-tuple stays in use. */
TEST_F(tw, bind_reuseaddr)
{
	const struct xfam *f = &variant->f;
	int fd, lst;

	ASSERT_EQ(0, make_tw(f, 1));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "127.0.0.1", 0));
	EXPECT_EQ(0, try_bind(f, "127.0.0.1", 1));
	EXPECT_EQ(0, try_bind(f, "0.0.0.0", 1));

	/* Same 4-tuple as the TIME_WAIT entry: refused (no timestamps). */
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setint(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, xbind(f, fd, "127.0.0.1", CPORT));
	lst = xsock(f, 0);
	ASSERT_LE(0, lst);
	ASSERT_EQ(0, setint(lst, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, xbind(f, lst, "127.0.0.1", LPORT));
	ASSERT_EQ(0, listen(lst, 4));
	EXPECT_EQ(EADDRNOTAVAIL, xconnect(f, fd, "127.0.0.1", LPORT));
	close(lst);
	close(fd);
}

/* SO_REUSEPORT on both sides is enough (a TIME_WAIT entry has no owner). */
TEST_F(tw, bind_reuseport)
{
	const struct xfam *f = &variant->f;

	if (reuseport_refused(_metadata, f))
		SKIP(return, NO_REUSEPORT_WHY);
	ASSERT_EQ(0, make_tw(f, 2));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "127.0.0.1", 0));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "127.0.0.1", 1));
	EXPECT_EQ(0, try_bind(f, "127.0.0.1", 2));
	EXPECT_EQ(0, try_bind(f, "0.0.0.0", 2));
}

/* TIME_WAIT lines of local port @lport whose timer column is 3. */
static int tw_timer_lines(const struct xfam *f, int lport)
{
	unsigned int lp, st, tr;
	char line[512];
	int found = 0;
	FILE *fp = fopen(proc_sockets(f), "r");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %*x:%*x %x:",
			   &lp, &st, &tr) == 3 && (int)lp == lport &&
		    st == ST_TIME_WAIT && tr == 3)
			found++;
	fclose(fp);
	return found;
}

/* XTCP's view: 06 with timer 3, counters, expiry after tw_timeout. */
TEST_F_TIMEOUT(tw, expiry, 60)
{
	const struct xfam *f = &variant->f;
	long waited0, killed0;
	int i;

	if (!is_xtcp(f))
		SKIP(return, "TCP's TIME_WAIT length is fixed at 60 s");
	ASSERT_EQ(0, sysctl_set("net.xtcp.tw_timeout", "2"));
	waited0 = mib_get(f, "TimeWaited");
	killed0 = mib_get(f, "TimeWaitKilled");
	ASSERT_EQ(0, make_tw(f, 0));
	EXPECT_LE(waited0 + 1, mib_get(f, "TimeWaited"));
	EXPECT_LE(1, mib_get(f, "CurrTimeWait"));
	EXPECT_EQ(EADDRINUSE, try_bind(f, "127.0.0.1", 0));
	EXPECT_EQ(1, tw_timer_lines(f, CPORT));
	for (i = 0; i < 60; i++) {
		if (!proc_count(f, ST_TIME_WAIT, 0, NULL))
			break;
		sleep_ms(100);
	}
	EXPECT_EQ(0, proc_count(f, ST_TIME_WAIT, 0, NULL));
	EXPECT_EQ(0, mib_get(f, "CurrTimeWait"));
	EXPECT_EQ(killed0, mib_get(f, "TimeWaitKilled"));
	EXPECT_EQ(0, try_bind(f, "127.0.0.1", 0));
}

TEST_HARNESS_MAIN
