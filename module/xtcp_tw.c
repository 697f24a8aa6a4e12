// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP TIME_WAIT and orphaned FIN_WAIT2 mini socks: what is left of a
 * connection once its socket is gone (Linux: tcp_time_wait,
 * tcp_timewait_state_process, inet_twsk_*).
 *
 * A mini sock starts with struct sock_common like a request sock, replaces
 * the full socket in the established table (insert before delete) and keeps
 * its port in the bind tables, so bind() sees it as TCP sees a TIME_WAIT
 * socket. It holds no module or netns reference: module unload and netns
 * exit purge it (xtcp_ehash_purge_net()).
 *
 * Lifetime: one reference for the table. Its timer is armed under the
 * ehash bucket lock as it is hashed (xtcp_ehash_replace_tw()). Whoever
 * removes it from the table (the timer, an RST, a new SYN, data in
 * FIN_WAIT2, netns exit) owns the end: stops the timer (synchronously
 * unless it is the timer), gives the port up and drops that reference.
 * Lookups hold their own reference. The timer is only ever re-armed with
 * mod_timer_pending(), so it cannot come back once its killer stopped it.
 */
#include <linux/slab.h>
#include <net/ip.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

static struct kmem_cache *xtcp_tw_cachep __read_mostly;

static void xtcp_tw_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(xtcp_tw_cachep,
			container_of(head, struct xtcp_tw_sock, rcu));
}

/**
 * xtcp_tw_put() - drop a reference to a mini sock
 * @tw: mini sock; freed after an RCU grace period on the last reference
 */
void xtcp_tw_put(struct xtcp_tw_sock *tw)
{
	if (refcount_dec_and_test(&tw->common.skc_refcnt))
		call_rcu(&tw->rcu, xtcp_tw_free_rcu);
}

/* @tw left the table and its timer is stopped: release what it held. */
static void xtcp_tw_release(struct xtcp_tw_sock *tw)
{
	struct net *net = read_pnet(&tw->common.skc_net);

	xtcp_bind_tw_unhash(tw);
	XTCP_DEC_STATS(net, XTCP_MIB_CURRTIMEWAIT);
	atomic_dec(&xtcp_pernet(net)->tw_count);
	xtcp_tw_put(tw);	/* the table's */
}

/**
 * xtcp_tw_kill() - end @tw early unless someone else ends it
 *	(inet_twsk_deschedule_put())
 * @tw: mini sock; the caller holds a reference
 * @sync: true for every caller but the timer: wait for a running timer
 *
 * Counted in TimeWaitKilled. When another context won the unlink and that
 * context is the timer, a @sync caller still waits for it: netns exit must
 * not free the counters and buckets the handler is about to touch.
 */
void xtcp_tw_kill(struct xtcp_tw_sock *tw, bool sync)
{
	if (!xtcp_ehash_remove(&tw->common)) {
		if (sync)
			timer_delete_sync(&tw->timer);
		return;
	}
	if (sync) {
		timer_delete_sync(&tw->timer);
		XTCP_INC_STATS(read_pnet(&tw->common.skc_net),
			       XTCP_MIB_TIMEWAITKILLED);
	}
	trace_xtcp_tw_end(tw, XTCP_TW_END_KILLED);
	xtcp_tw_release(tw);
}

/* End of TIME_WAIT, or of an orphan's FIN_WAIT2 wait: gone, no RST. */
static void xtcp_tw_timer(struct timer_list *t)
{
	struct xtcp_tw_sock *tw = timer_container_of(tw, t, timer);

	if (!xtcp_ehash_remove(&tw->common))
		return;
	if (READ_ONCE(tw->substate) == TCP_FIN_WAIT2)
		XTCP_INC_STATS(read_pnet(&tw->common.skc_net),
			       XTCP_MIB_ABORTONLINGER);
	trace_xtcp_tw_end(tw, XTCP_TW_END_TIMER);
	xtcp_tw_release(tw);
}

/**
 * xtcp_tw_timeout() - TIME_WAIT length of @net
 * @net: network namespace
 *
 * Return: net.xtcp.tw_timeout in jiffies.
 */
int xtcp_tw_timeout(const struct net *net)
{
	return READ_ONCE(xtcp_pernet(net)->tw_timeout) * HZ;
}

/**
 * xtcp_fin_timeout() - how long an orphan may stay in FIN_WAIT2
 * @sk: socket
 *
 * Return: XTCP_LINGER2 if set, else net.xtcp.fin_timeout, in jiffies (< 0
 * when XTCP_LINGER2 asked for no lingering).
 */
int xtcp_fin_timeout(const struct sock *sk)
{
	int linger2 = READ_ONCE(xtcp_sk(sk)->linger2);

	if (linger2)
		return linger2;
	return READ_ONCE(xtcp_pernet(sock_net(sk))->fin_timeout) * HZ;
}

/*
 * A mini sock of @net may be created (inet_twsk_alloc()): fewer than
 * net.xtcp.max_tw_buckets live. Counted here, uncounted on release.
 */
static bool xtcp_tw_charge(struct xtcp_net *xn)
{
	if (atomic_inc_return(&xn->tw_count) - 1 <
	    READ_ONCE(xn->max_tw_buckets))
		return true;
	atomic_dec(&xn->tw_count);
	return false;
}

/*
 * Put a mini sock in place of @sk in the established and bind tables.
 * Past the limit or without memory there is none: tcp_time_wait() counts
 * TCPTimeWaitOverflow and the socket simply closes (the peer's next
 * segment then gets an RST).
 */
static void xtcp_tw_enter(struct sock *sk, int state, int timeo)
{
	const struct inet_sock *inet = inet_sk(sk);
	const struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct xtcp_net *xn = xtcp_pernet(net);
	struct xtcp_tw_sock *tw;

	if (!xtcp_tw_charge(xn))
		goto overflow;
	tw = kmem_cache_zalloc(xtcp_tw_cachep, GFP_ATOMIC);
	if (!tw) {
		atomic_dec(&xn->tw_count);
		goto overflow;
	}
	write_pnet(&tw->common.skc_net, net);
	tw->common.skc_family = AF_XTCP;
	tw->common.skc_state = TCP_TIME_WAIT;
	tw->common.skc_daddr = inet->inet_daddr;
	tw->common.skc_rcv_saddr = inet->inet_rcv_saddr;
	tw->common.skc_dport = inet->inet_dport;
	tw->common.skc_num = inet->inet_num;
	tw->common.skc_bound_dev_if = sk->sk_bound_dev_if;
	tw->common.skc_hash = sk->sk_hash;
	/* The bind conflict rules read these as TCP reads tw_reuse. */
	tw->common.skc_reuse = sk->sk_reuse;
	tw->common.skc_reuseport = sk->sk_reuseport;
	refcount_set(&tw->common.skc_refcnt, 1);
	tw->substate = state;
	tw->snd_nxt = xp->snd_nxt;
	tw->rcv_nxt = xp->rcv_nxt;
	/*
	 * The window the peer may still fill. The data path advertises a
	 * fixed XTCP_RCV_WND (scaled by rcv_wscale); use that bound.
	 */
	tw->rcv_wnd = XTCP_RCV_WND;
	INIT_HLIST_NODE(&tw->bind_node);
	INIT_HLIST_NODE(&tw->bind2_node);
	timer_setup(&tw->timer, xtcp_tw_timer, 0);

	/* Port first, then the 4-tuple: the port is never free in between. */
	xtcp_bind_tw_hash(tw, sk);
	XTCP_INC_STATS(net, XTCP_MIB_CURRTIMEWAIT);
	if (!xtcp_ehash_replace_tw(sk, tw, jiffies + max(timeo, 1))) {
		/* @sk was not hashed: nothing to stand in for. */
		XTCP_DEC_STATS(net, XTCP_MIB_CURRTIMEWAIT);
		atomic_dec(&xn->tw_count);
		xtcp_bind_tw_unhash(tw);
		xtcp_tw_put(tw);
		return;
	}
	__sock_put(sk);	/* the table's reference to @sk */
	trace_xtcp_tw_enter(tw, timeo);
	if (state == TCP_TIME_WAIT)
		XTCP_INC_STATS(net, XTCP_MIB_TIMEWAITED);
	return;
overflow:
	XTCP_INC_STATS(net, XTCP_MIB_TCPTIMEWAITOVERFLOW);
}

/**
 * xtcp_time_wait() - end a full socket, leaving a mini sock (tcp_time_wait())
 * @sk: hashed socket; bh_lock_sock() or the owner's lock held
 * @state: TCP_TIME_WAIT, or TCP_FIN_WAIT2 for an orphan waiting for the
 *	peer's FIN
 * @timeo: lifetime of the mini sock in jiffies (xtcp_tw_timeout() or
 *	xtcp_fin_timeout())
 *
 * Insert before delete under the bucket lock, as for a request becoming a
 * child, then xtcp_done(). Past net.xtcp.max_tw_buckets, or without
 * memory, the socket simply closes (the peer may then see an RST) and
 * TCPTimeWaitOverflow counts it, as tcp_time_wait() does.
 */
void xtcp_time_wait(struct sock *sk, int state, int timeo)
{
	xtcp_tw_enter(sk, state, timeo);
	xtcp_done(sk);
}

/* tcp_in_window(): does [@seq, @end_seq) touch [@s_win, @e_win]? */
static bool xtcp_in_window(u32 seq, u32 end_seq, u32 s_win, u32 e_win)
{
	if (seq == s_win)
		return true;
	if (xtcp_after(end_seq, s_win) && xtcp_before(seq, e_win))
		return true;
	return seq == e_win && seq == end_seq;
}

static void xtcp_tw_send_ack(const struct xtcp_tw_sock *tw)
{
	xtcp_send_ctl(read_pnet(&tw->common.skc_net),
		      tw->common.skc_rcv_saddr, tw->common.skc_daddr,
		      htons(tw->common.skc_num), tw->common.skc_dport,
		      READ_ONCE(tw->snd_nxt), READ_ONCE(tw->rcv_nxt),
		      tw->common.skc_bound_dev_if);
}

/* Restart the timer unless it already fired (its handler ends @tw). */
static void xtcp_tw_reschedule(struct xtcp_tw_sock *tw, int timeo)
{
	mod_timer_pending(&tw->timer, jiffies + max(timeo, 1));
}

/* FIN_WAIT2 substate: tcp_rcv_state_process()'s checks, in its order. */
static void xtcp_tw_fin_wait2_rcv(struct xtcp_tw_sock *tw,
				  struct sk_buff *skb, u32 seq, u32 end_seq)
{
	struct net *net = read_pnet(&tw->common.skc_net);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 rcv_nxt = READ_ONCE(tw->rcv_nxt);

	if (!xtcp_in_window(seq, end_seq, rcv_nxt, rcv_nxt + tw->rcv_wnd)) {
		/* tcp_timewait_check_oow_rate_limit() */
		if (!th->rst &&
		    !xtcp_oow_rate_limited(net, skb, XTCP_MIB_ACKSKIPPEDFINWAIT2,
					   &tw->last_oow_ack_time))
			xtcp_tw_send_ack(tw);
		return;
	}
	if (th->rst) {
		xtcp_tw_kill(tw, true);
		return;
	}
	if (th->syn && !xtcp_before(seq, rcv_nxt))
		goto reset;
	/* A duplicate, or the ACK of our FIN: absorbed. */
	if (!th->ack || !xtcp_after(end_seq, rcv_nxt) || end_seq == seq)
		return;
	/* New data after our half of the close: nobody can read it. */
	if (!th->fin || end_seq != rcv_nxt + 1)
		goto reset;

	/* The peer's FIN: real TIME_WAIT, counted once if two CPUs race. */
	if (cmpxchg(&tw->substate, TCP_FIN_WAIT2, TCP_TIME_WAIT) ==
	    TCP_FIN_WAIT2) {
		WRITE_ONCE(tw->rcv_nxt, end_seq);
		xtcp_tw_reschedule(tw, xtcp_tw_timeout(net));
		XTCP_INC_STATS(net, XTCP_MIB_TIMEWAITED);
	}
	xtcp_tw_send_ack(tw);
	return;
reset:
	xtcp_send_reset(net, skb, XTCP_RST_TIME_WAIT);
	xtcp_tw_kill(tw, true);
}

/* Is a listener waiting for a new connection to @skb's destination? */
static bool xtcp_tw_listener(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *lst;

	lst = xtcp_listener_lookup(net, skb, iph->saddr, th->source,
				   iph->daddr, ntohs(th->dest),
				   inet_iif(skb), inet_sdif(skb));
	if (!lst)
		return false;
	sock_put(lst);
	return true;
}

/**
 * xtcp_tw_rcv() - a segment for a mini sock (tcp_timewait_state_process())
 * @tw: mini sock, referenced by the caller
 * @skb: validated segment, not consumed
 *
 * FIN_WAIT2: out-of-window segments get an ACK, an RST ends the mini sock,
 * ACKs are absorbed, the peer's FIN is ACKed and starts TIME_WAIT, data or
 * a SYN get an RST and end it. TIME_WAIT: an RST at rcv_nxt ends it (TCP's
 * default net.ipv4.tcp_rfc1337 = 0), a bare ACK at rcv_nxt restarts the
 * timer, a SYN beyond rcv_nxt ends it when a listener can take it, and
 * everything else (a retransmitted FIN, old data) is ACKed and, when it
 * carries an ACK, restarts the timer. No timestamps, so no PAWS; answers
 * to bare ACKs and SYNs are rate limited as TCP's (xtcp_oow_rate_limited()).
 *
 * Return: true if the caller should look the segment up again (a new SYN
 * that a listener now takes).
 */
bool xtcp_tw_rcv(struct xtcp_tw_sock *tw, struct sk_buff *skb)
{
	struct net *net = read_pnet(&tw->common.skc_net);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 seq = ntohl(th->seq);
	u32 end_seq = seq + th->syn + th->fin + skb->len - th->doff * 4;
	u32 rcv_nxt;

	if (READ_ONCE(tw->substate) == TCP_FIN_WAIT2) {
		xtcp_tw_fin_wait2_rcv(tw, skb, seq, end_seq);
		return false;
	}

	rcv_nxt = READ_ONCE(tw->rcv_nxt);
	if (seq == rcv_nxt && (seq == end_seq || th->rst)) {
		if (th->rst)
			xtcp_tw_kill(tw, true);
		else
			xtcp_tw_reschedule(tw, xtcp_tw_timeout(net));
		return false;
	}
	if (th->syn && !th->rst && !th->ack && xtcp_after(seq, rcv_nxt)) {
		/* A new incarnation (RFC 1122 4.2.2.13): if someone listens. */
		if (xtcp_tw_listener(net, skb)) {
			/*
			 * tcp_timewait_state_process(): the new incarnation's
			 * ISN starts past anything the old one sent, so that
			 * its old duplicates cannot be taken for new data.
			 */
			u32 isn = READ_ONCE(tw->snd_nxt) + 65535 + 2;

			XTCP_RCV_CB(skb)->tw_isn = isn ? : 1;
			xtcp_tw_kill(tw, true);
			return true;
		}
		xtcp_tw_send_ack(tw);
		return false;
	}
	if (!th->rst) {
		if (th->ack)
			xtcp_tw_reschedule(tw, xtcp_tw_timeout(net));
		/*
		 * tcp_timewait_check_oow_rate_limit(): a retransmitted FIN
		 * (or data) is always answered, a bare ACK or SYN at most
		 * once per net.xtcp.invalid_ratelimit.
		 */
		if (!xtcp_oow_rate_limited(net, skb, XTCP_MIB_ACKSKIPPEDTIMEWAIT,
					   &tw->last_oow_ack_time))
			xtcp_tw_send_ack(tw);
	}
	return false;
}

/**
 * xtcp_tw_init() - create the mini sock cache
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_tw_init(void)
{
	xtcp_tw_cachep = KMEM_CACHE(xtcp_tw_sock, 0);
	return xtcp_tw_cachep ? 0 : -ENOMEM;
}

/**
 * xtcp_tw_exit() - destroy the cache; after every netns purge and
 * rcu_barrier()
 */
void xtcp_tw_exit(void)
{
	kmem_cache_destroy(xtcp_tw_cachep);
}
