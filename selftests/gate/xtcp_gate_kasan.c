// SPDX-License-Identifier: GPL-2.0
/*
 * A module that reads one byte past a kmalloc()ed buffer on load: KASAN
 * must report it and scripts/vm-run must fail the run (debug kernel only).
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init xtcp_gate_kasan_init(void)
{
	size_t len = 24;
	char *p = kmalloc(len, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	/* One past the end: a slab-out-of-bounds read KASAN catches. */
	pr_info("xtcp_gate_kasan: byte past the end: %d\n", READ_ONCE(p[len]));
	kfree(p);
	return 0;
}

static void __exit xtcp_gate_kasan_exit(void)
{
}

module_init(xtcp_gate_kasan_init);
module_exit(xtcp_gate_kasan_exit);
MODULE_DESCRIPTION("XTCP test-only module: out-of-bounds read on load (gate self-test)");
MODULE_LICENSE("GPL");
