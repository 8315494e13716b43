// Reads trawl NDJSON, masscan -oD / -oJ / -oL / -oG / -oX, nmap-style grepable and XML or ZMap
// CSV from one stream, recognized from its first line, and hands trawl records to onRecord; bad
// lines are reported and counted as readRecords does. `fmt` and `banners` both read their
// input through readAnyRecords.
import { Readable } from 'stream';
import type { ShareFilter } from '../jobs/share';
import type { Reporter } from '../report';
import type { AnyRecord } from '../records';
import { DEFAULT_MAX_LINE, parseLine, ReadCounts, ReadOptions, readRecords, requireType } from '../ndjson-reader';
import { fromMasscanJson, fromMasscanNdjson, isMasscanJson, isMasscanNdjson } from './masscan';
import { fromZmapRow, isZmapHeader, splitCsvLine } from './zmap';
import { grepableLines, listLines } from './text';
import { xmlLines } from './xml';

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

/** Input formats fmt and banners read (--from), each recognized from the start of the input. */
export const INPUT_FORMATS = ['ndjson', 'masscan-json', 'list', 'grepable', 'xml', 'zmap-csv'] as const;
export type InputFormat = typeof INPUT_FORMATS[number];

const EXPECTED = 'trawl or masscan -oD NDJSON ({...}), masscan -oJ ([...]), masscan or fmt list (#masscan, open tcp ...), ' +
  'grepable (# ... scan initiated, Host: ...), nmap-style XML (<?xml, <nmaprun>) or ZMap CSV (saddr,...)';

/** The format of an input from its first line, or null when it is none fmt reads. */
export function sniff(first: string): InputFormat | null {
  const t = first.trimStart();
  if (t.startsWith('{')) return 'ndjson';
  if (t.startsWith('[')) return 'masscan-json';
  if (t.startsWith('<')) return 'xml';
  if (/^#masscan\b/.test(t) || /^(open|closed|banner) \w+ \d+ /.test(t)) return 'list';
  if (/^# \S+ .*scan initiated/.test(t) || /^(Timestamp: \d+\t)?Host: /.test(t)) return 'grepable';
  if (isZmapHeader(t)) return 'zmap-csv';
  return null;
}

export interface AnyReadOptions {
  name?: string; maxLine?: number; from?: InputFormat; keepLinesOf?: string;
  share?: ShareFilter;   // this reader's lines of the input (banners --jobs)
}

// Bytes read ahead to find the first line of the input.
const SNIFF_BYTES = 64 * 1024;

/**
 * Reads records in any input format fmt and banners accept (see the DESCRIPTION of trawl-fmt(1)):
 * the format given, or the one its first line shows. An input that is none of them is reported
 * once, with what was expected; its NDJSON lines are still read and the others counted as bad.
 */
export async function readAnyRecords(input: Readable, report: Reporter, onRecord: OnRecord, opts: AnyReadOptions = {}): Promise<ReadCounts> {
  const name = opts.name ?? 'stdin';
  const it = input[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let heldBytes = 0;
  let done = false;
  // Read until the first non-blank line is whole (or the input ends).
  const firstLine = (): string | null => {
    const text = Buffer.concat(held).toString('latin1');
    for (const l of text.split('\n').slice(0, -1)) if (l.trim() !== '') return l;
    return null;
  };
  let first: string | null = null;
  while (!done && (first = firstLine()) === null && heldBytes < SNIFF_BYTES) {
    const n = await it.next();
    if (n.done) { done = true; break; }
    const b = Buffer.from(n.value);
    held.push(b);
    heldBytes += b.length;
  }
  first ??= Buffer.concat(held).toString('latin1').trim();
  async function* replay() {
    for (const b of held) yield b;
    if (done) return;
    for (;;) { const n = await it.next(); if (n.done) return; yield n.value as Buffer; }
  }
  const stream = Readable.from(replay(), { objectMode: false });
  const mine = opts.share ? opts.share.mine.bind(opts.share) : undefined;
  if (first.trim() === '') return readRecords(stream, report, onRecord, { name, maxLine: opts.maxLine, adapt: adaptPeer, keepLinesOf: opts.keepLinesOf, mine });
  const format = opts.from ?? sniff(first);
  if (opts.share && opts.share.share.job > 0 && format !== 'ndjson') {
    // Another format is the first job's alone (and so are its messages): read past it.
    for await (const _ of stream) { /* skipped */ }
    return { lines: 0, records: 0, bad: 0 };
  }
  const ro: ReadOptions = { name, maxLine: opts.maxLine, keepLinesOf: opts.keepLinesOf, mine };
  if (!format) {
    // Said once, not once per line; NDJSON records further on (a concatenation) still count.
    const shown = first.slice(0, 60).replace(/[\x00-\x1f\x7f-\xff]/g, '?');
    report.error(`${name}: not an input trawl reads (expected ${EXPECTED}); it starts with: ${shown}; skipping all but NDJSON lines`);
    let skipped = 0;
    ro.line = (line) => {
      if (line.trimStart().startsWith('{')) return parseLine(line, adaptPeer);
      skipped++;
      return null;
    };
    const c = await readRecords(stream, report, onRecord, ro);
    return { ...c, bad: c.bad + skipped };
  }
  switch (format) {
    case 'ndjson': ro.adapt = adaptPeer; break;
    case 'masscan-json': ro.line = masscanJsonLine; break;
    case 'zmap-csv': ro.line = zmapCsvLines(); break;
    case 'list': ro.line = listLines(); break;
    case 'grepable': ro.line = grepableLines(); break;
    case 'xml': ro.line = xmlLines(opts.maxLine ?? DEFAULT_MAX_LINE); break;
  }
  return readRecords(stream, report, onRecord, ro);
}
