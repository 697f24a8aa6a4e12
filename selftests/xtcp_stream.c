// SPDX-License-Identifier: GPL-2.0
/*
 * Byte streams between two network namespaces over veth, same body for TCP
 * and XTCP: byte-exact bulk transfers in both directions at once (SHA-256
 * of what each side sent against what the other received, and the byte
 * counts) on a clean link and with checksum offloads off, 64 connections
 * moving data at the same time, and half-close in both directions (EOF
 * exactly after the last byte, the other way still works). The transfers
 * through netem are in xtcp_lossy.
 *
 * Sizes are the (256 MiB per direction; 1 MiB per connection for
 * 64 connections). The debug kernel (KASAN under TCG) moves data far
 * slower, so there sizes are divided by XTCP_STREAM_DIV (default 64 when
 * XTCP_KERNEL=debug, else 1; the per-connection size by at most 16); set
 * XTCP_STREAM_DIV=1 to run the full sizes anywhere. A transfer that makes
 * no progress for XFER_STALL_SEC seconds fails instead of hanging.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define NPAR		64

FIXTURE(stream) {
	struct twons t;
};

FIXTURE_VARIANT(stream) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(stream, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(stream, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(stream)
{
	int e = xfam_probe(&variant->f);

	if (e == EAFNOSUPPORT && is_xtcp(&variant->f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	ASSERT_EQ(0, twons_setup(&self->t, false));
	/* in S */
}

FIXTURE_TEARDOWN(stream)
{
}

TEST_F_TIMEOUT(stream, clean_256m, 300)
{
	xfer(_metadata, &self->t, &variant->f, 9100, 256 * MiB / xfer_div());
}

TEST_F_TIMEOUT(stream, no_offload_256m, 300)
{
	if (run("command -v ethtool >/dev/null"))
		SKIP_OUTSIDE_VM(return, "ethtool not available");
	ASSERT_EQ(0, run("ethtool -K vs rx off tx off >/dev/null"));
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, run("ethtool -K vc rx off tx off >/dev/null"));
	xfer(_metadata, &self->t, &variant->f, 9101, 256 * MiB / xfer_div());
}

/* One endpoint of one of the NPAR connections, driven by a poll loop. */
struct ep {
	int fd;
	int peer_port;		/* to pair C's and S's ends */
	uint64_t st;		/* pattern state of what it sends */
	long left;		/* bytes still to send */
	long rx;		/* bytes received */
	bool wdone, eof;
	int err;
	struct sha256 tx, rxh;
	char txhex[65], rxhex[65];
};

static void ep_init(struct ep *e, int fd, uint64_t seed, long size)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->st = seed;
	e->left = size;
	sha256_init(&e->tx);
	sha256_init(&e->rxh);
	set_nonblock(fd, true);
}

/* Move what can move without blocking; false once the endpoint is done. */
static bool ep_step(struct ep *e, short revents)
{
	char buf[16384];
	ssize_t r;

	if (e->err || (e->wdone && e->eof))
		return false;
	if ((revents & (POLLOUT | POLLERR | POLLHUP)) && !e->wdone) {
		size_t n = e->left < (long)sizeof(buf) ? e->left : sizeof(buf);
		uint64_t st = e->st;

		pat_fill(&st, buf, n);
		r = send(e->fd, buf, n, MSG_NOSIGNAL);
		if (r < 0 && errno != EAGAIN) {
			e->err = errno;
			return false;
		}
		if (r > 0) {
			/* advance the pattern by what was taken: same bytes */
			pat_fill(&e->st, buf, r);
			sha256_update(&e->tx, buf, r);
			e->left -= r;
		}
		if (!e->left) {
			if (shutdown(e->fd, SHUT_WR))
				e->err = errno;
			e->wdone = true;
		}
	}
	if ((revents & (POLLIN | POLLERR | POLLHUP)) && !e->eof) {
		r = recv(e->fd, buf, sizeof(buf), 0);
		if (r < 0 && errno != EAGAIN) {
			e->err = errno;
			return false;
		}
		if (r == 0)
			e->eof = true;
		if (r > 0) {
			sha256_update(&e->rxh, buf, r);
			e->rx += r;
		}
	}
	return !e->err && !(e->wdone && e->eof);
}

TEST_F_TIMEOUT(stream, parallel_64x1m, 300)
{
	const struct xfam *f = &variant->f;
	long size = MiB / (xfer_div() > 16 ? 16 : xfer_div());	/* >= 64 KiB */
	struct ep *ep = calloc(2 * NPAR, sizeof(*ep));
	struct pollfd pfd[2 * NPAR];
	int l, i, j, live, stalled = 0;
	double t0 = now_s();

	ASSERT_NE(NULL, ep);
	raise_nofile(1024);
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, NS_S_ADDR, 9110));
	ASSERT_EQ(0, listen(l, 2 * NPAR));
	ASSERT_EQ(0, ns_enter(self->t.c));
	for (i = 0; i < NPAR; i++) {
		int c = xsock(f, SOCK_NONBLOCK);
		int e;

		ASSERT_LE(0, c);
		e = xconnect(f, c, NS_S_ADDR, 9110);
		ASSERT_TRUE(e == 0 || e == EINPROGRESS) TH_LOG("connect %d: %s", i,
							       strerror(e));
		ep[i].fd = c;
	}
	ASSERT_EQ(0, ns_enter(self->t.s));
	for (i = 0; i < NPAR; i++) {
		int s;

		ASSERT_TRUE(poll1(l, POLLIN, 20000) & POLLIN)
			TH_LOG("accepted %d of %d", i, NPAR);
		s = accept(l, NULL, NULL);
		ASSERT_LE(0, s);
		ep_init(&ep[NPAR + i], s, 0, size);
		ep[NPAR + i].peer_port = 0;
		{
			struct sockaddr_in a;
			socklen_t len = sizeof(a);

			ASSERT_EQ(0, getpeername(s, (struct sockaddr *)&a, &len));
			ep[NPAR + i].peer_port = ntohs(a.sin_port);
			ep[NPAR + i].st = 0xabcdef + ep[NPAR + i].peer_port;
		}
	}
	for (i = 0; i < NPAR; i++) {
		int c = ep[i].fd;

		ASSERT_TRUE(poll1(c, POLLOUT, 20000) & POLLOUT);
		ASSERT_EQ(0, so_error(c));
		ep_init(&ep[i], c, 0x123456 + local_port(c), size);
		ep[i].peer_port = local_port(c);
	}

	for (;;) {
		live = 0;
		for (i = 0; i < 2 * NPAR; i++) {
			pfd[i].fd = -1;
			pfd[i].events = 0;
			pfd[i].revents = 0;
			if (ep[i].err || (ep[i].wdone && ep[i].eof))
				continue;
			pfd[i].fd = ep[i].fd;
			pfd[i].events = (ep[i].wdone ? 0 : POLLOUT) |
					(ep[i].eof ? 0 : POLLIN);
			live++;
		}
		if (!live)
			break;
		j = poll(pfd, 2 * NPAR, 1000);
		if (j < 0 && errno == EINTR)
			continue;
		ASSERT_LE(0, j);
		if (!j) {
			if (++stalled >= XFER_STALL_SEC)
				break;
			continue;
		}
		stalled = 0;
		for (i = 0; i < 2 * NPAR; i++)
			if (pfd[i].fd >= 0 && pfd[i].revents)
				ep_step(&ep[i], pfd[i].revents);
	}
	TH_LOG("%s: %d connections x %ld KiB each way in %.1f s", f->name, NPAR,
	       size / 1024, now_s() - t0);
	EXPECT_EQ(0, live) TH_LOG("%d endpoints made no progress for %d s",
				  live, XFER_STALL_SEC);

	for (i = 0; i < 2 * NPAR; i++) {
		sha256_hex(&ep[i].tx, ep[i].txhex);
		sha256_hex(&ep[i].rxh, ep[i].rxhex);
	}
	for (i = 0; i < NPAR; i++) {
		struct ep *c = &ep[i], *s = NULL;

		for (j = NPAR; j < 2 * NPAR; j++)
			if (ep[j].peer_port == c->peer_port)
				s = &ep[j];
		ASSERT_NE(NULL, s) TH_LOG("no server end for port %d", c->peer_port);
		EXPECT_EQ(0, c->err) TH_LOG("conn %d C: %s", i, strerror(c->err));
		EXPECT_EQ(0, s->err) TH_LOG("conn %d S: %s", i, strerror(s->err));
		EXPECT_EQ(0, c->left);
		EXPECT_EQ(0, s->left);
		EXPECT_EQ(size, c->rx);
		EXPECT_EQ(size, s->rx);
		EXPECT_TRUE(c->eof && s->eof);
		EXPECT_STREQ(c->txhex, s->rxhex) TH_LOG("conn %d C->S differs", i);
		EXPECT_STREQ(s->txhex, c->rxhex) TH_LOG("conn %d S->C differs", i);
	}
	for (i = 0; i < 2 * NPAR; i++)
		close(ep[i].fd);
	close(l);
	free(ep);
}

static long send_all(int fd, const char *buf, long len)
{
	long done = 0;
	ssize_t r;

	while (done < len) {
		r = send(fd, buf + done, len - done, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return done ? done : -1;
		done += r;
	}
	return done;
}

/*
 * a sends len bytes and shuts its sending side; b (reading all along)
 * gets exactly those bytes and then EOF, again and again. b can still send
 * len2 bytes and close, and a reads them and then EOF. a's send after
 * SHUT_WR is EPIPE. Readers run in threads, so no socket buffer size
 * matters.
 */
static void half_close(struct __test_metadata *_metadata, int a, int b,
		       long len, long len2)
{
	struct xfer_half rb = { .fd = b }, ra = { .fd = a };
	char *out = malloc(len > len2 ? len : len2);
	char hex[65], c;
	struct sha256 sh;
	uint64_t st = 42;
	pthread_t th;

	ASSERT_NE(NULL, out);
	pat_fill(&st, out, len);
	ASSERT_EQ(0, pthread_create(&th, NULL, xfer_receiver, &rb));
	EXPECT_EQ(len, send_all(a, out, len));
	EXPECT_EQ(0, shutdown(a, SHUT_WR));
	pthread_join(th, NULL);
	EXPECT_EQ(-1, send(a, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	sha256_init(&sh);
	sha256_update(&sh, out, len);
	sha256_hex(&sh, hex);
	EXPECT_EQ(0, rb.err) TH_LOG("recv: %s", strerror(rb.err));
	EXPECT_EQ(len, rb.bytes);
	EXPECT_TRUE(rb.eof);
	EXPECT_STREQ(hex, rb.hex);
	/* EOF right after the last byte, and it stays EOF */
	EXPECT_EQ(0, recv(b, &c, 1, 0));
	EXPECT_EQ(0, recv(b, &c, 1, MSG_DONTWAIT));
	EXPECT_TRUE(poll1(b, POLLIN | POLLRDHUP, 0) & POLLRDHUP);
	EXPECT_EQ(0, poll1(a, POLLRDHUP, 0) & POLLRDHUP);

	/* the other direction still carries data, then b closes */
	pat_fill(&st, out, len2);
	ASSERT_EQ(0, pthread_create(&th, NULL, xfer_receiver, &ra));
	EXPECT_EQ(len2, send_all(b, out, len2));
	EXPECT_EQ(0, close(b));
	pthread_join(th, NULL);
	sha256_init(&sh);
	sha256_update(&sh, out, len2);
	sha256_hex(&sh, hex);
	EXPECT_EQ(0, ra.err) TH_LOG("recv: %s", strerror(ra.err));
	EXPECT_EQ(len2, ra.bytes);
	EXPECT_TRUE(ra.eof);
	EXPECT_STREQ(hex, ra.hex);
	EXPECT_EQ(0, recv(a, &c, 1, 0));
	free(out);
}

/* The connecting end shuts first on one connection, the accepted on another. */
TEST_F_TIMEOUT(stream, half_close, 180)
{
	int s, c;

	ASSERT_EQ(0, xfer_pair(&variant->f, &self->t, 9120, &s, &c));
	half_close(_metadata, c, s, 300000, 500000);
	close(c);
	ASSERT_EQ(0, xfer_pair(&variant->f, &self->t, 9121, &s, &c));
	half_close(_metadata, s, c, 500000, 300000);
	close(s);
}

TEST_HARNESS_MAIN
