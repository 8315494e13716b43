// The head of a shard output: its first record, which must be the shard record (read without
// reading the rest, so merge can check every file before it writes a line).
import * as fs from 'fs';
import { FatalError } from '../exit';
import { DEFAULT_MAX_LINE, parseLine } from '../ndjson-reader';
import { asShardRecord } from '../shard-record';
import type { Part } from './check';

/** The first line of a file that is not blank (at most DEFAULT_MAX_LINE bytes are read). */
function headLine(file: string): string | null {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    let text = '';
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      text += buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      const done = n === 0 || text.length > DEFAULT_MAX_LINE;
      for (let k = 0; k < lines.length - (done ? 0 : 1); k++) if (lines[k].trim() !== '') return lines[k];
      if (done) return null;
      text = lines[lines.length - 1];
    }
  } finally { fs.closeSync(fd); }
}

export function readHead(file: string): Part {
  let line: string | null;
  try { line = headLine(file); } catch (e) { throw new FatalError(`cannot read ${file}: ${(e as Error).message}`); }
  if (line === null) throw new FatalError(`${file}: empty: a shard output starts with its shard record (trawl scan --shard writes one)`);
  const parsed = parseLine(line);
  const rec = typeof parsed === 'string' || Array.isArray(parsed) ? 'not one JSON record' : asShardRecord(parsed);
  if (typeof rec === 'string') {
    throw new FatalError(`${file}: first record: ${rec}: a shard output starts with its shard record ` +
      '(trawl scan --shard writes one; trawl targets --plan prints it for a pipeline of its own)');
  }
  return { file, rec };
}
