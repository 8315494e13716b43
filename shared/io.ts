// The three streams a command talks to, injectable so tests can run commands in-process.
import * as fs from 'fs';
import { Writable } from 'stream';
import type { Readable } from 'stream';

export interface IO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Set when stdin is one worker's share of a larger input (banners --jobs, shared/jobs). */
  share?: Share;
}

/** A worker's share of its router's input: the router's number of the worker's n-th line. */
export interface Share { lineOf(n: number): number }

// Node's process.stdout on a file or device is a SyncWriteStream, which ignores short writes:
// on a full disk the tail of a chunk was dropped with no error (fmt -o xml exited 0 with a
// truncated document). This one writes until every byte is out, so a full disk raises ENOSPC.
function wholeWrites(fd: number): Writable {
  // fd tells writers (targets) that a chunk is done with once write() returns: it is synchronous.
  return Object.assign(new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        for (let o = 0; o < chunk.length;) o += fs.writeSync(fd, chunk, o);
        cb();
      } catch (e) { cb(e as Error); }
    },
  }), { fd });
}

let stdout: Writable | null = null;
let stdoutError: NodeJS.ErrnoException | null = null;

/** The first write error on standard output, whoever wrote (EPIPE included). */
export function standardOutputError(): NodeJS.ErrnoException | null { return stdoutError; }

export function processIO(): IO {
  if (!stdout) {
    const s = process.stdout as Writable & { isTTY?: boolean };
    let st: fs.Stats | null = null;
    try { st = fs.fstatSync(1); } catch { /* closed: keep Node's stream */ }
    stdout = st && !s.isTTY && !st.isFIFO() && !st.isSocket() ? wholeWrites(1) : s;
    // A write error is the writers' to report (LineWriter, or main's exit for direct writes);
    // without a listener it would be thrown as an uncaught 'error' event with a stack.
    for (const w of new Set([stdout, s])) w.on('error', (e: NodeJS.ErrnoException) => { stdoutError ??= e; });
    // Nowhere is left to report an error of stderr: a closed stderr must cost no data or status.
    process.stderr.on('error', () => { /* dropped */ });
  }
  return { stdin: process.stdin, stdout, stderr: process.stderr };
}

/**
 * Standard output as a queue of up to `bytes` written by the thread pool, when it is a pipe of
 * the process (else the IO's own stream). Node writes to a pipe on Linux synchronously, so a
 * slow reader (banners matching nmap's rules) stopped catch inside write(2): no packet was read,
 * the capture ring overflowed and requests to blast came late. Queued, catch keeps capturing
 * while the reader catches up, and waits (LineWriter's drain) only once `bytes` are queued.
 */
export function queuedStdout(io: IO, bytes: number): Writable {
  let st: fs.Stats | null = null;
  try { st = fs.fstatSync(1); } catch { return io.stdout; }
  if (io.stdout !== stdout || !st.isFIFO()) return io.stdout;
  // One write in flight at a time (the stream's own queue holds the rest); whole chunks, short
  // writes continued, the first error kept for main's exit status.
  const put = (all: Buffer, cb: (e?: Error | null) => void) => {
    const more = (o: number): void => fs.write(1, all, o, all.length - o, null, (e, n) => {
      // Node's own stdout handle leaves the pipe non-blocking: a full pipe is tried again shortly.
      if (e && (e as NodeJS.ErrnoException).code === 'EAGAIN') { setTimeout(more, 2, o); return; }
      if (e) { stdoutError ??= e; cb(e); } else if (o + n < all.length) more(o + n); else cb();
    });
    if (all.length === 0) cb(); else more(0);
  };
  const buffer = (c: unknown) => (typeof c === 'string' ? Buffer.from(c) : Buffer.from((c as Uint8Array).buffer, (c as Uint8Array).byteOffset, (c as Uint8Array).byteLength));
  const q = new Writable({
    highWaterMark: bytes,
    write(chunk, _enc, cb) { put(buffer(chunk), cb); },
    writev(chunks, cb) { put(Buffer.concat(chunks.map((c) => buffer(c.chunk))), cb); },
  });
  q.on('error', () => { /* the writer (LineWriter) reports it */ });
  return q;
}
