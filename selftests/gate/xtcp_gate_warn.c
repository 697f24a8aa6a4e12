// SPDX-License-Identifier: GPL-2.0
/*
 * A module that does nothing but WARN on load: the VM gate's self-test.
 * scripts/check loads it and expects scripts/vm-run to fail, proving that a
 * splat in the kernel log fails a run even when the command succeeded.
 */
#include <linux/module.h>

static int __init xtcp_gate_warn_init(void)
{
	WARN(1, "xtcp_gate_warn: deliberate warning for the gate self-test\n");
	return 0;
}

static void __exit xtcp_gate_warn_exit(void)
{
}

module_init(xtcp_gate_warn_init);
module_exit(xtcp_gate_warn_exit);
MODULE_DESCRIPTION("XTCP test-only module: WARN on load (gate self-test)");
MODULE_LICENSE("GPL");
