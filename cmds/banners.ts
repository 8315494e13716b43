// trawl banners: adds `service` and protocol fields to banner records; passes every other record through.
import { CommandInfo, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { readAnyRecords } from '../shared/peers/read';
import { LineWriter } from '../shared/writer';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import type { AnyRecord } from '../shared/records';
import { enrichBanner } from '../shared/parsers/banner';
import { PREVIEW_BYTES } from '../shared/parsers/unknown';
import { ProbeFileError, ServiceProbes } from '../shared/service-probes';
import { quoteInput } from '../shared/quote';
import { SERVICE_PROBES_OPTIONS, probesFile } from '../shared/service-probes/options';

export const info: CommandInfo = {
  name: 'banners',
  summary: 'identify the service of each banner record and add its fields (http_status, ssh_software, cert_subject_cn...)',
  synopsis: '[--service-probes FILE | --no-service-probes] [options] < records',
  options: [
    ...SERVICE_PROBES_OPTIONS,
    { name: 'preview-bytes', type: 'number', arg: 'N', default: PREVIEW_BYTES,
      check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 4096 ? undefined : 'must be an integer from 1 to 4096'),
      help: 'bytes shown in unknown_preview for unidentified banners' },
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    HELP_OPTION,
  ],
};

// Thrown from the record callback when the reader of our output went away (| head) or a signal came.
class Stop extends Error {}

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io, report) => {
    if (opts._.length > 0) throw new UsageError(`unexpected argument '${opts._[0]}': records are read from standard input`);
    let probes: ServiceProbes | null = null;
    const choice = probesFile(opts);
    if (choice.file) {
      try { probes = ServiceProbes.fromFile(choice.file); } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (e instanceof ProbeFileError) throw new UsageError(`--service-probes ${choice.file}: ${err.message}`);
        throw new UsageError(`--service-probes: cannot read ${choice.file}: ${err.code ?? err.message}`);
      }
      // Each rule once: a match given up on (past its step budget) counts as no match.
      probes.onGiveUp = (r) => report.warn(`--service-probes ${choice.file}:${r.line}: gave up on this ${r.service} rule (probe ${r.probe}) past its step budget; counted as no match (more in the summary)`);
    }
    const cost = { nmapNs: 0 };
    const previewBytes: number = opts['preview-bytes'];
    const counts = { banners: 0, identified: 0, nmap: 0, passed: 0 };
    const services = new Map<string, number>();

    const w = new LineWriter(io.stdout);
    const status = new Status('banners', io.stderr, () => ({
      fields: { banners: counts.banners, identified: counts.identified, passed: counts.passed, nmap: counts.nmap, ...(probes ? { nmap_gave_up: probes.stats.gaveUp, nmap_ms: Math.round(cost.nmapNs / 1e6) } : {}), bad },
      text: `${counts.banners} banners, ${counts.identified} identified${probes ? `, ${counts.nmap} nmap matches (${Math.round(cost.nmapNs / 1e6)} ms)` : ''}, ${counts.passed} other records`,
    }), { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();

    // A signal ends the read where it stands; what was read is flushed and the run exits 130.
    const intr = catchInterrupts();

    // Bad banner records count like bad lines: reported with where and what, skipped, exit 3.
    let bad = 0;
    const onRecord = (rec: AnyRecord, line: number): Promise<void> | undefined => {
      if (w.closed || intr.signal) throw new Stop();
      if (rec.type !== 'banner') { counts.passed++; return w.record(rec); }
      // The first banner of a chain waits for its rules to compile, in slices that let a signal in.
      const probe = typeof rec.probe === 'string' ? rec.probe : null;
      const port = typeof rec.port === 'number' ? rec.port : 0;
      if (probes && !probes.ready(probe, port)) return probes.prepareChain(probe, port, () => intr.signal !== null).then(() => onBanner(rec, line));
      return onBanner(rec, line);
    };
    const onBanner = (rec: AnyRecord, line: number): Promise<void> | undefined => {
      if (w.closed || intr.signal) throw new Stop();
      const out = enrichBanner(rec, { previewBytes, probes, cost });
      if (typeof out === 'string') {
        bad++;
        report.error(`stdin:${line}: ${out}: ${quoteInput(JSON.stringify(rec))}`);
        return undefined;
      }
      counts.banners++;
      const svc = out.service as string;
      if (svc !== 'unknown') counts.identified++;
      if (out.nmap_probe !== undefined) counts.nmap++;
      services.set(svc, (services.get(svc) ?? 0) + 1);
      return w.record(out);
    };

    let read = { bad: 0 };
    const reading = readAnyRecords(io.stdin, report, onRecord).then((c) => { read = c; }, (e) => { if (!(e instanceof Stop)) throw e; });
    try {
      await Promise.race([reading, intr.stopped]);
    } finally {
      intr.dispose();
      status.stop(!intr.signal);
    }
    await w.end();
    if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
    if (probes && probes.stats.gaveUp > 0) {
      report.warn(`--service-probes: gave up ${probes.stats.gaveUp} times on rules past their step budget (${probes.gaveUpRules} rules, each named above)`);
    }
    if (probes && probes.stats.skipped > 0 && !opts.quiet) {
      const why = [...probes.stats.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`).join(', ');
      report.warn(`--service-probes: skipped ${probes.stats.skipped} of ${probes.stats.converted} rules in the probes used (PCRE that trawl cannot run: ${why})`);
    }
    if (!opts.quiet && opts['status-ndjson'] !== true && (io.stderr as any).isTTY) {
      const top = [...services].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([s, n]) => `${s} ${n}`).join(', ');
      report.info(`${counts.banners} banners${top ? ` (${top})` : ''}, ${counts.passed} other records`);
      if (probes) report.info(`nmap rules from ${choice.file}${choice.implicit ? ' (nmap is installed; --no-service-probes skips them)' : ''}: ${counts.nmap} matches in ${Math.round(cost.nmapNs / 1e6)} ms`);
    }
    if (intr.signal) {
      report.error(`interrupted after ${counts.banners} banners and ${counts.passed} other records; every record read was written`);
      return EXIT_INTERRUPTED;
    }
    return read.bad + bad > 0 ? EXIT_REJECTED : EXIT_OK;
  });
}
