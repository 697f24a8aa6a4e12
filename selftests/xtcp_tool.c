// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for the XTCP shell tests (not a test itself):
 *
 *   xtcp_tool probe          exit 0 if socket(AF_XTCP) works, 3 if the
 *                            family is not registered, 1 otherwise
 *   xtcp_tool hold           open an AF_XTCP socket, print "ready", wait
 *                            for a signal
 *   xtcp_tool delmod NAME    delete_module(NAME, O_NONBLOCK); prints
 *                            "ok" or the errno name; exit 0 on success
 *   xtcp_tool halfopen [tcp|xtcp] N
 *                            in two fresh netns joined by veth, a listener
 *                            receives N SYNs whose SYN-ACKs are never
 *                            answered; once N request socks are visible,
 *                            print "halfopen N" and exit, closing the
 *                            listener and dropping both netns with the
 *                            request socks and their timers still pending
 *   xtcp_tool xfer listen|connect IP PORT BYTES
 *                            one XTCP connection to or from IP:PORT (the
 *                            connecting end retries for 60 s while the
 *                            peer is not up), BYTES sent and read in both
 *                            directions at once; prints "sent N sha256 H"
 *                            and "received N sha256 H" and exits 0 when
 *                            BYTES came in before the peer's FIN. The
 *                            ends send different patterns, so a caller
 *                            compares each end's sent hash with the other
 *                            end's received one (scripts/interop-guest)
 */
#include <sys/syscall.h>

#include "xtcp_lib.h"

static int probe(void)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EAFNOSUPPORT ? 3 : 1;
}

static void on_sig(int sig)
{
}

static int hold(void)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);

	if (fd < 0) {
		printf("socket: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	printf("ready\n");
	fflush(stdout);
	pause();
	close(fd);
	return 0;
}

static int delmod(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0) {
		printf("ok\n");
		return 0;
	}
	switch (errno) {
	case EWOULDBLOCK:
		printf("EWOULDBLOCK\n");
		break;
	case EBUSY:
		printf("EBUSY\n");
		break;
	case ENOENT:
		printf("ENOENT\n");
		break;
	default:
		printf("errno %d %s\n", errno, strerror(errno));
	}
	return 1;
}

static int halfopen(const char *fam_name, int n)
{
	struct xfam tcp = XFAM_TCP, xtcp = XFAM_XTCP;
	struct xfam *f = strcmp(fam_name, "tcp") ? &xtcp : &tcp;
	struct twons t;
	int lfd, raw, i, seen = -1;
	double end;

	if (twons_setup(&t, true)) {
		fprintf(stderr, "netns/veth setup failed\n");
		return 1;
	}
	/* In S: long SYN-ACK timers so the requests stay pending. */
	if (is_xtcp(f)) {
		if (sysctl_set("net.xtcp.synack_retries", "5") ||
		    sysctl_set("net.xtcp.rto_init_ms", "2000")) {
			fprintf(stderr, "net.xtcp sysctls: %s\n", strerror(errno));
			return 1;
		}
	} else {
		sysctl_set("net.ipv4.tcp_synack_retries", "5");
	}
	lfd = xsock(f, 0);
	if (lfd < 0 || xbind(f, lfd, NS_S_ADDR, 7777) || listen(lfd, 128)) {
		fprintf(stderr, "listener: %s\n", strerror(errno));
		return 1;
	}
	if (ns_enter(t.c))
		return 1;
	raw = socket(AF_INET, SOCK_RAW, f->ipproto);
	if (raw < 0) {
		fprintf(stderr, "raw socket: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (raw_send_seg(raw, NS_C_ADDR, NS_S_ADDR, f->ipproto,
				 20000 + i, 7777, 1000000u * (i + 1), 0, TH_SYN)) {
			fprintf(stderr, "send SYN: %s\n", strerror(errno));
			return 1;
		}
	}
	if (ns_enter(t.s))
		return 1;
	end = now_s() + 30;
	while (now_s() < end) {
		seen = proc_count(f, st_reqsk(f), 7777, NULL);
		if (seen >= n)
			break;
		sleep_ms(50);
	}
	printf("%s %d\n", __func__, seen);
	fflush(stdout);
	/* Leave S and C: closing every fd drops both namespaces. */
	ns_enter(t.home);
	close(raw);
	close(lfd);
	close(t.s);
	close(t.c);
	return seen >= n ? 0 : 1;
}

/* The accepted (or connected) socket of xfer: -1 on failure, said why. */
static int xfer_open(const struct xfam *f, bool lsn, const char *ip, int port)
{
	double end = now_s() + 60;
	int fd, l, err;

	if (lsn) {
		l = xsock(f, 0);
		if (l < 0 || setint(l, SOL_SOCKET, SO_REUSEADDR, 1) ||
		    xbind(f, l, ip, port) || listen(l, 1)) {
			fprintf(stderr, "listener: %s\n", strerror(errno));
			return -1;
		}
		printf("listening\n");
		fflush(stdout);
		fd = accept(l, NULL, NULL);
		if (fd < 0)
			fprintf(stderr, "accept: %s\n", strerror(errno));
		close(l);
		return fd;
	}
	for (;;) {
		fd = xsock(f, 0);
		if (fd < 0) {
			fprintf(stderr, "socket: %s\n", strerror(errno));
			return -1;
		}
		err = connect_wait(f, fd, ip, port, 5000);
		if (!err)
			return fd;
		close(fd);
		/* The peer's VM may still be booting: refused, or no answer. */
		if ((err != ECONNREFUSED && err != ETIME && err != ETIMEDOUT &&
		     err != EHOSTUNREACH) || now_s() > end) {
			fprintf(stderr, "connect: %s\n", strerror(err));
			return -1;
		}
		sleep_ms(200);
	}
}

static int xfer(const char *role, const char *ip, int port, long long bytes)
{
	static char out[65536], in[65536];
	struct xfam xtcp = XFAM_XTCP;
	bool lsn = !strcmp(role, "listen");
	/* Each end its own pattern: a stream looped back would not match. */
	uint64_t seed = lsn ? 0x6c697374656e31ULL : 0x636f6e6e656374ULL;
	long long sent = 0, rcvd = 0;
	size_t olen = 0, ooff = 0;
	struct sha256 hs, hr;
	char hex_s[65], hex_r[65];
	bool eof = false, shut = false;
	int fd;

	fd = xfer_open(&xtcp, lsn, ip, port);
	if (fd < 0)
		return 1;
	sha256_init(&hs);
	sha256_init(&hr);
	set_nonblock(fd, true);
	while (!eof || !shut) {
		short ev = (eof ? 0 : POLLIN) | (shut ? 0 : POLLOUT);
		int re = poll1(fd, ev, 60000);
		ssize_t n;

		if (re <= 0) {
			fprintf(stderr, "no progress for 60 s: sent %lld, received %lld\n",
				sent, rcvd);
			return 1;
		}
		if (!shut && (re & (POLLOUT | POLLERR | POLLHUP))) {
			if (ooff == olen && sent < bytes) {
				olen = bytes - sent < (long long)sizeof(out) ?
				       bytes - sent : sizeof(out);
				pat_fill(&seed, out, olen);
				ooff = 0;
			}
			n = send(fd, out + ooff, olen - ooff, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				fprintf(stderr, "send: %s\n", strerror(errno));
				return 1;
			}
			if (n > 0) {
				sha256_update(&hs, out + ooff, n);
				ooff += n;
				sent += n;
			}
			if (sent == bytes && ooff == olen) {
				shutdown(fd, SHUT_WR);
				shut = true;
			}
		}
		if (!eof && (re & (POLLIN | POLLERR | POLLHUP))) {
			n = recv(fd, in, sizeof(in), 0);
			if (n < 0 && errno != EAGAIN) {
				fprintf(stderr, "recv: %s\n", strerror(errno));
				return 1;
			}
			if (n == 0)
				eof = true;
			if (n > 0) {
				sha256_update(&hr, in, n);
				rcvd += n;
			}
		}
	}
	close(fd);
	sha256_hex(&hs, hex_s);
	sha256_hex(&hr, hex_r);
	printf("sent %lld sha256 %s\nreceived %lld sha256 %s\n",
	       sent, hex_s, rcvd, hex_r);
	return rcvd == bytes ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "probe"))
		return probe();
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return hold();
	if (argc >= 3 && !strcmp(argv[1], "delmod"))
		return delmod(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "halfopen"))
		return halfopen(argv[2], atoi(argv[3]));
	if (argc >= 6 && !strcmp(argv[1], "xfer"))
		return xfer(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]));
	fprintf(stderr, "usage: %s probe|hold|delmod NAME|halfopen tcp|xtcp N|\n"
		"	xfer listen|connect IP PORT BYTES\n", argv[0]);
	return 2;
}
