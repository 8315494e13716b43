#!/usr/bin/env bash
# SYN scan of 198.18.0.0/16 port 80 in the namespace testbed: trawl scan, zmap and masscan in one
# run, same rate and cooldown. Prints open ports found, sending time (first to last SYN as seen
# by a tcpdump on the target's side of the veth, the same yardstick for all three, plus each
# tool's own figure where it gives one) and wall time, with ratios and the exact commands.
# Goals (issue 3): every port zmap finds and >= 99.9% of 65,536; sending time <= zmap's.
# RATE (default 100000 pps) and COOLDOWN (default 2 s) can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/lib.sh   # now, secs, ratio
RATE=${RATE:-100000}
COOLDOWN=${COOLDOWN:-2}
TRAWL="$(command -v node) $PWD/dist/shared/main.js"
name=sb$$
work=$(mktemp -d /tmp/trawl-scanbench-XXXXXX)
cleanup() { bash test/testbed.sh down "$name"; rm -rf "$work"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "scan bench: needs root (namespaces)"; exit 1; }

eval "$(bash test/testbed.sh up "$name" --ports 80)"
S() { ip netns exec "$SCAN_NS" "$@"; }

# Times the first and last SYN that reach the target namespace (tcpdump, BPF: SYN without ACK).
observe_start() {
  ip netns exec "$TARGET_NS" tcpdump -i "$TARGET_IF" -s 64 -B 65536 -nn -w "$work/syn.pcap" \
    'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>"$work/tcpdump.err" &
  obs=$!
  for _ in $(seq 50); do grep -q listening "$work/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
}
observe_stop() {
  sleep 0.3; kill -INT "$obs"; wait "$obs" 2>/dev/null || true
  local ts; ts=$(tcpdump -nn -tt -r "$work/syn.pcap" 2>/dev/null | awk 'NR==1{f=$1} {l=$1; n++} END{printf "%d %.3f", n, l-f}')
  syns=${ts% *}; send_s=${ts#* }
  drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/tcpdump.err")
}

declare -A FOUND SEND WALL OWN CMD SYNS
run_tool() {  # name, own-figure-command, command...
  local tool=$1; shift
  CMD[$tool]="$*"
  observe_start
  local t0; t0=$(now)
  S "$@" >"$work/$tool.out" 2>"$work/$tool.err" || { echo "$tool failed:"; tail -5 "$work/$tool.err"; }
  WALL[$tool]=$(secs "$t0" "$(now)")
  observe_stop
  SEND[$tool]=$send_s; SYNS[$tool]="$syns SYNs seen${drops:+, $drops dropped by tcpdump}"
}

run_tool trawl $TRAWL scan 198.18.0.0/16 -p 80 -i "$SCAN_IF" --rate "$RATE" --cooldown "$COOLDOWN" --seed 1
FOUND[trawl]=$(grep -c '"type":"open"' "$work/trawl.out" || true)
OWN[trawl]=$(sed -n 's/^trawl blast: sent [0-9]* SYNs.* in \([0-9.]*\) s.*/\1 s/p' "$work/trawl.err")

run_tool zmap zmap -p 80 -i "$SCAN_IF" -G "$ROUTER_MAC" -S "$SCAN_IP" -C /dev/null -b /dev/null -r "$RATE" \
  -c "$COOLDOWN" -f saddr -o "$work/zmap.txt" 198.18.0.0/16
FOUND[zmap]=$(grep -c '^198\.18\.' "$work/zmap.txt" || true)
OWN[zmap]=$(grep -o 'send: [0-9]* done ([0-9.]* [KM]*p/s avg)' "$work/zmap.err" | tail -1 | sed 's/send: //')

run_tool masscan masscan 198.18.0.0/16 -p80 --rate "$RATE" --adapter "$SCAN_IF" --adapter-ip "$SCAN_IP" \
  --router-mac "$ROUTER_MAC" --wait "$COOLDOWN" -oL "$work/masscan.txt"
FOUND[masscan]=$(grep -c '^open ' "$work/masscan.txt" || true)
OWN[masscan]=""

# Every address zmap found must be in trawl's results.
node -e '
const fs = require("fs");
const t = new Set(fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === "open").map((r) => r.ip));
const z = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => /^198\./.test(l));
const miss = z.filter((ip) => !t.has(ip));
console.log(`zmap found ${z.length}; trawl missed ${miss.length} of them${miss.length ? ": " + miss.slice(0, 5).join(" ") : ""}`);
' "$work/trawl.out" "$work/zmap.txt"

echo
printf '%-8s %8s %8s %11s %9s  %s\n' tool open "% of 65536" "send (s)" "wall (s)" "own figure / SYNs seen"
for t in trawl zmap masscan; do
  printf '%-8s %8s %8.3f%% %11s %9s  %s\n' "$t" "${FOUND[$t]}" "$(awk -v n="${FOUND[$t]}" 'BEGIN{print n*100/65536}')" \
    "${SEND[$t]}" "${WALL[$t]}" "${OWN[$t]:-} (${SYNS[$t]})"
done
echo
echo "sending time trawl/zmap: $(ratio "${SEND[trawl]}" "${SEND[zmap]}") (goal <= 1.00); trawl/masscan: $(ratio "${SEND[trawl]}" "${SEND[masscan]}")"
echo "wall time    trawl/zmap: $(ratio "${WALL[trawl]}" "${WALL[zmap]}"); trawl/masscan: $(ratio "${WALL[trawl]}" "${WALL[masscan]}")"
echo "open found   trawl/zmap: $(ratio "${FOUND[trawl]}" "${FOUND[zmap]}"); goal >= 65471 (99.9%): $([ "${FOUND[trawl]}" -ge 65471 ] && echo met || echo NOT met)"
echo
echo "commands (rate $RATE pps, cooldown $COOLDOWN s, inside netns $SCAN_NS):"
for t in trawl zmap masscan; do echo "  ${CMD[$t]}"; done
