// The replies channel's writing end: 32-byte requests to blast through a FIFO, never blocking
// the event loop. The FIFO is opened O_RDWR|O_NONBLOCK (so opening never waits for a reader and
// a missing reader is not an error), written in chunks of at most PIPE_BUF bytes (each write is
// atomic, so several writers never interleave inside a request), and what the pipe cannot take
// waits in a bounded buffer; past its bound requests are dropped and counted.
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import { FatalError, UsageError } from '../exit';
import { REPLY_SIZE } from '../replies';

const PIPE_BUF = 4096;
export const PENDING_REQUESTS = 32768;   // 1 MiB of requests waiting for blast

export class RepliesOut {
  private fd: number;
  private pend = new Uint8Array(PENDING_REQUESTS * REPLY_SIZE);
  private head = 0;   // first pending byte
  private tail = 0;   // one past the last
  written = 0;
  dropped = 0;
  readonly isFifo: boolean;

  constructor(readonly path: string) {
    let st: fs.Stats | null = null;
    try { st = fs.statSync(path); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--replies ${path}: ${(e as Error).message}`);
    }
    if (!st) {
      const r = spawnSync('mkfifo', ['-m', '0600', path], { encoding: 'utf8' });
      if (r.status !== 0) throw new FatalError(`--replies ${path}: cannot create the FIFO: ${(r.stderr || r.error?.message || '').trim()}`);
      st = fs.statSync(path);
    }
    this.isFifo = st.isFIFO();
    if (!this.isFifo && !st.isFile()) throw new UsageError(`--replies ${path}: not a FIFO or a regular file`);
    try {
      this.fd = this.isFifo ? fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK)
        : fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND);
    } catch (e) {
      throw new FatalError(`--replies ${path}: ${(e as Error).message}`);
    }
  }

  /** Requests waiting for room in the pipe. */
  get pending(): number { return (this.tail - this.head) / REPLY_SIZE; }

  /** Queues count requests from buf and writes what the pipe takes now. */
  push(buf: Uint8Array, count: number): void {
    let bytes = count * REPLY_SIZE;
    if (this.tail + bytes > this.pend.length && this.head > 0) {
      this.pend.copyWithin(0, this.head, this.tail);
      this.tail -= this.head; this.head = 0;
    }
    const room = this.pend.length - this.tail;
    if (bytes > room) {
      this.dropped += (bytes - room) / REPLY_SIZE;
      bytes = room;
    }
    this.pend.set(buf.subarray(0, bytes), this.tail);
    this.tail += bytes;
    this.flush();
  }

  /** Writes pending requests until the pipe is full; true when nothing is left. */
  flush(): boolean {
    while (this.head < this.tail) {
      const n = Math.min(PIPE_BUF, this.tail - this.head);
      let w: number;
      try {
        w = fs.writeSync(this.fd, this.pend, this.head, n);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
        throw new FatalError(`--replies ${this.path}: ${(e as Error).message}`);
      }
      this.head += w;
      this.written += Math.floor(w / REPLY_SIZE);
      if (w < n) return false;
    }
    this.head = this.tail = 0;
    return true;
  }

  /** Gives up on what is still pending (counted as dropped) and closes. */
  close(): void {
    this.dropped += this.pending;
    this.head = this.tail = 0;
    try { fs.closeSync(this.fd); } catch { /* already gone */ }
  }
}
