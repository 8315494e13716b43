// Reads trawl NDJSON, masscan -oD / -oJ or ZMap CSV from one stream, sniffed from its first
// byte, and hands trawl records to onRecord; bad lines are reported and counted as
// readRecords does. `fmt` and `banners` both read their input through readAnyRecords.
import { Readable, Transform } from 'stream';
import split2 from 'split2';
import type { Reporter } from '../report';
import type { AnyRecord } from '../records';
import { DEFAULT_MAX_LINE, ReadCounts, readRecords, requireType } from '../ndjson-reader';
import { fromMasscanJson, fromMasscanNdjson, isMasscanJson, isMasscanNdjson } from './masscan';
import { fromZmapRow, isZmapHeader, splitCsvLine } from './zmap';

/** adapt() for readRecords: trawl records as they are, masscan's objects converted. */
export function adaptPeer(value: unknown): AnyRecord | AnyRecord[] | string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (isMasscanNdjson(v)) return fromMasscanNdjson(v);
    if (isMasscanJson(v)) return fromMasscanJson(v);
  }
  return requireType(value);
}

type OnRecord = (rec: AnyRecord, line: number) => void | Promise<void>;

// Turns masscan's -oJ ("[", "{...}", ",", ..., "]", in several historical layouts) into one
// object per line; the lines it removes become empty so error line numbers stay true.
function masscanJsonLines(): Transform {
  return new Transform({
    readableObjectMode: false,
    writableObjectMode: true,
    transform(line: string, _e, cb) {
      let t = line.trim();
      if (t === '[' || t === ']' || t === ',' || t === '],' ) t = '';
      if (t.startsWith(',')) t = t.slice(1).trim();
      if (t.endsWith(',')) t = t.slice(0, -1);
      cb(null, t + '\n');
    },
  });
}

function preview(line: string): string {
  const s = line.slice(0, 60).replace(/[\x00-\x1f\x7f]/g, '?');
  return s.length < line.length ? s + '...' : s;
}

// ZMap CSV: a header row naming the fields, then rows; a line that is not CSV under a header
// is tried as NDJSON, so a concatenation of both still reads.
async function readZmapCsv(input: Readable, report: Reporter, onRecord: OnRecord, name: string): Promise<ReadCounts> {
  const counts: ReadCounts = { lines: 0, records: 0, bad: 0 };
  let header: string[] | null = null;
  const lines = input.pipe(split2({ maxLength: DEFAULT_MAX_LINE, skipOverflow: true } as any));
  input.on('error', (e) => lines.destroy(e));
  for await (const raw of lines as AsyncIterable<string>) {
    counts.lines++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const bad = (why: string) => { counts.bad++; report.error(`${name}:${counts.lines}: ${why}: ${preview(line)}`); };
    let rec: AnyRecord | AnyRecord[] | string;
    if (line.trimStart().startsWith('{')) {
      try { rec = adaptPeer(JSON.parse(line)); } catch (e) { bad((e as Error).message.replace(/^Unexpected/, 'unexpected')); continue; }
    } else if (!header) {
      if (!isZmapHeader(line)) { bad('neither an NDJSON record nor a ZMap CSV header (saddr,...)'); continue; }
      header = splitCsvLine(line) as string[];
      continue;
    } else rec = fromZmapRow(header, line);
    if (typeof rec === 'string') { bad(rec); continue; }
    for (const r of Array.isArray(rec) ? rec : [rec]) {
      counts.records++;
      const p = onRecord(r, counts.lines);
      if (p) await p;
    }
  }
  return counts;
}

export interface AnyReadOptions { name?: string; maxLine?: number }

/** Reads records in any input format fmt and banners accept (see the DESCRIPTION of trawl-fmt(1)). */
export async function readAnyRecords(input: Readable, report: Reporter, onRecord: OnRecord, opts: AnyReadOptions = {}): Promise<ReadCounts> {
  const name = opts.name ?? 'stdin';
  const it = input[Symbol.asyncIterator]();
  let first = await it.next();
  const held: Buffer[] = [];
  // Skip chunks of pure whitespace to find the first meaningful byte.
  while (!first.done && Buffer.from(first.value).toString('latin1').trim() === '') { held.push(Buffer.from(first.value)); first = await it.next(); }
  if (!first.done) held.push(Buffer.from(first.value));
  const head = Buffer.concat(held).toString('latin1').trimStart()[0] ?? '{';
  async function* replay() {
    for (const b of held) yield b;
    if (first.done) return;
    for (;;) { const n = await it.next(); if (n.done) return; yield n.value as Buffer; }
  }
  const stream = Readable.from(replay(), { objectMode: false });
  if (head === '{') return readRecords(stream, report, onRecord, { name, maxLine: opts.maxLine, adapt: adaptPeer });
  if (head === '[') {
    const lines = stream.pipe(split2({ maxLength: opts.maxLine ?? DEFAULT_MAX_LINE } as any)).pipe(masscanJsonLines());
    return readRecords(lines, report, onRecord, { name, maxLine: opts.maxLine, adapt: adaptPeer });
  }
  return readZmapCsv(stream, report, onRecord, name);
}
