// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP receive side of a synchronized connection: segment acceptance, ACK
 * processing, the in-order and out-of-order queues, FIN and the states it
 * leads to, and when to ACK (Linux: tcp_input.c's tcp_rcv_established,
 * tcp_rcv_state_process from ESTABLISHED on, tcp_ack, tcp_clean_rtx_queue,
 * tcp_data_queue, tcp_data_queue_ofo, tcp_ofo_queue, tcp_fin,
 * __tcp_ack_snd_check; tcp.c's tcp_cleanup_rbuf).
 *
 * Everything runs under the socket lock: bh_lock_sock() in softirq, or the
 * owner's lock when release_sock() processes the backlog. The receive
 * queue holds contiguous skbs from copied_seq to rcv_nxt; each skb's
 * payload starts at skb->data + cb->doff and covers [cb->seq,
 * cb->end_seq). Bytes trimmed from either end (overlap, window) are only
 * skipped, never pulled or copied.
 */
#include <linux/skbuff.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

static struct sk_buff *xtcp_rb_skb(struct rb_node *node)
{
	return rb_entry_safe(node, struct sk_buff, rbnode);
}

/**
 * xtcp_ofo_purge() - drop the out-of-order queue
 * @sk: socket; its lock held
 */
void xtcp_ofo_purge(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct rb_node *node = rb_first(&xp->ofo_root);

	while (node) {
		struct sk_buff *skb = xtcp_rb_skb(node);

		node = rb_next(node);
		rb_erase(&skb->rbnode, &xp->ofo_root);
		kfree_skb(skb);
	}
}

/*
 * Right edge of the window we announced: data beyond it is outside the
 * window even if buffer space freed up since.
 */
static u32 xtcp_rcv_wnd_end(const struct xtcp_sock *xp)
{
	u32 end = xp->rcv_wup + xp->rcv_wnd;

	return xtcp_after(end, xp->rcv_nxt) ? end : xp->rcv_nxt;
}

/* The peer wants to see this soon: send (or owe) an ACK. */
void xtcp_ack_now(struct sock *sk)
{
	xtcp_send_ack(sk);
}

/* tcp_sequence(): does [seq, end) touch the receive window at all? */
static bool xtcp_sequence_ok(const struct xtcp_sock *xp, u32 seq, u32 end)
{
	return !xtcp_before(end, xp->rcv_wup) &&
	       !xtcp_after(seq, xtcp_rcv_wnd_end(xp));
}

/*
 * Peer MSS and payload/truesize estimates, from every data segment
 * (tcp_measure_rcv_mss() and its scaling_ratio).
 */
static void xtcp_measure_rcv(struct xtcp_sock *xp, struct sk_buff *skb,
			     u32 len)
{
	if (len > xp->rcv_mss)
		xp->rcv_mss = min_t(u32, len, 65535);
	if (len >= XTCP_DEFAULT_MSS && skb->truesize) {
		u32 ratio = ((u64)len << 8) / skb->truesize;

		xp->rcv_ratio = clamp_t(u32, ratio, 16, 256);
	}
}

/*
 * Does @skb fit in the receive buffer, and may XTCP's memory grow by it
 * (tcp_try_rmem_schedule())? Out-of-order data must fit whole. In-order
 * data inside the window we announced is taken even somewhat past
 * sk_rcvbuf: the window was computed from free space with an estimated
 * payload/truesize ratio, and a segment we promised to accept but then
 * drop costs the sender an RTO with backoff, which stalls a reader that
 * drains the queue afterwards (TCP avoids the drop by collapsing the
 * queue into tighter skbs). The overshoot is bounded: the peer cannot go
 * past the right edge we announced, never beyond twice sk_rcvbuf, and
 * not at all under memory pressure. The out-of-order queue is given up
 * first if that makes room, as tcp_prune_ofo_queue() is. Every accepted
 * skb is scheduled against net.xtcp.mem (sk_rmem_schedule()), so the
 * skb_set_owner_r() that follows charges memory the socket holds.
 */
static bool xtcp_rmem_ok(struct sock *sk, struct sk_buff *skb, bool in_order)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	u64 rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	u64 rmem = atomic_read(&sk->sk_rmem_alloc);

	if (!in_order)
		return rmem + skb->truesize <= rcvbuf &&
		       sk_rmem_schedule(sk, skb, skb->truesize);
	if (rmem < rcvbuf && sk_rmem_schedule(sk, skb, skb->truesize))
		return true;
	if (!RB_EMPTY_ROOT(&xp->ofo_root)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFODROP);
		xtcp_ofo_purge(sk);
		rmem = atomic_read(&sk->sk_rmem_alloc);
		if (rmem < rcvbuf && sk_rmem_schedule(sk, skb, skb->truesize))
			return true;
	}
	/* u64: 2 * an sk_rcvbuf near INT_MAX does not wrap. */
	return !xtcp_mem_under_pressure(sk) &&
	       !xtcp_after(XTCP_SKB_CB(skb)->end_seq, xtcp_rcv_wnd_end(xp)) &&
	       rmem < 2 * rcvbuf && sk_rmem_schedule(sk, skb, skb->truesize);
}

/* Wake a reader (tcp_data_ready()): not below SO_RCVLOWAT unless pressed. */
static void xtcp_data_ready(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (sock_flag(sk, SOCK_DEAD))
		return;
	if (xp->rcv_queued < READ_ONCE(sk->sk_rcvlowat) &&
	    !sock_flag(sk, SOCK_DONE) &&
	    atomic_read(&sk->sk_rmem_alloc) < READ_ONCE(sk->sk_rcvbuf) / 2)
		return;
	sk->sk_data_ready(sk);
}

/**
 * xtcp_stream_readable() - tcp_stream_is_readable() for poll
 * @sk: socket
 * @target: SO_RCVLOWAT
 *
 * Return: true if a read would not block.
 */
bool xtcp_stream_readable(const struct sock *sk, int target)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	u32 avail = READ_ONCE(xp->rcv_queued);

	if (!avail)
		return false;
	/* Below the low-water mark but the buffer is full: read anyway. */
	return avail >= target ||
	       atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf) / 2;
}

/* Append in-order payload to the receive queue. */
static void xtcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 len = cb->end_seq - cb->seq;

	__skb_queue_tail(&sk->sk_receive_queue, skb);
	WRITE_ONCE(xp->rcv_nxt, cb->end_seq);
	WRITE_ONCE(xp->rcv_queued, xp->rcv_queued + len);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_INDATA);
}

/* The orphan's FIN was acknowledged: hand it to a FIN_WAIT2 mini sock. */
static void xtcp_orphan_fin_wait2(struct sock *sk)
{
	int tmo = xtcp_fin_timeout(sk);

	if (tmo < 0) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONLINGER);
		xtcp_send_active_reset(sk);
		xtcp_done(sk);
		return;
	}
	xtcp_time_wait(sk, TCP_FIN_WAIT2, tmo);
}

/*
 * tcp_fin(): the peer's FIN is next in sequence. rcv_nxt is past it
 * already. May end the socket (FIN_WAIT2 -> TIME_WAIT).
 */
static void xtcp_fin(struct sock *sk)
{
	struct net *net = sock_net(sk);

	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	xtcp_ofo_purge(sk);

	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
		xtcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		/* Simultaneous close: our FIN is not acknowledged yet. */
		xtcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		/* The caller ACKed the FIN already: one ACK, as tcp_fin(). */
		xtcp_time_wait(sk, TCP_TIME_WAIT, xtcp_tw_timeout(net));
		break;
	default:
		/* CLOSE_WAIT, CLOSING, LAST_ACK: a retransmitted FIN. */
		break;
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/*
 * Move what the new rcv_nxt made contiguous from the out-of-order queue
 * (tcp_ofo_queue()). Return: true if a FIN was reached.
 */
static bool xtcp_ofo_queue(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct rb_node *node;

	while ((node = rb_first(&xp->ofo_root))) {
		struct sk_buff *skb = xtcp_rb_skb(node);
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		bool fin = cb->fin;

		if (xtcp_after(cb->seq, xp->rcv_nxt))
			break;
		rb_erase(node, &xp->ofo_root);
		if (!xtcp_after(cb->end_seq + fin, xp->rcv_nxt)) {
			kfree_skb(skb);	/* all of it already delivered */
			continue;
		}
		if (xtcp_before(cb->seq, xp->rcv_nxt)) {
			cb->doff += xp->rcv_nxt - cb->seq;
			cb->seq = xp->rcv_nxt;
		}
		if (cb->end_seq != cb->seq)
			xtcp_queue_rcv(sk, skb);
		else
			kfree_skb(skb);
		if (fin) {
			WRITE_ONCE(xp->rcv_nxt, xp->rcv_nxt + 1);
			return true;
		}
	}
	return false;
}

/*
 * Out-of-order segment (tcp_data_queue_ofo()). Nodes never overlap: the
 * bytes already held win (a retransmission with different bytes cannot
 * change what the stream will deliver), so the new skb is trimmed to the
 * first gap it covers; the rest comes again later.
 */
static void xtcp_ofo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct rb_node **p = &xp->ofo_root.rb_node;
	struct rb_node *parent = NULL;
	struct sk_buff *prev = NULL, *next = NULL;
	u32 end = cb->end_seq + cb->fin;

	while (*p) {
		struct sk_buff *s;

		parent = *p;
		s = xtcp_rb_skb(parent);
		if (xtcp_before(cb->seq, XTCP_SKB_CB(s)->seq)) {
			next = s;
			p = &parent->rb_left;
		} else {
			prev = s;
			p = &parent->rb_right;
		}
	}
	if (prev) {
		struct xtcp_skb_cb *pcb = XTCP_SKB_CB(prev);
		u32 pend = pcb->end_seq + pcb->fin;

		if (!xtcp_before(pend, end))
			goto drop;	/* nothing new */
		if (xtcp_after(pend, cb->seq)) {
			if (pcb->fin)
				goto drop;	/* bytes after a FIN */
			cb->doff += pend - cb->seq;
			cb->seq = pend;
		}
	}
	if (next && xtcp_after(end, XTCP_SKB_CB(next)->seq)) {
		cb->end_seq = XTCP_SKB_CB(next)->seq;
		cb->fin = 0;
		if (!xtcp_after(cb->end_seq, cb->seq))
			goto drop;
	}
	if (!xtcp_rmem_ok(sk, skb, false)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFODROP);
		goto drop;
	}
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOQUEUE);
	skb_set_owner_r(skb, sk);
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &xp->ofo_root);
	return;
drop:
	kfree_skb(skb);
}

/*
 * Decide how to acknowledge in-order data (__tcp_ack_snd_check()): at
 * once in quick-ACK mode (the peer's slow start) or when more than one
 * full segment is unacknowledged, else within the delayed ACK timeout.
 */
static void xtcp_ack_snd_check(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (xp->quickack) {
		xp->quickack--;
		xtcp_send_ack(sk);
		return;
	}
	if (xp->rcv_nxt - xp->rcv_wup > xp->rcv_mss) {
		xtcp_send_ack(sk);
		return;
	}
	xtcp_delack_arm(sk);
}

/*
 * Payload and FIN of an acceptable segment (tcp_data_queue()). @skb->data
 * is at the header; consumed.
 */
static void xtcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 wnd_end = xtcp_rcv_wnd_end(xp);
	bool ofo_was = !RB_EMPTY_ROOT(&xp->ofo_root);
	bool fin;

	if (cb->end_seq == cb->seq && !cb->fin) {
		consume_skb(skb);	/* a pure ACK, done with */
		return;
	}

	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	skb_dst_drop(skb);
	skb_orphan(skb);

	/* Old duplicate: tell the peer where we are. */
	if (!xtcp_after(cb->end_seq + cb->fin, xp->rcv_nxt)) {
		xtcp_send_ack(sk);
		goto drop;
	}
	/*
	 * Trim data beyond the window we announced (and a FIN after it). A
	 * FIN right after the data is taken even at the edge: it costs no
	 * memory, and a peer facing a zero window may send only that.
	 */
	if (xtcp_after(cb->end_seq, wnd_end)) {
		XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOW);
		if (!xtcp_after(wnd_end, cb->seq)) {
			xtcp_send_ack(sk);
			goto drop;
		}
		cb->end_seq = wnd_end;
		cb->fin = 0;
	}
	if (cb->end_seq != cb->seq) {
		xtcp_measure_rcv(xp, skb, cb->end_seq - cb->seq);
		xp->lrcv = tcp_jiffies32;
	}

	if (xtcp_after(cb->seq, xp->rcv_nxt)) {
		/* A hole before it: keep it and send a duplicate ACK at once. */
		xtcp_ofo_insert(sk, skb);
		xtcp_send_ack(sk);
		return;
	}
	if (xtcp_before(cb->seq, xp->rcv_nxt)) {
		/* Partly new: skip what was delivered already. */
		cb->doff += xp->rcv_nxt - cb->seq;
		cb->seq = xp->rcv_nxt;
		if (xtcp_after(cb->seq, cb->end_seq))
			cb->end_seq = cb->seq;	/* only the FIN is new */
	}

	if (ofo_was) {
		/* Bytes the out-of-order queue holds were received first. */
		struct sk_buff *first = xtcp_rb_skb(rb_first(&xp->ofo_root));
		u32 fseq = XTCP_SKB_CB(first)->seq;

		if (xtcp_after(cb->end_seq + cb->fin, fseq)) {
			cb->end_seq = fseq;
			cb->fin = 0;
		}
	}
	fin = cb->fin;
	if (cb->end_seq != cb->seq) {
		if (!xtcp_rmem_ok(sk, skb, true)) {
			XTCP_INC_STATS(net, XTCP_MIB_RCVPRUNED);
			xtcp_send_ack(sk);
			goto drop;
		}
		skb_set_owner_r(skb, sk);
		xtcp_queue_rcv(sk, skb);
	} else {
		consume_skb(skb);
	}
	skb = NULL;

	if (fin)
		WRITE_ONCE(xp->rcv_nxt, xp->rcv_nxt + 1);
	else if (ofo_was)
		fin = xtcp_ofo_queue(sk);

	if (fin) {
		xtcp_data_ready(sk);
		xtcp_send_ack(sk);
		xtcp_fin(sk);
		return;
	}
	xtcp_data_ready(sk);
	if (ofo_was)
		xtcp_send_ack(sk);	/* a hole filled: the peer recovers */
	else
		xtcp_ack_snd_check(sk);
	return;
drop:
	kfree_skb(skb);
}

/* Free fully acknowledged skbs; sample the RTT from the newest clean one. */
static bool xtcp_clean_rtx_queue(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;
	bool freed = false;
	u32 sample = 0;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != xp->send_head) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_after(cb->end_seq + cb->fin, xp->snd_una))
			break;
		if (!cb->retrans)
			sample = cb->when;
		else
			sample = 0;	/* Karn: later clean ones may sample */
		xtcp_free_acked(sk, skb);
		freed = true;
	}
	if (sample)
		xtcp_rtt_sample(sk, (s32)(tcp_jiffies32 - sample));
	return freed;
}

/*
 * Send buffer for cwnd (tcp_sndbuf_expand()): room for two windows of
 * full segments, unless the user fixed SO_SNDBUF or XTCP is under memory
 * pressure (tcp_should_expand_sndbuf()).
 */
static void xtcp_sndbuf_expand(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	int wmem2 = READ_ONCE(xtcp_pernet(sock_net(sk))->wmem[2]);
	u32 per_mss, segs;
	u64 want;

	if ((sk->sk_userlocks & SOCK_SNDBUF_LOCK) ||
	    xtcp_mem_under_pressure(sk))
		return;
	per_mss = roundup_pow_of_two(SKB_TRUESIZE(xp->mss + XTCP_MAX_HEADER));
	segs = max_t(u32, XTCP_INIT_CWND, xp->cwnd / max_t(u32, xp->mss, 1));
	want = 2ULL * segs * per_mss;
	if (want > wmem2)
		want = wmem2;
	if (want > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, want);
}

/* Space freed on the write queue: wake writers (tcp_check_space()). */
static void xtcp_check_space(struct sock *sk)
{
	/* Paired with the smp_mb__after_atomic() in xtcp_poll(). */
	smp_mb();
	if (sk->sk_socket && test_bit(SOCK_NOSPACE, &sk->sk_socket->flags)) {
		xtcp_sndbuf_expand(sk);
		sk->sk_write_space(sk);
	}
}

/* RFC 793 / tcp_may_update_window(). */
static bool xtcp_may_update_window(const struct xtcp_sock *xp, u32 ack,
				   u32 seq, u32 nwin)
{
	return xtcp_after(ack, xp->snd_una) || xtcp_after(seq, xp->snd_wl1) ||
	       (seq == xp->snd_wl1 && nwin > xp->snd_wnd);
}

/* Our FIN is acknowledged. Return: false if the socket is gone. */
static bool xtcp_fin_acked(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		xtcp_set_state(sk, TCP_FIN_WAIT2);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_state_change(sk);
		/* An orphan moves on after this segment's data and FIN. */
		return true;
	case TCP_CLOSING:
		xtcp_time_wait(sk, TCP_TIME_WAIT, xtcp_tw_timeout(sock_net(sk)));
		return false;
	case TCP_LAST_ACK:
		xtcp_done(sk);
		return false;
	}
	return true;
}

/*
 * tcp_ack(). Return: < 0 to drop the segment (it acknowledged data never
 * sent), 0 to go on with its data, 1 if the socket is gone.
 */
static int xtcp_ack(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 ack = ntohl(th->ack_seq);
	u32 nwin = (u32)ntohs(th->window) << xp->snd_wscale;
	u32 prior_una = xp->snd_una;
	u32 prior_flight = xtcp_in_flight(xp);
	bool win_changed = false;
	u32 acked;

	/*
	 * tcp_ack(): an ACK of data never sent drops the segment silently;
	 * answering it would let two desynchronised ends ACK each other
	 * forever.
	 */
	if (xtcp_after(ack, xp->snd_nxt)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ACKUNSENT);
		return -1;
	}
	if (xtcp_before(ack, prior_una)) {
		/*
		 * RFC 5961 5.2: older than the peer could have seen, never
		 * more than what it has acked (a blind attacker guessing
		 * early in a connection): a challenge ACK.
		 */
		u32 max_win = min(xp->max_window, prior_una - xp->iss - 1);

		if (xtcp_before(ack, prior_una - max_win)) {
			xtcp_send_challenge_ack(sk);
			return -1;
		}
		return 0;	/* old: ignore the ACK, keep the data */
	}

	if (xtcp_may_update_window(xp, ack, cb->seq, nwin)) {
		if (xp->snd_wnd != nwin) {
			win_changed = true;
			xp->snd_wnd = nwin;
			xp->max_window = max(xp->max_window, nwin);
		}
		/* tcp_ack_probe(): the window opened, probing is over. */
		if (nwin) {
			xp->probes_tstamp = 0;
			xp->probe_backoff = 0;
		}
		xp->snd_wl1 = cb->seq;
	}

	acked = ack - prior_una;
	if (!acked) {
		if (!win_changed && cb->end_seq == cb->seq && !cb->fin &&
		    xp->snd_una != xp->snd_nxt)
			xtcp_cong_dupack(sk);
		return 0;
	}

	WRITE_ONCE(xp->snd_una, ack);
	xtcp_clean_rtx_queue(sk);
	xp->retransmits = 0;
	xp->rprobe = 0;
	xp->retrans_stamp = 0;
	WRITE_ONCE(xp->rto, xtcp_rto_now(sk));
	if (xp->ca_state == XTCP_CA_LOSS && xtcp_before(xp->rtx_next, ack))
		xp->rtx_next = ack;
	if (xp->ca_state == XTCP_CA_RECOVERY)
		xtcp_cong_partial_ack(sk, acked);
	else
		xtcp_cong_ack(sk, acked, prior_flight);
	xp->dupacks = 0;
	xtcp_rearm_rtx(sk);
	xtcp_check_space(sk);

	if (xp->fin_sent && xp->snd_una == xp->write_seq)
		return xtcp_fin_acked(sk) ? 0 : 1;
	return 0;
}

/*
 * tcp_reset_check(): after the peer's FIN, an RST may carry the FIN's
 * sequence number (rcv_nxt - 1) and still be the peer's.
 */
static bool xtcp_reset_check(const struct sock *sk, u32 seq)
{
	return seq == xtcp_sk(sk)->rcv_nxt - 1 &&
	       ((1 << sk->sk_state) &
		(TCPF_CLOSE_WAIT | TCPF_LAST_ACK | TCPF_CLOSING));
}

/**
 * xtcp_rcv_established() - a segment for a synchronized socket
 * @sk: socket in ESTABLISHED, CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING or
 *	LAST_ACK; its lock held
 * @skb: validated segment, skb->data at the header; consumed
 *
 * RFC 793's order: sequence check (out-of-window segments are answered by
 * a rate-limited ACK and dropped), RST (RFC 5961: exact sequence number
 * resets, other in-window ones get a challenge ACK), SYN (challenge ACK),
 * ACK (xtcp_ack()), then data
 * and FIN by state; last, send what the ACK allowed.
 */
void xtcp_rcv_established(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 len = skb->len - th->doff * 4;
	int ret;

	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + len;
	cb->fin = th->fin;

	/* tcp_validate_incoming(), in its order. */
	if (!xtcp_sequence_ok(xp, cb->seq, cb->end_seq + cb->fin)) {
		if (!th->rst) {
			if (th->syn)
				goto syn_challenge;
			/* Beyond the right edge; an old duplicate is not. */
			if (len && xtcp_after(cb->seq, xp->rcv_nxt))
				XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOW);
			if (!xtcp_oow_rate_limited(net, skb,
						   XTCP_MIB_ACKSKIPPEDSEQ,
						   &xp->last_oow_ack_time))
				xtcp_send_ack(sk);
		} else if (xtcp_reset_check(sk, cb->seq)) {
			goto reset;
		}
		goto drop;
	}
	if (th->rst) {
		/*
		 * RFC 5961 3.2: only the exact sequence number resets (or,
		 * after the peer's FIN, the one before it); another RST in
		 * the window draws a challenge ACK.
		 */
		if (cb->seq == xp->rcv_nxt || xtcp_reset_check(sk, cb->seq)) {
reset:
			XTCP_INC_STATS(net, XTCP_MIB_INRSTS);
			xtcp_reset(sk);
		} else {
			xtcp_send_challenge_ack(sk);
		}
		goto drop;
	}
	if (th->syn) {
		/*
		 * RFC 5961 4.2: any SYN on a synchronised connection draws a
		 * challenge ACK, a retransmitted SYN-ACK (our ACK was lost,
		 * or the listener's queue was full) included: the ACK is
		 * what it needs.
		 */
syn_challenge:
		XTCP_INC_STATS(net, XTCP_MIB_SYNCHALLENGE);
		xtcp_send_challenge_ack(sk);
		goto drop;
	}
	if (!th->ack)
		goto drop;

	WRITE_ONCE(xp->rcv_tstamp, tcp_jiffies32);
	WRITE_ONCE(xp->probes_out, 0);

	ret = xtcp_ack(sk, skb);
	if (ret < 0)
		goto drop;
	if (ret > 0 || sk->sk_state == TCP_CLOSE)
		goto drop;

	switch (sk->sk_state) {
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		/* The peer's FIN came before: nothing after it is data. */
		if (!xtcp_before(cb->seq, xp->rcv_nxt)) {
			consume_skb(skb);
			skb = NULL;
			break;
		}
		fallthrough;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		/* RFC 1122: reset a peer sending to a socket that cannot read. */
		if ((sk->sk_shutdown & RCV_SHUTDOWN) && len &&
		    xtcp_after(cb->end_seq, xp->rcv_nxt)) {
			XTCP_INC_STATS(net, XTCP_MIB_ABORTONDATA);
			xtcp_send_reset(net, skb, XTCP_RST_ABORT_ON_DATA);
			xtcp_reset(sk);
			goto drop;
		}
		fallthrough;
	case TCP_ESTABLISHED:
		xtcp_data_queue(sk, skb);
		skb = NULL;
		break;
	}
	if (sk->sk_state == TCP_CLOSE)
		return;
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		xtcp_orphan_fin_wait2(sk);
		return;
	}
	if (xp->send_head)
		xtcp_write_xmit(sk, XTCP_PUSH_NAGLE);
	return;
drop:
	kfree_skb(skb);
}

/* Window we could announce now, without announcing it. */
static u32 xtcp_window_possible(const struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	int free = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 win = free > 0 ? ((u64)free * xp->rcv_ratio) >> 8 : 0;

	return min(win, 65535U << xp->rcv_wscale);
}

/**
 * xtcp_cleanup_rbuf() - after a read: ACK now if it helps the peer
 *	(tcp_cleanup_rbuf())
 * @sk: socket; the owner's lock held
 * @copied: bytes just read
 *
 * A delayed ACK is sent once the reader drained the queue, and a window
 * update when the window could at least double (and by a segment or more)
 * compared to what the peer has left.
 */
void xtcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	bool time_to_ack = false;

	sock_owned_by_me(sk);
	if (copied <= 0 || !((1 << sk->sk_state) &
			     (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
			      TCPF_FIN_WAIT2)))
		return;
	/*
	 * The reader drained the queue: the ACK need not wait, unless less
	 * than a segment is owed and an answer will carry it (pingpong).
	 */
	if (xp->ack_pending && skb_queue_empty(&sk->sk_receive_queue) &&
	    (!xp->pingpong || xp->rcv_nxt - xp->rcv_wup >= xp->rcv_mss))
		time_to_ack = true;
	if (!time_to_ack && !(sk->sk_shutdown & RCV_SHUTDOWN)) {
		u32 now = xtcp_rcv_wnd_end(xp) - xp->rcv_nxt;
		u32 win = xtcp_window_possible(sk);

		if (win >= 2 * now && win - now >= xp->rcv_mss)
			time_to_ack = true;
	}
	if (time_to_ack)
		xtcp_send_ack(sk);
}
