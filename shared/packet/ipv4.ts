// IPv4 address text <-> uint32 (host order, 198.18.0.1 = 0xC6120001) without per-call parsing
// work on the hot path: dotted text is built from a 256-entry octet table.
const OCTET: string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** Dotted-quad text of an address held as uint32. */
export function ipString(v: number): string {
  return OCTET[v >>> 24] + '.' + OCTET[(v >>> 16) & 255] + '.' + OCTET[(v >>> 8) & 255] + '.' + OCTET[v & 255];
}

/** uint32 of a dotted quad, or -1 when the text is not one. */
export function parseIpv4(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return -1;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return -1;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

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
