// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP module init/exit ladder and module parameters; nothing else.
 */
#define pr_fmt(fmt) "xtcp: " fmt

#include <linux/module.h>
#include <net/protocol.h>

#include "xtcp.h"

int xtcp_ip_proto = IPPROTO_XTCP;
module_param_named(ip_proto, xtcp_ip_proto, int, 0444);
MODULE_PARM_DESC(ip_proto, "IP protocol number on the wire: 253 (default) or 254");

unsigned long xtcp_ehash_entries;
module_param_named(ehash_entries, xtcp_ehash_entries, ulong, 0444);
MODULE_PARM_DESC(ehash_entries, "Established table buckets (0: from memory)");

unsigned long xtcp_bhash_entries;
module_param_named(bhash_entries, xtcp_bhash_entries, ulong, 0444);
MODULE_PARM_DESC(bhash_entries, "Bind table buckets (0: from memory)");

static struct net_protocol xtcp_net_protocol = {
	.handler	= xtcp_rcv,
	.err_handler	= xtcp_err,
	.no_policy	= 1,
};

static int __init xtcp_init(void)
{
	int err;

	if (xtcp_ip_proto != 253 && xtcp_ip_proto != 254) {
		pr_err("ip_proto=%d rejected: only 253 or 254 (RFC 3692)\n",
		       xtcp_ip_proto);
		return -EINVAL;
	}

	err = xtcp_hash_init();
	if (err)
		return err;
	err = xtcp_bind_init();
	if (err)
		goto err_bind;
	err = xtcp_reqsk_init();
	if (err)
		goto err_reqsk;
	err = xtcp_tw_init();
	if (err)
		goto err_tw;
	err = xtcp_mem_init();
	if (err)
		goto err_mem;
	err = proto_register(&xtcp_prot, 1);
	if (err)
		goto err_proto;
	err = xtcp_ctrl_init();
	if (err)
		goto err_ctrl;
	xtcp_debugfs_init();
	err = inet_add_protocol(&xtcp_net_protocol, xtcp_ip_proto);
	if (err) {
		pr_err("IP protocol %d is already handled by another module\n",
		       xtcp_ip_proto);
		goto err_inet;
	}
	/* Published last: once the family exists, sockets can be made. */
	err = xtcp_sock_register();
	if (err)
		goto err_sock;
	/* sock_diag walks the tables: after everything it reports exists. */
	err = xtcp_diag_init();
	if (err)
		goto err_diag;
	return 0;

err_diag:
	xtcp_sock_unregister();
err_sock:
	inet_del_protocol(&xtcp_net_protocol, xtcp_ip_proto);
	synchronize_net();
err_inet:
	xtcp_debugfs_exit();
	xtcp_ctrl_exit();
err_ctrl:
	proto_unregister(&xtcp_prot);
err_proto:
	xtcp_mem_exit();
err_mem:
	rcu_barrier();
	xtcp_tw_exit();
err_tw:
	xtcp_reqsk_exit();
err_reqsk:
	xtcp_bind_exit();
err_bind:
	xtcp_hash_exit();
	return err;
}

/*
 * Module references are held by full sockets only: request socks, closed
 * connection mini socks, their timers and RCU callbacks may outlive every
 * socket. So: withdraw the sock_diag handler (each request and dump holds
 * a module reference, so none runs now), stop input
 * (no new requests), withdraw the family, purge every netns (requests
 * unhashed, timers deleted synchronously), wait for RCU callbacks, and
 * only then free caches and tables.
 */
static void __exit xtcp_exit(void)
{
	xtcp_diag_exit();
	inet_del_protocol(&xtcp_net_protocol, xtcp_ip_proto);
	synchronize_net();
	xtcp_sock_unregister();
	xtcp_debugfs_exit();
	xtcp_ctrl_exit();
	proto_unregister(&xtcp_prot);
	xtcp_mem_exit();
	/*
	 * A purge that lost an unhash race to a running request or
	 * TIME_WAIT timer does not wait for it; timer handlers run with BH
	 * off, so after synchronize_rcu() every one has returned and queued
	 * its RCU callback, and rcu_barrier() then waits for those.
	 */
	synchronize_rcu();
	rcu_barrier();
	xtcp_tw_exit();
	xtcp_reqsk_exit();
	xtcp_bind_exit();
	xtcp_hash_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XTCP: TCP-like transport with its own connection-setup path");
MODULE_ALIAS_NETPROTO(AF_XTCP);
