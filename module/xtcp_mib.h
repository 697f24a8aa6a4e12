/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP counters: one per-cpu array per netns, shown in /proc/net/xtcp/snmp.
 * Names and meanings follow TCP's (Tcp: and TcpExt:) where they exist.
 */
#ifndef _XTCP_MIB_H
#define _XTCP_MIB_H

#include <linux/percpu.h>
#include <net/net_namespace.h>

enum xtcp_mib_field {
	XTCP_MIB_ACTIVEOPENS,		/* SYN sent by connect() */
	XTCP_MIB_PASSIVEOPENS,		/* child created from a request */
	XTCP_MIB_ATTEMPTFAILS,		/* SYN_SENT/request -> closed */
	XTCP_MIB_ESTABRESETS,		/* ESTABLISHED -> closed by reset */
	XTCP_MIB_CURRESTAB,		/* gauge: sockets in ESTABLISHED */
	XTCP_MIB_INSEGS,		/* segments received */
	XTCP_MIB_OUTSEGS,		/* segments sent */
	XTCP_MIB_INERRS,		/* segments dropped as malformed */
	XTCP_MIB_OUTRSTS,		/* RST segments sent */
	XTCP_MIB_INCSUMERRORS,		/* segments with a bad checksum */
	XTCP_MIB_LISTENOVERFLOWS,	/* accept queue full at SYN/final ACK */
	XTCP_MIB_LISTENDROPS,		/* SYN or final ACK dropped by a listener */
	XTCP_MIB_SYNRETRANS,		/* SYN retransmitted by the timer */
	XTCP_MIB_SYNACKRETRANS,		/* SYN-ACK retransmitted by the timer */
	XTCP_MIB_REQTIMEOUTS,		/* request freed after synack_retries */
	XTCP_MIB_CURRREQS,		/* gauge: live request socks */
	XTCP_MIB_REQOVERFLOWS,		/* SYN dropped: max_syn_backlog reached */
	XTCP_MIB_NOPORT,		/* segment for no socket (answered by RST) */
	XTCP_MIB_INDATA,		/* payload segments accepted in order */
	/* Data path and teardown (TCP's Tcp: and TcpExt: names). */
	XTCP_MIB_RETRANSSEGS,		/* data/FIN segments retransmitted */
	XTCP_MIB_TIMEOUTS,		/* RTO expiries */
	XTCP_MIB_FASTRETRANS,		/* fast retransmits (3 dup ACKs) */
	XTCP_MIB_DUPACKS,		/* duplicate ACKs received */
	XTCP_MIB_OFOQUEUE,		/* segments put on the out-of-order queue */
	XTCP_MIB_OFODROP,		/* out-of-order segments dropped (memory) */
	XTCP_MIB_OUTOFWINDOW,		/* segments dropped: outside the window */
	XTCP_MIB_ACKUNSENT,		/* ACKs of data never sent (dropped) */
	XTCP_MIB_RCVPRUNED,		/* data dropped: receive buffer full */
	XTCP_MIB_BACKLOGDROP,		/* dropped: socket owned, backlog full */
	XTCP_MIB_DELAYEDACKS,		/* ACKs sent by the delayed-ACK timer */
	XTCP_MIB_ZEROWINDOWPROBES,	/* window probes sent */
	XTCP_MIB_INRSTS,		/* RST segments accepted */
	XTCP_MIB_ABORTONDATA,		/* data after close/SHUT_RD, SO_LINGER {1,0} */
	XTCP_MIB_ABORTONCLOSE,		/* close() with unread data -> RST */
	XTCP_MIB_ABORTONTIMEOUT,	/* connection dropped by retransmit limit */
	XTCP_MIB_ABORTONLINGER,		/* orphaned FIN_WAIT2 timed out */
	XTCP_MIB_ABORTONMEMORY,		/* orphan dropped: too many orphans */
	XTCP_MIB_KEEPALIVEPROBES,	/* keepalive probes sent */
	XTCP_MIB_KEEPALIVETIMEOUTS,	/* connections dropped by keepalive */
	XTCP_MIB_TIMEWAITED,		/* mini socks entered TIME_WAIT */
	XTCP_MIB_TIMEWAITKILLED,	/* TIME_WAIT ended early (RST, SYN, purge) */
	XTCP_MIB_CURRTIMEWAIT,		/* gauge: live TIME_WAIT/FIN_WAIT2 minis */
	XTCP_MIB_CURRORPHANS,		/* gauge: orphaned full sockets */
	/* Resource limits (Documentation/limits.rst). */
	XTCP_MIB_TCPTIMEWAITOVERFLOW,	/* closed without a mini sock: limit/memory */
	XTCP_MIB_MEMORYPRESSURES,	/* entered memory pressure (net.xtcp.mem) */
	XTCP_MIB_MEMORYPRESSURESCHRONO,	/* ms spent under memory pressure */
	XTCP_MIB_MEMFORCED,		/* FIN/split charged past a refusal */
	/* ICMP errors (xtcp_icmp.c), TcpExt: names. */
	XTCP_MIB_OUTOFWINDOWICMPS,	/* ICMP quoting a sequence out of window */
	XTCP_MIB_LOCKDROPPEDICMPS,	/* ICMP error dropped: socket owned */
	/* SYN cookies and the request queue (TCP's TcpExt: names). */
	XTCP_MIB_SYNCOOKIESSENT,	/* SYN-ACKs with a cookie */
	XTCP_MIB_SYNCOOKIESRECV,	/* valid cookie ACKs */
	XTCP_MIB_SYNCOOKIESFAILED,	/* ACKs at a listener with a bad cookie */
	XTCP_MIB_REQQFULLDOCOOKIES,	/* request queue full: cookie sent */
	XTCP_MIB_REQQFULLDROP,		/* request queue full: SYN dropped */
	XTCP_MIB_DEFERACCEPTDROP,	/* bare final ACK under DEFER_ACCEPT */
	/* Answers to invalid segments (xtcp_ratelimit.c), TcpExt: names. */
	XTCP_MIB_CHALLENGEACK,		/* RFC 5961 challenge ACKs sent */
	XTCP_MIB_SYNCHALLENGE,		/* SYNs on a synchronised socket */
	XTCP_MIB_ACKSKIPPEDSEQ,		/* out-of-window answer held back */
	XTCP_MIB_ACKSKIPPEDCHALLENGE,	/* challenge ACK held back */
	XTCP_MIB_ACKSKIPPEDSYNRECV,	/* SYN-ACK to a dup SYN held back */
	XTCP_MIB_ACKSKIPPEDFINWAIT2,	/* FIN_WAIT2 mini sock answer held */
	XTCP_MIB_ACKSKIPPEDTIMEWAIT,	/* TIME_WAIT answer held back */
	/* Test knobs (xtcp_debugfs.c): drops no real peer causes. */
	XTCP_MIB_FAULTSYNACKDROP,	/* SYN-ACK dropped by drop_synack_nth */
	XTCP_MIB_FAULTFINALACKDROP,	/* final ACK dropped by drop_final_ack */
	__XTCP_MIB_MAX
};

/**
 * struct xtcp_mib - one CPU's counters
 * @mibs: indexed by enum xtcp_mib_field
 */
struct xtcp_mib {
	unsigned long	mibs[__XTCP_MIB_MAX];
};

struct xtcp_mib __percpu *xtcp_mib_alloc(void);
void xtcp_mib_free(struct xtcp_mib __percpu *mib);
void xtcp_mib_seq_show(struct seq_file *seq, struct xtcp_mib __percpu *mib);
void xtcp_mib_netstat_show(struct seq_file *seq,
			   struct xtcp_mib __percpu *mib);
void xtcp_mib_inc(const struct net *net, enum xtcp_mib_field field);
void xtcp_mib_dec(const struct net *net, enum xtcp_mib_field field);
void xtcp_mib_add(const struct net *net, enum xtcp_mib_field field,
		  unsigned long val);

#define XTCP_INC_STATS(net, field)	xtcp_mib_inc(net, field)
#define XTCP_DEC_STATS(net, field)	xtcp_mib_dec(net, field)
#define XTCP_ADD_STATS(net, field, val)	xtcp_mib_add(net, field, val)

#endif /* _XTCP_MIB_H */
