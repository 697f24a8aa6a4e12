#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real programs over XTCP through xtcp-run: redis-server, redis-benchmark, redis-cli (xtcp_programs.sh).
exec "$(dirname "$0")/xtcp_programs.sh" redis
