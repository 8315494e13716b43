// On a terminal, scan draws one live progress line from blast's and catch's status records
// (their own live lines cannot work: their stderr is a pipe to scan).
import { Writable } from 'stream';
import { Status } from '../status';
import { statusTap } from './status-tap';

export class ScanProgress {
  private latest: Record<string, Record<string, number>> = {};
  private status: Status;

  constructor(private err: Writable) {
    this.status = new Status('scan', err, () => {
      const b = this.latest.blast ?? {}, c = this.latest.catch ?? {};
      const fields = { syns: b.syns ?? 0, pps: b.pps ?? 0, open: c.open ?? 0, closed: c.closed ?? 0, segment: c.segment ?? 0 };
      const text = `${fields.syns} SYNs sent (${fields.pps} pps), ${fields.open} open, ${fields.closed} closed` +
        (fields.segment ? `, ${fields.segment} segments` : '');
      return { fields, text };
    }, {});
  }

  /** True when stderr is a terminal and a live line can be drawn. */
  get active(): boolean { return this.status.active; }

  start(): void { this.status.start(); }
  stop(): void { this.status.stop(false); }

  /** stderr of one stage: its status records feed the line, anything else is passed on whole
   *  (after clearing the live line, so the message stands alone). */
  sink(stage: string): Writable {
    return statusTap(this.err, (rec) => { this.latest[stage] = rec; return true; }, '\r\x1b[2K');
  }
}
