// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP counters: allocation, update and the /proc/net/xtcp/snmp rendering.
 */
#include <linux/seq_file.h>

#include "xtcp.h"
#include "xtcp_mib.h"

static const char * const xtcp_mib_names[__XTCP_MIB_MAX] = {
	[XTCP_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[XTCP_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[XTCP_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[XTCP_MIB_ESTABRESETS]		= "EstabResets",
	[XTCP_MIB_CURRESTAB]		= "CurrEstab",
	[XTCP_MIB_INSEGS]		= "InSegs",
	[XTCP_MIB_OUTSEGS]		= "OutSegs",
	[XTCP_MIB_INERRS]		= "InErrs",
	[XTCP_MIB_OUTRSTS]		= "OutRsts",
	[XTCP_MIB_INCSUMERRORS]		= "InCsumErrors",
	[XTCP_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[XTCP_MIB_LISTENDROPS]		= "ListenDrops",
	[XTCP_MIB_SYNRETRANS]		= "SynRetrans",
	[XTCP_MIB_SYNACKRETRANS]	= "SynAckRetrans",
	[XTCP_MIB_REQTIMEOUTS]		= "ReqTimeouts",
	[XTCP_MIB_CURRREQS]		= "CurrReqs",
	[XTCP_MIB_REQOVERFLOWS]		= "ReqOverflows",
	[XTCP_MIB_NOPORT]		= "NoPort",
	[XTCP_MIB_INDATA]		= "InData",
	[XTCP_MIB_RETRANSSEGS]	= "RetransSegs",
	[XTCP_MIB_TIMEOUTS]	= "Timeouts",
	[XTCP_MIB_FASTRETRANS]	= "FastRetrans",
	[XTCP_MIB_DUPACKS]	= "DupAcks",
	[XTCP_MIB_OFOQUEUE]	= "OfoQueue",
	[XTCP_MIB_OFODROP]	= "OfoDrop",
	[XTCP_MIB_OUTOFWINDOW]	= "OutOfWindow",
	[XTCP_MIB_ACKUNSENT]	= "AckUnsent",
	[XTCP_MIB_RCVPRUNED]	= "RcvPruned",
	[XTCP_MIB_BACKLOGDROP]	= "TCPBacklogDrop",
	[XTCP_MIB_DELAYEDACKS]	= "DelayedAcks",
	[XTCP_MIB_ZEROWINDOWPROBES]	= "ZeroWindowProbes",
	[XTCP_MIB_INRSTS]	= "InRsts",
	[XTCP_MIB_ABORTONDATA]	= "AbortOnData",
	[XTCP_MIB_ABORTONCLOSE]	= "AbortOnClose",
	[XTCP_MIB_ABORTONTIMEOUT]	= "AbortOnTimeout",
	[XTCP_MIB_ABORTONLINGER]	= "AbortOnLinger",
	[XTCP_MIB_ABORTONMEMORY]	= "AbortOnMemory",
	[XTCP_MIB_KEEPALIVEPROBES]	= "KeepaliveProbes",
	[XTCP_MIB_KEEPALIVETIMEOUTS]	= "KeepaliveTimeouts",
	[XTCP_MIB_TIMEWAITED]	= "TimeWaited",
	[XTCP_MIB_TIMEWAITKILLED]	= "TimeWaitKilled",
	[XTCP_MIB_CURRTIMEWAIT]	= "CurrTimeWait",
	[XTCP_MIB_CURRORPHANS]	= "CurrOrphans",
	/* Resource limits. */
	[XTCP_MIB_TCPTIMEWAITOVERFLOW] = "TCPTimeWaitOverflow",
	[XTCP_MIB_MEMORYPRESSURES]	= "TCPMemoryPressures",
	[XTCP_MIB_MEMORYPRESSURESCHRONO] = "TCPMemoryPressuresChrono",
	[XTCP_MIB_MEMFORCED]		= "MemForced",
	/* ICMP errors. */
	[XTCP_MIB_OUTOFWINDOWICMPS]	= "OutOfWindowIcmps",
	[XTCP_MIB_LOCKDROPPEDICMPS]	= "LockDroppedIcmps",
	/* SYN cookies and the request queue. */
	[XTCP_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[XTCP_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[XTCP_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[XTCP_MIB_REQQFULLDOCOOKIES]	= "TCPReqQFullDoCookies",
	[XTCP_MIB_REQQFULLDROP]		= "TCPReqQFullDrop",
	[XTCP_MIB_DEFERACCEPTDROP]	= "TCPDeferAcceptDrop",
	/* Answers to invalid segments. */
	[XTCP_MIB_CHALLENGEACK]		= "TCPChallengeACK",
	[XTCP_MIB_SYNCHALLENGE]		= "TCPSYNChallenge",
	[XTCP_MIB_ACKSKIPPEDSEQ]	= "TCPACKSkippedSeq",
	[XTCP_MIB_ACKSKIPPEDCHALLENGE]	= "TCPACKSkippedChallenge",
	[XTCP_MIB_ACKSKIPPEDSYNRECV]	= "TCPACKSkippedSynRecv",
	[XTCP_MIB_ACKSKIPPEDFINWAIT2]	= "TCPACKSkippedFinWait2",
	[XTCP_MIB_ACKSKIPPEDTIMEWAIT]	= "TCPACKSkippedTimeWait",
	/* Test knobs (xtcp_debugfs.c). */
	[XTCP_MIB_FAULTSYNACKDROP]	= "FaultSynAckDrop",
	[XTCP_MIB_FAULTFINALACKDROP]	= "FaultFinalAckDrop",
};

/**
 * xtcp_mib_alloc() - allocate a netns's per-cpu counters, zeroed
 *
 * Return: the counters or NULL.
 */
struct xtcp_mib __percpu *xtcp_mib_alloc(void)
{
	return alloc_percpu(struct xtcp_mib);
}

/**
 * xtcp_mib_free() - free counters from xtcp_mib_alloc()
 * @mib: counters, may be NULL
 */
void xtcp_mib_free(struct xtcp_mib __percpu *mib)
{
	free_percpu(mib);
}

/**
 * xtcp_mib_inc() - count one event in @net
 * @net: network namespace whose counters to update
 * @field: counter
 *
 * Safe from any context: this_cpu_inc() is preempt- and irq-safe.
 */
void xtcp_mib_inc(const struct net *net, enum xtcp_mib_field field)
{
	this_cpu_inc(xtcp_pernet(net)->mib->mibs[field]);
}

/**
 * xtcp_mib_add() - add @val to a counter in @net (NET_ADD_STATS())
 * @net: network namespace whose counters to update
 * @field: counter
 * @val: amount
 *
 * Safe from any context, as xtcp_mib_inc().
 */
void xtcp_mib_add(const struct net *net, enum xtcp_mib_field field,
		  unsigned long val)
{
	this_cpu_add(xtcp_pernet(net)->mib->mibs[field], val);
}

/**
 * xtcp_mib_dec() - decrement a gauge (CurrEstab, CurrReqs) in @net
 * @net: network namespace whose counters to update
 * @field: gauge
 *
 * A per-cpu slot may wrap below zero; the sum over CPUs is exact.
 */
void xtcp_mib_dec(const struct net *net, enum xtcp_mib_field field)
{
	this_cpu_dec(xtcp_pernet(net)->mib->mibs[field]);
}

/**
 * xtcp_mib_seq_show() - print "Name Value" per counter
 * @seq: output
 * @mib: the netns's counters
 */
void xtcp_mib_seq_show(struct seq_file *seq, struct xtcp_mib __percpu *mib)
{
	int i, cpu;

	for (i = 0; i < __XTCP_MIB_MAX; i++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu_ptr(mib, cpu)->mibs[i]);
		/* Gauges are signed sums of per-cpu increments. */
		seq_printf(seq, "%s %ld\n", xtcp_mib_names[i], (long)sum);
	}
}

/**
 * xtcp_mib_netstat_show() - the counters in /proc/net/netstat's layout
 * @seq: output
 * @mib: the netns's counters
 *
 * One line of names and one of values, both starting "Xtcp:", as
 * netstat_seq_show() prints TcpExt:, so iproute2's nstat reads the file
 * (PROC_NET_NETSTAT=/proc/net/xtcp/netstat) and shows XtcpActiveOpens...
 */
void xtcp_mib_netstat_show(struct seq_file *seq,
			   struct xtcp_mib __percpu *mib)
{
	int i, cpu;

	seq_puts(seq, "Xtcp:");
	for (i = 0; i < __XTCP_MIB_MAX; i++)
		seq_printf(seq, " %s", xtcp_mib_names[i]);
	seq_puts(seq, "\nXtcp:");
	for (i = 0; i < __XTCP_MIB_MAX; i++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu_ptr(mib, cpu)->mibs[i]);
		seq_printf(seq, " %ld", (long)sum);
	}
	seq_putc(seq, '\n');
}
