/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP private umbrella header: the structs shared between the files of the
 * module (socket, request sock, tables, per-netns state) and the prototypes
 * each file exports to the others.
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/list.h>
#include <linux/percpu_counter.h>
#include <linux/rbtree.h>
#include <linux/rculist_nulls.h>
#include <linux/seq_file_net.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/tcp.h>
#include <linux/timer.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <linux/xtcp.h>

#include "compat.h"

/* Module parameters (xtcp_main.c). */
extern int xtcp_ip_proto;
extern unsigned long xtcp_ehash_entries;
extern unsigned long xtcp_bhash_entries;

/* Wire constants. */
#define XTCP_HDR_LEN		20	/* same fixed header as struct tcphdr */
#define XTCP_SYN_OPT_LEN	8	/* MSS (4) + NOP + window scale (3) */
#define XTCP_MAX_HDR_LEN	60
#define XTCP_MAX_HEADER		(XTCP_MAX_HDR_LEN + MAX_HEADER + 128)
#define XTCP_DEFAULT_MSS	536
#define XTCP_RCV_WSCALE		7
#define XTCP_MAX_WSCALE		14
#define XTCP_RCV_WND		65535

/* Option kinds and lengths: TCP's numbers, so the wire decodes as TCP. */
#define XTCP_OPT_EOL		0
#define XTCP_OPT_NOP		1
#define XTCP_OPT_MSS		2
#define XTCP_OPT_WINDOW		3
#define XTCP_OPTLEN_MSS		4
#define XTCP_OPTLEN_WINDOW	3
#define XTCP_MIN_MSS		88

/* Data path constants (TCP's values). */
#define XTCP_RTO_MIN		((unsigned int)(HZ / 5))	/* TCP_RTO_MIN */
#define XTCP_DELACK_MIN		((unsigned int)(HZ / 25))	/* 40 ms */
#define XTCP_DELACK_MAX		((unsigned int)(HZ / 5))	/* 200 ms */
#define XTCP_INIT_CWND		10				/* IW10 */
#define XTCP_QUICKACKS		16	/* segments ACKed at once after open */
#define XTCP_TIMEOUT_MIN	2U	/* jiffies, TCP_TIMEOUT_MIN */
#define XTCP_ORPHAN_RETRIES	8	/* orphan_retries = 0 means this */

/**
 * struct xtcp_skb_cb - data path state of an skb (skb->cb)
 * @seq: sequence number of the first payload byte (or of the FIN)
 * @end_seq: sequence number after the last payload byte, FIN excluded
 * @when: jiffies of the last transmission (write queue)
 * @doff: offset in the skb of the byte at @seq (receive side: bytes
 *	trimmed from the head are skipped, not pulled)
 * @fin: the segment carries a FIN (one more sequence number)
 * @retrans: transmitted more than once: no RTT sample (Karn's rule)
 *
 * Written when the skb is queued on the write queue (send side) or taken
 * off the IP layer (receive side, after xtcp_rcv() is done with IPCB).
 */
struct xtcp_skb_cb {
	u32	seq;
	u32	end_seq;
	u32	when;
	u32	doff;
	u8	fin;
	u8	retrans;
};

#define XTCP_SKB_CB(skb)	((struct xtcp_skb_cb *)&((skb)->cb[0]))

/**
 * struct xtcp_rcv_cb - skb->cb of a segment from xtcp_rcv() to its owner
 * @h4: the IP layer's IPCB, still read by the lookups
 * @tw_isn: ISN for the SYN-ACK when the SYN reopened a TIME_WAIT 4-tuple,
 *	0 otherwise (tcp_skb_cb's tcp_tw_isn)
 */
struct xtcp_rcv_cb {
	struct inet_skb_parm	h4;
	u32			tw_isn;
};

#define XTCP_RCV_CB(skb)	((struct xtcp_rcv_cb *)&((skb)->cb[0]))

/* Bits of xtcp_sock.deferred: timer work left for release_cb. */
enum {
	XTCP_RTX_DEFERRED,
	XTCP_DELACK_DEFERRED,
	XTCP_MTU_REDUCED_DEFERRED,	/* xtcp_err() found the socket owned */
};

/* Congestion states (NewReno). */
enum {
	XTCP_CA_OPEN,
	XTCP_CA_RECOVERY,	/* fast recovery after three duplicate ACKs */
	XTCP_CA_LOSS,		/* after an RTO: go-back-N from snd_una */
};

/* Sequence space comparisons (RFC 1982 serial arithmetic). */
static inline bool xtcp_before(u32 seq1, u32 seq2)
{
	return (s32)(seq1 - seq2) < 0;
}

#define xtcp_after(seq2, seq1)	xtcp_before(seq1, seq2)

/**
 * struct xtcp_opts - options parsed from a SYN or SYN-ACK
 * @mss: peer's maximum segment size, 0 when absent
 * @wscale: peer's window scale shift (clamped to 14)
 * @wscale_ok: the peer sent a window scale option
 */
struct xtcp_opts {
	u16	mss;
	u8	wscale;
	u8	wscale_ok;
};

struct xtcp_bind_bucket;
struct xtcp_bind2_bucket;

/**
 * struct xtcp_sock - an XTCP full socket ("xp" in the code)
 * @inet: IPv4 socket state; addresses and ports live in its sock_common
 * @bb: bind bucket for inet_num (port), under the bhash bucket lock
 * @bind_node: entry in @bb->owners
 * @bb2: bind bucket for (inet_rcv_saddr, inet_num), under the bhash2 lock
 * @bind2_node: entry in @bb2->owners
 * @bb2_spare: preallocated bind2 bucket held while connect() has moved the
 *	socket to a specific address, so that moving back cannot fail; under
 *	the bhash bucket lock
 * @iss: initial send sequence number
 * @irs: initial receive sequence number (peer's ISN)
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @rcv_nxt: next sequence number expected from the peer
 * @snd_wnd: peer's advertised window, already scaled
 * @mss: effective send MSS
 * @snd_wscale: peer's window scale shift
 * @rcv_wscale: our window scale shift
 * @rcv_queued: payload bytes queued and not yet read
 * @fin_sent: our FIN is out (shutdown(SHUT_WR) or close())
 * @syn_retries: SYN retransmissions done so far (SYN_SENT)
 * @rto: current retransmission timeout in jiffies
 * @rtx_timer: SYN retransmit timer; holds a socket reference while pending
 * @keepalive_time: XTCP_KEEPIDLE in jiffies, 0 for net.xtcp.keepalive_time
 * @keepalive_intvl: XTCP_KEEPINTVL in jiffies, 0 for the sysctl
 * @keepalive_probes: XTCP_KEEPCNT, 0 for the sysctl
 * @nodelay: XTCP_NODELAY
 * @user_mss: XTCP_MAXSEG, 0 when unset
 * @linger2: XTCP_LINGER2 in jiffies; 0 for net.xtcp.fin_timeout, < 0 for
 *	no FIN_WAIT2 lingering (RST instead)
 * @user_timeout: XTCP_USER_TIMEOUT in milliseconds, 0 when unset
 * @cork: XTCP_CORK: partial segments are held as with MSG_MORE
 * @syncnt: XTCP_SYNCNT, 0 for net.xtcp.syn_retries
 * @defer_accept: XTCP_DEFER_ACCEPT of a listener, in SYN-ACK timeouts
 *	(TCP's rskq_defer_accept); 0 when unset. Read locklessly by the
 *	request path and the SYN-ACK timer.
 * @recvmsg_inq: XTCP_INQ: recvmsg() reports the bytes left to read
 * @window_clamp: XTCP_WINDOW_CLAMP in bytes, 0 when unset
 * @notsent_lowat: XTCP_NOTSENT_LOWAT in bytes, 0 when unset
 * @rcv_tstamp: jiffies of the last acceptable segment from the peer
 * @probes_out: keepalive or zero-window probes sent and not answered
 * @write_seq: sequence number after the last byte (or FIN) queued to send
 * @copied_seq: next sequence number the user reads
 * @rcv_wup: rcv_nxt when we last announced a window
 * @rcv_wnd: that window in bytes; rcv_wup + rcv_wnd never moves left
 * @snd_wl1: sequence number of the segment that last set @snd_wnd
 * @max_window: largest window the peer announced
 * @peer_mss: MSS option of the peer
 * @rcv_mss: estimate of the peer's segment size (delayed ACK rule)
 * @rcv_ratio: payload / truesize of received skbs, in 1/256 (window)
 * @srtt: smoothed RTT << 3, jiffies; 0 until the first sample
 * @rttvar: RTT variation << 2, jiffies
 * @cwnd: congestion window, bytes
 * @ssthresh: slow start threshold, bytes
 * @cwnd_cnt: bytes acknowledged towards the next congestion avoidance step
 * @recover: snd_nxt when loss recovery began (RFC 6582)
 * @ca_state: XTCP_CA_*
 * @dupacks: duplicate ACKs in a row
 * @retransmits: RTO or probe expiries without progress (retry limit)
 * @quickack: segments still to ACK at once (slow start of the peer)
 * @rprobe: the recovery probe for the current head was sent
 * @pingpong: interactive: our data answers the peer's quickly, so its
 *	ACK rides on the answer (TCP's pingpong mode)
 * @lrcv: jiffies of the last data received
 * @ack_pending: a delayed ACK is owed
 * @orphan_counted: counted in xtcp_net.orphans and CurrOrphans, on the
 *	orphan list, and not pinning the module (see xtcp_sock.c)
 * @orphan_node: entry on the orphan list, under its lock
 * @rtx_next: after an RTO, next sequence number to retransmit
 * @rtx_high: snd_nxt when the RTO fired: retransmit up to here
 * @retrans_stamp: jiffies of the first transmission of the oldest
 *	unacknowledged segment once it was retransmitted (user timeout)
 * @rcvq_space: bytes read since @rcvq_time (receive buffer tuning)
 * @rcvq_time: start of the current receive buffer tuning period
 * @send_head: first skb of sk_write_queue not sent yet, NULL when none
 * @ofo_root: out-of-order segments by sequence number
 * @delack_timer: delayed ACK timer; holds a socket reference when pending
 * @deferred: XTCP_*_DEFERRED bits, timer work found the socket owned
 * @mtu_info: next-hop MTU of the last "fragmentation needed" (xtcp_icmp.c)
 *
 * The data path fields are under the socket lock (bh_lock_sock() in
 * softirq and timers, the owner lock in process context); fields read
 * locklessly (poll, proc, keepalive) use READ_ONCE/WRITE_ONCE.
 * @reqs_lock: protects @reqs, @reqs_len and @closing (listener)
 * @reqs: this listener's request socks (struct xtcp_request_sock.list)
 * @reqs_len: number of entries on @reqs
 * @reqs_young: entries on @reqs whose SYN-ACK was never retransmitted
 *	(reqsk_queue_len_young()); a request's 0 -> 1 retrans step is
 *	taken under the same lock
 * @closing: set once the listener stops: no new requests or children
 * @acceptq_lock: protects @acceptq and sk_ack_backlog (listener)
 * @acceptq: established children waiting for accept()
 * @accept_node: entry of a child on its listener's @acceptq
 * @info: per-connection counters reported by TCP_INFO (xtcp_info.c),
 *	under the socket lock like the data path
 * @synq_overflow_ts: jiffies of the last SYN cookie sent (listener); cookie
 *	ACKs are looked at for two minutes after it (tcp_synq_overflow())
 * @synflood_warned: the "Possible SYN flooding" line was logged for this
 *	listening period
 * @timeline: XTCP_TIMELINE: record handshake timelines (xtcp_timeline.c)
 * @tl: this connection's timeline or NULL; RCU, set under the socket lock
 *	(connect) or before the child is visible, freed after a grace period
 * @tl_dropped: a listener's last dropped requests' timelines, RCU, ring
 *	written under @reqs_lock at @tl_dropped_next
 * @tl_dropped_next: the slot of @tl_dropped written next
 *
 * Every lock and list above is initialised once at socket creation (and
 * again for a clone, which starts from a copy of its listener), never by
 * listen(): a listen() racing with a SYN must not reinitialise a lock that a
 * softirq holds.
 */
struct xtcp_sock {
	struct inet_sock		inet;

	struct xtcp_bind_bucket		*bb;
	struct hlist_node		bind_node;
	struct xtcp_bind2_bucket	*bb2;
	struct hlist_node		bind2_node;
	struct xtcp_bind2_bucket	*bb2_spare;

	u32				iss;
	u32				irs;
	u32				snd_una;
	u32				snd_nxt;
	u32				rcv_nxt;
	u32				snd_wnd;
	u16				mss;
	u8				snd_wscale;
	u8				rcv_wscale;

	u32				rcv_queued;
	u8				fin_sent;
	u8				syn_retries;
	u32				rto;
	struct timer_list		rtx_timer;

	/*
	 * Options (xtcp_sockopt.c), under the owner's lock; 0 means "the
	 * netns default". Read by keepalive and the data path.
	 */
	u32				keepalive_time;
	u32				keepalive_intvl;
	u8				keepalive_probes;
	u8				nodelay;
	u16				user_mss;
	int				linger2;
	u32				user_timeout;
	/* TCP_CORK .. TCP_INQ (xtcp_sockopt.c), under the owner's lock. */
	u8				cork;
	u8				syncnt;
	u8				defer_accept;
	u8				recvmsg_inq;
	u32				window_clamp;
	u32				notsent_lowat;
	/*
	 * Written by the receive path for every acceptable segment, read by
	 * keepalive; probes_out counts unanswered keepalive/window probes
	 * and is reset by the receive path when the peer answers.
	 */
	u32				rcv_tstamp;
	u8				probes_out;
	/*
	 * Zero-window probing (tcp_probe_timer()): when the first probe of
	 * this closed window went out (0: none), and how many probe timeouts
	 * backed the RTO off; an ACK does not reset them, the window
	 * opening does. lsndtime: when a data or FIN segment was last sent,
	 * first or again (TCP's, from tcp_event_data_sent()).
	 */
	u32				probes_tstamp;
	u8				probe_backoff;
	u32				lsndtime;
	/* Last answer to an invalid segment (xtcp_ratelimit.c), lockless. */
	u32				last_oow_ack_time;

	/* Data path (xtcp_data.c, xtcp_recv.c, xtcp_output.c, xtcp_cong.c). */
	u32				write_seq;
	u32				copied_seq;
	u32				rcv_wup;
	u32				rcv_wnd;
	u32				snd_wl1;
	u32				max_window;
	u16				peer_mss;
	u16				rcv_mss;
	u16				rcv_ratio;
	u32				srtt;
	u32				rttvar;
	u32				cwnd;
	u32				ssthresh;
	u32				cwnd_cnt;
	u32				recover;
	u8				ca_state;
	u8				dupacks;
	u8				retransmits;
	u8				quickack;
	u8				rprobe;
	u8				pingpong;
	u8				ack_pending;
	u8				orphan_counted;
	struct list_head		orphan_node;
	u32				rtx_next;
	u32				rtx_high;
	u32				retrans_stamp;
	u32				rcvq_space;
	u32				rcvq_time;
	u32				lrcv;
	struct sk_buff			*send_head;
	struct rb_root			ofo_root;
	struct timer_list		delack_timer;
	unsigned long			deferred;
	u32				mtu_info;

	spinlock_t			reqs_lock;	/* see kernel-doc */
	struct list_head		reqs;
	u32				reqs_len;
	u32				reqs_young;
	bool				closing;
	spinlock_t			acceptq_lock;	/* see kernel-doc */
	struct list_head		acceptq;
	struct list_head		accept_node;

	struct xtcp_info_counters {
		u32	segs_in;
		u32	segs_out;
		u32	total_retrans;
		u32	total_rto;
		u64	bytes_retrans;
		u8	passive;	/* a child: no SYN of ours acked */
	} info;
	/* SYN cookies (xtcp_syncookies.c), listener only. */
	u32				synq_overflow_ts;
	u8				synflood_warned;
	/* Handshake timelines (xtcp_timeline.c). */
	u8				timeline;
	u8				tl_dropped_next;
	struct xtcp_tl __rcu		*tl;
	struct xtcp_tl __rcu		*tl_dropped[XTCP_TIMELINE_KEEP];
};

static inline void xtcp_state_store(struct sock *sk, int state)
{
	/* Paired with smp_load_acquire() in inet_sk_state_load(). */
	smp_store_release(&sk->sk_state, state);
}

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/**
 * struct xtcp_request_sock - a half-open passive connection (TCP_NEW_SYN_RECV)
 * @common: addresses, ports, state, netns, refcount and ehash node; the
 *	first member so an ehash chain holds request socks and full sockets
 *	alike
 * @listener: the listener that answered the SYN; a reference is held
 * @list: entry on @listener's reqs list, under its reqs_lock
 * @timer: SYN-ACK retransmit timer, armed while the request is hashed
 * @rcu: deferred free after unlinking (lookups run under RCU)
 * @iss: our ISN (SYN-ACK sequence number)
 * @irs: peer's ISN
 * @mss: MSS the peer announced
 * @snd_wscale: peer's window scale shift
 * @wscale_ok: the peer sent a window scale option
 * @retrans: SYN-ACK timeouts so far (TCP's num_timeout)
 * @acked: a bare final ACK was dropped under XTCP_DEFER_ACCEPT (TCP's
 *	inet_request_sock acked); written in softirq, read by the timer
 * @rto: current SYN-ACK timeout in jiffies
 * @last_oow_ack_time: when a duplicate SYN was last answered
 *	(xtcp_oow_rate_limited()), lockless
 * @tl: its handshake timeline or NULL (xtcp_timeline.c), RCU; moves to
 *	the child, or to the listener when the request is dropped
 *
 * Lifetime: one reference for the ehash (and @list) membership, plus one per
 * lookup in flight. Whoever unhashes the request (final ACK, RST, timer
 * giving up, listener close, netns exit) owns its teardown: it stops the
 * timer with timer_delete_sync() (unless it is the timer) and drops the
 * hash reference. Membership of the ehash and of @list change together
 * under the listener's reqs_lock, so "hashed" has one meaning.
 */
struct xtcp_request_sock {
	struct sock_common	common;
	struct sock		*listener;
	struct list_head	list;
	struct timer_list	timer;
	struct rcu_head		rcu;
	u32			iss;
	u32			irs;
	u16			mss;
	u8			snd_wscale;
	u8			wscale_ok;
	u8			retrans;
	u8			acked;
	u32			rto;
	u32			last_oow_ack_time;
	struct xtcp_tl __rcu	*tl;
};

/**
 * struct xtcp_tw_sock - a connection past close(), TCP's inet_timewait_sock
 * @common: addresses, ports, netns, refcount, ehash node, and skc_reuse,
 *	skc_reuseport, skc_bound_dev_if copied from the socket for the bind
 *	conflict rules; skc_state is always TCP_TIME_WAIT
 * @timer: ends the mini sock (TIME_WAIT length, or FIN_WAIT2 timeout);
 *	armed under the ehash bucket lock when the mini sock is hashed
 * @rcu: deferred free
 * @substate: TCP_FIN_WAIT2 (orphan waiting for the peer's FIN) or
 *	TCP_TIME_WAIT; changes once, FIN_WAIT2 to TIME_WAIT
 * @snd_nxt: our next sequence number (after our FIN)
 * @rcv_nxt: next sequence number expected from the peer
 * @rcv_wnd: receive window last advertised, for the FIN_WAIT2 window check
 * @bb: bind bucket of the port (xtcp_bind.c), held until the mini sock dies
 * @bind_node: entry on @bb's mini sock list, under the port's bhash lock
 * @bb2: (address, port) bind bucket
 * @bind2_node: entry on @bb2's mini sock list, under the port's bhash lock
 */
struct xtcp_tw_sock {
	struct sock_common		common;
	struct timer_list		timer;
	struct rcu_head			rcu;
	int				substate;
	u32				snd_nxt;
	u32				rcv_nxt;
	u32				rcv_wnd;
	u32				last_oow_ack_time;
	struct xtcp_bind_bucket		*bb;
	struct hlist_node		bind_node;
	struct xtcp_bind2_bucket	*bb2;
	struct hlist_node		bind2_node;
};

#define xreq_daddr	common.skc_daddr
#define xreq_laddr	common.skc_rcv_saddr
#define xreq_dport	common.skc_dport
#define xreq_num	common.skc_num

/* Per-netns state (xtcp_ctrl.c). */
struct xtcp_net {
	int			syn_retries;
	int			synack_retries;
	int			max_syn_backlog;
	int			rto_init_ms;
	int			rto_max_ms;
	int			tw_timeout;	/* s, TIME_WAIT length */
	int			fin_timeout;	/* s, orphaned FIN_WAIT2 */
	int			keepalive_time;	/* s */
	int			keepalive_intvl; /* s */
	int			keepalive_probes;
	int			retries2;	/* data RTOs before ETIMEDOUT */
	int			orphan_retries;	/* 0: TCP's 8 */
	int			max_orphans;
	int			syncookies;	/* 0 off, 1 on overflow, 2 always */
	int			abort_on_overflow; /* 1: RST a final ACK, queue full */
	/* Answers to invalid segments (xtcp_ratelimit.c). */
	int			invalid_ratelimit; /* ms between a socket's answers */
	int			challenge_ack_limit; /* per second, INT_MAX: none */
	u32			challenge_timestamp; /* second of the budget */
	u32			challenge_count;	/* budget left this second */
	int			timeline;	/* 1: all sockets record one */
	int			rmem[3];	/* min, default, max bytes */
	int			wmem[3];	/* min, default, max bytes */
	atomic_t		orphans;	/* orphaned full sockets */
	/* Resource limits (Documentation/limits.rst). */
	int			max_tw_buckets;	/* TIME_WAIT + FIN_WAIT2 minis */
	atomic_t		tw_count;	/* live mini socks */
	struct ctl_table_header	*sysctl_hdr;
	struct ctl_table	*sysctl_table;
	struct xtcp_mib __percpu *mib;
	struct proc_dir_entry	*proc_dir;
};

struct xtcp_net *xtcp_pernet(const struct net *net);
int xtcp_ctrl_init(void);
void xtcp_ctrl_exit(void);
u32 xtcp_rto_init(const struct net *net);
u32 xtcp_rto_next(const struct net *net, u32 rto);

/* Global memory accounting (xtcp_mem.c): what xtcp_prot points at. */
extern atomic_long_t xtcp_memory_allocated;
DECLARE_PER_CPU(int, xtcp_memory_per_cpu_fw_alloc);
extern long xtcp_sysctl_mem[3];
extern unsigned long xtcp_memory_pressure;
extern struct percpu_counter xtcp_sockets_allocated;
extern int xtcp_sysctl_rmem[3];
extern int xtcp_sysctl_wmem[3];
void xtcp_enter_memory_pressure(struct sock *sk);
void xtcp_leave_memory_pressure(struct sock *sk);
void xtcp_mem_sock_init(struct sock *sk);
void xtcp_mem_sock_free(struct sock *sk);
bool xtcp_mem_under_pressure(const struct sock *sk);
void xtcp_mem_charge_forced(struct sock *sk, int size);
bool xtcp_mem_over_limit(const struct sock *sk);
int xtcp_mem_init(void);
void xtcp_mem_exit(void);

/* Tables (xtcp_hash.c). */
int xtcp_hash_init(void);
void xtcp_hash_exit(void);
u32 xtcp_ehash_size(void);
u32 xtcp_ehashfn(const struct net *net, __be32 laddr, u16 lport,
		 __be32 faddr, __be16 fport);
struct sock *xtcp_ehash_lookup(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, u16 hnum, int dif, int sdif);
int xtcp_ehash_insert_unique(struct sock_common *skc);
bool xtcp_ehash_remove(struct sock_common *skc);
bool xtcp_ehash_replace(struct sock_common *old, struct sock_common *new);
bool xtcp_ehash_replace_tw(struct sock *sk, struct xtcp_tw_sock *tw,
			   unsigned long expires);
struct sock *xtcp_listener_lookup(struct net *net, struct sk_buff *skb,
				  __be32 saddr, __be16 sport,
				  __be32 daddr, u16 hnum, int dif, int sdif);
void xtcp_lhash_add(struct sock *sk);
void xtcp_lhash_remove(struct sock *sk);
void xtcp_ehash_purge_net(struct net *net);
void xtcp_skc_put(struct sock_common *skc);

/* Table walks for sock_diag (xtcp_hash.c, xtcp_diag.c). */
enum {
	XTCP_TABLE_LISTEN,
	XTCP_TABLE_ESTABLISHED,
	XTCP_TABLE_END,
};

u32 xtcp_table_buckets(int table);
int xtcp_table_collect(struct net *net, int table, u32 bucket, u32 skip,
		       bool (*match)(const struct sock_common *skc, void *arg),
		       void *arg, struct sock_common **arr, u32 *pos, int n);

/**
 * struct xtcp_seq_state - position of a /proc/net/xtcp/sockets reader
 * @p: netns of the file; first, for seq_file_net()
 * @table: 0 listening table, 1 established table, 2 past the end
 * @bucket: bucket of the current entry in @table
 * @offset: index of the current entry among its netns's in @bucket
 * @num: "sl" of the current entry
 * @last_pos: seq_file position of the current entry
 */
struct xtcp_seq_state {
	struct seq_net_private	p;
	int			table;
	u32			bucket;
	u32			offset;
	int			num;
	loff_t			last_pos;
};

void *xtcp_seq_start(struct seq_file *seq, loff_t *pos);
void *xtcp_seq_next(struct seq_file *seq, void *v, loff_t *pos);
void xtcp_seq_stop(struct seq_file *seq, void *v);
u64 xtcp_port_offset(__be32 saddr, __be32 daddr, __be16 dport);
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
spinlock_t *xtcp_ehash_lock(u32 hash);

/* Bind tables (xtcp_bind.c). */
int xtcp_bind_init(void);
void xtcp_bind_exit(void);
int xtcp_get_port(struct sock *sk, unsigned short snum);
void xtcp_put_port(struct sock *sk);
int xtcp_inherit_port(struct sock *child, const struct sock *lst);
int xtcp_connect_port(struct sock *sk);
int xtcp_bind2_update_saddr(struct sock *sk, __be32 saddr);
void xtcp_bind_tw_hash(struct xtcp_tw_sock *tw, struct sock *sk);
void xtcp_bind_tw_unhash(struct xtcp_tw_sock *tw);

/* Socket layer (xtcp_sock.c). */
int xtcp_sock_register(void);
void xtcp_sock_unregister(void);
void xtcp_orphans_purge(void);
void xtcp_sock_init_queues(struct sock *sk);
void xtcp_set_state(struct sock *sk, int state);
void xtcp_done(struct sock *sk);
int xtcp_disconnect(struct sock *sk, int flags);
extern struct proto xtcp_prot;

/* Listen and accept (xtcp_listen.c). */
int xtcp_listen(struct socket *sock, int backlog);
#ifdef XTCP_HAVE_PROTO_ACCEPT_ARG
int xtcp_accept(struct socket *sock, struct socket *newsock,
		struct proto_accept_arg *arg);
#else
int xtcp_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern);
#endif
void xtcp_listen_stop(struct sock *sk);
bool xtcp_acceptq_add(struct sock *lst, struct sock *child);

/* Request socks (xtcp_reqsk.c). */
int xtcp_reqsk_init(void);
void xtcp_reqsk_exit(void);
void xtcp_conn_request(struct sock *lst, struct sk_buff *skb);
bool xtcp_reqsk_rcv(struct xtcp_request_sock *req, struct sk_buff *skb);
void xtcp_reqsk_put(struct xtcp_request_sock *req);
bool xtcp_reqsk_unlink(struct xtcp_request_sock *req);
void xtcp_reqsk_kill(struct xtcp_request_sock *req, bool rst);
void xtcp_reqsk_finish(struct xtcp_request_sock *req, bool rst, bool sync);
void xtcp_reqsk_timer(struct timer_list *t);
struct xtcp_request_sock *xtcp_reqsk_alloc(struct sock *lst,
					   struct sk_buff *skb,
					   const struct xtcp_opts *opts);
void xtcp_reqsk_free_unpublished(struct xtcp_request_sock *req);
void xtcp_child_start(struct sock *lst, struct sock *child,
		      struct sk_buff *skb);

/* SYN cookies (xtcp_syncookies.c). */
enum {
	XTCP_COOKIE_NONE,	/* not a valid cookie ACK; not consumed */
	XTCP_COOKIE_DONE,	/* consumed */
	XTCP_COOKIE_AGAIN,	/* the child exists now: look up again */
};

bool xtcp_syn_flood_action(struct sock *lst);
u32 xtcp_cookie_init_seq(struct sock *lst, struct xtcp_request_sock *req);
int xtcp_cookie_check(struct sock *lst, struct sk_buff *skb);

/**
 * struct xtcp_fault - test knobs in debugfs xtcp/ (xtcp_debugfs.c), global,
 *	all zero (off) unless root writes them
 * @cookie_minutes: added to the SYN cookie minute counter
 * @force_cookies: answer every SYN with a cookie, whatever the sysctl
 * @drop_synack_nth: the SYN-ACK that brings it from 1 to 0 is not sent;
 *	counted down by every SYN-ACK (xtcp_send_synack()), 0 = off
 * @drop_synacks: the next @drop_synacks SYN-ACKs are not sent
 * @drop_final_ack: final ACKs that would complete a request are dropped
 * @acceptq_full: at the final ACK every listener's accept queue is full
 * @fail_child: the next @fail_child child creations fail as if the
 *	clone's allocation had failed
 *
 * Each hook is one READ_ONCE() of its knob under unlikely() while it is
 * off. The counted knobs are decremented with xtcp_fault_dec(), so two
 * CPUs never both take the last unit.
 */
struct xtcp_fault {
	u32	cookie_minutes;
	bool	force_cookies;
	u32	drop_synack_nth;
	u32	drop_synacks;
	bool	drop_final_ack;
	bool	acceptq_full;
	u32	fail_child;
};

extern struct xtcp_fault xtcp_fault;
u32 xtcp_fault_dec(u32 *knob);

/**
 * xtcp_acceptq_full() - the final ACK's test of the accept queue
 * @lst: listener
 *
 * sk_acceptq_is_full(), or the acceptq_full test knob, so that a test
 * takes exactly the path of a really full queue at the final ACK
 * (tcp_check_req(), tcp_v4_syn_recv_sock()).
 *
 * Return: true if the final ACK must be treated as an overflow.
 */
static inline bool xtcp_acceptq_full(const struct sock *lst)
{
	return unlikely(READ_ONCE(xtcp_fault.acceptq_full)) ||
	       sk_acceptq_is_full(lst);
}

void xtcp_debugfs_init(void);
void xtcp_debugfs_exit(void);

/* Children (xtcp_child.c). */
struct sock *xtcp_child_create(struct sock *lst,
			       struct xtcp_request_sock *req,
			       struct sk_buff *skb);
void xtcp_child_free_unqueued(struct sock *child);
bool xtcp_child_hash_and_queue(struct sock *lst,
			       struct xtcp_request_sock *req,
			       struct sock *child);
bool xtcp_child_insert_and_queue(struct sock *lst, struct sock *child);
void xtcp_child_abort(struct sock *child);

/* Active open (xtcp_connect.c). */
int xtcp_stream_connect(struct socket *sock, struct xtcp_uaddr *uaddr,
			int addr_len, int flags);
void xtcp_synsent_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_reset(struct sock *sk);

/* Input (xtcp_input.c). */
int xtcp_rcv(struct sk_buff *skb);
int xtcp_do_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_parse_options(const struct tcphdr *th, struct xtcp_opts *opts);

/* ICMP errors and path MTU (xtcp_icmp.c). */
int xtcp_err(struct sk_buff *skb, u32 info);
void xtcp_mtu_reduced(struct sock *sk);
int xtcp_sk_route(struct sock *sk);

/* Output (xtcp_output.c). */
int xtcp_send_syn(struct sock *sk);
int xtcp_send_ack(struct sock *sk);

/* Answers to invalid segments (xtcp_ratelimit.c). */
bool xtcp_oow_limited(struct net *net, int mib, u32 *last);
bool xtcp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			   int mib, u32 *last);
void xtcp_send_challenge_ack(struct sock *sk);
void xtcp_send_active_reset(struct sock *sk);
int xtcp_send_synack(const struct xtcp_request_sock *req);
void xtcp_send_reset(struct net *net, struct sk_buff *skb, int reason);
void xtcp_reqsk_send_reset(const struct xtcp_request_sock *req);
void xtcp_send_ctl(struct net *net, __be32 saddr, __be32 daddr,
		   __be16 sport, __be16 dport, u32 seq, u32 ack, int oif);
int xtcp_send_probe(struct sock *sk);
bool xtcp_data_outstanding(const struct sock *sk);
/* xtcp_write_xmit() modes for a last segment shorter than the MSS. */
enum {
	XTCP_PUSH_CORK,		/* MSG_MORE: hold it */
	XTCP_PUSH_NAGLE,	/* hold it while data is unacknowledged */
	XTCP_PUSH_FORCE,	/* send it (NODELAY set, FIN, push_pending) */
};

void xtcp_write_xmit(struct sock *sk, int mode);
void xtcp_push_pending(struct sock *sk);
int xtcp_retransmit_head(struct sock *sk);
u16 xtcp_select_window(struct sock *sk);
u32 xtcp_initial_window(const struct sock *sk);
u32 xtcp_current_mss(struct sock *sk);
void xtcp_rearm_rtx(struct sock *sk);
void xtcp_simple_retransmit(struct sock *sk);

/* TIME_WAIT and orphaned FIN_WAIT2 mini socks (xtcp_tw.c). */
int xtcp_tw_init(void);
void xtcp_tw_exit(void);
void xtcp_time_wait(struct sock *sk, int state, int timeo);
int xtcp_fin_timeout(const struct sock *sk);
int xtcp_tw_timeout(const struct net *net);
bool xtcp_tw_rcv(struct xtcp_tw_sock *tw, struct sk_buff *skb);
void xtcp_tw_put(struct xtcp_tw_sock *tw);
void xtcp_tw_kill(struct xtcp_tw_sock *tw, bool sync);

/* Keepalive, on sk->sk_timer (xtcp_keepalive.c). */
void xtcp_keepalive_init(struct sock *sk);
void xtcp_keepalive_reset(struct sock *sk);
void xtcp_keepalive_idle_changed(struct sock *sk);
void xtcp_keepalive_stop(struct sock *sk);
void xtcp_set_keepalive(struct sock *sk, int val);

/* Options at SOL_XTCP and IPPROTO_TCP (xtcp_sockopt.c). */
int xtcp_sockopt_set(struct sock *sk, int optname, sockptr_t optval,
		     unsigned int optlen);
int xtcp_sockopt_get(struct sock *sk, int optname, char __user *optval,
		     int __user *optlen);
bool xtcp_stream_memory_free(const struct sock *sk, int wake);

/* Timers (xtcp_timer.c). */
void xtcp_rtx_timer_init(struct sock *sk);
void xtcp_rtx_timer_arm(struct sock *sk, unsigned long when);
void xtcp_rtx_timer_stop(struct sock *sk, bool sync);
void xtcp_reqsk_timer_arm(struct xtcp_request_sock *req);
void xtcp_delack_arm(struct sock *sk);
void xtcp_delack_stop(struct sock *sk, bool sync);
void xtcp_release_cb(struct sock *sk);
void xtcp_write_timeout_abort(struct sock *sk);

/* Congestion control and RTT (xtcp_cong.c). */
void xtcp_cong_init(struct sock *sk);
void xtcp_rtt_sample(struct sock *sk, long rtt);
u32 xtcp_rto_now(const struct sock *sk);
void xtcp_cong_ack(struct sock *sk, u32 acked, u32 prior_flight);
void xtcp_cong_dupack(struct sock *sk);
bool xtcp_cong_partial_ack(struct sock *sk, u32 acked);
void xtcp_cong_rto(struct sock *sk);
u32 xtcp_in_flight(const struct xtcp_sock *xp);

/* Data path, socket side (xtcp_data.c). */
int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags);
void xtcp_data_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_data_init(struct sock *sk);
void xtcp_init_transfer(struct sock *sk);
void xtcp_send_fin(struct sock *sk);
void xtcp_write_queue_purge(struct sock *sk);
void xtcp_free_acked(struct sock *sk, struct sk_buff *skb);
bool xtcp_close_state(struct sock *sk);

/* recvmsg(MSG_ERRQUEUE) (xtcp_errqueue.c). */
int xtcp_recv_error(struct sock *sk, struct msghdr *msg, size_t len);

/* Receive side of established connections (xtcp_recv.c). */
void xtcp_rcv_established(struct sock *sk, struct sk_buff *skb);
void xtcp_ofo_purge(struct sock *sk);
void xtcp_cleanup_rbuf(struct sock *sk, int copied);
void xtcp_ack_now(struct sock *sk);
bool xtcp_stream_readable(const struct sock *sk, int target);

/* TCP_INFO (xtcp_info.c). */
void xtcp_get_info(struct sock *sk, struct tcp_info *info);
int xtcp_info_getsockopt(struct sock *sk, char __user *optval,
			 int __user *optlen);

/* sock_diag (xtcp_diag.c). */
/* Handshake timelines (xtcp_timeline.c). */
struct xtcp_tl;
void __xtcp_tl_add(struct xtcp_tl *tl, u8 type, u8 arg);

/**
 * xtcp_tl_add() - append an event to the timeline at @p, if there is one
 * @p: a request's or socket's timeline pointer
 * @type: XTCP_TL_*
 * @arg: the event's argument
 *
 * One pointer test when timelines are off. Under rcu_read_lock(): another
 * context may move the timeline to a child or free it meanwhile.
 */
static inline void xtcp_tl_add(struct xtcp_tl __rcu *const *p, u8 type,
			       u8 arg)
{
	struct xtcp_tl *tl;

	if (likely(!rcu_access_pointer(*p)))
		return;
	rcu_read_lock();
	tl = rcu_dereference(*p);
	if (tl)
		__xtcp_tl_add(tl, type, arg);
	rcu_read_unlock();
}

void xtcp_tl_req_start(struct sock *lst, struct xtcp_request_sock *req,
		       u8 type);
void xtcp_tl_req_drop(struct xtcp_request_sock *req, u8 reason);
void xtcp_tl_child(struct sock *child);
void xtcp_tl_take(struct sock *child, struct xtcp_request_sock *req,
		  bool owned);
int xtcp_tl_connect(struct sock *sk);
void xtcp_tl_free(struct xtcp_tl __rcu **p);
void xtcp_tl_sock_free(struct sock *sk);
int xtcp_tl_setsockopt(struct sock *sk, sockptr_t optval,
		       unsigned int optlen);
int xtcp_tl_getsockopt(struct sock *sk, char __user *optval,
		       int __user *optlen);
int xtcp_tl_diag_put(struct sk_buff *skb, int attrtype,
		     struct xtcp_tl __rcu *const *p);
int xtcp_tl_diag_put_dropped(struct sk_buff *skb, const struct sock *lst);
size_t xtcp_tl_diag_size(void);

int xtcp_diag_init(void);
void xtcp_diag_exit(void);
int xtcp_abort(struct sock *sk, int err);

/* proc (xtcp_proc.c). */
int xtcp_proc_init_net(struct net *net);
void xtcp_proc_exit_net(struct net *net);

#endif /* _XTCP_H */
