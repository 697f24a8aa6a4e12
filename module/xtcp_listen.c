// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP listen, accept and the accept queue (Linux: inet_listen,
 * inet_csk_listen_start, inet_csk_accept, inet_csk_wait_for_connect,
 * inet_csk_listen_stop, inet_accept).
 *
 * The accept queue is a list of established children on the listener,
 * under its acceptq_lock; sk_ack_backlog counts it. Children are added
 * by the final-ACK softirq with the listener's reqs_lock held and only if
 * the listener is not closing, so xtcp_listen_stop(), which sets closing
 * under the same lock before draining, never misses one.
 */
#include <linux/sched/signal.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

static int xtcp_listen_start(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	WRITE_ONCE(sk->sk_ack_backlog, 0);

	/* In LISTEN before the port check, as inet_csk_listen_start(). */
	xtcp_state_store(sk, TCP_LISTEN);
	if (!xtcp_get_port(sk, inet->inet_num)) {
		inet->inet_sport = htons(inet->inet_num);
		sk_dst_reset(sk);
		/*
		 * Open for requests only now that the port is ours: a SYN
		 * that found this socket before an earlier close and is
		 * still on its way must not add a request to a re-listen
		 * that then fails the port check (nobody would drain it).
		 */
		spin_lock_bh(&xp->reqs_lock);
		xp->closing = false;
		/* A new listening period warns again (reqsk_queue_alloc()). */
		WRITE_ONCE(xp->synflood_warned, 0);
		spin_unlock_bh(&xp->reqs_lock);
		/*
		 * The listener lookup takes its reference without rechecking
		 * the match: its memory must not be reused while a reader may
		 * still see it (inet_hash()). Never cleared, as in TCP.
		 */
		sock_set_flag(sk, SOCK_RCU_FREE);
		xtcp_lhash_add(sk);
		trace_xtcp_state_change(sk, TCP_CLOSE, TCP_LISTEN);
		return 0;
	}
	xtcp_state_store(sk, TCP_CLOSE);
	return -EADDRINUSE;
}

/**
 * xtcp_listen() - proto_ops.listen (inet_listen())
 * @sock: socket
 * @backlog: already clamped to net.core.somaxconn by the core
 *
 * Listening again only updates the backlog. An unbound socket gets an
 * ephemeral port.
 *
 * Return: 0, -EINVAL in a wrong state, -EADDRINUSE.
 */
int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int old_state, err;

	lock_sock(sk);
	err = -EINVAL;
	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		goto out;
	old_state = sk->sk_state;
	if (!((1 << old_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;

	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	err = 0;
	if (old_state != TCP_LISTEN)
		err = xtcp_listen_start(sk);
out:
	release_sock(sk);
	return err;
}

/**
 * xtcp_acceptq_add() - queue an established child for accept()
 * @lst: listener; its reqs_lock held and not closing
 * @child: child, hashed; the queue takes over its owner reference
 *
 * Return: true.
 */
bool xtcp_acceptq_add(struct sock *lst, struct sock *child)
{
	struct xtcp_sock *xp = xtcp_sk(lst);

	lockdep_assert_held(&xtcp_sk(lst)->reqs_lock);
	spin_lock(&xp->acceptq_lock);
	list_add_tail(&xtcp_sk(child)->accept_node, &xp->acceptq);
	sk_acceptq_added(lst);
	spin_unlock(&xp->acceptq_lock);
	return true;
}

static struct sock *xtcp_acceptq_remove(struct sock *lst)
{
	struct xtcp_sock *xp = xtcp_sk(lst);
	struct xtcp_sock *xc;

	spin_lock_bh(&xp->acceptq_lock);
	xc = list_first_entry_or_null(&xp->acceptq, struct xtcp_sock,
				      accept_node);
	if (xc) {
		list_del_init(&xc->accept_node);
		sk_acceptq_removed(lst);
	}
	spin_unlock_bh(&xp->acceptq_lock);
	return xc ? &xc->inet.sk : NULL;
}

/*
 * Sleep until a child is queued (inet_csk_wait_for_connect()). Exclusive:
 * one queued child wakes one accept(). Owner lock held, dropped to sleep.
 */
static int xtcp_wait_for_child(struct sock *sk, long timeo)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty_careful(&xp->acceptq))
			timeo = schedule_timeout(timeo);
		sched_annotate_sleep();
		lock_sock(sk);
		err = 0;
		if (!list_empty_careful(&xp->acceptq))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return err;
}

/**
 * xtcp_accept() - proto_ops.accept (inet_accept() + inet_csk_accept())
 * @sock: listening socket
 * @newsock: socket the core made for the child
 * @arg: accept flags (O_NONBLOCK of the listener's file); SOCK_NONBLOCK and
 *	SOCK_CLOEXEC of accept4() apply to the new file in the core
 *
 * Return: 0, -EINVAL if not listening, -EAGAIN (non-blocking, or
 * SO_RCVTIMEO expired), -ERESTARTSYS/-EINTR on a signal.
 */
#ifdef XTCP_HAVE_PROTO_ACCEPT_ARG
int xtcp_accept(struct socket *sock, struct socket *newsock,
		struct proto_accept_arg *arg)
{
	int flags = arg->flags;
#else
int xtcp_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern)
{
#endif
	struct sock *sk = sock->sk;
	struct sock *child;
	long timeo;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out_err;

	if (list_empty_careful(&xtcp_sk(sk)->acceptq)) {
		timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
		err = -EAGAIN;
		if (!timeo)
			goto out_err;
		err = xtcp_wait_for_child(sk, timeo);
		if (err)
			goto out_err;
	}
	/* Only accept() and listen-stop dequeue, both under the owner lock. */
	child = xtcp_acceptq_remove(sk);
	if (child) {
		trace_xtcp_child_accept(sk, child);
		xtcp_tl_add(&xtcp_sk(child)->tl, XTCP_TL_ACCEPTED, 0);
	}
	release_sock(sk);
	if (WARN_ON_ONCE(!child))
		return -EAGAIN;

	lock_sock(child);
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	xtcp_sock_custom_sockopt(newsock);
	release_sock(child);
	return 0;

out_err:
	release_sock(sk);
	return err;
}

/**
 * xtcp_listen_stop() - stop listening: purge requests and children
 * @sk: listener; the owner's lock held
 *
 * Unhash from the listening table, then under reqs_lock mark the listener
 * closing (no new request or child after this) and unlink every request.
 * Outside the lock: stop each request's timer synchronously, send its peer
 * an RST and free it; reset and free every child still queued
 * (inet_csk_listen_stop(), plus RSTs to half-open peers). A member of an
 * SO_REUSEPORT group stays silent to its half-open peers, as TCP is to
 * all of them: the RST, sent from this CPU, could overtake the SYN-ACK
 * still queued on another CPU and refuse a connect() that the group's
 * other members are there to serve; the peer's ACK then meets no request
 * and is answered by whoever listens on the port, as in TCP. Leaves the
 * socket in TCP_CLOSE.
 */
void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_request_sock *req, *rtmp;
	struct xtcp_sock *xp = xtcp_sk(sk);
	bool rst = !sk->sk_reuseport;
	struct xtcp_sock *xc, *ctmp;
	LIST_HEAD(children);
	LIST_HEAD(reqs);

	sock_owned_by_me(sk);
	xtcp_lhash_remove(sk);

	spin_lock_bh(&xp->reqs_lock);
	xp->closing = true;
	list_for_each_entry(req, &xp->reqs, list)
		xtcp_ehash_remove(&req->common);
	list_splice_init(&xp->reqs, &reqs);
	xp->reqs_len = 0;
	xp->reqs_young = 0;
	spin_unlock_bh(&xp->reqs_lock);

	list_for_each_entry_safe(req, rtmp, &reqs, list) {
		list_del_init(&req->list);
		xtcp_trace_req_drop(req, XTCP_REQ_DROP_LISTENER_CLOSED);
		xtcp_tl_req_drop(req, XTCP_TL_DROP_LISTENER_CLOSED);
		xtcp_reqsk_finish(req, rst, true);
	}

	spin_lock_bh(&xp->acceptq_lock);
	list_splice_init(&xp->acceptq, &children);
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	spin_unlock_bh(&xp->acceptq_lock);

	list_for_each_entry_safe(xc, ctmp, &children, accept_node) {
		list_del_init(&xc->accept_node);
		xtcp_child_abort(&xc->inet.sk);
	}

	xtcp_set_state(sk, TCP_CLOSE);
}
