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

#include "xtcp.h"
#include "xtcp_mib.h"

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
	xtcp_csum(skb, inet->inet_saddr, inet->inet_daddr);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTSEGS);
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

static u16 xtcp_rcv_window(const struct xtcp_sock *xp)
{
	return XTCP_RCV_WND >> xp->rcv_wscale;
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
			 XTCP_SYN, XTCP_RCV_WND,
			 xtcp_dst_mss(__sk_dst_get(sk)), XTCP_RCV_WSCALE);
	return xtcp_transmit(sk, skb);
}

/**
 * xtcp_send_ack() - send a pure ACK for rcv_nxt
 * @sk: connected socket
 *
 * Return: 0 or an error (nothing to undo).
 */
int xtcp_send_ack(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;

	skb = xtcp_alloc_skb(0, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, xp->snd_nxt,
			 xp->rcv_nxt, XTCP_ACK, xtcp_rcv_window(xp), 0, -1);
	return xtcp_transmit(sk, skb);
}

/**
 * xtcp_send_data() - send a data segment, or a bare FIN
 * @sk: established socket; the owner's lock held
 * @skb: payload from xtcp_data_alloc() (consumed), or NULL with @fin
 * @fin: set FIN (consumes one sequence number)
 *
 * Return: 0 or an error.
 */
int xtcp_send_data(struct sock *sk, struct sk_buff *skb, bool fin)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 seq = xp->snd_nxt;
	u8 flags = XTCP_ACK;

	if (!skb) {
		skb = xtcp_alloc_skb(0, sk->sk_allocation);
		if (!skb)
			return -ENOBUFS;
	}
	if (skb->len)
		flags |= XTCP_PSH;
	if (fin)
		flags |= XTCP_FIN;
	xp->snd_nxt += skb->len + fin;
	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, seq,
			 xp->rcv_nxt, flags, xtcp_rcv_window(xp), 0, -1);
	return xtcp_transmit(sk, skb);
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
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;

	skb = xtcp_alloc_skb(0, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport,
			 xp->snd_una - 1, xp->rcv_nxt, XTCP_ACK,
			 xtcp_rcv_window(xp), 0, -1);
	return xtcp_transmit(sk, skb);
}

/**
 * xtcp_data_outstanding() - is data or a FIN sent and not yet acknowledged
 * @sk: connected socket
 *
 * Keepalive stays quiet while the retransmit timer watches the peer.
 *
 * Return: true if something is in flight.
 */
bool xtcp_data_outstanding(const struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);

	return READ_ONCE(xp->snd_una) != READ_ONCE(xp->snd_nxt);
}

/**
 * xtcp_data_alloc() - allocate an skb for up to @size payload bytes
 * @sk: sender
 * @size: payload size
 *
 * Return: an skb with header room reserved, or NULL.
 */
struct sk_buff *xtcp_data_alloc(struct sock *sk, unsigned int size)
{
	return xtcp_alloc_skb(size, sk->sk_allocation);
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
	} else {
		xtcp_push_header(skb, htons(req->xreq_num), req->xreq_dport,
				 req->iss, req->irs + 1, XTCP_SYN | XTCP_ACK,
				 XTCP_RCV_WND, xtcp_dst_mss(&rt->dst),
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
 *
 * Never answers an RST. With ACK set: RST at the acknowledged sequence;
 * otherwise RST|ACK acknowledging everything the segment occupied.
 */
void xtcp_send_reset(struct net *net, struct sk_buff *skb)
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
	xtcp_ip_send(net, rskb, &fl4, rt, 0);
}
