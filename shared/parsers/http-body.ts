// An HTTP response body: framed by Content-Length, chunked transfer coding or the connection's end,
// kept up to a limit, and decoded from gzip, deflate or br within that limit (never a byte more:
// a compression bomb costs at most the limit).
//
// chunked (RFC 9112 7.1):  hex-size [; ext] CRLF  data CRLF ... 0 [; ext] CRLF  [trailer lines] CRLF
import * as zlib from 'zlib';
import { concat } from '../probes/types';
import { lookup } from '../records';

export type Framing = 'length' | 'chunked' | 'close' | 'none';

// States of the chunked decoder.
const enum C { SIZE, EXT, DATA, DATA_END, TRAILER_START, TRAILER, DONE, BAD }

const MAX_SIZE_DIGITS = 12;   // 2^48 bytes: any real chunk; longer is an attack or garbage

export class BodyReader {
  private kept: Uint8Array[] = [];
  private keptLen = 0;
  /** Body bytes after de-chunking, kept or not. */
  total = 0;
  /** The framing says the body ended (Content-Length reached, the last chunk seen, or no body). */
  done: boolean;
  /** Why de-chunking stopped, when it did. */
  error?: string;
  private remaining: number;
  private c = C.SIZE;
  private size = 0;
  private digits = 0;

  constructor(readonly framing: Framing, length: number, private cap: number) {
    this.remaining = framing === 'length' ? length : 0;
    this.done = framing === 'none' || (framing === 'length' && length === 0);
  }

  push(b: Uint8Array): void {
    if (this.done || this.error) return;
    if (this.framing === 'close') return this.take(b);
    if (this.framing === 'length') {
      const n = Math.min(b.length, this.remaining);
      this.take(b.subarray(0, n));
      this.remaining -= n;
      if (this.remaining === 0) this.done = true;
      return;
    }
    for (let i = 0; i < b.length && !this.done && !this.error;) {
      if (this.c === C.DATA) {
        const n = Math.min(b.length - i, this.remaining);
        this.take(b.subarray(i, i + n));
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.c = C.DATA_END;
        continue;
      }
      this.step(b[i++]);
    }
  }

  private step(ch: number): void {
    switch (this.c) {
      case C.SIZE: {
        const d = ch >= 0x30 && ch <= 0x39 ? ch - 0x30 : ch >= 0x61 && ch <= 0x66 ? ch - 0x57 : ch >= 0x41 && ch <= 0x46 ? ch - 0x37 : -1;
        if (d >= 0) {
          if (++this.digits > MAX_SIZE_DIGITS) return this.bad('chunk size of more than 12 hex digits');
          this.size = this.size * 16 + d;
        } else if (this.digits === 0) return this.bad('chunk size is not hex');
        else if (ch === 0x3b || ch === 0x20 || ch === 0x09 || ch === 0x0d) this.c = C.EXT;
        else if (ch === 0x0a) this.sizeLine();
        else this.bad('chunk size is not hex');
        return;
      }
      case C.EXT:
        if (ch === 0x0a) this.sizeLine();
        return;
      case C.DATA_END:
        if (ch === 0x0a) { this.c = C.SIZE; this.size = 0; this.digits = 0; }
        else if (ch !== 0x0d) this.bad('chunk data not followed by CRLF');
        return;
      case C.TRAILER_START:
        if (ch === 0x0a) { this.c = C.DONE; this.done = true; }
        else if (ch !== 0x0d) this.c = C.TRAILER;
        return;
      case C.TRAILER:
        if (ch === 0x0a) this.c = C.TRAILER_START;
        return;
    }
  }

  private sizeLine(): void {
    if (this.size === 0) { this.c = C.TRAILER_START; return; }
    this.remaining = this.size;
    this.c = C.DATA;
  }

  private bad(why: string): void { this.error = why; this.c = C.BAD; }

  private take(b: Uint8Array): void {
    this.total += b.length;
    const room = this.cap - this.keptLen;
    if (room <= 0 || b.length === 0) return;
    const part = b.length <= room ? b : b.subarray(0, room);
    this.kept.push(Uint8Array.from(part));
    this.keptLen += part.length;
  }

  /** The body bytes kept (at most the limit) and whether more came than were kept. */
  body(): { bytes: Uint8Array; cut: boolean } {
    if (this.kept.length > 1) this.kept = [concat(this.kept)];
    return { bytes: this.kept[0] ?? new Uint8Array(0), cut: this.total > this.keptLen };
  }
}

export interface Decoded { bytes: Uint8Array; cut: boolean; error?: string }

type Inflate = (b: Buffer, o: zlib.ZlibOptions | zlib.BrotliOptions) => Buffer;

const DECODERS: Record<string, Inflate[]> = {
  gzip: [zlib.gunzipSync], 'x-gzip': [zlib.gunzipSync],
  // "deflate" is zlib-wrapped by the RFC; some servers send raw deflate instead.
  deflate: [zlib.inflateSync, zlib.inflateRawSync],
  br: [zlib.brotliDecompressSync],
};

/** Decodes a body by its Content-Encoding into at most `cap` bytes; identity and unknown codings come back as they are. */
export function decodeBody(body: Uint8Array, encoding: string | undefined, cap: number): Decoded {
  const codings = (encoding ?? '').toLowerCase().split(',').map((s) => s.trim()).filter((s) => s && s !== 'identity');
  if (codings.length === 0) return { bytes: body, cut: false };
  if (codings.length > 1) return { bytes: body, cut: false, error: `content-encoding ${codings.join(', ')}: more than one coding not decoded` };
  const fns = lookup(DECODERS, codings[0]);
  if (!fns) return { bytes: body, cut: false, error: `content-encoding ${codings[0]} not decoded` };
  let last = '';
  for (const fn of fns) {
    const r = capped(fn, Buffer.from(body.buffer, body.byteOffset, body.length), cap, codings[0] === 'br');
    if (typeof r !== 'string') return r;
    last = r;
  }
  return { bytes: body, cut: false, error: `${codings[0]}: ${last}` };
}

/** One decompression bounded by cap; past it, the longest input prefix whose output fits (a binary search). */
function capped(fn: Inflate, input: Buffer, cap: number, brotli: boolean): Decoded | string {
  // Sync flush at the end: a body cut short decodes as far as it goes instead of failing.
  const opts = brotli
    ? { maxOutputLength: cap, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }
    : { maxOutputLength: cap, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const run = (b: Buffer): Buffer | string => {
    try { return fn(b, opts); } catch (e) { return (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too large' : (e as Error).message; }
  };
  const whole = run(input);
  if (typeof whole !== 'string') return { bytes: new Uint8Array(whole), cut: false };
  if (whole !== 'too large') return whole;
  let lo = 0, hi = input.length - 1;
  let best: Buffer = Buffer.alloc(0);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const r = run(input.subarray(0, mid));
    if (typeof r === 'string') hi = mid - 1;
    else { best = r; lo = mid; }
  }
  return { bytes: new Uint8Array(best), cut: true };
}
