// SPDX-License-Identifier: GPL-2.0
/*
 * Byte streams through a bad link, same body for TCP and XTCP: two network
 * namespaces over veth with netem on both ends, byte-exact transfers in
 * both directions at once (SHA-256 and byte counts, see xfer() in
 * xtcp_lib.h): 64 MiB per direction through loss 5% + reorder 10% +
 * duplicate 1% + delay 1 ms, 16 MiB through loss 10% and 16 MiB through
 * corrupt 5%, each asserting that recovery ran (netem's drop count,
 * RetransSegs, InCsumErrors for the corruption). Sizes are
 * divided by XTCP_STREAM_DIV (64 on the debug kernel by default).
 * Separate from xtcp_stream so each program stays well inside the
 * runner's per-program timeout.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define NETEM_LOSSY	"loss 5% reorder 10% duplicate 1% delay 1ms"
#define NETEM_LOSS10	"loss 10%"
#define NETEM_CORRUPT	"corrupt 5%"

FIXTURE(lossy) {
	struct twons t;
};

FIXTURE_VARIANT(lossy) {
	struct xfam f;
};

FIXTURE_VARIANT_ADD(lossy, tcp) { .f = XFAM_TCP };
FIXTURE_VARIANT_ADD(lossy, xtcp) { .f = XFAM_XTCP };

FIXTURE_SETUP(lossy)
{
	int e = xfam_probe(&variant->f);

	if (e == EAFNOSUPPORT && is_xtcp(&variant->f))
		SKIP_OUTSIDE_VM(return, "AF_XTCP not registered (xtcp.ko not loaded)");
	ASSERT_EQ(0, e);
	if (run("command -v tc >/dev/null"))
		SKIP_OUTSIDE_VM(return, "tc not available");
	ASSERT_EQ(0, twons_setup(&self->t, false));
	/* in S */
}

FIXTURE_TEARDOWN(lossy)
{
}

/* A counter summed over both namespaces; ends in S, like the tests. */
static long both_mib(struct twons *t, const struct xfam *f, const char *name)
{
	long a, b;

	ns_enter(t->c);
	a = mib_get(f, name);
	ns_enter(t->s);
	b = mib_get(f, name);
	return a < 0 || b < 0 ? -1 : a + b;
}

/* Packets netem dropped on @dev in the current netns, or -1. */
static long netem_drops(const char *dev)
{
	char cmd[128], line[256], *d;
	long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tc -s qdisc show dev %s 2>/dev/null", dev);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		d = strstr(line, "(dropped ");
		if (d)
			n = atol(d + strlen("(dropped "));
	}
	pclose(p);
	return n;
}

static long both_drops(struct twons *t)
{
	long a, b;

	ns_enter(t->c);
	a = netem_drops("vc");
	ns_enter(t->s);
	b = netem_drops("vs");
	return a < 0 || b < 0 ? -1 : a + b;
}

/*
 * A transfer through @netem that must have needed recovery: netem dropped
 * packets (when it drops) and the senders retransmitted. The amount is
 * random; that recovery ran at all is what a silent no-loss run (netem not
 * applied, the traffic bypassing it) would not show.
 */
static void lossy_xfer(struct __test_metadata *_metadata, struct twons *t,
		       const struct xfam *f, const char *netem, uint16_t port,
		       long size, bool drops)
{
	long rt0, rt1, d;

	ASSERT_EQ(0, netem_both(t, netem));
	rt0 = both_mib(t, f, "RetransSegs");
	ASSERT_LE(0, rt0);
	xfer(_metadata, t, f, port, size);
	rt1 = both_mib(t, f, "RetransSegs");
	d = both_drops(t);
	TH_LOG("%s: netem dropped %ld, RetransSegs +%ld", f->name, d, rt1 - rt0);
	if (drops)
		EXPECT_LT(0, d) TH_LOG("netem dropped nothing");
	EXPECT_LT(rt0, rt1) TH_LOG("no retransmission through %s", netem);
}

TEST_F_TIMEOUT(lossy, netem_mixed_64m, 300)
{
	lossy_xfer(_metadata, &self->t, &variant->f, NETEM_LOSSY, 9102,
		   64 * MiB / xfer_div(), true);
}

TEST_F_TIMEOUT(lossy, netem_loss10_16m, 300)
{
	lossy_xfer(_metadata, &self->t, &variant->f, NETEM_LOSS10, 9103,
		   16 * MiB / xfer_div(), true);
}

/*
 * Corrupted packets: netem flips a bit after computing the checksum, so
 * the receiver must find the bad checksum, count it and drop the segment,
 * and the sender must retransmit; the bytes still arrive intact.
 */
TEST_F_TIMEOUT(lossy, netem_corrupt_16m, 300)
{
	const struct xfam *f = &variant->f;
	long c0;

	c0 = both_mib(&self->t, f, "InCsumErrors");
	ASSERT_LE(0, c0);
	lossy_xfer(_metadata, &self->t, f, NETEM_CORRUPT, 9104,
		   16 * MiB / xfer_div(), false);
	EXPECT_LT(c0, both_mib(&self->t, f, "InCsumErrors"))
		TH_LOG("no checksum error counted through %s", NETEM_CORRUPT);
}

TEST_HARNESS_MAIN
