// trawl banners: joins catch's segment records (and the scanner's first bytes, `sent` records) into
// one banner record per connection (bounded reassembly), adds `service` and protocol fields to banner records (and to a UDP
// open record's datagram), passes every other record through.
import * as fs from 'fs';
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { readAnyRecords } from '../shared/peers/read';
import { quoteInput } from '../shared/quote';
import { LineWriter } from '../shared/writer';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import type { AnyRecord } from '../shared/records';
import { bannerMemoCounts, enrichBanner, memoLine, nmapChoice, nmapFirstByte } from '../shared/parsers/banner';
import { parserByName } from '../shared/parsers';
import { PREVIEW_BYTES } from '../shared/parsers/unknown';
import { tlsReadOptions } from '../shared/parsers/tls';
import { ProbeFileError, ServiceProbes } from '../shared/service-probes';
import { SERVICE_PROBES_OPTIONS, probesFile } from '../shared/service-probes/options';
import { WAITING_OPTIONS, Waiting, recordBytes, waitingLimits } from '../shared/service-probes/waiting';
import { readKeyFile } from '../shared/key';
import { checkSni } from '../shared/tls/hello';
import { TlsProbeHello, tlsProbeHello } from '../shared/probes/tls';
import { REASSEMBLY_OPTIONS, reassemblyLimits } from '../shared/reassembly/options';
import { Finished, Reassembler } from '../shared/reassembly/table';
import { readSegment, readSent } from '../shared/reassembly/segment';
import { bannerRecord } from '../shared/reassembly/record';
import { ReplyTalk } from '../shared/reassembly/talk';
import { IdentifyJoin } from '../shared/identify-join';
import { JarmJoin } from '../shared/jarm/join';
import { JARM_OPTIONS, jarmLimits } from '../shared/jarm/options';
import type { TlsResult } from '../shared/tls/client';
import { RepliesOut } from '../shared/replies-out';
import { starttlsProbeHello } from '../shared/probes/starttls';
import { PROBE_OPTIONS, probeConfig } from '../shared/probes/options';
import { DEFAULT_RST_IDLE } from '../shared/catch/options';
import { runPool } from '../shared/jobs/pool';
import { ShareFilter, shareOf } from '../shared/jobs/share';
import { holdYoungGeneration } from '../shared/node-flags';

const MAX_JOBS = 64;

/** The status fields of the memo of repeated answers (shared/parsers/banner-memo.ts), once used. */
function memoFields(): Record<string, number> {
  const m = bannerMemoCounts();
  return m ? { memo_hits: m.hits, memo_misses: m.misses, memo_dropped: m.dropped } : {};
}
/** After a signal, the banners waiting behind a compile are parsed for this long, then written as read. */
const SIGNAL_PARSE_MS = 500;

export const info: CommandInfo = {
  name: 'banners',
  summary: 'join segment records into one banner per connection, identify its service and add its fields (http_status, ssh_software, cert_subject_cn...)',
  synopsis: '[--key-file FILE [--sni NAME] [--replies FIFO]] [--service-probes FILE | --no-service-probes] [options] < records',
  options: [
    ...REASSEMBLY_OPTIONS,
    { name: 'key-file', type: 'string', arg: 'FILE',
      help: "the scan's key (blast --key-file): TLS 1.3 answers to the tls, https and starttls probes are decrypted and give their certificates" },
    { name: 'sni', type: 'string', arg: 'NAME', check: checkSni,
      help: "the --sni blast's tls and https probes sent (with --key-file: the ClientHello must be the one sent)" },
    { name: 'replies', type: 'string', arg: 'FIFO',
      help: "with --key-file: carry on conversations (the https and starttls probes' next messages): they go to blast through this FIFO, as catch's requests do" },
    { name: 'rst-idle', type: 'number', arg: 'S', default: DEFAULT_RST_IDLE, check: (v: number) => (v > 0 && v <= 3600 ? undefined : 'must be more than 0 and at most 3600 seconds'),
      help: "the idle RST blast arms past a conversation's message (catch --rst-idle)" },
    ...PROBE_OPTIONS.filter((o) => o.name.startsWith('http-')),
    { name: 'identify', type: 'boolean',
      help: "hold the banners of each ip:port until the identification probes' (blast --identify: null, tls, http) are all in or --idle passes, then write them with identified_service and identified_by" },
    ...JARM_OPTIONS,
    ...SERVICE_PROBES_OPTIONS,
    ...WAITING_OPTIONS,
    { name: 'preview-bytes', type: 'number', arg: 'N', default: PREVIEW_BYTES,
      check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 4096 ? undefined : 'must be an integer from 1 to 4096'),
      help: 'bytes shown in unknown_preview for unidentified banners' },
    { name: 'jobs', type: 'number', arg: 'N', default: 1,
      check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= MAX_JOBS ? undefined : `must be an integer from 1 to ${MAX_JOBS}`),
      help: 'processes parsing banners, each given every record of the ip:ports it owns (input order is kept per ip:port, not across them)' },
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    CONF_OPTION,
    ECHO_OPTION,
    HELP_OPTION,
  ],
};

// Thrown from the record callback when the reader of our output went away (| head) or a signal came.
class Stop extends Error {}

export function run(argv: string[], io?: IO): Promise<number> {
  if (!io) holdYoungGeneration();   // banners is this process (not a test calling it)
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
    const limits = reassemblyLimits(opts);
    if (typeof limits === 'string') throw new UsageError(limits);
    if (opts.sni && !opts['key-file']) throw new UsageError('--sni is only used with --key-file (to recompute the tls probe\'s ClientHello)');
    if (opts.replies && !opts['key-file']) throw new UsageError('--replies needs --key-file (the requests are sealed with the scan key, and the TLS keys come from it)');
    const key = opts['key-file'] ? readKeyFile(opts['key-file']) : undefined;
    // Options checked, files read: from here on, with --jobs, the jobs do the work (each runs
    // this same body over its share of the input; JOB_ENV says it is one).
    const share = shareOf();
    if (opts.jobs > 1 && !share) {
      const workerArgv = argv.filter((a) => !/^--status-ndjson(=.*)?$/.test(a));
      return runPool({ cmd: 'banners', argv: workerArgv, jobs: opts.jobs, quiet: opts.quiet, statusNdjson: opts['status-ndjson'] === true }, io, report);
    }
    // The https probe sends the tls probe's hello (shared/probes/https.ts): one for both.
    const tls: TlsProbeHello | undefined = key ? tlsProbeHello(key, opts.sni || undefined) : undefined;
    const starttls: TlsProbeHello | undefined = key ? starttlsProbeHello(key, opts.sni || undefined) : undefined;
    const repliesOut = opts.replies ? new RepliesOut(opts.replies, key!) : null;
    const talk = repliesOut ? new ReplyTalk(probeConfig(opts, key), repliesOut, Math.round(opts['rst-idle'] * 1000)) : null;
    const counts = { banners: 0, identified: 0, nmap: 0, passed: 0 };
    const services = new Map<string, number>();
    const finished: Finished[] = [];
    // A conversation's own read of its stream, for its banner's parse (no handshake computed twice).
    const reads = new WeakMap<AnyRecord, TlsResult>();
    // A TLS 1.3 answer to the tls or https probe is decrypted as it comes, to be written at its
    // Finished rather than held until --idle (its end is sealed); the parse takes that read.
    const tlsFor = key ? (meta: AnyRecord) => {
      if (meta.probe !== 'tls' && meta.probe !== 'https') return undefined;
      const hello = typeof meta.name === 'string' ? namedHellos(key, meta.name).tls : tls!;
      return tlsReadOptions(hello, meta.probe === 'https' ? limits.maxBanner : 0);
    } : undefined;
    const reasm = new Reassembler(limits, (f) => finished.push(f), talk, tlsFor);
    // --identify: banners wait for their port's others here (bounded like the table), then go out together.
    const joined: AnyRecord[] = [];
    const join = opts.identify ? new IdentifyJoin(limits.maxConnections, limits.idleUs, (recs) => joined.push(...recs), limits.maxBytes) : null;
    // The jarm probe's ten banners of a port wait here for each other, then go out as one with its JARM.
    const jarm = new JarmJoin(jarmLimits(opts), (rec) => { if (join) join.add(rec); else joined.push(rec); });
    const writeJoined = (): Promise<void> | undefined => {
      let wait: Promise<void> | undefined;
      for (const r of joined.splice(0)) { const p = w.record(r); if (p) wait = wait ? wait.then(() => p) : p; }
      return wait;
    };
    const rc = reasm.counters;

    const w = new LineWriter(io.stdout);
    const status = new Status('banners', io.stderr, () => ({
      fields: { banners: counts.banners, identified: counts.identified, passed: counts.passed, nmap: counts.nmap, ...(probes ? { nmap_gave_up: probes.stats.gaveUp, nmap_ms: Math.round(cost.nmapNs / 1e6) } : {}), bad,
        ...rc.fields(), held_connections: reasm.held.connections, held_bytes: reasm.held.bytes,
        ...(probes ? { waiting: waiting.length, waiting_bytes: waiting.bytes, waited: waiting.waited, waiting_full: waiting.full } : {}),
        ...memoFields(),
        ...(repliesOut ? { said_pending: repliesOut.pending, said_dropped: repliesOut.dropped } : {}),
        ...(jarm.whole + jarm.partial + jarm.held > 0 ? { jarm_held_ports: jarm.held, jarm_whole_ports: jarm.whole, jarm_partial_ports: jarm.partial, jarm_evicted_ports: jarm.evicted } : {}),
        ...(join ? { identify_held_ports: join.held, identify_held_bytes: join.bytes, identify_whole_ports: join.whole, identify_evicted_ports: join.evicted } : {}) },
      text: `${counts.banners} banners (${rc.connections} from ${rc.segments} segments, ${reasm.held.connections} held), ` +
        `${counts.identified} identified${talk ? `, ${rc.said} messages said in ${rc.conversations} conversations` : ''}${probes ? `, ${counts.nmap} nmap matches (${Math.round(cost.nmapNs / 1e6)} ms)` : ''}, ${counts.passed} other records`,
    }), { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();

    // A signal ends the read where it stands; what was read is flushed and the run exits 130.
    const intr = catchInterrupts();

    // Bad banner records count like bad lines: reported with where and what, skipped, exit 3.
    let bad = 0;
    const rejected = (line: number, why: string, rec: AnyRecord) => {
      bad++;
      report.error(`stdin:${line}: ${why}: ${quoteInput(JSON.stringify(rec))}`);
    };
    // Whether a banner's chain of nmap rules is compiled (matching it needs no compile).
    const chainReady = (rec: AnyRecord): boolean => {
      const { probe, port, sent, proto } = nmapChoice(rec, probes);
      return probes!.ready(probe, port, sent, proto, nmapFirstByte(rec));
    };
    // The output side, in input order: a banner to enrich and write, a record passed on, or the
    // record clock of the joins. While a banner waits for its chain of nmap rules to compile (in
    // slices), the steps after it wait in line (waiting.ts) and input goes on being read,
    // reassembled and answered (conversations): only a full line holds the reading.
    type Step = { rec: AnyRecord; line: number; banner: boolean; tick?: undefined } | { tick: number };
    const limitsOfLine = waitingLimits(opts, repliesOut !== null);
    const waiting = new Waiting<Step>(limitsOfLine, {
      needs: (s) => s.tick === undefined && s.banner && probes !== null && !intr.signal && !chainReady(s.rec),
      prepare: (s) => {
        const rec = (s as { rec: AnyRecord }).rec;
        const { probe, port, sent, proto } = nmapChoice(rec, probes);
        return probes!.prepareChain(probe, port, () => intr.signal !== null || w.closed, sent, proto, nmapFirstByte(rec));
      },
      run: (s) => (s.tick !== undefined ? tickJoins(s.tick) : s.banner ? enriched(s.rec, s.line) : w.record(s.rec)),
      bytes: (s) => (s.tick !== undefined ? 64 : recordBytes(s.rec)),
    });
    // Banners written without nmap's rules, or as read: they were waiting when a signal came.
    let unmatched = 0, unparsed = 0, signalAt = 0;
    const banner = (rec: AnyRecord, line: number) => waiting.submit({ rec, line, banner: true });
    const pass = (rec: AnyRecord) => waiting.submit({ rec, line: 0, banner: false });
    const tickJoins = (t: number): Promise<void> | undefined => { jarm.tick(t); join?.tick(t); return writeJoined(); };
    const enriched = (rec: AnyRecord, line: number): Promise<void> | undefined => {
      if (w.closed) throw new Stop();
      // After a signal the banners still waiting get trawl's parsers only, for SIGNAL_PARSE_MS, and
      // then go out as they are (banner records a later run of banners can still enrich): a Ctrl-C
      // waits neither for a compile nor for the parse of thousands of banners (--max-waiting), and
      // loses none.
      let nmap = probes;
      if (intr.signal) {
        signalAt ||= Date.now();
        if (Date.now() - signalAt > SIGNAL_PARSE_MS) { counts.banners++; unparsed++; return w.record(rec); }
        if (probes) { nmap = null; unmatched++; }
      }
      // A named target's banner (the name from blast's sent record): its hello had the name's SNI.
      const named = key && typeof rec.name === 'string' ? namedHellos(key, rec.name) : null;
      const eopts = { previewBytes, probes: nmap, cost, tls: named?.tls ?? tls, https: named?.tls ?? tls, starttls: named?.starttls ?? starttls,
        maxBody: limits.maxBanner, read: reads.get(rec) };
      // An answer seen before, going to no join and needing no end check: its line is written as
      // read plus the memo's fields, with no record built (a third of the time of such a banner).
      if (!join && rec.probe !== 'jarm' && rec.complete !== false) {
        const fast = memoLine(rec, eopts);
        if (fast) { counted(fast.added); return w.line(fast.line); }
      }
      const out = enrichBanner(rec, eopts);
      if (typeof out === 'string') { rejected(line, out, rec); return undefined; }
      counted(out);
      // A reassembled response with no hole is also complete when its protocol says it ended.
      if (out.complete === false && out.gaps === 0 && out.truncated === false && parserByName(out.service as string)?.ended?.(out as any)) out.complete = true;
      if (jarm.add(out)) return writeJoined();
      if (join) { join.add(out); return writeJoined(); }
      return w.record(out);
    };
    const counted = (fields: Record<string, unknown>) => {
      counts.banners++;
      const svc = fields.service as string;
      if (svc !== 'unknown') counts.identified++;
      if (fields.nmap_probe !== undefined) counts.nmap++;
      services.set(svc, (services.get(svc) ?? 0) + 1);
    };
    const then = (p: Promise<void> | undefined, f: () => Promise<void> | undefined): Promise<void> | undefined => (p ? p.then(f) : f());
    // Banners of connections that ended, in the order they ended (their records come from us: a
    // bad one would be our bug, not the input's).
    const drain = (line: number): Promise<void> | undefined => {
      let wait: Promise<void> | undefined;
      for (const f of finished.splice(0)) {
        const b = bannerRecord(f);
        if (f.read !== undefined) reads.set(b, f.read as TlsResult);
        wait = then(wait, () => banner(b, line));
      }
      return wait;
    };
    const onRecord = (rec: AnyRecord, line: number): Promise<void> | undefined => {
      if (w.closed || intr.signal) throw new Stop();
      // Record time moves the table's clock at once (connections idle since --idle end, their
      // banners go in line below), and the joins' (jarm, --identify) in line with the output: a
      // tick behind waiting steps is folded into the last one if it is a tick too.
      let early: Promise<void> | undefined;
      if (typeof rec.time_us === 'number') {
        reasm.tick(rec.time_us);
        const last = waiting.last();
        if (last?.tick !== undefined) last.tick = Math.max(last.tick, rec.time_us);
        else early = waiting.submit({ tick: rec.time_us });
      }
      return then(then(early, () => drain(line)), () => handle(rec, line));
    };
    const handle = (rec: AnyRecord, line: number): Promise<void> | undefined => {
      let wait: Promise<void> | undefined;
      if (rec.type === 'segment') {
        const seg = readSegment(rec);
        if (typeof seg === 'string') rejected(line, seg, rec);
        else if (!reasm.segment(seg)) { counts.passed++; wait = pass(rec); }
      } else if (rec.type === 'sent') {
        // The scanner's own bytes (catch --no-validate): held for its connection's banner (sent_data).
        const s = readSent(rec);
        if (typeof s === 'string') rejected(line, s, rec);
        else reasm.sent(s);
      } else if (rec.type === 'banner') wait = banner(rec, line);
      else if (rec.type === 'open' && rec.proto === 'udp' && typeof rec.data === 'string') {
        // catch's UDP answer is one record, the port's state and the datagram: the state goes on
        // as an open record without the bytes, the bytes as a banner record (as TCP's open and
        // banner), so readers count both alike and a second run of banners finds nothing to redo.
        const { data: _bytes, ...open } = rec;
        counts.passed++;
        const b: AnyRecord = { ...rec, type: 'banner' };
        wait = then(pass(open), () => banner(b, line));
      } else {
        if (rec.type === 'open') reasm.open(rec);
        counts.passed++;
        wait = pass(rec);
      }
      return then(wait, () => drain(line));
    };

    let read = { bad: 0 };
    const filter = share ? new ShareFilter(share) : undefined;
    const input = share?.from != null ? fs.createReadStream('', { fd: 0, start: share.from, autoClose: false, highWaterMark: 256 * 1024 }) : io.stdin;
    const reading = readAnyRecords(input, report, onRecord, { keepLinesOf: 'banner', share: filter }).then((c) => { read = c; }, (e) => { if (!(e instanceof Stop)) throw e; });
    try {
      await Promise.race([reading, intr.stopped]);
      try {
        // What waits in line is written, a signal or not (after one, without the rules still compiling).
        await waiting.idle();
        // End of input: every connection still held is written, at the writer's pace (after a
        // signal they are not: their banners are partial, and matching them all could take long).
        while (!w.closed && !intr.signal && reasm.flushOne()) { await drain(0); await waiting.idle(); }
        while (!w.closed && jarm.flushOne()) await writeJoined();
        while (!w.closed && join?.flushOne()) await writeJoined();
        if (!w.closed) await writeJoined();
      } catch (e) { if (!(e instanceof Stop)) throw e; }
    } finally {
      intr.dispose();
      status.stop(!intr.signal);
      repliesOut?.flush();
      repliesOut?.close();
    }
    await w.end();
    if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
    if (filter?.ndjson === false && share!.job === 0 && !opts.quiet) report.warn('--jobs: the input is not NDJSON (its first line does not start with {): one job reads it all');
    if (probes && probes.stats.gaveUp > 0) {
      report.warn(`--service-probes: gave up ${probes.stats.gaveUp} times on rules past their step budget (${probes.gaveUpRules} rules, each named above)`);
    }
    if (probes && probes.stats.skipped > 0 && !opts.quiet) {
      const why = [...probes.stats.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`).join(', ');
      report.warn(`--service-probes: skipped ${probes.stats.skipped} of ${probes.stats.converted} rules compiled (PCRE that trawl cannot run: ${why})`);
    }
    if (!opts.quiet) for (const loss of rc.losses()) report.warn(`reassembly: ${loss}`);
    if (!opts.quiet && talk && waiting.full) report.warn(`--service-probes: reading waited ${waiting.full} time${waiting.full === 1 ? '' : 's'} for nmap's rules to compile: ${limitsOfLine.maxEntries} records or ${limitsOfLine.maxBytes} bytes were waiting (--max-waiting, --max-waiting-bytes); conversations may have answered late`);
    if (unmatched) report.warn(`--service-probes: ${unmatched} banners written without nmap's rules: they were waiting (behind a compile) when the signal came`);
    if (unparsed) report.warn(`${unparsed} banners written as they were read (no service fields; trawl banners can read them again): they were waiting (behind a compile) when the signal came`);
    if (repliesOut?.dropped) report.warn(`--replies ${opts.replies}: ${repliesOut.dropped} messages of conversations dropped: blast did not read them (not running, or behind)`);
    if (!opts.quiet && jarm.evicted) report.warn(`jarm: ${jarm.evicted} ports written before all ten answers were in because --jarm-max-ports or --jarm-max-bytes was reached`);
    if (!opts.quiet && join?.evicted) report.warn(`--identify: ${join.evicted} ports written before all their probes answered because ${limits.maxConnections} were waiting (--max-connections) or their banners held --max-bytes`);
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

/** The hellos of a named target's probes as blast and the conversation built them (shared/blast/names.ts):
 *  the same key, the target's name as SNI; tls's is https's too. The last name's are kept (a name's
 *  banners come together). */
let lastNamed: { key: Uint8Array; name: string; tls: TlsProbeHello; starttls: TlsProbeHello } | null = null;
function namedHellos(key: Uint8Array, name: string): { tls: TlsProbeHello; starttls: TlsProbeHello } {
  if (lastNamed?.key !== key || lastNamed.name !== name) {
    lastNamed = { key, name, tls: tlsProbeHello(key, name), starttls: starttlsProbeHello(key, name) };
  }
  return lastNamed;
}
