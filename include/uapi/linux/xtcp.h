/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XTCP user ABI: the only header programs and tests include.
 *
 * XTCP is an out-of-tree protocol family that reimplements TCP's
 * connection-setup path and byte stream with its own tables and code. It
 * carries IPv4 packets with its own IP protocol number and a header laid out
 * exactly like TCP's, so a TCP program needs only its address family changed:
 *
 *	fd = socket(AF_XTCP, SOCK_STREAM, 0);
 *	struct sockaddr_in sin = { .sin_family = AF_XTCP, ... };
 *
 * Addresses are plain struct sockaddr_in. On input sin_family may be AF_XTCP
 * or AF_INET; on output (getsockname, getpeername, accept) it is AF_XTCP.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

#include <linux/types.h>

/*
 * Address family. sock_register() only takes families below AF_MAX (46 in
 * 6.1, 6.12 and 7.3) whose slot is free, so an out-of-tree family must reuse
 * a number nothing registers. 25 was AF_WANPIPE: its driver left the tree
 * long ago and no code in 6.1, 6.12 or 7.3 registers or otherwise uses it
 * (19, another free slot, is taken by a well-known teaching assignment's
 * AF_STP, so XTCP avoids it). If another out-of-tree module holds 25, loading
 * xtcp.ko fails with EEXIST and says so in the kernel log.
 */
#define AF_XTCP		25
#define PF_XTCP		AF_XTCP

/*
 * IP protocol number on the wire, and the protocol argument socket() accepts
 * besides 0. 253 is reserved for experimentation (RFC 3692); the module
 * parameter ip_proto=254 selects the other experimental number, but the
 * socket() protocol argument is always IPPROTO_XTCP.
 */
#define IPPROTO_XTCP	253

/* Socket option level for XTCP's own options (setsockopt/getsockopt). */
#define SOL_XTCP	290

/*
 * Options at level SOL_XTCP. The numbers are TCP's, and the same options are
 * also accepted at level IPPROTO_TCP under TCP's names (TCP_NODELAY,
 * TCP_KEEPIDLE, ...), so a TCP program works unchanged. Values are ints;
 * as with TCP, setsockopt() with optlen < sizeof(int) fails with EINVAL, a
 * value out of range with EINVAL, an unknown option with ENOPROTOOPT, and
 * getsockopt() returns at most sizeof(int) bytes (EINVAL for a negative
 * length).
 *
 * XTCP_NODELAY		0 or not 0; reads back 0 or 1. Send small segments at
 *			once instead of waiting for outstanding data's ACK.
 * XTCP_MAXSEG		0 (no clamp) or 88..32767 bytes: upper bound of the
 *			MSS. Reads back the value set while the socket is
 *			unconnected or listening (536 when unset), then the
 *			MSS in use.
 * XTCP_KEEPIDLE	1..32767 s of idleness before the first keepalive
 *			probe (default net.xtcp.keepalive_time, 7200). Setting
 *			it on a socket with SO_KEEPALIVE re-arms the timer.
 * XTCP_KEEPINTVL	1..32767 s between probes (default
 *			net.xtcp.keepalive_intvl, 75).
 * XTCP_KEEPCNT		1..127 unanswered probes before the connection fails
 *			with ETIMEDOUT (default net.xtcp.keepalive_probes, 9).
 * XTCP_LINGER2		seconds an orphaned connection waits in FIN_WAIT2 for
 *			the peer's FIN: < 0 none (abort with RST), 0
 *			net.xtcp.fin_timeout (60), above 120 capped at 120.
 *			Reads back -1 or the seconds in effect.
 * XTCP_USER_TIMEOUT	>= 0 ms (0: unset) that transmitted data may stay
 *			unacknowledged before the connection fails with
 *			ETIMEDOUT; with keepalive, the idle time after which
 *			an unanswered probe ends the connection instead of
 *			XTCP_KEEPCNT.
 * XTCP_INFO		getsockopt() only: struct tcp_info (<linux/tcp.h>), as
 *			TCP_INFO fills it, cut to the length asked for;
 *			fields XTCP does not keep read 0
 *			(Documentation/observability.rst lists them).
 */
#define XTCP_NODELAY		1	/* no Nagle: send small segments now */
#define XTCP_MAXSEG		2	/* clamp the send MSS (bytes) */
#define XTCP_KEEPIDLE		4	/* idle seconds before the first probe */
#define XTCP_KEEPINTVL		5	/* seconds between probes */
#define XTCP_KEEPCNT		6	/* unanswered probes before ETIMEDOUT */
#define XTCP_LINGER2		8	/* orphaned FIN_WAIT2 lifetime (s) */
#define XTCP_INFO		11	/* struct tcp_info (read only) */
#define XTCP_USER_TIMEOUT	18	/* ms unacknowledged data may stay */

/*
 * More of TCP's options, same numbers, values and errnos as TCP's
 * (Documentation/network.rst):
 *
 * XTCP_CORK		0 or not 0: hold partial segments until uncorked (or
 *			the probe timer, TCP's 200 ms ceiling).
 * XTCP_SYNCNT		1..127 SYN retransmissions before connect() fails
 *			(default net.xtcp.syn_retries).
 * XTCP_WINDOW_CLAMP	bound of the receive window announced (bytes, at
 *			least SOCK_MIN_RCVBUF / 2); 0 only while closed.
 * XTCP_QUICKACK	not 0: ACK at once now and leave interactive (pingpong)
 *			mode; 0: enter it. Reads back 1 unless in pingpong.
 * XTCP_CONGESTION	string: "reno", XTCP's only algorithm; any other name
 *			is ENOENT.
 * XTCP_NOTSENT_LOWAT	bytes not yet sent above which the socket is not
 *			writable (0: no limit).
 * XTCP_INQ		0 or 1: recvmsg() adds a control message (SOL_TCP,
 *			XTCP_CM_INQ, int) with the bytes left to read.
 * XTCP_DEFER_ACCEPT	seconds a listener waits for data after the final ACK
 *			before it accepts the connection anyway (<= 0: off);
 *			kept as a count of SYN-ACK timeouts, so it reads back
 *			rounded up to TCP's backoff steps (1, 3, 7, 15 ...).
 */
#define XTCP_CORK		3
#define XTCP_SYNCNT		7
#define XTCP_DEFER_ACCEPT	9
#define XTCP_WINDOW_CLAMP	10
#define XTCP_QUICKACK		12
#define XTCP_CONGESTION		13
#define XTCP_NOTSENT_LOWAT	25
#define XTCP_INQ		36
#define XTCP_CM_INQ		XTCP_INQ

/*
 * sock_diag (NETLINK_SOCK_DIAG, message type SOCK_DIAG_BY_FAMILY or
 * SOCK_DESTROY): XTCP answers inet_diag's request and reply structures of
 * <linux/inet_diag.h>, with its own family, so ss and other TCP tools do
 * not see XTCP sockets but the same code, given these two numbers, does:
 *
 *	struct inet_diag_req_v2 r = {
 *		.sdiag_family	= XTCP_DIAG_FAMILY,	(AF_XTCP)
 *		.sdiag_protocol	= XTCP_DIAG_PROTOCOL,	(IPPROTO_XTCP)
 *		.idiag_states	= ~0U,		(1 << TCP_* state bits)
 *		.idiag_ext	= 1 << (INET_DIAG_INFO - 1),
 *	};
 *
 * With NLM_F_DUMP: every listener, request sock (reported as SYN_RECV,
 * idiag_timer 1, idiag_expires the SYN-ACK timer in ms, idiag_retrans the
 * SYN-ACKs retransmitted), full socket and TIME_WAIT/FIN_WAIT2 mini sock
 * (idiag_timer 3) of the netlink socket's netns whose state is in
 * idiag_states and whose id.idiag_sport, idiag_dport, idiag_src[0] and
 * idiag_dst[0] match where they are not zero. Listeners report their
 * accept queue in idiag_rqueue and their backlog in idiag_wqueue.
 * INET_DIAG_REQ_BYTECODE filters are refused with EOPNOTSUPP.
 * Without NLM_F_DUMP: the entry with that exact 4-tuple (a listener when
 * idiag_dst and idiag_dport are 0) and, unless it is INET_DIAG_NOCOOKIE,
 * that idiag_cookie; ENOENT otherwise.
 * Replies are struct inet_diag_msg with idiag_family AF_XTCP and, for
 * full sockets, the attributes INET_DIAG_SHUTDOWN and INET_DIAG_PROTOCOL
 * (the wire protocol number) always, INET_DIAG_MARK for CAP_NET_ADMIN,
 * and as idiag_ext asks INET_DIAG_INFO (struct tcp_info, as XTCP_INFO),
 * INET_DIAG_MEMINFO, INET_DIAG_SKMEMINFO, INET_DIAG_CONG ("reno").
 *
 * SOCK_DESTROY (the same request, one entry, CAP_NET_ADMIN in the
 * socket's netns, else EPERM) aborts a connection as TCP's ss -K does:
 * an RST to the peer where close would send one, ECONNABORTED for the
 * application; a listener stops listening; a request sock is dropped; a
 * TIME_WAIT entry ends. Loading is automatic: a dump request for
 * AF_XTCP loads xtcp.ko (module alias net-pf-16-proto-4-type-25).
 */
#define XTCP_DIAG_FAMILY	AF_XTCP
#define XTCP_DIAG_PROTOCOL	IPPROTO_XTCP

/*
 * The handshake timeline (Documentation/observability.rst): the ordered
 * events of one connection's setup, with their times, kept in a small
 * per-connection record that is freed with the request or socket.
 *
 * XTCP_TIMELINE (setsockopt/getsockopt at SOL_XTCP only; TCP has no such
 * option, so it is not accepted at IPPROTO_TCP): an int, 0 or not 0,
 * reads back 0 or 1. On a listener, every request it makes from then on
 * records its timeline, which its child inherits; on a socket before
 * connect(), its active open is recorded. The sysctl net.xtcp.timeline
 * = 1 turns it on for every socket of the netns at once.
 *
 * sock_diag replies then carry XTCP_DIAG_TIMELINE, a struct
 * xtcp_timeline followed by nr events, for a request sock or a full
 * socket that has one; a listener's reply also carries, as
 * XTCP_DIAG_TIMELINE_DROPPED attributes, the timelines of its last
 * XTCP_TIMELINE_KEEP requests that were dropped (the XTCP_TL_DROP event
 * says why). Neither needs an idiag_ext bit. The attribute numbers are
 * above any of inet_diag's.
 */
#define XTCP_TIMELINE			200
#define XTCP_DIAG_TIMELINE		64
#define XTCP_DIAG_TIMELINE_DROPPED	65

/* Events kept: the first 15, then the newest over the ones "lost". */
#define XTCP_TIMELINE_LEN	16
/* Dropped requests' timelines a listener keeps. */
#define XTCP_TIMELINE_KEEP	4

/*
 * Events. Passive open: SYN (received, request made), SYN_DUP (the peer
 * retransmitted its SYN), SYNACK (sent; arg: the request's SYN-ACK
 * timeouts so far, 0 for the first), COOKIE (an ACK carried a valid SYN
 * cookie; no request existed before), ACK (the final ACK accepted),
 * ACK_DEFER (a bare final ACK held by XTCP_DEFER_ACCEPT), ACK_OVERFLOW
 * (the final ACK dropped: accept queue full or no memory for the child),
 * CHILD (cloned from the listener), QUEUED (on the accept queue),
 * ACCEPTED (accept() returned it), DROP (the request dropped; arg:
 * XTCP_TL_DROP_*). Active open: SYN_SENT (arg: 0 first, n the nth
 * retransmission), SYNACK_IN, ESTABLISHED (final ACK sent), RST_IN
 * (refused by the peer's RST).
 */
enum {
	XTCP_TL_SYN = 1,
	XTCP_TL_SYN_DUP,
	XTCP_TL_SYNACK,
	XTCP_TL_COOKIE,
	XTCP_TL_ACK,
	XTCP_TL_ACK_DEFER,
	XTCP_TL_ACK_OVERFLOW,
	XTCP_TL_CHILD,
	XTCP_TL_QUEUED,
	XTCP_TL_ACCEPTED,
	XTCP_TL_DROP,
	XTCP_TL_SYN_SENT,
	XTCP_TL_SYNACK_IN,
	XTCP_TL_ESTABLISHED,
	XTCP_TL_RST_IN,
};

enum {
	XTCP_TL_DROP_TIMEOUT = 1,	/* SYN-ACK retries exhausted */
	XTCP_TL_DROP_RST,		/* the peer reset it */
	XTCP_TL_DROP_LISTENER_CLOSED,	/* its listener stopped */
	XTCP_TL_DROP_OVERFLOW,		/* reset: net.xtcp.abort_on_overflow */
	XTCP_TL_DROP_DESTROYED,		/* SOCK_DESTROY, ICMP, netns exit */
};

struct xtcp_timeline_event {
	__u32	usec;		/* since start_ns; saturates at ~71 min */
	__u8	type;		/* XTCP_TL_* */
	__u8	arg;		/* see XTCP_TL_* */
	__u16	resv;
};

struct xtcp_timeline {
	__u64	start_ns;	/* CLOCK_MONOTONIC of the first event */
	__be32	saddr;		/* local address and port */
	__be32	daddr;		/* peer address and port */
	__be16	sport;
	__be16	dport;
	__u16	nr;		/* events that follow */
	__u16	lost;		/* events overwritten in ev[nr - 1] */
	struct xtcp_timeline_event ev[];
};

#endif /* _UAPI_LINUX_XTCP_H */
