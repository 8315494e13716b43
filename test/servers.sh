#!/usr/bin/env bash
# Real Debian daemons in a target namespace, for the banner end-to-end test and benchmark.
#
#   test/servers.sh up NS DIR [SERVICE...]    start them (default: all), print KEY=VALUE facts
#   test/servers.sh down NS DIR               stop them (by the pids recorded in DIR)
#
# SERVICE: nginx (80; 443 TLS 1.2-1.3 and 8443 TLS 1.2 only, self-signed certificate made here), sshd (22, host key made
# here), vsftpd (21, AUTH TLS), exim (25, STARTTLS), redis (6379), memcached (11211), dovecot (110 STLS, 143 STARTTLS; the mail and FTP servers share a self-signed mail.trawl-test.example certificate made here); and, only
# when named (their packages are not in every test machine's list): postgres (5432, a cluster
# made here by initdb) and mosquitto (1883, anonymous clients allowed); and openssl: s_server
# speaking only TLS 1.0 (4430), only TLS 1.1 (4431), and TLS 1.3 with P-384 only (4432: the tls
# probe offers P-384 but sends x25519 and P-256 key shares only, so it gets a HelloRetryRequest),
# and -www with an ECDSA P-256 certificate (4433: a status page over TLS 1.2 or 1.3).
# UDP services, also only when named: named (bind9, 53: version.bind as BIND says it, authoritative
# for example.com), ntpd (ntpsec, 123: no sources, the host's clock never touched), snmpd
# (net-snmp, 161: community public, sysDescr its default, the uname), memcached_udp (memcached
# with UDP on, 11211 both). A daemon bound to 0.0.0.0 answers a datagram to an AnyIP address of
# the namespace (a local route, not an address) from the address of its way out, not the one
# asked: these are bound to UDP_ADDR (default 198.18.253.1) and UDP_ADDR6 (2001:db8:1::fd01),
# which "up" adds to the namespace's lo, and their answers come from the address scanned.
# UDP_NET=CIDR (the UDP benchmark): every address of CIDR, which the caller added to lo, is
# served too: named listens on each, snmpd on the wildcard (it answers from the address asked,
# IP_PKTINFO); ntpd, which holds at most 1024 sockets, on the first /23 of it (NTPD_NET=).
# Every daemon listens on 0.0.0.0 and :: inside NS, so it answers on every address the namespace
# owns (testbed.sh makes all of 198.18.0.0/16 and 2001:db8:1::/112 local); the optional ones
# on IPv4 only. Configuration, keys, logs and pid files
# live in DIR (created if missing; it and its parents must be searchable by the daemons' users,
# since exim and dovecot write there as themselves); nothing under /etc is touched. Limits that would make a
# daemon refuse a scan's burst of connections (MaxStartups, max_clients, smtp_accept_max) are
# lifted, and so are the listen backlogs a configuration can set (nginx, exim, redis, memcached:
# 4096, the namespace's net.core.somaxconn and tcp_max_syn_backlog). sshd (128) and vsftpd (32)
# have theirs compiled in: a burst overflows them, and a benchmark counts it (ListenOverflows).
# "up" prints the version each daemon reports itself (binary or dpkg), for the test to compare
# with what the banners say: NGINX_VERSION=1.22.1 OPENSSH_VERSION=9.2p1 ...
set -Eeuo pipefail   # -E: the ERR trap that stops what was started also fires inside functions

usage() { echo "usage: $0 up NS DIR [nginx|sshd|vsftpd|exim|redis|memcached|dovecot|postgres|mosquitto|openssl|named|ntpd|snmpd|memcached_udp]... | down NS DIR" >&2; exit 2; }
[ $# -ge 3 ] || usage
cmd=$1 ns=$2 dir=$3
shift 3
ALL="nginx sshd vsftpd exim redis memcached dovecot"
OPTIONAL="postgres mosquitto openssl named ntpd snmpd memcached_udp"
UDP_ADDR=${UDP_ADDR:-198.18.253.1} UDP_ADDR6=${UDP_ADDR6:-2001:db8:1::fd01}

nsx() { ip netns exec "$ns" "$@"; }
upstream() { dpkg-query -W -f='${Version}' "$1" | sed 's/^[0-9]*://; s/-[^-]*$//'; }

# Waits until PORT accepts connections inside NS (the check stays inside the namespace).
wait_port() {
  local port=$1 name=$2 i
  for i in $(seq 1 100); do
    # Our own daemon must still run: an old one on the port would pass the check without it.
    kill -0 "$(cat "$dir/$name.bg.pid")" 2>/dev/null || break
    if nsx bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$0: $name did not listen on port $port; its log:" >&2
  tail -n 20 "$dir/$name.log" "$dir/exim-log/panic.log" >&2 2>/dev/null || true
  return 1
}

# Starts a foreground daemon in NS with output to DIR/NAME.log and records its pid.
# SERVERS_NICE=N (the benchmarks): each daemon in a session of its own, its niceness N for the
# session's scheduler autogroup too. With autogroups (sched_autogroup_enabled), a process's nice
# counts only against its own session: the daemons, reniced in the caller's session, still got a
# full share against trawl scan's stages (each in its own session) and starved catch.
start() {
  local name=$1; shift
  if [ -n "${SERVERS_NICE:-}" ]; then
    setsid ip netns exec "$ns" nice -n "$SERVERS_NICE" "$@" >>"$dir/$name.log" 2>&1 </dev/null &
    # Once it has its own session (setsid runs in the child, after the fork): else this would
    # set the nice of the caller's autogroup.
    local i mine; mine=$(cat /proc/self/autogroup)
    for i in $(seq 50); do [ "$(cat "/proc/$!/autogroup" 2>/dev/null)" != "$mine" ] && break; sleep 0.02; done
    [ "$(cat "/proc/$!/autogroup" 2>/dev/null)" != "$mine" ] && echo "$SERVERS_NICE" > "/proc/$!/autogroup" 2>/dev/null || true
  else
    ip netns exec "$ns" "$@" >>"$dir/$name.log" 2>&1 </dev/null &   # not through nsx: $! must be the daemon
  fi
  echo $! >"$dir/$name.bg.pid"
}

up_nginx() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=trawl-test.example" \
    -addext "subjectAltName=DNS:trawl-test.example,DNS:www.trawl-test.example" \
    -keyout "$dir/nginx.key" -out "$dir/nginx.crt" 2>/dev/null
  mkdir -p "$dir/nginx-tmp"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx.log;
daemon off;
events { worker_connections 8192; }
http {
  # What the probes carried, for the tests: the Host header the template filled in, the agent.
  log_format probe '\$server_addr \$server_port "\$request" host=\$http_host ua="\$http_user_agent" \$status';
  access_log $dir/nginx-access.log probe;
  client_body_temp_path $dir/nginx-tmp;
  server_tokens on;
  server {
    listen 80 backlog=4096;
    listen [::]:80 backlog=4096;
    listen 443 ssl backlog=4096;
    listen [::]:443 ssl backlog=4096;
    ssl_certificate $dir/nginx.crt;
    ssl_certificate_key $dir/nginx.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { default_type text/html; return 200 "<html><head><title>trawl test page</title></head><body>ok</body></html>\n"; }
  }
  # TLS 1.2 only: its certificate travels in clear after the ServerHello, for the banner parsers.
  server {
    listen 8443 ssl backlog=4096;
    listen [::]:8443 ssl backlog=4096;
    ssl_certificate $dir/nginx.crt;
    ssl_certificate_key $dir/nginx.key;
    ssl_protocols TLSv1.2;
    location / { return 204; }
  }
}
CONF
  start nginx nginx -p "$dir" -c "$dir/nginx.conf"
  wait_port 80 nginx; wait_port 443 nginx; wait_port 8443 nginx
  echo "NGINX_VERSION=$(nginx -v 2>&1 | sed 's|.*nginx/||')"
}

up_sshd() {
  mkdir -p /run/sshd   # privilege separation directory sshd insists on
  rm -f "$dir/ssh_host_ed25519_key" "$dir/ssh_host_ed25519_key.pub"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key"
  cat >"$dir/sshd_config" <<CONF
Port 22
ListenAddress 0.0.0.0
ListenAddress ::
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
LoginGraceTime 10
MaxStartups 100000
CONF
  start sshd /usr/sbin/sshd -D -e -f "$dir/sshd_config"
  wait_port 22 sshd
  echo "OPENSSH_VERSION=$(upstream openssh-server)"
}

up_vsftpd() {
  mkdir -p "$dir/vsftpd-empty"
  mail_cert
  cat >"$dir/vsftpd.conf" <<CONF
listen=NO
listen_ipv6=YES
listen_port=21
background=NO
anonymous_enable=NO
local_enable=YES
max_clients=0
max_per_ip=0
secure_chroot_dir=$dir/vsftpd-empty
xferlog_enable=NO
vsftpd_log_file=$dir/vsftpd.log
pam_service_name=vsftpd
ssl_enable=YES
rsa_cert_file=$dir/mail.crt
rsa_private_key_file=$dir/mail.key
force_local_logins_ssl=NO
force_local_data_ssl=NO
CONF
  start vsftpd /usr/sbin/vsftpd "$dir/vsftpd.conf"
  wait_port 21 vsftpd
  echo "VSFTPD_VERSION=$(upstream vsftpd)"
}

# The mail and FTP servers' certificate (STARTTLS), made once per DIR; readable by exim's user.
mail_cert() {
  [ -f "$dir/mail.crt" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mail.trawl-test.example" \
    -addext "subjectAltName=DNS:mail.trawl-test.example" -keyout "$dir/mail.key" -out "$dir/mail.crt" 2>/dev/null
  chgrp Debian-exim "$dir/mail.key" 2>/dev/null && chmod 640 "$dir/mail.key" || true
}

up_exim() {
  # Exim writes its spool and logs as its own user.
  mkdir -p "$dir/exim-spool" "$dir/exim-log"
  chown Debian-exim:Debian-exim "$dir/exim-spool" "$dir/exim-log"
  mail_cert
  cat >"$dir/exim.conf" <<CONF
primary_hostname = mx.trawl-test.example
exim_user = Debian-exim
exim_group = Debian-exim
local_interfaces = <; 0.0.0.0.25 ; ::0.25
daemon_smtp_ports = 25
smtp_accept_max = 0
smtp_connect_backlog = 4096
host_lookup =
tls_advertise_hosts = *
tls_certificate = $dir/mail.crt
tls_privatekey = $dir/mail.key
spool_directory = $dir/exim-spool
log_file_path = $dir/exim-log/%s.log
keep_environment =
pid_file_path = $dir/exim.pid
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  deny
CONF
  start exim /usr/sbin/exim4 -C "$dir/exim.conf" -bdf
  wait_port 25 exim
  echo "EXIM_VERSION=$(exim4 -bV | sed -n '1s/^Exim version \([^ ]*\).*/\1/p')"
}

up_redis() {
  start redis redis-server --port 6379 --bind 0.0.0.0 :: --protected-mode no --daemonize no \
    --save '' --appendonly no --dir "$dir" --tcp-backlog 4096 --maxclients 10000
  wait_port 6379 redis
  echo "REDIS_VERSION=$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
}

up_memcached() {
  start memcached memcached -u nobody -l 0.0.0.0,[::] -p 11211 -U 0 -c 10000 -b 4096
  wait_port 11211 memcached
  echo "MEMCACHED_VERSION=$(memcached -V | sed 's/^memcached //')"
}

up_dovecot() {
  mkdir -p "$dir/dovecot-run" "$dir/dovecot-state"
  mail_cert
  cat >"$dir/dovecot.conf" <<CONF
base_dir = $dir/dovecot-run
state_dir = $dir/dovecot-state
protocols = imap pop3
listen = *, ::
ssl = yes
ssl_cert = <$dir/mail.crt
ssl_key = <$dir/mail.key
log_path = $dir/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
mail_location = mbox:/nonexistent
passdb {
  driver = static
  args = password=unused-trawl-test
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service imap-login {
  process_limit = 1000
}
service pop3-login {
  process_limit = 1000
}
CONF
  start dovecot dovecot -F -c "$dir/dovecot.conf"
  wait_port 143 dovecot; wait_port 110 dovecot
  echo "DOVECOT_VERSION=$(dovecot --version | sed 's/ .*//')"
}

up_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$bin/initdb" ] || { echo "$0: postgres: no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)" >&2; return 1; }
  mkdir -p "$dir/pg" "$dir/pg-sock"
  chown postgres:postgres "$dir/pg" "$dir/pg-sock"
  # initdb and postgres refuse to run as root.
  runuser -u postgres -- "$bin/initdb" --no-sync -A trust -U postgres -D "$dir/pg/data" >>"$dir/postgres.log" 2>&1 \
    || { echo "$0: initdb failed:" >&2; tail -n 5 "$dir/postgres.log" >&2; return 1; }
  start postgres runuser -u postgres -- "$bin/postgres" -D "$dir/pg/data" -c listen_addresses=0.0.0.0 -c port=5432 \
    -c unix_socket_directories="$dir/pg-sock" -c max_connections=1000
  wait_port 5432 postgres
  echo "POSTGRES_VERSION=$("$bin/postgres" --version | awk '{ print $3 }')"   # postgres (PostgreSQL) 15.18 (Debian ...)
}

up_mosquitto() {
  cat >"$dir/mosquitto.conf" <<CONF
listener 1883 0.0.0.0
allow_anonymous true
persistence false
log_dest stderr
CONF
  start mosquitto mosquitto -c "$dir/mosquitto.conf"
  wait_port 1883 mosquitto
  # mosquitto -h exits 3; a failing substitution would fire the ERR trap (-E) and stop everything.
  echo "MOSQUITTO_VERSION=$({ mosquitto -h 2>/dev/null || true; } | sed -n 's/^mosquitto version \([^ ]*\).*/\1/p')"
}

up_openssl() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=old-tls.trawl-test.example" \
    -keyout "$dir/s_server.key" -out "$dir/s_server.crt" 2>/dev/null
  local common=(-quiet -naccept 1000000 -cert "$dir/s_server.crt" -key "$dir/s_server.key")
  # Old protocol versions need security level 0 in OpenSSL 3 (SHA-1 signatures and all).
  start openssl-tls10 openssl s_server "${common[@]}" -accept 4430 -tls1 -cipher 'ALL:@SECLEVEL=0'
  start openssl-tls11 openssl s_server "${common[@]}" -accept 4431 -tls1_1 -cipher 'ALL:@SECLEVEL=0'
  start openssl-hrr openssl s_server "${common[@]}" -accept 4432 -tls1_3 -groups P-384
  # -www on an ECDSA (P-256) certificate, TLS 1.2 and 1.3: the https probe's status page.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=www-ec.trawl-test.example" \
    -keyout "$dir/s_server_ec.key" -out "$dir/s_server_ec.crt" 2>/dev/null
  start openssl-www openssl s_server -quiet -naccept 1000000 -cert "$dir/s_server_ec.crt" -key "$dir/s_server_ec.key" -accept 4433 -www
  wait_port 4430 openssl-tls10; wait_port 4431 openssl-tls11; wait_port 4432 openssl-hrr; wait_port 4433 openssl-www
  echo "OPENSSL_VERSION=$(openssl version | awk '{ print $2 }')"
}

# The UDP daemons' own addresses on the namespace's lo (once).
udp_addrs() {
  # Captured, not piped into grep -q: with thousands of addresses ip would die of SIGPIPE.
  local have; have=$(nsx ip addr show dev lo)
  [[ $have == *" $UDP_ADDR/32 "* ]] || nsx ip addr add "$UDP_ADDR/32" dev lo
  [[ $have == *" $UDP_ADDR6/128 "* ]] || nsx ip -6 addr add "$UDP_ADDR6/128" dev lo nodad
}

# Waits until a UDP daemon has its socket on PORT (ss inside NS), as wait_port for TCP.
wait_udp() {
  local port=$1 name=$2 i
  for i in $(seq 1 100); do
    kill -0 "$(cat "$dir/$name.bg.pid")" 2>/dev/null || break
    if [ -n "$(nsx ss -Hlun "sport = :$port")" ]; then return 0; fi   # not | grep -q: ss would die of SIGPIPE
    sleep 0.1
  done
  echo "$0: $name did not bind UDP port $port; its log:" >&2
  tail -n 20 "$dir/$name.log" >&2 2>/dev/null || true
  return 1
}

up_named() {
  udp_addrs
  mkdir -p "$dir/named"
  cat >"$dir/named/named.conf" <<CONF
options {
  directory "$dir/named"; pid-file "$dir/named.pid"; session-keyfile "$dir/named/session.key";
  managed-keys-directory "$dir/named"; listen-on port 53 { $UDP_ADDR; ${UDP_NET:+$UDP_NET;} }; listen-on-v6 port 53 { $UDP_ADDR6; };
  recursion no; allow-query { any; }; dnssec-validation no; rate-limit { responses-per-second 0; };
};
controls { };
view "default" in {
  zone "example.com" { type primary; file "$dir/named/example.com.zone"; };
};
// BIND's built-in CHAOS view (_bind, which cannot be redefined) answers version.bind at 3
// responses a second per client network (its rate-limit): this one, matched first, does not
// (one named serving a whole benchmark range would look like answers lost).
view "chaos" chaos {
  recursion no;
  zone "version.bind" chaos { type primary; database "_builtin version"; };
};
CONF
  cat >"$dir/named/example.com.zone" <<'ZONE'
$TTL 300
@ IN SOA ns.example.com. hostmaster.example.com. 2026120501 3600 600 86400 300
@ IN NS ns.example.com.
@ IN A 192.0.2.10
ns IN A 192.0.2.53
ZONE
  # -g: foreground, logging to its stderr (DIR/named.log); as root, as the other test daemons.
  start named named -g -c "$dir/named/named.conf"
  wait_udp 53 named
  # named -v: "BIND 9.18.49-1~deb12u3-Debian (Extended Support Version) <id:>"; version.bind says the second word.
  echo "NAMED_VERSION=$(named -v | awk '{ print $2 }')"
}

up_ntpd() {
  udp_addrs
  # No sources; the discipline and the kernel loop off: namespaces share the host's clock.
  cat >"$dir/ntp.conf" <<CONF
driftfile $dir/ntp.drift
disable ntp kernel
restrict default nomodify nopeer noquery
CONF
  if [ -n "${UDP_NET:-}" ]; then
    # ntpd waits on select(): FD_SETSIZE (1024) sockets at most, one per address, and a second
    # ntpd cannot start beside it (the wildcard socket): the first /23 of UDP_NET is served.
    local net; net=$(python3 -c 'import ipaddress, sys; n = ipaddress.ip_network(sys.argv[1]); print(n if n.prefixlen >= 23 else next(n.subnets(new_prefix=23)))' "$UDP_NET")
    printf 'interface ignore all\ninterface listen %s\ninterface listen %s\ninterface listen %s\n' "$net" "$UDP_ADDR" "$UDP_ADDR6" >>"$dir/ntp.conf"
    echo "NTPD_NET=$net"
  fi
  start ntpd ntpd -n -c "$dir/ntp.conf" -p "$dir/ntpd.pid"
  wait_udp 123 ntpd
  echo "NTPD_VERSION=$(ntpd --version 2>&1 | sed -n '1s/^ntpd ntpsec-\([^ ]*\).*/\1/p')"
}

up_snmpd() {
  udp_addrs
  local v4="udp:$UDP_ADDR:161"
  [ -z "${UDP_NET:-}" ] || v4=udp:161
  cat >"$dir/snmpd.conf" <<CONF
rocommunity public default
rocommunity6 public default
agentaddress $v4,udp6:[$UDP_ADDR6]:161
CONF
  start snmpd snmpd -f -Lo -C -c "$dir/snmpd.conf" -p "$dir/snmpd.pid"
  wait_udp 161 snmpd
  echo "SNMPD_VERSION=$(snmpd -v | sed -n 's/^NET-SNMP version: *//p')"
  echo "SNMPD_UNAME=$(uname -s -n -r)"
}

up_memcached_udp() {
  udp_addrs
  # UDP is off by default since memcached 1.5.6.
  start memcached_udp memcached -u nobody -l "$UDP_ADDR,[$UDP_ADDR6]" -p 11211 -U 11211 -c 10000
  wait_udp 11211 memcached_udp
  echo "MEMCACHED_VERSION=$(memcached -V | sed 's/^memcached //')"
}

up() {
  mkdir -p "$dir"
  local services=("$@")
  [ ${#services[@]} -gt 0 ] || read -r -a services <<<"$ALL"
  for s in "${services[@]}"; do
    case " $ALL $OPTIONAL " in *" $s "*) ;; *) echo "$0: unknown service '$s' (one of: $ALL $OPTIONAL)" >&2; exit 2 ;; esac
  done
  trap 'down' ERR
  for s in "${services[@]}"; do "up_$s"; done
  trap - ERR
}

# Ends what up started, by recorded pid only: the background ip-netns-exec children and the
# daemons' own pid files (nginx, sshd, exim, dovecot's master fork their workers from these).
down() {
  local f pid i alive
  for f in "$dir"/*.pid "$dir"/dovecot-run/master.pid; do
    [ -f "$f" ] || continue
    pid=$(head -n1 "$f" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null || true
  done
  # Masters stop their workers on SIGTERM if given the time (dovecot needs about a second).
  for i in $(seq 1 50); do
    alive=0
    for f in "$dir"/*.bg.pid; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for f in "$dir"/*.bg.pid; do
    [ -f "$f" ] || continue
    kill -9 "$(cat "$f")" 2>/dev/null || true; rm -f "$f"
  done
  return 0
}

case $cmd in
  up) up "$@" ;;
  down) down ;;
  *) usage ;;
esac
