// The replies channel's writing end: catch's (and banners' conversations') requests, sealed (shared/replies-auth.ts), to blast
// through a FIFO, never blocking the event loop. The FIFO is opened O_RDWR|O_NONBLOCK and
// checked as private (shared/replies-fifo.ts), so opening never waits for a reader and a
// missing reader is not an error. It is written in chunks of whole frames of at most PIPE_BUF
// bytes, each write atomic, so several writers never interleave inside a frame; what the pipe
// cannot take waits in a bounded buffer, and past its bound requests are dropped and counted.
import * as fs from 'fs';
import { FatalError } from './exit';
import { PIPE_BUF, replyLength, REPLY_MIN_FRAME } from './replies';
import { Sealer } from './replies-auth';
import { openRepliesFifo } from './replies-fifo';

export const PENDING_BYTES = 32768 * REPLY_MIN_FRAME;   // 3 MiB: 32768 requests waiting for blast

export class RepliesOut {
  private fd: number;
  private sealer: Sealer;
  private pend = new Uint8Array(PENDING_BYTES);
  private head = 0;   // first pending byte
  private tail = 0;   // one past the last
  pending = 0;        // frames waiting for room in the pipe
  written = 0;
  dropped = 0;

  constructor(readonly path: string, key: Uint8Array) {
    this.fd = openRepliesFifo(path);
    this.sealer = new Sealer(key);
  }

  /** Seals and queues the frames in buf[0, bytes) (unsealed, back to back), then writes what
   *  the pipe takes now. */
  push(buf: Uint8Array, bytes: number): void {
    for (let o = 0; o < bytes;) {
      const len = replyLength(buf, o);
      if (this.tail + len > this.pend.length && this.head > 0) {
        this.pend.copyWithin(0, this.head, this.tail);
        this.tail -= this.head; this.head = 0;
      }
      if (this.tail + len > this.pend.length) this.dropped++;
      else {
        this.pend.set(buf.subarray(o, o + len), this.tail);
        this.sealer.seal(this.pend, this.tail, len);
        this.tail += len;
        this.pending++;
      }
      o += len;
    }
    this.flush();
  }

  /** Writes pending frames until the pipe is full; true when nothing is left. */
  flush(): boolean {
    while (this.head < this.tail) {
      // As many whole frames as fit in PIPE_BUF: one atomic write.
      let n = 0, k = 0;
      while (this.head + n < this.tail) {
        const len = replyLength(this.pend, this.head + n);
        if (n + len > PIPE_BUF) break;
        n += len; k++;
      }
      let w: number;
      try {
        w = fs.writeSync(this.fd, this.pend, this.head, n);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
        throw new FatalError(`--replies ${this.path}: ${(e as Error).message}`);
      }
      // A pipe takes a write of at most PIPE_BUF bytes whole or not at all.
      if (w !== n) throw new FatalError(`--replies ${this.path}: short write (${w} of ${n} bytes): not a pipe?`);
      this.head += n;
      this.written += k;
      this.pending -= k;
    }
    this.head = this.tail = 0;
    return true;
  }

  /** Gives up on what is still pending (counted as dropped) and closes. */
  close(): void {
    this.dropped += this.pending;
    this.pending = 0;
    this.head = this.tail = 0;
    try { fs.closeSync(this.fd); } catch { /* already gone */ }
  }
}
