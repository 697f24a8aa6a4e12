// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP keepalive on sk->sk_timer: idle detection, probes, ETIMEDOUT when
 * the peer is gone (Linux: tcp_keepalive_timer, tcp_set_keepalive,
 * keepalive_time_when).
 *
 * The pending timer holds a socket reference (sk_reset_timer() takes one
 * when it arms an idle timer, sk_stop_timer() drops it when it deletes a
 * pending one, the handler drops it when it runs). Every state change and
 * the timer run under the socket's bh lock; the handler retries shortly
 * when the user owns the socket.
 */
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"

/* Retry delays of tcp_keepalive_timer(): user owns the socket, no memory. */
#define XTCP_KEEPALIVE_BUSY	(HZ / 20)
#define XTCP_KEEPALIVE_NOMEM	(HZ / 2)

/* keepalive_time_when(): XTCP_KEEPIDLE or net.xtcp.keepalive_time. */
static u32 xtcp_keepalive_time(const struct sock *sk)
{
	u32 val = READ_ONCE(xtcp_sk(sk)->keepalive_time);

	return val ? : READ_ONCE(xtcp_pernet(sock_net(sk))->keepalive_time) * HZ;
}

static u32 xtcp_keepalive_intvl(const struct sock *sk)
{
	u32 val = READ_ONCE(xtcp_sk(sk)->keepalive_intvl);

	return val ? : READ_ONCE(xtcp_pernet(sock_net(sk))->keepalive_intvl) * HZ;
}

static u32 xtcp_keepalive_probes(const struct sock *sk)
{
	u32 val = READ_ONCE(xtcp_sk(sk)->keepalive_probes);

	return val ? : READ_ONCE(xtcp_pernet(sock_net(sk))->keepalive_probes);
}

/* Time since the peer was last heard from (keepalive_time_elapsed()). */
static u32 xtcp_keepalive_elapsed(const struct sock *sk)
{
	return (u32)jiffies - READ_ONCE(xtcp_sk(sk)->rcv_tstamp);
}

/* Arm (or move) the timer @delay from now; takes a reference if idle. */
static void xtcp_keepalive_arm(struct sock *sk, unsigned long delay)
{
	sk_reset_timer(sk, &sk->sk_timer, jiffies + delay);
}

/*
 * The peer did not answer: RST, report ETIMEDOUT (or the soft error the
 * data path recorded, as tcp_write_err()), and close. bh_lock_sock() held.
 */
static void xtcp_keepalive_give_up(struct sock *sk)
{
	xtcp_send_active_reset(sk);
	WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
	sk_error_report(sk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_KEEPALIVETIMEOUTS);
	xtcp_done(sk);
}

/* tcp_keepalive_timer(): any connected state (never SYN_SENT or LISTEN). */
static void xtcp_keepalive_timer(struct timer_list *t)
{
	struct sock *sk = timer_container_of(sk, t, sk_timer);
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 elapsed, idle, user_timeout;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		xtcp_keepalive_arm(sk, XTCP_KEEPALIVE_BUSY);
		goto out;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    ((1 << sk->sk_state) &
	     (TCPF_CLOSE | TCPF_SYN_SENT | TCPF_LISTEN)))
		goto out;

	idle = xtcp_keepalive_time(sk);
	/* Alive without keepalive: the retransmit timer watches the peer. */
	if (xtcp_data_outstanding(sk)) {
		xtcp_keepalive_arm(sk, idle);
		goto out;
	}

	elapsed = xtcp_keepalive_elapsed(sk);
	if (elapsed < idle) {
		/* Heard from the peer since: sleep until rcv_tstamp + idle. */
		xtcp_keepalive_arm(sk, idle - elapsed);
		goto out;
	}

	user_timeout = READ_ONCE(xp->user_timeout);
	if ((user_timeout && elapsed >= msecs_to_jiffies(user_timeout) &&
	     xp->probes_out > 0) ||
	    (!user_timeout && xp->probes_out >= xtcp_keepalive_probes(sk))) {
		xtcp_keepalive_give_up(sk);
		goto out;
	}

	if (xtcp_send_probe(sk) <= 0) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_KEEPALIVEPROBES);
		if (xp->probes_out < U8_MAX)
			xp->probes_out++;
		xtcp_keepalive_arm(sk, xtcp_keepalive_intvl(sk));
	} else {
		/* Dropped by local congestion: try harder. */
		xtcp_keepalive_arm(sk, XTCP_KEEPALIVE_NOMEM);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);	/* the timer's */
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
 * xtcp_keepalive_reset() - (re)arm keepalive for a full idle period
 * @sk: connected socket; bh_lock_sock() or the owner's lock held
 */
void xtcp_keepalive_reset(struct sock *sk)
{
	sock_owned_by_me(sk);
	xtcp_keepalive_arm(sk, xtcp_keepalive_time(sk));
}

/**
 * xtcp_keepalive_idle_changed() - XTCP_KEEPIDLE changed: re-arm for the
 *	rest of the new idle time (tcp_sock_set_keepidle_locked())
 * @sk: socket; the owner's lock held
 */
void xtcp_keepalive_idle_changed(struct sock *sk)
{
	u32 idle, elapsed;

	sock_owned_by_me(sk);
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		return;
	idle = xtcp_keepalive_time(sk);
	elapsed = xtcp_keepalive_elapsed(sk);
	xtcp_keepalive_arm(sk, idle > elapsed ? idle - elapsed : 0);
}

/**
 * xtcp_keepalive_stop() - stop the keepalive timer (not synchronously)
 * @sk: socket; the caller holds a reference besides the timer's
 *
 * A handler already running finds the socket closed (or SO_KEEPALIVE off)
 * under the bh lock and only drops its reference.
 */
void xtcp_keepalive_stop(struct sock *sk)
{
	sk_stop_timer(sk, &sk->sk_timer);
}

/**
 * xtcp_set_keepalive() - proto.keepalive: SO_KEEPALIVE changed
 * @sk: socket; the owner's lock held
 * @val: new value (SOCK_KEEPOPEN still has the old one)
 *
 * As tcp_set_keepalive(): nothing for a closed or listening socket; turning
 * it on arms a full idle period, turning it off stops the timer.
 */
void xtcp_set_keepalive(struct sock *sk, int val)
{
	sock_owned_by_me(sk);
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val && !sock_flag(sk, SOCK_KEEPOPEN))
		xtcp_keepalive_reset(sk);
	else if (!val)
		xtcp_keepalive_stop(sk);
}
