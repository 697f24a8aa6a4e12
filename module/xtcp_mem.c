// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's global memory accounting: the page count every XTCP socket's
 * queues are charged to, its limits (net.xtcp.mem, TCP's tcp_mem), memory
 * pressure, and the socket count the core's fairness rule reads (Linux:
 * tcp_memory_allocated, sysctl_tcp_mem, tcp_enter_memory_pressure()).
 *
 * The core does the charging (sk_rmem_schedule(), sk_wmem_schedule(),
 * sk_mem_charge()/uncharge() in xtcp_data.c, xtcp_output.c, xtcp_recv.c)
 * once struct proto points here: each socket keeps a forward allocation
 * of whole pages, the pages are added to xtcp_memory_allocated through a
 * per-CPU reserve, and a socket created by a task is also charged to that
 * task's memory cgroup (sk_alloc()). The count is global, as TCP's is:
 * one namespace's sockets press all of them.
 */
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_mib.h"

/* Pages charged to XTCP sockets, all namespaces (tcp_memory_allocated). */
atomic_long_t xtcp_memory_allocated ____cacheline_aligned_in_smp;
DEFINE_PER_CPU(int, xtcp_memory_per_cpu_fw_alloc);

/* net.xtcp.mem: min, pressure, max in pages (sysctl_tcp_mem). */
long xtcp_sysctl_mem[3] __read_mostly;

/* jiffies when pressure began (never 0), 0 when none (tcp_memory_pressure). */
unsigned long xtcp_memory_pressure __read_mostly;

/* Sockets alive: the core's "below the average" rule under pressure. */
struct percpu_counter xtcp_sockets_allocated;

/*
 * The bytes of queue a socket may always hold while XTCP is under
 * pressure but below the hard limit (__sk_mem_raise_allocated() reads
 * sysctl_rmem[0] and sysctl_wmem[0] only): TCP's defaults, 4096. TCP reads
 * its netns's tcp_rmem[0]/tcp_wmem[0] through an offset into struct net,
 * which a module's per-netns state is not (limits.rst).
 */
int xtcp_sysctl_rmem[3] = { 4096, 131072, 6291456 };
int xtcp_sysctl_wmem[3] = { 4096, 16384, 4194304 };

/**
 * xtcp_enter_memory_pressure() - proto.enter_memory_pressure
 *	(tcp_enter_memory_pressure())
 * @sk: the socket whose charge crossed net.xtcp.mem[1]; any context
 *
 * The first to set the start time counts TCPMemoryPressures in its netns.
 */
void xtcp_enter_memory_pressure(struct sock *sk)
{
	unsigned long val;

	if (READ_ONCE(xtcp_memory_pressure))
		return;
	val = jiffies;
	if (!val)
		val--;
	if (!cmpxchg(&xtcp_memory_pressure, 0, val))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_MEMORYPRESSURES);
}

/**
 * xtcp_leave_memory_pressure() - proto.leave_memory_pressure
 *	(tcp_leave_memory_pressure())
 * @sk: the socket that found the count below net.xtcp.mem[0]; any context
 *
 * Adds the milliseconds spent under pressure to TCPMemoryPressuresChrono.
 */
void xtcp_leave_memory_pressure(struct sock *sk)
{
	unsigned long val;

	if (!READ_ONCE(xtcp_memory_pressure))
		return;
	val = xchg(&xtcp_memory_pressure, 0);
	if (val)
		XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_MEMORYPRESSURESCHRONO,
			       jiffies_to_msecs(jiffies - val));
}

/**
 * xtcp_mem_sock_init() - count a socket xtcp_create() made
 * @sk: new socket
 *
 * A clone is counted by sk_clone_lock() itself; both are uncounted by
 * xtcp_mem_sock_free() from sk_destruct.
 */
void xtcp_mem_sock_init(struct sock *sk)
{
	sk_sockets_allocated_inc(sk);
}

/**
 * xtcp_mem_sock_free() - give back a socket's last memory (sk_destruct)
 * @sk: socket with empty queues, its last reference gone
 *
 * inet_sock_destruct()'s checks: nothing may still be charged once the
 * queues are purged; a SO_RESERVE_MEM reservation is given back here.
 */
void xtcp_mem_sock_free(struct sock *sk)
{
	sk_mem_reclaim_final(sk);
	WARN_ON_ONCE(atomic_read(&sk->sk_rmem_alloc));
	WARN_ON_ONCE(sk->sk_wmem_queued);
	WARN_ON_ONCE(sk->sk_forward_alloc);
	sk_sockets_allocated_dec(sk);
}

/**
 * xtcp_mem_charge_forced() - charge @size bytes that must not be refused
 *	(sk_forced_mem_schedule() + sk_mem_charge())
 * @sk: socket; its lock held
 * @size: truesize of an skb joining the write queue (the FIN, a split)
 *
 * sk_forced_mem_schedule() is not exported, and forcing the memory cgroup
 * charge needs mem_cgroup_charge_skmem(), which is not either. So the
 * charge is scheduled as usual and, if refused, taken from the forward
 * allocation all the same: the socket is in debt by at most the forced
 * skbs it holds, repaid when they are freed or by its next schedule
 * (which asks for the debt too). XTCP's count then lags what the socket
 * holds by those few skb heads (limits.rst).
 */
void xtcp_mem_charge_forced(struct sock *sk, int size)
{
	sock_owned_by_me(sk);
	if (!sk_wmem_schedule(sk, size))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_MEMFORCED);
	sk_mem_charge(sk, size);
}

/**
 * xtcp_mem_over_limit() - is XTCP over its hard limit with @sk holding
 *	some of it (tcp_out_of_memory())
 * @sk: socket
 *
 * Return: true if @sk queues more than SOCK_MIN_SNDBUF while the global
 * count is over net.xtcp.mem[2].
 */
bool xtcp_mem_over_limit(const struct sock *sk)
{
	return sk->sk_wmem_queued > SOCK_MIN_SNDBUF &&
	       atomic_long_read(&xtcp_memory_allocated) >
	       READ_ONCE(xtcp_sysctl_mem[2]);
}

/**
 * xtcp_mem_under_pressure() - should this socket stop growing its buffers
 *	(tcp_under_memory_pressure())
 * @sk: socket
 *
 * Return: true under XTCP's global pressure or its memory cgroup's.
 */
bool xtcp_mem_under_pressure(const struct sock *sk)
{
	return xtcp_memcg_under_pressure(sk) || READ_ONCE(xtcp_memory_pressure);
}

/*
 * net.xtcp.mem: three page counts, 1 <= min <= pressure <= max, else
 * EINVAL; nothing changes on a refused write. TCP's tcp_mem takes any three
 * longs; an order that makes no sense is refused here (limits.rst).
 */
static int xtcp_proc_mem(XTCP_CTL_TABLE *table, int write, void *buffer,
			 size_t *lenp, loff_t *ppos)
{
	static DEFINE_MUTEX(lock);
	static const unsigned long one = 1;
	struct ctl_table tmp = *table;
	long vals[3];
	int err;

	mutex_lock(&lock);
	vals[0] = READ_ONCE(xtcp_sysctl_mem[0]);
	vals[1] = READ_ONCE(xtcp_sysctl_mem[1]);
	vals[2] = READ_ONCE(xtcp_sysctl_mem[2]);
	tmp.data = vals;
	tmp.extra1 = (void *)&one;
	err = proc_doulongvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (!err && write) {
		if (vals[0] > vals[1] || vals[1] > vals[2]) {
			err = -EINVAL;
		} else {
			WRITE_ONCE(xtcp_sysctl_mem[0], vals[0]);
			WRITE_ONCE(xtcp_sysctl_mem[1], vals[1]);
			WRITE_ONCE(xtcp_sysctl_mem[2], vals[2]);
		}
	}
	mutex_unlock(&lock);
	return err;
}

/* Global, so in init_net only, as tcp_mem is in net/ipv4 of init_net. */
static struct ctl_table xtcp_mem_table[] = {
	{
		.procname	= "mem",
		.data		= xtcp_sysctl_mem,
		.maxlen		= sizeof(xtcp_sysctl_mem),
		.mode		= 0644,
		.proc_handler	= xtcp_proc_mem,
	},
	{ }	/* 6.1's register_net_sysctl() counts up to an empty entry */
};

static struct ctl_table_header *xtcp_mem_hdr;

/**
 * xtcp_mem_init() - limits from the machine's memory, then the sysctl
 *	(tcp_init_mem(): 4.68 %, 6.25 % and 9.37 % of the buffer pages)
 *
 * Return: 0 or -ENOMEM. Runs before proto_register(): no socket exists.
 */
int xtcp_mem_init(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);
	int err;

	xtcp_sysctl_mem[0] = limit / 4 * 3;
	xtcp_sysctl_mem[1] = limit;
	xtcp_sysctl_mem[2] = xtcp_sysctl_mem[0] * 2;
	atomic_long_set(&xtcp_memory_allocated, 0);
	xtcp_memory_pressure = 0;
	err = percpu_counter_init(&xtcp_sockets_allocated, 0, GFP_KERNEL);
	if (err)
		return err;
	xtcp_mem_hdr = register_net_sysctl_sz(&init_net, "net/xtcp",
					      xtcp_mem_table,
					      ARRAY_SIZE(xtcp_mem_table) - 1);
	if (!xtcp_mem_hdr) {
		percpu_counter_destroy(&xtcp_sockets_allocated);
		return -ENOMEM;
	}
	return 0;
}

/**
 * xtcp_mem_exit() - undo xtcp_mem_init(), after proto_unregister() and the
 *	wait for the last socket (xtcp_orphans_wait()): every charged page
 *	must be back
 */
void xtcp_mem_exit(void)
{
	long pages = atomic_long_read(&xtcp_memory_allocated);
	int cpu;

	unregister_net_sysctl_table(xtcp_mem_hdr);
	/* Every charge was given back: the global and per-CPU parts sum to 0. */
	for_each_possible_cpu(cpu)
		pages += per_cpu(xtcp_memory_per_cpu_fw_alloc, cpu);
	WARN_ON_ONCE(pages);
	WARN_ON_ONCE(percpu_counter_sum(&xtcp_sockets_allocated));
	percpu_counter_destroy(&xtcp_sockets_allocated);
}
