// SPDX-License-Identifier: GPL-2.0
/*
 * The passive side on the wire. A raw socket in netns C is the only peer of
 * a listener in netns S (S resolves C's address to a MAC nobody owns, so
 * C's own stack never sees, or answers, S's replies); a packet socket on S's
 * veth records what S sends. Same body for TCP and XTCP:
 *
 * - SYN-ACK retransmission: count, identical ISN, options, checksum (with
 *   the pseudo-header's protocol number), and backoff with
 *   the configured timers; the request sock is freed after the retry limit
 *   (XTCP: CurrReqs and ReqTimeouts counters, SynAckRetrans).
 * - a duplicate SYN is answered with the same SYN-ACK at once;
 * - the final ACK creates the child (accept() returns it), a wrong one gets
 *   an RST and leaves the request alone;
 * - stray ACK to a listener: RST; RST: no answer; SYN to a closed port:
 *   RST|ACK; bad checksum: dropped and counted (offloads off);
 * - listener close with a request pending: freed, its peer reset at once
 *   (XTCP, unless the listener is an SO_REUSEPORT member), the final ACK
 *   reset;
 * - netns deletion with request socks pending: the module's references
 *   drain (XTCP), nothing else breaks.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define LPORT 9000

FIXTURE(wire) {
	struct twons t;
	bool sw_csum;	/* vs computes checksums in software */
	int cap;	/* packet socket on vs, in S */
	int raw;	/* raw socket in C */
};

FIXTURE_VARIANT(wire) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(wire, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(wire, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(wire)
{
	int e = xfam_probe(&variant->f);

	if (e == EAFNOSUPPORT && is_xtcp(&variant->f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	ASSERT_EQ(0, twons_setup(&self->t, true));
	/* in S; full checksums on what vs sends, so captures can verify them */
	/* no SYN cookies: the queue limits below are the cookie-less ones */
	sysctl_set("net.ipv4.tcp_syncookies", "0");
	sysctl_set("net.xtcp.syncookies", "0");
	self->sw_csum = !run("ethtool -K vs tx off >/dev/null 2>&1");
	/* Inside the test VM ethtool is there: the check must not drop out. */
	if (xtcp_in_vm())
		ASSERT_TRUE(self->sw_csum) TH_LOG("ethtool -K vs tx off failed");
	self->cap = cap_open("vs");
	ASSERT_LE(0, self->cap);
	ASSERT_EQ(0, ns_enter(self->t.c));
	self->raw = socket(AF_INET, SOCK_RAW, variant->f.ipproto);
	ASSERT_LE(0, self->raw);
	ASSERT_EQ(0, ns_enter(self->t.s));
}

FIXTURE_TEARDOWN(wire)
{
}

static int listener(const struct xfam *f, uint16_t port)
{
	int fd = xsock(f, 0);

	if (fd < 0)
		return -1;
	if (xbind(f, fd, NS_S_ADDR, port) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_seg(struct _test_data_wire *self, const struct xfam *f,
		    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		    uint8_t flags)
{
	return raw_send_seg(self->raw, NS_C_ADDR, NS_S_ADDR, f->ipproto, sport,
			    dport, seq, ack, flags);
}

/* Next segment S sends to C's port sport, within timeout_ms. */
static int next_out(struct _test_data_wire *self, const struct xfam *f,
		    uint16_t sport, struct seg *sg, int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;
	int r;

	for (;;) {
		int left = (int)((end - now_s()) * 1000);

		r = cap_next(self->cap, f->ipproto, sg, left > 0 ? left : 0);
		if (r != 1)
			return r;
		if (sg->outgoing && sg->dport == sport)
			return 1;
	}
}

#define SA (TH_SYN | TH_ACK)

/*
 * One SYN, never ACKed: retries + 1 SYN-ACKs with the same ISN, gaps
 * doubling from the initial RTO, then the request sock goes away.
 */
TEST_F_TIMEOUT(wire, synack_retrans, 180)
{
	const struct xfam *f = &variant->f;
	int retries = 2;
	long rt0 = 0, to0 = 0;
	int rto, l, n = 0, i;
	double ts[16], life;
	struct seg sg, first;

	rto = synack_timers_set(f, retries, 200);
	ASSERT_LT(0, rto) TH_LOG("sysctls: %s", strerror(errno));
	life = rto / 1000.0 * ((1 << (retries + 1)) - 1);
	l = listener(f, LPORT);
	ASSERT_LE(0, l);
	if (is_xtcp(f)) {
		rt0 = mib_get(f, "SynAckRetrans");
		to0 = mib_get(f, "ReqTimeouts");
		EXPECT_EQ(0, mib_get(f, "CurrReqs"));
	}

	ASSERT_EQ(0, send_seg(self, f, 30000, LPORT, 1000, 0, TH_SYN));
	ASSERT_EQ(1, next_out(self, f, 30000, &first, 10000)) TH_LOG("no SYN-ACK");
	EXPECT_EQ(SA, first.flags);
	EXPECT_EQ(1001, first.ack);
	EXPECT_EQ(LPORT, first.sport);
	EXPECT_LT(0, first.mss) TH_LOG("SYN-ACK without MSS option");
	EXPECT_LE(0, first.wscale) TH_LOG("SYN-ACK without window scale");
	if (self->sw_csum)
		EXPECT_TRUE(first.csum_ok) TH_LOG("bad checksum (pseudo-header proto %d)",
						  f->ipproto);
	ts[n++] = first.t;
	EXPECT_EQ(1, proc_count(f, st_reqsk(f), LPORT, NULL));
	if (is_xtcp(f))
		EXPECT_EQ(1, mib_get(f, "CurrReqs"));

	/* collect until well after the request's lifetime */
	while (n < 16 && next_out(self, f, 30000, &sg, (int)(life * 1500) + 3000) == 1) {
		EXPECT_EQ(SA, sg.flags);
		EXPECT_EQ(first.seq, sg.seq) TH_LOG("retransmission with a new ISN");
		EXPECT_EQ(1001, sg.ack);
		ts[n++] = sg.t;
	}
	TH_LOG("%s: %d SYN-ACKs, first gaps %.3f %.3f %.3f s (rto %d ms)", f->name,
	       n, n > 1 ? ts[1] - ts[0] : 0, n > 2 ? ts[2] - ts[1] : 0,
	       n > 3 ? ts[3] - ts[2] : 0, rto);
	EXPECT_EQ(retries + 1, n) TH_LOG("%d SYN-ACKs for %d retries", n, retries);
	for (i = 1; i < n && i <= retries; i++) {
		double gap = ts[i] - ts[i - 1];
		double want = rto / 1000.0 * (1 << (i - 1));

		EXPECT_LE(TIMER_LO(want), gap) TH_LOG("gap %d: %.3f s, want %.3f s",
						      i, gap, want);
		EXPECT_GE(TIMER_HI(want), gap) TH_LOG("gap %d: %.3f s, want %.3f s",
						      i, gap, want);
	}
	/* freed after the retry limit */
	for (i = 0; i < 100 && proc_count(f, st_reqsk(f), LPORT, NULL) > 0; i++)
		sleep_ms(100);
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));
	if (is_xtcp(f)) {
		EXPECT_EQ(0, mib_get(f, "CurrReqs"));
		EXPECT_EQ(to0 + 1, mib_get(f, "ReqTimeouts"));
		EXPECT_EQ(rt0 + retries, mib_get(f, "SynAckRetrans"));
	}
	/* and the listener never got a child */
	set_nonblock(l, true);
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	close(l);
}

/* Several half-open requests at once: counted, then all time out. */
TEST_F_TIMEOUT(wire, many_requests_expire, 180)
{
	const struct xfam *f = &variant->f;
	long to0 = is_xtcp(f) ? mib_get(f, "ReqTimeouts") : 0;
	int l, i, rto;

	rto = synack_timers_set(f, 1, 200);
	ASSERT_LT(0, rto);
	l = listener(f, LPORT);
	ASSERT_LE(0, l);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, send_seg(self, f, 31000 + i, LPORT, 5000 * i, 0, TH_SYN));
	for (i = 0; i < 100 && proc_count(f, st_reqsk(f), LPORT, NULL) < 8; i++)
		sleep_ms(50);
	EXPECT_EQ(8, proc_count(f, st_reqsk(f), LPORT, NULL));
	if (is_xtcp(f))
		EXPECT_EQ(8, mib_get(f, "CurrReqs"));
	/* lifetime 3 rto */
	sleep_ms(3 * rto);
	for (i = 0; i < 150 && proc_count(f, st_reqsk(f), LPORT, NULL) > 0; i++)
		sleep_ms(100);
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));
	if (is_xtcp(f)) {
		EXPECT_EQ(0, mib_get(f, "CurrReqs"));
		EXPECT_EQ(to0 + 8, mib_get(f, "ReqTimeouts"));
	}
	close(l);
}

/* A retransmitted SYN gets the same SYN-ACK again, before any timer. */
TEST_F_TIMEOUT(wire, dup_syn, 120)
{
	const struct xfam *f = &variant->f;
	struct seg a, b;
	long rt0 = 0;
	int rto, l;

	/* XTCP: a long RTO tells the answer from a timer retransmission */
	rto = synack_timers_set(f, 1, 5000);
	ASSERT_LT(0, rto);
	l = listener(f, LPORT);
	ASSERT_LE(0, l);
	if (is_xtcp(f))
		rt0 = mib_get(f, "SynAckRetrans");
	ASSERT_EQ(0, send_seg(self, f, 30100, LPORT, 7000, 0, TH_SYN));
	ASSERT_EQ(1, next_out(self, f, 30100, &a, 10000));
	ASSERT_EQ(0, send_seg(self, f, 30100, LPORT, 7000, 0, TH_SYN));
	ASSERT_EQ(1, next_out(self, f, 30100, &b, 10000));
	EXPECT_EQ(SA, b.flags);
	EXPECT_EQ(a.seq, b.seq);
	EXPECT_EQ(7001, b.ack);
	EXPECT_GT(0.8 * rto / 1000.0, b.t - a.t) TH_LOG("second SYN-ACK after %.3f s",
							b.t - a.t);
	EXPECT_EQ(1, proc_count(f, st_reqsk(f), LPORT, NULL));
	/* design.rst: SynAckRetrans counts the timer's, not answers to SYNs */
	if (is_xtcp(f))
		EXPECT_EQ(rt0, mib_get(f, "SynAckRetrans"));
	close(l);
}

/*
 * Completing the handshake by hand: a wrong final ACK is answered with an
 * RST and leaves the request; the right one creates the child.
 */
TEST_F_TIMEOUT(wire, final_ack, 120)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	long po = mib_get(f, "PassiveOpens");
	struct seg sa, r;
	int l, s;

	ASSERT_LT(0, synack_timers_set(f, 3, 3000));
	l = listener(f, LPORT);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, send_seg(self, f, 30200, LPORT, 100, 0, TH_SYN));
	ASSERT_EQ(1, next_out(self, f, 30200, &sa, 10000));

	ASSERT_EQ(0, send_seg(self, f, 30200, LPORT, 101, sa.seq + 1000, TH_ACK));
	ASSERT_EQ(1, next_out(self, f, 30200, &r, 5000)) TH_LOG("no answer to a bad ACK");
	EXPECT_EQ(TH_RST, r.flags & (TH_RST | TH_SYN));
	EXPECT_EQ(sa.seq + 1000, r.seq);
	EXPECT_EQ(1, proc_count(f, st_reqsk(f), LPORT, NULL));
	EXPECT_EQ(0, poll1(l, POLLIN, 200));

	ASSERT_EQ(0, send_seg(self, f, 30200, LPORT, 101, sa.seq + 1, TH_ACK));
	ASSERT_TRUE(poll1(l, POLLIN, 10000) & POLLIN) TH_LOG("no child");
	s = accept(l, (struct sockaddr *)&peer, &len);
	ASSERT_LE(0, s);
	EXPECT_EQ(f->family, peer.sin_family);
	EXPECT_EQ(htons(30200), peer.sin_port);
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));
	EXPECT_EQ(1, proc_count(f, ST_ESTABLISHED, LPORT, NULL));
	EXPECT_EQ(po + 1, mib_get(f, "PassiveOpens"));
	close(s);
	close(l);
}

TEST_F_TIMEOUT(wire, stray_segments, 120)
{
	const struct xfam *f = &variant->f;
	long rsts = mib_get(f, "OutRsts");
	struct seg r;
	int l;

	l = listener(f, LPORT);
	ASSERT_LE(0, l);

	/* ACK to a listener: RST with seq = its ack */
	ASSERT_EQ(0, send_seg(self, f, 30300, LPORT, 5000, 7777, TH_ACK));
	ASSERT_EQ(1, next_out(self, f, 30300, &r, 5000));
	EXPECT_EQ(TH_RST, r.flags);
	EXPECT_EQ(7777, r.seq);

	/* SYN-ACK to a listener: RST too */
	ASSERT_EQ(0, send_seg(self, f, 30301, LPORT, 5000, 8888, SA));
	ASSERT_EQ(1, next_out(self, f, 30301, &r, 5000));
	EXPECT_EQ(TH_RST, r.flags);
	EXPECT_EQ(8888, r.seq);

	/* RST: never answered, no request */
	ASSERT_EQ(0, send_seg(self, f, 30302, LPORT, 5000, 0, TH_RST));
	EXPECT_EQ(0, next_out(self, f, 30302, &r, 500));
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));

	/* SYN to a closed port: RST|ACK acking the SYN */
	ASSERT_EQ(0, send_seg(self, f, 30303, LPORT + 1, 4000, 0, TH_SYN));
	ASSERT_EQ(1, next_out(self, f, 30303, &r, 5000));
	EXPECT_EQ(TH_RST | TH_ACK, r.flags);
	EXPECT_EQ(0, r.seq);
	EXPECT_EQ(4001, r.ack);

	/* no flags at all: dropped silently */
	ASSERT_EQ(0, send_seg(self, f, 30304, LPORT, 5000, 0, 0));
	EXPECT_EQ(0, next_out(self, f, 30304, &r, 500));

	/* exactly the three answered above: this netns has no other traffic */
	EXPECT_EQ(rsts + 3, mib_get(f, "OutRsts"));
	close(l);
}

/* With rx checksum offload off on vs, a bad checksum is dropped and counted. */
TEST_F_TIMEOUT(wire, bad_checksum, 120)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint32_t saddr, daddr;
	uint8_t buf[64];
	long csum;
	struct seg r;
	size_t len;
	int l;

	if (run("command -v ethtool >/dev/null"))
		SKIP_OUTSIDE_VM(return, "ethtool not available");
	ASSERT_EQ(0, run("ethtool -K vs rx off >/dev/null"));
	csum = mib_get(f, "InCsumErrors");
	l = listener(f, LPORT);
	ASSERT_LE(0, l);

	inet_pton(AF_INET, NS_C_ADDR, &saddr);
	inet_pton(AF_INET, NS_S_ADDR, &daddr);
	sin.sin_addr.s_addr = daddr;
	len = build_seg(buf, saddr, daddr, f->ipproto, 30400, LPORT, 1, 0, TH_SYN);
	buf[16] ^= 0x5a;	/* corrupt the checksum */
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(len, sendto(self->raw, buf, len, 0, (struct sockaddr *)&sin,
			      sizeof(sin)));
	ASSERT_EQ(0, ns_enter(self->t.s));
	EXPECT_EQ(0, next_out(self, f, 30400, &r, 1000));
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));
	EXPECT_EQ(csum + 1, mib_get(f, "InCsumErrors"));

	/* the same SYN with a good checksum is answered */
	ASSERT_EQ(0, send_seg(self, f, 30400, LPORT, 1, 0, TH_SYN));
	EXPECT_EQ(1, next_out(self, f, 30400, &r, 5000));
	close(l);
}

/*
 * Request queue limit: with backlog 4 a listener holds 5 request socks
 * (queue length > backlog is full, as for the accept queue); further SYNs
 * are dropped and counted in ListenDrops.
 */
TEST_F_TIMEOUT(wire, request_queue_limit, 120)
{
	const struct xfam *f = &variant->f;
	long drops = mib_get(f, "ListenDrops");
	int l, i, n = 0;

	ASSERT_LT(0, synack_timers_set(f, 5, 3000));
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, NS_S_ADDR, LPORT));
	ASSERT_EQ(0, listen(l, 4));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, send_seg(self, f, 33000 + i, LPORT, 1000 * i, 0, TH_SYN));
		/* one at a time, so none races the queue count */
		for (int j = 0; j < 40; j++) {
			n = proc_count(f, st_reqsk(f), LPORT, NULL);
			if (n > i || n >= 5)
				break;
			sleep_ms(25);
		}
	}
	sleep_ms(200);
	n = proc_count(f, st_reqsk(f), LPORT, NULL);
	EXPECT_EQ(5, n);
	EXPECT_EQ(drops + 5, mib_get(f, "ListenDrops"));
	if (is_xtcp(f))
		EXPECT_EQ(5, mib_get(f, "CurrReqs"));
	close(l);
}

/* net.xtcp.max_syn_backlog caps the request queue below the backlog. */
TEST_F_TIMEOUT(wire, max_syn_backlog, 120)
{
	const struct xfam *f = &variant->f;
	long over;
	int l, i, n;

	if (!is_xtcp(f))
		SKIP(return, "XTCP's own sysctl");
	ASSERT_LT(0, synack_timers_set(f, 5, 3000));
	ASSERT_EQ(0, sysctl_set("net.xtcp.max_syn_backlog", "2"));
	over = mib_get(f, "ReqOverflows");
	l = listener(f, LPORT);
	ASSERT_LE(0, l);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, send_seg(self, f, 34000 + i, LPORT, 1000 * i, 0, TH_SYN));
		sleep_ms(50);
	}
	sleep_ms(300);
	n = proc_count(f, st_reqsk(f), LPORT, NULL);
	/*
	 * design.rst: never more than min(backlog + 1, max_syn_backlog) = 2;
	 * the SYNs come 50 ms apart, one at a time, so exactly 2, and each
	 * of the other 6 is dropped and counted.
	 */
	EXPECT_EQ(2, n) TH_LOG("%d request socks with max_syn_backlog 2", n);
	EXPECT_EQ(over + 6, mib_get(f, "ReqOverflows"));
	close(l);
}

/*
 * Listener closed with a half-open request: no SYN-ACK is sent for it
 * afterwards, the request is freed (CurrReqs drops to 0) and the peer's
 * final ACK is answered with an RST. A plain XTCP listener also resets
 * the half-open peer at once (design.rst: closing a listener sends an RST
 * to the peer of every half-open request; TCP stays silent, a listed
 * difference); a member of an SO_REUSEPORT group stays silent as TCP does,
 * since the group's other members may still serve that peer.
 */
static void close_halfopen(struct __test_metadata *_metadata,
			   struct _test_data_wire *self, const struct xfam *f,
			   bool reuseport)
{
	bool rst_at_close = is_xtcp(f) && !reuseport;
	struct seg sa, r;
	int rto, l, i;
	double end;

	rto = synack_timers_set(f, 3, 300);
	ASSERT_LT(0, rto);
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	if (reuseport)
		ASSERT_EQ(0, setint(l, SOL_SOCKET, SO_REUSEPORT, 1));
	ASSERT_EQ(0, xbind(f, l, NS_S_ADDR, LPORT));
	ASSERT_EQ(0, listen(l, 16));
	ASSERT_EQ(0, send_seg(self, f, 30500, LPORT, 500, 0, TH_SYN));
	ASSERT_EQ(1, next_out(self, f, 30500, &sa, 10000));
	ASSERT_EQ(SA, sa.flags);
	close(l);
	if (rst_at_close) {
		/* required: one RST the peer's SYN_SENT would accept */
		ASSERT_EQ(1, next_out(self, f, 30500, &r, 5000))
			TH_LOG("no RST to the half-open peer at listener close");
		EXPECT_TRUE(r.flags & TH_RST) TH_LOG("flags 0x%x", r.flags);
		EXPECT_FALSE(r.flags & TH_SYN);
		EXPECT_EQ(sa.seq + 1, r.seq);
		if (r.flags & TH_ACK)
			EXPECT_EQ(501, r.ack);
	}
	if (is_xtcp(f)) {
		for (i = 0; i < 20 && mib_get(f, "CurrReqs") != 0; i++)
			sleep_ms(50);
		EXPECT_EQ(0, mib_get(f, "CurrReqs"));
	}
	/* Past the next SYN-ACK retransmission times: nothing more. */
	end = now_s() + (3 * rto + 500) / 1000.0;
	while (now_s() < end &&
	       next_out(self, f, 30500, &r, (int)((end - now_s()) * 1000) + 1) == 1) {
		TH_LOG("sent flags 0x%x after the listener closed", r.flags);
		EXPECT_TRUE(false);
	}
	EXPECT_EQ(0, proc_count(f, st_reqsk(f), LPORT, NULL));

	ASSERT_EQ(0, send_seg(self, f, 30500, LPORT, 501, sa.seq + 1, TH_ACK));
	ASSERT_EQ(1, next_out(self, f, 30500, &r, 5000)) TH_LOG("no RST");
	EXPECT_EQ(TH_RST, r.flags);
	EXPECT_EQ(sa.seq + 1, r.seq);
}

TEST_F_TIMEOUT(wire, listener_close_halfopen, 60)
{
	close_halfopen(_metadata, self, &variant->f, false);
}

TEST_F_TIMEOUT(wire, reuseport_close_halfopen, 60)
{
	const struct xfam *f = &variant->f;

	if (reuseport_refused(_metadata, f))
		SKIP(return, NO_REUSEPORT_WHY);
	close_halfopen(_metadata, self, f, true);
}

static long module_refcnt(void)
{
	char path[256], buf[32];
	const char *ko = getenv("XTCP_KO");
	const char *b = ko ? strrchr(ko, '/') : NULL;
	char name[64] = "xtcp";

	if (b) {
		snprintf(name, sizeof(name), "%s", b + 1);
		if (strstr(name, ".ko"))
			*strstr(name, ".ko") = 0;
	}
	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * Drop S (listener closed, 16 request socks with long SYN-ACK timers
 * pending). XTCP: the module's reference count returns to where it was
 * (nothing of S outlives it); either way a new netns works right after.
 *
 * The netns-exit purge of requests cannot be reached from here, nor from
 * anywhere in userspace: a request holds its listener, a user socket holds
 * its netns (and the module), so S cannot exit while a request lives, and
 * closing the listener purges its requests first (design.rst). What this
 * proves is the listener-close purge followed at once by the netns exit:
 * timers stopped, nothing left holding S or the module.
 */
TEST_F_TIMEOUT(wire, netns_delete_halfopen, 120)
{
	const struct xfam *f = &variant->f;
	long ref0 = module_refcnt();
	long ref = -1;
	int l, i, c, s, ls;

	ASSERT_LT(0, synack_timers_set(f, 5, 2000));
	l = listener(f, LPORT);
	ASSERT_LE(0, l);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, send_seg(self, f, 32000 + i, LPORT, 100 * i, 0, TH_SYN));
	for (i = 0; i < 100 && proc_count(f, st_reqsk(f), LPORT, NULL) < 16; i++)
		sleep_ms(50);
	EXPECT_EQ(16, proc_count(f, st_reqsk(f), LPORT, NULL));

	/* leave S and C and drop every reference to them */
	ASSERT_EQ(0, ns_enter(self->t.home));
	close(l);
	close(self->cap);
	close(self->raw);
	close(self->t.s);
	close(self->t.c);

	if (is_xtcp(f) && ref0 >= 0) {
		for (i = 0; i < 300; i++) {
			ref = module_refcnt();
			if (ref == ref0)
				break;
			sleep_ms(100);
		}
		EXPECT_EQ(ref0, ref) TH_LOG("module refcnt %ld, was %ld before", ref, ref0);
	}

	/* a fresh netns works */
	ASSERT_LE(0, ns_new());
	ls = xsock(f, 0);
	ASSERT_LE(0, ls);
	ASSERT_EQ(0, xbind(f, ls, "127.0.0.1", LPORT));
	ASSERT_EQ(0, listen(ls, 4));
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(0, connect_wait(f, c, "127.0.0.1", LPORT, 10000));
	s = accept(ls, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(c);
	close(ls);
}

TEST_HARNESS_MAIN
