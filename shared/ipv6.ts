// IPv6 text <-> 128-bit BigInt (RFC 4291 input forms, RFC 5952 canonical output), the twin of
// shared/ipv4.ts.
import { formatIPv4, parseIPv4 } from './ipv4';

const ERR = (s: string) => `'${s}' is not an IPv6 address`;

/** Returns the address as a BigInt in [0, 2^128), or an error message. */
export function parseIPv6(s: string): bigint | string {
  if (s.includes('%')) return `'${s}': zone indexes are not allowed in targets`;
  let text = s;
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups: rewrite it as hex.
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > 0) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (typeof v4 === 'string') return ERR(s);
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return ERR(s);
  const group = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const head = group(halves[0]), rest = group(halves[1]);
    if (!head || !rest) return ERR(s);
    const known = head.length + rest.length;
    if (known > 7) return ERR(s);
    groups = [...head, ...new Array(8 - known).fill(0), ...rest];
  } else {
    const all = group(halves[0]);
    if (!all) return ERR(s);
    groups = all;
  }
  if (groups.length !== 8) return ERR(s);
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** RFC 5952's "::": the first longest run of at least two zero groups, as [start, length], or
 *  [-1, 1] when there is none. Shared by the text formatter and the byte encoder. */
export function longestZeroRun(g: ArrayLike<number>): [number, number] {
  let best = -1, bestLen = 1;
  for (let k = 0; k < 8;) {
    if (g[k] !== 0) { k++; continue; }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) { best = k; bestLen = e - k; }
    k = e;
  }
  return [best, bestLen];
}

/** RFC 5952: lower case, no leading zeros, the first longest run (>= 2) of zero groups as "::". */
export function formatIPv6(v: bigint): string {
  // IPv4-mapped addresses keep their dotted quad (RFC 5952 section 5).
  if (v >> 32n === 0xffffn) {
    return `::ffff:${formatIPv4(Number(v & 0xffffffffn))}`;
  }
  const g: number[] = [];
  for (let k = 7; k >= 0; k--) g.push(Number((v >> BigInt(k * 16)) & 0xffffn));
  const [best, bestLen] = longestZeroRun(g);
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** The address's 16 bytes (network order) into out at off. */
export function ipv6Bytes(v: bigint, out: Uint8Array, off = 0): void {
  for (let k = 15; k >= 0; k--) { out[off + k] = Number(v & 0xffn); v >>= 8n; }
}

/** The address in the 16 bytes of b from off. */
export function ipv6FromBytes(b: Uint8Array, off = 0): bigint {
  let v = 0n;
  for (let k = 0; k < 16; k++) v = (v << 8n) | BigInt(b[off + k]);
  return v;
}
