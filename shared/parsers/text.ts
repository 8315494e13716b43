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
  if (e <= s) return '';
  // Buffer's UTF-8 decoder replaces bad sequences as TextDecoder does (checked on 200k random
  // byte strings) at a fraction of the cost per call; TextDecoder still takes a leading BOM, which
  // it drops.
  if (b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) return cleanString(utf8.decode(b.subarray(s, e)));
  return cleanString(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8'));
}

/** A JS string (already decoded) cleaned the same way. */
export function cleanString(s: string): string {
  // Most values hold no control character: one scan then, not two regex passes (banners' profile).
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) { plain = false; break; }
  }
  const t = (plain ? s : s.replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '\ufffd')).trim();
  return cutAtCodePoint(t, MAX_FIELD);
}

/** Bytes as latin1 (one char per byte), for ASCII protocol tokens. */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  const s = Math.max(0, start), e = Math.min(b.length, end);
  // Longer runs through Buffer's latin1 decoder (one copy), short ones char by char (no Buffer made).
  if (e - s > 16) return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
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
  // The line being collected: its pieces (copies, at most maxLine bytes in all) and their length.
  private parts: Uint8Array[] = [];
  private len = 0;
  constructor(private maxLine = 1024, private maxLines = 32) {}
  get full(): boolean { return this.lines.length >= this.maxLines; }
  push(chunk: Uint8Array): void {
    // Newlines found by Buffer's indexOf (memchr) and whole runs copied, not a byte at a time.
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    for (let i = 0; i < buf.length && !this.full;) {
      const nl = buf.indexOf(0x0a, i);
      const end = nl < 0 ? buf.length : nl;
      const take = Math.min(end - i, this.maxLine - this.len);
      if (nl >= 0 && this.len === 0) {
        // A whole line in this chunk (the usual case): copied once, without its final CR.
        this.lines.push(copy(buf, i, take > 0 && buf[i + take - 1] === 0x0d ? take - 1 : take));
        i = nl + 1;
        continue;
      }
      if (take > 0) { this.parts.push(copy(buf, i, take)); this.len += take; }
      if (nl < 0) break;
      this.lines.push(this.line());
      this.parts = []; this.len = 0;
      i = nl + 1;
    }
  }
  all(): Uint8Array[] { return this.len && !this.full ? [...this.lines, this.line()] : this.lines; }

  /** The line collected so far, without its final CR. */
  private line(): Uint8Array {
    const b = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) { b.set(p, o); o += p.length; }
    return o > 0 && b[o - 1] === 0x0d ? b.slice(0, o - 1) : b;
  }
}

/** n bytes of buf from at, in a Uint8Array of their own. */
function copy(buf: Buffer, at: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  if (n > 64) buf.copy(b, 0, at, at + n);
  else for (let k = 0; k < n; k++) b[k] = buf[at + k];
  return b;
}

/** A session over lines: collects them and derives the fields from the lines seen so far. */
export function lineSession(derive: (lines: Uint8Array[]) => Fields, maxLine = 1024, maxLines = 32) {
  const lc = new LineCollector(maxLine, maxLines);
  return { push: (c: Uint8Array) => lc.push(c), result: () => derive(lc.all()) };
}
