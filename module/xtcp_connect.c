// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP active open: connect(), waiting for it, and the SYN_SENT state
 * (Linux: __inet_stream_connect, inet_wait_for_connect, tcp_v4_connect,
 * tcp_connect, tcp_rcv_synsent_state_process, tcp_reset).
 */
#include <linux/sched/signal.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

/**
 * xtcp_reset() - the peer reset the connection (tcp_reset())
 * @sk: full socket; bh_lock_sock() or the owner's lock held
 */
void xtcp_reset(struct sock *sk)
{
	int err;

	sock_owned_by_me(sk);
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		err = ECONNRESET;
	}
	if (sk->sk_state == TCP_ESTABLISHED || sk->sk_state == TCP_CLOSE_WAIT)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ESTABRESETS);
	trace_xtcp_receive_reset(sk);
	WRITE_ONCE(sk->sk_err, err);
	/* Paired with the smp_rmb() in xtcp_poll(). */
	smp_wmb();
	xtcp_done(sk);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
}

static int xtcp_v4_connect(struct sock *sk, struct xtcp_uaddr *uaddr,
			   int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	__be16 orig_sport, orig_dport;
	struct net *net = sock_net(sk);
	struct flowi4 *fl4;
	struct rtable *rt;
	__be32 daddr;
	int err;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	if (usin->sin_family != AF_XTCP && usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;

	daddr = usin->sin_addr.s_addr;
	orig_sport = inet->inet_sport;
	orig_dport = usin->sin_port;
	fl4 = &inet->cork.fl.u.ip4;
	rt = ip_route_connect(fl4, daddr, inet->inet_saddr,
			      sk->sk_bound_dev_if, sk->sk_protocol,
			      orig_sport, orig_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		if (err == -ENETUNREACH)
			IP_INC_STATS(net, IPSTATS_MIB_OUTNOROUTES);
		return err;
	}
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	daddr = fl4->daddr;

	if (!inet->inet_saddr) {
		err = xtcp_bind2_update_saddr(sk, fl4->saddr);
		if (err) {
			ip_rt_put(rt);
			return err;
		}
	} else {
		inet->inet_rcv_saddr = inet->inet_saddr;
	}
	inet->inet_dport = usin->sin_port;
	inet->inet_daddr = daddr;

	xtcp_set_state(sk, TCP_SYN_SENT);
	err = xtcp_connect_port(sk);
	if (err)
		goto failure;

	rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure;
	}
	sk_setup_caps(sk, &rt->dst);
	rt = NULL;

	xp->iss = xtcp_isn(inet->inet_saddr, inet->inet_daddr,
			   inet->inet_sport, inet->inet_dport);
	xtcp_set_inet_id(inet, get_random_u16());
	xp->snd_una = xp->iss;
	xp->snd_nxt = xp->iss + 1;
	xp->write_seq = xp->iss + 1;
	xp->rcv_nxt = 0;
	xp->rcv_queued = 0;
	xp->syn_retries = 0;
	xp->rcv_wscale = XTCP_RCV_WSCALE;
	xp->rto = xtcp_rto_init(net);

	xp->retrans_stamp = tcp_jiffies32;	/* the SYN's RTT sample */
	xtcp_tl_connect(sk);
	err = xtcp_send_syn(sk);
	if (err == -ENOBUFS)
		goto failure;
	xtcp_tl_add(&xp->tl, XTCP_TL_SYN_SENT, 0);
	XTCP_INC_STATS(net, XTCP_MIB_ACTIVEOPENS);
	xtcp_rtx_timer_arm(sk, xp->rto);
	return 0;

failure:
	/* Undo everything: table, port, source address (syzbot's lesson). */
	xtcp_set_state(sk, TCP_CLOSE);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		xtcp_bind2_update_saddr(sk, 0);
	if (rt)
		ip_rt_put(rt);
	sk->sk_route_caps = 0;
	inet->inet_dport = 0;
	return err;
}

/* inet_wait_for_connect(): owner lock held, dropped while sleeping. */
static long xtcp_wait_for_connect(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	sk->sk_write_pending++;
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
		if (signal_pending(current) || !timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	sk->sk_write_pending--;
	return timeo;
}

static int __xtcp_stream_connect(struct socket *sock, struct xtcp_uaddr *uaddr,
				 int addr_len, int flags)
{
	struct sockaddr *sa = (struct sockaddr *)uaddr;
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	sock_owned_by_me(sk);
	if (addr_len < sizeof(sa->sa_family))
		return -EINVAL;
	if (sa->sa_family == AF_UNSPEC) {
		err = xtcp_disconnect(sk, flags);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		return err;
	}

	switch (sock->state) {
	default:
		return -EINVAL;
	case SS_CONNECTED:
		return -EISCONN;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		if (sk->sk_state != TCP_CLOSE)
			return -EISCONN;
		err = xtcp_v4_connect(sk, uaddr, addr_len);
		if (err < 0)
			return err;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* err is -EINPROGRESS or -EALREADY here. */
		if (!timeo || !xtcp_wait_for_connect(sk, timeo))
			return err;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			return err;
	}

	/* Closed by an RST, the SYN timer, or a disconnect meanwhile. */
	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk) ? : -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		if (xtcp_disconnect(sk, flags))
			sock->state = SS_DISCONNECTING;
		return err;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

/**
 * xtcp_stream_connect() - proto_ops.connect (inet_stream_connect())
 * @sock: socket
 * @uaddr: struct sockaddr_in (AF_XTCP or AF_INET), or AF_UNSPEC to
 *	disconnect
 * @addr_len: length of @uaddr
 * @flags: file flags (O_NONBLOCK)
 *
 * Return: 0, -EINPROGRESS, -EALREADY, -EISCONN, -ECONNREFUSED,
 * -ETIMEDOUT, -EADDRNOTAVAIL, -ENETUNREACH, ... exactly as TCP.
 */
int xtcp_stream_connect(struct socket *sock, struct xtcp_uaddr *uaddr,
			int addr_len, int flags)
{
	int err;

	lock_sock(sock->sk);
	err = __xtcp_stream_connect(sock, uaddr, addr_len, flags);
	release_sock(sock->sk);
	return err;
}

/**
 * xtcp_synsent_rcv() - a segment for a socket in SYN_SENT
 * @sk: socket; bh_lock_sock() or the owner's lock held
 * @skb: validated segment; consumed
 *
 * An acceptable SYN-ACK establishes the connection and is ACKed; an
 * acceptable RST refuses it; an unacceptable ACK gets an RST. Simultaneous
 * open (a bare SYN) is not supported and is dropped.
 */
void xtcp_synsent_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_opts opts;
	u32 syn_stamp;

	sock_owned_by_me(sk);
	if (!th->ack)
		goto drop;	/* RST without ACK, bare SYN: ignored */
	if (ntohl(th->ack_seq) != xp->iss + 1) {
		/*
		 * Maybe the peer still had an old connection and answered
		 * our SYN with its FIN/ACK or RST/ACK: our RST clears it, so
		 * resend the SYN almost at once rather than after the RTO
		 * (tcp_rcv_synsent_state_process(): TCP_TIMEOUT_MIN, only
		 * before any retransmission).
		 */
		if (!xp->syn_retries)
			xtcp_rtx_timer_arm(sk, XTCP_TIMEOUT_MIN);
		if (!th->rst)
			xtcp_send_reset(sock_net(sk), skb,
					XTCP_RST_INVALID_ACK_SEQUENCE);
		goto drop;
	}
	if (th->rst) {
		xtcp_tl_add(&xp->tl, XTCP_TL_RST_IN, 0);
		xtcp_reset(sk);
		goto drop;
	}
	if (!th->syn || th->fin)
		goto drop;
	xtcp_tl_add(&xp->tl, XTCP_TL_SYNACK_IN, 0);

	xtcp_parse_options(th, &opts);
	xp->irs = ntohl(th->seq);
	xp->rcv_nxt = xp->irs + 1;
	xp->snd_una = xp->iss + 1;
	xp->peer_mss = opts.mss ? : XTCP_DEFAULT_MSS;
	xp->snd_wscale = opts.wscale_ok ? opts.wscale : 0;
	if (!opts.wscale_ok)
		xp->rcv_wscale = 0;
	xp->snd_wnd = ntohs(th->window);	/* never scaled in a SYN */
	xp->snd_wl1 = xp->irs;

	xtcp_rtx_timer_stop(sk, false);
	syn_stamp = xp->retrans_stamp;
	xtcp_init_transfer(sk);
	/* Karn: only a SYN sent once times the round trip. */
	if (!xp->syn_retries)
		xtcp_rtt_sample(sk, (s32)(tcp_jiffies32 - syn_stamp));
	xtcp_set_state(sk, TCP_ESTABLISHED);
	xtcp_send_ack(sk);
	xtcp_tl_add(&xp->tl, XTCP_TL_ESTABLISHED, 0);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
drop:
	consume_skb(skb);
}
