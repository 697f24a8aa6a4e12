// SPDX-License-Identifier: GPL-2.0
/*
 * bind() and port selection, same body for TCP and XTCP: the conflict matrix
 * (wildcard/specific x plain/SO_REUSEADDR/SO_REUSEPORT x bound/listening)
 * with exact errnos, double bind, argument errors and their order, ports
 * below net.ipv4.ip_unprivileged_port_start without CAP_NET_BIND_SERVICE,
 * SO_REUSEPORT across uids, ephemeral ports inside
 * net.ipv4.ip_local_port_range (bind, listen autobind, connect), exhaustion
 * with a narrowed range, 4-tuple port sharing by connect, the per-socket
 * IP_LOCAL_PORT_RANGE and IP_BIND_ADDRESS_NO_PORT, and ports released on
 * close. Each test runs in a fresh netns.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#ifndef IP_LOCAL_PORT_RANGE	/* glibc 2.36's netinet/in.h predates it */
#define IP_LOCAL_PORT_RANGE 51
#endif

FIXTURE(bind) {
	int unused;
};

FIXTURE_VARIANT(bind) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(bind, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(bind, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(bind)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
}

FIXTURE_TEARDOWN(bind)
{
}

enum { OPT_NONE, OPT_ADDR_BOTH, OPT_PORT_BOTH, OPT_ADDR_FIRST, OPT_ADDR_SECOND,
	OPT_NR };
static const char *const opt_name[] = {
	"plain", "REUSEADDR both", "REUSEPORT both", "REUSEADDR first only",
	"REUSEADDR second only",
};

static const char *const addr_pairs[][2] = {
	{ "0.0.0.0", "0.0.0.0" },
	{ "0.0.0.0", "127.0.0.1" },
	{ "127.0.0.1", "0.0.0.0" },
	{ "127.0.0.1", "127.0.0.1" },
	{ "127.0.0.1", "127.0.0.2" },
};

static void set_opts(int fd, int opt, bool first)
{
	if (opt == OPT_ADDR_BOTH || (opt == OPT_ADDR_FIRST && first) ||
	    (opt == OPT_ADDR_SECOND && !first))
		setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (opt == OPT_PORT_BOTH)
		setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
}

/* TCP's rules (inet_bind_conflict), spelled out. */
static int expected(int pair, int opt, bool listening)
{
	if (pair == 4)		/* different specific addresses never clash */
		return 0;
	switch (opt) {
	case OPT_ADDR_BOTH:
		return listening ? EADDRINUSE : 0;
	case OPT_PORT_BOTH:
		return 0;	/* same uid */
	default:
		return EADDRINUSE;
	}
}

TEST_F_TIMEOUT(bind, conflict_matrix, 90)
{
	const struct xfam *f = &variant->f;
	int pair, opt, lst, a, b, want, got;
	uint16_t port = 20000;

	if (reuseport_refused(_metadata, f))
		TH_LOG("%s: its cases left out", NO_REUSEPORT_WHY);
	for (pair = 0; pair < 5; pair++) {
		for (opt = 0; opt < OPT_NR; opt++) {
			for (lst = 0; lst < 2; lst++) {
				port++;
				if (opt == OPT_PORT_BOTH && no_reuseport(f))
					continue;
				a = xsock(f, 0);
				b = xsock(f, 0);
				ASSERT_LE(0, a);
				ASSERT_LE(0, b);
				set_opts(a, opt, true);
				set_opts(b, opt, false);
				ASSERT_EQ(0, xbind(f, a, addr_pairs[pair][0], port));
				if (lst)
					ASSERT_EQ(0, listen(a, 8));
				want = expected(pair, opt, lst);
				got = xbind(f, b, addr_pairs[pair][1], port);
				EXPECT_EQ(want, got)
					TH_LOG("%s:%u then %s:%u, %s, first %s: want %s, got %s",
					       addr_pairs[pair][0], port,
					       addr_pairs[pair][1], port,
					       opt_name[opt],
					       lst ? "listening" : "bound",
					       strerror(want), strerror(got));
				if (!got)
					EXPECT_EQ(port, local_port(b));
				close(a);
				close(b);
			}
		}
	}
}

/*
 * Two SO_REUSEADDR sockets bound to the same address and port: the first to
 * listen() wins, the other's listen() fails with EADDRINUSE.
 */
TEST_F_TIMEOUT(bind, reuseaddr_listen_race, 90)
{
	const struct xfam *f = &variant->f;
	int a = xsock(f, 0), b = xsock(f, 0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	setint(a, SOL_SOCKET, SO_REUSEADDR, 1);
	setint(b, SOL_SOCKET, SO_REUSEADDR, 1);
	ASSERT_EQ(0, xbind(f, a, "127.0.0.1", 20500));
	ASSERT_EQ(0, xbind(f, b, "127.0.0.1", 20500));
	EXPECT_EQ(0, listen(b, 8));
	EXPECT_EQ(-1, listen(a, 8));
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	close(b);
}

TEST_F_TIMEOUT(bind, double_bind, 90)
{
	const struct xfam *f = &variant->f;
	int fd = xsock(f, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xbind(f, fd, "127.0.0.1", 20600));
	EXPECT_EQ(EINVAL, xbind(f, fd, "127.0.0.1", 20600));
	EXPECT_EQ(EINVAL, xbind(f, fd, "127.0.0.1", 20601));
	EXPECT_EQ(EINVAL, xbind(f, fd, "0.0.0.0", 0));
	/* address validity is checked before the double bind */
	EXPECT_EQ(EADDRNOTAVAIL, xbind(f, fd, "192.0.2.1", 20602));
	EXPECT_EQ(20600, local_port(fd));
	close(fd);

	/* listen() on an unbound socket autobinds: bind is then EINVAL */
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, listen(fd, 8));
	EXPECT_LT(0, local_port(fd));
	EXPECT_EQ(EINVAL, xbind(f, fd, "127.0.0.1", 20603));
	close(fd);
}

TEST_F_TIMEOUT(bind, bad_args, 90)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in sin = xaddr(f, "127.0.0.1", 20700);
	socklen_t len = sizeof(sin);
	int fd = xsock(f, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, 2));
	EXPECT_EQ(EINVAL, errno);

	sin.sin_family = AF_INET6;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	sin.sin_family = AF_UNIX;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* AF_UNSPEC only passes with INADDR_ANY */
	sin.sin_family = AF_UNSPEC;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* the other family: XTCP takes AF_INET, TCP refuses AF_XTCP */
	sin.sin_family = is_xtcp(f) ? AF_INET : AF_XTCP;
	if (is_xtcp(f)) {
		EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
			TH_LOG("bind with sin_family AF_INET: %s", strerror(errno));
	} else {
		EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
		EXPECT_EQ(EAFNOSUPPORT, errno);
		sin.sin_family = AF_INET;
		EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	}
	/* getsockname reports the socket's own family */
	memset(&sin, 0, sizeof(sin));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(sizeof(sin), len);
	EXPECT_EQ(f->family, sin.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), sin.sin_addr.s_addr);
	EXPECT_EQ(htons(20700), sin.sin_port);
	close(fd);

	/* not a local address */
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRNOTAVAIL, xbind(f, fd, "192.0.2.1", 20701));
	EXPECT_EQ(0, local_port(fd));
	close(fd);
}

/* inet_bind's compatibility game: AF_UNSPEC with INADDR_ANY is AF_INET. */
TEST_F_TIMEOUT(bind, af_unspec_any, 90)
{
	const struct xfam *f = &variant->f;
	struct sockaddr_in sin = xaddr(f, "0.0.0.0", 20800);
	int fd = xsock(f, 0);

	ASSERT_LE(0, fd);
	sin.sin_family = AF_UNSPEC;
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("bind AF_UNSPEC/INADDR_ANY: %s", strerror(errno));
	EXPECT_EQ(20800, local_port(fd));
	close(fd);
}

/* Run fn in a child with uid/gid nobody (no capabilities); its exit code. */
static int as_nobody(int (*fn)(const struct xfam *, void *), const struct xfam *f,
		     void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(fn(f, arg));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int bind_port_errno(const struct xfam *f, void *arg)
{
	int fd = xsock(f, 0);

	if (fd < 0)
		return 101;
	return xbind(f, fd, "127.0.0.1", *(int *)arg);
}

TEST_F_TIMEOUT(bind, privileged_ports, 90)
{
	const struct xfam *f = &variant->f;
	int port, fd;

	ASSERT_EQ(1024, sysctl_get("net.ipv4.ip_unprivileged_port_start"));
	port = 80;
	EXPECT_EQ(EACCES, as_nobody(bind_port_errno, f, &port));
	port = 1023;
	EXPECT_EQ(EACCES, as_nobody(bind_port_errno, f, &port));
	port = 1024;
	EXPECT_EQ(0, as_nobody(bind_port_errno, f, &port));
	/* port 0 picks an ephemeral port: no privilege needed */
	port = 0;
	EXPECT_EQ(0, as_nobody(bind_port_errno, f, &port));

	/* the netns's own sysctl is honoured */
	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_unprivileged_port_start", "500"));
	port = 600;
	EXPECT_EQ(0, as_nobody(bind_port_errno, f, &port));
	port = 499;
	EXPECT_EQ(EACCES, as_nobody(bind_port_errno, f, &port));

	/* root (CAP_NET_BIND_SERVICE) may */
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, xbind(f, fd, "127.0.0.1", 80));
	close(fd);
}

static int reuseport_bind(const struct xfam *f, void *arg)
{
	int fd = xsock(f, 0);

	if (fd < 0)
		return 101;
	setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	return xbind(f, fd, "127.0.0.1", *(int *)arg);
}

/* SO_REUSEPORT only shares a port between sockets of the same uid. */
TEST_F_TIMEOUT(bind, reuseport_uid, 90)
{
	const struct xfam *f = &variant->f;
	int port = 20900, a, b;

	if (reuseport_refused(_metadata, f))
		SKIP(return, NO_REUSEPORT_WHY);
	a = xsock(f, 0);
	ASSERT_LE(0, a);
	setint(a, SOL_SOCKET, SO_REUSEPORT, 1);
	ASSERT_EQ(0, xbind(f, a, "127.0.0.1", port));
	EXPECT_EQ(EADDRINUSE, as_nobody(reuseport_bind, f, &port));
	b = xsock(f, 0);
	ASSERT_LE(0, b);
	setint(b, SOL_SOCKET, SO_REUSEPORT, 1);
	EXPECT_EQ(0, xbind(f, b, "127.0.0.1", port));
	ASSERT_EQ(0, listen(a, 8));
	ASSERT_EQ(0, listen(b, 8));
	EXPECT_EQ(EADDRINUSE, as_nobody(reuseport_bind, f, &port));
	close(a);
	close(b);
}

static bool in_range(int port, int lo, int hi)
{
	return port >= lo && port <= hi;
}

TEST_F_TIMEOUT(bind, ephemeral_range, 90)
{
	const struct xfam *f = &variant->f;
	static int fds[50];
	bool seen[100] = { false };
	int i, p, l, c;

	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_local_port_range", "40000 40099"));
	for (i = 0; i < 50; i++) {
		fds[i] = xsock(f, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, xbind(f, fds[i], "127.0.0.1", 0));
		p = local_port(fds[i]);
		ASSERT_TRUE(in_range(p, 40000, 40099)) TH_LOG("port %d", p);
		EXPECT_FALSE(seen[p - 40000]) TH_LOG("port %d twice", p);
		seen[p - 40000] = true;
	}
	for (i = 0; i < 50; i++)
		close(fds[i]);

	/* a new range applies at once; listen() autobinds inside it */
	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_local_port_range", "50000 50009"));
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, listen(l, 8));
	p = local_port(l);
	EXPECT_TRUE(in_range(p, 50000, 50009)) TH_LOG("listen autobind %d", p);

	/* connect() from an unbound socket picks its port there too */
	c = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	EXPECT_EQ(EINPROGRESS, xconnect(f, c, "127.0.0.1", p));
	p = local_port(c);
	EXPECT_TRUE(in_range(p, 50000, 50009)) TH_LOG("connect port %d", p);
	close(c);
	close(l);
}

TEST_F_TIMEOUT(bind, bind_exhaustion, 90)
{
	const struct xfam *f = &variant->f;
	int fds[10], i, fd, freed;

	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_local_port_range", "40000 40009"));
	for (i = 0; i < 10; i++) {
		fds[i] = xsock(f, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, xbind(f, fds[i], "0.0.0.0", 0)) TH_LOG("socket %d", i);
	}
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRINUSE, xbind(f, fd, "0.0.0.0", 0));
	EXPECT_EQ(EADDRINUSE, xbind(f, fd, "127.0.0.1", 0));
	/* listen() cannot autobind either */
	EXPECT_EQ(-1, listen(fd, 8));
	EXPECT_EQ(EADDRINUSE, errno);

	/* closing one frees exactly that port */
	freed = local_port(fds[3]);
	close(fds[3]);
	EXPECT_EQ(0, xbind(f, fd, "0.0.0.0", 0));
	EXPECT_EQ(freed, local_port(fd));
	close(fd);
	for (i = 0; i < 10; i++)
		if (i != 3)
			close(fds[i]);
}

/* Listeners on 127.0.0.1:5000 and :5001; 0 or an errno. */
static int two_listeners(const struct xfam *f, int *l1, int *l2)
{
	*l1 = xsock(f, 0);
	*l2 = xsock(f, 0);
	if (*l1 < 0 || *l2 < 0)
		return errno;
	if (xbind(f, *l1, "127.0.0.1", 5000) || xbind(f, *l2, "127.0.0.1", 5001) ||
	    listen(*l1, 64) || listen(*l2, 64))
		return errno;
	return 0;
}

/*
 * connect() shares an ephemeral port between connections whose 4-tuples
 * differ; when every port already has a connection to the same
 * destination, connect fails with EADDRNOTAVAIL.
 */
TEST_F_TIMEOUT(bind, connect_exhaustion, 120)
{
	const struct xfam *f = &variant->f;
	int l1, l2, c1[10], c2[10], fd, i, err;

	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_local_port_range", "40000 40009"));
	ASSERT_EQ(0, two_listeners(f, &l1, &l2));

	for (i = 0; i < 10; i++) {
		c1[i] = xsock(f, 0);
		ASSERT_LE(0, c1[i]);
		err = connect_wait(f, c1[i], "127.0.0.1", 5000, 10000);
		ASSERT_EQ(0, err) TH_LOG("connect %d: %s", i, strerror(err));
	}
	fd = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRNOTAVAIL, xconnect(f, fd, "127.0.0.1", 5000));
	close(fd);

	for (i = 0; i < 10; i++) {
		c2[i] = xsock(f, 0);
		ASSERT_LE(0, c2[i]);
		err = connect_wait(f, c2[i], "127.0.0.1", 5001, 10000);
		ASSERT_EQ(0, err) TH_LOG("connect to 2nd port %d: %s", i,
					 strerror(err));
		EXPECT_TRUE(in_range(local_port(c2[i]), 40000, 40009));
	}
	fd = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRNOTAVAIL, xconnect(f, fd, "127.0.0.1", 5001));
	close(fd);
	for (i = 0; i < 10; i++) {
		close(c1[i]);
		close(c2[i]);
	}
	close(l1);
	close(l2);
}

/*
 * IP_LOCAL_PORT_RANGE narrows the netns's range for one socket
 * (inet_sk_get_local_port_range()): bind(0), listen()'s autobind and
 * connect() all pick inside it, and exhausting it is exhausting the
 * socket's ports even with the netns's range free.
 */
TEST_F_TIMEOUT(bind, socket_port_range, 90)
{
	const struct xfam *f = &variant->f;
	uint32_t range = 40015u << 16 | 40010u, got = 0;
	socklen_t len = sizeof(got);
	int fds[6], i, p, l, c, fd;

	/*
	 * An even number of ports: TCP's search covers only an even count
	 * (inet_csk_find_open_port(): remaining &= ~1).
	 */
	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_local_port_range", "40000 40099"));
	for (i = 0; i < 6; i++) {
		fds[i] = xsock(f, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, setsockopt(fds[i], IPPROTO_IP, IP_LOCAL_PORT_RANGE,
					&range, sizeof(range)));
		ASSERT_EQ(0, xbind(f, fds[i], "127.0.0.1", 0)) TH_LOG("socket %d", i);
		p = local_port(fds[i]);
		EXPECT_TRUE(in_range(p, 40010, 40015)) TH_LOG("port %d", p);
	}
	ASSERT_EQ(0, getsockopt(fds[0], IPPROTO_IP, IP_LOCAL_PORT_RANGE, &got,
				&len));
	EXPECT_EQ(range, got);
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range,
				sizeof(range)));
	EXPECT_EQ(EADDRINUSE, xbind(f, fd, "127.0.0.1", 0));
	/* the netns's range is not exhausted: without the option it binds */
	range = 0;
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range,
				sizeof(range)));
	EXPECT_EQ(0, xbind(f, fd, "127.0.0.1", 0));
	close(fd);
	for (i = 0; i < 6; i++)
		close(fds[i]);

	/* listen() autobinds and connect() picks inside the socket's range */
	range = 40021u << 16 | 40020u;
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, setsockopt(l, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range,
				sizeof(range)));
	ASSERT_EQ(0, listen(l, 8));
	p = local_port(l);
	EXPECT_TRUE(in_range(p, 40020, 40021)) TH_LOG("listen autobind %d", p);
	range = 40031u << 16 | 40030u;
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setsockopt(c, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range,
				sizeof(range)));
	EXPECT_EQ(0, connect_wait(f, c, "127.0.0.1", p, 10000));
	p = local_port(c);
	EXPECT_TRUE(in_range(p, 40030, 40031)) TH_LOG("connect port %d", p);

	/* a reversed range is refused (lo > hi, both set) */
	range = 40000u << 16 | 40010u;
	EXPECT_EQ(-1, setsockopt(c, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range,
				 sizeof(range)));
	EXPECT_EQ(EINVAL, errno);
	close(c);
	close(l);
}

/*
 * IP_BIND_ADDRESS_NO_PORT (__inet_bind()): bind(addr:0) takes the address
 * and no port; connect() then picks a port unique for the 4-tuple, so
 * with a one-port range two such sockets connect to two listeners from
 * the same port, where two bind(0)s could not both succeed.
 */
TEST_F_TIMEOUT(bind, bind_address_no_port, 90)
{
	const struct xfam *f = &variant->f;
	int l1, l2, c1, c2, fd, p1, p2;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	ASSERT_EQ(0, sysctl_set("net.ipv4.ip_local_port_range", "40000 40000"));
	ASSERT_EQ(0, two_listeners(f, &l1, &l2));

	c1 = xsock(f, 0);
	c2 = xsock(f, 0);
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, setint(c1, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1));
	ASSERT_EQ(0, setint(c2, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1));
	ASSERT_EQ(0, xbind(f, c1, "127.0.0.2", 0));
	ASSERT_EQ(0, xbind(f, c2, "127.0.0.2", 0));
	ASSERT_EQ(0, getsockname(c1, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(0, ntohs(sin.sin_port));
	EXPECT_EQ(htonl(0x7f000002), sin.sin_addr.s_addr);

	ASSERT_EQ(0, connect_wait(f, c1, "127.0.0.1", 5000, 10000));
	ASSERT_EQ(0, connect_wait(f, c2, "127.0.0.1", 5001, 10000));
	p1 = local_port(c1);
	p2 = local_port(c2);
	EXPECT_EQ(40000, p1);
	EXPECT_EQ(40000, p2);
	len = sizeof(sin);
	ASSERT_EQ(0, getsockname(c2, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(htonl(0x7f000002), sin.sin_addr.s_addr);

	/* the same 4-tuple again has no port left */
	fd = xsock(f, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setint(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1));
	ASSERT_EQ(0, xbind(f, fd, "127.0.0.2", 0));
	EXPECT_EQ(EADDRNOTAVAIL, xconnect(f, fd, "127.0.0.1", 5000));
	close(fd);
	/* without the option, bind(0) finds the one port taken */
	fd = xsock(f, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EADDRINUSE, xbind(f, fd, "127.0.0.2", 0));
	close(fd);
	close(c1);
	close(c2);
	close(l1);
	close(l2);
}

/* close() releases the port, whatever state the socket reached. */
TEST_F_TIMEOUT(bind, close_releases_port, 90)
{
	const struct xfam *f = &variant->f;
	int fd, i;

	for (i = 0; i < 3; i++) {
		fd = xsock(f, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, xbind(f, fd, i == 1 ? "0.0.0.0" : "127.0.0.1", 21000));
		if (i == 2)
			ASSERT_EQ(0, listen(fd, 8));
		close(fd);
		fd = xsock(f, 0);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, xbind(f, fd, "0.0.0.0", 21000)) TH_LOG("round %d", i);
		close(fd);
	}
}

TEST_HARNESS_MAIN
