// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP /proc/net/xtcp/: "snmp" (counters, one "Name Value" per line) and
 * "sockets" (listeners, requests, full sockets and TIME_WAIT/FIN_WAIT2
 * mini socks in /proc/net/tcp's format), per netns.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>

#include "xtcp.h"
#include "xtcp_mib.h"

#define XTCP_PROC_LINE	150	/* TMPSZ of /proc/net/tcp */

static int xtcp_snmp_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);

	xtcp_mib_seq_show(seq, xtcp_pernet(net)->mib);
	return 0;
}

/* /proc/net/xtcp/netstat: the same counters for nstat. */
static int xtcp_netstat_show(struct seq_file *seq, void *v)
{
	xtcp_mib_netstat_show(seq, xtcp_pernet(seq_file_single_net(seq))->mib);
	return 0;
}

static void xtcp_proc_show_req(struct seq_file *seq, int n,
			       const struct xtcp_request_sock *req)
{
	long ttd = req->timer.expires - jiffies;

	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK",
		   n, req->xreq_laddr, req->xreq_num, req->xreq_daddr,
		   ntohs(req->xreq_dport), TCP_NEW_SYN_RECV, 0, 0, 1,
		   jiffies_delta_to_clock_t(ttd), req->retrans,
		   from_kuid_munged(seq_user_ns(seq),
				    xtcp_sk_uid(req->listener)),
		   0, 0, 0, req);
}

/* TCP's get_timewait4_sock(): substate 06 or 05, timer 3, time left. */
static void xtcp_proc_show_tw(struct seq_file *seq, int n,
			      const struct xtcp_tw_sock *tw)
{
	long ttd = tw->timer.expires - jiffies;

	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		   n, tw->common.skc_rcv_saddr, tw->common.skc_num,
		   tw->common.skc_daddr, ntohs(tw->common.skc_dport),
		   READ_ONCE(tw->substate), 0, 0, 3,
		   jiffies_delta_to_clock_t(ttd), 0,
		   0, 0, 0, refcount_read(&tw->common.skc_refcnt), tw);
}

static void xtcp_proc_show_sock(struct seq_file *seq, int n, struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	const struct inet_sock *inet = inet_sk(sk);
	int state = inet_sk_state_load(sk);
	unsigned long expires = xp->rtx_timer.expires;
	int timer_active = timer_pending(&xp->rtx_timer) ? 1 : 0;
	int rx_queue, tx_queue;

	if (state == TCP_LISTEN) {
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
		tx_queue = 0;
	} else {
		rx_queue = READ_ONCE(xp->rcv_queued);
		tx_queue = READ_ONCE(xp->snd_nxt) - READ_ONCE(xp->snd_una);
	}
	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d",
		   n, inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   inet->inet_daddr, ntohs(inet->inet_dport), state,
		   tx_queue, rx_queue, timer_active,
		   timer_active ?
		   jiffies_delta_to_clock_t(expires - jiffies) : 0L,
		   xp->syn_retries,
		   from_kuid_munged(seq_user_ns(seq), xtcp_sk_uid(sk)),
		   0, (unsigned long)sock_i_ino(sk), refcount_read(&sk->sk_refcnt), sk,
		   jiffies_to_clock_t(xp->rto), 0UL, 0, 10,
		   state == TCP_LISTEN ? (int)sk->sk_max_ack_backlog : -1);
}

static int xtcp_sockets_show(struct seq_file *seq, void *v)
{
	struct xtcp_seq_state *st = seq->private;
	struct sock_common *skc = v;

	seq_setwidth(seq, XTCP_PROC_LINE - 1);
	if (v == SEQ_START_TOKEN)
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	else if (skc->skc_state == TCP_NEW_SYN_RECV)
		xtcp_proc_show_req(seq, st->num,
				   (struct xtcp_request_sock *)skc);
	else if (skc->skc_state == TCP_TIME_WAIT)
		xtcp_proc_show_tw(seq, st->num, (struct xtcp_tw_sock *)skc);
	else
		xtcp_proc_show_sock(seq, st->num, (struct sock *)skc);
	seq_pad(seq, '\n');
	return 0;
}

static const struct seq_operations xtcp_sockets_seq_ops = {
	.start	= xtcp_seq_start,
	.next	= xtcp_seq_next,
	.stop	= xtcp_seq_stop,
	.show	= xtcp_sockets_show,
};

/**
 * xtcp_proc_init_net() - create /proc/net/xtcp/{snmp,netstat,sockets}
 * @net: new namespace
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_proc_init_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xn->proc_dir = proc_net_mkdir(net, "xtcp", net->proc_net);
	if (!xn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("snmp", 0444, xn->proc_dir,
				    xtcp_snmp_show, NULL) ||
	    !proc_create_net_single("netstat", 0444, xn->proc_dir,
				    xtcp_netstat_show, NULL) ||
	    !proc_create_net("sockets", 0444, xn->proc_dir,
			     &xtcp_sockets_seq_ops,
			     sizeof(struct xtcp_seq_state))) {
		remove_proc_subtree("xtcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/**
 * xtcp_proc_exit_net() - remove /proc/net/xtcp of @net
 * @net: dying namespace
 */
void xtcp_proc_exit_net(struct net *net)
{
	remove_proc_subtree("xtcp", net->proc_net);
}
