// IPv4 text <-> 32-bit unsigned integer, strict dotted quads only (no inet_aton shorthands).

/** Returns the address as an unsigned 32-bit number, or an error message. */
export function parseIPv4(s: string): number | string {
  const parts = s.split('.');
  if (parts.length !== 4) return `'${s}' is not a dotted-quad IPv4 address`;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return `'${s}' is not a dotted-quad IPv4 address`;
    const n = Number(p);
    if (n > 255) return `octet ${p} of '${s}' is above 255`;
    v = v * 256 + n;
  }
  return v;
}

export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
