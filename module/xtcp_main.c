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

static int __init xtcp_init(void)
{
	int err;

	if (xtcp_ip_proto != 253 && xtcp_ip_proto != 254) {
		pr_err("ip_proto=%d rejected: only 253 or 254 (RFC 3692)\n",
		       xtcp_ip_proto);
		return -EINVAL;
	}

	err = proto_register(&xtcp_prot, 1);
	if (err)
		return err;

	/* Published last: once the family exists, sockets can be made. */
	err = xtcp_sock_register();
	if (err)
		goto err_sock;

	return 0;

err_sock:
	proto_unregister(&xtcp_prot);
	return err;
}

static void __exit xtcp_exit(void)
{
	xtcp_sock_unregister();
	proto_unregister(&xtcp_prot);
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XTCP: TCP-like transport with its own connection-setup path");
MODULE_ALIAS_NETPROTO(AF_XTCP);
