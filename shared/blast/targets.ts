// Checks a target record from stdin and turns it into what the send ring holds.
import { AnyRecord } from '../records';
import { parseIPv4 } from '../ipv4';
import { parseIPv6 } from '../ipv6';

export interface ParsedTarget { ip: number; port: number; i: number }

export const IPV6 = -2;

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

/** The target as numbers, IPV6 for an IPv6 target, or an error message for a bad one. */
export function parseTarget(rec: AnyRecord, out: ParsedTarget, allowSpecial = false): string | number {
  const ip = rec.ip, port = rec.port, i = rec.i;
  if (typeof ip !== 'string') return 'target has no "ip" string';
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return 'target "port" is not an integer from 1 to 65535';
  if (i !== undefined && (typeof i !== 'number' || !Number.isInteger(i) || i < 0)) return 'target "i" is not a non-negative integer';
  const v = parseIPv4(ip);
  if (typeof v === 'string') {
    if (ip.includes(':') && typeof parseIPv6(ip) === 'bigint') return IPV6;
    return `target "ip" ${JSON.stringify(ip.slice(0, 40))} is not an IPv4 or IPv6 address`;
  }
  const why = allowSpecial ? null : specialAddress(v);
  if (why) return `target "ip" ${ip} ${why}: not sent (--allow-special sends it)`;
  out.ip = v; out.port = port; out.i = i === undefined ? -1 : i;
  return 0;
}
