#!/usr/bin/env bash
# Rate accuracy of trawl blast: 10 s of SYNs at 10, 1000 and 100,000 packets/s and at max into a
# drop sink (the testbed's target namespace with an nft rule dropping all of 198.18.0.0/16).
# For each: packets the sink's veth received, blast's own first-to-last-SYN time and rate, and
# measured/asked (goal: within 2%). RATES can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
RATES=${RATES:-"10 1000 100000 max"}
SECONDS_EACH=${SECONDS_EACH:-10}
TRAWL="$(command -v node) $PWD/dist/shared/main.js"
name=rb$$
work=$(mktemp -d /tmp/trawl-ratebench-XXXXXX)
cleanup() { bash test/testbed.sh down "$name"; rm -rf "$work"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "rate bench: needs root (namespaces)"; exit 1; }

eval "$(bash test/testbed.sh up "$name" --drop 198.18.0.0/16)"
$TRAWL key "$work/key"
rx() { ip netns exec "$TARGET_NS" cat "/sys/class/net/$TARGET_IF/statistics/rx_packets"; }

printf '%-8s %10s %10s %9s %12s %9s  %s\n' asked targets received "time (s)" "measured pps" ratio verdict
for r in $RATES; do
  before=$(rx)
  if [ "$r" = max ]; then
    # As many as it can in SECONDS_EACH, then SIGINT (blast flushes and reports).
    cmd="$TRAWL targets 198.18.0.0/16 -p 1-1000 --seed 1 -q | timeout -s INT $SECONDS_EACH $TRAWL blast -i $SCAN_IF --key-file $work/key --rate max"
    n="($SECONDS_EACH s)"
  else
    n=$((r * SECONDS_EACH))
    cmd="$TRAWL targets 198.18.0.0/16 -p 1-1000 --seed 1 --limit $n -q | $TRAWL blast -i $SCAN_IF --key-file $work/key --rate $r"
  fi
  ip netns exec "$SCAN_NS" bash -c "$cmd" 2>"$work/err" || true
  sleep 0.5
  got=$(( $(rx) - before ))
  line=$(grep -o 'sent [0-9]* SYNs.* in [0-9.]* s, [0-9]* packets/s' "$work/err" | tail -1)
  secs=$(echo "$line" | sed -n 's/.* in \([0-9.]*\) s,.*/\1/p')
  pps=$(echo "$line" | sed -n 's/.* s, \([0-9]*\) packets\/s/\1/p')
  if [ "$r" = max ]; then ratio="-"; verdict="ceiling"; else
    ratio=$(awk -v a="$pps" -v b="$r" 'BEGIN{printf "%.4f", a/b}')
    verdict=$(awk -v x="$ratio" 'BEGIN{print (x >= 0.98 && x <= 1.02) ? "within 2%" : "OFF by more than 2%"}')
  fi
  printf '%-8s %10s %10s %9s %12s %9s  %s\n' "$r" "$n" "$got" "${secs:-?}" "${pps:-?}" "$ratio" "$verdict"
  [ -n "$line" ] || { echo "  blast said:"; sed 's/^/  /' "$work/err" | tail -3; }
done
echo
echo "command: trawl targets 198.18.0.0/16 -p 1-1000 --seed 1 --limit N | trawl blast -i IFACE --key-file K --rate R  (in netns $SCAN_NS)"
echo "received: rx_packets of the sink's veth (includes the ARP exchange); time and rate: blast's first to last SYN"
