/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences XTCP builds across (6.1, 6.12, 7.3). The
 * XTCP_HAVE_* macros are set by probes of the target tree in ../Kbuild, so
 * no .c file tests LINUX_VERSION_CODE.
 */
#ifndef _XTCP_COMPAT_H
#define _XTCP_COMPAT_H

#include <linux/memcontrol.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/timer.h>
#include <net/net_namespace.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#ifdef XTCP_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * 6.10 passes accept flags and results in struct proto_accept_arg; the
 * prototypes are spelled out under XTCP_HAVE_PROTO_ACCEPT_ARG.
 */

/*
 * SOCK_CUSTOM_SOCKOPT (6.6; a macro, an enum member in 7.x) sends
 * SOL_SOCKET setsockopt() to the family first; without it (6.1) the core
 * handles SOL_SOCKET itself, and SO_REUSEPORT, which it allows for
 * AF_INET/AF_INET6 only, fails with EOPNOTSUPP (Documentation/kernels.rst).
 */
static inline void xtcp_sock_custom_sockopt(struct socket *sock)
{
#ifdef XTCP_HAVE_SOCK_CUSTOM_SOCKOPT
	set_bit(SOCK_CUSTOM_SOCKOPT, &sock->flags);
#endif
}

/* 7.x bind/connect take a struct sockaddr_unsized. */
#ifdef XTCP_HAVE_SOCKADDR_UNSIZED
#define xtcp_uaddr	sockaddr_unsized
#else
#define xtcp_uaddr	sockaddr
#endif

/*
 * 6.1 has neither sk_skb_reason_drop() nor register_net_sysctl_sz(); its
 * register_net_sysctl() ignores the size and needs an empty terminator entry.
 */
#ifndef XTCP_HAVE_SK_SKB_REASON_DROP
static inline void sk_skb_reason_drop(struct sock *sk, struct sk_buff *skb,
				      enum skb_drop_reason reason)
{
	kfree_skb_reason(skb, reason);
}
#endif

#ifndef XTCP_HAVE_REGISTER_NET_SYSCTL_SZ
static inline struct ctl_table_header *
register_net_sysctl_sz(struct net *net, const char *path,
		       struct ctl_table *table, size_t table_size)
{
	return register_net_sysctl(net, path, table);
}
#endif

/* proc handlers take a const table since 6.11. */
#ifdef XTCP_HAVE_CONST_CTL_TABLE
#define XTCP_CTL_TABLE	const struct ctl_table
#else
#define XTCP_CTL_TABLE	struct ctl_table
#endif

/* Timer API renames: timer_delete*() in 6.2, timer_container_of() in 6.16. */
#ifndef XTCP_HAVE_TIMER_DELETE_SYNC
#define timer_delete_sync(t)	del_timer_sync(t)
#endif
#ifndef XTCP_HAVE_TIMER_DELETE
#define timer_delete(t)		del_timer(t)
#endif
#ifndef XTCP_HAVE_TIMER_CONTAINER_OF
#define timer_container_of(var, t, field)	from_timer(var, t, field)
#endif

/* get_random_u32_below() replaced prandom_u32_max() in 6.2. */
#ifndef XTCP_HAVE_GET_RANDOM_U32_BELOW
#include <linux/prandom.h>
#define get_random_u32_below(n)	prandom_u32_max(n)
#endif

/* inet_sock.inet_id became an atomic_t in 6.6. */
#ifdef XTCP_HAVE_ATOMIC_INET_ID
#define xtcp_set_inet_id(inet, id)	atomic_set(&(inet)->inet_id, (id))
#else
#define xtcp_set_inet_id(inet, id)	((inet)->inet_id = (id))
#endif

/* 6.17 removed sock_i_uid() for sk_uid(), a lockless read of sk->sk_uid. */
static inline kuid_t xtcp_sk_uid(const struct sock *sk)
{
#ifdef XTCP_HAVE_SK_UID
	return sk_uid(sk);
#else
	return sock_i_uid((struct sock *)sk);
#endif
}

/* 6.6 moved inet_sock's recverr and friends into inet->inet_flags bits. */
static inline bool xtcp_sk_recverr(const struct sock *sk)
{
#ifdef XTCP_HAVE_INET_FLAGS
	return inet_test_bit(RECVERR, sk);
#else
	return inet_sk(sk)->recverr;
#endif
}

/* ... and IP_BIND_ADDRESS_NO_PORT with them. */
static inline bool xtcp_sk_bind_address_no_port(const struct sock *sk)
{
#ifdef XTCP_HAVE_INET_FLAGS
	return inet_test_bit(BIND_ADDRESS_NO_PORT, sk);
#else
	return inet_sk(sk)->bind_address_no_port;
#endif
}

/*
 * The ephemeral range for @sk: the netns's net.ipv4.ip_local_port_range,
 * narrowed by the socket's IP_LOCAL_PORT_RANGE where the kernel has it
 * (6.3; Debian's 6.1 has it backported).
 */
static inline void xtcp_sk_local_port_range(const struct sock *sk, int *low,
					    int *high)
{
#ifdef XTCP_HAVE_SK_LOCAL_PORT_RANGE
	inet_sk_get_local_port_range(sk, low, high);
#else
	inet_get_local_port_range(sock_net(sk), low, high);
#endif
}

/*
 * struct tcp_info grew tcpi_rcv_wnd in 6.2 and tcpi_total_rto in 6.7:
 * older kernels' TCP_INFO has no room for them.
 */
static inline void xtcp_tcpi_set_rcv_wnd(struct tcp_info *info, u32 v)
{
#ifdef XTCP_HAVE_TCPI_RCV_WND
	info->tcpi_rcv_wnd = v;
#endif
}

static inline void xtcp_tcpi_set_total_rto(struct tcp_info *info, u16 v)
{
#ifdef XTCP_HAVE_TCPI_TOTAL_RTO
	info->tcpi_total_rto = v;
#endif
}

/*
 * ip_icmp_error() (the IP_RECVERR queue entry for an ICMP error) is not
 * exported to modules on 6.1: there XTCP reports the error through
 * sk_err / SO_ERROR only, and MSG_ERRQUEUE stays empty.
 */
#ifdef XTCP_HAVE_IP_ICMP_ERROR
#define xtcp_ip_icmp_error	ip_icmp_error
#else
static inline void xtcp_ip_icmp_error(struct sock *sk, struct sk_buff *skb,
				      int err, __be16 port, u32 info,
				      u8 *payload)
{
}
#endif

/* 7.x: sk_drops_add() takes a count; sk_drops_skbadd() takes the skb. */
#ifndef XTCP_HAVE_SK_DROPS_SKBADD
#define sk_drops_skbadd(sk, skb)	sk_drops_add(sk, skb)
#endif

/*
 * Memory cgroup socket pressure (tcp_under_memory_pressure()'s first
 * test): 7.x asks the socket, earlier kernels its sk_memcg.
 */
static inline bool xtcp_memcg_under_pressure(const struct sock *sk)
{
#ifdef XTCP_HAVE_MEMCG_SK_UNDER_PRESSURE
	return mem_cgroup_sk_enabled(sk) &&
	       mem_cgroup_sk_under_memory_pressure(sk);
#else
	return mem_cgroup_sockets_enabled && sk->sk_memcg &&
	       mem_cgroup_under_socket_pressure(sk->sk_memcg);
#endif
}

#endif /* _XTCP_COMPAT_H */
