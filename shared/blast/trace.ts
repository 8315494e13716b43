// blast --packet-trace (masscan's): a line on stderr for every packet handed to the sender, a
// SYN (to its target) or a reply catch asked for (its kind, addresses, ports, seq and ack). For
// debugging by eye, not for speed: the engine calls it only when the option is given.
import { decodeReply, REPLY_KINDS, replyLength } from '../replies';
import { formatIPv4 } from '../ipv4';
import { formatIPv6, ipv6FromBytes } from '../ipv6';
import type { TargetRing } from './ring';
import { UDP_RING_MARK } from '../udp/plan';

const KIND_NAME = new Map<number, string>(Object.entries(REPLY_KINDS).map(([k, x]) => [x.n, k.toLowerCase().replace(/_/g, '+')]));
// When the batch call returned: the kernel has the packets (its own timestamps are in a capture).
const now = () => ((performance.timeOrigin + performance.now()) / 1000).toFixed(6);
const v6 = (b: Uint8Array) => `[${formatIPv6(ipv6FromBytes(b))}]`;

/** Lines for the first k entries of a target ring (sent SYNs; repeat: --attempts' later ones). */
export function synLines(r: TargetRing, k: number, repeat: boolean): string {
  let s = '';
  const t = now();
  for (let j = 0; j < k; j++) {
    const h = r.head + j;
    const ip = r.families?.[h] === 6 ? v6(r.addrs6!.subarray(16 * h, 16 * h + 16)) : formatIPv4(r.ips[h]);
    // Port 0: an ICMP echo target (proto icmp), which has no port; a marked slot: a UDP datagram.
    const what = r.ports[h] === 0 ? `echo > ${ip}` : r.slots[h] >= UDP_RING_MARK ? `udp > ${ip}:${r.ports[h]}` : `syn > ${ip}:${r.ports[h]}`;
    s += `SENT ${t} ${what}${repeat ? ' (repeat)' : ''}\n`;
  }
  return s;
}

/** Lines for the first k reply requests in frames (as the sender took them). */
export function replyLines(frames: Uint8Array, k: number): string {
  let s = '';
  const t = now();
  for (let j = 0, o = 0; j < k; j++, o += replyLength(frames, o)) {
    const r = decodeReply(frames, o);
    const [from, to] = r.family === 6 ? [v6(r.saddr6!), v6(r.daddr6!)] : [formatIPv4(r.saddr), formatIPv4(r.daddr)];
    s += `SENT ${t} ${KIND_NAME.get(r.kind) ?? `kind ${r.kind}`} ${from}:${r.sport} > ${to}:${r.dport} seq ${r.seq >>> 0} ack ${r.ack >>> 0}\n`;
  }
  return s;
}
