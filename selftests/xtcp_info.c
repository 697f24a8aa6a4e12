// SPDX-License-Identifier: GPL-2.0
/*
 * getsockopt(TCP_INFO), same body for TCP and XTCP, each test in a fresh
 * netns: a listener's accept queue and backlog, the counters of a
 * connection moving with a transfer (bytes acked and received, segments
 * in and out, RTT, cwnd, MSS, window scaling), the length rules, and the
 * retransmission counters when the peer stops answering.
 */
#include <netinet/tcp.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

/*
 * glibc's struct xti stops at tcpi_total_retrans; the fields after it
 * are those of Linux 6.12's <linux/tcp.h>, spelt out here because the
 * build host's headers may be older.
 */
struct xti {
	struct tcp_info b;
	uint64_t tcpi_pacing_rate, tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked, tcpi_bytes_received;
	uint32_t tcpi_segs_out, tcpi_segs_in, tcpi_notsent_bytes, tcpi_min_rtt;
	uint32_t tcpi_data_segs_in, tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate, tcpi_busy_time, tcpi_rwnd_limited;
	uint64_t tcpi_sndbuf_limited;
	uint32_t tcpi_delivered, tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent, tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack;
	uint32_t tcpi_snd_wnd, tcpi_rcv_wnd, tcpi_rehash;
	uint16_t tcpi_total_rto, tcpi_total_rto_recoveries;
	uint32_t tcpi_total_rto_time;
};

FIXTURE(info) {
	int unused;
};

FIXTURE_VARIANT(info) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(info, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(info, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(info)
{
	xtcp_setup_netns(_metadata, &variant->f);
}

FIXTURE_TEARDOWN(info)
{
}

/*
 * TCP_INFO's length on the running kernel, asked of Linux's TCP with a
 * buffer longer than any layout: XTCP fills the struct tcp_info of the
 * kernel it was built for, so it must answer the same. 6.1's ends at
 * tcpi_snd_wnd (232 bytes); 6.2 added tcpi_rcv_wnd and tcpi_rehash, 6.7
 * the RTO fields.
 */
static socklen_t tcp_info_len(void)
{
	static socklen_t klen;
	char big[sizeof(struct xti) + 64];
	socklen_t len = sizeof(big);
	int fd;

	if (klen)
		return klen;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	if (!getsockopt(fd, IPPROTO_TCP, TCP_INFO, big, &len))
		klen = len;
	close(fd);
	return klen;
}

/* The part of struct xti this kernel fills. */
static socklen_t xti_len(void)
{
	socklen_t k = tcp_info_len();

	return k < sizeof(struct xti) ? k : sizeof(struct xti);
}

/* Whether this kernel's struct tcp_info reaches byte END of struct xti. */
static bool has_up_to(size_t end)
{
	return end <= xti_len();
}

static int get_info(int fd, struct xti *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0xa5, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) ? errno :
	       len && len == xti_len() ? 0 : -1;
}

TEST_F(info, listener)
{
	const struct xfam *f = &variant->f;
	struct xti ti;
	int l, c;

	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, "127.0.0.1", 7201));
	ASSERT_EQ(0, listen(l, 5));
	ASSERT_EQ(0, get_info(l, &ti));
	EXPECT_EQ(TCP_LISTEN, ti.b.tcpi_state);
	EXPECT_EQ(0, ti.b.tcpi_unacked);
	EXPECT_EQ(5, ti.b.tcpi_sacked);
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(f, c, "127.0.0.1", 7201, 20000));
	ASSERT_EQ(POLLIN, poll1(l, POLLIN, 20000) & POLLIN);
	ASSERT_EQ(0, get_info(l, &ti));
	EXPECT_EQ(1, ti.b.tcpi_unacked);	/* queued for accept() */
	EXPECT_EQ(5, ti.b.tcpi_sacked);
	close(c);
	close(l);
}

/* Wait up to 20 s until the field at OFF (SZ bytes) reaches WANT. */
static uint64_t wait_field(int fd, size_t off, size_t sz, uint64_t want)
{
	double end = now_s() + 20;
	uint64_t v = 0;
	struct xti ti;

	do {
		if (get_info(fd, &ti))
			break;
		v = 0;
		memcpy(&v, (char *)&ti + off, sz);	/* little endian */
		if (v >= want)
			break;
		sleep_ms(20);
	} while (now_s() < end);
	return v;
}

#define WAIT_INFO(fd, field, sz, want) \
	wait_field(fd, offsetof(struct xti, field), sz, want)

TEST_F(info, transfer)
{
	const struct xfam *f = &variant->f;
	static char buf[100000];
	struct xti a, b, sa, sb;
	int s = -1, c = -1, got = 0, n;

	ASSERT_EQ(0, lo_pair(f, 7202, &s, &c));
	ASSERT_EQ(0, get_info(c, &a));
	ASSERT_EQ(0, get_info(s, &sa));
	EXPECT_EQ(TCP_ESTABLISHED, a.b.tcpi_state);
	EXPECT_EQ(TCP_ESTABLISHED, sa.b.tcpi_state);
	/* sequence space: the client's SYN was acknowledged, the child's not */
	EXPECT_EQ(1, a.tcpi_bytes_acked);
	EXPECT_EQ(0, sa.tcpi_bytes_acked);
	EXPECT_EQ(0, sa.tcpi_bytes_received);
	EXPECT_EQ(0, a.tcpi_bytes_received);
	EXPECT_TRUE(a.b.tcpi_options & TCPI_OPT_WSCALE);
	EXPECT_LT(0, a.b.tcpi_snd_mss);
	EXPECT_LT(0, a.b.tcpi_snd_cwnd);
	EXPECT_LT(0, a.b.tcpi_rto);
	EXPECT_LE(1, a.tcpi_segs_out);	/* the SYN and the ACK */
	EXPECT_LE(1, sa.tcpi_segs_in);	/* the final ACK */
	EXPECT_EQ(0, a.b.tcpi_total_retrans);

	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ(sizeof(buf), write(c, buf, sizeof(buf)));
	while (got < (int)sizeof(buf)) {
		ASSERT_EQ(POLLIN, poll1(s, POLLIN, 20000) & POLLIN);
		n = read(s, buf, sizeof(buf));
		ASSERT_LT(0, n);
		got += n;
	}
	EXPECT_EQ(sizeof(buf) + 1,
		  WAIT_INFO(c, tcpi_bytes_acked, 8, sizeof(buf) + 1));
	ASSERT_EQ(0, get_info(c, &b));
	ASSERT_EQ(0, get_info(s, &sb));
	EXPECT_EQ(sizeof(buf) + 1, b.tcpi_bytes_acked);
	EXPECT_EQ(sizeof(buf), sb.tcpi_bytes_received);
	EXPECT_LT(a.tcpi_segs_out, b.tcpi_segs_out);
	EXPECT_LT(sa.tcpi_segs_in, sb.tcpi_segs_in);
	EXPECT_LE(sizeof(buf), b.tcpi_bytes_sent);
	EXPECT_LT(0, b.b.tcpi_rtt);
	EXPECT_EQ(0, b.b.tcpi_unacked);
	EXPECT_EQ(0, b.tcpi_notsent_bytes);
	if (has_up_to(offsetof(struct xti, tcpi_rcv_wnd) + 4))
		EXPECT_LT(0, sb.tcpi_rcv_wnd);
	EXPECT_LT(0, b.tcpi_snd_wnd);

	/* the FIN takes one more, on both sides */
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	ASSERT_EQ(POLLIN, poll1(s, POLLIN, 20000) & POLLIN);
	ASSERT_EQ(0, read(s, buf, 1));
	EXPECT_EQ(TCP_FIN_WAIT2, WAIT_INFO(c, b.tcpi_state, 1, TCP_FIN_WAIT2));
	ASSERT_EQ(0, get_info(c, &b));
	ASSERT_EQ(0, get_info(s, &sb));
	EXPECT_EQ(sizeof(buf) + 2, b.tcpi_bytes_acked);
	EXPECT_EQ(TCP_CLOSE_WAIT, sb.b.tcpi_state);
	EXPECT_EQ(sizeof(buf) + 1, sb.tcpi_bytes_received);
	close(s);
	close(c);
}

TEST_F(info, length)
{
	const struct xfam *f = &variant->f;
	char big[sizeof(struct xti) + 64];
	struct xti ti;
	socklen_t len;
	int fd;

	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	/* short: the first bytes; tcpi_state first */
	len = 1;
	memset(&ti, 0xa5, sizeof(ti));
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(1, len);
	EXPECT_EQ(TCP_CLOSE, ti.b.tcpi_state);
	EXPECT_EQ(0xa5, ti.b.tcpi_ca_state);
	/* long: cut to the structure */
	len = sizeof(big);
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, big, &len));
	EXPECT_EQ(tcp_info_len(), len);	/* TCP's on this kernel */
	EXPECT_GT(sizeof(big), len);
	len = -1;
	EXPECT_EQ(-1, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(EINVAL, errno);
	if (is_xtcp(f)) {
		len = sizeof(ti);
		EXPECT_EQ(0, getsockopt(fd, SOL_XTCP, XTCP_INFO, &ti, &len));
		EXPECT_EQ(xti_len(), len);
	}
	close(fd);
}

/*
 * The client's segments stop reaching the server (a fake neighbour in the
 * client's netns): the retransmit timer fires and the counters say so.
 */
TEST_F(info, retransmits)
{
	const struct xfam *f = &variant->f;
	struct xti ti;
	struct twons t;
	int s = -1, c = -1;

	ASSERT_EQ(0, twons_setup(&t, false));
	ASSERT_EQ(0, twons_pair(f, &t, 7204, &s, &c));
	ASSERT_EQ(0, ns_enter(t.c));
	ASSERT_EQ(0, run("ip neigh replace " NS_S_ADDR " lladdr " FAKE_MAC
			 " dev vc nud permanent"));
	memset(&ti, 'x', sizeof(ti));
	ASSERT_EQ(100, write(c, &ti, 100));
	EXPECT_LE(2, WAIT_INFO(c, b.tcpi_total_retrans, 4, 2));
	ASSERT_EQ(0, get_info(c, &ti));
	EXPECT_LE(1, ti.b.tcpi_retransmits);
	if (has_up_to(offsetof(struct xti, tcpi_total_rto) + 2))
		EXPECT_LE(1, ti.tcpi_total_rto);
	EXPECT_EQ(1, ti.b.tcpi_unacked);
	EXPECT_EQ(TCP_CA_Loss, ti.b.tcpi_ca_state);
	EXPECT_EQ(1, ti.tcpi_bytes_acked);	/* the SYN only */
	EXPECT_LE(200, ti.tcpi_bytes_sent);	/* 100 sent, then again */
	close(c);
	close(s);
}

TEST_HARNESS_MAIN
