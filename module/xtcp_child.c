// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP children: the full socket cloned from a listener when a request
 * completes, its swap into the established table, and its abort when the
 * listener closes first (Linux: inet_csk_clone_lock,
 * tcp_create_openreq_child, inet_csk_complete_hashdance, inet_child_forget).
 *
 * References of a child: sk_clone_lock() returns two; one is the
 * established table's, the other the owner reference that the accept queue
 * holds and accept() hands to the new file. xtcp_child_create() takes a
 * third for its caller, dropped at the end of the final-ACK processing.
 */
#include <linux/random.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

/**
 * xtcp_child_create() - clone @lst for a completed request
 * @lst: listener
 * @req: request whose final ACK arrived
 * @skb: that ACK (for the peer's window)
 *
 * The child is ESTABLISHED, bound to the listener's port, not yet hashed,
 * and unlocked.
 *
 * Return: the child with three references, or NULL.
 */
struct sock *xtcp_child_create(struct sock *lst,
			       struct xtcp_request_sock *req,
			       struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct inet_sock *inet;
	struct xtcp_sock *xc;
	struct sock *child;

	/*
	 * Test knob: fail as sk_clone_lock() does when sk_prot_alloc()
	 * finds no memory; the callers then take their real path for it
	 * (ListenDrops, the request kept for the peer's next ACK).
	 */
	if (unlikely(READ_ONCE(xtcp_fault.fail_child)) &&
	    xtcp_fault_dec(&xtcp_fault.fail_child))
		return NULL;
	child = sk_clone_lock(lst, GFP_ATOMIC);
	if (!child)
		return NULL;
	/* sk_clone_lock() returns the clone bh-locked; tell sparse. */
	__acquire(&child->sk_lock.slock);
	/* First: a failure below frees the clone, and with it these. */
	xtcp_tl_child(child);

	/* Everything below was copied from the listener; make it the child's. */
	xtcp_sock_init_queues(child);
	/* Listeners are SOCK_RCU_FREE, their children need not be. */
	sock_reset_flag(child, SOCK_RCU_FREE);
	child->sk_nulls_node.pprev = NULL;	/* the listener's lhash node */
	child->sk_max_ack_backlog = 0;
	child->sk_reuseport = lst->sk_reuseport;
	child->sk_hash = req->common.skc_hash;

	inet = inet_sk(child);
	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_list = NULL;
	inet->inet_daddr = req->xreq_daddr;
	inet->inet_rcv_saddr = req->xreq_laddr;
	inet->inet_saddr = req->xreq_laddr;
	inet->inet_dport = req->xreq_dport;
	inet->inet_num = req->xreq_num;
	inet->inet_sport = htons(req->xreq_num);
	xtcp_set_inet_id(inet, get_random_u16());

	xc = xtcp_sk(child);
	xc->iss = req->iss;
	xc->irs = req->irs;
	xc->snd_una = req->iss + 1;
	xc->snd_nxt = req->iss + 1;
	xc->rcv_nxt = req->irs + 1;
	xc->peer_mss = req->mss;
	xc->snd_wscale = req->wscale_ok ? req->snd_wscale : 0;
	xc->rcv_wscale = req->wscale_ok ? XTCP_RCV_WSCALE : 0;
	xc->snd_wnd = (u32)ntohs(th->window) << xc->snd_wscale;
	xc->snd_wl1 = ntohl(th->seq);
	xc->syn_retries = 0;
	xc->last_oow_ack_time = 0;
	xc->defer_accept = 0;
	/* tcp_create_openreq_child(): the final ACK is the first segment in */
	memset(&xc->info, 0, sizeof(xc->info));
	xc->info.segs_in = 1;
	xc->info.passive = 1;

	/*
	 * Routed now, as tcp_v4_syn_recv_sock() routes the child before
	 * tcp_sync_mss(): the MSS and the send buffer below come from the
	 * route's MTU, not from the peer's MSS option alone (a peer claiming
	 * 65535 would get oversized segments and a huge send buffer).
	 */
	if (xtcp_sk_route(child))
		goto fail;
	xtcp_init_transfer(child);
	xtcp_state_store(child, TCP_ESTABLISHED);

	if (xtcp_inherit_port(child, lst)) {
fail:
		xtcp_state_store(child, TCP_CLOSE);
		bh_unlock_sock(child);
		sock_set_flag(child, SOCK_DEAD);
		sock_put(child);
		sock_put(child);
		return NULL;
	}
	/*
	 * SO_KEEPALIVE inherited: armed while nobody else can see the child,
	 * as tcp_create_openreq_child() does. Armed after it is queued, a
	 * listener close in between (xtcp_child_abort()) would miss it, and
	 * the timer would pin the closed child and the module for hours.
	 */
	if (sock_flag(child, SOCK_KEEPOPEN))
		xtcp_keepalive_reset(child);
	bh_unlock_sock(child);
	sock_hold(child);	/* the caller's */
	/*
	 * TCP's clone goes LISTEN -> SYN_RECV -> ESTABLISHED
	 * (inet_csk_clone_lock(), tcp_rcv_state_process()); XTCP's is born
	 * established, and reports the same two steps for tcpstates' sake.
	 */
	trace_xtcp_child_create(lst, child);
	xtcp_tl_add(&req->tl, XTCP_TL_CHILD, 0);
	trace_xtcp_state_change(child, TCP_LISTEN, TCP_SYN_RECV);
	trace_xtcp_state_change(child, TCP_SYN_RECV, TCP_ESTABLISHED);
	return child;
}

/**
 * xtcp_child_hash_and_queue() - replace @req by @child and queue @child
 * @lst: listener
 * @req: request, hashed or not
 * @child: from xtcp_child_create()
 *
 * Under the listener's reqs_lock: if the listener is not closing and @req
 * is still hashed, @child goes into the established table before @req
 * leaves it (same bucket lock), @req leaves the listener's list and
 * @child joins the accept queue. Two CPUs completing the same request
 * yield exactly one child.
 *
 * Return: true if @child is now hashed and queued; false if the listener
 * is closing or another context unhashed @req first.
 */
bool xtcp_child_hash_and_queue(struct sock *lst,
			       struct xtcp_request_sock *req,
			       struct sock *child)
{
	struct xtcp_sock *xp = xtcp_sk(lst);
	bool done = false;

	spin_lock_bh(&xp->reqs_lock);
	if (!xp->closing &&
	    xtcp_ehash_replace(&req->common, &child->__sk_common)) {
		list_del_init(&req->list);
		xp->reqs_len--;
		if (!req->retrans)
			xp->reqs_young--;
		/* Only the context that replaced @req gets here. */
		xtcp_tl_take(child, req, true);
		xtcp_acceptq_add(lst, child);
		trace_xtcp_child_queue(lst, child);
		done = true;
	}
	spin_unlock_bh(&xp->reqs_lock);
	return done;
}

/**
 * xtcp_child_insert_and_queue() - hash a cookie child and queue it
 * @lst: listener
 * @child: from xtcp_child_create() for a request that was never hashed
 *
 * Under the listener's reqs_lock: if the listener is not closing and no
 * entry holds @child's 4-tuple (checked and inserted under the bucket
 * lock, xtcp_ehash_insert_unique(), as inet_ehash_insert() checks for a
 * duplicate), @child is hashed and joins the accept queue. Two CPUs
 * validating the same cookie ACK yield exactly one child.
 *
 * Return: true if @child is now hashed and queued.
 */
bool xtcp_child_insert_and_queue(struct sock *lst, struct sock *child)
{
	struct xtcp_sock *xp = xtcp_sk(lst);
	bool done = false;

	spin_lock_bh(&xp->reqs_lock);
	if (!xp->closing && !xtcp_ehash_insert_unique(&child->__sk_common)) {
		xtcp_acceptq_add(lst, child);
		done = true;
	}
	spin_unlock_bh(&xp->reqs_lock);
	return done;
}

/**
 * xtcp_child_free_unqueued() - free a child that never became visible
 * @child: from xtcp_child_create(), not hashed nor queued
 */
void xtcp_child_free_unqueued(struct sock *child)
{
	xtcp_keepalive_stop(child);	/* its reference, if armed */
	xtcp_state_store(child, TCP_CLOSE);
	xtcp_put_port(child);
	sock_set_flag(child, SOCK_DEAD);
	sock_put(child);	/* caller's */
	sock_put(child);	/* table's, never used */
	sock_put(child);	/* owner's */
}

/**
 * xtcp_child_abort() - reset and free a child nobody accepted
 * @child: child taken off a closing listener's accept queue; the queue's
 *	owner reference is passed in
 *
 * Process context (listener close). The peer gets an RST if the child is
 * still established.
 */
void xtcp_child_abort(struct sock *child)
{
	local_bh_disable();
	bh_lock_sock(child);
	if (child->sk_state == TCP_ESTABLISHED ||
	    child->sk_state == TCP_CLOSE_WAIT) {
		xtcp_send_active_reset(child);
		xtcp_set_state(child, TCP_CLOSE);
	}
	/* A delayed ACK may be pending for data that came before accept(). */
	xtcp_rtx_timer_stop(child, false);
	xtcp_delack_stop(child, false);
	xtcp_keepalive_stop(child);
	xtcp_write_queue_purge(child);
	xtcp_ofo_purge(child);
	xtcp_put_port(child);
	sock_orphan(child);
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
}
