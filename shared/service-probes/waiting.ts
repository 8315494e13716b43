// banners' output side while a chain of nmap rules compiles: what would be written (banners,
// records passed on, the clock of the joins) waits here in input order, bounded in entries and
// bytes, so that reading, reassembly and conversations go on meanwhile. A conversation's next
// message (the https probe's Finished and request) must reach blast before its idle RST (4 s);
// compiling a chain takes 3-4 s on a loaded machine, and a read held for it lost the page.
import type { OptionSpec } from '../args';

export const DEFAULT_MAX_WAITING = 8192;
export const DEFAULT_MAX_WAITING_BYTES = 8 * 1024 * 1024;

const intIn = (lo: number, hi: number) => (v: number) =>
  (Number.isInteger(v) && v >= lo && v <= hi ? undefined : `must be an integer from ${lo} to ${hi}`);

export const WAITING_OPTIONS: OptionSpec[] = [
  { name: 'max-waiting', type: 'number', arg: 'N', check: intIn(1, 16 * 1024 * 1024),
    help: `records waiting (in input order) behind a banner whose nmap rules compile, while input is still read; past it, reading waits too (default ${DEFAULT_MAX_WAITING} with --replies, else 1)` },
  { name: 'max-waiting-bytes', type: 'number', arg: 'BYTES', default: DEFAULT_MAX_WAITING_BYTES, check: intIn(1, 2 ** 40),
    help: 'bytes those waiting records hold (their strings, about); past it, reading waits too' },
];

export interface WaitingLimits { maxEntries: number; maxBytes: number }

/** conversations: banners answers servers (--replies), whose next message must not wait for a
 *  compile. Without them nothing is gained by reading on: the input waits where it costs least
 *  (in the pipe, or in catch's byte queue) rather than as parsed records here, whose promotion to
 *  V8's old space left garbage a major GC had not yet collected (200 k records read from a file
 *  with nmap's rules: peak RSS 325 MB and 3.6 s with 8192 waiting, 198 MB and 2.8 s with 1; the
 *  heap after a forced GC was 67 and 66 MB). */
export function waitingLimits(opts: Record<string, any>, conversations: boolean): WaitingLimits {
  return { maxEntries: opts['max-waiting'] ?? (conversations ? DEFAULT_MAX_WAITING : 1), maxBytes: opts['max-waiting-bytes'] ?? DEFAULT_MAX_WAITING_BYTES };
}

/** What a step of the output side needs before it can run now: nothing (null) or a compile. */
export interface WaitingSteps<T> {
  /** Whether t must wait for a compile (its chain is not ready). */
  needs(t: T): boolean;
  /** Compiles what t needs (in slices: the event loop runs meanwhile). */
  prepare(t: T): Promise<void>;
  /** Runs t (writes it); a promise when the writer asks to wait. */
  run(t: T): Promise<void> | undefined;
  /** About the bytes t holds while it waits (asked only then). */
  bytes(t: T): number;
}

/** About the bytes a record holds while it waits: its strings and byte arrays, and a little per key. */
export function recordBytes(rec: Record<string, unknown>): number {
  let n = 64;
  for (const k in rec) {
    const v = rec[k];
    n += 16 + k.length;
    if (typeof v === 'string') n += v.length;
    else if (v instanceof Uint8Array) n += v.byteLength;
  }
  return n;
}

/**
 * Steps of the output side, run in the order they were submitted. A step runs at once when
 * nothing waits and it needs no compile; otherwise it joins the line, and the line runs itself
 * (compiling for its head, then running it) until empty. submit() returns a promise only when
 * the caller must wait: the writer is full, or the line is (entries or bytes).
 */
export class Waiting<T> {
  private line: { t: T; bytes: number }[] = [];
  private head = 0;
  private pumping = false;
  private room: (() => void)[] = [];
  private idleWake: (() => void)[] = [];
  /** A step's error (not the caller's): thrown by the next submit() or idle(). */
  private failed: unknown = null;
  bytes = 0;
  /** Steps that waited, the most waiting at once, and how often a full line held the reading. */
  waited = 0;
  peak = 0;
  full = 0;

  constructor(private limits: WaitingLimits, private steps: WaitingSteps<T>) {}

  get length(): number { return this.line.length - this.head; }

  /** The step submitted last, while it waits (to fold a step into it), else undefined. */
  last(): T | undefined { return this.length > 0 ? this.line[this.line.length - 1].t : undefined; }

  submit(t: T): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    if (this.length === 0 && !this.pumping && !this.steps.needs(t)) return this.steps.run(t);
    const bytes = this.steps.bytes(t);
    this.line.push({ t, bytes });
    this.bytes += bytes;
    this.waited++;
    if (this.length > this.peak) this.peak = this.length;
    if (!this.pumping) void this.pump();
    if (this.length < this.limits.maxEntries && this.bytes < this.limits.maxBytes) return undefined;
    this.full++;
    return new Promise<void>((resolve) => this.room.push(resolve)).then(() => { if (this.failed) throw this.failed; });
  }

  /** Resolves when nothing waits (rejects with a step's error). */
  idle(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.length === 0 && !this.pumping) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWake.push(resolve)).then(() => { if (this.failed) throw this.failed; });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.length > 0) {
        const e = this.line[this.head];
        if (this.steps.needs(e.t)) await this.steps.prepare(e.t);
        this.line[this.head++] = undefined as never;
        this.bytes -= e.bytes;
        if (this.head > 1024 && this.head * 2 > this.line.length) { this.line = this.line.slice(this.head); this.head = 0; }
        // Room again: a reader held by a full line goes on.
        if (this.room.length && this.length < this.limits.maxEntries && this.bytes < this.limits.maxBytes) for (const w of this.room.splice(0)) w();
        const p = this.steps.run(e.t);
        if (p) await p;
      }
    } catch (err) {
      this.failed = err;
      this.line = []; this.head = 0; this.bytes = 0;
    } finally {
      this.pumping = false;
      for (const w of this.room.splice(0)) w();
      for (const w of this.idleWake.splice(0)) w();
    }
  }
}
