// Checks a target record from stdin and turns it into what the send ring holds.
import { AnyRecord } from '../records';
import { parseIPv4 } from '../ipv4';

export interface ParsedTarget { ip: number; port: number; i: number }

export const IPV6 = -2;

/** The target as numbers, IPV6 for an IPv6 target, or an error message for a bad one. */
export function parseTarget(rec: AnyRecord, out: ParsedTarget): string | number {
  const ip = rec.ip, port = rec.port, i = rec.i;
  if (typeof ip !== 'string') return 'target has no "ip" string';
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return 'target "port" is not an integer from 1 to 65535';
  if (i !== undefined && (typeof i !== 'number' || !Number.isInteger(i) || i < 0)) return 'target "i" is not a non-negative integer';
  const v = parseIPv4(ip);
  if (typeof v === 'string') return ip.includes(':') ? IPV6 : `target "ip" ${JSON.stringify(ip.slice(0, 40))} is not an IPv4 or IPv6 address`;
  out.ip = v; out.port = port; out.i = i === undefined ? -1 : i;
  return 0;
}
