// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP byte stream, socket side: sendmsg into the write queue, recvmsg
 * from the receive queue, the FIN on the write queue, and the per-socket
 * data path state (Linux: tcp_sendmsg_locked, tcp_recvmsg_locked,
 * tcp_send_fin, tcp_close_state, tcp_init_transfer, tcp_write_queue_purge,
 * sk_stream_write_space).
 *
 * sk_write_queue holds every skb from snd_una to write_seq: sent and
 * unacknowledged ones first, then from xp->send_head the unsent ones. Its
 * payload lives in page fragments (one copy in from user space, none on
 * transmit: the IP layer gets clones). sk_wmem_queued counts the queue's
 * truesize against sk_sndbuf, and every byte of it is charged to XTCP's
 * memory (sk_wmem_schedule() before, sk_mem_charge() when queued,
 * sk_mem_uncharge() when freed: xtcp_mem.c). All of it is under the
 * socket lock.
 */
#include <linux/sched/signal.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "xtcp_mib.h"

/**
 * xtcp_write_space() - sk_write_space: wake writers once a third of the
 *	send buffer is free (sk_stream_write_space(), not exported)
 * @sk: socket
 */
static void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !__sk_stream_is_writeable(sk, 1))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/**
 * xtcp_data_init() - data path state of a new socket or fresh clone
 * @sk: socket (a clone copied its listener's, which must not stay)
 */
void xtcp_data_init(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	xp->ofo_root = RB_ROOT;
	xp->send_head = NULL;
	xp->ack_pending = 0;
	xp->orphan_counted = 0;
	INIT_LIST_HEAD(&xp->orphan_node);
	xp->fin_sent = 0;
	xp->rcv_queued = 0;
	sk->sk_write_space = xtcp_write_space;
	/* sock_wfree() must not call sk_write_space for every clone. */
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
}

/**
 * xtcp_init_transfer() - start the data path of an established connection
 *	(tcp_init_transfer())
 * @sk: socket entering ESTABLISHED; iss/irs, snd_una/snd_nxt/rcv_nxt,
 *	snd_wnd, wscales and peer_mss are set
 */
void xtcp_init_transfer(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	xp->copied_seq = xp->rcv_nxt;
	xp->write_seq = xp->snd_nxt;
	xp->rcv_wup = xp->rcv_nxt;
	xp->rcv_wnd = xtcp_initial_window(sk);	/* what our SYN or SYN-ACK said */
	xp->max_window = xp->snd_wnd;
	xp->rcv_mss = XTCP_DEFAULT_MSS;
	xp->rcv_ratio = 128;
	xp->srtt = 0;
	xp->rttvar = 0;
	xp->retrans_stamp = 0;
	xp->quickack = XTCP_QUICKACKS;
	xp->rcvq_space = 0;
	xp->rcvq_time = tcp_jiffies32;
	xp->lrcv = tcp_jiffies32 - XTCP_DELACK_MAX;
	xp->pingpong = 0;
	xp->rprobe = 0;
	xp->probes_out = 0;
	xp->probes_tstamp = 0;
	xp->probe_backoff = 0;
	xp->lsndtime = tcp_jiffies32;
	xp->rcv_tstamp = tcp_jiffies32;
	xp->mss = 0;
	xtcp_current_mss(sk);
	xtcp_cong_init(sk);
	xp->rto = xtcp_rto_now(sk);
	/* Room for IW10 at once, as tcp_init_buffer_space() makes. */
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK) &&
	    !xtcp_mem_under_pressure(sk)) {
		u32 per_mss = roundup_pow_of_two(SKB_TRUESIZE(xp->mss +
							      XTCP_MAX_HEADER));
		u64 want = 2ULL * XTCP_INIT_CWND * per_mss;
		int wmem2 = READ_ONCE(xtcp_pernet(sock_net(sk))->wmem[2]);

		if (want > wmem2)
			want = wmem2;
		if (want > sk->sk_sndbuf)
			WRITE_ONCE(sk->sk_sndbuf, want);
	}
}

/**
 * xtcp_free_acked() - unlink and free the head of the write queue
 * @sk: socket; its lock held
 * @skb: head skb, fully acknowledged (or being purged)
 */
void xtcp_free_acked(struct sock *sk, struct sk_buff *skb)
{
	__skb_unlink(skb, &sk->sk_write_queue);
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	__kfree_skb(skb);
}

/**
 * xtcp_write_queue_purge() - drop everything queued to send
 * @sk: socket; its lock held (or the last reference)
 */
void xtcp_write_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue)))
		xtcp_free_acked(sk, skb);
	xtcp_sk(sk)->send_head = NULL;
	sk_mem_reclaim(sk);
}

/*
 * A new empty skb at the tail of the write queue, sequence write_seq
 * (tcp_stream_alloc_skb() + tcp_skb_entail()). Its truesize is charged:
 * scheduled first, or, with @force (the FIN), charged anyway.
 */
static struct sk_buff *xtcp_new_skb(struct sock *sk, gfp_t gfp, bool force)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_skb_cb *cb;
	struct sk_buff *skb;

	skb = alloc_skb(XTCP_MAX_HEADER, gfp);
	if (!skb) {
		sk->sk_prot->enter_memory_pressure(sk);
		sk_stream_moderate_sndbuf(sk);
		return NULL;
	}
	if (force) {
		xtcp_mem_charge_forced(sk, skb->truesize);
	} else if (sk_wmem_schedule(sk, skb->truesize)) {
		sk_mem_charge(sk, skb->truesize);
	} else {
		__kfree_skb(skb);
		return NULL;
	}
	skb_reserve(skb, XTCP_MAX_HEADER);
	/* No checksum while copying in: the transmit path decides. */
	skb->ip_summed = CHECKSUM_PARTIAL;
	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = xp->write_seq;
	cb->end_seq = xp->write_seq;
	sk_wmem_queued_add(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!xp->send_head)
		xp->send_head = skb;
	return skb;
}

/*
 * An skb sendmsg() queued but could not fill (memory refused the copy):
 * take it off the tail again, or it would go out as an empty segment and
 * head the retransmit queue (tcp_remove_empty_skb()). Owner lock held.
 */
static void xtcp_remove_empty_skb(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct xtcp_sock *xp = xtcp_sk(sk);

	/* Unsent: everything from send_head to the tail is. */
	if (!skb || !xp->send_head || skb->len || XTCP_SKB_CB(skb)->fin)
		return;
	if (xp->send_head == skb)
		xp->send_head = NULL;
	xtcp_free_acked(sk, skb);
}

/**
 * xtcp_close_state() - state after close() or shutdown(SHUT_WR)
 *	(tcp_close_state())
 * @sk: socket; the owner's lock held
 *
 * Return: true if a FIN must be queued.
 */
bool xtcp_close_state(struct sock *sk)
{
	sock_owned_by_me(sk);
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
		xtcp_set_state(sk, TCP_FIN_WAIT1);
		return true;
	case TCP_CLOSE_WAIT:
		xtcp_set_state(sk, TCP_LAST_ACK);
		return true;
	case TCP_SYN_SENT:
	case TCP_LISTEN:
		xtcp_set_state(sk, TCP_CLOSE);
		return false;
	}
	/* FIN_WAIT1/2, CLOSING, LAST_ACK, CLOSE: nothing more to send. */
	return false;
}

/**
 * xtcp_send_fin() - queue our FIN after the pending data (tcp_send_fin())
 * @sk: socket, just moved to FIN_WAIT1 or LAST_ACK; the owner's lock held
 *
 * The FIN rides on the last unsent skb or gets an skb of its own, which
 * may not fail: a FIN lost to memory would leave the peer hanging.
 */
void xtcp_send_fin(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	sock_owned_by_me(sk);
	if (xp->fin_sent)
		return;
	if (!skb || !xp->send_head)
		skb = xtcp_new_skb(sk, sk->sk_allocation | __GFP_NOFAIL, true);
	XTCP_SKB_CB(skb)->fin = 1;
	WRITE_ONCE(xp->write_seq, xp->write_seq + 1);
	xp->fin_sent = 1;
	xtcp_write_xmit(sk, XTCP_PUSH_FORCE);
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
 * xtcp_sendmsg() - proto_ops.sendmsg (tcp_sendmsg_locked())
 * @sock: socket
 * @msg: data; MSG_DONTWAIT, MSG_NOSIGNAL, MSG_MORE honoured
 * @len: bytes
 *
 * Waits for the connection like TCP, then copies into MSS-sized skbs on
 * the write queue while sk_wmem_queued is below sk_sndbuf, sending what
 * the windows allow as segments fill up. Blocks (or returns what was
 * copied, or -EAGAIN) when the buffer is full, until ACKs free space.
 *
 * Return: bytes queued, or -EPIPE (with SIGPIPE unless MSG_NOSIGNAL), a
 * pending socket error, -EAGAIN, -EFAULT, -EINTR/-ERESTARTSYS.
 */
int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xp = xtcp_sk(sk);
	int flags = msg->msg_flags;
	size_t copied = 0;
	struct sk_buff *skb;
	bool new_skb = false;
	long timeo;
	u32 mss;
	int err;

	/*
	 * No urgent data: XTCP carries no urgent pointer, and sending the
	 * byte inline as TCP's own data would be silently wrong for a
	 * program that relies on SIGURG or SIOCATMARK; fail instead.
	 */
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = xtcp_wait_connected(sk, &timeo);
		if (err)
			goto out_err;
	}
	/* Clear the "no space" hint: poll sets it again if needed. */
	sk_clear_bit(SOCKWQ_ASYNC_NOSPACE, sk);

	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto do_error;

	mss = xtcp_current_mss(sk);
	while (msg_data_left(msg)) {
		struct page_frag *pfrag = sk_page_frag(sk);
		int copy, i;
		bool merge;

		skb = skb_peek_tail(&sk->sk_write_queue);
		if (new_skb || !skb || !xp->send_head || skb->len >= mss ||
		    XTCP_SKB_CB(skb)->fin) {
			new_skb = false;
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			skb = xtcp_new_skb(sk, sk->sk_allocation, false);
			if (!skb)
				goto wait_for_space;
		}

		copy = min_t(size_t, mss - skb->len, msg_data_left(msg));
		if (!sk_page_frag_refill(sk, pfrag))
			goto wait_for_space;
		i = skb_shinfo(skb)->nr_frags;
		merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
		if (!merge && i >= MAX_SKB_FRAGS) {
			new_skb = true;
			continue;
		}
		copy = min_t(int, copy, pfrag->size - pfrag->offset);
		/* Charged by skb_copy_to_page_nocache() (tcp_sendmsg_locked()). */
		if (!sk_wmem_schedule(sk, copy))
			goto wait_for_space;
		err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb,
					       pfrag->page, pfrag->offset,
					       copy);
		if (err)
			goto do_error;
		if (merge) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
		} else {
			skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset,
					   copy);
			page_ref_inc(pfrag->page);
		}
		pfrag->offset += copy;

		XTCP_SKB_CB(skb)->end_seq += copy;
		WRITE_ONCE(xp->write_seq, xp->write_seq + copy);
		copied += copy;
		if (skb->len >= mss)
			xtcp_write_xmit(sk, XTCP_PUSH_NAGLE);
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		xtcp_remove_empty_skb(sk);
		if (copied)
			xtcp_write_xmit(sk, XTCP_PUSH_NAGLE);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		mss = xtcp_current_mss(sk);
	}

out:
	if (copied)
		xtcp_write_xmit(sk, (flags & MSG_MORE) ? XTCP_PUSH_CORK :
						     XTCP_PUSH_NAGLE);
	release_sock(sk);
	return copied;

do_error:
	xtcp_remove_empty_skb(sk);
	if (copied)
		goto out;
out_err:
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/*
 * Receive buffer tuning (tcp_rcv_space_adjust(), simplified): when the
 * reader consumed more than half the buffer within about an RTT, grow
 * sk_rcvbuf so the window can cover twice that, up to rmem[2], unless
 * the user fixed SO_RCVBUF or XTCP is under memory pressure (as
 * tcp_grow_window() stops).
 */
static void xtcp_rcv_space_adjust(struct sock *sk, int copied)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	u32 interval = max_t(u32, xp->srtt >> 3, 1);
	int rmem2, rcvbuf;
	u64 want;

	xp->rcvq_space += copied;
	if ((s32)(tcp_jiffies32 - xp->rcvq_time) < (s32)interval)
		return;
	rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    !xtcp_mem_under_pressure(sk) &&
	    xp->rcvq_space > ((u64)rcvbuf * xp->rcv_ratio >> 9)) {
		rmem2 = READ_ONCE(xtcp_pernet(sock_net(sk))->rmem[2]);
		want = ((u64)xp->rcvq_space << 9) / max_t(u32, xp->rcv_ratio, 1);
		if (want > rmem2)
			want = rmem2;
		if (want > rcvbuf)
			WRITE_ONCE(sk->sk_rcvbuf, want);
	}
	xp->rcvq_space = 0;
	xp->rcvq_time = tcp_jiffies32;
}

/*
 * Control messages at the end of a read (tcp_recvmsg()): the receive
 * timestamp of the last skb read (SO_TIMESTAMP, SO_TIMESTAMPNS,
 * SO_TIMESTAMPING software RX), then TCP_INQ's bytes left to read, with
 * TCP's "1 after the FIN" (tcp_inq_hint()).
 */
static void xtcp_recv_cmsgs(struct sock *sk, struct msghdr *msg,
			    struct sk_buff *skb)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (skb)
		sock_recv_timestamp(msg, sk, skb);
	if (xp->recvmsg_inq) {
		int inq = xp->rcv_nxt - xp->copied_seq;

		if (inq == 0 && sock_flag(sk, SOCK_DONE))
			inq = 1;
		put_cmsg(msg, SOL_TCP, XTCP_CM_INQ, sizeof(inq), &inq);
	}
}

/**
 * xtcp_recvmsg() - proto_ops.recvmsg (tcp_recvmsg_locked())
 * @sock: socket
 * @msg: destination
 * @len: bytes wanted
 * @flags: MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, MSG_TRUNC
 *
 * Copies from copied_seq on; blocks until SO_RCVLOWAT (or all of @len with
 * MSG_WAITALL) is met, honouring SO_RCVTIMEO. tcp_recvmsg()'s order when
 * nothing is queued: end of stream (FIN seen) returns 0, then a pending
 * error, then shutdown, then -ENOTCONN if closed, then -EAGAIN.
 *
 * Return: bytes copied or a negative errno.
 */
int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xp = xtcp_sk(sk);
	bool peek = flags & MSG_PEEK;
	struct sk_buff *tskb = NULL;
	int copied = 0, target;
	u32 peek_seq, *seq;
	u32 peek_off = 0;
	long timeo;

	/* tcp_recvmsg(): the error queue first, and never the stream. */
	if (unlikely(flags & MSG_ERRQUEUE))
		return xtcp_recv_error(sk, msg, len);
	if (flags & MSG_OOB)
		return -EINVAL;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		copied = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	/* SO_PEEK_OFF: a peek starts that far past copied_seq. */
	if (peek)
		peek_off = max(sk_peek_offset(sk, flags), 0);
	peek_seq = xp->copied_seq + peek_off;
	seq = peek ? &peek_seq : &xp->copied_seq;

	do {
		struct sk_buff *skb, *last = NULL, *found = NULL;

		if (peek && xtcp_before(peek_seq, xp->copied_seq + peek_off))
			peek_seq = xp->copied_seq + peek_off;	/* another reader */

		skb_queue_walk(&sk->sk_receive_queue, skb) {
			last = skb;
			if (xtcp_before(*seq, XTCP_SKB_CB(skb)->end_seq)) {
				found = skb;
				break;
			}
		}
		if (found) {
			struct xtcp_skb_cb *cb = XTCP_SKB_CB(found);
			u32 off = *seq - cb->seq + cb->doff;
			u32 used = min_t(size_t, cb->end_seq - *seq,
					 len - copied);

			if (!(flags & MSG_TRUNC) &&
			    skb_copy_datagram_msg(found, off, msg, used)) {
				if (!copied)
					copied = -EFAULT;
				break;
			}
			*seq += used;
			copied += used;
			if (peek)
				sk_peek_offset_fwd(sk, used);
			else
				sk_peek_offset_bwd(sk, used);
			/* The receive timestamp is the last skb's (TCP's). */
			if (tskb != found) {
				if (tskb)
					consume_skb(tskb);
				tskb = skb_get(found);
			}
			if (!peek) {
				WRITE_ONCE(xp->rcv_queued,
					   xp->rcv_queued - used);
				if (*seq == cb->end_seq) {
					__skb_unlink(found,
						     &sk->sk_receive_queue);
					consume_skb(found);
				}
			}
			continue;
		}

		/* Nothing more to copy now. */
		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
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
		if (!peek)
			xtcp_cleanup_rbuf(sk, copied);
		if (copied >= target) {
			/* Do not sleep, just let the backlog in. */
			release_sock(sk);
			lock_sock(sk);
		} else {
			sk_wait_data(sk, &timeo, last);
		}
	} while (copied < len);

	if (copied > 0 && !peek) {
		xtcp_rcv_space_adjust(sk, copied);
		xtcp_cleanup_rbuf(sk, copied);
	}
	if (copied >= 0)
		xtcp_recv_cmsgs(sk, msg, tskb);
out:
	if (tskb)
		consume_skb(tskb);
	release_sock(sk);
	return copied;
}

/**
 * xtcp_data_rcv() - a segment for an established socket outside the
 *	demultiplexer (data riding on a passive open's final ACK)
 * @sk: socket; bh_lock_sock() held, not owned by the user
 * @skb: validated segment, skb->data at the header; consumed
 */
void xtcp_data_rcv(struct sock *sk, struct sk_buff *skb)
{
	sock_owned_by_me(sk);
	xtcp_do_rcv(sk, skb);
}
