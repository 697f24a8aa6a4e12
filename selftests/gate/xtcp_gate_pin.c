// SPDX-License-Identifier: GPL-2.0
/*
 * A module that cannot be unloaded (it pins itself on load): the unload at
 * the end of a scripts/vm-run run must fail and fail the run, as it would
 * for an xtcp.ko whose sockets or timers keep it in use.
 */
#include <linux/module.h>

static int __init xtcp_gate_pin_init(void)
{
	__module_get(THIS_MODULE);
	return 0;
}

static void __exit xtcp_gate_pin_exit(void)
{
}

module_init(xtcp_gate_pin_init);
module_exit(xtcp_gate_pin_exit);
MODULE_DESCRIPTION("XTCP test-only module: refuses to unload (gate self-test)");
MODULE_LICENSE("GPL");
