// One blast run as an object: opens the sender at the first target (whose route names the next
// hop), feeds every target to the send loop (engine.ts), and counts what it skipped, so that
// cmds/blast.ts is only options and glue. It is the TargetSink of reader.ts. IPv4 and IPv6
// targets mix in one run: the first target of each family sets up that family's source and
// next hop (shared/nexthop.ts), while the targets already queued go on being sent. On-link
// targets take the LAN pass (lan.ts) on their way to the send ring.
import { FatalError } from '../exit';
import { formatIPv4 } from '../ipv4';
import { formatIPv6, ipv6Bytes, ipv6FromBytes, parseIPv6 } from '../ipv6';
import { HopTarget, nextHopMac, routerMac } from '../nexthop';
import { interfaceIpv6 } from '../netinfo';
import type { Sources } from '../source-ip';
import type { AnyRecord } from '../records';
import type { Reporter } from '../report';
import { type ProbeInUse, payloadLength } from '../probes';
import { SLOTS } from '../cookie';
import type { Native, Sender, SynOptions, TxEngineName } from '../../native/index';
import { Engine } from './engine';
import { LanResolver, LanSink, OnLink } from './lan';
import type { Ours } from './arp-scan';
import { RepliesQueue } from './replies';
import { RstTimer } from './rst-timer';
import { DEFAULT_ENGINE, FALLBACK_ENGINE } from './options';
import { newParsedTarget, parseArpTarget, parseEchoTarget, parseTarget, walkSendRefusal } from './targets';
import { parseWalk, TargetWalk, WalkPlan } from '../targets/walk';
import { ICMP_ECHO_KEY } from '../targets/ports';
import { parseMac } from '../packet/arp';
import { parseIPv4 } from '../ipv4';
import type { TargetSink } from './reader';
import { parseUdpTarget, udpRingSlots } from './udp';
import { UDP_RING_MARK, type UdpPlan } from '../udp/plan';
import { checkTargetName } from '../targets/name';
import { NameTable } from './names';

export interface SessionConfig {
  native: Native;
  key: Uint8Array;
  iface: string | undefined;
  pcap: string | undefined;       // write frames to this file instead of sending
  sources: Sources;               // our address of each family (null: targets of that family are an error)
  srcMac: string;
  routerMac: string | undefined;
  routerIps: { v4: string | null; v6: string | null };   // --router-ip per family
  layer3: boolean;                // the link carries bare IP packets (tun): no Ethernet header, no ARP/NDP
  sportBase: number;
  sportCount: number;
  rate: number;                   // probes per second
  maxPacketRate: number;          // every packet per second, 0 for no cap
  trace?: (line: string) => void; // --packet-trace
  ttl: number;
  synOptions: SynOptions;
  engine?: TxEngineName;          // --engine; absent: DEFAULT_ENGINE, FALLBACK_ENGINE where it cannot start
  attempts: number;
  lingerMs: number;
  probes: ProbeInUse[];
  slotForPort: (port: number) => number;
  /** Every probe's slot on a port (several: one SYN, one connection, each); absent: slotForPort's alone. */
  slotsForPort?: (port: number) => number[];
  allowSpecial: boolean;          // send to 0.0.0.0/8, loopback, multicast, broadcast too
  onFailure: () => void;          // the sender failed (a full disk): stop the input
  /** The LAN pass (--arp-timeout, --arp-queue), or null for none (every frame to the next hop). */
  lan?: { timeoutMs: number; queueMax: number } | null;
  /** UDP payloads (proto udp targets: shared/udp/plan.ts); absent: UDP targets are refused by line. */
  udp?: UdpPlan | null;
  /** The names of named targets (a target record's `name`), kept until their probe is asked
   *  for (names.ts); absent: names are checked but not kept (no probe is sent without --replies). */
  names?: NameTable | null;
  /** Writes one record on stdout (unreachable on-link targets); a promise: wait for room. */
  record?: (rec: Record<string, unknown>) => Promise<void> | undefined;
}

type SenderStats = ReturnType<Sender['stats']>;

export class BlastSession implements TargetSink {
  sender: Sender | null = null;
  engine: Engine | null = null;
  interrupted = false;
  /** Targets accepted (v6 of them IPv6), non-target records ignored, bad target records. */
  count = 0;
  v6 = 0;
  skipped = 0;
  badTargets = 0;
  echoes = 0;   // of count, ICMP echo targets (proto icmp)
  /** Targets of the walk records read so far (shared/targets/walk.ts): the run's total. */
  walkTotal = 0;
  udp = 0;      // of count, UDP targets (proto udp)
  private udpSlots: Uint8Array | null = null;   // UDP port -> ring slot (udp.ts)
  arps = 0;     // of count, ARP targets (proto arp: the ARP scan, asked by the LAN pass)
  offLink = 0;  // arp targets refused: not on the link (in badTargets too)
  offLinkWhy = '';
  private loop: Promise<void> | null = null;
  private openedAt = 0;   // performance.now() when the sender opened (an ARP scan's time)
  private sinceYield = 0;
  private parsed = newParsedTarget();
  private slotOf = new Uint8Array(65536);
  // The ports with more than one probe: their other slots (rare: --probe PORTS:A,B).
  private moreSlots = new Map<number, number[]>();
  // Families whose source and next hop are set up (4 and 6), and the setup under way.
  private ready = new Set<number>();
  private starting: Promise<void> | null = null;
  // A family that could not be set up once the run had begun (no source, a silent next hop):
  // the run stops as on a sender failure, saying where to resume.
  private setupError: Error | null = null;

  readonly allowSpecial: boolean;
  /** The LAN pass, when the interface has on-link routes and no next hop was forced. */
  readonly lan: LanResolver | null = null;

  constructor(private cfg: SessionConfig, readonly replies: RepliesQueue | null, private report: Reporter,
    readonly timer: RstTimer | null = null) {
    this.allowSpecial = cfg.allowSpecial;
    // --router-mac and --router-ip send every frame to the one next hop they name, as before.
    if (cfg.lan && cfg.iface && !cfg.layer3 && !cfg.routerMac && !cfg.routerIps.v4 && !cfg.routerIps.v6) {
      const onLink = new OnLink(cfg.iface);
      if (onLink.any) {
        const from6 = interfaceIpv6(cfg.iface).linkLocal;
        this.lan = new LanResolver(onLink, cfg.native, cfg.iface, !cfg.pcap, {
          timeoutMs: cfg.lan.timeoutMs, queueMax: cfg.lan.queueMax, rate: cfg.rate, from6, ours: ours(cfg, from6),
        }, this.lanSink());
      }
    }
    for (let p = 0; p < 65536; p++) this.slotOf[p] = cfg.sportCount < SLOTS ? 0 : cfg.slotForPort(p);
    if (cfg.slotsForPort && cfg.sportCount >= SLOTS) {
      for (let p = 0; p < 65536; p++) { const all = cfg.slotsForPort(p); if (all.length > 1) this.moreSlots.set(p, all.slice(1)); }
    }
  }

  /** The bytes of the probe sent on slot to daddr, or daddr6 when IPv6 (the sender inserts the
   *  address, dotted or in brackets, into a template): where the RST after it lies. */
  probeLength(slot: number, daddr: number, daddr6?: Uint8Array): number {
    const probes = this.cfg.probes;
    const p = this.cfg.sportCount < SLOTS ? probes[0] : probes.find((x) => x.slot === slot);
    if (!p) return 0;
    if (!p.payload.after) return p.payload.before.length;
    // IPv6 in brackets unless bare, as the sender writes it (shared/probes).
    return payloadLength(p.payload, daddr6 ? { v6: true, text: formatIPv6(ipv6FromBytes(daddr6)) } : { v6: false, text: formatIPv4(daddr) });
  }

  /** A canonical target from the reader's fast path. */
  target(ip: number, port: number, i: number): void | Promise<void> {
    if (this.interrupted) return undefined;
    if (port === 0) this.echoes++;   // the reader's echo target
    return this.accept(ip, port, i);
  }

  /** Any other record: a target in another spelling is checked and sent, the rest counted. */
  record(rec: AnyRecord, line: number): void | Promise<void> {
    if (this.interrupted) return undefined;
    if (rec.type === 'walk') return this.walk(rec, line);
    if (rec.type !== 'target') { this.skipped++; return undefined; }
    const t = this.parsed, udp = rec.proto === 'udp';
    if (rec.proto === 'arp') return this.arpTarget(rec, line);
    const r = rec.proto === 'icmp' ? parseEchoTarget(rec, t, this.cfg.allowSpecial)
      : udp ? (this.cfg.udp ? parseUdpTarget(rec, t, this.cfg.sportCount, this.cfg.allowSpecial) : 'this blast sends no UDP: not sent')
      : parseTarget(rec, t, this.cfg.allowSpecial);
    if (typeof r === 'string') { this.badTargets++; this.report.error(`stdin:${line}: ${r}`); return undefined; }
    // A named target (the record path only: a walk record and the fast path carry no names).
    // A bad name is refused with the target: sent without it, its banner would be the
    // address's default site under the name's line.
    if (rec.name !== undefined) {
      const bad = checkTargetName(rec.name);
      if (bad) { this.badTargets++; this.report.error(`stdin:${line}: ${bad}: not sent`); return undefined; }
      const names = this.cfg.names;
      if (names && !udp && t.port !== 0) names.add(t.family === 4 ? NameTable.key4(t.ip, t.port) : NameTable.key6(t.ip6, 0, t.port), rec.name as string);
    }
    if (t.port === 0) this.echoes++;
    let slot = -1;
    if (udp) {
      this.udp++;
      this.udpSlots ??= udpRingSlots(this.cfg.udp!);
      slot = this.udpSlots[t.port];
    }
    if (t.family === 4) return this.accept(t.ip, t.port, t.i, slot);
    return this.accept6(t.ip6, t.port, t.i, slot);
  }

  /** A walk record: every target of its plan, walked here in batches (no line per target). */
  private async walk(rec: AnyRecord, line: number): Promise<void> {
    const plan = parseWalk(rec);
    const why = typeof plan === 'string' ? plan : walkSendRefusal(plan, this.cfg.allowSpecial, !!this.cfg.udp, this.cfg.sportCount);
    if (why) { this.badTargets++; this.report.error(`stdin:${line}: ${why}: not sent`); return; }
    const w = new TargetWalk(plan as WalkPlan);
    if (process.env.TRAWL_NO_NATIVE_WALK !== '1') w.useNative(this.cfg.native.walkFill);
    this.walkTotal += w.remaining;
    // TCP ports only (UDP and echo targets take their own ring slots, one by one).
    const tcp = (plan as WalkPlan).ports.every((key) => key < 65536);
    const { v4, v6 } = (plan as WalkPlan).set, has4 = v4.length > 0, has6 = v6.length > 0;
    // Whether a target of this walk may be on the link: only then is each one looked at (is6
    // costs BigInts a target), once for the whole plan otherwise.
    const on = this.lan?.onLink;
    const nearLink = !!on && (v4.some((iv) => on.touches4(Number(iv.first), Number(iv.last))) || v6.some((iv) => on.touches6(iv.first, iv.last)));
    // A batch the size of the engine's (maxBatch), and one turn of the event loop per batch
    // rather than yieldNow's one per 256 targets: the send loop then finds whole batches in the
    // ring (measured into --pcap /dev/null at --rate max: 742 targets per send call with 256,
    // and 4.5 -> 5.3 M SYNs/s).
    const B = 4096;
    const fam = new Uint8Array(B), ips = new Uint32Array(B), a6 = new Uint8Array(B * 16), keys = new Uint32Array(B), idx = new Float64Array(B);
    for (;;) {
      const n = this.interrupted ? 0 : w.fill(B, fam, ips, a6, keys, idx);
      if (n === 0) return;
      this.sinceYield = -n;
      if (tcp && this.bulkReady(has4, has6, nearLink, fam, ips, a6, n)) {
        if (!await this.pushBatch(fam, ips, a6, keys, idx, n, has6)) return;
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      for (let k = 0; k < n; k++) {
        if (this.interrupted) return;
        // An echo target is port 0 in the send ring (parseEchoTarget); a UDP one has its payload's
        // ring slot (udp.ts).
        const key = keys[k];
        let port = key, slot = -1;
        if (key === ICMP_ECHO_KEY) { port = 0; this.echoes++; }
        else if (key >= 65536) {
          port = key - 65536;
          this.udp++;
          this.udpSlots ??= udpRingSlots(this.cfg.udp!);
          slot = this.udpSlots[port];
        }
        const r = fam[k] === 4 ? this.accept(ips[k], port, idx[k], slot) : this.accept6(a6.subarray(k * 16, k * 16 + 16), port, idx[k], slot);
        if (r) await r;
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  // Whether a walk batch may go to the ring in bulk: one probe per port, the engine ready for
  // its families, and no target on the link (those wait for the LAN pass, one by one); nearLink:
  // the walk's ranges touch the link, so its targets are looked at one by one.
  private bulkReady(has4: boolean, has6: boolean, nearLink: boolean, fam: Uint8Array, ips: Uint32Array, a6: Uint8Array, n: number): boolean {
    if (!this.engine || this.moreSlots.size || (has4 && !this.ready.has(4)) || (has6 && !this.ready.has(6))) return false;
    const on = this.lan?.onLink;
    if (on && nearLink) {
      for (let k = 0; k < n; k++) if (fam[k] === 4 ? on.is4(ips[k]) : on.is6(a6.subarray(16 * k, 16 * k + 16))) return false;
    }
    return true;
  }

  // A walk batch into the send ring in bulk, waiting for room as push does; false once
  // interrupted. Counted as accept() counts the targets it takes.
  private async pushBatch(fam: Uint8Array, ips: Uint32Array, a6: Uint8Array, ports: Uint32Array, idx: Float64Array, n: number, v6: boolean): Promise<boolean> {
    const e = this.engine!;
    for (let k = 0; k < n;) {
      if (this.interrupted) return false;
      const m = e.pushMany(fam, ips, a6, ports, this.slotOf, idx, k, n, v6);
      this.count += m;
      if (v6) for (let j = k; j < k + m; j++) if (fam[j] === 6) this.v6++;
      k += m;
      if (k < n) { const r = e.room(); if (r) await r; }
    }
    return true;
  }

  // An arp target: its address is asked by the LAN pass (on-link addresses only), and an answer
  // is an alive record; nothing goes to the send ring.
  private arpTarget(rec: AnyRecord, line: number): void | Promise<void> {
    const t = this.parsed, cfg = this.cfg;
    let r = parseArpTarget(rec, t, cfg.allowSpecial);
    if (r === 0) {
      const on = this.lan && (t.family === 4 ? this.lan.onLink.is4(t.ip) : this.lan.onLink.is6(t.ip6));
      if (!on) {
        this.badTargets++;
        this.offLinkWhy = this.lan ? `not on the link of ${cfg.iface} (no route without a gateway covers it)`
          : cfg.layer3 ? `${cfg.iface} carries bare IP packets: no neighbours to ask` : cfg.iface ? 'the LAN pass is off (--router-mac or --router-ip)' : 'no interface';
        // A whole range off the link would be a line each: the first few are named, the rest counted.
        if (++this.offLink <= MAX_OFF_LINK_NAMED) {
          this.report.error(`stdin:${line}: arp target ${rec.ip}: ${this.offLinkWhy}: not asked` +
            `${this.offLink === MAX_OFF_LINK_NAMED ? ` (more such lines are counted in the summary, not named)` : ''}`);
        }
        return undefined;
      }
    }
    if (typeof r === 'string') { this.badTargets++; this.report.error(`stdin:${line}: ${r}`); return undefined; }
    const i = t.i >= 0 ? t.i : this.count;
    this.count++;
    this.arps++;
    const lan = this.lan!;
    if (t.family === 6) this.v6++;
    // A copy: the parsed target is reused by the next line while this one may wait.
    const fam = t.family, ip = t.ip, copy = fam === 6 ? t.ip6.slice(0, 16) : null;
    const ask = () => lan.scanAddress(fam, ip, copy, 0, i);
    if (!this.engine || !this.ready.has(fam)) return this.first(fam === 4 ? { family: 4, ip } : { family: 6, ip: formatIPv6(ipv6FromBytes(copy!)) }, ask);
    return this.yieldNow(ask());
  }

  /** Stops sending at once (a signal): the loop ends after its batch. */
  interrupt(): void {
    this.interrupted = true;
    this.lan?.stop();
    this.engine?.stop();
  }

  /** Input is over: waits for the LAN pass to release or report every on-link target, then for
   *  the loop to send what is queued (and linger for replies). */
  async finish(): Promise<void> {
    if (this.lan) { await this.lan.drain(); this.lan.stop(); }
    if (!this.engine) return;
    this.engine.endInput();
    await this.loop;
  }

  stats(): SenderStats | null { return this.sender ? this.sender.stats() : null; }

  /** Why the run stopped early, as the user's message, or null. */
  failure(): string | null {
    if (this.setupError) return this.setupError.message;
    const f = this.engine?.failure, cfg = this.cfg;
    return f ? `${cfg.pcap ? `--pcap ${cfg.pcap}` : `-i ${cfg.iface}`}: ${f.message}` : null;
  }

  /** The index to resume from after an interrupt, or null when every target was sent. */
  resumeIndex(): number | null {
    const e = this.engine ? this.engine.resumeIndex() : this.count, held = this.lan?.oldest() ?? null;
    return held === null ? e : e === null ? held : Math.min(e, held);
  }

  close(): void { this.sender?.close(); }

  /** The closing line on stderr, or null when nothing was sent. */
  summary(): string | null {
    const e = this.engine, st = this.stats();
    if (!e || !st) return null;
    const secs = (e.lastSendAt - e.firstSendAt) / 1000;
    // ARP requests and Neighbor Solicitations go out on their own budget: not in the SYNs' rate.
    const pps = secs > 0 ? Math.round((st.sent - (st.resolves_sent ?? 0) - 1) / secs) : 0;
    const rs = this.timer?.stats;
    const extra = [
      e.resent ? `${e.resent} repeats` : '', st.replies_sent ? `${st.replies_sent} replies` : '',
      rs && rs.fired + rs.early + rs.at_exit ? `${rs.fired + rs.early + rs.at_exit} idle RSTs (${rs.early} early: queue full, ` +
        `${rs.at_exit} early: at exit)` : '',
      st.replies_rejected ? `${st.replies_rejected} reply requests rejected` : '',
      st.errors ? `${st.errors} send errors` : '', this.v6 ? `${this.v6} to IPv6 targets` : '',
      this.skipped ? `${this.skipped} non-target records ignored` : '',
      this.lan ? this.lanSummary() : '',
    ].filter(Boolean);
    if (this.arps) extra.unshift(this.arpSummary());
    if (this.arps === this.count) return `${this.arpSummary()} in ${((performance.now() - this.openedAt) / 1000).toFixed(2)} s`;
    const kinds = [this.count - this.echoes - this.udp - this.arps > 0 ? 'SYNs' : '', this.udp ? 'UDP datagrams' : '', this.echoes ? 'echo requests' : '']
      .filter(Boolean);
    const what = kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]}` : kinds[0] ?? 'SYNs';
    return `sent ${e.syns} ${what}${extra.length ? ` (${extra.join(', ')})` : ''} in ${secs.toFixed(2)} s, ${pps} packets/s`;
  }

  // Every IPv4 target, whichever path decoded it, ends here.
  // udpSlot: a UDP target's ring slot (udp.ts), -1 for TCP and echo targets.
  private accept(ip: number, port: number, index: number, udpSlot = -1): void | Promise<void> {
    const i = index >= 0 ? index : this.count;
    this.count++;
    const e = this.engine;
    const more = udpSlot < 0 && this.moreSlots.size ? this.moreSlots.get(port) : undefined;
    const slot0 = udpSlot < 0 ? this.slotOf[port] : udpSlot;
    const lan = this.lan && this.lan.onLink.is4(ip) ? this.lan : null;
    // The common case, one probe on a ready engine: no closure per target.
    if (!more && !lan && e && this.ready.has(4)) return this.yieldNow(e.push(ip, port, slot0, i));
    const one = lan ? (slot: number) => lan.hold(4, ip, null, 0, port, slot, i) : (slot: number) => this.engine!.push(ip, port, slot, i);
    const push = () => (more ? this.pushEach(more, one, one(slot0)) : one(slot0));
    if (!e || !this.ready.has(4)) return this.first({ family: 4, ip }, push);
    return this.yieldNow(push());
  }

  /** After the first SYN of a target (its push's result), one per other slot, each in turn
   *  waiting for room in the ring. */
  private pushEach(slots: number[], push: (slot: number) => Promise<void> | undefined, first: Promise<void> | undefined): Promise<void> | undefined {
    let wait = first;
    for (const slot of slots) wait = wait ? wait.then(() => push(slot)) : push(slot);
    return wait;
  }

  // Every IPv6 target ends here (addr is reused by the caller: the ring copies it).
  private accept6(addr: Uint8Array, port: number, index: number, udpSlot = -1): void | Promise<void> {
    const i = index >= 0 ? index : this.count;
    this.count++;
    this.v6++;
    const e = this.engine;
    const more = udpSlot < 0 && this.moreSlots.size ? this.moreSlots.get(port) : undefined;
    const slot0 = udpSlot < 0 ? this.slotOf[port] : udpSlot;
    const lan = this.lan && this.lan.onLink.is6(addr) ? this.lan : null;
    if (!e || !this.ready.has(6) || more || lan) {
      // A copy: the caller reuses addr, and the first SYN (or the others) may wait.
      const copy = addr.slice(0, 16);
      const one = lan ? (slot: number) => lan.hold(6, 0, copy, 0, port, slot, i) : (slot: number) => this.engine!.push6(copy, 0, port, slot, i);
      const push = () => (more ? this.pushEach(more, one, one(slot0)) : one(slot0));
      if (!e || !this.ready.has(6)) return this.first({ family: 6, ip: formatIPv6(ipv6FromBytes(copy)) }, push);
      return this.yieldNow(push());
    }
    return this.yieldNow(e.push6(addr, 0, port, slot0, i));
  }

  private yieldNow(p: Promise<void> | undefined): void | Promise<void> {
    if (p) return p;
    // A chunk of buffered stdin is parsed in one run of microtasks: yield now and then so
    // the send loop's timer is not held up (a 60-90 ms stall measured without this).
    if (++this.sinceYield >= 256) { this.sinceYield = 0; return new Promise<void>((r) => setImmediate(r)); }
    return undefined;
  }

  // The first target of a family: set up the family (and the sender, at the very first), then
  // queue the target. The reader waits meanwhile; the loop goes on sending what is queued.
  private async first(to: HopTarget, push: () => Promise<void> | undefined): Promise<void> {
    while (this.starting) await this.starting;
    if (this.setupError) return;
    if (!this.ready.has(to.family)) {
      this.starting = this.setUp(to);
      try { await this.starting; } catch (e) {
        if (!this.engine) throw e;   // nothing was sent yet: the command fails as it is
        this.setupError = e as Error;
        this.cfg.onFailure();
        return;
      } finally { this.starting = null; }
    }
    const p = push();
    if (p) await p;
  }

  private async setUp(to: HopTarget): Promise<void> {
    const cfg = this.cfg;
    const srcIp = to.family === 4 ? cfg.sources.v4 : cfg.sources.v6;
    if (!srcIp) {
      throw new FatalError(`IPv${to.family} target ${to.family === 4 ? formatIPv4(to.ip) : to.ip}: no IPv${to.family} source address` +
        `${cfg.iface ? ` on ${cfg.iface}` : ''}: give --source-ip ADDR`);
    }
    // An on-link first target has its own MAC (the LAN pass): the family's next hop is the router.
    const onLink = this.lan && (to.family === 4 ? this.lan.onLink.is4(to.ip) : this.lan.onLink.is6(ipv6Bytes16(to.ip)));
    const dstMac = onLink ? await routerMac(cfg, to.family, srcIp, this.report) : await nextHopMac(cfg, to, srcIp, this.report);
    const count = (to.family === 4 ? cfg.sources.n4 : cfg.sources.n6) ?? 1;
    if (this.sender) this.sender.setSource(to.family, srcIp, dstMac, count);
    else this.open(to.family, srcIp, dstMac, count);
    this.lan?.attach(this.sender!, to.family);
    this.ready.add(to.family);
  }

  // Where the LAN pass hands its targets: the send ring, or an unreachable record on stdout.
  private lanSink(): LanSink {
    return {
      // The reader pushes to the same ring: the engine waits for room when it is full (two producers).
      release: (family, ip, addrs6, off, port, slot, i) => (family === 4 ? this.engine!.push(ip, port, slot, i)
        : this.engine!.push6(addrs6!, off, port, slot, i)),
      unreachable: (family, ip, addrs6, off, port, slot) => this.cfg.record?.({
        type: 'unreachable', ip: family === 4 ? formatIPv4(ip) : formatIPv6(ipv6FromBytes(addrs6!, off)),
        // port 0: an echo target; a marked slot: a UDP one
        ...(port === 0 ? { proto: 'icmp' } : slot >= UDP_RING_MARK ? { port, proto: 'udp' } : { port }),
        reason: family === 4 ? 'arp_timeout' : 'ndp_timeout', time_us: Date.now() * 1000,
      }),
      alive: (rec) => { void this.cfg.record?.(rec); },
    };
  }

  private arpSummary(): string {
    const s = this.lan!.stats, st = this.stats();
    return `ARP scan: ${s.scanned} addresses asked (${st?.resolves_sent ?? 0} ARP/NDP requests in all), ${s.alive} alive` +
      `${s.foreign ? `, ${s.foreign} answers not addressed to us ignored` : ''}`;
  }

  private lanSummary(): string {
    const s = this.lan!.stats;
    if (!s.targets) return '';
    return `${s.targets} targets on the link: ${s.kernel} MACs from the kernel, ${s.asked} addresses asked, ${s.answered} answered, ` +
      `${s.silent} silent, ${s.unreachable} targets unreachable`;
  }

  // The very first target: open the sender with its family's source, start the loop.
  private open(family: 4 | 6, srcIp: string, dstMac: string, count: number): void {
    const cfg = this.cfg;
    let sender: Sender;
    const make = (engine: TxEngineName) => new cfg.native.Sender({
      iface: cfg.pcap ? undefined : cfg.iface, pcapFile: cfg.pcap, srcMac: cfg.srcMac, dstMac,
      ...(family === 4 ? { srcIp, srcCount: count } : { srcIp6: srcIp, srcCount6: count }),
      ttl: cfg.ttl, synOptions: cfg.synOptions, key: cfg.key, sportBase: cfg.sportBase, sportCount: cfg.sportCount,
      ...(cfg.layer3 ? { linkHeader: false } : {}), engine,
    });
    try {
      try {
        // A layer-3 link (tun) takes sendmmsg only (native/src/tx-engine.h).
        sender = make(cfg.engine ?? (cfg.layer3 ? FALLBACK_ENGINE : DEFAULT_ENGINE));
      } catch (e) {
        if (cfg.engine || (e as { code?: string }).code !== 'EENGINE') throw e;
        this.report.warn(`${(e as Error).message}: sending with ${FALLBACK_ENGINE} (--engine chooses)`);
        sender = make(FALLBACK_ENGINE);
      }
    } catch (e) {
      throw new FatalError(`${cfg.pcap ? `--pcap ${cfg.pcap}` : `-i ${cfg.iface}`}: ${(e as Error).message}`);
    }
    this.sender = sender;
    this.openedAt = performance.now();
    // Fewer than 16 source ports carry no slot: every connection is slot 0, so the one
    // probe in use goes there.
    const probes = cfg.probes;
    if (cfg.sportCount < SLOTS) sender.setProbe(0, probes[0].payload.before, probes[0].payload.after);
    else for (const p of probes) sender.setProbe(p.slot, p.payload.before, p.payload.after, p.payload.fix && Uint16Array.from(p.payload.fix), p.payload.bare);
    // Every UDP payload, once: a UDP target's slot picks one (slot 15: by port) in native code.
    if (cfg.udp) for (const u of cfg.udp.payloads()) sender.setUdpPayload(u.slot, u.payload.bytes, u.payload.id?.offset ?? -1, u.payload.id?.len ?? 0, u.port);
    const engine = new Engine(sender, this.replies, {
      rate: cfg.rate, maxPacketRate: cfg.maxPacketRate, trace: cfg.trace, attempts: cfg.attempts, lingerMs: this.replies ? cfg.lingerMs : 0, minBatch: 2048,
    }, undefined, this.timer);
    this.engine = engine;
    if (this.interrupted) engine.stop();
    this.loop = engine.run().then(() => { if (engine.failure) this.cfg.onFailure(); });
  }
}

/** Off-link arp targets named on stderr before the rest are only counted. */
const MAX_OFF_LINK_NAMED = 10;

/** Our side of the link, for the ARP scan's check of answers (arp-scan.ts). */
function ours(cfg: SessionConfig, from6: string | null): Ours {
  const ip4 = cfg.sources.v4 ? parseIPv4(cfg.sources.v4) : null;
  return {
    mac: parseMac(cfg.srcMac) ?? new Uint8Array(6),
    ip4: typeof ip4 === 'number' ? ip4 : null,
    ip6: [from6, cfg.sources.v6].filter((a): a is string => !!a).map(ipv6Bytes16),
  };
}

/** The 16 bytes of an IPv6 address in text. */
function ipv6Bytes16(s: string): Uint8Array {
  const a = new Uint8Array(16);
  ipv6Bytes(parseIPv6(s) as bigint, a);
  return a;
}
