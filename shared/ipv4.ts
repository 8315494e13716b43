// IPv4 text <-> uint32 in host order (198.18.0.1 = 0xC6120001), the one parser and formatter every
// command uses (shared/ipv6.ts is its IPv6 twin). Strict dotted quads only: no inet_aton shorthands, and no leading zeros, since
// "010" is octal to some tools and decimal to others. Hand-rolled over char codes because -iL
// lists and target streams run to millions of lines.
const OCTET: string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** The address as an unsigned 32-bit number, or an error message naming the text. */
export function parseIPv4(s: string): number | string {
  let v = 0, part = 0, digits = 0, dots = 0;
  const bad = () => `'${s}' is not a dotted-quad IPv4 address`;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return `'${s}' has an octet with a leading zero (octal to some tools)`;
      part = part * 10 + (c - 48);
      if (++digits > 3) return bad();
    } else if (c === 46 && digits > 0 && dots < 3) {
      if (part > 255) return `octet ${part} of '${s}' is above 255`;
      v = v * 256 + part;
      part = 0; digits = 0; dots++;
    } else {
      return bad();
    }
  }
  if (dots !== 3 || digits === 0) return bad();
  if (part > 255) return `octet ${part} of '${s}' is above 255`;
  return v * 256 + part;
}

/** An option table's check: undefined for a dotted quad, else a message naming the value. */
export function checkIPv4(v: string): string | undefined {
  return typeof parseIPv4(v) === 'number' ? undefined : `'${v}' is not an IPv4 address`;
}

/** Dotted-quad text of an address held as uint32, from a table of octet strings. */
export function formatIPv4(v: number): string {
  return OCTET[v >>> 24] + '.' + OCTET[(v >>> 16) & 255] + '.' + OCTET[(v >>> 8) & 255] + '.' + OCTET[v & 255];
}
