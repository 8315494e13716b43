#!/usr/bin/env bash
# make bench (issue 17): records/s through `trawl banners` over a stream of real banner records
# (the project's captured fixtures, test/fixtures/banners, mixed: ssh, ftp, smtp, http, tls,
# redis ...; BANNERS_RATE_RECORDS of them, default 200,000), without and with nmap's
# --service-probes, at --jobs 1 and 2, side by side with `jq -c .` parsing and printing the same
# stream. Twice: as captured (every host of a kind sends the same bytes, as a CDN's or a vendor's
# default certificate does) and with every TLS certificate made unique (a byte of its signature
# changed per record), so the certificate memo of shared/tls/cert.ts cannot help.
# Goals: >= 100 k records/s without probes and >= 50 k/s with nmap's file on one core, and
# near-linear with --jobs (on this 2-core machine the jobs share the cores with the router).
# Figures (branch banners-speed, 2026-12-05, 2 cores shared with other work, load 2.9-3.5): CPU
# seconds for 200k records, the smallest of 1-2 runs interleaved with main's build and jq:
#   as captured, --no-service-probes   main 7.04-7.05  this 5.63-6.05  jq 5.17-5.90  (0.73-0.84x -> 0.85-1.05x jq)
#   as captured, nmap's file           main 13.75-18.63  this 11.56-16.83  (0.36-0.37x -> 0.41-0.43x jq)
#   unique certificates, no probes     main 13.84  this 11.09  jq 5.20  (0.38x -> 0.47x jq)
#   unique certificates, nmap's file   main 20.72  this 15.84  jq 4.76  (0.23x -> 0.30x jq)
# Where the time goes now (--cpu-prof over 40k records, no probes): JSON.stringify of the records
# out 11%, GC 6%, JSON.parse 4%, reading 4%, the parsers and the record built ~60%; with nmap's
# file add compiling the rules (about 1.3 s per process, and per --jobs worker) and RE2.Set passes
# (~9 us per banner; an HTTP response meets GetRequest's 4,425 rules that start with H); with
# unique certificates, node's X509Certificate (~20%) and the self-signature check (~3%).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${BANNERS_RATE_RECORDS:-200000}
NMAP=/usr/share/nmap/nmap-service-probes
TRAWL="node dist/shared/main.js"
dir=$(mktemp -d /tmp/trawl-banners-rate.XXXXXX)
trap 'rm -rf "$dir"' EXIT

gen() {   # gen N UNIQUE
  node -e '
    const fs = require("fs"), path = require("path");
    const [n, unique] = [+process.argv[1], process.argv[2] === "1"];
    const DIR = "test/fixtures/banners";
    const PORT = { ftp: 21, ssh: 22, smtp: 25, http: 80, tls: 443, tls12: 443, tls13: 443, imap: 143, pop3: 110, redis: 6379, memcached: 11211, mqtt: 1883, postgres: 5432, mysql: 3306, smb2: 445, telnet: 23 };
    const PROBE = { http: "http", tls: "tls", tls12: "tls", tls13: "tls", redis: "redis", memcached: "memcached", mqtt: "mqtt", postgres: "postgres", smb2: "smb" };
    // The offset of the last byte of the first certificate in a TLS 1.2 server flight, or -1.
    const certEnd = (b) => {
      for (let o = 0; o + 5 <= b.length && b[o] === 22;) {
        const len = b.readUInt16BE(o + 3);
        for (let h = o + 5; h + 4 <= o + 5 + len;) {
          const hl = b.readUIntBE(h + 1, 3);
          if (b[h] === 11) return h + 4 + 3 + 3 + b.readUIntBE(h + 7, 3) - 1;
          h += 4 + hl;
        }
        o += 5 + len;
      }
      return -1;
    };
    const fx = fs.readdirSync(DIR).filter((f) => f.endsWith(".bin")).sort().map((f) => {
      const b = fs.readFileSync(path.join(DIR, f)), w = f.split("-")[0];
      return { b, probe: PROBE[w] ?? "null", port: PORT[w] ?? 80, cert: certEnd(b) };
    });
    let out = [];
    for (let i = 0; i < n; i++) {
      const f = fx[i % fx.length];
      let b = f.b;
      if (unique && f.cert > 0) { b = Buffer.from(b); b.writeUInt32BE(i >>> 0, f.cert - 7); }
      out.push(JSON.stringify({ type: "banner", ip: `198.${18 + (i >> 16 & 1)}.${i >> 8 & 255}.${i & 255}`, port: f.port, sport: 40000 + (i % 20000), ttl: 64, time_us: 1763800000000000 + i * 10, probe: f.probe, data: b.toString("base64"), len: b.length, flags: "PA" }));
      if (out.length === 1000) { process.stdout.write(out.join("\n") + "\n"); out = []; }
    }
    if (out.length) process.stdout.write(out.join("\n") + "\n");' "$1" "$2"
}

measure() {   # measure IN CMD...: wall s, CPU s, peak MB
  local in=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$dir/t" "$@" < "$in" > /dev/null
  read -r secs user sys kb < "$dir/t"
  echo "$secs $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $((kb / 1024))"
}
per() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%d", n / (s > 0 ? s : 0.01) }'; }

echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $N records"
for unique in 0 1; do
  gen "$N" $unique > "$dir/in.ndjson"
  echo "--- $([ $unique = 1 ] && echo 'every certificate unique' || echo 'as captured') ($(($(stat -c %s "$dir/in.ndjson") / 1048576)) MB)"
  printf '%-52s %10s %10s %8s %9s\n' "command" "records/s" "rec/CPU-s" "peak MB" "vs jq"
  read -r secs cpu mb < <(measure "$dir/in.ndjson" jq -c .)
  jq_rate=$(per "$N" "$secs")
  printf '%-52s %10s %10s %8s %9s\n' "jq -c . (peer)" "$jq_rate" "$(per "$N" "$cpu")" "$mb" "1.00x"
  for probes in "--no-service-probes" "--service-probes $NMAP"; do
    [ "$probes" = "--no-service-probes" ] || [ -f "$NMAP" ] || continue
    for jobs in 1 2; do
      read -r secs cpu mb < <(measure "$dir/in.ndjson" $TRAWL banners -q $probes --jobs $jobs)
      rate=$(per "$N" "$secs")
      printf '%-52s %10s %10s %8s %9s\n' "trawl banners ${probes%% *} --jobs $jobs" "$rate" "$(per "$N" "$cpu")" "$mb" \
        "$(awk -v a="$rate" -v b="$jq_rate" 'BEGIN { printf "%.2fx", a / b }')"
    done
  done
done
echo "goals: >= 100000 records/s without probes, >= 50000 with nmap's file (--jobs 1); --jobs 2 near 2x --jobs 1"
