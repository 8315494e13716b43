// The Internet checksum (RFC 1071) over byte ranges: the IPv4 header check and the ICMPv6
// messages catch builds (ndp.ts).

/** The unfolded sum of the big-endian 16-bit words of b[from, to) (an odd tail padded with 0). */
export function inetSum(b: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i + 1 < to; i += 2) sum += (b[i] << 8) | b[i + 1];
  if ((to - from) & 1) sum += b[to - 1] << 8;
  return sum;
}

/** A sum folded to 16 bits and complemented: the checksum field's value. */
export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return (~sum) & 0xffff;
}
