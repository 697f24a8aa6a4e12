// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP minimal byte stream: in-order data and FIN on receive, sendmsg and
 * recvmsg (Linux: tcp_data_queue, tcp_fin, tcp_sendmsg_locked,
 * tcp_recvmsg_locked). No retransmission, reassembly or flow control yet:
 * out-of-order segments are dropped and answered with a duplicate ACK.
 * Receive queue and rcv_nxt are under the socket lock (bh_lock_sock() in
 * softirq, the owner lock in process context).
 */
#include <linux/sched/signal.h>
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"

/* Bytes of a queued skb already read (skb->cb, free once off the IP layer). */
#define XTCP_SKB_OFF(skb)	(*(u32 *)&(skb)->cb[0])

/**
 * xtcp_data_rcv() - queue in-order payload and handle FIN
 * @sk: established socket; its lock held (bh or owner)
 * @skb: validated segment, skb->data at the header; consumed
 */
void xtcp_data_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_sock *xp = xtcp_sk(sk);
	unsigned int hdrlen = th->doff * 4;
	unsigned int len = skb->len - hdrlen;
	bool fin = th->fin;

	if (!len && !fin)
		goto drop;
	if ((sk->sk_shutdown & RCV_SHUTDOWN) || ntohl(th->seq) != xp->rcv_nxt) {
		xtcp_send_ack(sk);	/* duplicate ACK */
		goto drop;
	}

	xp->rcv_nxt += len + fin;
	if (fin) {
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
		sock_set_flag(sk, SOCK_DONE);
		if (sk->sk_state == TCP_ESTABLISHED)
			xtcp_set_state(sk, TCP_CLOSE_WAIT);
	}
	xtcp_send_ack(sk);

	if (len) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_INDATA);
		__skb_pull(skb, hdrlen);
		skb_dst_drop(skb);
		skb_orphan(skb);
		XTCP_SKB_OFF(skb) = 0;
		skb_set_owner_r(skb, sk);
		xp->rcv_queued += len;
		__skb_queue_tail(&sk->sk_receive_queue, skb);
	} else {
		consume_skb(skb);
	}

	if (!sock_flag(sk, SOCK_DEAD)) {
		if (fin) {
			sk->sk_state_change(sk);
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
		}
		sk->sk_data_ready(sk);
	}
	return;
drop:
	consume_skb(skb);
}

/* sk_stream_wait_connect() for our states. Owner lock held. */
static int xtcp_wait_connected(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int done;

	do {
		if (sk->sk_err)
			return sock_error(sk);
		if ((1 << sk->sk_state) & ~(TCPF_SYN_SENT | TCPF_SYN_RECV))
			return -EPIPE;
		if (!*timeo)
			return -EAGAIN;
		if (signal_pending(current))
			return sock_intr_errno(*timeo);
		add_wait_queue(sk_sleep(sk), &wait);
		sk->sk_write_pending++;
		done = sk_wait_event(sk, timeo, sk->sk_err ||
				     ((1 << sk->sk_state) &
				      ~(TCPF_SYN_SENT | TCPF_SYN_RECV)), &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
		sk->sk_write_pending--;
	} while (!done);
	return 0;
}

/**
 * xtcp_sendmsg() - proto_ops.sendmsg
 * @sock: socket
 * @msg: data
 * @len: bytes
 *
 * Waits for the connection like TCP; segments at the peer's MSS.
 *
 * Return: bytes sent, or -EPIPE (with SIGPIPE unless MSG_NOSIGNAL), a
 * pending socket error, -EAGAIN, -EFAULT.
 */
int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xp = xtcp_sk(sk);
	size_t copied = 0;
	struct sk_buff *skb;
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = xtcp_wait_connected(sk, &timeo);
		if (err)
			goto out_err;
	}
	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto out_err;

	while (copied < len) {
		size_t chunk = min_t(size_t, len - copied,
				     max_t(u16, xp->mss, XTCP_DEFAULT_MSS));

		skb = xtcp_data_alloc(sk, chunk);
		if (!skb) {
			err = -ENOBUFS;
			goto out_partial;
		}
		if (memcpy_from_msg(skb_put(skb, chunk), msg, chunk)) {
			kfree_skb(skb);
			err = -EFAULT;
			goto out_partial;
		}
		xtcp_send_data(sk, skb, false);
		copied += chunk;
	}
	release_sock(sk);
	return copied;

out_partial:
	if (copied) {
		release_sock(sk);
		return copied;
	}
out_err:
	err = sk_stream_error(sk, msg->msg_flags, err);
	release_sock(sk);
	return err;
}

/**
 * xtcp_recvmsg() - proto_ops.recvmsg
 * @sock: socket
 * @msg: destination
 * @len: bytes wanted
 * @flags: MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL
 *
 * tcp_recvmsg()'s order when nothing is queued: end of stream (FIN seen)
 * returns 0, then a pending error, then shutdown, then -ENOTCONN if
 * closed, then -EAGAIN.
 *
 * Return: bytes copied or a negative errno.
 */
int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xp = xtcp_sk(sk);
	bool peek = flags & MSG_PEEK;
	struct sk_buff *skb, *tmp;
	int copied = 0, target;
	long timeo;

	if (flags & MSG_OOB)
		return -EINVAL;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		copied = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	do {
		skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
			u32 off = XTCP_SKB_OFF(skb);
			u32 n = min_t(size_t, skb->len - off, len - copied);

			if (skb_copy_datagram_msg(skb, off, msg, n)) {
				if (!copied)
					copied = -EFAULT;
				goto out;
			}
			copied += n;
			if (!peek) {
				XTCP_SKB_OFF(skb) += n;
				xp->rcv_queued -= n;
				if (XTCP_SKB_OFF(skb) >= skb->len) {
					__skb_unlink(skb, &sk->sk_receive_queue);
					consume_skb(skb);
				}
			}
			if (copied >= len)
				goto out;
		}
		/* A peek copies what is queued once; it never consumes. */
		if (copied >= target || (peek && copied))
			break;

		if (copied) {
			if (!timeo || sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		sk_wait_data(sk, &timeo, NULL);
	} while (copied < len);
out:
	release_sock(sk);
	return copied;
}
