// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP timers of full sockets: the SYN retransmit timer and its reference
 * rule (Linux: sk_reset_timer/sk_stop_timer, tcp_retransmit_timer's
 * SYN_SENT part, tcp_write_timeout). The request sock timer lives with
 * request socks in xtcp_reqsk.c.
 *
 * A pending rtx_timer holds one socket reference: taken when arming a timer
 * that was not pending, dropped by the handler at its end or by whoever
 * deletes it while pending.
 */
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"

static void xtcp_rtx_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xp = timer_container_of(xp, t, rtx_timer);
	struct sock *sk = &xp->inet.sk;
	struct net *net = sock_net(sk);

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		/* Try again shortly rather than race the owner. */
		xtcp_rtx_timer_arm(sk, max_t(unsigned long, HZ / 20, 1));
		goto out;
	}
	if (sk->sk_state != TCP_SYN_SENT)
		goto out;

	if (xp->syn_retries >= READ_ONCE(xtcp_pernet(net)->syn_retries)) {
		/* tcp_write_err(): report, then close. */
		WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
		sk_error_report(sk);
		xtcp_done(sk);
		goto out;
	}
	xp->syn_retries++;
	XTCP_INC_STATS(net, XTCP_MIB_SYNRETRANS);
	xtcp_send_syn(sk);
	xp->rto = xtcp_rto_next(net, xp->rto);
	xtcp_rtx_timer_arm(sk, xp->rto);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * xtcp_rtx_timer_init() - set up a socket's SYN retransmit timer
 * @sk: new socket or fresh clone
 */
void xtcp_rtx_timer_init(struct sock *sk)
{
	timer_setup(&xtcp_sk(sk)->rtx_timer, xtcp_rtx_timer_fn, 0);
}

/**
 * xtcp_rtx_timer_arm() - (re)arm the SYN retransmit timer
 * @sk: socket; bh_lock_sock() or the owner's lock held
 * @when: delay in jiffies
 */
void xtcp_rtx_timer_arm(struct sock *sk, unsigned long when)
{
	if (!mod_timer(&xtcp_sk(sk)->rtx_timer, jiffies + when))
		sock_hold(sk);
}

/**
 * xtcp_rtx_timer_stop() - stop the SYN retransmit timer
 * @sk: socket; the caller holds a reference besides the timer's
 * @sync: wait for a running handler (only without bh_lock_sock(), which
 *	the handler takes)
 */
void xtcp_rtx_timer_stop(struct sock *sk, bool sync)
{
	struct timer_list *t = &xtcp_sk(sk)->rtx_timer;

	if (sync ? timer_delete_sync(t) : timer_delete(t))
		__sock_put(sk);
}
