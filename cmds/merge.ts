// trawl merge: shard outputs of one scan -> one result stream, as one machine would have written
// it, after checking that the shards are one scan and all there.
import * as fs from 'fs';
import { CommandInfo, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { DEFAULT_MAX_LINE, parseLine, readRecords } from '../shared/ndjson-reader';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import { LineWriter } from '../shared/writer';
import { asShardRecord, shardLine } from '../shared/shard-record';
import { checkParts, Part } from '../shared/merge/check';

export const info: CommandInfo = {
  name: 'merge',
  summary: 'check that shard outputs are one whole scan and write them as one result',
  synopsis: '[--check] FILE...',
  options: [
    { name: 'check', type: 'boolean', help: 'check that the files are one whole scan, and write nothing' },
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    HELP_OPTION,
  ],
};

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

function readHead(file: string): Part {
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

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io, report) => {
    const files: string[] = opts._;
    if (files.length === 0) throw new UsageError('give the shard outputs as FILE arguments');
    if (files.includes('-')) throw new UsageError('merge reads files, not standard input: it checks the head of every file before it writes');
    const verdict = checkParts(files.map(readHead));
    if (verdict.problems.length) {
      for (const p of verdict.problems) report.error(p);
      return EXIT_FAIL;
    }
    const merged = verdict.merged!;
    const parts = verdict.order.length;
    const shards = verdict.order[0].rec.shards;
    const what = `${shards} shard${shards === 1 ? '' : 's'} (${parts} file${parts === 1 ? '' : 's'}) of scan seed ${merged.seed}, plan ${merged.plan}`;
    if (opts.check) {
      if (!opts.quiet) report.info(`${what}: complete`);
      return EXIT_OK;
    }

    const w = new LineWriter(io.stdout);
    let written = 0, bad = 0;
    const status = new Status('merge', io.stderr, () => ({ fields: { written, bad }, text: `${written} records written` }),
      { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();
    const intr = catchInterrupts();
    const STOP = new Error('stop');
    try {
      await w.line(shardLine(merged).trimEnd());
      for (const part of verdict.order) {
        // Records are written as they were read (numbers beyond 2^53 stay exact); the head shard
        // record of each file is replaced by the merged one, and a second one means two shards
        // were joined into one file, which cannot be checked.
        let raw = '', head = true;
        const stream = fs.createReadStream(part.file);
        try {
          const c = await readRecords(stream, report, (rec, line) => {
            if (intr.signal || w.closed) throw STOP;
            if (rec.type === 'shard') {
              if (head) { head = false; return undefined; }
              throw new FatalError(`${part.file}:${line}: a second shard record: give each shard's output as a file of its own`);
            }
            head = false;
            written++;
            return w.line(raw);
          }, { name: part.file, line: (l) => { raw = l; return parseLine(l); } });
          bad += c.bad;
        } catch (e) {
          stream.destroy();
          if (e !== STOP) throw e;
          break;
        }
      }
      await w.end();
    } finally {
      intr.dispose();
      status.stop(!intr.signal);
    }
    if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
    if (intr.signal) { report.error(`interrupted after ${written} records: the output is incomplete`); return EXIT_INTERRUPTED; }
    if (!opts.quiet) report.info(`merged ${what}: ${written} records`);
    return bad > 0 ? EXIT_REJECTED : EXIT_OK;
  });
}
