#!/usr/bin/env bash
# make bench: runs every test/bench/*.bench.sh in order. Each prints its figures side by side
# with a peer (masscan, zmap, nmap) measured in the same run, as a ratio, with the command used.
set -u
cd "$(dirname "$0")/../.."
status=0
for b in test/bench/*.bench.sh; do
  [ -e "$b" ] || continue
  echo "=== $(basename "$b" .bench.sh)"
  bash "$b" || { echo "benchmark $b failed"; status=1; }
done
exit $status
