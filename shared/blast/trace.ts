// blast --packet-trace (masscan's): a line on stderr for every packet handed to the sender, a
// SYN (to its target) or a reply catch asked for (its kind, addresses, ports, seq and ack). For
// debugging by eye, not for speed: the engine calls it only when the option is given.
import { REPLY, REPLY_KINDS, replyLength } from '../replies';
import { formatIPv4 } from '../ipv4';
import { formatIPv6, ipv6FromBytes } from '../ipv6';
import type { TargetRing } from './ring';

const KIND_NAME = new Map<number, string>(Object.entries(REPLY_KINDS).map(([k, x]) => [x.n, k.toLowerCase().replace(/_/g, '+')]));
// When the batch call returned: the kernel has the packets (its own timestamps are in a capture).
const now = () => ((performance.timeOrigin + performance.now()) / 1000).toFixed(6);

function address(b: Uint8Array, at: number, family: number): string {
  if (family === 6) return `[${formatIPv6(ipv6FromBytes(b.subarray(at, at + 16)))}]`;
  return formatIPv4(((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0);   // IPv4 in the first 4 bytes
}

/** Lines for the first k entries of a target ring (sent SYNs; repeat: --attempts' later ones). */
export function synLines(r: TargetRing, k: number, repeat: boolean): string {
  let s = '';
  const t = now();
  for (let j = 0; j < k; j++) {
    const h = r.head + j;
    const v6 = r.families?.[h] === 6;
    const ip = v6 ? `[${formatIPv6(ipv6FromBytes(r.addrs6!.subarray(16 * h, 16 * h + 16)))}]` : formatIPv4(r.ips[h]);
    s += `SENT ${t} syn > ${ip}:${r.ports[h]}${repeat ? ' (repeat)' : ''}\n`;
  }
  return s;
}

/** Lines for the first k reply requests in frames (as the sender took them). */
export function replyLines(frames: Uint8Array, k: number): string {
  let s = '';
  const t = now();
  const dv = new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
  for (let j = 0, o = 0; j < k; j++, o += replyLength(frames, o)) {
    const fam = frames[o + REPLY.family.at];
    const kind = KIND_NAME.get(frames[o + REPLY.kind.at]) ?? `kind ${frames[o + REPLY.kind.at]}`;
    s += `SENT ${t} ${kind} ${address(frames, o + REPLY.saddr.at, fam)}:${dv.getUint16(o + REPLY.sport.at)} > ` +
      `${address(frames, o + REPLY.daddr.at, fam)}:${dv.getUint16(o + REPLY.dport.at)} seq ${dv.getUint32(o + REPLY.seq.at)} ack ${dv.getUint32(o + REPLY.ack.at)}\n`;
  }
  return s;
}
