// blast's timed RST queue: the one RST of each connection that must wait (for the rest of the
// server's flight, or for a server that may still answer), keyed by connection (target, its
// port, our port), of either family. A later request for the same connection replaces the entry (its sequence
// numbers and timestamps) and pushes its deadline back; an immediate RST cancels it. Catch asks
// for it and keeps nothing: this queue is the only place a connection waits, and it is bounded
// in entries: when full, the entry due first is sent at once (counted as early).
//
// Which requests arm it (shared/replies.ts): RST_LATER (only that), ACK_DATA, ACK_PROBE and
// ACK_PAYLOAD with a delay_ms (sent now, and the RST armed). For ACK_PROBE the RST's seq is past
// the probe, whose length (the target's address may be inside it) the caller's probeLen gives;
// for ACK_PAYLOAD (a conversation's message, banners) past its payload.
//
// Memory is fixed at start: parallel typed arrays of entries, an open-addressing index on the key
// (linear probing, backward-shift deletion, load <= 0.5) and a binary min-heap of deadlines. An
// IPv6 entry keeps its two addresses in addr6 (32 bytes an entry, made at the first IPv6 request)
// and in daddr the XOR of its target's four words, which only hashes: keys compare whole.
import {
  decodeReply, encodeReply, get16, get32, REPLY, ReplyRequest, REPLY_ACK_DATA, REPLY_ACK_PAYLOAD, REPLY_ACK_PROBE, REPLY_MIN_FRAME, REPLY_RST,
  REPLY_RST_LATER,
} from '../replies';

export interface RstStats {
  armed: number;       // requests that armed or re-armed an entry
  fired: number;       // RSTs sent when due
  early: number;       // sent before their time because the queue was full
  at_exit: number;     // sent before their time because blast was ending
  cancelled: number;   // entries an immediate RST made unnecessary
}

export class RstTimer {
  readonly stats: RstStats = { armed: 0, fired: 0, early: 0, at_exit: 0, cancelled: 0 };
  private daddr: Uint32Array; private saddr: Uint32Array; private dport: Uint16Array; private sport: Uint16Array;
  private seq: Uint32Array; private ack: Uint32Array; private tsval: Uint32Array; private tsecr: Uint32Array;
  private flags: Uint8Array; private slot: Uint8Array;
  private fam: Uint8Array;
  private addr6: Uint8Array | null = null;   // entry e: daddr6 at 32e, saddr6 at 32e + 16
  private deadline: Float64Array;
  private heapPos: Int32Array;        // entry -> its place in heap
  private heap: Int32Array;           // entries by deadline
  private index: Int32Array;          // hash slot -> entry + 1 (0: empty)
  private mask: number;
  private free: Int32Array;           // free entries, a stack
  private freeTop: number;
  size = 0;
  private req: ReplyRequest = { kind: REPLY_RST, slot: 0, daddr: 0, saddr: 0, dport: 0, sport: 0, seq: 0, ack: 0 };

  constructor(readonly capacity: number, private probeLen: (slot: number, daddr: number, daddr6?: Uint8Array) => number,
    private now: () => number = () => performance.now()) {
    const n = capacity;
    this.daddr = new Uint32Array(n); this.saddr = new Uint32Array(n); this.dport = new Uint16Array(n); this.sport = new Uint16Array(n);
    this.seq = new Uint32Array(n); this.ack = new Uint32Array(n); this.tsval = new Uint32Array(n); this.tsecr = new Uint32Array(n);
    this.flags = new Uint8Array(n); this.slot = new Uint8Array(n); this.fam = new Uint8Array(n);
    this.deadline = new Float64Array(n);
    this.heapPos = new Int32Array(n); this.heap = new Int32Array(n);
    let size = 2;
    while (size < 2 * n) size *= 2;
    this.index = new Int32Array(size); this.mask = size - 1;
    this.free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.free[i] = n - 1 - i;
    this.freeTop = n;
  }

  /** Looks at one authenticated frame on its way to the sender: arms, re-arms or cancels its
   *  connection's RST. Returns false when the frame is for this queue alone (RST_LATER). */
  route(b: Uint8Array, off: number): boolean {
    const kind = b[off + REPLY.kind.at];
    const delay = get32(b, off + REPLY.delay_ms.at);
    if (kind === REPLY_RST) { this.cancel(b, off); return true; }
    if (kind !== REPLY_RST_LATER && !((kind === REPLY_ACK_DATA || kind === REPLY_ACK_PROBE || kind === REPLY_ACK_PAYLOAD) && delay > 0)) return true;
    const r = decodeReply(b, off);
    if (r.family === 6) r.daddr = fold(r.daddr6!, 0);
    if (kind === REPLY_ACK_PROBE) r.seq = (r.seq + this.probeLen(r.slot, r.daddr, r.daddr6)) >>> 0;
    else if (kind === REPLY_ACK_PAYLOAD) r.seq = (r.seq + (r.payload?.length ?? 0)) >>> 0;
    this.arm(r, this.now() + delay);
    return kind !== REPLY_RST_LATER;
  }

  private hash(daddr: number, dport: number, sport: number): number {
    let h = Math.imul(daddr ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((dport << 16) | sport, 0xc2b2ae35);
    h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 12;
    return h & this.mask;
  }

  /** The index slot holding the connection, or -(the empty slot where it would go) - 1. An IPv6
   *  connection: its target's 16 bytes at a6[o] (daddr their fold). */
  private find(daddr: number, dport: number, sport: number, a6: Uint8Array | null = null, o = 0): number {
    for (let i = this.hash(daddr, dport, sport); ; i = (i + 1) & this.mask) {
      const e = this.index[i] - 1;
      if (e < 0) return -i - 1;
      if (this.daddr[e] === daddr && this.dport[e] === dport && this.sport[e] === sport &&
        (a6 === null ? this.fam[e] === 4 : this.fam[e] === 6 && same16(this.addr6!, 32 * e, a6, o))) return i;
    }
  }

  // find() for entry e's own key.
  private findEntry(e: number): number {
    return this.find(this.daddr[e], this.dport[e], this.sport[e], this.fam[e] === 6 ? this.addr6 : null, 32 * e);
  }

  private arm(r: ReplyRequest, due: number): void {
    this.stats.armed++;
    const v6 = r.family === 6;
    if (v6 && !this.addr6) this.addr6 = new Uint8Array(32 * this.capacity);
    const a6 = v6 ? r.daddr6! : null;
    let at = this.find(r.daddr, r.dport, r.sport, a6);
    let e: number;
    if (at >= 0) e = this.index[at] - 1;
    else {
      if (this.size === this.capacity) {
        this.fireEarly();
        at = this.find(r.daddr, r.dport, r.sport, a6);   // the index moved
      }
      e = this.free[--this.freeTop];
      this.index[-at - 1] = e + 1;
      this.heap[this.size] = e; this.heapPos[e] = this.size; this.size++;
      this.daddr[e] = r.daddr; this.dport[e] = r.dport; this.sport[e] = r.sport; this.fam[e] = v6 ? 6 : 4;
      if (v6) { this.addr6!.set(r.daddr6!.subarray(0, 16), 32 * e); this.addr6!.set(r.saddr6!.subarray(0, 16), 32 * e + 16); }
      this.deadline[e] = Infinity;   // sifted into place below
    }
    this.saddr[e] = r.saddr; this.seq[e] = r.seq; this.ack[e] = r.ack;
    this.tsval[e] = r.tsval ?? 0; this.tsecr[e] = r.tsecr ?? 0; this.flags[e] = r.flags ?? 0; this.slot[e] = r.slot;
    const old = this.deadline[e];
    this.deadline[e] = due;
    if (due < old) this.up(this.heapPos[e]); else this.down(this.heapPos[e]);
  }

  private cancel(b: Uint8Array, off: number): void {
    if (this.size === 0) return;
    const v6 = b[off + REPLY.family.at] === 6, d = off + REPLY.daddr.at;
    if (v6 && !this.addr6) return;
    const at = this.find(v6 ? fold(b, d) : get32(b, d), get16(b, off + REPLY.dport.at), get16(b, off + REPLY.sport.at),
      v6 ? b : null, d);
    if (at < 0) return;
    this.stats.cancelled++;
    this.remove(at);
  }

  // The queue is full: the entry due first goes now, its frame handed out by the next popDue.
  private early: Uint8Array[] = [];
  private fireEarly(): void {
    const e = this.heap[0];
    this.stats.early++;
    this.detach(e);
    const f = new Uint8Array(REPLY_MIN_FRAME);
    this.frame(e, f, 0);
    this.early.push(f);
  }

  /** RSTs waiting: held, or fired early and not yet handed out. */
  get waiting(): number { return this.size + this.early.length; }

  /** Milliseconds (on the queue's clock) when the next RST is due; Infinity when none waits. */
  nextDue(): number { return this.early.length ? -Infinity : this.size ? this.deadline[this.heap[0]] : Infinity; }

  /** Writes up to max RST frames (unsealed, REPLY_MIN_FRAME bytes each) to out: those due by
   *  now, or with all (blast is ending) every one, first due first. Returns how many. */
  popDue(out: Uint8Array, max: number, all = false): number {
    const t = this.now();
    let n = 0;
    while (n < max && this.early.length) out.set(this.early.shift()!, n++ * REPLY_MIN_FRAME);
    while (n < max && this.size > 0 && (all || this.deadline[this.heap[0]] <= t)) {
      const e = this.heap[0];
      if (this.deadline[e] > t) this.stats.at_exit++; else this.stats.fired++;
      this.detach(e);
      this.frame(e, out, n++ * REPLY_MIN_FRAME);
    }
    return n;
  }

  // Writes the RST frame of entry e (already out of the heap and the index) at out[o] and frees
  // its slot.
  private frame(e: number, out: Uint8Array, o: number): void {
    const r = this.req;
    r.slot = this.slot[e]; r.daddr = this.daddr[e]; r.saddr = this.saddr[e]; r.dport = this.dport[e]; r.sport = this.sport[e];
    r.family = this.fam[e];
    if (r.family === 6) { r.daddr6 = this.addr6!.subarray(32 * e, 32 * e + 16); r.saddr6 = this.addr6!.subarray(32 * e + 16, 32 * e + 32); }
    r.seq = this.seq[e]; r.ack = this.ack[e]; r.flags = this.flags[e]; r.tsval = this.tsval[e]; r.tsecr = this.tsecr[e];
    encodeReply(r, out, o);
    this.free[this.freeTop++] = e;
  }

  // Takes entry e out of the index and the heap (its slot is freed by frame(), or by remove()).
  private detach(e: number): void {
    this.unindex(this.findEntry(e));
    const p = this.heapPos[e];
    const last = this.heap[--this.size];
    if (p < this.size) {
      this.heap[p] = last; this.heapPos[last] = p;
      this.down(p); this.up(this.heapPos[last]);
    }
  }

  private remove(at: number): void {
    const e = this.index[at] - 1;
    this.detach(e);
    this.free[this.freeTop++] = e;
  }

  // Backward-shift deletion: entries after the hole that could live in it move up, so every
  // lookup still finds its key before an empty slot.
  private unindex(at: number): void {
    let hole = at;
    for (let i = (at + 1) & this.mask; ; i = (i + 1) & this.mask) {
      const e = this.index[i] - 1;
      if (e < 0) break;
      const home = this.hash(this.daddr[e], this.dport[e], this.sport[e]);
      // e may move to the hole when its home is not in (hole, i] (cyclically).
      if (((i - home) & this.mask) >= ((i - hole) & this.mask)) { this.index[hole] = e + 1; hole = i; }
    }
    this.index[hole] = 0;
  }

  private up(p: number): void {
    const h = this.heap, d = this.deadline, pos = this.heapPos;
    const e = h[p];
    while (p > 0) {
      const q = (p - 1) >> 1;
      if (d[h[q]] <= d[e]) break;
      h[p] = h[q]; pos[h[p]] = p; p = q;
    }
    h[p] = e; pos[e] = p;
  }

  private down(p: number): void {
    const h = this.heap, d = this.deadline, pos = this.heapPos, n = this.size;
    const e = h[p];
    for (;;) {
      let c = 2 * p + 1;
      if (c >= n) break;
      if (c + 1 < n && d[h[c + 1]] < d[h[c]]) c++;
      if (d[h[c]] >= d[e]) break;
      h[p] = h[c]; pos[h[p]] = p; p = c;
    }
    h[p] = e; pos[e] = p;
  }
}

// The XOR of the four big-endian words of the 16 bytes at b[o]: an IPv6 address's hash input.
function fold(b: Uint8Array, o: number): number {
  return (get32(b, o) ^ get32(b, o + 4) ^ get32(b, o + 8) ^ get32(b, o + 12)) >>> 0;
}

function same16(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}
