#!/usr/bin/env bash
# ICMP echo sweep of 198.18.0.0/16 in the namespace testbed (every address answers: the /16 is
# local in the target namespace): trawl scan --ping, zmap -M icmp_echoscan and masscan --ping
# in one run, same rate and cooldown. Prints hosts found, sending time (first to last echo
# request as seen by a tcpdump on the target's side of the veth, the same yardstick for all
# three, plus each tool's own figure where it gives one) and wall time, with ratios and the
# exact commands. Goals (issue 15): every host zmap finds; sending time <= zmap's.
# RATE (default 100000 pps) and COOLDOWN (default 2 s) can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/lib.sh   # now, secs, ratio
RATE=${RATE:-100000}
COOLDOWN=${COOLDOWN:-2}
TRAWL="$(command -v node) $PWD/dist/shared/main.js"
name=eb$$
work=$(mktemp -d /tmp/trawl-echobench-XXXXXX)
cleanup() { bash test/testbed.sh down "$name"; rm -rf "$work"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "echo bench: needs root (namespaces)"; exit 1; }
command -v zmap >/dev/null || { echo "echo bench: zmap is not installed (make bench-deps)"; exit 1; }

eval "$(bash test/testbed.sh up "$name")"
S() { ip netns exec "$SCAN_NS" "$@"; }

# Times the first and last echo request that reach the target namespace.
observe_start() {
  ip netns exec "$TARGET_NS" tcpdump -i "$TARGET_IF" -s 64 -B 65536 -nn -w "$work/echo.pcap" \
    'icmp[icmptype] == icmp-echo' 2>"$work/tcpdump.err" &
  obs=$!
  for _ in $(seq 50); do grep -q listening "$work/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
}
observe_stop() {
  sleep 0.3; kill -INT "$obs"; wait "$obs" 2>/dev/null || true
  local ts; ts=$(tcpdump -nn -tt -r "$work/echo.pcap" 2>/dev/null | awk 'NR==1{f=$1} {l=$1; n++} END{printf "%d %.3f", n, l-f}')
  seen=${ts% *}; send_s=${ts#* }
  drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/tcpdump.err")
}

declare -A FOUND SEND WALL OWN CMD SEEN
run_tool() {  # name, command...
  local tool=$1; shift
  CMD[$tool]="$*"
  observe_start
  local t0; t0=$(now)
  S "$@" >"$work/$tool.out" 2>"$work/$tool.err" || { echo "$tool failed:"; tail -5 "$work/$tool.err"; }
  WALL[$tool]=$(secs "$t0" "$(now)")
  observe_stop
  SEND[$tool]=$send_s; SEEN[$tool]="$seen requests seen${drops:+, $drops dropped by tcpdump}"
}

run_tool trawl $TRAWL scan 198.18.0.0/16 --ping -i "$SCAN_IF" --rate "$RATE" --cooldown "$COOLDOWN" --seed 1
FOUND[trawl]=$(grep -c '"type":"alive"' "$work/trawl.out" || true)
OWN[trawl]=$(sed -n 's/^trawl blast: sent [0-9]* echo requests.* in \([0-9.]*\) s.*/\1 s/p' "$work/trawl.err")
# catch's own count of what its capture ring lost (a loaded machine loses replies there).
OWN[trawl]+=" catch: $(sed -n 's/^trawl catch: .*; \([0-9]* hosts alive\).*; kernel drops \([0-9]*\)$/\1, \2 kernel drops/p' "$work/trawl.err")"


# Debian's zmap reads /etc/zmap/zmap.conf (-C /dev/null: not) and blocks 198.18.0.0/15 by
# default (-b /dev/null: no blocklist).
run_tool zmap zmap -M icmp_echoscan -i "$SCAN_IF" -G "$ROUTER_MAC" -S "$SCAN_IP" -C /dev/null -b /dev/null -r "$RATE" \
  -c "$COOLDOWN" -f saddr -o "$work/zmap.txt" 198.18.0.0/16
FOUND[zmap]=$(grep -c '^198\.18\.' "$work/zmap.txt" || true)
OWN[zmap]=$(grep -o 'send: [0-9]* done ([0-9.]* [KM]*p/s avg)' "$work/zmap.err" | tail -1 | sed 's/send: //')

run_tool masscan masscan 198.18.0.0/16 --ping --rate "$RATE" --adapter "$SCAN_IF" --adapter-ip "$SCAN_IP" \
  --router-mac "$ROUTER_MAC" --wait "$COOLDOWN" -oL "$work/masscan.txt"
FOUND[masscan]=$(grep -c '^open icmp' "$work/masscan.txt" || true)
OWN[masscan]=""

# Every address zmap found must be in trawl's results.
node -e '
const fs = require("fs");
const t = new Set(fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === "alive").map((r) => r.ip));
const z = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => /^198\./.test(l));
const miss = z.filter((ip) => !t.has(ip));
console.log(`zmap found ${z.length}; trawl missed ${miss.length} of them${miss.length ? ": " + miss.slice(0, 5).join(" ") : ""}`);
' "$work/trawl.out" "$work/zmap.txt"

echo
printf '%-8s %8s %11s %11s %9s  %s\n' tool alive "% of 65536" "send (s)" "wall (s)" "own figure / requests seen"
for t in trawl zmap masscan; do
  printf '%-8s %8s %10.3f%% %11s %9s  %s\n' "$t" "${FOUND[$t]}" "$(awk -v n="${FOUND[$t]}" 'BEGIN{print n*100/65536}')" \
    "${SEND[$t]}" "${WALL[$t]}" "${OWN[$t]:-} (${SEEN[$t]})"
done
echo
echo "sending time trawl/zmap: $(ratio "${SEND[trawl]}" "${SEND[zmap]}") (goal <= 1.00); trawl/masscan: $(ratio "${SEND[trawl]}" "${SEND[masscan]}")"
echo "wall time    trawl/zmap: $(ratio "${WALL[trawl]}" "${WALL[zmap]}"); trawl/masscan: $(ratio "${WALL[trawl]}" "${WALL[masscan]}")"
echo "alive found  trawl/zmap: $(ratio "${FOUND[trawl]}" "${FOUND[zmap]}")"
echo
echo "commands (rate $RATE pps, cooldown $COOLDOWN s, inside netns $SCAN_NS):"
for t in trawl zmap masscan; do echo "  ${CMD[$t]}"; done
