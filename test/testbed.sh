#!/usr/bin/env bash
# Namespace testbed: a scanner netns and a target netns joined by veth, 198.18.0.0/16 and
# 2001:db8:1::/112 local in the target.
#
#   test/testbed.sh up NAME [--ports "22 80 443"] [--drop CIDR]... [--scanners N]
#   test/testbed.sh down NAME
#
# up creates NAME-s (scanner, NAME-sv 198.19.0.1/24) and NAME-t (target, NAME-tv 198.19.0.2/24);
# in NAME-t the whole 198.18.0.0/16 is local (route "local ... dev lo"), so every address answers:
# SYN-ACK on the --ports (silent listeners on 0.0.0.0), RST elsewhere, nothing in a --drop CIDR
# (an nft drop rule, i.e. "filtered"). The scanner namespace routes 198.18.0.0/15 and its
# default route via 198.19.0.2, so `trawl blast` finds its interface and gateway by itself.
# IPv6 the same way: NAME-sv 2001:db8:ff::1/64, NAME-tv 2001:db8:ff::2/64, 2001:db8:1::/112
# local in NAME-t, 2001:db8::/32 and the default route via 2001:db8:ff::2 in NAME-s; the
# listeners are dual-stack (bound to ::), a --drop CIDR may be IPv6.
# --scanners N (2-9) adds scanner namespaces NAME-s2 ... NAME-sN, as more machines scanning the
# same target: NAME-sK has NAME-sK (198.19.K-1.1/24) joined to NAME-tK (198.19.K-1.2) in NAME-t,
# routed the same way; up prints SCAN_NS_K, SCAN_IF_K and SCAN_IP_K for each.
# Offloads are left at their defaults on purpose: trawl must be correct with them on.
# up prints KEY=VALUE lines (eval them). down is idempotent and kills only processes inside NAME-t.
# Callers pick unique names (e.g. tb$$): several people run tests on this machine at once.
set -euo pipefail

usage() { echo "usage: $0 up NAME [--ports \"P...\"] [--drop CIDR]... [--scanners N] | down NAME" >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd=$1 name=$2
shift 2
# Interface names are limited to 15 bytes; NAME-sv must fit.
if [ ${#name} -gt 12 ] || ! [[ $name =~ ^[A-Za-z0-9_]+$ ]]; then
  echo "$0: NAME must be 1-12 letters, digits or _ (got '$name')" >&2; exit 2
fi
sns=$name-s tns=$name-t sif=$name-sv tif=$name-tv

down() {
  if ip netns list | grep -qw -- "$tns"; then
    # Only processes living in our own target namespace (listeners, forgers) are ended, by pid.
    for pid in $(ip netns pids "$tns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    sleep 0.1
    for pid in $(ip netns pids "$tns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  fi
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-s[0-9]*\$"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  ip netns del "$tns" 2>/dev/null || true
  ip link del "$sif" 2>/dev/null || true
  return 0
}

# A silent TCP listener on every port given: the kernel completes handshakes (SYN-ACK), the
# process accepts and drops connections so the accept queue never fills up.
LISTENER='
import selectors, socket, sys
sel = selectors.DefaultSelector()
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", int(p))); s.listen(4096); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, None)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        if key.data is None:
            try:
                c, _ = key.fileobj.accept(); c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, 1)
            except OSError:
                pass
        else:
            try:
                d = key.fileobj.recv(4096)
            except OSError:
                d = b""
            if not d:
                sel.unregister(key.fileobj); key.fileobj.close()
'

# nodad NS IFACE: the interface (not yet up) skips duplicate address detection.
nodad() { ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.accept_dad=0"; }

up() {
  local ports="" drops=() scanners=1
  while [ $# -gt 0 ]; do
    case $1 in
      --scanners) [ $# -ge 2 ] && [[ $2 =~ ^[1-9]$ ]] || usage; scanners=$2; shift 2 ;;
      --ports) [ $# -ge 2 ] || usage; ports=$2; shift 2 ;;
      --drop) [ $# -ge 2 ] || usage; drops+=("$2"); shift 2 ;;
      *) echo "$0: unknown option $1" >&2; exit 2 ;;
    esac
  done
  if ip netns list | grep -qw -- "$sns" || ip netns list | grep -qw -- "$tns"; then
    echo "$0: testbed $name already exists (run: $0 down $name)" >&2; exit 1
  fi
  trap 'down; exit 1' ERR
  ip netns add "$sns"
  ip netns add "$tns"
  ip link add "$sif" type veth peer name "$tif"
  ip link set "$sif" netns "$sns"
  ip link set "$tif" netns "$tns"
  ip -n "$sns" link set lo up
  ip -n "$tns" link set lo up
  # No duplicate address detection on the link-local addresses either: until it ends (~1-2 s
  # after the link is up) the target cannot send the Neighbor Solicitation for the scanner, so
  # it queues its first replies (256 at most) and drops the rest, and a scan started at once
  # loses most IPv6 answers.
  nodad "$sns" "$sif"
  nodad "$tns" "$tif"
  ip -n "$sns" addr add 198.19.0.1/24 dev "$sif"
  ip -n "$tns" addr add 198.19.0.2/24 dev "$tif"
  ip -n "$sns" link set "$sif" up
  ip -n "$tns" link set "$tif" up
  ip -n "$tns" route add local 198.18.0.0/16 dev lo
  ip -n "$sns" route add 198.18.0.0/15 via 198.19.0.2
  ip -n "$sns" route add default via 198.19.0.2
  # nodad: the addresses are usable at once (duplicate address detection would hold them ~1 s).
  ip -n "$sns" -6 addr add 2001:db8:ff::1/64 dev "$sif" nodad
  ip -n "$tns" -6 addr add 2001:db8:ff::2/64 dev "$tif" nodad
  ip -n "$tns" -6 route add local 2001:db8:1::/112 dev lo
  ip -n "$sns" -6 route add 2001:db8::/32 via 2001:db8:ff::2
  ip -n "$sns" -6 route add default via 2001:db8:ff::2
  local k extra=""
  for ((k = 2; k <= scanners; k++)); do
    ip netns add "$name-s$k"
    ip link add "$name-s$k" type veth peer name "$name-t$k"
    ip link set "$name-s$k" netns "$name-s$k"
    ip link set "$name-t$k" netns "$tns"
    ip -n "$name-s$k" link set lo up
    nodad "$name-s$k" "$name-s$k"
    nodad "$tns" "$name-t$k"
    ip -n "$name-s$k" addr add "198.19.$((k - 1)).1/24" dev "$name-s$k"
    ip -n "$tns" addr add "198.19.$((k - 1)).2/24" dev "$name-t$k"
    ip -n "$name-s$k" link set "$name-s$k" up
    ip -n "$tns" link set "$name-t$k" up
    ip -n "$name-s$k" route add 198.18.0.0/15 via "198.19.$((k - 1)).2"
    ip -n "$name-s$k" route add default via "198.19.$((k - 1)).2"
    extra+="SCAN_NS_$k=$name-s$k"$'\n'"SCAN_IF_$k=$name-s$k"$'\n'"SCAN_IP_$k=198.19.$((k - 1)).1"$'\n'
  done
  # A /16 scan overflows the SYN queue: let SYN cookies answer (as a real server would) and
  # keep the kernel's per-namespace limits from dropping what it should answer.
  ip netns exec "$tns" sysctl -qw net.ipv4.tcp_syncookies=1 net.core.somaxconn=4096 \
    net.ipv4.tcp_max_syn_backlog=4096 2>/dev/null || true
  if [ ${#drops[@]} -gt 0 ]; then
    if command -v nft >/dev/null; then
      local rules="add table inet trawltb
add chain inet trawltb input { type filter hook input priority 0; policy accept; }"
      for c in "${drops[@]}"; do
        local fam=ip; [[ $c == *:* ]] && fam=ip6
        rules+=$'\n'"add rule inet trawltb input $fam daddr $c drop"
      done
      ip netns exec "$tns" nft -f - <<<"$rules"
    else
      # Without nftables: a blackhole route, more specific than the local /16, drops just as silently.
      for c in "${drops[@]}"; do ip -n "$tns" route add blackhole "$c" table local; done
    fi
  fi
  if [ -n "$ports" ]; then
    local fifo; fifo=$(mktemp -u /tmp/trawl-tb-XXXXXX)
    mkfifo "$fifo"
    # shellcheck disable=SC2086
    ip netns exec "$tns" python3 -c "$LISTENER" $ports >"$fifo" 2>/dev/null </dev/null &
    # Wait until every socket is bound before reporting up, so a scan right after finds them.
    if ! timeout 10 head -n1 "$fifo" | grep -q ready; then
      rm -f "$fifo"; echo "$0: listeners did not start on ports: $ports" >&2; down; exit 1
    fi
    rm -f "$fifo"
  fi
  trap - ERR
  local smac tmac
  smac=$(ip -n "$sns" -o link show "$sif" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  tmac=$(ip -n "$tns" -o link show "$tif" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  cat <<EOF
TB_NAME=$name
SCAN_NS=$sns
TARGET_NS=$tns
SCAN_IF=$sif
TARGET_IF=$tif
SCAN_IP=198.19.0.1
TARGET_IP=198.19.0.2
SCAN_IP6=2001:db8:ff::1
TARGET_IP6=2001:db8:ff::2
SCAN_MAC=$smac
TARGET_MAC=$tmac
ROUTER_MAC=$tmac
TARGET_NET=198.18.0.0/16
TARGET_NET6=2001:db8:1::/112
OPEN_PORTS="$ports"
DROP="${drops[*]:-}"
EOF
  printf '%s' "$extra"
}

case $cmd in
  up) up "$@" ;;
  down) down ;;
  *) usage ;;
esac
