// trawl fmt: turns the record stream into the files scanner users already read (nmap's normal,
// grepable and XML output, masscan's list, JSON, CSV, hosts, PEM), an HTML report and an SQLite
// database, several at once, streaming.
import * as fs from 'fs';
import * as v8 from 'v8';
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION, parseNumber } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import type { AnyRecord } from '../shared/records';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import { findFormat } from '../shared/formats/registry';
import { FMT_OPTIONS, expandOutputFlags, parseInterval } from '../shared/formats/options';
import { Destination, Output, RotateOptions, SinkOutput } from '../shared/formats/output';
import type { FormatContext } from '../shared/formats/types';
import { compileWhere, WhereError } from '../shared/where';
import { readAnyRecords } from '../shared/peers/read';
import { runInfo, shellQuote } from '../shared/scan/record';

export const info: CommandInfo = {
  name: 'fmt',
  summary: 'write records as text, list, grepable, xml, json, csv, hosts, certs, report, sqlite or ndjson',
  synopsis: '[-o FORMAT[:FILE]]... [--where EXPR] [--open-only] [--fields LIST] [FILE...]',
  operand: 'file',
  options: [
    ...FMT_OPTIONS,
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    CONF_OPTION,
    ECHO_OPTION,
    HELP_OPTION,
  ],
};

export function run(argv: string[], io?: import('../shared/io').IO): Promise<number> {
  return runCommand(info, expandOutputFlags(argv), io, async (opts, io, report) => {
    // Grouped hosts outlive a scavenge or two, which makes V8 double the young generation up to
    // 2 x 16 MB and promote the rest: +30 MB of peak RSS at 1 M records. Not growing it keeps
    // RSS flat near 85 MB for ~10% more CPU (measured by test/bench/fmt.bench.sh).
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    let filter: ((r: AnyRecord) => boolean) | null = null;
    if (opts.where !== undefined) {
      try { filter = compileWhere(opts.where); } catch (e) {
        if (e instanceof WhereError) throw new UsageError(`--where: ${e.message}`);
        throw e;
      }
    }
    const fields = opts.fields !== undefined ? String(opts.fields).split(',').map((s) => s.trim()).filter(Boolean) : null;
    if (fields && fields.length === 0) throw new UsageError('--fields: no field names');
    const rot: RotateOptions = {
      size: opts['rotate-size'] !== undefined ? Math.floor(parseNumber(opts['rotate-size'])) : 0,
      intervalMs: opts.rotate !== undefined ? parseInterval(opts.rotate) : 0,
      dir: opts['rotate-dir'] ?? null,
    };
    const rotating = rot.size > 0 || rot.intervalMs > 0;
    if (rot.dir !== null && !rotating) throw new UsageError('--rotate-dir needs --rotate or --rotate-size');
    if (rot.dir !== null && !fs.statSync(rot.dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--rotate-dir ${rot.dir}: not a directory`);
    // On a terminal the default is nmap's normal output, for people; in a pipe, records.
    const specs: string[] = opts.output.length ? opts.output : [(io.stdout as any).isTTY ? 'text' : 'ndjson'];
    if (specs.filter((s) => !s.includes(':')).length > 1) throw new UsageError('-o: only one format can go to stdout; give the others a :FILE');
    if (rotating && specs.some((s) => !s.includes(':'))) throw new UsageError('--rotate and --rotate-size need every -o to name a FILE (-o FORMAT:FILE)');
    for (const s of specs) {
      const name = s.split(':')[0];
      if (findFormat(name)!.sink && !s.includes(':')) throw new UsageError(`-o ${name} needs a FILE (-o ${name}:FILE)`);
    }
    const inputs = opts._.length ? opts._ : ['-'];
    for (const f of inputs) if (f !== '-' && !fs.existsSync(f)) throw new FatalError(`cannot read ${f}: no such file`);

    const ctx: FormatContext = {
      fields, formulaEscape: Boolean(opts['csv-formula-escape']), groupWindow: opts['group-window'] as number,
      args: ['trawl', 'fmt', ...argv].map(shellQuote).join(' '), run: null, reportRows: opts['report-rows'],
    };
    const outputs: Destination[] = [];
    try {
      for (const s of specs) {
        const name = s.split(':')[0];
        const mod = findFormat(name)!;
        const file = s.includes(':') ? s.slice(name.length + 1) : null;
        // A database holds several scans in one file: it is never rotated.
        outputs.push(mod.sink ? new SinkOutput(mod, ctx, file!) : new Output(mod, ctx, io.stdout, file, rotating && !mod.atEnd ? rot : { ...rot, size: 0 }));
      }
    } catch (e) {
      for (const o of outputs) await o.finish('end');
      throw e;
    }

    let read = 0, written = 0, bad = 0;
    const status = new Status('fmt', io.stderr, () => ({ fields: { read, written, bad }, text: `${read} records read, ${written} written` }),
      { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();

    // A signal ends the read where it stands; the outputs are then closed as complete documents.
    const intr = catchInterrupts();

    const STOP = new Error('stop');
    const onRecord = (rec: AnyRecord): Promise<void> | undefined => {
      if (intr.signal) throw STOP;
      read++;
      // The scan's own record names the command line and ports for every header after it; it
      // passes the filters (a database needs it for its scans table).
      if (rec.type === 'scan') { ctx.run ??= runInfo(rec); }
      else if (opts['open-only'] && rec.type !== 'open' && rec.type !== 'banner') return undefined;
      else if (filter && !filter(rec)) return undefined;
      written++;
      let wait: Promise<void>[] | null = null;
      let live = 0;
      for (const o of outputs) {
        if (o.closed) continue;
        live++;
        const p = o.write(rec);
        if (p) (wait ??= []).push(p);
      }
      if (live === 0) throw STOP;   // every reader went away (EPIPE): nothing left to do
      return wait ? Promise.all(wait).then(() => undefined) : undefined;
    };

    const reading = (async () => {
      for (const f of inputs) {
        const stream = f === '-' ? io.stdin : fs.createReadStream(f);
        try {
          const c = await readAnyRecords(stream, report, onRecord, { name: f === '-' ? 'stdin' : f, from: opts.from });
          bad += c.bad;
        } catch (e) {
          if (e === STOP) { if (f !== '-') stream.destroy(); return; }
          throw e;
        }
      }
    })();
    try {
      await Promise.race([reading, intr.stopped]);
    } finally {
      intr.dispose();
      status.stop(!intr.signal);
    }
    for (const o of outputs) await o.finish(intr.signal ? 'interrupted' : 'end');
    for (const o of outputs) if (o.error) throw new FatalError(`writing ${o.label}: ${o.error.message}`);
    if (intr.signal) {
      report.error(`interrupted after ${read} records; every output was closed as a complete document`);
      return EXIT_INTERRUPTED;
    }
    return bad > 0 ? EXIT_REJECTED : EXIT_OK;
  });
}
