// blast's LAN pass: an on-link target (the most specific route to it on the interface has no
// gateway) is sent to its own MAC, not to the router's. MACs come from the kernel's neighbour
// table, else from a stateless ARP / Neighbor Solicitation pass run alongside the SYNs: a target
// whose MAC is not known waits in a ring bounded in entries (--arp-queue; when it is full the
// reader waits, as for the send ring, so no target is lost) while its address is asked
// (TRIES requests spread over --arp-timeout, paced at --rate on a budget of their own); answers,
// read from a capture in batches, go to the sender's table in one setNeighbors call per batch,
// and the targets behind them are released to the send ring. Targets whose address stays
// silent become unreachable records (reason arp_timeout / ndp_timeout).
//
// The ring is released from its head: a target waits behind older ones at most one timeout.
// One entry per on-link address asked or learnt is kept for the run (its state and deadline),
// so memory is bounded by the on-link addresses of the scan.
//
// The ARP scan (targets with proto "arp", scanAddress) rides on the same pass: its addresses are
// asked even when the kernel knows them (TRIES requests within the timeout, then given up, no
// record), and the first answer addressed to us (arp-scan.ts) becomes an alive record. They wait
// in a queue of their own, bounded by --arp-queue as the ring is.
import type { Capture, Native, Sender } from '../../native/index';
import { parseIPv4 } from '../ipv4';
import { ipv6Bytes, ipv6FromBytes, parseIPv6 } from '../ipv6';
import { readRoutes, readRoutes6, Route, Route6 } from '../netinfo';
import { newNeighborAnswer, parseNeighborAnswer } from './neighbor-answers';
import { aliveRecord, answersUs, Ours } from './arp-scan';
import { TokenBucket } from './rate';
import { TargetRing } from './ring';

/** Requests per silent address, spread evenly over the timeout (one lost request costs nothing). */
export const TRIES = 3;
const BATCH = 256;

export const DEFAULT_ARP_TIMEOUT = 2;
export const DEFAULT_ARP_QUEUE = 65536;

export interface LanOptions {
  timeoutMs: number;     // --arp-timeout
  queueMax: number;      // --arp-queue: targets waiting for their MAC at most
  rate: number;          // requests per second (--rate)
  from6: string | null;  // the link-local address solicitations go out from
  ours?: Ours;           // where answers to our requests are addressed (the ARP scan checks it)
  ouiFile?: string;      // the OUI list for vendors (tests)
  now?: () => number;
}

/** Where released targets go: the send ring, or an unreachable record. */
export interface LanSink {
  release(family: 4 | 6, ip: number, addrs6: Uint8Array | null, off: number, port: number, slot: number, i: number): Promise<void> | undefined;
  unreachable(family: 4 | 6, ip: number, addrs6: Uint8Array | null, off: number, port: number, slot: number): Promise<void> | undefined;
  /** An ARP scan's answer: its alive record. */
  alive?(rec: Record<string, unknown>): void;
}

/** The status and summary counters of the pass. */
export interface LanStats {
  targets: number;      // on-link targets seen
  kernel: number;       // on-link addresses whose MAC the kernel's table gave
  asked: number;        // addresses asked by ARP or NDP
  answered: number;     // of them, answered
  silent: number;       // of them, silent until the timeout
  unreachable: number;  // targets written as unreachable records
  scanned: number;      // ARP scan: addresses of arp targets
  alive: number;        // of them, answered (alive records)
  foreign: number;      // answers for a scanned address not addressed to us (not counted alive)
}

/** Which targets are on the link: the interface's routes, most specific first. */
export class OnLink {
  private r4: Route[];
  private r6: Route6[];
  constructor(iface: string, routes4: Route[] = readRoutes(), routes6: Route6[] = readRoutes6()) {
    this.r4 = routes4.filter((r) => r.iface === iface).sort((a, b) => b.mask - a.mask || a.metric - b.metric);
    this.r6 = routes6.filter((r) => r.iface === iface).sort((a, b) => b.prefix - a.prefix || a.metric - b.metric);
  }
  /** Any on-link route at all (else there is nothing for the pass to do). */
  get any(): boolean { return this.r4.some((r) => !r.gateway) || this.r6.some((r) => !r.gateway); }
  is4(ip: number): boolean {
    for (const r of this.r4) if (((ip & r.mask) >>> 0) === r.dest) return !r.gateway;
    return false;
  }
  /** Whether any address first..last may be on the link: a route without a gateway covers part
   *  of it (a more specific route through a gateway may still take that part: this only rules
   *  addresses out, so that a walk far from the link skips is4 and is6 for every target). */
  touches4(first: number, last: number): boolean {
    return this.r4.some((r) => !r.gateway && first <= (r.dest | ~r.mask) >>> 0 && last >= r.dest);
  }
  touches6(first: bigint, last: bigint): boolean {
    return this.r6.some((r) => !r.gateway && first <= (r.dest | ((1n << BigInt(128 - r.prefix)) - 1n)) && last >= r.dest);
  }
  is6(a: Uint8Array, off = 0): boolean {
    if (!this.r6.length) return false;
    const v = ipv6FromBytes(a, off);
    for (const r of this.r6) {
      if (r.prefix === 0 || (v >> BigInt(128 - r.prefix)) === (r.dest >> BigInt(128 - r.prefix))) return !r.gateway;
    }
    return false;
  }
}

const ASKING = 0, KNOWN = 1, FAILED = 2;
interface Neighbor {
  state: number; family: 4 | 6; ip: number; ip6: Uint8Array | null; deadline: number; nextAsk: number; tries: number;
  // ARP scan: wanted (an arp target), answered, given up at wantUntil; the wall time (us) of the
  // first request and the target's index.
  want?: boolean; heard?: boolean; wantUntil?: number; firstAskUs?: number; i?: number;
}

/** Whether the address still has requests to go: resolving it, or scanning it. */
const active = (nb: Neighbor) => nb.state === ASKING || (nb.want === true && !nb.heard);

const key6 = (a: Uint8Array, off: number) => Buffer.from(a.buffer, a.byteOffset + off, 16).toString('latin1');

export class LanResolver {
  readonly stats: LanStats = { targets: 0, kernel: 0, asked: 0, answered: 0, silent: 0, unreachable: 0, scanned: 0, alive: 0, foreign: 0 };
  readonly held: TargetRing;
  private sender: Sender | null = null;
  private capture: Capture | null = null;
  private neighbors = new Map<number | string, Neighbor>();
  private asks: Neighbor[] = [];       // in due order: each ask puts the address back at the end
  private askHead = 0;
  private wants: Neighbor[] = [];      // the ARP scan's addresses still to be answered, in order
  private wantHead = 0;
  private bucket: TokenBucket;
  private now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private spaceFn: (() => void) | null = null;
  private drainFns: (() => void)[] = [];
  private ans = newNeighborAnswer();
  // Batches handed to the sender (requests, table entries) and the capture's buffers.
  private bIps = new Uint32Array(BATCH);
  private bFam = new Uint8Array(BATCH);
  private b6 = new Uint8Array(16 * BATCH);
  private bMac = new Uint8Array(6 * BATCH);
  private cBuf = new Uint8Array(BATCH * 128);
  private cMeta = new Uint32Array(3 * BATCH);
  private cTimes = new Float64Array(BATCH);

  constructor(readonly onLink: OnLink, private native: Native, private iface: string, private live: boolean,
    private opts: LanOptions, private sink: LanSink) {
    this.now = opts.now ?? (() => performance.now());
    this.bucket = new TokenBucket(opts.rate, this.now);
    this.held = new TargetRing(Math.min(1024, opts.queueMax), opts.queueMax);
  }

  /** The sender is open with a source of this family: learn the kernel's on-link neighbours. */
  attach(sender: Sender, family: 4 | 6): void {
    this.sender = sender;
    // NUD states whose address may be used (linux/neighbour.h): REACHABLE, STALE, DELAY, PROBE,
    // NOARP, PERMANENT.
    const VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;
    let n = 0;
    const flush = () => { if (n) this.setNeighbors(n); n = 0; };
    for (const e of this.native.neighbors(family)) {
      if (e.iface !== this.iface || !(e.state & VALID)) continue;
      const mac = e.mac.split(':').map((h) => parseInt(h, 16));
      if (family === 4) {
        const ip = parseIPv4(e.ip);
        // Multicast entries (NOARP, a computed MAC) are no host's.
        if (typeof ip !== 'number' || ip >>> 28 === 14 || !this.onLink.is4(ip) || this.neighbors.has(ip)) continue;
        this.neighbors.set(ip, { state: KNOWN, family, ip, ip6: null, deadline: 0, nextAsk: 0, tries: 0 });
        this.bIps[n] = ip; this.bFam[n] = 4;
      } else {
        const v = parseIPv6(e.ip);
        if (typeof v !== 'bigint') continue;
        const a = new Uint8Array(16);
        ipv6Bytes(v, a);
        if (a[0] === 0xff || !this.onLink.is6(a) || this.neighbors.has(key6(a, 0))) continue;
        this.neighbors.set(key6(a, 0), { state: KNOWN, family, ip: 0, ip6: a, deadline: 0, nextAsk: 0, tries: 0 });
        this.b6.set(a, 16 * n); this.bFam[n] = 6;
      }
      this.bMac.set(mac, 6 * n);
      this.stats.kernel++;
      if (++n === BATCH) flush();
    }
    flush();
  }

  /** Targets waiting for their MAC, and ARP scan addresses waiting for an answer. */
  get waiting(): number { return this.held.count + this.wantsPending; }

  private get wantsPending(): number { return this.wants.length - this.wantHead; }

  /** The index i of the oldest target still waiting, or null. */
  oldest(): number | null {
    const h = this.held.count ? this.held.tag[this.held.head] : null;
    const w = this.wantsPending ? this.wants[this.wantHead].i ?? null : null;
    return h === null ? w : w === null ? h : Math.min(h, w);
  }

  /** An arp target (index i): the address is asked, even when its MAC is known, and its answer
   *  becomes an alive record; silence makes none. A promise: the queue is full, wait. */
  scanAddress(family: 4 | 6, ip: number, addrs6: Uint8Array | null, off: number, i: number): Promise<void> | undefined {
    const key = family === 4 ? ip : key6(addrs6!, off);
    let n = this.neighbors.get(key);
    const t = this.now();
    if (n && n.want) return undefined;   // the same address twice (overlapping ranges): asked once
    this.stats.scanned++;
    if (!n) {
      n = { state: ASKING, family, ip, ip6: family === 6 ? addrs6!.slice(off, off + 16) : null, deadline: t + this.opts.timeoutMs, nextAsk: t, tries: 0 };
      this.neighbors.set(key, n);
      this.asks.push(n);
      this.stats.asked++;
    } else if (n.state !== ASKING) {
      // Known (the kernel's table, an earlier answer) or silent before: asked anew.
      n.tries = 0; n.nextAsk = t;
      this.asks.push(n);
    }
    n.want = true; n.i = i;
    n.wantUntil = n.state === ASKING ? n.deadline : t + this.opts.timeoutMs;
    this.wants.push(n);
    this.schedule(0);
    if (this.wantsPending >= this.opts.queueMax) return new Promise<void>((r) => { this.spaceFn = r; });
    return undefined;
  }

  /** An on-link target: sent at once when its MAC is known, written as unreachable when its
   *  address was silent, else held until one or the other. A promise: the ring is full, wait. */
  hold(family: 4 | 6, ip: number, addrs6: Uint8Array | null, off: number, port: number, slot: number, i: number): Promise<void> | undefined {
    const key = family === 4 ? ip : key6(addrs6!, off);
    let n = this.neighbors.get(key);
    this.stats.targets++;
    // Known: straight to the send ring, past older targets still waiting (resumeIndex takes the
    // oldest of both, so the order does not matter).
    if (n && n.state === KNOWN) return this.sink.release(family, ip, addrs6, off, port, slot, i);
    if (n && n.state === FAILED) { this.stats.unreachable++; return this.sink.unreachable(family, ip, addrs6, off, port, slot); }
    if (!n) {
      const t = this.now();
      n = { state: ASKING, family, ip, ip6: family === 6 ? addrs6!.slice(off, off + 16) : null, deadline: t + this.opts.timeoutMs, nextAsk: t, tries: 0 };
      this.neighbors.set(key, n);
      this.asks.push(n);
      this.stats.asked++;
    }
    const ok = family === 4 ? this.held.push(ip, port, slot, 0, i) : this.held.push6(addrs6!, off, port, slot, 0, i);
    if (!ok) throw new Error('hold on a full ring');
    this.schedule(0);
    if (this.held.full) return new Promise<void>((r) => { this.spaceFn = r; });
    return undefined;
  }

  /** Resolves once no target waits (each sent or written as unreachable). */
  drain(): Promise<void> {
    if ((this.held.count === 0 && this.wantsPending === 0) || this.stopped) return Promise.resolve();
    this.schedule(0);
    return new Promise<void>((r) => this.drainFns.push(r));
  }

  /** Stops asking and releasing (a signal, the end): what waits stays for resumeIndex. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.capture?.close();
    this.capture = null;
    if (this.spaceFn) { const f = this.spaceFn; this.spaceFn = null; f(); }
    for (const f of this.drainFns.splice(0)) f();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.running) { this.again = this.again || ms === 0; return; }
    if (this.timer) { if (ms > 0) return; clearTimeout(this.timer); }
    this.timer = setTimeout(() => { this.timer = null; void this.pump(); }, Math.max(0, ms));
  }

  private async pump(): Promise<void> {
    if (this.stopped || !this.sender) return;
    this.running = true;
    this.again = false;
    try {
      this.openCapture();
      this.readAnswers();
      this.ask(this.now());
      await this.release();
      this.expireWants(this.now());
    } finally { this.running = false; }
    if (this.stopped) return;
    if (this.held.count === 0 && this.wantsPending === 0) for (const f of this.drainFns.splice(0)) f();
    if (this.again) { this.schedule(0); return; }
    // Next: the first ask due (or the next token for it), or the deadline of the oldest target.
    const t = this.now();
    let next = Infinity;
    while (this.askHead < this.asks.length && !active(this.asks[this.askHead])) this.askHead++;
    if (this.askHead < this.asks.length) next = Math.max(this.asks[this.askHead].nextAsk, t + this.bucket.waitMs());
    if (this.held.count) {
      const n = this.neighborAt(this.held.head);
      next = Math.min(next, n.state === ASKING ? n.deadline : t);
    }
    if (this.wantsPending) next = Math.min(next, this.wants[this.wantHead].wantUntil!);
    // Answers wake the pump through the capture; without one (--pcap), only the deadlines do.
    if (next < Infinity) this.schedule(Math.max(1, next - t));
  }

  private openCapture(): void {
    if (this.capture || !this.live) return;
    // Incoming ARP and ICMPv6 only; answers are small, so is the ring.
    this.capture = new this.native.Capture({ iface: this.iface, filter: 'arp or icmp6', direction: 'in', snaplen: 128, bufferBytes: 1 << 20 });
    this.capture.onReadable(() => this.schedule(0));
  }

  // Answers in the capture: each for an address being asked fills one entry of the batch that
  // goes to the sender's table.
  private readAnswers(): void {
    const c = this.capture;
    if (!c) return;
    let k: number;
    let n = 0;
    while ((k = c.read(this.cBuf, this.cMeta, this.cTimes, BATCH)) > 0) {
      for (let j = 0; j < k; j++) {
        const off = this.cMeta[3 * j], len = this.cMeta[3 * j + 1];
        const a = this.ans;
        const frame = this.cBuf.subarray(off, off + len);
        if (!parseNeighborAnswer(frame, a)) continue;
        const nb = this.neighbors.get(a.family === 4 ? a.ip : key6(a.ip6, 0));
        if (!nb) continue;
        // An ARP scan's answer also teaches the table an address that was silent for earlier
        // targets (those are already written as unreachable; later ones are sent).
        const heard = nb.want && !nb.heard && nb.tries > 0 && this.scanAnswer(nb, frame, this.cTimes[j]);
        if (nb.state !== ASKING && !(heard && nb.state === FAILED)) continue;
        nb.state = KNOWN;
        this.stats.answered++;
        this.bFam[n] = a.family;
        if (a.family === 4) this.bIps[n] = a.ip; else this.b6.set(a.ip6, 16 * n);
        this.bMac.set(a.mac, 6 * n);
        n++;
      }
      this.setNeighbors(n);
      n = 0;
      if (k < BATCH) break;
    }
  }

  // An answer for an address of the ARP scan: alive when addressed to us (arp-scan.ts). The
  // round-trip time is had only when one request was out (a later one would make it ambiguous).
  private scanAnswer(nb: Neighbor, frame: Uint8Array, timeUs: number): boolean {
    const ours = this.opts.ours;
    if (!ours || !answersUs(frame, nb.family, ours)) { this.stats.foreign++; return false; }
    nb.heard = true;
    this.stats.alive++;
    const rtt = nb.tries === 1 && nb.firstAskUs !== undefined && timeUs >= nb.firstAskUs ? timeUs - nb.firstAskUs : -1;
    this.sink.alive?.(aliveRecord(this.ans, rtt, timeUs, this.opts.ouiFile));
    return true;
  }

  // ARP scan addresses from the head: answered, or silent past their time (no record).
  private expireWants(t: number): void {
    while (this.wantHead < this.wants.length) {
      const w = this.wants[this.wantHead];
      if (!w.heard && t < w.wantUntil!) break;
      this.wantHead++;
    }
    if (this.wantHead > 4096 && this.wantHead * 2 > this.wants.length) { this.wants = this.wants.slice(this.wantHead); this.wantHead = 0; }
    if (this.spaceFn && this.wantsPending <= this.opts.queueMax / 2 && !this.held.full) { const f = this.spaceFn; this.spaceFn = null; f(); }
  }

  private setNeighbors(n: number): void {
    if (n > 0) this.sender!.setNeighbors(this.bIps, this.bMac, n, this.bFam, this.b6);
  }

  // Requests that are due, within the budget: one sender call per batch.
  private ask(t: number): void {
    let budget = this.bucket.available(BATCH);
    let n = 0;
    let wall = 0;
    while (budget > 0 && this.askHead < this.asks.length) {
      const nb = this.asks[this.askHead];
      if (!active(nb) || nb.tries >= TRIES) { this.askHead++; continue; }
      if (nb.nextAsk > t) break;
      this.askHead++;
      if (nb.want && nb.tries === 0) nb.firstAskUs = wall || (wall = Date.now() * 1000);
      nb.tries++;
      nb.nextAsk = t + this.opts.timeoutMs / TRIES;
      if (nb.tries < TRIES) this.asks.push(nb);
      this.bFam[n] = nb.family;
      if (nb.family === 4) this.bIps[n] = nb.ip; else this.b6.set(nb.ip6!, 16 * n);
      n++; budget--;
    }
    // The entries before askHead are done with: drop them now and then.
    if (this.askHead > 4096 && this.askHead * 2 > this.asks.length) { this.asks = this.asks.slice(this.askHead); this.askHead = 0; }
    if (n === 0) return;
    // A request the kernel did not take (ENOBUFS) is a lost request: the next try covers it.
    const k = this.sender!.sendResolves(this.bIps, n, this.bFam, this.b6, this.opts.from6 ?? undefined);
    this.bucket.spend(k);
  }

  private neighborAt(p: number): Neighbor {
    const h = this.held;
    const fam = h.families ? h.families[p] : 4;
    return this.neighbors.get(fam === 4 ? h.ips[p] : key6(h.addrs6!, 16 * p))!;
  }

  // From the head of the ring: targets whose MAC is known go to the send ring, those whose
  // address stayed silent past its deadline become records; the first still being asked stops it.
  private async release(): Promise<void> {
    const h = this.held;
    const t = this.now();
    while (h.count > 0 && !this.stopped) {
      const p = h.head;
      const nb = this.neighborAt(p);
      if (nb.state === ASKING) {
        if (t < nb.deadline) break;
        nb.state = FAILED;
        this.stats.silent++;
      }
      const fam = h.families ? h.families[p] as 4 | 6 : 4;
      let w: Promise<void> | undefined;
      // The sink copies the entry before the ring lets go of it.
      if (nb.state === KNOWN) w = this.sink.release(fam, h.ips[p], h.addrs6, 16 * p, h.ports[p], h.slots[p], h.tag[p]);
      else { this.stats.unreachable++; w = this.sink.unreachable(fam, h.ips[p], h.addrs6, 16 * p, h.ports[p], h.slots[p]); }
      h.drop(1);
      if (this.spaceFn && h.count <= h.capacity / 2) { const f = this.spaceFn; this.spaceFn = null; f(); }
      if (w) await w;
    }
  }
}
