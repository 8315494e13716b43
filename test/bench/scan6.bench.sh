#!/usr/bin/env bash
# IPv6 SYN scan of 2001:db8:1::/112 (65,536 addresses) port 80 in the namespace testbed: trawl
# scan and masscan's IPv6 scan in one run (ZMap has none), same rate and cooldown. Prints open
# ports found, sending time (first to last SYN as a tcpdump on the target's side of the veth sees
# them, the same yardstick for both) and wall time, with ratios and the exact commands.
# Goals (issue 14): every open port (65,536), sending time <= masscan's.
# RATE (default 100000 pps) and COOLDOWN (default 2 s) can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/lib.sh   # now, secs, ratio
RATE=${RATE:-100000}
COOLDOWN=${COOLDOWN:-2}
TRAWL="$(command -v node) $PWD/dist/shared/main.js"
name=s6b$$
work=$(mktemp -d /tmp/trawl-scan6bench-XXXXXX)
cleanup() { bash test/testbed.sh down "$name"; rm -rf "$work"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "scan6 bench: needs root (namespaces)"; exit 1; }

eval "$(bash test/testbed.sh up "$name" --ports 80)"
S() { ip netns exec "$SCAN_NS" "$@"; }

# First and last SYN that reach the target namespace (IPv6, TCP right after the header, SYN only).
observe_start() {
  ip netns exec "$TARGET_NS" tcpdump -i "$TARGET_IF" -s 96 -B 65536 -nn -w "$work/syn.pcap" \
    'ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02' 2>"$work/tcpdump.err" &
  obs=$!
  for _ in $(seq 50); do grep -q listening "$work/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
}
observe_stop() {
  sleep 0.3; kill -INT "$obs"; wait "$obs" 2>/dev/null || true
  local ts; ts=$(tcpdump -nn -tt -r "$work/syn.pcap" 2>/dev/null | awk 'NR==1{f=$1} {l=$1; n++} END{printf "%d %.3f", n, l-f}')
  syns=${ts% *}; send_s=${ts#* }
}

declare -A FOUND SEND WALL CMD SYNS
run_tool() {
  local tool=$1; shift
  CMD[$tool]="$*"
  observe_start
  local t0; t0=$(now)
  S "$@" >"$work/$tool.out" 2>"$work/$tool.err" || { echo "$tool failed:"; tail -5 "$work/$tool.err"; }
  WALL[$tool]=$(secs "$t0" "$(now)")
  observe_stop
  SEND[$tool]=$send_s; SYNS[$tool]="$syns SYNs seen"
}

# The router's MAC for IPv6 is the target veth's (testbed.sh routes 2001:db8::/32 to it).
run_tool trawl $TRAWL scan 2001:db8:1::/112 -p 80 -i "$SCAN_IF" --rate "$RATE" --cooldown "$COOLDOWN" --seed 1
FOUND[trawl]=$(grep -c '"type":"open"' "$work/trawl.out" || true)

run_tool masscan masscan 2001:db8:1::/112 -p80 --rate "$RATE" --adapter "$SCAN_IF" --adapter-ip "$SCAN_IP6" \
  --router-mac-ipv6 "$ROUTER_MAC" --wait "$COOLDOWN" -oL "$work/masscan.txt"
FOUND[masscan]=$(grep -c '^open ' "$work/masscan.txt" || true)

echo
printf '%-8s %8s %11s %9s  %s\n' tool open "send (s)" "wall (s)" "SYNs seen"
for t in trawl masscan; do
  printf '%-8s %8s %11s %9s  %s\n' "$t" "${FOUND[$t]}" "${SEND[$t]}" "${WALL[$t]}" "${SYNS[$t]}"
done
echo
echo "sending time trawl/masscan: $(ratio "${SEND[trawl]}" "${SEND[masscan]}") (goal <= 1.00)"
echo "wall time    trawl/masscan: $(ratio "${WALL[trawl]}" "${WALL[masscan]}")"
echo "open found   trawl $(( FOUND[trawl] )) of 65536: goal $([ "${FOUND[trawl]}" -ge 65536 ] && echo met || echo NOT met); masscan ${FOUND[masscan]}"
echo
echo "commands (rate $RATE pps, cooldown $COOLDOWN s, inside netns $SCAN_NS):"
for t in trawl masscan; do echo "  ${CMD[$t]}"; done
