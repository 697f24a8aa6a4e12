// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded multi-threaded stress, TCP's answer being the expected one (run on
 * SMP: the test VMs have 2 vCPUs, so lockdep and KASAN see real races):
 *
 * - accept_churn: client threads connect, exchange an echo and close, while
 *   two threads accept from the same listener; every connection must be
 *   accepted, echoed and see EOF exactly once.
 * - listener_close_in_flight: a listener is closed while SYNs and final
 *   ACKs are arriving; every client must end (connected then reset or EOF,
 *   or refused/reset) within a bound, none may stay half-open.
 * - reuseport_churn: a SO_REUSEPORT group loses and regains a member while
 *   clients connect; connects succeed or are reset/refused, nothing else.
 * - netns_kill_traffic: a process streaming over loopback inside its own
 *   netns is killed mid-transfer; every such namespace must be freed.
 *
 * Sizes are small on the debug kernel (KASAN under TCG) and larger on the
 * stock one; each case is bounded well under 60 s on debug.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define LO	"127.0.0.1"

static bool on_debug(void)
{
	const char *k = getenv("XTCP_KERNEL");

	return k && !strcmp(k, "debug");
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_VARIANT(stress) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(stress, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(stress, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(stress)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
	ASSERT_EQ(0, lo_up());
}

FIXTURE_TEARDOWN(stress)
{
}

/* Established sockets on @port settle to zero once everything is closed. */
static int settle_estab(const struct xfam *f, int port, int secs)
{
	double end = now_s() + secs;
	int n;

	do {
		n = proc_count(f, ST_ESTABLISHED, port, NULL);
		if (n <= 0)
			return n;
		sleep_ms(50);
	} while (now_s() < end);
	return n;
}

/* ---- accept_churn ------------------------------------------------------ */

#define MSG_LEN	64

struct churn {
	const struct xfam *f;
	int l, port, per_client, total;
	atomic_int connected, accepted, echoed, eofs, bad, stop;
	atomic_int first_err;
};

static void note_err(struct churn *c, int err)
{
	int zero = 0;

	atomic_fetch_add(&c->bad, 1);
	atomic_compare_exchange_strong(&c->first_err, &zero, err ? err : -1);
}

static void *churn_client(void *arg)
{
	struct churn *c = arg;
	char out[MSG_LEN], in[MSG_LEN];
	int i, fd, err;

	for (i = 0; i < c->per_client && !c->stop; i++) {
		fd = xsock(c->f, 0);
		if (fd < 0) {
			note_err(c, errno);
			continue;
		}
		err = connect_wait(c->f, fd, LO, c->port, 20000);
		if (err) {
			note_err(c, err);
			close(fd);
			continue;
		}
		atomic_fetch_add(&c->connected, 1);
		xfer_timeouts(fd, 20);
		memset(out, 'a' + i % 26, sizeof(out));
		if (send(fd, out, sizeof(out), 0) != sizeof(out) ||
		    recv(fd, in, sizeof(in), MSG_WAITALL) != sizeof(in) ||
		    memcmp(in, out, sizeof(in)))
			note_err(c, errno);
		else
			atomic_fetch_add(&c->echoed, 1);
		close(fd);
	}
	return NULL;
}

static void *churn_acceptor(void *arg)
{
	struct churn *c = arg;
	char buf[MSG_LEN];
	double end = now_s() + 90;
	int s;

	while (!c->stop && c->accepted < c->total && now_s() < end) {
		if (!(poll1(c->l, POLLIN, 100) & POLLIN))
			continue;
		s = accept(c->l, NULL, NULL);
		if (s < 0) {
			if (errno != EAGAIN)
				note_err(c, errno);
			continue;
		}
		atomic_fetch_add(&c->accepted, 1);
		xfer_timeouts(s, 20);
		if (recv(s, buf, sizeof(buf), MSG_WAITALL) != sizeof(buf) ||
		    send(s, buf, sizeof(buf), 0) != sizeof(buf))
			note_err(c, errno);
		else if (recv(s, buf, 1, 0) == 0)
			atomic_fetch_add(&c->eofs, 1);
		else
			note_err(c, errno);
		close(s);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, accept_churn, 180)
{
	const struct xfam *f = &variant->f;
	struct churn c = { .f = f, .port = 7400 };
	pthread_t cl[4], ac[2];
	int i;

	c.per_client = on_debug() ? 20 : 250;
	c.total = c.per_client * 4;
	c.l = xsock(f, 0);
	ASSERT_LE(0, c.l);
	ASSERT_EQ(0, xbind(f, c.l, LO, c.port));
	ASSERT_EQ(0, listen(c.l, 128));
	/* two acceptors race for each connection: a loser gets EAGAIN */
	ASSERT_EQ(0, set_nonblock(c.l, true));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&ac[i], NULL, churn_acceptor, &c));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&cl[i], NULL, churn_client, &c));
	for (i = 0; i < 4; i++)
		pthread_join(cl[i], NULL);
	for (i = 0; i < 2; i++)
		pthread_join(ac[i], NULL);
	close(c.l);

	EXPECT_EQ(0, c.bad) TH_LOG("%d failures, first errno %d", c.bad,
				   c.first_err);
	EXPECT_EQ(c.total, c.connected);
	EXPECT_EQ(c.total, c.accepted);
	EXPECT_EQ(c.total, c.echoed);
	EXPECT_EQ(c.total, c.eofs);
	EXPECT_EQ(0, settle_estab(f, c.port, 20));
}

/* ---- listener_close_in_flight ----------------------------------------- */

#define INFLIGHT_THREADS	4
#define INFLIGHT_PER		8

struct inflight {
	const struct xfam *f;
	int port;
	int fds[INFLIGHT_THREADS][INFLIGHT_PER];
	atomic_int go;
};

static void *inflight_client(void *arg)
{
	struct inflight *in = ((void **)arg)[0];
	int t = (int)(long)((void **)arg)[1];
	int i, fd;

	while (!in->go)
		;
	for (i = 0; i < INFLIGHT_PER; i++) {
		fd = xsock(in->f, SOCK_NONBLOCK);
		in->fds[t][i] = fd;
		if (fd >= 0)
			xconnect(in->f, fd, LO, in->port);
	}
	return NULL;
}

/*
 * How one client ended: 0 connected and then reset or EOF (its child was
 * dropped with the listener), else the connect's errno; -ETIME if it did
 * not end within the bound. A TCP listener closing drops its half-open
 * requests silently (inet_csk_listen_stop()), so a TCP client whose final
 * ACK met no listener any more stays established until it sends: it sends
 * a byte, which the port without a socket answers with an RST. XTCP resets
 * those peers at the close (Documentation/design.rst), so its clients must
 * end without sending.
 */
static int inflight_outcome(const struct xfam *f, int fd)
{
	int err, rev;
	char b;

	rev = poll1(fd, POLLOUT, 15000);
	if (rev <= 0)
		return -ETIME;
	err = so_error(fd);
	if (err)
		return err;
	if (!is_xtcp(f))
		send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	rev = poll1(fd, POLLIN, 15000);
	if (rev <= 0)
		return -ETIME;
	if (recv(fd, &b, 1, MSG_DONTWAIT) == 0)
		return 0;
	return errno == ECONNRESET ? 0 : -errno;
}

TEST_F_TIMEOUT(stress, listener_close_in_flight, 180)
{
	const struct xfam *f = &variant->f;
	int rounds = on_debug() ? 6 : 30;
	int r, t, i, l, out, refused = 0, dropped = 0;
	pthread_t th[INFLIGHT_THREADS];
	void *args[INFLIGHT_THREADS][2];
	struct inflight in = { .f = f, .port = 7410 };

	for (r = 0; r < rounds; r++) {
		l = xsock(f, 0);
		ASSERT_LE(0, l);
		ASSERT_EQ(0, setint(l, SOL_SOCKET, SO_REUSEADDR, 1));
		ASSERT_EQ(0, xbind(f, l, LO, in.port));
		ASSERT_EQ(0, listen(l, 64));
		in.go = 0;
		for (t = 0; t < INFLIGHT_THREADS; t++) {
			args[t][0] = &in;
			args[t][1] = (void *)(long)t;
			ASSERT_EQ(0, pthread_create(&th[t], NULL,
						    inflight_client, args[t]));
		}
		in.go = 1;
		/*
		 * Close once the first child is queued, while the rest of the
		 * burst's SYNs and final ACKs are arriving.
		 */
		ASSERT_TRUE(poll1(l, POLLIN, 20000) & POLLIN)
			TH_LOG("round %d: no connection completed", r);
		sleep_ms(r % 4);
		close(l);
		for (t = 0; t < INFLIGHT_THREADS; t++)
			pthread_join(th[t], NULL);
		for (t = 0; t < INFLIGHT_THREADS; t++) {
			for (i = 0; i < INFLIGHT_PER; i++) {
				ASSERT_LE(0, in.fds[t][i]);
				out = inflight_outcome(f, in.fds[t][i]);
				/*
				 * Connected and reset (or EOF, or EPIPE: a FIN
				 * then an RST, tcp_reset() in CLOSE_WAIT),
				 * refused (the SYN came after the close) or
				 * reset during the handshake: anything else,
				 * and any client still pending after 15 s, is
				 * a failure.
				 */
				EXPECT_TRUE(out == 0 || out == ECONNREFUSED ||
					    out == ECONNRESET || out == EPIPE)
					TH_LOG("round %d client %d.%d: %d (%s)",
					       r, t, i, out, strerror(abs(out)));
				if (out == ECONNREFUSED)
					refused++;
				else
					dropped++;
				close(in.fds[t][i]);
			}
		}
	}
	TH_LOG("%d connected or reset, %d refused", dropped, refused);
	/* at least the child queued in each round was reset */
	EXPECT_LE(rounds, dropped);
	EXPECT_EQ(0, settle_estab(f, in.port, 20));
	EXPECT_EQ(0, proc_count(f, ST_SYN_SENT, 0, NULL));
}

/* ---- reuseport_churn -------------------------------------------------- */

struct rp {
	const struct xfam *f;
	int port, stable[2];
	atomic_int stop, ok, reset, refused, other, other_err;
};

static int rp_listener(const struct xfam *f, int port)
{
	int l = xsock(f, SOCK_NONBLOCK);

	if (l < 0)
		return -1;
	if (setint(l, SOL_SOCKET, SO_REUSEPORT, 1) ||
	    xbind(f, l, LO, port) || listen(l, 64)) {
		close(l);
		return -1;
	}
	return l;
}

static void drain(int l)
{
	int s;

	while ((s = accept(l, NULL, NULL)) >= 0)
		close(s);
}

static void *rp_acceptor(void *arg)
{
	struct rp *p = arg;
	struct pollfd pfd[2] = {
		{ .fd = p->stable[0], .events = POLLIN },
		{ .fd = p->stable[1], .events = POLLIN },
	};

	while (!p->stop) {
		if (poll(pfd, 2, 50) <= 0)
			continue;
		drain(p->stable[0]);
		drain(p->stable[1]);
	}
	return NULL;
}

static void *rp_churner(void *arg)
{
	struct rp *p = arg;
	int l;

	while (!p->stop) {
		l = rp_listener(p->f, p->port);
		if (l < 0) {
			atomic_fetch_add(&p->other, 1);
			atomic_store(&p->other_err, errno);
			break;
		}
		sleep_ms(20);
		drain(l);
		close(l);
		sleep_ms(5);
	}
	return NULL;
}

static void *rp_client(void *arg)
{
	struct rp *p = arg;
	int i, fd, err, n = on_debug() ? 40 : 400;

	for (i = 0; i < n; i++) {
		fd = xsock(p->f, 0);
		if (fd < 0) {
			atomic_fetch_add(&p->other, 1);
			continue;
		}
		err = connect_wait(p->f, fd, LO, p->port, 20000);
		if (!err) {
			atomic_fetch_add(&p->ok, 1);
		} else if (err == ECONNRESET) {
			atomic_fetch_add(&p->reset, 1);
		} else if (err == ECONNREFUSED) {
			atomic_fetch_add(&p->refused, 1);
		} else {
			atomic_fetch_add(&p->other, 1);
			atomic_store(&p->other_err, err);
		}
		close(fd);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, reuseport_churn, 180)
{
	const struct xfam *f = &variant->f;
	struct rp p = { .f = f, .port = 7420 };
	pthread_t acc, churn, cl[2];
	int i, total;

	if (reuseport_refused(_metadata, f))
		SKIP(return, NO_REUSEPORT_WHY);
	for (i = 0; i < 2; i++) {
		p.stable[i] = rp_listener(f, p.port);
		ASSERT_LE(0, p.stable[i]) TH_LOG("listener %d: %s", i,
						 strerror(errno));
	}
	ASSERT_EQ(0, pthread_create(&acc, NULL, rp_acceptor, &p));
	ASSERT_EQ(0, pthread_create(&churn, NULL, rp_churner, &p));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&cl[i], NULL, rp_client, &p));
	for (i = 0; i < 2; i++)
		pthread_join(cl[i], NULL);
	p.stop = 1;
	pthread_join(churn, NULL);
	pthread_join(acc, NULL);
	close(p.stable[0]);
	close(p.stable[1]);

	total = 2 * (on_debug() ? 40 : 400);
	TH_LOG("%d ok, %d reset, %d refused", p.ok, p.reset, p.refused);
	EXPECT_EQ(0, p.other) TH_LOG("unexpected outcome, errno %d",
				     p.other_err);
	EXPECT_EQ(total, p.ok + p.reset + p.refused + p.other);
	/*
	 * Two members never leave the group, so a SYN always finds a
	 * listener: refusals are impossible. A reset hits only connections
	 * that a closing member had queued and never accepted; connect()
	 * has usually returned by then, so they are a small minority.
	 */
	EXPECT_EQ(0, p.refused);
	EXPECT_LE(total / 2, p.ok);
	EXPECT_EQ(0, settle_estab(f, p.port, 20));
}

/* ---- netns_kill_traffic ----------------------------------------------- */

/* Live struct net objects (slab_nomerge keeps the cache apart), or -1. */
static long netns_objects(void)
{
	char line[512], name[64];
	long n = -1, active;
	FILE *fp;

	/* free objects in per-CPU slabs count as active until flushed */
	write_file("/sys/kernel/slab/net_namespace/shrink", "1");
	fp = fopen("/proc/slabinfo", "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%63s %ld", name, &active) == 2 &&
		    !strcmp(name, "net_namespace"))
			n = active;
	fclose(fp);
	return n;
}

struct pump {
	int fd;
	bool send;
};

static void *pump(void *arg)
{
	struct pump *p = arg;
	static char buf[XFER_CHUNK];

	for (;;) {
		if (p->send ? send(p->fd, buf, sizeof(buf), 0) < 0 :
			      recv(p->fd, buf, sizeof(buf), 0) <= 0)
			break;
	}
	return NULL;
}

/* In a fresh netns: 4 connections streaming both ways until killed. */
static void netns_traffic_child(const struct xfam *f, int ready_fd)
{
	struct pump pumps[16];
	pthread_t th[16];
	int i, n = 0, s = -1, c = -1;

	if (unshare(CLONE_NEWNET) || lo_up())
		_exit(2);
	for (i = 0; i < 4; i++) {
		if (lo_pair(f, 7430 + i, &s, &c))
			_exit(3);
		pumps[n++] = (struct pump){ c, true };
		pumps[n++] = (struct pump){ s, false };
		pumps[n++] = (struct pump){ s, true };
		pumps[n++] = (struct pump){ c, false };
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, pump, &pumps[i]))
			_exit(4);
	if (write(ready_fd, "r", 1) != 1)
		_exit(5);
	pause();
	_exit(0);
}

TEST_F_TIMEOUT(stress, netns_kill_traffic, 180)
{
	const struct xfam *f = &variant->f;
	int rounds = on_debug() ? 4 : 16;
	long base, n = -1;
	int r, pfd[2], st;
	double end;
	pid_t pid;
	char b;

	/*
	 * Namespaces of earlier tests may still be on their way out: the
	 * baseline is the lowest count over a second, and the end count must
	 * not be above it.
	 */
	base = netns_objects();
	for (r = 0; r < 10 && base >= 0; r++) {
		sleep_ms(100);
		n = netns_objects();
		if (n < base)
			base = n;
	}
	if (base < 0 && !xtcp_in_vm())
		SKIP(return, "no net_namespace slab in /proc/slabinfo");
	ASSERT_LE(0, base) TH_LOG("no net_namespace slab (boot with slab_nomerge)");
	for (r = 0; r < rounds; r++) {
		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(pfd[0]);
			netns_traffic_child(f, pfd[1]);
		}
		close(pfd[1]);
		ASSERT_EQ(1, read(pfd[0], &b, 1)) TH_LOG("round %d: child failed", r);
		close(pfd[0]);
		/* let data flow, then kill it mid-stream */
		sleep_ms(200 + 50 * r);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
	}
	/* Every namespace must be freed once its orphans are gone. */
	end = now_s() + 60;
	while (now_s() < end) {
		n = netns_objects();
		if (n <= base)
			break;
		sleep_ms(200);
	}
	EXPECT_GE(base, n) TH_LOG("%ld of %d killed namespaces still alive",
				  n - base, rounds);
}

TEST_HARNESS_MAIN
