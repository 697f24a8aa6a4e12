// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP receive path: header and checksum validation, demultiplexing to a
 * request, a full socket or a listener, RSTs for segments nobody owns, and
 * the established state (Linux: tcp_v4_rcv, tcp_v4_do_rcv,
 * tcp_rcv_state_process's LISTEN part, tcp_add_backlog, tcp_parse_options).
 * Synchronized states continue in xtcp_recv.c.
 */
#include <linux/filter.h>
#include <linux/skbuff.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/xfrm.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

/**
 * xtcp_parse_options() - read MSS and window scale from a SYN
 * @th: header, with doff already validated against the pulled length
 * @opts: result
 *
 * EOL ends the list, NOP is skipped, unknown options are skipped by their
 * length; a malformed length ends parsing (what is read so far stands).
 */
void xtcp_parse_options(const struct tcphdr *th, struct xtcp_opts *opts)
{
	const u8 *ptr = (const u8 *)(th + 1);
	int len = th->doff * 4 - sizeof(*th);

	memset(opts, 0, sizeof(*opts));
	while (len > 0) {
		u8 kind = *ptr++;
		u8 size;

		len--;
		if (kind == XTCP_OPT_EOL)
			return;
		if (kind == XTCP_OPT_NOP)
			continue;
		if (len < 1)
			return;
		size = *ptr++;
		len--;
		if (size < 2 || size - 2 > len)
			return;
		if (kind == XTCP_OPT_MSS && size == XTCP_OPTLEN_MSS) {
			u16 mss = get_unaligned_be16(ptr);

			if (mss >= XTCP_MIN_MSS)
				opts->mss = mss;
		} else if (kind == XTCP_OPT_WINDOW && size == XTCP_OPTLEN_WINDOW) {
			opts->wscale = min_t(u8, *ptr, XTCP_MAX_WSCALE);
			opts->wscale_ok = 1;
		}
		ptr += size - 2;
		len -= size - 2;
	}
}

/**
 * xtcp_do_rcv() - process a segment for a full socket (tcp_v4_do_rcv())
 * @sk: socket; bh_lock_sock() held and not owned by the user, or called
 *	from release_sock()'s backlog processing
 * @skb: validated segment; consumed
 *
 * Return: 0.
 */
int xtcp_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	sock_owned_by_me(sk);
	xtcp_sk(sk)->info.segs_in++;
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		xtcp_synsent_rcv(sk, skb);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		xtcp_rcv_established(sk, skb);
		break;
	default:
		/* Closed meanwhile (e.g. while queued on the backlog). */
		consume_skb(skb);
		break;
	}
	return 0;
}

/*
 * LISTEN: RST ignored, an ACK is a SYN cookie or answered by RST
 * (tcp_v4_cookie_check(), then tcp_rcv_state_process()), SYN starts a
 * request. Return: true to look the segment up again (a cookie child
 * appeared meanwhile).
 */
static bool xtcp_listen_rcv(struct sock *lst, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (th->rst)
		goto drop;
	if (th->ack) {
		if (!th->syn) {
			int ret = xtcp_cookie_check(lst, skb);

			if (ret == XTCP_COOKIE_AGAIN)
				return true;
			if (ret == XTCP_COOKIE_DONE)
				return false;
		}
		xtcp_send_reset(sock_net(lst), skb, XTCP_RST_TCP_FLAGS);
		goto drop;
	}
	if (!th->syn || th->fin)
		goto drop;
	xtcp_conn_request(lst, skb);
	return false;
drop:
	consume_skb(skb);
	return false;
}

/*
 * The checks tcp_v4_rcv() makes for a socket before it sees a segment:
 * the IPsec input policy (XTCP's net_protocol has no_policy set, as
 * TCP's, so the IP layer leaves it to the protocol) and the socket filter
 * (SO_ATTACH_FILTER, cgroup ingress BPF and the LSM's per-packet hook,
 * all behind sk_filter_trim_cap(); it may trim the payload, never the
 * header). A refused segment is dropped and counted in sk_drops; false
 * means it is gone.
 */
static bool xtcp_rcv_allowed(struct sock *sk, struct sk_buff *skb)
{
	enum skb_drop_reason reason;

	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb))
		reason = SKB_DROP_REASON_XFRM_POLICY;
	else if (sk_filter_trim_cap(sk, skb, tcp_hdr(skb)->doff * 4))
		reason = SKB_DROP_REASON_SOCKET_FILTER;
	else
		return true;
	sk_drops_skbadd(sk, skb);
	sk_skb_reason_drop(sk, skb, reason);
	return false;
}

/**
 * xtcp_rcv() - IP protocol handler for XTCP (tcp_v4_rcv())
 * @skb: packet with skb->data at the XTCP header; consumed
 *
 * Softirq, under rcu_read_lock(). Nothing is looked up before the header
 * (doff >= 5, doff * 4 <= length) and the checksum over the pseudo-header
 * with XTCP's protocol number are validated; failures are counted
 * (InErrs, InCsumErrors) and dropped.
 *
 * Return: 0 (never resubmitted).
 */
int xtcp_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;
	const struct iphdr *iph;
	bool retried = false;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	XTCP_INC_STATS(net, XTCP_MIB_INSEGS);

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		goto bad_packet;
	th = (const struct tcphdr *)skb->data;
	if (th->doff < sizeof(struct tcphdr) / 4)
		goto bad_packet;
	if (!pskb_may_pull(skb, th->doff * 4))
		goto bad_packet;
	if (skb_checksum_validate(skb, xtcp_ip_proto, inet_compute_pseudo))
		goto csum_error;

	/* pskb_may_pull() may have moved the header. */
	th = tcp_hdr(skb);
	iph = ip_hdr(skb);
	nf_reset_ct(skb);
	BUILD_BUG_ON(sizeof(struct xtcp_rcv_cb) > sizeof(skb->cb));
	XTCP_RCV_CB(skb)->tw_isn = 0;

lookup:
	sk = xtcp_ehash_lookup(net, iph->saddr, th->source, iph->daddr,
			       ntohs(th->dest), inet_iif(skb), inet_sdif(skb));
	if (sk) {
		if (sk->sk_state == TCP_NEW_SYN_RECV) {
			struct xtcp_request_sock *req = (void *)sk;
			bool stolen;

			/* The listener's policy and filter (tcp_v4_rcv()). */
			if (!xtcp_rcv_allowed(req->listener, skb)) {
				xtcp_reqsk_put(req);
				return 0;
			}
			stolen = xtcp_reqsk_rcv(req, skb);

			xtcp_reqsk_put(req);
			if (stolen) {
				/* The child replaced it: find the child. */
				if (!retried) {
					retried = true;
					goto lookup;
				}
				goto discard;
			}
			return 0;
		}
		if (sk->sk_state == TCP_TIME_WAIT) {
			struct xtcp_tw_sock *tw = (void *)sk;
			bool again;

			if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb)) {
				xtcp_tw_put(tw);
				goto discard;
			}
			again = xtcp_tw_rcv(tw, skb);

			xtcp_tw_put(tw);
			if (again && !retried) {
				retried = true;
				goto lookup;
			}
			consume_skb(skb);
			return 0;
		}

		if (!xtcp_rcv_allowed(sk, skb)) {
			sock_put(sk);
			return 0;
		}
		bh_lock_sock(sk);
		if (!sock_owned_by_user(sk)) {
			xtcp_do_rcv(sk, skb);
		} else {
			/*
			 * tcp_add_backlog()'s limit: both buffers and 64 KB,
			 * so a reader holding the lock does not make the
			 * peer's full window bounce off the backlog. A drop
			 * is counted where TCP counts it, in TCPBacklogDrop
			 * and not InErrs: the segment was well formed.
			 */
			u64 limit = (u64)READ_ONCE(sk->sk_rcvbuf) +
				    READ_ONCE(sk->sk_sndbuf) + 65536;

			skb_dst_force(skb);
			/* u64, capped: buffers near INT_MAX do not wrap. */
			if (sk_add_backlog(sk, skb, min_t(u64, limit, UINT_MAX))) {
				bh_unlock_sock(sk);
				sock_put(sk);
				XTCP_INC_STATS(net, XTCP_MIB_BACKLOGDROP);
				goto discard;
			}
		}
		bh_unlock_sock(sk);
		sock_put(sk);
		return 0;
	}

	sk = xtcp_listener_lookup(net, skb, iph->saddr, th->source,
				  iph->daddr, ntohs(th->dest),
				  inet_iif(skb), inet_sdif(skb));
	if (sk) {
		bool again = false;

		if (xtcp_rcv_allowed(sk, skb))
			again = xtcp_listen_rcv(sk, skb);
		sock_put(sk);
		if (again) {
			if (!retried) {
				retried = true;
				goto lookup;
			}
			goto discard;
		}
		return 0;
	}

	/* Nobody: answer with an RST unless it is one (or policy forbids). */
	if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb))
		goto discard;
	XTCP_INC_STATS(net, XTCP_MIB_NOPORT);
	xtcp_send_reset(net, skb, XTCP_RST_NO_SOCKET);
	consume_skb(skb);
	return 0;

csum_error:
	XTCP_INC_STATS(net, XTCP_MIB_INCSUMERRORS);
bad_packet:
	XTCP_INC_STATS(net, XTCP_MIB_INERRS);
discard:
	sk_skb_reason_drop(NULL, skb, SKB_DROP_REASON_NOT_SPECIFIED);
	return 0;
}
