// The target space: addresses (IPv4 intervals, then IPv6 intervals) times ports, indexed so
// that address index k is found by binary search over prefix sums, never by enumeration.
import { AddressSet } from './build';

export class TargetSpace {
  /** IPv4 interval starts and the address index each begins at (doubles: exact below 2^53). */
  readonly v4Start: Float64Array;
  readonly v4Base: Float64Array;
  readonly v4Count: number;
  readonly v6Start: bigint[];
  readonly v6Base: bigint[];
  readonly v6Count: bigint;
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
    this.addresses = BigInt(this.v4Count) + this.v6Count;
    this.ports = ports;
    this.total = this.addresses * BigInt(ports.length);
  }

  /** The IPv4 address (as an unsigned 32-bit number) at IPv4 index k < v4Count. */
  v4At(k: number): number {
    const base = this.v4Base;
    let lo = 0, hi = base.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (base[mid] <= k) lo = mid; else hi = mid - 1;
    }
    return this.v4Start[lo] + (k - base[lo]);
  }

  /** The IPv6 address at IPv6 index k < v6Count. */
  v6At(k: bigint): bigint {
    const base = this.v6Base;
    let lo = 0, hi = base.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (base[mid] <= k) lo = mid; else hi = mid - 1;
    }
    return this.v6Start[lo] + (k - base[lo]);
  }
}
