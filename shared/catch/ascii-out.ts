// Builds NDJSON records as ASCII bytes in one growing buffer instead of concatenating strings:
// at a million records a second, string ropes and number-to-string conversions of 16-digit
// times cost more than the whole decode. Every record field catch writes is ASCII (numbers,
// dotted addresses, flag letters, base64, probe names), so a batch goes out as these bytes.
// A record reserves its worst-case size first; the writes after that skip bounds checks.

/** A literal fragment, pre-encoded once: its bytes, and the same packed as little-endian 32-bit
 *  words (the tail that does not fill a word stays in bytes) so it is copied four bytes a store. */
export interface Lit { bytes: Uint8Array; words: Uint32Array; tail: Uint8Array; length: number }

export function lit(s: string): Lit {
  const bytes = Uint8Array.from(Buffer.from(s, 'latin1'));
  const nw = bytes.length >> 2;
  const words = new Uint32Array(nw);
  for (let i = 0; i < nw; i++) {
    words[i] = (bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24)) >>> 0;
  }
  return { bytes, words, tail: bytes.slice(nw * 4), length: bytes.length };
}

const EMPTY = new Uint8Array(0);
/** "00" to "99" as byte pairs. */
const PAIRS = Uint8Array.from(Array.from({ length: 100 }, (_, i) => [48 + Math.floor(i / 10), 48 + (i % 10)]).flat());

/** Writes f at b[p..] (through dv, a view of b) and returns the position after it. These
 *  put* functions work on locals so that a record writer keeps its position in a register. */
export function putLit(dv: DataView, b: Uint8Array, p: number, f: Lit): number {
  const w = f.words, nw = w.length;
  for (let i = 0; i < nw; i++, p += 4) dv.setUint32(p, w[i], true);
  const t = f.tail;
  for (let i = 0; i < t.length; i++) b[p++] = t[i];
  return p;
}

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

/** An IPv4 address held as uint32, dotted. */
export function putIp(b: Uint8Array, p: number, v: number): number {
  p = putUint(b, p, v >>> 24); b[p++] = 46;
  p = putUint(b, p, (v >>> 16) & 255); b[p++] = 46;
  p = putUint(b, p, (v >>> 8) & 255); b[p++] = 46;
  return putUint(b, p, v & 255);
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

export class AsciiOut {
  buf: Buffer = Buffer.allocUnsafe(1 << 20);
  dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  pos = 0;

  /** Makes room for n more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.length);
  }

  lit(f: Lit): void { this.pos = putLit(this.dv, this.buf, this.pos, f); }
  bytes(f: Uint8Array): void { this.pos = putBytes(this.buf, this.pos, f); }
  uint(v: number): void { this.pos = putUint(this.buf, this.pos, v); }
  ip(v: number): void { this.pos = putIp(this.buf, this.pos, v); }

  /** Appends an ASCII string (probe names, flags, base64; reserve its length first). */
  str(s: string): void {
    const n = s.length;
    if (n > 64) { this.pos += this.buf.write(s, this.pos, 'latin1'); return; }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Appends a non-negative integer below 2^53 (microsecond times). */
  uint53(v: number): void { this.pos = putUint53(this.buf, this.pos, v); }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** A copy of the bytes written so far (the writer may hold it), and a fresh start. */
  take(): Uint8Array {
    const n = this.pos;
    this.pos = 0;
    if (n === 0) return EMPTY;
    const out = Buffer.allocUnsafeSlow(n);
    this.buf.copy(out, 0, 0, n);
    return out;
  }
}
