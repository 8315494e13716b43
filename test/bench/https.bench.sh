#!/usr/bin/env bash
# HTTPS benchmark (issue 11): nginx (test/servers.sh: 443 TLS 1.2-1.3, 8443 TLS 1.2 only, an RSA
# certificate) answers for every address of HTTPS_BENCH_RANGE in the namespace testbed. Three
# ways to get the HTTP response behind TLS from every port, one after the other in one run:
#   trawl    scan --banners --probe 443,8443:https, one stateless pass (SYN, ClientHello, our
#            second flight from banners, the response);
#   masscan  --banners on the same ports (Debian's 1.3.2): it has no HTTPS, so it can only show
#            certificates; its count of HTTP responses is the comparison the issue asks for;
#   curl     the stateful reference: `curl -k` per target through the kernel, HTTPS_BENCH_CURL_P
#            at once (xargs -P), the budget of concurrent connections.
# Printed for each: wall time, open ports, HTTPS responses (an HTTP status from inside TLS),
# coverage (responses / open ports), peak RSS. Goal: trawl >= 98% coverage when the server is
# not the bottleneck, in less time than curl.
# Then the share of targets that are TLS servers goes 0 -> 100% (the rest are dropped silently)
# and the peak RSS of banners, which holds the handshakes, is printed for each share.
#   HTTPS_BENCH_RANGE (default 198.18.0.0/22)   HTTPS_BENCH_RATE (default 1000 SYNs/s)
#   HTTPS_BENCH_CURL_P (default 64)             HTTPS_BENCH_SHARES (default "0 50 100")
set -euo pipefail
cd "$(dirname "$0")/../.."
RANGE=${HTTPS_BENCH_RANGE:-198.18.0.0/22}
RATE=${HTTPS_BENCH_RATE:-1000}
CURL_P=${HTTPS_BENCH_CURL_P:-64}
SHARES=${HTTPS_BENCH_SHARES:-0 50 100}
PORTS=443,8443
[ "$(id -u)" = 0 ] || { echo "https bench: needs root (network namespaces)"; exit 1; }
[ -f native/build/Release/trawl_native.node ] || { echo "https bench: native module not built (make build)"; exit 1; }

NAME=htb$$
tmp=$(mktemp -d /tmp/trawl-https-bench-XXXXXX)
chmod 755 "$tmp"
cleanup() {
  bash test/servers.sh down "$NAME-t" "$tmp/srv" > /dev/null 2>&1 || true
  bash test/testbed.sh down "$NAME" || true
  [ -n "${HTTPS_BENCH_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
TRAWL="node $PWD/dist/shared/main.js"

# 198.18.16.0/20 is dropped: targets there never answer (the memory run's silent share).
eval "$(bash test/testbed.sh up "$NAME" --drop 198.18.16.0/20)"
SERVERS_NICE="${HTTPS_BENCH_SERVER_NICE:-10}" bash test/servers.sh up "$TARGET_NS" "$tmp/srv" nginx > "$tmp/versions"
# The server shares the scanner's 2 cores here (on a real network it would not): niced, in a
# session of its own so that the nice holds against scan's stages too (test/servers.sh
# SERVERS_NICE), its RSA signatures use what the scanners leave, the same for all three.
echo "servers: $(tr '\n' ' ' < "$tmp/versions"); range $RANGE, ports $PORTS, $RATE SYNs/s"

source test/bench/lib.sh   # tcpext, now, rss_mb
declare -A WALL OPEN GOT RSS
measure_start() { o0=$(tcpext ListenOverflows); t0=$(now); }
measure_end() { WALL[$1]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }'); echo "  ListenOverflows during $1: $(( $(tcpext ListenOverflows) - o0 ))"; }
report() {
  local n=$1
  printf '  %-8s wall %6.1f s  open %6s  HTTPS responses %6d  coverage %6s  peak RSS %7s MB\n' "$n" "${WALL[$n]}" "${OPEN[$n]}" "${GOT[$n]}" \
    "$(awk -v b="${GOT[$n]}" -v o="${OPEN[$n]}" 'BEGIN { printf "%.1f%%", o ? 100 * b / o : 0 }')" "${RSS[$n]}"
}

# --- trawl: one pass. A source address the kernel does not own (catch answers ARP).
cmd="$TRAWL scan $RANGE -p $PORTS --probe $PORTS:https --banners --no-service-probes -i $SCAN_IF --source-ip 198.19.0.77 --rate $RATE --cooldown 3 --seed 1"
echo "trawl:   $cmd"
measure_start
ip netns exec "$SCAN_NS" /usr/bin/time -f %M -o "$tmp/trawl.rss" $cmd > "$tmp/trawl.ndjson" 2> "$tmp/trawl.err" \
  || { echo "  trawl scan failed: $(tail -3 "$tmp/trawl.err")"; exit 1; }
measure_end trawl
OPEN[trawl]=$(grep -c '"type":"open"' "$tmp/trawl.ndjson" || true)
GOT[trawl]=$(grep '"type":"banner"' "$tmp/trawl.ndjson" | grep '"service":"https"' | grep -c '"http_status":' || true)
RSS[trawl]=$(rss_mb "$tmp/trawl.rss")
grep -E '^trawl (blast|catch|banners):' "$tmp/trawl.err" | sed 's/^/  /' || true
node -e '
  const recs = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.includes("\"type\":\"banner\"")).map((l) => JSON.parse(l));
  const by = (k) => { const m = new Map(); for (const r of recs) m.set(r[k], (m.get(r[k]) || 0) + 1); return [...m].map(([v, n]) => `${v} ${n}`).join(", "); };
  console.log(`  trawl banners: services ${by("service")}; TLS versions ${by("tls_version")}; HTTP status ${by("http_status")}`);
' "$tmp/trawl.ndjson"
sleep 3

# --- masscan: certificates at best; HTTP responses behind TLS: none.
cmd="masscan $RANGE -p$PORTS --banners --rate $RATE -e $SCAN_IF --source-ip 198.19.0.78 --router-mac $ROUTER_MAC --wait 3 -oL $tmp/masscan.txt"
echo "masscan: $cmd"
measure_start
ip netns exec "$SCAN_NS" /usr/bin/time -f %M -o "$tmp/masscan.rss" $cmd > "$tmp/masscan.out" 2>&1 || echo "  masscan failed: $(tail -3 "$tmp/masscan.out")"
measure_end masscan
OPEN[masscan]=$(awk '$1 == "open" { print $4 ":" $3 }' "$tmp/masscan.txt" | sort -u | wc -l)
# An HTTP status line in a banner of a TLS port would be an HTTPS response; masscan has none.
GOT[masscan]=$(awk '$1 == "banner" && $6 == "http" { print $4 ":" $3 }' "$tmp/masscan.txt" | sort -u | wc -l)
RSS[masscan]=$(rss_mb "$tmp/masscan.rss")
echo "  masscan X509 banners: $(awk '$1 == "banner" && $6 == "X509" { print $4 ":" $3 }' "$tmp/masscan.txt" | sort -u | wc -l)"
sleep 3

# --- curl -k through the kernel, CURL_P at once: the stateful reference, over the ports trawl
# found open (the same targets; a closed port costs curl nothing worth counting here).
grep '"type":"open"' "$tmp/trawl.ndjson" | sed 's/.*"ip":"\([^"]*\)","port":\([0-9]*\).*/\1:\2/' > "$tmp/open.txt"
echo "curl:    xargs -P $CURL_P curl -sk --max-time 10 -o /dev/null -w '%{http_code}' https://IP:PORT/ (over the $(wc -l < "$tmp/open.txt") open ports)"
measure_start
ip netns exec "$SCAN_NS" /usr/bin/time -f %M -o "$tmp/curl.rss" bash -c \
  "xargs -P $CURL_P -I{} curl -sk --max-time 10 -o /dev/null -w '%{http_code}\n' https://{}/ < $tmp/open.txt > $tmp/curl.codes" || true
measure_end curl
OPEN[curl]=$(wc -l < "$tmp/open.txt")
GOT[curl]=$(grep -cv '^000$' "$tmp/curl.codes" || true)
RSS[curl]=$(rss_mb "$tmp/curl.rss")   # of xargs and the largest curl it waited for (per process, not summed)

echo "results:"
report trawl; report masscan; report curl
awk -v t="${WALL[trawl]}" -v c="${WALL[curl]}" -v bt="${GOT[trawl]}" -v bc="${GOT[curl]}" \
  'BEGIN { printf "  trawl/curl: HTTPS responses %.3fx, wall time %.2fx (trawl includes its SYN scan and 3 s cooldown)\n", bc ? bt / bc : 0, c ? t / c : 0 }'

# --- banners' memory as the share of TLS servers among the targets goes 0 -> 100%.
echo "memory vs share of targets that are TLS servers (the same number of targets each time, one pass each):"
$TRAWL targets "$RANGE" -p "$PORTS" --seed 2 -q > "$tmp/served.ndjson"
$TRAWL targets 198.18.16.0/20 -p "$PORTS" --seed 2 -q | head -n "$(wc -l < "$tmp/served.ndjson")" > "$tmp/dropped.ndjson"
total=$(wc -l < "$tmp/served.ndjson")
$TRAWL key --force "$tmp/k.key"
for share in $SHARES; do
  n=$(( total * share / 100 ))
  { head -n "$n" "$tmp/served.ndjson"; head -n $(( total - n )) "$tmp/dropped.ndjson"; } | shuf --random-source=<(yes) > "$tmp/mix.ndjson"
  rm -f "$tmp/q.fifo"; mkfifo -m 600 "$tmp/q.fifo"
  ip netns exec "$SCAN_NS" bash -c "
    ( $TRAWL catch -i $SCAN_IF --key-file $tmp/k.key --replies $tmp/q.fifo --source-ip 198.19.0.77 --idle 4 -q |
      /usr/bin/time -f %M -o $tmp/banners.rss $TRAWL banners --key-file $tmp/k.key --replies $tmp/q.fifo --no-service-probes -q > $tmp/mix.out ) &
    sleep 1
    $TRAWL blast --key-file $tmp/k.key --replies $tmp/q.fifo --source-ip 198.19.0.77 --probe $PORTS:https --rate $RATE --linger 3 -q < $tmp/mix.ndjson
    wait" 2> "$tmp/mix.err" || { echo "  share $share%: pipeline failed: $(tail -3 "$tmp/mix.err")"; continue; }
  b=$(grep '"service":"https"' "$tmp/mix.out" | grep -c '"http_status":' || true)
  printf '  %3d%% TLS servers: %6d HTTPS responses of %6d targets that answer  banners peak RSS %6s MB\n' "$share" "$b" "$n" "$(rss_mb "$tmp/banners.rss")"
  sleep 2
done
