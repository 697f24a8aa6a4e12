// SPDX-License-Identifier: GPL-2.0
/*
 * Faults a friendly peer never causes, XTCP only (TCP has no such knobs;
 * each case asserts what the TCP function the knob imitates does).
 *
 * The debugfs knobs (/sys/kernel/debug/xtcp/, Documentation/testing.rst),
 * over loopback in a fresh netns, each with its exact counter:
 *
 * - drop_synack_nth=1: the first SYN-ACK is lost; connect() completes on
 *   the SYN or SYN-ACK retransmission, one FaultSynAckDrop, knob back to 0;
 * - drop_final_ack: the request stays (CurrReqs, NEW_SYN_RECV in
 *   /proc/net/xtcp/sockets), accept() times out; knob off, the client's
 *   data completes it and is read;
 * - acceptq_full: ListenOverflows and ListenDrops grow by exactly the
 *   number of final ACKs, the requests stay; with abort_on_overflow the
 *   client is reset instead;
 * - fail_child=1: one child creation fails (ListenDrops), the request
 *   stays, and its SYN-ACK retransmission draws the ACK that completes it.
 *
 * The kernel's own fault injection (/proc/thread-self/fail-nth with
 * failslab): socket(), bind(), listen(), a blocking connect() and accept()
 * with the 1st, 2nd, ... slab allocation of the calling task failed, until
 * a call completes with the fault unused. After each failure the call
 * either succeeded or failed with a clean errno, the port binds again, a
 * fresh connection works; at the end no request or connection is left.
 * fail-nth only fails allocations in task context (should_fail_ex()
 * checks in_task()): the listener's half of a loopback connect runs in
 * softirq and is not covered. The slab cases cover it: failslab limited
 * to one XTCP cache fails its next allocation wherever it happens (the
 * request, the child, its bind bucket, a FIN_WAIT2 mini sock).
 *
 * On a kernel without CONFIG_FAULT_INJECTION (the stock kernels) there is
 * no /proc/thread-self/fail-nth nor failslab, and the sweep and slab
 * cases SKIP saying so: the only SKIPs of this program.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define FPORT		9300
#define DBG		"/sys/kernel/debug/xtcp/"
#define FAILNTH		"/proc/thread-self/fail-nth"
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define SWEEP_MAX	500

static const struct xfam xf = XFAM_XTCP;

static int knob_set(const char *name, unsigned int val)
{
	char path[128], buf[16];

	snprintf(path, sizeof(path), DBG "%s", name);
	snprintf(buf, sizeof(buf), "%u", val);
	return write_file(path, buf);
}

static long knob_get(const char *name)
{
	char path[128], buf[16];

	snprintf(path, sizeof(path), DBG "%s", name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	/* debugfs bools read "Y\n" or "N\n" */
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtol(buf, NULL, 10);
}

static const char *const knobs[] = {
	"drop_synack_nth", "drop_synacks", "drop_final_ack", "acceptq_full",
	"fail_child",
};

static void knobs_off(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		knob_set(knobs[i], 0);
}

/* A listener on 127.0.0.1:port, blocking; -1 on error. */
static int listener(int port, int backlog)
{
	int l = xsock(&xf, 0);

	if (l < 0)
		return -1;
	if (xbind(&xf, l, "127.0.0.1", port) || listen(l, backlog)) {
		close(l);
		return -1;
	}
	return l;
}

/* accept() within ms, -1 if nothing came */
static int accept_within(int l, int ms)
{
	if (!(poll1(l, POLLIN, ms) & POLLIN))
		return -1;
	return accept(l, NULL, NULL);
}

/* One byte each way across an accepted pair: the connection is real. */
static int ping(int a, int b)
{
	char c = 'x';

	if (send(a, &c, 1, 0) != 1 || !(poll1(b, POLLIN, 10000) & POLLIN) ||
	    recv(b, &c, 1, 0) != 1 || c != 'x')
		return -1;
	c = 'y';
	if (send(b, &c, 1, 0) != 1 || !(poll1(a, POLLIN, 10000) & POLLIN) ||
	    recv(a, &c, 1, 0) != 1 || c != 'y')
		return -1;
	return 0;
}

/* Wait up to ms for gauge to read want; returns the last value read. */
static long gauge_wait(const char *name, long want, int ms)
{
	long v = xtcp_snmp_get(name);

	while (v != want && ms > 0) {
		sleep_ms(50);
		ms -= 50;
		v = xtcp_snmp_get(name);
	}
	return v;
}

FIXTURE(knob) {
	int l;
};

FIXTURE_SETUP(knob)
{
	self->l = -1;
	if (xtcp_setup_netns(_metadata, &xf))
		return;
	if (access(DBG "fail_child", W_OK))
		SKIP_OUTSIDE_VM(return, "no " DBG " knobs: %s", strerror(errno));
	knobs_off();
	ASSERT_EQ(0, xtcp_snmp_get("CurrReqs"));
}

FIXTURE_TEARDOWN(knob)
{
	knobs_off();
	if (self->l >= 0)
		close(self->l);
}

/*
 * The first SYN-ACK is lost: the request's timer still runs (and the
 * client's SYN timer), so connect() completes one RTO later, not at once.
 */
TEST_F(knob, drop_synack_nth)
{
	long drops, synretr, ackretr;
	int c, a, rto;
	double t0, dt;

	rto = synack_timers_set(&xf, 3, 300);
	ASSERT_EQ(300, rto);
	ASSERT_EQ(300, syn_timers_set(&xf, 3, 300));
	self->l = listener(FPORT, 4);
	ASSERT_LE(0, self->l);
	drops = xtcp_snmp_get("FaultSynAckDrop");
	synretr = xtcp_snmp_get("SynRetrans");
	ackretr = xtcp_snmp_get("SynAckRetrans");
	ASSERT_EQ(0, drops);

	ASSERT_EQ(0, knob_set("drop_synack_nth", 1));
	ASSERT_EQ(1, knob_get("drop_synack_nth"));
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	t0 = now_s();
	ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
	dt = now_s() - t0;
	/* The SYN-ACK answering a retransmission went out: one loss only. */
	EXPECT_LE(TIMER_LO(rto / 1000.0), dt);
	EXPECT_GE(TIMER_HI(rto / 1000.0), dt);
	EXPECT_EQ(1, xtcp_snmp_get("FaultSynAckDrop"));
	EXPECT_EQ(0, knob_get("drop_synack_nth"));
	/* Either timer may fire first; at least one of them did. */
	EXPECT_LE(synretr + ackretr + 1, xtcp_snmp_get("SynRetrans") +
					  xtcp_snmp_get("SynAckRetrans"));
	a = accept_within(self->l, 10000);
	ASSERT_LE(0, a);
	EXPECT_EQ(0, ping(c, a));
	/* Off again: the next connection sees no loss at all. */
	close(a);
	close(c);
	c = xsock(&xf, 0);
	t0 = now_s();
	ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
	EXPECT_GT(TIMER_LO(rto / 1000.0), now_s() - t0);
	EXPECT_EQ(1, xtcp_snmp_get("FaultSynAckDrop"));
	a = accept_within(self->l, 10000);
	ASSERT_LE(0, a);
	close(a);
	close(c);
}

/*
 * Final ACKs dropped: the request stays half-open, accept() finds nothing;
 * with the knob off the client's first data segment (it carries the ACK)
 * completes the request, and the data is there for the child.
 */
TEST_F(knob, drop_final_ack)
{
	long passive, retrans;
	char buf[4];
	int c, a;

	/* No SYN-ACK retransmission (hence no re-ACK) while we look. */
	ASSERT_EQ(5000, synack_timers_set(&xf, 3, 5000));
	self->l = listener(FPORT, 4);
	ASSERT_LE(0, self->l);
	passive = xtcp_snmp_get("PassiveOpens");
	retrans = xtcp_snmp_get("RetransSegs");
	ASSERT_EQ(0, knob_set("drop_final_ack", 1));

	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
	EXPECT_EQ(-1, accept_within(self->l, 1000));
	EXPECT_EQ(1, xtcp_snmp_get("FaultFinalAckDrop"));
	EXPECT_EQ(1, xtcp_snmp_get("CurrReqs"));
	EXPECT_EQ(1, proc_count(&xf, ST_NEW_SYN_RECV, FPORT, NULL));
	EXPECT_EQ(passive, xtcp_snmp_get("PassiveOpens"));

	/*
	 * Data while the knob is on is dropped too: it would complete the
	 * request. The client retransmits it on its RTO meanwhile.
	 */
	ASSERT_EQ(1, send(c, "a", 1, 0));
	EXPECT_EQ(-1, accept_within(self->l, 500));
	EXPECT_LE(2, xtcp_snmp_get("FaultFinalAckDrop"));
	EXPECT_EQ(1, xtcp_snmp_get("CurrReqs"));

	ASSERT_EQ(0, knob_set("drop_final_ack", 0));
	/*
	 * The client retransmits "a" on its RTO: that segment (seq irs + 1)
	 * completes the request; anything sent after "a" would not.
	 */
	a = accept_within(self->l, 10000);
	ASSERT_LE(0, a);
	/*
	 * Dropped: the final ACK, the first "a" and every retransmission
	 * of it but the last, which completed the request.
	 */
	retrans = xtcp_snmp_get("RetransSegs") - retrans;
	EXPECT_LE(1, retrans);
	EXPECT_EQ(1 + retrans, xtcp_snmp_get("FaultFinalAckDrop"));
	EXPECT_EQ(0, xtcp_snmp_get("CurrReqs"));
	EXPECT_EQ(passive + 1, xtcp_snmp_get("PassiveOpens"));
	ASSERT_TRUE(poll1(a, POLLIN, 10000) & POLLIN);
	EXPECT_EQ(1, recv(a, buf, sizeof(buf), 0));
	EXPECT_EQ('a', buf[0]);
	EXPECT_EQ(0, ping(c, a));
	close(a);
	close(c);
}

#define OVF_N	3

/*
 * Every final ACK meets a "full" accept queue (tcp_check_req()'s
 * listen_overflow): counted, dropped, the request kept. The queue then
 * "empties" and each client's data completes its request.
 */
TEST_F(knob, acceptq_full)
{
	long ovf, drops, passive;
	int c[OVF_N], a, i;
	char ch;

	ASSERT_EQ(5000, synack_timers_set(&xf, 3, 5000));
	self->l = listener(FPORT, 8);
	ASSERT_LE(0, self->l);
	ovf = xtcp_snmp_get("ListenOverflows");
	drops = xtcp_snmp_get("ListenDrops");
	passive = xtcp_snmp_get("PassiveOpens");
	ASSERT_EQ(0, knob_set("acceptq_full", 1));

	for (i = 0; i < OVF_N; i++) {
		c[i] = xsock(&xf, 0);
		ASSERT_LE(0, c[i]);
		/* SYNs are answered: only the final ACK sees the queue. */
		ASSERT_EQ(0, xconnect(&xf, c[i], "127.0.0.1", FPORT));
	}
	EXPECT_EQ(-1, accept_within(self->l, 500));
	EXPECT_EQ(ovf + OVF_N, xtcp_snmp_get("ListenOverflows"));
	EXPECT_EQ(drops + OVF_N, xtcp_snmp_get("ListenDrops"));
	EXPECT_EQ(OVF_N, xtcp_snmp_get("CurrReqs"));
	EXPECT_EQ(OVF_N, proc_count(&xf, ST_NEW_SYN_RECV, FPORT, NULL));
	EXPECT_EQ(passive, xtcp_snmp_get("PassiveOpens"));

	ASSERT_EQ(0, knob_set("acceptq_full", 0));
	for (i = 0; i < OVF_N; i++) {
		ASSERT_EQ(1, send(c[i], "d", 1, 0));
		a = accept_within(self->l, 10000);
		ASSERT_LE(0, a);
		/* The data that completed the request reached the child. */
		ASSERT_TRUE(poll1(a, POLLIN, 10000) & POLLIN);
		EXPECT_EQ(1, recv(a, &ch, 1, 0));
		EXPECT_EQ('d', ch);
		EXPECT_EQ(0, ping(c[i], a));
		close(a);
	}
	EXPECT_EQ(ovf + OVF_N, xtcp_snmp_get("ListenOverflows"));
	EXPECT_EQ(0, xtcp_snmp_get("CurrReqs"));
	EXPECT_EQ(passive + OVF_N, xtcp_snmp_get("PassiveOpens"));
	for (i = 0; i < OVF_N; i++)
		close(c[i]);
}

/*
 * net.xtcp.abort_on_overflow = 1 with @knob set: the final ACK's request
 * is reset (tcp_check_req()'s embryonic_reset), so the client's connection
 * dies; @counter counts the one overflow, OutRsts the one RST.
 */
static void abort_reset(struct __test_metadata *_metadata,
			struct _test_data_knob *self, const char *knob,
			const char *counter)
{
	long cnt, rsts;
	int c, ret;
	char ch;

	ASSERT_EQ(0, sysctl_set("net.xtcp.abort_on_overflow", "1"));
	self->l = listener(FPORT, 8);
	ASSERT_LE(0, self->l);
	cnt = xtcp_snmp_get(counter);
	rsts = xtcp_snmp_get("OutRsts");
	ASSERT_EQ(0, knob_set(knob, 1));
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	/*
	 * The client is established when it sends the ACK; the RST may come
	 * back before connect() returns (then connect() reports it) or
	 * after (then the next read does).
	 */
	ret = xconnect(&xf, c, "127.0.0.1", FPORT);
	if (!ret) {
		ASSERT_TRUE(poll1(c, POLLIN, 5000) & (POLLIN | POLLERR));
		EXPECT_EQ(-1, recv(c, &ch, 1, MSG_DONTWAIT));
		ret = errno;
	}
	EXPECT_EQ(ECONNRESET, ret);
	EXPECT_EQ(cnt + 1, xtcp_snmp_get(counter));
	EXPECT_EQ(rsts + 1, xtcp_snmp_get("OutRsts"));
	EXPECT_EQ(0, xtcp_snmp_get("CurrReqs"));
	EXPECT_EQ(-1, accept_within(self->l, 200));
	close(c);
}

/* The accept queue is full when the final ACK comes. */
TEST_F(knob, acceptq_full_abort)
{
	abort_reset(_metadata, self, "acceptq_full", "ListenOverflows");
}

/*
 * The clone at the final ACK fails (tcp_v4_syn_recv_sock() finding no
 * memory): ListenDrops, the request stays, and the SYN-ACK timer's
 * retransmission draws the client's ACK (a challenge ACK to a SYN on an
 * established socket), which completes it.
 */
TEST_F(knob, fail_child)
{
	long drops, passive, ackretr;
	int c, a, rto;
	double t0, dt;

	rto = synack_timers_set(&xf, 3, 300);
	ASSERT_EQ(300, rto);
	self->l = listener(FPORT, 4);
	ASSERT_LE(0, self->l);
	drops = xtcp_snmp_get("ListenDrops");
	passive = xtcp_snmp_get("PassiveOpens");
	ackretr = xtcp_snmp_get("SynAckRetrans");
	ASSERT_EQ(0, knob_set("fail_child", 1));

	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	t0 = now_s();
	ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
	EXPECT_EQ(0, knob_get("fail_child"));
	a = accept_within(self->l, 10000);
	dt = now_s() - t0;
	ASSERT_LE(0, a);
	EXPECT_LE(TIMER_LO(rto / 1000.0), dt);
	EXPECT_GE(TIMER_HI(rto / 1000.0), dt);
	EXPECT_EQ(drops + 1, xtcp_snmp_get("ListenDrops"));
	EXPECT_EQ(ackretr + 1, xtcp_snmp_get("SynAckRetrans"));
	EXPECT_EQ(passive + 1, xtcp_snmp_get("PassiveOpens"));
	EXPECT_EQ(0, xtcp_snmp_get("CurrReqs"));
	EXPECT_EQ(0, ping(c, a));
	close(a);
	close(c);
}

/*
 * With net.xtcp.abort_on_overflow = 1 a child that cannot be made is a
 * full queue's overflow too (tcp_check_req()'s listen_overflow, then
 * embryonic_reset): the request is reset, the client's connection dies.
 * The knob fires once.
 */
TEST_F(knob, fail_child_abort)
{
	abort_reset(_metadata, self, "fail_child", "ListenDrops");
	EXPECT_EQ(0, knob_get("fail_child"));
}

/* ---- fail-nth sweeps --------------------------------------------------- */

/* What a sweep saw. */
struct sweep_stats {
	int seen[256];		/* errnos of failed calls */
	int injected;		/* faults that fired */
};

FIXTURE(sweep) {
	int nth;		/* /proc/thread-self/fail-nth */
	char gfp_wait[4];	/* failslab/ignore-gfp-wait before */
	char verbose[8];	/* failslab/verbose before */
	struct sweep_stats st;
};

FIXTURE_SETUP(sweep)
{
	self->nth = -1;
	self->gfp_wait[0] = 0;
	self->verbose[0] = 0;
	memset(&self->st, 0, sizeof(self->st));
	if (xtcp_setup_netns(_metadata, &xf))
		return;
	self->nth = open(FAILNTH, O_RDWR);
	if (self->nth < 0)
		SKIP(return, "no " FAILNTH ": kernel without "
		     "CONFIG_FAULT_INJECTION (the sweeps run on the debug kernel)");
	/* GFP_KERNEL allocations fail only with ignore-gfp-wait = N. */
	ASSERT_LT(0, read_file(FAILSLAB "ignore-gfp-wait", self->gfp_wait,
			       sizeof(self->gfp_wait)));
	ASSERT_LT(0, read_file(FAILSLAB "verbose", self->verbose,
			       sizeof(self->verbose)));
	ASSERT_EQ(0, write_file(FAILSLAB "ignore-gfp-wait", "N"));
	/* No "FAULT_INJECTION: forcing a failure" stack dump in the log. */
	ASSERT_EQ(0, write_file(FAILSLAB "verbose", "0"));
	/* Requests of failed connects go quickly. */
	ASSERT_EQ(200, synack_timers_set(&xf, 1, 200));
	ASSERT_EQ(200, syn_timers_set(&xf, 2, 200));
}

FIXTURE_TEARDOWN(sweep)
{
	if (self->nth >= 0) {
		write(self->nth, "0", 1);
		close(self->nth);
	}
	if (self->gfp_wait[0])
		write_file(FAILSLAB "ignore-gfp-wait", self->gfp_wait);
	if (self->verbose[0])
		write_file(FAILSLAB "verbose", self->verbose);
}

static void nth_arm(struct __test_metadata *_metadata, int fd, int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	ASSERT_EQ(len, pwrite(fd, buf, len, 0));
}

/* True if the fault armed by nth_arm() fired; disarms it either way. */
static bool nth_fired(struct __test_metadata *_metadata, int fd)
{
	char buf[16] = { 0 };
	long left;

	ASSERT_LT(0, pread(fd, buf, sizeof(buf) - 1, 0));
	left = strtol(buf, NULL, 10);
	if (left)
		ASSERT_EQ(1, pwrite(fd, "0", 1, 0));
	return !left;
}

/* The errnos an allocation failure may surface as, and nothing else. */
static bool clean_errno(int e)
{
	return e == ENOMEM || e == ENOBUFS || e == EAGAIN || e == ETIMEDOUT ||
	       e == ENFILE || e == ECONNREFUSED || e == ECONNRESET;
}

/*
 * A call that ran with fault n injected returned ret (< 0: errno e); also
 * is one more errno this call may fail with.
 */
static void sweep_result(struct __test_metadata *_metadata,
			 struct sweep_stats *st, int n, int ret, int e,
			 int also)
{
	if (ret < 0) {
		EXPECT_TRUE(clean_errno(e) || e == also)
			TH_LOG("fault %d: errno %d (%s)", n, e, strerror(e));
		if (e > 0 && e < 256)
			st->seen[e]++;
	}
	st->injected++;
}

static void sweep_report(struct __test_metadata *_metadata,
			 struct sweep_stats *st, const char *what, int n)
{
	char line[512];
	int e, len = 0;

	len += snprintf(line + len, sizeof(line) - len,
			"%s: %d faults injected, clean after %d", what,
			st->injected, n);
	for (e = 1; e < 256; e++)
		if (st->seen[e])
			len += snprintf(line + len, sizeof(line) - len,
					", %s x%d", strerrorname_np(e) ? : "?",
					st->seen[e]);
	TH_LOG("%s", line);
	EXPECT_GT(SWEEP_MAX, n) TH_LOG("%s: fault still used after %d", what, n);
}

/* A fresh pair on port works and leaves nothing once closed. */
static void fresh_pair(struct __test_metadata *_metadata, int port)
{
	int s = -1, c = -1;

	ASSERT_EQ(0, lo_pair(&xf, port, &s, &c));
	EXPECT_EQ(0, ping(c, s));
	/* The client's end takes the TIME_WAIT: port stays bindable. */
	close(c);
	close(s);
}

/* End state: no request, no established socket of ours. */
static void sweep_end(struct __test_metadata *_metadata)
{
	EXPECT_EQ(0, gauge_wait("CurrReqs", 0, 10000));
	EXPECT_EQ(0, gauge_wait("CurrEstab", 0, 10000));
}

TEST_F(sweep, socket)
{
	int n, fd, e;

	for (n = 1; n < SWEEP_MAX; n++) {
		nth_arm(_metadata, self->nth, n);
		fd = xsock(&xf, 0);
		e = errno;
		if (!nth_fired(_metadata, self->nth)) {
			ASSERT_LE(0, fd);
			close(fd);
			break;
		}
		sweep_result(_metadata, &self->st, n, fd, e, 0);
		if (fd >= 0)
			close(fd);
		fd = xsock(&xf, 0);
		ASSERT_LE(0, fd);
		close(fd);
	}
	sweep_report(_metadata, &self->st, "socket", n);
	fresh_pair(_metadata, FPORT);
	sweep_end(_metadata);
}

TEST_F(sweep, bind)
{
	int n, fd, ret, e;

	for (n = 1; n < SWEEP_MAX; n++) {
		fd = xsock(&xf, 0);
		ASSERT_LE(0, fd);
		nth_arm(_metadata, self->nth, n);
		/*
		 * A bind bucket that cannot be allocated is EADDRINUSE, as
		 * in inet_csk_get_port().
		 */
		ret = xbind(&xf, fd, "127.0.0.1", FPORT) ? -1 : 0;
		e = errno;
		if (!nth_fired(_metadata, self->nth)) {
			ASSERT_EQ(0, ret);
			close(fd);
			break;
		}
		sweep_result(_metadata, &self->st, n, ret, e, EADDRINUSE);
		close(fd);
		/* Whatever the failure left, the port is free again. */
		fd = xsock(&xf, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, xbind(&xf, fd, "127.0.0.1", FPORT))
			TH_LOG("fault %d: port %d left bound", n, FPORT);
		close(fd);
	}
	sweep_report(_metadata, &self->st, "bind", n);
	fresh_pair(_metadata, FPORT);
	sweep_end(_metadata);
}

/*
 * listen() of a bound socket, or of an unbound one (which takes an
 * ephemeral port, allocating its buckets, as inet_csk_listen_start()).
 */
static void listen_sweep(struct __test_metadata *_metadata,
			 struct sweep_stats *st, int nth, bool bound)
{
	int n, l, ret, e, c, a, port;

	for (n = 1; n < SWEEP_MAX; n++) {
		l = xsock(&xf, 0);
		ASSERT_LE(0, l);
		if (bound)
			ASSERT_EQ(0, xbind(&xf, l, "127.0.0.1", FPORT));
		nth_arm(_metadata, nth, n);
		ret = listen(l, 4);
		e = errno;
		if (!nth_fired(_metadata, nth)) {
			ASSERT_EQ(0, ret);
			close(l);
			break;
		}
		sweep_result(_metadata, st, n, ret, e, EADDRINUSE);
		if (!ret) {
			/* It listens for real. */
			port = local_port(l);
			ASSERT_LT(0, port);
			c = xsock(&xf, 0);
			ASSERT_LE(0, c);
			ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", port));
			a = accept_within(l, 10000);
			ASSERT_LE(0, a);
			EXPECT_EQ(0, ping(c, a));
			close(c);
			close(a);
		} else {
			EXPECT_EQ(0, local_port(l)) TH_LOG("fault %d", n);
		}
		close(l);
		l = listener(FPORT, 4);
		ASSERT_LE(0, l) TH_LOG("fault %d: port not reusable", n);
		close(l);
		fresh_pair(_metadata, FPORT + 1);
	}
	sweep_report(_metadata, st, bound ? "listen" : "listen unbound", n);
	sweep_end(_metadata);
}

TEST_F(sweep, listen)
{
	listen_sweep(_metadata, &self->st, self->nth, true);
}

TEST_F(sweep, listen_unbound)
{
	listen_sweep(_metadata, &self->st, self->nth, false);
}

TEST_F(sweep, connect)
{
	int n, l, c, a, ret, e;

	l = listener(FPORT, 16);
	ASSERT_LE(0, l);
	for (n = 1; n < SWEEP_MAX; n++) {
		c = xsock(&xf, 0);
		ASSERT_LE(0, c);
		nth_arm(_metadata, self->nth, n);
		ret = xconnect(&xf, c, "127.0.0.1", FPORT) ? -1 : 0;
		e = errno;
		if (!nth_fired(_metadata, self->nth)) {
			ASSERT_EQ(0, ret);
			a = accept_within(l, 10000);
			ASSERT_LE(0, a);
			close(a);
			close(c);
			break;
		}
		sweep_result(_metadata, &self->st, n, ret, e, 0);
		if (!ret) {
			a = accept_within(l, 10000);
			ASSERT_LE(0, a) TH_LOG("fault %d: connected, no child", n);
			EXPECT_EQ(0, ping(c, a));
			close(a);
		}
		close(c);
		/* A failed connect leaves no child nor request behind. */
		EXPECT_EQ(0, gauge_wait("CurrReqs", 0, 5000))
			TH_LOG("fault %d", n);
		EXPECT_EQ(-1, accept_within(l, 0)) TH_LOG("fault %d", n);
		/* The socket's port (ephemeral) went back: a new one works. */
		c = xsock(&xf, 0);
		ASSERT_LE(0, c);
		ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
		a = accept_within(l, 10000);
		ASSERT_LE(0, a);
		EXPECT_EQ(0, ping(c, a));
		close(a);
		close(c);
	}
	close(l);
	sweep_report(_metadata, &self->st, "connect", n);
	sweep_end(_metadata);
}

TEST_F(sweep, connect_bound)
{
	int n, l, c, a, ret, e;

	/* connect() from a bound port: the bind2 move to the address. */
	l = listener(FPORT, 16);
	ASSERT_LE(0, l);
	for (n = 1; n < SWEEP_MAX; n++) {
		c = xsock(&xf, 0);
		ASSERT_LE(0, c);
		ASSERT_EQ(0, setint(c, SOL_SOCKET, SO_REUSEADDR, 1));
		ASSERT_EQ(0, xbind(&xf, c, "0.0.0.0", FPORT + 2));
		nth_arm(_metadata, self->nth, n);
		ret = xconnect(&xf, c, "127.0.0.1", FPORT) ? -1 : 0;
		e = errno;
		if (!nth_fired(_metadata, self->nth)) {
			ASSERT_EQ(0, ret);
			a = accept_within(l, 10000);
			ASSERT_LE(0, a);
			ASSERT_EQ(0, set_linger(c, 1, 0));
			close(a);
			close(c);
			break;
		}
		sweep_result(_metadata, &self->st, n, ret, e, 0);
		if (!ret) {
			a = accept_within(l, 10000);
			ASSERT_LE(0, a) TH_LOG("fault %d: connected, no child", n);
			EXPECT_EQ(0, ping(c, a));
			close(a);
		}
		/* RST, no TIME_WAIT: the port must be bindable at once. */
		set_linger(c, 1, 0);
		close(c);
		EXPECT_EQ(0, gauge_wait("CurrReqs", 0, 5000))
			TH_LOG("fault %d", n);
		EXPECT_EQ(-1, accept_within(l, 0)) TH_LOG("fault %d", n);
		c = xsock(&xf, 0);
		ASSERT_LE(0, c);
		ASSERT_EQ(0, xbind(&xf, c, "127.0.0.1", FPORT + 2))
			TH_LOG("fault %d: port left bound", n);
		close(c);
	}
	close(l);
	sweep_report(_metadata, &self->st, "connect from a bound port", n);
	fresh_pair(_metadata, FPORT + 3);
	sweep_end(_metadata);
}

TEST_F(sweep, accept)
{
	int n, l, c, a, ret, e;

	l = listener(FPORT, 16);
	ASSERT_LE(0, l);
	for (n = 1; n < SWEEP_MAX; n++) {
		c = xsock(&xf, 0);
		ASSERT_LE(0, c);
		ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
		ASSERT_TRUE(poll1(l, POLLIN, 10000) & POLLIN);
		nth_arm(_metadata, self->nth, n);
		a = accept(l, NULL, NULL);
		e = errno;
		if (!nth_fired(_metadata, self->nth)) {
			ASSERT_LE(0, a);
			EXPECT_EQ(0, ping(c, a));
			close(a);
			close(c);
			break;
		}
		ret = a < 0 ? -1 : 0;
		sweep_result(_metadata, &self->st, n, ret, e, 0);
		if (a < 0) {
			/*
			 * As in TCP, accept() allocates the new socket and
			 * its file before it takes a child off the queue: the
			 * child is still there for the next accept().
			 */
			a = accept_within(l, 0);
			ASSERT_LE(0, a) TH_LOG("fault %d: child lost", n);
		}
		EXPECT_EQ(0, ping(c, a)) TH_LOG("fault %d", n);
		close(c);
		close(a);
		EXPECT_EQ(-1, accept_within(l, 0)) TH_LOG("fault %d", n);
	}
	close(l);
	sweep_report(_metadata, &self->st, "accept", n);
	fresh_pair(_metadata, FPORT + 5);
	sweep_end(_metadata);
}

/*
 * A bind() that fails on its (address, port) bucket must leave the port's
 * bucket as it was (inet_csk_get_port() updates fastreuse only on
 * success): a port that only connect() uses stays shareable by another
 * connect() to a different destination.
 */
#define ONE_PORT	40000

TEST_F(sweep, bind_keeps_connect_port)
{
	int l1, l2, c1, c2, b, a, n, ret, e;
	bool failed = false;

	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_local_port_range",
				"40000 40000"));
	l1 = listener(FPORT, 16);
	ASSERT_LE(0, l1);
	l2 = listener(FPORT + 1, 16);
	ASSERT_LE(0, l2);
	c1 = xsock(&xf, 0);
	ASSERT_LE(0, c1);
	ASSERT_EQ(0, xconnect(&xf, c1, "127.0.0.1", FPORT));
	ASSERT_EQ(ONE_PORT, local_port(c1));
	for (n = 1; n < SWEEP_MAX && !failed; n++) {
		b = xsock(&xf, 0);
		ASSERT_LE(0, b);
		nth_arm(_metadata, self->nth, n);
		ret = xbind(&xf, b, "127.0.0.2", ONE_PORT) ? -1 : 0;
		e = errno;
		if (!nth_fired(_metadata, self->nth)) {
			close(b);
			break;
		}
		sweep_result(_metadata, &self->st, n, ret, e, EADDRINUSE);
		close(b);
		failed = ret < 0;
	}
	ASSERT_TRUE(failed) TH_LOG("no fault made bind() fail");
	/* The only ephemeral port, shared with c1: another 4-tuple. */
	c2 = xsock(&xf, 0);
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, xconnect(&xf, c2, "127.0.0.1", FPORT + 1));
	EXPECT_EQ(ONE_PORT, local_port(c2));
	a = accept_within(l2, 10000);
	ASSERT_LE(0, a);
	EXPECT_EQ(0, ping(c2, a));
	close(a);
	set_linger(c2, 1, 0);
	close(c2);
	a = accept_within(l1, 10000);
	ASSERT_LE(0, a);
	close(a);
	set_linger(c1, 1, 0);
	close(c1);
	close(l1);
	close(l2);
	sweep_report(_metadata, &self->st, "bind beside connect", n);
	sweep_end(_metadata);
}

/* ---- one slab cache failing in softirq ---------------------------------- */

/*
 * fail-nth cannot reach the listener's softirq half of a connect; failslab
 * can, restricted to one XTCP cache (cache-filter, the cache's own
 * /sys/kernel/slab/NAME/failslab; slab_nomerge keeps XTCP's caches
 * unmerged), at probability 100 for exactly one allocation (times = 1):
 * a real allocation failure, where the knobs imitate one.
 */
#define SLABS		"/sys/kernel/slab/"

static const char *const fs_attrs[] = {
	"probability", "times", "cache-filter", "verbose", "interval",
	"space", "task-filter",
};

#define FS_N	ARRAY_SIZE(fs_attrs)

FIXTURE(slab) {
	char saved[FS_N][24];
	bool have;
	char cache[32];		/* armed cache, to disarm */
};

FIXTURE_SETUP(slab)
{
	char path[128];
	size_t i;

	self->have = false;
	self->cache[0] = 0;
	if (xtcp_setup_netns(_metadata, &xf))
		return;
	if (access(FAILSLAB "cache-filter", W_OK))
		SKIP(return, "no " FAILSLAB ": kernel without "
		     "CONFIG_FAILSLAB (these cases run on the debug kernel)");
	for (i = 0; i < FS_N; i++) {
		snprintf(path, sizeof(path), FAILSLAB "%s", fs_attrs[i]);
		ASSERT_LT(0, read_file(path, self->saved[i],
				       sizeof(self->saved[i])));
	}
	self->have = true;
	ASSERT_EQ(0, write_file(FAILSLAB "times", "0"));
	ASSERT_EQ(0, write_file(FAILSLAB "verbose", "0"));
	ASSERT_EQ(0, write_file(FAILSLAB "interval", "1"));
	ASSERT_EQ(0, write_file(FAILSLAB "space", "0"));
	ASSERT_EQ(0, write_file(FAILSLAB "task-filter", "N"));
	ASSERT_EQ(0, write_file(FAILSLAB "cache-filter", "Y"));
	ASSERT_EQ(0, write_file(FAILSLAB "probability", "100"));
	ASSERT_EQ(300, synack_timers_set(&xf, 3, 300));
	ASSERT_EQ(300, syn_timers_set(&xf, 3, 300));
}

FIXTURE_TEARDOWN(slab)
{
	char path[128];
	size_t i;

	if (!self->have)
		return;
	write_file(FAILSLAB "times", "0");
	write_file(FAILSLAB "probability", "0");
	if (self->cache[0]) {
		snprintf(path, sizeof(path), SLABS "%s/failslab", self->cache);
		write_file(path, "0");
	}
	/* times last: nothing may fail once probability is back */
	for (i = FS_N; i-- > 0;) {
		snprintf(path, sizeof(path), FAILSLAB "%s", fs_attrs[i]);
		write_file(path, self->saved[i]);
	}
}

/* The next allocation from cache fails, wherever it happens. */
static void slab_arm(struct __test_metadata *_metadata,
		     FIXTURE_DATA(slab) * self, const char *cache)
{
	char path[128];

	snprintf(self->cache, sizeof(self->cache), "%s", cache);
	snprintf(path, sizeof(path), SLABS "%s/failslab", cache);
	ASSERT_EQ(0, write_file(path, "1")) TH_LOG("%s", path);
	ASSERT_EQ(0, write_file(FAILSLAB "times", "1"));
}

/* True if the armed failure happened; disarms. */
static bool slab_fired(struct __test_metadata *_metadata)
{
	char buf[24];

	ASSERT_LT(0, read_file(FAILSLAB "times", buf, sizeof(buf)));
	write_file(FAILSLAB "times", "0");
	return atoi(buf) == 0;
}

/*
 * The listener cannot allocate the request (tcp_conn_request()'s
 * inet_reqsk_alloc() failing): the SYN is dropped and counted, the
 * client's SYN retransmission gets through.
 */
TEST_F(slab, request)
{
	long drops, synretr;
	int l, c, a;
	double t0, dt;

	l = listener(FPORT, 4);
	ASSERT_LE(0, l);
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	drops = xtcp_snmp_get("ListenDrops");
	synretr = xtcp_snmp_get("SynRetrans");
	slab_arm(_metadata, self, "xtcp_request_sock");
	t0 = now_s();
	ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
	dt = now_s() - t0;
	ASSERT_TRUE(slab_fired(_metadata));
	EXPECT_LE(TIMER_LO(0.3), dt);
	EXPECT_GE(TIMER_HI(0.3), dt);
	EXPECT_EQ(drops + 1, xtcp_snmp_get("ListenDrops"));
	EXPECT_EQ(synretr + 1, xtcp_snmp_get("SynRetrans"));
	a = accept_within(l, 10000);
	ASSERT_LE(0, a);
	EXPECT_EQ(0, ping(c, a));
	close(a);
	close(c);
	close(l);
	EXPECT_EQ(0, xtcp_snmp_get("CurrReqs"));
}

/*
 * The child's socket or its (address, port) bind bucket cannot be
 * allocated at the final ACK (tcp_v4_syn_recv_sock() failing in
 * sk_clone_lock() or __inet_inherit_port()): ListenDrops, the request
 * kept, and the SYN-ACK retransmission's ACK completes it.
 */
static void child_fails(struct __test_metadata *_metadata,
			FIXTURE_DATA(slab) * self, const char *cache,
			const char *laddr)
{
	long drops, ackretr, passive;
	int l, c, a;
	double t0, dt;

	l = xsock(&xf, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(&xf, l, laddr, FPORT));
	ASSERT_EQ(0, listen(l, 4));
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	/* Its own buckets exist before the failure is armed. */
	ASSERT_EQ(0, xbind(&xf, c, "127.0.0.1", FPORT + 1));
	drops = xtcp_snmp_get("ListenDrops");
	ackretr = xtcp_snmp_get("SynAckRetrans");
	passive = xtcp_snmp_get("PassiveOpens");
	slab_arm(_metadata, self, cache);
	t0 = now_s();
	ASSERT_EQ(0, xconnect(&xf, c, "127.0.0.1", FPORT));
	a = accept_within(l, 10000);
	dt = now_s() - t0;
	ASSERT_TRUE(slab_fired(_metadata));
	ASSERT_LE(0, a);
	EXPECT_LE(TIMER_LO(0.3), dt);
	EXPECT_GE(TIMER_HI(0.3), dt);
	EXPECT_EQ(drops + 1, xtcp_snmp_get("ListenDrops"));
	EXPECT_EQ(ackretr + 1, xtcp_snmp_get("SynAckRetrans"));
	EXPECT_EQ(passive + 1, xtcp_snmp_get("PassiveOpens"));
	EXPECT_EQ(0, xtcp_snmp_get("CurrReqs"));
	EXPECT_EQ(0, ping(c, a));
	close(a);
	close(c);
	close(l);
}

TEST_F(slab, child_sock)
{
	child_fails(_metadata, self, "XTCP", "127.0.0.1");
}

TEST_F(slab, child_bind2)
{
	/* A wildcard listener: the child needs its own (address, port). */
	child_fails(_metadata, self, "xtcp_bind2_bucket", "0.0.0.0");
}

/*
 * No mini sock for the orphan entering FIN_WAIT2 (tcp_time_wait()
 * failing to allocate): TCPTimeWaitOverflow, and the socket is simply
 * closed; nothing of it is left.
 */
TEST_F(slab, time_wait)
{
	long ovf, tw;
	int s, c, port, i;

	ASSERT_EQ(0, lo_pair(&xf, FPORT, &s, &c));
	port = local_port(c);
	ovf = xtcp_snmp_get("TCPTimeWaitOverflow");
	tw = xtcp_snmp_get("CurrTimeWait");
	slab_arm(_metadata, self, "xtcp_tw_sock");
	close(c);
	/* The server's ACK of the FIN moves the orphan to FIN_WAIT2. */
	for (i = 0; i < 100 && xtcp_snmp_get("TCPTimeWaitOverflow") == ovf; i++)
		sleep_ms(50);
	ASSERT_TRUE(slab_fired(_metadata));
	EXPECT_EQ(ovf + 1, xtcp_snmp_get("TCPTimeWaitOverflow"));
	EXPECT_EQ(tw, xtcp_snmp_get("CurrTimeWait"));
	EXPECT_EQ(0, gauge_wait("CurrOrphans", 0, 5000));
	EXPECT_EQ(0, proc_count(&xf, ST_FIN_WAIT2, port, NULL));
	EXPECT_EQ(0, proc_count(&xf, ST_TIME_WAIT, port, NULL));
	close(s);
	EXPECT_EQ(0, gauge_wait("CurrEstab", 0, 10000));
}

TEST_HARNESS_MAIN
