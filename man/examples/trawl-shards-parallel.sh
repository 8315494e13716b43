#!/bin/sh
# One trawl scan on N machines with GNU parallel over ssh: job I scans shard I of N on one of
# HOSTS and its output comes back as shard-I.ndjson (see trawl-scan(1), RUNNING ON MANY MACHINES).
#
#   trawl-shards-parallel.sh h1,h2,h3,h4 4 198.18.0.0/16 -p 80,443 --seed 7 --rate 10k
#   trawl merge shard-*.ndjson > scan.ndjson
#
# HOSTS is parallel's -S list (user@host,...; ":" is this machine). Each host needs trawl on PATH
# (or TRAWL=command) and node with CAP_NET_RAW, nothing more:
# setcap cap_net_raw+ep "$(readlink -f "$(which node)")" (sudo would drop PARALLEL_SEQ).
# Arguments must not contain spaces: they are joined into the remote command line.
hosts=$1 n=$2; shift 2
# The one-liner: -j1 puts one shard on each host at a time; --shard auto/{##} (--plus) takes the shard
# number from PARALLEL_SEQ, which parallel passes over ssh.
seq "$n" | parallel --plus -j1 -S "$hosts" --return 'shard-{}.ndjson' --cleanup "${TRAWL:-trawl} scan $* --shard auto/{##} > shard-{}.ndjson"
