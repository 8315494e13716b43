// trawl blast: reads target records and sends each a SYN whose sequence number is the keyed cookie.
import { CommandInfo, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { readKeyFile } from '../shared/key';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import { bannerValidationBits, SLOTS } from '../shared/cookie';
import { parsePortRange, PortRange } from '../shared/source-port';
import { buildProbePlan, PROBE_OPTIONS } from '../shared/probes';
import { loadNative, Native, Sender, SynOptions } from '../native/index';
import { Engine } from '../shared/blast/engine';
import { RepliesQueue } from '../shared/blast/replies';
import { bandwidthToRate } from '../shared/blast/rate';
import { IPV6, parseTarget, ParsedTarget } from '../shared/blast/targets';
import { readTargets } from '../shared/blast/reader';
import { formatIPv4 } from '../shared/ipv4';
import {
  DEFAULT_RATE, parseBandwidth, parseRate, SEND_OPTIONS, SYN_BASE_FRAME, SYN_OPTION_BYTES,
} from '../shared/blast/options';
import {
  interfaceMac, neighborMac, pickInterface, readRoutes, routeFor,
} from '../shared/netinfo';
import type { Reporter } from '../shared/report';

export const info: CommandInfo = {
  name: 'blast',
  summary: 'send a SYN to every target record on stdin, rate-limited, with stateless cookies',
  synopsis: '--key-file FILE [-i IFACE] [--rate PPS] [--replies FIFO] [--pcap FILE] [options] < TARGETS',
  options: [
    { name: 'key-file', type: 'string', arg: 'FILE', help: 'cookie key shared with catch (trawl key FILE writes one); required' },
    ...SEND_OPTIONS,
    { name: 'pcap', type: 'string', arg: 'FILE', help: 'write the frames to a pcap file instead of sending them (no privileges needed)' },
    { name: 'replies', type: 'string', arg: 'FIFO', help: 'read catch\'s ACK+probe and RST requests from FIFO (created if missing)' },
    { name: 'linger', type: 'number', arg: 'S', default: 8,
      check: (v: number) => (v >= 0 && v <= 3600 ? undefined : 'must be from 0 to 3600 seconds'),
      help: 'with --replies: keep answering requests S seconds after the last SYN' },
    ...PROBE_OPTIONS,
    QUIET_OPTION,
    STATUS_NDJSON_OPTION,
    HELP_OPTION,
  ],
};

const RAW_HINT = 'sending raw packets needs CAP_NET_RAW: run as root, or grant it to node with ' +
  '`sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"`, or write the packets with --pcap FILE';

interface Setup {
  native: Native;
  key: Uint8Array;
  iface: string | undefined;
  srcIp: string;
  srcMac: string;
  routerMac: string | undefined;
  sportBase: number;
  sportCount: number;
  rate: number;
}

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io, report) => {
    if (opts._.length) throw new UsageError(`unexpected argument '${opts._[0]}': blast reads targets on stdin`);
    if (!opts['key-file']) throw new UsageError('--key-file FILE is required (trawl key FILE writes one; catch needs the same file)');
    if (opts.rate !== undefined && opts.bandwidth !== undefined) throw new UsageError('give --rate or --bandwidth, not both');
    const key = readKeyFile(opts['key-file']);
    const { base: sportBase, count: sportCount } = parsePortRange(opts['source-port']) as PortRange;
    const plan = buildProbePlan(opts);
    const probes = plan.probesInUse();
    // Probes and banner validation matter only when catch asks for probes (--replies).
    if (opts.replies && sportCount < SLOTS && probes.length > 1) {
      throw new UsageError(`--source-port ${opts['source-port']}: fewer than ${SLOTS} ports leave no room to tell ` +
        `${probes.length} probes apart; give a wider range or one --probe`);
    }
    if (opts.replies && bannerValidationBits(sportCount) < 32) {
      report.warn(`--source-port ${opts['source-port']}: banners will carry ${bannerValidationBits(sportCount).toFixed(1)} ` +
        'bits of validation, fewer than 32 (see trawl(7))');
    }
    const frame = SYN_BASE_FRAME + SYN_OPTION_BYTES[opts['syn-options']];
    const rate = opts.bandwidth !== undefined
      ? bandwidthToRate(parseBandwidth(opts.bandwidth) as number, frame)
      : opts.rate !== undefined ? parseRate(opts.rate) as number : DEFAULT_RATE;

    let native: Native;
    try { native = loadNative(); } catch (e) { throw new FatalError((e as Error).message); }
    const pcap: string | undefined = opts.pcap;
    if (!pcap && !native.canRaw()) throw new FatalError(RAW_HINT);

    // The interface: named, else the default route's; with --pcap it only lends its addresses.
    const { iface, srcIp } = pickInterface(opts.interface, opts['source-ip'], !!pcap);
    const setup: Setup = {
      native, key, iface, srcIp, srcMac: (iface && interfaceMac(iface)) || '00:00:00:00:00:00',
      routerMac: opts['router-mac'], sportBase, sportCount, rate,
    };

    let sender: Sender | null = null;
    let engine: Engine | null = null;
    let interrupted = false;
    let v6 = 0, skipped = 0;
    let run: Promise<void> | null = null;
    const replies = opts.replies ? new RepliesQueue(16384, () => engine?.wake()) : null;
    if (replies) replies.open(opts.replies);

    const status = new Status('blast', io.stderr, () => {
      const st = sender ? sender.stats() : { sent: 0, replies_sent: 0, replies_rejected: 0, errors: 0, bytes: 0 };
      const secs = engine && engine.syns > 0 ? (performance.now() - engine.firstSendAt) / 1000 : 0;
      const fields = {
        sent: st.sent, syns: engine?.syns ?? 0, repeats: engine?.resent ?? 0, replies: st.replies_sent,
        replies_rejected: st.replies_rejected, errors: st.errors, queued: engine?.targets.count ?? 0,
        ipv6_skipped: v6, pps: secs > 0 ? Math.round(st.sent / secs) : 0,
      };
      return { fields, text: `${fields.syns} SYNs, ${fields.replies} replies, ${fields.pps} pps` };
    }, { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();

    // A signal, or a sender error (a full disk under --pcap), stops reading and sending.
    const stopAll = () => { interrupted = true; engine?.stop(); io.stdin.destroy(new Error('interrupted')); };
    const intr = catchInterrupts({ keep: true, onSignal: stopAll });

    const t: ParsedTarget = { ip: 0, port: 0, i: 0 };
    let count = 0;
    let sinceYield = 0;
    let badTargets = 0;
    let readCounts = { bad: 0 };
    const slotOf = new Uint8Array(65536);
    for (let p = 0; p < 65536; p++) slotOf[p] = sportCount < SLOTS ? 0 : plan.slotForPort(p);
    try {
      // Every target, whichever path decoded it, ends here.
      const accept = (ip: number, port: number, index: number): void | Promise<void> => {
        const i = index >= 0 ? index : count;
        count++;
        if (engine) {
          const p = engine.push(ip, port, slotOf[port], i);
          if (p) return p;
          // A chunk of buffered stdin is parsed in one run of microtasks: yield now and then so
          // the send loop's timer is not held up (a 60-90 ms stall measured without this).
          if (++sinceYield >= 256) { sinceYield = 0; return new Promise<void>((r) => setImmediate(r)); }
          return undefined;
        }
        // First target: find the next hop's MAC for it, open the sender, start the loop.
        return (async () => {
          const dstMac = await nextHopMac(setup, ip, !!pcap, report);
          try {
            sender = new native.Sender({
              iface: pcap ? undefined : iface, pcapFile: pcap, srcMac: setup.srcMac, dstMac, srcIp,
              ttl: opts.ttl, synOptions: opts['syn-options'] as SynOptions, key, sportBase, sportCount,
            });
          } catch (e) {
            throw new FatalError(`${pcap ? `--pcap ${pcap}` : `-i ${iface}`}: ${(e as Error).message}`);
          }
          // Fewer than 16 source ports carry no slot: every connection is slot 0, so the one
          // probe in use goes there.
          if (sportCount < SLOTS) sender.setProbe(0, probes[0].payload.before, probes[0].payload.after);
          else for (const p of probes) sender.setProbe(p.slot, p.payload.before, p.payload.after);
          engine = new Engine(sender, replies, {
            rate, attempts: opts.attempts, lingerMs: replies ? opts.linger * 1000 : 0, minBatch: 2048,
          });
          if (interrupted) engine.stop();
          run = engine.run().then(() => { if (engine!.failure) stopAll(); });   // stop reading, say where to resume
          const p = engine.push(ip, port, slotOf[port], i);
          if (p) await p;
        })();
      };
      readCounts = await readTargets(io.stdin, report, {
        target: (ip, port, i) => (interrupted ? undefined : accept(ip, port, i)),
        record: (rec, line) => {
          if (interrupted) return undefined;
          if (rec.type !== 'target') { skipped++; return undefined; }
          const r = parseTarget(rec, t, opts['allow-special']);
          if (r === IPV6) {
            if (v6++ === 0) report.warn(`stdin:${line}: IPv6 targets are not sent (counted in the summary)`);
            return undefined;
          }
          if (typeof r === 'string') { badTargets++; report.error(`stdin:${line}: ${r}`); return undefined; }
          return accept(t.ip, t.port, t.i);
        },
        allowSpecial: opts['allow-special'],
      });
    } catch (e) {
      if (!interrupted) throw e;
    }
    if (engine) {
      (engine as Engine).endInput();
      await run;
    }
    intr.dispose();
    status.stop(true);
    replies?.close();
    const e = engine as Engine | null;
    const st = sender ? (sender as Sender).stats() : null;
    if (sender) (sender as Sender).close();
    if (!opts.quiet) summary(report, e, st, v6, skipped);
    if (interrupted) {
      const k = e ? e.resumeIndex() : count;
      report.info(k === null ? 'interrupted after every target was sent'
        : `interrupted: resume with --resume-index ${k} (the first target not sent)`);
      if (e?.failure) throw new FatalError(`${pcap ? `--pcap ${pcap}` : `-i ${iface}`}: ${e.failure.message}`);
      return EXIT_INTERRUPTED;
    }
    if (!e && !opts.quiet) report.warn('no target records on stdin: nothing sent');
    return readCounts.bad + badTargets > 0 ? EXIT_REJECTED : EXIT_OK;
  });
}

function summary(report: Reporter, e: Engine | null, st: ReturnType<Sender['stats']> | null, v6: number, skipped: number) {
  if (!e || !st) return;
  const secs = (e.lastSendAt - e.firstSendAt) / 1000;
  const pps = secs > 0 ? Math.round((st.sent - 1) / secs) : 0;
  const extra = [
    e.resent ? `${e.resent} repeats` : '', st.replies_sent ? `${st.replies_sent} replies` : '',
    st.replies_rejected ? `${st.replies_rejected} reply requests rejected` : '',
    st.errors ? `${st.errors} send errors` : '', v6 ? `${v6} IPv6 targets skipped` : '',
    skipped ? `${skipped} non-target records ignored` : '',
  ].filter(Boolean);
  report.info(`sent ${e.syns} SYNs${extra.length ? ` (${extra.join(', ')})` : ''} in ${secs.toFixed(2)} s, ${pps} packets/s`);
}

// The MAC frames go to: --router-mac; else the route's gateway for the first target, or the
// target itself when it is on the link; from the neighbour table, else by ARP (live only).
async function nextHopMac(s: Setup, firstIp: number, pcap: boolean, report: Reporter): Promise<string> {
  if (s.routerMac) return s.routerMac.replace(/-/g, ':').toLowerCase();
  const routes = readRoutes();
  const r = s.iface ? routeFor(firstIp, routes, s.iface) ?? routeFor(0, routes, s.iface) : null;
  const hop = formatIPv4(r && r.gateway ? r.gateway : firstIp);
  if (r && !r.gateway) report.warn(`${hop} is on the link: sending every frame to its MAC (give --router-mac for another next hop)`);
  const known = s.iface ? neighborMac(hop, s.iface) : null;
  if (known) return known;
  if (pcap || !s.iface) {
    report.warn(`next hop ${hop} is not in the neighbour table: frames carry 00:00:00:00:00:00 (give --router-mac)`);
    return '00:00:00:00:00:00';
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const mac = await s.native.arpResolve(s.iface, s.srcIp, hop, 1000);
    if (mac) return mac;
  }
  throw new FatalError(`no ARP reply from next hop ${hop} on ${s.iface}: give --router-mac MAC`);
}
