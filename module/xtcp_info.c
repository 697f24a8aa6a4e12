// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's struct tcp_info (tcp_get_info()): what getsockopt(TCP_INFO) and
 * sock_diag's INET_DIAG_INFO report for a socket.
 */
#include <linux/tcp.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"

/* XTCP_CA_* to TCP's tcp_ca_state numbers (TCP_CA_Open...). */
static u8 xtcp_info_ca_state(u8 ca_state)
{
	switch (ca_state) {
	case XTCP_CA_RECOVERY:
		return TCP_CA_Recovery;
	case XTCP_CA_LOSS:
		return TCP_CA_Loss;
	default:
		return TCP_CA_Open;
	}
}

/* Bytes to segments of the current MSS, as tcp_info counts windows. */
static u32 xtcp_info_segs(const struct xtcp_sock *xp, u32 bytes)
{
	return xp->mss ? bytes / xp->mss : 0;
}

/* Segments sent and not yet acknowledged (tp->packets_out). */
static u32 xtcp_info_unacked(struct sock *sk)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb;
	u32 n = 0;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == xp->send_head)
			break;
		n++;
	}
	return n;
}

/**
 * xtcp_get_info() - fill @info for @sk (tcp_get_info())
 * @sk: XTCP socket, any state; takes the socket lock (fast) unless
 *	listening
 * @info: zeroed and filled
 *
 * Fields with the meaning TCP gives them. A listener reports its accept
 * queue in tcpi_unacked and its backlog in tcpi_sacked, as TCP does.
 * Windows (cwnd, ssthresh) are in segments of the current MSS; XTCP keeps
 * them in bytes. Fields XTCP has no state for (SACK, timestamps, pacing,
 * delivery rate, chrono stats, min RTT, receiver RTT, PMTU, advertised MSS,
 * last_data_sent) stay 0.
 */
void xtcp_get_info(struct sock *sk, struct tcp_info *info)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	u32 now = tcp_jiffies32;
	int state;
	bool slow;

	memset(info, 0, sizeof(*info));
	if (sk->sk_type != SOCK_STREAM)
		return;

	state = inet_sk_state_load(sk);
	info->tcpi_state = state;
	info->tcpi_reordering = 3;	/* fast retransmit on 3 dup ACKs */
	if (state == TCP_LISTEN) {
		info->tcpi_snd_cwnd = XTCP_INIT_CWND;
		info->tcpi_unacked = READ_ONCE(sk->sk_ack_backlog);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
		return;
	}

	slow = lock_sock_fast(sk);
	info->tcpi_ca_state = xtcp_info_ca_state(xp->ca_state);
	info->tcpi_retransmits = state == TCP_SYN_SENT ? xp->syn_retries :
						      xp->retransmits;
	info->tcpi_probes = xp->probes_out;
	if (xp->rcv_wscale || xp->snd_wscale) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = xp->snd_wscale;
		info->tcpi_rcv_wscale = xp->rcv_wscale;
	}
	info->tcpi_rto = jiffies_to_usecs(xp->rto);
	info->tcpi_ato = jiffies_to_usecs(XTCP_DELACK_MIN);
	info->tcpi_snd_mss = xp->mss;
	info->tcpi_rcv_mss = xp->rcv_mss;
	info->tcpi_unacked = xtcp_info_unacked(sk);

	info->tcpi_last_data_recv = xp->lrcv ?
				    jiffies_to_msecs(now - xp->lrcv) : 0;
	info->tcpi_last_ack_recv = xp->rcv_tstamp ?
				   jiffies_to_msecs(now - xp->rcv_tstamp) : 0;
	info->tcpi_rtt = jiffies_to_usecs(xp->srtt) >> 3;
	info->tcpi_rttvar = jiffies_to_usecs(xp->rttvar) >> 2;
	info->tcpi_snd_ssthresh = xp->ssthresh == U32_MAX ?
				  TCP_INFINITE_SSTHRESH :
				  xtcp_info_segs(xp, xp->ssthresh);
	info->tcpi_snd_cwnd = xp->cwnd ? xtcp_info_segs(xp, xp->cwnd) :
					 XTCP_INIT_CWND;
	info->tcpi_total_retrans = xp->info.total_retrans;

	if (!((1 << state) & (TCPF_SYN_SENT | TCPF_CLOSE))) {
		/*
		 * As TCP counts them (tcp_snd_una_update(),
		 * tcp_rcv_nxt_update()): sequence space, so an acknowledged
		 * FIN counts one, and so does our SYN when we connected; a
		 * child starts past its SYN-ACK.
		 */
		info->tcpi_bytes_acked = xp->snd_una - xp->iss -
					 xp->info.passive;
		info->tcpi_bytes_received = xp->rcv_nxt - (xp->irs + 1);
		info->tcpi_bytes_sent = (u64)(xp->snd_nxt - (xp->iss + 1)) +
					xp->info.bytes_retrans;
		info->tcpi_notsent_bytes = max_t(int, 0,
						 xp->write_seq - xp->snd_nxt);
	}
	info->tcpi_segs_out = xp->info.segs_out;
	info->tcpi_segs_in = xp->info.segs_in;
	info->tcpi_bytes_retrans = xp->info.bytes_retrans;
	info->tcpi_snd_wnd = xp->snd_wnd;
	xtcp_tcpi_set_rcv_wnd(info, xp->rcv_wnd);
	xtcp_tcpi_set_total_rto(info, xp->info.total_rto);
	unlock_sock_fast(sk, slow);
}

/**
 * xtcp_info_getsockopt() - getsockopt(TCP_INFO) (do_tcp_getsockopt())
 * @sk: socket
 * @optval: user buffer
 * @optlen: its length (checked >= 0 by the caller), cut to sizeof(info)
 *
 * Return: 0 or -EFAULT.
 */
int xtcp_info_getsockopt(struct sock *sk, char __user *optval,
			 int __user *optlen)
{
	struct tcp_info info;
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	xtcp_get_info(sk, &info);
	len = min_t(unsigned int, len, sizeof(info));
	if (put_user(len, optlen))
		return -EFAULT;
	if (copy_to_user(optval, &info, len))
		return -EFAULT;
	return 0;
}
