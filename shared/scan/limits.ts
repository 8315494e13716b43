// ZMap's scan limits for trawl scan: --max-runtime (seconds of sending), --max-results (open
// ports found) and --min-hitrate (open ports per SYN, checked once MIN_HITRATE_SYNS SYNs are
// out). Each stops the senders the way Ctrl-C does (blast prints the index to resume from),
// lets the cooldown and every stage finish, and says why; only a hit rate too low fails the
// scan (it means something on the path is dropping the probes).
import { Transform } from 'stream';

export interface LimitOptions {
  maxRuntime?: number;   // seconds
  maxResults?: number;
  minHitrate?: number;   // percent
}

/** SYNs that must be out before the hit rate is judged: fewer say little. */
export const MIN_HITRATE_SYNS = 1000;

// An open record, as catch starts every record with its type (the record table's order).
const OPEN = Buffer.from('\n{"type":"open"');

export class ScanLimits {
  reason: string | null = null;
  failed = false;
  private timer: NodeJS.Timeout | null = null;
  private opens = 0;
  private syns = 0;    // blast's, from its status records (a second old at most: the hit
                       // rate errs high, never failing a scan that keeps it)

  constructor(private o: LimitOptions, private stop: (reason: string, failed: boolean) => void) {}

  get active(): boolean {
    return this.o.maxRuntime !== undefined || this.o.maxResults !== undefined || this.o.minHitrate !== undefined;
  }

  /** When sending starts. */
  start(): void {
    if (this.o.maxRuntime === undefined) return;
    this.timer = setTimeout(() => this.end(`--max-runtime ${this.o.maxRuntime}: sending stopped after ${this.o.maxRuntime} s`), this.o.maxRuntime * 1000);
    this.timer.unref();
  }

  dispose(): void { if (this.timer) clearTimeout(this.timer); }

  /** Whether catch's records must go through counter(). */
  get counts(): boolean { return this.o.maxResults !== undefined || this.o.minHitrate !== undefined; }

  /** A stage's status record: blast's SYNs sent, for the hit rate. */
  observe(stage: string, rec: Record<string, number>): void {
    if (stage === 'blast' && typeof rec.syns === 'number') this.syns = rec.syns;
    const min = this.o.minHitrate;
    if (min === undefined || this.syns < MIN_HITRATE_SYNS) return;
    const rate = (this.opens / this.syns) * 100;
    if (rate < min) {
      this.end(`--min-hitrate ${min}: ${this.opens} open ports for ${this.syns} SYNs is a hit rate of ${rate.toFixed(3)}%: sending stopped`, true);
    }
  }

  /** Passes catch's records on, counting the open ones as they come (for --max-results and the
   *  hit rate; records start with their type: the record table's order, shared/records.ts). */
  counter(): Transform {
    // The last bytes before this chunk (a newline at the start, so the first line counts):
    // one byte shorter than the pattern, so a match cut by a chunk's end is found once, in
    // the next chunk's search.
    let before = Buffer.from('\n');
    return new Transform({
      transform: (chunk: Buffer, _e, cb) => {
        if (!this.reason) {
          const b = Buffer.concat([before, chunk]);
          for (let at = b.indexOf(OPEN); at >= 0; at = b.indexOf(OPEN, at + 1)) this.opens++;
          before = Buffer.from(b.subarray(Math.max(0, b.length - OPEN.length + 1)));
          if (this.o.maxResults !== undefined && this.opens >= this.o.maxResults) this.end(`--max-results ${this.o.maxResults}: sending stopped after ${this.opens} open ports`);
        }
        cb(null, chunk);
      },
    });
  }

  /** Open records counted so far (--max-results). */
  get openCount(): number { return this.opens; }

  private end(reason: string, failed = false): void {
    if (this.reason) return;
    this.reason = reason;
    this.failed = failed;
    this.dispose();
    this.stop(reason, failed);
  }
}
