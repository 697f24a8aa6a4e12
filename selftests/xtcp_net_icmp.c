// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors across a router namespace, same body for TCP and XTCP: path
 * MTU discovery through a middle hop with a smaller MTU (the transfer
 * completes byte-exact, the route learns the MTU, the router never
 * fragments), and connect() to destinations the router answers with net
 * or host unreachable, or a raw responder with protocol or port
 * unreachable: TCP's errno, and soon.
 *
 *	A (va 10.1.0.1) -- (vra 10.1.0.2) R (vrb 10.2.0.1, MTU 1280) --
 *	(vb 10.2.0.2, MTU 1500) B
 *
 * vrb's MTU is only on R's side, so B announces an MSS of 1460 and A's
 * full segments meet the 1280 hop in the middle: only PMTU discovery
 * (ICMP "fragmentation needed", DF set) gets them through.
 */
#include <netinet/ip_icmp.h>
#include <pthread.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define A_ADDR		"10.1.0.1"
#define B_ADDR		"10.2.0.2"
#define HOST_UNREACH	"10.3.0.1"	/* R: unreachable route */
#define NET_UNREACH	"10.9.0.1"	/* R: no route at all */
#define RESPONDER	"10.4.0.1"	/* R: blackhole, raw responder */
#define MID_MTU		1280

struct threens {
	int home, a, r, b;
};

static int threens_setup(struct threens *t)
{
	t->home = open("/proc/self/ns/net", O_RDONLY);
	t->a = ns_new();
	t->b = ns_new();
	t->r = ns_new();
	if (t->home < 0 || t->a < 0 || t->b < 0 || t->r < 0)
		return -1;
	/* now in R */
	if (run("ip link add name vra type veth peer name va netns /proc/%d/fd/%d",
		getpid(), t->a) ||
	    run("ip link add name vrb type veth peer name vb netns /proc/%d/fd/%d",
		getpid(), t->b) ||
	    run("ip addr add 10.1.0.2/24 dev vra && ip link set vra up && "
		"ip addr add 10.2.0.1/24 dev vrb && ip link set vrb mtu %d up && "
		"ip route add unreachable " HOST_UNREACH "/32 && "
		"ip route add blackhole " RESPONDER "/32", MID_MTU) ||
	    write_file("/proc/sys/net/ipv4/ip_forward", "1"))
		return -1;
	if (ns_enter(t->a) ||
	    run("ip addr add " A_ADDR "/24 dev va && ip link set va up && "
		"ip route add default via 10.1.0.2"))
		return -1;
	if (ns_enter(t->b) ||
	    run("ip addr add " B_ADDR "/24 dev vb && ip link set vb up && "
		"ip route add default via 10.2.0.1"))
		return -1;
	return 0;
}

FIXTURE(icmp) {
	struct threens t;
};

FIXTURE_VARIANT(icmp) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(icmp, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(icmp, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(icmp)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
	ASSERT_EQ(0, threens_setup(&self->t));
}

FIXTURE_TEARDOWN(icmp)
{
}

/* Counter of /proc/net/snmp in netns @ns; the caller is left in @back. */
static long snmp_in(int ns, int back, const char *key, const char *name)
{
	long v;

	if (ns_enter(ns))
		return -1;
	v = snmp_table_get("/proc/net/snmp", key, name);
	if (ns_enter(back))
		return -1;
	return v;
}

TEST_F_TIMEOUT(icmp, pmtu_transfer, 300)
{
	const struct xfam *f = &variant->f;
	long size = 10 * MiB / xfer_div();
	struct xfer_half snd = { .seed = 0xabcdef, .want = size };
	struct xfer_half rcv = { 0 };
	long unreach0, frag0;
	pthread_t th[2];
	int l, c, s, mtu;
	socklen_t len;

	ASSERT_EQ(0, ns_enter(self->t.b));
	l = xsock(f, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, xbind(f, l, "0.0.0.0", 5001));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, ns_enter(self->t.a));
	c = xsock(f, 0);
	ASSERT_LE(0, c);
	xfer_timeouts(c, XFER_STALL_SEC);
	ASSERT_EQ(0, xconnect(f, c, B_ADDR, 5001));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	xfer_timeouts(s, XFER_STALL_SEC);

	unreach0 = snmp_in(self->t.r, self->t.a, "Icmp", "OutDestUnreachs");
	frag0 = snmp_in(self->t.r, self->t.a, "Ip", "FragCreates");
	ASSERT_LE(0, unreach0);
	ASSERT_LE(0, frag0);

	snd.fd = c;
	rcv.fd = s;
	ASSERT_EQ(0, pthread_create(&th[0], NULL, xfer_sender, &snd));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, xfer_receiver, &rcv));
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);

	EXPECT_EQ(0, snd.err) TH_LOG("send: %s after %ld bytes",
				     strerror(snd.err), snd.bytes);
	EXPECT_EQ(0, rcv.err) TH_LOG("recv: %s after %ld bytes",
				     strerror(rcv.err), rcv.bytes);
	EXPECT_EQ(size, rcv.bytes);
	EXPECT_TRUE(rcv.eof);
	EXPECT_STREQ(snd.hex, rcv.hex);

	/* The route learned the middle hop's MTU from R's ICMP. */
	len = sizeof(mtu);
	ASSERT_EQ(0, getsockopt(c, SOL_IP, IP_MTU, &mtu, &len));
	EXPECT_EQ(MID_MTU, mtu);
	EXPECT_LT(unreach0, snmp_in(self->t.r, self->t.a, "Icmp",
				    "OutDestUnreachs"));
	/* DF was set on every segment: R never fragmented. */
	EXPECT_EQ(frag0, snmp_in(self->t.r, self->t.a, "Ip", "FragCreates"));
	close(c);
	close(s);
	close(l);
}

/* connect() from A to @ip: the errno it ends with and how long it took. */
static int connect_err(const struct xfam *f, const char *ip, double *secs)
{
	struct timeval tv = { .tv_sec = 10 };
	double t0 = now_s();
	int fd = xsock(f, 0), err;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	err = xconnect(f, fd, ip, 5002) ? errno : 0;
	*secs = now_s() - t0;
	close(fd);
	return err;
}

/*
 * The ICMP for the first SYN may come while connect() still owns the
 * socket (the veth delivers it in the same softirq): then it is only a
 * soft error (tcp_v4_err()), and the answer to the first retransmission,
 * 1 s later, ends the connect. Either way well before the second one (3 s).
 */
#define ICMP_CONNECT_MAX	2.8

static void unreach_case(struct __test_metadata *_metadata,
			 struct _test_data_icmp *self, const struct xfam *f,
			 const char *ip, int want)
{
	double dt;
	int err;

	ASSERT_EQ(0, ns_enter(self->t.a));
	err = connect_err(f, ip, &dt);
	EXPECT_EQ(want, err) TH_LOG("connect: %s, want %s", strerror(err),
				    strerror(want));
	EXPECT_GT(ICMP_CONNECT_MAX, dt) TH_LOG("connect took %.2f s", dt);
}

TEST_F_TIMEOUT(icmp, host_unreachable, 90)
{
	unreach_case(_metadata, self, &variant->f, HOST_UNREACH, EHOSTUNREACH);
}

TEST_F_TIMEOUT(icmp, net_unreachable, 90)
{
	unreach_case(_metadata, self, &variant->f, NET_UNREACH, ENETUNREACH);
}

/*
 * A raw responder on R: the first SYN to RESPONDER seen on vra is answered
 * with ICMP destination unreachable @code quoting it, as a host without
 * the protocol (or without the port) would.
 */
struct responder {
	int cap, raw, ipproto, code, sent;
	int stop;	/* set by the connecting thread */
};

static uint16_t icmp_csum(const void *data, size_t len)
{
	return csum_fold32(csum_add(0, data, len));
}

static void *responder_run(void *arg)
{
	struct responder *r = arg;
	double end = now_s() + 10;
	uint8_t buf[2048];
	uint32_t dst;

	inet_pton(AF_INET, RESPONDER, &dst);
	while (now_s() < end && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		struct iphdr *ip = (struct iphdr *)buf;
		uint8_t pkt[sizeof(struct icmphdr) + 60 + 8];
		struct icmphdr *ih = (struct icmphdr *)pkt;
		struct sockaddr_in to = { .sin_family = AF_INET };
		size_t qlen;
		ssize_t n;

		if (!(poll1(r->cap, POLLIN, 200) & POLLIN))
			continue;
		n = recvfrom(r->cap, buf, sizeof(buf), 0,
			     (struct sockaddr *)&sll, &sl);
		if (n < (ssize_t)sizeof(*ip) + 8 ||
		    sll.sll_protocol != htons(ETH_P_IP) ||
		    ip->protocol != r->ipproto || ip->daddr != dst ||
		    n < ip->ihl * 4 + 8)
			continue;
		qlen = ip->ihl * 4 + 8;
		memset(pkt, 0, sizeof(pkt));
		ih->type = ICMP_DEST_UNREACH;
		ih->code = r->code;
		memcpy(pkt + sizeof(*ih), buf, qlen);
		ih->checksum = htons(icmp_csum(pkt, sizeof(*ih) + qlen));
		to.sin_addr.s_addr = ip->saddr;
		if (sendto(r->raw, pkt, sizeof(*ih) + qlen, 0,
			   (struct sockaddr *)&to, sizeof(to)) > 0)
			r->sent++;
		if (r->sent == 3)
			break;
	}
	return NULL;
}

static void responder_case(struct __test_metadata *_metadata,
			   struct _test_data_icmp *self, const struct xfam *f,
			   int code, int want)
{
	struct responder r = { .ipproto = f->ipproto, .code = code };
	pthread_t th;
	double dt;
	int err;

	ASSERT_EQ(0, ns_enter(self->t.r));
	r.cap = cap_open("vra");
	ASSERT_LE(0, r.cap);
	r.raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	ASSERT_LE(0, r.raw);
	ASSERT_EQ(0, ns_enter(self->t.a));
	ASSERT_EQ(0, pthread_create(&th, NULL, responder_run, &r));
	err = connect_err(f, RESPONDER, &dt);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	EXPECT_EQ(want, err) TH_LOG("connect: %s, want %s", strerror(err),
				    strerror(want));
	EXPECT_LE(1, r.sent);
	EXPECT_GT(ICMP_CONNECT_MAX, dt) TH_LOG("connect took %.2f s", dt);
	close(r.cap);
	close(r.raw);
}

/* tcp_v4_err(): icmp_err_convert[ICMP_PROT_UNREACH] is ENOPROTOOPT. */
TEST_F_TIMEOUT(icmp, protocol_unreachable, 90)
{
	responder_case(_metadata, self, &variant->f, ICMP_PROT_UNREACH,
		       ENOPROTOOPT);
}

TEST_F_TIMEOUT(icmp, port_unreachable, 90)
{
	responder_case(_metadata, self, &variant->f, ICMP_PORT_UNREACH,
		       ECONNREFUSED);
}

TEST_HARNESS_MAIN
