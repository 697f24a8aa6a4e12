// SPDX-License-Identifier: GPL-2.0
/*
 * B5: memory per idle established connection, and request/response latency
 * with those connections present.
 *
 * Both ends live in this process, on loopback: --listeners listeners on
 * consecutive ports, connections spread over them (so the 4-tuples do not
 * run out of ephemeral ports), ip_local_port_range widened to 1024-65535
 * for the run. For each count in --conns (growing, e.g. 10k,50k,100k) the
 * slab caches are read before any connection exists and after count
 * connections (client and accepted socket both held):
 *
 *   sock_bytes       protocol-sock cache (TCP: "TCP"; XTCP: its cache)
 *                    objects x object size, per socket
 *   slab_bytes_sock  all slab caches (sock, inode, file, dentry, ...), per
 *                    socket
 *   slab_bytes_conn  the same per connection (two sockets)
 *
 * Then --rr-samples 1-byte request/responses on one extra connection
 * (both ends in this process, so it is the code path without wake-ups):
 * rr_p50_ns, rr_p99_ns, and rr_degradation = p50 now / p50 with no idle
 * connections. Without a data path the RR part is reported as missing
 * (rr_na) and the memory figures still stand.
 */
#include "bench.h"

#define RANGE_PATH "/proc/sys/net/ipv4/ip_local_port_range"

static long nlisten = 8, base = 30000, rr_samples = 2000;
static char saved_range[64];
static char rr_why[256];
static int rc = -1, rs = -1;
static const char *sock_cache;

static void help_exit(void)
{
	fprintf(stderr,
		"usage: b5_idle [--family inet|xtcp] [--conns 10k,50k,100k]\n"
		"               [--listeners N] [--rr-samples N]\n");
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

static void widen(long max_fds)
{
	FILE *fp = fopen(RANGE_PATH, "r");

	if (fp && fgets(saved_range, sizeof(saved_range), fp)) {
		fclose(fp);
		fp = fopen(RANGE_PATH, "w");
		if (fp) {
			fputs("1024 65535\n", fp);
			fclose(fp);
			atexit(restore_range);
		}
	}
	if (read_long("/proc/sys/fs/nr_open") < max_fds) {
		fp = fopen("/proc/sys/fs/nr_open", "w");
		if (fp) {
			fprintf(fp, "%ld\n", max_fds);
			fclose(fp);
		}
	}
	raise_nofile(max_fds);
}

/* Median and p99 of rr_samples 1-byte round trips on rc/rs. */
static void rr_measure(uint64_t *p50, uint64_t *p99)
{
	static uint64_t *lat;
	char b = 'q';
	uint64_t t0;
	long i;

	if (!lat)
		lat = calloc(rr_samples, sizeof(*lat));
	for (i = 0; i < rr_samples; i++) {
		t0 = now_ns();
		if (write(rc, &b, 1) != 1 || read(rs, &b, 1) != 1 ||
		    write(rs, &b, 1) != 1 || read(rc, &b, 1) != 1)
			BFAIL_ERRNO("rr", "request/response");
		lat[i] = now_ns() - t0;
	}
	*p50 = pctl(lat, rr_samples, 50);
	*p99 = pctl(lat, rr_samples, 99);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "conns", required_argument, NULL, 'n' },
		{ "listeners", required_argument, NULL, 'L' },
		{ "rr-samples", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t p50_0 = 0, p99_0 = 0, p50, p99;
	char conns[128] = "10k,50k,100k", v[32];
	long held = 0, want, max = 0, i;
	struct slabsnap s0, s1;
	int *lfd, *cfd, *sfd;
	char *tok, *sp;
	int opt;

	bench_name = "b5";
	close_mode = CLOSE_ABORT;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			set_family(optarg);
			break;
		case 'n':
			snprintf(conns, sizeof(conns), "%s", optarg);
			break;
		case 'L':
			nlisten = arg_long(optarg);
			break;
		case 'r':
			rr_samples = arg_long(optarg);
			break;
		default:
			help_exit();
		}
	}
	cache_names(&sock_cache, NULL);
	snprintf(v, sizeof(v), "%s", conns);
	for (tok = strtok_r(v, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp))
		if (arg_long(tok) > max)
			max = arg_long(tok);
	watchdog("conns", 3000);
	widen(2 * max + 4096);

	lfd = calloc(nlisten, sizeof(*lfd));
	cfd = calloc(max, sizeof(*cfd));
	sfd = calloc(max, sizeof(*sfd));
	if (!lfd || !cfd || !sfd)
		BFAIL_ERRNO("conns", "calloc");
	for (i = 0; i < nlisten; i++) {
		lfd[i] = blisten(LOOPBACK, base + i, 4096);
		if (lfd[i] < 0)
			BFAIL_ERRNO("conns", "listen");
	}

	if (!data_path_check(rr_why, sizeof(rr_why))) {
		rc = bsock();
		if (rc < 0 || bconnect(rc, LOOPBACK, base))
			BFAIL_ERRNO("rr", "rr connection");
		rs = accept(lfd[0], NULL, NULL);
		if (rs < 0)
			BFAIL_ERRNO("rr", "rr connection");
		setint(rc, IPPROTO_TCP, TCP_NODELAY, 1);
		setint(rs, IPPROTO_TCP, TCP_NODELAY, 1);
		rr_measure(&p50_0, &p99_0);
	}

	s0 = slab_snap(sock_cache);
	for (tok = strtok_r(conns, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
		want = arg_long(tok);
		snprintf(v, sizeof(v), "n%ld", want);
		watchdog_variant = v;
		for (; held < want; held++) {
			cfd[held] = bsock();
			if (cfd[held] < 0)
				bfail(v, "socket after %ld connections: %s",
				      held, strerror(errno));
			if (bconnect(cfd[held], LOOPBACK, base + held % nlisten))
				bfail(v, "connect after %ld connections: %s",
				      held, strerror(errno));
			sfd[held] = accept(lfd[held % nlisten], NULL, NULL);
			if (sfd[held] < 0)
				bfail(v, "accept after %ld connections: %s",
				      held, strerror(errno));
		}
		s1 = slab_snap(sock_cache);
		jbegin(v, "ok");
		jnum("conns", held);
		jstr("sock_cache", sock_cache);
		if (s0.objs >= 0 && s1.objs >= 0) {
			jnum("sock_objsize", s1.objsize);
			jnum("sock_cache_merged", s1.merged);
			jnum("sock_bytes", (double)(s1.objs - s0.objs) *
					   s1.objsize / (2.0 * held));
		}
		jnum("slab_bytes_sock", (double)(s1.total - s0.total) / (2.0 * held));
		jnum("slab_bytes_conn", (double)(s1.total - s0.total) / held);
		if (rr_why[0]) {
			jstr("rr_na", rr_why);
		} else {
			rr_measure(&p50, &p99);
			jnum("rr_p50_ns", p50);
			jnum("rr_p99_ns", p99);
			jnum("rr0_p50_ns", p50_0);
			jnum("rr0_p99_ns", p99_0);
			jnum("rr_degradation", (double)p50 / p50_0);
		}
		jend();
	}
	for (i = 0; i < held; i++) {
		bclose(cfd[i]);
		bclose(sfd[i]);
	}
	if (rc >= 0) {
		bclose(rc);
		bclose(rs);
	}
	for (i = 0; i < nlisten; i++)
		close(lfd[i]);
	return 0;
}
