// SPDX-License-Identifier: GPL-2.0
/*
 * The xtcp:* tracepoints, read through a private tracefs instance (no perf
 * needed): the state changes of one scripted connection, compared with
 * what sock:inet_sock_set_state shows for TCP (same body, both families);
 * then, XTCP only, the handshake events with their fields (ports, sequence
 * numbers, socket cookies equal to SO_COOKIE), SYN-ACK retransmissions
 * with their count and spacing, RST sent and received with the reason, SYN
 * retransmission by the RTO, TIME_WAIT entered and ended by its timer, and
 * SYN cookies sent, validated and refused.
 * A kernel without tracefs SKIPs, saying so.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static char tr_root[64];	/* tracefs mount point */
static char tr_inst[160];	/* our instance */

/* Find (or mount) tracefs; 0 or -1 when the kernel has none. */
static int tracefs_find(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char p[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/instances", dirs[i]);
		if (!access(p, F_OK)) {
			snprintf(tr_root, sizeof(tr_root), "%s", dirs[i]);
			return 0;
		}
	}
	if (!mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	    !access("/sys/kernel/tracing/instances", F_OK)) {
		snprintf(tr_root, sizeof(tr_root), "/sys/kernel/tracing");
		return 0;
	}
	return -1;
}

static int tr_write(const char *rel, const char *val)
{
	char p[320];

	snprintf(p, sizeof(p), "%s/%s", tr_inst, rel);
	return write_file(p, val);
}

/* Enable SYS/EVENT in our instance with FILTER ("" for none). */
static int tr_enable(const char *sys, const char *event, const char *filter)
{
	char rel[160];
	int err;

	if (filter && *filter) {
		snprintf(rel, sizeof(rel), "events/%s/%s/filter", sys, event);
		err = tr_write(rel, filter);
		if (err)
			return err;
	}
	snprintf(rel, sizeof(rel), "events/%s/%s/enable", sys, event);
	return tr_write(rel, "1");
}

static int tr_open(void)
{
	char p[256];

	snprintf(tr_inst, sizeof(tr_inst), "%s/instances/xtcp_test_%d",
		 tr_root, getpid());
	rmdir(tr_inst);
	if (mkdir(tr_inst, 0700))
		return errno;
	snprintf(p, sizeof(p), "%s/buffer_size_kb", tr_inst);
	write_file(p, "256");
	/*
	 * Time the events on the clock XTCP's timers follow. Their jiffies
	 * advance with the timekeeping clock ("mono"); the default "local"
	 * clock is the CPU's sched_clock, which under TCG can run a few per
	 * cent apart from it, enough to make a 1 s timer look 40 ms early.
	 */
	snprintf(p, sizeof(p), "%s/trace_clock", tr_inst);
	return write_file(p, "mono");
}

static void tr_close(void)
{
	char p[256];

	if (!tr_inst[0])
		return;
	snprintf(p, sizeof(p), "%s/events/enable", tr_inst);
	write_file(p, "0");
	rmdir(tr_inst);
	tr_inst[0] = 0;
}

/*
 * The earliest a timer of MS milliseconds may fire, on the trace's "mono"
 * clock. XTCP's timers count jiffies: one armed just before a tick fires
 * up to a tick (10 ms at HZ=100, the coarsest x86 setting) short of MS,
 * and a tick the loaded guest takes late can make the next one look
 * short: allow 2 % more. (On the default "local" clock, the guest's TSC,
 * CI once saw 1 s timers end after 960 ms; on "mono" runs measured 203 to
 * 212 ms for 200, 420 for 400 and 1008 to 1020 for 1000: late by the
 * timer wheel's granularity, never early.) The upper bounds are looser:
 * a loaded 2-core TCG VM is sometimes seconds late.
 */
static inline int timer_earliest_ms(int ms)
{
	return ms - ms / 50 - 10;
}

/* One event line of the instance's trace file. */
struct ev {
	double ts;
	char name[48];
	char args[400];
};

#define MAX_EV 256

/* Read the instance's buffer (not consumed); the number of events. */
static int tr_read(struct ev *evs, int max)
{
	char p[256], line[512];
	FILE *fp;
	int n = 0;

	snprintf(p, sizeof(p), "%s/trace", tr_inst);
	fp = fopen(p, "r");
	if (!fp)
		return -1;
	while (n < max && fgets(line, sizeof(line), fp)) {
		char *c, *e, *t;

		if (line[0] == '#')
			continue;
		/* "comm-pid [cpu] flags TS: name: args" */
		c = strstr(line, ": ");
		while (c) {
			/* the timestamp is the token before ": name: " */
			t = c;
			while (t > line && t[-1] != ' ')
				t--;
			e = strstr(c + 2, ": ");
			if (e && t < c && strchr("0123456789", *t) &&
			    !memchr(c + 2, ' ', e - c - 2))
				break;
			c = strstr(c + 1, ": ");
		}
		if (!c || !e)
			continue;
		evs[n].ts = strtod(t, NULL);
		snprintf(evs[n].name, sizeof(evs[n].name), "%.*s",
			 (int)(e - c - 2), c + 2);
		snprintf(evs[n].args, sizeof(evs[n].args), "%s", e + 2);
		evs[n].args[strcspn(evs[n].args, "\n")] = 0;
		n++;
	}
	fclose(fp);
	return n;
}

/* Value of " KEY=" in ARGS as a string; "" when absent. */
static const char *arg(const struct ev *ev, const char *key, char *buf,
		       size_t len)
{
	char k[40];
	const char *p;

	snprintf(k, sizeof(k), "%s=", key);
	p = ev->args;
	while ((p = strstr(p, k))) {
		if (p == ev->args || p[-1] == ' ')
			break;
		p++;
	}
	if (!p) {
		buf[0] = 0;
		return buf;
	}
	p += strlen(k);
	snprintf(buf, len, "%.*s", (int)strcspn(p, " "), p);
	return buf;
}

static unsigned long long argu(const struct ev *ev, const char *key)
{
	char b[64];

	arg(ev, key, b, sizeof(b));
	return b[0] ? strtoull(b, NULL, 0) : ~0ULL;
}

static bool arg_is(const struct ev *ev, const char *key, const char *val)
{
	char b[64];

	return !strcmp(arg(ev, key, b, sizeof(b)), val);
}

/* The first event NAME at or after *I with sport=SPORT (-1: any). */
static const struct ev *find_ev(const struct ev *evs, int n, int *i,
				const char *name, long sport)
{
	for (; *i < n; (*i)++) {
		if (strcmp(evs[*i].name, name))
			continue;
		if (sport >= 0 && argu(&evs[*i], "sport") != (unsigned long)sport)
			continue;
		return &evs[(*i)++];
	}
	return NULL;
}

static unsigned long long so_cookie(int fd)
{
	unsigned long long c = 0;
	socklen_t len = sizeof(c);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len))
		return 0;
	return c;
}

/* Wait until the trace holds COUNT events NAME; the number of events. */
static int tr_wait(struct ev *evs, const char *name, int count, int ms)
{
	double end = now_s() + ms / 1000.0;
	int n, i, seen;

	do {
		n = tr_read(evs, MAX_EV);
		for (i = 0, seen = 0; i < n; i++)
			seen += !strcmp(evs[i].name, name);
		if (seen >= count)
			return n;
		sleep_ms(20);
	} while (now_s() < end);
	return n;
}

FIXTURE(tr) {
	struct ev evs[MAX_EV];
};

FIXTURE_VARIANT(tr) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(tr, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(tr, xtcp) { .f = XFAM_XTCP };

static bool trace_setup(struct __test_metadata *_metadata, const struct xfam *f)
{
	int err;

	if (xtcp_setup_netns(_metadata, f))
		return true;
	if (tracefs_find())
		SKIP_OUTSIDE_VM(return true,
				"this kernel has no tracefs (CONFIG_TRACING)");
	err = tr_open();
	ASSERT_EQ(0, err) TH_LOG("%s: %s", tr_inst, strerror(err));
	return false;
}

FIXTURE_SETUP(tr)
{
	trace_setup(_metadata, &variant->f);
}

FIXTURE_TEARDOWN(tr)
{
	tr_close();
}

/* Transitions "OLD>NEW" (TCP_ prefix dropped) of events with sport=PORT. */
static void transitions(const struct ev *evs, int n, const char *name,
			int port, char *out, size_t len)
{
	char o[32], s[32];
	int i;

	out[0] = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(evs[i].name, name) ||
		    argu(&evs[i], "sport") != (unsigned long)port)
			continue;
		arg(&evs[i], "oldstate", o, sizeof(o));
		arg(&evs[i], "newstate", s, sizeof(s));
		snprintf(out + strlen(out), len - strlen(out), "%s%s>%s",
			 out[0] ? " " : "", o + 4, s + 4);
	}
}

/*
 * tcpstates' view: the client closes first (an orphan, so FIN_WAIT2 ends
 * at once in a mini sock), the server child reads EOF and closes.
 */
TEST_F(tr, state_changes)
{
	const struct xfam *f = &variant->f;
	const char *ev = is_xtcp(f) ? "xtcp_state_change" : "inet_sock_set_state";
	char filt[128], got[400], b;
	int l, c, s, cport, n;
	uint16_t port = 7101;

	if (!tr_inst[0])
		return;
	snprintf(filt, sizeof(filt), "%s(sport == %u || dport == %u)",
		 is_xtcp(f) ? "" : "protocol == 6 && ", port, port);
	ASSERT_EQ(0, tr_enable(is_xtcp(f) ? "xtcp" : "sock", ev, filt));

	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, "127.0.0.1", port));
	ASSERT_EQ(0, listen(l, 4));
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(f, c, "127.0.0.1", port, 20000));
	cport = local_port(c);
	ASSERT_EQ(POLLIN, poll1(l, POLLIN, 20000) & POLLIN);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	close(c);
	setint(s, SOL_SOCKET, SO_RCVTIMEO, 0);
	ASSERT_EQ(POLLIN, poll1(s, POLLIN, 20000) & POLLIN);
	ASSERT_EQ(0, read(s, &b, 1));
	close(s);
	/* LAST_ACK -> CLOSE comes with the client's ACK */
	n = tr_wait(self->evs, ev, 12, 10000);
	close(l);
	n = tr_wait(self->evs, ev, 13, 10000);

	/* connect() enters SYN_SENT before it picks the port: sport 0 */
	transitions(self->evs, n, ev, 0, got, sizeof(got));
	EXPECT_STREQ("CLOSE>SYN_SENT", got);
	transitions(self->evs, n, ev, cport, got, sizeof(got));
	EXPECT_STREQ("SYN_SENT>ESTABLISHED ESTABLISHED>FIN_WAIT1 "
		     "FIN_WAIT1>FIN_WAIT2 FIN_WAIT2>CLOSE", got);
	transitions(self->evs, n, ev, port, got, sizeof(got));
	EXPECT_STREQ("CLOSE>LISTEN LISTEN>SYN_RECV SYN_RECV>ESTABLISHED "
		     "ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>LAST_ACK LAST_ACK>CLOSE "
		     "LISTEN>CLOSE", got);
}

/* ---- XTCP only: events TCP has no counterpart for ------------------------ */

FIXTURE(xtr) {
	struct ev evs[MAX_EV];
};

FIXTURE_SETUP(xtr)
{
	static const struct xfam xf = XFAM_XTCP;

	trace_setup(_metadata, &xf);
}

FIXTURE_TEARDOWN(xtr)
{
	tr_close();
}

static const struct xfam xf = XFAM_XTCP;

static int enable_xtcp_events(uint16_t port)
{
	char filt[96];
	static const char * const evs[] = {
		"xtcp_state_change", "xtcp_syn_recv", "xtcp_req_create",
		"xtcp_req_drop", "xtcp_synack", "xtcp_child_create",
		"xtcp_child_queue", "xtcp_child_accept", "xtcp_acceptq_overflow",
		"xtcp_send_reset", "xtcp_receive_reset", "xtcp_retransmit",
		"xtcp_rto", "xtcp_probe", "xtcp_tw_enter", "xtcp_tw_end",
		"xtcp_cookie_sent", "xtcp_cookie_recv",
	};
	size_t i;
	int err;

	snprintf(filt, sizeof(filt), "sport == %u || dport == %u", port, port);
	for (i = 0; i < ARRAY_SIZE(evs); i++) {
		err = tr_enable("xtcp", evs[i], filt);
		if (err)
			return err;
	}
	return 0;
}

/* SYN, request, SYN-ACK, child, queue, accept: in order, fields right. */
TEST_F(xtr, handshake)
{
	unsigned long long ccookie, scookie, lcookie;
	const struct ev *e;
	int l, c, s, cport, n, i = 0;
	uint16_t port = 7102;
	unsigned long long iss;

	if (!tr_inst[0])
		return;
	ASSERT_EQ(0, enable_xtcp_events(port));
	l = xsock(&xf, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(&xf, l, "127.0.0.1", port));
	ASSERT_EQ(0, listen(l, 3));
	lcookie = so_cookie(l);
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(&xf, c, "127.0.0.1", port, 20000));
	cport = local_port(c);
	ccookie = so_cookie(c);
	ASSERT_EQ(POLLIN, poll1(l, POLLIN, 20000) & POLLIN);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	scookie = so_cookie(s);
	ASSERT_NE(0, ccookie);
	ASSERT_NE(ccookie, scookie);
	n = tr_wait(self->evs, "xtcp_child_accept", 1, 5000);

	e = find_ev(self->evs, n, &i, "xtcp_syn_recv", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_syn_recv");
	EXPECT_EQ(cport, argu(e, "dport"));
	EXPECT_EQ(lcookie, argu(e, "cookie"));
	EXPECT_TRUE(arg_is(e, "saddr", "127.0.0.1"));
	EXPECT_TRUE(arg_is(e, "acceptq", "0/3"));
	e = find_ev(self->evs, n, &i, "xtcp_req_create", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_req_create after the SYN");
	EXPECT_EQ(cport, argu(e, "dport"));
	iss = argu(e, "iss");
	EXPECT_EQ(7, argu(e, "wscale"));
	EXPECT_LT(0, argu(e, "mss"));
	e = find_ev(self->evs, n, &i, "xtcp_synack", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_synack after the request");
	EXPECT_EQ(0, argu(e, "retrans"));
	EXPECT_EQ(iss, argu(e, "iss"));
	e = find_ev(self->evs, n, &i, "xtcp_child_create", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_child_create after the SYN-ACK");
	EXPECT_EQ(scookie, argu(e, "cookie"));
	EXPECT_EQ(lcookie, argu(e, "listener"));
	e = find_ev(self->evs, n, &i, "xtcp_child_queue", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_child_queue after the child");
	EXPECT_EQ(scookie, argu(e, "cookie"));
	EXPECT_TRUE(arg_is(e, "acceptq", "1/3"));
	e = find_ev(self->evs, n, &i, "xtcp_child_accept", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_child_accept after the queue");
	EXPECT_EQ(scookie, argu(e, "cookie"));
	EXPECT_TRUE(arg_is(e, "acceptq", "0/3"));

	/* the client's state changes carry its SO_COOKIE */
	i = 0;
	e = find_ev(self->evs, n, &i, "xtcp_state_change", 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(ccookie, argu(e, "cookie"));
	EXPECT_TRUE(arg_is(e, "newstate", "TCP_SYN_SENT"));
	e = find_ev(self->evs, n, &i, "xtcp_state_change", cport);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(ccookie, argu(e, "cookie"));
	EXPECT_TRUE(arg_is(e, "newstate", "TCP_ESTABLISHED"));
	close(s);
	close(c);
	close(l);
}

/*
 * The SYN-ACKs never reach the client (twons with a fake neighbour): the
 * request retransmits synack_retries = 2 times with a doubling RTO from
 * 200 ms, then is dropped with reason TIMEOUT.
 */
TEST_F(xtr, synack_retransmit)
{
	const struct ev *e[3], *d;
	struct twons t;
	int l, c, n, i = 0, k;
	uint16_t port = 7103;
	double gap;

	if (!tr_inst[0])
		return;
	ASSERT_EQ(0, twons_setup(&t, true));
	ASSERT_EQ(200, synack_timers_set(&xf, 2, 200));
	ASSERT_EQ(0, enable_xtcp_events(port));
	l = xsock(&xf, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(&xf, l, NS_S_ADDR, port));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, ns_enter(t.c));
	/* no SYN again before the end: it would resend the SYN-ACK too */
	ASSERT_EQ(5000, syn_timers_set(&xf, 1, 5000));
	c = xsock(&xf, SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	xconnect(&xf, c, NS_S_ADDR, port);
	ASSERT_EQ(0, ns_enter(t.s));
	n = tr_wait(self->evs, "xtcp_req_drop", 1, 15000);

	for (k = 0; k < 3; k++) {
		e[k] = find_ev(self->evs, n, &i, "xtcp_synack", port);
		ASSERT_NE(NULL, e[k]) TH_LOG("SYN-ACK #%d missing", k);
		EXPECT_EQ(k, argu(e[k], "retrans"));
	}
	EXPECT_EQ(NULL, find_ev(self->evs, n, &i, "xtcp_synack", port));
	/* 200 ms then 400 ms */
	TH_LOG("SYN-ACK gaps %.1f ms, %.1f ms", (e[1]->ts - e[0]->ts) * 1000,
	       (e[2]->ts - e[1]->ts) * 1000);
	gap = (e[1]->ts - e[0]->ts) * 1000;
	EXPECT_LE(timer_earliest_ms(200), gap);
	EXPECT_GE(3000, gap);
	gap = (e[2]->ts - e[1]->ts) * 1000;
	EXPECT_LE(timer_earliest_ms(400), gap);
	EXPECT_GE(4000, gap);
	i = 0;
	d = find_ev(self->evs, n, &i, "xtcp_req_drop", port);
	ASSERT_NE(NULL, d) TH_LOG("request never dropped");
	EXPECT_TRUE(arg_is(d, "reason", "TIMEOUT"));
	EXPECT_EQ(2, argu(d, "synack_retrans"));
	EXPECT_EQ(argu(e[0], "cookie"), argu(d, "cookie"));
	close(c);
	close(l);
}

/* A SYN to a port nobody listens on: NO_SOCKET RST, ECONNREFUSED. */
TEST_F(xtr, reset)
{
	const struct ev *e;
	unsigned long long cookie;
	int c, n, i = 0, cport;
	uint16_t port = 7104;

	if (!tr_inst[0])
		return;
	ASSERT_EQ(0, enable_xtcp_events(port));
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	cookie = so_cookie(c);
	EXPECT_EQ(ECONNREFUSED, connect_wait(&xf, c, "127.0.0.1", port, 20000));
	cport = local_port(c);
	n = tr_wait(self->evs, "xtcp_receive_reset", 1, 5000);
	e = find_ev(self->evs, n, &i, "xtcp_send_reset", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_send_reset");
	EXPECT_TRUE(arg_is(e, "reason", "NO_SOCKET"));
	EXPECT_TRUE(arg_is(e, "state", "TCP_CLOSE"));
	if (cport > 0)
		EXPECT_EQ(cport, argu(e, "dport"));
	i = 0;
	e = find_ev(self->evs, n, &i, "xtcp_receive_reset", -1);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_receive_reset");
	EXPECT_TRUE(arg_is(e, "state", "TCP_SYN_SENT"));
	EXPECT_EQ(cookie, argu(e, "cookie"));
	close(c);
}

/* A SYN into a black hole: RTO fired at 200 ms, SYN retransmitted once. */
TEST_F(xtr, syn_rto)
{
	const struct ev *r, *x, *s;
	int c, n, i = 0;
	uint16_t port = 7105;

	if (!tr_inst[0])
		return;
	ASSERT_EQ(0, blackhole_setup());
	ASSERT_EQ(200, syn_timers_set(&xf, 1, 200));
	ASSERT_EQ(0, enable_xtcp_events(port));
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(ETIMEDOUT, connect_wait(&xf, c, BH_PEER, port, 20000));
	n = tr_wait(self->evs, "xtcp_rto", 2, 5000);
	s = find_ev(self->evs, n, &i, "xtcp_state_change", -1);
	ASSERT_NE(NULL, s);
	r = find_ev(self->evs, n, &i, "xtcp_rto", -1);
	ASSERT_NE(NULL, r) TH_LOG("no xtcp_rto");
	EXPECT_TRUE(arg_is(r, "state", "TCP_SYN_SENT"));
	EXPECT_EQ(200, argu(r, "rto_ms"));
	EXPECT_EQ(0, argu(r, "count"));
	TH_LOG("SYN RTO after %.1f ms", (r->ts - s->ts) * 1000);
	EXPECT_LE(timer_earliest_ms(200), (r->ts - s->ts) * 1000);
	EXPECT_GE(3000, (r->ts - s->ts) * 1000);
	x = find_ev(self->evs, n, &i, "xtcp_retransmit", -1);
	ASSERT_NE(NULL, x) TH_LOG("no xtcp_retransmit after the RTO");
	EXPECT_EQ(1, argu(x, "count"));
	EXPECT_EQ(argu(x, "seq") + 1, argu(x, "end_seq"));
	close(c);
}

/*
 * The client half-closes and stays open: the server's FIN puts it in
 * TIME_WAIT (not an orphan's FIN_WAIT2); tw_timeout = 1 s ends it by timer.
 */
TEST_F(xtr, time_wait)
{
	const struct ev *in, *out;
	int l, c, s, n, i = 0, cport;
	uint16_t port = 7106;
	char b;

	if (!tr_inst[0])
		return;
	ASSERT_EQ(0, sysctl_set("net.xtcp.tw_timeout", "1"));
	ASSERT_EQ(0, enable_xtcp_events(port));
	l = xsock(&xf, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(&xf, l, "127.0.0.1", port));
	ASSERT_EQ(0, listen(l, 4));
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(&xf, c, "127.0.0.1", port, 20000));
	cport = local_port(c);
	ASSERT_EQ(POLLIN, poll1(l, POLLIN, 20000) & POLLIN);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	ASSERT_EQ(POLLIN, poll1(s, POLLIN, 20000) & POLLIN);
	ASSERT_EQ(0, read(s, &b, 1));
	close(s);
	ASSERT_EQ(POLLIN, poll1(c, POLLIN, 20000) & POLLIN);
	ASSERT_EQ(0, read(c, &b, 1));
	close(c);
	n = tr_wait(self->evs, "xtcp_tw_end", 1, 10000);
	in = find_ev(self->evs, n, &i, "xtcp_tw_enter", cport);
	ASSERT_NE(NULL, in) TH_LOG("no xtcp_tw_enter");
	EXPECT_TRUE(arg_is(in, "substate", "TCP_TIME_WAIT"));
	EXPECT_EQ(1000, argu(in, "timeout_ms"));
	out = find_ev(self->evs, n, &i, "xtcp_tw_end", cport);
	ASSERT_NE(NULL, out) TH_LOG("no xtcp_tw_end");
	EXPECT_TRUE(arg_is(out, "reason", "TIMER"));
	EXPECT_EQ(argu(in, "cookie"), argu(out, "cookie"));
	TH_LOG("TIME_WAIT lasted %.1f ms", (out->ts - in->ts) * 1000);
	EXPECT_LE(timer_earliest_ms(1000), (out->ts - in->ts) * 1000);
	EXPECT_GE(6000, (out->ts - in->ts) * 1000);
	close(l);
}

/*
 * net.xtcp.syncookies = 2: the SYN is answered with a cookie (no request:
 * xtcp_cookie_sent with the MSS rounded down to the table and window scale
 * 7), the final ACK is a valid cookie (xtcp_cookie_recv VALID, the same
 * MSS) and makes the child; a forged bare ACK to the listener is a bad or
 * stale cookie, traced as such and counted in SyncookiesFailed.
 */
TEST_F(xtr, cookies)
{
	const struct ev *e;
	int l, c, s, raw, cport, n, i = 0;
	uint16_t port = 7106;
	unsigned long long mss, lcookie;
	long failed0;

	if (!tr_inst[0])
		return;
	ASSERT_EQ(0, sysctl_set("net.xtcp.syncookies", "2"));
	ASSERT_EQ(0, enable_xtcp_events(port));
	l = xsock(&xf, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(&xf, l, "127.0.0.1", port));
	ASSERT_EQ(0, listen(l, 3));
	lcookie = so_cookie(l);
	c = xsock(&xf, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(&xf, c, "127.0.0.1", port, 20000));
	cport = local_port(c);
	ASSERT_EQ(POLLIN, poll1(l, POLLIN, 20000) & POLLIN);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	n = tr_wait(self->evs, "xtcp_child_accept", 1, 5000);

	e = find_ev(self->evs, n, &i, "xtcp_cookie_sent", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_cookie_sent for the SYN");
	EXPECT_EQ(cport, argu(e, "dport"));
	EXPECT_EQ(lcookie, argu(e, "cookie"));
	EXPECT_EQ(7, argu(e, "wscale"));
	mss = argu(e, "mss");
	/* loopback's MSS is above the table's top entry (TCP's 1460) */
	EXPECT_EQ(1460, mss);
	e = find_ev(self->evs, n, &i, "xtcp_cookie_recv", port);
	ASSERT_NE(NULL, e) TH_LOG("no xtcp_cookie_recv for the final ACK");
	EXPECT_EQ(cport, argu(e, "dport"));
	EXPECT_TRUE(arg_is(e, "result", "VALID")) TH_LOG("%s", e->args);
	EXPECT_EQ(mss, argu(e, "mss"));
	e = find_ev(self->evs, n, &i, "xtcp_child_create", port);
	EXPECT_NE(NULL, e) TH_LOG("no child after the cookie");
	close(s);
	close(c);

	/* a bare ACK no SYN-ACK of ours ever carried */
	failed0 = xtcp_snmp_get("SyncookiesFailed");
	raw = socket(AF_INET, SOCK_RAW, xf.ipproto);
	ASSERT_LE(0, raw);
	ASSERT_EQ(0, raw_send_seg(raw, "127.0.0.1", "127.0.0.1", xf.ipproto,
				  40000, port, 1000, 0x12345678, TH_ACK));
	close(raw);
	n = tr_wait(self->evs, "xtcp_cookie_recv", 2, 5000);
	i = 0;
	ASSERT_NE(NULL, find_ev(self->evs, n, &i, "xtcp_cookie_recv", port));
	e = find_ev(self->evs, n, &i, "xtcp_cookie_recv", port);
	ASSERT_NE(NULL, e) TH_LOG("the forged ACK was not checked as a cookie");
	EXPECT_EQ(40000, argu(e, "dport"));
	EXPECT_EQ(0x12345678, argu(e, "ack"));
	EXPECT_TRUE(arg_is(e, "result", "BAD") || arg_is(e, "result", "TOO_OLD"))
		TH_LOG("%s", e->args);
	EXPECT_EQ(0, argu(e, "mss"));
	EXPECT_EQ(failed0 + 1, xtcp_snmp_get("SyncookiesFailed"));
	close(l);
}

TEST_HARNESS_MAIN
