// The one NDJSON reader: split2 lines, bounded length, bad lines reported with where and what, skipped, counted.
import { Transform, TransformCallback, Readable } from 'stream';
import split2 from 'split2';
import type { Reporter } from './report';
import type { AnyRecord } from './records';

export const DEFAULT_MAX_LINE = 4 * 1024 * 1024;

// Marks a line cut at maxLine bytes. JSON never holds a raw NUL, so it cannot collide with data.
const OVERFLOW = '\u0000TRUNCATED';

// Byte-level guard in front of split2: keeps at most maxLine bytes of any line, so one endless
// line can neither exhaust memory nor shift the line numbers of those after it.
class LineLimiter extends Transform {
  private len = 0;
  private cut = false;
  constructor(private max: number) { super(); }
  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    let start = 0;
    const parts: Buffer[] = [];
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 10) {
        if (!this.cut) parts.push(chunk.subarray(start, i + 1)); else parts.push(Buffer.from('\n'));
        this.len = 0; this.cut = false; start = i + 1;
        continue;
      }
      if (!this.cut && ++this.len > this.max) {
        parts.push(chunk.subarray(start, i), Buffer.from(OVERFLOW));
        this.cut = true;
      }
      if (this.cut) start = i + 1;
    }
    if (!this.cut && start < chunk.length) parts.push(chunk.subarray(start));
    cb(null, parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }
}

export interface ReadOptions {
  name?: string;          // "stdin" or a file name, used in messages
  maxLine?: number;
  // Turns a parsed JSON value into a record, or returns an error string. The default wants an
  // object with a string `type`; fmt and banners pass one that also accepts peers' formats.
  adapt?: (value: unknown) => AnyRecord | AnyRecord[] | string;
}

export interface ReadCounts { lines: number; records: number; bad: number }

export function requireType(value: unknown): AnyRecord | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  if (typeof (value as AnyRecord).type !== 'string') return 'record has no "type" string';
  return value as AnyRecord;
}

function preview(line: string): string {
  const s = line.replace(OVERFLOW, '').slice(0, 60).replace(/[\x00-\x1f\x7f]/g, '?');
  return s.length < line.length ? s + '...' : s;
}

// Calls onRecord for every good record, awaiting it only when it returns a promise, so a slow
// consumer (a writer waiting for 'drain') pauses reading instead of buffering the input.
export async function readRecords(
  input: Readable,
  report: Reporter,
  onRecord: (rec: AnyRecord, line: number) => void | Promise<void>,
  opts: ReadOptions = {},
): Promise<ReadCounts> {
  const name = opts.name ?? 'stdin';
  const max = opts.maxLine ?? DEFAULT_MAX_LINE;
  const adapt = opts.adapt ?? requireType;
  const counts: ReadCounts = { lines: 0, records: 0, bad: 0 };
  const bad = (line: string, why: string) => {
    counts.bad++;
    report.error(`${name}:${counts.lines}: ${why}: ${preview(line)}`);
  };
  const lines = input.pipe(new LineLimiter(max)).pipe(split2());
  input.on('error', (e) => lines.destroy(e));
  for await (const raw of lines as AsyncIterable<string>) {
    counts.lines++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (line.includes(OVERFLOW)) { bad(line, `line longer than ${max} bytes`); continue; }
    let value: unknown;
    try { value = JSON.parse(line); } catch (e) { bad(line, (e as Error).message.replace(/^Unexpected/, 'unexpected')); continue; }
    const rec = adapt(value);
    if (typeof rec === 'string') { bad(line, rec); continue; }
    for (const r of Array.isArray(rec) ? rec : [rec]) {
      counts.records++;
      const p = onRecord(r, counts.lines);
      if (p) await p;
    }
  }
  return counts;
}
