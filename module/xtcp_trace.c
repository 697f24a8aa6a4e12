// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP tracepoint definitions: the one place CREATE_TRACE_POINTS is set.
 */
#include <linux/rculist.h>
#include "xtcp.h"

#define CREATE_TRACE_POINTS
#include "xtcp_trace.h"
