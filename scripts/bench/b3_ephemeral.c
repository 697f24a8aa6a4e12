// SPDX-License-Identifier: GPL-2.0
/*
 * B3: connect() latency, p50 and p99, with the ephemeral port range 0%, 50%
 * and 90% full.
 *
 * net.ipv4.ip_local_port_range is narrowed to --range ports (both families
 * take their ephemeral ports from it) and filled by holding established
 * connections to the same listener, so each measured connect() must find a
 * free port for that destination among the rest. A sample times connect()
 * alone; the connection is then accepted and both ends closed with an abort
 * (SO_LINGER {1,0}), so the port is free again at once and no TIME_WAIT
 * takes ports (this benchmark always uses the abort close mode). The fill
 * grows 0 -> 50 -> 90% in one run; one JSON line per fill.
 */
#include "bench.h"

#define RANGE_PATH "/proc/sys/net/ipv4/ip_local_port_range"

static long range = 4096, lo = 40000, samples = 2000;
static char saved_range[64];

static void help_exit(void)
{
	fprintf(stderr,
		"usage: b3_ephemeral [--family inet|xtcp] [--range N] [--lo PORT]\n"
		"                    [--samples N] [--fills 0,50,90]\n");
	exit(2);
}

static void restore_range(void)
{
	FILE *fp;

	if (!saved_range[0])
		return;
	fp = fopen(RANGE_PATH, "w");
	if (fp) {
		fputs(saved_range, fp);
		fclose(fp);
	}
}

static int set_range(void)
{
	FILE *fp = fopen(RANGE_PATH, "r");

	if (!fp || !fgets(saved_range, sizeof(saved_range), fp))
		return -1;
	fclose(fp);
	fp = fopen(RANGE_PATH, "w");
	if (!fp)
		return -1;
	fprintf(fp, "%ld %ld\n", lo, lo + range - 1);
	if (fclose(fp))
		return -1;
	atexit(restore_range);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "range", required_argument, NULL, 'R' },
		{ "lo", required_argument, NULL, 'l' },
		{ "samples", required_argument, NULL, 'n' },
		{ "fills", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	char fills[64] = "0,50,90", vname[32];
	long held = 0, want, i;
	uint64_t *lat, t0, sum;
	int opt, l, c, s, port;
	int *cfd, *sfd;
	char *tok, *sp;

	bench_name = "b3";
	close_mode = CLOSE_ABORT;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			set_family(optarg);
			break;
		case 'R':
			range = arg_long(optarg);
			break;
		case 'l':
			lo = arg_long(optarg);
			break;
		case 'n':
			samples = arg_long(optarg);
			break;
		case 'F':
			snprintf(fills, sizeof(fills), "%s", optarg);
			break;
		default:
			help_exit();
		}
	}
	watchdog("fill", 1200);
	raise_nofile(2 * range + 1024);
	if (set_range())
		BFAIL_ERRNO("fill", "set ip_local_port_range");

	/* The listener's port is outside the range: bind it explicitly. */
	l = blisten(LOOPBACK, lo - 1, 4096);
	if (l < 0)
		BFAIL_ERRNO("fill", "listen");
	port = local_port(l);
	cfd = calloc(range, sizeof(*cfd));
	sfd = calloc(range, sizeof(*sfd));
	lat = calloc(samples, sizeof(*lat));
	if (!cfd || !sfd || !lat)
		BFAIL_ERRNO("fill", "calloc");

	for (tok = strtok_r(fills, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
		snprintf(vname, sizeof(vname), "fill%s", tok);
		watchdog_variant = vname;
		want = range * atol(tok) / 100;
		for (; held < want; held++) {
			cfd[held] = bsock();
			if (cfd[held] < 0)
				BFAIL_ERRNO(vname, "socket (fill)");
			if (bconnect(cfd[held], LOOPBACK, port))
				BFAIL_ERRNO(vname, "connect (fill)");
			sfd[held] = accept(l, NULL, NULL);
			if (sfd[held] < 0)
				BFAIL_ERRNO(vname, "accept (fill)");
		}
		sum = 0;
		for (i = 0; i < samples; i++) {
			c = bsock();
			if (c < 0)
				BFAIL_ERRNO(vname, "socket");
			t0 = now_ns();
			if (bconnect(c, LOOPBACK, port))
				BFAIL_ERRNO(vname, "connect");
			lat[i] = now_ns() - t0;
			sum += lat[i];
			s = accept(l, NULL, NULL);
			if (s < 0)
				BFAIL_ERRNO(vname, "accept");
			bclose(c);
			bclose(s);
		}
		jbegin(vname, "ok");
		jnum("range", range);
		jnum("held", held);
		jnum("samples", samples);
		jnum("mean_ns", (double)sum / samples);
		jnum("p50_ns", pctl(lat, samples, 50));
		jnum("p99_ns", pctl(lat, samples, 99));
		jend();
	}
	for (i = 0; i < held; i++) {
		bclose(cfd[i]);
		bclose(sfd[i]);
	}
	close(l);
	return 0;
}
