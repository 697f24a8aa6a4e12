// SPDX-License-Identifier: GPL-2.0
/*
 * The preload shim (scripts/preload/, libxtcp-preload.so): a plain TCP
 * program, run natively (variant tcp) and under the shim (variant xtcp),
 * must see exactly the same answers from libc, while the kernel, asked past
 * the shim with raw system calls, shows that under the shim the sockets
 * really are AF_XTCP.
 *
 * Each test re-executes this binary as a scenario child ("--scenario NAME"),
 * with LD_PRELOAD set for the xtcp variant, in the test's fresh netns. The
 * child prints "key value" lines; the test asserts on them:
 *
 * - socket: SO_DOMAIN/SO_PROTOCOL/SO_TYPE, SOCK_NONBLOCK/SOCK_CLOEXEC,
 *   protocol 0 and IPPROTO_TCP; UDP and AF_INET6 sockets left alone;
 * - addresses: the family in getsockname/getpeername/accept/accept4/
 *   recvfrom/recvmsg answers; the ports agree between the two ends;
 * - data: writev, sendfile, splice, poll, select, epoll, fcntl(O_NONBLOCK);
 * - sockopt: IPPROTO_TCP options reach the socket and read back;
 * - select: XTCP_PRELOAD_MATCH by port and by address: listed sockets turn
 *   XTCP at bind()/connect() with their fd number, flags and options,
 *   others stay TCP; a deferred bind(ADDR, 0) before connect();
 * - threads: concurrent socket/connect/accept under the address-selected
 *   mode.
 */
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

/* ---- the scenario child ------------------------------------------------ */

static void out(const char *key, long v)
{
	printf("%s %ld\n", key, v);
}

/* The kernel's answer, not the shim's. */
static int raw_domain(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &v, &len))
		return -errno;
	return v;
}

static int raw_name_family(int fd)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);

	if (syscall(SYS_getsockname, fd, &sin, &len))
		return -errno;
	return sin.sin_family;
}

static int opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		return -errno;
	return v;
}

static struct sockaddr_in lo_addr(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static int tcp_listener(const char *ip, int port)
{
	struct sockaddr_in sin = lo_addr(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (void *)&sin, sizeof(sin)) || listen(fd, 64))
		return -1;
	return fd;
}

static int sock_port(int fd)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (void *)&sin, &len))
		return -1;
	return ntohs(sin.sin_port);
}

static int tcp_connect(const char *ip, int port)
{
	struct sockaddr_in sin = lo_addr(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	if (fd < 0 || connect(fd, (void *)&sin, sizeof(sin)))
		return -1;
	return fd;
}

static void sc_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int fd2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 IPPROTO_TCP);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);

	out("fd_ok", fd >= 0 && fd2 >= 0 && u >= 0);
	out("raw_domain", raw_domain(fd));
	out("raw_domain_tcpproto", raw_domain(fd2));
	out("so_domain", opt(fd, SOL_SOCKET, SO_DOMAIN));
	out("so_protocol", opt(fd, SOL_SOCKET, SO_PROTOCOL));
	out("so_type", opt(fd, SOL_SOCKET, SO_TYPE));
	out("so_protocol_tcpproto", opt(fd2, SOL_SOCKET, SO_PROTOCOL));
	out("nonblock", !!(fcntl(fd2, F_GETFL) & O_NONBLOCK));
	out("cloexec", !!(fcntl(fd2, F_GETFD) & FD_CLOEXEC));
	out("udp_raw_domain", raw_domain(u));
	out("udp_so_protocol", opt(u, SOL_SOCKET, SO_PROTOCOL));
	/* A kernel without IPv6 gives -EAFNOSUPPORT both ways. */
	out("inet6_raw_domain", s6 >= 0 ? raw_domain(s6) : -errno);
}

static void sc_addresses(void)
{
	struct sockaddr_in a = { 0 }, b = { 0 };
	socklen_t al = sizeof(a), bl = sizeof(b);
	struct msghdr mh = { 0 };
	struct iovec iov;
	char buf[8];
	int l, c, s, c2, s2, cport;

	l = tcp_listener("127.0.0.1", 0);
	out("listen_ok", l >= 0);
	al = sizeof(a);
	out("getsockname_ret", getsockname(l, (void *)&a, &al));
	out("getsockname_family", a.sin_family);
	out("getsockname_len", al);
	out("raw_getsockname_family", raw_name_family(l));

	c = tcp_connect("127.0.0.1", ntohs(a.sin_port));
	out("connect_ok", c >= 0);
	cport = sock_port(c);
	memset(&b, 0, sizeof(b));
	bl = sizeof(b);
	s = accept(l, (void *)&b, &bl);
	out("accept_ok", s >= 0);
	out("accept_family", b.sin_family);
	out("accept_len", bl);
	out("accept_port_matches", ntohs(b.sin_port) == cport);
	out("accepted_raw_domain", raw_domain(s));
	out("accepted_so_domain", opt(s, SOL_SOCKET, SO_DOMAIN));

	memset(&b, 0, sizeof(b));
	bl = sizeof(b);
	out("getpeername_ret", getpeername(c, (void *)&b, &bl));
	out("getpeername_family", b.sin_family);
	out("getpeername_port_matches", b.sin_port == a.sin_port);
	memset(&b, 0, sizeof(b));
	bl = sizeof(b);
	out("srv_getpeername_family",
	    getpeername(s, (void *)&b, &bl) ? -errno : b.sin_family);
	/* A short buffer: only the family fits, and it must be TCP's. */
	bl = sizeof(sa_family_t);
	memset(&b, 0xff, sizeof(b));
	out("short_getsockname_family",
	    getsockname(c, (void *)&b, &bl) ? -errno : b.sin_family);

	c2 = tcp_connect("127.0.0.1", ntohs(a.sin_port));
	memset(&b, 0, sizeof(b));
	bl = sizeof(b);
	s2 = accept4(l, (void *)&b, &bl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	out("accept4_ok", c2 >= 0 && s2 >= 0);
	out("accept4_family", b.sin_family);
	out("accept4_nonblock", !!(fcntl(s2, F_GETFL) & O_NONBLOCK));

	/* recvfrom/recvmsg with an address on a stream: TCP leaves it empty. */
	out("send_ret", send(c, "abcd", 4, 0));
	memset(&b, 0xee, sizeof(b));
	bl = sizeof(b);
	out("recvfrom_ret", recvfrom(s, buf, 2, MSG_WAITALL, (void *)&b, &bl));
	out("recvfrom_len", bl);
	iov.iov_base = buf;
	iov.iov_len = 2;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_name = &b;
	mh.msg_namelen = sizeof(b);
	out("recvmsg_ret", recvmsg(s, &mh, MSG_WAITALL));
	out("recvmsg_namelen", mh.msg_namelen);
}

static void sc_data(void)
{
	static char big[256 * 1024], back[256 * 1024];
	char path[] = "/tmp/xtcp_preload.XXXXXX";
	struct iovec iov[3] = { { "ab", 2 }, { "cde", 3 }, { "f", 1 } };
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct timeval tv = { 5, 0 };
	struct pollfd pfd;
	int l, c, s, f, ep, p[2], i, n;
	size_t done, got_n;
	char buf[16];
	off_t offset = 0;
	fd_set rd;

	l = tcp_listener("127.0.0.1", 0);
	c = tcp_connect("127.0.0.1", sock_port(l));
	s = accept(l, NULL, NULL);
	out("setup_ok", l >= 0 && c >= 0 && s >= 0);

	out("writev_ret", writev(c, iov, 3));
	pfd.fd = s;
	pfd.events = POLLIN;
	out("poll_ret", poll(&pfd, 1, 5000));
	out("poll_in", !!(pfd.revents & POLLIN));
	memset(buf, 0, sizeof(buf));
	out("read_ret", recv(s, buf, 6, MSG_WAITALL));
	out("read_same", !memcmp(buf, "abcdef", 6));

	/* fcntl(O_NONBLOCK): an empty socket now says EAGAIN. */
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	out("nonblock_read", read(s, buf, 1) < 0 ? -errno : 0);
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);

	/* sendfile() from a file to the socket. */
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	f = mkstemp(path);
	unlink(path);
	out("file_ok", f >= 0 && write(f, big, sizeof(big)) == sizeof(big));
	/*
	 * Non-blocking, draining the other end as we go: the socket buffers
	 * may hold less than the file.
	 */
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	done = 0;
	got_n = 0;
	for (i = 0; i < 10000 && got_n < sizeof(big); i++) {
		ssize_t r = 0;

		if (done < sizeof(big)) {
			r = sendfile(c, f, &offset, sizeof(big) - done);
			if (r < 0 && errno != EAGAIN)
				break;
			if (r > 0)
				done += r;
		}
		n = recv(s, back + got_n, sizeof(back) - got_n, MSG_DONTWAIT);
		if (n > 0)
			got_n += n;
		if (r <= 0 && n <= 0) {
			pfd.fd = s;
			pfd.events = POLLIN;
			poll(&pfd, 1, 100);
		}
	}
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
	out("sendfile_done", done);
	out("sendfile_got", got_n);
	out("sendfile_same", !memcmp(big, back, sizeof(big)));

	/* splice(): socket -> pipe -> socket. */
	out("pipe_ok", !pipe(p));
	out("splice_send", send(c, big, 4096, 0));
	for (done = 0; done < 4096; ) {
		ssize_t r = splice(s, NULL, p[1], NULL, 4096 - done, 0);

		if (r <= 0)
			break;
		done += r;
	}
	out("splice_in", done);
	for (done = 0; done < 4096; ) {
		ssize_t r = splice(p[0], NULL, s, NULL, 4096 - done, 0);

		if (r <= 0)
			break;
		done += r;
	}
	out("splice_out", done);
	out("splice_back", recv(c, back, 4096, MSG_WAITALL));
	out("splice_same", !memcmp(big, back, 4096));

	/* select() and epoll on the accepted socket. */
	FD_ZERO(&rd);
	FD_SET(s, &rd);
	send(c, "x", 1, 0);
	out("select_ret", select(s + 1, &rd, NULL, NULL, &tv));
	out("select_set", FD_ISSET(s, &rd));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = s;
	out("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	out("epoll_wait", epoll_wait(ep, &got, 1, 5000));
	out("epoll_fd", got.data.fd == s);
	out("read_x", recv(s, buf, 1, 0));
	out("epoll_empty", epoll_wait(ep, &got, 1, 0));
}

static void sc_sockopt(void)
{
	int l, c, s, one = 1, v = 33;

	l = tcp_listener("127.0.0.1", 0);
	c = tcp_connect("127.0.0.1", sock_port(l));
	s = accept(l, NULL, NULL);
	out("setup_ok", l >= 0 && c >= 0 && s >= 0);
	out("nodelay_set", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
				      sizeof(one)) ? -errno : 0);
	out("nodelay_get", opt(c, IPPROTO_TCP, TCP_NODELAY));
	out("keepidle_set", setsockopt(c, SOL_TCP, TCP_KEEPIDLE, &v,
				       sizeof(v)) ? -errno : 0);
	out("keepidle_get", opt(c, SOL_TCP, TCP_KEEPIDLE));
	out("keepalive_set", setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one,
					sizeof(one)) ? -errno : 0);
	out("keepalive_get", opt(c, SOL_SOCKET, SO_KEEPALIVE));
	out("maxseg_positive", opt(c, IPPROTO_TCP, TCP_MAXSEG) > 0);
	/* TCP takes TCP_CORK; the shim lets it succeed where XTCP lacks it. */
	out("cork_set", setsockopt(c, IPPROTO_TCP, TCP_CORK, &one,
				   sizeof(one)) ? -errno : 0);
	v = 0;
	setsockopt(c, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
	out("bad_optlen", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, 1) ?
	    -errno : 0);
	out("accepted_so_protocol", opt(s, SOL_SOCKET, SO_PROTOCOL));
}

#define SEL_PORT 40001
#define OTHER_PORT 40002
#define ADDR_PORT 40003

static int peer_ok(int l, int c)
{
	int s = accept(l, NULL, NULL);
	char b = 0;

	if (s < 0 || send(c, "z", 1, 0) != 1 || recv(s, &b, 1, 0) != 1)
		return 0;
	close(s);
	return b == 'z';
}

static void sc_select(void)
{
	int l1, l2, l3, c1, c2, c3, one = 1, fd_before, rcvbuf = 65536, r;
	struct sockaddr_in sin = lo_addr("127.0.0.1", SEL_PORT);
	struct pollfd pfd;

	/* Listed port: XTCP from bind() on, same fd, options replayed. */
	l1 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fd_before = l1;
	setsockopt(l1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(l1, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	out("l1_bind", bind(l1, (void *)&sin, sizeof(sin)) ? -errno : 0);
	out("l1_listen", listen(l1, 16) ? -errno : 0);
	out("l1_same_fd", l1 == fd_before);
	out("l1_raw_domain", raw_domain(l1));
	out("l1_reuseaddr", opt(l1, SOL_SOCKET, SO_REUSEADDR));
	out("l1_rcvbuf_kept", opt(l1, SOL_SOCKET, SO_RCVBUF) >= rcvbuf);
	out("l1_cloexec", !!(fcntl(l1, F_GETFD) & FD_CLOEXEC));

	/* Unlisted port: stays TCP. */
	l2 = tcp_listener("127.0.0.1", OTHER_PORT);
	out("l2_raw_domain", raw_domain(l2));
	/* A listener on a listed address (any port). */
	l3 = tcp_listener("127.0.0.3", ADDR_PORT);
	out("l3_raw_domain", raw_domain(l3));

	/* Non-blocking connect to the listed port, an option set before. */
	c1 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(c1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r = connect(c1, (void *)&sin, sizeof(sin));
	out("c1_connect", r ? -errno : 0);
	pfd.fd = c1;
	pfd.events = POLLOUT;
	out("c1_poll", poll(&pfd, 1, 10000));
	out("c1_so_error", opt(c1, SOL_SOCKET, SO_ERROR));
	out("c1_raw_domain", raw_domain(c1));
	out("c1_nonblock", !!(fcntl(c1, F_GETFL) & O_NONBLOCK));
	out("c1_nodelay", opt(c1, IPPROTO_TCP, TCP_NODELAY));
	out("c1_data", peer_ok(l1, c1));

	c2 = tcp_connect("127.0.0.1", OTHER_PORT);
	out("c2_raw_domain", raw_domain(c2));
	out("c2_data", peer_ok(l2, c2));

	/* bind(ADDR, 0) first, then a listed destination: still XTCP. */
	c3 = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in any = lo_addr("127.0.0.1", 0);

		out("c3_bind", bind(c3, (void *)&any, sizeof(any)) ? -errno : 0);
	}
	out("c3_connect", connect(c3, (void *)&sin, sizeof(sin)) ? -errno : 0);
	out("c3_raw_domain", raw_domain(c3));
	out("c3_data", peer_ok(l1, c3));

	c3 = tcp_connect("127.0.0.3", ADDR_PORT);
	out("c4_raw_domain", raw_domain(c3));
	out("c4_data", peer_ok(l3, c3));
}

#define THREADS 4
#define PER_THREAD 16

static void *thread_fn(void *arg)
{
	long ok = 0;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		int c = tcp_connect("127.0.0.1", SEL_PORT);
		int u = socket(AF_INET, SOCK_STREAM, 0);	/* never used */

		if (c >= 0 && raw_domain(c) == (long)arg)
			ok++;
		if (c >= 0)
			close(c);
		if (u >= 0)
			close(u);
	}
	return (void *)ok;
}

static void *accept_fn(void *arg)
{
	int l = *(int *)arg, i;
	long ok = 0;

	for (i = 0; i < THREADS * PER_THREAD; i++) {
		int s = accept(l, NULL, NULL);

		if (s >= 0)
			ok++;
		close(s);
	}
	return (void *)ok;
}

static void sc_threads(void)
{
	pthread_t t[THREADS], a;
	long want, ok = 0, acc = 0;
	void *r;
	int l, i;

	l = tcp_listener("127.0.0.1", SEL_PORT);
	want = raw_domain(l);
	out("listener_raw_domain", want);
	pthread_create(&a, NULL, accept_fn, &l);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_fn, (void *)want);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &r);
		ok += (long)r;
	}
	pthread_join(a, &r);
	acc = (long)r;
	out("connected_same_family", ok);
	out("accepted", acc);
}

static const struct {
	const char *name;
	void (*fn)(void);
} scenarios[] = {
	{ "socket", sc_socket },
	{ "addresses", sc_addresses },
	{ "data", sc_data },
	{ "sockopt", sc_sockopt },
	{ "select", sc_select },
	{ "threads", sc_threads },
};

/* ---- the tests ---------------------------------------------------------- */

#define MAX_KEYS 64
struct result {
	int n;
	char key[MAX_KEYS][40];
	long val[MAX_KEYS];
	int status;
};

static const char *preload_lib(void)
{
	static char path[4200];
	const char *env = getenv("XTCP_PRELOAD_LIB");
	char exe[4096];
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return NULL;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(path, sizeof(path), "%s/../preload/libxtcp-preload.so", exe);
	return path;
}

/* Run scenario NAME in a child, under the shim when LIB is set. */
static int run_scenario(const char *name, const char *lib, const char *match,
			struct result *res)
{
	char *argv[4];
	char line[128];
	int p[2], st;
	FILE *in;
	pid_t pid;

	argv[0] = "/proc/self/exe";
	argv[1] = "--scenario";
	argv[2] = (char *)name;
	argv[3] = NULL;
	memset(res, 0, sizeof(*res));
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		unsetenv("LD_PRELOAD");
		unsetenv("XTCP_PRELOAD_MATCH");
		unsetenv("XTCP_PRELOAD_STRICT");
		if (lib)
			setenv("LD_PRELOAD", lib, 1);
		if (match)
			setenv("XTCP_PRELOAD_MATCH", match, 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	while (in && fgets(line, sizeof(line), in) && res->n < MAX_KEYS) {
		if (sscanf(line, "%39s %ld", res->key[res->n],
			   &res->val[res->n]) == 2)
			res->n++;
	}
	if (in)
		fclose(in);
	waitpid(pid, &st, 0);
	res->status = st;
	return 0;
}

static long get(struct result *r, const char *key)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return -9999;	/* missing: fails any check */
}

FIXTURE(shim) {
	struct result r;
	const char *lib;
};

FIXTURE_VARIANT(shim) {
	bool preload;
	int raw;	/* the family the kernel reports under this variant */
};

FIXTURE_VARIANT_ADD(shim, tcp) { .preload = false, .raw = AF_INET };
FIXTURE_VARIANT_ADD(shim, xtcp) { .preload = true, .raw = AF_XTCP };

FIXTURE_SETUP(shim)
{
	const struct xfam xf = XFAM_XTCP, tf = XFAM_TCP;

	self->lib = NULL;
	if (variant->preload) {
		if (xfam_probe(&xf) == EAFNOSUPPORT)
			SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
		self->lib = preload_lib();
		ASSERT_NE(NULL, self->lib);
		ASSERT_EQ(0, access(self->lib, R_OK))
			TH_LOG("%s: %s (make preload)", self->lib, strerror(errno));
	}
	ASSERT_FALSE(xtcp_setup_netns(_metadata, &tf));
}

FIXTURE_TEARDOWN(shim)
{
}

static void run_sc(struct __test_metadata *_metadata, struct result *r,
		   const char *lib, const char *name, const char *match)
{
	ASSERT_EQ(0, run_scenario(name, lib, match, r));
	ASSERT_TRUE(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)
		TH_LOG("scenario %s: status 0x%x", name, r->status);
}

static void expect_key(struct __test_metadata *_metadata, struct result *r,
		       long want, const char *key)
{
	EXPECT_EQ(want, get(r, key)) TH_LOG("%s", key);
}

#define RUN_SC(name, match) run_sc(_metadata, &self->r, self->lib, name, match)
#define EXPECT_KEY(want, key) expect_key(_metadata, &self->r, (long)(want), key)

TEST_F(shim, socket)
{
	RUN_SC("socket", NULL);
	EXPECT_KEY(1, "fd_ok");
	EXPECT_KEY(variant->raw, "raw_domain");
	EXPECT_KEY(variant->raw, "raw_domain_tcpproto");
	EXPECT_KEY(AF_INET, "so_domain");
	EXPECT_KEY(IPPROTO_TCP, "so_protocol");
	EXPECT_KEY(SOCK_STREAM, "so_type");
	EXPECT_KEY(IPPROTO_TCP, "so_protocol_tcpproto");
	EXPECT_KEY(1, "nonblock");
	EXPECT_KEY(1, "cloexec");
	EXPECT_KEY(AF_INET, "udp_raw_domain");
	EXPECT_KEY(IPPROTO_UDP, "udp_so_protocol");
	EXPECT_TRUE(get(&self->r, "inet6_raw_domain") == AF_INET6 ||
		    get(&self->r, "inet6_raw_domain") == -EAFNOSUPPORT);
}

TEST_F(shim, addresses)
{
	RUN_SC("addresses", NULL);
	EXPECT_KEY(1, "listen_ok");
	EXPECT_KEY(0, "getsockname_ret");
	EXPECT_KEY(AF_INET, "getsockname_family");
	EXPECT_KEY(sizeof(struct sockaddr_in), "getsockname_len");
	EXPECT_KEY(variant->raw, "raw_getsockname_family");
	EXPECT_KEY(1, "connect_ok");
	EXPECT_KEY(1, "accept_ok");
	EXPECT_KEY(AF_INET, "accept_family");
	EXPECT_KEY(sizeof(struct sockaddr_in), "accept_len");
	EXPECT_KEY(1, "accept_port_matches");
	EXPECT_KEY(variant->raw, "accepted_raw_domain");
	EXPECT_KEY(AF_INET, "accepted_so_domain");
	EXPECT_KEY(0, "getpeername_ret");
	EXPECT_KEY(AF_INET, "getpeername_family");
	EXPECT_KEY(1, "getpeername_port_matches");
	EXPECT_KEY(AF_INET, "srv_getpeername_family");
	EXPECT_KEY(AF_INET, "short_getsockname_family");
	EXPECT_KEY(1, "accept4_ok");
	EXPECT_KEY(AF_INET, "accept4_family");
	EXPECT_KEY(1, "accept4_nonblock");
	EXPECT_KEY(4, "send_ret");
	EXPECT_KEY(2, "recvfrom_ret");
	EXPECT_KEY(0, "recvfrom_len");
	EXPECT_KEY(2, "recvmsg_ret");
	EXPECT_KEY(0, "recvmsg_namelen");
}

TEST_F(shim, io)
{
	RUN_SC("data", NULL);
	EXPECT_KEY(1, "setup_ok");
	EXPECT_KEY(6, "writev_ret");
	EXPECT_KEY(1, "poll_ret");
	EXPECT_KEY(1, "poll_in");
	EXPECT_KEY(6, "read_ret");
	EXPECT_KEY(1, "read_same");
	EXPECT_KEY(-EAGAIN, "nonblock_read");
	EXPECT_KEY(1, "file_ok");
	EXPECT_KEY(256 * 1024, "sendfile_done");
	EXPECT_KEY(256 * 1024, "sendfile_got");
	EXPECT_KEY(1, "sendfile_same");
	EXPECT_KEY(1, "pipe_ok");
	EXPECT_KEY(4096, "splice_send");
	EXPECT_KEY(4096, "splice_in");
	EXPECT_KEY(4096, "splice_out");
	EXPECT_KEY(4096, "splice_back");
	EXPECT_KEY(1, "splice_same");
	EXPECT_KEY(1, "select_ret");
	EXPECT_KEY(1, "select_set");
	EXPECT_KEY(0, "epoll_ctl");
	EXPECT_KEY(1, "epoll_wait");
	EXPECT_KEY(1, "epoll_fd");
	EXPECT_KEY(1, "read_x");
	EXPECT_KEY(0, "epoll_empty");
}

TEST_F(shim, sockopt)
{
	RUN_SC("sockopt", NULL);
	EXPECT_KEY(1, "setup_ok");
	EXPECT_KEY(0, "nodelay_set");
	EXPECT_KEY(1, "nodelay_get");
	EXPECT_KEY(0, "keepidle_set");
	EXPECT_KEY(33, "keepidle_get");
	EXPECT_KEY(0, "keepalive_set");
	EXPECT_KEY(1, "keepalive_get");
	EXPECT_KEY(1, "maxseg_positive");
	EXPECT_KEY(0, "cork_set");
	EXPECT_KEY(-EINVAL, "bad_optlen");
	EXPECT_KEY(IPPROTO_TCP, "accepted_so_protocol");
}

TEST_F(shim, select)
{
	int x = variant->raw;

	RUN_SC("select", "40001,127.0.0.3/32");
	EXPECT_KEY(0, "l1_bind");
	EXPECT_KEY(0, "l1_listen");
	EXPECT_KEY(1, "l1_same_fd");
	EXPECT_KEY(x, "l1_raw_domain");
	EXPECT_KEY(1, "l1_reuseaddr");
	EXPECT_KEY(1, "l1_rcvbuf_kept");
	EXPECT_KEY(1, "l1_cloexec");
	EXPECT_KEY(AF_INET, "l2_raw_domain");
	EXPECT_KEY(x, "l3_raw_domain");
	EXPECT_KEY(-EINPROGRESS, "c1_connect");
	EXPECT_KEY(1, "c1_poll");
	EXPECT_KEY(0, "c1_so_error");
	EXPECT_KEY(x, "c1_raw_domain");
	EXPECT_KEY(1, "c1_nonblock");
	EXPECT_KEY(1, "c1_nodelay");
	EXPECT_KEY(1, "c1_data");
	EXPECT_KEY(AF_INET, "c2_raw_domain");
	EXPECT_KEY(1, "c2_data");
	EXPECT_KEY(0, "c3_bind");
	EXPECT_KEY(0, "c3_connect");
	EXPECT_KEY(x, "c3_raw_domain");
	EXPECT_KEY(1, "c3_data");
	EXPECT_KEY(x, "c4_raw_domain");
	EXPECT_KEY(1, "c4_data");
}

TEST_F(shim, threads)
{
	RUN_SC("threads", "40001");
	EXPECT_KEY(variant->raw, "listener_raw_domain");
	EXPECT_KEY(THREADS * PER_THREAD, "connected_same_family");
	EXPECT_KEY(THREADS * PER_THREAD, "accepted");
}

int main(int argc, char **argv)
{
	int i;

	if (argc == 3 && !strcmp(argv[1], "--scenario")) {
		for (i = 0; i < (int)ARRAY_SIZE(scenarios); i++) {
			if (!strcmp(argv[2], scenarios[i].name)) {
				scenarios[i].fn();
				fflush(stdout);
				return 0;
			}
		}
		return 2;
	}
	return test_harness_run(argc, argv);
}
