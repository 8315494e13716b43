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
# Figures (branch banners-fast, 2026-12-05, 2 cores shared with other work): main's bench at load
# 0.7-1.3, then this branch's twice at load 0.0-1.7; records/s (wall), records per CPU second, and
# the ratio to jq's wall rate in the same run:
#                                       main                        this
#   as captured, no probes, --jobs 1    41,580/s 37,383/CPU-s 1.00x  105,820-109,289/s  96-102 k/CPU-s 2.71-2.96x
#   as captured, no probes, --jobs 2    54,054/s 28,860/CPU-s 1.30x  102,564-118,343/s  62-72 k/CPU-s  2.63-3.21x
#   as captured, nmap's file, --jobs 1  18,552/s 16,666/CPU-s 0.45x   60,606-66,445/s   50-55 k/CPU-s  1.64-1.70x
#   as captured, nmap's file, --jobs 2  26,845/s 13,898/CPU-s 0.65x   55,710-68,027/s   31-38 k/CPU-s  1.51-1.74x
#   unique certs, no probes, --jobs 1   23,014/s 21,164/CPU-s 0.51x   30,165-35,778/s   27-32 k/CPU-s  0.88-0.92x
#   unique certs, no probes, --jobs 2   31,847/s 16,556/CPU-s 0.71x   40,404-48,309/s   21-26 k/CPU-s  1.17-1.24x
#   unique certs, nmap's file, --jobs 1 14,035/s 12,919/CPU-s 0.31x   25,157-26,809/s   22-24 k/CPU-s  0.69-0.73x
#   unique certs, nmap's file, --jobs 2 20,202/s 10,660/CPU-s 0.45x   32,467-34,071/s   17-18 k/CPU-s  0.87-0.94x
# Merged into main with the waiting line of conversations (2026-12-06, load 1.6-3.8), as captured:
# no probes 85,836-96,153/s at --jobs 1; nmap's file 46,082-46,948/s with 300-324 MB while the line
# waited for --max-waiting 8192 records without --replies, then 55,401/s and 194 MB once that
# default became 1 (there are no conversations to keep going without --replies).
# (branch banners-speed before it: 0.73-0.84x -> 0.85-1.05x jq without probes, 0.36 -> 0.43x with.)
# What made the difference: many hosts send the same bytes, and the stream as captured is 21
# answers over and over: shared/parsers/banner-memo.ts parses, matches and serialises each
# distinct answer once (by data, probe and port; bounded), and a banner line is written as read
# plus its fields (shared/kept-lines.ts); nmap's anchored rules are parsed only for the first
# bytes banners start with (about half the compile). Where the time goes now (--cpu-prof, 40k
# records): without probes JSON.parse 10%, the memo's lookup (hashing the data string) 5-8%,
# building the record 8%, reading 6%, GC 5%, node's start 10%; with nmap's file compiling the
# rules used (~0.5 s: GetRequest's 4,425 rules starting with H are one RE2.Set compile per
# process, on the first HTTP response); with unique certificates, node's X509Certificate
# (~60 us a certificate, 26%) and the self-signature check (6%): the memo cannot help there.
# --jobs: every worker compiles the rules it needs again (RE2 objects cannot cross threads) and
# starts node's modules again (~0.2 s CPU each), and the router costs ~3 us a record, so with
# records at ~8 us of work and 2 shared cores, --jobs 2 gains little (and with nmap's file loses
# a little) in wall time; it pays off with costlier records (unique certificates: 30 -> 40 k/s).
# Output order with --jobs: per ip:port as read; different ip:ports interleave as jobs finish them.
# 2026-12-06, load 1.5-2.0, after the memo's sampled key and the memo's lines written without a
# record (shared/parsers/banner.ts memoLine): as captured, no probes 192,307/s (166,666/CPU-s,
# 5.67x jq) at --jobs 1, 131,578/s at --jobs 2; nmap's file 76,045/s at --jobs 1, 71,174/s at 2;
# unique certificates 31,796 -> 43,956/s (1.38x) and with nmap's file 24,067 -> 29,850/s (1.24x)
# from --jobs 1 to 2. One thread now costs ~5 us a remembered record, less than the router's
# reading, splitting and handing over of it (~3.5 us) plus each job's start: near-linear --jobs
# needs records that cost far more than that, or more cores than the two here.
# Stop 29: --jobs runs processes that each read the whole input and keep their ip:ports' lines
# (shared/jobs/pool.ts), instead of worker threads fed line by line. Runs interleaved (a file in,
# /dev/null out; this VM's speed swings by a third between runs, so compare neighbours):
#   every certificate unique, --jobs 1 -> 2: 8.87 -> 5.99 s, 7.86 -> 6.01 s, 7.95 -> 5.36 s
#   (1.31-1.48x; the threads gave 1.07-1.11x in the same session: 5.76-5.96 -> 5.33-5.39 s);
#   as captured: 1.44 -> 1.92 s, 1.80 -> 1.74 s, 1.73 -> 1.80 s (0.75-1.03x; threads 0.6x).
# Two independent `trawl banners` over the halves of the input pre-split by route.ts gave
# 1.3-1.5x (unique) and 1.2-1.3x (as captured) on the same machine: the ceiling here.
# The `cat | ... | cat` rows show the pipe path, where the pool copies the input to each job
# and forwards their output: 0.95-1.3x with unique certificates.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${BANNERS_RATE_RECORDS:-200000}
NMAP=/usr/share/nmap/nmap-service-probes
TRAWL="$PWD/dist/shared/main.js"   # as trawl runs: its shebang sets the heap flags (shared/node-flags.ts)
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
    # Through pipes (catch | banners | fmt): the jobs cannot read or write the files themselves,
    # so the pool copies the input to each job and forwards their output. CPU and peak MB here
    # are the shell's children: cat, trawl and its jobs.
    [ "$probes" = "--no-service-probes" ] || continue
    for jobs in 1 2; do
      read -r secs cpu mb < <(measure "$dir/in.ndjson" bash -c "cat | $TRAWL banners -q $probes --jobs $jobs | cat")
      rate=$(per "$N" "$secs")
      printf '%-52s %10s %10s %8s %9s\n' "cat | trawl banners ${probes%% *} --jobs $jobs | cat" "$rate" "$(per "$N" "$cpu")" "$mb" \
        "$(awk -v a="$rate" -v b="$jq_rate" 'BEGIN { printf "%.2fx", a / b }')"
    done
  done
done
echo "goals: >= 100000 records/s without probes, >= 50000 with nmap's file (--jobs 1); --jobs 2 near 2x --jobs 1"
