// Progress on stderr: a live line on a TTY, one NDJSON status record per second with
// --status-ndjson, nothing with -q or when stderr is a file or pipe.
import type { Writable } from 'stream';

export type StatusFields = Record<string, number | string | boolean>;

export interface StatusOptions {
  quiet?: boolean;
  ndjson?: boolean;
  intervalMs?: number;
}

export class Status {
  private timer: NodeJS.Timeout | null = null;
  private live: boolean;
  private started = Date.now();
  private drewLine = false;

  // sample() is called at most once per interval and returns the fields plus a human line.
  constructor(
    private cmd: string,
    private err: Writable,
    private sample: () => { fields: StatusFields; text: string },
    private opts: StatusOptions = {},
  ) {
    this.live = !opts.quiet && !opts.ndjson && Boolean((err as any).isTTY);
  }

  // --status-ndjson asks for the records by name, so -q (no summaries) does not silence them.
  get active(): boolean { return this.opts.ndjson === true || (!this.opts.quiet && this.live); }

  start(): this {
    if (this.active) {
      this.timer = setInterval(() => this.emit(false), this.opts.intervalMs ?? 1000);
      this.timer.unref();
    }
    return this;
  }

  private emit(final: boolean) {
    const { fields, text } = this.sample();
    if (this.opts.ndjson) {
      const elapsed_ms = Date.now() - this.started;
      this.err.write(JSON.stringify({ type: 'status', cmd: this.cmd, elapsed_ms, final, ...fields }) + '\n');
    } else if (this.live) {
      this.err.write(`\r\x1b[2Ktrawl ${this.cmd}: ${text}`);
      this.drewLine = true;
    }
  }

  /** Clears the live line if one is drawn (before other output to the same terminal); the next
   *  tick draws it again. */
  clear() {
    if (this.drewLine) { this.err.write('\r\x1b[2K'); this.drewLine = false; }
  }

  /** Stops the ticker; prints a last status (NDJSON) or clears the live line. */
  stop(final = true) {
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
    if (!this.active) return;
    if (this.opts.ndjson && final) this.emit(true);
    else if (this.drewLine) { this.err.write('\r\x1b[2K'); this.drewLine = false; }
  }
}
