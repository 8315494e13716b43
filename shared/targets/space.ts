// The target space: addresses (IPv4 intervals, then IPv6 intervals) times ports, indexed so
// that address index k is found by binary search over prefix sums, never by enumeration.
import { AddressSet } from './build';

/** The interval holding index k: the last i with base[i] <= k (base ascending from 0). */
function intervalAt<T extends number | bigint>(base: ArrayLike<T>, k: T): number {
  let lo = 0, hi = base.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (base[mid] <= k) lo = mid; else hi = mid - 1;
  }
  return lo;
}

export class TargetSpace {
  /** IPv4 interval starts and the address index each begins at (doubles: exact below 2^53). */
  readonly v4Start: Float64Array;
  readonly v4Base: Float64Array;
  readonly v4Count: number;
  readonly v6Start: bigint[];
  readonly v6Base: bigint[];
  readonly v6Count: bigint;
  /** The same starts as four 32-bit words each, and the bases as doubles, for the fast paths
   *  (v6WordsAt and the native walk). */
  readonly v6Words: Float64Array;
  readonly v6BaseNum: Float64Array;
  /** IPv4 then IPv6 addresses. */
  readonly addresses: bigint;
  readonly ports: number[];
  /** addresses * ports: the size of the index space. */
  readonly total: bigint;

  constructor(set: AddressSet, ports: number[]) {
    this.v4Start = new Float64Array(set.v4.length);
    this.v4Base = new Float64Array(set.v4.length);
    let n = 0;
    set.v4.forEach((iv, k) => { this.v4Start[k] = Number(iv.first); this.v4Base[k] = n; n += Number(iv.last - iv.first) + 1; });
    this.v4Count = n;
    this.v6Start = [];
    this.v6Base = [];
    let m = 0n;
    for (const iv of set.v6) { this.v6Start.push(iv.first); this.v6Base.push(m); m += iv.last - iv.first + 1n; }
    this.v6Count = m;
    this.v6Words = new Float64Array(set.v6.length * 4);
    this.v6BaseNum = new Float64Array(set.v6.length);
    set.v6.forEach((iv, k) => {
      for (let j = 0; j < 4; j++) this.v6Words[k * 4 + j] = Number((iv.first >> BigInt(96 - 32 * j)) & 0xffffffffn);
      this.v6BaseNum[k] = Number(this.v6Base[k]);
    });
    this.addresses = BigInt(this.v4Count) + this.v6Count;
    this.ports = ports;
    this.total = this.addresses * BigInt(ports.length);
  }

  /** The IPv4 address (as an unsigned 32-bit number) at IPv4 index k < v4Count. */
  v4At(k: number): number {
    const lo = intervalAt(this.v4Base, k);
    return this.v4Start[lo] + (k - this.v4Base[lo]);
  }

  /**
   * The IPv6 address at IPv6 index k < v6Count as four 32-bit words in `out` (most significant
   * first), on doubles only: valid while v6Count < 2^53, which the fast path guarantees.
   */
  v6WordsAt(k: number, out: Float64Array): void {
    const lo = intervalAt(this.v6BaseNum, k);
    const off = k - this.v6BaseNum[lo];
    const offHi = Math.floor(off / 4294967296);
    const w = this.v6Words;
    let w3 = w[lo * 4 + 3] + (off - offHi * 4294967296);
    let c = w3 >= 4294967296 ? 1 : 0;
    w3 -= c * 4294967296;
    let w2 = w[lo * 4 + 2] + offHi + c;
    c = w2 >= 4294967296 ? 1 : 0;
    w2 -= c * 4294967296;
    let w1 = w[lo * 4 + 1] + c;
    c = w1 >= 4294967296 ? 1 : 0;
    w1 -= c * 4294967296;
    out[0] = w[lo * 4] + c; out[1] = w1; out[2] = w2; out[3] = w3;
  }

  /** The IPv6 address at IPv6 index k < v6Count. */
  v6At(k: bigint): bigint {
    const lo = intervalAt(this.v6Base, k);
    return this.v6Start[lo] + (k - this.v6Base[lo]);
  }
}
