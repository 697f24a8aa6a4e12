// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP error queue reads: recvmsg(MSG_ERRQUEUE) returns what sits on
 * sk_error_queue, never stream data (Linux: inet_recv_error, ip_recv_error).
 */
#include <linux/errqueue.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/sock.h>

#include "xtcp.h"

/*
 * The cmsg IP_RECVERR carries: the extended error, then the address of
 * the node that reported it (ip_recv_error()'s layout).
 */
struct xtcp_errhdr {
	struct sock_extended_err	ee;
	struct sockaddr_in		offender;
};

/**
 * xtcp_recv_error() - recvmsg(MSG_ERRQUEUE) (tcp_recvmsg()'s first check)
 * @sk: socket; no lock needed, the error queue has its own
 * @msg: user message
 * @len: room for the queued packet's bytes
 *
 * inet_recv_error() serves AF_INET and AF_INET6 only (it returns EINVAL
 * for any other family), and ip_recv_error() is not exported, so XTCP
 * has this copy of the same contract: one queued error per call, its
 * packet bytes truncated to @len (MSG_TRUNC), the origin's address in
 * msg_name when it has a port, a SOL_IP/IP_RECVERR cmsg and MSG_ERRQUEUE
 * in msg_flags. The queue is never the byte stream.
 *
 * Return: bytes copied, or -EAGAIN when the error queue is empty (also for
 * listeners and unconnected sockets, as TCP), or a copy error.
 */
int xtcp_recv_error(struct sock *sk, struct msghdr *msg, size_t len)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, msg->msg_name);
	struct xtcp_errhdr errhdr;
	struct sock_exterr_skb *serr;
	struct sk_buff *skb;
	int copied, err;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;

	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (unlikely(err)) {
		kfree_skb(skb);
		return err;
	}
	sock_recv_timestamp(msg, sk, skb);

	serr = SKB_EXT_ERR(skb);
	if (sin && serr->port) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr.s_addr,
		       skb_network_header(skb) + serr->addr_offset,
		       sizeof(sin->sin_addr.s_addr));
		sin->sin_port = serr->port;
		memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
		msg->msg_namelen = sizeof(*sin);
	}

	memset(&errhdr, 0, sizeof(errhdr));
	errhdr.ee = serr->ee;
	/* An ICMP error names the router that sent it, as for TCP. */
	if (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP && skb_network_header_len(skb)) {
		errhdr.offender.sin_family = AF_INET;
		errhdr.offender.sin_addr.s_addr = ip_hdr(skb)->saddr;
	}
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);

	msg->msg_flags |= MSG_ERRQUEUE;
	consume_skb(skb);
	return copied;
}
