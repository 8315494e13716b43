// Bounded duplicate suppression (ZBanner's sliding window): remembers at least the last N keys
// and at most 2N, in two fixed-size hash tables used as generations. When the current one
// holds N keys, the older one is wiped and becomes the current: memory is fixed at start
// (50 bytes per N: per generation 2N index words, N entries of 16 bytes and 8N Bloom bits)
// whatever the traffic, and no per-packet allocation happens. The index is 2N slots exactly,
// not a power of two (a slot is found by multiply-shift instead of a mask): a window just past a
// power of two took twice the memory (N = 262,145: 33 MiB instead of 16.5).
//
// A key is (kind, ip, port<<16|sport) with a 32-bit value beside it (the server's ISN for a
// SYN-ACK, so a retransmission and a new connection to the same port can be told apart); or,
// through checkExact, (kind, ip, ports, value) with the value part of the key (a segment's seq,
// length and flags, so every segment of a response is new once and its retransmissions are not).
// A generation is an index and its entries. An index slot is one u32: 0 = empty, else the
// entry's number + 1 (low 23 bits) under 9 bits of the key's hash (a tag: a probe passes
// another key's slot without reading its entry, but for one time in 512); linear probing, load
// <= 0.5. Entries are written in arrival order, 4 x u32: [kind+1, ip, ports, value].
// Why the index (issue 10): with the entries in the slots (16 bytes each, 4 MiB a generation at
// the default window) every new key wrote a page at random, so the whole table was resident
// after about 1,000 replies, and catch's RSS grew with the first answers of a scan; now only the
// index (1 MiB) is written at random and the entries grow in order with the keys.
// An IPv6 window (new DedupWindow(n, true), used through check6) keys on the whole address:
// entries of 8 x u32 [kind+1, ip0, ports, value, ip1, ip2, ip3, 0], ip0 the most significant
// word, so an IPv4 run pays nothing for it and an IPv6 key is exact.
// Each generation also has a small Bloom filter (8 bits per key, two probes, 128 KiB at the
// default window, so it stays in cache): a key that is new, the common case at scan speed,
// is then told apart from the old generation without a memory miss in its table.

import type { DedupCheckFn } from './fast-path';

export const DEDUP_NEW = 0;       // not seen: inserted
export const DEDUP_SAME = 1;      // seen with the same value: a duplicate
export const DEDUP_CHANGED = 2;   // seen with another value (now remembered instead)

export const MAX_DEDUP_WINDOW = 1 << 22;   // an entry's number + 1 fits an index slot's 23 bits
const TAG_SHIFT = 23;
const ENTRY_MASK = (1 << TAG_SHIFT) - 1;
const TAG_MASK = 511;   // the hash's low bits: its high ones choose the slot (range())
/** catch's --dedup-window: 6.25 MiB, half the former 262,144. Replays of SYN-ACKs
 *  each retransmitted as Linux does when no RST comes (1, 3, 7, 15 and 31 s after) gave no
 *  duplicate open record at either size for 65,536 opens at 100,000/s (a /16, the scan bench),
 *  120,000 at 3,000/s, 150,000 at 4,000/s and 200,000 at 8,000/s; they part once more than 2N
 *  new replies come in 31 s (300,000 opens at 100,000/s: 1.2 M duplicates at this size, none
 *  at 262,144), where --dedup-window must grow with the scan. */
export const DEFAULT_DEDUP_WINDOW = 1 << 17;
/** Bytes per N of an IPv4 window, and of an IPv6 one. */
export const DEDUP_BYTES_PER_KEY = 50;
export const DEDUP6_BYTES_PER_KEY = 82;

export class DedupWindow {
  private index: Uint32Array[];     // per generation: 2N slots
  private entries: Uint32Array[];   // per generation: N entries of w words
  private blooms: Uint32Array[];
  private bits: number;             // Bloom bits per generation: 8N, a multiple of 32
  private slots: number;            // index slots per generation: 2N (load <= 0.5)
  private count = 0;
  private cur = 0;
  readonly window: number;
  private readonly w: number;        // u32 per entry: 4, or 8 for IPv6 keys
  private x1 = 0; private x2 = 0; private x3 = 0;   // an IPv6 key's words after the first

  constructor(window: number, readonly ipv6 = false) {
    this.window = Math.max(1, Math.min(MAX_DEDUP_WINDOW, Math.floor(window)));
    this.w = ipv6 ? 8 : 4;
    this.slots = 2 * this.window;
    this.index = [new Uint32Array(this.slots), new Uint32Array(this.slots)];
    this.entries = [new Uint32Array(this.window * this.w), new Uint32Array(this.window * this.w)];
    this.bits = 32 * Math.ceil(this.window / 4);
    this.blooms = [new Uint32Array(this.bits / 32), new Uint32Array(this.bits / 32)];
  }

  /** h (an unsigned 32-bit hash) onto 0..n-1 (Lemire's multiply-shift): below n for any n up
   *  to 2^26, as the product's rounding (at most 2^(k-53) of it) is smaller than n. */
  private static range(h: number, n: number): number {
    return Math.floor(h * n * 2.3283064365386963e-10);   // 2^-32
  }

  private static second(h: number): number {
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    return (h ^ (h >>> 15)) >>> 0;
  }

  private mayHave(g: number, h: number): boolean {
    const b = this.blooms[g], a = DedupWindow.range(h, this.bits), c = DedupWindow.range(DedupWindow.second(h), this.bits);
    return (b[a >>> 5] & (1 << (a & 31))) !== 0 && (b[c >>> 5] & (1 << (c & 31))) !== 0;
  }

  private remember(g: number, h: number) {
    const b = this.blooms[g], a = DedupWindow.range(h, this.bits), c = DedupWindow.range(DedupWindow.second(h), this.bits);
    b[a >>> 5] |= 1 << (a & 31);
    b[c >>> 5] |= 1 << (c & 31);
  }

  /** The current generation's index and its slot count: where a new key's probe starts (for
   *  native prefetching, catch-fast.cc's dedupPrefetch; IPv4 windows only). */
  get current(): { table: Uint32Array; slots: number } { return { table: this.index[this.cur], slots: this.slots }; }

  /** The slot where the probe for an IPv4 key starts (test/catch-fast.test.ts checks the native
   *  prefetch fetches that one). */
  slotOf(kind: number, ip: number, ports: number): number { return DedupWindow.range(this.hash(kind, ip >>> 0, ports >>> 0), this.slots); }

  /** check() for candidates 0..n-1 in order, in native code (fast-path.ts nativeDedupCheck):
   *  kinds[j] 0xff skips j; the answers go to out. The same answers and the same tables as
   *  check() one by one (test/catch-fast.test.ts). IPv4 windows only. */
  checkBatch(fn: DedupCheckFn, kinds: Uint8Array, targets: Uint32Array, sports: Uint16Array, dports: Uint16Array,
    values: Uint32Array, n: number, out: Uint8Array): void {
    if (this.w !== 4) throw new Error('checkBatch: an IPv6 window');
    const st = this.state;
    st[0] = this.cur; st[1] = this.count; st[2] = this.window;
    fn(this.index[0], this.index[1], this.entries[0], this.entries[1], this.blooms[0], this.blooms[1], st, kinds, targets, sports, dports, values, n, out);
    this.cur = st[0]; this.count = st[1];
  }
  private state = new Uint32Array(3);

  /** Bytes held by the tables. */
  get bytes(): number { return (this.index[0].byteLength + this.entries[0].byteLength + this.blooms[0].byteLength) * 2; }

  private hash(kind: number, ip: number, ports: number): number {
    if (this.w === 8) ip = (ip ^ Math.imul(this.x1, 0x9e3779b1) ^ Math.imul(this.x2, 0x7feb352d) ^ Math.imul(this.x3, 0x846ca68b)) >>> 0;
    let h = Math.imul(ip ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(ports + kind * 0x27d4eb2f, 0xc2b2ae35);
    h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 12; h = Math.imul(h, 0x297a2d39); h ^= h >>> 15;
    return h >>> 0;
  }

  /** The offset of the key's entry in generation g, or -(the empty index slot where it would
   *  go)-1 when absent. exact: the value is part of the key. */
  private find(g: number, h: number, tag: number, ip: number, ports: number, exact = false, value = 0): number {
    const w = this.w, n = this.slots, idx = this.index[g], t = this.entries[g], hashTag = h & TAG_MASK;
    let i = DedupWindow.range(h, n);
    for (;;) {
      const x = idx[i];
      if (x === 0) return -i - 1;
      if (x >>> TAG_SHIFT === hashTag) {
        const s = ((x & ENTRY_MASK) - 1) * w;
        if (t[s] === tag && t[s + 1] === ip && t[s + 2] === ports && (!exact || t[s + 3] === value) &&
          (w === 4 || (t[s + 4] === this.x1 && t[s + 5] === this.x2 && t[s + 6] === this.x3))) return s;
      }
      if (++i === n) i = 0;
    }
  }

  /** check for the IPv6 address in the 16 bytes of a from off (an IPv6 window). */
  check6(kind: number, a: Uint8Array, off: number, ports: number, value: number): number {
    this.x1 = word(a, off + 4); this.x2 = word(a, off + 8); this.x3 = word(a, off + 12);
    return this.check(kind, word(a, off), ports, value);
  }

  /** checkExact for the IPv6 address in the 16 bytes of a from off (an IPv6 window). */
  checkExact6(kind: number, a: Uint8Array, off: number, ports: number, value: number): number {
    this.x1 = word(a, off + 4); this.x2 = word(a, off + 8); this.x3 = word(a, off + 12);
    return this.checkExact(kind, word(a, off), ports, value);
  }

  /** Keys whose value is part of them: DEDUP_NEW (now remembered) or DEDUP_SAME. A kind used
   *  here must not be used with check(). */
  checkExact(kind: number, ip: number, ports: number, value: number): number {
    const tag = kind + 1;
    ip >>>= 0; ports >>>= 0; value >>>= 0;
    const h = (this.hash(kind, ip, ports) ^ Math.imul(value, 0x9e3779b1)) >>> 0;
    const at = this.find(this.cur, h, tag, ip, ports, true, value);
    if (at >= 0) return DEDUP_SAME;
    if (this.mayHave(this.cur ^ 1, h) && this.find(this.cur ^ 1, h, tag, ip, ports, true, value) >= 0) return DEDUP_SAME;
    this.insert(h, tag, ip, ports, value, -at - 1, true);
    return DEDUP_NEW;
  }

  check(kind: number, ip: number, ports: number, value: number): number {
    const tag = kind + 1;
    ip >>>= 0; ports >>>= 0; value >>>= 0;
    const h = this.hash(kind, ip, ports);
    const cur = this.entries[this.cur];
    const at = this.find(this.cur, h, tag, ip, ports);
    if (at >= 0) {
      if (cur[at + 3] === value) return DEDUP_SAME;
      cur[at + 3] = value;
      return DEDUP_CHANGED;
    }
    const old = this.entries[this.cur ^ 1];
    const o = this.mayHave(this.cur ^ 1, h) ? this.find(this.cur ^ 1, h, tag, ip, ports) : -1;
    const result = o < 0 ? DEDUP_NEW : (old[o + 3] === value ? DEDUP_SAME : DEDUP_CHANGED);
    if (result === DEDUP_SAME) return result;
    this.insert(h, tag, ip, ports, value, -at - 1);
    return result;
  }

  private insert(h: number, tag: number, ip: number, ports: number, value: number, slot: number, exact = false) {
    if (this.count >= this.window) {
      // Generation change: forget the oldest keys all at once (their entries are overwritten).
      this.cur ^= 1;
      this.index[this.cur].fill(0);
      this.blooms[this.cur].fill(0);
      this.count = 0;
      slot = -this.find(this.cur, h, tag, ip, ports, exact, value) - 1;
    }
    const e = this.count, t = this.entries[this.cur], s = e * this.w;
    t[s] = tag; t[s + 1] = ip; t[s + 2] = ports; t[s + 3] = value;
    if (this.w === 8) { t[s + 4] = this.x1; t[s + 5] = this.x2; t[s + 6] = this.x3; }
    this.index[this.cur][slot] = (((h & TAG_MASK) << TAG_SHIFT) | (e + 1)) >>> 0;
    this.remember(this.cur, h);
    this.count++;
  }
}

function word(a: Uint8Array, o: number): number {
  return ((a[o] << 24) | (a[o + 1] << 16) | (a[o + 2] << 8) | a[o + 3]) >>> 0;
}
