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
	fprintf(stderr, "usage: %s probe|hold|delmod NAME|halfopen tcp|xtcp N\n",
		argv[0]);
	return 2;
}
