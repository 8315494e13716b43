# Helpers the benchmarks share (sourced; run.sh runs only *.bench.sh).
# tcpext NAME: a TcpExt counter of the target namespace $TARGET_NS (per-namespace /proc/net/netstat).
tcpext() {
  ip netns exec "$TARGET_NS" awk -v k="$1" '/^TcpExt:/ { if (!n) { for (i = 1; i <= NF; i++) h[i] = $i; n = 1 } else for (i = 1; i <= NF; i++) if (h[i] == k) print $i }' /proc/net/netstat
}
now() { date +%s.%N; }
# secs T0 T1: seconds from T0 to T1 (now's values), two decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }
# ratio A B: A/B with two decimals, n/a when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
# rss_mb FILE: the peak RSS /usr/bin/time -f %M wrote there, in MB.
rss_mb() { awk '{ printf "%.1f", $1 / 1024 }' "$1"; }
