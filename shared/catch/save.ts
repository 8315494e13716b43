// catch --save: every packet of each batch (or, with --save-valid, those that made a record or a
// request) written to a pcap or pcapng file as the batch is processed, so a live run can be
// replayed through catch --pcap with the same records. The file is created at start (a path
// that cannot be written is an error before any capture) and its header written once the link
// type is known.
import * as fs from 'fs';
import { FatalError, UsageError } from '../exit';
import { PcapWriter, saveFormatOf } from '../packet/pcap-writer';
import type { CatchEngine } from './engine';

export class CaptureSave {
  private w: PcapWriter | null = null;

  private constructor(private file: string, private fd: number, private snaplen: number, private validOnly: boolean) {}

  static open(file: string, snaplen: number, validOnly: boolean): CaptureSave {
    let fd: number;
    try { fd = fs.openSync(file, 'w', 0o600); } catch (e) {
      throw new UsageError(`--save ${file}: ${(e as Error).message}`);
    }
    return new CaptureSave(file, fd, snaplen, validOnly);
  }

  private writer(linktype: number): PcapWriter {
    if (!this.w) this.w = this.guard(() => new PcapWriter(this.fd, saveFormatOf(this.file), linktype, this.snaplen));
    return this.w;
  }

  private guard<T>(f: () => T): T {
    try { return f(); } catch (e) { throw new FatalError(`--save ${this.file}: ${(e as Error).message}`); }
  }

  /** Writes the batch's packets (the engine has just processed it). */
  batch(linktype: number, buf: Uint8Array, meta: Uint32Array, times: Float64Array, n: number, engine: CatchEngine): void {
    const w = this.writer(linktype);
    if (this.validOnly) {
      for (let k = 0; k < engine.validCount; k++) {
        const i = engine.validIdx[k];
        w.add(buf, meta[3 * i], meta[3 * i + 1], meta[3 * i + 2], times[i]);
      }
    } else {
      for (let i = 0; i < n; i++) w.add(buf, meta[3 * i], meta[3 * i + 1], meta[3 * i + 2], times[i]);
    }
    this.guard(() => w.flush());
  }

  get packets(): number { return this.w ? this.w.packets : 0; }

  /** Ends the file (a header alone when nothing came). */
  close(linktype: number): void {
    this.writer(linktype);
    fs.closeSync(this.fd);
  }
}
