// One output of `fmt -o FORMAT[:FILE]`: drives a Formatter into stdout or a file through the
// shared LineWriter and rotates files: by size (each file closed once it holds SIZE bytes, the
// hosts still held for grouping going on into the next) and by time (on interval boundaries),
// each file a complete document. A Sink format (sqlite) writes its FILE itself.
import * as fs from 'fs';
import * as path from 'path';
import type { Writable } from 'stream';
import type { AnyRecord } from '../records';
import { LineWriter } from '../writer';
import { FatalError } from '../exit';
import type { EndReason, FormatContext, FormatModule, Formatter, Sink } from './types';

export interface RotateOptions {
  size: number;            // bytes, 0: no size rotation
  intervalMs: number;      // 0: no time rotation
  dir: string | null;      // where finished files go (time rotation, or given)
}

export const NO_ROTATION: RotateOptions = { size: 0, intervalMs: 0, dir: null };

/** What fmt drives: a text Output or a Sink. */
export interface Destination {
  readonly label: string;
  readonly closed: boolean;
  readonly error: Error | null;
  write(rec: AnyRecord): Promise<void> | undefined;
  finish(reason: EndReason): Promise<void>;
}

/** The name of the n-th rotated file: scan.xml -> scan.3.xml. */
export function rotatedName(file: string, n: number): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${n}${ext}`;
}

/** masscan's --rotate-dir name: DIR/YYMMDD-HHMMSS-BASENAME (UTC, the time the file was opened). */
export function stampedName(dir: string, file: string, ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return path.join(dir, `${stamp}-${path.basename(file)}`);
}

/** Milliseconds until the next multiple of the interval since the epoch (so 1h rotates on the hour). */
export function untilBoundary(now: number, intervalMs: number): number {
  return intervalMs - (now % intervalMs);
}

export class Output implements Destination {
  private fmt: Formatter;
  private w: LineWriter;
  private stream: Writable;
  private started = false;        // the current document's header is out
  private bytes = 0;
  private n = 1;
  private openedAt = Date.now();
  private rolled = false;   // the last file was closed by rotation; the next opens on the next text
  private busy: Promise<void> | null = null;   // a roll in progress: writes wait for it
  private timer: NodeJS.Timeout | null = null;
  private firstTimed: AnyRecord | undefined;   // the first record with a time_us, for headers
  private moves = false;                       // finished files are moved to a stamped name
  readonly label: string;

  constructor(mod: FormatModule, ctx: FormatContext, stdout: Writable, private file: string | null, private rot: RotateOptions = NO_ROTATION) {
    this.label = file ?? 'stdout';
    this.fmt = mod.create!(ctx);
    this.moves = file !== null && (rot.intervalMs > 0 || rot.dir !== null);
    this.stream = file ? this.open() : stdout;
    this.w = new LineWriter(this.stream);
    if (file && rot.intervalMs > 0) this.schedule();
  }

  // A rolled output waits to open its next file; the old file's stream emits 'close' a little
  // after it finished, and must not make the output look closed (it was skipped for good).
  get closed(): boolean { return !this.rolled && !this.busy && this.w.closed; }
  get error(): Error | null { return this.w.error; }

  private rotating(): boolean { return this.rot.size > 0 || this.rot.intervalMs > 0; }

  private open(): Writable {
    const name = this.moves || !this.rotating() ? this.file! : rotatedName(this.file!, this.n);
    let fd: number;
    // Opened synchronously so a bad path is reported before any input is read.
    try { fd = fs.openSync(name, 'w', 0o644); } catch (e) { throw new FatalError(`cannot write ${name}: ${(e as Error).message}`); }
    this.openedAt = Date.now();
    return fs.createWriteStream('', { fd });
  }

  private put(s: string): Promise<void> | undefined {
    if (!s) return undefined;
    if (!this.started) { this.started = true; s = this.fmt.header(this.firstTimed) + s; }
    this.bytes += Buffer.byteLength(s);
    return this.w.text(s);
  }

  /** Writes one record; resolves when the writer wants the producer to wait (backpressure). */
  write(rec: AnyRecord): Promise<void> | undefined {
    if (this.busy) return this.busy.then(() => this.write(rec));
    if (!this.firstTimed && typeof rec.time_us === 'number') this.firstTimed = rec;
    const s = this.fmt.record(rec);
    if (!s) return undefined;
    // The header waits for the first output so it can carry the first time seen (a target
    // record ahead of the results has none).
    if (this.rolled) this.reopen();
    if (this.w.closed) return undefined;
    const p = this.put(s);
    if (this.rot.size > 0 && this.bytes >= this.rot.size) return this.roll();
    return p;
  }

  /** Closes the current file as a complete document; held hosts stay held for the next. */
  private roll(): Promise<void> {
    this.busy = (async () => {
      await this.close('end');
      this.rolled = true;
    })().finally(() => { this.busy = null; });
    return this.busy;
  }

  private reopen() {
    this.rolled = false;
    this.n++;
    this.started = false;
    this.bytes = 0;
    this.stream = this.open();
    this.w = new LineWriter(this.stream);
  }

  private async close(reason: EndReason): Promise<void> {
    // An empty document still gets its header, so every file is valid on its own.
    if (!this.started) { this.started = true; this.w.text(this.fmt.header(this.firstTimed)); }
    this.w.text(this.fmt.trailer(reason));
    await this.w.end();
    if (this.file) {
      await new Promise<void>((resolve) => this.stream.end(resolve));
      if (this.moves) this.moveDone();
    }
  }

  private moveDone() {
    const dir = this.rot.dir ?? path.dirname(this.file!);
    let name = stampedName(dir, this.file!, this.openedAt);
    for (let k = 2; fs.existsSync(name); k++) name = rotatedName(stampedName(dir, this.file!, this.openedAt), k);
    try { fs.renameSync(this.file!, name); } catch (e) {
      // Another file system: copy, then remove.
      try { fs.copyFileSync(this.file!, name); fs.unlinkSync(this.file!); } catch { this.w.error ??= e as Error; }
    }
  }

  private schedule() {
    this.timer = setTimeout(() => {
      // Rotate only a file that holds something; an idle interval keeps its file open.
      if (this.started && !this.rolled && !this.busy) void this.roll();
      this.schedule();
    }, untilBoundary(Date.now(), this.rot.intervalMs));
    this.timer.unref();
  }

  /** Drains the held hosts (over several files when rotating), closes the last document and file. */
  async finish(reason: EndReason): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.busy) await this.busy;
    for (const s of this.fmt.drain()) {
      if (this.rolled) this.reopen();
      if (this.w.closed) break;
      const p = this.put(s);
      if (p) await p;
      if (this.rot.size > 0 && this.bytes >= this.rot.size) await this.roll();
    }
    if (!this.rolled) await this.close(reason);
  }
}

/** A Sink format behind the same face as a text Output. */
export class SinkOutput implements Destination {
  private sink: Sink;
  error: Error | null = null;
  closed = false;
  constructor(mod: FormatModule, ctx: FormatContext, readonly label: string) {
    this.sink = mod.sink!(ctx, label);
  }
  write(rec: AnyRecord): Promise<void> | undefined {
    if (this.closed) return undefined;
    try {
      const p = this.sink.write(rec);
      return p?.catch((e) => this.fail(e));
    } catch (e) { this.fail(e as Error); return undefined; }
  }
  private fail(e: Error) { this.error ??= e; this.closed = true; }
  async finish(reason: EndReason): Promise<void> {
    try { await this.sink.finish(reason); } catch (e) { this.fail(e as Error); }
  }
}
