// Checks a target record from stdin and turns it into what the send ring holds.
import { AnyRecord } from '../records';
import { parseIPv4 } from '../ipv4';
import { ipv6Bytes, parseIPv6 } from '../ipv6';
import type { WalkPlan } from '../targets/walk';
import { ICMP_ECHO_KEY, portOfKey } from '../targets/ports';
import type { Interval } from '../targets/intervals';
import { SLOTS } from '../cookie';

/** A checked target: family 4 with ip, or family 6 with its 16 bytes in ip6. */
export interface ParsedTarget { family: 4 | 6; ip: number; ip6: Uint8Array; port: number; i: number }

export function newParsedTarget(): ParsedTarget { return { family: 4, ip: 0, ip6: new Uint8Array(16), port: 0, i: 0 }; }

/** Why a SYN to this address is no scan of a remote host (refused unless --allow-special), or
 *  null. A target list that holds them is a mistake, and such frames reach local hosts. */
export function specialAddress(ip: number): string | null {
  const a = ip >>> 24;
  if (a === 0) return 'is in 0.0.0.0/8 (this network)';
  if (a === 127) return 'is a loopback address (127.0.0.0/8)';
  if (a >= 224 && a <= 239) return 'is a multicast address (224.0.0.0/4)';
  if (ip >>> 0 === 0xffffffff) return 'is the broadcast address';
  return null;
}

/** specialAddress for an IPv6 target (its 16 bytes). */
export function specialAddress6(a: Uint8Array): string | null {
  let zero10 = true;
  for (let k = 0; k < 10; k++) if (a[k] !== 0) { zero10 = false; break; }
  if (a[0] === 0xff) return 'is a multicast address (ff00::/8)';
  if (zero10 && a[10] === 0xff && a[11] === 0xff) return 'is IPv4-mapped (::ffff:0:0/96): give the IPv4 address';
  if (zero10 && a[10] === 0 && a[11] === 0 && a[12] === 0 && a[13] === 0 && a[14] === 0 && a[15] <= 1) {
    return a[15] === 0 ? 'is the unspecified address (::)' : 'is the loopback address (::1)';
  }
  return null;
}

/** An ICMP echo target (proto "icmp": an address, no port): as parseTarget, with port 0 in out
 *  (the send ring's mark of an echo target). */
export function parseEchoTarget(rec: AnyRecord, out: ParsedTarget, allowSpecial = false): string | 0 {
  if (rec.port !== undefined) return 'an "icmp" target has no "port" (ICMP echo has none)';
  const r = parseTarget({ ...rec, port: 1, proto: undefined }, out, allowSpecial);
  if (r === 0) out.port = 0;
  return r;
}

/** An ARP target (proto "arp": an address on the link, no port): as parseEchoTarget. */
export function parseArpTarget(rec: AnyRecord, out: ParsedTarget, allowSpecial = false): string | 0 {
  if (rec.port !== undefined) return 'an "arp" target has no "port" (ARP asks an address)';
  const r = parseTarget({ ...rec, port: 1, proto: undefined }, out, allowSpecial);
  if (r === 0) out.port = 0;
  return r;
}

/** Fills out with the target (0), or returns an error message for a bad one. */
export function parseTarget(rec: AnyRecord, out: ParsedTarget, allowSpecial = false): string | 0 {
  const ip = rec.ip, port = rec.port, i = rec.i;
  // A UDP or ICMP target must never go out as a SYN (trawl.7: unknown protos are refused).
  if (rec.proto !== undefined && rec.proto !== 'tcp') return `target "proto" ${JSON.stringify(String(rec.proto).slice(0, 20))}: blast sends TCP SYNs only: not sent`;
  if (typeof ip !== 'string') return 'target has no "ip" string';
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return 'target "port" is not an integer from 1 to 65535';
  if (i !== undefined && (typeof i !== 'number' || !Number.isInteger(i) || i < 0)) return 'target "i" is not a non-negative integer';
  const v = parseIPv4(ip);
  let why: string | null;
  if (typeof v === 'string') {
    const v6 = ip.includes(':') ? parseIPv6(ip) : null;
    if (typeof v6 !== 'bigint') return `target "ip" ${JSON.stringify(ip.slice(0, 40))} is not an IPv4 or IPv6 address`;
    ipv6Bytes(v6, out.ip6);
    out.family = 6;
    why = allowSpecial ? null : specialAddress6(out.ip6);
  } else {
    out.family = 4;
    out.ip = v;
    why = allowSpecial ? null : specialAddress(v);
  }
  if (why) return `target "ip" ${ip} ${why}: not sent (--allow-special sends it)`;
  out.port = port; out.i = i === undefined ? -1 : i;
  return 0;
}

// The blocks specialAddress and specialAddress6 refuse, as intervals (first, last, why).
const SPECIAL4: [bigint, bigint, string][] = [
  [0n, 0xffffffn, 'holds 0.0.0.0/8 (this network)'], [0x7f000000n, 0x7fffffffn, 'holds loopback addresses (127.0.0.0/8)'],
  [0xe0000000n, 0xefffffffn, 'holds multicast addresses (224.0.0.0/4)'], [0xffffffffn, 0xffffffffn, 'holds the broadcast address'],
];
const SPECIAL6: [bigint, bigint, string][] = [
  [0n, 1n, 'holds the unspecified or loopback address (:: or ::1)'], [0xffffn << 32n, (0xffffn << 32n) | 0xffffffffn, 'holds IPv4-mapped addresses (::ffff:0:0/96)'],
  [0xffn << 120n, (1n << 128n) - 1n, 'holds multicast addresses (ff00::/8)'],
];

function overlap(list: Interval[], blocks: [bigint, bigint, string][]): string | null {
  for (const iv of list) for (const [a, b, why] of blocks) if (iv.first <= b && iv.last >= a) return why;
  return null;
}

/** Why blast does not send a walk record's targets (as parseTarget and parseUdpTarget for one
 *  target), or 0: a range holding special addresses (unless --allow-special), UDP ports when
 *  this blast has no UDP payloads or too few source ports to carry their slots. */
export function walkSendRefusal(p: WalkPlan, allowSpecial: boolean, udp: boolean, sportCount: number): string | 0 {
  const k = p.ports.find((key) => key >= 65536 && key < 2 * 65536);
  if (k !== undefined && !udp) return `walk "ports" U:${portOfKey(k)}: this blast sends no UDP`;
  if (k !== undefined && sportCount < SLOTS) return `walk "ports" U:${portOfKey(k)}: UDP needs a --source-port range of at least ${SLOTS} ports (the payload's slot is in the port)`;
  const other = p.ports.find((key) => key >= 2 * 65536 && key !== ICMP_ECHO_KEY);
  if (other !== undefined) return `walk "ports": a port key blast cannot send from a walk (${other})`;
  if (allowSpecial) return 0;
  const why = overlap(p.set.v4, SPECIAL4) ?? overlap(p.set.v6, SPECIAL6);
  return why ? `walk "ranges" ${why} (--allow-special sends them)` : 0;
}
