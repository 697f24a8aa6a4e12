// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for xtcp_limits_unload.sh (not a test itself):
 *
 *   xtcp_limits_tool qorphans N PORT CMD
 *	in the current netns, over 127.0.0.1:PORT, N XTCP connections whose
 *	server ends close first (FIN); once every client saw the FIN the
 *	listener is closed, CMD runs (e.g. a tc command that delays lo), and
 *	each client sends 8 KiB and closes: N orphans in LAST_ACK whose
 *	segments wait below them. Prints "orphans N" and exits.
 */
#include "xtcp_lib.h"

static const struct xfam xf = XFAM_XTCP;

static int qorphans(int n, int port, const char *cmd)
{
	static char data[8192];
	int l, i, *c, *s;
	char b;

	c = calloc(n, sizeof(*c));
	s = calloc(n, sizeof(*s));
	if (!c || !s)
		return 1;
	l = xsock(&xf, 0);
	if (l < 0 || xbind(&xf, l, "127.0.0.1", port) || listen(l, n)) {
		perror("listener");
		return 1;
	}
	for (i = 0; i < n; i++) {
		c[i] = xsock(&xf, 0);
		if (c[i] < 0 || connect_wait(&xf, c[i], "127.0.0.1", port, 20000)) {
			perror("connect");
			return 1;
		}
		if (!(poll1(l, POLLIN, 20000) & POLLIN)) {
			fprintf(stderr, "no child to accept\n");
			return 1;
		}
		s[i] = accept(l, NULL, NULL);
		if (s[i] < 0) {
			perror("accept");
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		close(s[i]);
	for (i = 0; i < n; i++) {
		if (!(poll1(c[i], POLLIN, 20000) & POLLIN) ||
		    recv(c[i], &b, 1, MSG_DONTWAIT) != 0) {
			fprintf(stderr, "client %d: no FIN from the server\n", i);
			return 1;
		}
	}
	close(l);
	sleep_ms(500);	/* the clients' ACKs of the FINs are out */
	if (system(cmd)) {
		fprintf(stderr, "'%s' failed\n", cmd);
		return 1;
	}
	memset(data, 'x', sizeof(data));
	for (i = 0; i < n; i++) {
		if (send(c[i], data, sizeof(data), MSG_DONTWAIT) <= 0) {
			perror("send");
			return 1;
		}
		close(c[i]);
	}
	printf("orphans %d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "qorphans"))
		return qorphans(atoi(argv[2]), atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: %s qorphans N PORT CMD\n", argv[0]);
	return 2;
}
