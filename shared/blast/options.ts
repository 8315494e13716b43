// blast's option table and the checks scan shares when it passes the same options through.
import { OptionSpec } from '../args';
import { isMac } from '../netinfo';
import { ipv4ToInt } from './addr';

export const SYN_OPTION_NAMES = ['linux', 'windows', 'bsd', 'none'] as const;
// TCP option bytes per layout (ZMap's --probe-args): linux MSS,SACKOK,TS,NOP,WS = 20;
// windows MSS,NOP,WS,NOP,NOP,SACKOK = 12; bsd MSS,NOP,WS,SACKOK,TS = 20 (native/src/frame.cc).
export const SYN_OPTION_BYTES: Record<string, number> = { linux: 20, windows: 12, bsd: 20, none: 0 };
export const SYN_BASE_FRAME = 14 + 20 + 20;

export const DEFAULT_RATE = 100;

/** "N" or "N-M" -> [base, count], or an error message. */
export function parsePortRange(s: string): [number, number] | string {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return `'${s}' is not N or N-M`;
  const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) return `'${s}' is not a port range within 1-65535`;
  return [lo, hi - lo + 1];
}

/** --rate: a positive number (1e6, 10k, 2M) or "max". */
export function parseRate(s: string): number | string {
  if (s === 'max') return Infinity;
  const m = /^(\d+\.?\d*|\.\d+)(?:e(\d+))?([kKmM]?)$/.exec(s.trim());
  if (!m) return `'${s}' is not a rate (a number such as 1000, 10k, 1e6, or max)`;
  const v = Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1) * ({ '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[3]] as number);
  if (!(v > 0)) return 'the rate must be above 0 (or max)';
  return v;
}

/** --bandwidth: bits per second with an optional k/M/G suffix, as ZMap's -B. */
export function parseBandwidth(s: string): number | string {
  const m = /^(\d+\.?\d*)([kKmMgG]?)(?:bps|b)?$/.exec(s.trim());
  if (!m) return `'${s}' is not a bandwidth (such as 10M or 1G)`;
  const v = Number(m[1]) * ({ '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 }[m[2]] as number);
  if (!(v > 0)) return 'the bandwidth must be above 0';
  return v;
}

const str = (f: (s: string) => unknown) => (v: string) => { const r = f(v); return typeof r === 'string' ? r : undefined; };

/** Options that shape the packets blast sends; scan passes them through unchanged. */
export const SEND_OPTIONS: OptionSpec[] = [
  { name: 'interface', short: 'i', type: 'string', arg: 'IFACE', help: 'send on IFACE (default: the default route\'s interface)' },
  { name: 'source-ip', type: 'string', arg: 'ADDR', check: (v: string) => (ipv4ToInt(v) < 0 ? `'${v}' is not an IPv4 address` : undefined),
    help: 'source address of the SYNs (default: the interface\'s)' },
  { name: 'source-port', type: 'string', arg: 'N|N-M', default: '32768-61000', check: str(parsePortRange),
    help: 'source ports; each target gets a keyed port from the range' },
  { name: 'router-mac', type: 'string', arg: 'MAC', check: (v: string) => (isMac(v) ? undefined : `'${v}' is not a MAC address`),
    help: 'next hop\'s MAC (default: the gateway\'s, from the neighbour table or by ARP)' },
  { name: 'rate', type: 'string', arg: 'PPS', check: str(parseRate),
    help: `packets per second, SYNs and replies together, or max (default: ${DEFAULT_RATE})` },
  { name: 'bandwidth', short: 'B', type: 'string', arg: 'BPS', check: str(parseBandwidth),
    help: 'rate as bits per second on the wire (10M, 1G), instead of --rate' },
  { name: 'attempts', type: 'number', arg: 'N', default: 1,
    check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 16 ? undefined : 'must be an integer from 1 to 16'),
    help: 'send each SYN N times, at least 1 s apart' },
  { name: 'ttl', type: 'number', arg: 'N', default: 255,
    check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 255 ? undefined : 'must be an integer from 1 to 255'),
    help: 'IP time to live of the SYNs' },
  { name: 'syn-options', type: 'string', arg: 'LAYOUT', default: 'linux',
    check: (v: string) => ((SYN_OPTION_NAMES as readonly string[]).includes(v) ? undefined : `'${v}' is not one of ${SYN_OPTION_NAMES.join(', ')}`),
    help: 'TCP options of the SYN: linux, windows, bsd or none' },
  { name: 'allow-special', type: 'boolean',
    help: 'also send to 0.0.0.0/8, loopback, multicast and 255.255.255.255 (refused as bad lines otherwise)' },
];
