#!/usr/bin/env bash
# make demo: a namespace testbed with real listeners, a filtered range and closed ports, scanned
# by `trawl scan`, results printed, namespaces removed (also on failure or Ctrl-C). Run as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
TRAWL="node dist/shared/main.js"
name=demo$$
[ "$(id -u)" = 0 ] || { echo "make demo: needs root (it creates network namespaces)" >&2; exit 1; }

cleanup() { bash test/testbed.sh down "$name"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== testbed: scanner namespace $name-s, target namespace $name-t (198.18.0.0/16 local there)"
eval "$(bash test/testbed.sh up "$name" --drop 198.18.0.128/26)"
# Real services, started inside the target namespace (the testbed's down ends them by pid).
fifo=$(mktemp -u); mkfifo "$fifo"
ip netns exec "$TARGET_NS" python3 test/demo/services.py >"$fifo" 2>/dev/null </dev/null &
read -r -t 10 line <"$fifo" || true; rm -f "$fifo"
[ "${line:-}" = ready ] || { echo "demo services did not start" >&2; exit 1; }

echo "   open:     21 ftp, 22 ssh, 25 smtp, 80 and 8080 http on every address"
echo "   closed:   443, 3306 (the kernel answers RST)"
echo "   filtered: 198.18.0.128/26 (nft drops everything there)"
echo
ports=21,22,25,80,443,3306,8080
range=198.18.0.0/24
banners=()
# Banners need a source address the kernel does not own (catch answers ARP for it), or the
# kernel would reset every connection before the server speaks.
if [ -f dist/cmds/banners.js ]; then banners=(--banners --source-ip 198.19.0.77); fi
out=$(mktemp)
echo "== $TRAWL scan $range -p $ports -i $SCAN_IF --rate 5000 --cooldown 2 --seed 1 ${banners[*]}"
start=$(date +%s%N)
ip netns exec "$SCAN_NS" $TRAWL scan "$range" -p "$ports" -i "$SCAN_IF" --rate 5000 --cooldown 2 --seed 1 -q \
  "${banners[@]}" >"$out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo
echo "== results: $(wc -l <"$out") records in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s"
node -e '
const recs = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const by = {};
for (const r of recs) { const k = `${r.type}`.padEnd(8) + ` port ${r.port}`; by[k] = (by[k] || 0) + 1; }
for (const k of Object.keys(by).sort()) console.log(`   ${k.padEnd(22)} ${by[k]} hosts`);
const filtered = new Set(recs.filter((r) => { const o = +r.ip.split(".")[3]; return o >= 128 && o < 192; }).map((r) => r.ip));
console.log(`   answers from the filtered 198.18.0.128/26: ${filtered.size}`);
const seen = new Set();
for (const r of recs) {
  if (r.type !== "banner" || seen.has(r.port)) continue;
  seen.add(r.port);
  const text = Buffer.from(r.data, "base64").toString("latin1").split("\r\n")[0].replace(/[^\x20-\x7e]/g, ".");
  console.log(`   banner ${String(r.port).padEnd(5)} ${r.ip.padEnd(13)} ${r.service ? `[${r.service}] ` : ""}${text.slice(0, 70)}`);
}
const one = recs.find((r) => r.type === "open");
if (one) console.log("\n== one record as it comes out of trawl scan:\n" + JSON.stringify(one));
' "$out"
rm -f "$out"
