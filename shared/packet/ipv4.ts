// Header helpers for the decoders; the address conversions are the shared ones (shared/ipv4.ts).
import { formatIPv4, ipv4ToInt } from '../ipv4';

/** Dotted-quad text of an address held as uint32. */
export const ipString = formatIPv4;
/** uint32 of a dotted quad, or -1 when the text is not one. */
export const parseIpv4 = ipv4ToInt;

/** Big-endian reads over a Uint8Array; callers have checked the bounds. */
export function be16(b: Uint8Array, o: number): number { return (b[o] << 8) | b[o + 1]; }
export function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** true when the IPv4 header at o (hl bytes) sums to 0xffff, i.e. its checksum is right. */
export function ipHeaderChecksumOk(b: Uint8Array, o: number, hl: number): boolean {
  let sum = 0;
  for (let i = 0; i < hl; i += 2) sum += (b[o + i] << 8) | b[o + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}
