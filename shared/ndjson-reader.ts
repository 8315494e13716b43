// The one NDJSON reader: split2 lines, bounded length, bad lines reported with where and what, skipped, counted.
import { Transform, TransformCallback, Readable } from 'stream';
import split2 from 'split2';
import type { Reporter } from './report';
import { quoteInput } from './quote';
import type { AnyRecord } from './records';

export const DEFAULT_MAX_LINE = 4 * 1024 * 1024;

const NEWLINE = Buffer.from('\n');

// Byte-level guard in front of split2: keeps at most maxLine bytes of any line, so one endless
// line can neither exhaust memory nor shift the line numbers of those after it. The numbers of
// the lines it cut are queued beside the stream (not marked inside it: input may hold any bytes).
class LineLimiter extends Transform {
  private len = 0;      // bytes of the current line seen so far
  private cut = false;  // the current line passed the limit; drop the rest of it
  private line = 1;     // 1-based number of the current line
  readonly cutLines: number[] = [];
  constructor(private max: number) { super(); }
  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    // Fast path: no line in this chunk reaches the limit, pass the chunk on as it is.
    let parts: Buffer[] | null = null;
    let start = 0;
    let kept = 0;        // bytes of chunk before `start` already accounted for in parts
    while (start <= chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      const seg = end - start;
      if (this.cut) {
        parts ??= [chunk.subarray(0, kept)];
        if (nl !== -1) parts.push(NEWLINE);
      } else if (this.len + seg > this.max) {
        parts ??= [chunk.subarray(0, kept)];
        parts.push(chunk.subarray(start, start + (this.max - this.len)));
        this.cut = true;
        this.cutLines.push(this.line);
        if (nl !== -1) parts.push(NEWLINE);
      } else if (parts) {
        parts.push(chunk.subarray(start, nl === -1 ? end : end + 1));
      }
      if (nl === -1) { this.len += seg; break; }
      this.len = 0; this.cut = false; this.line++; start = nl + 1; kept = start;
    }
    cb(null, parts ? Buffer.concat(parts) : chunk);
  }
}

// Records are flat (trawl.7); peers' records nest a few levels. Deeper values are refused here,
// in the one reader, so no consumer (JSON.stringify, --where, the formats) can overflow its stack.
export const MAX_DEPTH = 64;

/** true when value holds objects or arrays nested more than max levels deep (iterative). */
export function tooDeep(value: unknown, max = MAX_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [object, number][] = [[value as object, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > max) return true;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
    } else {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push([x as object, d + 1]);
      }
    }
  }
  return false;
}

export interface ReadOptions {
  name?: string;          // "stdin" or a file name, used in messages
  maxLine?: number;
  // Turns a parsed JSON value into a record, or returns an error string. The default wants an
  // object with a string `type`; fmt and banners pass one that also accepts peers' formats.
  adapt?: (value: unknown) => AnyRecord | AnyRecord[] | string;
  // For inputs that are not one JSON value per line (ZMap's CSV, masscan's -oJ array): turns a
  // line into records, an error string, or null for a line that holds no record (a header).
  // Replaces JSON.parse + adapt; the line limit, numbering and error reports stay the same.
  line?: (line: string) => AnyRecord | AnyRecord[] | string | null;
  // The line number a message and onRecord give for the n-th line read, when this input is a
  // share of a larger one (banners --jobs: a worker's lines are the router's lines m1, m2, ...).
  lineOf?: (n: number) => number;
}

export interface ReadCounts { lines: number; records: number; bad: number }

export function requireType(value: unknown): AnyRecord | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  if (typeof (value as AnyRecord).type !== 'string') return 'record has no "type" string';
  return value as AnyRecord;
}

/** One JSON line through adapt, or the error message (JSON.parse's, lower-cased). */
export function parseLine(line: string, adapt: (value: unknown) => AnyRecord | AnyRecord[] | string = requireType): AnyRecord | AnyRecord[] | string {
  let value: unknown;
  try { value = JSON.parse(line); } catch (e) { return (e as Error).message.replace(/^Unexpected/, 'unexpected'); }
  if (tooDeep(value)) return `nested more than ${MAX_DEPTH} levels deep`;
  return adapt(value);
}

/** Called for every line, numbered from 1, without its newline or CR; tooLong when the line
 *  was cut at the limit (line then holds its first bytes). A returned promise pauses reading. */
export type OnLine = (line: string, n: number, tooLong: boolean) => void | Promise<void>;

/** The one line reader under readRecords and the range files: split2 behind the byte-level
 *  limiter, so memory stays bounded by maxLine whatever the input. Resolves with the count. */
export async function readLines(input: Readable, maxLine: number, onLine: OnLine): Promise<number> {
  const limiter = new LineLimiter(maxLine);
  const lines = input.pipe(limiter).pipe(split2());
  input.on('error', (e) => lines.destroy(e));
  let n = 0;
  const handle = (raw: string): Promise<void> | void => {
    n++;
    const cut = limiter.cutLines[0] === n;
    if (cut) limiter.cutLines.shift();
    return onLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, n, cut);
  };
  // Lines are handled synchronously as 'data' arrives (an async iterator per line cost a third
  // of fmt's time); the stream is paused only while a consumer's promise is pending.
  await new Promise<void>((resolve, reject) => {
    const queue: string[] = [];
    let waiting = false;
    let ended = false;
    const drain = () => {
      while (queue.length) {
        let p: Promise<void> | void;
        try { p = handle(queue.shift()!); } catch (e) { reject(e); return; }
        if (p) {
          waiting = true;
          lines.pause();
          p.then(() => { waiting = false; drain(); if (!waiting && !ended) lines.resume(); }, reject);
          return;
        }
      }
      if (ended) resolve();
    };
    lines.on('data', (raw: string) => { queue.push(raw); if (!waiting) drain(); });
    lines.on('end', () => { ended = true; if (!waiting && queue.length === 0) resolve(); });
    lines.on('error', reject);
  });
  return n;
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
  const lineOf = opts.lineOf ?? ((n: number) => n);
  const counts: ReadCounts = { lines: 0, records: 0, bad: 0 };
  const bad = (line: string, why: string) => {
    counts.bad++;
    report.error(`${name}:${lineOf(counts.lines)}: ${why}: ${quoteInput(line)}`);
  };
  counts.lines = await readLines(input, max, (line, i, tooLong): Promise<void> | void => {
    counts.lines = i;
    const n = lineOf(i);
    if (tooLong) return bad(line, `line longer than ${max} bytes`);
    if (line.trim() === '') return;
    const rec = opts.line ? opts.line(line) : parseLine(line, adapt);
    if (rec === null) return;
    if (typeof rec === 'string') return bad(line, rec);
    if (!Array.isArray(rec)) { counts.records++; return onRecord(rec, n); }
    // Several records from one line (a peer's array): chain any waits in order.
    let chain: Promise<void> | undefined;
    for (const r of rec) {
      counts.records++;
      if (chain) chain = chain.then(() => onRecord(r, n));
      else chain = onRecord(r, n) || undefined;
    }
    return chain;
  });
  return counts;
}
