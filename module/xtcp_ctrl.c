// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP per-netns state: the struct xtcp_net, its sysctls under
 * /proc/sys/net/xtcp/, and the pernet init/exit that creates and purges it.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/netns/generic.h>

#include "xtcp.h"
#include "xtcp_mib.h"

static unsigned int xtcp_net_id __read_mostly;

static const int xtcp_retries_min = 1;
static const int xtcp_retries_max = 127;
static const int xtcp_backlog_min = 1;
static const int xtcp_backlog_max = 65535;
static const int xtcp_rto_init_min = 10;
static const int xtcp_rto_init_max = 60000;
static const int xtcp_rto_max_min = 100;
static const int xtcp_rto_max_max = 120000;
static const int xtcp_secs_min = 1;
static const int xtcp_secs_max = 3600;
static const int xtcp_keepalive_max = 32767;	/* TCP's MAX_TCP_KEEP* */
static const int xtcp_zero;
static const int xtcp_int_max = INT_MAX;
static const int xtcp_mem_min = 4096;
static const int xtcp_one = 1;
static const int xtcp_two = 2;
static const int xtcp_ratelimit_max = 3600000;	/* ms: an hour */

/*
 * net.xtcp.rmem / wmem: three values, each at least 4096, in order
 * (min <= default <= max), else EINVAL. A netns other than init_net
 * (whose root may be an unprivileged user's) cannot raise any of them
 * above init_net's max: its copy's extra2 points there. TCP orders and
 * caps nothing in tcp_rmem/tcp_wmem; XTCP refuses what would make no
 * sense or let a user namespace lift the host's bound (limits.rst).
 */
static int xtcp_proc_mem3(XTCP_CTL_TABLE *table, int write, void *buffer,
			  size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = *table;
	int vals[3], *data = table->data, err;

	vals[0] = READ_ONCE(data[0]);
	vals[1] = READ_ONCE(data[1]);
	vals[2] = READ_ONCE(data[2]);
	tmp.data = vals;
	err = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (vals[0] > vals[1] || vals[1] > vals[2])
		return -EINVAL;
	WRITE_ONCE(data[0], vals[0]);
	WRITE_ONCE(data[1], vals[1]);
	WRITE_ONCE(data[2], vals[2]);
	return 0;
}

/* Template; each netns gets a copy whose .data points into its xtcp_net. */
static const struct ctl_table xtcp_sysctl_template[] = {
	{
		.procname	= "syn_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_retries_min,
		.extra2		= (void *)&xtcp_retries_max,
	},
	{
		.procname	= "synack_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_retries_min,
		.extra2		= (void *)&xtcp_retries_max,
	},
	{
		.procname	= "max_syn_backlog",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_backlog_min,
		.extra2		= (void *)&xtcp_backlog_max,
	},
	{
		.procname	= "rto_init_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_rto_init_min,
		.extra2		= (void *)&xtcp_rto_init_max,
	},
	{
		.procname	= "rto_max_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_rto_max_min,
		.extra2		= (void *)&xtcp_rto_max_max,
	},
	{
		.procname	= "tw_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_secs_min,
		.extra2		= (void *)&xtcp_secs_max,
	},
	{
		.procname	= "fin_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_secs_min,
		.extra2		= (void *)&xtcp_secs_max,
	},
	{
		.procname	= "keepalive_time",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_secs_min,
		.extra2		= (void *)&xtcp_keepalive_max,
	},
	{
		.procname	= "keepalive_intvl",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_secs_min,
		.extra2		= (void *)&xtcp_keepalive_max,
	},
	{
		.procname	= "keepalive_probes",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_retries_min,
		.extra2		= (void *)&xtcp_retries_max,
	},
	{
		.procname	= "retries2",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_retries_min,
		.extra2		= (void *)&xtcp_retries_max,
	},
	{
		.procname	= "orphan_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_retries_max,
	},
	{
		.procname	= "max_orphans",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_int_max,
	},
	{
		.procname	= "rmem",
		.maxlen		= 3 * sizeof(int),
		.mode		= 0644,
		.proc_handler	= xtcp_proc_mem3,
		.extra1		= (void *)&xtcp_mem_min,
		.extra2		= (void *)&xtcp_int_max,
	},
	{
		.procname	= "wmem",
		.maxlen		= 3 * sizeof(int),
		.mode		= 0644,
		.proc_handler	= xtcp_proc_mem3,
		.extra1		= (void *)&xtcp_mem_min,
		.extra2		= (void *)&xtcp_int_max,
	},
	/* Resource limits (Documentation/limits.rst). */
	{
		.procname	= "max_tw_buckets",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_int_max,
	},
	/* SYN cookies (xtcp_syncookies.c): 0 off, 1 on overflow, 2 always. */
	{
		.procname	= "syncookies",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_two,
	},
	/* Final ACK on a full accept queue: 0 drop it, 1 reset (xtcp_reqsk.c). */
	{
		.procname	= "abort_on_overflow",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_one,
	},
	/* Answers to invalid segments (xtcp_ratelimit.c). */
	{
		.procname	= "invalid_ratelimit",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_ratelimit_max,
	},
	{
		.procname	= "challenge_ack_limit",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_int_max,
	},
	/* 1: every socket records its handshake (xtcp_timeline.c). */
	{
		.procname	= "timeline",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= (void *)&xtcp_zero,
		.extra2		= (void *)&xtcp_one,
	},
	/*
	 * 6.1's register_net_sysctl() has no size and counts entries up to
	 * an empty one; later kernels are given the size without it.
	 */
	{ }
};

#define XTCP_SYSCTL_ENTRIES	(ARRAY_SIZE(xtcp_sysctl_template) - 1)

/**
 * xtcp_pernet() - XTCP state of a network namespace
 * @net: the namespace; must be between xtcp_net_init() and xtcp_net_exit()
 *
 * Return: the namespace's struct xtcp_net.
 */
struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

/**
 * xtcp_rto_init() - first SYN/SYN-ACK retransmit timeout of @net
 * @net: network namespace
 *
 * Return: net.xtcp.rto_init_ms in jiffies, at least one.
 */
u32 xtcp_rto_init(const struct net *net)
{
	const struct xtcp_net *xn = xtcp_pernet(net);

	return max_t(u32, msecs_to_jiffies(READ_ONCE(xn->rto_init_ms)), 1);
}

/**
 * xtcp_rto_next() - exponential backoff, capped by net.xtcp.rto_max_ms
 * @net: network namespace
 * @rto: current timeout in jiffies
 *
 * Return: the next timeout in jiffies.
 */
u32 xtcp_rto_next(const struct net *net, u32 rto)
{
	const struct xtcp_net *xn = xtcp_pernet(net);
	u32 max = msecs_to_jiffies(READ_ONCE(xn->rto_max_ms));

	return max_t(u32, min_t(u32, rto * 2, max), 1);
}

static int xtcp_sysctl_init_net(struct net *net, struct xtcp_net *xn)
{
	struct ctl_table *table;
	int *data[] = {
		&xn->syn_retries, &xn->synack_retries, &xn->max_syn_backlog,
		&xn->rto_init_ms, &xn->rto_max_ms, &xn->tw_timeout,
		&xn->fin_timeout, &xn->keepalive_time, &xn->keepalive_intvl,
		&xn->keepalive_probes, &xn->retries2, &xn->orphan_retries,
		&xn->max_orphans, xn->rmem, xn->wmem,
		/* Resource limits. */
		&xn->max_tw_buckets,
		&xn->syncookies, &xn->abort_on_overflow,
		/* Answers to invalid segments. */
		&xn->invalid_ratelimit, &xn->challenge_ack_limit,
		&xn->timeline,
	};
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(data) != XTCP_SYSCTL_ENTRIES);

	table = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < XTCP_SYSCTL_ENTRIES; i++) {
		table[i].data = data[i];
		if (net_eq(net, &init_net))
			continue;
		/* rmem/wmem of another netns: capped by init_net's max. */
		if (data[i] == xn->rmem)
			table[i].extra2 = &xtcp_pernet(&init_net)->rmem[2];
		else if (data[i] == xn->wmem)
			table[i].extra2 = &xtcp_pernet(&init_net)->wmem[2];
	}

	/* The core makes the entries owned by the netns's root user. */
	xn->sysctl_hdr = register_net_sysctl_sz(net, "net/xtcp", table,
						XTCP_SYSCTL_ENTRIES);
	if (!xn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	xn->sysctl_table = table;
	return 0;
}

static void xtcp_sysctl_exit_net(struct xtcp_net *xn)
{
	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(xn->sysctl_table);
}

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	xn->syn_retries = 6;
	xn->synack_retries = 5;
	xn->max_syn_backlog = 4096;
	xn->rto_init_ms = 1000;
	xn->rto_max_ms = 120000;
	/* TCP's defaults (tcp_sk_init(), tcp_init()). */
	xn->tw_timeout = 60;
	xn->fin_timeout = 60;
	xn->keepalive_time = 7200;
	xn->keepalive_intvl = 75;
	xn->keepalive_probes = 9;
	xn->retries2 = 15;
	xn->orphan_retries = 0;
	xn->max_orphans = 65536;
	xn->rmem[0] = 4096;
	xn->rmem[1] = 131072;
	xn->rmem[2] = 6291456;
	xn->wmem[0] = 4096;
	xn->wmem[1] = 16384;
	xn->wmem[2] = 4194304;
	/* Resource limits: TCP's rules (tcp_sk_init()). */
	xn->max_tw_buckets = xtcp_ehash_size() / 2;
	atomic_set(&xn->tw_count, 0);
	xn->syncookies = 1;	/* TCP's default */
	xn->invalid_ratelimit = 500;	/* ms, TCP's HZ / 2 */
	xn->challenge_ack_limit = INT_MAX;	/* TCP's default since 6.0 */

	xn->mib = xtcp_mib_alloc();
	if (!xn->mib)
		return -ENOMEM;

	err = xtcp_sysctl_init_net(net, xn);
	if (err)
		goto err_sysctl;

	err = xtcp_proc_init_net(net);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	xtcp_sysctl_exit_net(xn);
err_sysctl:
	xtcp_mib_free(xn->mib);
	return err;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	/*
	 * Request socks of this netns (normally none: listener close purges
	 * its own) are unhashed and their timers stopped synchronously
	 * before the counters they update go away.
	 */
	xtcp_ehash_purge_net(net);
	xtcp_proc_exit_net(net);
	xtcp_sysctl_exit_net(xn);
	xtcp_mib_free(xn->mib);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

/**
 * xtcp_ctrl_init() - create XTCP's state in every netns, present and future
 *
 * Return: 0 or a negative errno.
 */
int xtcp_ctrl_init(void)
{
	return register_pernet_subsys(&xtcp_net_ops);
}

/**
 * xtcp_ctrl_exit() - purge and free XTCP's state in every netns
 */
void xtcp_ctrl_exit(void)
{
	unregister_pernet_subsys(&xtcp_net_ops);
}
