#!/usr/bin/env bash
# make bench-scim-scale: the set-up of bench-scim.sh running cmd/scimscale:
# an initial sync of 100,000 users, filter and list latency at 1k and 100k
# users, 80 teams pushing at once, and the server's peak RSS.
SCIM_BENCH_TOOL=scimscale exec "$(dirname "$0")/bench-scim.sh" "$@"
