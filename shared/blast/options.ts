// blast's option table and the checks scan shares when it passes the same options through.
import { checkBy, OptionSpec, parseNumber } from '../args';
import { UsageError } from '../exit';
import { isLayer3Link, isMac } from '../netinfo';
import { parseSource, SOURCE_IP_OPTION } from '../source-ip';
import { SOURCE_PORT_OPTION } from '../source-port';
import { DEFAULT_ARP_QUEUE, DEFAULT_ARP_TIMEOUT } from './lan';
import { bandwidthToRate } from './rate';
import { TX_ENGINES, TxEngineName } from '../../native/index';

export const SYN_OPTION_NAMES = ['linux', 'windows', 'bsd', 'none'] as const;
// TCP option bytes per layout (ZMap's --probe-args): linux MSS,SACKOK,TS,NOP,WS = 20;
// windows MSS,NOP,WS,NOP,NOP,SACKOK = 12; bsd MSS,NOP,WS,SACKOK,TS = 20 (native/src/frame.cc).
export const SYN_OPTION_BYTES: Record<string, number> = { linux: 20, windows: 12, bsd: 20, none: 0 };
export const SYN_BASE_FRAME = 14 + 20 + 20;

export const DEFAULT_RATE = 100;
/** Without --engine: the fastest of test/bench/tx.bench.sh's runs on two lanes (figures in
 *  native/src/sender.cc and trawl-blast(1)), and sendmmsg where it cannot start (shared/blast/session.ts). */
export const DEFAULT_ENGINE: TxEngineName = 'xdp';
export const FALLBACK_ENGINE: TxEngineName = 'sendmmsg';

/** --rate: a positive number (1e6, 10k, 2M) or "max". */
export function parseRate(s: string): number | string {
  if (s === 'max') return Infinity;
  const v = parseNumber(s);
  if (Number.isNaN(v)) return `'${s}' is not a rate (a number such as 1000, 10k, 1e6, or max)`;
  if (!(v > 0)) return 'the rate must be above 0 (or max)';
  return v;
}

/** The SYN rate blast sends at for its (or scan's) options: --bandwidth over the SYN's frame,
 *  --rate, or the default. */
export function sendRate(opts: Record<string, any>): number {
  if (opts.bandwidth !== undefined) {
    return bandwidthToRate(parseBandwidth(opts.bandwidth) as number, SYN_BASE_FRAME + SYN_OPTION_BYTES[opts['syn-options']]);
  }
  return opts.rate !== undefined ? parseRate(opts.rate) as number : DEFAULT_RATE;
}

/** --bandwidth: bits per second with an optional k/M/G suffix and "b" or "bps", as ZMap's -B. */
export function parseBandwidth(s: string): number | string {
  const v = parseNumber(s.trim().replace(/(?:bps|b)$/, ''));
  if (Number.isNaN(v)) return `'${s}' is not a bandwidth (such as 10M or 1G)`;
  if (!(v > 0)) return 'the bandwidth must be above 0';
  return v;
}

/** Options that shape the packets blast sends; scan passes them through unchanged. */
export const SEND_OPTIONS: OptionSpec[] = [
  { name: 'interface', short: 'i', aliases: ['-e', 'adapter'], type: 'string', arg: 'IFACE', help: 'send on IFACE (default: the default route\'s interface)' },
  SOURCE_IP_OPTION,
  SOURCE_PORT_OPTION,
  { name: 'router-mac', aliases: ['-G', 'gateway-mac'], type: 'string', arg: 'MAC', check: (v: string) => (isMac(v) ? undefined : `'${v}' is not a MAC address`),
    help: 'next hop\'s MAC (default: the gateway\'s, from the neighbour table or by ARP)' },
  { name: 'router-ip', type: 'list', arg: 'ADDR', check: (v: string) => routerIpError(v),
    help: 'next hop\'s address, IPv4 or IPv6, once per family: its MAC from the neighbour table, or by ARP or Neighbor Solicitation (default: the route\'s gateway)' },
  { name: 'rate', aliases: ['-r', 'max-rate'], type: 'string', arg: 'PPS', check: checkBy(parseRate),
    help: `probes (SYNs and their repeats) per second, or max; replies for banners come on top (default: ${DEFAULT_RATE})` },
  { name: 'max-packet-rate', type: 'string', arg: 'PPS', check: checkBy(parseRate),
    help: 'cap every packet sent (SYNs, ACK+probes, ACKs, RSTs) at PPS per second (default: no cap beyond --rate\'s)' },
  { name: 'bandwidth', short: 'B', type: 'string', arg: 'BPS', check: checkBy(parseBandwidth),
    help: 'rate as bits per second on the wire (10M, 1G), instead of --rate' },
  { name: 'attempts', type: 'number', arg: 'N', default: 1,
    check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 16 ? undefined : 'must be an integer from 1 to 16'),
    help: 'send each SYN (or ICMP echo request) N times, at least 1 s apart' },
  { name: 'ttl', type: 'number', arg: 'N', default: 255,
    check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 255 ? undefined : 'must be an integer from 1 to 255'),
    help: 'IP time to live of the SYNs' },
  { name: 'syn-options', type: 'string', arg: 'LAYOUT', default: 'linux',
    check: (v: string) => ((SYN_OPTION_NAMES as readonly string[]).includes(v) ? undefined : `'${v}' is not one of ${SYN_OPTION_NAMES.join(', ')}`),
    help: 'TCP options of the SYN: linux, windows, bsd or none' },
  { name: 'engine', type: 'string', arg: 'ENGINE',
    check: (v: string) => ((TX_ENGINES as readonly string[]).includes(v) ? undefined : `'${v}' is not one of ${TX_ENGINES.join(', ')}`),
    help: `how frames reach the kernel: sendmmsg, tx-ring (PACKET_TX_RING) or xdp (AF_XDP) (default: ${DEFAULT_ENGINE}, ${FALLBACK_ENGINE} where it cannot start)` },
  { name: 'arp-timeout', type: 'number', arg: 'S', default: DEFAULT_ARP_TIMEOUT,
    check: (v: number) => (v >= 0.05 && v <= 60 ? undefined : 'must be from 0.05 to 60 seconds'),
    help: 'on-link targets: wait S seconds for an ARP reply or Neighbor Advertisement (3 requests) before writing them as unreachable' },
  { name: 'arp-queue', type: 'number', arg: 'N', default: DEFAULT_ARP_QUEUE,
    check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 1 << 24 ? undefined : 'must be an integer from 1 to 16777216'),
    help: 'on-link targets waiting for their MAC at most; past it reading waits (about 30 bytes each)' },
  { name: 'packet-trace', type: 'boolean', help: 'a line on stderr for every packet sent (masscan\'s --packet-trace; scan: catch\'s received ones too)' },
  { name: 'allow-special', type: 'boolean',
    help: 'also send to 0.0.0.0/8, loopback, multicast and 255.255.255.255 (refused as bad lines otherwise)' },
];

/** The next hops given with --router-ip, one address per family. */
export interface RouterIps { v4: string | null; v6: string | null }

function routerIpError(v: string): string | undefined {
  const p = parseSource(v);
  if (typeof p === 'string' || p.count !== 1) return `'${v}' is not an IPv4 or IPv6 address`;
  return undefined;
}

/** The --router-ip values by family (their text as given, checked by the table). Throws a usage
 *  error for two of one family, for --router-mac beside them, and, as for --router-mac, on a
 *  layer-3 link (tun, WireGuard, PPP), where no frame carries a MAC. */
export function nextHopOptions(opts: Record<string, any>, iface: string | undefined): RouterIps {
  const out: RouterIps = { v4: null, v6: null };
  for (const v of (opts['router-ip'] ?? []) as string[]) {
    const p = parseSource(v) as { family: 4 | 6; first: string };
    const k = p.family === 4 ? 'v4' : 'v6';
    if (out[k] !== null) throw new UsageError(`option --router-ip: two IPv${p.family} next hops (${out[k]}, ${v}): give one per family`);
    out[k] = p.first;
  }
  const given = out.v4 || out.v6;
  if (given && opts['router-mac'] !== undefined) throw new UsageError('give --router-ip or --router-mac, not both (--router-mac names the MAC itself)');
  if (iface && isLayer3Link(iface)) {
    for (const o of ['router-mac', 'router-ip']) {
      if (o === 'router-mac' ? opts[o] !== undefined : given) {
        throw new UsageError(`option --${o}: ${iface} is a layer-3 link (tun, WireGuard, PPP): its packets carry no MAC addresses`);
      }
    }
  }
  return out;
}
