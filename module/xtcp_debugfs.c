// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP test knobs in debugfs (xtcp/ under /sys/kernel/debug): global, root
 * only, all off at load. They exist so that tests can reach states a
 * friendly peer never produces; nothing in normal operation writes them.
 */
#include <linux/debugfs.h>

#include "xtcp.h"

struct xtcp_fault xtcp_fault;

static struct dentry *xtcp_debugfs_dir;

/**
 * xtcp_debugfs_init() - create the knobs; a missing debugfs is not an error
 */
void xtcp_debugfs_init(void)
{
	xtcp_debugfs_dir = debugfs_create_dir("xtcp", NULL);
	/* Minutes added to the SYN cookie clock: age a cookie at will. */
	debugfs_create_u32("cookie_minutes", 0600, xtcp_debugfs_dir,
			   &xtcp_fault.cookie_minutes);
	/* Answer every SYN with a cookie (net.xtcp.syncookies=2 for all). */
	debugfs_create_bool("force_cookies", 0600, xtcp_debugfs_dir,
			    &xtcp_fault.force_cookies);
	/*
	 * N: the Nth SYN-ACK sent from now (first transmission, timer
	 * retransmission or answer to a duplicate SYN, cookie or not) is
	 * not sent and counts FaultSynAckDrop; the knob is 0 again after.
	 */
	debugfs_create_u32("drop_synack_nth", 0600, xtcp_debugfs_dir,
			   &xtcp_fault.drop_synack_nth);
	/* N: the next N SYN-ACKs are not sent, each counted the same way. */
	debugfs_create_u32("drop_synacks", 0600, xtcp_debugfs_dir,
			   &xtcp_fault.drop_synacks);
	/*
	 * Final ACKs (and data) that would complete a request are dropped
	 * and count FaultFinalAckDrop: requests stay in SYN_RECV.
	 */
	debugfs_create_bool("drop_final_ack", 0600, xtcp_debugfs_dir,
			    &xtcp_fault.drop_final_ack);
	/* Every accept queue is full at the final ACK (ListenOverflows). */
	debugfs_create_bool("acceptq_full", 0600, xtcp_debugfs_dir,
			    &xtcp_fault.acceptq_full);
	/*
	 * N: the next N child creations at a final ACK or cookie ACK fail
	 * as if sk_clone_lock() had returned NULL (ListenDrops).
	 */
	debugfs_create_u32("fail_child", 0600, xtcp_debugfs_dir,
			   &xtcp_fault.fail_child);
}

/**
 * xtcp_fault_dec() - take one unit of a counted knob
 * @knob: &xtcp_fault.drop_synack_nth, .drop_synacks or .fail_child
 *
 * Debugfs writes the knob with a plain store; the hooks decrement it
 * with a compare-and-exchange, so concurrent SYN-ACKs or final ACKs on
 * two CPUs take distinct units and exactly one sees 1.
 *
 * Return: the value before the decrement, 0 if the knob was already off.
 */
u32 xtcp_fault_dec(u32 *knob)
{
	u32 old = READ_ONCE(*knob);

	do {
		if (!old)
			return 0;
	} while (!try_cmpxchg(knob, &old, old - 1));
	return old;
}

/**
 * xtcp_debugfs_exit() - remove the knobs; no writer is left afterwards
 */
void xtcp_debugfs_exit(void)
{
	debugfs_remove_recursive(xtcp_debugfs_dir);
}
