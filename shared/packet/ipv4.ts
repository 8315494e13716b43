// IPv4 header helpers for the decoders (address text <-> number is shared/ipv4.ts).
import { foldSum, inetSum } from './checksum';

/** Big-endian reads over a Uint8Array; callers have checked the bounds. */
export function be16(b: Uint8Array, o: number): number { return (b[o] << 8) | b[o + 1]; }
export function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** true when the IPv4 header at o (hl bytes) sums to 0xffff, i.e. its checksum is right. */
export function ipHeaderChecksumOk(b: Uint8Array, o: number, hl: number): boolean {
  return foldSum(inetSum(b, o, o + hl)) === 0;
}
