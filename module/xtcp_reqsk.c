// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP request socks: SYN on a listener, the request's life in the
 * established table, its SYN-ACK timer and the final ACK (Linux:
 * tcp_conn_request, reqsk_timer_handler, tcp_check_req,
 * inet_csk_reqsk_queue_drop).
 *
 * Ownership rule: a request is "hashed" while it is both in the established
 * table and on its listener's reqs list; the two change together under the
 * listener's reqs_lock. The one context that unhashes it (final ACK, RST,
 * timer giving up, listener close, netns exit) finishes it: stops the
 * timer synchronously unless it is the timer, maybe sends an RST, and drops
 * the table's reference. Everyone else only drops their lookup reference.
 */
#include <linux/slab.h>
#include <net/ip.h>
#include <net/route.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

static struct kmem_cache *xtcp_reqsk_cachep __read_mostly;

static void xtcp_reqsk_free_rcu(struct rcu_head *head)
{
	struct xtcp_request_sock *req;

	req = container_of(head, struct xtcp_request_sock, rcu);
	xtcp_tl_free(&req->tl);
	kmem_cache_free(xtcp_reqsk_cachep, req);
}

/**
 * xtcp_reqsk_put() - drop a reference to a request
 * @req: request
 *
 * The last reference releases the listener and frees the request after an
 * RCU grace period (lookups may still be walking over it).
 */
void xtcp_reqsk_put(struct xtcp_request_sock *req)
{
	if (refcount_dec_and_test(&req->common.skc_refcnt)) {
		sock_put(req->listener);
		call_rcu(&req->rcu, xtcp_reqsk_free_rcu);
	}
}

/**
 * xtcp_reqsk_unlink() - unhash @req; true for the single winner
 * @req: request; caller holds a reference
 *
 * Return: true if this call took @req out of the table and the list.
 */
bool xtcp_reqsk_unlink(struct xtcp_request_sock *req)
{
	struct xtcp_sock *xp = xtcp_sk(req->listener);
	bool removed;

	spin_lock_bh(&xp->reqs_lock);
	removed = xtcp_ehash_remove(&req->common);
	if (removed) {
		list_del_init(&req->list);
		xp->reqs_len--;
		if (!req->retrans)
			xp->reqs_young--;
	}
	spin_unlock_bh(&xp->reqs_lock);
	return removed;
}

/**
 * xtcp_reqsk_finish() - tear down a request this context unhashed
 * @req: unhashed request, still holding the table's reference
 * @rst: send the peer an RST
 * @sync: stop the timer with timer_delete_sync() (false only from the
 *	timer itself, which does not re-arm)
 */
void xtcp_reqsk_finish(struct xtcp_request_sock *req, bool rst, bool sync)
{
	if (sync)
		timer_delete_sync(&req->timer);
	if (rst)
		xtcp_reqsk_send_reset(req);
	XTCP_DEC_STATS(read_pnet(&req->common.skc_net), XTCP_MIB_CURRREQS);
	xtcp_reqsk_put(req);
}

/**
 * xtcp_reqsk_kill() - unhash and finish @req unless someone else did
 * @req: request; caller holds a reference; not called from its timer
 * @rst: send the peer an RST if this call finishes it
 */
void xtcp_reqsk_kill(struct xtcp_request_sock *req, bool rst)
{
	if (xtcp_reqsk_unlink(req)) {
		xtcp_tl_req_drop(req, XTCP_TL_DROP_DESTROYED);
		xtcp_reqsk_finish(req, rst, true);
	}
}

/*
 * SYN-ACK retransmissions allowed now (reqsk_timer_handler()): when the
 * request queue is over half full, half of it is kept for young requests
 * (never retransmitted) by giving old ones up sooner, down to 2 retries:
 * while the old outnumber the young, each halving of the young share
 * takes one retry off.
 */
static int xtcp_reqsk_max_retries(const struct sock *lst)
{
	const struct xtcp_sock *xp = xtcp_sk(lst);
	int max = READ_ONCE(xtcp_pernet(sock_net(lst))->synack_retries);
	u32 qlen = READ_ONCE(xp->reqs_len);

	if ((qlen << 1) > max(8U, READ_ONCE(lst->sk_max_ack_backlog))) {
		u32 young = READ_ONCE(xp->reqs_young) << 1;

		while (max > 2) {
			if (qlen < young)
				break;
			max--;
			young <<= 1;
		}
	}
	return max;
}

/**
 * xtcp_reqsk_timer() - SYN-ACK retransmit timer (reqsk_timer_handler())
 * @t: the request's timer
 *
 * Retransmits with exponential backoff until net.xtcp.synack_retries (fewer
 * for old requests in a crowded queue, xtcp_reqsk_max_retries()), then
 * frees the request. Runs only while the request is hashed; a context that
 * unhashes it waits for this handler in timer_delete_sync().
 */
void xtcp_reqsk_timer(struct timer_list *t)
{
	struct xtcp_request_sock *req = timer_container_of(req, t, timer);
	struct sock *lst = req->listener;
	struct xtcp_sock *xp = xtcp_sk(lst);
	struct net *net = sock_net(lst);
	bool acked, resend;
	int max, defer;

	if (hlist_nulls_unhashed(&req->common.skc_nulls_node))
		return;
	if (inet_sk_state_load(lst) != TCP_LISTEN) {
		/*
		 * The listener stopped: its close unhashes and finishes
		 * every request, but if this handler gets there first it
		 * must finish the request itself, or it would stay hashed
		 * with no timer and pin the listener.
		 */
		if (xtcp_reqsk_unlink(req)) {
			xtcp_trace_req_drop(req,
					    XTCP_REQ_DROP_LISTENER_CLOSED);
			xtcp_tl_req_drop(req, XTCP_TL_DROP_LISTENER_CLOSED);
			xtcp_reqsk_finish(req, false, false);
		}
		return;
	}

	max = xtcp_reqsk_max_retries(lst);
	defer = READ_ONCE(xp->defer_accept);
	acked = READ_ONCE(req->acked);
	/*
	 * syn_ack_recalc(): a request the peer ACKed under
	 * XTCP_DEFER_ACCEPT lives until the deferral ends even past the
	 * retry limit, and gets no SYN-ACK (the peer is established) until
	 * its last chance, one timeout before the deferral ends.
	 */
	if (req->retrans >= max && (!defer || !acked || req->retrans >= defer)) {
		if (xtcp_reqsk_unlink(req)) {
			XTCP_INC_STATS(net, XTCP_MIB_REQTIMEOUTS);
			xtcp_trace_req_drop(req, XTCP_REQ_DROP_TIMEOUT);
			xtcp_tl_req_drop(req, XTCP_TL_DROP_TIMEOUT);
			xtcp_reqsk_finish(req, false, false);
		}
		return;
	}
	resend = !defer || !acked || req->retrans >= defer - 1;
	if (!req->retrans) {
		/* No longer young; under the lock unlink counts it with. */
		spin_lock_bh(&xp->reqs_lock);
		if (!hlist_nulls_unhashed(&req->common.skc_nulls_node))
			xp->reqs_young--;
		WRITE_ONCE(req->retrans, 1);
		spin_unlock_bh(&xp->reqs_lock);
	} else if (req->retrans < U8_MAX) {
		WRITE_ONCE(req->retrans, req->retrans + 1);
	}
	if (resend) {
		XTCP_INC_STATS(net, XTCP_MIB_SYNACKRETRANS);
		xtcp_send_synack(req);
	}
	req->rto = xtcp_rto_next(net, req->rto);
	mod_timer(&req->timer, jiffies + req->rto);
}

/**
 * xtcp_reqsk_alloc() - a request filled from a SYN (inet_reqsk_alloc())
 * @lst: listener; a reference is taken for the request
 * @skb: the SYN, or a cookie ACK (whose caller then sets irs and iss)
 * @opts: the SYN's options
 *
 * Not hashed, one reference, timer set up but not armed; the caller
 * sets iss.
 *
 * Return: the request or NULL.
 */
struct xtcp_request_sock *xtcp_reqsk_alloc(struct sock *lst,
					   struct sk_buff *skb,
					   const struct xtcp_opts *opts)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct net *net = sock_net(lst);
	struct xtcp_request_sock *req;

	req = kmem_cache_zalloc(xtcp_reqsk_cachep, GFP_ATOMIC);
	if (!req)
		return NULL;
	write_pnet(&req->common.skc_net, net);
	req->common.skc_family = AF_XTCP;
	req->common.skc_state = TCP_NEW_SYN_RECV;
	req->xreq_daddr = iph->saddr;
	req->xreq_laddr = iph->daddr;
	req->xreq_dport = th->source;
	req->xreq_num = ntohs(th->dest);
	req->common.skc_bound_dev_if = READ_ONCE(lst->sk_bound_dev_if);
	req->common.skc_hash = xtcp_ehashfn(net, iph->daddr, req->xreq_num,
					    iph->saddr, th->source);
	refcount_set(&req->common.skc_refcnt, 1);
	req->irs = ntohl(th->seq);
	req->mss = opts->mss ? : XTCP_DEFAULT_MSS;
	req->snd_wscale = opts->wscale;
	req->wscale_ok = opts->wscale_ok;
	req->rto = xtcp_rto_init(net);
	INIT_LIST_HEAD(&req->list);
	timer_setup(&req->timer, xtcp_reqsk_timer, 0);
	sock_hold(lst);
	req->listener = lst;
	return req;
}

/**
 * xtcp_reqsk_free_unpublished() - free a request nobody else saw
 * @req: from xtcp_reqsk_alloc(), never hashed nor on a list, timer never
 *	armed (TCP's __reqsk_free(): no RCU grace period needed)
 */
void xtcp_reqsk_free_unpublished(struct xtcp_request_sock *req)
{
	xtcp_tl_free(&req->tl);
	sock_put(req->listener);
	kmem_cache_free(xtcp_reqsk_cachep, req);
}

/**
 * xtcp_conn_request() - answer a SYN on a listener (tcp_conn_request())
 * @lst: listener, referenced, in softirq without its lock
 * @skb: the SYN, validated; consumed
 *
 * Drops (and counts) when the accept queue is full. When the request queue
 * holds backlog + 1 or net.xtcp.max_syn_backlog requests, or cookies are
 * always on (net.xtcp.syncookies = 2), the SYN is answered with a SYN
 * cookie and no state is kept, or dropped when cookies are off (as
 * tcp_syn_flood_action()). Otherwise a request enters the established
 * table, its timer is armed, and a SYN-ACK goes out. A concurrent
 * duplicate SYN that lost the insert race is dropped: the request it lost
 * to answers.
 */
void xtcp_conn_request(struct sock *lst, struct sk_buff *skb)
{
	enum skb_drop_reason skb_reason = SKB_DROP_REASON_NOT_SPECIFIED;
	int reason = XTCP_REQ_DROP_NOT_UNICAST;
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_sock *xp = xtcp_sk(lst);
	struct net *net = sock_net(lst);
	u32 tw_isn = XTCP_RCV_CB(skb)->tw_isn;
	struct xtcp_request_sock *req;
	bool want_cookie = false;
	struct xtcp_opts opts;
	int max_reqs;

	trace_xtcp_syn_recv(lst, skb);
	/* Never answer a SYN sent to a broadcast or multicast address. */
	if (skb_rtable(skb) &&
	    (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST)))
		goto drop;
	/*
	 * Like TCP, the request queue is full once it holds more than the
	 * backlog; net.xtcp.max_syn_backlog caps it further.
	 */
	max_reqs = min_t(int, READ_ONCE(xtcp_pernet(net)->max_syn_backlog),
			 READ_ONCE(lst->sk_max_ack_backlog) + 1);
	/* A SYN reopening a TIME_WAIT 4-tuple is never a cookie (TCP's). */
	if (!tw_isn &&
	    (READ_ONCE(xtcp_pernet(net)->syncookies) == 2 ||
	     READ_ONCE(xtcp_fault.force_cookies) ||
	     READ_ONCE(xp->reqs_len) >= max_reqs)) {
		want_cookie = xtcp_syn_flood_action(lst);
		if (!want_cookie) {
			XTCP_INC_STATS(net, XTCP_MIB_REQOVERFLOWS);
			reason = XTCP_REQ_DROP_REQQ_FULL;
			goto drop;
		}
	}
	if (sk_acceptq_is_full(lst)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		trace_xtcp_acceptq_overflow(lst, skb);
		reason = XTCP_REQ_DROP_ACCEPTQ_FULL;
		goto drop;
	}

	xtcp_parse_options(th, &opts);
	req = xtcp_reqsk_alloc(lst, skb, &opts);
	if (!req) {
		reason = XTCP_REQ_DROP_NOMEM;
		skb_reason = SKB_DROP_REASON_NOMEM;
		goto drop;
	}

	if (want_cookie) {
		/* No state kept: the ISN remembers the SYN. */
		req->iss = xtcp_cookie_init_seq(lst, req);
		xtcp_send_synack(req);
		xtcp_reqsk_free_unpublished(req);
		consume_skb(skb);
		return;
	}

	req->iss = tw_isn ? : xtcp_isn(ip_hdr(skb)->daddr, ip_hdr(skb)->saddr,
				       tcp_hdr(skb)->dest, tcp_hdr(skb)->source);
	/* After the cookie branch: a flood of cookie SYNs allocates none. */
	xtcp_tl_req_start(lst, req, XTCP_TL_SYN);
	/* One reference for the table, one for this function. */
	refcount_inc(&req->common.skc_refcnt);
	spin_lock_bh(&xp->reqs_lock);
	if (xp->closing || inet_sk_state_load(lst) != TCP_LISTEN ||
	    xp->reqs_len >= max_reqs) {
		spin_unlock_bh(&xp->reqs_lock);
		reason = xp->reqs_len < max_reqs ?
			 XTCP_REQ_DROP_LISTENER_CLOSED : XTCP_REQ_DROP_REQQ_FULL;
		goto free;
	}
	if (xtcp_ehash_insert_unique(&req->common)) {
		spin_unlock_bh(&xp->reqs_lock);
		refcount_dec(&req->common.skc_refcnt);
		xtcp_reqsk_put(req);
		consume_skb(skb);	/* duplicate SYN, answered elsewhere */
		return;
	}
	list_add_tail(&req->list, &xp->reqs);
	xp->reqs_len++;
	xp->reqs_young++;
	XTCP_INC_STATS(net, XTCP_MIB_CURRREQS);
	/* Armed under reqs_lock: a listener close right after sees it. */
	mod_timer(&req->timer, jiffies + req->rto);
	/*
	 * Sent under reqs_lock too, so a listener closing on another CPU
	 * unlinks the request only after its SYN-ACK has left; the RST it
	 * may send (xtcp_listen_stop()) can still be delivered first, as
	 * each CPU feeds loopback its own backlog, which is why a reuseport
	 * member does not send it. Nothing below takes an XTCP lock. The
	 * request's event comes first, as before.
	 */
	trace_xtcp_req_create(req);
	xtcp_send_synack(req);
	spin_unlock_bh(&xp->reqs_lock);

	xtcp_reqsk_put(req);
	consume_skb(skb);
	return;

free:
	refcount_dec(&req->common.skc_refcnt);
	xtcp_reqsk_put(req);
drop:
	XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
	trace_xtcp_req_drop(NULL, iph->daddr, iph->saddr, ntohs(th->dest),
			    th->source, 0, reason);
	sk_skb_reason_drop(lst, skb, skb_reason);
}

/**
 * xtcp_child_start() - a child just queued: count it, feed it the ACK
 * @lst: listener
 * @child: hashed and queued, with xtcp_child_create()'s local reference,
 *	which this drops
 * @skb: the final ACK, with any payload riding on it; consumed
 */
void xtcp_child_start(struct sock *lst, struct sock *child,
		      struct sk_buff *skb)
{
	struct net *net = sock_net(lst);

	XTCP_INC_STATS(net, XTCP_MIB_PASSIVEOPENS);
	XTCP_INC_STATS(net, XTCP_MIB_CURRESTAB);

	/* Payload riding on the ACK, if any; accept() may own the child. */
	bh_lock_sock(child);
	if (!sock_owned_by_user(child)) {
		xtcp_data_rcv(child, skb);
	} else {
		skb_dst_force(skb);
		if (sk_add_backlog(child, skb, READ_ONCE(child->sk_rcvbuf)))
			kfree_skb(skb);
	}
	bh_unlock_sock(child);
	lst->sk_data_ready(lst);
	sock_put(child);	/* xtcp_child_create()'s local reference */
}

/**
 * xtcp_reqsk_rcv() - a segment for a request (tcp_check_req())
 * @req: request, referenced by the caller
 * @skb: validated segment; consumed unless true is returned
 *
 * A valid final ACK creates the child, swaps it for the request in the
 * established table and queues it for accept(). A retransmitted SYN gets
 * the SYN-ACK again; an in-window RST kills the request; a bad ACK gets an
 * RST. When the accept queue is full the ACK is dropped and counted, and
 * the request stays for the SYN-ACK timer to try again.
 *
 * Return: true if @req was unhashed by someone else before this segment
 * could use it (the caller looks the 4-tuple up again, as TCP does when a
 * request was "stolen").
 */
bool xtcp_reqsk_rcv(struct xtcp_request_sock *req, struct sk_buff *skb)
{
	struct net *net = read_pnet(&req->common.skc_net);
	const struct tcphdr *th = tcp_hdr(skb);
	struct sock *lst = req->listener;
	u32 seq = ntohl(th->seq);
	struct sock *child;

	if (th->rst) {
		if (seq == req->irs + 1 && xtcp_reqsk_unlink(req)) {
			XTCP_INC_STATS(net, XTCP_MIB_ATTEMPTFAILS);
			xtcp_trace_req_drop(req, XTCP_REQ_DROP_RST);
			xtcp_tl_req_drop(req, XTCP_TL_DROP_RST);
			xtcp_reqsk_finish(req, false, true);
		}
		goto drop;
	}
	if (th->syn) {
		/* tcp_check_req(): a retransmitted SYN, answered at a rate. */
		if (!th->ack && seq == req->irs)
			xtcp_tl_add(&req->tl, XTCP_TL_SYN_DUP, 0);
		if (!th->ack && seq == req->irs &&
		    !xtcp_oow_rate_limited(net, skb, XTCP_MIB_ACKSKIPPEDSYNRECV,
					   &req->last_oow_ack_time))
			xtcp_send_synack(req);
		goto drop;
	}
	if (!th->ack)
		goto drop;
	if (ntohl(th->ack_seq) != req->iss + 1) {
		xtcp_send_reset(net, skb, XTCP_RST_INVALID_ACK_SEQUENCE);
		goto drop;
	}
	if (seq != req->irs + 1 || inet_sk_state_load(lst) != TCP_LISTEN)
		goto drop;

	/*
	 * tcp_check_req(): while XTCP_DEFER_ACCEPT holds, an ACK that
	 * carries neither data nor FIN only marks the request acked; the
	 * timer stops resending the SYN-ACK until the last chance
	 * (xtcp_reqsk_timer()), and the peer's first data makes the child.
	 * The timeout count is read without the timer's serialisation, as
	 * TCP reads num_timeout.
	 */
	if (READ_ONCE(req->retrans) < READ_ONCE(xtcp_sk(lst)->defer_accept) &&
	    !th->fin && skb->len == th->doff * 4) {
		WRITE_ONCE(req->acked, 1);
		XTCP_INC_STATS(net, XTCP_MIB_DEFERACCEPTDROP);
		xtcp_tl_add(&req->tl, XTCP_TL_ACK_DEFER, 0);
		goto drop;
	}

	/*
	 * Test knob: the ACK that would complete the request is lost before
	 * tcp_check_req() sees it; the request stays in SYN_RECV and its
	 * timer goes on resending the SYN-ACK as after a real loss.
	 */
	if (unlikely(READ_ONCE(xtcp_fault.drop_final_ack))) {
		XTCP_INC_STATS(net, XTCP_MIB_FAULTFINALACKDROP);
		goto drop;
	}

	if (xtcp_acceptq_full(lst)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
		trace_xtcp_acceptq_overflow(lst, skb);
		xtcp_tl_add(&req->tl, XTCP_TL_ACK_OVERFLOW, 0);
		/*
		 * tcp_check_req(): by default the ACK is dropped and the
		 * request kept, so the SYN-ACK timer makes the peer ACK again
		 * when there may be room; net.xtcp.abort_on_overflow resets
		 * the half-open connection instead (embryonic_reset).
		 */
		if (READ_ONCE(xtcp_pernet(net)->abort_on_overflow) &&
		    xtcp_reqsk_unlink(req)) {
			xtcp_tl_req_drop(req, XTCP_TL_DROP_OVERFLOW);
			xtcp_reqsk_finish(req, true, true);
		}
		goto drop;
	}

	xtcp_tl_add(&req->tl, XTCP_TL_ACK, 0);
	child = xtcp_child_create(lst, req, skb);
	if (!child) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
		xtcp_tl_add(&req->tl, XTCP_TL_ACK_OVERFLOW, 0);
		/*
		 * tcp_check_req(): a child that cannot be made takes the
		 * listen_overflow path of a full queue, so
		 * net.xtcp.abort_on_overflow resets the half-open connection
		 * here too; by default the request waits for the next ACK.
		 */
		if (READ_ONCE(xtcp_pernet(net)->abort_on_overflow) &&
		    xtcp_reqsk_unlink(req)) {
			xtcp_tl_req_drop(req, XTCP_TL_DROP_OVERFLOW);
			xtcp_reqsk_finish(req, true, true);
		}
		goto drop;
	}
	if (!xtcp_child_hash_and_queue(lst, req, child)) {
		bool stolen = !xtcp_sk(lst)->closing;

		xtcp_child_free_unqueued(child);
		if (stolen)
			return true;
		goto drop;
	}

	/* Won: the request is ours to finish; the child is visible. */
	xtcp_reqsk_finish(req, false, true);
	xtcp_child_start(lst, child, skb);
	return false;

drop:
	consume_skb(skb);
	return false;
}

/**
 * xtcp_reqsk_init() - create the request sock cache
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_reqsk_init(void)
{
	xtcp_reqsk_cachep = KMEM_CACHE(xtcp_request_sock, 0);
	return xtcp_reqsk_cachep ? 0 : -ENOMEM;
}

/**
 * xtcp_reqsk_exit() - destroy the cache; after rcu_barrier()
 */
void xtcp_reqsk_exit(void)
{
	kmem_cache_destroy(xtcp_reqsk_cachep);
}
