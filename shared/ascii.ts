// Numbers and IPv4 addresses written as ASCII digits straight into a byte buffer (catch's and
// targets' record writers): no per-record strings, two digits per step from a table. Each
// function writes at b[p..] and returns the position after what it wrote; callers have
// reserved the room.

/** "00" to "99" as byte pairs. */
const PAIRS = Uint8Array.from(Array.from({ length: 100 }, (_, i) => [48 + Math.floor(i / 10), 48 + (i % 10)]).flat());

export function putBytes(b: Uint8Array, p: number, f: Uint8Array): number {
  const n = f.length;
  for (let i = 0; i < n; i++) b[p++] = f[i];
  return p;
}

/** A non-negative integer below 2^32, two digits at a time from a table. */
export function putUint(b: Uint8Array, p: number, v: number): number {
  if (v < 10) { b[p] = 48 + v; return p + 1; }
  if (v < 100) { b[p] = PAIRS[2 * v]; b[p + 1] = PAIRS[2 * v + 1]; return p + 2; }
  const digits = v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7
    : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  const end = p + digits;
  p = end;
  while (v >= 100) {
    const q = Math.floor(v / 100), r = 2 * (v - q * 100);
    b[--p] = PAIRS[r + 1]; b[--p] = PAIRS[r];
    v = q;
  }
  if (v >= 10) { b[--p] = PAIRS[2 * v + 1]; b[--p] = PAIRS[2 * v]; } else b[--p] = 48 + v;
  return end;
}

// "0".."255" as ASCII digits, three slots each, with their lengths: an octet is a table lookup,
// no division (8% of targets' whole run against putUint per octet).
const OCT_DIGITS = new Uint8Array(256 * 3);
const OCT_LEN = new Uint8Array(256);
for (let o = 0; o < 256; o++) {
  const t = String(o);
  OCT_LEN[o] = t.length;
  for (let k = 0; k < t.length; k++) OCT_DIGITS[o * 3 + k] = t.charCodeAt(k);
}

function octet(b: Uint8Array, p: number, o: number): number {
  const base = o * 3, len = OCT_LEN[o];
  b[p] = OCT_DIGITS[base];
  if (len > 1) { b[p + 1] = OCT_DIGITS[base + 1]; if (len > 2) b[p + 2] = OCT_DIGITS[base + 2]; }
  return p + len;
}

/** An IPv4 address held as uint32, dotted. */
export function putIp(b: Uint8Array, p: number, v: number): number {
  p = octet(b, p, v >>> 24); b[p++] = 46;
  p = octet(b, p, (v >>> 16) & 255); b[p++] = 46;
  p = octet(b, p, (v >>> 8) & 255); b[p++] = 46;
  return octet(b, p, v & 255);
}

// The high digits of capture times change once every 100 s: kept rendered between records.
let lastHi = -1;
let hiBytes = new Uint8Array(0);

/** A non-negative integer below 2^53 (microsecond times). */
export function putUint53(b: Uint8Array, p: number, v: number): number {
  if (v < 4294967296) return putUint(b, p, v);
  const hi = Math.floor(v / 1e8);
  let lo = v - hi * 1e8;
  if (hi !== lastHi) {
    const start = p;
    p = putUint(b, p, hi);
    lastHi = hi;
    hiBytes = Uint8Array.from(b.subarray(start, p));
  } else p = putBytes(b, p, hiBytes);
  for (let q = p + 6; q >= p; q -= 2) {
    const d = (lo / 100) | 0, r = 2 * (lo - d * 100);
    b[q] = PAIRS[r]; b[q + 1] = PAIRS[r + 1]; lo = d;
  }
  return p + 8;
}
