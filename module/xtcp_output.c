// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP transmit path: header and checksum construction, segments of full
 * sockets through ip_queue_xmit(), and the socket-less replies (SYN-ACK of
 * a request, RSTs) built with their own IPv4 header and sent with
 * ip_local_out() (Linux: tcp_transmit_skb, tcp_connect, tcp_send_ack,
 * tcp_send_active_reset, tcp_v4_send_synack, tcp_v4_send_reset).
 *
 * The header is struct tcphdr byte for byte so that tshark decodes XTCP
 * with "-d ip.proto==253,tcp"; only the IP protocol number differs, and it
 * is part of the checksum's pseudo-header.
 */
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

/* The flags byte of struct tcphdr (byte 13). */
#define XTCP_FIN	0x01
#define XTCP_SYN	0x02
#define XTCP_RST	0x04
#define XTCP_PSH	0x08
#define XTCP_ACK	0x10

static struct sk_buff *xtcp_alloc_skb(unsigned int payload, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(XTCP_MAX_HEADER + payload, gfp);

	if (skb)
		skb_reserve(skb, XTCP_MAX_HEADER);
	return skb;
}

/* Push the header (and SYN options when @mss) in front of skb->data. */
static struct tcphdr *xtcp_push_header(struct sk_buff *skb, __be16 sport,
				       __be16 dport, u32 seq, u32 ack,
				       u8 flags, u16 window, u16 mss,
				       int wscale)
{
	int optlen = mss ? (wscale >= 0 ? XTCP_SYN_OPT_LEN : 4) : 0;
	struct tcphdr *th;
	u8 *opt;

	th = skb_push(skb, sizeof(*th) + optlen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = (sizeof(*th) + optlen) / 4;
	((u8 *)th)[13] = flags;
	th->window = htons(window);

	opt = (u8 *)(th + 1);
	if (mss) {
		*opt++ = XTCP_OPT_MSS;
		*opt++ = XTCP_OPTLEN_MSS;
		put_unaligned_be16(mss, opt);
		opt += 2;
		if (wscale >= 0) {
			*opt++ = XTCP_OPT_NOP;
			*opt++ = XTCP_OPT_WINDOW;
			*opt++ = XTCP_OPTLEN_WINDOW;
			*opt++ = wscale;
		}
	}
	return th;
}

/* Full software checksum over header and payload (skb->data = header). */
static void xtcp_csum(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);
	__wsum csum;

	th->check = 0;
	csum = skb_checksum(skb, 0, skb->len, 0);
	th->check = csum_tcpudp_magic(saddr, daddr, skb->len, xtcp_ip_proto,
				      csum);
	skb->ip_summed = CHECKSUM_NONE;
}

/*
 * A full socket's checksum: left to the device only when the route's
 * device checksums any protocol (NETIF_F_HW_CSUM: loopback, veth); the
 * core falls back to skb_checksum_help() if the device changes its mind.
 * A device that only knows TCP and UDP (NETIF_F_IP_CSUM) must not be
 * asked: skb_csum_hwoffload_help() takes our checksum's offset for TCP's
 * and hands the segment over, and the NIC skips or botches protocol 253.
 * sk_route_caps cannot tell: sk_setup_caps() grants NETIF_F_HW_CSUM to
 * every socket whose sk_gso_type is 0, so the device's own features are
 * read, per route, at each transmission (the route ip_queue_xmit() will
 * use, checked first; none means software).
 */
static bool xtcp_dev_csum_ok(struct sock *sk)
{
	struct dst_entry *dst = __sk_dst_check(sk, 0);

	return dst && dst->dev && (dst->dev->features & NETIF_F_HW_CSUM);
}

static void xtcp_sk_csum(struct sock *sk, struct sk_buff *skb)
{
	struct inet_sock *inet = inet_sk(sk);
	struct tcphdr *th = tcp_hdr(skb);

	if (!xtcp_dev_csum_ok(sk)) {
		xtcp_csum(skb, inet->inet_saddr, inet->inet_daddr);
		return;
	}
	th->check = ~csum_tcpudp_magic(inet->inet_saddr, inet->inet_daddr,
				       skb->len, xtcp_ip_proto, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
}

static u16 xtcp_dst_mss(const struct dst_entry *dst)
{
	return dst ? min_t(u32, dst_metric_advmss(dst), 65535) :
		     XTCP_DEFAULT_MSS;
}

/* A full socket's segment: header already pushed. */
static int xtcp_transmit(struct sock *sk, struct sk_buff *skb)
{
	struct inet_sock *inet = inet_sk(sk);
	int err;

	skb_set_owner_w(skb, sk);
	xtcp_sk_csum(sk, skb);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTSEGS);
	xtcp_sk(sk)->info.segs_out++;
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

/**
 * xtcp_select_window() - the window to announce now (__tcp_select_window())
 * @sk: connected socket; its lock held
 *
 * Free receive buffer space converted to payload bytes with the measured
 * payload/truesize ratio, capped by what the scale can express. The right
 * edge announced before (rcv_wup + rcv_wnd) never moves left: the peer may
 * already have sent up to it. Records the announcement.
 *
 * Return: the window field (scaled).
 */
u16 xtcp_select_window(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	int free = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 max = 65535U << xp->rcv_wscale;
	u32 unit = 1U << xp->rcv_wscale;
	u32 win, cur = 0;

	if (xtcp_after(xp->rcv_wup + xp->rcv_wnd, xp->rcv_nxt))
		cur = xp->rcv_wup + xp->rcv_wnd - xp->rcv_nxt;
	win = free > 0 ? ((u64)free * xp->rcv_ratio) >> 8 : 0;
	win = min(win, max);
	if (xp->window_clamp)
		win = min(win, xp->window_clamp);	/* TCP_WINDOW_CLAMP */
	win &= ~(unit - 1);
	if (win < cur)
		win = min(ALIGN(cur, unit), max);
	xp->rcv_wnd = win;
	xp->rcv_wup = xp->rcv_nxt;
	return win >> xp->rcv_wscale;
}

/**
 * xtcp_initial_window() - the window of our SYN or SYN-ACK
 * @sk: the connecting socket or the listener
 *
 * Return: XTCP_RCV_WND, or TCP_WINDOW_CLAMP when smaller
 *	(tcp_select_initial_window()'s window_clamp bound).
 */
u32 xtcp_initial_window(const struct sock *sk)
{
	u32 clamp = READ_ONCE(xtcp_sk(sk)->window_clamp);

	return clamp ? min_t(u32, clamp, XTCP_RCV_WND) : XTCP_RCV_WND;
}

/* A segment with an ACK went out: no delayed ACK is owed any more. */
static void xtcp_ack_sent(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (xp->ack_pending) {
		xp->ack_pending = 0;
		xtcp_delack_stop(sk, false);
	}
}

/**
 * xtcp_current_mss() - send MSS now: min(peer's MSS option, route MTU -
 *	IP header with options - 20, XTCP_MAXSEG) (tcp_current_mss())
 * @sk: connected socket
 *
 * Return: the MSS, at least XTCP_MIN_MSS.
 */
u32 xtcp_current_mss(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct dst_entry *dst = __sk_dst_get(sk);
	u32 mss = xp->peer_mss ? : XTCP_DEFAULT_MSS;
	u32 hdrs = sizeof(struct iphdr) + XTCP_HDR_LEN;
	const struct ip_options_rcu *opt;

	/* IP options take room in every segment (tcp_mtu_to_mss()). */
	rcu_read_lock();
	opt = rcu_dereference(inet_sk(sk)->inet_opt);
	if (opt)
		hdrs += opt->opt.optlen;
	rcu_read_unlock();
	if (dst) {
		u32 mtu = dst_mtu(dst);

		if (mtu > hdrs + XTCP_MIN_MSS)
			mss = min(mss, mtu - hdrs);
	}
	if (xp->user_mss)
		mss = min_t(u32, mss, xp->user_mss);
	mss = max_t(u32, mss, XTCP_MIN_MSS);
	if (mss != xp->mss) {
		/* Keep cwnd's meaning in segments when the MSS changes. */
		if (xp->mss && xp->cwnd)
			xp->cwnd = max_t(u32, (u64)xp->cwnd * mss / xp->mss,
					 mss);
		xp->mss = mss;
	}
	return mss;
}

static u16 xtcp_rcv_window(struct sock *sk)
{
	return xtcp_select_window(sk);
}

/**
 * xtcp_send_syn() - send (or resend) the SYN of a connecting socket
 * @sk: socket in SYN_SENT, routed (sk_setup_caps() done)
 *
 * Return: 0, -ENOBUFS, or a transmit error (ignored by callers: the timer
 * retransmits).
 */
int xtcp_send_syn(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;

	skb = xtcp_alloc_skb(0, sk_gfp_mask(sk, GFP_ATOMIC));
	if (!skb)
		return -ENOBUFS;
	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, xp->iss, 0,
			 XTCP_SYN, xtcp_initial_window(sk),
			 xtcp_dst_mss(__sk_dst_get(sk)), XTCP_RCV_WSCALE);
	return xtcp_transmit(sk, skb);
}

/* A pure ACK of rcv_nxt with the current window, carrying @seq. */
static int xtcp_send_ack_seq(struct sock *sk, u32 seq)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;
	int err;

	skb = xtcp_alloc_skb(0, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, seq,
			 xp->rcv_nxt, XTCP_ACK, xtcp_rcv_window(sk), 0, -1);
	err = xtcp_transmit(sk, skb);
	if (!err)
		xtcp_ack_sent(sk);
	return err;
}

/**
 * xtcp_send_ack() - send a pure ACK for rcv_nxt, with the current window
 * @sk: connected socket; its lock held
 *
 * Return: 0 or an error (nothing to undo).
 */
int xtcp_send_ack(struct sock *sk)
{
	return xtcp_send_ack_seq(sk, xtcp_sk(sk)->snd_nxt);
}

/*
 * Send a copy of a write-queue skb (tcp_transmit_skb() with clone_it).
 * A clone shares the data and the headroom, so when an earlier copy may
 * still be in flight (skb_cloned()) the header goes into a private copy of
 * the (small, payload-free) linear part instead.
 */
static int xtcp_transmit_skb(struct sock *sk, struct sk_buff *oskb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(oskb);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	gfp_t gfp = sk_gfp_mask(sk, GFP_ATOMIC);
	struct sk_buff *skb;
	u8 flags = XTCP_ACK;
	int err;

	skb = skb_cloned(oskb) ? pskb_copy(oskb, gfp) : skb_clone(oskb, gfp);
	if (!skb)
		return -ENOBUFS;
	/* Our cb was copied; the IP layer wants its IPCB zeroed. */
	memset(skb->cb, 0, sizeof(skb->cb));
	if (skb->len)
		flags |= XTCP_PSH;
	if (cb->fin)
		flags |= XTCP_FIN;
	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, cb->seq,
			 xp->rcv_nxt, flags, xtcp_rcv_window(sk), 0, -1);
	err = xtcp_transmit(sk, skb);
	if (!err)
		xtcp_ack_sent(sk);
	return err;
}

/* Sequence number after @skb (its FIN included). */
static u32 xtcp_skb_end(const struct sk_buff *skb)
{
	return XTCP_SKB_CB(skb)->end_seq + XTCP_SKB_CB(skb)->fin;
}

/*
 * Split an unsent skb after @len payload bytes (tcp_fragment()). Unsent
 * skbs were never cloned, so their frags can move. The FIN goes with the
 * tail.
 */
static int xtcp_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb), *ncb;
	u32 nlen = skb->len - len;
	struct sk_buff *buff;

	buff = xtcp_alloc_skb(0, sk_gfp_mask(sk, GFP_ATOMIC));
	if (!buff)
		return -ENOMEM;
	/* tcp_fragment() forces the charge: a split must not stall xmit. */
	xtcp_mem_charge_forced(sk, buff->truesize);
	sk_wmem_queued_add(sk, buff->truesize);
	skb_split(skb, buff, len);
	skb->truesize -= nlen;
	buff->truesize += nlen;

	ncb = XTCP_SKB_CB(buff);
	memset(ncb, 0, sizeof(*ncb));
	ncb->seq = cb->seq + len;
	ncb->end_seq = cb->end_seq;
	ncb->fin = cb->fin;
	cb->end_seq = cb->seq + len;
	cb->fin = 0;
	__skb_queue_after(&sk->sk_write_queue, skb, buff);
	return 0;
}

/*
 * Split a sent skb to the MSS before it goes out again (tcp_fragment() on
 * the retransmit queue, after a PMTU drop): a clone of it may still be in
 * flight, so it gets its own data reference first. The tail keeps the
 * head's transmit time and Karn flag: it was sent too.
 */
static int xtcp_fragment_sent(struct sock *sk, struct sk_buff *skb, u32 mss)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sk_buff *tail;
	unsigned int truesize;
	int err;

	if (skb->len <= mss)
		return 0;
	/*
	 * skb_unclone_keeptruesize(), as tcp_fragment() does: the queue's
	 * charge follows truesize, which must not move. Its helper is not
	 * exported, so truesize is put back by hand; a larger new head then
	 * goes uncounted, as it would in TCP.
	 */
	truesize = skb->truesize;
	err = skb_unclone(skb, sk_gfp_mask(sk, GFP_ATOMIC));
	skb->truesize = truesize;
	if (err)
		return err;
	err = xtcp_fragment(sk, skb, mss);
	if (err)
		return err;
	tail = skb->next;
	XTCP_SKB_CB(tail)->when = cb->when;
	XTCP_SKB_CB(tail)->retrans = cb->retrans;
	return 0;
}

/* Retransmit one sent skb; counts it and applies Karn's rule. */
static int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	int err;

	err = xtcp_fragment_sent(sk, skb, xtcp_current_mss(sk));
	if (err)
		return err;
	err = xtcp_transmit_skb(sk, skb);
	if (err)
		return err;
	xp->lsndtime = tcp_jiffies32;	/* tcp_event_data_sent() */
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS);
	xp->info.total_retrans++;
	xp->info.bytes_retrans += cb->end_seq - cb->seq;
	trace_xtcp_retransmit(sk, cb->seq, cb->end_seq + cb->fin,
			      xp->retransmits);
	if (!xp->retrans_stamp)
		xp->retrans_stamp = cb->when ? : tcp_jiffies32;
	cb->retrans = 1;
	cb->when = tcp_jiffies32;
	return 0;
}

/**
 * xtcp_retransmit_head() - resend the oldest unacknowledged skb
 * @sk: connected socket; its lock held
 *
 * Return: 0 (also when nothing is outstanding) or a transmit error.
 */
int xtcp_retransmit_head(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || skb == xp->send_head)
		return 0;
	return xtcp_retransmit_skb(sk, skb);
}

/**
 * xtcp_rearm_rtx() - restart the retransmit timer for the current state
 * @sk: connected socket; its lock held
 *
 * Data or a FIN in flight: the RTO (with backoff). Nothing in flight but
 * something queued (window closed, or a transmit failed): the same timer
 * probes or retries. Nothing at all: stopped.
 */
void xtcp_rearm_rtx(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 when = xp->rto;

	if (xp->user_timeout && xp->retrans_stamp) {
		/* Fire no later than the user timeout (TCP clamps alike). */
		u32 limit = msecs_to_jiffies(xp->user_timeout);
		u32 spent = tcp_jiffies32 - xp->retrans_stamp;

		when = clamp_t(u32, limit > spent ? limit - spent : 1, 1, when);
	}
	/*
	 * A lost retransmission, or a lost tail that leaves too few
	 * segments behind it for duplicate ACKs, shows only by silence:
	 * resend the head once after two RTTs rather than waiting a full
	 * RTO (TCP's RACK and TLP find these sooner; without SACK this is
	 * what is left). It costs one segment and no cwnd.
	 */
	if (!xp->rprobe && xp->srtt && xp->snd_una != xp->snd_nxt) {
		u32 pto = max_t(u32, xp->srtt >> 2, HZ / 100 + 1);

		/* One segment out: the peer may be delaying its ACK (TLP). */
		if (xp->snd_nxt - xp->snd_una <= xp->mss)
			pto = max_t(u32, pto, (xp->srtt >> 3) * 3 / 2 +
					      XTCP_DELACK_MAX);
		when = min(when, pto);
	}
	if (xp->snd_una != xp->snd_nxt || xp->send_head)
		xtcp_rtx_timer_arm(sk, when);
	else
		xtcp_rtx_timer_stop(sk, false);
}

/**
 * xtcp_simple_retransmit() - resend everything in flight at a smaller MSS
 *	(tcp_simple_retransmit())
 * @sk: connected socket; its lock held
 *
 * The path MTU dropped under data in flight: those segments were dropped
 * on the way, so they are presumed lost and go again from snd_una, split
 * to the new MSS. cwnd and ssthresh stay: the amount of data in the
 * network does not grow, only its units changed.
 */
void xtcp_simple_retransmit(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (xp->snd_una == xp->snd_nxt)
		return;
	if (xp->ca_state != XTCP_CA_LOSS) {
		xp->ca_state = XTCP_CA_LOSS;
		xp->dupacks = 0;
		xp->recover = xp->snd_nxt;
		xp->rtx_high = xp->snd_nxt;
	}
	xp->rtx_next = xp->snd_una;
	xtcp_write_xmit(sk, XTCP_PUSH_FORCE);
}

/* Find the sent skb holding sequence number @seq. */
static struct sk_buff *xtcp_rtx_skb(struct sock *sk, u32 seq)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == xp->send_head)
			break;
		if (xtcp_after(xtcp_skb_end(skb), seq))
			return skb;
	}
	return NULL;
}

/**
 * xtcp_write_xmit() - send what the windows allow (tcp_write_xmit())
 * @sk: connected socket; its lock held
 * @mode: XTCP_PUSH_* for a short last segment
 *
 * First the segments presumed lost after an RTO, then new data from
 * send_head, each limited by the peer's window and cwnd. An skb larger
 * than the MSS or than the window left is split. A transmit error leaves
 * the skb unsent (snd_nxt does not move) and the timer retries.
 */
void xtcp_write_xmit(struct sock *sk, int mode)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;
	bool failed = false;
	u32 mss;

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				     TCPF_FIN_WAIT1 | TCPF_CLOSING |
				     TCPF_LAST_ACK)))
		return;
	mss = xtcp_current_mss(sk);
	/* TCP_CORK holds a partial segment whoever pushes (TCP_NAGLE_CORK). */
	if (mode == XTCP_PUSH_NAGLE && xp->cork)
		mode = XTCP_PUSH_CORK;

	while (xp->ca_state == XTCP_CA_LOSS &&
	       xtcp_before(xp->rtx_next, xp->rtx_high)) {
		u32 in_flight = xtcp_in_flight(xp);

		if (xtcp_before(xp->rtx_next, xp->snd_una))
			xp->rtx_next = xp->snd_una;
		skb = xtcp_rtx_skb(sk, xp->rtx_next);
		if (!skb) {
			xp->rtx_next = xp->rtx_high;
			break;
		}
		if (in_flight && in_flight + skb->len > xp->cwnd)
			goto out;
		if (xtcp_retransmit_skb(sk, skb)) {
			failed = true;
			goto out;
		}
		xp->rtx_next = xtcp_skb_end(skb);
	}

	while ((skb = xp->send_head)) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		u32 wnd_end = xp->snd_una + xp->snd_wnd;
		u32 in_flight = xtcp_in_flight(xp);
		u32 len = skb->len;

		if (len > mss) {
			if (xtcp_fragment(sk, skb, mss))
				break;
			len = mss;
		}
		if (len && xtcp_after(cb->seq + len, wnd_end)) {
			u32 avail = xtcp_after(wnd_end, cb->seq) ?
				    wnd_end - cb->seq : 0;

			/* Sender SWS avoidance, but never a deadlock. */
			if (!avail || (in_flight &&
				       avail < min(mss, xp->max_window / 2)))
				break;
			if (xtcp_fragment(sk, skb, avail))
				break;
			len = avail;
		}
		/* Limited transmit (RFC 3042): a segment per early dupack. */
		if (in_flight && in_flight + len > xp->cwnd +
		    (xp->ca_state == XTCP_CA_OPEN ?
		     min_t(u32, xp->dupacks, 2) * mss : 0))
			break;
		if (len < mss && !cb->fin && skb_queue_is_last(&sk->sk_write_queue, skb)) {
			if (mode == XTCP_PUSH_CORK)
				break;
			if (mode == XTCP_PUSH_NAGLE && !xp->nodelay &&
			    xp->snd_una != xp->snd_nxt)
				break;
		}
		cb->when = tcp_jiffies32;
		if (xtcp_transmit_skb(sk, skb)) {
			failed = true;
			break;
		}
		WRITE_ONCE(xp->snd_nxt, xtcp_skb_end(skb));
		xp->lsndtime = tcp_jiffies32;	/* tcp_event_data_sent() */
		/* Data soon after data came in: an exchange (pingpong). */
		if ((s32)(tcp_jiffies32 - xp->lrcv) < (s32)XTCP_DELACK_MIN)
			xp->pingpong = 1;
		xp->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
				NULL : skb->next;
	}
out:
	/* In flight: make sure the RTO runs; stuck: probe or retry. */
	if (!timer_pending(&xp->rtx_timer) || failed) {
		if (xp->snd_una != xp->snd_nxt || xp->send_head)
			xtcp_rearm_rtx(sk);
	}
}

/**
 * xtcp_push_pending() - send what Nagle or a cork held back
 * @sk: connected socket; the owner's lock held (XTCP_NODELAY set)
 */
void xtcp_push_pending(struct sock *sk)
{
	sock_owned_by_me(sk);
	if (xtcp_sk(sk)->send_head)
		xtcp_write_xmit(sk, XTCP_PUSH_FORCE);
}

/**
 * xtcp_send_probe() - send an ACK the peer must answer (tcp_xmit_probe_skb())
 * @sk: connected socket; bh_lock_sock() or the owner's lock held
 *
 * Sequence number snd_una - 1 is old, so the peer replies with an ACK of
 * its rcv_nxt and current window: keepalive and zero-window probes.
 *
 * Return: 0 or an error (the caller's timer tries again).
 */
int xtcp_send_probe(struct sock *sk)
{
	sock_owned_by_me(sk);
	return xtcp_send_ack_seq(sk, xtcp_sk(sk)->snd_una - 1);
}

/**
 * xtcp_data_outstanding() - is data or a FIN unacknowledged or unsent
 * @sk: connected socket
 *
 * Keepalive stays quiet while the retransmit timer watches the peer.
 *
 * Return: true if something is queued or in flight.
 */
bool xtcp_data_outstanding(const struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);

	return READ_ONCE(xp->snd_una) != READ_ONCE(xp->write_seq);
}

/**
 * xtcp_send_active_reset() - abort: send RST|ACK at snd_nxt
 * @sk: connected socket
 */
void xtcp_send_active_reset(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;

	skb = xtcp_alloc_skb(0, GFP_ATOMIC);
	if (!skb)
		return;
	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, xp->snd_nxt,
			 xp->rcv_nxt, XTCP_RST | XTCP_ACK, 0, 0, -1);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTRSTS);
	trace_xtcp_send_reset(inet->inet_saddr, inet->inet_daddr,
			      inet->inet_sport, inet->inet_dport, xp->snd_nxt,
			      xp->rcv_nxt, sk->sk_state, XTCP_RST_ACTIVE);
	if (sk->sk_state == TCP_ESTABLISHED || sk->sk_state == TCP_CLOSE_WAIT)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ESTABRESETS);
	xtcp_transmit(sk, skb);
}

/* Route a socket-less reply; fills @fl4. */
static struct rtable *xtcp_reply_route(struct net *net, struct flowi4 *fl4,
				       __be32 saddr, __be32 daddr,
				       __be16 sport, __be16 dport, int oif,
				       u32 mark)
{
	memset(fl4, 0, sizeof(*fl4));
	fl4->flowi4_oif = oif;
	fl4->flowi4_iif = LOOPBACK_IFINDEX;
	fl4->flowi4_mark = mark;
	fl4->flowi4_scope = RT_SCOPE_UNIVERSE;
	fl4->flowi4_proto = xtcp_ip_proto;
	fl4->daddr = daddr;
	fl4->saddr = saddr;
	fl4->fl4_dport = dport;
	fl4->fl4_sport = sport;
	fl4->flowi4_uid = sock_net_uid(net, NULL);
	return ip_route_output_key(net, fl4);
}

/* Add the IPv4 header to a socket-less reply and send it; consumes @skb. */
static void xtcp_ip_send(struct net *net, struct sk_buff *skb,
			 const struct flowi4 *fl4, struct rtable *rt, u32 mark)
{
	struct iphdr *iph;

	xtcp_csum(skb, fl4->saddr, fl4->daddr);
	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->tot_len = htons(skb->len);
	iph->id = 0;	/* DF set: no fragments to identify */
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = xtcp_ip_proto;
	iph->saddr = fl4->saddr;
	iph->daddr = fl4->daddr;
	skb->protocol = htons(ETH_P_IP);
	skb->mark = mark;
	skb_dst_set(skb, &rt->dst);
	XTCP_INC_STATS(net, XTCP_MIB_OUTSEGS);
	ip_local_out(net, NULL, skb);
}

/* SYN-ACK (@rst false) or RST|ACK (@rst true) on behalf of a request. */
static int xtcp_req_send(const struct xtcp_request_sock *req, bool rst)
{
	struct net *net = read_pnet(&req->common.skc_net);
	const struct sock *lst = req->listener;
	u32 mark = READ_ONCE(lst->sk_mark);
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct rtable *rt;

	rt = xtcp_reply_route(net, &fl4, req->xreq_laddr, req->xreq_daddr,
			      htons(req->xreq_num), req->xreq_dport,
			      req->common.skc_bound_dev_if, mark);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb = xtcp_alloc_skb(0, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return -ENOBUFS;
	}
	if (rst) {
		xtcp_push_header(skb, htons(req->xreq_num), req->xreq_dport,
				 req->iss + 1, req->irs + 1,
				 XTCP_RST | XTCP_ACK, 0, 0, -1);
		XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
		trace_xtcp_send_reset(req->xreq_laddr, req->xreq_daddr,
				      htons(req->xreq_num), req->xreq_dport,
				      req->iss + 1, req->irs + 1,
				      TCP_NEW_SYN_RECV, XTCP_RST_REQ_DROPPED);
	} else {
		xtcp_push_header(skb, htons(req->xreq_num), req->xreq_dport,
				 req->iss, req->irs + 1, XTCP_SYN | XTCP_ACK,
				 xtcp_initial_window(lst), xtcp_dst_mss(&rt->dst),
				 req->wscale_ok ? XTCP_RCV_WSCALE : -1);
	}
	xtcp_ip_send(net, skb, &fl4, rt, mark);
	return 0;
}

/**
 * xtcp_send_synack() - send (or resend) a request's SYN-ACK
 * @req: request; a reference is held by the caller or the timer's context
 *
 * Return: 0 or an error (the timer retransmits).
 */
int xtcp_send_synack(const struct xtcp_request_sock *req)
{
	/* Recorded as sent even when the knob below loses it. */
	xtcp_tl_add(&req->tl, XTCP_TL_SYNACK, READ_ONCE(req->retrans));
	/*
	 * Test knob: this SYN-ACK is lost, as if tcp_v4_send_synack() had
	 * handed it to ip_build_and_send_pkt() and the network dropped it.
	 * Success is returned and nothing else changes: the request's timer
	 * was or will be armed by the caller and retransmits as after a
	 * real loss (reqsk_timer_handler()).
	 */
	if ((unlikely(READ_ONCE(xtcp_fault.drop_synack_nth)) &&
	     xtcp_fault_dec(&xtcp_fault.drop_synack_nth) == 1) ||
	    (unlikely(READ_ONCE(xtcp_fault.drop_synacks)) &&
	     xtcp_fault_dec(&xtcp_fault.drop_synacks))) {
		XTCP_INC_STATS(read_pnet(&req->common.skc_net),
			       XTCP_MIB_FAULTSYNACKDROP);
		return 0;
	}
	trace_xtcp_synack(req);
	return xtcp_req_send(req, false);
}

/**
 * xtcp_reqsk_send_reset() - reset the peer of a request being dropped
 * @req: request
 *
 * Sequence numbers are acceptable to a peer in SYN_SENT (the ACK field
 * acknowledges its SYN) and to one that already completed (seq = rcv_nxt).
 */
void xtcp_reqsk_send_reset(const struct xtcp_request_sock *req)
{
	xtcp_req_send(req, true);
}

/**
 * xtcp_send_ctl() - send a bare ACK without a socket (mini socks)
 * @net: namespace
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @seq: sequence number
 * @ack: acknowledgment number
 * @oif: bound device or 0
 */
void xtcp_send_ctl(struct net *net, __be32 saddr, __be32 daddr,
		   __be16 sport, __be16 dport, u32 seq, u32 ack, int oif)
{
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct rtable *rt;

	rt = xtcp_reply_route(net, &fl4, saddr, daddr, sport, dport, oif, 0);
	if (IS_ERR(rt))
		return;
	skb = xtcp_alloc_skb(0, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	xtcp_push_header(skb, sport, dport, seq, ack, XTCP_ACK, 0, 0, -1);
	xtcp_ip_send(net, skb, &fl4, rt, 0);
}

/**
 * xtcp_send_reset() - answer a segment nobody owns (tcp_v4_send_reset())
 * @net: namespace the segment arrived in
 * @skb: the segment, validated; not consumed
 * @reason: XTCP_RST_*, for xtcp:xtcp_send_reset
 *
 * Never answers an RST. With ACK set: RST at the acknowledged sequence;
 * otherwise RST|ACK acknowledging everything the segment occupied.
 */
void xtcp_send_reset(struct net *net, struct sk_buff *skb, int reason)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct sk_buff *rskb;
	struct flowi4 fl4;
	struct rtable *rt;
	u32 seq = 0, ack = 0;
	u8 flags;

	if (th->rst)
		return;
	/* Only unicast to a local address: never reply to broadcast. */
	if (skb_rtable(skb) && skb_rtable(skb)->rt_type != RTN_LOCAL)
		return;

	if (th->ack) {
		seq = ntohl(th->ack_seq);
		flags = XTCP_RST;
	} else {
		ack = ntohl(th->seq) + th->syn + th->fin +
		      skb->len - th->doff * 4;
		flags = XTCP_RST | XTCP_ACK;
	}

	rt = xtcp_reply_route(net, &fl4, iph->daddr, iph->saddr, th->dest,
			      th->source, 0, 0);
	if (IS_ERR(rt))
		return;
	rskb = xtcp_alloc_skb(0, GFP_ATOMIC);
	if (!rskb) {
		ip_rt_put(rt);
		return;
	}
	xtcp_push_header(rskb, th->dest, th->source, seq, ack, flags, 0, 0,
			 -1);
	XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
	trace_xtcp_send_reset(iph->daddr, iph->saddr, th->dest, th->source,
			      seq, ack, TCP_CLOSE, reason);
	xtcp_ip_send(net, rskb, &fl4, rt, 0);
}
