// SPDX-License-Identifier: GPL-2.0
/*
 * sock_diag over netlink, same body for TCP (inet_diag, AF_INET/IPPROTO_TCP)
 * and XTCP (AF_XTCP/IPPROTO_XTCP), each test in a fresh netns:
 *
 * - a listener's Recv-Q/Send-Q are its accept queue and backlog;
 * - a request sock whose final ACK never comes reads SYN_RECV with its
 *   SYN-ACK timer (a raw socket in a second netns sends the SYN);
 * - an established pair with INET_DIAG_INFO, the congestion control, the
 *   memory attributes, the inode and an exact lookup by 4-tuple + cookie;
 * - a TIME_WAIT entry after an active close;
 * - the state and port filters return exactly the expected sockets;
 * - SOCK_DESTROY: the killed side reads ECONNABORTED, the peer ECONNRESET;
 *   an unprivileged user gets EPERM; request socks and TIME_WAIT entries go;
 * - another netns sees none of these sockets;
 * - a dump of 300 sockets through a small buffer returns each exactly once;
 * - XTCP only, the handshake timeline (XTCP_DIAG_TIMELINE): absent unless
 *   asked for; a child whose first two SYN-ACKs were lost lists SYN,
 *   three SYN-ACKs spaced by the backoff, ACK, child, queue and accept,
 *   and its client SYN, SYN-ACK and establishment; a request flooded with
 *   duplicate SYNs keeps 16 events, counts the rest, and once dropped
 *   leaves its timeline, ending in the drop, on its listener;
 *   XTCP_TIMELINE's errnos and net.xtcp.timeline's bounds.
 */
#include <stddef.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define PORT		7100
#define TCPF(st)	(1U << (st))
#define ALL_STATES	0xfffU

/* One reply message, its attributes decoded. */
struct dent {
	struct inet_diag_msg	m;
	int			info_len;	/* 0: no INET_DIAG_INFO */
	struct tcp_info		info;
	char			cong[16];
	int			shutdown;	/* -1: absent */
	int			protocol;	/* -1: absent */
	int			skmem_len;
	uint32_t		skmem[16];
	bool			meminfo;
	/* XTCP_DIAG_TIMELINE (tl_len -1: absent), XTCP_DIAG_TIMELINE_DROPPED */
	int			tl_len;
	struct xtcp_timeline	tl;
	struct xtcp_timeline_event tl_ev[XTCP_TIMELINE_LEN];
	int			ndropped;
	struct xtcp_timeline	dropped[XTCP_TIMELINE_KEEP];
	struct xtcp_timeline_event dropped_ev[XTCP_TIMELINE_KEEP]
					     [XTCP_TIMELINE_LEN];
};

/* A timeline attribute into *h and ev[]; its payload length. */
static int tl_parse(const struct rtattr *a, struct xtcp_timeline *h,
		    struct xtcp_timeline_event *ev)
{
	int alen = RTA_PAYLOAD(a);
	size_t n;

	memset(h, 0, sizeof(*h));
	if (alen < (int)sizeof(*h))
		return alen;
	memcpy(h, RTA_DATA(a), sizeof(*h));
	n = (alen - sizeof(*h)) / sizeof(*ev);
	if (n > XTCP_TIMELINE_LEN)
		n = XTCP_TIMELINE_LEN;
	memcpy(ev, (const char *)RTA_DATA(a) + sizeof(*h), n * sizeof(*ev));
	return alen;
}

static int diag_open(void)
{
	return socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

static void diag_req_init(const struct xfam *f, struct inet_diag_req_v2 *r,
			  uint32_t states, uint8_t ext)
{
	memset(r, 0, sizeof(*r));
	r->sdiag_family = f->family;
	r->sdiag_protocol = f->ipproto;
	r->idiag_states = states;
	r->idiag_ext = ext;
}

static int diag_send(int fd, int type, int flags,
		     const struct inet_diag_req_v2 *r)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = type,
			.nlmsg_flags = NLM_F_REQUEST | flags,
			.nlmsg_seq = 1,
		},
		.r = *r,
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl,
		   sizeof(nl)) != sizeof(msg))
		return errno;
	return 0;
}

static void dent_parse(struct dent *d, struct nlmsghdr *nlh)
{
	struct inet_diag_msg *m = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	struct rtattr *a = (struct rtattr *)(m + 1);

	memset(d, 0, sizeof(*d));
	d->m = *m;
	d->shutdown = -1;
	d->protocol = -1;
	d->tl_len = -1;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		int alen = RTA_PAYLOAD(a);

		switch (a->rta_type) {
		case XTCP_DIAG_TIMELINE:
			d->tl_len = tl_parse(a, &d->tl, d->tl_ev);
			break;
		case XTCP_DIAG_TIMELINE_DROPPED:
			if (d->ndropped < XTCP_TIMELINE_KEEP) {
				tl_parse(a, &d->dropped[d->ndropped],
					 d->dropped_ev[d->ndropped]);
				d->ndropped++;
			}
			break;
		case INET_DIAG_INFO:
			d->info_len = alen;
			memcpy(&d->info, RTA_DATA(a),
			       alen < (int)sizeof(d->info) ? alen :
			       (int)sizeof(d->info));
			break;
		case INET_DIAG_CONG:
			snprintf(d->cong, sizeof(d->cong), "%.*s", alen,
				 (char *)RTA_DATA(a));
			break;
		case INET_DIAG_SHUTDOWN:
			d->shutdown = *(uint8_t *)RTA_DATA(a);
			break;
		case INET_DIAG_PROTOCOL:
			d->protocol = *(uint8_t *)RTA_DATA(a);
			break;
		case INET_DIAG_SKMEMINFO:
			d->skmem_len = alen;
			memcpy(d->skmem, RTA_DATA(a),
			       alen < (int)sizeof(d->skmem) ? alen :
			       (int)sizeof(d->skmem));
			break;
		case INET_DIAG_MEMINFO:
			d->meminfo = alen == sizeof(struct inet_diag_meminfo);
			break;
		}
	}
}

/*
 * Read replies until NLMSG_DONE (dump) or one message (lookup): the
 * number of entries stored, or -errno from an NLMSG_ERROR. bufsz is the
 * recv() buffer, which also sizes the kernel's dump skbs; *calls counts
 * the recv()s that returned entries.
 */
static int diag_recv(int fd, struct dent *out, int max, size_t bufsz,
		     bool dump, int *calls)
{
	char *buf = malloc(bufsz);
	int n = 0, ret = -EIO;

	if (calls)
		*calls = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t len = recv(fd, buf, bufsz, 0);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		bool got = false;

		if (len < 0) {
			ret = -errno;
			goto out;
		}
		for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = n;
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				ret = e->error ? e->error : n;
				goto out;
			}
			if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			if (n < max)
				dent_parse(&out[n], nlh);
			n++;
			got = true;
		}
		if (got && calls)
			(*calls)++;
		if (!dump && got) {
			ret = n;
			goto out;
		}
	}
out:
	free(buf);
	return ret;
}

static int dump(const struct xfam *f, uint32_t states, uint16_t sport,
		uint16_t dport, uint8_t ext, struct dent *out, int max)
{
	struct inet_diag_req_v2 r;
	int fd = diag_open(), n;

	if (fd < 0)
		return -errno;
	diag_req_init(f, &r, states, ext);
	r.id.idiag_sport = htons(sport);
	r.id.idiag_dport = htons(dport);
	n = diag_send(fd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &r);
	if (n)
		n = -n;
	else
		n = diag_recv(fd, out, max, 32768, true, NULL);
	close(fd);
	return n;
}

/* Exact lookup (or SOCK_DESTROY with type) of the entry d describes. */
static int one(const struct xfam *f, int type, const struct dent *d,
	       struct dent *out)
{
	struct inet_diag_req_v2 r;
	struct dent scratch;
	int fd = diag_open(), n;

	if (fd < 0)
		return -errno;
	diag_req_init(f, &r, ALL_STATES, 1 << (INET_DIAG_INFO - 1));
	r.id = d->m.id;
	n = diag_send(fd, type, type == SOCK_DESTROY ? NLM_F_ACK : 0, &r);
	if (n)
		n = -n;
	else
		n = diag_recv(fd, out ? out : &scratch, 1, 32768,
			      type == SOCK_DESTROY, NULL);
	close(fd);
	return n;
}

static int listener(const struct xfam *f, const char *ip, uint16_t port,
		    int backlog)
{
	int fd = xsock(f, 0);

	if (fd < 0)
		return -1;
	if (setint(fd, SOL_SOCKET, SO_REUSEADDR, 1) || xbind(f, fd, ip, port) ||
	    listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A connected pair on loopback: *c the client, *s the accepted child. */
static int pair(const struct xfam *f, int lfd, uint16_t port, int *c, int *s)
{
	*c = xsock(f, 0);
	if (*c < 0 || xconnect(f, *c, "127.0.0.1", port))
		return -1;
	*s = accept(lfd, NULL, NULL);
	return *s < 0 ? -1 : 0;
}

/* Entries of out[0..n) in state st with local port sport (0: any). */
static int count(const struct dent *d, int n, int st, uint16_t sport)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if ((st < 0 || d[i].m.idiag_state == st) &&
		    (!sport || ntohs(d[i].m.id.idiag_sport) == sport))
			k++;
	return k;
}

static ino_t inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

FIXTURE(diag) {
	struct dent d[400];
};

FIXTURE_VARIANT(diag) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(diag, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(diag, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(diag)
{
	if (xtcp_setup_netns(_metadata, &variant->f))
		return;
	sysctl_set("net.xtcp.rto_init_ms", "200");
}

FIXTURE_TEARDOWN(diag)
{
}

/* Wait until the dump for (states, sport) has want entries; the count. */
static int dump_wait(const struct xfam *f, uint32_t states, uint16_t sport,
		     uint16_t dport, uint8_t ext, struct dent *d, int max,
		     int want)
{
	double end = now_s() + 10;
	int n;

	for (;;) {
		n = dump(f, states, sport, dport, ext, d, max);
		if (n == want || n < 0 || now_s() > end)
			return n;
		sleep_ms(20);
	}
}

/* Two children queued, backlog 7: Recv-Q 2, Send-Q 7. */
TEST_F(diag, listener_queues)
{
	const struct xfam *f = &variant->f;
	int lfd, c1, c2, n;

	lfd = listener(f, "127.0.0.1", PORT, 7);
	ASSERT_LE(0, lfd);
	n = dump(f, TCPF(TCP_LISTEN), PORT, 0, 0, self->d, 4);
	ASSERT_EQ(1, n);
	EXPECT_EQ(TCP_LISTEN, self->d[0].m.idiag_state);
	EXPECT_EQ(0, self->d[0].m.idiag_rqueue);
	EXPECT_EQ(7, self->d[0].m.idiag_wqueue);
	EXPECT_EQ(f->family, self->d[0].m.idiag_family);
	EXPECT_EQ(inode_of(lfd), self->d[0].m.idiag_inode);

	c1 = xsock(f, 0);
	c2 = xsock(f, 0);
	ASSERT_EQ(0, xconnect(f, c1, "127.0.0.1", PORT));
	ASSERT_EQ(0, xconnect(f, c2, "127.0.0.1", PORT));
	/* The children join the accept queue once the final ACK is in. */
	for (int i = 0; i < 500; i++) {
		n = dump(f, TCPF(TCP_LISTEN), PORT, 0, 0, self->d, 4);
		if (n != 1 || self->d[0].m.idiag_rqueue == 2)
			break;
		sleep_ms(10);
	}
	ASSERT_EQ(1, n);
	EXPECT_EQ(2, self->d[0].m.idiag_rqueue);
	EXPECT_EQ(7, self->d[0].m.idiag_wqueue);
	close(c1);
	close(c2);
	close(lfd);
}

/*
 * A SYN from a raw socket in another netns, never ACKed: the request
 * reads SYN_RECV (not NEW_SYN_RECV), timer 1, expiry within its RTO.
 */
TEST_F(diag, syn_recv)
{
	const struct xfam *f = &variant->f;
	struct twons t;
	int lfd, raw, n, rto;

	ASSERT_EQ(0, twons_setup(&t, true));	/* in S */
	sysctl_set("net.ipv4.tcp_syncookies", "0");
	sysctl_set("net.xtcp.syncookies", "0");
	rto = synack_timers_set(f, 3, 1000);
	ASSERT_LT(0, rto);
	lfd = listener(f, NS_S_ADDR, PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, ns_enter(t.c));
	raw = socket(AF_INET, SOCK_RAW, f->ipproto);
	ASSERT_LE(0, raw);
	ASSERT_EQ(0, raw_send_seg(raw, NS_C_ADDR, NS_S_ADDR, f->ipproto,
				  40000, PORT, 1000, 0, TH_SYN));
	ASSERT_EQ(0, ns_enter(t.s));

	n = dump_wait(f, TCPF(TCP_SYN_RECV), 0, 0, 0, self->d, 4, 1);
	ASSERT_EQ(1, n);
	EXPECT_EQ(TCP_SYN_RECV, self->d[0].m.idiag_state);
	EXPECT_EQ(PORT, ntohs(self->d[0].m.id.idiag_sport));
	EXPECT_EQ(40000, ntohs(self->d[0].m.id.idiag_dport));
	EXPECT_EQ(inet_addr(NS_C_ADDR), self->d[0].m.id.idiag_dst[0]);
	EXPECT_EQ(inet_addr(NS_S_ADDR), self->d[0].m.id.idiag_src[0]);
	EXPECT_EQ(1, self->d[0].m.idiag_timer);
	EXPECT_GE(1, self->d[0].m.idiag_retrans);
	EXPECT_LT(0, self->d[0].m.idiag_expires);
	EXPECT_GE((unsigned int)rto << self->d[0].m.idiag_retrans,
		  self->d[0].m.idiag_expires);
	/* The listener mask alone does not show it. */
	EXPECT_EQ(1, dump(f, TCPF(TCP_LISTEN), 0, 0, 0, self->d, 4));
	EXPECT_EQ(TCP_LISTEN, self->d[0].m.idiag_state);

	/* SOCK_DESTROY drops it (silently, as TCP). */
	n = dump(f, TCPF(TCP_SYN_RECV), 0, 0, 0, self->d, 4);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, one(f, SOCK_DESTROY, &self->d[0], NULL));
	EXPECT_EQ(0, dump(f, TCPF(TCP_SYN_RECV), 0, 0, 0, self->d, 4));
	close(lfd);
	close(raw);
}

/* An established pair: INET_DIAG_INFO and friends, then exact lookups. */
TEST_F(diag, established_info)
{
	const struct xfam *f = &variant->f;
	uint8_t ext = (1 << (INET_DIAG_INFO - 1)) |
		      (1 << (INET_DIAG_CONG - 1)) |
		      (1 << (INET_DIAG_MEMINFO - 1)) |
		      (1 << (INET_DIAG_SKMEMINFO - 1));
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	char cong[16] = "";
	socklen_t clen = sizeof(cong);
	struct dent got, *d = &self->d[0];
	int lfd, c, s, n;
	char buf[100] = { 0 };

	lfd = listener(f, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pair(f, lfd, PORT, &c, &s));
	ASSERT_EQ(100, send(c, buf, sizeof(buf), 0));

	/* sport = PORT, established: the child only. */
	for (int i = 0; i < 500; i++) {
		n = dump(f, TCPF(TCP_ESTABLISHED), PORT, 0, ext, self->d, 4);
		if (n != 1 || d->m.idiag_rqueue == 100)
			break;
		sleep_ms(10);
	}
	ASSERT_EQ(1, n);
	EXPECT_EQ(TCP_ESTABLISHED, d->m.idiag_state);
	EXPECT_EQ(local_port(c), ntohs(d->m.id.idiag_dport));
	EXPECT_EQ(100, d->m.idiag_rqueue);
	EXPECT_EQ(0, d->m.idiag_wqueue);
	EXPECT_EQ(getuid(), d->m.idiag_uid);
	EXPECT_EQ(inode_of(s), d->m.idiag_inode);
	EXPECT_EQ(0, d->shutdown);
	EXPECT_TRUE(d->meminfo);
	EXPECT_LE(9 * 4, d->skmem_len);
	ASSERT_LE((int)offsetof(struct tcp_info, tcpi_rcv_mss) + 4,
		  d->info_len);
	EXPECT_EQ(TCP_ESTABLISHED, d->info.tcpi_state);
	ASSERT_EQ(0, getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(ti.tcpi_snd_mss, d->info.tcpi_snd_mss);
	EXPECT_LT(0, d->info.tcpi_snd_mss);
	EXPECT_EQ(ti.tcpi_rto, d->info.tcpi_rto);
	ASSERT_EQ(0, getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cong, &clen));
	EXPECT_STREQ(cong, d->cong);
	if (is_xtcp(f)) {
		EXPECT_STREQ("reno", d->cong);
		EXPECT_EQ(IPPROTO_XTCP, d->protocol);
	}

	/* Exact lookup by 4-tuple and cookie; a wrong cookie is ENOENT. */
	ASSERT_EQ(1, one(f, SOCK_DIAG_BY_FAMILY, d, &got));
	EXPECT_EQ(0, memcmp(d->m.id.idiag_cookie, got.m.id.idiag_cookie,
			    sizeof(got.m.id.idiag_cookie)));
	EXPECT_EQ(TCP_ESTABLISHED, got.m.idiag_state);
	EXPECT_EQ(inode_of(s), got.m.idiag_inode);
	EXPECT_LT(0, got.info_len);
	d->m.id.idiag_cookie[0] ^= 1;
	EXPECT_EQ(-ENOENT, one(f, SOCK_DIAG_BY_FAMILY, d, &got));
	d->m.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	d->m.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	EXPECT_EQ(1, one(f, SOCK_DIAG_BY_FAMILY, d, &got));
	/* The listener by its address and port alone. */
	memset(&d->m.id, 0, sizeof(d->m.id));
	d->m.id.idiag_sport = htons(PORT);
	d->m.id.idiag_src[0] = inet_addr("127.0.0.1");
	d->m.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	d->m.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	ASSERT_EQ(1, one(f, SOCK_DIAG_BY_FAMILY, d, &got));
	EXPECT_EQ(TCP_LISTEN, got.m.idiag_state);
	EXPECT_EQ(inode_of(lfd), got.m.idiag_inode);
	close(c);
	close(s);
	close(lfd);
}

/* The side that closes first ends in TIME_WAIT: timer 3, its expiry. */
TEST_F(diag, time_wait)
{
	const struct xfam *f = &variant->f;
	int lfd, c, s, n, cport;
	char b;

	lfd = listener(f, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pair(f, lfd, PORT, &c, &s));
	cport = local_port(c);
	close(c);
	ASSERT_EQ(0, recv(s, &b, 1, 0));	/* the FIN */
	close(s);
	n = dump_wait(f, TCPF(ST_TIME_WAIT), 0, 0, 0, self->d, 4, 1);
	ASSERT_EQ(1, n);
	EXPECT_EQ(ST_TIME_WAIT, self->d[0].m.idiag_state);
	EXPECT_EQ(cport, ntohs(self->d[0].m.id.idiag_sport));
	EXPECT_EQ(PORT, ntohs(self->d[0].m.id.idiag_dport));
	EXPECT_EQ(3, self->d[0].m.idiag_timer);
	EXPECT_LT(0, self->d[0].m.idiag_expires);
	EXPECT_GE(60000, self->d[0].m.idiag_expires);
	EXPECT_EQ(0, self->d[0].m.idiag_inode);
	/* Not in the connected states. */
	EXPECT_EQ(0, dump(f, ALL_STATES & ~TCPF(ST_TIME_WAIT) &
			  ~TCPF(TCP_LISTEN), 0, 0, 0, self->d, 4));
	/* SOCK_DESTROY ends it (TCP too, Debian's 6.1 included). */
	n = dump(f, TCPF(ST_TIME_WAIT), 0, 0, 0, self->d, 4);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, one(f, SOCK_DESTROY, &self->d[0], NULL));
	EXPECT_EQ(0, dump(f, TCPF(ST_TIME_WAIT), 0, 0, 0, self->d, 4));
	close(lfd);
}

/* State and port filters: exactly the sockets expected. */
TEST_F(diag, filters)
{
	const struct xfam *f = &variant->f;
	int a, b, c, s, n;

	a = listener(f, "127.0.0.1", PORT, 8);
	b = listener(f, "127.0.0.1", PORT + 1, 8);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, pair(f, a, PORT, &c, &s));

	n = dump(f, ALL_STATES, 0, 0, 0, self->d, 16);
	ASSERT_EQ(4, n);
	EXPECT_EQ(2, count(self->d, n, TCP_LISTEN, 0));
	EXPECT_EQ(2, count(self->d, n, TCP_ESTABLISHED, 0));

	n = dump(f, TCPF(TCP_LISTEN), 0, 0, 0, self->d, 16);
	ASSERT_EQ(2, n);
	EXPECT_EQ(1, count(self->d, n, TCP_LISTEN, PORT));
	EXPECT_EQ(1, count(self->d, n, TCP_LISTEN, PORT + 1));

	n = dump(f, TCPF(TCP_ESTABLISHED), 0, 0, 0, self->d, 16);
	ASSERT_EQ(2, n);
	EXPECT_EQ(1, count(self->d, n, TCP_ESTABLISHED, PORT));
	EXPECT_EQ(1, count(self->d, n, TCP_ESTABLISHED, local_port(c)));

	/* sport: the listener and the child on PORT. */
	n = dump(f, ALL_STATES, PORT, 0, 0, self->d, 16);
	ASSERT_EQ(2, n);
	EXPECT_EQ(1, count(self->d, n, TCP_LISTEN, PORT));
	EXPECT_EQ(1, count(self->d, n, TCP_ESTABLISHED, PORT));

	/* dport: the client only (no listener has a peer port). */
	n = dump(f, ALL_STATES, 0, PORT, 0, self->d, 16);
	ASSERT_EQ(1, n);
	EXPECT_EQ(1, count(self->d, n, TCP_ESTABLISHED, local_port(c)));

	EXPECT_EQ(0, dump(f, TCPF(TCP_ESTABLISHED), PORT + 1, 0, 0,
			  self->d, 16));
	EXPECT_EQ(1, dump(f, TCPF(TCP_LISTEN), PORT + 1, 0, 0, self->d, 16));
	EXPECT_EQ(0, dump(f, TCPF(TCP_SYN_SENT) | TCPF(TCP_CLOSE_WAIT), 0, 0,
			  0, self->d, 16));
	close(c);
	close(s);
	close(a);
	close(b);
}

/* SOCK_DESTROY of the accepted side: ECONNABORTED here, ECONNRESET there. */
TEST_F(diag, destroy)
{
	const struct xfam *f = &variant->f;
	int lfd, c, s, n;
	char b;

	lfd = listener(f, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pair(f, lfd, PORT, &c, &s));
	n = dump(f, TCPF(TCP_ESTABLISHED), PORT, 0, 0, self->d, 4);
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, one(f, SOCK_DESTROY, &self->d[0], NULL));

	EXPECT_EQ(-1, recv(s, &b, 1, 0));
	EXPECT_EQ(ECONNABORTED, errno);
	ASSERT_NE(0, poll1(c, POLLIN, 5000) & POLLIN);
	EXPECT_EQ(-1, recv(c, &b, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, dump(f, ALL_STATES & ~TCPF(TCP_LISTEN), 0, 0, 0,
			  self->d, 4));
	/* Gone: a second destroy finds nothing. */
	EXPECT_EQ(-ENOENT, one(f, SOCK_DESTROY, &self->d[0], NULL));

	/* A listener: accept() wakes with the error, the socket is closed. */
	n = dump(f, TCPF(TCP_LISTEN), PORT, 0, 0, self->d, 4);
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, one(f, SOCK_DESTROY, &self->d[0], NULL));
	EXPECT_EQ(0, dump(f, ALL_STATES, 0, 0, 0, self->d, 4));
	EXPECT_EQ(ECONNABORTED, so_error(lfd));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(c);
	close(s);
	close(lfd);
}

/* Without CAP_NET_ADMIN (nobody, no capabilities): EPERM, nothing dies. */
TEST_F(diag, destroy_eperm)
{
	const struct xfam *f = &variant->f;
	int lfd, c, s, n, status;
	pid_t pid;

	lfd = listener(f, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pair(f, lfd, PORT, &c, &s));
	n = dump(f, TCPF(TCP_ESTABLISHED), PORT, 0, 0, self->d, 4);
	ASSERT_EQ(1, n);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct dent d[4];

		/* setuid() from 0 to non-0 clears every capability. */
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (dump(f, TCPF(TCP_ESTABLISHED), PORT, 0, 0, d, 4) != 1)
			_exit(3);
		_exit(one(f, SOCK_DESTROY, &self->d[0], NULL) == -EPERM ?
		      0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, dump(f, TCPF(TCP_ESTABLISHED), PORT, 0, 0, self->d, 4));
	EXPECT_EQ(0, so_error(s));
	EXPECT_EQ(1, send(c, "x", 1, 0));
	close(c);
	close(s);
	close(lfd);
}

/* Another netns sees none of this netns's sockets, and vice versa. */
TEST_F(diag, other_netns)
{
	const struct xfam *f = &variant->f;
	int home, other, lfd, c, s;

	lfd = listener(f, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pair(f, lfd, PORT, &c, &s));
	EXPECT_EQ(3, dump(f, ALL_STATES, 0, 0, 0, self->d, 8));

	home = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, home);
	other = ns_new();
	ASSERT_LE(0, other);
	EXPECT_EQ(0, dump(f, ALL_STATES, 0, 0, 0, self->d, 8));
	ASSERT_EQ(0, ns_enter(home));
	EXPECT_EQ(3, dump(f, ALL_STATES, 0, 0, 0, self->d, 8));
	close(c);
	close(s);
	close(lfd);
	close(home);
	close(other);
}

/*
 * 200 listeners and 50 connected pairs dumped with INET_DIAG_INFO through
 * a 4 KiB recv() buffer: many partial dumps, every socket exactly once.
 */
TEST_F_TIMEOUT(diag, partial_dump, 300)
{
	const struct xfam *f = &variant->f;
	enum { NL = 200, NP = 50, TOTAL = NL + 2 * NP };
	static int lfds[NL], cfd[NP], sfd[NP];
	static unsigned char seen[NL];
	struct inet_diag_req_v2 r;
	int i, j, n, fd, calls, nest = 0, clients = 0, dups = 0;
	struct dent *d = self->d;

	raise_nofile(4096);
	for (i = 0; i < NL; i++) {
		lfds[i] = listener(f, "127.0.0.1", 20000 + i, 64);
		ASSERT_LE(0, lfds[i]) TH_LOG("listener %d", i);
	}
	for (i = 0; i < NP; i++)
		ASSERT_EQ(0, pair(f, lfds[0], 20000, &cfd[i], &sfd[i]));

	fd = diag_open();
	ASSERT_LE(0, fd);
	diag_req_init(f, &r, ALL_STATES, 1 << (INET_DIAG_INFO - 1));
	ASSERT_EQ(0, diag_send(fd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &r));
	n = diag_recv(fd, d, 400, 4096, true, &calls);
	close(fd);
	ASSERT_EQ(TOTAL, n);
	EXPECT_LT(10, calls) TH_LOG("only %d reads", calls);

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		int sp = ntohs(d[i].m.id.idiag_sport);

		EXPECT_LT(0, d[i].info_len);
		for (j = i + 1; j < n; j++)
			dups += !memcmp(d[i].m.id.idiag_cookie,
					d[j].m.id.idiag_cookie, 8);
		if (d[i].m.idiag_state == TCP_LISTEN) {
			ASSERT_LE(20000, sp);
			ASSERT_GT(20000 + NL, sp);
			seen[sp - 20000]++;
		} else if (d[i].m.idiag_state == TCP_ESTABLISHED) {
			if (sp == 20000)
				nest++;
			else if (ntohs(d[i].m.id.idiag_dport) == 20000)
				clients++;
		}
	}
	EXPECT_EQ(0, dups);
	for (i = 0, j = 0; i < NL; i++)
		j += seen[i] != 1;
	EXPECT_EQ(0, j) TH_LOG("listeners not seen exactly once");
	EXPECT_EQ(NP, nest);
	EXPECT_EQ(NP, clients);
	for (i = 0; i < NP; i++) {
		close(cfd[i]);
		close(sfd[i]);
	}
	for (i = 0; i < NL; i++)
		close(lfds[i]);
}

/* ---- XTCP only: the handshake timeline ---------------------------------- */

#define TL_DBG "/sys/kernel/debug/xtcp/drop_synacks"

static const struct xfam tl_f = XFAM_XTCP;

FIXTURE(tl) {
	struct dent d[8];
};

FIXTURE_SETUP(tl)
{
	xtcp_setup_netns(_metadata, &tl_f);
}

FIXTURE_TEARDOWN(tl)
{
	write_file(TL_DBG, "0");
}

/* Event types of a timeline, "SYN SYNACK/0 ..." for the logs. */
static void tl_str(const struct xtcp_timeline *h,
		   const struct xtcp_timeline_event *ev, char *out, size_t len)
{
	size_t o = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < h->nr && o < len; i++)
		o += snprintf(out + o, len - o, "%s%d/%d@%u", i ? " " : "",
			      ev[i].type, ev[i].arg, ev[i].usec);
}

/* The earliest a backed-off timer of MS may fire: a tick short, 2 % slow. */
static unsigned int tl_earliest_us(unsigned int ms)
{
	return (ms - ms / 50 - 10) * 1000;
}

TEST_F(tl, sockopt)
{
	int fd = xsock(&tl_f, 0), v = 7;
	socklen_t len = sizeof(v);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_XTCP, XTCP_TIMELINE, &v, &len));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, setint(fd, SOL_XTCP, XTCP_TIMELINE, 5));
	ASSERT_EQ(0, getsockopt(fd, SOL_XTCP, XTCP_TIMELINE, &v, &len));
	EXPECT_EQ(1, v);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, XTCP_TIMELINE, &v, 2));
	EXPECT_EQ(EINVAL, errno);
	len = -1;
	EXPECT_EQ(-1, getsockopt(fd, SOL_XTCP, XTCP_TIMELINE, &v,
				 (socklen_t *)&len));
	/* TCP has no such option at its own level: neither has XTCP there. */
	EXPECT_EQ(ENOPROTOOPT, setint(fd, IPPROTO_TCP, XTCP_TIMELINE, 1));
	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.timeline", "2"));
	EXPECT_EQ(EINVAL, sysctl_set("net.xtcp.timeline", "-1"));
	EXPECT_EQ(0, sysctl_set("net.xtcp.timeline", "1"));
	close(fd);
}

/* Off by default: no attribute on a listener, a child or a client. */
TEST_F(tl, off_by_default)
{
	int lfd, c, s, n, i;

	lfd = listener(&tl_f, "127.0.0.1", PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pair(&tl_f, lfd, PORT, &c, &s));
	n = dump(&tl_f, ALL_STATES, 0, 0, 0, self->d, 8);
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(-1, self->d[i].tl_len);
		EXPECT_EQ(0, self->d[i].ndropped);
	}
	close(c);
	close(s);
	close(lfd);
}

/*
 * Two namespaces, so that the client's SYN timer (5 s) stays out of the
 * way of the listener's 200 ms SYN-ACK timer; the first two SYN-ACKs are
 * lost (debugfs drop_synacks), the third completes the handshake.
 */
TEST_F(tl, synack_lost_twice)
{
	const struct xtcp_timeline_event *ev;
	const struct xtcp_timeline *h;
	static const int want[] = {
		XTCP_TL_SYN, XTCP_TL_SYNACK, XTCP_TL_SYNACK, XTCP_TL_SYNACK,
		XTCP_TL_ACK, XTCP_TL_CHILD, XTCP_TL_QUEUED, XTCP_TL_ACCEPTED,
	};
	int lfd, c, s, n, i, cport;
	struct twons t;
	char str[512];

	ASSERT_EQ(0, twons_setup(&t, false));	/* in S */
	ASSERT_EQ(200, synack_timers_set(&tl_f, 5, 200));
	lfd = xsock(&tl_f, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setint(lfd, SOL_XTCP, XTCP_TIMELINE, 1));
	ASSERT_EQ(0, xbind(&tl_f, lfd, NS_S_ADDR, PORT));
	ASSERT_EQ(0, listen(lfd, 8));
	ASSERT_EQ(0, write_file(TL_DBG, "2"));

	ASSERT_EQ(0, ns_enter(t.c));
	ASSERT_EQ(5000, syn_timers_set(&tl_f, 2, 5000));
	c = xsock(&tl_f, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setint(c, SOL_XTCP, XTCP_TIMELINE, 1));
	ASSERT_EQ(0, xconnect(&tl_f, c, NS_S_ADDR, PORT));
	cport = local_port(c);
	n = dump(&tl_f, TCPF(TCP_ESTABLISHED), cport, 0, 0, self->d, 8);
	ASSERT_EQ(1, n);
	h = &self->d[0].tl;
	ev = self->d[0].tl_ev;
	tl_str(h, ev, str, sizeof(str));
	TH_LOG("client: %s", str);
	ASSERT_EQ(3, h->nr);
	EXPECT_EQ(XTCP_TL_SYN_SENT, ev[0].type);
	EXPECT_EQ(0, ev[0].arg);
	EXPECT_EQ(XTCP_TL_SYNACK_IN, ev[1].type);
	EXPECT_EQ(XTCP_TL_ESTABLISHED, ev[2].type);
	/* SYN-ACK #2 left 200 + 400 ms after the first */
	EXPECT_LE(tl_earliest_us(600), ev[1].usec);
	EXPECT_LE(ev[1].usec, ev[2].usec);
	EXPECT_EQ(inet_addr(NS_C_ADDR), h->saddr);
	EXPECT_EQ(inet_addr(NS_S_ADDR), h->daddr);
	EXPECT_EQ(cport, ntohs(h->sport));
	EXPECT_EQ(PORT, ntohs(h->dport));
	EXPECT_EQ(0, h->lost);

	ASSERT_EQ(0, ns_enter(t.s));
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	n = dump(&tl_f, TCPF(TCP_ESTABLISHED), PORT, 0, 0, self->d, 8);
	ASSERT_EQ(1, n);
	h = &self->d[0].tl;
	ev = self->d[0].tl_ev;
	tl_str(h, ev, str, sizeof(str));
	TH_LOG("child: %s", str);
	ASSERT_EQ(sizeof(*h) + h->nr * sizeof(*ev),
		  (size_t)self->d[0].tl_len);
	ASSERT_EQ(ARRAY_SIZE(want), h->nr);
	for (i = 0; i < h->nr; i++) {
		EXPECT_EQ(want[i], ev[i].type) TH_LOG("event %d", i);
		if (i)
			EXPECT_LE(ev[i - 1].usec, ev[i].usec);
	}
	EXPECT_EQ(0, ev[0].usec);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(i, ev[1 + i].arg);
	/* 200 ms, then 400 ms of backoff between the SYN-ACKs */
	EXPECT_LE(tl_earliest_us(200), ev[2].usec - ev[1].usec);
	EXPECT_LE(tl_earliest_us(400), ev[3].usec - ev[2].usec);
	EXPECT_GT(20000000, ev[3].usec);
	EXPECT_EQ(inet_addr(NS_S_ADDR), h->saddr);
	EXPECT_EQ(inet_addr(NS_C_ADDR), h->daddr);
	EXPECT_EQ(PORT, ntohs(h->sport));
	EXPECT_EQ(cport, ntohs(h->dport));
	EXPECT_EQ(0, h->lost);
	EXPECT_NE(0, h->start_ns);
	/* the listener has none of its own and dropped nothing */
	n = dump(&tl_f, TCPF(TCP_LISTEN), PORT, 0, 0, self->d, 8);
	ASSERT_EQ(1, n);
	EXPECT_EQ(-1, self->d[0].tl_len);
	EXPECT_EQ(0, self->d[0].ndropped);
	close(s);
	close(lfd);
	ASSERT_EQ(0, ns_enter(t.c));
	close(c);
}

/*
 * net.xtcp.timeline = 1 and a request whose SYN-ACKs go to a MAC nobody
 * has: 20 duplicate SYNs overflow its 16 events; the last slot follows
 * the newest; once the SYN-ACK retries are spent its listener keeps the
 * timeline, which ends in the drop.
 */
TEST_F(tl, bounded_and_dropped)
{
	const struct xtcp_timeline_event *ev;
	const struct xtcp_timeline *h;
	int lfd, raw, n, i, last;
	struct twons t;
	char str[512];

	ASSERT_EQ(0, twons_setup(&t, true));	/* in S */
	ASSERT_EQ(0, sysctl_set("net.xtcp.timeline", "1"));
	ASSERT_EQ(1000, synack_timers_set(&tl_f, 1, 1000));
	lfd = listener(&tl_f, NS_S_ADDR, PORT, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, ns_enter(t.c));
	raw = socket(AF_INET, SOCK_RAW, tl_f.ipproto);
	ASSERT_LE(0, raw);
	for (i = 0; i < 21; i++)
		ASSERT_EQ(0, raw_send_seg(raw, NS_C_ADDR, NS_S_ADDR,
					  tl_f.ipproto, 40000, PORT, 1000, 0,
					  TH_SYN));
	ASSERT_EQ(0, ns_enter(t.s));

	/* the duplicates may still be in the veth's backlog: wait for them */
	for (i = 0; i < 50; i++) {
		n = dump(&tl_f, TCPF(TCP_SYN_RECV), 0, 0, 0, self->d, 8);
		if (n != 1 || self->d[0].tl.lost >= 22 - XTCP_TIMELINE_LEN)
			break;
		sleep_ms(20);
	}
	ASSERT_EQ(1, n);
	h = &self->d[0].tl;
	ev = self->d[0].tl_ev;
	tl_str(h, ev, str, sizeof(str));
	TH_LOG("request: %s lost %u", str, h->lost);
	ASSERT_EQ(XTCP_TIMELINE_LEN, h->nr);
	EXPECT_EQ(XTCP_TL_SYN, ev[0].type);
	EXPECT_EQ(XTCP_TL_SYNACK, ev[1].type);
	EXPECT_EQ(XTCP_TL_SYN_DUP, ev[2].type);
	/* SYN, SYN-ACK, 20 duplicates (and what they drew): 16 kept */
	EXPECT_LE(22 - XTCP_TIMELINE_LEN, h->lost);

	/* dropped at 1 + 2 s: the listener keeps its timeline */
	for (i = 0; i < 100; i++) {
		n = dump(&tl_f, TCPF(TCP_LISTEN), PORT, 0, 0, self->d, 8);
		if (n != 1 || self->d[0].ndropped)
			break;
		sleep_ms(100);
	}
	ASSERT_EQ(1, n);
	ASSERT_EQ(1, self->d[0].ndropped);
	h = &self->d[0].dropped[0];
	ev = self->d[0].dropped_ev[0];
	tl_str(h, ev, str, sizeof(str));
	TH_LOG("dropped: %s lost %u", str, h->lost);
	ASSERT_EQ(XTCP_TIMELINE_LEN, h->nr);
	last = h->nr - 1;
	EXPECT_EQ(XTCP_TL_DROP, ev[last].type);
	EXPECT_EQ(XTCP_TL_DROP_TIMEOUT, ev[last].arg);
	/* 1 s then 2 s of SYN-ACK timeouts after the SYN */
	EXPECT_LE(tl_earliest_us(3000), ev[last].usec);
	EXPECT_EQ(40000, ntohs(h->dport));
	EXPECT_EQ(inet_addr(NS_C_ADDR), h->daddr);
	EXPECT_LE(22 - XTCP_TIMELINE_LEN + 1, h->lost);
	EXPECT_EQ(0, dump(&tl_f, TCPF(TCP_SYN_RECV), 0, 0, 0, self->d, 8));
	close(raw);
	close(lfd);
}

TEST_HARNESS_MAIN
