#!/usr/bin/env bash
# A LAN in network namespaces for the LAN-scan tests: a bridge in NAME-b, a scanner NAME-s and
# hosts NAME-h1..NAME-hN on it, each with its own MAC, 10.250.0.1/24 and fd00:250::1/64 for the
# scanner, 10.250.0.(8+k) and fd00:250::(8+k) for host k, each listening on the given TCP ports
# (a small python listener that greets with "220 lan host K" and closes). With --router K, host
# K is also the scanner's router to 198.18.0.0/24, local on its lo (so off-link targets answer
# through it). Nothing leaves these namespaces; down removes them. Prints NAME=VALUE lines
# (SCAN_NS, SCAN_IF, HOST_MAC_k) on up. --mac K=MAC gives host K that MAC instead of
# 02:fa:00:00:01:0K (a vendor's OUI, for the ARP scan's vendor field).
#   lanbed.sh up NAME --hosts N [--ports "P..."] [--router K] [--mac K=MAC]... | down NAME
set -euo pipefail

usage() { echo "usage: $0 up NAME --hosts N [--ports \"P...\"] [--router K] [--mac K=MAC]... | down NAME" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 name=$2
shift 2
if [ ${#name} -gt 10 ] || ! [[ $name =~ ^[A-Za-z0-9_]+$ ]]; then
  echo "$0: NAME must be 1-10 letters, digits or _ (got '$name')" >&2; exit 2
fi

down() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(b|s|h[0-9]+)\$"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.1
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(b|s|h[0-9]+)\$"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  return 0
}

LISTENER='
import selectors, socket, sys
sel = selectors.DefaultSelector()
hello = ("220 lan host %s\r\n" % sys.argv[1]).encode()
for p in sys.argv[2:]:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", int(p))); s.listen(128); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        try:
            c, _ = key.fileobj.accept(); c.sendall(hello); c.close()
        except OSError:
            pass
'

# One end of a veth pair in namespace ns as dev (with mac), the other on the bridge.
plug() {
  local ns=$1 dev=$2 mac=$3 peer=$4
  ip link add "$dev" netns "$ns" address "$mac" type veth peer name "$peer" netns "$name-b"
  ip -n "$name-b" link set "$peer" master br0 up
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_dad=0"
  ip -n "$ns" link set "$dev" up
}

up() {
  local hosts=0 ports="" router=0
  local -A macs=()
  while [ $# -gt 0 ]; do
    case $1 in
      --router) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]?$ ]] || usage; router=$2; shift 2 ;;
      --hosts) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]?$ ]] || usage; hosts=$2; shift 2 ;;
      --ports) [ $# -ge 2 ] || usage; ports=$2; shift 2 ;;
      --mac) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]?=([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || usage; macs[${2%%=*}]=${2#*=}; shift 2 ;;
      *) echo "$0: unknown option $1" >&2; exit 2 ;;
    esac
  done
  [ "$hosts" -ge 1 ] || usage
  if ip netns list | grep -qw -- "$name-b"; then echo "$0: LAN $name already exists (run: $0 down $name)" >&2; exit 1; fi
  trap 'down; exit 1' ERR
  ip netns add "$name-b"
  ip -n "$name-b" link add br0 type bridge
  ip -n "$name-b" link set br0 up
  ip netns add "$name-s"
  plug "$name-s" lan0 02:fa:00:00:00:01 s0
  ip -n "$name-s" addr add 10.250.0.1/24 dev lan0
  ip -n "$name-s" -6 addr add fd00:250::1/64 dev lan0 nodad
  echo "SCAN_NS=$name-s"
  echo "SCAN_IF=lan0"
  local k
  for ((k = 1; k <= hosts; k++)); do
    local ns="$name-h$k" mac
    mac=${macs[$k]:-$(printf '02:fa:00:00:01:%02x' "$k")}
    ip netns add "$ns"
    plug "$ns" lan0 "$mac" "h$k"
    ip -n "$ns" addr add "10.250.0.$((8 + k))/24" dev lan0
    ip -n "$ns" -6 addr add "fd00:250::$(printf '%x' $((8 + k)))/64" dev lan0 nodad
    if [ -n "$ports" ]; then
      # shellcheck disable=SC2086
      ip netns exec "$ns" setsid python3 -c "$LISTENER" "$k" $ports </dev/null >/dev/null 2>&1 &
    fi
    echo "HOST_MAC_$k=$mac"
  done
  if [ "$router" -ge 1 ]; then
    ip -n "$name-h$router" route add local 198.18.0.0/24 dev lo
    ip -n "$name-s" route add default via "10.250.0.$((8 + router))"
  fi
  # The listeners bind in the background: wait until each host accepts.
  if [ -n "$ports" ]; then
    local p=${ports%% *}
    for ((k = 1; k <= hosts; k++)); do
      for _ in $(seq 50); do
        ip netns exec "$name-h$k" bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null && break
        sleep 0.1
      done
    done
  fi
}

case $cmd in
  up) up "$@" ;;
  down) down ;;
  *) usage ;;
esac
