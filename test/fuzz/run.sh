#!/usr/bin/env bash
# make fuzz: runs every compiled fuzzer dist/test/fuzz/*.fuzz.js in turn at full scale.
# Each fuzzer is a plain node script (not uvu) that reads FUZZ_SCALE (1 = the long run of make
# fuzz; the bounded runs inside make test use a small fraction) and prints one summary line:
#   <name>: N tried, C crashes, H hangs, slowest X ms (<what>), peak RSS M MB
# and exits non-zero on any crash or hang. FUZZ_FILTER=regex runs a subset.
set -u
cd "$(dirname "$0")/../.."
status=0
for f in dist/test/fuzz/*.fuzz.js; do
  [ -e "$f" ] || continue
  [ -n "${FUZZ_FILTER:-}" ] && ! [[ $f =~ $FUZZ_FILTER ]] && continue
  echo "=== $(basename "$f" .fuzz.js)"
  FUZZ_SCALE=${FUZZ_SCALE:-1} node "$f" || { echo "fuzzer $f failed"; status=1; }
done
exit $status
