// SPDX-License-Identifier: GPL-2.0
/*
 * A module that allocates memory on load and forgets the pointer: kmemleak
 * must report it and scripts/vm-run must fail the run (debug kernel only).
 */
#include <linux/module.h>
#include <linux/slab.h>

static noinline void xtcp_gate_leak_one(void)
{
	char *p = kmalloc(192, GFP_KERNEL);

	/* Make it recognisable in the report, then drop the only pointer. */
	if (p)
		strscpy(p, "xtcp_gate_leak", 192);
}

static int __init xtcp_gate_leak_init(void)
{
	xtcp_gate_leak_one();
	return 0;
}

static void __exit xtcp_gate_leak_exit(void)
{
}

module_init(xtcp_gate_leak_init);
module_exit(xtcp_gate_leak_exit);
MODULE_DESCRIPTION("XTCP test-only module: leaks memory on load (gate self-test)");
MODULE_LICENSE("GPL");
