// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP handshake timelines: the per-connection record of setup events
 * (SYN, SYN-ACKs, cookie, final ACK, child, queue, accept or drop, and an
 * active open's SYNs), XTCP_TIMELINE, and their sock_diag attributes. TCP
 * has no counterpart; its tracepoints are the closest (tcp_probe and
 * inet_sock_set_state report events, not a connection's history).
 *
 * Lifetime: a timeline belongs to one request, socket or listener slot at
 * a time. Its pointer is RCU: it moves from a request to the request's
 * child (xtcp_tl_child()) or, when the request is dropped, to a slot of
 * the listener's ring, while other CPUs may still append to it or a dump
 * may copy it, so every free is kfree_rcu() and every reader holds
 * rcu_read_lock(). Events and copies serialise on the timeline's lock.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "xtcp.h"

/**
 * struct xtcp_tl - one connection's handshake timeline
 * @lock: serialises @nr, @lost and @ev (softirq and process context)
 * @rcu: deferred free
 * @start_ns: ktime_get_ns() of the first event, 0 before it
 * @saddr: local address, network order
 * @daddr: peer address
 * @sport: local port, network order
 * @dport: peer port
 * @nr: events in @ev
 * @lost: events that found @ev full
 * @ev: the first XTCP_TIMELINE_LEN - 1 events, oldest first, then the
 *	newest
 */
struct xtcp_tl {
	spinlock_t			lock;	/* see kernel-doc */
	struct rcu_head			rcu;
	u64				start_ns;
	__be32				saddr;
	__be32				daddr;
	__be16				sport;
	__be16				dport;
	u16				nr;
	u16				lost;
	struct xtcp_timeline_event	ev[XTCP_TIMELINE_LEN];
};

static bool xtcp_tl_wanted(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->timeline) ||
	       READ_ONCE(xtcp_pernet(sock_net(sk))->timeline);
}

static struct xtcp_tl *xtcp_tl_alloc(__be32 saddr, __be32 daddr,
				     __be16 sport, __be16 dport)
{
	struct xtcp_tl *tl = kzalloc(sizeof(*tl), GFP_ATOMIC);

	if (!tl)
		return NULL;
	spin_lock_init(&tl->lock);
	tl->saddr = saddr;
	tl->daddr = daddr;
	tl->sport = sport;
	tl->dport = dport;
	return tl;
}

/**
 * __xtcp_tl_add() - append an event
 * @tl: timeline, kept alive by the caller's rcu_read_lock()
 * @type: XTCP_TL_*
 * @arg: its argument
 *
 * The record stays bounded however long a request retransmits: once
 * @ev is full, the last slot is overwritten by each new event and @lost
 * counts the events so lost, so the start and the outcome both show.
 */
void __xtcp_tl_add(struct xtcp_tl *tl, u8 type, u8 arg)
{
	u64 now = ktime_get_ns();
	struct xtcp_timeline_event *ev;

	spin_lock_bh(&tl->lock);
	if (!tl->nr)
		tl->start_ns = now;	/* times count from the first event */
	if (tl->nr < XTCP_TIMELINE_LEN) {
		ev = &tl->ev[tl->nr++];
	} else {
		ev = &tl->ev[XTCP_TIMELINE_LEN - 1];
		if (tl->lost < U16_MAX)
			tl->lost++;
	}
	ev->usec = min_t(u64, div_u64(now - tl->start_ns, NSEC_PER_USEC),
			 U32_MAX);
	ev->type = type;
	ev->arg = arg;
	spin_unlock_bh(&tl->lock);
}

/**
 * xtcp_tl_free() - free the timeline at @p, if any, after a grace period
 * @p: a pointer only the caller can still change (its owner is dying or
 *	the caller holds the lock that guards it)
 */
void xtcp_tl_free(struct xtcp_tl __rcu **p)
{
	struct xtcp_tl *tl = rcu_replace_pointer(*p, NULL, true);

	if (tl)
		kfree_rcu(tl, rcu);
}

/**
 * xtcp_tl_sock_free() - free a socket's timelines (xtcp_prot_destruct())
 * @sk: socket whose last reference is gone
 */
void xtcp_tl_sock_free(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	int i;

	xtcp_tl_free(&xp->tl);
	for (i = 0; i < XTCP_TIMELINE_KEEP; i++)
		xtcp_tl_free(&xp->tl_dropped[i]);
}

/**
 * xtcp_tl_req_start() - give a new request a timeline if @lst wants one
 * @lst: listener
 * @req: request from xtcp_reqsk_alloc(), not yet visible to anyone
 * @type: its first event, XTCP_TL_SYN or XTCP_TL_COOKIE
 *
 * A request that gets no memory for it simply has no timeline.
 */
void xtcp_tl_req_start(struct sock *lst, struct xtcp_request_sock *req,
		       u8 type)
{
	struct xtcp_tl *tl;

	if (!xtcp_tl_wanted(lst))
		return;
	tl = xtcp_tl_alloc(req->xreq_laddr, req->xreq_daddr,
			   htons(req->xreq_num), req->xreq_dport);
	if (!tl)
		return;
	__xtcp_tl_add(tl, type, 0);
	rcu_assign_pointer(req->tl, tl);
}

/**
 * xtcp_tl_req_drop() - a dropped request's timeline goes to its listener
 * @req: request just unhashed by the caller (xtcp_reqsk_unlink())
 * @reason: XTCP_TL_DROP_*
 *
 * The listener keeps the last XTCP_TIMELINE_KEEP, so that a user can see
 * why a handshake failed after the request is gone; the one it displaces
 * is freed. Under the listener's reqs_lock, the ring's lock.
 */
void xtcp_tl_req_drop(struct xtcp_request_sock *req, u8 reason)
{
	struct xtcp_sock *xp = xtcp_sk(req->listener);
	struct xtcp_tl *tl, *old;

	if (likely(!rcu_access_pointer(req->tl)))
		return;
	xtcp_tl_add(&req->tl, XTCP_TL_DROP, reason);
	spin_lock_bh(&xp->reqs_lock);
	tl = rcu_replace_pointer(req->tl, NULL,
				 lockdep_is_held(&xp->reqs_lock));
	if (tl) {
		old = rcu_replace_pointer(xp->tl_dropped[xp->tl_dropped_next],
					  tl, lockdep_is_held(&xp->reqs_lock));
		xp->tl_dropped_next = (xp->tl_dropped_next + 1) %
				      XTCP_TIMELINE_KEEP;
		if (old)
			kfree_rcu(old, rcu);
	}
	spin_unlock_bh(&xp->reqs_lock);
}

/**
 * xtcp_tl_child() - reset a clone's timeline state
 * @child: from sk_clone_lock(), not yet visible; its timeline pointers
 *	are copies of the listener's, which must not be freed with it
 */
void xtcp_tl_child(struct sock *child)
{
	struct xtcp_sock *xc = xtcp_sk(child);
	int i;

	RCU_INIT_POINTER(xc->tl, NULL);
	for (i = 0; i < XTCP_TIMELINE_KEEP; i++)
		RCU_INIT_POINTER(xc->tl_dropped[i], NULL);
	xc->tl_dropped_next = 0;
}

/**
 * xtcp_tl_take() - the child takes over its request's timeline
 * @child: from xtcp_child_create(), about to be queued
 * @req: its request
 * @owned: the caller alone may move @req's timeline: it holds the
 *	listener's reqs_lock and is replacing @req in the table (only one
 *	context can), or @req was never published (a cookie's)
 */
void xtcp_tl_take(struct sock *child, struct xtcp_request_sock *req,
		  bool owned)
{
	struct xtcp_tl *tl = rcu_replace_pointer(req->tl, NULL, owned);

	if (tl) {
		rcu_assign_pointer(xtcp_sk(child)->tl, tl);
		__xtcp_tl_add(tl, XTCP_TL_QUEUED, 0);
	}
}

/**
 * xtcp_tl_connect() - start an active open's timeline
 * @sk: socket in SYN_SENT, its 4-tuple chosen; socket lock held
 *
 * A socket that connects again (after a failed attempt) starts afresh.
 *
 * Return: 0, also when no timeline is wanted or memory is short.
 */
int xtcp_tl_connect(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_tl *tl, *old;

	sock_owned_by_me(sk);
	if (!xtcp_tl_wanted(sk))
		return 0;
	tl = xtcp_tl_alloc(inet->inet_saddr, inet->inet_daddr,
			   inet->inet_sport, inet->inet_dport);
	if (!tl)
		return 0;
	old = rcu_replace_pointer(xp->tl, tl, lockdep_sock_is_held(sk));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * xtcp_tl_setsockopt() - XTCP_TIMELINE
 * @sk: socket
 * @optval: an int
 * @optlen: its length
 *
 * Return: 0, -EINVAL for a short length, -EFAULT.
 */
int xtcp_tl_setsockopt(struct sock *sk, sockptr_t optval,
		       unsigned int optlen)
{
	int val;

	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	WRITE_ONCE(xtcp_sk(sk)->timeline, !!val);
	return 0;
}

/**
 * xtcp_tl_getsockopt() - XTCP_TIMELINE, as do_tcp_getsockopt() reads ints
 * @sk: socket
 * @optval: user buffer
 * @optlen: its length, updated
 *
 * Return: 0, -EINVAL for a negative length, -EFAULT.
 */
int xtcp_tl_getsockopt(struct sock *sk, char __user *optval,
		       int __user *optlen)
{
	int val = READ_ONCE(xtcp_sk(sk)->timeline);
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen))
		return -EFAULT;
	if (copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

/* One attribute from @tl, as long as its events; under rcu_read_lock(). */
static int xtcp_tl_put(struct sk_buff *skb, int attrtype, struct xtcp_tl *tl)
{
	u8 buf[sizeof(struct xtcp_timeline) +
	       XTCP_TIMELINE_LEN * sizeof(struct xtcp_timeline_event)]
		__aligned(8) = {};
	struct xtcp_timeline *h = (struct xtcp_timeline *)buf;

	spin_lock_bh(&tl->lock);
	h->start_ns = tl->start_ns;
	h->saddr = tl->saddr;
	h->daddr = tl->daddr;
	h->sport = tl->sport;
	h->dport = tl->dport;
	h->nr = tl->nr;
	h->lost = tl->lost;
	memcpy(h->ev, tl->ev, tl->nr * sizeof(tl->ev[0]));
	spin_unlock_bh(&tl->lock);
	return nla_put(skb, attrtype, sizeof(*h) + h->nr * sizeof(h->ev[0]), h);
}

/**
 * xtcp_tl_diag_put() - the timeline at @p as attribute @attrtype
 * @skb: reply being built
 * @attrtype: XTCP_DIAG_TIMELINE
 * @p: a request's or socket's timeline pointer, its owner referenced
 *
 * Return: 0 (also when there is none) or -EMSGSIZE.
 */
int xtcp_tl_diag_put(struct sk_buff *skb, int attrtype,
		     struct xtcp_tl __rcu *const *p)
{
	struct xtcp_tl *tl;
	int err = 0;

	if (likely(!rcu_access_pointer(*p)))
		return 0;
	rcu_read_lock();
	tl = rcu_dereference(*p);
	if (tl)
		err = xtcp_tl_put(skb, attrtype, tl);
	rcu_read_unlock();
	return err;
}

/**
 * xtcp_tl_diag_put_dropped() - a listener's kept timelines, oldest first
 * @skb: reply being built
 * @lst: listener, referenced
 *
 * Return: 0 or -EMSGSIZE.
 */
int xtcp_tl_diag_put_dropped(struct sk_buff *skb, const struct sock *lst)
{
	struct xtcp_sock *xp = xtcp_sk(lst);
	int i, first, err = 0;
	struct xtcp_tl *tl;

	rcu_read_lock();
	first = READ_ONCE(xp->tl_dropped_next);
	for (i = 0; i < XTCP_TIMELINE_KEEP && !err; i++) {
		tl = rcu_dereference(xp->tl_dropped[(first + i) %
						    XTCP_TIMELINE_KEEP]);
		if (tl)
			err = xtcp_tl_put(skb, XTCP_DIAG_TIMELINE_DROPPED, tl);
	}
	rcu_read_unlock();
	return err;
}

/**
 * xtcp_tl_diag_size() - room the timeline attributes may take in a reply
 *
 * Return: bytes, for a listener's own and its kept timelines.
 */
size_t xtcp_tl_diag_size(void)
{
	return (1 + XTCP_TIMELINE_KEEP) * nla_total_size(sizeof(struct xtcp_timeline) +
						   XTCP_TIMELINE_LEN *
						   sizeof(struct xtcp_timeline_event));
}
