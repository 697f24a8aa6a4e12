// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP packet-script tool: the TUN peer, the segment builder and matcher,
 * and the interpreter of the script language of
 * Documentation/packet-scripts.rst (a line per event, like packetdrill's,
 * which cannot speak a new IP protocol).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "../../include/uapi/linux/xtcp.h"
#include "xtcp_pkt.h"

#define PKT_DEV		"xpkt0"
#define PKT_LOCAL	"10.77.0.1"	/* XTCP's address */
#define PKT_REMOTE	"10.77.0.2"	/* the tool's (fake peer's) address */
#define PKT_MAX_FLOWS	16
#define PKT_MAX_SOCKS	32
#define PKT_MAX_OPTS	16
#define PKT_MAX		65536
#define PKT_SYSCALL_TMO	10	/* s a syscall may block before failing */

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10
#define F_URG	0x20
#define F_ECE	0x40
#define F_CWR	0x80

/* One option of a segment line: kind plus value, or raw bytes. */
struct pkt_opt {
	int kind;		/* 0 EOL, 1 NOP, 2 MSS, 3 wscale, 4 sackOK, -1 raw, -2 "*" */
	bool any;		/* value "*" */
	unsigned int val;
	int rawlen;
	uint8_t raw[40];
};

/* A parsed "<" or ">" line. */
struct pkt_seg {
	char dir;
	uint8_t flags;
	uint32_t seq;
	int len;
	bool has_ack;
	uint32_t ack;
	bool has_win, win_any;
	unsigned int win;
	bool has_opts;
	int nopts;
	struct pkt_opt opts[PKT_MAX_OPTS];
	/* inbound modifiers */
	bool bad_csum;
	int doff;		/* -1: computed */
	int trunc;		/* -1: whole segment */
	int frag;		/* 0: one packet; else fragment payload bytes */
	int ipoptlen;
	uint8_t ipopt[40];
	bool urg_set;
	unsigned int urg;
};

/* A 4-tuple the script talks on; sequence numbers are relative to it. */
struct pkt_flow {
	uint16_t rport;		/* the tool's port */
	uint16_t lport;		/* XTCP's port, 0 until learned */
	uint32_t tisn;		/* the tool's ISN */
	uint32_t xisn;		/* XTCP's ISN, learned from its SYN */
	bool xisn_known;
};

struct pkt_sock {
	char name[16];
	int fd;
	uint64_t rd, wr;	/* stream bytes read and written */
};

struct pkt_ctx {
	int tun;
	FILE *trace;
	char err[512];
	const char *file;
	int lineno;
	double t0;		/* script time 0 (monotonic s), < 0 unset */
	double prev;		/* actual time of the previous event */
	double tol_abs, tol_pct;
	struct pkt_flow flows[PKT_MAX_FLOWS];
	int nflows, cur;
	struct pkt_sock socks[PKT_MAX_SOCKS];
	int nsocks;
	struct { char name[48]; long long val; bool seen; } ctr[64];
	int nctr;
	uint16_t ipid;
	uint32_t laddr, raddr;	/* network order */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(struct pkt_ctx *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->file)
		snprintf(p->err, sizeof(p->err), "%s:%d: %s", p->file,
			 p->lineno, msg);
	else
		snprintf(p->err, sizeof(p->err), "%s", msg);
	return -1;
}

const char *pkt_error(const struct pkt_ctx *p)
{
	return p->err;
}

void pkt_set_trace(struct pkt_ctx *p, FILE *out)
{
	p->trace = out;
}

int pkt_tun_fd(const struct pkt_ctx *p)
{
	return p->tun;
}

int pkt_fd(const struct pkt_ctx *p, const char *name)
{
	int i;

	for (i = 0; i < p->nsocks; i++)
		if (!strcmp(p->socks[i].name, name))
			return p->socks[i].fd;
	return -1;
}

static double tnow(struct pkt_ctx *p)
{
	if (p->t0 < 0) {
		p->t0 = now_s();
		p->prev = 0;
	}
	return now_s() - p->t0;
}

/* ---- environment ---- */

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int if_up(int s, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

struct pkt_ctx *pkt_new(void)
{
	struct sockaddr_in *sin;
	struct pkt_ctx *p;
	struct ifreq ifr;
	int s;

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tun = -1;
	p->t0 = -1;
	p->tol_abs = 0.08;
	p->tol_pct = 0.15;
	p->ipid = 1;
	inet_pton(AF_INET, PKT_LOCAL, &p->laddr);
	inet_pton(AF_INET, PKT_REMOTE, &p->raddr);
	/* The default flow: the tool at port 40000, XTCP at 8080. */
	p->nflows = 1;
	p->flows[0].rport = 40000;
	p->flows[0].lport = 8080;
	p->flows[0].tisn = 1000000000u;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "pkt: unshare(CLONE_NEWNET): %s\n",
			strerror(errno));
		goto err;
	}
	/* No IPv6 chatter (router solicitations, MLD) on the TUN. */
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");

	/*
	 * Without udev nothing creates the node before tun.ko is loaded;
	 * opening it makes misc_open() request "char-major-10-200".
	 */
	if (access("/dev/net/tun", F_OK)) {
		mkdir("/dev/net", 0755);
		mknod("/dev/net/tun", S_IFCHR | 0666, makedev(10, 200));
	}
	p->tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (p->tun < 0) {
		fprintf(stderr, "pkt: /dev/net/tun: %s\n", strerror(errno));
		goto err;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, PKT_DEV);
	if (ioctl(p->tun, TUNSETIFF, &ifr)) {
		fprintf(stderr, "pkt: TUNSETIFF: %s\n", strerror(errno));
		goto err;
	}
	fcntl(p->tun, F_SETFL, O_NONBLOCK);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto err;
	if (if_up(s, "lo"))
		goto err_s;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, PKT_DEV);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = p->laddr;
	if (ioctl(s, SIOCSIFADDR, &ifr))
		goto err_s;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr))
		goto err_s;
	if (if_up(s, PKT_DEV))
		goto err_s;
	close(s);
	return p;

err_s:
	fprintf(stderr, "pkt: configuring %s: %s\n", PKT_DEV, strerror(errno));
	close(s);
err:
	if (p->tun >= 0)
		close(p->tun);
	free(p);
	return NULL;
}

void pkt_free(struct pkt_ctx *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nsocks; i++)
		if (p->socks[i].fd >= 0)
			close(p->socks[i].fd);
	if (p->tun >= 0)
		close(p->tun);
	free(p);
}

/* ---- checksums and packets ---- */

static uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static uint16_t l4_csum(uint32_t saddr, uint32_t daddr, const uint8_t *seg,
			size_t len)
{
	uint8_t ph[12];
	uint32_t sum;

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_XTCP;
	ph[10] = len >> 8;
	ph[11] = len & 0xff;
	sum = csum_add(0, ph, sizeof(ph));
	return csum_fold(csum_add(sum, seg, len));
}

static void put16(uint8_t *b, unsigned int v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static unsigned int get16(const uint8_t *b)
{
	return (b[0] << 8) | b[1];
}

static uint32_t get32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
}

/* The byte at stream offset @off of either direction's payload. */
static uint8_t pattern(uint64_t off)
{
	return 'a' + off % 26;
}

/* IPv4 header of @hl bytes (options included) for @l4len bytes. */
static void build_ip(struct pkt_ctx *p, uint8_t *ip, int hl, int l4len,
		     unsigned int frag_off, const struct pkt_seg *s)
{
	memset(ip, 0, 20);
	ip[0] = 0x40 | (hl / 4);
	put16(ip + 2, hl + l4len);
	put16(ip + 4, p->ipid);
	put16(ip + 6, frag_off);
	ip[8] = 64;
	ip[9] = IPPROTO_XTCP;
	memcpy(ip + 12, &p->raddr, 4);
	memcpy(ip + 16, &p->laddr, 4);
	if (s->ipoptlen) {
		memset(ip + 20, 0, hl - 20);
		memcpy(ip + 20, s->ipopt, s->ipoptlen);
	}
	put16(ip + 10, csum_fold(csum_add(0, ip, hl)));
}

static int tun_write(struct pkt_ctx *p, const uint8_t *pkt, size_t len)
{
	ssize_t n = write(p->tun, pkt, len);

	if (n != (ssize_t)len)
		return fail(p, "write to tun: %s",
			    n < 0 ? strerror(errno) : "short write");
	return 0;
}

static void trace_seg(struct pkt_ctx *p, char dir, const uint8_t *th,
		      int l4len, const struct pkt_flow *f);

/* Build and inject an inbound segment on the current flow. */
static int inject(struct pkt_ctx *p, const struct pkt_seg *s)
{
	static uint8_t seg[PKT_MAX], pkt[PKT_MAX];
	struct pkt_flow *f = &p->flows[p->cur];
	int optlen = 0, l4len, hl, i, doff;
	uint8_t *o = seg + 20;

	for (i = 0; i < s->nopts; i++) {
		const struct pkt_opt *op = &s->opts[i];

		switch (op->kind) {
		case 0:
		case 1:
			o[optlen++] = op->kind;
			break;
		case 2:
			o[optlen++] = 2;
			o[optlen++] = 4;
			put16(o + optlen, op->val);
			optlen += 2;
			break;
		case 3:
			o[optlen++] = 3;
			o[optlen++] = 3;
			o[optlen++] = op->val;
			break;
		case 4:
			o[optlen++] = 4;
			o[optlen++] = 2;
			break;
		default:
			memcpy(o + optlen, op->raw, op->rawlen);
			optlen += op->rawlen;
			break;
		}
	}
	while (optlen % 4)
		o[optlen++] = 0;
	if (optlen > 40)
		return fail(p, "options take %d bytes, at most 40 fit", optlen);
	doff = s->doff >= 0 ? s->doff : (20 + optlen) / 4;

	memset(seg, 0, 20);
	put16(seg, f->rport);
	put16(seg + 2, f->lport);
	put32(seg + 4, f->tisn + s->seq);
	put32(seg + 8, s->has_ack ? f->xisn + s->ack : 0);
	seg[12] = (doff & 0xf) << 4;
	seg[13] = s->flags;
	put16(seg + 14, s->has_win ? s->win : 65535);
	put16(seg + 18, s->urg_set ? s->urg : 0);
	for (i = 0; i < s->len; i++)
		seg[20 + optlen + i] = pattern(s->seq - 1 + i);
	l4len = 20 + optlen + s->len;
	if (s->trunc >= 0 && s->trunc < l4len)
		l4len = s->trunc;
	put16(seg + 16, l4_csum(p->raddr, p->laddr, seg, l4len));
	if (s->bad_csum)
		seg[17] ^= 0x5a;

	if (p->trace)
		trace_seg(p, '<', seg, l4len, f);

	hl = 20 + ((s->ipoptlen + 3) & ~3);
	p->ipid++;
	if (!s->frag) {
		build_ip(p, pkt, hl, l4len, 0, s);
		memcpy(pkt + hl, seg, l4len);
		return tun_write(p, pkt, hl + l4len);
	}
	for (i = 0; i < l4len; i += s->frag) {
		int n = l4len - i < s->frag ? l4len - i : s->frag;
		bool more = i + n < l4len;

		build_ip(p, pkt, hl, n, (more ? 0x2000 : 0) | (i / 8), s);
		memcpy(pkt + hl, seg + i, n);
		if (tun_write(p, pkt, hl + n))
			return -1;
	}
	return 0;
}

/*
 * Wait until @deadline (script time) for an XTCP packet from XTCP; other
 * traffic (ARP-less TUN: only IPv4 and IPv6) is ignored.
 * Return: its length with the IPv4 header at @buf, 0 on timeout, -1 error.
 */
static int recv_pkt(struct pkt_ctx *p, uint8_t *buf, double deadline,
		    double *when)
{
	for (;;) {
		struct pollfd pfd = { .fd = p->tun, .events = POLLIN };
		double left = deadline - tnow(p);
		ssize_t n;
		int r;

		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, (int)(left * 1000 + 0.999));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(p, "poll tun: %s", strerror(errno));
		n = read(p->tun, buf, PKT_MAX);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (tnow(p) >= deadline)
				return 0;
			continue;
		}
		if (n < 0)
			return fail(p, "read tun: %s", strerror(errno));
		*when = tnow(p);
		if (n >= 20 && (buf[0] >> 4) == 4 && buf[9] == IPPROTO_XTCP)
			return n;
	}
}

static const char *flag_str(uint8_t fl, char *b)
{
	char *q = b;

	if (fl & F_SYN)
		*q++ = 'S';
	if (fl & F_FIN)
		*q++ = 'F';
	if (fl & F_RST)
		*q++ = 'R';
	if (fl & F_PSH)
		*q++ = 'P';
	if (fl & F_URG)
		*q++ = 'U';
	if (fl & F_ECE)
		*q++ = 'E';
	if (fl & F_CWR)
		*q++ = 'W';
	if (fl & F_ACK)
		*q++ = '.';
	*q = 0;
	return b;
}

/* Options of a received or built header as text ("mss 1460,nop,..."). */
static void opts_str(const uint8_t *th, int doff, char *b, size_t bl)
{
	const uint8_t *o = th + 20, *end = th + doff;
	size_t n = 0;

	b[0] = 0;
	while (o < end && n < bl - 24) {
		const char *sep = n ? "," : "";

		if (*o == 0) {
			n += snprintf(b + n, bl - n, "%seol", sep);
			o++;
		} else if (*o == 1) {
			n += snprintf(b + n, bl - n, "%snop", sep);
			o++;
		} else if (o + 1 >= end || o[1] < 2 || o + o[1] > end) {
			n += snprintf(b + n, bl - n, "%sraw %02x...", sep, *o);
			break;
		} else if (*o == 2 && o[1] == 4) {
			n += snprintf(b + n, bl - n, "%smss %u", sep, get16(o + 2));
			o += 4;
		} else if (*o == 3 && o[1] == 3) {
			n += snprintf(b + n, bl - n, "%swscale %u", sep, o[2]);
			o += 3;
		} else if (*o == 4 && o[1] == 2) {
			n += snprintf(b + n, bl - n, "%ssackOK", sep);
			o += 2;
		} else {
			int i;

			n += snprintf(b + n, bl - n, "%sraw", sep);
			for (i = 0; i < o[1] && n < bl - 4; i++)
				n += snprintf(b + n, bl - n, " %02x", o[i]);
			o += o[1];
		}
	}
}

static void trace_seg(struct pkt_ctx *p, char dir, const uint8_t *th,
		      int l4len, const struct pkt_flow *f)
{
	char fl[10], ob[200] = "";
	uint32_t seq, ack, sisn, aisn;
	int doff, len;

	if (l4len < 20) {
		fprintf(p->trace, "%.3f %c (%d-byte header)\n", tnow(p), dir,
			l4len);
		return;
	}
	doff = (th[12] >> 4) * 4;
	len = l4len - doff;
	if (len < 0)
		len = 0;
	sisn = dir == '<' ? f->tisn : f->xisn;
	aisn = dir == '<' ? f->xisn : f->tisn;
	seq = get32(th + 4) - sisn;
	ack = get32(th + 8) - aisn;
	if (doff > 20 && doff <= l4len)
		opts_str(th, doff, ob, sizeof(ob));
	fprintf(p->trace, "%.3f %c %s %u:%u(%d)", tnow(p), dir,
		flag_str(th[13], fl), seq, seq + len, len);
	if (th[13] & F_ACK)
		fprintf(p->trace, " ack %u", ack);
	fprintf(p->trace, " win %u", get16(th + 14));
	if (ob[0])
		fprintf(p->trace, " <%s>", ob);
	fprintf(p->trace, "  [%u > %u]\n", get16(th), get16(th + 2));
}

/* ---- matching ---- */

static int match_opts(struct pkt_ctx *p, const struct pkt_seg *s,
		      const uint8_t *th, int doff)
{
	const uint8_t *o = th + 20, *end = th + doff;
	char got[200];
	int i;

	opts_str(th, doff, got, sizeof(got));
	for (i = 0; i < s->nopts; i++) {
		const struct pkt_opt *e = &s->opts[i];

		if (e->kind == -2)
			return 0;
		if (o >= end)
			goto bad;
		if (e->kind == -1) {
			if (end - o < e->rawlen || memcmp(o, e->raw, e->rawlen))
				goto bad;
			o += e->rawlen;
			continue;
		}
		if (*o != e->kind)
			goto bad;
		if (e->kind <= 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || o + o[1] > end)
			goto bad;
		if (e->kind == 2 && (o[1] != 4 ||
				     (!e->any && get16(o + 2) != e->val)))
			goto bad;
		if (e->kind == 3 && (o[1] != 3 || (!e->any && o[2] != e->val)))
			goto bad;
		if (e->kind == 4 && o[1] != 2)
			goto bad;
		o += o[1];
	}
	/* Only EOL padding may follow. */
	while (o < end && *o == 0)
		o++;
	if (o == end)
		return 0;
bad:
	return fail(p, "options <%s>, expected other options", got);
}

/* Check an outbound packet against the expected segment. */
static int match(struct pkt_ctx *p, const struct pkt_seg *s, uint8_t *pkt,
		 int n)
{
	struct pkt_flow *f = &p->flows[p->cur];
	int hl = (pkt[0] & 0xf) * 4, l4len, doff, len, i;
	uint32_t seq, ack, saddr, daddr;
	char ef[10], gf[10];
	uint8_t *th;

	if (hl < 20 || get16(pkt + 2) != n || n < hl + 20)
		return fail(p, "malformed IPv4 packet from XTCP (%d bytes)", n);
	if (get16(pkt + 6) & 0x3fff)
		return fail(p, "XTCP sent an IP fragment");
	memcpy(&saddr, pkt + 12, 4);
	memcpy(&daddr, pkt + 16, 4);
	th = pkt + hl;
	l4len = n - hl;
	doff = (th[12] >> 4) * 4;
	if (doff < 20 || doff > l4len)
		return fail(p, "XTCP sent data offset %d in %d bytes", doff,
			    l4len);
	if (l4_csum(saddr, daddr, th, l4len))
		return fail(p, "XTCP sent a bad checksum");
	if (saddr != p->laddr || daddr != p->raddr)
		return fail(p, "packet from XTCP with unexpected addresses");
	if (f->lport && get16(th) != f->lport)
		return fail(p, "segment from port %u, expected %u", get16(th),
			    f->lport);
	if (get16(th + 2) != f->rport)
		return fail(p, "segment to port %u, expected %u",
			    get16(th + 2), f->rport);
	len = l4len - doff;
	if (th[13] != s->flags)
		return fail(p, "flags %s, expected %s", flag_str(th[13], gf),
			    flag_str(s->flags, ef));
	if (!f->lport)
		f->lport = get16(th);
	if ((th[13] & F_SYN) && !f->xisn_known) {
		f->xisn = get32(th + 4) - s->seq;
		f->xisn_known = true;
	}
	seq = get32(th + 4) - f->xisn;
	if (seq != s->seq || len != s->len)
		return fail(p, "seq %u:%u(%d), expected %u:%u(%d)", seq,
			    seq + len, len, s->seq, s->seq + s->len, s->len);
	if (s->has_ack) {
		ack = get32(th + 8) - f->tisn;
		if (ack != s->ack)
			return fail(p, "ack %u, expected %u", ack, s->ack);
	}
	if (s->has_win && !s->win_any && get16(th + 14) != s->win)
		return fail(p, "win %u, expected %u", get16(th + 14), s->win);
	if (s->has_opts && match_opts(p, s, th, doff))
		return -1;
	for (i = 0; i < len; i++)
		if (th[doff + i] != pattern(seq - 1 + i))
			return fail(p, "payload byte %d is 0x%02x, not '%c' (as written)",
				    i, th[doff + i], pattern(seq - 1 + i));
	return 0;
}

/* ---- parsing ---- */

static char *next_tok(char **s)
{
	char *b = *s, *e;

	while (*b && isspace((unsigned char)*b))
		b++;
	if (!*b)
		return NULL;
	e = b;
	while (*e && !isspace((unsigned char)*e))
		e++;
	if (*e)
		*e++ = 0;
	*s = e;
	return b;
}

static int parse_uint(struct pkt_ctx *p, const char *t, unsigned long max,
		      unsigned long *v, const char *what)
{
	char *end;

	if (!t)
		return fail(p, "missing %s", what);
	errno = 0;
	*v = strtoul(t, &end, 0);
	if (errno || *end || end == t || *v > max || t[0] == '-')
		return fail(p, "bad %s '%s'", what, t);
	return 0;
}

/* "1.5" s, "200ms"; returns seconds. */
static int parse_dur(struct pkt_ctx *p, const char *t, double *v)
{
	char *end;

	if (!t)
		return fail(p, "missing duration");
	*v = strtod(t, &end);
	if (end == t || *v < 0)
		return fail(p, "bad duration '%s'", t);
	if (!strcmp(end, "ms"))
		*v /= 1000;
	else if (*end && strcmp(end, "s"))
		return fail(p, "bad duration '%s'", t);
	return 0;
}

static int parse_opt_list(struct pkt_ctx *p, char *l, struct pkt_seg *s)
{
	char *item, *save = NULL;

	s->has_opts = true;
	for (item = strtok_r(l, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		struct pkt_opt *o = &s->opts[s->nopts];
		char *v = item, *k;
		unsigned long x;

		if (s->nopts == PKT_MAX_OPTS)
			return fail(p, "too many options");
		memset(o, 0, sizeof(*o));
		k = next_tok(&v);
		if (!k)
			continue;
		if (!strcmp(k, "*")) {
			o->kind = -2;
		} else if (!strcmp(k, "eol")) {
			o->kind = 0;
		} else if (!strcmp(k, "nop")) {
			o->kind = 1;
		} else if (!strcmp(k, "sackOK")) {
			o->kind = 4;
		} else if (!strcmp(k, "mss") || !strcmp(k, "wscale")) {
			char *t = next_tok(&v);

			o->kind = k[0] == 'm' ? 2 : 3;
			if (t && !strcmp(t, "*")) {
				o->any = true;
			} else {
				if (parse_uint(p, t, o->kind == 2 ? 65535 : 255,
					       &x, k))
					return -1;
				o->val = x;
			}
		} else if (!strcmp(k, "raw")) {
			char *t;

			o->kind = -1;
			while ((t = next_tok(&v))) {
				if (o->rawlen == 40)
					return fail(p, "raw option too long");
				if (parse_uint(p, t, 255, &x, "raw byte"))
					return -1;
				o->raw[o->rawlen++] = x;
			}
			if (!o->rawlen)
				return fail(p, "raw option without bytes");
		} else {
			return fail(p, "unknown option '%s'", k);
		}
		if (next_tok(&v))
			return fail(p, "junk after option '%s'", k);
		s->nopts++;
	}
	return 0;
}

/* A run of hex digits ("94040000") into bytes. */
static int hex_bytes(struct pkt_ctx *p, const char *t, uint8_t *b, int max,
		     int *n)
{
	size_t len = t ? strlen(t) : 0, i;

	if (!len || len % 2 || (int)len / 2 > max)
		return fail(p, "expected up to %d bytes as hex digits, got '%s'",
			    max, t ? t : "");
	for (i = 0; i < len; i += 2) {
		char byte[3] = { t[i], t[i + 1], 0 };

		if (!isxdigit((unsigned char)t[i]) ||
		    !isxdigit((unsigned char)t[i + 1]))
			return fail(p, "bad hex '%s'", t);
		b[i / 2] = strtoul(byte, NULL, 16);
	}
	*n = len / 2;
	return 0;
}

/* FLAGS SEQ:END(LEN) [ack N] [win W] [<opts>] [modifiers...] */
static int parse_seg(struct pkt_ctx *p, char dir, char *rest,
		     struct pkt_seg *s)
{
	unsigned long a, b, len, x;
	char *t, *lt, *gt;
	const char *c;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->doff = -1;
	s->trunc = -1;

	/* Take the option list out first: it has spaces. */
	lt = strchr(rest, '<');
	if (lt) {
		gt = strchr(lt, '>');
		if (!gt)
			return fail(p, "'<' without '>' in the option list");
		*gt = 0;
		*lt = 0;
		if (parse_opt_list(p, lt + 1, s))
			return -1;
		memmove(lt, gt + 1, strlen(gt + 1) + 1);
		if (lt > rest && lt[-1] != ' ' && *lt && *lt != ' ')
			return fail(p, "option list must be a separate word");
	}

	t = next_tok(&rest);
	if (!t)
		return fail(p, "missing flags");
	for (c = t; *c; c++) {
		static const char letters[] = "FSRP.UEW";	/* bits 0..7 */
		const char *l = strchr(letters, *c);

		if (*c == '-')
			continue;
		if (!l)
			return fail(p, "unknown flag '%c' in '%s'", *c, t);
		s->flags |= 1 << (l - letters);
	}
	t = next_tok(&rest);
	if (!t || sscanf(t, "%lu:%lu(%lu)", &a, &b, &len) != 3 ||
	    a > UINT32_MAX || b > UINT32_MAX || len > 65000 ||
	    (uint32_t)(b - a) != len)
		return fail(p, "expected SEQ:END(LEN) with END = SEQ + LEN, got '%s'",
			    t ? t : "");
	s->seq = a;
	s->len = len;

	while ((t = next_tok(&rest))) {
		if (!strcmp(t, "ack")) {
			if (parse_uint(p, next_tok(&rest), UINT32_MAX, &x, "ack"))
				return -1;
			s->has_ack = true;
			s->ack = x;
		} else if (!strcmp(t, "win")) {
			t = next_tok(&rest);
			s->has_win = true;
			if (t && !strcmp(t, "*")) {
				s->win_any = true;
				continue;
			}
			if (parse_uint(p, t, 65535, &x, "win"))
				return -1;
			s->win = x;
		} else if (dir == '>') {
			return fail(p, "unknown field '%s' of an expected segment",
				    t);
		} else if (!strcmp(t, "csum") || !strcmp(t, "badcsum")) {
			if (t[0] == 'c') {
				t = next_tok(&rest);
				if (!t || strcmp(t, "bad"))
					return fail(p, "expected 'csum bad'");
			}
			s->bad_csum = true;
		} else if (!strcmp(t, "doff")) {
			if (parse_uint(p, next_tok(&rest), 15, &x, "doff"))
				return -1;
			s->doff = x;
		} else if (!strcmp(t, "trunc")) {
			if (parse_uint(p, next_tok(&rest), 65535, &x, "trunc"))
				return -1;
			s->trunc = x;
		} else if (!strcmp(t, "frag")) {
			if (parse_uint(p, next_tok(&rest), 65535, &x, "frag") ||
			    !x || x % 8)
				return fail(p, "frag needs a multiple of 8 bytes");
			s->frag = x;
		} else if (!strcmp(t, "urg")) {
			if (parse_uint(p, next_tok(&rest), 65535, &x, "urg"))
				return -1;
			s->urg_set = true;
			s->urg = x;
		} else if (!strcmp(t, "ipopt")) {
			if (hex_bytes(p, next_tok(&rest), s->ipopt, 40,
				      &s->ipoptlen))
				return -1;
		} else {
			return fail(p, "unknown field '%s'", t);
		}
	}
	if ((s->flags & F_ACK) && !s->has_ack && dir == '>')
		return fail(p, "an expected ACK needs 'ack N'");
	if (s->has_ack && !(s->flags & F_ACK) && dir == '>')
		return fail(p, "'ack N' without the '.' (ACK) flag");
	return 0;
}

/* ---- time ---- */

/* [+]T | [+]A..B, optionally ~TOL (seconds, "ms" or "%"). */
struct pkt_when {
	bool given, rel, range;
	double t, lo, hi;
	bool tol_set, tol_is_pct;
	double tol;
};

static bool is_time(const char *t)
{
	return t[0] == '+' || isdigit((unsigned char)t[0]);
}

static int parse_when(struct pkt_ctx *p, const char *tok, struct pkt_when *w)
{
	char buf[64], *s = buf, *tl, *dd;

	memset(w, 0, sizeof(*w));
	w->given = true;
	snprintf(buf, sizeof(buf), "%s", tok);
	if (*s == '+') {
		w->rel = true;
		s++;
	}
	tl = strchr(s, '~');
	if (tl) {
		size_t n;

		*tl++ = 0;
		n = strlen(tl);
		w->tol_set = true;
		if (n && tl[n - 1] == '%') {
			tl[n - 1] = 0;
			w->tol_is_pct = true;
			w->tol = atof(tl) / 100;
		} else if (parse_dur(p, tl, &w->tol)) {
			return -1;
		}
	}
	dd = strstr(s, "..");
	if (dd) {
		*dd = 0;
		w->range = true;
		if (parse_dur(p, s, &w->lo) || parse_dur(p, dd + 2, &w->hi))
			return -1;
		if (w->hi < w->lo)
			return fail(p, "time range %s ends before it starts", tok);
		return 0;
	}
	return parse_dur(p, s, &w->t);
}

/*
 * The window [lo, hi] (script time) in which an event is due, and its
 * nominal time. By default a timer may fire up to tol_abs early (the tool
 * read the previous segment late) and tol_abs + tol_pct of the interval
 * late (the timer wheel rounds long timers up by up to 1/8, then the VM
 * schedules); "~TOL" makes it symmetric, a range is exact.
 */
static double when_window(struct pkt_ctx *p, const struct pkt_when *w,
			  double *lo, double *hi)
{
	double base = w->rel || !w->given ? p->prev : 0, d, at, iv;

	if (w->range) {
		*lo = base + w->lo;
		*hi = base + w->hi;
		return *hi;
	}
	d = w->given ? w->t : 0;
	at = base + d;
	iv = at - p->prev;
	if (iv < 0)
		iv = 0;
	if (w->tol_set) {
		double tol = w->tol_is_pct ? w->tol * iv : w->tol;

		*lo = at - tol;
		*hi = at + tol;
	} else {
		*lo = at - p->tol_abs;
		*hi = at + p->tol_abs + p->tol_pct * iv;
	}
	return at;
}

/*
 * Wait until script time @until; any XTCP segment arriving meanwhile is
 * unexpected.
 */
static int idle_until(struct pkt_ctx *p, double until)
{
	static uint8_t buf[PKT_MAX];
	double when;
	int n;

	do {
		n = recv_pkt(p, buf, until, &when);
		if (n < 0)
			return -1;
		if (n > 0) {
			int hl = (buf[0] & 0xf) * 4;

			if (p->trace)
				trace_seg(p, '>', buf + hl, n - hl,
					  &p->flows[p->cur]);
			return fail(p, "unexpected segment from XTCP at %.3f s (see -v)",
				    when);
		}
	} while (tnow(p) < until);
	return 0;
}

static int do_expect(struct pkt_ctx *p, const struct pkt_when *w,
		     const struct pkt_seg *s)
{
	static uint8_t buf[PKT_MAX];
	double lo, hi, when;
	int n, hl, ret;

	when_window(p, w, &lo, &hi);
	n = recv_pkt(p, buf, hi, &when);
	if (n < 0)
		return -1;
	if (!n)
		return fail(p, "no segment from XTCP by %.3f s (due %.3f..%.3f s)",
			    tnow(p), lo, hi);
	hl = (buf[0] & 0xf) * 4;
	ret = match(p, s, buf, n);
	/* After match(): it learns the ISN the trace is relative to. */
	if (p->trace)
		trace_seg(p, '>', buf + hl, n - hl, &p->flows[p->cur]);
	if (ret)
		return -1;
	if (when < lo)
		return fail(p, "segment too early: at %.3f s (+%.3f s), due %.3f..%.3f",
			    when, when - p->prev, lo, hi);
	if (p->trace)
		fprintf(p->trace, "#   +%.3f s after the previous event, due +%.3f..+%.3f\n",
			when - p->prev, lo - p->prev, hi - p->prev);
	p->prev = when;
	return 0;
}

/* ---- syscalls ---- */

struct pkt_name {
	const char *name;
	int val;
};

static const struct pkt_name errnos[] = {
	{ "0", 0 }, { "EAGAIN", EAGAIN }, { "EWOULDBLOCK", EWOULDBLOCK },
	{ "EINPROGRESS", EINPROGRESS }, { "EALREADY", EALREADY },
	{ "EISCONN", EISCONN }, { "ENOTCONN", ENOTCONN },
	{ "ECONNREFUSED", ECONNREFUSED }, { "ECONNRESET", ECONNRESET },
	{ "ECONNABORTED", ECONNABORTED }, { "ETIMEDOUT", ETIMEDOUT },
	{ "EPIPE", EPIPE }, { "EINVAL", EINVAL }, { "EBADF", EBADF },
	{ "EADDRINUSE", EADDRINUSE }, { "EADDRNOTAVAIL", EADDRNOTAVAIL },
	{ "ENOPROTOOPT", ENOPROTOOPT }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "EAFNOSUPPORT", EAFNOSUPPORT }, { "EHOSTUNREACH", EHOSTUNREACH },
	{ "ENETUNREACH", ENETUNREACH }, { "EFAULT", EFAULT },
	{ "EACCES", EACCES }, { "EPERM", EPERM }, { "ENOMEM", ENOMEM },
	{ "ENOBUFS", ENOBUFS }, { "EINTR", EINTR }, { NULL, 0 }
};

static const struct pkt_name levels[] = {
	{ "SOL_SOCKET", SOL_SOCKET }, { "SOL_XTCP", SOL_XTCP },
	{ "IPPROTO_TCP", IPPROTO_TCP }, { "SOL_TCP", IPPROTO_TCP },
	{ "IPPROTO_IP", IPPROTO_IP }, { NULL, 0 }
};

static const struct pkt_name optnames[] = {
	{ "SO_REUSEADDR", SO_REUSEADDR }, { "SO_REUSEPORT", SO_REUSEPORT },
	{ "SO_KEEPALIVE", SO_KEEPALIVE }, { "SO_ERROR", SO_ERROR },
	{ "SO_RCVBUF", SO_RCVBUF }, { "SO_SNDBUF", SO_SNDBUF },
	{ "SO_LINGER", SO_LINGER }, { "SO_RCVLOWAT", SO_RCVLOWAT },
	{ "SO_TYPE", SO_TYPE }, { "SO_ACCEPTCONN", SO_ACCEPTCONN },
	{ "XTCP_NODELAY", XTCP_NODELAY }, { "TCP_NODELAY", XTCP_NODELAY },
	{ "XTCP_MAXSEG", XTCP_MAXSEG }, { "TCP_MAXSEG", XTCP_MAXSEG },
	{ "XTCP_KEEPIDLE", XTCP_KEEPIDLE }, { "TCP_KEEPIDLE", XTCP_KEEPIDLE },
	{ "XTCP_KEEPINTVL", XTCP_KEEPINTVL },
	{ "TCP_KEEPINTVL", XTCP_KEEPINTVL },
	{ "XTCP_KEEPCNT", XTCP_KEEPCNT }, { "TCP_KEEPCNT", XTCP_KEEPCNT },
	{ "XTCP_LINGER2", XTCP_LINGER2 }, { "TCP_LINGER2", XTCP_LINGER2 },
	{ "XTCP_USER_TIMEOUT", XTCP_USER_TIMEOUT },
	{ "TCP_USER_TIMEOUT", XTCP_USER_TIMEOUT }, { NULL, 0 }
};

static const struct pkt_name pollbits[] = {
	{ "IN", POLLIN }, { "OUT", POLLOUT }, { "ERR", POLLERR },
	{ "HUP", POLLHUP }, { "RDHUP", POLLRDHUP }, { "PRI", POLLPRI },
	{ "RDNORM", POLLRDNORM }, { "WRNORM", POLLWRNORM }, { "0", 0 },
	{ NULL, 0 }
};

static int lookup(struct pkt_ctx *p, const struct pkt_name *tab,
		  const char *t, int *v, const char *what)
{
	char *end;
	long x;

	if (!t)
		return fail(p, "missing %s", what);
	for (; tab->name; tab++)
		if (!strcmp(tab->name, t)) {
			*v = tab->val;
			return 0;
		}
	x = strtol(t, &end, 0);
	if (*end || end == t)
		return fail(p, "unknown %s '%s'", what, t);
	*v = x;
	return 0;
}

/* a|b|c over a name table. */
static int lookup_bits(struct pkt_ctx *p, const struct pkt_name *tab,
		       const char *t, int *v, const char *what)
{
	char buf[128], *save = NULL, *b;
	int x;

	if (!t)
		return fail(p, "missing %s", what);
	*v = 0;
	snprintf(buf, sizeof(buf), "%s", t);
	for (b = strtok_r(buf, "|", &save); b; b = strtok_r(NULL, "|", &save)) {
		if (lookup(p, tab, b, &x, what))
			return -1;
		*v |= x;
	}
	return 0;
}

static const char *errno_name(int e)
{
	const struct pkt_name *n;

	for (n = errnos + 1; n->name; n++)
		if (n->val == e)
			return n->name;
	return strerror(e);
}

static struct pkt_sock *sock_get(struct pkt_ctx *p, const char *name)
{
	int i;

	if (!name) {
		fail(p, "missing socket name");
		return NULL;
	}
	for (i = 0; i < p->nsocks; i++)
		if (!strcmp(p->socks[i].name, name))
			return &p->socks[i];
	fail(p, "no socket named '%s'", name);
	return NULL;
}

static struct pkt_sock *sock_add(struct pkt_ctx *p, const char *name, int fd)
{
	struct pkt_sock *k;
	int i;

	for (i = 0; i < p->nsocks; i++)
		if (!strcmp(p->socks[i].name, name)) {
			if (p->socks[i].fd >= 0)
				close(p->socks[i].fd);
			k = &p->socks[i];
			goto set;
		}
	if (p->nsocks == PKT_MAX_SOCKS || strlen(name) >= sizeof(k->name)) {
		fail(p, "too many sockets or name too long");
		return NULL;
	}
	k = &p->socks[p->nsocks++];
	snprintf(k->name, sizeof(k->name), "%s", name);
set:
	k->fd = fd;
	k->rd = 0;
	k->wr = 0;
	return k;
}

/* ADDR:PORT with ADDR one of local, remote, any, * or dotted quad. */
static int parse_addr(struct pkt_ctx *p, const char *t, struct sockaddr_in *a)
{
	char buf[64], *c;
	unsigned long port;

	if (!t)
		return fail(p, "missing address");
	snprintf(buf, sizeof(buf), "%s", t);
	c = strrchr(buf, ':');
	if (!c)
		return fail(p, "expected ADDR:PORT, got '%s'", t);
	*c = 0;
	if (parse_uint(p, c + 1, 65535, &port, "port"))
		return -1;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_XTCP;
	a->sin_port = htons(port);
	if (!strcmp(buf, "local"))
		a->sin_addr.s_addr = p->laddr;
	else if (!strcmp(buf, "remote"))
		a->sin_addr.s_addr = p->raddr;
	else if (!strcmp(buf, "any") || !strcmp(buf, "*") || !buf[0])
		a->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, buf, &a->sin_addr) != 1)
		return fail(p, "bad address '%s'", buf);
	return 0;
}

/* "= N", "= ERRNO" (-1 and that errno), "= -1 ERRNO"; default "= 0". */
struct pkt_res {
	bool given;
	long val;
	int err;
};

static int parse_res_from(struct pkt_ctx *p, char *t, char *rest,
			  struct pkt_res *r)
{
	char *end;

	memset(r, 0, sizeof(*r));
	if (!t)
		return 0;
	if (strcmp(t, "="))
		return fail(p, "unexpected '%s' (results are written '= VALUE')",
			    t);
	r->given = true;
	t = next_tok(&rest);
	if (!t)
		return fail(p, "missing result after '='");
	if (t[0] == 'E') {
		r->val = -1;
		if (lookup(p, errnos, t, &r->err, "errno"))
			return -1;
	} else {
		r->val = strtol(t, &end, 0);
		if (*end)
			return fail(p, "bad result '%s'", t);
		if (r->val == -1) {
			if (lookup(p, errnos, next_tok(&rest), &r->err,
				   "errno after -1"))
				return -1;
		}
	}
	if (next_tok(&rest))
		return fail(p, "junk after the result");
	return 0;
}

static int parse_res(struct pkt_ctx *p, char *rest, struct pkt_res *r)
{
	char *t = next_tok(&rest);

	return parse_res_from(p, t, rest, r);
}

static int check_res(struct pkt_ctx *p, const char *call, long ret, int err,
		     const struct pkt_res *r)
{
	long want = r->given ? r->val : 0;

	if (ret < 0 && (want != -1 || err != r->err))
		return fail(p, "%s returned -1 %s, expected %ld%s%s", call,
			    errno_name(err), want, want == -1 ? " " : "",
			    want == -1 ? errno_name(r->err) : "");
	if (ret >= 0 && ret != want)
		return fail(p, "%s returned %ld, expected %ld%s%s", call, ret,
			    want, want == -1 ? " " : "",
			    want == -1 ? errno_name(r->err) : "");
	return 0;
}

static void on_alarm(int sig)
{
}

static int do_syscall(struct pkt_ctx *p, const char *cmd, char *rest)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct pkt_sock *k = NULL;
	struct pkt_res r;
	struct sockaddr_in a;
	unsigned long x;
	long ret = 0;
	char *name, *t;
	int err = 0, i;
	double start;

	name = next_tok(&rest);
	if (strcmp(cmd, "socket")) {
		k = sock_get(p, name);
		if (!k)
			return -1;
	}
	sigaction(SIGALRM, &sa, NULL);
	start = tnow(p);

	if (!strcmp(cmd, "socket")) {
		int type = SOCK_STREAM;

		if (!name)
			return fail(p, "missing socket name");
		t = next_tok(&rest);
		if (t && !strcmp(t, "nonblock")) {
			type |= SOCK_NONBLOCK;
			t = next_tok(&rest);
		}
		if (parse_res_from(p, t, rest, &r))
			return -1;
		ret = socket(AF_XTCP, type, IPPROTO_XTCP);
		err = errno;
		if (ret >= 0 && !sock_add(p, name, ret))
			return -1;
		if (ret >= 0)
			ret = 0;
	} else if (!strcmp(cmd, "bind") || !strcmp(cmd, "connect")) {
		if (parse_addr(p, next_tok(&rest), &a) || parse_res(p, rest, &r))
			return -1;
		alarm(PKT_SYSCALL_TMO);
		if (cmd[0] == 'b')
			ret = bind(k->fd, (struct sockaddr *)&a, sizeof(a));
		else
			ret = connect(k->fd, (struct sockaddr *)&a, sizeof(a));
		err = errno;
	} else if (!strcmp(cmd, "listen")) {
		if (parse_uint(p, next_tok(&rest), INT32_MAX, &x, "backlog") ||
		    parse_res(p, rest, &r))
			return -1;
		ret = listen(k->fd, x);
		err = errno;
	} else if (!strcmp(cmd, "accept")) {
		char *nn = next_tok(&rest);

		if (!nn || !strcmp(nn, "="))
			return fail(p, "accept needs a name for the new socket");
		if (parse_res(p, rest, &r))
			return -1;
		alarm(PKT_SYSCALL_TMO);
		ret = accept(k->fd, NULL, NULL);
		err = errno;
		if (ret >= 0) {
			if (!sock_add(p, nn, ret))
				return -1;
			ret = 0;
		}
	} else if (!strcmp(cmd, "write") || !strcmp(cmd, "read")) {
		static char buf[PKT_MAX];

		if (parse_uint(p, next_tok(&rest), sizeof(buf), &x, "length") ||
		    parse_res(p, rest, &r))
			return -1;
		if (!r.given) {
			r.given = true;
			r.val = x;
		}
		alarm(PKT_SYSCALL_TMO);
		if (cmd[0] == 'w') {
			for (i = 0; i < (int)x; i++)
				buf[i] = pattern(k->wr + i);
			ret = write(k->fd, buf, x);
			err = errno;
			if (ret > 0)
				k->wr += ret;
		} else {
			ret = read(k->fd, buf, x);
			err = errno;
			for (i = 0; i < ret; i++)
				if (buf[i] != (char)pattern(k->rd + i)) {
					alarm(0);
					return fail(p, "read: stream byte %llu is 0x%02x, not '%c'",
						    (unsigned long long)k->rd + i,
						    (uint8_t)buf[i],
						    pattern(k->rd + i));
				}
			if (ret > 0)
				k->rd += ret;
		}
	} else if (!strcmp(cmd, "close")) {
		if (parse_res(p, rest, &r))
			return -1;
		alarm(PKT_SYSCALL_TMO);
		ret = close(k->fd);
		err = errno;
		k->fd = -1;
	} else if (!strcmp(cmd, "shutdown")) {
		int how;
		static const struct pkt_name hows[] = {
			{ "RD", SHUT_RD }, { "WR", SHUT_WR },
			{ "RDWR", SHUT_RDWR }, { NULL, 0 }
		};

		if (lookup(p, hows, next_tok(&rest), &how, "shutdown mode") ||
		    parse_res(p, rest, &r))
			return -1;
		ret = shutdown(k->fd, how);
		err = errno;
	} else if (!strcmp(cmd, "setsockopt") || !strcmp(cmd, "getsockopt")) {
		int lvl, opt, v = 0, got = 0;
		struct linger lg = { 0 };
		socklen_t len;
		void *ptr = &v;

		if (lookup(p, levels, next_tok(&rest), &lvl, "level") ||
		    lookup(p, optnames, next_tok(&rest), &opt, "option"))
			return -1;
		len = sizeof(v);
		if (lvl == SOL_SOCKET && opt == SO_LINGER) {
			ptr = &lg;
			len = sizeof(lg);
		}
		if (cmd[0] == 's') {
			t = next_tok(&rest);
			if (ptr == &lg) {
				if (!t || sscanf(t, "%d,%d", &lg.l_onoff,
						 &lg.l_linger) != 2)
					return fail(p, "SO_LINGER takes ONOFF,SECS");
			} else if (lookup(p, errnos, t, &v, "value")) {
				return -1;
			}
			if (parse_res(p, rest, &r))
				return -1;
			ret = setsockopt(k->fd, lvl, opt, ptr, len);
			err = errno;
		} else {
			/* "= VALUE" is the option's value; ERRNO names allowed. */
			t = next_tok(&rest);
			if (!t || strcmp(t, "="))
				return fail(p, "getsockopt needs '= VALUE'");
			t = next_tok(&rest);
			if (lookup(p, errnos, t, &v, "value"))
				return -1;
			got = v;
			v = 0;
			ret = getsockopt(k->fd, lvl, opt, ptr, &len);
			err = errno;
			if (ret < 0)
				return fail(p, "getsockopt: %s", errno_name(err));
			if (ptr == &lg)
				v = lg.l_onoff ? lg.l_linger : -1;
			if (v != got)
				return fail(p, "getsockopt returned %d (%s), expected %d (%s)",
					    v, v > 0 ? errno_name(v) : "-",
					    got, got > 0 ? errno_name(got) : "-");
			r.given = false;
		}
	} else if (!strcmp(cmd, "poll")) {
		struct pollfd pfd = { .fd = k->fd };
		unsigned long ms;
		int want;

		if (lookup_bits(p, pollbits, next_tok(&rest), &i, "events") ||
		    parse_uint(p, next_tok(&rest), 60000, &ms, "timeout"))
			return -1;
		pfd.events = i;
		t = next_tok(&rest);
		if (!t || strcmp(t, "="))
			return fail(p, "poll needs '= REVENTS'");
		if (lookup_bits(p, pollbits, next_tok(&rest), &want, "revents"))
			return -1;
		ret = poll(&pfd, 1, ms);
		if (ret < 0)
			return fail(p, "poll: %s", strerror(errno));
		if (pfd.revents != want)
			return fail(p, "poll revents 0x%x, expected 0x%x",
				    pfd.revents, want);
		r.given = false;
		ret = 0;
	} else {
		return fail(p, "unknown command '%s'", cmd);
	}
	alarm(0);
	if (ret < 0 && err == EINTR && tnow(p) - start >= PKT_SYSCALL_TMO - 1)
		return fail(p, "%s blocked for %d s", cmd, PKT_SYSCALL_TMO);
	if (check_res(p, cmd, ret, err, &r))
		return -1;
	p->prev = tnow(p);
	return 0;
}

/* ---- sysctls and counters ---- */

static int do_sysctl(struct pkt_ctx *p, char *rest)
{
	char *name = next_tok(&rest), *v, path[256], *c;
	char val[128] = "";

	if (!name)
		return fail(p, "missing sysctl name");
	v = next_tok(&rest);
	if (v && !strcmp(v, "="))
		v = next_tok(&rest);
	if (!v)
		return fail(p, "missing sysctl value");
	snprintf(val, sizeof(val), "%s", v);
	while ((v = next_tok(&rest)))
		snprintf(val + strlen(val), sizeof(val) - strlen(val), " %s", v);
	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (c = path + 10; *c; c++)
		if (*c == '.')
			*c = '/';
	if (write_file(path, val))
		return fail(p, "sysctl %s = %s: %s", name, val, strerror(errno));
	return 0;
}

static int read_counter(struct pkt_ctx *p, const char *name, long long *v)
{
	FILE *f = fopen("/proc/net/xtcp/snmp", "r");
	char n[64];
	long long x;

	if (!f)
		return fail(p, "/proc/net/xtcp/snmp: %s", strerror(errno));
	while (fscanf(f, "%63s %lld", n, &x) == 2)
		if (!strcmp(n, name)) {
			fclose(f);
			*v = x;
			return 0;
		}
	fclose(f);
	return fail(p, "no counter '%s' in /proc/net/xtcp/snmp", name);
}

/* counter NAME +N | = N: delta since its previous check (or the start). */
static int do_counter(struct pkt_ctx *p, char *rest)
{
	char *name = next_tok(&rest), *t = next_tok(&rest), *end;
	long long now = 0, want, base = 0;
	bool delta;
	int i;

	if (!name || !t)
		return fail(p, "expected 'counter NAME +N' or 'counter NAME = N'");
	delta = t[0] == '+';
	if (!strcmp(t, "="))
		t = next_tok(&rest);
	if (!t)
		return fail(p, "missing counter value");
	want = strtoll(t, &end, 10);
	if (*end)
		return fail(p, "bad counter value '%s'", t);
	if (read_counter(p, name, &now))
		return -1;
	for (i = 0; i < p->nctr; i++)
		if (!strcmp(p->ctr[i].name, name))
			break;
	if (i == p->nctr) {
		if (p->nctr == 64)
			return fail(p, "too many counters");
		snprintf(p->ctr[i].name, sizeof(p->ctr[i].name), "%s", name);
		p->ctr[i].val = 0;	/* a new netns starts at zero */
		p->nctr++;
	}
	base = p->ctr[i].val;
	p->ctr[i].val = now;
	if (delta && now - base != want)
		return fail(p, "counter %s changed by %+lld, expected %+lld",
			    name, now - base, want);
	if (!delta && now != want)
		return fail(p, "counter %s is %lld, expected %lld", name, now,
			    want);
	return 0;
}

/* flow RPORT [LPORT]: talk on another 4-tuple (LPORT 0: learn it). */
static int do_flow(struct pkt_ctx *p, char *rest)
{
	unsigned long rp, lp = 0;
	char *t;
	int i;

	if (parse_uint(p, next_tok(&rest), 65535, &rp, "port"))
		return -1;
	t = next_tok(&rest);
	if (t && parse_uint(p, t, 65535, &lp, "port"))
		return -1;
	for (i = 0; i < p->nflows; i++)
		if (p->flows[i].rport == rp) {
			p->cur = i;
			if (t)
				p->flows[i].lport = lp;
			return 0;
		}
	if (p->nflows == PKT_MAX_FLOWS)
		return fail(p, "too many flows");
	p->cur = p->nflows++;
	memset(&p->flows[p->cur], 0, sizeof(p->flows[0]));
	p->flows[p->cur].rport = rp;
	p->flows[p->cur].lport = lp;
	p->flows[p->cur].tisn = 1000000000u + p->cur * 100000000u;
	return 0;
}

/* ---- the interpreter ---- */

int pkt_line(struct pkt_ctx *p, const char *text)
{
	char line[1024], *rest = line, *t, *hash;
	struct pkt_when w = { 0 };
	struct pkt_seg seg;
	double lo, hi, at;

	p->err[0] = 0;
	snprintf(line, sizeof(line), "%s", text);
	hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	t = next_tok(&rest);
	if (!t)
		return 0;
	if (is_time(t)) {
		if (parse_when(p, t, &w))
			return -1;
		t = next_tok(&rest);
		if (!t)
			return fail(p, "a time without an event");
	}
	tnow(p);

	if (!strcmp(t, "tolerance")) {
		char *a = next_tok(&rest), *b = next_tok(&rest);
		size_t n = b ? strlen(b) : 0;

		if (parse_dur(p, a, &p->tol_abs))
			return -1;
		if (!b || !n || b[n - 1] != '%')
			return fail(p, "expected 'tolerance ABS PCT%%'");
		p->tol_pct = atof(b) / 100;
		return 0;
	}
	if (!strcmp(t, "sysctl"))
		return do_sysctl(p, rest);
	if (!strcmp(t, "flow"))
		return do_flow(p, rest);

	if (!strcmp(t, ">")) {
		if (parse_seg(p, '>', rest, &seg))
			return -1;
		return do_expect(p, &w, &seg);
	}

	/* Everything else happens at its time; nothing may arrive before. */
	at = when_window(p, &w, &lo, &hi);
	if (!strcmp(t, "nothing")) {
		double d;

		if (parse_dur(p, next_tok(&rest), &d))
			return -1;
		if (idle_until(p, at) || idle_until(p, tnow(p) + d))
			return -1;
		p->prev = tnow(p);
		return 0;
	}
	if (idle_until(p, at))
		return -1;
	if (!strcmp(t, "<")) {
		if (parse_seg(p, '<', rest, &seg) || inject(p, &seg))
			return -1;
		p->prev = tnow(p);
		return 0;
	}
	if (!strcmp(t, "counter")) {
		if (do_counter(p, rest))
			return -1;
		p->prev = tnow(p);
		return 0;
	}
	return do_syscall(p, t, rest);
}

int pkt_run_string(struct pkt_ctx *p, const char *name, const char *text)
{
	const char *s = text;
	char line[1024];
	int ret = 0;

	p->file = name;
	p->lineno = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		p->lineno++;
		if (n >= sizeof(line)) {
			ret = fail(p, "line too long");
			break;
		}
		memcpy(line, s, n);
		line[n] = 0;
		if (p->trace && line[0] && line[0] != '#')
			fprintf(p->trace, "#%d: %s\n", p->lineno, line);
		ret = pkt_line(p, line);
		if (ret)
			break;
		s += n + (nl ? 1 : 0);
	}
	return ret;
}

int pkt_run_file(struct pkt_ctx *p, const char *path)
{
	char *text;
	long n;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f) {
		snprintf(p->err, sizeof(p->err), "%s: %s", path,
			 strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, n + 1);
	if (!text || fread(text, 1, n, f) != (size_t)n) {
		fclose(f);
		free(text);
		snprintf(p->err, sizeof(p->err), "%s: read failed", path);
		return -1;
	}
	fclose(f);
	ret = pkt_run_string(p, path, text);
	free(text);
	return ret;
}
