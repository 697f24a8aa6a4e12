// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP congestion control and RTT estimation: NewReno (RFC 5681 slow start
 * and congestion avoidance, RFC 6582 fast recovery with partial ACKs) in
 * bytes, and the RFC 6298 retransmission timeout (Linux: tcp_cong.c's
 * tcp_reno_*, tcp_input.c's tcp_rtt_estimator/tcp_set_rto).
 *
 * Everything here runs under the socket lock (bh_lock_sock() in softirq
 * and timers, the owner lock in process context).
 */
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"

/**
 * xtcp_in_flight() - bytes sent and neither acknowledged nor lost
 * @xp: socket
 *
 * After an RTO every byte between rtx_next and rtx_high is presumed lost
 * and is not counted until it is sent again (TCP's packets_out - lost_out
 * + retrans_out, in bytes and without SACK).
 *
 * Return: bytes in flight.
 */
u32 xtcp_in_flight(const struct xtcp_sock *xp)
{
	u32 out = xp->snd_nxt - xp->snd_una;

	if (xp->ca_state == XTCP_CA_LOSS && xtcp_before(xp->rtx_next, xp->rtx_high))
		out -= min(out, xp->rtx_high - xp->rtx_next);
	return out;
}

/**
 * xtcp_cong_init() - initial window and timers of a new connection
 * @sk: socket entering ESTABLISHED
 */
void xtcp_cong_init(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	xp->cwnd = XTCP_INIT_CWND * xp->mss;
	xp->ssthresh = U32_MAX;
	xp->cwnd_cnt = 0;
	xp->ca_state = XTCP_CA_OPEN;
	xp->dupacks = 0;
	xp->retransmits = 0;
	xp->recover = xp->snd_una;
	xp->rtx_next = xp->snd_una;
	xp->rtx_high = xp->snd_una;
}

/**
 * xtcp_rto_now() - current RTO (RFC 6298 (2.3)), without backoff
 * @sk: socket
 *
 * Return: max(SRTT + 4 * RTTVAR, 200 ms) capped by net.xtcp.rto_max_ms, or
 * net.xtcp.rto_init_ms before the first sample.
 */
u32 xtcp_rto_now(const struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 max = msecs_to_jiffies(READ_ONCE(xtcp_pernet(net)->rto_max_ms));
	u32 rto;

	if (!xp->srtt)
		return min(xtcp_rto_init(net), max);
	rto = (xp->srtt >> 3) + xp->rttvar;
	return clamp_t(u32, rto, XTCP_RTO_MIN, max);
}

/**
 * xtcp_rtt_sample() - fold an RTT measurement in (RFC 6298 (2.2), (2.3))
 * @sk: socket
 * @rtt: measured RTT in jiffies, from a segment never retransmitted
 */
void xtcp_rtt_sample(struct sock *sk, long rtt)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	long m = max(rtt, 1L);

	if (!xp->srtt) {
		xp->srtt = m << 3;
		xp->rttvar = m << 1;	/* 4 * (m / 2) */
	} else {
		long err = m - (xp->srtt >> 3);

		/* RTTVAR = 3/4 RTTVAR + 1/4 |err|; SRTT = 7/8 SRTT + 1/8 m */
		xp->srtt += err;
		if (err < 0)
			err = -err;
		xp->rttvar += err - (xp->rttvar >> 2);
		xp->srtt = max_t(u32, xp->srtt, 1);
	}
	WRITE_ONCE(xp->rto, xtcp_rto_now(sk));
}

/**
 * xtcp_cong_ack() - new data acknowledged outside recovery: grow cwnd
 * @sk: socket
 * @acked: bytes newly acknowledged
 * @prior_flight: bytes in flight before this ACK
 *
 * Slow start with appropriate byte counting (L = 2 MSS, RFC 3465), then
 * one MSS per window's worth of acknowledged bytes.
 */
void xtcp_cong_ack(struct sock *sk, u32 acked, u32 prior_flight)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (xp->ca_state == XTCP_CA_LOSS &&
	    !xtcp_before(xp->snd_una, xp->rtx_high))
		xp->ca_state = XTCP_CA_OPEN;
	/*
	 * Grow only a window that was used (tcp_is_cwnd_limited()): one
	 * limited by the peer's window or by the application would
	 * otherwise grow without bound, and the send buffer with it.
	 */
	if (prior_flight * 2 < xp->cwnd)
		return;
	if (xp->cwnd < xp->ssthresh) {
		xp->cwnd += min(acked, 2U * xp->mss);
		return;
	}
	xp->cwnd_cnt += acked;
	if (xp->cwnd_cnt >= xp->cwnd) {
		xp->cwnd_cnt -= xp->cwnd;
		xp->cwnd += xp->mss;
	}
}

static void xtcp_set_ssthresh(struct xtcp_sock *xp)
{
	u32 flight = xp->snd_nxt - xp->snd_una;

	/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS) */
	xp->ssthresh = max(flight / 2, 2U * xp->mss);
}

/*
 * Duplicate ACKs that mean loss: three, or fewer when fewer segments are
 * out and nothing new can be sent to make more (early retransmit, RFC
 * 5827), so a short flight need not wait for the RTO.
 */
static u32 xtcp_dupthresh(const struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	u32 segs = DIV_ROUND_UP(xp->snd_nxt - xp->snd_una, xp->mss);

	if (xp->send_head || segs >= 4)
		return 3;
	return max_t(u32, segs, 2) - 1;
}

/**
 * xtcp_cong_dupack() - a duplicate ACK: count, maybe fast retransmit
 * @sk: socket with data outstanding
 *
 * The third duplicate enters fast recovery (RFC 6582: only when the ACK
 * covers more than "recover", so old duplicates after an RTO do not start
 * a second reduction) and retransmits the head; later ones inflate cwnd
 * by one MSS each.
 */
void xtcp_cong_dupack(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DUPACKS);
	if (xp->dupacks < 255)
		xp->dupacks++;
	if (xp->ca_state == XTCP_CA_RECOVERY) {
		xp->cwnd += xp->mss;
		return;
	}
	if (xp->dupacks != xtcp_dupthresh(sk) || xp->ca_state == XTCP_CA_LOSS)
		return;
	if (!xtcp_after(xp->snd_una, xp->recover) && xp->recover != xp->snd_una)
		return;

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_FASTRETRANS);
	xp->recover = xp->snd_nxt;
	xtcp_set_ssthresh(xp);
	xp->cwnd = xp->ssthresh + 3 * xp->mss;
	xp->cwnd_cnt = 0;
	xp->ca_state = XTCP_CA_RECOVERY;
	xtcp_retransmit_head(sk);
}

/**
 * xtcp_cong_partial_ack() - new data acknowledged during fast recovery
 * @sk: socket in XTCP_CA_RECOVERY
 * @acked: bytes newly acknowledged
 *
 * A full ACK (covering "recover") deflates cwnd to ssthresh and leaves
 * recovery; a partial ACK retransmits the next hole, deflates cwnd by the
 * amount acknowledged and adds back one MSS (RFC 6582 3.2 step 3).
 *
 * Return: true if this was a partial ACK (the caller restarts the RTO
 * timer only for the first one; we simply restart it each time).
 */
bool xtcp_cong_partial_ack(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (!xtcp_before(xp->snd_una, xp->recover)) {
		u32 flight = xp->snd_nxt - xp->snd_una;

		xp->cwnd = min(xp->ssthresh, max(flight, xp->mss) + xp->mss);
		xp->ca_state = XTCP_CA_OPEN;
		xp->dupacks = 0;
		return false;
	}
	xtcp_retransmit_head(sk);
	xp->cwnd -= min(xp->cwnd - xp->mss, acked);
	xp->cwnd += xp->mss;
	return true;
}

/**
 * xtcp_cong_rto() - the retransmission timer expired with data outstanding
 * @sk: socket
 *
 * RFC 5681 (4) and (5): ssthresh from the flight size (only on the first
 * expiry of a series), cwnd to one segment, everything outstanding
 * presumed lost and resent in slow start (go-back-N without SACK).
 */
void xtcp_cong_rto(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (xp->ca_state != XTCP_CA_LOSS || xp->retransmits <= 1)
		xtcp_set_ssthresh(xp);
	xp->cwnd = xp->mss;
	xp->cwnd_cnt = 0;
	xp->ca_state = XTCP_CA_LOSS;
	xp->dupacks = 0;
	xp->recover = xp->snd_nxt;
	xp->rtx_next = xp->snd_una;
	xp->rtx_high = xp->snd_nxt;
}
