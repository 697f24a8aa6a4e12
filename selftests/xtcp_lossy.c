// SPDX-License-Identifier: GPL-2.0
/*
 * Byte streams through a bad link, same body for TCP and XTCP: two network
 * namespaces over veth with netem on both ends, byte-exact transfers in
 * both directions at once (SHA-256 and byte counts, see xfer() in
 * xtcp_lib.h): 64 MiB per direction through loss 5% + reorder 10% +
 * duplicate 1% + delay 1 ms, and 16 MiB through loss 10%. Sizes are
 * divided by XTCP_STREAM_DIV (64 on the debug kernel by default).
 * Separate from xtcp_stream so each program stays well inside the
 * runner's per-program timeout.
 */
#include "kselftest_harness.h"
#include "xtcp_lib.h"

#define NETEM_LOSSY	"loss 5% reorder 10% duplicate 1% delay 1ms"
#define NETEM_LOSS10	"loss 10%"

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

TEST_F_TIMEOUT(lossy, netem_mixed_64m, 300)
{
	ASSERT_EQ(0, netem_both(&self->t, NETEM_LOSSY));
	xfer(_metadata, &self->t, &variant->f, 9102, 64 * MiB / xfer_div());
}

TEST_F_TIMEOUT(lossy, netem_loss10_16m, 300)
{
	ASSERT_EQ(0, netem_both(&self->t, NETEM_LOSS10));
	xfer(_metadata, &self->t, &variant->f, 9103, 16 * MiB / xfer_div());
}

TEST_HARNESS_MAIN
