// SPDX-License-Identifier: GPL-2.0
/*
 * socket() for AF_XTCP: the argument matrix (inet_create's rules), socket
 * flags, what an unconnected socket reports, and many sockets created and
 * closed without leaking (the per-netns "sockets: used" count returns to
 * its baseline; kmemleak is checked by the VM runner).
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

/*
 * SKIP the test when AF_XTCP is not registered. Returns true when the test
 * was SKIPped; the caller then returns at once. A failed ASSERT longjmp()s
 * out of the test as it would from the caller.
 */
static bool skip_if_no_xtcp(struct __test_metadata *_metadata)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);

	if (fd < 0 && errno == EAFNOSUPPORT)
		SKIP_OUTSIDE_VM(return true, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_LE(0, fd) TH_LOG("socket(AF_XTCP): %s", strerror(errno));
	close(fd);
	return false;
}

struct sock_case {
	int type;
	int protocol;
	int err;	/* expected errno, 0 = success */
};

/*
 * The rules of inet_create(): the type is looked up first (no entry for it:
 * ESOCKTNOSUPPORT, whatever the protocol), then the protocol (0 or the
 * family's own protocol, or IPPROTO_TCP as an alias so a TCP program needs
 * only its family changed; anything else: EPROTONOSUPPORT).
 */
static const struct sock_case matrix[] = {
	{ SOCK_STREAM,		0,		0 },
	{ SOCK_STREAM,		IPPROTO_XTCP,	0 },
	{ SOCK_STREAM,		IPPROTO_TCP,	0 },
	{ SOCK_STREAM,		IPPROTO_UDP,	EPROTONOSUPPORT },
	{ SOCK_STREAM,		IPPROTO_SCTP,	EPROTONOSUPPORT },
	{ SOCK_STREAM,		IPPROTO_RAW,	EPROTONOSUPPORT },
	{ SOCK_STREAM,		254,		EPROTONOSUPPORT },
	{ SOCK_STREAM,		IPPROTO_MPTCP,	EPROTONOSUPPORT },
	{ SOCK_DGRAM,		0,		ESOCKTNOSUPPORT },
	{ SOCK_DGRAM,		IPPROTO_XTCP,	ESOCKTNOSUPPORT },
	{ SOCK_DGRAM,		IPPROTO_UDP,	ESOCKTNOSUPPORT },
	{ SOCK_RAW,		0,		ESOCKTNOSUPPORT },
	{ SOCK_RAW,		IPPROTO_XTCP,	ESOCKTNOSUPPORT },
	{ SOCK_SEQPACKET,	0,		ESOCKTNOSUPPORT },
	{ SOCK_SEQPACKET,	IPPROTO_XTCP,	ESOCKTNOSUPPORT },
	{ SOCK_RDM,		0,		ESOCKTNOSUPPORT },
	{ SOCK_DCCP,		0,		ESOCKTNOSUPPORT },
	{ SOCK_PACKET,		0,		ESOCKTNOSUPPORT },
};

TEST(xtcp_socket_matrix)
{
	unsigned int i;
	int fd;

	if (skip_if_no_xtcp(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(matrix); i++) {
		const struct sock_case *c = &matrix[i];

		errno = 0;
		fd = socket(AF_XTCP, c->type, c->protocol);
		if (c->err == 0) {
			EXPECT_LE(0, fd) TH_LOG("type %d proto %d: %s",
						c->type, c->protocol,
						strerror(errno));
		} else {
			EXPECT_EQ(-1, fd);
			EXPECT_EQ(c->err, errno)
				TH_LOG("type %d proto %d: want %s, got %s",
				       c->type, c->protocol, strerror(c->err),
				       strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
}

/* Protocols outside [0, IPPROTO_MAX) are EINVAL in inet_create, checked
 * before the type; a type >= SOCK_MAX is EINVAL in the socket core.
 */
TEST(xtcp_socket_bad_args)
{
	static const int cases[][2] = {
		{ SOCK_STREAM, -1 }, { SOCK_STREAM, 263 }, { SOCK_STREAM, 65536 },
		{ SOCK_DGRAM, -1 }, { 11, 0 }, { 100, 0 },
	};
	unsigned int i;
	int fd, ref, ref_errno;

	if (skip_if_no_xtcp(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ref = socket(AF_INET, cases[i][0], cases[i][1]);
		ref_errno = errno;
		if (ref >= 0)
			close(ref);
		EXPECT_EQ(-1, ref);
		EXPECT_EQ(EINVAL, ref_errno);
		fd = socket(AF_XTCP, cases[i][0], cases[i][1]);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(ref_errno, errno)
			TH_LOG("type %d proto %d: TCP says %s, XTCP %s",
			       cases[i][0], cases[i][1], strerror(ref_errno),
			       strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/* net.xtcp.* sysctls: per netns, documented defaults, ranges enforced. */
TEST(xtcp_sysctls)
{
	static const struct { const char *name; long def; } ctl[] = {
		{ "net.xtcp.syn_retries", 6 },
		{ "net.xtcp.synack_retries", 5 },
		{ "net.xtcp.max_syn_backlog", 4096 },
		{ "net.xtcp.rto_init_ms", 1000 },
		{ "net.xtcp.rto_max_ms", 120000 },
		{ "net.xtcp.invalid_ratelimit", 500 },
		{ "net.xtcp.challenge_ack_limit", 2147483647 },
	};
	unsigned int i;
	int home, ns;

	if (skip_if_no_xtcp(_metadata))
		return;
	home = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, home);
	ns = ns_new();
	ASSERT_LE(0, ns);
	for (i = 0; i < ARRAY_SIZE(ctl); i++)
		EXPECT_EQ(ctl[i].def, sysctl_get(ctl[i].name))
			TH_LOG("%s", ctl[i].name);

	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.rto_init_ms", "9"));
	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.rto_init_ms", "60001"));
	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.rto_init_ms", "-1"));
	EXPECT_EQ(1000, sysctl_get("net.xtcp.rto_init_ms"));
	EXPECT_EQ(0, sysctl_set("net.xtcp.rto_init_ms", "10"));
	EXPECT_EQ(10, sysctl_get("net.xtcp.rto_init_ms"));
	EXPECT_EQ(0, sysctl_set("net.xtcp.rto_init_ms", "60000"));
	EXPECT_EQ(0, sysctl_set("net.xtcp.syn_retries", "2"));
	/* the answer limits' ranges: 0..1 h of ms, 0..INT_MAX per second */
	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.invalid_ratelimit", "-1"));
	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.invalid_ratelimit", "3600001"));
	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.challenge_ack_limit", "-1"));
	EXPECT_EQ(500, sysctl_get("net.xtcp.invalid_ratelimit"));
	EXPECT_EQ(0, sysctl_set("net.xtcp.challenge_ack_limit", "0"));
	EXPECT_EQ(0, sysctl_get("net.xtcp.challenge_ack_limit"));

	/* another netns keeps its own values */
	ASSERT_LE(0, ns_new());
	EXPECT_EQ(1000, sysctl_get("net.xtcp.rto_init_ms"));
	EXPECT_EQ(6, sysctl_get("net.xtcp.syn_retries"));
	ASSERT_EQ(0, ns_enter(ns));
	EXPECT_EQ(60000, sysctl_get("net.xtcp.rto_init_ms"));
	EXPECT_EQ(2, sysctl_get("net.xtcp.syn_retries"));
	ASSERT_EQ(0, ns_enter(home));
	close(ns);
	close(home);
}

/* /proc/net/xtcp/snmp has every counter, all zero in a fresh netns. */
TEST(xtcp_snmp)
{
	static const char *const names[] = {
		"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets",
		"CurrEstab", "InSegs", "OutSegs", "InErrs", "OutRsts",
		"InCsumErrors", "ListenOverflows", "ListenDrops", "SynRetrans",
		"SynAckRetrans", "ReqTimeouts", "CurrReqs", "TCPBacklogDrop",
	};
	unsigned int i;

	if (skip_if_no_xtcp(_metadata))
		return;
	ASSERT_LE(0, ns_new());
	for (i = 0; i < ARRAY_SIZE(names); i++)
		EXPECT_EQ(0, xtcp_snmp_get(names[i])) TH_LOG("%s", names[i]);
	/* and the sockets view exists (header only) */
	EXPECT_EQ(0, proc_count(&(struct xfam)XFAM_XTCP, ST_LISTEN, 0, NULL));
}

FIXTURE(sock) {
	int unused;
};

FIXTURE_VARIANT(sock) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(sock, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(sock, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(sock)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
}

FIXTURE_TEARDOWN(sock)
{
}

TEST_F_TIMEOUT(sock, type_flags, 90)
{
	int fd, fl;

	fd = xsock(&variant->f, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, fd);
	fl = fcntl(fd, F_GETFL);
	EXPECT_TRUE(fl & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = xsock(&variant->f, 0);
	ASSERT_LE(0, fd);
	EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	/* protocol 0 selects the family's stream protocol */
	fd = socket(variant->f.family, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	close(fd);
}

/* Like TCP, no privilege is needed to create a socket. */
TEST_F_TIMEOUT(sock, unprivileged_create, 90)
{
	pid_t pid = fork();
	int st;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		fd = xsock(&variant->f, 0);
		_exit(fd >= 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F_TIMEOUT(sock, unconnected_names, 90)
{
	struct sockaddr_in sin;
	socklen_t len;
	int fd;

	fd = xsock(&variant->f, 0);
	ASSERT_LE(0, fd);

	memset(&sin, 0xaa, sizeof(sin));
	len = sizeof(sin);
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(sizeof(sin), len);
	EXPECT_EQ(variant->f.family, sin.sin_family);
	EXPECT_EQ(0, sin.sin_port);
	EXPECT_EQ(htonl(INADDR_ANY), sin.sin_addr.s_addr);

	len = sizeof(sin);
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(ENOTCONN, errno);

	EXPECT_EQ(-1, shutdown(fd, SHUT_RDWR));
	EXPECT_EQ(ENOTCONN, errno);

	EXPECT_EQ(0, so_error(fd));
	close(fd);
}

TEST_F_TIMEOUT(sock, socketpair_unsupported, 90)
{
	int sv[2];

	EXPECT_EQ(-1, socketpair(variant->f.family, SOCK_STREAM,
				 variant->f.protocol, sv));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

/*
 * IP_ADD_MEMBERSHIP is refused on a stream socket (EPROTO, as TCP); XTCP
 * also refuses the MCAST_* joins TCP accepts, since nothing could drop the
 * membership at close. Unicast IP options still work.
 */
TEST_F_TIMEOUT(sock, ip_options_passthrough, 90)
{
	struct ip_mreqn mreq = { .imr_ifindex = 1 };
	struct group_req greq = { .gr_interface = 1 };
	struct sockaddr_in *grp = (struct sockaddr_in *)&greq.gr_group;
	int fd, ret, ttl = 7, val;
	socklen_t len = sizeof(val);

	fd = xsock(&variant->f, 0);
	ASSERT_LE(0, fd);
	mreq.imr_multiaddr.s_addr = htonl(0xe0000101);	/* 224.0.1.1 */
	EXPECT_EQ(-1, setsockopt(fd, SOL_IP, IP_ADD_MEMBERSHIP, &mreq,
				 sizeof(mreq)));
	EXPECT_EQ(EPROTO, errno);
	grp->sin_family = AF_INET;
	grp->sin_addr.s_addr = htonl(0xe0000101);
	ret = setsockopt(fd, SOL_IP, MCAST_JOIN_GROUP, &greq, sizeof(greq));
	if (variant->f.family == AF_INET) {
		/* TCP joins; inet_release() drops it at close. */
		EXPECT_EQ(0, ret);
	} else {
		/*
		 * XTCP could not drop it at close (ip_mc_drop_socket() is
		 * not exported): refused, see Documentation/design.rst.
		 */
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EPROTO, errno);
	}
	EXPECT_EQ(0, setsockopt(fd, SOL_IP, IP_TTL, &ttl, sizeof(ttl)));
	EXPECT_EQ(0, getsockopt(fd, SOL_IP, IP_TTL, &val, &len));
	EXPECT_EQ(ttl, val);
	close(fd);
}

/* A fresh socket polls exactly like a fresh TCP socket (HUP|OUT|WRNORM). */
TEST_F_TIMEOUT(sock, unconnected_poll, 90)
{
	int fd, ref, mask, ref_mask;

	ref = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, ref);
	ref_mask = poll1(ref, 0x7fff, 0);
	close(ref);
	EXPECT_TRUE(ref_mask & POLLHUP);
	EXPECT_TRUE(ref_mask & POLLOUT);

	fd = xsock(&variant->f, 0);
	ASSERT_LE(0, fd);
	mask = poll1(fd, 0x7fff, 0);
	EXPECT_EQ(ref_mask, mask) TH_LOG("TCP poll 0x%x, %s 0x%x", ref_mask,
					 variant->f.name, mask);
	close(fd);
}

static long sockets_used(void)
{
	char buf[512];
	long n;

	if (read_file("/proc/net/sockstat", buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "sockets: used %ld", &n) != 1)
		return -1;
	return n;
}

/* Wait (sockets may be freed after an RCU grace period) for the count. */
static long sockets_used_settle(long want)
{
	long n = -1;
	int i;

	for (i = 0; i < 200; i++) {
		n = sockets_used();
		if (n == want)
			break;
		sleep_ms(50);
	}
	return n;
}

/*
 * 10,000 sockets created and closed: the netns's socket count returns to
 * its baseline.
 * 100 left open first prove the count sees this family's sockets at all.
 */
TEST_F_TIMEOUT(sock, many_sockets, 600)
{
	int fds[100];
	long base;
	int i, fd;

	base = sockets_used();
	ASSERT_LE(0, base);

	for (i = 0; i < 100; i++) {
		fds[i] = xsock(&variant->f, 0);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(base + 100, sockets_used());
	for (i = 0; i < 100; i++)
		close(fds[i]);
	EXPECT_EQ(base, sockets_used_settle(base));

	for (i = 0; i < 10000; i++) {
		fd = xsock(&variant->f, 0);
		ASSERT_LE(0, fd) TH_LOG("socket %d: %s", i, strerror(errno));
		ASSERT_EQ(0, close(fd));
	}
	EXPECT_EQ(base, sockets_used_settle(base));
}

/* 1,000 sockets bound to an ephemeral port, listened on and closed. */
TEST_F_TIMEOUT(sock, many_listeners, 600)
{
	long base;
	int i, fd;

	base = sockets_used();
	ASSERT_LE(0, base);
	for (i = 0; i < 1000; i++) {
		fd = xsock(&variant->f, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, xbind(&variant->f, fd, "127.0.0.1", 0));
		ASSERT_EQ(0, listen(fd, 8)) TH_LOG("listen %d: %s", i,
						   strerror(errno));
		ASSERT_EQ(0, close(fd));
	}
	EXPECT_EQ(base, sockets_used_settle(base));
}

TEST_HARNESS_MAIN
