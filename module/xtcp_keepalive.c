// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP keepalive on sk->sk_timer: idle detection, probes, ETIMEDOUT when
 * the peer is gone (Linux: tcp_keepalive_timer, tcp_set_keepalive,
 * keepalive_time_when). The pending timer holds a socket reference
 * (sk_reset_timer()/sk_stop_timer()).
 */
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"

static void xtcp_keepalive_timer(struct timer_list *t)
{
	struct sock *sk = timer_container_of(sk, t, sk_timer);

	/* Interface scaffolding: probing comes with the keepalive work. */
	sock_put(sk);
}

/**
 * xtcp_keepalive_init() - set up the keepalive timer of a new socket/clone
 * @sk: socket
 */
void xtcp_keepalive_init(struct sock *sk)
{
	timer_setup(&sk->sk_timer, xtcp_keepalive_timer, 0);
}

/**
 * xtcp_keepalive_reset() - (re)arm keepalive for an idle period
 * @sk: connected socket; bh_lock_sock() or the owner's lock held
 */
void xtcp_keepalive_reset(struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	u32 when = xp->keepalive_time ? :
		   READ_ONCE(xtcp_pernet(sock_net(sk))->keepalive_time) * HZ;

	sk_reset_timer(sk, &sk->sk_timer, jiffies + when);
}

/**
 * xtcp_keepalive_stop() - stop the keepalive timer (not synchronously)
 * @sk: socket; the caller holds a reference besides the timer's
 */
void xtcp_keepalive_stop(struct sock *sk)
{
	sk_stop_timer(sk, &sk->sk_timer);
}

/**
 * xtcp_set_keepalive() - proto.keepalive: SO_KEEPALIVE changed
 * @sk: socket; the owner's lock held
 * @val: new value
 */
void xtcp_set_keepalive(struct sock *sk, int val)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val)
		xtcp_keepalive_reset(sk);
	else
		xtcp_keepalive_stop(sk);
}
