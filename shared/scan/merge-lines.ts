// Several NDJSON streams into one, a whole line at a time: scan feeds banners catch's records and
// blast's (the sent records of named targets' probes, which banners needs before the answers to
// them). A line is never split, whatever the chunks; every source is paused while the output
// is full, so nothing is held beyond one partial line per source.
import { PassThrough, Readable } from 'stream';

export class LineMerge {
  readonly out = new PassThrough();
  private open = 0;
  private sources: Readable[] = [];
  private closed = false;

  constructor() {
    this.out.on('drain', () => { for (const s of this.sources) s.resume(); });
  }

  /** Adds a source; the output ends when every source added so far has ended and end() was called. */
  add(src: Readable): void {
    this.open++;
    this.sources.push(src);
    let carry: Buffer | null = null;
    src.on('data', (d: Buffer) => {
      const nl = d.lastIndexOf(10);
      if (nl < 0) { carry = carry ? Buffer.concat([carry, d]) : d; return; }
      const whole = carry ? Buffer.concat([carry, d.subarray(0, nl + 1)]) : d.subarray(0, nl + 1);
      carry = nl + 1 < d.length ? Buffer.from(d.subarray(nl + 1)) : null;
      if (!this.out.write(whole)) for (const s of this.sources) s.pause();
    });
    const done = () => {
      if (carry) { this.out.write(Buffer.concat([carry, Buffer.from('\n')])); carry = null; }
      this.open--;
      this.maybeEnd();
    };
    src.once('end', done);
    src.once('error', done);
  }

  /** No more sources will be added. */
  end(): void { this.closed = true; this.maybeEnd(); }

  private maybeEnd(): void { if (this.closed && this.open === 0) this.out.end(); }
}
