/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the XTCP selftests: the per-family fixture variant,
 * fresh network namespaces, sysctls, counters, /proc socket views, and a
 * TCP-shaped segment builder for raw-socket tests.
 *
 * Every API test runs the same body twice, once with AF_INET/IPPROTO_TCP
 * (Linux TCP, the reference) and once with AF_XTCP/IPPROTO_XTCP, and asserts
 * identical results. The AF_XTCP variant SKIPs when the family is not
 * registered (socket() fails with EAFNOSUPPORT), e.g. on a host without
 * xtcp.ko; inside the test VM, where the module is loaded, it fails.
 */
#ifndef XTCP_SELFTEST_LIB_H
#define XTCP_SELFTEST_LIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../include/uapi/linux/xtcp.h"

/* One protocol under test. */
struct xfam {
	int family;		/* socket() and sockaddr family */
	int protocol;		/* socket() protocol argument */
	int ipproto;		/* IP protocol number on the wire */
	const char *name;
};

#define XFAM_TCP  { AF_INET, IPPROTO_TCP, IPPROTO_TCP, "tcp" }
#define XFAM_XTCP { AF_XTCP, IPPROTO_XTCP, IPPROTO_XTCP, "xtcp" }

static inline bool is_xtcp(const struct xfam *f)
{
	return f->family == AF_XTCP;
}

/* 0 if socket(family, SOCK_STREAM, protocol) works, else its errno. */
static inline int xfam_probe(const struct xfam *f)
{
	int fd = socket(f->family, SOCK_STREAM, f->protocol);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static inline int xsock(const struct xfam *f, int flags)
{
	return socket(f->family, SOCK_STREAM | flags, f->protocol);
}

static inline struct sockaddr_in xaddr(const struct xfam *f, const char *ip,
				       uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = f->family;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static inline int xbind(const struct xfam *f, int fd, const char *ip,
			uint16_t port)
{
	struct sockaddr_in sin = xaddr(f, ip, port);

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
}

static inline int xconnect(const struct xfam *f, int fd, const char *ip,
			   uint16_t port)
{
	struct sockaddr_in sin = xaddr(f, ip, port);

	return connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
}

static inline int setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) ? errno : 0;
}

/* ---- kernel differences (Documentation/kernels.rst) ---------------------- */

/* True when the running kernel is older than MAJ.MIN. */
static inline bool kernel_before(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a < maj || (a == maj && b < min);
}

/*
 * Before 6.6 (no SOCK_CUSTOM_SOCKOPT) the core handles SOL_SOCKET itself
 * and refuses SO_REUSEPORT with EOPNOTSUPP for families other than
 * AF_INET/AF_INET6, before XTCP sees it. There an XTCP test of
 * SO_REUSEPORT checks that refusal (reuseport_refused()), then skips.
 */
#define NO_REUSEPORT_WHY \
	"the core of kernels before 6.6 refuses SO_REUSEPORT for AF_XTCP"

static inline bool no_reuseport(const struct xfam *f)
{
	return is_xtcp(f) && kernel_before(6, 6);
}

static inline int so_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	return err;
}

/* Local port of a bound socket, or -1. */
static inline int local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	return ntohs(sin.sin_port);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Bounds for a timer that should fire @want seconds after its start. It
 * never fires early: 0.9 only absorbs jiffy rounding and the capture
 * timestamps. Late is the guest's scheduling: on a 2-vCPU TCG guest of a
 * loaded host a timer runs late by up to tens of percent plus a few
 * hundred ms, so 1.5 x + 0.5 s; a timer driven by the wrong setting (the
 * 1 s default RTO instead of 200 ms, no backoff, a missing cap) is outside.
 */
#define TIMER_LO(want)	(0.9 * (want))
#define TIMER_HI(want)	(1.5 * (want) + 0.5)

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* poll() one fd; returns revents (0 on timeout, -1 on error). */
static inline int poll1(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	return n ? pfd.revents : 0;
}

static inline int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/*
 * Non-blocking connect, then wait up to timeout_ms for the outcome.
 * Returns the fd's SO_ERROR (0 = established), ETIME if still pending.
 */
static inline int connect_wait(const struct xfam *f, int fd, const char *ip,
			       uint16_t port, int timeout_ms)
{
	int err;

	set_nonblock(fd, true);
	err = xconnect(f, fd, ip, port);
	if (err == 0)
		goto out;
	if (err != EINPROGRESS)
		return err;
	if (poll1(fd, POLLOUT, timeout_ms) <= 0)
		return ETIME;
	err = so_error(fd);
out:
	set_nonblock(fd, false);
	return err;
}

/* ---- files, sysctls ---------------------------------------------------- */

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

/* sysctl by dotted name in the current netns; 0 or errno. */
static inline int sysctl_set(const char *name, const char *val)
{
	char path[256];
	char *p;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	return write_file(path, val);
}

static inline long sysctl_get(const char *name)
{
	char path[256], buf[128];
	char *p;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 0);
}

/* ---- network namespaces -------------------------------------------------- */

static inline int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Bring lo up in the current netns (no iproute2 needed). */
static inline int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int ret = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/*
 * Create a new netns with lo up, switch into it and return an fd for it
 * (inherited by children, so "ip ... netns /proc/self/fd/N" works).
 */
static inline int ns_new(void)
{
	if (unshare(CLONE_NEWNET))
		return -1;
	if (lo_up())
		return -1;
	return open("/proc/self/ns/net", O_RDONLY);
}

static inline int ns_enter(int nsfd)
{
	return setns(nsfd, CLONE_NEWNET);
}

/*
 * Inside scripts/vm-run with the module loaded (XTCP_KO set), where setup
 * installed ethtool, tc and tshark, nothing a test needs may be missing.
 */
static inline bool xtcp_in_vm(void)
{
	const char *ko = getenv("XTCP_KO");

	return ko && *ko;
}

/*
 * SKIP for a missing capability (no AF_XTCP, no tc, no ethtool) only
 * outside the test VM: inside it the same condition fails the test. A
 * macro, so it works whichever of this file and kselftest_harness.h comes
 * first.
 */
#define SKIP_OUTSIDE_VM(statement, ...) do {				\
	if (xtcp_in_vm()) {						\
		TH_LOG("missing in the test VM: " __VA_ARGS__);		\
		ASSERT_TRUE(false);					\
	}								\
	SKIP(statement, __VA_ARGS__);					\
} while (0)

#ifdef __KSELFTEST_HARNESS_H
/*
 * The harness's per-case timeout (TEST_F() without _TIMEOUT) is a guard
 * against a hang, not a speed bound. Its 30 s fits a native kernel; the
 * debug kernel runs under TCG with KASAN and lockdep, several guests to
 * two host CPUs, where a case that takes 10 s alone once took more than
 * 30 s. The macro is expanded where TEST_F() is used, so redefining it
 * here, after the harness, sets every plain case's timeout.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

/*
 * Fixture setup common to all API tests: SKIP the AF_XTCP variant when the
 * family is not registered (a failure inside the test VM), then move this
 * test into a fresh netns so sysctl changes and port use never touch
 * anyone else. Returns true when
 * the test was SKIPped; the caller then returns at once:
 *
 *	if (xtcp_setup_netns(_metadata, &variant->f))
 *		return;
 *
 * A failed ASSERT longjmp()s out of the test as it would from the caller.
 */
static inline bool xtcp_setup_netns(struct __test_metadata *_metadata,
				    const struct xfam *f)
{
	int e = xfam_probe(f);

	if (e == EAFNOSUPPORT && is_xtcp(f))
		SKIP_OUTSIDE_VM(return true, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e) TH_LOG("socket(%s): %s", f->name, strerror(e));
	ASSERT_LE(0, ns_new()) TH_LOG("new netns: %s", strerror(errno));
	return false;
}

/* See no_reuseport(): true, with the refusal checked, where it applies. */
static inline bool reuseport_refused(struct __test_metadata *_metadata,
				     const struct xfam *f)
{
	int fd;

	if (!no_reuseport(f))
		return false;
	fd = xsock(f, 0);
	EXPECT_LE(0, fd);
	EXPECT_EQ(EOPNOTSUPP, setint(fd, SOL_SOCKET, SO_REUSEPORT, 1));
	close(fd);
	return true;
}
#endif

/* Raise RLIMIT_NOFILE (tests with many sockets). */
static inline void raise_nofile(rlim_t n)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	if (rl.rlim_cur < n)
		rl.rlim_cur = n;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* ---- counters -------------------------------------------------------- */

/* Value of "Key: name..." / "Key: values..." two-line tables. */
static inline long snmp_table_get(const char *path, const char *key,
				  const char *name)
{
	char hdr[8192], val[8192];
	char *hs, *vs, *h, *v;
	size_t klen = strlen(key);
	long ret = -1;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return -1;
	while (fgets(hdr, sizeof(hdr), fp) && fgets(val, sizeof(val), fp)) {
		if (strncmp(hdr, key, klen) || hdr[klen] != ':')
			continue;
		h = strtok_r(hdr + klen + 1, "\n ", &hs);
		v = strtok_r(val + klen + 1, "\n ", &vs);
		while (h && v) {
			if (!strcmp(h, name)) {
				ret = strtol(v, NULL, 10);
				break;
			}
			h = strtok_r(NULL, "\n ", &hs);
			v = strtok_r(NULL, "\n ", &vs);
		}
		break;
	}
	fclose(fp);
	return ret;
}

/* /proc/net/xtcp/snmp: "Name Value" lines. */
static inline long xtcp_snmp_get(const char *name)
{
	char line[256], key[128];
	long v, ret = -1;
	FILE *fp = fopen("/proc/net/xtcp/snmp", "r");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%127s %ld", key, &v) == 2 &&
		    !strcmp(key, name)) {
			ret = v;
			break;
		}
	}
	fclose(fp);
	return ret;
}

/*
 * Counter by XTCP's name, in the current netns. XTCP uses TCP's names; for
 * TCP they live in /proc/net/snmp (Tcp:) or /proc/net/netstat (TcpExt:).
 * Returns -1 if the counter does not exist.
 */
static inline long mib_get(const struct xfam *f, const char *name)
{
	long v;

	if (is_xtcp(f))
		return xtcp_snmp_get(name);
	v = snmp_table_get("/proc/net/snmp", "Tcp", name);
	if (v < 0)
		v = snmp_table_get("/proc/net/netstat", "TcpExt", name);
	return v;
}

/* ---- /proc/net/{tcp,xtcp/sockets} -------------------------------------- */

static inline const char *proc_sockets(const struct xfam *f)
{
	return is_xtcp(f) ? "/proc/net/xtcp/sockets" : "/proc/net/tcp";
}

/*
 * Count entries in state st (hex, e.g. 0x0A) with local port lport (0 = any).
 * Returns -1 if the file is missing. For a listener the rx_queue column is
 * the accept-queue length; *rxq gets it for the last match.
 */
static inline int proc_count(const struct xfam *f, int st, int lport, int *rxq)
{
	unsigned int laddr, lp, raddr, rp, state, txq, rq;
	char line[512];
	int n = 0;
	FILE *fp = fopen(proc_sockets(f), "r");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, " %*d: %x:%x %x:%x %x %x:%x", &laddr, &lp,
			   &raddr, &rp, &state, &txq, &rq) != 7)
			continue;
		if ((int)state != st || (lport && (int)lp != lport))
			continue;
		n++;
		if (rxq)
			*rxq = rq;
	}
	fclose(fp);
	return n;
}

#define ST_ESTABLISHED	0x01
#define ST_SYN_SENT	0x02
#define ST_SYN_RECV	0x03
#define ST_LISTEN	0x0A
#define ST_NEW_SYN_RECV	0x0C

/* Request socks show as 03 in /proc/net/tcp, 0C in XTCP's view. */
static inline int st_reqsk(const struct xfam *f)
{
	return is_xtcp(f) ? ST_NEW_SYN_RECV : ST_SYN_RECV;
}

/* ---- TCP-shaped segments for raw sockets ------------------------------- */

static inline uint16_t csum_fold32(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static inline uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

/* Checksum over the IPv4 pseudo-header with protocol ipproto (host order). */
static inline uint16_t l4_csum(uint32_t saddr, uint32_t daddr, int ipproto,
			       const void *seg, size_t len)
{
	uint8_t ph[12];
	uint32_t sum = 0;

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = ipproto;
	ph[10] = len >> 8;
	ph[11] = len & 0xff;
	sum = csum_add(sum, ph, sizeof(ph));
	sum = csum_add(sum, seg, len);
	return csum_fold32(sum);
}

/*
 * Build a TCP-shaped segment (20 bytes; SYNs add MSS and window scale) into buf;
 * addresses in network order. Returns its length.
 */
static inline size_t build_seg(void *buf, uint32_t saddr, uint32_t daddr,
			       int ipproto, uint16_t sport, uint16_t dport,
			       uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct tcphdr *th = buf;
	size_t len = sizeof(*th);
	uint8_t *opt = (uint8_t *)buf + sizeof(*th);

	memset(th, 0, sizeof(*th));
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->window = htons(65535);
	((uint8_t *)th)[13] = flags;
	if (flags & TH_SYN) {
		opt[0] = 2;	/* MSS 1460 */
		opt[1] = 4;
		opt[2] = 1460 >> 8;
		opt[3] = 1460 & 0xff;
		opt[4] = 1;	/* NOP */
		opt[5] = 3;	/* window scale 7 */
		opt[6] = 3;
		opt[7] = 7;
		len += 8;
	}
	th->doff = len / 4;
	th->check = htons(l4_csum(saddr, daddr, ipproto, buf, len));
	return len;
}

/* Send a segment from a raw socket (kernel adds the IP header). */
static inline int raw_send_seg(int rawfd, const char *src, const char *dst,
			       int ipproto, uint16_t sport, uint16_t dport,
			       uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint32_t saddr, daddr;
	uint8_t buf[64];
	size_t len;

	inet_pton(AF_INET, src, &saddr);
	inet_pton(AF_INET, dst, &daddr);
	sin.sin_addr.s_addr = daddr;
	len = build_seg(buf, saddr, daddr, ipproto, sport, dport, seq, ack,
			flags);
	if (sendto(rawfd, buf, len, 0, (struct sockaddr *)&sin,
		   sizeof(sin)) != (ssize_t)len)
		return errno;
	return 0;
}

/* ---- two namespaces joined by veth --------------------------------------- */

/*
 * S ("server", vs 10.0.0.1/24) and C ("client", vc 10.0.0.2/24) joined by a
 * veth pair. With fake_neigh, S resolves 10.0.0.2 to a MAC nobody owns, so
 * whatever S sends to C is dropped at vc before IP (C's stack never answers
 * S's SYN-ACKs with an RST) while a packet socket on vs still sees it.
 * Returns with the caller in S.
 */
struct twons {
	int home, s, c;
};

#define NS_S_ADDR "10.0.0.1"
#define NS_C_ADDR "10.0.0.2"
#define FAKE_MAC  "02:00:00:00:00:02"

static inline int twons_setup(struct twons *t, bool fake_neigh)
{
	t->home = open("/proc/self/ns/net", O_RDONLY);
	t->s = ns_new();
	t->c = ns_new();
	if (t->home < 0 || t->s < 0 || t->c < 0)
		return -1;
	/* now in C */
	if (run("ip link add name vc type veth peer name vs netns /proc/%d/fd/%d",
		getpid(), t->s) ||
	    run("ip addr add " NS_C_ADDR "/24 dev vc && ip link set vc up"))
		return -1;
	if (ns_enter(t->s))
		return -1;
	if (run("ip addr add " NS_S_ADDR "/24 dev vs && ip link set vs up"))
		return -1;
	if (fake_neigh &&
	    run("ip neigh replace " NS_C_ADDR " lladdr " FAKE_MAC
		" dev vs nud permanent"))
		return -1;
	return 0;
}

/*
 * A destination that never answers, in the current netns: veth va/vb, va
 * 10.0.0.1/24, and 10.0.0.2 resolved to a MAC nobody owns, so segments to
 * it leave va (a packet socket on va sees them) and are dropped at vb.
 */
#define BH_LOCAL "10.0.0.1"
#define BH_PEER  "10.0.0.2"

static inline int blackhole_setup(void)
{
	return run("ip link add name va type veth peer name vb && "
		   "ip addr add " BH_LOCAL "/24 dev va && "
		   "ip link set va up && ip link set vb up && "
		   "ip neigh replace " BH_PEER " lladdr " FAKE_MAC
		   " dev va nud permanent");
}

/*
 * Shorten the SYN retransmission schedule in the current netns: retries
 * retransmissions, XTCP's first RTO rto_ms (TCP's is fixed at 1 s). Returns
 * the first RTO in ms, or -1 with errno set.
 */
static inline int syn_timers_set(const struct xfam *f, int retries, int rto_ms)
{
	char buf[16];
	int err;

	snprintf(buf, sizeof(buf), "%d", retries);
	if (!is_xtcp(f)) {
		/* newer kernels back off linearly at first; 6.12 does not */
		sysctl_set("net.ipv4.tcp_syn_linear_timeouts", "0");
		err = sysctl_set("net.ipv4.tcp_syn_retries", buf);
		errno = err;
		return err ? -1 : 1000;
	}
	err = sysctl_set("net.xtcp.syn_retries", buf);
	if (!err) {
		snprintf(buf, sizeof(buf), "%d", rto_ms);
		err = sysctl_set("net.xtcp.rto_init_ms", buf);
	}
	errno = err;
	return err ? -1 : rto_ms;
}

static inline int synack_timers_set(const struct xfam *f, int retries,
				    int rto_ms)
{
	char buf[16];
	int err;

	snprintf(buf, sizeof(buf), "%d", retries);
	if (!is_xtcp(f)) {
		err = sysctl_set("net.ipv4.tcp_synack_retries", buf);
		errno = err;
		return err ? -1 : 1000;
	}
	err = sysctl_set("net.xtcp.synack_retries", buf);
	if (!err) {
		snprintf(buf, sizeof(buf), "%d", rto_ms);
		err = sysctl_set("net.xtcp.rto_init_ms", buf);
	}
	errno = err;
	return err ? -1 : rto_ms;
}

/* ---- packet capture of one IP protocol on one device -------------------- */

#include <linux/if_packet.h>
#include <net/ethernet.h>

struct seg {
	double t;		/* kernel capture time, s (CLOCK_REALTIME) */
	uint32_t saddr, daddr;	/* network order */
	uint16_t sport, dport;	/* host order */
	uint32_t seq, ack;
	uint8_t flags;
	int outgoing;
	int mss, wscale;	/* options, -1 if absent */
	int csum_ok;		/* checksum valid with this ipproto */
};

/*
 * Packet socket on ifname in the current netns. ETH_P_ALL, as only such
 * taps see outgoing frames; cap_next() keeps IPv4.
 */
static inline int cap_open(const char *ifname)
{
	struct sockaddr_ll sll = { 0 };
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_ALL));

	if (fd < 0)
		return -1;
	/* timestamp frames as they pass (SCM_TIMESTAMPNS) */
	setint(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	/*
	 * Tests read what a burst sent only after it: the default 208 KiB
	 * would drop all but a few hundred frames (the VM runs as root).
	 */
	setint(fd, SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Next segment of IP protocol ipproto within timeout_ms (1) or timeout (0).
 */
static inline int cap_next(int fd, int ipproto, struct seg *sg, int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;
	uint8_t buf[2048];
	char cbuf[CMSG_SPACE(sizeof(struct timespec)) * 2];
	struct sockaddr_ll sll;
	double stamp;
	ssize_t n;

	for (;;) {
		int left = (int)((end - now_s()) * 1000);

		if (left < 0)
			left = 0;
		{
			struct iovec iov = { buf, sizeof(buf) };
			struct msghdr msg = {
				.msg_name = &sll, .msg_namelen = sizeof(sll),
				.msg_iov = &iov, .msg_iovlen = 1,
				.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
			};

			n = recvmsg(fd, &msg, 0);
			stamp = 0;
			if (n >= 0) {
				struct cmsghdr *cm;

				for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
					if (cm->cmsg_level == SOL_SOCKET &&
					    cm->cmsg_type == SCM_TIMESTAMPNS) {
						struct timespec ts;

						memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
						stamp = ts.tv_sec + ts.tv_nsec / 1e9;
					}
			}
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			if (!left)
				return 0;
			poll1(fd, POLLIN, left);
			continue;
		}
		{
			struct iphdr *ip = (struct iphdr *)buf;
			struct tcphdr *th;

			if (sll.sll_protocol != htons(ETH_P_IP) ||
			    n < (ssize_t)sizeof(*ip) || ip->protocol != ipproto ||
			    n < ip->ihl * 4 + (ssize_t)sizeof(*th))
				continue;
			th = (struct tcphdr *)(buf + ip->ihl * 4);
			sg->t = stamp;
			sg->saddr = ip->saddr;
			sg->daddr = ip->daddr;
			sg->sport = ntohs(th->source);
			sg->dport = ntohs(th->dest);
			sg->seq = ntohl(th->seq);
			sg->ack = ntohl(th->ack_seq);
			sg->flags = ((uint8_t *)th)[13];
			sg->outgoing = sll.sll_pkttype == PACKET_OUTGOING;
			sg->mss = -1;
			sg->wscale = -1;
			{
				uint8_t *o = (uint8_t *)th + sizeof(*th);
				uint8_t *end = (uint8_t *)th + th->doff * 4;
				size_t l4len = ntohs(ip->tot_len) - ip->ihl * 4;

				if (end > buf + n)
					end = buf + n;
				while (o < end && *o != 0) {
					if (*o == 1) {
						o++;
						continue;
					}
					if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
						break;
					if (o[0] == 2 && o[1] == 4)
						sg->mss = (o[2] << 8) | o[3];
					if (o[0] == 3 && o[1] == 3)
						sg->wscale = o[2];
					o += o[1];
				}
				/*
				 * Outgoing frames may carry a partial checksum
				 * (offload); only judge frames we received whole.
				 */
				sg->csum_ok = l4len <= (size_t)(n - ip->ihl * 4) &&
					l4_csum(ip->saddr, ip->daddr, ipproto, th,
						l4len) == 0;
			}
			return 1;
		}
	}
}

#ifndef TH_FIN
#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PUSH	0x08
#define TH_ACK	0x10
#endif

/* ---- byte streams: a reproducible pattern and SHA-256 ------------------ */

/*
 * The pattern a sender writes: xorshift64* words from a seed, so a receiver
 * or a hash can tell any reordered, duplicated or altered byte.
 */
static inline void pat_fill(uint64_t *state, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t x = *state;

	while (len) {
		uint64_t w;
		size_t n = len < 8 ? len : 8;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		w = x * 0x2545F4914F6CDD1DULL;
		memcpy(p, &w, n);
		p += n;
		len -= n;
	}
	*state = x;
}

/* SHA-256 (FIPS 180-4), small and unoptimised: enough to compare streams. */
struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;	/* bytes hashed */
};

static inline uint32_t sha_ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline void sha256_block(struct sha256 *c, const uint8_t *p)
{
	static const uint32_t k[64] = {
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
		0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
		0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
		0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
		0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
		0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
		0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
		0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
		0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
		0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
		0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
		0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
		0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	};
	uint32_t w[64], a, b, cc, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | p[4 * i + 1] << 16 |
		       p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (sha_ror(w[i - 15], 7) ^ sha_ror(w[i - 15], 18) ^
			(w[i - 15] >> 3)) +
		       (sha_ror(w[i - 2], 17) ^ sha_ror(w[i - 2], 19) ^
			(w[i - 2] >> 10));
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (sha_ror(e, 6) ^ sha_ror(e, 11) ^ sha_ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + k[i] + w[i];
		t2 = (sha_ror(a, 2) ^ sha_ror(a, 13) ^ sha_ror(a, 22)) +
		     ((a & b) ^ (a & cc) ^ (b & cc));
		h = g; g = f; f = e; e = d + t1;
		d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

static inline void sha256_init(struct sha256 *c)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, h0, sizeof(h0));
	c->len = 0;
}

static inline void sha256_update(struct sha256 *c, const void *data,
				 size_t len)
{
	const uint8_t *p = data;
	size_t fill = c->len % 64;

	c->len += len;
	if (fill) {
		size_t n = 64 - fill < len ? 64 - fill : len;

		memcpy(c->buf + fill, p, n);
		p += n;
		len -= n;
		if (fill + n < 64)
			return;
		sha256_block(c, c->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(c, p);
	memcpy(c->buf, p, len);
}

/* Final digest as 64 hex digits (hex must hold 65 bytes). */
static inline void sha256_hex(struct sha256 *c, char *hex)
{
	uint64_t bits = c->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = 64 - (c->len + 8) % 64;
	int i;

	if (padlen == 0)
		padlen = 64;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = bits >> (56 - 8 * i);
	sha256_update(c, pad, padlen + 8);
	for (i = 0; i < 8; i++)
		sprintf(hex + 8 * i, "%08x", c->h[i]);
}

/* ---- data segments for raw sockets -------------------------------------- */

/*
 * A TCP-shaped segment without options carrying len payload bytes, sent
 * from a raw socket; addresses as strings. 0 or errno.
 */
static inline int raw_send_data(int rawfd, const char *src, const char *dst,
				int ipproto, uint16_t sport, uint16_t dport,
				uint32_t seq, uint32_t ack, uint8_t flags,
				uint16_t win, const void *data, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t buf[20 + 1460];
	struct tcphdr *th = (struct tcphdr *)buf;
	uint32_t saddr, daddr;

	if (len > 1460) {
		errno = EMSGSIZE;
		return errno;
	}
	inet_pton(AF_INET, src, &saddr);
	inet_pton(AF_INET, dst, &daddr);
	sin.sin_addr.s_addr = daddr;
	memset(th, 0, sizeof(*th));
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->window = htons(win);
	th->doff = 5;
	buf[13] = flags;
	memcpy(buf + 20, data, len);
	th->check = htons(l4_csum(saddr, daddr, ipproto, buf, 20 + len));
	if (sendto(rawfd, buf, 20 + len, 0, (struct sockaddr *)&sin,
		   sizeof(sin)) != (ssize_t)(20 + len))
		return errno;
	return 0;
}

/* ---- netem on a device of the current netns ------------------------------ */

/* "tc qdisc replace dev DEV root netem ARGS"; 0 or the command's status. */
static inline int netem_set(const char *dev, const char *args)
{
	return run("tc qdisc replace dev %s root netem %s", dev, args);
}

static inline int netem_clear(const char *dev)
{
	return run("tc qdisc del dev %s root 2>/dev/null", dev);
}

/* TIME_WAIT in /proc/net/tcp and /proc/net/xtcp/sockets. */
#define ST_FIN_WAIT1	0x04
#define ST_FIN_WAIT2	0x05
#define ST_TIME_WAIT	0x06
#define ST_CLOSE_WAIT	0x08
#define ST_LAST_ACK	0x09

/*
 * A connected pair across twons: *s accepted in S, *c in C, both blocking.
 * Leaves the caller in S. 0 or an errno.
 */
static inline int twons_pair(const struct xfam *f, struct twons *t,
			     uint16_t port, int *s, int *c)
{
	int l, err;

	if (ns_enter(t->s))
		return errno;
	l = xsock(f, 0);
	if (l < 0)
		return errno;
	if (xbind(f, l, NS_S_ADDR, port) || listen(l, 4)) {
		err = errno;
		close(l);
		return err;
	}
	ns_enter(t->c);
	*c = xsock(f, 0);
	err = errno;
	ns_enter(t->s);
	if (*c < 0) {
		close(l);
		return err;
	}
	err = connect_wait(f, *c, NS_S_ADDR, port, 20000);
	if (!err) {
		*s = (poll1(l, POLLIN, 20000) & POLLIN) ?
		     accept(l, NULL, NULL) : -1;
		if (*s < 0)
			err = ETIME;
	}
	close(l);
	if (err)
		close(*c);
	return err;
}

/* A connected pair over loopback in the current netns; 0 or an errno. */
static inline int lo_pair(const struct xfam *f, uint16_t port, int *s, int *c)
{
	int l = xsock(f, 0);
	int err;

	if (l < 0)
		return errno;
	if (xbind(f, l, "127.0.0.1", port) || listen(l, 4)) {
		err = errno;
		close(l);
		return err;
	}
	*c = xsock(f, 0);
	if (*c < 0) {
		err = errno;
		close(l);
		return err;
	}
	err = connect_wait(f, *c, "127.0.0.1", port, 20000);
	if (!err) {
		*s = (poll1(l, POLLIN, 20000) & POLLIN) ?
		     accept(l, NULL, NULL) : -1;
		if (*s < 0)
			err = ETIME;
	}
	close(l);
	if (err)
		close(*c);
	return err;
}

/* SO_LINGER on or off with a timeout in seconds; 0 or errno. */
static inline int set_linger(int fd, int on, int secs)
{
	struct linger lg = { .l_onoff = on, .l_linger = secs };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ? errno : 0;
}

/*
 * TCP keeps some counters under a "TCP" prefix in TcpExt: where XTCP says
 * AbortOnData, TCP says TCPAbortOnData. Counter by XTCP's name for both.
 */
static inline long mib_get_ext(const struct xfam *f, const char *name)
{
	char tname[128];

	if (is_xtcp(f))
		return xtcp_snmp_get(name);
	snprintf(tname, sizeof(tname), "TCP%s", name);
	return snmp_table_get("/proc/net/netstat", "TcpExt", tname);
}

/* ---- bulk transfers between twons, digested ---------------------------- */

#include <pthread.h>

#define MiB		(1024 * 1024L)
#define XFER_CHUNK	(64 * 1024)
#define XFER_STALL_SEC	20	/* SO_RCVTIMEO/SO_SNDTIMEO: no progress = fail */

/*
 * Divisor of the transfer sizes: XTCP_STREAM_DIV, else 64 on the debug
 * kernel (KASAN under TCG moves data far slower), else 1.
 */
static inline long xfer_div(void)
{
	const char *e = getenv("XTCP_STREAM_DIV");
	const char *k = getenv("XTCP_KERNEL");

	if (e && atol(e) > 0)
		return atol(e);
	return k && !strcmp(k, "debug") ? 64 : 1;
}

static inline void xfer_timeouts(int fd, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* twons_pair() whose ends fail a call stalled for XFER_STALL_SEC. */
static inline int xfer_pair(const struct xfam *f, struct twons *t,
			    uint16_t port, int *s, int *c)
{
	int err = twons_pair(f, t, port, s, c);

	if (!err) {
		xfer_timeouts(*s, XFER_STALL_SEC);
		xfer_timeouts(*c, XFER_STALL_SEC);
	}
	return err;
}

/* One direction of one connection, as seen by one side. */
struct xfer_half {
	int fd;
	uint64_t seed;
	long want;		/* bytes to send (sender) */
	long bytes;		/* bytes sent / received */
	int err;		/* errno that ended it early, 0 if none */
	bool eof;		/* receiver saw EOF */
	char hex[65];
};

static inline void *xfer_sender(void *arg)
{
	struct xfer_half *h = arg;
	uint64_t st = h->seed;
	struct sha256 sh;
	char *buf = malloc(XFER_CHUNK);

	sha256_init(&sh);
	while (buf && h->bytes < h->want) {
		size_t n = h->want - h->bytes < XFER_CHUNK ? h->want - h->bytes : XFER_CHUNK;
		size_t off = 0;

		pat_fill(&st, buf, n);
		sha256_update(&sh, buf, n);
		while (off < n) {
			ssize_t r = send(h->fd, buf + off, n - off, MSG_NOSIGNAL);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				h->err = errno;
				goto out;
			}
			off += r;
			h->bytes += r;
		}
	}
	if (shutdown(h->fd, SHUT_WR))
		h->err = errno;
out:
	sha256_hex(&sh, h->hex);
	free(buf);
	return NULL;
}

static inline void *xfer_receiver(void *arg)
{
	struct xfer_half *h = arg;
	struct sha256 sh;
	char *buf = malloc(XFER_CHUNK);
	ssize_t r;

	sha256_init(&sh);
	while (buf) {
		r = recv(h->fd, buf, XFER_CHUNK, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			h->err = errno;
			break;
		}
		if (r == 0) {
			h->eof = true;
			break;
		}
		sha256_update(&sh, buf, r);
		h->bytes += r;
	}
	sha256_hex(&sh, h->hex);
	free(buf);
	return NULL;
}

/* The MAC address of @dev in the current netns into @mac, or -1. */
static inline int link_mac(const char *dev, char *mac, size_t len)
{
	char cmd[128], line[512], *m;
	int err = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip -o link show dev %s 2>/dev/null", dev);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fgets(line, sizeof(line), p)) {
		m = strstr(line, "link/ether ");
		if (m && sscanf(m + strlen("link/ether "), "%17s", mac) == 1 &&
		    strlen(mac) == 17 && len > 17)
			err = 0;
	}
	pclose(p);
	return err;
}

/*
 * netem ARGS on both ends of the veth (each qdisc shapes what it sends).
 * Each end's neighbour entry for the other is pinned first (unless one is
 * pinned already, as twons_setup()'s fake one): netem drops ARP too, and a
 * resolution that loses its three probes makes the kernel report
 * EHOSTUNREACH to the connecting socket, a lossy link's fact but not
 * what these transfers test.
 */
static inline int netem_both(struct twons *t, const char *args)
{
	char smac[32], cmac[32];
	int err;

	if (ns_enter(t->s) || link_mac("vs", smac, sizeof(smac)) ||
	    ns_enter(t->c) || link_mac("vc", cmac, sizeof(cmac)))
		return -1;
	err = run("ip neigh show " NS_S_ADDR " dev vc | grep -q PERMANENT || "
		  "ip neigh replace " NS_S_ADDR " lladdr %s dev vc nud permanent",
		  smac);
	err = err ?: netem_set("vc", args);
	if (ns_enter(t->s))
		return -1;
	err = err ?: run("ip neigh show " NS_C_ADDR " dev vs | grep -q PERMANENT || "
			 "ip neigh replace " NS_C_ADDR " lladdr %s dev vs nud permanent",
			 cmac);
	return err ?: netem_set("vs", args);
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * size bytes from C to S and size bytes from S to C at the same time on
 * one connection; both directions must arrive byte-exact, then EOF.
 */
static inline void xfer(struct __test_metadata *_metadata,
			struct twons *t, const struct xfam *f, uint16_t port,
			long size)
{
	struct xfer_half cs = { .seed = 0x1234567 + port, .want = size };
	struct xfer_half sc = { .seed = 0x7654321 + port, .want = size };
	struct xfer_half rs = { 0 }, rc = { 0 };
	pthread_t th[4];
	double t0, dt;
	int s = -1, c = -1;

	ASSERT_EQ(0, xfer_pair(f, t, port, &s, &c));
	cs.fd = c;
	rc.fd = c;
	sc.fd = s;
	rs.fd = s;
	t0 = now_s();
	ASSERT_EQ(0, pthread_create(&th[0], NULL, xfer_sender, &cs));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, xfer_sender, &sc));
	ASSERT_EQ(0, pthread_create(&th[2], NULL, xfer_receiver, &rs));
	ASSERT_EQ(0, pthread_create(&th[3], NULL, xfer_receiver, &rc));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	dt = now_s() - t0;
	TH_LOG("%s: %ld KiB each way in %.1f s (%.1f MiB/s total)", f->name,
	       size / 1024, dt, 2.0 * size / MiB / (dt > 0 ? dt : 1));
	EXPECT_EQ(0, cs.err) TH_LOG("C send: %s after %ld bytes",
				    strerror(cs.err), cs.bytes);
	EXPECT_EQ(0, sc.err) TH_LOG("S send: %s after %ld bytes",
				    strerror(sc.err), sc.bytes);
	EXPECT_EQ(0, rs.err) TH_LOG("S recv: %s after %ld bytes",
				    strerror(rs.err), rs.bytes);
	EXPECT_EQ(0, rc.err) TH_LOG("C recv: %s after %ld bytes",
				    strerror(rc.err), rc.bytes);
	EXPECT_EQ(size, cs.bytes);
	EXPECT_EQ(size, sc.bytes);
	EXPECT_EQ(size, rs.bytes);
	EXPECT_EQ(size, rc.bytes);
	EXPECT_TRUE(rs.eof);
	EXPECT_TRUE(rc.eof);
	EXPECT_STREQ(cs.hex, rs.hex);
	EXPECT_STREQ(sc.hex, rc.hex);
	close(s);
	close(c);
}
#endif

#endif /* XTCP_SELFTEST_LIB_H */
