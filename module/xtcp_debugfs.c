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
}

/**
 * xtcp_debugfs_exit() - remove the knobs; no writer is left afterwards
 */
void xtcp_debugfs_exit(void)
{
	debugfs_remove_recursive(xtcp_debugfs_dir);
}
