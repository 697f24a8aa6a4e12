// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP SYN cookies: the stateless SYN-ACK when the request queue is full and
 * the child made from a valid cookie ACK (Linux: tcp_syn_flood_action,
 * cookie_v4_init_sequence, __cookie_v4_check, cookie_v4_check,
 * tcp_get_cookie_sock).
 *
 * A cookie is the ISN of the SYN-ACK. Its top 8 bits carry the minute
 * counter, its low 24 bits a keyed MAC of the 4-tuple, the peer's ISN and
 * the minute, plus 6 bits of data: the MSS table index (2 bits) and the
 * peer's window scale (4 bits, 0 = not negotiated). The whole is offset by
 * a second keyed hash of the 4-tuple, so the counter does not show on the
 * wire. Both keys are XTCP's own, drawn at first use, and mixed with the
 * netns. TCP has no room for the window scale without timestamps; XTCP
 * sends no timestamps and keeps it in the cookie instead, at the price of
 * 4 MAC bits (18 remain: a blind guess succeeds once in 2^18).
 */
#define pr_fmt(fmt) "xtcp: " fmt

#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/net.h>
#include <linux/siphash.h>
#include <net/ip.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

#define XTCP_COOKIE_BITS	24
#define XTCP_COOKIE_MASK	((1U << XTCP_COOKIE_BITS) - 1)
#define XTCP_COOKIE_DATA_LIMIT	64	/* 2 bits MSS index, 4 bits wscale */
#define XTCP_COOKIE_MAX_AGE	2	/* minutes, TCP's MAX_SYNCOOKIE_AGE */
#define XTCP_COOKIE_PERIOD	(60 * HZ)
#define XTCP_COOKIE_VALID	(2 * 60 * HZ)	/* TCP_SYNCOOKIE_VALID */

/* TCP's msstab: the MSS a cookie can carry, rounded down to an entry. */
static const u16 xtcp_msstab[] = { 536, 1300, 1440, 1460 };

static siphash_aligned_key_t xtcp_cookie_key[2];

/* Minutes since boot, plus the test offset (tcp_cookie_time()). */
static u32 xtcp_cookie_time(void)
{
	u64 val = get_jiffies_64();

	do_div(val, XTCP_COOKIE_PERIOD);
	return (u32)val + READ_ONCE(xtcp_fault.cookie_minutes);
}

static u32 xtcp_cookie_hash(const struct net *net, __be32 saddr,
			    __be32 daddr, __be16 sport, __be16 dport,
			    u32 sseq, u32 count, int c)
{
	u64 a = ((u64)(__force u32)saddr << 32) | (__force u32)daddr;
	u64 b = ((u64)(__force u16)sport << 48) |
		((u64)(__force u16)dport << 32) | sseq;
	u64 d = ((u64)count << 32) | net_hash_mix(net);

	net_get_random_once(xtcp_cookie_key, sizeof(xtcp_cookie_key));
	if (!c)	/* the offset: 4-tuple and netns only */
		return (u32)siphash_2u64(a, (b & ~0xffffffffULL) |
					 net_hash_mix(net), &xtcp_cookie_key[0]);
	return (u32)siphash_3u64(a, b, d, &xtcp_cookie_key[1]);
}

/*
 * secure_tcp_syn_cookie(): laddr/lport are ours, faddr/fport the peer's,
 * sseq the peer's ISN.
 */
static u32 xtcp_cookie_make(const struct net *net, __be32 laddr, __be32 faddr,
			    __be16 lport, __be16 fport, u32 sseq, u32 data)
{
	u32 count = xtcp_cookie_time();

	return xtcp_cookie_hash(net, laddr, faddr, lport, fport, 0, 0, 0) +
	       ((count << XTCP_COOKIE_BITS) |
		((xtcp_cookie_hash(net, laddr, faddr, lport, fport, sseq,
				   count, 1) + data) & XTCP_COOKIE_MASK));
}

/*
 * check_tcp_syn_cookie(): the data, or (u32)-1 for a bad or old cookie,
 * with *@result saying which (enum xtcp_cookie_result).
 */
static u32 xtcp_cookie_open(const struct net *net, u32 cookie, __be32 laddr,
			    __be32 faddr, __be16 lport, __be16 fport, u32 sseq,
			    int *result)
{
	u32 now = xtcp_cookie_time();
	u32 age, count, data;

	cookie -= xtcp_cookie_hash(net, laddr, faddr, lport, fport, 0, 0, 0);
	age = (now - (cookie >> XTCP_COOKIE_BITS)) &
	      ((u32)-1 >> XTCP_COOKIE_BITS);
	/*
	 * A forged cookie's minute field is random too: "too old" means
	 * its minute is not one of the last two, which a bad MAC usually
	 * also gives, as in TCP, which cannot tell them apart either.
	 */
	if (age >= XTCP_COOKIE_MAX_AGE) {
		*result = XTCP_COOKIE_RES_TOO_OLD;
		return (u32)-1;
	}
	count = now - age;
	data = (cookie - xtcp_cookie_hash(net, laddr, faddr, lport, fport,
					  sseq, count, 1)) & XTCP_COOKIE_MASK;
	*result = data < XTCP_COOKIE_DATA_LIMIT ? XTCP_COOKIE_RES_VALID :
						  XTCP_COOKIE_RES_BAD;
	return data < XTCP_COOKIE_DATA_LIMIT ? data : (u32)-1;
}

/**
 * xtcp_syn_flood_action() - the request queue is full: cookie or drop?
 * @lst: listener
 *
 * Counts TCPReqQFullDoCookies or TCPReqQFullDrop and, once per listening
 * period unless cookies are always on, logs TCP's rate-limited "Possible
 * SYN flooding" line (tcp_syn_flood_action()).
 *
 * Return: true to answer with a cookie.
 */
bool xtcp_syn_flood_action(struct sock *lst)
{
	struct xtcp_sock *xp = xtcp_sk(lst);
	struct net *net = sock_net(lst);
	u8 syncookies = READ_ONCE(xtcp_pernet(net)->syncookies);
	bool want_cookie = syncookies || READ_ONCE(xtcp_fault.force_cookies);
	const char *msg = "Dropping request";

	if (want_cookie) {
		msg = "Sending cookies";
		XTCP_INC_STATS(net, XTCP_MIB_REQQFULLDOCOOKIES);
	} else {
		XTCP_INC_STATS(net, XTCP_MIB_REQQFULLDROP);
	}
	if (!READ_ONCE(xp->synflood_warned) && syncookies != 2 &&
	    xchg(&xp->synflood_warned, 1) == 0)
		net_info_ratelimited("Possible SYN flooding on port %pI4:%u. %s.\n",
				     &lst->sk_rcv_saddr, lst->sk_num, msg);
	return want_cookie;
}

/**
 * xtcp_cookie_init_seq() - the cookie ISN for a SYN (cookie_v4_init_sequence)
 * @lst: listener
 * @req: request filled from the SYN (addresses, irs, mss, window scale),
 *	not hashed; its @mss is lowered to the table entry the cookie holds
 *
 * Also stamps the listener's last overflow, without which cookie ACKs are
 * not looked at (tcp_synq_overflow()).
 *
 * Return: the ISN.
 */
u32 xtcp_cookie_init_seq(struct sock *lst, struct xtcp_request_sock *req)
{
	struct net *net = sock_net(lst);
	struct xtcp_sock *xp = xtcp_sk(lst);
	u32 now = jiffies, last, data;
	int mssind;

	for (mssind = ARRAY_SIZE(xtcp_msstab) - 1; mssind; mssind--)
		if (req->mss >= xtcp_msstab[mssind])
			break;
	req->mss = xtcp_msstab[mssind];
	data = mssind;
	if (req->wscale_ok)
		data |= (req->snd_wscale + 1) << 2;

	last = READ_ONCE(xp->synq_overflow_ts);
	if ((u32)(now - last) > HZ)
		WRITE_ONCE(xp->synq_overflow_ts, now);

	XTCP_INC_STATS(net, XTCP_MIB_SYNCOOKIESSENT);
	trace_xtcp_cookie_sent(lst, req);
	return xtcp_cookie_make(net, req->xreq_laddr, req->xreq_daddr,
				htons(req->xreq_num), req->xreq_dport,
				req->irs, data);
}

/* tcp_synq_no_recent_overflow(): no cookie sent in the last two minutes. */
static bool xtcp_synq_no_recent_overflow(const struct sock *lst)
{
	u32 last = READ_ONCE(xtcp_sk(lst)->synq_overflow_ts);
	u32 now = jiffies;

	/* Lower bound one second back: a concurrent stamp may be newer. */
	return (u32)(now - (last - HZ)) > XTCP_COOKIE_VALID + HZ;
}

/**
 * xtcp_cookie_check() - a bare ACK at a listener: a cookie? (cookie_v4_check)
 * @lst: listener, referenced, softirq without its lock
 * @skb: the ACK (no SYN, no RST); consumed unless XTCP_COOKIE_NONE
 *
 * A valid cookie makes a request on the fly and the child through the same
 * path as a request's final ACK (xtcp_child_create()); the child is
 * inserted only if its 4-tuple is free, checked under the established
 * bucket lock, so the same cookie ACK on two CPUs yields one child.
 *
 * Return: XTCP_COOKIE_NONE (not a valid cookie: the caller answers as a
 * listener does, with an RST), XTCP_COOKIE_DONE (consumed), or
 * XTCP_COOKIE_AGAIN (another CPU made the child first: look up again and
 * deliver to it).
 */
int xtcp_cookie_check(struct sock *lst, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct net *net = sock_net(lst);
	struct xtcp_request_sock *req;
	u32 seq = ntohl(th->seq) - 1;
	struct sock *child;
	struct xtcp_opts opts;
	int result;
	u32 data;

	if (!READ_ONCE(xtcp_pernet(net)->syncookies) &&
	    !READ_ONCE(xtcp_fault.force_cookies))
		return XTCP_COOKIE_NONE;
	if (xtcp_synq_no_recent_overflow(lst))
		return XTCP_COOKIE_NONE;

	data = xtcp_cookie_open(net, ntohl(th->ack_seq) - 1, iph->daddr,
				iph->saddr, th->dest, th->source, seq, &result);
	if (data == (u32)-1) {
		XTCP_INC_STATS(net, XTCP_MIB_SYNCOOKIESFAILED);
		trace_xtcp_cookie_recv(lst, skb, result, 0);
		return XTCP_COOKIE_NONE;
	}
	XTCP_INC_STATS(net, XTCP_MIB_SYNCOOKIESRECV);

	/* The SYN's options, as the cookie kept them. */
	opts.mss = xtcp_msstab[data & 3];
	trace_xtcp_cookie_recv(lst, skb, result, opts.mss);
	opts.wscale_ok = !!(data >> 2);
	opts.wscale = opts.wscale_ok ? min_t(u8, (data >> 2) - 1,
					     XTCP_MAX_WSCALE) : 0;

	if (inet_sk_state_load(lst) != TCP_LISTEN)
		goto drop;
	if (xtcp_acceptq_full(lst)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		goto listen_drop;
	}

	req = xtcp_reqsk_alloc(lst, skb, &opts);
	if (!req)
		goto listen_drop;
	req->irs = seq;
	req->iss = ntohl(th->ack_seq) - 1;
	xtcp_tl_req_start(lst, req, XTCP_TL_COOKIE);

	child = xtcp_child_create(lst, req, skb);
	if (!child) {
		xtcp_reqsk_free_unpublished(req);
		goto listen_drop;
	}
	/* The request was never published: its timeline is ours to move. */
	xtcp_tl_take(child, req, true);
	if (!xtcp_child_insert_and_queue(lst, child)) {
		bool again = !xtcp_sk(lst)->closing;

		xtcp_child_free_unqueued(child);
		xtcp_reqsk_free_unpublished(req);
		if (again)
			return XTCP_COOKIE_AGAIN;
		goto drop;
	}
	xtcp_reqsk_free_unpublished(req);
	xtcp_child_start(lst, child, skb);
	return XTCP_COOKIE_DONE;

listen_drop:
	XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
drop:
	consume_skb(skb);
	return XTCP_COOKIE_DONE;
}
