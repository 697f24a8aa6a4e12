// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP socket layer: create/release, the AF_XTCP family and the proto and
 * proto_ops tables (Linux: af_inet.c's inet_create/inet_release).
 */
#define pr_fmt(fmt) "xtcp: " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#include "xtcp.h"

/* Last reference gone (after an RCU grace period for SOCK_RCU_FREE). */
static void xtcp_sock_destruct(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);

	__skb_queue_purge(&sk->sk_receive_queue);
	__skb_queue_purge(&sk->sk_error_queue);
	sk_mem_reclaim(sk);
	kfree(rcu_dereference_protected(inet->inet_opt, 1));
	dst_release(rcu_dereference_protected(sk->sk_dst_cache, 1));
}

static int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	sock_orphan(sk);
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static const struct proto_ops xtcp_stream_ops;

static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	/* Same checks and errnos, in the same order, as inet_create(). */
	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != IPPROTO_XTCP)
		return -EPROTONOSUPPORT;

	sock->state = SS_UNCONNECTED;
	sk = sk_alloc(net, PF_XTCP, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOBUFS;

	sock->ops = &xtcp_stream_ops;
	sock_init_data(sock, sk);
	sk->sk_destruct = xtcp_sock_destruct;
	sk->sk_protocol = xtcp_ip_proto;
	return 0;
}

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xtcp_sock),
};

static const struct proto_ops xtcp_stream_ops = {
	.family		= PF_XTCP,
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= sock_no_getname,
	.poll		= datagram_poll,
	.ioctl		= sock_no_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.sendmsg	= sock_no_sendmsg,
	.recvmsg	= sock_no_recvmsg,
	.mmap		= sock_no_mmap,
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
}
