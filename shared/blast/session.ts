// One blast run as an object: opens the sender at the first target (whose route names the next
// hop), feeds every target to the send loop (engine.ts), and counts what it skipped, so that
// cmds/blast.ts is only options and glue. It is the TargetSink of reader.ts.
import { FatalError } from '../exit';
import { formatIPv4 } from '../ipv4';
import { neighborMac, readRoutes, routeFor } from '../netinfo';
import type { AnyRecord } from '../records';
import type { Reporter } from '../report';
import type { ProbeInUse } from '../probes';
import { SLOTS } from '../cookie';
import type { Native, Sender, SynOptions } from '../../native/index';
import { Engine } from './engine';
import { RepliesQueue } from './replies';
import { RstTimer } from './rst-timer';
import { IPV6, parseTarget, ParsedTarget } from './targets';
import type { TargetSink } from './reader';

export interface SessionConfig {
  native: Native;
  key: Uint8Array;
  iface: string | undefined;
  pcap: string | undefined;       // write frames to this file instead of sending
  srcIp: string;
  srcMac: string;
  routerMac: string | undefined;
  sportBase: number;
  sportCount: number;
  rate: number;
  ttl: number;
  synOptions: SynOptions;
  attempts: number;
  lingerMs: number;
  probes: ProbeInUse[];
  slotForPort: (port: number) => number;
  allowSpecial: boolean;          // send to 0.0.0.0/8, loopback, multicast, broadcast too
  onFailure: () => void;          // the sender failed (a full disk): stop the input
}

type SenderStats = ReturnType<Sender['stats']>;

export class BlastSession implements TargetSink {
  sender: Sender | null = null;
  engine: Engine | null = null;
  interrupted = false;
  /** Targets accepted, IPv6 targets skipped, non-target records ignored, bad target records. */
  count = 0;
  v6 = 0;
  skipped = 0;
  badTargets = 0;
  private loop: Promise<void> | null = null;
  private sinceYield = 0;
  private parsed: ParsedTarget = { ip: 0, port: 0, i: 0 };
  private slotOf = new Uint8Array(65536);

  readonly allowSpecial: boolean;

  constructor(private cfg: SessionConfig, readonly replies: RepliesQueue | null, private report: Reporter,
    readonly timer: RstTimer | null = null) {
    this.allowSpecial = cfg.allowSpecial;
    for (let p = 0; p < 65536; p++) this.slotOf[p] = cfg.sportCount < SLOTS ? 0 : cfg.slotForPort(p);
  }

  /** The bytes of the probe sent on slot to daddr (the sender inserts the dotted address into a
   *  template): where the RST after it lies. */
  probeLength(slot: number, daddr: number): number {
    const probes = this.cfg.probes;
    const p = this.cfg.sportCount < SLOTS ? probes[0] : probes.find((x) => x.slot === slot);
    if (!p) return 0;
    const { before, after } = p.payload;
    return before.length + (after ? after.length + formatIPv4(daddr).length : 0);
  }

  /** A canonical target from the reader's fast path. */
  target(ip: number, port: number, i: number): void | Promise<void> {
    return this.interrupted ? undefined : this.accept(ip, port, i);
  }

  /** Any other record: a target in another spelling is checked and sent, the rest counted. */
  record(rec: AnyRecord, line: number): void | Promise<void> {
    if (this.interrupted) return undefined;
    if (rec.type !== 'target') { this.skipped++; return undefined; }
    const t = this.parsed;
    const r = parseTarget(rec, t, this.cfg.allowSpecial);
    if (r === IPV6) {
      if (this.v6++ === 0) this.report.warn(`stdin:${line}: IPv6 targets are not sent (counted in the summary)`);
      return undefined;
    }
    if (typeof r === 'string') { this.badTargets++; this.report.error(`stdin:${line}: ${r}`); return undefined; }
    return this.accept(t.ip, t.port, t.i);
  }

  /** Stops sending at once (a signal): the loop ends after its batch. */
  interrupt(): void {
    this.interrupted = true;
    this.engine?.stop();
  }

  /** Input is over: waits for the loop to send what is queued (and linger for replies). */
  async finish(): Promise<void> {
    if (!this.engine) return;
    this.engine.endInput();
    await this.loop;
  }

  stats(): SenderStats | null { return this.sender ? this.sender.stats() : null; }

  /** The index to resume from after an interrupt, or null when every target was sent. */
  resumeIndex(): number | null { return this.engine ? this.engine.resumeIndex() : this.count; }

  close(): void { this.sender?.close(); }

  /** The closing line on stderr, or null when nothing was sent. */
  summary(): string | null {
    const e = this.engine, st = this.stats();
    if (!e || !st) return null;
    const secs = (e.lastSendAt - e.firstSendAt) / 1000;
    const pps = secs > 0 ? Math.round((st.sent - 1) / secs) : 0;
    const rs = this.timer?.stats;
    const extra = [
      e.resent ? `${e.resent} repeats` : '', st.replies_sent ? `${st.replies_sent} replies` : '',
      rs && rs.fired + rs.early + rs.at_exit ? `${rs.fired + rs.early + rs.at_exit} idle RSTs (${rs.early} early: queue full, ` +
        `${rs.at_exit} early: at exit)` : '',
      st.replies_rejected ? `${st.replies_rejected} reply requests rejected` : '',
      st.errors ? `${st.errors} send errors` : '', this.v6 ? `${this.v6} IPv6 targets skipped` : '',
      this.skipped ? `${this.skipped} non-target records ignored` : '',
    ].filter(Boolean);
    return `sent ${e.syns} SYNs${extra.length ? ` (${extra.join(', ')})` : ''} in ${secs.toFixed(2)} s, ${pps} packets/s`;
  }

  // Every target, whichever path decoded it, ends here.
  private accept(ip: number, port: number, index: number): void | Promise<void> {
    const i = index >= 0 ? index : this.count;
    this.count++;
    const e = this.engine;
    if (!e) return this.start(ip, port, i);
    const p = e.push(ip, port, this.slotOf[port], i);
    if (p) return p;
    // A chunk of buffered stdin is parsed in one run of microtasks: yield now and then so
    // the send loop's timer is not held up (a 60-90 ms stall measured without this).
    if (++this.sinceYield >= 256) { this.sinceYield = 0; return new Promise<void>((r) => setImmediate(r)); }
    return undefined;
  }

  // First target: find the next hop's MAC for it, open the sender, start the loop.
  private async start(ip: number, port: number, i: number): Promise<void> {
    const cfg = this.cfg;
    const dstMac = await this.nextHopMac(ip);
    let sender: Sender;
    try {
      sender = new cfg.native.Sender({
        iface: cfg.pcap ? undefined : cfg.iface, pcapFile: cfg.pcap, srcMac: cfg.srcMac, dstMac, srcIp: cfg.srcIp,
        ttl: cfg.ttl, synOptions: cfg.synOptions, key: cfg.key, sportBase: cfg.sportBase, sportCount: cfg.sportCount,
      });
    } catch (e) {
      throw new FatalError(`${cfg.pcap ? `--pcap ${cfg.pcap}` : `-i ${cfg.iface}`}: ${(e as Error).message}`);
    }
    this.sender = sender;
    // Fewer than 16 source ports carry no slot: every connection is slot 0, so the one
    // probe in use goes there.
    const probes = cfg.probes;
    if (cfg.sportCount < SLOTS) sender.setProbe(0, probes[0].payload.before, probes[0].payload.after);
    else for (const p of probes) sender.setProbe(p.slot, p.payload.before, p.payload.after);
    const engine = new Engine(sender, this.replies, {
      rate: cfg.rate, attempts: cfg.attempts, lingerMs: this.replies ? cfg.lingerMs : 0, minBatch: 2048,
    }, undefined, this.timer);
    this.engine = engine;
    if (this.interrupted) engine.stop();
    this.loop = engine.run().then(() => { if (engine.failure) this.cfg.onFailure(); });
    const p = engine.push(ip, port, this.slotOf[port], i);
    if (p) await p;
  }

  // The MAC frames go to: --router-mac; else the route's gateway for the first target, or the
  // target itself when it is on the link; from the neighbour table, else by ARP (live only).
  private async nextHopMac(firstIp: number): Promise<string> {
    const cfg = this.cfg, report = this.report;
    if (cfg.routerMac) return cfg.routerMac.replace(/-/g, ':').toLowerCase();
    const routes = readRoutes();
    const r = cfg.iface ? routeFor(firstIp, routes, cfg.iface) ?? routeFor(0, routes, cfg.iface) : null;
    const hop = formatIPv4(r && r.gateway ? r.gateway : firstIp);
    if (r && !r.gateway) report.warn(`${hop} is on the link: sending every frame to its MAC (give --router-mac for another next hop)`);
    const known = cfg.iface ? neighborMac(hop, cfg.iface) : null;
    if (known) return known;
    if (cfg.pcap || !cfg.iface) {
      report.warn(`next hop ${hop} is not in the neighbour table: frames carry 00:00:00:00:00:00 (give --router-mac)`);
      return '00:00:00:00:00:00';
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const mac = await cfg.native.arpResolve(cfg.iface, cfg.srcIp, hop, 1000);
      if (mac) return mac;
    }
    throw new FatalError(`no ARP reply from next hop ${hop} on ${cfg.iface}: give --router-mac MAC`);
  }
}
