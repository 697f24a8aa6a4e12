// SPDX-License-Identifier: GPL-2.0
/*
 * xss: ss for XTCP. Lists AF_XTCP sockets through XTCP's sock_diag handler
 * (NETLINK_SOCK_DIAG, inet_diag's request and reply with family AF_XTCP),
 * with ss's options, filters, columns and wording; libc only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "../../include/uapi/linux/xtcp.h"

/* TCP's state numbers (include/net/tcp_states.h), as idiag_state has them. */
enum {
	ST_ESTABLISHED = 1, ST_SYN_SENT, ST_SYN_RECV, ST_FIN_WAIT1,
	ST_FIN_WAIT2, ST_TIME_WAIT, ST_CLOSE, ST_CLOSE_WAIT, ST_LAST_ACK,
	ST_LISTEN, ST_CLOSING, ST_MAX
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SF(st)		(1U << (st))
#define SS_ALL		(((1U << ST_MAX) - 1) & ~1U)
#define SS_CONN		(SS_ALL & ~(SF(ST_LISTEN) | SF(ST_CLOSE)))
/* ss's default: connected, less the half-open and closed ends. */
#define SS_DEFAULT	(SS_CONN & ~(SF(ST_TIME_WAIT) | SF(ST_SYN_RECV)))

/* ss's column names of the states. */
static const char *const st_show[ST_MAX] = {
	[ST_ESTABLISHED] = "ESTAB",	[ST_SYN_SENT] = "SYN-SENT",
	[ST_SYN_RECV] = "SYN-RECV",	[ST_FIN_WAIT1] = "FIN-WAIT-1",
	[ST_FIN_WAIT2] = "FIN-WAIT-2",	[ST_TIME_WAIT] = "TIME-WAIT",
	[ST_CLOSE] = "UNCONN",		[ST_CLOSE_WAIT] = "CLOSE-WAIT",
	[ST_LAST_ACK] = "LAST-ACK",	[ST_LISTEN] = "LISTEN",
	[ST_CLOSING] = "CLOSING",
};

/* ss's filter names (ss(8) "STATE-FILTER"). */
static const struct {
	const char *name;
	unsigned int mask;
} st_names[] = {
	{ "all", SS_ALL },
	{ "connected", SS_CONN },
	{ "synchronized", SS_CONN & ~SF(ST_SYN_SENT) },
	{ "bucket", SF(ST_SYN_RECV) | SF(ST_TIME_WAIT) },
	{ "big", SS_ALL & ~(SF(ST_SYN_RECV) | SF(ST_TIME_WAIT)) },
	{ "established", SF(ST_ESTABLISHED) },
	{ "syn-sent", SF(ST_SYN_SENT) },
	{ "syn-recv", SF(ST_SYN_RECV) },
	{ "fin-wait-1", SF(ST_FIN_WAIT1) },
	{ "fin-wait-2", SF(ST_FIN_WAIT2) },
	{ "time-wait", SF(ST_TIME_WAIT) },
	{ "closed", SF(ST_CLOSE) },
	{ "close-wait", SF(ST_CLOSE_WAIT) },
	{ "last-ack", SF(ST_LAST_ACK) },
	{ "listening", SF(ST_LISTEN) },
	{ "listen", SF(ST_LISTEN) },
	{ "closing", SF(ST_CLOSING) },
};

/* One socket of the dump, with the attributes asked for. */
struct ent {
	struct inet_diag_msg	m;
	struct tcp_info		info;
	int			info_len;
	char			cong[16];
	uint32_t		skmem[SK_MEMINFO_VARS];
	int			skmem_len;
	/* XTCP_DIAG_TIMELINE, then a listener's XTCP_DIAG_TIMELINE_DROPPED */
	struct tl {
		struct xtcp_timeline		h;
		struct xtcp_timeline_event	ev[XTCP_TIMELINE_LEN];
	} tl[1 + XTCP_TIMELINE_KEEP];
	bool			has_tl;
	int			ndropped;
};

static struct {
	bool extended, memory, info, process, kill, timers, header, timeline;
	unsigned int states;
	int sport, dport;	/* -1: any */
} opt = { .header = true, .sport = -1, .dport = -1 };

static const char usage_text[] =
	"Usage: xss [OPTIONS] [FILTER]\n"
	"\n"
	"List XTCP (AF_XTCP) sockets as ss(8) lists TCP's, from XTCP's sock_diag\n"
	"handler. Without options: connected sockets, less SYN-RECV and TIME-WAIT.\n"
	"\n"
	"Options:\n"
	"  -h, --help       this text\n"
	"  -n, --numeric    numeric addresses and ports (always: xss resolves\n"
	"                   no names)\n"
	"  -a, --all        sockets in every state\n"
	"  -l, --listening  listening sockets only; Recv-Q is the accept queue,\n"
	"                   Send-Q the backlog\n"
	"  -e, --extended   uid, inode and socket cookie (sk:)\n"
	"  -o, --options    timers: timer:(on|keepalive|timewait,EXPIRES,RETRANS)\n"
	"  -m, --memory     socket memory: skmem:(r,rb,t,tb,f,w,o,bl,d)\n"
	"  -i, --info       TCP_INFO: congestion control, wscale, rto, rtt, mss,\n"
	"                   cwnd, ssthresh, bytes, segments, retransmissions\n"
	"  -p, --processes  processes holding the socket (from /proc/*/fd)\n"
	"  -K, --kill       close the matching sockets (SOCK_DESTROY, needs\n"
	"                   CAP_NET_ADMIN) and list those closed\n"
	"  -N, --net NETNS  run in network namespace NETNS (a name under\n"
	"                   /run/netns or a path)\n"
	"  -H, --no-header  no header line\n"
	"  -L, --timeline   the handshake timeline of each socket that recorded\n"
	"                   one (XTCP_TIMELINE or net.xtcp.timeline = 1), and a\n"
	"                   listener's last dropped requests'\n"
	"\n"
	"FILTER := [ state STATE ]... [ exclude STATE ]... [ sport = :PORT ]\n"
	"          [ dport = :PORT ]\n"
	"STATE  := established | syn-sent | syn-recv | fin-wait-1 | fin-wait-2 |\n"
	"          time-wait | closed | close-wait | last-ack | listening |\n"
	"          closing | all | connected | synchronized | bucket | big\n"
	"Each 'state' adds to the set (the first replaces the default), each\n"
	"'exclude' takes from it; '=' may also be '==' or 'eq', or left out.\n"
	"-t, -4 are accepted and ignored (XTCP is a stream over IPv4).\n"
	"\n"
	"Examples:\n"
	"  xss -lnt                         listeners\n"
	"  xss -tin state established       connections with TCP_INFO\n"
	"  xss -K dport = :8080             reset every connection to port 8080\n"
	"  xss -aL sport = :8080            handshakes of port 8080's sockets\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int parse_port(const char *s)
{
	char *end;
	long v;

	if (*s == ':')
		s++;
	v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 65535)
		return -1;
	return v;
}

static int parse_filter(int argc, char **argv)
{
	bool states_set = false;
	int i;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		size_t k;

		if (!strcmp(w, "state") || !strcmp(w, "exclude")) {
			bool excl = w[0] == 'e';

			if (++i == argc)
				goto bad;
			for (k = 0; k < ARRAY_SIZE(st_names); k++)
				if (!strcmp(argv[i], st_names[k].name))
					break;
			if (k == ARRAY_SIZE(st_names)) {
				fprintf(stderr, "xss: wrong state name: %s\n",
					argv[i]);
				return -1;
			}
			if (excl) {
				opt.states &= ~st_names[k].mask;
				continue;
			}
			if (!states_set)
				opt.states = 0;
			states_set = true;
			opt.states |= st_names[k].mask;
		} else if (!strcmp(w, "sport") || !strcmp(w, "dport")) {
			int *p = w[0] == 's' ? &opt.sport : &opt.dport;

			if (++i == argc)
				goto bad;
			if (!strcmp(argv[i], "=") || !strcmp(argv[i], "==") ||
			    !strcmp(argv[i], "eq")) {
				if (++i == argc)
					goto bad;
			}
			*p = parse_port(argv[i]);
			if (*p < 0) {
				fprintf(stderr, "xss: bad port: %s\n", argv[i]);
				return -1;
			}
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	fprintf(stderr, "xss: bad filter near '%s' (xss -h)\n",
		i < argc ? argv[i] : argv[argc - 1]);
	return -1;
}

static void req_init(struct inet_diag_req_v2 *r)
{
	memset(r, 0, sizeof(*r));
	r->sdiag_family = XTCP_DIAG_FAMILY;
	r->sdiag_protocol = XTCP_DIAG_PROTOCOL;
	r->idiag_states = opt.states;
	if (opt.sport >= 0)
		r->id.idiag_sport = htons(opt.sport);
	if (opt.dport >= 0)
		r->id.idiag_dport = htons(opt.dport);
	if (opt.info)
		r->idiag_ext |= (1 << (INET_DIAG_INFO - 1)) |
				(1 << (INET_DIAG_CONG - 1));
	if (opt.memory)
		r->idiag_ext |= 1 << (INET_DIAG_SKMEMINFO - 1);
}

static int nl_send(int fd, int type, int flags, const struct inet_diag_req_v2 *r)
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
		   sizeof(nl)) < 0)
		return -errno;
	return 0;
}

/* A timeline attribute into *t, events beyond its payload zeroed. */
static void tl_parse(struct tl *t, const struct rtattr *a)
{
	size_t alen = RTA_PAYLOAD(a);

	memset(t, 0, sizeof(*t));
	if (alen > sizeof(*t))
		alen = sizeof(*t);
	memcpy(t, RTA_DATA(a), alen);
	if (alen < sizeof(t->h))
		t->h.nr = 0;
	else if (t->h.nr > (alen - sizeof(t->h)) / sizeof(t->ev[0]))
		t->h.nr = (alen - sizeof(t->h)) / sizeof(t->ev[0]);
}

static void ent_parse(struct ent *e, const struct nlmsghdr *nlh)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	struct rtattr *a = (struct rtattr *)(m + 1);

	memset(e, 0, sizeof(*e));
	e->m = *m;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t alen = RTA_PAYLOAD(a);

		switch (a->rta_type) {
		case INET_DIAG_INFO:
			if (alen > sizeof(e->info))
				alen = sizeof(e->info);
			memcpy(&e->info, RTA_DATA(a), alen);
			e->info_len = alen;
			break;
		case INET_DIAG_CONG:
			snprintf(e->cong, sizeof(e->cong), "%.*s", (int)alen,
				 (const char *)RTA_DATA(a));
			break;
		case INET_DIAG_SKMEMINFO:
			if (alen > sizeof(e->skmem))
				alen = sizeof(e->skmem);
			memcpy(e->skmem, RTA_DATA(a), alen);
			e->skmem_len = alen;
			break;
		case XTCP_DIAG_TIMELINE:
			tl_parse(&e->tl[0], a);
			e->has_tl = true;
			break;
		case XTCP_DIAG_TIMELINE_DROPPED:
			if (e->ndropped < XTCP_TIMELINE_KEEP)
				tl_parse(&e->tl[1 + e->ndropped++], a);
			break;
		}
	}
}

/* The whole dump into *out; the count, or -errno. */
static int dump(struct ent **out)
{
	static char buf[32768];
	struct inet_diag_req_v2 r;
	int fd, n = 0, cap = 0, ret;
	struct ent *v = NULL;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	req_init(&r);
	ret = nl_send(fd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &r);
	while (!ret) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		if (len < 0) {
			ret = -errno;
			break;
		}
		for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = 1;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				ret = e->error ? e->error : 1;
				break;
			}
			if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				v = realloc(v, cap * sizeof(*v));
				if (!v) {
					ret = -ENOMEM;
					break;
				}
			}
			ent_parse(&v[n++], nlh);
		}
	}
	close(fd);
	*out = v;
	return ret < 0 ? ret : n;
}

/* SOCK_DESTROY of one entry: 0 or -errno. */
static int destroy(const struct ent *e)
{
	struct inet_diag_req_v2 r;
	char buf[512];
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	req_init(&r);
	r.id = e->m.id;
	ret = nl_send(fd, SOCK_DESTROY, NLM_F_ACK, &r);
	if (!ret) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		if (len < 0)
			ret = -errno;
		else if (NLMSG_OK(nlh, len) && nlh->nlmsg_type == NLMSG_ERROR)
			ret = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
		else
			ret = -EPROTO;
	}
	close(fd);
	return ret;
}

/* -p: socket inode -> "("comm",pid=N,fd=N)..." from /proc/PID/fd. */
struct owner {
	unsigned int ino;
	char *text;
};

static struct owner *owners;
static int nowners;

static void owner_add(unsigned int ino, const char *comm, int pid, int fd)
{
	char one[64 + NAME_MAX];
	int i;

	snprintf(one, sizeof(one), "(\"%s\",pid=%d,fd=%d)", comm, pid, fd);
	for (i = 0; i < nowners; i++) {
		if (owners[i].ino == ino) {
			size_t l = strlen(owners[i].text), k = strlen(one);
			char *t = realloc(owners[i].text, l + k + 2);

			if (!t)
				return;
			t[l] = ',';
			memcpy(t + l + 1, one, k + 1);
			owners[i].text = t;
			return;
		}
	}
	owners = realloc(owners, (nowners + 1) * sizeof(*owners));
	if (!owners)
		exit(1);
	owners[nowners].ino = ino;
	owners[nowners].text = strdup(one);
	nowners++;
}

static void owners_scan(void)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;

	if (!proc)
		return;
	while ((p = readdir(proc))) {
		char path[PATH_MAX], comm[64] = "", link[64];
		int pid = atoi(p->d_name);
		FILE *cf;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		cf = fopen(path, "r");
		if (cf) {
			if (fgets(comm, sizeof(comm), cf))
				comm[strcspn(comm, "\n")] = 0;
			fclose(cf);
		}
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			unsigned int ino;
			ssize_t l;

			snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid,
				 f->d_name);
			l = readlink(path, link, sizeof(link) - 1);
			if (l <= 0)
				continue;
			link[l] = 0;
			if (sscanf(link, "socket:[%u]", &ino) == 1)
				owner_add(ino, comm, pid, atoi(f->d_name));
		}
		closedir(fds);
	}
	closedir(proc);
}

static const char *owner_of(unsigned int ino)
{
	int i;

	for (i = 0; ino && i < nowners; i++)
		if (owners[i].ino == ino)
			return owners[i].text;
	return NULL;
}

static void addr_port(char *buf, size_t len, uint32_t addr, uint16_t port)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (port)
		snprintf(buf, len, "%s:%u", a, ntohs(port));
	else
		snprintf(buf, len, "%s:*", a);
}

/* ss's timer:(...) names for idiag_timer. */
static const char *timer_name(int t)
{
	static const char *const names[] = {
		"off", "on", "keepalive", "timewait", "persist", "unknown"
	};

	return names[t > 4 ? 5 : t];
}

static void print_info(const struct ent *e)
{
	const struct tcp_info *ti = &e->info;

	if (e->cong[0])
		printf(" %s", e->cong);
	if (!e->info_len)
		return;
	if (ti->tcpi_options & TCPI_OPT_WSCALE)
		printf(" wscale:%u,%u", ti->tcpi_snd_wscale,
		       ti->tcpi_rcv_wscale);
	if (ti->tcpi_rto)
		printf(" rto:%g", ti->tcpi_rto / 1000.0);
	if (ti->tcpi_rtt)
		printf(" rtt:%g/%g", ti->tcpi_rtt / 1000.0,
		       ti->tcpi_rttvar / 1000.0);
	if (ti->tcpi_ato)
		printf(" ato:%g", ti->tcpi_ato / 1000.0);
	if (ti->tcpi_snd_mss)
		printf(" mss:%u", ti->tcpi_snd_mss);
	if (ti->tcpi_rcv_mss)
		printf(" rcvmss:%u", ti->tcpi_rcv_mss);
	printf(" cwnd:%u", ti->tcpi_snd_cwnd);
	if (ti->tcpi_snd_ssthresh < 0xFFFF)
		printf(" ssthresh:%u", ti->tcpi_snd_ssthresh);
	if (ti->tcpi_bytes_sent)
		printf(" bytes_sent:%llu",
		       (unsigned long long)ti->tcpi_bytes_sent);
	if (ti->tcpi_bytes_retrans)
		printf(" bytes_retrans:%llu",
		       (unsigned long long)ti->tcpi_bytes_retrans);
	if (ti->tcpi_bytes_acked)
		printf(" bytes_acked:%llu",
		       (unsigned long long)ti->tcpi_bytes_acked);
	if (ti->tcpi_bytes_received)
		printf(" bytes_received:%llu",
		       (unsigned long long)ti->tcpi_bytes_received);
	if (ti->tcpi_segs_out)
		printf(" segs_out:%u", ti->tcpi_segs_out);
	if (ti->tcpi_segs_in)
		printf(" segs_in:%u", ti->tcpi_segs_in);
	if (ti->tcpi_last_data_recv)
		printf(" lastrcv:%u", ti->tcpi_last_data_recv);
	if (ti->tcpi_last_ack_recv)
		printf(" lastack:%u", ti->tcpi_last_ack_recv);
	if (ti->tcpi_unacked)
		printf(" unacked:%u", ti->tcpi_unacked);
	if (ti->tcpi_retransmits || ti->tcpi_total_retrans)
		printf(" retrans:%u/%u", ti->tcpi_retransmits,
		       ti->tcpi_total_retrans);
	if (ti->tcpi_snd_wnd)
		printf(" snd_wnd:%u", ti->tcpi_snd_wnd);
}

/* What XTCP_TL_DROP's argument says. */
static const char *const tl_drop_reasons[] = {
	[XTCP_TL_DROP_TIMEOUT] = "SYN-ACK retries exhausted",
	[XTCP_TL_DROP_RST] = "reset by the peer",
	[XTCP_TL_DROP_LISTENER_CLOSED] = "listener closed",
	[XTCP_TL_DROP_OVERFLOW] = "reset: accept queue full (abort_on_overflow)",
	[XTCP_TL_DROP_DESTROYED] = "destroyed (SOCK_DESTROY, ICMP or netns exit)",
};

/* Each event's text; the three with an argument add it after. */
static const char *const tl_texts[] = {
	[XTCP_TL_SYN] = "SYN received, request created",
	[XTCP_TL_SYN_DUP] = "SYN received again (retransmitted)",
	[XTCP_TL_SYNACK] = "SYN-ACK sent",
	[XTCP_TL_COOKIE] = "ACK with a valid SYN cookie",
	[XTCP_TL_ACK] = "final ACK",
	[XTCP_TL_ACK_DEFER] = "final ACK without data held (TCP_DEFER_ACCEPT)",
	[XTCP_TL_ACK_OVERFLOW] = "final ACK dropped: accept queue full or no memory",
	[XTCP_TL_CHILD] = "child socket cloned from the listener",
	[XTCP_TL_QUEUED] = "queued for accept()",
	[XTCP_TL_ACCEPTED] = "accept() returned it",
	[XTCP_TL_DROP] = "request dropped: ",
	[XTCP_TL_SYN_SENT] = "SYN sent",
	[XTCP_TL_SYNACK_IN] = "SYN-ACK received",
	[XTCP_TL_ESTABLISHED] = "established, ACK sent",
	[XTCP_TL_RST_IN] = "refused: RST received",
};

/* One event as a line of text into buf. */
static void tl_event(char *buf, size_t len, const struct xtcp_timeline_event *ev)
{
	const char *reason = "unknown reason";

	if (ev->type >= ARRAY_SIZE(tl_texts) || !tl_texts[ev->type]) {
		snprintf(buf, len, "event %u (%u)", ev->type, ev->arg);
		return;
	}
	if (ev->type == XTCP_TL_DROP) {
		if (ev->arg < ARRAY_SIZE(tl_drop_reasons) &&
		    tl_drop_reasons[ev->arg])
			reason = tl_drop_reasons[ev->arg];
		snprintf(buf, len, "%s%s", tl_texts[ev->type], reason);
	} else if (ev->type == XTCP_TL_SYNACK && ev->arg) {
		snprintf(buf, len, "SYN-ACK sent (timeouts so far: %u)", ev->arg);
	} else if (ev->type == XTCP_TL_SYN_SENT && ev->arg) {
		snprintf(buf, len, "SYN retransmitted (#%u)", ev->arg);
	} else {
		snprintf(buf, len, "%s", tl_texts[ev->type]);
	}
}

/* A timeline, one event a line, times in ms after its first event. */
static void print_timeline(const char *what, const struct tl *t)
{
	char l[64], p[64], text[96];
	int i;

	addr_port(l, sizeof(l), t->h.saddr, t->h.sport);
	addr_port(p, sizeof(p), t->h.daddr, t->h.dport);
	printf("\t%s %s %s:\n", what, l, p);
	for (i = 0; i < t->h.nr; i++) {
		if (t->h.lost && i == t->h.nr - 1)
			printf("\t  %12s  (%u events not kept)\n", "...",
			       t->h.lost);
		tl_event(text, sizeof(text), &t->ev[i]);
		printf("\t  %+12.3f  %s\n", t->ev[i].usec / 1000.0, text);
	}
}

static void print_all(struct ent *v, int n, const bool *show)
{
	int wst = 5, wl = 17, wp = 17, i;
	char l[64], p[64];

	for (i = 0; i < n; i++) {
		if (!show[i])
			continue;
		addr_port(l, sizeof(l), v[i].m.id.idiag_src[0],
			  v[i].m.id.idiag_sport);
		addr_port(p, sizeof(p), v[i].m.id.idiag_dst[0],
			  v[i].m.id.idiag_dport);
		if ((int)strlen(l) > wl)
			wl = strlen(l);
		if ((int)strlen(p) > wp)
			wp = strlen(p);
		if (v[i].m.idiag_state < ST_MAX && st_show[v[i].m.idiag_state] &&
		    (int)strlen(st_show[v[i].m.idiag_state]) > wst)
			wst = strlen(st_show[v[i].m.idiag_state]);
	}
	if (opt.header)
		printf("%-*s %-6s %-6s %*s %-*s%s\n", wst, "State", "Recv-Q",
		       "Send-Q", wl, "Local Address:Port",
		       opt.process ? wp : 0, "Peer Address:Port",
		       opt.process ? " Process" : "");
	for (i = 0; i < n; i++) {
		const struct ent *e = &v[i];
		const char *st = e->m.idiag_state < ST_MAX ?
				 st_show[e->m.idiag_state] : NULL;

		if (!show[i])
			continue;
		addr_port(l, sizeof(l), e->m.id.idiag_src[0],
			  e->m.id.idiag_sport);
		addr_port(p, sizeof(p), e->m.id.idiag_dst[0],
			  e->m.id.idiag_dport);
		/* The peer column is padded only when Process follows it. */
		printf("%-*s %-6u %-6u %*s %-*s", wst, st ? st : "UNKNOWN",
		       e->m.idiag_rqueue, e->m.idiag_wqueue, wl, l,
		       opt.process ? wp : 0, p);
		if (opt.process) {
			const char *o = owner_of(e->m.idiag_inode);

			if (o)
				printf(" users:(%s)", o);
		}
		if (opt.timers && e->m.idiag_timer)
			printf(" timer:(%s,%.3fsec,%u)",
			       timer_name(e->m.idiag_timer),
			       e->m.idiag_expires / 1000.0,
			       e->m.idiag_retrans);
		if (opt.extended) {
			if (e->m.idiag_uid)
				printf(" uid:%u", e->m.idiag_uid);
			printf(" ino:%u sk:%llx", e->m.idiag_inode,
			       (unsigned long long)e->m.id.idiag_cookie[1] << 32 |
			       e->m.id.idiag_cookie[0]);
		}
		if (opt.memory && e->skmem_len >= 9 * 4)
			printf(" skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u,bl%u,d%u)",
			       e->skmem[SK_MEMINFO_RMEM_ALLOC],
			       e->skmem[SK_MEMINFO_RCVBUF],
			       e->skmem[SK_MEMINFO_WMEM_ALLOC],
			       e->skmem[SK_MEMINFO_SNDBUF],
			       e->skmem[SK_MEMINFO_FWD_ALLOC],
			       e->skmem[SK_MEMINFO_WMEM_QUEUED],
			       e->skmem[SK_MEMINFO_OPTMEM],
			       e->skmem[SK_MEMINFO_BACKLOG],
			       e->skmem[SK_MEMINFO_DROPS]);
		if (opt.info && (e->info_len || e->cong[0])) {
			printf("\n\t");
			print_info(e);
		}
		putchar('\n');
		if (opt.timeline) {
			int k;

			if (e->has_tl)
				print_timeline("timeline", &e->tl[0]);
			for (k = 0; k < e->ndropped; k++)
				print_timeline("dropped", &e->tl[1 + k]);
		}
	}
}

static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "xss: netns %s: %s\n", name, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	bool all = false, listening = false, *show;
	struct ent *v = NULL;
	int i, n, c, failed = 0;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "numeric", no_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "listening", no_argument, NULL, 'l' },
		{ "extended", no_argument, NULL, 'e' },
		{ "options", no_argument, NULL, 'o' },
		{ "memory", no_argument, NULL, 'm' },
		{ "info", no_argument, NULL, 'i' },
		{ "processes", no_argument, NULL, 'p' },
		{ "kill", no_argument, NULL, 'K' },
		{ "net", required_argument, NULL, 'N' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "timeline", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "+hnaleomipKN:HLt4", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'n': case 't': case '4':
			break;	/* numeric always; XTCP is stream, IPv4 */
		case 'a':
			all = true;
			break;
		case 'l':
			listening = true;
			break;
		case 'e':
			opt.extended = true;
			break;
		case 'o':
			opt.timers = true;
			break;
		case 'm':
			opt.memory = true;
			break;
		case 'i':
			opt.info = true;
			break;
		case 'p':
			opt.process = true;
			break;
		case 'K':
			opt.kill = true;
			break;
		case 'N':
			if (enter_netns(optarg))
				return 1;
			break;
		case 'H':
			opt.header = false;
			break;
		case 'L':
			opt.timeline = true;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	opt.states = all ? SS_ALL : listening ? SF(ST_LISTEN) : SS_DEFAULT;
	if (parse_filter(argc - optind, argv + optind))
		return 1;

	n = dump(&v);
	if (n < 0) {
		fprintf(stderr, "xss: sock_diag dump for AF_XTCP: %s%s\n",
			strerror(-n), n == -ENOENT ?
			" (is xtcp.ko loaded?)" : "");
		return 1;
	}
	show = calloc(n ? n : 1, sizeof(*show));
	if (!show)
		return 1;
	if (opt.process)
		owners_scan();
	for (i = 0; i < n; i++) {
		show[i] = true;
		if (opt.kill) {
			int err = destroy(&v[i]);

			if (err) {
				fprintf(stderr, "xss: SOCK_DESTROY: %s\n",
					strerror(-err));
				show[i] = false;
				failed = 1;
			}
		}
	}
	print_all(v, n, show);
	return failed;
}
