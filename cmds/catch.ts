// trawl catch: captures replies (live or from a pcap), validates them statelessly against the
// key, writes open/closed/unreachable/segment records (alive for ICMP echo replies) and asks
// blast for the packets that keep each response coming and then close it: ACK+probe, ACKs of
// data, RSTs now and later.
import { checkBy, CommandInfo, CONF_OPTION, ECHO_OPTION, HELP_OPTION, QUIET_OPTION, wasGiven, STATUS_NDJSON_OPTION } from '../shared/args';
import { runCommand } from '../shared/command';
import { IO, copiesAtOnce, queuedBytes, queuedStdout } from '../shared/io';
import { Reporter } from '../shared/report';
import { readKeyFile } from '../shared/key';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError, UsageError } from '../shared/exit';
import { catchInterrupts, Interrupt } from '../shared/signals';
import { LineWriter } from '../shared/writer';
import { Status } from '../shared/status';
import { bannerValidationBits, EchoCookie } from '../shared/cookie';
import { parsePortRange, PortRange, SOURCE_PORT_OPTION } from '../shared/source-port';
import { parseIPv4 } from '../shared/ipv4';
import { parseSources, SOURCE_IP_OPTION } from '../shared/source-ip';
import { isLayer3Link } from '../shared/netinfo';
import { linktypeSupported } from '../shared/packet/link';
import { CatchEngine, ArpResponder, NdpResponder } from '../shared/catch/engine';
import { DEFAULT_RST_IDLE, MAX_BANNER_OPTION, NO_RST_OPTION } from '../shared/catch/options';
import { nativeCookies, referenceCookies } from '../shared/catch/cookies';
import { RepliesOut } from '../shared/replies-out';
import { nativeDedupCheck, nativeDedupPrefetch, nativeSynAcks } from '../shared/catch/fast-path';
import { Counters, REJECT_REASONS } from '../shared/catch/counters';
import { DEDUP6_BYTES_PER_KEY, DEDUP_BYTES_PER_KEY, DEFAULT_DEDUP_WINDOW } from '../shared/catch/dedup';
import {
  addr6, captureFilter, damagedRecord, ifaceFacts, openPcap, PacketSource, pcapError, requireLive, tryNative,
} from '../shared/catch/source';
import { CaptureSave } from '../shared/catch/save';
import { IFLIST_OPTION, printIflist } from '../shared/iflist';
import { DEFAULT_RATE, parseRate } from '../shared/blast/options';
import { holdYoungGeneration } from '../shared/node-flags';

const MAX_BATCH = 4096;
// Bytes of packets copied out of the ring per batch. A batch's records are spelled in one buffer
// (shared/catch/ascii-out.ts) that grows to the largest batch and stays: on the banner bench at
// 50-100% answering, catch fell behind into batches of 1,253-2,640 packets, 1.7 MB of them and
// 2.4 MB of records (that buffer grown from 1 to 4 MiB), 4 MiB read at a time. 512 KiB still
// holds MAX_BATCH SYN-ACKs (90 bytes each with its header), and replay ran as fast (1 M SYN-ACKs:
// 0.72-0.76 s against 0.77-0.79 s, interleaved).
const READ_BUFFER = 512 << 10;
const HEADROOM = 200;          // link + IP (IPv6 with an extension header) + TCP with options, ahead of the payload
const MAX_SEGMENT = 65535;     // the largest segment a capture shows (GRO/GSO merge up to 64 KiB)
// The capture ring (native/src/capture.cc) is TPACKET_V3 by default: packets packed into
// blocks of V3_BLOCK bytes, each handed over when full or --block-timeout ms after its first
// packet, so its memory follows the bytes captured. --block-timeout 0 is libpcap's immediate
// mode, TPACKET_V2: one packet per frame whatever its length, frames in blocks of a power of two
// at least one frame (snaplen plus at most ~90 bytes of headers) long: a snaplen of 16,584 made
// 32 KiB frames, and at --rate 10k a 78 MiB ring (an idle catch's RSS 134 MB on the banner bench).
const FRAME_OVERHEAD = 128;
export const V3_BLOCK = 256 << 10;      // libpcap's V3 block: its largest snaplen, one "frame" a block
export const DEFAULT_BLOCK_TIMEOUT = 4; // ms: the longest a lone reply waits in a block
// Bytes a packet takes in a V3 block at the most we count on: its tpacket3_hdr and padding plus
// what it holds up to 1 KiB (a SYN-ACK takes ~130; a banner's segments are longer but are a
// fraction of the packets: SYN-ACK, data, FIN, RST per open port).
const V3_PACKET = 1024 + 64;
// The kernel maps the whole ring at once and every page of it is resident from the start (an
// idle catch with the former fixed 32 MiB ring had an RSS of 88 MB, 33 MB of it the ring), so
// it is sized by --rate: RING_SECONDS of packets at that rate, from MIN_RING (and MIN_FRAMES)
// to MAX_RING. A quarter of a second is the burst blast may send after a stall of its own (its
// token bucket catches up 250 ms), and the stall of catch's reading it absorbs: an IPv6 SYN
// scan of a /112 at 100 kpps on a loaded 2-core machine (load 3) lost 2,557 to 28,667
// SYN-ACKs to a full ring in 4 of 7 runs with 8,192 or 10,000 frames (82 or 100 ms), none in
// 5 with 25,000 (an earlier measurement: 529 to 6,413 lost with 1,024 frames, V2 rings).
export const RING_SECONDS = 0.25;
export const MIN_RING = 4 << 20, MAX_RING = 256 << 20, MIN_FRAMES = 64;

/** The default snaplen: at least `need`, and a V2 frame that fills a power-of-two block. */
export function ringSnaplen(need: number): number {
  let block = 4096;
  while (block < need + FRAME_OVERHEAD) block *= 2;
  return block - FRAME_OVERHEAD;
}

/** The default ring for packets of up to snaplen bytes arriving at rate per second, with blocks
 *  handed over after timeoutMs (V3), or a frame per packet (timeoutMs 0, V2). A V3 block is
 *  handed over half empty when its timeout comes first, so RING_SECONDS takes as many blocks as
 *  timeouts fall in it (at most one per packet) on top of those the bytes fill. */
export function ringBytes(rate: number, snaplen: number, timeoutMs = 0): number {
  rate = Math.min(rate, 1e9);
  if (timeoutMs > 0) {
    const timed = Math.ceil(RING_SECONDS * Math.min(rate, 1000 / timeoutMs));
    const filled = Math.ceil(RING_SECONDS * rate * Math.min(V3_PACKET, snaplen + 64) / V3_BLOCK);
    return Math.min(MAX_RING, Math.max(MIN_RING, (timed + filled + 1) * V3_BLOCK));
  }
  const frame = snaplen + FRAME_OVERHEAD;
  const frames = Math.max(MIN_FRAMES, Math.ceil(rate * RING_SECONDS));
  return Math.min(MAX_RING, Math.max(MIN_RING, frames * frame));
}

/** How many packets a V2 ring of bytes holds at snaplen (about: libpcap's headers vary a little). */
export function ringFrames(bytes: number, snaplen: number): number {
  return Math.floor(bytes / (snaplen + FRAME_OVERHEAD));
}

/** How many blocks a V3 ring of bytes has (libpcap rounds up). */
export function ringBlocks(bytes: number): number {
  return Math.ceil(bytes / V3_BLOCK);
}

export const info: CommandInfo = {
  name: 'catch',
  summary: 'capture and validate replies: open, closed, unreachable and banner records',
  synopsis: '(-i IFACE | --pcap FILE) --key-file FILE [options]',
  options: [
    { name: 'interface', short: 'i', aliases: ['-e', 'adapter'], type: 'string', arg: 'IFACE', help: 'capture live on this interface (needs CAP_NET_RAW)' },
    IFLIST_OPTION,
    { name: 'pcap', type: 'string', arg: 'FILE', help: 'read a pcap or pcapng file instead (- = stdin, classic pcap)' },
    { name: 'key-file', type: 'string', arg: 'FILE', help: 'the key blast uses (trawl key)' },
    { ...SOURCE_IP_OPTION, help: 'our scan address or range (a-b, CIDR), IPv4 or IPv6, once per family; others are not ours (default: the interface\'s, any with --pcap)' },
    SOURCE_PORT_OPTION,
    { name: 'replies', type: 'string', arg: 'FIFO', help: 'ask blast for ACK+probe, ACKs and RSTs on FIFO (yours alone; created with mode 0600 if missing)' },
    { name: 'no-probe', type: 'boolean', help: 'with --replies: reset each open port instead of sending the probe (a SYN scan)' },
    NO_RST_OPTION,
    {
      name: 'rst-idle', type: 'number', arg: 'S', default: DEFAULT_RST_IDLE, help: 'reset a connection S seconds after its last segment (blast\'s timed queue)',
      check: (v: number) => (v > 0 && v <= 3600 ? undefined : `'${v}' must be above 0 and at most 3600`),
    },
    {
      name: 'dedup-window', type: 'number', arg: 'N', default: DEFAULT_DEDUP_WINDOW,
      help: `remember the last N replies to drop retransmissions (${DEDUP_BYTES_PER_KEY} bytes each, allocated at start, touched as replies come; ${DEDUP6_BYTES_PER_KEY} more for IPv6)`,
      check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 1 << 22 ? undefined : `'${v}' must be an integer from 1 to 4194304`),
    },
    MAX_BANNER_OPTION,
    {
      name: 'idle', type: 'number', arg: 'S', default: 0, help: 'stop after S seconds without a valid packet (0 = never)',
      check: (v: number) => (v >= 0 ? undefined : `'${v}' must be >= 0`),
    },
    { name: 'no-validate', type: 'boolean', help: 'decode captures of other tools: every SYN-ACK, RST, ICMP error, segment, marked validated: false' },
    {
      name: 'snaplen', type: 'number', arg: 'BYTES', help: `bytes captured per packet (default: --max-banner, at most ${MAX_SEGMENT}, + ${HEADROOM}, rounded up so the ring is --buffer bytes; 3968 with --no-probe)`,
      check: (v: number) => (Number.isInteger(v) && v >= 64 && v <= 262144 ? undefined : `'${v}' must be an integer from 64 to 262144`),
    },
    {
      name: 'rate', type: 'string', arg: 'PPS', check: checkBy(parseRate),
      help: `packets per second to expect (blast's --rate; scan passes its own): the ring holds ${RING_SECONDS} s of them (default: ${DEFAULT_RATE}, blast's)`,
    },
    {
      name: 'buffer', type: 'number', arg: 'BYTES', help: `kernel capture ring size for -i (default: from --rate, ${RING_SECONDS} s of packets, ${MIN_RING >> 20} to ${MAX_RING >> 20} MiB)`,
      check: (v: number) => (Number.isInteger(v) && v >= 1 << 16 ? undefined : `'${v}' must be an integer of at least 65536`),
    },
    {
      name: 'block-timeout', type: 'number', arg: 'MS', default: DEFAULT_BLOCK_TIMEOUT,
      help: 'for -i: a TPACKET_V3 ring whose blocks are handed over full or MS ms after their first packet (0 = immediate mode: a TPACKET_V2 ring, a snaplen frame per packet)',
      check: (v: number) => (Number.isInteger(v) && v >= 0 && v <= 1000 ? undefined : `'${v}' must be an integer from 0 to 1000`),
    },
    {
      name: 'output-buffer', type: 'number', arg: 'BYTES', default: 256 * 1024 * 1024,
      help: 'records queued for a slow reader of a pipe before catch waits for it (and stops capturing)',
      check: (v: number) => (Number.isInteger(v) && v >= 1 << 16 ? undefined : `'${v}' must be an integer of at least 65536`),
    },
    { name: 'packet-trace', type: 'boolean', help: 'a line on stderr for every packet read: what it was and what catch made of it (masscan\'s --packet-trace)' },
    { name: 'save', type: 'string', arg: 'FILE', help: 'write the packets captured to FILE as they come (pcapng if it ends in .pcapng, else pcap)' },
    { name: 'save-valid', type: 'boolean', help: 'with --save: only the packets that made a record or a request' },
    STATUS_NDJSON_OPTION,
    QUIET_OPTION,
    CONF_OPTION,
    ECHO_OPTION,
    HELP_OPTION,
  ],
};

function summary(c: Counters, drops: number, replies: RepliesOut | null, ring: string): string {
  const rej = REJECT_REASONS.filter((r) => c[r] > 0).map((r) => `${r} ${c[r]}`).join(', ');
  let s = `${c.received} packets: ${c.open} open, ${c.closed} closed, ${c.unreachable} unreachable, ${c.segment} segments` +
    ` (${c.offset} with offset); rejected ${c.rejected}${rej ? ` (${rej})` : ''}`;
  if (c.reanswer || c.repeat || c.beyond_limit) {
    s += `; ${c.reanswer} SYN-ACKs answered again, ${c.repeat} repeated connections, ${c.beyond_limit} segments past --max-banner`;
  }
  if (c.sent) s += `; ${c.sent} segments the scanner sent`;
  if (c.alive) s += `; ${c.alive} hosts alive (echo replies)`;
  if (c.udp_open + c.udp_closed + c.udp_unreachable) s += `; udp ${c.udp_open} open, ${c.udp_closed} closed, ${c.udp_unreachable} unreachable`;
  if (c.arp) s += `; arp ${c.arp} requests, ${c.arp_replies} answered`;
  if (c.ns) s += `; neighbor solicitations ${c.ns}, ${c.na_replies} answered`;
  if (replies) {
    s += `; requests ${replies.written} written (${c.req_probe} probes, ${c.req_ack} ACKs, ${c.req_rst} RSTs, ` +
      `${c.req_rst_later} idle RSTs), ${replies.dropped + c.requests_dropped} dropped`;
  }
  s += `; ${ring}kernel drops ${drops}`;
  return s;
}

// Records held for a slow reader of the pipe (--output-buffer): what catch's memory grows by when
// the next stage falls behind.
function queuedFields(out: import('stream').Writable): Record<string, number> {
  const q = queuedBytes(out);
  return q ? { output_queued: q.now, output_queued_peak: q.peak } : {};
}

export function run(argv: string[], io?: IO): Promise<number> {
  if (!io) holdYoungGeneration();   // catch is this process (not a test calling it)
  return runCommand(info, argv, io, async (opts, io, report) => {
    // Signals end the loop; the loop flushes. They are caught from the start: a SIGTERM while
    // catch opened its capture (the ring mapped, the loop not running yet) killed it with status
    // 143 and no summary (3 of 20 SIGTERMs sent within 10 ms of the ring's mapping).
    const waker: Waker = { wake: null };
    const intr = catchInterrupts({ keep: true, onSignal: () => waker.wake?.() });
    try {
      return await catchBody(opts, io, report, wasGiven(opts, 'source-port'), intr, waker);
    } finally { intr.dispose(); }
  });
}

/** What a signal or a readable capture calls to end the loop's wait, while it waits. */
interface Waker { wake: (() => void) | null }

async function catchBody(opts: Record<string, any>, io: IO, report: Reporter, portGiven: boolean, intr: Interrupt, waker: Waker): Promise<number> {
  if (opts.iflist) return printIflist(io);
  if (opts._.length) throw new UsageError(`unexpected argument '${opts._[0]}' (see --help)`);
  const iface: string | undefined = opts.interface;
  const file: string | undefined = opts.pcap;
  if (!iface === !file) throw new UsageError(iface ? 'give -i or --pcap, not both' : 'give -i IFACE or --pcap FILE');
  const validate = !opts['no-validate'];
  const range = parsePortRange(opts['source-port']) as PortRange;
  let key: Uint8Array | null = null;
  if (validate) {
    if (!opts['key-file']) throw new UsageError('--key-file FILE is required (or --no-validate for captures of other tools)');
    key = readKeyFile(opts['key-file']);
    const bits = bannerValidationBits(range.count);
    if (bits < 32) report.warn(`with ${range.count} source ports a banner carries ${bits.toFixed(1)} bits of validation (< 32)`);
  }
  const given = parseSources(opts['source-ip']);
  if (typeof given === 'string') throw new UsageError(`option --source-ip: ${given}`);
  const srcIp = given.v4 !== null ? parseIPv4(given.v4) as number : -1;
  const srcIp6 = given.v6 !== null ? addr6(given.v6) : null;
  const maxBanner: number = opts['max-banner'];
  // Whole segments up to the limit: on veth, GRO and the sender's GSO hand over up to 64 KiB at once.
  // With --no-probe no connection is ACKed, so none carries data: the smallest block (3,968
  // bytes), 8 times as many frames in the ring (an IPv6 SYN scan of a /112 at 100 kpps lost 529
  // to 6,413 SYN-ACKs to a full ring with 32 KiB frames, none in 4 runs with 4 KiB ones).
  const snaplen: number = opts.snaplen ?? ringSnaplen(opts['no-probe'] ? 0 : Math.min(maxBanner, MAX_SEGMENT) + HEADROOM);
  const blockTimeout: number = opts['block-timeout'];
  const ring: number = opts.buffer ?? ringBytes(opts.rate !== undefined ? parseRate(opts.rate) as number : DEFAULT_RATE, snaplen, blockTimeout);
  if (opts['save-valid'] && !opts.save) throw new UsageError('--save-valid needs --save FILE');
  if (opts['no-probe'] && !opts.replies) throw new UsageError('--no-probe needs --replies FIFO');
  const native = tryNative();

  let src: PacketSource;
  // Our addresses per family: --source-ip's, else (live) the interface's; null: any (--pcap).
  // A --source-ip range: n4 addresses from srcIp, n6 from srcIp6 (its last 32 bits counted on).
  const n4 = given.n4 ?? 1, n6 = given.n6 ?? 1;
  let ours: number[] | null = srcIp >= 0 ? Array.from({ length: n4 }, (_, k) => srcIp + k) : null;
  let ours6: Uint8Array[] | null = srcIp6 ? [srcIp6] : null;
  let arp: ArpResponder | null = null;
  let ndp: NdpResponder | null = null;
  if (iface) {
    const nat = requireLive(native);
    const facts = ifaceFacts(iface);
    ours ??= facts.ipv4;
    ours6 ??= facts.ipv6;
    if (ours.length === 0 && ours6.length === 0) throw new UsageError(`-i ${iface}: the interface has no IP address; give --source-ip`);
    // A layer-3 link (tun) has no ARP or NDP: the peer routes replies to any source to us.
    const layer3 = isLayer3Link(iface);
    const answerArp = !layer3 && srcIp >= 0 && (n4 > 1 || !facts.ipv4.includes(srcIp));
    const answerNdp = !layer3 && srcIp6 !== null && (n6 > 1 || !facts.ipv6.some((a) => Buffer.compare(a, srcIp6) === 0));
    const filter = captureFilter(ours, range.base, range.count, answerArp ? srcIp : null, ours6, answerNdp ? srcIp6 : null,
      srcIp6 ? n6 : 1, validate);
    try {
      // Solicitations for an address the kernel does not own go to a multicast group it has not
      // joined: the capture joins it, or a NIC's filter may drop them.
      src = new nat.Capture({ iface, snaplen, bufferBytes: ring, filter, blockTimeoutMs: blockTimeout,
        multicast: answerNdp ? solicitedNodeMacs(srcIp6!, n6) : undefined });
    } catch (e) {
      throw new UsageError(`-i ${iface}: ${(e as Error).message}`);
    }
    const s = src;
    if (answerArp) {
      arp = { ip: srcIp, count: n4, mac: facts.mac, inject: (f) => s.inject(f) };
      if (!opts.quiet) report.info(`answering ARP for ${given.v4} on ${iface} (not an address of the interface)`);
    }
    if (answerNdp) {
      ndp = { ip6: srcIp6!, count: n6, mac: facts.mac, inject: (f) => s.inject(f) };
      if (!opts.quiet) report.info(`answering Neighbor Solicitations for ${given.v6} on ${iface} (not an address of the interface)`);
    }
  } else {
    const o = openPcap(file!, io.stdin, native);
    src = o.src;
  }

  const replies = opts.replies && validate ? new RepliesOut(opts.replies, key!) : null;
  if (opts.replies && !validate) report.warn('--replies is ignored with --no-validate (nothing to answer)');
  // One native call per batch when the module is built (whichever reader feeds us).
  const cookies = !validate ? null : native
    ? nativeCookies(native, key!, range.base, range.count) : referenceCookies(key!, range.base, range.count);

  const engine = new CatchEngine({
    validate, ours, sportBase: range.base, sportCount: range.count, portFilter: validate || portGiven,
    maxBanner, dedupWindow: opts['dedup-window'], cookies, replies: replies !== null, arp, ours6, ours6Count: srcIp6 ? n6 : 1, ndp,
    echo: validate ? new EchoCookie(key!) : null, udpKey: validate ? key : null,
    probe: !opts['no-probe'], rst: !opts['no-rst'], idleMs: Math.round(opts['rst-idle'] * 1000),
    trace: opts['packet-trace'] ? (s: string) => { io.stderr.write(s); } : undefined,
    synAcks: validate && native ? nativeSynAcks(native, key!, range.base, range.count, ours, ours6, srcIp6 ? n6 : 1) : null,
    dedupPrefetch: native ? nativeDedupPrefetch(native) : null,
    dedupCheck: native ? nativeDedupCheck(native) : null,
  }, MAX_BATCH);
  const save = opts.save ? CaptureSave.open(opts.save, snaplen, opts['save-valid'] === true) : null;

  const out = queuedStdout(io, opts['output-buffer']);
  const w = new LineWriter(out);
  // A stream that copies each batch as it takes it lets the engine reuse its output buffer.
  engine.viewOutput = copiesAtOnce(out);
  const c = engine.counters;
  const drops = () => { try { const s = src.stats(); return s.dropped + s.ifdropped; } catch { return 0; } };
  const status = new Status('catch', io.stderr, () => ({
    fields: {
      received: c.received, valid: c.valid, rejected: c.rejected, open: c.open, closed: c.closed,
      unreachable: c.unreachable, segment: c.segment, alive: c.alive, duplicate: c.duplicate, kernel_drops: drops(),
      udp_open: c.udp_open, udp_closed: c.udp_closed, udp_unreachable: c.udp_unreachable,
      requests: replies ? replies.written : 0, requests_dropped: replies ? replies.dropped : 0,
      ...queuedFields(out),
      ...(iface ? { ring_bytes: ring, ...(blockTimeout > 0 ? { ring_blocks: ringBlocks(ring) } : { ring_packets: ringFrames(ring, snaplen) }) } : {}),
    },
    text: `${c.received} received, ${c.valid} valid, ${c.rejected} rejected, ${c.alive ? `${c.alive} alive, ` : ''}${drops()} kernel drops`,
  }), { quiet: opts.quiet, ndjson: opts['status-ndjson'] }).start();

  // SIGTERM is the normal way to stop a live catch (exit 0); a SIGINT, first or later, makes it
  // an interrupted run (exit 130). Files are read until the end; only a live capture or a stream
  // wakes us when data arrives.
  const onReadable = () => waker.wake?.();
  // A live capture wakes us once per wait (armed below): the fd stays readable while a batch is
  // worked on. A stream (--pcap -) calls on every chunk it reads.
  if (file === '-') src.onReadable(onReadable);

  const buf = new Uint8Array(Math.max(READ_BUFFER, snaplen * 4));
  const meta = new Uint32Array(3 * MAX_BATCH);
  const times = new Float64Array(MAX_BATCH);
  const idleMs = opts.idle * 1000;
  let lastValid = Date.now();
  let checkedLinktype = false;
  let damaged: string | null = null;   // a damaged record ended the file: "frame N: what"
  // Valid replies to an address not ours: said once, as they start, and in the summary.
  const notOurs = opts['source-ip'].length ? `--source-ip ${opts['source-ip'].join(' or ')}` : `an address of ${iface}`;
  let warnedOther = false;
  try {
    for (;;) {
      if (intr.signal || w.closed) break;
      let n: number;
      try { n = src.read(buf, meta, times, MAX_BATCH); } catch (e) {
        if (file && (damaged = damagedRecord(e))) break;
        throw file ? pcapError(file, e) : new FatalError(`-i ${iface}: ${(e as Error).message}`);
      }
      if (!checkedLinktype && n !== 0) {
        checkedLinktype = true;
        if (!linktypeSupported(src.linktype)) throw new UsageError(`${file ? `--pcap ${file}` : `-i ${iface}`}: unsupported link type ${src.linktype}`);
      }
      if (n > 0) {
        const out = engine.processBatch(src.linktype, buf, meta, times, n);
        save?.batch(src.linktype, buf, meta, times, n, engine);
        if (out.length) { const p = w.bytes(out); if (p) await p; }
        if (replies && engine.replyCount) replies.push(engine.replyBuf, engine.replyBytes);
        if (iface && !warnedOther && c.other_address > 0) { warnedOther = true; report.warn(otherAddressText(engine, notOurs)); }
        if (engine.takeValid() > 0) lastValid = Date.now();
        else if (idleMs > 0 && Date.now() - lastValid >= idleMs) break;   // traffic, but none of it ours
        // Let signals, the status timer and the writer run between batches.
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (n < 0) break;
      if (idleMs > 0 && Date.now() - lastValid >= idleMs) break;
      // Requests the pipe could not take wait for the next try: soon while some are pending (a
      // 64 KiB pipe holds about 600; one try per 100 ms left 34,883 of 58,537 RSTs undelivered
      // in a 65,536-port IPv6 scan at 100,000/s).
      const pending = replies ? !replies.flush() : false;
      await new Promise<void>((r) => {
        const t = setTimeout(() => { waker.wake = null; r(); }, pending ? 2 : idleMs > 0 ? Math.min(100, idleMs) : 100);
        waker.wake = () => { clearTimeout(t); waker.wake = null; r(); };
        if (iface) src.onReadable(onReadable, true);
      });
    }
  } finally {
    intr.dispose();
    status.stop();
  }
  // Give blast time to take what is still queued before counting it as dropped: as long as it
  // keeps taking requests, and 200 ms at most without progress.
  if (replies) {
    let taken = replies.written, since = Date.now();
    while (!replies.flush() && Date.now() - since < 200) {
      await new Promise((r) => setTimeout(r, 5));
      if (replies.written !== taken) { taken = replies.written; since = Date.now(); }
    }
    replies.close();
  }
  const kdrops = drops();
  save?.close(src.linktype);
  src.close();
  await w.end();
  if (damaged) report.error(`--pcap ${file === '-' ? 'stdin' : file}: ${damaged} (every packet before it was read)`);
  if (!opts.quiet) report.info(summary(c, kdrops, replies, iface ? `${ringText(ring, snaplen, blockTimeout)}, ` : ''));
  if (c.other_address > 0 && !opts.quiet) report.warn(otherAddressText(engine, notOurs));
  if (w.error) { report.error(`stdout: ${w.error.message}`); return EXIT_FAIL; }
  return intr.received.has('SIGINT') ? EXIT_INTERRUPTED : damaged ? EXIT_REJECTED : EXIT_OK;
}

/** The ring as the summary says it: "ring of 27 blocks of 256 KiB (6.8 MiB), 4 ms", or with
 *  --block-timeout 0 "ring of 1024 packets (4 MiB)". */
function ringText(bytes: number, snaplen: number, timeoutMs: number): string {
  const size = (b: number) => { const mib = b / (1 << 20); return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`; };
  if (timeoutMs > 0) return `ring of ${ringBlocks(bytes)} blocks of 256 KiB (${size(ringBlocks(bytes) * V3_BLOCK)}), ${timeoutMs} ms`;
  return `ring of ${ringFrames(bytes, snaplen)} packets (${size(bytes)})`;
}

/** What valid replies to addresses not ours mean, and what to do: they answer SYNs blast sent
 *  from an address catch was not given. */
function otherAddressText(engine: CatchEngine, ours: string): string {
  const n = engine.counters.other_address;
  const list = engine.otherAddresses();
  return `${n} ${n === 1 ? 'reply' : 'replies'} (valid cookies) to ${list.map((x) => x.address).join(', ')}, ` +
    `which ${list.length > 1 ? 'are' : 'is'} not ${ours}: give catch the --source-ip blast uses`;
}

// Groups joined at most for a range: past that the NIC must pass multicast by itself (veth,
// bridges and most drivers in promiscuous mode do).
const MAX_GROUPS = 256;

/** The Ethernet groups of the solicited-node multicast addresses (33:33:ff + the last 24 bits,
 *  RFC 4291 2.7.1 and RFC 2464 7) of the first min(count, MAX_GROUPS) addresses from a. */
function solicitedNodeMacs(a: Uint8Array, count: number): string[] {
  const low = ((a[13] << 16) | (a[14] << 8) | a[15]) >>> 0;
  return Array.from({ length: Math.min(count, MAX_GROUPS) }, (_, k) => {
    const v = (low + k) & 0xffffff;
    return ['33', '33', 'ff', (v >> 16).toString(16).padStart(2, '0'), ((v >> 8) & 255).toString(16).padStart(2, '0'),
      (v & 255).toString(16).padStart(2, '0')].join(':');
  });
}
