#!/usr/bin/env bash
# What the default probe of 443 and 8443 costs in packets (trawl-probes(7), https): the same ports
# scanned with --probe P:tls (the default before), P:https (the default: tls's hello, then the
# page) and P:tls,https (two connections), each port's packets counted both ways by nft in the
# target namespace, with what each gives (certificate, HTTP status). Servers (test/servers.sh):
# nginx 443 (TLS 1.2-1.3, RSA) and 8443 (TLS 1.2 only), openssl s_server 4430 (TLS 1.0 only) and
# 4433 (-www, ECDSA); 9 is closed (the kernel's RST) and 198.18.16.1 dropped (no answer: most of
# an Internet scan's targets), where a probe costs its SYNs alone.
#   HTTPS_DEFAULT_BENCH_ROUNDS (default 1): scans of each mode (counts are per scan, averaged).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${HTTPS_DEFAULT_BENCH_ROUNDS:-1}
PORTS=(443 8443 4430 4433 9)
[ "$(id -u)" = 0 ] || { echo "https-default bench: needs root (network namespaces)"; exit 1; }
[ -f native/build/Release/trawl_native.node ] || { echo "https-default bench: native module not built (make build)"; exit 1; }

NAME=hdb$$
tmp=$(mktemp -d /tmp/trawl-https-default-XXXXXX)
chmod 755 "$tmp"
cleanup() {
  bash test/servers.sh down "$NAME-t" "$tmp/srv" > /dev/null 2>&1 || true
  bash test/testbed.sh down "$NAME" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
TRAWL="node $PWD/dist/shared/main.js"

eval "$(bash test/testbed.sh up "$NAME" --drop 198.18.16.0/24)"
bash test/servers.sh up "$TARGET_NS" "$tmp/srv" nginx openssl > "$tmp/versions"
# One counter per port and direction; the dropped address's SYNs on their own.
rules=""
for p in "${PORTS[@]}"; do
  rules+="counter in$p {}
    counter out$p {}
"
done
chain_in="" chain_out=""
for p in "${PORTS[@]}"; do
  chain_in+="      ip saddr 198.19.0.0/24 ip daddr 198.18.9.1 tcp dport $p counter name in$p
"
  chain_out+="      ip daddr 198.19.0.0/24 ip saddr 198.18.9.1 tcp sport $p counter name out$p
"
done
ip netns exec "$TARGET_NS" nft -f - <<EOF
table inet hdb {
  $rules
  counter dropped {}
  chain pre { type filter hook prerouting priority -300; policy accept;
$chain_in      ip saddr 198.19.0.0/24 ip daddr 198.18.16.1 counter name dropped
  }
  chain out { type filter hook output priority 0; policy accept;
$chain_out  }
}
EOF
take() { ip netns exec "$TARGET_NS" nft reset counter inet hdb "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

list=$(IFS=,; echo "${PORTS[*]}")
echo "servers: nginx 443 (TLS 1.2-1.3) and 8443 (TLS 1.2), s_server 4430 (TLS 1.0) and 4433 (-www ECDSA), 9 closed, 198.18.16.1 dropped; $ROUNDS round(s); load: $(uptime | sed 's/.*load/load/')"
printf '  %-10s %-6s %8s %8s   %s\n' mode port "to srv" "from srv" "banners (probe service cert http_status)"
for mode in tls https tls,https; do
  for p in "${PORTS[@]}"; do take "in$p" > /dev/null; take "out$p" > /dev/null; done
  take dropped > /dev/null
  for r in $(seq "$ROUNDS"); do
    ip netns exec "$SCAN_NS" $TRAWL scan 198.18.9.1 198.18.16.1 -p "$list" --probe "$list:$mode" --banners --no-service-probes \
      -i "$SCAN_IF" --source-ip 198.19.0.78 --rate 1000 --cooldown 3 --seed 3 -q > "$tmp/$mode.ndjson"
  done
  for p in "${PORTS[@]}"; do
    got=$(node -e '
      const [f, port] = process.argv.slice(1);
      const recs = require("fs").readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
      console.log(recs.filter((r) => r.type === "banner" && r.ip === "198.18.9.1" && r.port === +port)
        .map((b) => `${b.probe} ${b.service} ${b.cert_subject_cn ? "cert" : "-"} ${b.http_status ?? "-"}`).join("; ") || "none");
    ' "$tmp/$mode.ndjson" "$p")
    printf '  %-10s %-6s %8s %8s   %s\n' "$mode" "$p" "$(( $(take "in$p") / ROUNDS ))" "$(( $(take "out$p") / ROUNDS ))" "$got"
  done
  printf '  %-10s %-6s %8s %8s   %s\n' "$mode" dropped "$(( $(take dropped) / ROUNDS ))" 0 "(SYNs to 5 ports of a silent address)"
done
