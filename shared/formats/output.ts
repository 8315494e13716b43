// One output of `fmt -o FORMAT[:FILE]`: drives a Formatter into stdout or a file through the
// shared LineWriter, and with --rotate-size closes each file as a complete document and
// starts the next (FILE -> STEM.1.EXT, STEM.2.EXT, ...).
import * as fs from 'fs';
import * as path from 'path';
import type { Writable } from 'stream';
import type { AnyRecord } from '../records';
import { LineWriter } from '../writer';
import { FatalError } from '../exit';
import type { EndReason, FormatContext, FormatModule, Formatter } from './types';

/** The name of the n-th rotated file: scan.xml -> scan.3.xml. */
export function rotatedName(file: string, n: number): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${n}${ext}`;
}

export class Output {
  private fmt: Formatter;
  private w: LineWriter;
  private stream: Writable;
  private started = false;
  private bytes = 0;
  private n = 1;
  private rolled = false;   // the last file was closed by rotation; the next opens on the next record
  private firstTimed: AnyRecord | undefined;   // the first record with a time_us, for headers
  readonly label: string;

  constructor(private mod: FormatModule, private ctx: FormatContext, stdout: Writable, private file: string | null, private rotate: number) {
    this.label = file ?? 'stdout';
    this.fmt = mod.create(ctx);
    this.stream = file ? this.open() : stdout;
    this.w = new LineWriter(this.stream);
  }

  // A rolled output waits to open its next file; the old file's stream emits 'close' a little
  // after it finished, and must not make the output look closed (it was skipped for good).
  get closed(): boolean { return !this.rolled && this.w.closed; }
  get error(): Error | null { return this.w.error; }

  private open(): Writable {
    const name = this.rotate > 0 ? rotatedName(this.file!, this.n) : this.file!;
    let fd: number;
    // Opened synchronously so a bad path is reported before any input is read.
    try { fd = fs.openSync(name, 'w', 0o644); } catch (e) { throw new FatalError(`cannot write ${name}: ${(e as Error).message}`); }
    return fs.createWriteStream('', { fd });
  }

  private put(s: string): Promise<void> | undefined {
    if (!s) return undefined;
    this.bytes += Buffer.byteLength(s);
    return this.w.text(s);
  }

  /** Writes one record; resolves when the writer wants the producer to wait (backpressure). */
  write(rec: AnyRecord): Promise<void> | undefined {
    if (this.rolled) this.reopen();
    if (this.w.closed) return undefined;
    if (!this.firstTimed && typeof rec.time_us === 'number') this.firstTimed = rec;
    let s = this.fmt.record(rec);
    // The header waits for the first output so it can carry the first time seen (a target
    // record ahead of the results has none); the document is still opened before any text.
    if (!this.started && s) { this.started = true; s = this.fmt.header(this.firstTimed) + s; }
    const p = this.put(s);
    if (this.rotate > 0 && this.bytes >= this.rotate) return this.roll();
    return p;
  }

  private async roll(): Promise<void> {
    await this.close('end');
    this.rolled = true;
  }

  private reopen() {
    this.rolled = false;
    this.n++;
    this.fmt = this.mod.create(this.ctx);
    this.started = false;
    this.firstTimed = undefined;
    this.bytes = 0;
    this.stream = this.open();
    this.w = new LineWriter(this.stream);
  }

  private async close(reason: EndReason): Promise<void> {
    if (!this.started) { this.started = true; this.put(this.fmt.header(this.firstTimed)); }
    this.put(this.fmt.drain() + this.fmt.trailer(reason));
    await this.w.end();
    if (this.file) await new Promise<void>((resolve) => this.stream.end(resolve));
  }

  /** Closes the document (drains grouped hosts, writes the trailer) and the file. */
  async finish(reason: EndReason): Promise<void> {
    if (!this.rolled) await this.close(reason);
  }
}
