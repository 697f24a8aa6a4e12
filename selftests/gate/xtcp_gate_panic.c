// SPDX-License-Identifier: GPL-2.0
/*
 * A module that panics on load: the VM ends before the command runs, and
 * scripts/vm-run must report a dead VM (exit 97), not a pass.
 */
#include <linux/module.h>
#include <linux/panic.h>

static int __init xtcp_gate_panic_init(void)
{
	panic("xtcp_gate_panic: deliberate panic for the gate self-test\n");
	return 0;
}

static void __exit xtcp_gate_panic_exit(void)
{
}

module_init(xtcp_gate_panic_init);
module_exit(xtcp_gate_panic_exit);
MODULE_DESCRIPTION("XTCP test-only module: panic on load (gate self-test)");
MODULE_LICENSE("GPL");
