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

import { putBytes, putIp, putUint, putUint53 } from '../ascii';

export { putBytes, putIp, putUint, putUint53 };

const EMPTY = new Uint8Array(0);
/** Writes f at b[p..] (through dv, a view of b) and returns the position after it. These
 *  put* functions work on locals so that a record writer keeps its position in a register. */
export function putLit(dv: DataView, b: Uint8Array, p: number, f: Lit): number {
  const w = f.words, nw = w.length;
  for (let i = 0; i < nw; i++, p += 4) dv.setUint32(p, w[i], true);
  const t = f.tail;
  for (let i = 0; i < t.length; i++) b[p++] = t[i];
  return p;
}

export class AsciiOut {
  buf: Buffer = Buffer.allocUnsafe(1 << 20);
  dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  pos = 0;

  // Records spelled elsewhere (span()) wait here as one run of bytes, copied in one go when
  // anything else is written or the batch is taken.
  private run: Uint8Array | null = null;
  private runStart = 0;
  private runEnd = 0;

  /** Appends b[start, end): consecutive spans of one buffer are copied as one. b must not change
   *  before the next take(). */
  span(b: Uint8Array, start: number, end: number): void {
    if (this.run === b && this.runEnd === start) { this.runEnd = end; return; }
    this.flushRun();
    this.run = b; this.runStart = start; this.runEnd = end;
  }

  private flushRun(): void {
    const r = this.run;
    if (r === null) return;
    this.run = null;
    this.reserve(this.runEnd - this.runStart);
    this.buf.set(r.subarray(this.runStart, this.runEnd), this.pos);
    this.pos += this.runEnd - this.runStart;
  }

  /** Makes room for n more bytes. */
  reserve(n: number): void {
    if (this.run !== null) this.flushRun();
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

  /** The bytes written so far, and a fresh start: a copy the writer may hold, or with `view` the
   *  bytes in place, valid until the next write (for a writer that copies them at once: a copy
   *  per batch is garbage the moment it is queued, and V8 collects a process with a small heap
   *  only once 64 MB of such memory piled up). */
  take(view = false): Uint8Array {
    // A batch of spelled records alone (the common one) is copied once, straight from its run.
    if (this.pos === 0 && this.run !== null) {
      const r = this.run, n = this.runEnd - this.runStart;
      this.run = null;
      if (view) return r.subarray(this.runStart, this.runEnd);
      const out = Buffer.allocUnsafeSlow(n);
      out.set(r.subarray(this.runStart, this.runEnd));
      return out;
    }
    this.flushRun();
    const n = this.pos;
    this.pos = 0;
    if (n === 0) return EMPTY;
    if (view) return this.buf.subarray(0, n);
    const out = Buffer.allocUnsafeSlow(n);
    this.buf.copy(out, 0, 0, n);
    return out;
  }
}
