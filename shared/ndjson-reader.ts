// The one NDJSON reader: lines split from the bytes read, bounded length, bad lines reported with where and what, skipped, counted.
import { Readable } from 'stream';
import type { Reporter } from './report';
import { quoteInput } from './quote';
import type { AnyRecord } from './records';
import { keep } from './kept-lines';

export const DEFAULT_MAX_LINE = 4 * 1024 * 1024;

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
  // Records of this type read from a line in JSON.stringify's spelling of their start
  // ({"type":"banner",...}) keep it (shared/kept-lines.ts: banners writes the line back with its
  // fields appended).
  keepLinesOf?: string;
  // This reader's lines, when it reads a share of the input (banners --jobs).
  mine?: Mine;
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
/** Whether line buf[start, end) (cut: longer than the limit) is this reader's, when it reads a
 *  share of its input (banners --jobs, shared/jobs/share.ts); the others count as empty lines. */
export type Mine = (buf: Buffer, start: number, end: number, cut: boolean) => boolean;

// Another job's line (banners --jobs), counted but not decoded.
const EMPTY_LINE: [string, boolean] = ['', false];

/** The one line reader under readRecords and the range files: lines split from each chunk read
 *  (newlines found by memchr, each line decoded once), so memory stays bounded by maxLine
 *  whatever the input: a longer line keeps its first maxLine bytes and the rest is dropped up to
 *  its newline. Lines are as split2 gave them before (it cost a stream callback and a regex split
 *  per chunk plus a Transform in front, about a tenth of banners' time): UTF-8, without "\r\n"
 *  or "\n", one more "\r" taken off the end. Resolves with the count. */
export async function readLines(input: Readable, maxLine: number, onLine: OnLine, mine?: Mine): Promise<number> {
  let n = 0;
  // The line whose newline has not come yet: copies of its bytes (at most maxLine in all).
  let parts: Buffer[] = [];
  let len = 0;
  let cut = false;      // the current line passed the limit; the rest of it is dropped
  const queue: [string, boolean][] = [];
  const line = (text: string, newline: boolean) => {
    // split2 took "\r\n" or "\n" off; the reader one more "\r" (a last line without a newline ends in one).
    if (newline && text.endsWith('\r')) text = text.slice(0, -1);
    queue.push([text.endsWith('\r') ? text.slice(0, -1) : text, cut]);
  };
  // A line held over chunks: another job's is counted as an empty line, never decoded.
  const held = (newline: boolean) => {
    const b = parts.length === 1 ? parts[0] : Buffer.concat(parts, len);
    parts = []; len = 0;
    if (mine && !mine(b, 0, b.length, cut)) queue.push(EMPTY_LINE);
    else line(b.toString('utf8'), newline);
  };
  const take = (chunk: Buffer) => {
    for (let s = 0; ;) {
      const nl = chunk.indexOf(10, s);
      const end = nl < 0 ? chunk.length : nl;
      if (!cut && nl >= 0 && len === 0 && end - s <= maxLine) {
        // The usual case: a whole line in the chunk.
        if (mine && !mine(chunk, s, end, false)) queue.push(EMPTY_LINE);
        else line(chunk.toString('utf8', s, end), true);
        s = nl + 1;
        continue;
      }
      if (!cut) {
        const keep = Math.min(end - s, maxLine - len);
        if (keep > 0) { parts.push(Buffer.from(chunk.subarray(s, s + keep))); len += keep; }
        if (end - s > keep) cut = true;
      }
      if (nl < 0) return;
      held(true);
      cut = false;
      s = nl + 1;
    }
  };
  // Lines are handled synchronously as 'data' arrives (an async iterator per line cost a third
  // of fmt's time); the stream is paused only while a consumer's promise is pending.
  await new Promise<void>((resolve, reject) => {
    let head = 0;
    let waiting = false;
    let ended = false;
    const drain = () => {
      while (head < queue.length) {
        const [text, tooLong] = queue[head++];
        let p: Promise<void> | void;
        try { p = onLine(text, ++n, tooLong); } catch (e) { reject(e); return; }
        if (p) {
          waiting = true;
          input.pause();
          p.then(() => { waiting = false; drain(); if (!waiting && !ended) input.resume(); }, reject);
          return;
        }
      }
      queue.length = 0; head = 0;
      if (ended) resolve();
    };
    input.on('data', (chunk: Buffer | string) => {
      take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (!waiting) drain();
    });
    input.on('end', () => {
      if (len > 0) held(false);
      ended = true;
      if (!waiting) drain();
    });
    input.on('error', reject);
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
  const keepPrefix = opts.keepLinesOf !== undefined && !opts.line ? `{"type":${JSON.stringify(opts.keepLinesOf)},` : null;
  // The value JSON.parse gave for the line, to tell a record adapt passed as it was.
  let parsed: unknown;
  const adaptSeen = keepPrefix ? (v: unknown) => { parsed = v; return adapt(v); } : adapt;
  const counts: ReadCounts = { lines: 0, records: 0, bad: 0 };
  const bad = (line: string, why: string) => {
    counts.bad++;
    report.error(`${name}:${counts.lines}: ${why}: ${quoteInput(line)}`);
  };
  counts.lines = await readLines(input, max, (line, n, tooLong): Promise<void> | void => {
    counts.lines = n;
    if (tooLong) return bad(line, `line longer than ${max} bytes`);
    if (line.trim() === '') return;
    const rec = opts.line ? opts.line(line) : parseLine(line, adaptSeen);
    if (rec === null) return;
    if (typeof rec === 'string') return bad(line, rec);
    if (!Array.isArray(rec)) {
      counts.records++;
      if (keepPrefix && rec === parsed && line.startsWith(keepPrefix) && line.charCodeAt(line.length - 1) === 125 && rec.type === opts.keepLinesOf) keep(rec, line);
      parsed = undefined;
      return onRecord(rec, n);
    }
    // Several records from one line (a peer's array): chain any waits in order.
    let chain: Promise<void> | undefined;
    for (const r of rec) {
      counts.records++;
      if (chain) chain = chain.then(() => onRecord(r, n));
      else chain = onRecord(r, n) || undefined;
    }
    return chain;
  }, opts.mine);
  return counts;
}
