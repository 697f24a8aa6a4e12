// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP closed-connection mini socks: after close() sends a FIN, a small
 * entry replaces the full socket in the established table for 60 seconds
 * (TCP's FIN_WAIT2/TIME_WAIT/LAST_ACK roles, collapsed into one "TIME_WAIT"
 * state) so the peer's ACK of our FIN is absorbed and its FIN is ACKed
 * instead of both meeting "no socket" and an RST (Linux: inet_twsk_*,
 * tcp_timewait_state_process, tcp_time_wait).
 *
 * A mini sock starts with struct sock_common like a request sock. It holds
 * no module or netns reference and no port: module unload and netns exit
 * purge it (xtcp_ehash_purge_net()). Lifetime: one reference for the table;
 * whoever removes it from the table stops its timer (synchronously unless
 * it is the timer) and drops that reference. Lookups hold their own.
 */
#include <linux/slab.h>
#include <net/ip.h>

#include "xtcp.h"
#include "xtcp_mib.h"

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

/**
 * xtcp_tw_kill() - remove @tw from the table unless someone else did
 * @tw: mini sock; the caller holds a reference
 * @sync: wait for a running timer (false only from the timer itself)
 */
void xtcp_tw_kill(struct xtcp_tw_sock *tw, bool sync)
{
	if (!xtcp_ehash_remove(&tw->common))
		return;
	if (sync)
		timer_delete_sync(&tw->timer);
	xtcp_tw_put(tw);	/* the table's */
}

static void xtcp_tw_timer(struct timer_list *t)
{
	struct xtcp_tw_sock *tw = timer_container_of(tw, t, timer);

	xtcp_tw_kill(tw, false);
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

/* Put a mini sock in place of @sk in the established table. */
static void xtcp_tw_enter(struct sock *sk, int state, int timeo)
{
	const struct inet_sock *inet = inet_sk(sk);
	const struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_tw_sock *tw;

	tw = kmem_cache_zalloc(xtcp_tw_cachep, GFP_ATOMIC);
	if (!tw)
		return;
	write_pnet(&tw->common.skc_net, sock_net(sk));
	tw->common.skc_family = AF_XTCP;
	tw->common.skc_state = TCP_TIME_WAIT;
	tw->common.skc_daddr = inet->inet_daddr;
	tw->common.skc_rcv_saddr = inet->inet_rcv_saddr;
	tw->common.skc_dport = inet->inet_dport;
	tw->common.skc_num = inet->inet_num;
	tw->common.skc_bound_dev_if = sk->sk_bound_dev_if;
	tw->common.skc_hash = sk->sk_hash;
	refcount_set(&tw->common.skc_refcnt, 1);
	tw->snd_nxt = xp->snd_nxt;
	tw->rcv_nxt = xp->rcv_nxt;
	timer_setup(&tw->timer, xtcp_tw_timer, 0);

	/* Armed before it is visible: the timer may kill it at any time. */
	mod_timer(&tw->timer, jiffies + max(timeo, 1));
	if (xtcp_ehash_replace(&sk->__sk_common, &tw->common)) {
		__sock_put(sk);	/* the table's reference to @sk */
		return;
	}
	timer_delete_sync(&tw->timer);
	xtcp_tw_put(tw);
}

/**
 * xtcp_time_wait() - end a full socket, leaving a mini sock (tcp_time_wait())
 * @sk: hashed socket; bh_lock_sock() or the owner's lock held
 * @state: TCP_TIME_WAIT, or TCP_FIN_WAIT2 for an orphan waiting for the
 *	peer's FIN
 * @timeo: lifetime of the mini sock in jiffies
 *
 * Insert before delete under the bucket lock, as for a request becoming a
 * child, then xtcp_done(). Without memory the socket simply closes (the
 * peer may then see an RST).
 */
void xtcp_time_wait(struct sock *sk, int state, int timeo)
{
	xtcp_tw_enter(sk, state, timeo);
	xtcp_done(sk);
}

/**
 * xtcp_tw_rcv() - a segment for a closed connection
 * @tw: mini sock, referenced by the caller
 * @skb: validated segment, not consumed
 *
 * The peer's FIN is ACKed; a pure ACK (of our FIN) is absorbed; data gets
 * an RST, as an orphan that cannot read any more would send; an RST ends
 * the mini sock early; a new SYN ends it and goes to the listener.
 *
 * Return: true if the caller should look the segment up again.
 */
bool xtcp_tw_rcv(struct xtcp_tw_sock *tw, struct sk_buff *skb)
{
	struct net *net = read_pnet(&tw->common.skc_net);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 len = skb->len - th->doff * 4;

	if (th->rst) {
		xtcp_tw_kill(tw, true);
		return false;
	}
	if (th->syn) {
		/* A new connection on the same 4-tuple (TCP_TW_SYN). */
		if (!th->ack) {
			xtcp_tw_kill(tw, true);
			return true;
		}
		return false;
	}
	if (len) {
		xtcp_send_reset(net, skb);
		xtcp_tw_kill(tw, true);
		return false;
	}
	if (th->fin) {
		tw->rcv_nxt = ntohl(th->seq) + 1;
		xtcp_send_ctl(net, tw->common.skc_rcv_saddr,
			      tw->common.skc_daddr, htons(tw->common.skc_num),
			      tw->common.skc_dport, tw->snd_nxt, tw->rcv_nxt,
			      tw->common.skc_bound_dev_if);
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
