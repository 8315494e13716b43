// The options that define a target set (ranges, ports, order, shard, resume): trawl targets'
// table, which scan hands through to it as they are, so help, checks and man pages cannot drift.
import type { OptionSpec } from '../args';
import { TOP_TCP_PORTS } from './top-ports';

export const TARGET_OPTIONS: OptionSpec[] = [
  { name: 'ports', short: 'p', type: 'list', arg: 'PORTS', help: 'ports to scan: 80,443,8000-8100; T:80,U:53,U:161-162 (TCP, UDP), U:top-N, I:echo (ICMP echo)' },
  { name: 'top-ports', type: 'number', arg: 'N', help: `the N TCP ports (UDP with --udp) most often found open (1-${TOP_TCP_PORTS.length}, nmap's frequency data)`,
    check: (n: number) => (Number.isInteger(n) && n >= 1 && n <= TOP_TCP_PORTS.length ? undefined : `'${n}' is not a whole number from 1 to ${TOP_TCP_PORTS.length}`) },
  { name: 'udp', type: 'boolean', help: '--top-ports counts UDP ports (nmap\'s UDP frequencies) instead of TCP' },
  { name: 'ping', type: 'boolean', help: 'add an ICMP echo target (no port) per address, as -p I:echo' },
  { name: 'arp', aliases: ['arpscan'], type: 'boolean', help: 'add an ARP target (no port) per address: blast asks it on the link (ARP, IPv6: NDP) and writes alive records with the MAC' },
  { name: 'include-file', short: 'iL', aliases: ['includefile'], type: 'list', arg: 'FILE', help: 'read ranges from FILE, one or more per line, # comments ("-" for stdin)' },
  { name: 'hitlist', type: 'string', arg: 'FILE', help: 'targets from FILE in its order: a line per address, with an optional host name (ADDR,NAME or NAME,ADDR or ADDR NAME; zgrab2\'s ip,name,tag) that the TCP targets carry as TLS SNI and HTTP Host; instead of ranges ("-" for stdin)' },
  { name: 'exclude', type: 'list', arg: 'RANGES', help: 'leave out these ranges' },
  { name: 'exclude-file', aliases: ['excludefile'], type: 'list', arg: 'FILE', help: 'leave out the ranges in FILE (ZMap blocklist / masscan exclude.conf format)' },
  { name: 'exclude-ports', type: 'list', arg: 'PORTS', help: 'leave out these ports' },
  { name: 'no-reserved', type: 'boolean', help: 'keep the special-purpose ranges (private, multicast, ...) inside wider ranges' },
  { name: 'seed', type: 'string', arg: 'N', help: 'order seed, 0 to 2^64-1 (default: random, printed on stderr)' },
  { name: 'shard', type: 'string', arg: 'I/N|auto', help: 'emit only shard I of N (1-based); auto: I and N from a Slurm array, Kubernetes Indexed Job or GNU parallel; needs --seed' },
  { name: 'resume-index', type: 'string', arg: 'K', help: 'start at index K of the order (as printed on interrupt)' },
  { name: 'limit', aliases: ['-n', 'max-targets'], type: 'number', arg: 'N', help: 'stop after N targets',
    check: (n: number) => (Number.isInteger(n) && n >= 0 ? undefined : `'${n}' is not a whole number`) },
];
