// IPv4 text <-> uint32 (host order, as the native module wants), without allocating per call.

/** 198.18.0.1 -> 0xC6120001; -1 when s is not a dotted quad. */
export function ipv4ToInt(s: string): number {
  let v = 0, part = 0, digits = 0, dots = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      v = v * 256 + part; part = 0; digits = 0; dots++;
    } else if (c >= 48 && c <= 57) {
      // No leading zeros: "010" is octal to some tools, decimal to others; refuse the ambiguity.
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}

export function intToIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
