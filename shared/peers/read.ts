// Reads trawl NDJSON, masscan -oD / -oJ or ZMap CSV from one stream, sniffed from its first
// byte, and hands trawl records to onRecord; bad lines are reported and counted as
// readRecords does. `fmt` and `banners` both read their input through readAnyRecords.
import { Readable } from 'stream';
import type { Reporter } from '../report';
import type { AnyRecord } from '../records';
import { parseLine, ReadCounts, readRecords, requireType } from '../ndjson-reader';
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

// masscan's -oJ ("[", "{...}", ",", ..., "]", in several historical layouts): one object per
// line once the array punctuation around it is gone; punctuation-only lines hold no record.
function masscanJsonLine(line: string): AnyRecord | AnyRecord[] | string | null {
  let t = line.trim();
  if (t === '[' || t === ']' || t === ',' || t === '],') return null;
  if (t.startsWith(',')) t = t.slice(1).trim();
  if (t.endsWith(',')) t = t.slice(0, -1);
  return parseLine(t, adaptPeer);
}

// ZMap's CSV: a header row naming the fields (saddr,...), then one row per result. NDJSON lines
// may be mixed in (a concatenation of trawl and ZMap output).
function zmapCsvLines(): (line: string) => AnyRecord | AnyRecord[] | string | null {
  let header: string[] | null = null;
  return (line) => {
    if (line.trimStart().startsWith('{')) return parseLine(line, adaptPeer);
    if (!header) {
      if (!isZmapHeader(line)) return 'neither an NDJSON record nor a ZMap CSV header (saddr,...)';
      header = splitCsvLine(line) as string[];
      return null;
    }
    return fromZmapRow(header, line);
  };
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
  if (head === '[') return readRecords(stream, report, onRecord, { name, maxLine: opts.maxLine, line: masscanJsonLine });
  return readRecords(stream, report, onRecord, { name, maxLine: opts.maxLine, line: zmapCsvLines() });
}
