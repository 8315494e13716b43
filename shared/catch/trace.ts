// catch --packet-trace (masscan's): a line on stderr for every packet read, what it was and
// what catch made of it, the verdict being the counter the packet landed in (every packet
// lands in exactly one: see counters.ts). For debugging a scan by eye, not for speed: the
// engine calls it only when the option is given.
import { Counters, REJECT_REASONS } from './counters';
import { Decoded, D_ARP, D_FRAGMENT, D_ICMP, D_ICMP_UDP, D_MALFORMED, D_NOT_IP, D_NS, D_OTHER, D_TCP, D_UDP, TH_ACK, TH_FIN, TH_PSH, TH_RST, TH_SYN } from '../packet/decode';

const NOT_DECODED = new Map<number, string>([[D_MALFORMED, 'malformed'], [D_FRAGMENT, 'ip fragment'], [D_NOT_IP, 'not ip'],
  [D_OTHER, 'icmp or other ip']]);
import { formatIPv4 } from '../ipv4';
import { formatIPv6, ipv6FromBytes } from '../ipv6';

const VERDICTS = ['open', 'closed', 'unreachable', 'segment', 'sent', 'repeat', 'reanswer', 'beyond_limit', ...REJECT_REASONS, 'arp', 'ns'] as const;
type Verdict = typeof VERDICTS[number];

/** The counters' values for the verdicts, to find which one a packet moved. */
export function snapshot(c: Counters, into: number[]): number[] {
  for (let k = 0; k < VERDICTS.length; k++) into[k] = c[VERDICTS[k]];
  return into;
}

/** The verdict that moved since the snapshot, or null when none did yet (a candidate whose
 *  fate the batch's cookie check decides). */
export function verdict(c: Counters, before: number[]): Verdict | null {
  for (let k = 0; k < VERDICTS.length; k++) if (c[VERDICTS[k]] !== before[k]) return VERDICTS[k];
  return null;
}

function flagText(f: number): string {
  let s = '';
  if (f & TH_SYN) s += 'S';
  if (f & TH_FIN) s += 'F';
  if (f & TH_RST) s += 'R';
  if (f & TH_PSH) s += 'P';
  if (f & TH_ACK) s += 'A';
  return s || '.';
}

/** What the packet was, from the decoder's view of it: "tcp 198.18.0.7:22 > 198.19.0.1:40001 SA len 0". */
export function describe(r: number, d: Decoded, b: Uint8Array): string {
  const addr = (v4: number, off6: number) => (d.family === 6 ? `[${formatIPv6(ipv6FromBytes(b.subarray(off6, off6 + 16)))}]` : formatIPv4(v4));
  if (r === D_TCP) return `tcp ${addr(d.saddr, d.s6)}:${d.sport} > ${addr(d.daddr, d.d6)}:${d.dport} ${flagText(d.flags)} seq ${d.seq >>> 0} ack ${d.ack >>> 0} len ${d.payLen}`;
  if (r === D_ICMP) return `icmp type ${d.icmpType} code ${d.icmpCode} from ${addr(d.saddr, d.s6)} quoting ${d.family === 6 ? '' : `${formatIPv4(d.qSaddr)}:${d.sport} > ${formatIPv4(d.qDaddr)}:${d.dport}`}`.trimEnd();
  if (r === D_UDP) return `udp ${addr(d.saddr, d.s6)}:${d.sport} > ${addr(d.daddr, d.d6)}:${d.dport} len ${d.payLen}`;
  if (r === D_ICMP_UDP) {
    return `icmp type ${d.icmpType} code ${d.icmpCode} from ${addr(d.saddr, d.s6)} quoting udp ${addr(d.qSaddr, d.q6s)}:${d.sport} > ${addr(d.qDaddr, d.q6d)}:${d.dport}`;
  }
  if (r === D_ARP) return `arp who-has ${formatIPv4(d.arpTpa)} tell ${formatIPv4(d.arpSpa)}`;
  if (r === D_NS) return 'ndp neighbor solicitation';
  return NOT_DECODED.get(r) ?? 'not decoded';
}

/** One trace line: the capture time (microseconds since the epoch, printed as seconds), what
 *  came, what became of it. */
export function traceLine(timeUs: number, what: string, v: string): string {
  return `RCVD ${(timeUs / 1e6).toFixed(6)} ${what}: ${v}\n`;
}
