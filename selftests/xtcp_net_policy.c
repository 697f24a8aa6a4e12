// SPDX-License-Identifier: GPL-2.0
/*
 * Input policy, same body for TCP and XTCP: a socket filter that drops
 * everything (SO_ATTACH_FILTER) keeps data from the socket and a listener
 * from answering; an IPsec policy requiring ESP refuses plaintext
 * (skipped where the kernel has no XFRM).
 */
#include <linux/filter.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

FIXTURE(policy) {
};

FIXTURE_VARIANT(policy) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(policy, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(policy, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(policy)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
}

FIXTURE_TEARDOWN(policy)
{
}

static int drop_all(int fd)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

TEST_F(policy, filter_drops_data)
{
	char buf[100] = { 0 };
	int s, c, inq = -1;

	ASSERT_EQ(0, lo_pair(&variant->f, 7001, &s, &c));
	ASSERT_EQ(0, drop_all(s));
	ASSERT_EQ(100, send(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, poll1(s, POLLIN, 500) & POLLIN);
	ASSERT_EQ(0, ioctl(s, SIOCINQ, &inq));
	EXPECT_EQ(0, inq);
	/* Detached: the retransmission gets through. */
	ASSERT_EQ(0, setint(s, SOL_SOCKET, SO_DETACH_FILTER, 0));
	EXPECT_TRUE(poll1(s, POLLIN, 10000) & POLLIN);
	EXPECT_EQ(100, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	close(s);
	close(c);
}

TEST_F(policy, filter_on_listener)
{
	const struct xfam *f = &variant->f;
	int l = xsock(f, 0), c;

	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, "127.0.0.1", 7002));
	ASSERT_EQ(0, drop_all(l));
	ASSERT_EQ(0, listen(l, 4));
	c = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	EXPECT_EQ(EINPROGRESS, xconnect(f, c, "127.0.0.1", 7002));
	/* The SYN never reaches the listener: no SYN-ACK, no child. */
	EXPECT_EQ(0, poll1(c, POLLOUT, 500) & POLLOUT);
	EXPECT_EQ(0, poll1(l, POLLIN, 0) & POLLIN);
	close(c);
	close(l);
}

TEST_F_TIMEOUT(policy, esp_required, 60)
{
	const struct xfam *f = &variant->f;
	struct twons t;
	int l, c;

	ASSERT_EQ(0, twons_setup(&t, false));
	/* in S: inbound traffic of this protocol from C must be ESP */
	if (run("ip xfrm policy add dir in src " NS_C_ADDR " dst " NS_S_ADDR
		" proto %d tmpl proto esp mode transport level required"
		" 2>/dev/null", f->ipproto))
		SKIP(return, "no XFRM in this kernel");
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, NS_S_ADDR, 7003));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, ns_enter(t.c));
	c = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	EXPECT_EQ(EINPROGRESS, xconnect(f, c, NS_S_ADDR, 7003));
	/* Plaintext SYNs are dropped by policy: nothing comes back. */
	EXPECT_EQ(0, poll1(c, POLLOUT, 1500) & POLLOUT);
	EXPECT_EQ(0, poll1(l, POLLIN, 0) & POLLIN);
	close(c);
	close(l);
}

TEST_HARNESS_MAIN
