// trawl scan: targets | blast and catch wired with a fresh key and FIFO, a cooldown, then the records.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable, Transform } from 'stream';
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION, OptionSpec, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, FatalError, UsageError } from '../shared/exit';
import { catchInterrupts } from '../shared/signals';
import { IO } from '../shared/io';
import { newKey, writeKeyFile } from '../shared/key';
import { makeFifo } from '../shared/replies-fifo';
import { PROBE_OPTIONS, probeByName, probeHelp, probeNamesOf } from '../shared/probes';
import { loadNative } from '../native/index';
import { nextHopOptions, SEND_OPTIONS, sendRate } from '../shared/blast/options';
import { UDP_OPTIONS, udpHelp } from '../shared/udp/plan';
import { IFLIST_OPTION, printIflist } from '../shared/iflist';
import { DEFAULT_RST_IDLE, MAX_BANNER_OPTION, NO_RST_OPTION } from '../shared/catch/options';
import { pickInterface } from '../shared/netinfo';
import { parseSources, sourceArgs } from '../shared/source-ip';
import { commandAvailable, pipelineCode, Stage, startStage } from '../shared/scan/children';
import { waitForCapture } from '../shared/scan/ready';
import { ScanProgress } from '../shared/scan/progress';
import { TARGET_OPTIONS } from '../shared/targets/options';
import { checkFormatSpec, expandOutputFlags } from '../shared/formats/options';
import { planOf, shardStart, shardSummary } from '../shared/scan/shard';
import { statusTap } from '../shared/scan/status-tap';
import { parseShard } from '../shared/targets/plan';
import type { ShardRecord } from '../shared/shard-record';
import { collectPorts, ICMP_ECHO_KEY, portOfKey, PROTO_ICMP, PROTO_TCP, PROTO_UDP, protoOfKey } from '../shared/targets/ports';
import { scanRecord } from '../shared/scan/record';
import { ScanLimits } from '../shared/scan/limits';
import { installKernelRstRule, KernelRstRule, ruleScript } from '../shared/scan/kernel-rst';
import { parsePortRange, PortRange } from '../shared/source-port';
import { SERVICE_PROBES_OPTIONS, probesFile } from '../shared/service-probes/options';
import { randomBytes } from 'crypto';
import { LineMerge } from '../shared/scan/merge-lines';
import { NAME_OPTIONS } from '../shared/blast/names';

export const info: CommandInfo = {
  name: 'scan',
  summary: 'SYN scan (and banners) in one command: targets | blast, catch, cooldown, records',
  synopsis: 'RANGE... -p PORTS [-i IFACE] [--rate PPS] [--cooldown S] [--banners] [-o FORMAT] [options]',
  operand: 'range',
  options: [
    ...TARGET_OPTIONS,
    ...SEND_OPTIONS,
    IFLIST_OPTION,
    { name: 'cooldown', aliases: ['wait', 'cooldown-time'], type: 'number', arg: 'S', default: 8,
      check: (v: number) => (v >= 0 && v <= 3600 ? undefined : 'must be from 0 to 3600 seconds'),
      help: 'wait S seconds after the last SYN for late replies (ZMap\'s default)' },
    { name: 'banners', type: 'boolean', help: 'grab banners (catch asks blast for probes) and add service fields (trawl banners)' },
    MAX_BANNER_OPTION,
    NO_RST_OPTION,
    { name: 'max-runtime', type: 'number', arg: 'S', check: (v: number) => (v > 0 ? undefined : 'must be above 0'),
      help: 'stop sending after S seconds (ZMap\'s --max-runtime); the cooldown follows, and where to resume is printed' },
    { name: 'max-results', type: 'number', arg: 'N', check: (v: number) => (Number.isInteger(v) && v > 0 ? undefined : 'must be a whole number above 0'),
      help: 'stop sending once N open ports are found (ZMap\'s --max-results); replies already on their way still come' },
    { name: 'min-hitrate', type: 'number', arg: 'PERCENT', check: (v: number) => (v > 0 && v <= 100 ? undefined : 'must be above 0 and at most 100'),
      help: 'stop sending and fail (exit 1) when open ports per SYN fall below PERCENT once 1,000 SYNs are out (ZMap\'s --min-hitrate)' },
    { name: 'no-firewall', type: 'boolean', help: 'with --banners and no --source-ip: add no nftables rule against the kernel\'s RSTs (you keep them out yourself)' },
    { name: 'save', type: 'string', arg: 'FILE', help: 'catch writes the packets it captures to FILE (pcap, or pcapng by name), to replay with catch --pcap' },
    { name: 'output-format', short: 'o', aliases: ['output'], type: 'list', arg: 'FORMAT[:FILE]', help: 'format the records with trawl fmt -o (list, grepable, xml, json, csv, ...; on a terminal, live); nmap\'s -oN/-oX/-oG/-oJ/-oA FILE and masscan\'s -oL FILE work too' },
    { name: 'open-only', aliases: ['open'], type: 'boolean', help: 'only open ports and banners: no closed or unreachable records (masscan --open-only, nmap --open)' },
    { name: 'key-file', type: 'string', arg: 'FILE', help: 'use this key instead of a fresh one (to check replies later)' },
    ...SERVICE_PROBES_OPTIONS,
    ...PROBE_OPTIONS,
    ...NAME_OPTIONS,
    ...UDP_OPTIONS,
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    CONF_OPTION,
    ECHO_OPTION,
    HELP_OPTION,
  ],
  notes: probeHelp() + udpHelp(),
};

const SEND_NAMES = SEND_OPTIONS.map((o) => o.name).filter((n) => n !== 'interface' && n !== 'source-ip' && n !== 'source-port');

/** Re-creates --name=value flags for the options of `specs` the user gave. */
function passThrough(opts: Record<string, any>, specs: OptionSpec[], names?: string[]): string[] {
  const out: string[] = [];
  for (const o of specs) {
    if (names && !names.includes(o.name)) continue;
    const v = opts[o.name];
    if (v === undefined || v === false) continue;
    if (o.type === 'boolean') out.push(`--${o.name}`);
    // --name=VALUE, so a value that starts with a dash (nmap's -p-1024) stays a value.
    else if (o.type === 'list') for (const x of v as string[]) out.push(`--${o.name}=${x}`);
    else if (v !== o.default) out.push(`--${o.name}=${v}`);
  }
  return out;
}

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, expandOutputFlags(argv), io, async (opts, io, report) => {
    if (opts.iflist) return printIflist(io);
    if (opts._.length === 0 && !opts['include-file'].length && opts.hitlist === undefined) throw new UsageError('give at least one RANGE (or -iL FILE, or --hitlist FILE)');
    if (opts.hitlist === '-') throw new UsageError('--hitlist -: scan does not pass its standard input on; give the file');
    if (!opts.ports.length && opts['top-ports'] === undefined && !opts.ping && !opts.arp) throw new UsageError('give -p PORTS, --top-ports N, --ping or --arp');
    for (const need of ['targets', 'blast', 'catch']) {
      if (!commandAvailable(need)) throw new FatalError(`trawl ${need} is not in this build: scan needs it`);
    }
    if (opts.banners && !commandAvailable('banners')) throw new FatalError('--banners needs trawl banners, which is not in this build');
    // A terminal gets results as masscan prints them, a pipe or file NDJSON; --open-only drops
    // closed and unreachable records in fmt.
    if (!opts['output-format'].length && commandAvailable('fmt')) {
      if ((io.stdout as { isTTY?: boolean }).isTTY) opts['output-format'] = ['live'];
      else if (opts['open-only']) opts['output-format'] = ['ndjson'];
    }
    if (opts['output-format'].length && !commandAvailable('fmt')) throw new FatalError('-o needs trawl fmt, which is not in this build');
    // Check -o with fmt's own table now, rather than after a whole scan went to a failing fmt.
    if (opts['output-format'].length) {
      for (const f of opts['output-format']) { const e = checkFormatSpec(f); if (e) throw new UsageError(`option -o: ${e}`); }
    }

    const ports = collectPorts(opts);

    let canRaw = false;
    try { canRaw = loadNative().canRaw(); } catch (e) { throw new FatalError((e as Error).message); }
    if (!canRaw) {
      throw new FatalError('scanning needs CAP_NET_RAW: run as root, or grant it to node with ' +
        '`sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"`');
    }
    // blast and catch must agree on the interface and the address, so scan picks them once.
    const given = parseSources(opts['source-ip']);
    if (typeof given === 'string') throw new UsageError(`option --source-ip: ${given}`);
    const { iface, sources } = pickInterface(opts.interface, given);
    nextHopOptions(opts, iface);   // blast checks them again; here before catch starts
    // The scan's own record heads the results: its command line, ports and seed, for fmt's
    // headers and databases (see trawl(7)). Without --seed, scan draws it so the record can name it.
    // (A shard without a seed is refused by targets: every shard must use the same order.)
    if (opts.seed === undefined && opts.shard === undefined) {
      opts.seed = randomBytes(8).readBigUInt64BE().toString();
      if (!opts.quiet) report.info(`seed ${opts.seed} (repeat this order with --seed ${opts.seed})`);
    }
    const scanLine = JSON.stringify(scanRecord(argv, ports, opts.seed ?? null, Date.now() * 1000)) + '\n';
    const probes = probesFile(opts);
    if (opts.banners && probes.implicit && !opts.quiet) report.info(`banners apply nmap's rules from ${probes.file} (--no-service-probes skips them)`);
    // --shard auto is read here, once, and the stages get I/N; the shard record (see trawl(7))
    // heads the results, so `trawl merge` can tell which scan and shard they are.
    let shard: { line: string; rec: ShardRecord } | null = null;
    if (opts.shard !== undefined) {
      const s = parseShard(opts.shard);
      opts.shard = `${s.index}/${s.of}`;
      const plan = planOf([...opts._, ...passThrough(opts, TARGET_OPTIONS)]);
      if ('code' in plan) { io.stderr.write(plan.stderr); return plan.code; }
      shard = plan;
      if (!opts.quiet) report.info(shardStart(plan.rec, 'from' in s ? s.from : undefined));
    }
    // Banners from an address the kernel owns: the kernel would reset every connection before
    // the server speaks. scan drops those RSTs with an nftables table of its own for the run
    // (shared/scan/kernel-rst.ts), or refuses with the rule to add by hand.
    let rstRule: KernelRstRule | null = null;
    if (opts.banners && !opts['source-ip'].length) {
      const from = [sources.v4, sources.v6].filter(Boolean).join(' and ');
      const ports = parsePortRange(opts['source-port']) as PortRange;
      if (opts['no-firewall']) {
        report.warn(`--banners from ${from}, which the kernel owns, and --no-firewall: unless you drop its RSTs for source ports ${opts['source-port']}, ` +
          'the kernel resets the connections before the banners come');
      } else {
        const r = installKernelRstRule(sources, ports);
        if (typeof r === 'string') {
          report.error(`--banners from ${from}, which the kernel owns: the kernel would reset every connection before its banner, ` +
            `and scan cannot add its nftables rule to stop it (${r}). Give --source-ip an unused address on the link ` +
            '(catch answers ARP and Neighbor Solicitations for it), or run as root with nft installed, or add the rule yourself and give --no-firewall:');
          // Our own text, several lines to paste: written as it is (report escapes newlines).
          io.stderr.write(`nft -f - <<'EOF'\n${ruleScript('trawl', sources, ports)}EOF\n`);
          return EXIT_FAIL;
        }
        rstRule = r;
        process.once('exit', () => r.remove());   // a last resort: finally below removes it
        if (!opts.quiet) report.info(`nftables table inet ${r.table} drops the kernel's RSTs from ${from} for this scan (removed at its end)`);
      }
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-scan-'));
    const stages: Stage[] = [];
    let interrupted = false;
    let outClosed = false, outFailed = false;
    let live: ScanProgress | null = null;
    // blast prints where to resume; targets stops generating. catch is stopped below, after blast.
    const stopSenders = () => { for (const s of stages) if (s.name === 'targets' || s.name === 'blast') s.child.kill('SIGINT'); };
    const limits = new ScanLimits({ maxRuntime: opts['max-runtime'], maxResults: opts['max-results'], minHitrate: opts['min-hitrate'] }, (why, failed) => {
      live?.clear();
      if (failed) report.error(why); else report.info(why);
      stopSenders();
    });
    const intr = catchInterrupts({ keep: true, onSignal: () => { interrupted = true; stopSenders(); } });
    try {
      const keyFile = opts['key-file'] ?? path.join(dir, 'key');
      if (!opts['key-file']) writeKeyFile(keyFile, newKey());
      // The FIFO lives in dir, which mkdtemp made 0700: no other user can reach it, and it is
      // removed with dir at the end.
      const fifo = path.join(dir, 'replies');
      // Without --banners catch still asks for the RST that closes each open port (masscan's
      // way), unless --no-rst leaves that to the servers (ZMap's).
      const withReplies = opts.banners === true || !opts['no-rst'];
      if (withReplies) makeFifo(fifo, fifo);
      const catchReplies = withReplies ? ['--replies', fifo, ...(opts.banners ? [] : ['--no-probe']),
        ...passThrough(opts, [MAX_BANNER_OPTION, NO_RST_OPTION])] : [];
      // blast lingers for the cooldown, and at least until the idle RSTs fall due.
      const linger = opts.banners && !opts['no-rst'] ? Math.max(opts.cooldown, DEFAULT_RST_IDLE + 1) : opts.cooldown;
      const common = ['-i', iface, '--key-file', keyFile, ...sourceArgs(sources), '--source-port', opts['source-port']];
      // One progress for the scan, merged from the stages' status records: a live line on a
      // terminal, or scan's own status records with --status-ndjson (the stages' are consumed).
      live = new ScanProgress(io.stderr, { ndjson: opts['status-ndjson'], quiet: opts.quiet, cooldown: withReplies ? linger : opts.cooldown });
      const useLive = live.active;
      // The limits read blast's and catch's status records too (consumed unless shown).
      const wantStatus = useLive || limits.active;
      const progress = [...(opts.quiet ? ['-q'] : []), ...(wantStatus ? ['--status-ndjson'] : [])];
      const errOf = (stage: string) => {
        const to = useLive ? live!.sink(stage) : io.stderr;
        return limits.active ? statusTap(to, (rec) => { limits.observe(stage, rec); return !useLive; }) : to;
      };
      // A shard's summary needs blast's last status; the user sees status records only if asked.
      let blastStatus: Record<string, number> | undefined;
      const tapStatus = shard !== null && !opts.quiet;
      const blastErr = tapStatus ? statusTap(errOf('blast'), (rec) => { blastStatus = rec; return !useLive && !limits.active; }) : errOf('blast');
      if (useLive) live.start();

      // catch first; targets and blast once catch's capture socket exists, so the first replies
      // are not missed. targets is started only when blast can read it at once: Node's
      // child_process drains and drops the unread stdout of a child that has exited.
      const save = [...(opts.save ? ['--save', opts.save] : []), ...(opts['packet-trace'] ? ['--packet-trace'] : [])];
      // A ping or ARP scan alone captures no payload: catch's snaplen then makes 4 KiB ring
      // frames, 8 times as many as the default's 32 KiB in the same --buffer. A frame holds one
      // packet however short (TPACKET_V2, as catch is in immediate mode), so at 100 kpps the
      // count of frames is what bounds a stall (measured: a /16 echo sweep on a loaded machine lost replies to kernel
      // drops in 4 of 7 runs, 28 to 6,244 of 65,536, and in 1 of 7 with this, 670). A SYN scan
      // without --banners gets the same from catch itself (--no-probe).
      const hostsOnly = ports.every((k) => protoOfKey(k) >= PROTO_ICMP);
      // catch sizes its capture ring by the rate blast sends at.
      const catchRate = ['--rate', String(sendRate(opts)).replace('Infinity', 'max')];
      const catchStage = startStage('catch', [...common, ...catchRate, ...catchReplies, ...save, ...progress, ...(hostsOnly ? ['--snaplen', '3968'] : [])], errOf('catch'));
      stages.push(catchStage);
      let catchDone = false;
      void catchStage.exit.then(() => { catchDone = true; });
      const ready = await waitForCapture(catchStage.child.pid!, 10000, () => !catchDone);
      if (catchDone) return pipelineCode([await catchStage.exit], false) || EXIT_FAIL;
      if (!ready) report.warn('catch did not show its capture socket within 10 s; starting anyway');
      await new Promise((r) => setTimeout(r, 100));   // libpcap binds and sets its filter after opening

      // Downstream of catch: banners, then fmt, then our stdout. The shard record (merge wants it
      // first) and the scan record head the results: fmt reads them from a file before its
      // stdin; without fmt they go to stdout before the first record.
      const heads = (shard ? shard.line : '') + scanLine;
      // blast's own records (on-link targets that never answered ARP/NDP: unreachable) go to a
      // file, read after the capture's records: by fmt as its last input, else copied at the end.
      const blastOut = path.join(dir, 'blast.ndjson');
      fs.writeFileSync(blastOut, '', { mode: 0o600 });
      let out: Readable = catchStage.child.stdout!;
      if (limits.counts) out = out.pipe(limits.counter());
      const down: Stage[] = [];
      // A --hitlist's names: blast writes a sent record for each probe it built for a name, which
      // banners needs with catch's records (to rebuild that probe's hello and request): both go
      // to banners, a whole line at a time.
      const merge = opts.banners && opts.hitlist !== undefined && withReplies ? new LineMerge() : null;
      if (merge) merge.add(out);
      if (opts.banners) {
        // The key and --sni shape the tls probe's ClientHello: banners recomputes it to decrypt TLS 1.3
        // answers. Catch's limit is banners' too, so a response cut there is marked truncated.
        // A probe that converses (https, given or the default of 443 and 8443) needs banners to
        // write its second message to blast.
        const namesOf = probeNamesOf(opts);
        const talks = withReplies && ports.some((k) => protoOfKey(k) === PROTO_TCP && namesOf(portOfKey(k)).some((n) => probeByName(n)?.converse));
        const args = [...passThrough(opts, SERVICE_PROBES_OPTIONS), '--key-file', keyFile, ...(opts.sni ? ['--sni', opts.sni] : []),
          '--max-banner', String(opts['max-banner']),
          ...(talks ? ['--replies', fifo, ...passThrough(opts, PROBE_OPTIONS.filter((o) => o.name.startsWith('http-')))] : []),
          ...(opts.identify ? ['--identify'] : [])];
        const s = startStage('banners', args, io.stderr, merge ? 'pipe' : out);
        if (merge) merge.out.pipe(s.child.stdin!);
        down.push(s); out = s.child.stdout!;
      }
      if (opts['output-format'].length) {
        const head = path.join(dir, 'head.ndjson');
        fs.writeFileSync(head, heads);
        const s = startStage('fmt', [...opts['output-format'].flatMap((f: string) => ['-o', f]), ...(opts['open-only'] ? ['--open-only'] : []),
          head, '-', blastOut], io.stderr, out);
        down.push(s); out = s.child.stdout!;
      }
      stages.push(...down);
      if (!opts['output-format'].length) io.stdout.write(heads);
      // Results on the terminal the live line is drawn on: the line is cleared before each.
      if (useLive && (io.stdout as { isTTY?: boolean }).isTTY) out = out.pipe(new Transform({ transform: (c, _e, cb) => { live!.clear(); cb(null, c); } }));
      const piped = new Promise<void>((resolve) => {
        out.on('end', resolve);
        out.on('error', () => resolve());
        out.pipe(io.stdout, { end: false });
        // The reader went away (`| head`): stop the scan and end cleanly, as every command does.
        io.stdout.on('error', (e: NodeJS.ErrnoException) => {
          if (outClosed) return;
          outClosed = true;
          if (e.code !== 'EPIPE') report.error(`standard output: ${e.message}`), outFailed = true;
          out.unpipe(io.stdout);
          out.resume();
          for (const s of stages) if (s.name === 'targets' || s.name === 'blast') s.child.kill('SIGTERM');
          resolve();
        });
      });

      if (interrupted || outClosed) return pipelineCode([], interrupted);
      // One walk record instead of a line per target: blast expands it (trawl.7 walk) for TCP,
      // UDP and echo targets.
      const walk = ports.every((k) => k < 2 * 65536 || k === ICMP_ECHO_KEY) ? ['--walk'] : [];
      const targets = startStage('targets',
        [...opts._, ...passThrough(opts, TARGET_OPTIONS), ...walk, ...progress], errOf('targets'));
      const blastFd = merge ? 'pipe' : fs.openSync(blastOut, 'a');
      const blast = startStage('blast', [
        ...common, ...passThrough(opts, SEND_OPTIONS, SEND_NAMES), ...passThrough(opts, PROBE_OPTIONS), ...passThrough(opts, NAME_OPTIONS), ...passThrough(opts, UDP_OPTIONS),
        ...(withReplies ? ['--replies', fifo, '--linger', String(linger)] : []),
        ...(tapStatus && !progress.includes('--status-ndjson') ? [...progress, '--status-ndjson'] : progress),
      ], blastErr, targets.child.stdout!, blastFd);
      if (typeof blastFd === 'number') fs.closeSync(blastFd);
      if (merge) { merge.add(blast.child.stdout!); merge.end(); }
      stages.unshift(targets, blast);
      limits.start();
      if (interrupted || outClosed) stopSenders();
      await blast.exit;
      await targets.exit;
      // blast lingered for the cooldown while serving replies; without replies we wait here,
      // and after a limit stopped blast (as Ctrl-C does) catch still gets the late replies.
      if ((!withReplies || limits.reason) && !interrupted && !outClosed) await sleepUnless(opts.cooldown * 1000, () => interrupted || outClosed);
      catchStage.child.kill('SIGTERM');
      const codes: number[] = [];
      for (const s of stages) codes.push(await s.exit);
      await piped;
      if (!opts['output-format'].length && !outClosed) {
        const rest = fs.readFileSync(blastOut);
        if (rest.length) await new Promise<void>((r) => { io.stdout.write(rest, () => r()); });
      }
      const order = ['targets', 'blast', 'catch', 'banners', 'fmt'];
      const byOrder = order.map((n) => { const k = stages.findIndex((s) => s.name === n); return k < 0 ? 0 : codes[k]; });
      // A limit stopped targets and blast with SIGINT: their 130 is the limit's, not a failure.
      if (limits.reason) for (const k of [0, 1]) if (byOrder[k] === EXIT_INTERRUPTED) byOrder[k] = EXIT_OK;
      if (outClosed) return outFailed ? EXIT_FAIL : EXIT_OK;
      if (tapStatus) report.info(shardSummary(shard!.rec, blastStatus));
      const code = pipelineCode(byOrder, interrupted);
      return code === EXIT_OK && limits.failed ? EXIT_FAIL : code;
    } finally {
      limits.dispose();
      live?.stop();
      intr.dispose();
      for (const s of stages) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
      if (rstRule) {
        const n = rstRule.dropped();
        rstRule.remove();
        if (!opts.quiet && n !== null) report.info(`the nftables rule dropped ${n} of the kernel's RSTs`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const until = Date.now() + ms;
    const tick = () => (stop() || Date.now() >= until ? resolve() : setTimeout(tick, Math.min(100, until - Date.now())));
    tick();
  });
}
