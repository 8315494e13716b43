// The one output writer: batches small lines into large writes, waits for 'drain', and treats
// EPIPE (`| head`) as a clean end rather than a crash.
import type { Writable } from 'stream';
import { lineOf } from './kept-lines';

const BATCH_BYTES = 64 * 1024;
const FLUSH_MS = 20; // a live pipeline (catch | banners) should not wait long for a batch to fill

export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  /** true once the reader went away (EPIPE) or the stream failed; producers should stop. */
  closed = false;
  error: Error | null = null;

  constructor(private out: Writable) {
    out.on('error', (e: NodeJS.ErrnoException) => this.fail(e));
    // Node reports a closed pipe on process.stdout as an 'error' event, but also stops writes
    // once the stream is destroyed: treat both the same.
    out.on('close', () => { this.closed = true; });
  }

  // The first error counts: a full disk (ENOSPC) is the run's failure. EPIPE is the reader
  // leaving (a clean end), and writes to the stream it destroyed fail as a consequence.
  private fail(e: NodeJS.ErrnoException | null | undefined): void {
    if (!e) return;
    this.closed = true;
    if (!this.error && e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') this.error = e;
  }

  /** Queues one line (without its newline). Returns a promise only when the caller should wait. */
  line(s: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.buf.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= BATCH_BYTES) return this.flush();
    if (!this.timer) this.timer = setTimeout(() => { this.timer = null; void this.flush(); }, FLUSH_MS);
    return this.draining ?? undefined;
  }

  /** One record as a line: its input line plus its new fields when it has one (shared/kept-lines.ts). */
  record(rec: object): Promise<void> | undefined {
    return this.line(lineOf(rec) ?? JSON.stringify(rec));
  }

  /** Raw text with no newline added (headers and trailers of XML, JSON, ...). */
  text(s: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= BATCH_BYTES) return this.flush();
    if (!this.timer) this.timer = setTimeout(() => { this.timer = null; void this.flush(); }, FLUSH_MS);
    return this.draining ?? undefined;
  }

  /**
   * Bytes the caller encoded itself (a batch of records, newlines included), written after any
   * queued text. The caller must not reuse `b` afterwards: a pipe may still hold it.
   */
  bytes(b: Uint8Array): Promise<void> | undefined {
    this.flush();
    if (this.closed || b.length === 0) return this.draining ?? undefined;
    return this.write(b);
  }

  flush(): Promise<void> | undefined {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.size === 0 || this.closed) return this.draining ?? undefined;
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    return this.write(chunk);
  }

  private write(chunk: string | Uint8Array): Promise<void> | undefined {
    // The callback sees a write's error before the stream's 'error' event, so end() cannot
    // resolve before a failed write is known (fmt exited 0 with a truncated XML document).
    const ok = this.out.write(chunk, (e) => this.fail(e));
    if (!ok && !this.draining) {
      this.draining = new Promise<void>((resolve) => {
        const done = () => { this.out.off('drain', done); this.out.off('close', done); this.draining = null; resolve(); };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
    return this.draining ?? undefined;
  }

  /** Flushes everything and waits until the stream accepted it (not closing process.stdout). */
  async end(): Promise<void> {
    await this.flush();
    if (this.draining) await this.draining;
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      // An empty write's callback runs once everything before it has been handed to the OS.
      this.out.write('', (e) => { this.fail(e); resolve(); });
    });
  }
}
