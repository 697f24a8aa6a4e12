// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP timers of full sockets: the retransmit timer (SYN, data and FIN
 * RTOs, zero-window probes, retries of failed transmissions), the delayed
 * ACK timer, and the work they defer to release_sock() when the user owns
 * the socket (Linux: tcp_timer.c's tcp_retransmit_timer, tcp_probe_timer,
 * tcp_write_timeout, tcp_delack_timer; tcp_release_cb). The request sock
 * timer lives with request socks in xtcp_reqsk.c, keepalive on sk_timer in
 * xtcp_keepalive.c.
 *
 * A pending timer holds one socket reference: taken when arming a timer
 * that was not pending, dropped by the handler at its end or by whoever
 * deletes it while pending. A handler that finds the socket owned by the
 * user sets a bit in xp->deferred, taking a reference for it, and
 * xtcp_release_cb() does the work and drops it.
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

/**
 * xtcp_write_timeout_abort() - give up on the peer (tcp_write_err())
 * @sk: connected socket; its lock held
 *
 * ETIMEDOUT (or the last soft error) goes to the application; nothing is
 * sent to the peer, as TCP does.
 */
void xtcp_write_timeout_abort(struct sock *sk)
{
	WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
	/* Paired with the smp_rmb() in xtcp_poll(). */
	smp_wmb();
	sk_error_report(sk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONTIMEOUT);
	xtcp_done(sk);
}

static void xtcp_syn_timeout(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	/* TCP_SYNCNT first, then the sysctl (tcp_write_timeout()). */
	if (xp->syn_retries >= (READ_ONCE(xp->syncnt) ? :
				READ_ONCE(xtcp_pernet(net)->syn_retries))) {
		/* tcp_write_err(): report, then close. */
		WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
		sk_error_report(sk);
		xtcp_done(sk);
		return;
	}
	trace_xtcp_rto(sk, xp->rto, xp->syn_retries);
	xp->syn_retries++;
	xp->info.total_retrans++;
	xp->info.total_rto++;
	XTCP_INC_STATS(net, XTCP_MIB_SYNRETRANS);
	trace_xtcp_retransmit(sk, xp->iss, xp->iss + 1, xp->syn_retries);
	xtcp_send_syn(sk);
	xtcp_tl_add(&xp->tl, XTCP_TL_SYN_SENT, min_t(u8, xp->syn_retries, U8_MAX));
	xp->rto = xtcp_rto_next(net, xp->rto);
	xtcp_rtx_timer_arm(sk, xp->rto);
}

/* Is the backed-off RTO still below rto_max (tcp_write_timeout()'s alive)? */
static bool xtcp_rto_alive(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	return xtcp_sk(sk)->rto < msecs_to_jiffies(READ_ONCE(xn->rto_max_ms));
}

/*
 * How many expiries without progress before the connection is dropped:
 * retries2, or for an orphan tcp_orphan_retries(): orphan_retries, none
 * after a soft error once the RTO is at its cap, and 8 when the sysctl is
 * 0 and the RTO is not yet there.
 */
static int xtcp_retry_limit(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	if (sock_flag(sk, SOCK_DEAD)) {
		int retries = READ_ONCE(xn->orphan_retries);
		bool alive = xtcp_rto_alive(sk);

		if (READ_ONCE(sk->sk_err_soft) && !alive)
			retries = 0;
		if (!retries && alive)
			retries = XTCP_ORPHAN_RETRIES;
		return retries;
	}
	return READ_ONCE(xn->retries2);
}

static bool xtcp_user_timeout_expired(const struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);

	if (!xp->user_timeout || !xp->retrans_stamp)
		return false;
	return (s32)(tcp_jiffies32 - xp->retrans_stamp) >=
	       (s32)msecs_to_jiffies(xp->user_timeout);
}

/*
 * An orphan while XTCP runs short (tcp_out_of_resources()): more orphans
 * in its netns than net.xtcp.max_orphans (each counted twice when the
 * socket has sent nothing new for twice rto_max or @do_reset is false,
 * twice more after a soft ICMP error), or XTCP's memory over the hard
 * limit of net.xtcp.mem while the socket still queues more than
 * SOCK_MIN_SNDBUF. It is closed, with an RST if it sent recently or its
 * peer's window is shut, and counted in AbortOnMemory.
 *
 * Return: true if the socket was closed.
 */
static bool xtcp_out_of_resources(struct sock *sk, bool do_reset)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 max = msecs_to_jiffies(READ_ONCE(xn->rto_max_ms));
	s32 idle = tcp_jiffies32 - xp->lsndtime;
	int shift = 0;

	if (idle > (s32)(2 * max) || !do_reset)
		shift++;
	if (READ_ONCE(sk->sk_err_soft))
		shift++;
	if (((long)atomic_read(&xn->orphans) << shift) <=
	    READ_ONCE(xn->max_orphans) && !xtcp_mem_over_limit(sk))
		return false;
	if (idle <= (s32)(60 * HZ) ||
	    (!xp->snd_wnd && xp->snd_una == xp->snd_nxt))
		do_reset = true;
	if (do_reset)
		xtcp_send_active_reset(sk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONMEMORY);
	xtcp_done(sk);
	return true;
}

/*
 * Nothing in flight but something queued: either the peer's window is
 * closed (probe it, tcp_probe_timer()) or a transmission failed (try
 * again). Both back off and both give up after the retry limit without an
 * answer; any ACK from the peer resets probes_out. A peer that answers
 * every probe with a zero window keeps a socket forever, as RFC 1122
 * 4.2.2.17 wants, unless it is an orphan (given up once the backed-off RTO
 * reached rto_max and orphan_retries probes backed it off, or when XTCP
 * runs short) or has XTCP_USER_TIMEOUT (given up that long after the
 * first probe).
 */
static void xtcp_probe_timeout(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 wnd_end = xp->snd_una + xp->snd_wnd;
	u32 user_timeout = READ_ONCE(xp->user_timeout);

	if (!xp->probes_tstamp) {
		xp->probes_tstamp = tcp_jiffies32 ? : 1;
	} else if (user_timeout &&
		   (s32)(tcp_jiffies32 - xp->probes_tstamp) >=
		   (s32)msecs_to_jiffies(user_timeout)) {
		xtcp_write_timeout_abort(sk);
		return;
	}
	if (sock_flag(sk, SOCK_DEAD)) {
		if (!xtcp_rto_alive(sk) &&
		    xp->probe_backoff >= xtcp_retry_limit(sk)) {
			xtcp_write_timeout_abort(sk);
			return;
		}
		if (xtcp_out_of_resources(sk, true))
			return;
	}
	if (xp->probes_out >= xtcp_retry_limit(sk) ||
	    xtcp_user_timeout_expired(sk)) {
		xtcp_write_timeout_abort(sk);
		return;
	}
	if (xp->probe_backoff < U8_MAX)
		xp->probe_backoff++;
	if (!xtcp_after(wnd_end, xp->snd_nxt)) {
		XTCP_INC_STATS(net, XTCP_MIB_ZEROWINDOWPROBES);
		xtcp_send_probe(sk);
		xp->probes_out++;
		trace_xtcp_probe(sk, xp->rto, xp->probes_out);
	} else {
		xp->probes_out++;
		xtcp_write_xmit(sk, XTCP_PUSH_FORCE);
	}
	xp->rto = xtcp_rto_next(net, xp->rto);
	xtcp_rearm_rtx(sk);
}

/*
 * The peer shrank its window to zero under data in flight but still
 * answers: retransmissions are window probes and do not count toward the
 * limit (tcp_retransmit_timer()); an orphan gets no such grace.
 */
static bool xtcp_window_shrunk(const struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	u32 max = msecs_to_jiffies(READ_ONCE(xtcp_pernet(sock_net(sk))->rto_max_ms));

	return !xp->snd_wnd && !sock_flag(sk, SOCK_DEAD) &&
	       (s32)(tcp_jiffies32 - xp->rcv_tstamp) < (s32)max;
}

/* tcp_retransmit_timer() for data and FIN. */
static void xtcp_data_timeout(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	if (xp->snd_una == xp->snd_nxt) {
		if (xp->send_head)
			xtcp_probe_timeout(sk);
		return;
	}
	if (!xp->rprobe && xp->srtt) {
		/* The recovery probe (xtcp_rearm_rtx()): resend the head. */
		xp->rprobe = 1;
		xtcp_retransmit_head(sk);
		xtcp_rearm_rtx(sk);
		return;
	}
	if (sock_flag(sk, SOCK_DEAD)) {
		/* tcp_write_timeout(): an orphan first checks resources. */
		bool do_reset = xtcp_rto_alive(sk) ||
				xp->retransmits < xtcp_retry_limit(sk);

		if (xtcp_out_of_resources(sk, do_reset))
			return;
	}
	if (!xtcp_window_shrunk(sk)) {
		if (xp->retransmits >= xtcp_retry_limit(sk) ||
		    xtcp_user_timeout_expired(sk)) {
			xtcp_write_timeout_abort(sk);
			return;
		}
		xp->retransmits++;
	}
	XTCP_INC_STATS(net, XTCP_MIB_TIMEOUTS);
	trace_xtcp_rto(sk, xp->rto, xp->retransmits);
	xp->info.total_rto++;
	xtcp_cong_rto(sk);
	xp->rto = xtcp_rto_next(net, xp->rto);
	xtcp_write_xmit(sk, XTCP_PUSH_FORCE);
	xtcp_rearm_rtx(sk);
}

static void xtcp_rtx_work(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		xtcp_syn_timeout(sk);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		xtcp_data_timeout(sk);
		break;
	}
}

static void xtcp_delack_timer_fn(struct timer_list *t);

static void xtcp_rtx_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xp = timer_container_of(xp, t, rtx_timer);
	struct sock *sk = &xp->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		/* release_sock() runs it; the bit holds a reference. */
		if (!test_and_set_bit(XTCP_RTX_DEFERRED, &xp->deferred))
			sock_hold(sk);
	} else {
		xtcp_rtx_work(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * xtcp_rtx_timer_init() - set up a socket's retransmit and delayed ACK
 *	timers
 * @sk: new socket or fresh clone
 */
void xtcp_rtx_timer_init(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	timer_setup(&xp->rtx_timer, xtcp_rtx_timer_fn, 0);
	timer_setup(&xp->delack_timer, xtcp_delack_timer_fn, 0);
	xp->deferred = 0;
}

/**
 * xtcp_rtx_timer_arm() - (re)arm the retransmit timer
 * @sk: socket; bh_lock_sock() or the owner's lock held
 * @when: delay in jiffies
 */
void xtcp_rtx_timer_arm(struct sock *sk, unsigned long when)
{
	if (!mod_timer(&xtcp_sk(sk)->rtx_timer, jiffies + max(when, 1UL)))
		sock_hold(sk);
}

/**
 * xtcp_rtx_timer_stop() - stop the retransmit timer
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

static void xtcp_delack_work(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (!xp->ack_pending ||
	    (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT))
		return;
	/* The answer did not come in time: not an exchange after all. */
	xp->pingpong = 0;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DELAYEDACKS);
	xtcp_send_ack(sk);
}

static void xtcp_delack_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xp = timer_container_of(xp, t, delack_timer);
	struct sock *sk = &xp->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		if (!test_and_set_bit(XTCP_DELACK_DEFERRED, &xp->deferred))
			sock_hold(sk);
	} else {
		xtcp_delack_work(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * xtcp_delack_arm() - owe the peer an ACK within XTCP_DELACK_MIN
 * @sk: connected socket; its lock held
 *
 * An ACK sent meanwhile (with data, or because a second segment came)
 * clears the debt and stops the timer.
 */
void xtcp_delack_arm(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	xp->ack_pending = 1;
	if (timer_pending(&xp->delack_timer))
		return;
	if (!mod_timer(&xp->delack_timer, jiffies + XTCP_DELACK_MIN))
		sock_hold(sk);
}

/**
 * xtcp_delack_stop() - stop the delayed ACK timer
 * @sk: socket; the caller holds a reference besides the timer's
 * @sync: wait for a running handler (not under bh_lock_sock())
 */
void xtcp_delack_stop(struct sock *sk, bool sync)
{
	struct timer_list *t = &xtcp_sk(sk)->delack_timer;

	if (sync ? timer_delete_sync(t) : timer_delete(t))
		__sock_put(sk);
}

/**
 * xtcp_release_cb() - proto.release_cb: timer work deferred while owned
 * @sk: socket; called by release_sock() with the spinlock held and the
 *	socket still owned, so nothing else runs the data path meanwhile
 *
 * A timer re-armed since it deferred its work will run again by itself;
 * the deferred run is skipped then (TCP compares icsk_timeout alike).
 */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (!READ_ONCE(xp->deferred))
		return;
	if (test_and_clear_bit(XTCP_RTX_DEFERRED, &xp->deferred)) {
		if (!timer_pending(&xp->rtx_timer))
			xtcp_rtx_work(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DELACK_DEFERRED, &xp->deferred)) {
		if (!timer_pending(&xp->delack_timer))
			xtcp_delack_work(sk);
		__sock_put(sk);
	}
	/* tcp_release_cb()'s TCP_MTU_REDUCED_DEFERRED. */
	if (test_and_clear_bit(XTCP_MTU_REDUCED_DEFERRED, &xp->deferred)) {
		xtcp_mtu_reduced(sk);
		__sock_put(sk);
	}
}
