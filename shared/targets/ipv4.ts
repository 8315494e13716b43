// IPv4 text <-> 32-bit unsigned integer, strict dotted quads only (no inet_aton shorthands).

/**
 * Returns the address as an unsigned 32-bit number, or an error message. Hand-rolled over char
 * codes because -iL lists run to millions of lines.
 */
export function parseIPv4(s: string): number | string {
  let v = 0, part = 0, digits = 0, dots = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return `'${s}' is not a dotted-quad IPv4 address`;
    } else if (c === 46 && digits > 0 && dots < 3) {
      if (part > 255) return `octet ${part} of '${s}' is above 255`;
      v = v * 256 + part;
      part = 0; digits = 0; dots++;
    } else {
      return `'${s}' is not a dotted-quad IPv4 address`;
    }
  }
  if (dots !== 3 || digits === 0) return `'${s}' is not a dotted-quad IPv4 address`;
  if (part > 255) return `octet ${part} of '${s}' is above 255`;
  return v * 256 + part;
}

export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
