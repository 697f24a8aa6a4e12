// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies, seen from a hostile peer. As in xtcp_wire.c, a raw socket
 * in netns C is the peer of a listener in netns S, S resolves C's address
 * 10.0.0.2 to a MAC nobody owns, and a packet socket on S's veth records
 * what S sends. Same body for TCP and XTCP, TCP's answer the expected one:
 *
 * - cookies always on: the SYN-ACK carries a cookie and no request is
 *   kept; the cookie ACK makes a child with the MSS rounded down to TCP's
 *   table (and, XTCP only, the window scale: TCP keeps it only with
 *   timestamps, which XTCP does not send);
 * - a forged cookie ACK gets an RST and counts SyncookiesFailed;
 * - XTCP: a cookie one minute old is taken, two minutes old refused (the
 *   debugfs clock offset ages it);
 * - the same cookie ACK sent from two threads at once: one child;
 * - a spoofed SYN flood at a listener with backlog 16 while a client at
 *   10.0.0.3 (a real address of C) connects: with cookies every connect
 *   succeeds; with cookies off the flood is dropped and counted, and its
 *   requests all go away.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define LPORT		9100
#define NS_C_ADDR2	"10.0.0.3"
#define COOKIE_DBG	"/sys/kernel/debug/xtcp/cookie_minutes"

FIXTURE(cookie) {
	struct twons t;
	int cap;	/* packet socket on vs, in S */
	int raw;	/* raw socket in C */
};

FIXTURE_VARIANT(cookie) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(cookie, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(cookie, xtcp) { .f = XFAM_XTCP };

static const char *cookie_sysctl(const struct xfam *f)
{
	return is_xtcp(f) ? "net.xtcp.syncookies" : "net.ipv4.tcp_syncookies";
}

FIXTURE_SETUP(cookie)
{
	int e = xfam_probe(&variant->f);

	if (e == EAFNOSUPPORT && is_xtcp(&variant->f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	ASSERT_EQ(0, twons_setup(&self->t, true));
	/* in S */
	run("ethtool -K vs tx off >/dev/null 2>&1");
	self->cap = cap_open("vs");
	ASSERT_LE(0, self->cap);
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, run("ip addr add " NS_C_ADDR2 "/24 dev vc"));
	self->raw = socket(AF_INET, SOCK_RAW, variant->f.ipproto);
	ASSERT_LE(0, self->raw);
	ASSERT_EQ(0, ns_enter(self->t.s));
}

FIXTURE_TEARDOWN(cookie)
{
	if (is_xtcp(&variant->f))
		write_file(COOKIE_DBG, "0");
}

/* A segment from C's 10.0.0.2 to S; mss/wscale < 0: option left out. */
static int send_opts(int raw, int ipproto, uint16_t sport, uint32_t seq,
		     uint32_t ack, uint8_t flags, uint16_t win, int mss,
		     int wscale)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t buf[64] = { 0 };
	struct tcphdr *th = (struct tcphdr *)buf;
	uint32_t saddr, daddr;
	size_t len = sizeof(*th);

	inet_pton(AF_INET, NS_C_ADDR, &saddr);
	inet_pton(AF_INET, NS_S_ADDR, &daddr);
	sin.sin_addr.s_addr = daddr;
	th->source = htons(sport);
	th->dest = htons(LPORT);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->window = htons(win);
	buf[13] = flags;
	if (mss >= 0) {
		buf[len++] = 2;
		buf[len++] = 4;
		buf[len++] = mss >> 8;
		buf[len++] = mss & 0xff;
	}
	if (wscale >= 0) {
		buf[len++] = 1;
		buf[len++] = 3;
		buf[len++] = 3;
		buf[len++] = wscale;
	}
	while (len % 4)
		buf[len++] = 0;
	th->doff = len / 4;
	th->check = htons(l4_csum(saddr, daddr, ipproto, buf, len));
	if (sendto(raw, buf, len, 0, (struct sockaddr *)&sin,
		   sizeof(sin)) != (ssize_t)len)
		return errno;
	return 0;
}

/* Next segment S sends to C's port sport within timeout_ms: 1, or 0. */
static int next_out(int cap, int ipproto, uint16_t sport, struct seg *sg,
		    int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;

	for (;;) {
		int left = (int)((end - now_s()) * 1000);
		int r = cap_next(cap, ipproto, sg, left > 0 ? left : 0);

		if (r != 1)
			return r;
		if (sg->outgoing && sg->dport == sport)
			return 1;
	}
}

static int listener(const struct xfam *f, int backlog)
{
	int fd = xsock(f, 0);

	if (fd < 0)
		return -1;
	if (xbind(f, fd, NS_S_ADDR, LPORT) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Accept with a deadline; -1 if nothing came. */
static int accept_wait(int l, int timeout_ms)
{
	if (poll1(l, POLLIN, timeout_ms) <= 0)
		return -1;
	return accept(l, NULL, NULL);
}

/*
 * SYN with MSS 1400 and window scale 5: a cookie SYN-ACK, no request;
 * the ACK makes a child with MSS 1300 (the table entry below 1400). XTCP
 * also recovers the window scale: with a window of 4000 << 5 bytes, 10000
 * bytes go out at once (4000 would without it). The window stays above
 * twice the MSS, or TCP would bound its MSS to half of it.
 */
TEST_F(cookie, mss_and_wscale)
{
	const struct xfam *f = &variant->f;
	long sent0, recv0;
	int l, c, mss = 0;
	socklen_t sl = sizeof(mss);
	struct seg sg;
	char buf[10000] = { 0 };
	uint32_t cookie, hi;

	ASSERT_EQ(0, sysctl_set(cookie_sysctl(f), "2"));
	l = listener(f, 16);
	ASSERT_LE(0, l);
	sent0 = mib_get(f, "SyncookiesSent");
	recv0 = mib_get(f, "SyncookiesRecv");

	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, send_opts(self->raw, f->ipproto, 40000, 7000, 0, TH_SYN,
			       65535, 1400, 5));
	ASSERT_EQ(0, ns_enter(self->t.s));
	ASSERT_EQ(1, next_out(self->cap, f->ipproto, 40000, &sg, 5000));
	EXPECT_EQ(TH_SYN | TH_ACK, sg.flags);
	EXPECT_EQ(7001, sg.ack);
	cookie = sg.seq;
	/* stateless: no request sock */
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));
	EXPECT_EQ(sent0 + 1, mib_get(f, "SyncookiesSent"));

	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, send_opts(self->raw, f->ipproto, 40000, 7001, cookie + 1,
			       TH_ACK, 4000, -1, -1));
	ASSERT_EQ(0, ns_enter(self->t.s));
	c = accept_wait(l, 5000);
	ASSERT_LE(0, c) TH_LOG("the cookie ACK made no child");
	EXPECT_EQ(recv0 + 1, mib_get(f, "SyncookiesRecv"));
	ASSERT_EQ(0, getsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &mss, &sl));
	EXPECT_EQ(1300, mss);

	if (is_xtcp(f)) {
		ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), MSG_DONTWAIT));
		/* highest sequence sent within a second */
		hi = cookie + 1;
		while (next_out(self->cap, f->ipproto, 40000, &sg, 1000) == 1)
			if ((int32_t)(sg.seq - hi) > 0)
				hi = sg.seq;
		EXPECT_LT(4000, hi - cookie - 1)
			TH_LOG("window scale lost: data stopped at %u bytes",
			       hi - cookie - 1);
	}
	close(c);
	close(l);
}

/* A cookie ACK with a forged cookie: RST, SyncookiesFailed, no child. */
TEST_F(cookie, forged)
{
	const struct xfam *f = &variant->f;
	struct seg sg;
	long fail0;
	int l, i, rsts = 0;

	ASSERT_EQ(0, sysctl_set(cookie_sysctl(f), "2"));
	l = listener(f, 16);
	ASSERT_LE(0, l);
	/* one real cookie, so the listener is "under flood" for two minutes */
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, send_opts(self->raw, f->ipproto, 40100, 1000, 0, TH_SYN,
			       65535, 1460, 7));
	ASSERT_EQ(0, ns_enter(self->t.s));
	ASSERT_EQ(1, next_out(self->cap, f->ipproto, 40100, &sg, 5000));
	fail0 = mib_get(f, "SyncookiesFailed");

	ASSERT_EQ(0, ns_enter(self->t.c));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, send_opts(self->raw, f->ipproto, 40100, 1001,
				       sg.seq + 1 + 0x01000000 * (i + 1) + i,
				       TH_ACK, 512, -1, -1));
	ASSERT_EQ(0, ns_enter(self->t.s));
	while (next_out(self->cap, f->ipproto, 40100, &sg, 1000) == 1)
		if (sg.flags & TH_RST)
			rsts++;
	EXPECT_EQ(8, rsts);
	EXPECT_EQ(fail0 + 8, mib_get(f, "SyncookiesFailed"));
	set_nonblock(l, true);
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	close(l);
}

/* XTCP's clock offset: a cookie 1 minute old is taken, 2 minutes refused. */
TEST_F(cookie, age)
{
	const struct xfam *f = &variant->f;
	struct seg sg;
	int l, c, age;

	if (!is_xtcp(f))
		SKIP(return, "the cookie clock offset is XTCP's");
	if (access(COOKIE_DBG, W_OK))
		SKIP(return, "no %s", COOKIE_DBG);
	ASSERT_EQ(0, sysctl_set(cookie_sysctl(f), "2"));
	l = listener(f, 16);
	ASSERT_LE(0, l);
	for (age = 1; age <= 2; age++) {
		long fail0 = mib_get(f, "SyncookiesFailed");
		uint16_t port = 40200 + age;
		char v[8];
		int rst = 0;

		ASSERT_EQ(0, write_file(COOKIE_DBG, "0"));
		ASSERT_EQ(0, ns_enter(self->t.c));
		ASSERT_EQ(0, send_opts(self->raw, f->ipproto, port, 1000, 0,
				       TH_SYN, 65535, 1460, 7));
		ASSERT_EQ(0, ns_enter(self->t.s));
		ASSERT_EQ(1, next_out(self->cap, f->ipproto, port, &sg, 5000));
		snprintf(v, sizeof(v), "%d", age);
		ASSERT_EQ(0, write_file(COOKIE_DBG, v));
		ASSERT_EQ(0, ns_enter(self->t.c));
		ASSERT_EQ(0, send_opts(self->raw, f->ipproto, port, 1001,
				       sg.seq + 1, TH_ACK, 512, -1, -1));
		ASSERT_EQ(0, ns_enter(self->t.s));
		c = accept_wait(l, 1500);
		while (next_out(self->cap, f->ipproto, port, &sg, 300) == 1)
			rst |= !!(sg.flags & TH_RST);
		if (age == 1) {
			EXPECT_LE(0, c) TH_LOG("a one-minute-old cookie refused");
			EXPECT_EQ(0, rst);
			EXPECT_EQ(fail0, mib_get(f, "SyncookiesFailed"));
		} else {
			EXPECT_EQ(-1, c) TH_LOG("a two-minute-old cookie taken");
			EXPECT_EQ(1, rst);
			EXPECT_EQ(fail0 + 1, mib_get(f, "SyncookiesFailed"));
		}
		if (c >= 0)
			close(c);
	}
	close(l);
}

struct ack_shot {
	pthread_barrier_t *bar;
	int nsfd, ipproto;
	uint16_t port;
	uint32_t seq, ack;
	int raw;
};

static void *ack_thread(void *arg)
{
	struct ack_shot *a = arg;

	pthread_barrier_wait(a->bar);
	send_opts(a->raw, a->ipproto, a->port, a->seq, a->ack, TH_ACK, 512,
		  -1, -1);
	return NULL;
}

/*
 * The same cookie ACK sent from two threads (two CPUs) at once, many
 * times: each time exactly one child (PassiveOpens counts one, a second
 * accept() finds nothing).
 */
TEST_F_TIMEOUT(cookie, same_ack_twice, 120)
{
	const struct xfam *f = &variant->f;
	int l, i, n = 0, raw2, dups = 0;
	double end = now_s() + 40;
	pthread_barrier_t bar;

	ASSERT_EQ(0, sysctl_set(cookie_sysctl(f), "2"));
	l = listener(f, 128);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, ns_enter(self->t.c));
	raw2 = socket(AF_INET, SOCK_RAW, f->ipproto);
	ASSERT_LE(0, raw2);
	ASSERT_EQ(0, ns_enter(self->t.s));
	pthread_barrier_init(&bar, NULL, 2);

	for (i = 0; i < 2000 && now_s() < end; i++) {
		struct ack_shot a[2];
		pthread_t th[2];
		uint16_t port = 20000 + i;
		struct seg sg;
		long po0 = mib_get(f, "PassiveOpens");
		long in0 = mib_get(f, "InSegs");
		int c, d, k;

		ASSERT_EQ(0, ns_enter(self->t.c));
		ASSERT_EQ(0, send_opts(self->raw, f->ipproto, port, 1000, 0,
				       TH_SYN, 65535, 1460, 7));
		ASSERT_EQ(0, ns_enter(self->t.s));
		ASSERT_EQ(1, next_out(self->cap, f->ipproto, port, &sg, 5000));
		for (k = 0; k < 2; k++) {
			a[k] = (struct ack_shot){ &bar, 0, f->ipproto, port,
						  1001, sg.seq + 1,
						  k ? raw2 : self->raw };
			ASSERT_EQ(0, pthread_create(&th[k], NULL, ack_thread,
						    &a[k]));
		}
		for (k = 0; k < 2; k++)
			pthread_join(th[k], NULL);
		/*
		 * send() returning is not the ACK processed: it may still sit
		 * in the other CPU's backlog. Closing the child before then
		 * would let that ACK, its cookie still valid, make a new child
		 * for the freed 4-tuple, as TCP's cookie_v4_check() would: not
		 * the race under test. Wait until the SYN and both ACKs were
		 * received, then for the end of their processing.
		 */
		for (k = 0; k < 500 && mib_get(f, "InSegs") < in0 + 3; k++)
			sleep_ms(10);
		sleep_ms(20);
		c = accept_wait(l, 5000);
		ASSERT_LE(0, c) TH_LOG("iteration %d: no child", i);
		set_nonblock(l, true);
		d = accept(l, NULL, NULL);
		set_nonblock(l, false);
		if (d >= 0) {
			dups++;
			close(d);
		}
		/*
		 * TCP counts a child in tcp_create_openreq_child(), before
		 * inet_ehash_nolisten() finds the racer's duplicate, so it
		 * may count both; XTCP counts only the child it publishes.
		 */
		EXPECT_GE(po0 + (is_xtcp(f) ? 1 : 2),
			  mib_get(f, "PassiveOpens"))
			TH_LOG("iteration %d", i);
		EXPECT_LE(po0 + 1, mib_get(f, "PassiveOpens"))
			TH_LOG("iteration %d", i);
		/* RST the child away so TIME_WAIT does not pile up */
		set_linger(c, 1, 0);
		close(c);
		n++;
	}
	TH_LOG("%s: %d iterations", f->name, n);
	EXPECT_EQ(0, dups);
	EXPECT_LE(100, n);
	pthread_barrier_destroy(&bar);
	close(raw2);
	close(l);
}

struct flood {
	int stop;	/* __atomic_* */
	int raw, ipproto;
	long sent;
};

/* Spoofed SYNs from 10.0.0.2, a new source port each, ~2500/s at most. */
static void *flood_thread(void *arg)
{
	struct flood *fl = arg;
	uint32_t x = 12345;

	while (!__atomic_load_n(&fl->stop, __ATOMIC_RELAXED)) {
		int k;

		for (k = 0; k < 50; k++) {
			x = x * 1103515245 + 12345;
			send_opts(fl->raw, fl->ipproto,
				  1024 + (x >> 16) % 60000, x, 0, TH_SYN,
				  65535, 1460, 7);
			fl->sent++;
		}
		sleep_ms(20);
	}
	return NULL;
}

struct acceptor {
	int stop;	/* __atomic_* */
	int l;
	long n;
};

static void *accept_thread(void *arg)
{
	struct acceptor *ac = arg;

	while (!__atomic_load_n(&ac->stop, __ATOMIC_RELAXED)) {
		int c = accept_wait(ac->l, 100);

		if (c >= 0) {
			ac->n++;
			close(c);
		}
	}
	return NULL;
}

/* Connect from C's 10.0.0.3 n times within budget_s; returns successes. */
static int legit_connects(struct _test_data_cookie *self, const struct xfam *f,
			  int n, double budget_s, int *tried)
{
	double end = now_s() + budget_s;
	int i, ok = 0;

	ns_enter(self->t.c);
	for (i = 0; i < n && now_s() < end; i++) {
		int fd = xsock(f, 0);

		if (fd < 0)
			break;
		xbind(f, fd, NS_C_ADDR2, 0);
		if (!connect_wait(f, fd, NS_S_ADDR, LPORT, 10000))
			ok++;
		set_linger(fd, 1, 0);
		close(fd);
	}
	*tried = i;
	ns_enter(self->t.s);
	return ok;
}

static void flood_run(struct __test_metadata *_metadata,
		      struct _test_data_cookie *self, const struct xfam *f,
		      bool cookies)
{
	struct flood fl = { .raw = self->raw, .ipproto = f->ipproto };
	struct acceptor ac = { 0 };
	pthread_t ft, at;
	int l, ok, tried, i;
	long drop0, doc0;

	ASSERT_EQ(0, sysctl_set(cookie_sysctl(f), cookies ? "1" : "0"));
	/* requests of the flood live 1 + 2 + 4 s */
	ASSERT_LT(0, synack_timers_set(f, 2, 1000));
	l = listener(f, 16);
	ASSERT_LE(0, l);
	ac.l = l;
	drop0 = mib_get(f, "TCPReqQFullDrop");
	doc0 = mib_get(f, "TCPReqQFullDoCookies");

	ASSERT_EQ(0, pthread_create(&at, NULL, accept_thread, &ac));
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, pthread_create(&ft, NULL, flood_thread, &fl));
	ASSERT_EQ(0, ns_enter(self->t.s));
	sleep_ms(500);	/* the request queue is full by now */
	EXPECT_LE(16, proc_count(f, st_reqsk(f), LPORT, NULL));

	ok = legit_connects(self, f, cookies ? 1000 : 20,
			    cookies ? 45 : 10, &tried);
	__atomic_store_n(&fl.stop, 1, __ATOMIC_RELAXED);
	pthread_join(ft, NULL);
	TH_LOG("%s cookies %s: %d of %d connects, %ld spoofed SYNs",
	       f->name, cookies ? "on" : "off", ok, tried, fl.sent);
	if (cookies) {
		EXPECT_LE(100, tried);
		/* at least 99.9 % */
		EXPECT_LE(tried * 999, ok * 1000);
		EXPECT_LT(doc0, mib_get(f, "TCPReqQFullDoCookies"));
	} else {
		EXPECT_LT(drop0, mib_get(f, "TCPReqQFullDrop"));
	}
	/* the flood's requests all go away: none is left or leaked */
	for (i = 0; i < 200 && proc_count(f, st_reqsk(f), LPORT, NULL) > 0; i++)
		sleep_ms(100);
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));
	if (is_xtcp(f))
		EXPECT_EQ(0, mib_get(f, "CurrReqs"));
	__atomic_store_n(&ac.stop, 1, __ATOMIC_RELAXED);
	pthread_join(at, NULL);
	/* a client may count an ACK the server dropped; 99.9 % got in */
	if (cookies)
		EXPECT_LE(ok * 999, ac.n * 1000);
	close(l);
}

TEST_F_TIMEOUT(cookie, flood_cookies_on, 150)
{
	flood_run(_metadata, self, &variant->f, true);
}

TEST_F_TIMEOUT(cookie, flood_cookies_off, 120)
{
	flood_run(_metadata, self, &variant->f, false);
}

/* SYN-ACKs S sent to each of ports[0..n) within ms: counts in cnt[]. */
static void count_synacks(int cap, int ipproto, const uint16_t *ports, int n,
			  int *cnt, int ms)
{
	double end = now_s() + ms / 1000.0;
	struct seg sg;
	int k;

	memset(cnt, 0, n * sizeof(*cnt));
	while (now_s() < end) {
		int left = (int)((end - now_s()) * 1000);

		if (cap_next(cap, ipproto, &sg, left > 0 ? left : 0) != 1)
			continue;
		if (!sg.outgoing || sg.flags != (TH_SYN | TH_ACK))
			continue;
		for (k = 0; k < n; k++)
			if (sg.dport == ports[k])
				cnt[k]++;
	}
}

/*
 * Young/old pruning (reqsk_timer_handler()): 12 requests at a backlog-16
 * listener fill more than half of it, and once none of them is young each
 * gives up after 2 retransmissions instead of synack_retries (5), but only
 * while the queue stays over half the backlog: at their third timeout the
 * first five expire (queue 13 down to 9), the other seven find 8 <= 16 / 2
 * and retransmit a fourth time. A young request arriving later is spared.
 */
TEST_F_TIMEOUT(cookie, prune_old_requests, 90)
{
	const struct xfam *f = &variant->f;
	int cnt[13], l, k, rto, three = 0, four = 0;
	uint16_t ports[13];

	ASSERT_EQ(0, sysctl_set(cookie_sysctl(f), "0"));
	rto = synack_timers_set(f, 5, 200);
	ASSERT_LT(0, rto);
	l = listener(f, 16);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, ns_enter(self->t.c));
	for (k = 0; k < 12; k++) {
		ports[k] = 41000 + k;
		ASSERT_EQ(0, send_opts(self->raw, f->ipproto, ports[k], 1000, 0,
				       TH_SYN, 65535, 1460, 7));
	}
	ASSERT_EQ(0, ns_enter(self->t.s));
	sleep_ms(rto * 3 / 2);	/* after the first retransmission */
	ports[12] = 41100;
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, send_opts(self->raw, f->ipproto, ports[12], 1000, 0,
			       TH_SYN, 65535, 1460, 7));
	ASSERT_EQ(0, ns_enter(self->t.s));
	/*
	 * Counted from the capture's start, up to 12.5 rto: the olds at 0,
	 * 1, 3 rto, then five gone at 7 and seven sending their fourth (the
	 * fifth would be at 15); the young one at 1.5, 2.5, 4.5 and 8.5.
	 */
	count_synacks(self->cap, f->ipproto, ports, 13, cnt, rto * 11);
	for (k = 0; k < 12; k++) {
		three += cnt[k] == 3;
		four += cnt[k] == 4;
		if (cnt[k] != 3 && cnt[k] != 4)
			TH_LOG("old request %d: %d SYN-ACKs", k, cnt[k]);
	}
	EXPECT_EQ(5, three);
	EXPECT_EQ(7, four);
	EXPECT_EQ(4, cnt[12]) TH_LOG("young request: %d SYN-ACKs", cnt[12]);
	/* the seven and the young one: no longer over half the backlog */
	EXPECT_EQ(8, proc_count(f, st_reqsk(f), LPORT, NULL));
	close(l);
}

/* Three-way handshake of C's port from the raw socket; 0 or -1. */
static int handshake(struct _test_data_cookie *self, const struct xfam *f,
		     uint16_t port, uint32_t *iss)
{
	struct seg sg;

	ns_enter(self->t.c);
	send_opts(self->raw, f->ipproto, port, 1000, 0, TH_SYN, 65535, 1460, 7);
	ns_enter(self->t.s);
	if (next_out(self->cap, f->ipproto, port, &sg, 5000) != 1 ||
	    sg.flags != (TH_SYN | TH_ACK))
		return -1;
	*iss = sg.seq;
	return 0;
}

static void send_final_ack(struct _test_data_cookie *self,
			   const struct xfam *f, uint16_t port, uint32_t iss)
{
	ns_enter(self->t.c);
	send_opts(self->raw, f->ipproto, port, 1001, iss + 1, TH_ACK, 512,
		  -1, -1);
	ns_enter(self->t.s);
}

/*
 * Final ACK on a full accept queue (backlog 1: two children queued):
 * ListenOverflows and ListenDrops count it; with abort_on_overflow 0 the
 * request stays and the retransmitted ACK gets in once there is room, with
 * 1 the peer gets an RST and the request is gone.
 */
static void overflow_run(struct __test_metadata *_metadata,
			 struct _test_data_cookie *self, const struct xfam *f,
			 int abort)
{
	const char *knob = is_xtcp(f) ? "net.xtcp.abort_on_overflow" :
					"net.ipv4.tcp_abort_on_overflow";
	uint32_t a, b, c;
	long ov0, dr0;
	int l, x, y, z, rst = 0;
	uint16_t pc = 42002 + abort * 10;
	struct seg sg;

	ASSERT_EQ(0, sysctl_set(cookie_sysctl(f), "0"));
	ASSERT_EQ(0, sysctl_set(knob, abort ? "1" : "0"));
	ASSERT_LT(0, synack_timers_set(f, 5, 1000));
	l = listener(f, 1);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, handshake(self, f, pc - 2, &a));
	ASSERT_EQ(0, handshake(self, f, pc - 1, &b));
	send_final_ack(self, f, pc - 2, a);
	ASSERT_EQ(0, handshake(self, f, pc, &c));
	send_final_ack(self, f, pc - 1, b);
	sleep_ms(300);
	ov0 = mib_get(f, "ListenOverflows");
	dr0 = mib_get(f, "ListenDrops");
	send_final_ack(self, f, pc, c);
	while (next_out(self->cap, f->ipproto, pc, &sg, 300) == 1)
		rst |= !!(sg.flags & TH_RST);
	EXPECT_EQ(ov0 + 1, mib_get(f, "ListenOverflows"));
	EXPECT_EQ(dr0 + 1, mib_get(f, "ListenDrops"));
	EXPECT_EQ(abort, rst);
	EXPECT_EQ(abort ? 0 : 1, proc_count(f, st_reqsk(f), LPORT, NULL));

	x = accept_wait(l, 1000);
	y = accept_wait(l, 1000);
	EXPECT_LE(0, x);
	EXPECT_LE(0, y);
	/* the peer ACKs again (as it would on the next SYN-ACK) */
	send_final_ack(self, f, pc, c);
	z = accept_wait(l, 1500);
	/* abort: no child for the reset request; keep: the ACK got in */
	EXPECT_EQ(abort ? -1 : 1, z >= 0 ? 1 : -1);
	if (x >= 0)
		close(x);
	if (y >= 0)
		close(y);
	if (z >= 0)
		close(z);
	close(l);
}

TEST_F(cookie, overflow_keep)
{
	overflow_run(_metadata, self, &variant->f, 0);
}

TEST_F(cookie, overflow_abort)
{
	overflow_run(_metadata, self, &variant->f, 1);
}

/*
 * Ephemeral ports and ISNs are secret (RFC 6056 algorithm 4 with a 2^16
 * table, RFC 6528): across 1,000 connects to distinct destinations, no
 * linear relation between consecutive values or with the destination.
 */
FIXTURE(secret) {
	int home;
};

FIXTURE_VARIANT(secret) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(secret, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(secret, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(secret)
{
	int e = xfam_probe(&variant->f);

	if (e == EAFNOSUPPORT && is_xtcp(&variant->f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	self->home = ns_new();
	ASSERT_LE(0, self->home);
	ASSERT_EQ(0, lo_up());
	ASSERT_EQ(0, blackhole_setup());
}

FIXTURE_TEARDOWN(secret)
{
}

/* Squared Pearson correlation of x[0..n) and y[0..n), signed like r. */
static double pearson(const double *x, const double *y, int n)
{
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, d;
	int i;

	for (i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		syy += y[i] * y[i];
		sxy += x[i] * y[i];
	}
	d = (n * sxx - sx * sx) * (n * syy - sy * sy);
	sxy = n * sxy - sx * sy;
	return d > 0 ? (sxy < 0 ? -1 : 1) * sxy * sxy / d : 1;
}

#define NCONN 1000

TEST_F_TIMEOUT(secret, no_linear_relation, 180)
{
	const struct xfam *f = &variant->f;
	static double port[NCONN], isn[NCONN], idx[NCONN];
	int i, n = 0, cap, got = 0;
	double rp, ri, rpi, rii;
	struct seg sg;

	cap = cap_open("va");
	ASSERT_LE(0, cap);
	for (i = 0; i < NCONN; i++) {
		int fd = xsock(f, SOCK_NONBLOCK);
		int err;

		ASSERT_LE(0, fd);
		err = xconnect(f, fd, BH_PEER, 20000 + i);
		ASSERT_EQ(EINPROGRESS, err);
		port[n] = local_port(fd);
		idx[n] = i;
		n++;
		close(fd);
	}
	/* the ISN of each SYN, by destination port */
	for (i = 0; i < NCONN; i++)
		isn[i] = -1;
	while (got < NCONN && cap_next(cap, f->ipproto, &sg, 2000) == 1) {
		if (!sg.outgoing || sg.flags != TH_SYN || sg.dport < 20000 ||
		    sg.dport >= 20000 + NCONN || isn[sg.dport - 20000] >= 0)
			continue;
		isn[sg.dport - 20000] = sg.seq;
		got++;
	}
	close(cap);
	ASSERT_EQ(NCONN, got);
	rp = pearson(port, port + 1, n - 1);
	rpi = pearson(idx, port, n);
	ri = pearson(isn, isn + 1, n - 1);
	rii = pearson(idx, isn, n);
	TH_LOG("%s: r2 ports %.4f (with dport %.4f), ISNs %.4f (with dport %.4f)",
	       f->name, rp, rpi, ri, rii);
	/* |r| about 0.03 for independent values; 0.2 is over six sigmas */
	EXPECT_GT(0.04, rp < 0 ? -rp : rp);
	EXPECT_GT(0.04, rpi < 0 ? -rpi : rpi);
	EXPECT_GT(0.04, ri < 0 ? -ri : ri);
	EXPECT_GT(0.04, rii < 0 ? -rii : rii);
}

/*
 * A SYN reopening a TIME_WAIT 4-tuple: the SYN-ACK's ISN is the old
 * connection's snd_nxt + 65537 (tcp_timewait_state_process()), past
 * anything the old incarnation sent.
 */
TEST_F(secret, time_wait_isn)
{
	const struct xfam *f = &variant->f;
	uint32_t iss1 = 0, iss2 = 0;
	int cap, l, c, s, c2, k, seen = 0;
	char buf[100] = { 0 };
	struct seg sg;

	cap = cap_open("lo");
	ASSERT_LE(0, cap);
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, "127.0.0.1", LPORT));
	ASSERT_EQ(0, listen(l, 8));
	for (k = 0; k < 2; k++) {
		c = xsock(f, 0);
		ASSERT_LE(0, c);
		ASSERT_EQ(0, setint(c, SOL_SOCKET, SO_REUSEADDR, 1));
		ASSERT_EQ(0, xbind(f, c, "127.0.0.1", 43000));
		ASSERT_EQ(0, connect_wait(f, c, "127.0.0.1", LPORT, 5000));
		s = accept_wait(l, 5000);
		ASSERT_LE(0, s);
		if (k) {
			close(s);
			c2 = c;
			break;
		}
		/* the server sends 100 bytes and closes first: TIME_WAIT */
		ASSERT_EQ(sizeof(buf), send(s, buf, sizeof(buf), 0));
		close(s);
		ASSERT_EQ(sizeof(buf), recv(c, buf, sizeof(buf), MSG_WAITALL));
		ASSERT_EQ(0, recv(c, buf, sizeof(buf), 0));
		close(c);
		for (seen = 0; seen < 50 &&
		     proc_count(f, ST_TIME_WAIT, LPORT, NULL) != 1; seen++)
			sleep_ms(100);
		ASSERT_EQ(1, proc_count(f, ST_TIME_WAIT, LPORT, NULL));
	}
	seen = 0;
	while (seen < 2 && cap_next(cap, f->ipproto, &sg, 2000) == 1) {
		if (!sg.outgoing || sg.sport != LPORT ||
		    sg.flags != (TH_SYN | TH_ACK))
			continue;
		if (!seen++)
			iss1 = sg.seq;
		else
			iss2 = sg.seq;
	}
	ASSERT_EQ(2, seen);
	/*
	 * Before 6.10 TCP computed that ISN in tcp_timewait_state_process()
	 * but lost it on the way to the listener (TCP_SKB_CB()->tcp_tw_isn,
	 * cleared when the control block was filled again; 6.10 keeps it
	 * per CPU): there only XTCP is held to it.
	 */
	if (!is_xtcp(f) && kernel_before(6, 10) &&
	    iss2 != iss1 + 1 + sizeof(buf) + 1 + 65537) {
		close(c2);
		close(l);
		close(cap);
		SKIP(return, "TCP before 6.10 drops its TIME_WAIT ISN");
	}
	/* SYN, 100 bytes, FIN, then 65537 */
	EXPECT_EQ(iss1 + 1 + sizeof(buf) + 1 + 65537, iss2)
		TH_LOG("%s: ISN %u after a TIME_WAIT whose ISN was %u",
		       f->name, iss2, iss1);
	close(c2);
	close(cap);
	close(l);
}

TEST_HARNESS_MAIN
