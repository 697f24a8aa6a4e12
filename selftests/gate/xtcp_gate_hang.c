// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose kernel thread sleeps uninterruptibly until the module is
 * unloaded: with kernel.hung_task_timeout_secs lowered by the command, the
 * hung-task detector must report it and scripts/vm-run must fail the run.
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static struct task_struct *xtcp_gate_hang_task;

static int xtcp_gate_hang_fn(void *unused)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		/* kthread_stop() wakes it; nothing else does. */
		schedule();
	}
	return 0;
}

static int __init xtcp_gate_hang_init(void)
{
	xtcp_gate_hang_task = kthread_run(xtcp_gate_hang_fn, NULL,
					  "xtcp_gate_hang");
	return PTR_ERR_OR_ZERO(xtcp_gate_hang_task);
}

static void __exit xtcp_gate_hang_exit(void)
{
	kthread_stop(xtcp_gate_hang_task);
}

module_init(xtcp_gate_hang_init);
module_exit(xtcp_gate_hang_exit);
MODULE_DESCRIPTION("XTCP test-only module: a task blocked forever (gate self-test)");
MODULE_LICENSE("GPL");
