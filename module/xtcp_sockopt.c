// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP socket options at level SOL_XTCP and, under TCP's names, at level
 * IPPROTO_TCP (Linux: do_tcp_setsockopt, do_tcp_getsockopt): the same
 * numbers, ranges, errnos, length handling and values as TCP's.
 */
#include <net/sock.h>

#include "xtcp.h"

/* TCP's limits (include/net/tcp.h). */
#define XTCP_MAX_KEEPIDLE	32767	/* MAX_TCP_KEEPIDLE, seconds */
#define XTCP_MAX_KEEPINTVL	32767	/* MAX_TCP_KEEPINTVL, seconds */
#define XTCP_MAX_KEEPCNT	127	/* MAX_TCP_KEEPCNT */
#define XTCP_MAX_USER_MSS	32767	/* MAX_TCP_WINDOW, XTCP_MAXSEG bound */
#define XTCP_FIN_TIMEOUT_MAX	(120 * HZ)	/* XTCP_LINGER2 cap */
#define XTCP_MAX_SYNCNT		127	/* MAX_TCP_SYNCNT */
#define XTCP_CA_NAME_MAX	16	/* TCP_CA_NAME_MAX */
#define XTCP_CA_NAME		"reno"	/* xtcp_cong.c's NewReno */
/* TCP_DEFER_ACCEPT's conversion steps: TCP_TIMEOUT_INIT and TCP_RTO_MAX. */
#define XTCP_DEFER_TIMEOUT	1	/* seconds */
#define XTCP_DEFER_RTO_MAX	120	/* seconds */

/*
 * secs_to_retrans(): the fewest SYN-ACK timeouts, backing off from 1 s and
 * capped at 120 s, whose sum covers @seconds (at most 255); 0 for none.
 * The conversion uses TCP's constants, not net.xtcp.rto_init_ms, so the
 * value reads back as TCP's does.
 */
static u8 xtcp_secs_to_retrans(int seconds)
{
	int period = XTCP_DEFER_TIMEOUT, timeout = XTCP_DEFER_TIMEOUT;
	u8 res;

	if (seconds <= 0)
		return 0;
	res = 1;
	while (seconds > period && res < 255) {
		res++;
		timeout = min(timeout << 1, XTCP_DEFER_RTO_MAX);
		period += timeout;
	}
	return res;
}

/* retrans_to_secs(): the seconds @retrans timeouts cover. */
static int xtcp_retrans_to_secs(u8 retrans)
{
	int period = 0, timeout = XTCP_DEFER_TIMEOUT;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout = min(timeout << 1, XTCP_DEFER_RTO_MAX);
			period += timeout;
		}
	}
	return period;
}

/* Options that need the owner's lock: they touch timers or the data path. */
static int xtcp_sockopt_set_locked(struct sock *sk, int optname, int val)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	switch (optname) {
	case XTCP_MAXSEG:
		/* Larger than the route allows never takes effect (as TCP). */
		if (val && (val < XTCP_MIN_MSS || val > XTCP_MAX_USER_MSS))
			return -EINVAL;
		WRITE_ONCE(xp->user_mss, val);
		return 0;
	case XTCP_NODELAY:
		WRITE_ONCE(xp->nodelay, !!val);
		/* What Nagle held back goes now, as tcp_push_pending_frames(). */
		if (val && ((1 << sk->sk_state) &
			    (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
			xtcp_push_pending(sk);
		return 0;
	case XTCP_KEEPIDLE:
		if (val < 1 || val > XTCP_MAX_KEEPIDLE)
			return -EINVAL;
		/* Paired with READ_ONCE() in xtcp_keepalive_time(). */
		WRITE_ONCE(xp->keepalive_time, val * HZ);
		xtcp_keepalive_idle_changed(sk);
		return 0;
	case XTCP_CORK:
		/* __tcp_sock_set_cork(): uncorking pushes what was held. */
		WRITE_ONCE(xp->cork, !!val);
		if (!val && ((1 << sk->sk_state) &
			     (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
			xtcp_push_pending(sk);
		return 0;
	case XTCP_QUICKACK:
		/* __tcp_sock_set_quickack(): 0 enters pingpong mode. */
		if (!val) {
			xp->pingpong = 1;
			return 0;
		}
		xp->pingpong = 0;
		if (((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
		    xp->ack_pending) {
			xtcp_send_ack(sk);
			if (!(val & 1))
				xp->pingpong = 1;
		}
		return 0;
	case XTCP_WINDOW_CLAMP:
		/* tcp_set_window_clamp() */
		if (!val) {
			if (sk->sk_state != TCP_CLOSE)
				return -EINVAL;
			WRITE_ONCE(xp->window_clamp, 0);
			return 0;
		}
		WRITE_ONCE(xp->window_clamp,
			   max_t(int, SOCK_MIN_RCVBUF / 2, val));
		return 0;
	case XTCP_NOTSENT_LOWAT:
		WRITE_ONCE(xp->notsent_lowat, val);
		sk->sk_write_space(sk);
		return 0;
	case XTCP_INQ:
		if (val > 1 || val < 0)
			return -EINVAL;
		xp->recvmsg_inq = val;
		return 0;
	}
	return -ENOPROTOOPT;
}

/*
 * TCP_CONGESTION (do_tcp_setsockopt()'s string case): XTCP has one
 * algorithm, NewReno, under TCP's name "reno"; any other name is ENOENT,
 * what TCP answers for an algorithm that is not available.
 */
static int xtcp_set_congestion(sockptr_t optval, unsigned int optlen)
{
	char name[XTCP_CA_NAME_MAX];
	long n;

	if (optlen < 1)
		return -EINVAL;
	n = strncpy_from_sockptr(name, optval,
				 min_t(long, XTCP_CA_NAME_MAX - 1, optlen));
	if (n < 0)
		return -EFAULT;
	name[n] = 0;
	return strcmp(name, XTCP_CA_NAME) ? -ENOENT : 0;
}

/**
 * xtcp_stream_memory_free() - proto.stream_memory_free
 *	(tcp_stream_memory_free())
 * @sk: socket
 * @wake: called from the write-space wakeup: require half the room
 *
 * Return: false while XTCP_NOTSENT_LOWAT or more bytes wait unsent.
 */
bool xtcp_stream_memory_free(const struct sock *sk, int wake)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	u32 lowat = READ_ONCE(xp->notsent_lowat);
	u32 notsent;

	if (!lowat)
		return true;
	notsent = READ_ONCE(xp->write_seq) - READ_ONCE(xp->snd_nxt);
	return (notsent << wake) < lowat;
}

/**
 * xtcp_sockopt_set() - setsockopt(SOL_XTCP or IPPROTO_TCP)
 * @sk: socket
 * @optname: XTCP_* (same numbers as TCP_*)
 * @optval: user value, an int
 * @optlen: its length
 *
 * As do_tcp_setsockopt(): a short @optlen is EINVAL and a bad pointer
 * EFAULT before the option is even looked at; an unknown option is
 * ENOPROTOOPT.
 *
 * Return: 0 or a negative errno.
 */
int xtcp_sockopt_set(struct sock *sk, int optname, sockptr_t optval,
		     unsigned int optlen)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	int val, err;

	/* The string option comes first, as in do_tcp_setsockopt(). */
	if (optname == XTCP_CONGESTION)
		return xtcp_set_congestion(optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	/* Plain values read locklessly by timers: no socket lock needed. */
	switch (optname) {
	case XTCP_SYNCNT:
		/* tcp_sock_set_syncnt() */
		if (val < 1 || val > XTCP_MAX_SYNCNT)
			return -EINVAL;
		WRITE_ONCE(xp->syncnt, val);
		return 0;
	case XTCP_DEFER_ACCEPT:
		/* do_tcp_setsockopt(): any value, any state. */
		WRITE_ONCE(xp->defer_accept, xtcp_secs_to_retrans(val));
		return 0;
	case XTCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		WRITE_ONCE(xp->user_timeout, val);
		return 0;
	case XTCP_KEEPINTVL:
		if (val < 1 || val > XTCP_MAX_KEEPINTVL)
			return -EINVAL;
		WRITE_ONCE(xp->keepalive_intvl, val * HZ);
		return 0;
	case XTCP_KEEPCNT:
		if (val < 1 || val > XTCP_MAX_KEEPCNT)
			return -EINVAL;
		WRITE_ONCE(xp->keepalive_probes, val);
		return 0;
	case XTCP_LINGER2:
		if (val < 0)
			WRITE_ONCE(xp->linger2, -1);
		else if (val > XTCP_FIN_TIMEOUT_MAX / HZ)
			WRITE_ONCE(xp->linger2, XTCP_FIN_TIMEOUT_MAX);
		else
			WRITE_ONCE(xp->linger2, val * HZ);
		return 0;
	}

	lock_sock(sk);
	err = xtcp_sockopt_set_locked(sk, optname, val);
	release_sock(sk);
	return err;
}

/**
 * xtcp_sockopt_get() - getsockopt(SOL_XTCP or IPPROTO_TCP)
 * @sk: socket
 * @optname: XTCP_* (same numbers as TCP_*)
 * @optval: user buffer
 * @optlen: its length, updated
 *
 * As do_tcp_getsockopt(): a negative length is EINVAL, a longer one is cut
 * to sizeof(int), a shorter one gets the first bytes of the int; values
 * left at "the netns default" read as that default.
 *
 * Return: 0 or a negative errno.
 */
int xtcp_sockopt_get(struct sock *sk, int optname, char __user *optval,
		     int __user *optlen)
{
	const struct xtcp_sock *xp = xtcp_sk(sk);
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int val, len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (optname == XTCP_INFO)
		return xtcp_info_getsockopt(sk, optval, optlen);
	if (optname == XTCP_CONGESTION) {
		/* do_tcp_getsockopt(): up to TCP_CA_NAME_MAX, zero padded. */
		char name[XTCP_CA_NAME_MAX] = XTCP_CA_NAME;

		len = min_t(unsigned int, len, XTCP_CA_NAME_MAX);
		if (put_user(len, optlen))
			return -EFAULT;
		if (copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	}
	len = min_t(unsigned int, len, sizeof(int));

	switch (optname) {
	case XTCP_CORK:
		val = READ_ONCE(xp->cork);
		break;
	case XTCP_SYNCNT:
		val = READ_ONCE(xp->syncnt) ? : READ_ONCE(xn->syn_retries);
		break;
	case XTCP_DEFER_ACCEPT:
		val = xtcp_retrans_to_secs(READ_ONCE(xp->defer_accept));
		break;
	case XTCP_WINDOW_CLAMP:
		val = READ_ONCE(xp->window_clamp);
		break;
	case XTCP_QUICKACK:
		val = !READ_ONCE(xp->pingpong);
		break;
	case XTCP_NOTSENT_LOWAT:
		val = READ_ONCE(xp->notsent_lowat);
		break;
	case XTCP_INQ:
		val = READ_ONCE(xp->recvmsg_inq);
		break;
	case XTCP_MAXSEG:
		/* The MSS in use; before a connection, TCP's default. */
		val = READ_ONCE(xp->mss) ? : XTCP_DEFAULT_MSS;
		if (READ_ONCE(xp->user_mss) &&
		    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			val = READ_ONCE(xp->user_mss);
		break;
	case XTCP_NODELAY:
		val = READ_ONCE(xp->nodelay);
		break;
	case XTCP_KEEPIDLE:
		val = (READ_ONCE(xp->keepalive_time) ? :
		       READ_ONCE(xn->keepalive_time) * HZ) / HZ;
		break;
	case XTCP_KEEPINTVL:
		val = (READ_ONCE(xp->keepalive_intvl) ? :
		       READ_ONCE(xn->keepalive_intvl) * HZ) / HZ;
		break;
	case XTCP_KEEPCNT:
		val = READ_ONCE(xp->keepalive_probes) ? :
		      READ_ONCE(xn->keepalive_probes);
		break;
	case XTCP_LINGER2:
		val = READ_ONCE(xp->linger2);
		if (val >= 0)
			val = (val ? : READ_ONCE(xn->fin_timeout) * HZ) / HZ;
		break;
	case XTCP_USER_TIMEOUT:
		val = READ_ONCE(xp->user_timeout);
		break;
	default:
		return -ENOPROTOOPT;
	}

	if (put_user(len, optlen))
		return -EFAULT;
	if (copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}
