// The router's line splitter (banners --jobs): lines found as byte ranges of the chunks read,
// never decoded to strings, so the router's cost per record stays a few memchr and a hash.
// Bounded like the NDJSON reader: a line longer than maxLine is reported (its first bytes) and
// skipped up to its newline.
import type { Readable } from 'stream';

export interface ByteLineHandler {
  /** Line n (from 1) is buf[start, end), without its newline; end > start. */
  line(buf: Buffer, start: number, end: number, n: number): void;
  /** Line n was longer than the limit; head is its first bytes. */
  tooLong(n: number, head: Buffer): void;
  /** After each chunk: a promise to wait for before reading on (the workers are behind), or null. */
  pause(): Promise<void> | null;
}

/** Reads input to its end; resolves with the number of lines. A handler that throws stops it. */
export function readByteLines(input: Readable, maxLine: number, h: ByteLineHandler): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let carry: Buffer | null = null;   // the start of a line whose newline has not come yet
    let skipping = false;              // inside a line already reported too long
    let n = 0;
    const take = (chunk: Buffer) => {
      let buf = chunk, s = 0;
      if (carry) { buf = Buffer.concat([carry, chunk]); carry = null; }
      for (let nl = buf.indexOf(10, s); nl >= 0; nl = buf.indexOf(10, s)) {
        n++;
        if (skipping) skipping = false;
        else if (nl - s > maxLine) h.tooLong(n, buf.subarray(s, s + 256));
        else if (nl > s) h.line(buf, s, nl, n);
        s = nl + 1;
      }
      if (s < buf.length && !skipping) {
        if (buf.length - s > maxLine) { h.tooLong(n + 1, buf.subarray(s, s + 256)); skipping = true; }
        else carry = Buffer.from(buf.subarray(s));   // a copy: the chunk itself can go
      }
    };
    input.on('data', (chunk: Buffer) => {
      try {
        take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        const p = h.pause();
        if (p) { input.pause(); p.then(() => input.resume(), reject); }
      } catch (e) { input.pause(); reject(e); }
    });
    input.on('end', () => {
      try {
        if (carry && !skipping) { n++; h.line(carry, 0, carry.length, n); }
        else if (skipping) n++;
        resolve(n);
      } catch (e) { reject(e); }
    });
    input.on('error', reject);
  });
}
