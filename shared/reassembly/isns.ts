// The server ISNs of `open` records, by connection (ip|port|sport), for the segments that come
// without an offset: catch read none from the server's echo of our timestamp (a server without
// timestamps, a middlebox that rewrites them, another scanner's capture). Every connection the
// scan opened stays here for --idle, answered or not, so at high answer rates this is most of
// the reassembly table: 19,823 opens in the banner bench's 100% row. Each entry is a slot of
// typed arrays (the ISNs, their count and the time last used: 25 bytes) behind a Map from the
// flat tuple to its slot (about 110 bytes an entry in all), where an object, an array and two
// numbers per entry under a rope key took about 350, and left more garbage: banners' peak RSS
// replaying that row's catch stream went from 84 MB to 76 MB (73 MB with no table at all).
import { flatKey } from './lru';

/** ISNs remembered per tuple: blast --attempts can open the same tuple again. */
const PER_TUPLE = 4;
const FIRST_SLOTS = 1024;
const U32 = 0x100000000;

export class IsnTable {
  private slots = new Map<string, number>();   // tuple -> slot; the order is age (a refresh re-inserts)
  private isn = new Uint32Array(FIRST_SLOTS * PER_TUPLE);   // oldest first within a slot
  private count = new Uint8Array(FIRST_SLOTS);
  private at = new Float64Array(FIRST_SLOTS);
  private free: number[] = [];
  private used = 0;

  constructor(private max: number) {}

  get size(): number { return this.slots.size; }

  /** Remembers isn as the tuple's newest ISN at record time `at`; true when the table was full
   *  and forgot the tuple left alone longest to make room. */
  add(tuple: string, isn: number, at: number): boolean {
    let s = this.slots.get(tuple), forgot = false;
    if (s === undefined) {
      if (this.slots.size >= this.max) { this.forget(this.slots.keys().next().value as string); forgot = true; }
      s = this.alloc();
      this.count[s] = 0;
    } else this.slots.delete(tuple);
    const b = s * PER_TUPLE;
    let n = 0;
    for (let i = 0; i < this.count[s]; i++) if (this.isn[b + i] !== isn) this.isn[b + n++] = this.isn[b + i];
    if (n === PER_TUPLE) { this.isn.copyWithin(b, b + 1, b + PER_TUPLE); n--; }
    this.isn[b + n] = isn;
    this.count[s] = n + 1;
    this.at[s] = at;
    this.slots.set(flatKey(tuple), s);
    return forgot;
  }

  /** Of the tuple's ISNs, the one that puts seq nearest after it (the right one puts a segment
   *  near the start of its stream, a wrong one anywhere in 2^32; the older wins a tie), and the
   *  tuple refreshed at `at`; undefined when none is known. */
  nearest(tuple: string, seq: number, at: number): number | undefined {
    const s = this.slots.get(tuple);
    if (s === undefined) return undefined;
    const b = s * PER_TUPLE;
    let best = this.isn[b], off = (seq - best - 1 + U32) % U32;
    for (let i = 1; i < this.count[s]; i++) {
      const o = (seq - this.isn[b + i] - 1 + U32) % U32;
      if (o < off) { off = o; best = this.isn[b + i]; }
    }
    this.slots.delete(tuple);
    this.slots.set(flatKey(tuple), s);
    this.at[s] = at;
    return best;
  }

  /** Forgets the tuples last used at or before `horizon`. */
  expire(horizon: number): void {
    for (const [tuple, s] of this.slots) {
      if (this.at[s] > horizon) return;
      this.forget(tuple);
    }
  }

  private forget(tuple: string): void {
    const s = this.slots.get(tuple)!;
    this.slots.delete(tuple);
    this.free.push(s);
  }

  // A free slot, the arrays doubled (up to max slots) when every one is taken.
  private alloc(): number {
    if (this.free.length) return this.free.pop()!;
    if (this.used === this.count.length) {
      const n = Math.min(this.max, this.count.length * 2);
      const isn = new Uint32Array(n * PER_TUPLE); isn.set(this.isn); this.isn = isn;
      const count = new Uint8Array(n); count.set(this.count); this.count = count;
      const at = new Float64Array(n); at.set(this.at); this.at = at;
    }
    return this.used++;
  }
}
