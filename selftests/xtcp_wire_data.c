// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile peer on an established connection. A raw socket in netns C
 * completes the handshake with a listener in netns S by hand (S resolves
 * C's address to a MAC nobody owns, so C's own stack never sees S's
 * segments; a packet socket on S's veth reads them), then sends:
 *
 * - data far beyond the receive window: dropped (XTCP: OutOfWindow) and
 *   answered with a duplicate ACK;
 * - an ACK of data never sent, alone and carrying data: dropped (XTCP:
 *   AckUnsent), the send queue and the stream unchanged;
 * - overlapping retransmissions with different bytes, in order and out of
 *   order: the application reads exactly the first-received bytes, in order.
 *
 * The body runs for TCP too, as the reference; the counters are XTCP's.
 */
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define LPORT	9500
#define ISS	1000u		/* the raw peer's initial sequence number */

FIXTURE(wd) {
	struct twons t;
	int cap;	/* packet socket on vs, in S */
	int raw;	/* raw socket in C */
	int s;		/* accepted socket in S */
	uint16_t sport;	/* the raw peer's port */
	uint32_t snd;	/* next sequence number the raw peer sends */
	uint32_t rcv;	/* next sequence number expected from S */
};

FIXTURE_VARIANT(wd) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(wd, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(wd, xtcp) { .f = XFAM_XTCP };

/* Next segment S sends to port dport, within timeout_ms. */
static int next_out(struct _test_data_wd *self, const struct xfam *f,
		    struct seg *sg, int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;
	int r;

	for (;;) {
		int left = (int)((end - now_s()) * 1000);

		r = cap_next(self->cap, f->ipproto, sg, left > 0 ? left : 0);
		if (r != 1)
			return r;
		if (sg->outgoing && sg->dport == self->sport)
			return 1;
	}
}

static int peer_send(struct _test_data_wd *self, const struct xfam *f,
		     uint32_t seq, uint32_t ack, uint8_t flags,
		     const void *data, size_t len)
{
	int err;

	if (ns_enter(self->t.c))
		return errno;
	err = raw_send_data(self->raw, NS_C_ADDR, NS_S_ADDR, f->ipproto,
			    self->sport, LPORT, seq, ack, flags, 65535, data,
			    len);
	ns_enter(self->t.s);
	return err;
}

FIXTURE_SETUP(wd)
{
	const struct xfam *f = &variant->f;
	int e = xfam_probe(f);
	struct seg sa;
	int l;

	self->s = -1;
	if (e == EAFNOSUPPORT && is_xtcp(f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	ASSERT_EQ(0, twons_setup(&self->t, true));
	/* in S */
	sysctl_set("net.ipv4.tcp_syncookies", "0");
	sysctl_set("net.xtcp.syncookies", "0");
	self->cap = cap_open("vs");
	ASSERT_LE(0, self->cap);
	ASSERT_EQ(0, ns_enter(self->t.c));
	self->raw = socket(AF_INET, SOCK_RAW, f->ipproto);
	ASSERT_LE(0, self->raw);
	ASSERT_EQ(0, ns_enter(self->t.s));

	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, NS_S_ADDR, LPORT));
	ASSERT_EQ(0, listen(l, 4));
	self->sport = 40000 + (getpid() % 1000);
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, raw_send_seg(self->raw, NS_C_ADDR, NS_S_ADDR, f->ipproto,
				  self->sport, LPORT, ISS, 0, TH_SYN));
	ASSERT_EQ(0, ns_enter(self->t.s));
	ASSERT_EQ(1, next_out(self, f, &sa, 10000)) TH_LOG("no SYN-ACK");
	ASSERT_EQ(TH_SYN | TH_ACK, sa.flags);
	self->snd = ISS + 1;
	self->rcv = sa.seq + 1;
	ASSERT_EQ(0, peer_send(self, f, self->snd, self->rcv, TH_ACK, NULL, 0));
	ASSERT_TRUE(poll1(l, POLLIN, 10000) & POLLIN) TH_LOG("no child");
	self->s = accept(l, NULL, NULL);
	ASSERT_LE(0, self->s);
	close(l);
}

FIXTURE_TEARDOWN(wd)
{
	if (self->s >= 0)
		close(self->s);
}

/*
 * Read exactly want bytes within timeout_ms, then check that nothing more
 * arrives for 300 ms. Returns bytes read (more than want = extra data).
 */
static long read_stream(int fd, char *buf, long want, int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;
	long got = 0;
	ssize_t n;

	while (got < want && now_s() < end) {
		if (!(poll1(fd, POLLIN, 100) & POLLIN))
			continue;
		n = recv(fd, buf + got, want - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += n;
	}
	if (got == want && (poll1(fd, POLLIN, 300) & POLLIN)) {
		char extra[64];

		n = recv(fd, extra, sizeof(extra), MSG_DONTWAIT);
		if (n > 0)
			got += n;
	}
	return got;
}

static void fillc(char *p, char c, size_t n)
{
	memset(p, c, n);
}

/* Far beyond the window: dropped, duplicate-ACKed, the stream unharmed. */
TEST_F_TIMEOUT(wd, beyond_window, 60)
{
	const struct xfam *f = &variant->f;
	long oow = is_xtcp(f) ? mib_get(f, "OutOfWindow") : 0;
	char data[100], got[256];
	bool dupack = false;
	struct seg sg;

	fillc(data, 'Z', sizeof(data));
	ASSERT_EQ(0, peer_send(self, f, self->snd + 0x20000000, self->rcv,
			       TH_ACK | TH_PUSH, data, sizeof(data)));
	while (next_out(self, f, &sg, 1000) == 1)
		if (sg.ack == self->snd && !(sg.flags & (TH_RST | TH_SYN)))
			dupack = true;
	EXPECT_TRUE(dupack) TH_LOG("no duplicate ACK for out-of-window data");
	EXPECT_EQ(0, poll1(self->s, POLLIN, 200));
	if (is_xtcp(f))
		EXPECT_LT(oow, mib_get(f, "OutOfWindow"));

	/* further out still (1 GiB ahead) */
	ASSERT_EQ(0, peer_send(self, f, self->snd + 0x40000000, self->rcv,
			       TH_ACK, data, sizeof(data)));
	EXPECT_EQ(0, poll1(self->s, POLLIN, 300));

	fillc(data, 'A', sizeof(data));
	ASSERT_EQ(0, peer_send(self, f, self->snd, self->rcv, TH_ACK | TH_PUSH,
			       data, sizeof(data)));
	EXPECT_EQ(100, read_stream(self->s, got, 100, 5000));
	EXPECT_EQ(0, memcmp(got, data, 100));
}

/* ACKs of data S never sent change nothing and carry nothing in. */
TEST_F_TIMEOUT(wd, ack_unsent, 60)
{
	const struct xfam *f = &variant->f;
	long au = is_xtcp(f) ? mib_get(f, "AckUnsent") : 0;
	char data[100], got[256];
	int outq = -1;
	struct seg sg;

	/* a pure ACK of 100000 bytes never sent */
	ASSERT_EQ(0, peer_send(self, f, self->snd, self->rcv + 100000, TH_ACK,
			       NULL, 0));
	/* the same carrying data: the whole segment is dropped */
	fillc(data, 'X', sizeof(data));
	ASSERT_EQ(0, peer_send(self, f, self->snd, self->rcv + 100000,
			       TH_ACK | TH_PUSH, data, sizeof(data)));
	EXPECT_EQ(0, poll1(self->s, POLLIN, 500)) TH_LOG("data with a bogus ACK was taken");
	if (is_xtcp(f))
		EXPECT_LE(au + 2, mib_get(f, "AckUnsent"));

	/* S's send queue still starts at rcv: 10 bytes out, 10 unacked */
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	ASSERT_EQ(1, next_out(self, f, &sg, 5000));
	EXPECT_EQ(self->rcv, sg.seq);
	ASSERT_EQ(0, ioctl(self->s, SIOCOUTQ, &outq));
	EXPECT_EQ(10, outq);
	/* a real ACK clears it */
	ASSERT_EQ(0, peer_send(self, f, self->snd, self->rcv + 10, TH_ACK,
			       NULL, 0));
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(0, ioctl(self->s, SIOCOUTQ, &outq));
		if (!outq)
			break;
		sleep_ms(20);
	}
	EXPECT_EQ(0, outq);

	/* and the stream from the peer starts where it did */
	fillc(data, 'Y', sizeof(data));
	ASSERT_EQ(0, peer_send(self, f, self->snd, self->rcv + 10,
			       TH_ACK | TH_PUSH, data, sizeof(data)));
	EXPECT_EQ(100, read_stream(self->s, got, 100, 5000));
	EXPECT_EQ(0, memcmp(got, data, 100));
}

/*
 * Overlapping retransmissions with other bytes: what was taken first is
 * what is read, in order.
 *
 * In order: a segment, one half over it and half new, a full copy of the
 * first, and a piece inside it; then out of order: a segment beyond a
 * hole, the same range again, a piece inside the queued range, and
 * finally the hole.
 */
TEST_F_TIMEOUT(wd, overlap, 60)
{
	const struct xfam *f = &variant->f;
	char b[100], c[100], d[100], e[100], g[100], h[100];
	char want[350], got[512];
	uint32_t x = self->snd;

	fillc(b, 'B', sizeof(b));
	fillc(c, 'C', sizeof(c));
	fillc(d, 'D', sizeof(d));
	ASSERT_EQ(0, peer_send(self, f, x, self->rcv, TH_ACK, b, 100));
	ASSERT_EQ(0, peer_send(self, f, x + 50, self->rcv, TH_ACK, c, 100));
	ASSERT_EQ(0, peer_send(self, f, x, self->rcv, TH_ACK, d, 100));
	ASSERT_EQ(0, peer_send(self, f, x + 10, self->rcv, TH_ACK, d, 20));
	memcpy(want, b, 100);
	memcpy(want + 100, c + 50, 50);
	EXPECT_EQ(150, read_stream(self->s, got, 150, 5000));
	EXPECT_EQ(0, memcmp(got, want, 150)) TH_LOG("got \"%.150s\"", got);

	x += 150;
	fillc(e, 'E', sizeof(e));
	fillc(g, 'G', sizeof(g));
	fillc(h, 'H', sizeof(h));
	ASSERT_EQ(0, peer_send(self, f, x + 100, self->rcv, TH_ACK, e, 100));
	ASSERT_EQ(0, peer_send(self, f, x + 100, self->rcv, TH_ACK, g, 100));
	ASSERT_EQ(0, peer_send(self, f, x + 120, self->rcv, TH_ACK, g, 30));
	EXPECT_EQ(0, poll1(self->s, POLLIN, 300)) TH_LOG("readable with a hole");
	ASSERT_EQ(0, peer_send(self, f, x, self->rcv, TH_ACK, h, 100));
	memcpy(want, h, 100);
	memcpy(want + 100, e, 100);
	EXPECT_EQ(200, read_stream(self->s, got, 200, 5000));
	EXPECT_EQ(0, memcmp(got, want, 200)) TH_LOG("got \"%.200s\"", got);
}

TEST_HARNESS_MAIN
