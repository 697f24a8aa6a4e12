// SPDX-License-Identifier: GPL-2.0
/*
 * Both ends of a handshake against a raw peer, same body for TCP and XTCP:
 *
 * - SYN_SENT meeting a bad ACK answers with an RST and resends its SYN
 *   almost at once, as TCP re-arms its SYN timer to TCP_TIMEOUT_MIN when
 *   the bad ACK came before any retransmission (a stale FIN/ACK or
 *   RST/ACK of an old connection may have been what the peer sent instead
 *   of a SYN-ACK: Linux's fin_ack_lat).
 * - The child of a passive open whose peer announced an MSS of 65535 uses
 *   the route's MTU: TCP_MAXSEG reads 1460 on a 1500-byte veth.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

FIXTURE(synsent) {
	struct twons t;
	int cap, raw;
};

FIXTURE_VARIANT(synsent) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(synsent, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(synsent, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(synsent)
{
	int e = xfam_probe(&variant->f);

	if (e == EAFNOSUPPORT && is_xtcp(&variant->f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	/* S connects; what S sends to C is seen on vs and dropped at vc. */
	ASSERT_EQ(0, twons_setup(&self->t, true));
	self->cap = cap_open("vs");
	ASSERT_LE(0, self->cap);
	ASSERT_EQ(0, ns_enter(self->t.c));
	self->raw = socket(AF_INET, SOCK_RAW, variant->f.ipproto);
	ASSERT_LE(0, self->raw);
	ASSERT_EQ(0, ns_enter(self->t.s));
}

FIXTURE_TEARDOWN(synsent)
{
}

/* Next segment S sends from @lport, within @ms. */
static int next_out(struct _test_data_synsent *self, const struct xfam *f,
		    int lport, struct seg *sg, int ms)
{
	double end = now_s() + ms / 1000.0;
	int r;

	for (;;) {
		int left = (int)((end - now_s()) * 1000);

		r = cap_next(self->cap, f->ipproto, sg, left > 0 ? left : 0);
		if (r != 1)
			return r;
		if (sg->outgoing && sg->sport == lport)
			return 1;
	}
}

TEST_F(synsent, bad_ack_rearms_syn)
{
	const struct xfam *f = &variant->f;
	struct seg syn1, sg;
	bool rst = false;
	int fd, lport;

	fd = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(EINPROGRESS, xconnect(f, fd, NS_C_ADDR, 7100));
	lport = local_port(fd);
	ASSERT_EQ(1, next_out(self, f, lport, &syn1, 5000));
	ASSERT_TRUE(syn1.flags & TH_SYN);

	/* An ACK that does not acknowledge the SYN. */
	ASSERT_EQ(0, raw_send_seg(self->raw, NS_C_ADDR, NS_S_ADDR, f->ipproto,
				  7100, lport, 12345, syn1.seq + 1000,
				  TH_ACK));
	for (;;) {
		ASSERT_EQ(1, next_out(self, f, lport, &sg, 5000));
		if (sg.flags & TH_RST) {
			rst = true;
			continue;
		}
		if (sg.flags & TH_SYN)
			break;
	}
	EXPECT_TRUE(rst);
	/* Not the 1 s RTO: the SYN timer was re-armed to a few jiffies. */
	EXPECT_GT(0.8, sg.t - syn1.t) TH_LOG("second SYN after %.3f s",
					     sg.t - syn1.t);
	EXPECT_LT(0.0, sg.t - syn1.t);
	close(fd);
}

/* A SYN from C to S announcing MSS @mss. */
static int send_syn_mss(struct _test_data_synsent *self, const struct xfam *f,
			uint16_t sport, uint16_t dport, uint32_t seq, int mss)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t buf[24] = { 0 };
	struct tcphdr *th = (struct tcphdr *)buf;
	uint32_t saddr, daddr;

	inet_pton(AF_INET, NS_C_ADDR, &saddr);
	inet_pton(AF_INET, NS_S_ADDR, &daddr);
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->doff = 6;
	th->window = htons(65535);
	buf[13] = TH_SYN;
	buf[20] = 2;
	buf[21] = 4;
	buf[22] = mss >> 8;
	buf[23] = mss & 0xff;
	th->check = htons(l4_csum(saddr, daddr, f->ipproto, buf, sizeof(buf)));
	sin.sin_addr.s_addr = daddr;
	return sendto(self->raw, buf, sizeof(buf), 0, (struct sockaddr *)&sin,
		      sizeof(sin)) == sizeof(buf) ? 0 : errno;
}

TEST_F(synsent, child_mss_from_route)
{
	const struct xfam *f = &variant->f;
	int l = xsock(f, 0), s, mss = 0;
	socklen_t len = sizeof(mss);
	struct seg sg;

	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, NS_S_ADDR, 7101));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, send_syn_mss(self, f, 40001, 7101, 1000, 65535));
	ASSERT_EQ(0, ns_enter(self->t.s));
	ASSERT_EQ(1, next_out(self, f, 7101, &sg, 5000));
	ASSERT_EQ(TH_SYN | TH_ACK, sg.flags & (TH_SYN | TH_ACK));
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, raw_send_seg(self->raw, NS_C_ADDR, NS_S_ADDR, f->ipproto,
				  40001, 7101, 1001, sg.seq + 1, TH_ACK));
	ASSERT_EQ(0, ns_enter(self->t.s));
	ASSERT_TRUE(poll1(l, POLLIN, 5000) & POLLIN);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, getsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, &len));
	EXPECT_EQ(1460, mss);
	close(s);
	close(l);
}

TEST_HARNESS_MAIN
