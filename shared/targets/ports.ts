// Port lists: "80,443,8000-8100", "T:80,U:53,U:161-162", "I:echo" -> sorted unique port keys
// (protocol and port in one number); --top-ports from nmap's frequency tables.
//
// A port key is proto * 65536 + port: TCP ports are their own keys (so a TCP-only scan's plan,
// order and records are what they were before UDP), UDP ports 65536 + port, the one ICMP
// echo target ICMP_ECHO_KEY and the one ARP target ARP_KEY (neither has a port). Ascending keys
// put TCP first, then UDP, then ICMP, then ARP.
import { TOP_TCP_PORTS } from './top-ports';
import { TOP_UDP_PORTS } from './top-udp-ports';
import { UsageError } from '../exit';

export const PROTO_TCP = 0, PROTO_UDP = 1, PROTO_ICMP = 2, PROTO_ARP = 3;
/** The `proto` field of each protocol number; TCP records carry none (absent means tcp). An
 *  arp target asks the address on the link: ARP for IPv4, a Neighbor Solicitation for IPv6. */
export const PROTO_NAMES = ['tcp', 'udp', 'icmp', 'arp'] as const;
export type ProtoName = typeof PROTO_NAMES[number];
export const ICMP_ECHO_KEY = PROTO_ICMP * 65536;
export const ARP_KEY = PROTO_ARP * 65536;
const KEYS = 4 * 65536;

export function portKey(proto: number, port: number): number { return proto * 65536 + port; }
export function protoOfKey(key: number): number { return Math.floor(key / 65536); }
export function portOfKey(key: number): number { return key % 65536; }

/**
 * Parses a port list; returns the port keys (unsorted, may repeat) or an error naming the token.
 * Besides N and N-M, nmap's open ends: "-" is 1-65535 (nmap -p-), "-N" is 1-N, "N-" is
 * N-65535. nmap's and masscan's protocol prefixes: T: (TCP, the default) and U: (UDP) hold, as in
 * nmap, for the tokens after them; top-N is that protocol's N most frequent ports; I:echo (or
 * I:) is the ICMP echo target. S: (SCTP) is refused.
 */
export function parsePorts(spec: string): number[] | string {
  const out: number[] = [];
  const tokens = spec.split(',').map((t) => t.trim());
  let proto = 'T';
  for (const given of tokens) {
    let tok = given;
    const q = /^([A-Za-z]):/.exec(tok);
    if (q) {
      proto = q[1].toUpperCase();
      tok = tok.slice(2);
      if (proto === 'S') return `'${given}': SCTP ports (S:) are not supported: trawl scans TCP (T:), UDP (U:) and ICMP echo (I:echo)`;
      if (proto !== 'T' && proto !== 'U' && proto !== 'I') return `bad protocol '${q[1]}:' in '${given}' (T: is TCP, U: UDP, I:echo ICMP echo)`;
    }
    if (proto === 'I') {
      if (tok !== 'echo' && tok !== '') return `bad ICMP target '${given}' (I:echo is the one trawl sends)`;
      out.push(ICMP_ECHO_KEY);
      continue;
    }
    const base = proto === 'U' ? PROTO_UDP * 65536 : 0;
    const top = /^top-(\d{1,4})$/.exec(tok);
    if (top) {
      const list = proto === 'U' ? TOP_UDP_PORTS : TOP_TCP_PORTS;
      const n = Number(top[1]);
      if (n < 1 || n > list.length) return `bad '${given}': top-N takes N from 1 to ${list.length}`;
      for (const p of list.slice(0, n)) out.push(base + p);
      continue;
    }
    const m = /^(\d{1,5})?(-)?(\d{1,5})?$/.exec(tok);
    if (!m || (m[1] === undefined && m[2] === undefined) || (m[2] === undefined && m[3] !== undefined)) return `bad port '${given}' (want N, N-M, -M, N- or -, 0-65535, or top-N)`;
    const lo = m[1] !== undefined ? Number(m[1]) : 1;
    const hi = m[2] === undefined ? lo : m[3] !== undefined ? Number(m[3]) : 65535;
    if (lo > 65535 || hi > 65535) return `bad port '${given}': ports go up to 65535`;
    if (hi < lo) return `bad port range '${given}': ends before it starts`;
    for (let p = lo; p <= hi; p++) out.push(base + p);
  }
  return out;
}

/** The n most frequent ports of nmap's table, TCP or (udp) UDP, as keys. */
export function topPorts(n: number, udp = false): number[] {
  return udp ? TOP_UDP_PORTS.slice(0, n).map((p) => PROTO_UDP * 65536 + p) : TOP_TCP_PORTS.slice(0, n);
}

/** The scan's port keys: the union of all given ones minus the excluded ones, ascending. */
export function portSet(include: number[], exclude: number[]): number[] {
  const mark = new Uint8Array(KEYS);
  for (const p of include) mark[p] = 1;
  for (const p of exclude) mark[p] = 0;
  const out: number[] = [];
  for (let p = 0; p < KEYS; p++) if (mark[p]) out.push(p);
  return out;
}

/** The port keys -p, --top-ports (--udp), --ping, --arp and --exclude-ports name (targets' options;
 *  scan records them too). */
export function collectPorts(opts: Record<string, any>): number[] {
  const include: number[] = [];
  for (const spec of opts.ports as string[]) {
    const p = parsePorts(spec);
    if (typeof p === 'string') throw new UsageError(`option -p: ${p}`);
    for (const x of p) include.push(x);
  }
  if (opts.udp && opts['top-ports'] === undefined) throw new UsageError('--udp goes with --top-ports N (for other UDP ports: -p U:PORTS)');
  if (opts['top-ports'] !== undefined) for (const x of topPorts(opts['top-ports'], !!opts.udp)) include.push(x);
  if (opts.ping) include.push(ICMP_ECHO_KEY);
  if (opts.arp) include.push(ARP_KEY);
  if (include.length === 0) throw new UsageError('no ports: give -p PORTS, --top-ports N, --ping or --arp');
  const exclude: number[] = [];
  for (const spec of opts['exclude-ports'] as string[]) {
    const p = parsePorts(spec);
    if (typeof p === 'string') throw new UsageError(`option --exclude-ports: ${p}`);
    for (const x of p) exclude.push(x);
  }
  return portSet(include, exclude);
}
