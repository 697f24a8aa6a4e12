// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP bind tables: by port (bhash) and by (address, port) (bhash2), the
 * bind conflict rules, ephemeral port choice for bind/listen and for
 * connect (Linux: inet_csk_get_port, inet_csk_bind_conflict,
 * __inet_hash_connect, __inet_inherit_port).
 *
 * Locking: every list of owners of port P (bucket by port and buckets by
 * (address, P)) is read and written under the bhash lock of P. A bhash2
 * chain mixes ports, so walking or changing it also takes that chain's
 * lock, nested inside the bhash lock and never two at once. Both tables are
 * global and keyed by netns like the established table.
 *
 * A bucket has two owner lists: full sockets and TIME_WAIT/FIN_WAIT2 mini
 * socks (xtcp_tw.c). A mini sock keeps the port of the connection it
 * replaced, as TCP's inet_timewait_sock sits on tb2->owners, so a later
 * bind() meets it under the same conflict rules; the bucket is freed only
 * when both lists are empty.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/ip.h>
#include <net/netns/hash.h>

#include "xtcp.h"

/**
 * struct xtcp_bind_bucket - sockets bound to one (netns, port)
 * @net: namespace
 * @port: host order
 * @connect_only: created by connect()'s port choice: another connect() may
 *	share it (subject to the 4-tuple check), bind(0) may not
 * @node: entry in the bhash chain
 * @owners: xtcp_sock.bind_node of every bound socket
 * @tw_owners: xtcp_tw_sock.bind_node of every mini sock holding the port
 */
struct xtcp_bind_bucket {
	possible_net_t		net;
	unsigned short		port;
	bool			connect_only;
	struct hlist_node	node;
	struct hlist_head	owners;
	struct hlist_head	tw_owners;
};

/**
 * struct xtcp_bind2_bucket - sockets bound to one (netns, address, port)
 * @net: namespace
 * @port: host order
 * @addr: local address, INADDR_ANY for wildcard binds
 * @node: entry in the bhash2 chain
 * @owners: xtcp_sock.bind2_node of every socket bound there
 * @tw_owners: xtcp_tw_sock.bind2_node of every mini sock there
 */
struct xtcp_bind2_bucket {
	possible_net_t		net;
	unsigned short		port;
	__be32			addr;
	struct hlist_node	node;
	struct hlist_head	owners;
	struct hlist_head	tw_owners;
};

/**
 * struct xtcp_bhead - a bind-table chain
 * @lock: see the file comment
 * @chain: buckets
 */
struct xtcp_bhead {
	spinlock_t		lock;	/* see the file comment */
	struct hlist_head	chain;
};

/*
 * TCP's table size since CVE-2022-32296 (Klein and Pinkas tracked hosts
 * by the collisions of a small table): 2^16 entries, randomised at load.
 */
#define XTCP_PERTURB_SIZE	BIT(16)

static struct xtcp_bhead *xtcp_bhash __read_mostly;
static struct xtcp_bhead *xtcp_bhash2 __read_mostly;
static u32 xtcp_bhash_mask __read_mostly;
static struct kmem_cache *xtcp_bb_cachep __read_mostly;
static struct kmem_cache *xtcp_bb2_cachep __read_mostly;
static hsiphash_key_t xtcp_bind_key __read_mostly;	/* bucket choice only */
/* RFC 6056 algorithm 4's table of per-destination-hash increments. */
static u32 *xtcp_port_perturb __read_mostly;

static struct xtcp_bhead *xtcp_bhead(const struct net *net,
				     unsigned short port)
{
	return &xtcp_bhash[hsiphash_2u32(port, net_hash_mix(net),
					 &xtcp_bind_key) & xtcp_bhash_mask];
}

static struct xtcp_bhead *xtcp_bhead2(const struct net *net, __be32 addr,
				      unsigned short port)
{
	return &xtcp_bhash2[hsiphash_3u32((__force u32)addr, port,
					  net_hash_mix(net), &xtcp_bind_key) &
			    xtcp_bhash_mask];
}

/*
 * The __xtcp_ functions below run under the bhash lock of the port they
 * touch; with lockdep on, they check it (the hash is not computed
 * otherwise).
 */
static void xtcp_bhead_assert_held(const struct net *net, unsigned short port)
{
	if (IS_ENABLED(CONFIG_LOCKDEP))
		lockdep_assert_held(&xtcp_bhead(net, port)->lock);
}

/* bhash lock of @port held. */
static struct xtcp_bind_bucket *__xtcp_bb_find(struct xtcp_bhead *head,
					       const struct net *net,
					       unsigned short port)
{
	struct xtcp_bind_bucket *bb;

	lockdep_assert_held(&head->lock);

	hlist_for_each_entry(bb, &head->chain, node)
		if (bb->port == port && net_eq(read_pnet(&bb->net), net))
			return bb;
	return NULL;
}

/* bhash lock of @port held. */
static struct xtcp_bind_bucket *__xtcp_bb_create(struct xtcp_bhead *head,
						 struct net *net,
						 unsigned short port)
{
	struct xtcp_bind_bucket *bb;

	lockdep_assert_held(&head->lock);
	bb = kmem_cache_zalloc(xtcp_bb_cachep, GFP_ATOMIC);
	if (!bb)
		return NULL;
	write_pnet(&bb->net, net);
	bb->port = port;
	INIT_HLIST_HEAD(&bb->owners);
	INIT_HLIST_HEAD(&bb->tw_owners);
	hlist_add_head(&bb->node, &head->chain);
	return bb;
}

/* bhash lock of @bb->port held. */
static void __xtcp_bb_put(struct xtcp_bind_bucket *bb)
{
	xtcp_bhead_assert_held(read_pnet(&bb->net), bb->port);
	if (hlist_empty(&bb->owners) && hlist_empty(&bb->tw_owners)) {
		hlist_del(&bb->node);
		kmem_cache_free(xtcp_bb_cachep, bb);
	}
}

/*
 * bhash lock of @port held; takes the bhash2 chain lock. A missing bucket
 * is taken from *@spare when the caller preallocated one (then *@spare is
 * cleared), else allocated here and may fail.
 */
static struct xtcp_bind2_bucket *
__xtcp_bb2_get_spare(struct net *net, __be32 addr, unsigned short port,
		     struct xtcp_bind2_bucket **spare)
{
	struct xtcp_bhead *head2 = xtcp_bhead2(net, addr, port);
	struct xtcp_bind2_bucket *bb2;

	xtcp_bhead_assert_held(net, port);
	spin_lock(&head2->lock);
	hlist_for_each_entry(bb2, &head2->chain, node)
		if (bb2->port == port && bb2->addr == addr &&
		    net_eq(read_pnet(&bb2->net), net))
			goto out;
	if (spare && *spare) {
		bb2 = *spare;
		*spare = NULL;
	} else {
		bb2 = kmem_cache_zalloc(xtcp_bb2_cachep, GFP_ATOMIC);
	}
	if (bb2) {
		write_pnet(&bb2->net, net);
		bb2->port = port;
		bb2->addr = addr;
		INIT_HLIST_HEAD(&bb2->owners);
		INIT_HLIST_HEAD(&bb2->tw_owners);
		hlist_add_head(&bb2->node, &head2->chain);
	}
out:
	spin_unlock(&head2->lock);
	return bb2;
}

static struct xtcp_bind2_bucket *__xtcp_bb2_get(struct net *net, __be32 addr,
						unsigned short port)
{
	return __xtcp_bb2_get_spare(net, addr, port, NULL);
}

/* Drop @xp's spare; the callers hold the bhash lock of its old port. */
static void xtcp_bb2_spare_free(struct xtcp_sock *xp)
{
	if (xp->bb2_spare) {
		kmem_cache_free(xtcp_bb2_cachep, xp->bb2_spare);
		xp->bb2_spare = NULL;
	}
}

/* bhash lock of @bb2->port held; takes the bhash2 chain lock. */
static void __xtcp_bb2_put(struct xtcp_bind2_bucket *bb2)
{
	struct xtcp_bhead *head2;

	xtcp_bhead_assert_held(read_pnet(&bb2->net), bb2->port);
	if (!hlist_empty(&bb2->owners) || !hlist_empty(&bb2->tw_owners))
		return;
	head2 = xtcp_bhead2(read_pnet(&bb2->net), bb2->addr, bb2->port);
	spin_lock(&head2->lock);
	hlist_del(&bb2->node);
	spin_unlock(&head2->lock);
	kmem_cache_free(xtcp_bb2_cachep, bb2);
}

/* bhash lock of @port held: find the (addr, port) bucket, no allocation. */
static struct xtcp_bind2_bucket *__xtcp_bb2_find(const struct net *net,
						 __be32 addr,
						 unsigned short port)
{
	struct xtcp_bhead *head2 = xtcp_bhead2(net, addr, port);
	struct xtcp_bind2_bucket *bb2, *found = NULL;

	xtcp_bhead_assert_held(net, port);
	spin_lock(&head2->lock);
	hlist_for_each_entry(bb2, &head2->chain, node)
		if (bb2->port == port && bb2->addr == addr &&
		    net_eq(read_pnet(&bb2->net), net)) {
			found = bb2;
			break;
		}
	spin_unlock(&head2->lock);
	return found;
}

/*
 * May @sk share a port with @sk2, a bound socket or a mini sock (only its
 * sock_common is read)? TCP's rules (inet_bind_conflict()): different
 * bound devices never conflict; SO_REUSEADDR on both is enough unless @sk2
 * listens (and unless @relax is false, as for bind(0)); SO_REUSEPORT on both
 * is enough when @reuseport_ok and the effective uids match, which a
 * TIME_WAIT entry (no owner any more) does not need. A mini sock carries
 * the SO_REUSEADDR/SO_REUSEPORT of the socket it replaced.
 */
static bool xtcp_bind_conflict(const struct sock *sk,
			       const struct sock_common *sk2, kuid_t uid,
			       bool relax, bool reuseport_ok)
{
	bool tw = sk2->skc_state == TCP_TIME_WAIT;
	int dev2;

	if (&sk->__sk_common == sk2)
		return false;
	dev2 = READ_ONCE(sk2->skc_bound_dev_if);
	if (sk->sk_bound_dev_if && dev2 && sk->sk_bound_dev_if != dev2)
		return false;

	if (sk->sk_reuse && sk2->skc_reuse &&
	    READ_ONCE(sk2->skc_state) != TCP_LISTEN) {
		if (!relax || (!reuseport_ok && sk->sk_reuseport &&
			       sk2->skc_reuseport &&
			       (tw || uid_eq(uid,
					     xtcp_sk_uid((struct sock *)sk2)))))
			return true;
		return false;
	}
	return !reuseport_ok || !sk->sk_reuseport || !sk2->skc_reuseport ||
	       (!tw && !uid_eq(uid, xtcp_sk_uid((struct sock *)sk2)));
}

static bool xtcp_addr_overlap(__be32 a, __be32 b)
{
	return !a || !b || a == b;
}

/*
 * bhash lock of @port held. A specific address only meets owners bound to
 * the same address or to the wildcard, found through bhash2; a wildcard
 * bind meets every owner of the port.
 */
static bool __xtcp_port_conflict(const struct sock *sk,
				 struct xtcp_bind_bucket *bb,
				 unsigned short port, bool relax,
				 bool reuseport_ok)
{
	kuid_t uid = xtcp_sk_uid(sk);
	__be32 addr = sk->sk_rcv_saddr;
	struct xtcp_bind2_bucket *bb2;
	struct xtcp_tw_sock *tw;
	struct xtcp_sock *xp2;
	int pass;

	xtcp_bhead_assert_held(sock_net(sk), port);
	if (!addr) {
		hlist_for_each_entry(xp2, &bb->owners, bind_node)
			if (xtcp_bind_conflict(sk, &xp2->inet.sk.__sk_common,
					       uid, relax, reuseport_ok) &&
			    xtcp_addr_overlap(addr, xp2->inet.inet_rcv_saddr))
				return true;
		hlist_for_each_entry(tw, &bb->tw_owners, bind_node)
			if (xtcp_bind_conflict(sk, &tw->common, uid, relax,
					       reuseport_ok))
				return true;
		return false;
	}

	for (pass = 0; pass < 2; pass++) {
		bb2 = __xtcp_bb2_find(sock_net(sk), pass ? 0 : addr, port);
		if (!bb2)
			continue;
		hlist_for_each_entry(xp2, &bb2->owners, bind2_node)
			if (xtcp_bind_conflict(sk, &xp2->inet.sk.__sk_common,
					       uid, relax, reuseport_ok))
				return true;
		hlist_for_each_entry(tw, &bb2->tw_owners, bind2_node)
			if (xtcp_bind_conflict(sk, &tw->common, uid, relax,
					       reuseport_ok))
				return true;
	}
	return false;
}

/* bhash lock of @bb->port held. */
static void __xtcp_bind_hash(struct sock *sk, struct xtcp_bind_bucket *bb,
			     struct xtcp_bind2_bucket *bb2)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	xtcp_bhead_assert_held(sock_net(sk), bb->port);
	inet_sk(sk)->inet_num = bb->port;
	hlist_add_head(&xp->bind_node, &bb->owners);
	xp->bb = bb;
	hlist_add_head(&xp->bind2_node, &bb2->owners);
	xp->bb2 = bb2;
}

/* bhash lock of @port held: bind @sk to @port, creating buckets. */
static int __xtcp_bind_to(struct sock *sk, struct xtcp_bhead *head,
			  struct xtcp_bind_bucket *bb, unsigned short port,
			  bool connect_only)
{
	struct net *net = sock_net(sk);
	struct xtcp_bind2_bucket *bb2;
	bool new_bb = false;

	lockdep_assert_held(&head->lock);
	if (!bb) {
		bb = __xtcp_bb_create(head, net, port);
		if (!bb)
			return -ENOMEM;
		bb->connect_only = connect_only;
		new_bb = true;
	}
	bb2 = __xtcp_bb2_get(net, sk->sk_rcv_saddr, port);
	if (!bb2) {
		if (new_bb)
			__xtcp_bb_put(bb);
		return -ENOMEM;
	}
	/*
	 * Only a bind that succeeds makes the port's bucket a bind()'s, as
	 * inet_csk_get_port() calls inet_csk_update_fastreuse() only on
	 * success: a bind() failing on its (address, port) bucket must not
	 * take a connect()-only port away from later connect()s.
	 */
	if (!connect_only)
		bb->connect_only = false;
	__xtcp_bind_hash(sk, bb, bb2);
	return 0;
}

static int xtcp_find_open_port(struct sock *sk)
{
	struct net *net = sock_net(sk);
	struct xtcp_bind_bucket *bb;
	struct xtcp_bhead *head;
	int low, high, err;
	u32 remaining, offset, i;
	unsigned short port;

	/* inet_csk_find_open_port(): the socket's range within the netns's. */
	xtcp_sk_local_port_range(sk, &low, &high);
	if (high < low)
		return -EADDRINUSE;
	remaining = high - low + 1;
	offset = get_random_u32_below(remaining);

	for (i = 0; i < remaining; i++) {
		port = low + (offset + i) % remaining;
		if (inet_is_local_reserved_port(net, port))
			continue;
		head = xtcp_bhead(net, port);
		spin_lock_bh(&head->lock);
		bb = __xtcp_bb_find(head, net, port);
		/* bind(0) never shares: relax and reuseport both off. */
		if (!bb || !__xtcp_port_conflict(sk, bb, port, false, false)) {
			err = __xtcp_bind_to(sk, head, bb, port, false);
			spin_unlock_bh(&head->lock);
			return err;
		}
		spin_unlock_bh(&head->lock);
		cond_resched();
	}
	return -EADDRINUSE;
}

/**
 * xtcp_get_port() - bind @sk to @snum, or to a free ephemeral port if 0
 * @sk: socket; the owner's lock held. For listen() @sk is already in
 *	TCP_LISTEN and possibly bound to @snum: the conflict check is redone
 *	against the other owners, as inet_csk_get_port() does.
 * @snum: port in host order, or 0
 *
 * Return: 0, -EADDRINUSE on a conflict or exhausted range, -ENOMEM.
 */
int xtcp_get_port(struct sock *sk, unsigned short snum)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct xtcp_bind_bucket *bb;
	struct xtcp_bhead *head;
	int err = 0;

	sock_owned_by_me(sk);
	if (!snum)
		return xtcp_find_open_port(sk);

	head = xtcp_bhead(net, snum);
	spin_lock_bh(&head->lock);
	bb = __xtcp_bb_find(head, net, snum);
	if (bb && __xtcp_port_conflict(sk, bb, snum, true, true))
		err = -EADDRINUSE;
	else if (!xp->bb)
		err = __xtcp_bind_to(sk, head, bb, snum, false);
	spin_unlock_bh(&head->lock);
	return err;
}

/**
 * xtcp_put_port() - release @sk's port (TCP's inet_put_port)
 * @sk: socket, bound or not; any context
 */
void xtcp_put_port(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_bind_bucket *bb;
	struct xtcp_bhead *head;

	if (!xp->bb)
		return;
	head = xtcp_bhead(sock_net(sk), xp->bb->port);
	spin_lock_bh(&head->lock);
	bb = xp->bb;
	if (bb) {
		hlist_del_init(&xp->bind_node);
		xp->bb = NULL;
		hlist_del_init(&xp->bind2_node);
		__xtcp_bb2_put(xp->bb2);
		xp->bb2 = NULL;
		xtcp_bb2_spare_free(xp);
		__xtcp_bb_put(bb);
		inet_sk(sk)->inet_num = 0;
	}
	spin_unlock_bh(&head->lock);
}

/**
 * xtcp_inherit_port() - bind a new child to its listener's port
 * @child: clone of @lst with its local address set; not yet visible
 * @lst: listener, bound
 *
 * The child joins the port's bucket and the (local address, port) bucket,
 * so later binds see the connection as TCP's do.
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_inherit_port(struct sock *child, const struct sock *lst)
{
	struct xtcp_sock *xc = xtcp_sk(child);
	unsigned short port = lst->sk_num;
	struct xtcp_bind_bucket *bb;
	struct xtcp_bhead *head;
	int err = -ENOMEM;

	xc->bb = NULL;
	xc->bb2 = NULL;
	xc->bb2_spare = NULL;	/* the listener's, if any */
	head = xtcp_bhead(sock_net(child), port);
	spin_lock_bh(&head->lock);
	bb = __xtcp_bb_find(head, sock_net(child), port);
	if (bb) {
		struct xtcp_bind2_bucket *bb2;

		bb2 = __xtcp_bb2_get(sock_net(child), child->sk_rcv_saddr,
				     port);
		if (bb2) {
			__xtcp_bind_hash(child, bb, bb2);
			err = 0;
		}
	}
	spin_unlock_bh(&head->lock);
	return err;
}

/**
 * xtcp_bind2_update_saddr() - move @sk to the (@saddr, port) bucket
 * @sk: socket; the owner's lock held (process context)
 * @saddr: new local address, or INADDR_ANY to undo a connect()'s choice
 *
 * connect() picks the source address after bind(); TCP moves the socket in
 * bhash2 so that a later specific-address bind sees it
 * (inet_bhash2_update_saddr()). Sets inet_saddr and inet_rcv_saddr.
 *
 * Undoing the move (connect() failure, disconnect) must not fail, or the
 * socket would stay in the (address, port) bucket: the (INADDR_ANY, port)
 * bucket it left may have been freed meanwhile. So a bound socket leaving
 * for a specific address first sets aside a bucket, xtcp_sock.bb2_spare,
 * that the way back uses when it has to recreate that bucket.
 *
 * A socket that never left the wildcard bucket through connect() (an
 * accepted child) has no spare; if recreating the bucket fails it loses
 * its port instead, as in inet_bhash2_reset_saddr().
 *
 * Return: 0, or -ENOMEM when moving to a specific address (then nothing
 * changed). Always 0 for INADDR_ANY.
 */
int xtcp_bind2_update_saddr(struct sock *sk, __be32 saddr)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_bind2_bucket *bb2, *old, *spare = NULL;
	struct xtcp_bhead *head;

	sock_owned_by_me(sk);
	if (!xp->bb) {
		inet->inet_saddr = saddr;
		inet->inet_rcv_saddr = saddr;
		return 0;
	}
	if (saddr && !xp->bb2_spare) {
		spare = kmem_cache_zalloc(xtcp_bb2_cachep, GFP_KERNEL);
		if (!spare)
			return -ENOMEM;
	}
	head = xtcp_bhead(sock_net(sk), xp->bb->port);
	spin_lock_bh(&head->lock);
	if (saddr) {
		bb2 = __xtcp_bb2_get(sock_net(sk), saddr, xp->bb->port);
		if (!bb2) {
			spin_unlock_bh(&head->lock);
			if (spare)
				kmem_cache_free(xtcp_bb2_cachep, spare);
			return -ENOMEM;
		}
		if (spare)
			xp->bb2_spare = spare;
	} else {
		/* Cannot fail when connect() set a spare aside. */
		bb2 = __xtcp_bb2_get_spare(sock_net(sk), 0, xp->bb->port,
					   &xp->bb2_spare);
		if (!bb2) {
			/*
			 * An accepted child disconnecting after its listener
			 * left: as TCP does, give up the port rather than
			 * stay at the old address.
			 */
			spin_unlock_bh(&head->lock);
			xtcp_put_port(sk);
			inet->inet_saddr = 0;
			inet->inet_rcv_saddr = 0;
			return 0;
		}
		xtcp_bb2_spare_free(xp);
	}
	old = xp->bb2;
	hlist_del(&xp->bind2_node);
	hlist_add_head(&xp->bind2_node, &bb2->owners);
	xp->bb2 = bb2;
	if (old != bb2)
		__xtcp_bb2_put(old);
	inet->inet_saddr = saddr;
	inet->inet_rcv_saddr = saddr;
	spin_unlock_bh(&head->lock);
	return 0;
}

/**
 * xtcp_bind_tw_hash() - let a mini sock hold the port of the socket it
 *	replaces
 * @tw: new mini sock, not yet visible
 * @sk: its socket, still bound; bh_lock_sock() or the owner's lock held
 *
 * The mini sock joins the socket's buckets before the socket leaves them,
 * so the port is never free in between (TCP: inet_twsk_hashdance). An
 * unbound socket (already gave its port up) leaves @tw without one.
 */
void xtcp_bind_tw_hash(struct xtcp_tw_sock *tw, struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_bhead *head;

	tw->bb = NULL;
	tw->bb2 = NULL;
	if (!xp->bb)
		return;
	head = xtcp_bhead(sock_net(sk), xp->bb->port);
	spin_lock_bh(&head->lock);
	if (xp->bb && xp->bb2) {
		tw->bb = xp->bb;
		tw->bb2 = xp->bb2;
		hlist_add_head(&tw->bind_node, &tw->bb->tw_owners);
		hlist_add_head(&tw->bind2_node, &tw->bb2->tw_owners);
	}
	spin_unlock_bh(&head->lock);
}

/**
 * xtcp_bind_tw_unhash() - a dying mini sock gives its port up
 * @tw: mini sock, no longer in the established table; any context
 *
 * Frees the buckets when it was their last owner.
 */
void xtcp_bind_tw_unhash(struct xtcp_tw_sock *tw)
{
	struct xtcp_bind_bucket *bb = tw->bb;
	struct xtcp_bhead *head;

	if (!bb)
		return;
	head = xtcp_bhead(read_pnet(&tw->common.skc_net), bb->port);
	spin_lock_bh(&head->lock);
	hlist_del_init(&tw->bind_node);
	hlist_del_init(&tw->bind2_node);
	__xtcp_bb2_put(tw->bb2);
	__xtcp_bb_put(bb);
	tw->bb = NULL;
	tw->bb2 = NULL;
	spin_unlock_bh(&head->lock);
}

/* Hash @sk into the established table; bhash lock of its port held. */
static int __xtcp_connect_hash(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	int err;

	xtcp_bhead_assert_held(sock_net(sk), inet->inet_num);
	sk->sk_hash = xtcp_ehashfn(sock_net(sk), inet->inet_rcv_saddr,
				   inet->inet_num, inet->inet_daddr,
				   inet->inet_dport);
	sock_hold(sk);	/* the established table's reference */
	err = xtcp_ehash_insert_unique(&sk->__sk_common);
	if (err)
		__sock_put(sk);
	return err;
}

/**
 * xtcp_connect_port() - choose the local port and hash a connecting socket
 * @sk: socket in SYN_SENT with both addresses and the remote port set; the
 *	owner's lock held
 *
 * A socket bound by the user keeps its port; the 4-tuple must still be
 * unique. Otherwise RFC 6056 algorithm 4 (like __inet_hash_connect()):
 * start at F(addresses, remote port, secret) plus a per-hash-slot increment,
 * walk the range, share only ports that connect() itself took, and require
 * a unique 4-tuple in the established table.
 *
 * Return: 0, or -EADDRNOTAVAIL when no port gives a unique 4-tuple.
 */
int xtcp_connect_port(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	struct xtcp_bind_bucket *bb;
	struct xtcp_bhead *head;
	u32 remaining, offset, index, i;
	unsigned short port;
	u64 hash;
	int low, high, err;

	sock_owned_by_me(sk);
	if (inet->inet_num) {
		head = xtcp_bhead(net, inet->inet_num);
		spin_lock_bh(&head->lock);
		err = __xtcp_connect_hash(sk);
		spin_unlock_bh(&head->lock);
		return err;
	}

	/* __inet_hash_connect(): the socket's range within the netns's. */
	xtcp_sk_local_port_range(sk, &low, &high);
	if (high < low)
		return -EADDRNOTAVAIL;
	remaining = high - low + 1;
	/* __inet_hash_connect(): index and offset from independent halves. */
	hash = xtcp_port_offset(inet->inet_rcv_saddr, inet->inet_daddr,
				inet->inet_dport);
	index = hash & (XTCP_PERTURB_SIZE - 1);
	offset = (READ_ONCE(xtcp_port_perturb[index]) + (u32)(hash >> 32)) %
		 remaining;

	for (i = 0; i < remaining; i++) {
		port = low + (offset + i) % remaining;
		if (inet_is_local_reserved_port(net, port))
			continue;
		head = xtcp_bhead(net, port);
		spin_lock_bh(&head->lock);
		bb = __xtcp_bb_find(head, net, port);
		if (bb && !bb->connect_only)
			goto next;
		inet->inet_num = port;
		inet->inet_sport = htons(port);
		if (__xtcp_connect_hash(sk))
			goto next;
		err = __xtcp_bind_to(sk, head, bb, port, true);
		if (err) {
			xtcp_ehash_remove(&sk->__sk_common);
			__sock_put(sk);
			goto next;
		}
		spin_unlock_bh(&head->lock);
		/* Next connect to this destination hash starts further on. */
		WRITE_ONCE(xtcp_port_perturb[index],
			   READ_ONCE(xtcp_port_perturb[index]) + i + 1 +
			   get_random_u32_below(8));
		return 0;
next:
		inet->inet_num = 0;
		inet->inet_sport = 0;
		spin_unlock_bh(&head->lock);
		cond_resched();
	}
	return -EADDRNOTAVAIL;
}

/**
 * xtcp_bind_init() - allocate the bind tables and bucket caches
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_bind_init(void)
{
	unsigned long n = xtcp_bhash_entries;
	u32 i, size;

	if (!n)
		n = totalram_pages() / 128;
	size = roundup_pow_of_two(clamp_t(unsigned long, n, 256, 1UL << 20));

	get_random_bytes(&xtcp_bind_key, sizeof(xtcp_bind_key));
	xtcp_bhash = kvmalloc_array(size, sizeof(*xtcp_bhash), GFP_KERNEL);
	xtcp_bhash2 = kvmalloc_array(size, sizeof(*xtcp_bhash2), GFP_KERNEL);
	xtcp_bb_cachep = KMEM_CACHE(xtcp_bind_bucket, 0);
	xtcp_bb2_cachep = KMEM_CACHE(xtcp_bind2_bucket, 0);
	xtcp_port_perturb = kvmalloc_array(XTCP_PERTURB_SIZE,
					   sizeof(*xtcp_port_perturb),
					   GFP_KERNEL);
	if (!xtcp_bhash || !xtcp_bhash2 || !xtcp_bb_cachep ||
	    !xtcp_bb2_cachep || !xtcp_port_perturb) {
		xtcp_bind_exit();
		return -ENOMEM;
	}
	get_random_bytes(xtcp_port_perturb,
			 XTCP_PERTURB_SIZE * sizeof(*xtcp_port_perturb));
	xtcp_bhash_mask = size - 1;
	for (i = 0; i < size; i++) {
		spin_lock_init(&xtcp_bhash[i].lock);
		INIT_HLIST_HEAD(&xtcp_bhash[i].chain);
		spin_lock_init(&xtcp_bhash2[i].lock);
		INIT_HLIST_HEAD(&xtcp_bhash2[i].chain);
	}
	return 0;
}

/**
 * xtcp_bind_exit() - free the bind tables; every socket must be gone
 */
void xtcp_bind_exit(void)
{
	kmem_cache_destroy(xtcp_bb2_cachep);
	kmem_cache_destroy(xtcp_bb_cachep);
	kvfree(xtcp_bhash2);
	kvfree(xtcp_bhash);
	kvfree(xtcp_port_perturb);
	xtcp_port_perturb = NULL;
	xtcp_bb2_cachep = NULL;
	xtcp_bb_cachep = NULL;
	xtcp_bhash2 = NULL;
	xtcp_bhash = NULL;
}
