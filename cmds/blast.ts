// trawl blast: reads target records and sends each a SYN whose sequence number is the keyed cookie
// (a UDP target a datagram with its port's payload, an ICMP echo target an echo request);
// on-link targets whose address never answers ARP/NDP come out on stdout as unreachable records.
import { CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION, QUIET_OPTION, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import { IO } from '../shared/io';
import { LineWriter } from '../shared/writer';
import { readKeyFile } from '../shared/key';
import { Status } from '../shared/status';
import { catchInterrupts } from '../shared/signals';
import { bannerValidationBits, MIN_VARIANT_PORTS, SLOTS, VARIANTS, VARIANT_SLOT, slotOfCode, variantOfCode } from '../shared/cookie';
import { parsePortRange, PortRange } from '../shared/source-port';
import { buildProbePlan, PROBE_OPTIONS, probeHelp } from '../shared/probes';
import { loadNative, Native, SynOptions, TxEngineName } from '../native/index';
import { DROP_TEXT, RepliesQueue, REQUEST_DROPS } from '../shared/blast/replies';
import { RstTimer } from '../shared/blast/rst-timer';
import { readTargets } from '../shared/blast/reader';
import { BlastSession } from '../shared/blast/session';
import type { LanResolver } from '../shared/blast/lan';
import {
  nextHopOptions, parseRate, SEND_OPTIONS, sendRate,
} from '../shared/blast/options';
import { interfaceMac, isLayer3Link, pickInterface } from '../shared/netinfo';
import { parseSources } from '../shared/source-ip';
import { IFLIST_OPTION, printIflist } from '../shared/iflist';
import { buildUdpPlan, UDP_OPTIONS, udpHelp } from '../shared/udp/plan';
import { NAME_OPTIONS, nameLimits, NamedProbe, NamedProbes, NameTable, SENT_BACKLOG } from '../shared/blast/names';
import { probeByName, probeConfig } from '../shared/probes';

const PIPE_BYTES = 1 << 20;

export const info: CommandInfo = {
  name: 'blast',
  summary: 'send a SYN to every target record on stdin, rate-limited, with stateless cookies',
  synopsis: '--key-file FILE [-i IFACE] [--rate PPS] [--replies FIFO] [--pcap FILE] [options] < TARGETS',
  options: [
    { name: 'key-file', type: 'string', arg: 'FILE', help: 'cookie key shared with catch (trawl key FILE writes one); required' },
    ...SEND_OPTIONS,
    IFLIST_OPTION,
    { name: 'pcap', type: 'string', arg: 'FILE', help: 'write the frames to a pcap file instead of sending them (no privileges needed)' },
    { name: 'replies', type: 'list', arg: 'FIFO', help: 'read catch\'s requests (ACK+probe, ACKs, RSTs) from FIFO (yours alone; created with mode 0600 if missing; repeatable)' },
    { name: 'rst-queue', type: 'number', arg: 'N', default: 262144,
      check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 1 << 24 ? undefined : 'must be an integer from 1 to 16777216'),
      help: 'with --replies: RSTs waiting for their time at most (about 60 bytes each, 32 more with IPv6); past it the first due goes early' },
    { name: 'replies-max-age', type: 'number', arg: 'S', default: 60,
      check: (v: number) => (v >= 1 && v <= 3600 ? undefined : 'must be from 1 to 3600 seconds'),
      help: 'drop requests written more than S seconds ago (the server has given up by then)' },
    { name: 'linger', type: 'number', arg: 'S', default: 8,
      check: (v: number) => (v >= 0 && v <= 3600 ? undefined : 'must be from 0 to 3600 seconds'),
      help: 'with --replies: keep answering requests S seconds after the last SYN' },
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

const RAW_HINT = 'sending raw packets needs CAP_NET_RAW: run as root, or grant it to node with ' +
  '`sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"`, or write the packets with --pcap FILE';

export function run(argv: string[], io?: IO): Promise<number> {
  return runCommand(info, argv, io, async (opts, io, report) => {
    if (opts.iflist) return printIflist(io);
    if (opts._.length) throw new UsageError(`unexpected argument '${opts._[0]}': blast reads targets on stdin`);
    if (!opts['key-file']) throw new UsageError('--key-file FILE is required (trawl key FILE writes one; catch needs the same file)');
    if (opts.rate !== undefined && opts.bandwidth !== undefined) throw new UsageError('give --rate or --bandwidth, not both');
    const key = readKeyFile(opts['key-file']);
    const { base: sportBase, count: sportCount } = parsePortRange(opts['source-port']) as PortRange;
    const plan = buildProbePlan(opts, key);
    const probes = plan.probesInUse();
    const udp = buildUdpPlan(opts);
    // Probes and banner validation matter only when catch asks for probes (--replies).
    const withReplies = opts.replies.length > 0;
    if (withReplies && sportCount < SLOTS && probes.length > 1) {
      throw new UsageError(`--source-port ${opts['source-port']}: fewer than ${SLOTS} ports leave no room to tell ` +
        `${probes.length} probes apart; give a wider range or one --probe`);
    }
    // jarm's ten connections to a port take ten groups of 16 ports (shared/cookie.ts).
    if (probes.some((p) => slotOfCode(p.slot) === VARIANT_SLOT) && sportCount < MIN_VARIANT_PORTS) {
      throw new UsageError(`--source-port ${opts['source-port']}: the jarm probe's ${VARIANTS} connections per port need at least ` +
        `${MIN_VARIANT_PORTS} source ports`);
    }
    if (withReplies && bannerValidationBits(sportCount) < 32) {
      report.warn(`--source-port ${opts['source-port']}: banners will carry ${bannerValidationBits(sportCount).toFixed(1)} ` +
        'bits of validation, fewer than 32 (see trawl(7))');
    }
    const rate = sendRate(opts);

    let native: Native;
    try { native = loadNative(); } catch (e) { throw new FatalError((e as Error).message); }
    const pcap: string | undefined = opts.pcap;
    if (!pcap && !native.canRaw()) throw new FatalError(RAW_HINT);

    // The interface: named, else the default route's; with --pcap it only lends its addresses.
    const given = parseSources(opts['source-ip']);
    if (typeof given === 'string') throw new UsageError(`option --source-ip: ${given}`);
    const { iface, sources } = pickInterface(opts.interface, given, !!pcap);
    // A tun (VPN) link carries bare IP packets: no Ethernet header, no next hop's MAC to find.
    const layer3 = !!iface && isLayer3Link(iface);
    const routerIps = nextHopOptions(opts, iface);
    const out = new LineWriter(io.stdout);
    const timer = withReplies ? new RstTimer(opts['rst-queue'], (slot, daddr, daddr6) => session.probeLength(slot, daddr, daddr6)) : null;
    // Named targets' probes (a target record's `name`): built when catch asks for them.
    const named = withReplies ? namedProbes(opts, key, probes, sportCount, out, () => io.stdout.writableLength < SENT_BACKLOG) : null;
    const replies = withReplies ? new RepliesQueue(key, {
      // The sent records of named probes leave before the probes do (one write a read of the
      // FIFOs): banners must have a name before the answer to it, which comes after the probe.
      maxAgeMs: opts['replies-max-age'] * 1000, onData: () => { if (named?.wrote()) void out.flush(); session.engine?.wake(); },
      onDrop: (why, path) => report.warn(`--replies ${path}: ${DROP_TEXT[why]}: dropped (counted in the summary)`),
      // A named target's ACK_PROBE becomes an ACK_PAYLOAD of its own probe, then goes where the
      // request would have gone (the RST timer arms past its payload).
      route: (b, off) => {
        const own = named?.rewrite(b, off);
        if (!own) return timer!.route(b, off);
        if (timer!.route(own, 0)) replies!.putOwn(own);
        return false;
      },
      // A 64 KiB pipe holds about 680 requests, which catch fills between two of blast's reads
      // while SYNs go out: an IPv6 scan of a /112 at 100 kpps lost 23,000 of 65,536 RST
      // requests at catch's end. 1 MiB is what an unprivileged process may ask (pipe-max-size);
      // a refusal leaves the pipe as it was.
      grow: (fd) => { native.setPipeSize(fd, PIPE_BYTES); },
    }) : null;
    // A signal, or a sender error (a full disk under --pcap), stops reading and sending.
    const stop = () => { session.interrupt(); io.stdin.destroy(new Error('interrupted')); };
    const session: BlastSession = new BlastSession({
      native, key, iface, pcap, sources, srcMac: (iface && interfaceMac(iface)) || '00:00:00:00:00:00',
      routerMac: opts['router-mac'], routerIps, layer3, sportBase, sportCount, rate,
      maxPacketRate: opts['max-packet-rate'] !== undefined ? parseRate(opts['max-packet-rate']) as number : 0,
      trace: opts['packet-trace'] ? (s: string) => { io.stderr.write(s); } : undefined, ttl: opts.ttl, synOptions: opts['syn-options'] as SynOptions, engine: opts.engine as TxEngineName | undefined,
      attempts: opts.attempts, lingerMs: opts.linger * 1000, probes,
      slotForPort: plan.slotForPort, slotsForPort: plan.slotsForPort, allowSpecial: opts['allow-special'], onFailure: stop,
      lan: { timeoutMs: opts['arp-timeout'] * 1000, queueMax: opts['arp-queue'] }, record: (rec) => out.record(rec), udp,
      names: named?.table ?? null,
    }, replies, report, timer);
    for (const p of opts.replies as string[]) replies!.open(p);

    const status = new Status('blast', io.stderr, () => {
      const st = session.stats() ?? { sent: 0, replies_sent: 0, replies_rejected: 0, errors: 0, bytes: 0, resolves_sent: 0 };
      const e = session.engine;
      const secs = e && e.syns > 0 ? (performance.now() - e.firstSendAt) / 1000 : 0;
      const fields = {
        sent: st.sent, syns: e?.syns ?? 0, repeats: e?.resent ?? 0, replies: st.replies_sent,
        replies_rejected: st.replies_rejected, errors: st.errors, queued: e?.targets.count ?? 0,
        ipv6: session.v6, pps: secs > 0 ? Math.round(st.sent / secs) : 0,
        ...(session.walkTotal ? { total: session.walkTotal } : {}),
        ...(replies ? requestFields(replies, timer) : {}),
        ...(named && named.table.stats.added ? nameFields(named.table) : {}),
        ...(session.lan ? lanFields(session.lan, st.resolves_sent ?? 0) : {}),
      };
      return { fields, text: `${fields.syns} SYNs, ${fields.replies} replies, ${fields.pps} pps` };
    }, { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();

    const intr = catchInterrupts({ keep: true, onSignal: stop });
    let read = { bad: 0 };
    try {
      read = await readTargets(io.stdin, report, session);
    } catch (e) {
      if (!session.interrupted) throw e;
    }
    await session.finish();
    await out.flush();
    intr.dispose();
    status.stop(true);
    replies?.close();
    const summary = session.summary();
    session.close();
    if (summary && !opts.quiet) report.info(summary);
    if (named && named.table.stats.added && !opts.quiet) report.info(nameSummary(named.table));
    const dropped = replies ? requestSummary(replies) : null;
    if (dropped && !opts.quiet) report.info(dropped);
    if (session.interrupted) {
      const k = session.resumeIndex();
      report.info(k === null ? 'interrupted after every target was sent'
        : `interrupted: resume with --resume-index ${k} (the first target not sent)`);
      const failure = session.failure();
      if (failure) throw new FatalError(failure);
      return EXIT_INTERRUPTED;
    }
    if (session.offLink) report.error(`${session.offLink} arp targets not asked: ${session.offLinkWhy}`);
    if (!session.engine && !session.offLink && !opts.quiet) report.warn('no target records on stdin: nothing sent');
    // Forged, replayed or garbled requests are rejected input, as bad target lines are.
    return read.bad + session.badTargets + (replies ? replies.rejected : 0) > 0 ? EXIT_REJECTED : EXIT_OK;
  });
}

/** Status fields of the replies FIFOs: requests taken, and dropped by reason. */
function requestFields(q: RepliesQueue, t: RstTimer | null): Record<string, number> {
  const f: Record<string, number> = { requests: q.received };
  for (const k of REQUEST_DROPS) f[`requests_${k}`] = q.drops[k];
  if (t) {
    f.rst_waiting = t.waiting;
    for (const [k, v] of Object.entries(t.stats)) f[`rst_${k}`] = v;
  }
  return f;
}

/** The probes of the plan that carry a target's name, by the slot of their requests, and the
 *  table of names; each probe built for a name goes out on stdout as a sent record too. */
function namedProbes(opts: Record<string, any>, key: Uint8Array, probes: { slot: number; name: string }[], sportCount: number,
  out: LineWriter, room: () => boolean): NamedProbes {
  const cfg = probeConfig(opts, key);
  const bySlot = new Map<number, NamedProbe>();
  // Fewer than 16 source ports carry no slot: every request is slot 0, the first probe's.
  for (const p of sportCount < SLOTS ? probes.slice(0, 1) : probes) {
    const def = probeByName(p.name);
    // p.slot is the probe code: a variant's (jarm's ten hellos) is built for its own variant.
    if (def?.named) bySlot.set(sportCount < SLOTS ? 0 : p.slot, { name: p.name, payload: (name) => def.named!(cfg, name, variantOfCode(p.slot)) });
  }
  return new NamedProbes(new NameTable(nameLimits(opts)), bySlot, (s) => {
    void out.record({
      type: 'sent', ip: s.ip, port: s.port, sport: s.sport, seq: s.seq, ack: s.ack, len: s.data.length, flags: s.data.length ? 'PA' : 'A',
      data: Buffer.from(s.data).toString('base64'), name: s.name, probe: s.probe, time_us: Date.now() * 1000,
    });
  }, room);
}

/** Status fields of the name table (--name-table). */
function nameFields(t: NameTable): Record<string, number> {
  return { names_held: t.size, names_held_bytes: t.bytes, ...Object.fromEntries(Object.entries(t.stats).map(([k, v]) => [`names_${k}`, v])) };
}

/** The closing line of the named targets. */
function nameSummary(t: NameTable): string {
  const s = t.stats, lost = s.evicted + s.expired;
  return `${s.added} target names, ${s.used} probes sent with their target's name` +
    (lost || s.too_long || s.backlog ? ` (${s.evicted} names evicted and ${s.expired} expired before their probe, ${s.too_long} too long, ` +
      `${s.backlog} with standard output too far behind: ` +
      'those went with the default probe; see --name-table)' : '');
}

/** Status fields of the LAN pass: see trawl-blast(1) LAN SCANS. */
function lanFields(lan: LanResolver, requests: number): Record<string, number> {
  const s = lan.stats;
  return { arp_targets: s.targets, arp_requests: requests, arp_kernel: s.kernel, arp_asked: s.asked, arp_answered: s.answered, arp_silent: s.silent,
    arp_waiting: lan.waiting, arp_unreachable: s.unreachable, arp_scanned: s.scanned, arp_alive: s.alive, arp_foreign: s.foreign };
}

/** The summary line of the requests dropped, or null when none was. */
function requestSummary(q: RepliesQueue): string | null {
  const dropped = REQUEST_DROPS.filter((k) => q.drops[k] > 0);
  return dropped.length ? `requests: ${q.received} taken; dropped ${dropped.map((k) => `${k} ${q.drops[k]}`).join(', ')}` : null;
}
