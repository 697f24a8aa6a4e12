// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP socket options at level SOL_XTCP and, under TCP's names, at level
 * IPPROTO_TCP (Linux: do_tcp_setsockopt, do_tcp_getsockopt).
 */
#include <net/sock.h>

#include "xtcp.h"

/**
 * xtcp_sockopt_set() - setsockopt(SOL_XTCP or IPPROTO_TCP)
 * @sk: socket
 * @optname: XTCP_* (same numbers as TCP_*)
 * @optval: user value
 * @optlen: its length
 *
 * Return: 0 or a negative errno.
 */
int xtcp_sockopt_set(struct sock *sk, int optname, sockptr_t optval,
		     unsigned int optlen)
{
	/* Interface scaffolding: the options come with the keepalive work. */
	return -ENOPROTOOPT;
}

/**
 * xtcp_sockopt_get() - getsockopt(SOL_XTCP or IPPROTO_TCP)
 * @sk: socket
 * @optname: XTCP_* (same numbers as TCP_*)
 * @optval: user buffer
 * @optlen: its length, updated
 *
 * Return: 0 or a negative errno.
 */
int xtcp_sockopt_get(struct sock *sk, int optname, char __user *optval,
		     int __user *optlen)
{
	return -ENOPROTOOPT;
}
