// SPDX-License-Identifier: GPL-2.0
/*
 * B4: SYN flood. Spoofed SYNs from a raw socket (IP protocol 6 for TCP,
 * XTCP's 253 for XTCP, checksum over the pseudo-header with that number)
 * at a listener on 10.77.0.1, an address on a dummy interface. The sources
 * are 10.78.0.0/16, routed via a gateway on the dummy, so the SYN-ACKs
 * leave through the dummy and vanish: the half-open requests stay half
 * open, as in a real flood, and all traffic stays inside the VM.
 *
 * Phases, one JSON line each:
 *   base      SYNs with a bad checksum (dropped on receive): the cost of the
 *             raw send + loopback delivery alone, per SYN.
 *   fill      --fill SYNs (fewer than the backlog): every one creates a
 *             request sock and a SYN-ACK. per_syn_ns, net_ns (minus base),
 *             and memory per request: slab delta of the request-sock cache
 *             (objects x object size) and of all slab caches, per request.
 *   overflow  the queue is full: per-SYN cost of dropping (or of answering
 *             with a cookie in cookie mode).
 *   legit     a child floods at --rate SYNs/s while the parent makes
 *             --legit connects (non-blocking, --timeout ms each): success
 *             percentage and p50/p99 latency of the ones that succeed.
 *
 * --cookies on|off selects cookie mode (net.ipv4.tcp_syncookies=1 for TCP;
 * XTCP's syncookies sysctl if it has one, else the run is n/a) or the plain
 * request queue (tcp_syncookies=0; XTCP as it is).
 */
#include <assert.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <sys/uio.h>
#include "bench.h"

#define TARGET	0x0a4d0001u	/* 10.77.0.1 */
#define SRCNET	0x0a4e0000u	/* 10.78.0.0/16 */
#define BATCH	64

static long backlog = 2048, fill = 1024, overflow = 2000, base_n = 2000;
static long legit = 20, timeout_ms = 3000, rate = 5000;
static bool cookies;
static uint32_t counter, seq = 0x12345678;
static int raw = -1;
static const char *reqsk_cache;
static uint16_t port;

static void help_exit(void)
{
	fprintf(stderr,
		"usage: b4_synflood [--family inet|xtcp] [--cookies on|off]\n"
		"                   [--backlog N] [--fill N] [--overflow N]\n"
		"                   [--legit N] [--timeout MS] [--rate SYN/s]\n");
	exit(2);
}

struct syn {
	struct iphdr ip;
	struct tcphdr th;
	uint8_t opt[8];
};

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint16_t *p = data;

	for (; len > 1; len -= 2)
		sum += *p++;
	if (len)
		sum += *(const uint8_t *)p;
	return sum;
}

static_assert(sizeof(struct syn) == 48, "struct syn has padding");

/* The next spoofed SYN: a fresh (source address, source port) each time. */
static void build_syn(struct syn *s, bool bad_csum)
{
	uint32_t i = counter++;
	uint32_t src = SRCNET + 1 + i % 65534;
	uint16_t sport = 1024 + (i / 65534) % 64000;
	uint32_t sum;
	struct {
		uint32_t saddr, daddr;
		uint8_t zero, proto;
		uint16_t len;
	} ph;

	memset(s, 0, sizeof(*s));
	s->ip.version = 4;
	s->ip.ihl = 5;
	s->ip.ttl = 64;
	s->ip.protocol = fam.ipproto;
	s->ip.saddr = htonl(src);
	s->ip.daddr = htonl(TARGET);
	/* tot_len, id and the IP checksum are filled in by the kernel. */
	s->th.source = htons(sport);
	s->th.dest = htons(port);
	seq = seq * 1103515245u + 12345u;
	s->th.seq = htonl(seq);
	s->th.doff = (sizeof(s->th) + sizeof(s->opt)) / 4;
	s->th.syn = 1;
	s->th.window = htons(64240);
	s->opt[0] = TCPOPT_MAXSEG;
	s->opt[1] = TCPOLEN_MAXSEG;
	s->opt[2] = 1460 >> 8;
	s->opt[3] = 1460 & 0xff;
	s->opt[4] = TCPOPT_NOP;
	s->opt[5] = TCPOPT_WINDOW;
	s->opt[6] = TCPOLEN_WINDOW;
	s->opt[7] = 7;
	ph.saddr = s->ip.saddr;
	ph.daddr = s->ip.daddr;
	ph.zero = 0;
	ph.proto = fam.ipproto;
	ph.len = htons(sizeof(s->th) + sizeof(s->opt));
	sum = csum_add(0, &ph, sizeof(ph));
	sum = csum_add(sum, &s->th, sizeof(s->th) + sizeof(s->opt));
	s->th.check = csum_fold(sum);
	if (bad_csum)
		s->th.check ^= 0x5a5a;
}

/* Send n SYNs in batches of BATCH with sendmmsg(); returns elapsed ns. */
static uint64_t send_syns(long n, bool bad_csum)
{
	static struct syn pkt[BATCH];
	static struct mmsghdr msg[BATCH];
	static struct iovec iov[BATCH];
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(TARGET),
	};
	uint64_t t, total = 0;
	long k, sent = 0;
	int r;

	while (sent < n) {
		k = n - sent < BATCH ? n - sent : BATCH;
		for (int j = 0; j < k; j++) {
			build_syn(&pkt[j], bad_csum);
			iov[j].iov_base = &pkt[j];
			iov[j].iov_len = sizeof(pkt[j]);
			memset(&msg[j], 0, sizeof(msg[j]));
			msg[j].msg_hdr.msg_name = &dst;
			msg[j].msg_hdr.msg_namelen = sizeof(dst);
			msg[j].msg_hdr.msg_iov = &iov[j];
			msg[j].msg_hdr.msg_iovlen = 1;
		}
		t = now_ns();
		r = sendmmsg(raw, msg, k, 0);
		total += now_ns() - t;
		if (r <= 0)
			BFAIL_ERRNO("flood", "sendmmsg");
		sent += r;
	}
	return total;
}

static void trace(const char *what)
{
	if (getenv("XTCP_BENCH_TRACE"))
		fprintf(stderr, "b4: %.3f s %s\n", now_ns() / 1e9, what);
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static void net_down(void)
{
	sh("ip link del xbench0 2>/dev/null");
}

/* The harness sets the dummy up once per boot; standalone runs do it here. */
static void net_up(void)
{
	if (if_nametoindex("xbench0"))
		return;
	if (sh("ip link add xbench0 type dummy") ||
	    sh("ip link set xbench0 up") ||
	    sh("ip addr add 10.77.0.1/24 dev xbench0") ||
	    sh("ip route add 10.78.0.0/16 via 10.77.0.2 dev xbench0"))
		bfail("setup", "cannot set up the dummy interface");
	atexit(net_down);
}

static int write_sysctl(const char *path, const char *val)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fputs(val, fp);
	return fclose(fp);
}

static void set_cookies(void)
{
	const char *xs = getenv("XTCP_BENCH_COOKIE_SYSCTL");

	if (!is_xtcp()) {
		if (write_sysctl("/proc/sys/net/ipv4/tcp_syncookies",
				 cookies ? "1" : "0"))
			BFAIL_ERRNO("setup", "tcp_syncookies");
		return;
	}
	if (!xs || !*xs)
		xs = "/proc/sys/net/xtcp/syncookies";
	if (access(xs, F_OK)) {
		if (cookies)
			bfail("cookie", "no SYN cookies in XTCP yet (%s)", xs);
		return;
	}
	if (write_sysctl(xs, cookies ? "1" : "0"))
		BFAIL_ERRNO("setup", xs);
}

/*
 * TCP drops SYNs (cookies off) once fewer than a quarter of
 * tcp_max_syn_backlog slots are free, and the default is 128 on a small VM:
 * raise it and somaxconn so the listen backlog alone is the limit. XTCP's
 * own limit is set by the harness (XTCP_BENCH_SYSCTLS).
 */
static void set_backlog_sysctls(void)
{
	char val[32];

	snprintf(val, sizeof(val), "%ld", backlog * 4);
	if (read_long("/proc/sys/net/ipv4/tcp_max_syn_backlog") < backlog * 4)
		write_sysctl("/proc/sys/net/ipv4/tcp_max_syn_backlog", val);
	if (read_long("/proc/sys/net/core/somaxconn") < backlog)
		write_sysctl("/proc/sys/net/core/somaxconn", val);
}

/* The flooder child: bursts of BATCH at --rate SYNs/s until killed. */
static void flooder(void)
{
	uint64_t start = now_ns(), sent = 0, due;
	struct timespec ts;

	counter += 1u << 24;	/* sources disjoint from the parent's */
	for (;;) {
		send_syns(BATCH, false);
		sent += BATCH;
		due = start + sent * 1000000000ull / rate;
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
		if (due > now_ns()) {
			uint64_t d = due - now_ns();

			ts.tv_sec = d / 1000000000ull;
			ts.tv_nsec = d % 1000000000ull;
			nanosleep(&ts, NULL);
		}
	}
}

static void legit_phase(int l, const char *variant)
{
	uint64_t *lat = calloc(legit, sizeof(*lat));
	long ok = 0, i;
	uint64_t t0;
	pid_t pid;
	int c, s, e;
	socklen_t el;

	if (!lat)
		BFAIL_ERRNO(variant, "calloc");
	pid = fork();
	if (pid == 0) {
		alarm(0);
		flooder();
	}
	usleep(200000);
	for (i = 0; i < legit; i++) {
		c = bsock();
		if (c < 0)
			BFAIL_ERRNO(variant, "socket");
		set_nonblock(c, true);
		t0 = now_ns();
		if (bconnect(c, TARGET, port) && errno != EINPROGRESS)
			BFAIL_ERRNO(variant, "connect");
		if (poll1(c, POLLOUT, timeout_ms) > 0) {
			el = sizeof(e);
			getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &el);
			if (!e)
				lat[ok++] = now_ns() - t0;
		}
		bclose(c);
		/* Take whatever the listener completed (ours, or none). */
		while (poll1(l, POLLIN, 0) > 0 &&
		       (s = accept(l, NULL, NULL)) >= 0)
			bclose(s);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	jbegin(variant, "ok");
	jnum("attempts", legit);
	jnum("timeout_ms", timeout_ms);
	jnum("rate", rate);
	jnum("success_pct", 100.0 * ok / legit);
	jnum("p50_ns", pctl(lat, ok, 50));
	jnum("p99_ns", pctl(lat, ok, 99));
	jend();
	free(lat);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "cookies", required_argument, NULL, 'k' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "fill", required_argument, NULL, 'F' },
		{ "overflow", required_argument, NULL, 'o' },
		{ "legit", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct slabsnap a, b;
	double base_ns, per;
	const char *mode;
	char v[32];
	uint64_t t;
	int opt, l;

	bench_name = "b4";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			set_family(optarg);
			break;
		case 'k':
			cookies = !strcmp(optarg, "on");
			break;
		case 'b':
			backlog = arg_long(optarg);
			break;
		case 'F':
			fill = arg_long(optarg);
			break;
		case 'o':
			overflow = arg_long(optarg);
			break;
		case 'L':
			legit = arg_long(optarg);
			break;
		case 't':
			timeout_ms = arg_long(optarg);
			break;
		case 'r':
			rate = arg_long(optarg);
			break;
		default:
			help_exit();
		}
	}
	mode = cookies ? "cookie" : "queue";
	cache_names(NULL, &reqsk_cache);
	watchdog(mode, 1200);
	close_mode = CLOSE_ABORT;

	l = bsock();
	if (l < 0)
		BFAIL_ERRNO(mode, "socket");
	close(l);
	trace("start");
	set_cookies();
	set_backlog_sysctls();
	net_up();
	trace("net up");
	raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (raw < 0)
		bfail(mode, "raw socket: %s", strerror(errno));
	l = blisten(TARGET, 0, backlog);
	if (l < 0)
		BFAIL_ERRNO(mode, "listen");
	port = local_port(l);

	/* Warm the path (and the slab caches) a little, then the baseline. */
	send_syns(256, true);
	base_ns = (double)send_syns(base_n, true) / base_n;
	snprintf(v, sizeof(v), "%s_base", mode);
	jbegin(v, "ok");
	jnum("syns", base_n);
	jnum("per_syn_ns", base_ns);
	jend();

	trace("base done");
	a = slab_snap(reqsk_cache);
	t = send_syns(fill, false);
	b = slab_snap(reqsk_cache);
	per = (double)t / fill;
	snprintf(v, sizeof(v), "%s_fill", mode);
	jbegin(v, "ok");
	jnum("syns", fill);
	jnum("backlog", backlog);
	jnum("per_syn_ns", per);
	jnum("net_ns", per - base_ns);
	jstr("reqsk_cache", reqsk_cache);
	if (a.objs >= 0 && b.objs >= 0) {
		jnum("reqsk_objs", b.objs - a.objs);
		jnum("reqsk_objsize", b.objsize);
		jnum("reqsk_cache_merged", b.merged);
		jnum("reqsk_bytes", (double)(b.objs - a.objs) * b.objsize / fill);
	}
	jnum("slab_bytes", (double)(b.total - a.total) / fill);
	jend();

	trace("fill done");
	/* Fill the queue up, then time SYNs against a full queue. */
	send_syns(backlog - fill + 64, false);
	t = send_syns(overflow, false);
	per = (double)t / overflow;
	snprintf(v, sizeof(v), "%s_overflow", mode);
	jbegin(v, "ok");
	jnum("syns", overflow);
	jnum("per_syn_ns", per);
	jnum("net_ns", per - base_ns);
	jend();

	trace("overflow done");
	snprintf(v, sizeof(v), "%s_legit", mode);
	watchdog_variant = v;
	legit_phase(l, v);
	trace("legit done");
	close(l);
	close(raw);
	/*
	 * The orphaned request socks die when their SYN-ACK timer next fires
	 * (1 s for TCP): wait them out here, idle, so they do not charge
	 * their teardown to whatever runs next.
	 */
	sleep(3);
	return 0;
}
