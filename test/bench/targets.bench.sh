#!/usr/bin/env bash
# Target generation benchmark: `trawl targets 10.0.0.0/8 -p 80 > /dev/null` (NDJSON records)
# against `masscan 10.0.0.0/8 -p80 -sL > /dev/null` (bare addresses), 16,777,216 targets each,
# side by side in TARGETS_BENCH_ROUNDS interleaved rounds (default 2; the machine is shared, so
# the best round of each is kept). Prints wall time, targets/s by wall clock and by CPU time
# (user+sys, which load from other processes does not inflate), peak RSS, and the ratios.
# Goal (issue 2): trawl >= 1.0x masscan -sL, peak RSS < 100 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${TARGETS_BENCH_ROUNDS:-2}
N=16777216
TRAWL=(node dist/shared/main.js targets 10.0.0.0/8 -p 80 --seed 1 -q)
# Debian's masscan 1.3 lists 10.0.0.0/8 without complaint (no --exclude needed, checked with
# `| wc -l` = 16777216); -sL prints one address per line and sends nothing.
MASSCAN=(masscan 10.0.0.0/8 -p80 -sL)
command -v masscan >/dev/null || { echo "targets bench: masscan is not installed (make bench-deps)"; exit 1; }
[ -x /usr/bin/time ] || { echo "targets bench: /usr/bin/time is not installed (Debian package time)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

got=$("${TRAWL[@]}" --count)
[ "$got" = "$N" ] || { echo "targets bench: trawl counts $got targets, expected $N"; exit 1; }

# run NAME CMD...: one timed run; appends "wall cpu rss_kb" to $tmp/NAME.
run() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" > /dev/null 2> "$tmp/err" || { cat "$tmp/err"; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$tmp/time" >> "$tmp/$name"
}
for r in $(seq "$ROUNDS"); do
  run trawl "${TRAWL[@]}"
  run masscan "${MASSCAN[@]}"
done

# best NAME: the round with the least wall time, and the least CPU time, and the largest RSS.
best() { sort -n -k1,1 "$tmp/$1" | head -1 | cut -d' ' -f1; }
bestcpu() { sort -n -k2,2 "$tmp/$1" | head -1 | cut -d' ' -f2; }
maxrss() { sort -n -k3,3 "$tmp/$1" | tail -1 | cut -d' ' -f3; }
tw=$(best trawl) tc=$(bestcpu trawl) tr=$(maxrss trawl)
mw=$(best masscan) mc=$(bestcpu masscan) mr=$(maxrss masscan)

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; best of $ROUNDS rounds, $N targets each"
awk -v n="$N" -v tw="$tw" -v tc="$tc" -v tr="$tr" -v mw="$mw" -v mc="$mc" -v mr="$mr" \
    -v tcmd="${TRAWL[*]} > /dev/null" -v mcmd="${MASSCAN[*]} > /dev/null" 'BEGIN {
  printf "%-8s %8s %12s %8s %12s %10s   %s\n", "tool", "wall_s", "targets/s", "cpu_s", "per_cpu_s", "peak_rss", "command"
  printf "%-8s %8.2f %12.0f %8.2f %12.0f %8.1fMB   %s\n", "trawl", tw, n / tw, tc, n / tc, tr / 1024, tcmd
  printf "%-8s %8.2f %12.0f %8.2f %12.0f %8.1fMB   %s\n", "masscan", mw, n / mw, mc, n / mc, mr / 1024, mcmd
  printf "ratio trawl/masscan: %.2fx by wall clock, %.2fx by CPU time (goal >= 1.0x); trawl peak RSS %.1f MB (goal < 100 MB)\n", mw / tw, mc / tc, tr / 1024
}'

# Peak RSS does not grow with the range: all of IPv4 over all ports (2^48 targets), cut short.
/usr/bin/time -f '%M' -o "$tmp/time" "${TRAWL[@]:0:2}" targets 0.0.0.0/0 -p 0-65535 --no-reserved --exclude-file /dev/null \
  --seed 1 -q --limit 5000000 > /dev/null
awk '{ printf "trawl targets 0.0.0.0/0 -p 0-65535 (2^48 targets) --limit 5000000: peak RSS %.1f MB\n", $1 / 1024 }' "$tmp/time"
# The same for the BigInt path: an IPv6 set of 2^61 targets, cut short.
/usr/bin/time -f '%e %M' -o "$tmp/time" "${TRAWL[@]:0:2}" targets fe80::/67 -p 80 --seed 1 -q --limit 4000000 > /dev/null
awk '{ printf "trawl targets fe80::/67 -p 80 (2^61 targets, BigInt path) --limit 4000000: %.2f s, %.0f targets/s, peak RSS %.1f MB\n", $1, 4000000 / $1, $2 / 1024 }' "$tmp/time"
