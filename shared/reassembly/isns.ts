// The server ISNs of `open` records, by connection (ip|port|sport), for the segments that come
// without an offset: catch read none from the server's echo of our timestamp (a server without
// timestamps, a middlebox that rewrites them, another scanner's capture). Every connection the
// scan opened stays here for --idle, answered or not, so at high answer rates this is most of
// the reassembly table: 19,823 opens in the banner bench's 100% row.
import { flatKey } from './lru';
import { parseIPv4 } from '../ipv4';
import type { Tuple } from './segment';

/** ISNs remembered per tuple: blast --attempts can open the same tuple again. */
const PER_TUPLE = 4;
// Slots made at the start: up to this many (the default --max-connections), untouched until
// used, so an idle banners holds none of their 2.7 MB; more are made by doubling. Grown by
// doubling from 1,024 instead, every array was copied five times on the way to the 19,823 opens
// of the banner bench's 100% row, and the copies left behind kept banners' peak RSS 1-2 MB up.
const RESERVED_SLOTS = 65536;
const FIRST_INDEX = 2048;
const U32 = 0x100000000;
const NIL = -1;

// Why typed arrays all the way (issue 10): with a Map from each tuple's text to its slot, the
// map's table and the keys' strings were about 60 of the 110 bytes an open cost, and made on
// the heap, where they and their garbage wait for the collector: banners' peak RSS replaying
// the bench's 100% catch stream was 2 MB above a run that remembered no open at all. Now an
// IPv4 tuple, nearly every one, is two numbers in a slot found through an open-addressing
// index (4 bytes, load at most 1/2), and the age order is a list linked through two more
// arrays: 49 bytes an open, none of it on V8's heap. Other tuples (IPv6) keep the map.
export class IsnTable {
  // A slot: the ISNs (oldest first), their count, the time last used, its neighbours in age
  // order, and an IPv4 tuple's address and ports (port << 16 | sport).
  private isn: Uint32Array;
  private count: Uint8Array;
  private at: Float64Array;
  private older: Int32Array;
  private newer: Int32Array;
  private ip: Uint32Array;
  private ports: Uint32Array;
  private oldest = NIL;
  private newest = NIL;
  private n = 0;
  // IPv4 tuples: slot + 1 (0: empty), linear probing, a power of two at least twice the IPv4
  // tuples (doubled as they come: its places are written at random, so all of it is resident).
  private index = new Int32Array(FIRST_INDEX);
  private placed = 0;
  // Every other tuple: its flat text -> slot, and slot -> text.
  private others = new Map<string, number>();
  private otherKeys = new Map<number, string>();
  private free: number[] = [];
  private used = 0;
  // The last tuple parsed by find(): its address and ports, or ip -1 when it is no IPv4 tuple.
  private keyIp = -1;
  private keyPorts = 0;

  constructor(private max: number) {
    const n = Math.min(max, RESERVED_SLOTS);
    this.isn = new Uint32Array(n * PER_TUPLE); this.count = new Uint8Array(n); this.at = new Float64Array(n);
    this.older = new Int32Array(n); this.newer = new Int32Array(n); this.ip = new Uint32Array(n); this.ports = new Uint32Array(n);
  }

  get size(): number { return this.n; }

  /** Remembers isn as the tuple's newest ISN at record time `at`; true when the table was full
   *  and forgot the tuple left alone longest to make room. */
  add(t: Tuple, isn: number, at: number): boolean {
    let s = this.find(t), forgot = false;
    if (s === NIL) {
      if (this.n >= this.max) { this.forget(this.oldest); forgot = true; }
      s = this.alloc();
      this.count[s] = 0;
      if (this.keyIp >= 0) { this.ip[s] = this.keyIp; this.ports[s] = this.keyPorts; this.place(s); }
      else { const k = flatKey(t.tuple); this.others.set(k, s); this.otherKeys.set(s, k); }
      this.n++;
    } else this.unlink(s);
    const b = s * PER_TUPLE;
    let n = 0;
    for (let i = 0; i < this.count[s]; i++) if (this.isn[b + i] !== isn) this.isn[b + n++] = this.isn[b + i];
    if (n === PER_TUPLE) { this.isn.copyWithin(b, b + 1, b + PER_TUPLE); n--; }
    this.isn[b + n] = isn;
    this.count[s] = n + 1;
    this.at[s] = at;
    this.link(s);
    return forgot;
  }

  /** Of the tuple's ISNs, the one that puts seq nearest after it (the right one puts a segment
   *  near the start of its stream, a wrong one anywhere in 2^32; the older wins a tie), and the
   *  tuple refreshed at `at`; undefined when none is known. */
  nearest(t: Tuple, seq: number, at: number): number | undefined {
    const s = this.find(t);
    if (s === NIL) return undefined;
    const b = s * PER_TUPLE;
    let best = this.isn[b], off = (seq - best - 1 + U32) % U32;
    for (let i = 1; i < this.count[s]; i++) {
      const o = (seq - this.isn[b + i] - 1 + U32) % U32;
      if (o < off) { off = o; best = this.isn[b + i]; }
    }
    this.unlink(s);
    this.link(s);
    this.at[s] = at;
    return best;
  }

  /** Forgets the tuples last used at or before `horizon`. */
  expire(horizon: number): void {
    while (this.oldest !== NIL && this.at[this.oldest] <= horizon) this.forget(this.oldest);
  }

  /** The tuple's slot, or NIL; keyIp and keyPorts say what it is as a key (keyIp -1: the map's). */
  private find(t: Tuple): number {
    // An IPv6 address is told by its colon, without building parseIPv4's message.
    const ip = t.ip.includes(':') ? -1 : parseIPv4(t.ip);
    if (typeof ip !== 'number' || ip < 0) {
      this.keyIp = -1;
      return this.others.get(t.tuple) ?? NIL;
    }
    this.keyIp = ip; this.keyPorts = (t.port * 65536 + t.sport) >>> 0;
    const idx = this.index, mask = idx.length - 1;
    for (let i = this.home(ip, this.keyPorts, mask); ; i = (i + 1) & mask) {
      const v = idx[i];
      if (v === 0) return NIL;
      if (this.ip[v - 1] === ip && this.ports[v - 1] === this.keyPorts) return v - 1;
    }
  }

  private home(ip: number, ports: number, mask: number): number {
    let h = Math.imul(ip ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(ports, 0xc2b2ae35);
    h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 12;
    return h & mask;
  }

  // Puts IPv4 slot s in the index (doubled first when it would be over half full).
  private place(s: number): void {
    if (2 * ++this.placed > this.index.length) {
      this.index = new Int32Array(this.index.length * 2);
      for (let t = this.oldest; t !== NIL; t = this.newer[t]) if (!this.otherKeys.has(t)) this.put(t);
    }
    this.put(s);
  }

  private put(s: number): void {
    const idx = this.index, mask = idx.length - 1;
    let i = this.home(this.ip[s], this.ports[s], mask);
    while (idx[i] !== 0) i = (i + 1) & mask;
    idx[i] = s + 1;
  }

  // Takes IPv4 slot s out of the index, shifting back the entries after it that probed past it
  // (no tombstones: a lookup still stops at the first empty place).
  private unplace(s: number): void {
    const idx = this.index, mask = idx.length - 1;
    let i = this.home(this.ip[s], this.ports[s], mask);
    while (idx[i] !== s + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; idx[j] !== 0; j = (j + 1) & mask) {
      const v = idx[j], h = this.home(this.ip[v - 1], this.ports[v - 1], mask);
      // The entry at j may move to i when its home is not cyclically within (i, j].
      if (((j - h) & mask) >= ((j - i) & mask)) { idx[i] = v; i = j; }
    }
    idx[i] = 0;
    this.placed--;
  }

  private link(s: number): void {
    this.older[s] = this.newest; this.newer[s] = NIL;
    if (this.newest !== NIL) this.newer[this.newest] = s; else this.oldest = s;
    this.newest = s;
  }

  private unlink(s: number): void {
    const o = this.older[s], w = this.newer[s];
    if (o !== NIL) this.newer[o] = w; else this.oldest = w;
    if (w !== NIL) this.older[w] = o; else this.newest = o;
  }

  private forget(s: number): void {
    this.unlink(s);
    const k = this.otherKeys.get(s);
    if (k === undefined) this.unplace(s);
    else { this.others.delete(k); this.otherKeys.delete(s); }
    this.free.push(s);
    this.n--;
  }

  // A free slot, the arrays doubled (up to max slots) when every one is taken.
  private alloc(): number {
    if (this.free.length) return this.free.pop()!;
    if (this.used === this.count.length) {
      const n = Math.min(this.max, this.count.length * 2);
      const grow = <T extends Uint32Array | Uint8Array | Float64Array | Int32Array>(a: T, per = 1): T => {
        const b = new (a.constructor as new (n: number) => T)(n * per);
        b.set(a);
        return b;
      };
      this.isn = grow(this.isn, PER_TUPLE); this.count = grow(this.count); this.at = grow(this.at);
      this.older = grow(this.older); this.newer = grow(this.newer); this.ip = grow(this.ip); this.ports = grow(this.ports);
    }
    return this.used++;
  }
}
