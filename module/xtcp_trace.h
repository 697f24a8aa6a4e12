/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP tracepoints (xtcp:*): connection setup, resets, retransmission and
 * TIME_WAIT, as TCP's tcp:* and sock:inet_sock_set_state events show them.
 */

#ifndef _XTCP_TRACE_REASONS
#define _XTCP_TRACE_REASONS

/*
 * Why a SYN or a request was dropped (xtcp:xtcp_req_drop). Where a core
 * SKB_DROP_REASON_* fits, the skb is also freed with it.
 */
#define XTCP_REQ_DROP_REASONS				\
	EM(XTCP_REQ_DROP_NOT_UNICAST, "NOT_UNICAST")	\
	EM(XTCP_REQ_DROP_ACCEPTQ_FULL, "ACCEPTQ_FULL")	\
	EM(XTCP_REQ_DROP_REQQ_FULL, "REQQ_FULL")	\
	EM(XTCP_REQ_DROP_NOMEM, "NOMEM")		\
	EM(XTCP_REQ_DROP_LISTENER_CLOSED, "LISTENER_CLOSED") \
	EM(XTCP_REQ_DROP_TIMEOUT, "TIMEOUT")		\
	EMe(XTCP_REQ_DROP_RST, "RST")

/*
 * Why XTCP sent an RST (xtcp:xtcp_send_reset); the names are those of
 * Linux's enum sk_rst_reason (include/net/rstreason.h) where one exists.
 */
#define XTCP_RST_REASONS					\
	EM(XTCP_RST_NO_SOCKET, "NO_SOCKET")			\
	EM(XTCP_RST_TCP_FLAGS, "TCP_FLAGS")			\
	EM(XTCP_RST_INVALID_ACK_SEQUENCE, "TCP_INVALID_ACK_SEQUENCE") \
	EM(XTCP_RST_ABORT_ON_DATA, "TCP_ABORT_ON_DATA")		\
	EM(XTCP_RST_TIME_WAIT, "TCP_TIME_WAIT")			\
	EM(XTCP_RST_ACTIVE, "ACTIVE_RESET")			\
	EMe(XTCP_RST_REQ_DROPPED, "REQUEST_DROPPED")

/*
 * What a bare ACK at a listener carried in place of a request
 * (xtcp:xtcp_cookie_recv, cookie_v4_check()'s outcomes): a valid cookie,
 * one older than its two minutes, or one whose MAC or MSS index is wrong.
 */
#define XTCP_COOKIE_RESULTS				\
	EM(XTCP_COOKIE_RES_VALID, "VALID")		\
	EM(XTCP_COOKIE_RES_TOO_OLD, "TOO_OLD")		\
	EMe(XTCP_COOKIE_RES_BAD, "BAD")

#undef EM
#undef EMe
#define EM(a, b)	a,
#define EMe(a, b)	a

enum xtcp_req_drop_reason { XTCP_REQ_DROP_REASONS };
enum xtcp_rst_reason { XTCP_RST_REASONS };
enum xtcp_cookie_result { XTCP_COOKIE_RESULTS };

/* How a TIME_WAIT (or orphaned FIN_WAIT2) mini sock ended. */
enum xtcp_tw_end_reason {
	XTCP_TW_END_TIMER,	/* its timer ran out */
	XTCP_TW_END_KILLED,	/* RST, new SYN, or netns exit */
};

#undef EM
#undef EMe

#include <linux/sock_diag.h>
#include <net/sock.h>

/*
 * The socket cookie (SO_COOKIE, sock_diag's idiag_cookie) of a full
 * socket, request or mini sock; generated on first use, as tcp_event_sk
 * does with sock_gen_cookie().
 */
static inline u64 xtcp_trace_cookie(const struct sock_common *skc)
{
	u32 c[2];

	sock_diag_save_cookie((struct sock *)skc, c);
	return (u64)c[1] << 32 | c[0];
}
#endif /* _XTCP_TRACE_REASONS */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp

#if !defined(_XTCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XTCP_TRACE_H

#include <linux/ip.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"

#undef EM
#undef EMe
#define EM(a, b)	TRACE_DEFINE_ENUM(a);
#define EMe(a, b)	TRACE_DEFINE_ENUM(a);
XTCP_REQ_DROP_REASONS
XTCP_RST_REASONS
XTCP_COOKIE_RESULTS
#undef EM
#undef EMe
#define EM(a, b)	{ a, b },
#define EMe(a, b)	{ a, b }

#define xtcp_show_state(s)						\
	__print_symbolic(s,						\
		{ TCP_ESTABLISHED, "TCP_ESTABLISHED" },			\
		{ TCP_SYN_SENT, "TCP_SYN_SENT" },			\
		{ TCP_SYN_RECV, "TCP_SYN_RECV" },			\
		{ TCP_FIN_WAIT1, "TCP_FIN_WAIT1" },			\
		{ TCP_FIN_WAIT2, "TCP_FIN_WAIT2" },			\
		{ TCP_TIME_WAIT, "TCP_TIME_WAIT" },			\
		{ TCP_CLOSE, "TCP_CLOSE" },				\
		{ TCP_CLOSE_WAIT, "TCP_CLOSE_WAIT" },			\
		{ TCP_LAST_ACK, "TCP_LAST_ACK" },			\
		{ TCP_LISTEN, "TCP_LISTEN" },				\
		{ TCP_CLOSING, "TCP_CLOSING" },				\
		{ TCP_NEW_SYN_RECV, "TCP_NEW_SYN_RECV" })


/*
 * Addresses and ports of a sock_common seen from the local side: saddr and
 * sport are ours. Every event below that has a socket records them.
 */
#define XTCP_TP_ADDR_FIELDS				\
	__field(__u32, saddr)				\
	__field(__u32, daddr)				\
	__field(__u16, sport)				\
	__field(__u16, dport)

#define XTCP_TP_ADDR_ASSIGN(skc) do {			\
	__entry->saddr = (__force u32)(skc)->skc_rcv_saddr; \
	__entry->daddr = (__force u32)(skc)->skc_daddr;	\
	__entry->sport = (skc)->skc_num;		\
	__entry->dport = ntohs((skc)->skc_dport);	\
} while (0)

/* The same four fields from a segment sent to us (saddr: its daddr). */
#define XTCP_TP_SKB_ADDR_ASSIGN(skb) do {		\
	__entry->saddr = (__force u32)ip_hdr(skb)->daddr; \
	__entry->daddr = (__force u32)ip_hdr(skb)->saddr; \
	__entry->sport = ntohs(tcp_hdr(skb)->dest);	\
	__entry->dport = ntohs(tcp_hdr(skb)->source);	\
} while (0)

#define XTCP_TP_ADDR_FMT	"sport=%u dport=%u saddr=%pI4 daddr=%pI4"
#define XTCP_TP_ADDR_ARGS	__entry->sport, __entry->dport, \
				&__entry->saddr, &__entry->daddr

/* sock:inet_sock_set_state for AF_XTCP (tcp_set_state()). */
TRACE_EVENT(xtcp_state_change,
	TP_PROTO(const struct sock *sk, int oldstate, int newstate),
	TP_ARGS(sk, oldstate, newstate),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u64, cookie)
		__field(int, oldstate)
		__field(int, newstate)
		XTCP_TP_ADDR_FIELDS
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->cookie = xtcp_trace_cookie(&sk->__sk_common);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
		XTCP_TP_ADDR_ASSIGN(&sk->__sk_common);
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu oldstate=%s newstate=%s",
		  XTCP_TP_ADDR_ARGS, __entry->cookie,
		  xtcp_show_state(__entry->oldstate),
		  xtcp_show_state(__entry->newstate))
);

/*
 * Events about a segment at a listener, before or without a request:
 * saddr/sport are the listener's address and port the segment was sent to.
 */
DECLARE_EVENT_CLASS(xtcp_listener_skb,
	TP_PROTO(const struct sock *lst, const struct sk_buff *skb),
	TP_ARGS(lst, skb),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(__u32, seq)
		__field(__u32, reqs)
		__field(__u32, acceptq)
		__field(__u32, backlog)
	),
	TP_fast_assign(
		const struct tcphdr *th = tcp_hdr(skb);

		__entry->cookie = xtcp_trace_cookie(&lst->__sk_common);
		XTCP_TP_SKB_ADDR_ASSIGN(skb);
		__entry->seq = ntohl(th->seq);
		__entry->reqs = READ_ONCE(xtcp_sk(lst)->reqs_len);
		__entry->acceptq = READ_ONCE(lst->sk_ack_backlog);
		__entry->backlog = READ_ONCE(lst->sk_max_ack_backlog);
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu seq=%u reqs=%u acceptq=%u/%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie, __entry->seq,
		  __entry->reqs, __entry->acceptq, __entry->backlog)
);

/* A SYN reached a listener (tcp_conn_request()). */
DEFINE_EVENT(xtcp_listener_skb, xtcp_syn_recv,
	TP_PROTO(const struct sock *lst, const struct sk_buff *skb),
	TP_ARGS(lst, skb)
);

/* A SYN or final ACK found the accept queue full (ListenOverflows). */
DEFINE_EVENT(xtcp_listener_skb, xtcp_acceptq_overflow,
	TP_PROTO(const struct sock *lst, const struct sk_buff *skb),
	TP_ARGS(lst, skb)
);

/* A request sock entered the established table (inet_reqsk_alloc()). */
TRACE_EVENT(xtcp_req_create,
	TP_PROTO(const struct xtcp_request_sock *req),
	TP_ARGS(req),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(__u32, iss)
		__field(__u32, irs)
		__field(__u16, mss)
		__field(__s8, wscale)
		__field(__u32, rto_ms)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&req->common);
		XTCP_TP_ADDR_ASSIGN(&req->common);
		__entry->iss = req->iss;
		__entry->irs = req->irs;
		__entry->mss = req->mss;
		__entry->wscale = req->wscale_ok ? req->snd_wscale : -1;
		__entry->rto_ms = jiffies_to_msecs(req->rto);
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu iss=%u irs=%u mss=%u wscale=%d rto_ms=%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie, __entry->iss,
		  __entry->irs, __entry->mss, __entry->wscale, __entry->rto_ms)
);

/*
 * A SYN was dropped by a listener, or a request was freed without a
 * child (timeout, RST, listener close...). cookie is 0 for a SYN that
 * never got a request.
 */
TRACE_EVENT(xtcp_req_drop,
	TP_PROTO(const struct sock_common *skc, __be32 saddr, __be32 daddr,
		 u16 sport, __be16 dport, u8 retrans, int reason),
	TP_ARGS(skc, saddr, daddr, sport, dport, retrans, reason),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(__u8, retrans)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->cookie = skc ? xtcp_trace_cookie(skc) : 0;
		__entry->saddr = (__force u32)saddr;
		__entry->daddr = (__force u32)daddr;
		__entry->sport = sport;
		__entry->dport = ntohs(dport);
		__entry->retrans = retrans;
		__entry->reason = reason;
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu synack_retrans=%u reason=%s",
		  XTCP_TP_ADDR_ARGS, __entry->cookie, __entry->retrans,
		  __print_symbolic(__entry->reason, XTCP_REQ_DROP_REASONS))
);

/*
 * A SYN was answered with a SYN cookie (cookie_v4_init_sequence()): no
 * request exists, the ISN carries the MSS (rounded down to the table)
 * and the window scale, -1 when the SYN had none.
 */
TRACE_EVENT(xtcp_cookie_sent,
	TP_PROTO(const struct sock *lst, const struct xtcp_request_sock *req),
	TP_ARGS(lst, req),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(__u32, irs)
		__field(__u16, mss)
		__field(__s8, wscale)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&lst->__sk_common);
		XTCP_TP_ADDR_ASSIGN(&req->common);
		__entry->irs = req->irs;
		__entry->mss = req->mss;
		__entry->wscale = req->wscale_ok ? req->snd_wscale : -1;
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu irs=%u mss=%u wscale=%d",
		  XTCP_TP_ADDR_ARGS, __entry->cookie, __entry->irs,
		  __entry->mss, __entry->wscale)
);

/*
 * A bare ACK at a listener that had sent cookies lately was checked as a
 * cookie (cookie_v4_check()); cookie is the listener's socket cookie, mss
 * what a valid one carried (0 otherwise).
 */
TRACE_EVENT(xtcp_cookie_recv,
	TP_PROTO(const struct sock *lst, const struct sk_buff *skb, int result,
		 u16 mss),
	TP_ARGS(lst, skb, result, mss),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(__u32, ack)
		__field(int, result)
		__field(__u16, mss)
	),
	TP_fast_assign(
		const struct tcphdr *th = tcp_hdr(skb);

		__entry->cookie = xtcp_trace_cookie(&lst->__sk_common);
		XTCP_TP_SKB_ADDR_ASSIGN(skb);
		__entry->ack = ntohl(th->ack_seq);
		__entry->result = result;
		__entry->mss = mss;
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu ack=%u result=%s mss=%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie, __entry->ack,
		  __print_symbolic(__entry->result, XTCP_COOKIE_RESULTS),
		  __entry->mss)
);

/* A SYN-ACK went out; retrans 0 is the first (tcp:tcp_retransmit_synack). */
TRACE_EVENT(xtcp_synack,
	TP_PROTO(const struct xtcp_request_sock *req),
	TP_ARGS(req),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(__u32, iss)
		__field(__u8, retrans)
		__field(__u32, rto_ms)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&req->common);
		XTCP_TP_ADDR_ASSIGN(&req->common);
		__entry->iss = req->iss;
		__entry->retrans = req->retrans;
		__entry->rto_ms = jiffies_to_msecs(req->rto);
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu iss=%u retrans=%u rto_ms=%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie, __entry->iss,
		  __entry->retrans, __entry->rto_ms)
);

/* Events about a child and its listener's accept queue. */
DECLARE_EVENT_CLASS(xtcp_child,
	TP_PROTO(const struct sock *lst, const struct sock *child),
	TP_ARGS(lst, child),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		__field(__u64, lcookie)
		XTCP_TP_ADDR_FIELDS
		__field(__u32, acceptq)
		__field(__u32, backlog)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&child->__sk_common);
		__entry->lcookie = xtcp_trace_cookie(&lst->__sk_common);
		XTCP_TP_ADDR_ASSIGN(&child->__sk_common);
		__entry->acceptq = READ_ONCE(lst->sk_ack_backlog);
		__entry->backlog = READ_ONCE(lst->sk_max_ack_backlog);
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu listener=%llu acceptq=%u/%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie, __entry->lcookie,
		  __entry->acceptq, __entry->backlog)
);

/* The final ACK cloned a child from the listener (tcp_create_openreq_child()). */
DEFINE_EVENT(xtcp_child, xtcp_child_create,
	TP_PROTO(const struct sock *lst, const struct sock *child),
	TP_ARGS(lst, child)
);

/* The child replaced its request and joined the accept queue. */
DEFINE_EVENT(xtcp_child, xtcp_child_queue,
	TP_PROTO(const struct sock *lst, const struct sock *child),
	TP_ARGS(lst, child)
);

/* accept() took the child off the queue (inet_csk_accept()). */
DEFINE_EVENT(xtcp_child, xtcp_child_accept,
	TP_PROTO(const struct sock *lst, const struct sock *child),
	TP_ARGS(lst, child)
);

/*
 * An RST went out (tcp:tcp_send_reset). state is the sending socket's, or
 * TCP_CLOSE when no socket owns the segment answered.
 */
TRACE_EVENT(xtcp_send_reset,
	TP_PROTO(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport,
		 u32 seq, u32 ack, int state, int reason),
	TP_ARGS(saddr, daddr, sport, dport, seq, ack, state, reason),
	TP_STRUCT__entry(
		XTCP_TP_ADDR_FIELDS
		__field(__u32, seq)
		__field(__u32, ack)
		__field(int, state)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->saddr = (__force u32)saddr;
		__entry->daddr = (__force u32)daddr;
		__entry->sport = ntohs(sport);
		__entry->dport = ntohs(dport);
		__entry->seq = seq;
		__entry->ack = ack;
		__entry->state = state;
		__entry->reason = reason;
	),
	TP_printk(XTCP_TP_ADDR_FMT " seq=%u ack=%u state=%s reason=%s",
		  XTCP_TP_ADDR_ARGS, __entry->seq, __entry->ack,
		  xtcp_show_state(__entry->state),
		  __print_symbolic(__entry->reason, XTCP_RST_REASONS))
);

/* The peer reset a full socket (tcp:tcp_receive_reset). */
TRACE_EVENT(xtcp_receive_reset,
	TP_PROTO(const struct sock *sk),
	TP_ARGS(sk),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(int, state)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&sk->__sk_common);
		XTCP_TP_ADDR_ASSIGN(&sk->__sk_common);
		__entry->state = sk->sk_state;
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu state=%s",
		  XTCP_TP_ADDR_ARGS, __entry->cookie,
		  xtcp_show_state(__entry->state))
);

/*
 * A SYN, data or FIN segment was sent again (tcp:tcp_retransmit_skb);
 * count is the retransmission number of the timer or the SYN.
 */
TRACE_EVENT(xtcp_retransmit,
	TP_PROTO(const struct sock *sk, u32 seq, u32 end_seq, u32 count),
	TP_ARGS(sk, seq, end_seq, count),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(int, state)
		__field(__u32, seq)
		__field(__u32, end_seq)
		__field(__u32, count)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&sk->__sk_common);
		XTCP_TP_ADDR_ASSIGN(&sk->__sk_common);
		__entry->state = sk->sk_state;
		__entry->seq = seq;
		__entry->end_seq = end_seq;
		__entry->count = count;
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu state=%s seq=%u end_seq=%u count=%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie,
		  xtcp_show_state(__entry->state), __entry->seq,
		  __entry->end_seq, __entry->count)
);

/*
 * Timer events of a full socket: the retransmit timer fired (rto_ms is the
 * timeout that expired) or a zero-window probe went out.
 */
DECLARE_EVENT_CLASS(xtcp_timer_class,
	TP_PROTO(const struct sock *sk, u32 rto, u32 count),
	TP_ARGS(sk, rto, count),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(int, state)
		__field(__u32, rto_ms)
		__field(__u32, count)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&sk->__sk_common);
		XTCP_TP_ADDR_ASSIGN(&sk->__sk_common);
		__entry->state = sk->sk_state;
		__entry->rto_ms = jiffies_to_msecs(rto);
		__entry->count = count;
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu state=%s rto_ms=%u count=%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie,
		  xtcp_show_state(__entry->state), __entry->rto_ms,
		  __entry->count)
);

/* The retransmit timer expired (tcp_retransmit_timer(), SYN or data). */
DEFINE_EVENT(xtcp_timer_class, xtcp_rto,
	TP_PROTO(const struct sock *sk, u32 rto, u32 count),
	TP_ARGS(sk, rto, count)
);

/* A zero-window probe was sent (tcp_probe_timer()); count = probes out. */
DEFINE_EVENT(xtcp_timer_class, xtcp_probe,
	TP_PROTO(const struct sock *sk, u32 rto, u32 count),
	TP_ARGS(sk, rto, count)
);

/* A mini sock took the place of a closed socket (tcp_time_wait()). */
TRACE_EVENT(xtcp_tw_enter,
	TP_PROTO(const struct xtcp_tw_sock *tw, int timeo),
	TP_ARGS(tw, timeo),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(int, substate)
		__field(__u32, timeout_ms)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&tw->common);
		XTCP_TP_ADDR_ASSIGN(&tw->common);
		__entry->substate = tw->substate;
		__entry->timeout_ms = jiffies_to_msecs(max(timeo, 1));
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu substate=%s timeout_ms=%u",
		  XTCP_TP_ADDR_ARGS, __entry->cookie,
		  xtcp_show_state(__entry->substate), __entry->timeout_ms)
);

/* The mini sock left the table (inet_twsk_kill()). */
TRACE_EVENT(xtcp_tw_end,
	TP_PROTO(const struct xtcp_tw_sock *tw, int reason),
	TP_ARGS(tw, reason),
	TP_STRUCT__entry(
		__field(__u64, cookie)
		XTCP_TP_ADDR_FIELDS
		__field(int, substate)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->cookie = xtcp_trace_cookie(&tw->common);
		XTCP_TP_ADDR_ASSIGN(&tw->common);
		__entry->substate = READ_ONCE(tw->substate);
		__entry->reason = reason;
	),
	TP_printk(XTCP_TP_ADDR_FMT " cookie=%llu substate=%s reason=%s",
		  XTCP_TP_ADDR_ARGS, __entry->cookie,
		  xtcp_show_state(__entry->substate),
		  __print_symbolic(__entry->reason,
				   { XTCP_TW_END_TIMER, "TIMER" },
				   { XTCP_TW_END_KILLED, "KILLED" }))
);

#endif /* _XTCP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xtcp_trace
#include <trace/define_trace.h>

#ifndef _XTCP_TRACE_HELPERS
#define _XTCP_TRACE_HELPERS
/* xtcp:xtcp_req_drop for a request sock. */
static inline void xtcp_trace_req_drop(const struct xtcp_request_sock *req,
				       int reason)
{
	trace_xtcp_req_drop(&req->common, req->xreq_laddr, req->xreq_daddr,
			    req->xreq_num, req->xreq_dport, req->retrans,
			    reason);
}
#endif /* _XTCP_TRACE_HELPERS */
