// trawl merge: shard outputs of one scan -> one result stream, as one machine would have written
// it, after checking that the shards are one scan and all there.
import * as fs from 'fs';
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { parseLine, readRecords } from '../shared/ndjson-reader';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import { LineWriter } from '../shared/writer';
import { shardLine } from '../shared/shard-record';
import { checkParts } from '../shared/merge/check';
import { readHead } from '../shared/merge/head';
import { isSqlite, mergeSqlite, sqliteHead } from '../shared/merge/sqlite';

export const info: CommandInfo = {
  name: 'merge',
  summary: 'check that shard outputs are one whole scan and write them as one result',
  synopsis: '[--check] [-o sqlite:OUT] FILE...',
  operand: 'file',
  options: [
    { name: 'check', type: 'boolean', help: 'check that the files are one whole scan, and write nothing' },
    { name: 'output', short: 'o', type: 'string', arg: 'sqlite:FILE', help: 'SQLite shard outputs (fmt -o sqlite) merge into FILE, a new database',
      check: (v: string) => (/^sqlite:./.test(v) ? undefined : 'takes sqlite:FILE (NDJSON shard outputs merge to standard output)') },
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    CONF_OPTION,
    ECHO_OPTION,
    HELP_OPTION,
  ],
};

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io, report) => {
    const files: string[] = opts._;
    if (files.length === 0) throw new UsageError('give the shard outputs as FILE arguments');
    if (files.includes('-')) throw new UsageError('merge reads files, not standard input: it checks the head of every file before it writes');
    for (const f of files) if (!fs.existsSync(f)) throw new FatalError(`cannot read ${f}: no such file`);
    // SQLite shard outputs merge into a database, NDJSON ones into a stream: one kind per merge.
    const sqlite = files.filter(isSqlite);
    if (sqlite.length && sqlite.length < files.length) {
      throw new UsageError(`${sqlite[0]} is an SQLite database but ${files.find((f) => !isSqlite(f))} is not: merge shard outputs of one kind`);
    }
    const out: string | undefined = opts.output?.slice('sqlite:'.length);
    if (sqlite.length && !out && !opts.check) throw new UsageError('SQLite shard outputs merge into a new database: give -o sqlite:FILE');
    if (!sqlite.length && out) throw new UsageError('-o sqlite:FILE merges SQLite shard outputs (fmt -o sqlite); NDJSON ones go to standard output (| trawl fmt -o sqlite:FILE)');
    const verdict = checkParts(files.map(sqlite.length ? sqliteHead : readHead));
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

    if (out) {
      const rows = mergeSqlite(verdict.order, merged, out);
      if (!opts.quiet) report.info(`merged ${what}: ${rows} records into ${out}`);
      return EXIT_OK;
    }

    const w = new LineWriter(io.stdout);
    let written = 0, bad = 0, scanSeen = false;
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
        // Every shard's scan record names the same scan (but for --shard): the first one stays.
        const stream = fs.createReadStream(part.file);
        try {
          const c = await readRecords(stream, report, (rec, line) => {
            if (intr.signal || w.closed) throw STOP;
            if (rec.type === 'shard') {
              if (head) { head = false; return undefined; }
              throw new FatalError(`${part.file}:${line}: a second shard record: give each shard's output as a file of its own`);
            }
            head = false;
            // Like the shard record, the scan record heads the results and is not counted.
            if (rec.type === 'scan') { if (scanSeen) return undefined; scanSeen = true; return w.line(raw); }
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
