// The three streams a command talks to, injectable so tests can run commands in-process.
import * as fs from 'fs';
import { Writable } from 'stream';
import type { Readable } from 'stream';
import { ByteQueue } from './byte-queue';

export interface IO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** Streams whose write() has the chunk copied or written by the time it returns (unless the
 *  stream is full or ended): their writers may reuse a chunk's memory at once. */
const COPIES = Symbol('copies at once');
export function copiesAtOnce(w: Writable): boolean { return (w as Writable & { [COPIES]?: boolean })[COPIES] === true; }
const QUEUED = Symbol('bytes queued');
/** The bytes a queuedStdout holds for its reader now and at most so far, or null for another stream. */
export function queuedBytes(w: Writable): { now: number; peak: number } | null {
  return (w as Writable & { [QUEUED]?: () => { now: number; peak: number } })[QUEUED]?.() ?? null;
}

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
  }), { fd, [COPIES]: true });
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
 * Standard output as a queue of up to `bytes` written by the thread pool, when it is a pipe or
 * a socket of the process (else the IO's own stream). Node writes to a pipe on Linux
 * synchronously, so a slow reader (banners matching nmap's rules) stopped catch inside
 * write(2): no packet was read, the capture ring overflowed and requests to blast came late.
 * A socket (scan joins its stages with socket pairs, Node's 'pipe' stdio) stopped catch the
 * same way, in LineWriter's wait for 'drain': scan's catch read 19 batches in a 10,000 SYNs/s
 * banner scan and its ring dropped 47,513 packets; queued, none. Queued, catch keeps capturing
 * while the reader catches up, and waits (LineWriter's drain) only once `bytes` are queued.
 * Each write is copied into the queue's blocks (shared/byte-queue.ts) before write() returns,
 * so the queue's memory is its bytes, reused; nothing is dropped.
 */
export function queuedStdout(io: IO, bytes: number): Writable {
  let st: fs.Stats | null = null;
  try { st = fs.fstatSync(1); } catch { return io.stdout; }
  if (io.stdout !== stdout || !(st.isFIFO() || st.isSocket())) return io.stdout;
  let needDrain = false;
  // Callbacks of empty writes (LineWriter.end's): they run once everything before them is written.
  let flushed: ((e?: Error | null) => void)[] = [];
  let peak = 0;
  const q: Writable = new Writable({
    highWaterMark: bytes,
    write(chunk, _enc, cb) {
      if (bq.error) { cb(bq.error); return; }
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Uint8Array;
      if (b.length === 0 && bq.size > 0) { flushed.push(cb); return; }
      bq.push(b);
      if (bq.size > peak) peak = bq.size;
      cb();
    },
  });
  const bq = new ByteQueue(1, () => {
    if (bq.error) {
      stdoutError ??= bq.error;
      for (const cb of flushed.splice(0)) cb(bq.error);
      q.destroy(bq.error);
      return;
    }
    if (bq.size === 0) for (const cb of flushed.splice(0)) cb();
    if (needDrain && bq.size < bytes) { needDrain = false; q.emit('drain'); }
  });
  // Full: write() says so (the chunk is queued all the same), and 'drain' comes once below `bytes`.
  const write = q.write.bind(q) as (...a: unknown[]) => boolean;
  q.write = ((...a: unknown[]) => {
    const ok = write(...a);
    if (bq.size < bytes) return ok;
    needDrain = true;
    return false;
  }) as Writable['write'];
  q.on('error', () => { /* the writer (LineWriter) reports it */ });
  return Object.assign(q, { [COPIES]: true, [QUEUED]: () => ({ now: bq.size, peak }) });
}
