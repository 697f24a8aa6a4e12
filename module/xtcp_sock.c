// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP socket layer: the AF_XTCP family, create/release, bind, getname,
 * poll, shutdown, socket options, state changes, and the proto and
 * proto_ops tables (Linux: af_inet.c's inet_create, inet_release,
 * __inet_bind, inet_getname, inet_shutdown; tcp.c's tcp_poll, tcp_close,
 * tcp_disconnect, tcp_set_state, tcp_done).
 */
#define pr_fmt(fmt) "xtcp: " fmt

#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sockios.h>
#include <linux/termios.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/l3mdev.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/xfrm.h>

#include "xtcp.h"
#include "xtcp_mib.h"
#include "xtcp_trace.h"

/*
 * Orphans: sockets closed by the user that still finish their FIN exchange
 * (FIN_WAIT1, CLOSING, LAST_ACK). They are on this list and, unlike other
 * full sockets, do not pin the module: an orphan whose peer vanished
 * could otherwise block rmmod for minutes of RTO backoff. The module
 * reference sk_alloc() took is given back when a socket becomes a counted
 * orphan and taken again when it leaves (for sk_prot_free()'s
 * module_put()); module exit resets whatever is left on the list
 * (xtcp_orphans_purge()). Lock order: bh_lock_sock -> xtcp_orphan_lock.
 */
static LIST_HEAD(xtcp_orphans);
static DEFINE_SPINLOCK(xtcp_orphan_lock);

/**
 * xtcp_sock_init_queues() - initialise a socket's listener and accept state
 * @sk: new socket, or a clone fresh from sk_clone_lock() (which copied its
 *	listener's lists and locks and must not keep them)
 *
 * Called once per socket, never from listen(): a listen() racing with a
 * SYN must not reinitialise a lock that a softirq holds (CVE-2024-26614).
 */
void xtcp_sock_init_queues(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	spin_lock_init(&xp->reqs_lock);
	INIT_LIST_HEAD(&xp->reqs);
	xp->reqs_len = 0;
	xp->closing = false;
	spin_lock_init(&xp->acceptq_lock);
	INIT_LIST_HEAD(&xp->acceptq);
	INIT_LIST_HEAD(&xp->accept_node);
	INIT_HLIST_NODE(&xp->bind_node);
	INIT_HLIST_NODE(&xp->bind2_node);
	xp->bb = NULL;
	xp->bb2 = NULL;
	sk->sk_ack_backlog = 0;
	xtcp_rtx_timer_init(sk);
	xtcp_keepalive_init(sk);
	xtcp_data_init(sk);
}

/**
 * xtcp_set_state() - change state and keep tables and counters in step
 * @sk: full socket; the owner's lock or bh_lock_sock() held
 * @state: new TCP_* state
 *
 * Entering TCP_CLOSE unhashes the socket from the established table and,
 * unless the user bound the port, releases it (tcp_set_state()). The
 * caller holds a reference besides the table's.
 */
void xtcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;
	struct net *net = sock_net(sk);

	/* CurrEstab counts ESTABLISHED and CLOSE_WAIT, like TCP's. */
	if (state == TCP_ESTABLISHED && old != TCP_ESTABLISHED)
		XTCP_INC_STATS(net, XTCP_MIB_CURRESTAB);
	if ((old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT) &&
	    state != TCP_ESTABLISHED && state != TCP_CLOSE_WAIT)
		XTCP_DEC_STATS(net, XTCP_MIB_CURRESTAB);

	xtcp_state_store(sk, state);
	trace_xtcp_state_change(sk, old, state);

	if (state == TCP_ESTABLISHED && sock_flag(sk, SOCK_KEEPOPEN))
		xtcp_keepalive_reset(sk);
	if (state == TCP_CLOSE) {
		struct xtcp_sock *xp = xtcp_sk(sk);

		if (xp->orphan_counted) {
			xp->orphan_counted = 0;
			spin_lock_bh(&xtcp_orphan_lock);
			list_del_init(&xp->orphan_node);
			spin_unlock_bh(&xtcp_orphan_lock);
			atomic_dec(&xtcp_pernet(net)->orphans);
			XTCP_DEC_STATS(net, XTCP_MIB_CURRORPHANS);
			/* Paired with the module_put() in xtcp_orphan_count(). */
			__module_get(THIS_MODULE);
		}
		if (old != TCP_LISTEN && xtcp_ehash_remove(&sk->__sk_common))
			__sock_put(sk);	/* the established table's ref */
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			xtcp_put_port(sk);
	}
}

/**
 * xtcp_done() - the connection is over (tcp_done())
 * @sk: full socket; the owner's lock or bh_lock_sock() held
 *
 * Any sk_err is set by the caller before, as tcp_reset() does. Timers
 * stop (their references go), the table's reference goes with
 * TCP_CLOSE, and an orphan also gives up its port: its last reference
 * is then the one of whoever called, and the socket is freed after it.
 */
void xtcp_done(struct sock *sk)
{
	if (sk->sk_state == TCP_SYN_SENT)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
	xtcp_rtx_timer_stop(sk, false);
	xtcp_delack_stop(sk, false);
	xtcp_keepalive_stop(sk);
	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_write_queue_purge(sk);
	xtcp_ofo_purge(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
	} else {
		/* An orphan's end (inet_csk_destroy_sock()): give the port up. */
		xtcp_put_port(sk);
	}
}

/**
 * xtcp_disconnect() - back to an unconnected socket (tcp_disconnect())
 * @sk: socket; the owner's lock held
 * @flags: unused (O_NONBLOCK from the caller)
 *
 * Used by connect(AF_UNSPEC), shutdown() of a listener or connecting
 * socket, and after a failed connect.
 *
 * Return: 0.
 */
int xtcp_disconnect(struct sock *sk, int flags)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	int old = sk->sk_state;

	sock_owned_by_me(sk);
	if (old == TCP_LISTEN) {
		xtcp_listen_stop(sk);
	} else if ((1 << old) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				 TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) {
		/* tcp_need_reset() */
		xtcp_send_active_reset(sk);
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	} else if (old == TCP_SYN_SENT) {
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	}
	xtcp_rtx_timer_stop(sk, true);
	xtcp_delack_stop(sk, true);
	xtcp_keepalive_stop(sk);
	if (sk->sk_state != TCP_CLOSE)
		xtcp_set_state(sk, TCP_CLOSE);

	__skb_queue_purge(&sk->sk_receive_queue);
	sk_set_peek_off(sk, -1);	/* as tcp_disconnect() */
	xtcp_write_queue_purge(sk);
	xtcp_ofo_purge(sk);
	sk_mem_reclaim(sk);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		xtcp_bind2_update_saddr(sk, 0);
	inet_sk(sk)->inet_dport = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	xp->snd_una = 0;
	xp->snd_nxt = 0;
	xp->rcv_nxt = 0;
	xp->write_seq = 0;
	xp->copied_seq = 0;
	xp->syn_retries = 0;
	memset(&xp->info, 0, sizeof(xp->info));	/* as tcp_disconnect() */
	xp->fin_sent = 0;
	xp->rcv_queued = 0;
	xp->ack_pending = 0;
	xp->srtt = 0;
	xp->rttvar = 0;
	sk_dst_reset(sk);
	sk_error_report(sk);
	return 0;
}

/* An orphan must not outlive the limit: AbortOnMemory (tcp_too_many_orphans). */
static void xtcp_orphan_count(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xp = xtcp_sk(sk);

	xp->orphan_counted = 1;
	spin_lock(&xtcp_orphan_lock);
	list_add_tail(&xp->orphan_node, &xtcp_orphans);
	spin_unlock(&xtcp_orphan_lock);
	/*
	 * The socket file's reference on the module (proto_ops.owner) is
	 * held until release() returns, so this is not the last one.
	 */
	module_put(THIS_MODULE);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CURRORPHANS);
	if (atomic_inc_return(&xn->orphans) > READ_ONCE(xn->max_orphans)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONMEMORY);
		xtcp_send_active_reset(sk);
		xtcp_done(sk);
	}
}

/*
 * close() of a connected socket (tcp_close()): unread data or SO_LINGER
 * {1, 0} abort with an RST; otherwise the FIN is queued behind the data,
 * SO_LINGER {1, N} waits up to N for it to be acknowledged, and the
 * socket lives on as an orphan until the FIN exchange ends: FIN_WAIT2 goes
 * to a mini sock, TIME_WAIT too, LAST_ACK and CLOSING end on the ACK, and
 * the retransmit timer gives up after orphan_retries.
 */
/*
 * The SO_LINGER wait of close(): sleep until the FIN is acknowledged (the
 * state leaves FIN_WAIT1, CLOSING and LAST_ACK), a signal comes or the
 * linger time runs out. Mirrors sk_stream_wait_close(), which 7.x no
 * longer exports.
 */
static void xtcp_linger_wait(struct sock *sk, long timeo)
{
	const int closing = TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK;
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while (timeo && !signal_pending(current)) {
		if (sk_wait_event(sk, &timeo,
				  !((1 << READ_ONCE(sk->sk_state)) & closing),
				  &wait))
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
}

static void xtcp_close(struct sock *sk, long timeout)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	bool unread = xp->rcv_queued;
	int state;

	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	__skb_queue_purge(&sk->sk_receive_queue);
	WRITE_ONCE(xp->rcv_queued, 0);
	xtcp_ofo_purge(sk);
	sk_mem_reclaim(sk);

	if (sk->sk_state == TCP_CLOSE) {
		/* nothing on the wire */
	} else if (unread) {
		/* RFC 2525 2.17: the peer learns its data was not read. */
		XTCP_INC_STATS(net, XTCP_MIB_ABORTONCLOSE);
		xtcp_send_active_reset(sk);
		xtcp_done(sk);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* TCP counts a zero linger here too (tcp_close()). */
		XTCP_INC_STATS(net, XTCP_MIB_ABORTONDATA);
		xtcp_disconnect(sk, 0);
	} else if (xtcp_close_state(sk)) {
		xtcp_send_fin(sk);
	}
	if (timeout)
		xtcp_linger_wait(sk, timeout);

	state = sk->sk_state;
	sock_hold(sk);
	sock_orphan(sk);
	/* Segments that came meanwhile are processed now, as an orphan's. */
	release_sock(sk);

	local_bh_disable();
	bh_lock_sock(sk);
	if (state != TCP_CLOSE && sk->sk_state == TCP_CLOSE)
		goto out;	/* finished during release_sock() */
	if (sk->sk_state == TCP_FIN_WAIT2) {
		int tmo = xtcp_fin_timeout(sk);

		if (tmo < 0) {
			XTCP_INC_STATS(net, XTCP_MIB_ABORTONLINGER);
			xtcp_send_active_reset(sk);
			xtcp_done(sk);
		} else {
			xtcp_time_wait(sk, TCP_FIN_WAIT2, tmo);
		}
		goto out;
	}
	if (sk->sk_state != TCP_CLOSE)
		xtcp_orphan_count(sk);
	else
		xtcp_put_port(sk);
out:
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

static int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	long timeout = 0;

	if (!sk)
		return 0;

	/* inet_release(): SO_LINGER's wait, unless the process is exiting. */
	if (sock_flag(sk, SOCK_LINGER) && !(current->flags & PF_EXITING))
		timeout = sk->sk_lingertime;

	lock_sock(sk);
	switch (sk->sk_state) {
	case TCP_LISTEN:
		xtcp_listen_stop(sk);
		break;
	case TCP_SYN_SENT:
		xtcp_set_state(sk, TCP_CLOSE);
		break;
	case TCP_CLOSE:
		break;
	default:
		xtcp_close(sk, timeout);	/* releases the lock */
		goto out;
	}
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	xtcp_rtx_timer_stop(sk, true);
	xtcp_delack_stop(sk, true);
	/* A pending keepalive would hold the socket, and the module. */
	sk_stop_timer_sync(sk, &sk->sk_timer);
	xtcp_put_port(sk);
	sock_orphan(sk);
	release_sock(sk);
out:
	sock->sk = NULL;
	sock_put(sk);	/* the user's reference */
	return 0;
}

static bool xtcp_family_ok(sa_family_t family)
{
	return family == AF_XTCP || family == AF_INET;
}

static int xtcp_bind(struct socket *sock, struct xtcp_uaddr *uaddr,
		     int addr_len)
{
	struct sockaddr_in *addr = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	u32 tb_id = RT_TABLE_LOCAL;
	unsigned short snum;
	int chk_addr_ret;
	int err;

	/* Checks and errnos in __inet_bind()'s order. */
	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	if (!xtcp_family_ok(addr->sin_family)) {
		/* Like TCP: AF_UNSPEC passes only with INADDR_ANY. */
		if (addr->sin_family != AF_UNSPEC ||
		    addr->sin_addr.s_addr != htonl(INADDR_ANY))
			return -EAFNOSUPPORT;
	}

	tb_id = l3mdev_fib_table_by_index(net, sk->sk_bound_dev_if) ? : tb_id;
	chk_addr_ret = inet_addr_type_table(net, addr->sin_addr.s_addr, tb_id);
	if (!inet_addr_valid_or_nonlocal(net, inet, addr->sin_addr.s_addr,
					 chk_addr_ret))
		return -EADDRNOTAVAIL;

	snum = ntohs(addr->sin_port);
	if (snum && inet_port_requires_bind_service(net, snum) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet->inet_num)
		goto out;

	inet->inet_rcv_saddr = addr->sin_addr.s_addr;
	inet->inet_saddr = addr->sin_addr.s_addr;
	if (chk_addr_ret == RTN_MULTICAST || chk_addr_ret == RTN_BROADCAST)
		inet->inet_saddr = 0;	/* use device */

	/*
	 * __inet_bind(): with IP_BIND_ADDRESS_NO_PORT, bind() to port 0 takes
	 * only the address; connect() then picks a port unique for the
	 * 4-tuple (xtcp_connect_port()), so many connections from one
	 * address can share ports, and listen() autobinds.
	 */
	if ((snum || !xtcp_sk_bind_address_no_port(sk)) &&
	    xtcp_get_port(sk, snum)) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
		err = -EADDRINUSE;
		goto out;
	}
	if (inet->inet_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	inet->inet_sport = htons(inet->inet_num);
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	sk_dst_reset(sk);
	err = 0;
out:
	release_sock(sk);
	return err;
}

static int xtcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, uaddr);
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);

	sin->sin_family = AF_XTCP;
	lock_sock(sk);
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		sin->sin_port = inet->inet_dport;
		sin->sin_addr.s_addr = inet->inet_daddr;
	} else {
		__be32 addr = inet->inet_rcv_saddr;

		if (!addr)
			addr = inet->inet_saddr;
		sin->sin_port = inet->inet_sport;
		sin->sin_addr.s_addr = addr;
	}
	release_sock(sk);
	memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
	return sizeof(*sin);
}

static __poll_t xtcp_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);

	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return list_empty_careful(&xtcp_sk(sk)->acceptq) ?
			0 : EPOLLIN | EPOLLRDNORM;

	/* tcp_poll()'s rules, without urgent data and fast open. */
	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT) {
		int target = sock_rcvlowat(sk, 0, INT_MAX);

		if (xtcp_stream_readable(sk, target))
			mask |= EPOLLIN | EPOLLRDNORM;
		if ((shutdown & SEND_SHUTDOWN) || __sk_stream_is_writeable(sk, 1)) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* Paired with the smp_mb() in xtcp_check_space(). */
			smp_mb__after_atomic();
			if (__sk_stream_is_writeable(sk, 1))
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}

	/* Paired with the WRITE_ONCE(sk_err) + smp_wmb() of the resetter. */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int xtcp_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/* inet_shutdown(): SHUT_RD..SHUT_RDWR map to 1..3. */
	how++;
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		fallthrough;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		/* tcp_shutdown() */
		if ((how & SEND_SHUTDOWN) &&
		    ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
		    xtcp_close_state(sk))
			xtcp_send_fin(sk);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		err = xtcp_disconnect(sk, O_NONBLOCK);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		break;
	}

	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

static int xtcp_setsockopt(struct socket *sock, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val;

	if (level == SOL_IP) {
		switch (optname) {
		case IP_ADD_MEMBERSHIP:
		case IP_DROP_MEMBERSHIP:
		case IP_ADD_SOURCE_MEMBERSHIP:
		case IP_DROP_SOURCE_MEMBERSHIP:
		case MCAST_JOIN_GROUP:
		case MCAST_LEAVE_GROUP:
		case MCAST_JOIN_SOURCE_GROUP:
		case MCAST_LEAVE_SOURCE_GROUP:
			/*
			 * ip_setsockopt() refuses these only for inet
			 * connection socks; XTCP is not one, and nothing
			 * would drop the membership at close (leak). Same
			 * errno as TCP.
			 */
			return -EPROTO;
		}
		return ip_setsockopt(sk, level, optname, optval, optlen);
	}
	/* XTCP's own option: not at TCP's level, where TCP has none. */
	if (level == SOL_XTCP && optname == XTCP_TIMELINE)
		return xtcp_tl_setsockopt(sk, optval, optlen);
	if (level == SOL_XTCP || level == SOL_TCP)
		return xtcp_sockopt_set(sk, optname, optval, optlen);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;

	/*
	 * The core refuses SO_REUSEPORT for families other than AF_INET and
	 * AF_INET6; XTCP implements it, so SOL_SOCKET comes here
	 * (SOCK_CUSTOM_SOCKOPT) and everything else goes back to the core.
	 */
	if (optname != SO_REUSEPORT)
		return sock_setsockopt(sock, level, optname, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	sk->sk_reuseport = !!val;
	release_sock(sk);
	return 0;
}

static int xtcp_getsockopt(struct socket *sock, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	if (level == SOL_IP)
		return ip_getsockopt(sock->sk, level, optname, optval, optlen);
	if (level == SOL_XTCP && optname == XTCP_TIMELINE)
		return xtcp_tl_getsockopt(sock->sk, optval, optlen);
	if (level == SOL_XTCP || level == SOL_TCP)
		return xtcp_sockopt_get(sock->sk, optname, optval, optlen);
	return -ENOPROTOOPT;
}

static int xtcp_ioctl(struct socket *sock, unsigned int cmd,
		      unsigned long arg)
{
	struct sock *sk = sock->sk;
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		if ((1 << sk->sk_state) & TCPF_SYN_SENT)
			answ = 0;
		else
			answ = xtcp_sk(sk)->rcv_queued;
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_CLOSE))
			answ = 0;
		else
			answ = READ_ONCE(xtcp_sk(sk)->write_seq) -
			       READ_ONCE(xtcp_sk(sk)->snd_una);
		break;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_CLOSE))
			answ = 0;
		else
			answ = READ_ONCE(xtcp_sk(sk)->write_seq) -
			       READ_ONCE(xtcp_sk(sk)->snd_nxt);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

/* Last reference to a full socket gone, after an RCU grace period. */
static void xtcp_prot_destruct(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);

	__skb_queue_purge(&sk->sk_receive_queue);
	__skb_queue_purge(&sk->sk_error_queue);
	xtcp_write_queue_purge(sk);
	xtcp_ofo_purge(sk);
	xtcp_mem_sock_free(sk);
	kfree(rcu_dereference_protected(inet->inet_opt, 1));
	dst_release(rcu_dereference_protected(sk->sk_dst_cache, 1));
	/* IP_XFRM_POLICY's, as inet_csk_destroy_sock() frees TCP's. */
	xfrm_sk_free_policy(sk);
	xtcp_tl_sock_free(sk);
}

static const struct proto_ops xtcp_stream_ops;

static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct inet_sock *inet;
	struct sock *sk;

	/* Same checks and errnos, in the same order, as inet_create(). */
	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	/*
	 * IPPROTO_XTCP always; the wire number too when ip_proto=254; and
	 * IPPROTO_TCP, which many TCP programs pass explicitly, so that
	 * changing only the family moves them to XTCP.
	 */
	if (protocol && protocol != IPPROTO_XTCP && protocol != xtcp_ip_proto &&
	    protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;

	sock->state = SS_UNCONNECTED;
	sk = sk_alloc(net, PF_XTCP, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOBUFS;

	sock->ops = &xtcp_stream_ops;
	/* SOL_SOCKET options come to xtcp_setsockopt() first. */
	xtcp_sock_custom_sockopt(sock);
	sock_init_data(sock, sk);

	/*
	 * The slab is SLAB_TYPESAFE_BY_RCU (xtcp_prot), as TCP's: an
	 * established-table lookup may meet a freed and reused xtcp_sock and
	 * rechecks the 4-tuple after taking its reference. Listeners are
	 * looked up without that recheck and get SOCK_RCU_FREE at listen().
	 */
	sk->sk_destruct = xtcp_prot_destruct;
	/* Uncounted by xtcp_prot_destruct(), as tcp_v4_destroy_sock() does. */
	xtcp_mem_sock_init(sk);
	sk->sk_backlog_rcv = xtcp_do_rcv;
	/* The wire protocol: ip_queue_xmit() and routing use it. */
	sk->sk_protocol = xtcp_ip_proto;

	/* net.xtcp.rmem[1]/wmem[1], as TCP's tcp_rmem/tcp_wmem defaults. */
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(xtcp_pernet(net)->rmem[1]));
	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(xtcp_pernet(net)->wmem[1]));

	inet = inet_sk(sk);
	inet->uc_ttl = -1;
	inet->mc_ttl = 1;
	inet->pmtudisc = READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) ?
			 IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;

	xtcp_sock_init_queues(sk);
	return 0;
}

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.backlog_rcv	= xtcp_do_rcv,
	.release_cb	= xtcp_release_cb,
	.keepalive	= xtcp_set_keepalive,
	.stream_memory_free	= xtcp_stream_memory_free,
	.diag_destroy	= xtcp_abort,		/* SOCK_DESTROY, xtcp_diag.c */
	/* Memory accounting, as tcp_prot's (xtcp_mem.c). */
	.enter_memory_pressure	= xtcp_enter_memory_pressure,
	.leave_memory_pressure	= xtcp_leave_memory_pressure,
	.sockets_allocated	= &xtcp_sockets_allocated,
	.memory_allocated	= &xtcp_memory_allocated,
	.per_cpu_fw_alloc	= &xtcp_memory_per_cpu_fw_alloc,
	.memory_pressure	= &xtcp_memory_pressure,
	.sysctl_mem	= xtcp_sysctl_mem,
	.sysctl_wmem	= xtcp_sysctl_wmem,
	.sysctl_rmem	= xtcp_sysctl_rmem,
	.obj_size	= sizeof(struct xtcp_sock),
	.slab_flags	= SLAB_TYPESAFE_BY_RCU,
};

static const struct proto_ops xtcp_stream_ops = {
	.family		= PF_XTCP,
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= xtcp_bind,
	.connect	= xtcp_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= xtcp_accept,
	.getname	= xtcp_getname,
	.poll		= xtcp_poll,
	.ioctl		= xtcp_ioctl,
	.listen		= xtcp_listen,
	.shutdown	= xtcp_shutdown,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	.mmap		= sock_no_mmap,
	.set_peek_off	= sk_set_peek_off,
};

static const struct net_proto_family xtcp_family_ops = {
	.family		= PF_XTCP,
	.create		= xtcp_create,
	.owner		= THIS_MODULE,
};

/**
 * xtcp_sock_register() - publish the AF_XTCP socket family
 *
 * Return: 0, or the sock_register() error (-EEXIST when another module
 * holds the family number, reported in the kernel log).
 */
int xtcp_sock_register(void)
{
	int err = sock_register(&xtcp_family_ops);

	if (err == -EEXIST)
		pr_err("address family %d (AF_XTCP) is already registered by another module\n",
		       AF_XTCP);
	else if (err)
		pr_err("sock_register(AF_XTCP=%d) failed: %d\n", AF_XTCP, err);
	return err;
}

/**
 * xtcp_sock_unregister() - withdraw the AF_XTCP socket family
 *
 * sock_unregister() waits for RCU readers, so no create() runs afterwards.
 */
void xtcp_sock_unregister(void)
{
	sock_unregister(PF_XTCP);
	xtcp_orphans_purge();
}

/*
 * Module exit after xtcp_orphans_purge(): a reset orphan may still be
 * held below the socket by a transmitted skb waiting in a qdisc or a
 * device queue, charged to it (sk_wmem_alloc: tbf, a stalled device) or
 * holding a reference (netem's skb_orphan_partial()). Each one took the
 * module reference back when it closed (xtcp_set_state()), and
 * sk_prot_free() drops it after the last use of the slab and of this
 * module's code, as every socket of a modular SCTP or DCCP holds it until
 * then. While the module is going, module_refcount() is -1 only once
 * every such socket is freed: unload waits for that, however long the
 * queue takes to drain or to be deleted (Documentation/limits.rst).
 */
static void xtcp_orphans_wait(void)
{
	unsigned long next = jiffies + HZ;

	while (module_refcount(THIS_MODULE) >= 0) {
		if (time_after(jiffies, next)) {
			pr_info("unload waits for %d reset sockets whose packets are still queued\n",
				module_refcount(THIS_MODULE) + 1);
			next = jiffies + 30 * HZ;
		}
		msleep(20);
	}
}

/**
 * xtcp_orphans_purge() - reset every orphan left at module exit
 *
 * After the protocol handler and the family are gone nothing creates
 * orphans or looks them up. Each one is reset (RST to the peer) and
 * closed, its timers stopped synchronously; xtcp_orphans_wait() waits
 * for those still held by queued packets; then, as timer handlers run
 * with BH off, synchronize_rcu() lets running ones finish and
 * rcu_barrier() waits for the sockets' RCU frees, before the caller goes
 * on to the per-netns state and the proto slab they use.
 */
void xtcp_orphans_purge(void)
{
	struct xtcp_sock *xp;
	struct sock *sk;

	for (;;) {
		spin_lock_bh(&xtcp_orphan_lock);
		xp = list_first_entry_or_null(&xtcp_orphans, struct xtcp_sock,
					      orphan_node);
		if (xp)
			sock_hold(&xp->inet.sk);
		spin_unlock_bh(&xtcp_orphan_lock);
		if (!xp)
			break;
		sk = &xp->inet.sk;

		local_bh_disable();
		bh_lock_sock(sk);
		if (sk->sk_state != TCP_CLOSE) {
			xtcp_send_active_reset(sk);
			xtcp_done(sk);
		}
		bh_unlock_sock(sk);
		local_bh_enable();
		xtcp_rtx_timer_stop(sk, true);
		xtcp_delack_stop(sk, true);
		if (timer_delete_sync(&sk->sk_timer))
			__sock_put(sk);
		sock_put(sk);
	}
	xtcp_orphans_wait();
	synchronize_rcu();
	rcu_barrier();
}
