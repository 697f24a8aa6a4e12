// SPDX-License-Identifier: GPL-2.0
/*
 * Two network namespaces joined by veth, same body for TCP and XTCP:
 * connect/accept across them (addresses and source selection by the
 * kernel's route lookup, also through a gateway route and with checksum
 * offloads off), refused across the wire, and the same port in both
 * namespaces without either seeing the other's sockets unless routed.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

FIXTURE(ns) {
	struct twons t;
};

FIXTURE_VARIANT(ns) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(ns, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(ns, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(ns)
{
	int e = xfam_probe(&variant->f);

	if (e == EAFNOSUPPORT && is_xtcp(&variant->f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	ASSERT_EQ(0, twons_setup(&self->t, false));
}

FIXTURE_TEARDOWN(ns)
{
}

static int listener(const struct xfam *f, const char *ip, uint16_t port)
{
	int fd = xsock(f, 0);

	if (fd < 0)
		return -1;
	if (xbind(f, fd, ip, port) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int try_accept(int l, int timeout_ms)
{
	if (!(poll1(l, POLLIN, timeout_ms) & POLLIN))
		return -1;
	return accept4(l, NULL, NULL, SOCK_NONBLOCK);
}

static void check_names(struct __test_metadata *_metadata,
			const struct xfam *f, int fd, const char *local,
			const char *peer, int peer_port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	uint32_t want;

	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(f->family, a.sin_family);
	inet_pton(AF_INET, local, &want);
	EXPECT_EQ(want, a.sin_addr.s_addr) TH_LOG("local %s, want %s",
						  inet_ntoa(a.sin_addr), local);
	len = sizeof(a);
	ASSERT_EQ(0, getpeername(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(f->family, a.sin_family);
	inet_pton(AF_INET, peer, &want);
	EXPECT_EQ(want, a.sin_addr.s_addr) TH_LOG("peer %s, want %s",
						  inet_ntoa(a.sin_addr), peer);
	if (peer_port)
		EXPECT_EQ(htons(peer_port), a.sin_port);
}

static void cross(struct __test_metadata *_metadata, struct _test_data_ns *self,
		  const struct xfam *f, const char *dst, uint16_t port)
{
	int l, c, s, n;

	ASSERT_EQ(0, ns_enter(self->t.s));
	l = listener(f, "0.0.0.0", port);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, ns_enter(self->t.c));
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(f, c, dst, port, 20000));
	/* unbound client: the route picks vc's address as source */
	check_names(_metadata, f, c, NS_C_ADDR, dst, port);
	/* the client's view lives in C */
	n = proc_count(f, ST_ESTABLISHED, 0, NULL);
	EXPECT_EQ(1, n);

	s = try_accept(l, 20000);
	ASSERT_LE(0, s) TH_LOG("nothing to accept in S");
	check_names(_metadata, f, s, dst, NS_C_ADDR, local_port(c));
	ASSERT_EQ(0, ns_enter(self->t.s));
	EXPECT_EQ(1, proc_count(f, ST_ESTABLISHED, port, NULL));
	EXPECT_EQ(1, proc_count(f, ST_LISTEN, port, NULL));
	close(s);
	close(c);
	close(l);
}

TEST_F_TIMEOUT(ns, cross_veth, 120)
{
	cross(_metadata, self, &variant->f, NS_S_ADDR, 8000);
}

/* Through a gateway route: S owns 10.1.0.1 on lo, C routes 10.1/24 via S. */
TEST_F_TIMEOUT(ns, cross_gateway, 120)
{
	ASSERT_EQ(0, run("ip addr add 10.1.0.1/32 dev lo"));
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, run("ip route add 10.1.0.0/24 via " NS_S_ADDR));
	cross(_metadata, self, &variant->f, "10.1.0.1", 8010);
}

/* Software checksums both ways (veth otherwise skips verification). */
TEST_F_TIMEOUT(ns, cross_veth_no_offload, 120)
{
	if (run("command -v ethtool >/dev/null"))
		SKIP_OUTSIDE_VM(return, "ethtool not available");
	ASSERT_EQ(0, run("ethtool -K vs rx off tx off >/dev/null"));
	ASSERT_EQ(0, ns_enter(self->t.c));
	ASSERT_EQ(0, run("ethtool -K vc rx off tx off >/dev/null"));
	cross(_metadata, self, &variant->f, NS_S_ADDR, 8020);
}

TEST_F_TIMEOUT(ns, refused_across, 120)
{
	const struct xfam *f = &variant->f;
	int c;

	ASSERT_EQ(0, ns_enter(self->t.c));
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(ECONNREFUSED, connect_wait(f, c, NS_S_ADDR, 8030, 20000));
	close(c);
}

/*
 * The same port bound and listened on in both namespaces; loopback traffic
 * stays in its namespace, and only routed traffic crosses to the other.
 */
TEST_F_TIMEOUT(ns, same_port_two_ns, 120)
{
	const struct xfam *f = &variant->f;
	int ls, lc, bs, bc, c, s;

	ASSERT_EQ(0, ns_enter(self->t.s));
	ls = listener(f, "0.0.0.0", 8040);
	ASSERT_LE(0, ls);
	bs = xsock(f, 0);
	ASSERT_LE(0, bs);
	ASSERT_EQ(0, xbind(f, bs, "127.0.0.1", 8041));

	ASSERT_EQ(0, ns_enter(self->t.c));
	lc = listener(f, "0.0.0.0", 8040);
	ASSERT_LE(0, lc) TH_LOG("same port in the other netns: %s", strerror(errno));
	bc = xsock(f, 0);
	ASSERT_LE(0, bc);
	EXPECT_EQ(0, xbind(f, bc, "127.0.0.1", 8041));

	/* C's loopback reaches C's listener only */
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(f, c, "127.0.0.1", 8040, 20000));
	s = try_accept(lc, 10000);
	EXPECT_LE(0, s);
	close(s);
	EXPECT_EQ(-1, try_accept(ls, 300));
	close(c);

	/* routed to S's address: S's listener */
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(f, c, NS_S_ADDR, 8040, 20000));
	s = try_accept(ls, 10000);
	EXPECT_LE(0, s);
	close(s);
	EXPECT_EQ(-1, try_accept(lc, 300));
	close(c);

	/* S's loopback reaches S's listener only */
	ASSERT_EQ(0, ns_enter(self->t.s));
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect_wait(f, c, "127.0.0.1", 8040, 20000));
	s = try_accept(ls, 10000);
	EXPECT_LE(0, s);
	close(s);
	EXPECT_EQ(-1, try_accept(lc, 300));
	close(c);

	/* a port bound in C is not in use in S: nothing listens there */
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(ECONNREFUSED, connect_wait(f, c, NS_C_ADDR, 8041, 20000));
	close(c);

	close(bs);
	close(bc);
	close(ls);
	close(lc);
}

TEST_HARNESS_MAIN
