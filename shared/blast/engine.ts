// blast's send loop: reply requests and RSTs whose wait is over first, then due retries, then new
// SYNs, each as one batch call into the sender (never one call per packet). Two token budgets:
// --rate counts probes (SYNs and their repeats), as every peer's --rate does, so the replies
// that banners need come on top of it; --max-packet-rate, when given, caps every packet.
// When it ends, every RST still waiting is sent at once: every connection we caused is closed.
// ICMP echo targets (proto icmp) wait in the same rings with port 0 (no TCP target has it) and
// go out through sendEchoes, a run of them per call: --rate and --attempts count them as SYNs.
// UDP targets (proto udp) carry their payload slot marked with UDP_RING_MARK and go out through
// sendUdp the same way: every datagram, repeats included, is a probe of the rate.
import { REPLY_MIN_FRAME } from '../replies';
import { TokenBucket } from './rate';
import { replyLines, synLines } from './trace';
import { TargetRing } from './ring';
import { RepliesQueue } from './replies';
import { RstTimer } from './rst-timer';
import { UDP_RING_MARK } from '../udp/plan';

/** The part of the native Sender the loop drives (a mock implements it in tests). */
export interface BatchSender {
  sendSyns(ips: Uint32Array, ports: Uint16Array, slots: Uint8Array, count: number,
    families?: Uint8Array, addrs6?: Uint8Array): number;
  sendEchoes?(ips: Uint32Array, count: number, families?: Uint8Array, addrs6?: Uint8Array): number;
  sendUdp?(ips: Uint32Array, ports: Uint16Array, slots: Uint8Array, count: number,
    families?: Uint8Array, addrs6?: Uint8Array): number;
  sendReplies(requests: Uint8Array, count: number): number;
  stats(): { sent: number; replies_sent: number; replies_rejected: number; errors: number; bytes: number };
}

export interface EngineOptions {
  rate: number;            // probes (SYNs and repeats) per second, <= 0 for no limit
  maxPacketRate: number;   // every packet per second (replies and RSTs too), <= 0 for no limit
  attempts: number;        // each SYN sent this many times
  retryDelayMs: number;    // at least this long between two attempts of one SYN
  lingerMs: number;        // after the last SYN, keep serving reply requests this long
  maxBatch: number;
  retryLimit: number;      // retries queued at most (memory bound); new SYNs wait beyond it
  // Unlimited rate only: while stdin is still coming, new SYNs wait (at most fillMs) until
  // minBatch targets are queued, so the sender gets batches big enough for both of its lanes
  // (native/src/sender.cc splits a batch of >= 2048). 0 turns it off.
  minBatch: number;
  fillMs: number;
  trace?: (line: string) => void;   // --packet-trace: a line per packet sent (shared/blast/trace.ts)
}

export const DEFAULT_ENGINE: EngineOptions = {
  rate: 100, maxPacketRate: 0, attempts: 1, retryDelayMs: 1000, lingerMs: 0, maxBatch: 4096, retryLimit: 1 << 22,
  minBatch: 0, fillMs: 2,
};

export class Engine {
  readonly targets: TargetRing;
  readonly retries: TargetRing;
  syns = 0;              // first attempts sent
  resent = 0;            // later attempts sent
  inputDone = false;
  stopped = false;
  lastSentIndex = -1;    // i of the last target whose first attempt went out
  firstSendAt = 0;       // performance.now() of the first and last SYN
  lastSendAt = 0;
  failure: Error | null = null;
  private bucket: TokenBucket | null = null;   // probes
  private all: TokenBucket | null = null;      // every packet
  private wakeFn: (() => void) | null = null;
  // Producers waiting for room: the reader, and the LAN pass releasing the targets it held.
  private spaceFns: (() => void)[] = [];
  private opts: EngineOptions;

  // RSTs taken from the timer and not yet accepted by the sender (back-pressure).
  private rstBuf: Uint8Array;
  private rstHead = 0;
  private rstCount = 0;

  constructor(private sender: BatchSender, readonly replies: RepliesQueue | null, opts: Partial<EngineOptions> = {},
    private now: () => number = () => performance.now(), readonly timer: RstTimer | null = null) {
    this.opts = { ...DEFAULT_ENGINE, ...opts };
    this.targets = new TargetRing(Math.max(1024, this.opts.maxBatch * 4));
    this.retries = new TargetRing(1024, Math.max(1024, this.opts.retryLimit));
    this.rstBuf = new Uint8Array(timer ? this.opts.maxBatch * REPLY_MIN_FRAME : 0);
  }

  /** Sends RSTs from the timer (those due, or all) within n packets; returns [offered, taken]. */
  private sendRsts(n: number, all: boolean): [number, number] {
    const tm = this.timer!;
    if (this.rstCount === 0) {
      this.rstHead = 0;
      this.rstCount = tm.popDue(this.rstBuf, this.opts.maxBatch, all);
    }
    const m = Math.min(this.rstCount, n);
    if (m === 0) return [0, 0];
    const k = this.sender.sendReplies(this.rstBuf.subarray(this.rstHead * REPLY_MIN_FRAME), m);
    if (this.opts.trace && k > 0) this.opts.trace(replyLines(this.rstBuf.subarray(this.rstHead * REPLY_MIN_FRAME), k));
    this.rstHead += k; this.rstCount -= k;
    return [m, k];
  }

  /** RSTs still waiting in the timer or for the sender. */
  get rstsWaiting(): number { return this.rstCount + (this.timer ? this.timer.waiting : 0); }

  /** Queues one IPv4 target; returns a promise when the caller must wait for room (stdin backpressure). */
  push(ip: number, port: number, slot: number, i: number): Promise<void> | undefined {
    if (this.failure) return undefined;   // the input is being stopped; nothing more goes out
    // Full: another producer (the LAN pass) filled it since this one was told there was room.
    if (this.targets.full) return this.stopped ? undefined : this.room()!.then(() => this.push(ip, port, slot, i));
    const wasEmpty = this.targets.count === 0;
    if (!this.targets.push(ip, port, slot, this.opts.attempts - 1, i)) throw new Error('push on a full ring');
    return this.pushed(wasEmpty);
  }

  /** Queues one IPv6 target (the 16 bytes of addr from off), as push. */
  push6(addr: Uint8Array, off: number, port: number, slot: number, i: number): Promise<void> | undefined {
    if (this.failure) return undefined;
    if (this.targets.full) {
      if (this.stopped) return undefined;
      const copy = addr.slice(off, off + 16);   // the caller reuses addr
      return this.room()!.then(() => this.push6(copy, 0, port, slot, i));
    }
    const wasEmpty = this.targets.count === 0;
    if (!this.targets.push6(addr, off, port, slot, this.opts.attempts - 1, i)) throw new Error('push on a full ring');
    return this.pushed(wasEmpty);
  }

  /** Queues entries from..to of a walk batch (TargetRing.pushMany) as far as there is room;
   *  how many were taken (all of them once the input is being stopped: nothing more goes out).
   *  Then room() says whether to wait before the rest. */
  pushMany(fam: Uint8Array, ips: Uint32Array, a6: Uint8Array, ports: Uint32Array, slotOf: Uint8Array, idx: Float64Array,
    from: number, to: number, v6: boolean): number {
    if (this.failure || (this.stopped && this.targets.full)) return to - from;
    const before = this.targets.count;
    const n = this.targets.pushMany(fam, ips, a6, ports, slotOf, idx, from, to, this.opts.attempts - 1, v6);
    const min = this.opts.minBatch;
    if (n > 0 && (before === 0 || (before < min && before + n >= min))) this.wake();
    return n;
  }

  private pushed(wasEmpty: boolean): Promise<void> | undefined {
    if (wasEmpty || this.targets.count === this.opts.minBatch) this.wake();
    return this.room();
  }

  /** A promise when the ring is full: wait for it before the next push. */
  room(): Promise<void> | undefined {
    if (this.targets.full && !this.stopped) return new Promise<void>((r) => { this.spaceFns.push(r); });
    return undefined;
  }

  endInput(): void { this.inputDone = true; this.wake(); }

  stop(): void {
    this.stopped = true;
    this.wake();
    for (const f of this.spaceFns.splice(0)) f();
  }

  /** Wakes the loop (new targets, new reply requests, input end, stop). */
  wake(): void { if (this.wakeFn) { const f = this.wakeFn; this.wakeFn = null; f(); } }

  /** The i of the first target whose first attempt was not sent, or null when all were. */
  resumeIndex(): number | null {
    if (this.targets.count > 0) return this.targets.tag[this.targets.head];
    if (this.inputDone) return null;
    return this.lastSentIndex + 1;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.wakeFn = null; resolve(); }, Math.max(1, ms));
      this.wakeFn = () => { clearTimeout(t); resolve(); };
    });
  }

  /** Runs until every SYN (and retry) is out and the linger time has passed, or stop(). A
   *  sender error (a full disk under --pcap) stops the loop and is kept in `failure`: what was
   *  not sent stays queued, so resumeIndex() still says where to start again. */
  async run(): Promise<void> {
    try { await this.loop(); } catch (e) {
      this.failure = e as Error;
      this.stop();
    }
  }

  private async loop(): Promise<void> {
    const o = this.opts;
    this.bucket = new TokenBucket(o.rate, this.now);
    this.all = new TokenBucket(o.maxPacketRate, this.now);
    let lingerUntil = -1;
    let spins = 0;
    let fillSince = -1;    // when the loop began holding a short batch of new SYNs back
    while (!this.stopped) {
      const budget = this.all.available(o.maxBatch);
      if (budget === 0) { await this.sleep(this.all.waitMs()); continue; }
      const probes = this.bucket.available(o.maxBatch);
      const before = this.sender.stats().sent;
      let offered = 0, took = 0;
      const t = this.now();

      // 1. Reply requests: the connection is live now, the server is waiting for our ACK.
      const rq = this.replies;
      if (rq && rq.count > 0) {
        const n = Math.min(rq.contiguous(), budget);
        const k = this.sender.sendReplies(rq.view(), n);
        if (o.trace && k > 0) o.trace(replyLines(rq.view(), k));
        rq.drop(k); offered += n; took += k;
      }
      let room = budget - (this.sender.stats().sent - before);
      // RSTs whose wait is over.
      if (this.timer && room > 0 && (this.rstCount > 0 || this.timer.nextDue() <= t)) {
        const [n, k] = this.sendRsts(room, false);
        offered += n; took += k;
        room = budget - (this.sender.stats().sent - before);
      }
      // Probes from here on: within both budgets.
      const probesBefore = this.sender.stats().sent;
      room = Math.min(room, probes);
      // 2. Retries that are due (the ring is in due-time order: pushed as first attempts went out).
      const rt = this.retries;
      if (room > 0 && rt.count > 0 && rt.tag[rt.head] <= t) {
        const c = Math.min(rt.contiguous(), room);
        let n = 0;
        while (n < c && rt.tag[rt.head + n] <= t) n++;
        const k = this.sendRun(rt, n);
        if (o.trace && k > 0) o.trace(synLines(rt, k, true));
        this.requeue(rt, k, t);
        rt.drop(k); this.resent += k; offered += n; took += k;
        room -= k;
      }
      // 3. New SYNs, unless the retry queue is at its memory bound, or (unlimited rate) a short
      // batch is held back for fillMs while stdin fills it up. Measured at --rate max without
      // this: batches of 218 on average (what the reader parsed between two turns of the event
      // loop), all below the sender's two-lane split, so one lane did all the sending.
      const tg = this.targets;
      const filling = o.minBatch > 0 && this.bucket.unlimited && !this.inputDone && tg.count > 0 && tg.count < o.minBatch;
      if (!filling) fillSince = -1;
      else if (fillSince < 0) fillSince = t;
      const hold = filling && t - fillSince < o.fillMs;
      if (!hold && room > 0 && tg.count > 0 && rt.count < o.retryLimit - o.maxBatch) {
        const n = Math.min(tg.contiguous(), room);
        const k = this.sendRun(tg, n);
        if (o.trace && k > 0) o.trace(synLines(tg, k, false));
        if (k > 0) {
          fillSince = -1;
          this.requeue(tg, k, t);
          this.lastSentIndex = tg.tag[tg.head + k - 1];
          if (this.syns === 0) this.firstSendAt = t;
          this.lastSendAt = t;
          tg.drop(k); this.syns += k;
          if (this.spaceFns.length && tg.count <= tg.capacity / 2) for (const f of this.spaceFns.splice(0)) f();
        }
        offered += n; took += k;
      }
      this.bucket.spend(this.sender.stats().sent - probesBefore);
      this.all.spend(this.sender.stats().sent - before);

      if (offered > 0 && took === 0) {
        // The kernel's queue is full (ENOBUFS): give it a moment rather than spinning.
        await this.sleep(1);
        continue;
      }
      if (took < offered) {
        // Partly taken: the queue is draining; offer the rest after one turn of the event loop.
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (took > 0) {
        // Let stdin, the replies FIFO and signals in between batches.
        if (++spins % 4 === 0) await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      // Probes are waiting for their budget: sleep until the next token (a reply request
      // arriving meanwhile wakes the loop).
      if (probes === 0 && (tg.count > 0 || (rt.count > 0 && rt.tag[rt.head] <= t))) {
        await this.sleep(this.bucket.waitMs());
        continue;
      }
      // Nothing could be sent: wait for input, a retry falling due, or the end.
      this.bucket.idle();
      this.all.idle();
      const allSent = this.inputDone && tg.count === 0 && rt.count === 0;
      if (allSent) {
        if (lingerUntil < 0) lingerUntil = t + o.lingerMs;
        if ((!rq || rq.count === 0) && t >= lingerUntil) break;
      }
      let wait = allSent ? lingerUntil - t : 1000;
      if (rt.count > 0) wait = Math.min(wait, rt.tag[rt.head] - t);
      if (this.timer) wait = Math.min(wait, this.timer.nextDue() - t);
      if (hold) wait = Math.min(wait, fillSince + o.fillMs - t);
      await this.sleep(Math.max(1, wait));
    }
    await this.flushRsts();
  }

  /** At the end (or on a signal): every RST still waiting goes now, with no regard to the rate
   *  (they are bounded by the timer's size); back-pressure is waited out for a second at most. */
  private async flushRsts(): Promise<void> {
    if (!this.timer) return;
    let since = this.now();
    while (this.rstsWaiting > 0 && this.now() - since < 1000) {
      const [n, k] = this.sendRsts(this.opts.maxBatch, true);
      if (k > 0) since = this.now();
      else if (n > 0) await this.sleep(1);
    }
  }

  // The first n entries of ring from its head as one sender call (views, no copy; the family
  // arrays only when the ring holds IPv6 targets).
  // A mixed run goes as far as the first entry of the other kind (echo: port 0); the loop offers
  // the rest at once, as after back-pressure.
  private sendRun(r: TargetRing, n: number): number {
    const h = r.head, ports = r.ports, slots = r.slots;
    // 0 echo (port 0), 1 UDP (marked slot), 2 TCP
    const kind = (k: number) => (ports[k] === 0 ? 0 : slots[k] >= UDP_RING_MARK ? 1 : 2);
    const first = kind(h);
    let m = 1;
    while (m < n && kind(h + m) === first) m++;
    if (first === 0) {
      if (!this.sender.sendEchoes) throw new Error('this sender cannot send ICMP echo requests');
      return this.sender.sendEchoes(r.ips.subarray(h), m, r.families?.subarray(h), r.addrs6?.subarray(16 * h));
    }
    if (first === 1) {
      if (!this.sender.sendUdp) throw new Error('this sender cannot send UDP datagrams');
      return this.sender.sendUdp(r.ips.subarray(h), r.ports.subarray(h), r.slots.subarray(h), m,
        r.families?.subarray(h), r.addrs6?.subarray(16 * h));
    }
    return this.sender.sendSyns(r.ips.subarray(h), r.ports.subarray(h), r.slots.subarray(h), m,
      r.families?.subarray(h), r.addrs6?.subarray(16 * h));
  }

  // Sent entries with attempts left go to the retry ring, due retryDelayMs from now.
  private requeue(ring: TargetRing, k: number, t: number): void {
    // One attempt (the default) leaves nothing to requeue: no pass over the batch (measured: this
    // loop was 18% of blast's time at 4 M targets/s into --pcap /dev/null).
    if (this.opts.attempts <= 1) return;
    const due = t + this.opts.retryDelayMs;
    for (let j = 0; j < k; j++) {
      const p = (ring.head + j) % ring.capacity;
      if (ring.left[p] > 0) this.retries.pushFrom(ring, p, ring.left[p] - 1, due);
    }
  }
}
