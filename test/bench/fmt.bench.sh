#!/usr/bin/env bash
# make bench: records/s through `trawl fmt -o xml` and `-o csv` on 1 M generated records, peak
# RSS at 0.1 M and 1 M (must stay flat, under 100 MB), side by side with `jq -c .` on the same
# input as a ratio; then -o text, -o report and -o sqlite on the same 1 M records, sqlite side by
# side with `sqlite3 .import` of the same rows as CSV into the same tables with the same indexes
# (goal: at least as fast), the report's peak RSS under 150 MB.
# FMT_BENCH_ONLY="sqlite" (or "text report"...) runs only those rows of the second part;
# FMT_BENCH_N=300000 runs that part on fewer records (for iterating; the goals are at 1 M).
# -o sqlite against sqlite3 .import of the same rows, tables and indexes (wall ratio, >= 1x is
# the goal; 2 cores shared with other jobs, load 4.5-4.9), 300 k records, min of 3 side by side:
# rows as flat arrays of values, every column bound: 0.65x (main thread 0.91 s CPU, writer 0.89 s,
# 143 MB); rows packed in a Float64Array and one string, a compiled row builder, only the filled
# columns bound: 0.75x (0.72 s, 0.69 s, 119 MB). At 1 M records (load 1.1-1.6), one run each
# side by side: before 0.75x (5.45 s against 4.08 s; threads 2.48 + 2.79 s CPU, 156 MB), after
# 0.94x (4.36 s; 1.77 + 2.13 s, 147 MB); this bench at load 0.8: 1.53x wall, 1.04x per CPU
# second, 148 MB. The goal is met only when both cores are free: the peer is one thread, trawl
# needs two (their CPU in all about the peer's), and at 1 M the writer (indexes at the end) is
# the longer one.
set -euo pipefail
cd "$(dirname "$0")/../.."
TRAWL="node dist/shared/main.js"
dir=$(mktemp -d /tmp/trawl-fmt-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT

# 1 M records: per address an open record and, for one in four, a banner (scan order:
# addresses spread, banners shortly after their SYN-ACK, as catch | banners writes them).
gen() {
  node -e '
    const n = +process.argv[1];
    const data = Buffer.from("HTTP/1.1 200 OK\r\nServer: nginx/1.22 <&>\r\n\r\n").toString("base64");
    const out = []; let w = 0;
    const flush = () => { process.stdout.write(out.join("")); out.length = 0; };
    for (let i = 0; w < n; i++) {
      const ip = `198.${18 + (i >> 16 & 1)}.${i >> 8 & 255}.${i & 255}`;
      const t = 1700000000000000 + i * 1000;
      out.push(JSON.stringify({ type: "open", ip, port: 80, sport: 40000 + (i & 8191), ttl: 64, window: 65160, ipid: i & 65535, options: "mss,sack,ts,nop,ws", time_us: t }) + "\n"); w++;
      if (i % 4 === 0 && w < n) { out.push(JSON.stringify({ type: "banner", ip, port: 80, sport: 40000 + (i & 8191), ttl: 64, time_us: t + 500, probe: "http-get", data, len: 44, flags: "PA", service: "http", product: "nginx", version: "1.22." + (i & 7), http_title: "Welcome " + (i & 63) }) + "\n"); w++; }
      if (i % 16 === 1 && w < n) { const c = (i >> 4) % 1000; out.push(JSON.stringify({ type: "banner", ip, port: 443, ttl: 64, time_us: t + 700, probe: "tls", data: "FgMDAA==", len: 4, flags: "PA", service: "tls", tls_version: "TLSv1.3", cert_subject_cn: "h" + c + ".example", cert_issuer_cn: "CA " + (c & 7), cert_key_type: "rsa", cert_not_after_us: 1730000000000000 + c * 86400e6, cert_sha256: c.toString(16).padStart(64, "0") }) + "\n"); w++; }
      if (out.length >= 4096) flush();
    }
    flush();' "$1"
}
only=${FMT_BENCH_ONLY:-}
[ -n "$only" ] || gen 100000 > "$dir/r100k.ndjson"
big=${FMT_BENCH_N:-1000000}
gen "$big" > "$dir/r1m.ndjson"

# measure IN CMD...: wall seconds, CPU seconds (user+sys) and peak RSS (MB) of CMD reading IN,
# output discarded. Records/s are given per wall and per CPU second: on a shared machine the
# CPU figure is the steadier one.
measure() {
  local in=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$dir/t" "$@" < "$in" > /dev/null
  read -r secs user sys kb < "$dir/t"
  echo "$secs $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $((kb / 1024))"
}
per() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%d", n / (s > 0 ? s : 0.01) }'; }

status=0
if [ -z "$only" ]; then
printf '%-30s %9s %12s %12s %8s\n' "command" "records" "records/s" "rec/CPU-s" "peak MB"
for fmt in xml csv; do
  for size in 100k 1m; do
    n=$([ $size = 1m ] && echo $big || echo 100000)
    read -r secs cpu mb < <(measure "$dir/r$size.ndjson" $TRAWL fmt -o $fmt)
    rate=$(per $n "$secs"); crate=$(per $n "$cpu")
    printf '%-30s %9s %12s %12s %8s\n' "trawl fmt -o $fmt" $n "$rate" "$crate" "$mb"
    eval "rate_${fmt}_${size}=$crate; mb_${fmt}_${size}=$mb"
    [ "$mb" -lt 100 ] || { echo "FAIL: trawl fmt -o $fmt peak RSS $mb MB >= 100 MB at $n records"; status=1; }
  done
done
peer="n/a"
if command -v jq > /dev/null; then
  read -r secs cpu mb < <(measure "$dir/r1m.ndjson" jq -c .)
  peer=$(per $big "$cpu")
  printf '%-30s %9s %12s %12s %8s\n' "jq -c . (peer)" $big "$(per $big "$secs")" "$peer" "$mb"
fi
echo "peak RSS 0.1M -> 1M: xml ${mb_xml_100k} -> ${mb_xml_1m} MB, csv ${mb_csv_100k} -> ${mb_csv_1m} MB (flat, < 100 MB)"
if [ "$peer" != "n/a" ]; then
  awk -v x="$rate_xml_1m" -v c="$rate_csv_1m" -v p="$peer" 'BEGIN { printf "records per CPU-second relative to jq -c . on the same input: xml %.2fx, csv %.2fx\n", x / p, c / p }'
fi
fi

# The formats for people and databases, on the same 1 M records. sqlite has two peers, both the
# sqlite3 shell (one thread; trawl's -o sqlite uses two: records are parsed on one, SQLite
# inserts on the other): .import of fmt -o csv's 10 text columns into one table without an
# index (the least work a database of these records takes: shown, not the goal), and .import of
# the rows trawl's database holds, as CSV, into trawl's schema with trawl's indexes and pragmas
# (the same work: the goal).
echo
printf '%-30s %9s %12s %12s %8s\n' "command" "records" "records/s" "rec/CPU-s" "peak MB"
for f in ${only:-text report sqlite}; do
  target=$f; [ $f = text ] || target="$f:$dir/out.$f"
  rm -f "$dir/out.sqlite"
  read -r secs cpu mb < <(measure "$dir/r1m.ndjson" $TRAWL fmt -o "$target")
  printf '%-30s %9s %12s %12s %8s\n' "trawl fmt -o $f" $big "$(per $big "$secs")" "$(per $big "$cpu")" "$mb"
  eval "wall_${f}=$secs; cpu_${f}=$cpu; mb_${f}=$mb"
done
if [ -n "${mb_report:-}" ]; then
  [ "$mb_report" -lt 150 ] || { echo "FAIL: trawl fmt -o report peak RSS $mb_report MB >= 150 MB at 1 M records"; status=1; }
  grep -q 'The table lists the first 2,000 of' "$dir/out.report" || { echo "FAIL: the report does not say its table is capped"; status=1; }
fi
[ -n "${mb_sqlite:-}" ] || { echo "peak RSS at 1 M records: text ${mb_text:-} MB, report ${mb_report:-} MB (< 150)"; exit $status; }
rows=$(sqlite3 "$dir/out.sqlite" 'SELECT (SELECT count(*) FROM open) + (SELECT count(*) FROM banner)')
[ "$rows" = $big ] || { echo "FAIL: the database holds $rows of $big records"; status=1; }
if command -v sqlite3 > /dev/null; then
  $TRAWL fmt -o csv < "$dir/r1m.ndjson" > "$dir/r1m.csv"
  rm -f "$dir/peer.db"
  /usr/bin/time -f '%e %U %S %M' -o "$dir/t" sqlite3 "$dir/peer.db" ".import --csv $dir/r1m.csv records"
  read -r psecs puser psys pkb < "$dir/t"
  printf '%-30s %9s %12s %12s %8s\n' "sqlite3 .import, 10-col CSV" $big "$(per $big "$psecs")" "$(per $big "$(awk -v u="$puser" -v s="$psys" 'BEGIN { print u + s }')")" "$((pkb / 1024))"
  awk -v t="$wall_sqlite" -v p="$psecs" 'BEGIN { printf "trawl fmt -o sqlite relative to sqlite3 .import of fmt -o csv (10 columns, one table, no index; wall): %.2fx\n", p / t }'
  # The same peer on exactly the rows trawl's database holds: its tables' rows as CSV imported
  # by sqlite3 into trawl's schema, with trawl's pragmas (a rollback journal and the default
  # cache, as the shell's; NORMAL sync: the shell's .import is one transaction), then trawl's
  # indexes built (the like-for-like work).
  rm -f "$dir/peer2.db"
  sqlite3 "$dir/out.sqlite" .schema | grep -v '^CREATE INDEX' | sqlite3 "$dir/peer2.db"
  echo 'PRAGMA synchronous = NORMAL;' > "$dir/import.sql"
  for t in open banner; do
    sqlite3 -csv "$dir/out.sqlite" "SELECT * FROM $t" > "$dir/$t.csv"
    echo ".import --csv $dir/$t.csv $t" >> "$dir/import.sql"
  done
  sqlite3 "$dir/out.sqlite" .schema | grep '^CREATE INDEX' >> "$dir/import.sql"
  /usr/bin/time -f '%e %U %S %M' -o "$dir/t" sqlite3 "$dir/peer2.db" < "$dir/import.sql"
  read -r p2secs p2user p2sys p2kb < "$dir/t"
  printf '%-30s %9s %12s %12s %8s\n' "sqlite3 .import, same rows+idx" $big "$(per $big "$p2secs")" "$(per $big "$(awk -v u="$p2user" -v s="$p2sys" 'BEGIN { print u + s }')")" "$((p2kb / 1024))"
  awk -v t="$wall_sqlite" -v p="$p2secs" -v c="$cpu_sqlite" -v pc="$(awk -v u="$p2user" -v s="$p2sys" 'BEGIN { print u + s }')" \
    'BEGIN { printf "trawl fmt -o sqlite relative to sqlite3 .import of its own rows, tables and indexes: %.2fx wall, %.2fx per CPU second\n", p / t, pc / c }'
  # Below the goal is said on every run, not failed on, so the other figures of make bench
  # still count on a loaded machine (the comparison is by wall time, and trawl needs both cores).
  awk -v t="$wall_sqlite" -v p="$p2secs" 'BEGIN { exit !(t <= p * 1.0) }' || echo "BELOW GOAL: -o sqlite is slower than sqlite3 .import of the same rows (load: $(cut -d' ' -f1-3 /proc/loadavg))"
fi
echo "peak RSS at 1 M records: text ${mb_text:-} MB, report ${mb_report:-} MB (< 150), sqlite ${mb_sqlite} MB"
exit $status
