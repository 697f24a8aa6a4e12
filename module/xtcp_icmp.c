// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP ICMP errors: path MTU discovery and soft/hard errors for the
 * connection an ICMP error quotes (Linux: tcp_v4_err, tcp_req_err,
 * tcp_v4_mtu_reduced, inet_csk_update_pmtu, tcp_simple_retransmit).
 */
#include <linux/icmp.h>
#include <net/icmp.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "xtcp_mib.h"

/**
 * xtcp_sk_route() - give a connected socket a valid route
 * @sk: full socket with its addresses and ports set; socket lock or
 *	bh_lock_sock() held
 *
 * inet_sk_rebuild_header() without its ip_dynaddr source reselection,
 * which only a SYN_SENT socket without a bound address can use:
 * inet_sk_rebuild_header() is not exported to modules from 7.x on. The
 * route's MTU, device features and PMTU come with sk_setup_caps().
 *
 * Return: 0 or the routing error (also in sk_err_soft).
 */
int xtcp_sk_route(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct ip_options_rcu *inet_opt;
	struct rtable *rt;
	__be32 daddr;

	sock_owned_by_me(sk);
	if (__sk_dst_check(sk, 0))
		return 0;
	rcu_read_lock();
	inet_opt = rcu_dereference(inet->inet_opt);
	daddr = inet->inet_daddr;
	if (inet_opt && inet_opt->opt.srr)
		daddr = inet_opt->opt.faddr;
	rcu_read_unlock();
	rt = ip_route_output_ports(sock_net(sk), &inet->cork.fl.u.ip4, sk,
				   daddr, inet->inet_saddr, inet->inet_dport,
				   inet->inet_sport, sk->sk_protocol,
				   ip_sock_rt_tos(sk), sk->sk_bound_dev_if);
	if (IS_ERR(rt)) {
		sk->sk_route_caps = 0;
		WRITE_ONCE(sk->sk_err_soft, -PTR_ERR(rt));
		return PTR_ERR(rt);
	}
	sk_setup_caps(sk, &rt->dst);
	return 0;
}

/*
 * A route for the socket's flow, the old one checked or rebuilt
 * (inet_csk_update_pmtu() and inet_csk_rebuild_route(), which are TCP's
 * own).
 */
static struct dst_entry *xtcp_route_check(struct sock *sk)
{
	struct dst_entry *dst = __sk_dst_check(sk, 0);

	if (dst)
		return dst;
	if (xtcp_sk_route(sk))
		return NULL;
	return __sk_dst_get(sk);
}

/**
 * xtcp_mtu_reduced() - a "fragmentation needed" came (tcp_v4_mtu_reduced())
 * @sk: full socket; bh_lock_sock() held and not owned, or release_cb
 *
 * The route learns the new path MTU; if the MSS in use no longer fits, it
 * shrinks and everything in flight is sent again at the new size (the old
 * segments were dropped by the router), without touching cwnd, as TCP's
 * tcp_simple_retransmit(). IP_PMTUDISC_DONT, _INTERFACE and _OMIT keep
 * the MSS (ip_sk_accept_pmtu()).
 */
void xtcp_mtu_reduced(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct dst_entry *dst;
	u32 mtu, old_mss;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	mtu = READ_ONCE(xp->mtu_info);
	dst = xtcp_route_check(sk);
	if (!dst)
		return;
	dst->ops->update_pmtu(dst, sk, NULL, mtu, true);
	dst = xtcp_route_check(sk);
	if (!dst)
		return;
	/* The connection may not recover: remember why (tcp_v4_mtu_reduced). */
	if (mtu < dst_mtu(dst) && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);

	if (inet->pmtudisc == IP_PMTUDISC_DONT || !ip_sk_accept_pmtu(sk))
		return;
	old_mss = xp->mss;
	if (!old_mss || xtcp_current_mss(sk) >= old_mss)
		return;
	if (sk->sk_state == TCP_SYN_SENT)
		return;	/* the SYN is small; the SYN timer resends it */
	xtcp_simple_retransmit(sk);
}

/*
 * An ICMP error quoting a request's SYN-ACK (tcp_req_err()): the sequence
 * must be the SYN-ACK's; unreachable or expired drops the request, as
 * TCP's does, instead of retransmitting into the void.
 */
static void xtcp_req_err(struct xtcp_request_sock *req, u32 seq, bool abort)
{
	struct net *net = read_pnet(&req->common.skc_net);

	if (seq != req->iss) {
		XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOWICMPS);
	} else if (abort && xtcp_reqsk_unlink(req)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
		xtcp_tl_req_drop(req, XTCP_TL_DROP_DESTROYED);
		xtcp_reqsk_finish(req, false, true);
	}
	xtcp_reqsk_put(req);
}

/**
 * xtcp_err() - net_protocol.err_handler (tcp_v4_err())
 * @skb: the ICMP message, skb->data at the quoted IPv4 header; the quoted
 *	header and 8 bytes after it (ports and sequence) are pulled
 * @info: the next-hop MTU for "fragmentation needed", else 0 or the
 *	parameter problem pointer
 *
 * RFC 5927: the quoted sequence must lie in [snd_una, snd_nxt], so a blind
 * attacker cannot shrink the MSS or abort a connection with a forged ICMP.
 * In SYN_SENT an unreachable is a hard error (connect() fails with it);
 * later it is a soft error reported by SO_ERROR and as the reason of a
 * timeout, or at once with IP_RECVERR.
 *
 * Return: 0, or -ENOENT when no socket matches (counted as ICMP InErrors).
 */
int xtcp_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;
	struct xtcp_sock *xp;
	struct sock *sk;
	u32 seq;
	int err;

	th = (const struct tcphdr *)(skb->data + (iph->ihl << 2));
	sk = xtcp_ehash_lookup(net, iph->daddr, th->dest, iph->saddr,
			       ntohs(th->source), inet_iif(skb), 0);
	if (!sk) {
		__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
		return -ENOENT;
	}
	if (sk->sk_state == TCP_TIME_WAIT) {
		xtcp_tw_put((struct xtcp_tw_sock *)sk);
		return 0;
	}
	seq = ntohl(th->seq);
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		xtcp_req_err((struct xtcp_request_sock *)sk, seq,
			     type == ICMP_PARAMETERPROB ||
			     type == ICMP_TIME_EXCEEDED ||
			     (type == ICMP_DEST_UNREACH &&
			      (code == ICMP_NET_UNREACH ||
			       code == ICMP_HOST_UNREACH)));
		return 0;
	}

	bh_lock_sock(sk);
	/* Only a PMTU change can wait for the owner (tcp_v4_err()). */
	if (sock_owned_by_user(sk) &&
	    !(type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED))
		XTCP_INC_STATS(net, XTCP_MIB_LOCKDROPPEDICMPS);
	if (sk->sk_state == TCP_CLOSE)
		goto out;

	xp = xtcp_sk(sk);
	if (xtcp_before(seq, READ_ONCE(xp->snd_una)) ||
	    xtcp_after(seq, READ_ONCE(xp->snd_nxt))) {
		XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOWICMPS);
		goto out;
	}

	switch (type) {
	case ICMP_REDIRECT:
		/* The route follows the redirect (do_redirect()). */
		if (!sock_owned_by_user(sk)) {
			struct dst_entry *dst = __sk_dst_check(sk, 0);

			if (dst)
				dst->ops->redirect(dst, sk, skb);
		}
		goto out;
	case ICMP_SOURCE_QUENCH:
		/* RFC 6633: ignored. */
		goto out;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			goto out;
		if (code == ICMP_FRAG_NEEDED) {
			WRITE_ONCE(xp->mtu_info, info);
			if (!sock_owned_by_user(sk))
				xtcp_mtu_reduced(sk);
			else if (!test_and_set_bit(XTCP_MTU_REDUCED_DEFERRED,
						   &xp->deferred))
				sock_hold(sk);
			goto out;
		}
		err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		goto out;
	}

	if (sk->sk_state == TCP_SYN_SENT) {
		xtcp_ip_icmp_error(sk, skb, err, th->dest, info, (u8 *)th);
		if (!sock_owned_by_user(sk)) {
			WRITE_ONCE(sk->sk_err, err);
			/* Paired with the smp_rmb() in xtcp_poll(). */
			smp_wmb();
			sk_error_report(sk);
			xtcp_done(sk);
		} else {
			WRITE_ONCE(sk->sk_err_soft, err);
		}
		goto out;
	}

	/*
	 * Connected: keep trying until the timeout or the user gives up
	 * (RFC 1122 4.2.3.9); the error is reported at once only to those
	 * who asked for it with IP_RECVERR.
	 */
	if (!sock_owned_by_user(sk) && xtcp_sk_recverr(sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
