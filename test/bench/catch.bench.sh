#!/usr/bin/env bash
# catch --pcap throughput and memory: 0.1 M and 1 M valid SYN-ACKs (Linux option layout, one per
# target, cookies made with the scan key) replayed to /dev/null, timed with peak RSS; beside it
# the same catch with its native fast path off (TRAWL_NO_FAST=1: every packet through the
# TypeScript decoder), the same catch with the duplicate window checked in JavaScript
# (TRAWL_NO_NATIVE_DEDUP=1) and that without its prefetch (TRAWL_NO_PREFETCH=1 too),
# and tcpdump on the same file both ways: reading it (-w /dev/null) and
# decoding it to text (-nn > /dev/null). Goals: >= 1 M packets/s, peak RSS < 150 MB and flat
# from 0.1 M to 1 M (issue 3); >= 2 M packets/s and faster than tcpdump -nn (issue 17).
# tcpdump -nn slows down as the distinct connections of a file add up (5 s for the 0.1 M file,
# over 3 minutes for the 1 M one on the machine of issue 17): CATCH_BENCH_NN_MAX=100000 skips
# it for larger files. CATCH_BENCH_SIZES="1000000 3000000" replays other sizes.
# Then (issue 17, root only) the RSS of an idle live catch: goal < 64 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
TRAWL="node dist/shared/main.js"
work=$(mktemp -d /tmp/trawl-catch-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

(umask 077; echo 000102030405060708090a0b0c0d0e0f > "$work/k.key")   # catch refuses a key others can read

# Frames are patched from one template (target address, ports, ack, IP checksum); ISNs and source
# ports come from the native SipHash so that a million of them take a second, not a minute.
gen() {
  node - "$1" "$2" <<'EOF'
const fs = require('fs');
const P = require('./dist/test/packets.js');
const N = require('./dist/native/index.js').loadNative();
const [n, out] = [Number(process.argv[2]), process.argv[3]];
const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const US = P.ipToU32('198.18.0.1'), BASE = 32768, COUNT = 61000 - 32768 + 1, G = Math.floor(COUNT / 16);
const m12 = Buffer.alloc(12), m11 = Buffer.alloc(11);
const tmpl = P.ether(P.tcp({ src: '198.18.0.2', dst: '198.18.0.1', sport: 80, dport: 40000, seq: 1, ack: 1, flags: 'SA', window: 65160, ttl: 64,
  options: { mss: 1460, sackOk: true, ts: [1, 0], wscale: 7 } }));
const rec = 16 + tmpl.length;
const buf = Buffer.alloc(24 + n * rec);
buf.writeUInt32LE(0xa1b2c3d4, 0); buf.writeUInt16LE(2, 4); buf.writeUInt16LE(4, 6); buf.writeUInt32LE(65535, 16); buf.writeUInt32LE(1, 20);
for (let i = 0; i < n; i++) {
  const t = (0xc6140000 + i) >>> 0;               // 198.20.0.0 + i
  const dport = 80;
  m11[0] = 1; m11.writeUInt32BE(US, 1); m11.writeUInt32BE(t, 5); m11.writeUInt16BE(dport, 9);
  const g = Number(N.siphash24(key, m11) & 0xffffffffn);
  const sport = BASE + (g % G) * 16 + 1;
  m12.writeUInt32BE(US, 0); m12.writeUInt32BE(t, 4); m12.writeUInt16BE(sport, 8); m12.writeUInt16BE(dport, 10);
  const isn = Number(N.siphash24(key, m12) & 0xffffffffn);
  const o = 24 + i * rec;
  buf.writeUInt32LE(1700000000 + Math.floor(i / 1e6), o); buf.writeUInt32LE(i % 1e6, o + 4);
  buf.writeUInt32LE(tmpl.length, o + 8); buf.writeUInt32LE(tmpl.length, o + 12);
  const f = o + 16;
  buf.set(tmpl, f);
  buf.writeUInt32BE(t, f + 26);
  buf.writeUInt16BE(0, f + 24);
  let s = 0;
  for (let k = 14; k < 34; k += 2) s += buf.readUInt16BE(f + k);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  buf.writeUInt16BE(~s & 0xffff, f + 24);
  buf.writeUInt16BE(sport, f + 36);
  buf.writeUInt32BE(i * 7919 >>> 0, f + 38);
  buf.writeUInt32BE((isn + 1) >>> 0, f + 42);
}
fs.writeFileSync(out, buf);
EOF
}

# Prints "wall_seconds cpu_seconds max_rss_kb" of a command whose stdout goes to /dev/null.
measure() {
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > /dev/null 2> "$work/err" || { cat "$work/err"; return 1; }
  awk '{ print $1, $2 + $3, $4 }' "$work/time"
}

# row N TOOL WALL CPU RSS_KB [TRAWL_WALL TRAWL_CPU]: one line of the table; with trawl's
# figures, how many times faster trawl was (wall, and CPU when the tool took 10 ms or more).
row() {
  awk -v n="$1" -v tool="$2" -v w="$3" -v c="$4" -v rss="$5" -v tw="${6:-}" -v tc="${7:-}" 'BEGIN {
    pw = w > 0 ? n / w : 0; pc = c > 0 ? n / c : 0;
    xw = (tw != "" && tw > 0) ? sprintf("%.2fx", w / tw) : "-";
    xc = (tc != "" && tc > 0 && c >= 0.01) ? sprintf("%.2fx", c / tc) : "-";
    printf "%-8d %-28s %7.2f %7.2f %10.0f %10.0f %7.1f %9s %9s\n", n, tool, w, c, pw, pc, rss / 1024, xw, xc }'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (wall figures suffer on a busy machine; CPU figures less)"
printf '%-8s %-28s %7s %7s %10s %10s %7s %9s %9s\n' packets command wall_s cpu_s pps_wall pps_cpu rss_MB trawl_x trawl_xcpu
for n in ${CATCH_BENCH_SIZES:-100000 1000000}; do
  f="$work/synack-$n.pcap"
  gen "$n" "$f"
  read -r ts tcpu trss < <(measure $TRAWL catch --pcap "$f" --key-file "$work/k.key" -q)
  got=$($TRAWL catch --pcap "$f" --key-file "$work/k.key" -q | wc -l)
  [ "$got" -eq "$n" ] || { echo "catch reported $got of $n open ports"; exit 1; }
  row "$n" "trawl catch" "$ts" "$tcpu" "$trss"
  read -r w c r < <(TRAWL_NO_NATIVE_DEDUP=1 measure $TRAWL catch --pcap "$f" --key-file "$work/k.key" -q)
  row "$n" "trawl catch NO_NATIVE_DEDUP" "$w" "$c" "$r" "$ts" "$tcpu"
  read -r w c r < <(TRAWL_NO_NATIVE_DEDUP=1 TRAWL_NO_PREFETCH=1 measure $TRAWL catch --pcap "$f" --key-file "$work/k.key" -q)
  row "$n" "trawl catch +NO_PREFETCH" "$w" "$c" "$r" "$ts" "$tcpu"
  read -r w c r < <(TRAWL_NO_FAST=1 measure $TRAWL catch --pcap "$f" --key-file "$work/k.key" -q)
  row "$n" "trawl catch TRAWL_NO_FAST=1" "$w" "$c" "$r" "$ts" "$tcpu"
  if command -v tcpdump > /dev/null; then
    read -r w c r < <(measure tcpdump -r "$f" -w /dev/null)
    row "$n" "tcpdump -w /dev/null" "$w" "$c" "$r" "$ts" "$tcpu"
    if [ "$n" -le "${CATCH_BENCH_NN_MAX:-$n}" ]; then
      read -r w c r < <(measure tcpdump -r "$f" -nn)
      row "$n" "tcpdump -nn > /dev/null" "$w" "$c" "$r" "$ts" "$tcpu"
    fi
  else
    echo "tcpdump is not installed (apt-get install tcpdump): no peer figure"
  fi
  rm -f "$f"
done
echo "(trawl: catch --pcap F --key-file K -q > /dev/null, every packet a valid SYN-ACK, all reported;"
echo " tcpdump: tcpdump -r F -w /dev/null and tcpdump -r F -nn > /dev/null; times from /usr/bin/time, node"
echo " start-up included; cpu = user + sys; trawl_x = the command's time / trawl catch's: > 1 means trawl is faster)"

# Idle live catch (issue 17): `catch -i` on one end of a veth pair in a namespace of its own,
# nothing arriving, its RSS read after 3 s from /proc/PID/status, and its parts from
# /proc/PID/smaps: the capture ring (the packet socket's mapping, resident from the start),
# node's own binary (file pages, shared with every other node process), anonymous memory (V8's
# heap and malloc), the rest (libraries). Node itself idle, for scale. With the former fixed
# 32 MiB ring and eager module loading it was 88 MB.
idle_rss() {   # idle_rss NS IFACE [catch options]: "rss_kb ring_kb node_kb anon_kb other_kb"
  local ns=$1 ifc=$2; shift 2
  ip netns exec "$ns" $TRAWL catch -i "$ifc" --key-file "$work/k.key" "$@" > /dev/null 2> "$work/idle.err" &
  local pid=$!
  sleep 3
  local rss; rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  awk -v rss="$rss" '/^[0-9a-f]+-[0-9a-f]+ / { n = NF >= 6 ? $6 : "" } /^Rss:/ {
      if (n ~ /^socket:/) r += $2; else if (n ~ /\/node$/) b += $2; else if (n == "" || n ~ /^\[(heap|anon)/) a += $2; else o += $2 }
    END { print rss, r + 0, b + 0, a + 0, o + 0 }' "/proc/$pid/smaps"
  kill "$pid"; wait "$pid" 2> /dev/null || true
}
if [ "$(id -u)" = 0 ] && [ -f native/build/Release/trawl_native.node ]; then
  ns=tcidle$$
  ip netns add "$ns"
  trap 'ip netns del "$ns" 2> /dev/null; rm -rf "$work"' EXIT
  ip -n "$ns" link add tcidle0 type veth peer name tcidle1
  ip -n "$ns" addr add 198.18.0.1/24 dev tcidle0
  ip -n "$ns" link set tcidle0 up; ip -n "$ns" link set tcidle1 up
  node -e 'setTimeout(() => {}, 3500)' & npid=$!; sleep 3
  node_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$npid/status"); wait "$npid"
  echo
  printf '%-44s %8s %8s %8s %8s %8s\n' "idle live catch (RSS after 3 s, MB)" rss ring node_bin anon other
  for opts in "" "--rate 10k" "--rate 100k --snaplen 3968"; do
    # shellcheck disable=SC2086
    read -r rss ring bin anon other < <(idle_rss "$ns" tcidle0 $opts)
    awk -v t="catch -i IF ${opts:-(defaults)}" -v a="$rss" -v b="$ring" -v c="$bin" -v d="$anon" -v e="$other" \
      'BEGIN { printf "%-44s %8.1f %8.1f %8.1f %8.1f %8.1f\n", t, a / 1024, b / 1024, c / 1024, d / 1024, e / 1024 }'
    [ -z "$opts" ] && def_rss=$rss
  done
  awk -v k="$node_kb" 'BEGIN { printf "%-44s %8.1f\n", "node -e setTimeout (node alone)", k / 1024 }'
  echo "idle catch RSS $(awk -v k="$def_rss" 'BEGIN { printf "%.1f", k / 1024 }') MB: goal < 64 MB $(awk -v k="$def_rss" 'BEGIN { print (k < 64 * 1024 ? "met" : "NOT met") }')"
  echo "(ring: the packet socket's mapping, sized by --rate; node_bin: /usr/bin/node's pages, shared"
  echo " between node processes; anon: V8's heap and malloc; other: libraries, libpcap, the addon)"
  ip netns del "$ns"
else
  echo "idle live catch: skipped (needs root for a network namespace, and the native module: make build)"
fi
