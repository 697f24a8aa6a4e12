// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP established and listening tables (Linux: inet_hashtables.c's ehash
 * and lhash2), the hash secrets, ISN and RFC 6056 port offset.
 *
 * Both tables are global and keyed by netns (net_hash_mix() is folded into
 * every hash and lookups compare the netns). Chains are RCU hlist_nulls with
 * one spinlock per bucket: lookups run under RCU and take a reference with
 * refcount_inc_not_zero(); writers hold the bucket lock. Entries may move
 * between chains (a socket that stops listening and later connects), so each
 * chain ends in a distinct nulls value and a lookup that finishes on a
 * foreign nulls restarts. Full sockets come from a SLAB_TYPESAFE_BY_RCU
 * cache, as TCP's: an established-table entry seen under RCU may be freed
 * and reused for another socket, so a lookup rechecks the 4-tuple after
 * taking its reference; listeners are SOCK_RCU_FREE (their lookup does not
 * recheck). Request and mini socks are freed after a grace period.
 */
#include <linux/memblock.h>
#include <linux/seq_file.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/netns/hash.h>

#include "xtcp.h"

/* lhash chains end in nulls values that no ehash chain uses. */
#define XTCP_LHASH_NULLS_BASE	BIT(29)
#define XTCP_LHASH_SIZE		256

/**
 * struct xtcp_lhead - a listening-table bucket
 * @lock: protects writers of @chain; readers use RCU
 * @chain: listeners hashed by (net, address, port), sk_nulls_node
 */
struct xtcp_lhead {
	spinlock_t		lock;	/* writers of @chain */
	struct hlist_nulls_head	chain;
};

static struct {
	struct hlist_nulls_head	*ehash;
	spinlock_t		*ehash_locks;	/* one per ehash bucket */
	u32			ehash_mask;
	struct xtcp_lhead	*lhash;
} xtcp_tables __read_mostly;

/*
 * Table hashes only pick a bucket: HalfSipHash is the kernel's keyed hash
 * for hash tables (Documentation/security/siphash.rst). The ISN and the
 * port offset are secrets on the wire and keep full SipHash.
 */
static hsiphash_key_t xtcp_hash_key __read_mostly;
static siphash_key_t xtcp_isn_key __read_mostly;
static siphash_key_t xtcp_port_key __read_mostly;

/**
 * xtcp_ehashfn() - established-table hash of a 4-tuple in @net
 * @net: network namespace
 * @laddr: local address
 * @lport: local port, host order
 * @faddr: remote address
 * @fport: remote port, network order
 *
 * Return: the hash; the bucket is its low bits.
 */
u32 xtcp_ehashfn(const struct net *net, __be32 laddr, u16 lport,
		 __be32 faddr, __be16 fport)
{
	return hsiphash_4u32((__force u32)laddr, (__force u32)faddr,
			     ((u32)lport << 16) | (__force u16)fport,
			     net_hash_mix(net), &xtcp_hash_key);
}

static u32 xtcp_lhashfn(const struct net *net, __be32 addr, u16 port)
{
	return hsiphash_3u32((__force u32)addr, port, net_hash_mix(net),
			     &xtcp_hash_key) & (XTCP_LHASH_SIZE - 1);
}

/**
 * xtcp_ehash_lock() - the bucket lock guarding @hash's chain
 * @hash: an ehash value (sk_hash)
 *
 * Return: the spinlock; take it with BHs disabled.
 */
spinlock_t *xtcp_ehash_lock(u32 hash)
{
	return &xtcp_tables.ehash_locks[hash & xtcp_tables.ehash_mask];
}

/**
 * xtcp_isn() - initial sequence number for a connection (RFC 6528)
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * Return: keyed hash of the 4-tuple plus a 64 ns clock.
 */
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
				((__force u32)sport << 16) | (__force u32)dport,
				&xtcp_isn_key);

	return hash + (u32)(ktime_get_real_ns() >> 6);
}

/**
 * xtcp_port_offset() - RFC 6056 keyed per-destination port offset
 * @saddr: local address
 * @daddr: remote address
 * @dport: remote port
 *
 * Return: F(saddr, daddr, dport, secret), 64 bits: the connect path takes
 * its perturbation table index and its offset from the two independent
 * halves (secure_ipv4_port_ephemeral()).
 */
u64 xtcp_port_offset(__be32 saddr, __be32 daddr, __be16 dport)
{
	return siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)dport, &xtcp_port_key);
}

static bool xtcp_ehash_match(const struct sock_common *skc,
			     const struct net *net, __be32 saddr,
			     __be16 sport, __be32 daddr, u16 hnum,
			     int dif, int sdif)
{
	int bound;

	if (skc->skc_daddr != saddr || skc->skc_rcv_saddr != daddr ||
	    skc->skc_dport != sport || skc->skc_num != hnum)
		return false;
	if (!net_eq(read_pnet(&skc->skc_net), net))
		return false;
	bound = READ_ONCE(skc->skc_bound_dev_if);
	return !bound || bound == dif || bound == sdif;
}

/**
 * xtcp_skc_put() - drop a reference on a table entry of any kind
 * @skc: full socket, request sock (TCP_NEW_SYN_RECV) or mini sock
 *	(TCP_TIME_WAIT), as sock_gen_put() does for TCP's
 */
void xtcp_skc_put(struct sock_common *skc)
{
	if (skc->skc_state == TCP_NEW_SYN_RECV)
		xtcp_reqsk_put((struct xtcp_request_sock *)skc);
	else if (skc->skc_state == TCP_TIME_WAIT)
		xtcp_tw_put((struct xtcp_tw_sock *)skc);
	else
		sock_put((struct sock *)skc);
}

/**
 * xtcp_ehash_lookup() - find the full socket or request for a 4-tuple
 * @net: network namespace of the segment
 * @saddr: remote (source) address
 * @sport: remote port
 * @daddr: local (destination) address
 * @hnum: local port, host order
 * @dif: incoming interface
 * @sdif: incoming L3 master slave interface, or 0
 *
 * Lockless (RCU). A request sock is returned as a struct sock whose
 * sk_state is TCP_NEW_SYN_RECV; only its sock_common part may be touched.
 *
 * Return: a referenced entry or NULL.
 */
struct sock *xtcp_ehash_lookup(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, u16 hnum, int dif, int sdif)
{
	u32 hash = xtcp_ehashfn(net, daddr, hnum, saddr, sport);
	u32 slot = hash & xtcp_tables.ehash_mask;
	struct hlist_nulls_node *node;
	struct sock_common *skc;

	rcu_read_lock();
begin:
	hlist_nulls_for_each_entry_rcu(skc, node, &xtcp_tables.ehash[slot],
				       skc_nulls_node) {
		if (skc->skc_hash != hash ||
		    !xtcp_ehash_match(skc, net, saddr, sport, daddr, hnum,
				      dif, sdif))
			continue;
		/* Being freed: it is leaving the table, nothing else matches. */
		if (unlikely(!refcount_inc_not_zero(&skc->skc_refcnt)))
			goto out;
		/* It may have been rehashed between the match and the ref. */
		if (unlikely(!xtcp_ehash_match(skc, net, saddr, sport, daddr,
					       hnum, dif, sdif))) {
			xtcp_skc_put(skc);
			goto begin;
		}
		rcu_read_unlock();
		return (struct sock *)skc;
	}
	if (get_nulls_value(node) != slot)
		goto begin;
out:
	rcu_read_unlock();
	return NULL;
}

/**
 * xtcp_ehash_insert_unique() - hash @skc unless its 4-tuple is taken
 * @skc: full socket or request with addresses, ports, netns and skc_hash set
 *
 * The check and the insert happen under one bucket lock, so two CPUs
 * inserting the same 4-tuple yield exactly one entry. A TIME_WAIT or
 * FIN_WAIT2 mini sock with the same 4-tuple counts as in use: TCP reuses
 * one only when its timestamps make it safe (tcp_twsk_unique()), and XTCP
 * sends none. The caller provides the reference the table keeps.
 *
 * Return: 0, or -EADDRNOTAVAIL if an entry with the same 4-tuple exists.
 */
int xtcp_ehash_insert_unique(struct sock_common *skc)
{
	struct hlist_nulls_head *head;
	struct hlist_nulls_node *node;
	struct sock_common *other;
	spinlock_t *lock;	/* the bucket's */

	head = &xtcp_tables.ehash[skc->skc_hash & xtcp_tables.ehash_mask];
	lock = xtcp_ehash_lock(skc->skc_hash);

	spin_lock_bh(lock);
	hlist_nulls_for_each_entry(other, node, head, skc_nulls_node) {
		if (other->skc_hash == skc->skc_hash &&
		    xtcp_ehash_match(other, read_pnet(&skc->skc_net),
				     skc->skc_daddr, skc->skc_dport,
				     skc->skc_rcv_saddr, skc->skc_num,
				     skc->skc_bound_dev_if, 0)) {
			spin_unlock_bh(lock);
			return -EADDRNOTAVAIL;
		}
	}
	hlist_nulls_add_head_rcu(&skc->skc_nulls_node, head);
	spin_unlock_bh(lock);
	return 0;
}

/**
 * xtcp_ehash_remove() - unhash @skc if it is hashed
 * @skc: entry
 *
 * Exactly one caller can win for a given hashing: the test and the removal
 * are under the bucket lock. The table's reference is not dropped here.
 *
 * Return: true if this call removed it.
 */
bool xtcp_ehash_remove(struct sock_common *skc)
{
	spinlock_t *lock = xtcp_ehash_lock(skc->skc_hash);
	bool removed = false;

	spin_lock_bh(lock);
	if (!hlist_nulls_unhashed(&skc->skc_nulls_node)) {
		hlist_nulls_del_init_rcu(&skc->skc_nulls_node);
		removed = true;
	}
	spin_unlock_bh(lock);
	return removed;
}

/**
 * xtcp_ehash_replace() - put @new in @old's place if @old is still hashed
 * @old: request being promoted
 * @new: child with the same 4-tuple (so the same bucket)
 *
 * Insert before delete under the bucket lock: a concurrent RCU lookup sees
 * @old, @new or both, never neither.
 *
 * Return: true if @old was hashed and is now replaced.
 */
bool xtcp_ehash_replace(struct sock_common *old, struct sock_common *new)
{
	struct hlist_nulls_head *head;
	spinlock_t *lock = xtcp_ehash_lock(old->skc_hash);
	bool done = false;

	WARN_ON_ONCE((old->skc_hash ^ new->skc_hash) & xtcp_tables.ehash_mask);
	head = &xtcp_tables.ehash[old->skc_hash & xtcp_tables.ehash_mask];

	spin_lock_bh(lock);
	if (!hlist_nulls_unhashed(&old->skc_nulls_node)) {
		hlist_nulls_add_head_rcu(&new->skc_nulls_node, head);
		hlist_nulls_del_init_rcu(&old->skc_nulls_node);
		done = true;
	}
	spin_unlock_bh(lock);
	return done;
}

/**
 * xtcp_ehash_replace_tw() - put a mini sock in place of its full socket
 * @sk: hashed socket
 * @tw: mini sock with @sk's 4-tuple and hash, timer set up, not visible
 * @expires: when @tw's timer fires (jiffies)
 *
 * Insert before delete, as xtcp_ehash_replace(), and arm @tw's timer under
 * the same bucket lock: whoever later unhashes @tw (its timer included,
 * whose xtcp_ehash_remove() waits for this lock) finds the timer armed, so
 * "unhashed" implies "timer armed once" and the killer can stop it.
 *
 * Return: true if @sk was hashed and is now replaced (@tw's timer runs).
 */
bool xtcp_ehash_replace_tw(struct sock *sk, struct xtcp_tw_sock *tw,
			   unsigned long expires)
{
	struct hlist_nulls_head *head;
	spinlock_t *lock = xtcp_ehash_lock(sk->sk_hash);
	bool done = false;

	head = &xtcp_tables.ehash[sk->sk_hash & xtcp_tables.ehash_mask];
	spin_lock_bh(lock);
	if (!hlist_nulls_unhashed(&sk->sk_nulls_node)) {
		hlist_nulls_add_head_rcu(&tw->common.skc_nulls_node, head);
		hlist_nulls_del_init_rcu(&sk->sk_nulls_node);
		mod_timer(&tw->timer, expires);
		done = true;
	}
	spin_unlock_bh(lock);
	return done;
}

/**
 * xtcp_lhash_add() - make a listener visible to incoming SYNs
 * @sk: socket in TCP_LISTEN with inet_num set; the owner's lock held
 */
void xtcp_lhash_add(struct sock *sk)
{
	struct xtcp_lhead *lh;

	sock_owned_by_me(sk);
	lh = &xtcp_tables.lhash[xtcp_lhashfn(sock_net(sk), sk->sk_rcv_saddr,
					     sk->sk_num)];
	spin_lock_bh(&lh->lock);
	hlist_nulls_add_head_rcu(&sk->sk_nulls_node, &lh->chain);
	spin_unlock_bh(&lh->lock);
}

/**
 * xtcp_lhash_remove() - stop a listener receiving new SYNs
 * @sk: listener; the owner's lock held. No-op if it is not hashed.
 */
void xtcp_lhash_remove(struct sock *sk)
{
	struct xtcp_lhead *lh;

	sock_owned_by_me(sk);
	lh = &xtcp_tables.lhash[xtcp_lhashfn(sock_net(sk), sk->sk_rcv_saddr,
					     sk->sk_num)];
	spin_lock_bh(&lh->lock);
	if (!hlist_nulls_unhashed(&sk->sk_nulls_node))
		hlist_nulls_del_init_rcu(&sk->sk_nulls_node);
	spin_unlock_bh(&lh->lock);
}

static int xtcp_listener_score(const struct sock *sk, const struct net *net,
			       __be32 daddr, u16 hnum, int dif, int sdif)
{
	int bound, score = 1;

	if (!net_eq(sock_net(sk), net) || sk->sk_num != hnum ||
	    READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return -1;
	if (sk->sk_rcv_saddr && sk->sk_rcv_saddr != daddr)
		return -1;
	bound = READ_ONCE(sk->sk_bound_dev_if);
	if (bound) {
		if (bound != dif && bound != sdif)
			return -1;
		score++;
	}
	return score;
}

/*
 * Best listener in one bucket under RCU. Listeners of one SO_REUSEPORT
 * group (same best score, all with sk_reuseport) share the flow by hash.
 */
static struct sock *xtcp_lhash_lookup_bucket(const struct net *net,
					     __be32 addr, u32 flow_hash,
					     __be32 daddr, u16 hnum,
					     int dif, int sdif)
{
	u32 slot = xtcp_lhashfn(net, addr, hnum);
	struct hlist_nulls_head *head = &xtcp_tables.lhash[slot].chain;
	struct hlist_nulls_node *node;
	struct sock *sk, *result;
	int score, hiscore;
	u32 matches, pick;

begin:
	result = NULL;
	hiscore = 0;
	matches = 0;
	sk_nulls_for_each_rcu(sk, node, head) {
		score = xtcp_listener_score(sk, net, daddr, hnum, dif, sdif);
		if (score > hiscore) {
			result = sk;
			hiscore = score;
			matches = 1;
		} else if (score == hiscore && score > 0 &&
			   sk->sk_reuseport && result->sk_reuseport) {
			matches++;
		}
	}
	if (get_nulls_value(node) != slot + XTCP_LHASH_NULLS_BASE)
		goto begin;
	if (matches <= 1 || !result->sk_reuseport)
		return result;

	pick = reciprocal_scale(flow_hash, matches);
	sk_nulls_for_each_rcu(sk, node, head) {
		if (sk->sk_reuseport &&
		    xtcp_listener_score(sk, net, daddr, hnum, dif,
					sdif) == hiscore && !pick--)
			return sk;
	}
	return result;
}

/**
 * xtcp_listener_lookup() - listener for a segment to (daddr, hnum)
 * @net: network namespace of the segment
 * @skb: the segment (unused for now; reuseport BPF would take it)
 * @saddr: remote address
 * @sport: remote port
 * @daddr: local address
 * @hnum: local port, host order
 * @dif: incoming interface
 * @sdif: incoming L3 master slave interface, or 0
 *
 * Like __inet_lookup_listener(): the (daddr, port) bucket first, so a
 * listener bound to the specific address wins over a wildcard one, then the
 * (INADDR_ANY, port) bucket.
 *
 * Return: a referenced listener or NULL.
 */
struct sock *xtcp_listener_lookup(struct net *net, struct sk_buff *skb,
				  __be32 saddr, __be16 sport,
				  __be32 daddr, u16 hnum, int dif, int sdif)
{
	u32 flow_hash = xtcp_ehashfn(net, daddr, hnum, saddr, sport);
	struct sock *sk;

	rcu_read_lock();
	sk = xtcp_lhash_lookup_bucket(net, daddr, flow_hash, daddr, hnum,
				      dif, sdif);
	if (!sk)
		sk = xtcp_lhash_lookup_bucket(net, htonl(INADDR_ANY),
					      flow_hash, daddr, hnum,
					      dif, sdif);
	if (sk && !refcount_inc_not_zero(&sk->sk_refcnt))
		sk = NULL;
	rcu_read_unlock();
	return sk;
}

/* Next request or mini sock of @net in bucket @slot, referenced, or NULL. */
static struct sock_common *xtcp_ehash_next_mini(struct net *net, u32 slot)
{
	struct hlist_nulls_node *node;
	struct sock_common *skc;

	rcu_read_lock();
	hlist_nulls_for_each_entry_rcu(skc, node, &xtcp_tables.ehash[slot],
				       skc_nulls_node) {
		if ((skc->skc_state != TCP_NEW_SYN_RECV &&
		     skc->skc_state != TCP_TIME_WAIT) ||
		    !net_eq(read_pnet(&skc->skc_net), net))
			continue;
		if (!refcount_inc_not_zero(&skc->skc_refcnt))
			continue;
		rcu_read_unlock();
		return skc;
	}
	rcu_read_unlock();
	return NULL;
}

/**
 * xtcp_ehash_purge_net() - free every request and mini sock of a dying netns
 * @net: namespace being dismantled (no process or socket uses it)
 *
 * Listener close already purges its requests; this is the backstop for
 * netns exit and module unload, and the end of every TIME_WAIT/FIN_WAIT2
 * mini sock (which then gives its port up). Each is unlinked and its timer
 * deleted synchronously (a mini sock's running timer is waited for even
 * when it won the unlink); peers are left to time out (no RST from a
 * dying netns).
 */
void xtcp_ehash_purge_net(struct net *net)
{
	struct sock_common *skc;
	u32 slot;

	for (slot = 0; slot <= xtcp_tables.ehash_mask; slot++) {
		while ((skc = xtcp_ehash_next_mini(net, slot))) {
			if (skc->skc_state == TCP_TIME_WAIT) {
				xtcp_tw_kill((struct xtcp_tw_sock *)skc, true);
			} else {
				xtcp_reqsk_kill((struct xtcp_request_sock *)skc,
						false);
			}
			xtcp_skc_put(skc);
		}
		cond_resched();
	}
}

/**
 * xtcp_ehash_size() - buckets of the established table
 *
 * Return: the bucket count, fixed from xtcp_hash_init() to xtcp_hash_exit().
 */
u32 xtcp_ehash_size(void)
{
	return xtcp_tables.ehash_mask + 1;
}

/*
 * /proc/net/xtcp/sockets iterator, like tcp4_seq: the listening table, then
 * the established table, one bucket at a time. rcu_read_lock() is held
 * from the moment an entry of a bucket is returned until the walk leaves
 * that bucket or stops, never across buckets, so a large table cannot
 * stall RCU. A read() resuming at the last position rescans only the
 * saved bucket, skipping the entries of the netns already shown there.
 */
static u32 xtcp_seq_buckets(int table)
{
	return table ? xtcp_tables.ehash_mask + 1 : XTCP_LHASH_SIZE;
}

static struct hlist_nulls_head *xtcp_seq_head(int table, u32 bucket)
{
	return table ? &xtcp_tables.ehash[bucket] :
		       &xtcp_tables.lhash[bucket].chain;
}

/*
 * What keeps the entries of one bucket alive while /proc shows them.
 * Listeners are SOCK_RCU_FREE, so RCU is enough for the listening table.
 * The established table holds SLAB_TYPESAFE_BY_RCU sockets, which may be
 * freed and reused under an RCU reader (and the reuse re-initialises the
 * locks that showing a socket takes): hold the bucket lock too, which
 * every removal takes, as TCP's established_get_first() does. RCU stays
 * held so the walk's rcu_dereference()s are legal either way.
 */
static void xtcp_seq_lock(int table, u32 bucket)
{
	rcu_read_lock();
	if (table)
		spin_lock_bh(xtcp_ehash_lock(bucket));
}

static void xtcp_seq_unlock(int table, u32 bucket)
{
	if (table)
		spin_unlock_bh(xtcp_ehash_lock(bucket));
	rcu_read_unlock();
}

/*
 * Entry number @skip of @st->net in bucket (@st->table, @st->bucket), or
 * the first one of a later bucket. Returns with the bucket held
 * (xtcp_seq_lock()) when it finds one.
 */
static struct sock_common *xtcp_seq_find(struct xtcp_seq_state *st,
					 struct net *net, u32 skip)
{
	struct hlist_nulls_node *node;
	struct sock_common *skc;

	for (; st->table < 2; st->table++, st->bucket = 0, skip = 0) {
		for (; st->bucket < xtcp_seq_buckets(st->table);
		     st->bucket++, skip = 0) {
			struct hlist_nulls_head *head;
			u32 idx = 0;

			head = xtcp_seq_head(st->table, st->bucket);
			if (hlist_nulls_empty(head))
				continue;
			xtcp_seq_lock(st->table, st->bucket);
			hlist_nulls_for_each_entry_rcu(skc, node, head,
						       skc_nulls_node) {
				if (!net_eq(read_pnet(&skc->skc_net), net))
					continue;
				if (idx == skip) {
					st->offset = idx;
					return skc;
				}
				idx++;
			}
			xtcp_seq_unlock(st->table, st->bucket);
		}
	}
	return NULL;
}

/* The entry after @cur (its bucket held), or NULL at the end. */
static struct sock_common *xtcp_seq_advance(struct xtcp_seq_state *st,
					    struct net *net,
					    struct sock_common *cur)
{
	struct hlist_nulls_node *node;
	struct sock_common *skc;

	st->num++;
	for (node = rcu_dereference(hlist_nulls_next_rcu(&cur->skc_nulls_node));
	     !is_a_nulls(node);
	     node = rcu_dereference(hlist_nulls_next_rcu(node))) {
		skc = hlist_nulls_entry(node, struct sock_common,
					skc_nulls_node);
		if (net_eq(read_pnet(&skc->skc_net), net)) {
			st->offset++;
			return skc;
		}
	}
	xtcp_seq_unlock(st->table, st->bucket);
	st->bucket++;
	return xtcp_seq_find(st, net, 0);
}

/**
 * xtcp_seq_start() - seq_file start of /proc/net/xtcp/sockets
 * @seq: the file; its private data is a struct xtcp_seq_state
 * @pos: position; 0 is the header
 *
 * Return: SEQ_START_TOKEN, an entry (its bucket held), or NULL.
 */
void *xtcp_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct xtcp_seq_state *st = seq->private;
	struct net *net = seq_file_net(seq);
	struct sock_common *skc;
	loff_t i;

	if (*pos && *pos == st->last_pos) {
		skc = xtcp_seq_find(st, net, st->offset);
		if (skc)
			return skc;
		/* Nothing left from the saved bucket on. */
		return NULL;
	}
	st->table = 0;
	st->bucket = 0;
	st->offset = 0;
	st->num = 0;
	st->last_pos = 0;
	if (!*pos)
		return SEQ_START_TOKEN;
	skc = xtcp_seq_find(st, net, 0);
	for (i = 1; skc && i < *pos; i++)
		skc = xtcp_seq_advance(st, net, skc);
	if (skc)
		st->last_pos = *pos;
	return skc;
}

/**
 * xtcp_seq_next() - seq_file next of /proc/net/xtcp/sockets
 * @seq: the file
 * @v: SEQ_START_TOKEN or the current entry
 * @pos: position of @v, advanced
 *
 * Return: the next entry (its bucket held), or NULL.
 */
void *xtcp_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct xtcp_seq_state *st = seq->private;
	struct net *net = seq_file_net(seq);
	struct sock_common *skc;

	++*pos;
	if (v == SEQ_START_TOKEN) {
		st->table = 0;
		st->bucket = 0;
		st->num = 0;
		skc = xtcp_seq_find(st, net, 0);
	} else {
		skc = xtcp_seq_advance(st, net, v);
	}
	st->last_pos = *pos;
	return skc;
}

/**
 * xtcp_seq_stop() - seq_file stop of /proc/net/xtcp/sockets
 * @seq: the file
 * @v: what start or next returned last
 */
void xtcp_seq_stop(struct seq_file *seq, void *v)
{
	struct xtcp_seq_state *st = seq->private;

	if (v && v != SEQ_START_TOKEN)
		xtcp_seq_unlock(st->table, st->bucket);
}

/**
 * xtcp_table_buckets() - buckets of a table, for a walk
 * @table: XTCP_TABLE_LISTEN or XTCP_TABLE_ESTABLISHED
 *
 * Return: the bucket count.
 */
u32 xtcp_table_buckets(int table)
{
	return xtcp_seq_buckets(table);
}

/**
 * xtcp_table_collect() - reference entries of one bucket for a dump
 * @net: only entries of this netns are counted and collected
 * @table: XTCP_TABLE_LISTEN or XTCP_TABLE_ESTABLISHED
 * @bucket: bucket index, below xtcp_table_buckets(@table)
 * @skip: entries of @net at the head of the bucket already dealt with
 * @match: filter, called under the bucket lock (must not sleep), or NULL
 * @arg: passed to @match
 * @arr: receives up to @n referenced entries
 * @pos: receives the index among @net's entries of each one
 * @n: room in @arr and @pos
 *
 * The chunked walk of inet_diag_dump_icsk(): entries are referenced under
 * the same protection as /proc/net/xtcp/sockets takes for a bucket
 * (xtcp_seq_lock(): RCU, plus the bucket lock for the established table,
 * whose full sockets are SLAB_TYPESAFE_BY_RCU), so the caller can fill
 * them, sleeping if it must, with nothing held. Each entry goes back with
 * xtcp_skc_put(). A dump resumed at @skip may miss or repeat an entry
 * when the bucket changed in between, as TCP's does.
 *
 * Return: the number of entries stored.
 */
int xtcp_table_collect(struct net *net, int table, u32 bucket, u32 skip,
		       bool (*match)(const struct sock_common *skc, void *arg),
		       void *arg, struct sock_common **arr, u32 *pos, int n)
{
	struct hlist_nulls_head *head = xtcp_seq_head(table, bucket);
	struct hlist_nulls_node *node;
	struct sock_common *skc;
	u32 idx = 0;
	int got = 0;

	if (hlist_nulls_empty(head))
		return 0;
	xtcp_seq_lock(table, bucket);
	hlist_nulls_for_each_entry_rcu(skc, node, head, skc_nulls_node) {
		if (!net_eq(read_pnet(&skc->skc_net), net))
			continue;
		if (idx++ < skip)
			continue;
		if (match && !match(skc, arg))
			continue;
		if (!refcount_inc_not_zero(&skc->skc_refcnt))
			continue;
		arr[got] = skc;
		pos[got] = idx - 1;
		if (++got == n)
			break;
	}
	xtcp_seq_unlock(table, bucket);
	return got;
}

static u32 xtcp_table_size(unsigned long param)
{
	unsigned long n = param;

	if (!n)	/* from memory: one bucket per 64 pages, like 1/64th */
		n = totalram_pages() / 64;
	n = clamp_t(unsigned long, n, 256, 1UL << 22);
	return roundup_pow_of_two(n);
}

/**
 * xtcp_hash_init() - allocate the tables and draw the hash secrets
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_hash_init(void)
{
	u32 i, size = xtcp_table_size(xtcp_ehash_entries);

	get_random_bytes(&xtcp_hash_key, sizeof(xtcp_hash_key));
	get_random_bytes(&xtcp_isn_key, sizeof(xtcp_isn_key));
	get_random_bytes(&xtcp_port_key, sizeof(xtcp_port_key));

	xtcp_tables.ehash = kvmalloc_array(size, sizeof(*xtcp_tables.ehash),
					   GFP_KERNEL);
	xtcp_tables.ehash_locks = kvmalloc_array(size, sizeof(spinlock_t),
						 GFP_KERNEL);
	xtcp_tables.lhash = kvmalloc_array(XTCP_LHASH_SIZE,
					   sizeof(*xtcp_tables.lhash),
					   GFP_KERNEL);
	if (!xtcp_tables.ehash || !xtcp_tables.ehash_locks ||
	    !xtcp_tables.lhash) {
		xtcp_hash_exit();
		return -ENOMEM;
	}
	xtcp_tables.ehash_mask = size - 1;
	for (i = 0; i < size; i++) {
		INIT_HLIST_NULLS_HEAD(&xtcp_tables.ehash[i], i);
		spin_lock_init(&xtcp_tables.ehash_locks[i]);
	}
	for (i = 0; i < XTCP_LHASH_SIZE; i++) {
		INIT_HLIST_NULLS_HEAD(&xtcp_tables.lhash[i].chain,
				      i + XTCP_LHASH_NULLS_BASE);
		spin_lock_init(&xtcp_tables.lhash[i].lock);
	}
	pr_debug("xtcp: ehash %u buckets\n", size);
	return 0;
}

/**
 * xtcp_hash_exit() - free the tables; every entry must be gone
 */
void xtcp_hash_exit(void)
{
	kvfree(xtcp_tables.lhash);
	kvfree(xtcp_tables.ehash_locks);
	kvfree(xtcp_tables.ehash);
	xtcp_tables.lhash = NULL;
	xtcp_tables.ehash_locks = NULL;
	xtcp_tables.ehash = NULL;
}
