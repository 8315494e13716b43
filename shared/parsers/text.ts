// Byte-to-text helpers shared by the parsers: bounded, lossy only where said, never throwing.
import type { Fields } from './types';
import { cutAtCodePoint } from '../quote';

/** Longest string any parsed field holds; the raw bytes stay whole in the record's `data`. */
export const MAX_FIELD = 512;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Bytes as a clean field value: UTF-8 (invalid sequences become U+FFFD), control characters
 * replaced by U+FFFD (tab by a space), surrounding space trimmed, at most MAX_FIELD characters.
 */
export function clean(b: Uint8Array, start = 0, end = b.length): string {
  const s = Math.max(0, start), e = Math.min(b.length, end, s + MAX_FIELD * 4);
  return e <= s ? '' : cleanString(utf8.decode(b.subarray(s, e)));
}

/** A JS string (already decoded) cleaned the same way. */
export function cleanString(s: string): string {
  const t = s.replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '\ufffd').trim();
  return cutAtCodePoint(t, MAX_FIELD);
}

/** Bytes as latin1 (one char per byte), for ASCII protocol tokens. */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  const s = Math.max(0, start), e = Math.min(b.length, end);
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]);
  return out;
}

/** A printable, reversible preview: ASCII as is, \r \n \t, \\, and \xHH for everything else. */
export function printable(b: Uint8Array, max: number): string {
  let out = '';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}

export function hex(b: Uint8Array, start = 0, end = b.length): string {
  let out = '';
  for (let i = Math.max(0, start); i < Math.min(b.length, end); i++) out += b[i].toString(16).padStart(2, '0');
  return out;
}

/** Sets a field only when the value is a non-empty string or a finite number. */
export function put(f: Fields, key: string, v: string | number | boolean | undefined): void {
  if (v === undefined) return;
  if (typeof v === 'string' && v === '') return;
  if (typeof v === 'number' && !Number.isFinite(v)) return;
  f[key] = v;
}

/**
 * Resumable line collector: keeps complete lines (without CR LF), at most maxLine bytes of each
 * (the rest is dropped) and at most maxLines of them; all() adds the unfinished last line, so a
 * banner cut mid-line still yields its start.
 */
export class LineCollector {
  readonly lines: Uint8Array[] = [];
  private buf: number[] = [];
  constructor(private maxLine = 1024, private maxLines = 32) {}
  get full(): boolean { return this.lines.length >= this.maxLines; }
  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length && !this.full; i++) {
      const c = chunk[i];
      if (c === 0x0a) { this.lines.push(strip(this.buf)); this.buf = []; continue; }
      if (this.buf.length < this.maxLine) this.buf.push(c);
    }
  }
  all(): Uint8Array[] { return this.buf.length && !this.full ? [...this.lines, strip(this.buf)] : this.lines; }
}

function strip(buf: number[]): Uint8Array {
  const n = buf.length && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
  return Uint8Array.from(buf.slice(0, n));
}

/** A session over lines: collects them and derives the fields from the lines seen so far. */
export function lineSession(derive: (lines: Uint8Array[]) => Fields, maxLine = 1024, maxLines = 32) {
  const lc = new LineCollector(maxLine, maxLines);
  return { push: (c: Uint8Array) => lc.push(c), result: () => derive(lc.all()) };
}
