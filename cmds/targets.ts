// trawl targets: ranges and ports -> a randomized, shardable, resumable stream of target records.
import { randomBytes } from 'crypto';
import type { Readable } from 'stream';
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, FatalError, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import { LineWriter } from '../shared/writer';
import { buildAddressSet } from '../shared/targets/build';
import { TargetStream } from '../shared/targets/generate';
import { MAX_N, Permutation } from '../shared/targets/permutation';
import { collectPorts } from '../shared/targets/ports';
import { parseRangeArg, Range, readRangeFile } from '../shared/targets/ranges';
import { TargetSpace } from '../shared/targets/space';
import { TARGET_OPTIONS } from '../shared/targets/options';
import { firstIndex, parseIndex, parseSeed, parseShard, shardCount } from '../shared/targets/plan';
import { planHash, shardLine } from '../shared/shard-record';
import { MAX_WALK_LINE, walkLine, walkRefusal } from '../shared/targets/walk';
import { excluded, hitlistRecords, parseHitlistLine } from '../shared/targets/hitlist';
import { normalize } from '../shared/targets/intervals';
import { readLines } from '../shared/ndjson-reader';
import { quoteInput } from '../shared/quote';
import { EXIT_REJECTED } from '../shared/exit';
import type { Reporter } from '../shared/report';
import * as fs from 'fs';

// masscan's rule: more than this many addresses needs an exclude file (or a --limit below it).
const SAFE_ADDRESSES = 1_000_000_000n;
const MAX_WARNINGS = 10;

export const info: CommandInfo = {
  name: 'targets',
  summary: 'ranges and ports -> a randomized, shardable, resumable stream of target records',
  synopsis: '[options] RANGE... -p PORTS',
  operand: 'range',
  options: [
    ...TARGET_OPTIONS,
    { name: 'count', type: 'boolean', help: 'print the number of targets this run would emit, and nothing else' },
    { name: 'plan', type: 'boolean', help: 'print the shard record of this run (seed, plan hash, shard; see trawl(7)), and nothing else' },
    { name: 'walk', type: 'boolean', help: 'print one walk record (the whole run: ranges, ports, seed, shard; see trawl(7)) that blast expands itself, instead of a record per target' },
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    CONF_OPTION,
    ECHO_OPTION,
    HELP_OPTION,
  ],
};

async function collectRanges(opts: Record<string, any>, stdin: Readable, warn: (msg: string) => void): Promise<{ includes: Range[]; excludes: Range[] }> {
  const includes: Range[] = [];
  for (const a of opts._ as string[]) for (const r of parseRangeArg(a, 'range')) includes.push(r);
  for (const f of opts['include-file'] as string[]) for (const r of await readRangeFile(f, stdin, warn)) includes.push(r);
  if (includes.length === 0) throw new UsageError('no ranges: give RANGE arguments or -iL FILE');
  const excludes: Range[] = [];
  for (const a of opts.exclude as string[]) for (const r of parseRangeArg(a, '--exclude')) excludes.push(r);
  for (const f of opts['exclude-file'] as string[]) for (const r of await readRangeFile(f, stdin, warn)) excludes.push(r);
  return { includes, excludes };
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io, report) => {
    const ports = collectPorts(opts);
    if (opts.hitlist !== undefined) return runHitlist(opts, ports, io, report);
    const { includes, excludes } = await collectRanges(opts, io.stdin, report.warn);
    const shard = opts.shard === undefined ? { index: 1n, of: 1n } : parseShard(opts.shard);
    const resume = opts['resume-index'] === undefined ? 0n : parseIndex(opts['resume-index'], '--resume-index');
    const limit: number = opts.limit ?? Infinity;

    const set = buildAddressSet(includes, excludes, !opts['no-reserved']);
    // A long -iL list with many excluded entries must not flood the terminal.
    for (const w of set.warnings.slice(0, MAX_WARNINGS)) report.warn(w);
    if (set.warnings.length > MAX_WARNINGS) report.warn(`... and ${set.warnings.length - MAX_WARNINGS} more ranges entirely excluded`);
    const space = new TargetSpace(set, ports);
    if (space.total === 0n) {
      report.error(ports.length === 0 ? 'empty target set: every port is excluded' : 'empty target set: every address is excluded');
      return EXIT_FAIL;
    }
    const first = firstIndex(resume, shard);
    const todo = shardCount(space.total, first, shard.of);
    const emit = limit < Number(todo) ? BigInt(limit) : todo;
    if (opts.count) { io.stdout.write(`${emit}\n`); return EXIT_OK; }
    if (todo === 0n) {
      report.warn(resume >= space.total ? `--resume-index ${resume} is past the end of the order (${space.total} targets): nothing to do`
        : `shard ${opts.shard} holds no targets of a set of ${space.total}`);
    }

    if (opts.shard !== undefined && opts.seed === undefined) {
      throw new UsageError('--shard needs --seed: every shard must use the same order');
    }
    if (space.addresses > SAFE_ADDRESSES && opts['exclude-file'].length === 0 && !(limit <= Number(SAFE_ADDRESSES))) {
      throw new UsageError(`${space.addresses} addresses is more than 10^9 (a scan of a large part of the Internet): ` +
        'give --exclude-file FILE with the networks that asked not to be scanned (--exclude-file /dev/null to go ahead without one)');
    }
    if (space.total > MAX_N) {
      throw new UsageError(`${space.total} targets is more than 2^63, the most one order can hold: narrow the ranges or ports`);
    }
    let seed: bigint;
    if (opts.seed !== undefined) seed = parseSeed(opts.seed);
    else {
      seed = randomBytes(8).readBigUInt64BE();
      if (!opts.quiet) report.info(`seed ${seed} (repeat this order with --seed ${seed})`);
    }
    if (opts.plan) {
      io.stdout.write(shardLine({ type: 'shard', seed: String(seed), plan: planHash(set, ports, limit), shard: Number(shard.index),
        shards: Number(shard.of), resume_index: resume, targets: emit, total: space.total }));
      return EXIT_OK;
    }
    if ('from' in shard && !opts.quiet) report.info(`shard ${shard.index}/${shard.of} (${shard.from})`);
    if (opts.walk) {
      const line = walkLine({ set, ports, seed, shard, resume, targets: Number(emit) }, planHash(set, ports, limit), space.total);
      const refused = walkRefusal(space, shard) ?? (line.length > MAX_WALK_LINE ? `more than ${MAX_WALK_LINE} bytes of ranges` : null);
      if (!refused) {
        const w = new LineWriter(io.stdout);
        const p = w.bytes(Buffer.from(line));
        if (p) await p;
        await w.end();
        if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
        return EXIT_OK;
      }
      if (!opts.quiet) report.info(`--walk: ${refused}: writing a record per target`);
    }

    const stream = new TargetStream(space, new Permutation(space.total, seed), { first, step: shard.of, limit });
    const w = new LineWriter(io.stdout);
    const started = Date.now();
    const total = Number(emit);
    const status = new Status('targets', io.stderr, () => {
      const secs = Math.max((Date.now() - started) / 1000, 1e-3);
      const done = stream.produced;
      const percent = total > 0 ? Math.round((done / total) * 10000) / 100 : 100;
      return {
        fields: { targets: done, total, rate: Math.round(done / secs), percent, next_index: Number(stream.nextIndex) },
        text: `${human(done)} targets, ${human(done / secs)}/s, ${percent.toFixed(2)}%`,
      };
    }, { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();

    // The first signal stops the loop after its batch (a second one ends the process).
    const intr = catchInterrupts();
    try {
      // process.stdout (a file, pipe or terminal) is done with a chunk once writableLength is
      // back to 0, so its buffer can be refilled; other streams (a PassThrough in tests) may
      // hand the very chunk to a reader, so they get copies.
      const direct = typeof (io.stdout as { fd?: unknown }).fd === 'number';
      while (!stream.done && !intr.signal && !w.closed) {
        const view = stream.chunk();
        const p = w.bytes(direct ? view : Buffer.from(view));
        if (p) await p;
        if (direct && io.stdout.writableLength > 0) stream.detach();
        // A turn of the event loop per batch lets signals and the status timer in.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await w.end();
    } finally {
      intr.dispose();
      status.stop();
    }
    if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
    if (intr.signal) {
      report.info(`interrupted after ${stream.produced} targets; resume with --resume-index ${stream.nextIndex}`);
      return EXIT_INTERRUPTED;
    }
    return EXIT_OK;
  });
}

/** --hitlist FILE: a record per address and port in the file's order (shared/targets/hitlist.ts).
 *  A bad line is named and skipped; the run goes on and exits 3. */
async function runHitlist(opts: Record<string, any>, ports: number[], io: IO, report: Reporter): Promise<number> {
  if (opts._.length || opts['include-file'].length) throw new UsageError('--hitlist takes the place of RANGE arguments and -iL: give one or the other');
  if (opts.plan) throw new UsageError('--plan describes a ranges\' order: a --hitlist has none (its order is the file\'s)');
  if (opts.seed !== undefined && !opts.quiet) report.info('--hitlist keeps the order of its file: --seed does not change it');
  if (ports.length === 0) throw new UsageError('empty target set: every port is excluded');
  const excludes: Range[] = [];
  for (const a of opts.exclude as string[]) for (const r of parseRangeArg(a, '--exclude')) excludes.push(r);
  for (const f of opts['exclude-file'] as string[]) for (const r of await readRangeFile(f, io.stdin, report.warn)) excludes.push(r);
  const ex4 = normalize(excludes.filter((r) => !r.v6)), ex6 = normalize(excludes.filter((r) => r.v6));
  const shard = opts.shard === undefined ? { index: 1n, of: 1n } : parseShard(opts.shard);
  if (opts.shard !== undefined && opts.seed === undefined) throw new UsageError('--shard needs --seed: every shard must use the same order');
  const first = Number(firstIndex(opts['resume-index'] === undefined ? 0n : parseIndex(opts['resume-index'], '--resume-index'), shard));
  const step = Number(shard.of), limit: number = opts.limit ?? Infinity;
  const file: string = opts.hitlist, where = file === '-' ? 'stdin' : file;
  let input: import('stream').Readable = io.stdin;
  if (file !== '-') {
    try { input = fs.createReadStream('', { fd: fs.openSync(file, 'r') }); } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const w = new LineWriter(io.stdout);
  let i = 0, produced = 0, bad = 0, dropped = 0;
  const intr = catchInterrupts();
  try {
    await readLines(input, 1 << 16, (line, n, tooLong) => {
      if (w.closed || intr.signal || produced >= limit) return undefined;
      const e = tooLong ? 'line longer than 65536 bytes' : parseHitlistLine(line);
      if (typeof e === 'string') { bad++; report.error(`${where}:${n}: ${e}: ${quoteInput(line)}`); return undefined; }
      if (e === null) return undefined;
      if (excluded(e, ex4, ex6)) { dropped++; i += ports.length; return undefined; }
      let wait: Promise<void> | undefined;
      const recs = hitlistRecords(e, ports, i);
      for (let k = 0; k < recs.length && produced < limit; k++, i++) {
        if (i < first || (i - first) % step !== 0) continue;
        produced++;
        if (!opts.count) { const p = w.line(recs[k]); if (p) wait = p; }
      }
      return wait;
    });
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally { intr.dispose(); }
  if (opts.count) io.stdout.write(`${produced}\n`);
  await w.end();
  if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
  if (dropped && !opts.quiet) report.info(`--hitlist: ${dropped} addresses excluded`);
  if (intr.signal) {
    report.info(`interrupted after ${produced} targets; resume with --resume-index ${i}`);
    return EXIT_INTERRUPTED;
  }
  return bad > 0 ? EXIT_REJECTED : EXIT_OK;
}
