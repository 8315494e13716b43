// The walk record (man/trawl.7): a whole run of targets as one line (the address set, the ports,
// the seed, the shard and where to start), so blast walks the permutation itself and no target is
// formatted as NDJSON by targets and parsed back by blast. The walk fills typed arrays a batch at
// a time, in exactly the order, with exactly the `i`, that TargetStream would have written.
import { formatIPv4 } from '../ipv4';
import { formatIPv6 } from '../ipv6';
import { AddressSet } from './build';
import { Interval, normalize, size } from './intervals';
import { MAX_NUMBER_N, Permutation } from './permutation';
import { ICMP_ECHO_KEY, PROTO_ICMP, PROTO_TCP, PROTO_UDP, portKey, portOfKey, protoOfKey } from './ports';
import { parseRange } from './ranges';
import { TargetSpace } from './space';
import { firstIndex, Shard } from './plan';
import type { AnyRecord } from '../records';

/** The longest walk line targets writes; a set with more ranges goes out as target records
 *  (a quarter of the readers' 4 MiB line limit, so a walk line is never refused as too long). */
export const MAX_WALK_LINE = 1 << 20;

export interface WalkPlan {
  set: AddressSet;
  ports: number[];      // port keys (shared/targets/ports.ts), in the order that indexes them
  seed: bigint;
  shard: Shard;
  resume: bigint;       // --resume-index
  targets: number;      // how many to emit
}

/** Why this run cannot be a walk record (targets writes records instead), or null. */
export function walkRefusal(space: TargetSpace, shard: Shard): string | null {
  if (space.total > BigInt(MAX_NUMBER_N) || shard.of > BigInt(MAX_NUMBER_N)) return 'more than 2^52 targets';
  return null;
}

/** A port key as -p spells it: 80, U:53, I:echo. */
function portText(key: number): string {
  const proto = protoOfKey(key);
  if (proto === PROTO_ICMP) return 'I:echo';
  return proto === PROTO_UDP ? `U:${portOfKey(key)}` : String(portOfKey(key));
}

function rangeText(v6: boolean, iv: Interval): string {
  return v6 ? `${formatIPv6(iv.first)}-${formatIPv6(iv.last)}` : `${formatIPv4(Number(iv.first))}-${formatIPv4(Number(iv.last))}`;
}

/** The walk record as one NDJSON line: the shard record's fields (same meanings, so merge and
 *  fmt read it as one; plan is the shard record's planHash) plus the ranges and ports. */
export function walkLine(p: WalkPlan, plan: string, total: bigint): string {
  const ranges = [...p.set.v4.map((iv) => rangeText(false, iv)), ...p.set.v6.map((iv) => rangeText(true, iv))];
  return `{"type":"walk","seed":"${p.seed}","plan":"${plan}","shard":${p.shard.index},` +
    `"shards":${p.shard.of},"resume_index":${p.resume},"targets":${p.targets},"total":${total},` +
    `"ranges":${JSON.stringify(ranges)},"ports":"${p.ports.map(portText).join(',')}"}\n`;
}

function wholeNumber(rec: AnyRecord, key: string, min: number): number | string {
  const v = rec[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) return `walk "${key}" is not a whole number >= ${min}`;
  return v;
}

/** A walk record back as a plan, or what is wrong with it. */
export function parseWalk(rec: AnyRecord): WalkPlan | string {
  if (typeof rec.seed !== 'string' || !/^\d{1,20}$/.test(rec.seed) || BigInt(rec.seed) >= 1n << 64n) return 'walk "seed" is not a decimal string below 2^64';
  const shard = wholeNumber(rec, 'shard', 1), shards = wholeNumber(rec, 'shards', 1);
  const resume = wholeNumber(rec, 'resume_index', 0), targets = wholeNumber(rec, 'targets', 0);
  for (const v of [shard, shards, resume, targets]) if (typeof v === 'string') return v;
  if ((shard as number) > (shards as number)) return 'walk "shard" is above "shards"';
  if (!Array.isArray(rec.ranges) || rec.ranges.length === 0) return 'walk "ranges" is not a list of ranges';
  const v4: Interval[] = [], v6: Interval[] = [];
  for (const t of rec.ranges) {
    const r = typeof t === 'string' ? parseRange(t) : 'not a string';
    if (typeof r === 'string') return `walk "ranges": ${JSON.stringify(String(t).slice(0, 80))}: ${r}`;
    if (!r.v6 && v6.length) return 'walk "ranges": IPv4 ranges come before IPv6 ones';
    (r.v6 ? v6 : v4).push({ first: r.first, last: r.last });
  }
  // The order of the ranges is the order of the index: it must be the normalized one targets writes.
  for (const list of [v4, v6]) {
    const n = normalize(list);
    if (n.length !== list.length || n.some((iv, k) => iv.first !== list[k].first || iv.last !== list[k].last)) {
      return 'walk "ranges" are not sorted, disjoint and apart (as trawl targets writes them)';
    }
  }
  if (typeof rec.ports !== 'string' || rec.ports === '') return 'walk "ports" is not a port list';
  const ports: number[] = [];
  for (const t of rec.ports.split(',')) {
    const m = /^(?:(U|T):)?(\d{1,5})$/.exec(t);
    if (t === 'I:echo') ports.push(ICMP_ECHO_KEY);
    else if (m && Number(m[2]) >= 1 && Number(m[2]) <= 65535) ports.push(portKey(m[1] === 'U' ? PROTO_UDP : PROTO_TCP, Number(m[2])));
    else return `walk "ports": ${JSON.stringify(t.slice(0, 20))} is not a port (80, U:53 or I:echo)`;
  }
  if (new Set(ports).size !== ports.length) return 'walk "ports" names a port twice';
  // As walkRefusal: larger sets are written as target records, and TargetWalk walks on doubles.
  if ((size(v4) + size(v6)) * BigInt(ports.length) > BigInt(MAX_NUMBER_N) || (shards as number) > MAX_NUMBER_N) {
    return 'walk of more than 2^52 targets (trawl targets writes such sets as target records)';
  }
  return {
    set: { v4, v6, warnings: [] }, ports, seed: BigInt(rec.seed),
    shard: { index: BigInt(shard as number), of: BigInt(shards as number) }, resume: BigInt(resume as number), targets: targets as number,
  };
}

/** Native/index.ts's walkFill: fill() in native code (native/src/walk.cc). */
export type WalkFillFn = (rounds: Int32Array, dims: Float64Array, v4Start: Float64Array, v4Base: Float64Array,
  v6Words: Float64Array, v6Base: Float64Array, ports: Uint32Array, i: number, step: number, end: number, max: number,
  families: Uint8Array, ips: Uint32Array, addrs6: Uint8Array, keys: Uint32Array, idx: Float64Array) => number;

/**
 * The targets of a plan in typed arrays, a batch per fill(): the fast path of TargetStream
 * (generate.ts), writing numbers instead of text. Only for sets of at most 2^52 targets, which
 * walkRefusal() keeps targets from writing otherwise.
 */
export class TargetWalk {
  readonly space: TargetSpace;
  /** Targets filled so far. */
  produced = 0;
  private i: number;
  private readonly step: number;
  private readonly n: number;
  private readonly perm: Permutation;
  private readonly w6 = new Float64Array(4);
  // The native walk and what it takes, once useNative() was called: then fill() runs no
  // JavaScript per target (74 ns a target in JavaScript, measured into --pcap /dev/null).
  private native: { fn: WalkFillFn; rounds: Int32Array; dims: Float64Array; ports: Uint32Array } | null = null;

  constructor(p: WalkPlan) {
    this.space = new TargetSpace(p.set, p.ports);
    if (walkRefusal(this.space, p.shard)) throw new RangeError('a walk of more than 2^52 targets');
    this.perm = new Permutation(this.space.total, p.seed);
    this.i = Number(firstIndex(p.resume, p.shard));
    this.step = Number(p.shard.of);
    this.n = Math.min(Number(this.space.total), this.i + p.targets * this.step);
  }

  /** From now on fill() walks in native code (blast; the walk stays the same, bit for bit:
   *  test/walk-native.test.ts compares the two). */
  useNative(fn: WalkFillFn): void {
    const sp = this.space;
    const dims = Float64Array.of(this.perm.a, this.perm.b, this.perm.nNum, sp.v4Count, Number(sp.addresses));
    this.native = { fn, rounds: this.perm.roundKeys(), dims, ports: Uint32Array.from(sp.ports) };
  }

  /** Targets not filled yet. */
  get remaining(): number { return this.i >= this.n ? 0 : Math.floor((this.n - 1 - this.i) / this.step) + 1; }

  /** The index of the next target: where a later run resumes. */
  get nextIndex(): number { return Math.min(this.i, this.n); }

  /**
   * Up to max targets into the arrays (families 4 or 6; an IPv4 address in ips, an IPv6 one in
   * 16 bytes of addrs6 at 16*k; keys the port keys; idx the index); how many were filled.
   */
  fill(max: number, families: Uint8Array, ips: Uint32Array, addrs6: Uint8Array, keys: Uint32Array, idx: Float64Array): number {
    const nat = this.native;
    if (nat) {
      const sp = this.space;
      const c = nat.fn(nat.rounds, nat.dims, sp.v4Start, sp.v4Base, sp.v6Words, sp.v6BaseNum, nat.ports,
        this.i, this.step, this.n, max, families, ips, addrs6, keys, idx);
      this.i += c * this.step;
      this.produced += c;
      return c;
    }
    const sp = this.space, perm = this.perm, w6 = this.w6, ports = sp.ports;
    const A4 = sp.v4Count, A = A4 + Number(sp.v6Count);
    const oneV4 = sp.v4Start.length === 1 ? sp.v4Start[0] : -1;
    const n = this.n, step = this.step;
    let i = this.i, c = 0;
    for (; c < max && i < n; c++, i += step) {
      const x = perm.shuffle(i);
      // x div A and x mod A without a double modulo (as TargetStream.chunkFast).
      let pi = Math.floor(x / A);
      let ai = x - pi * A;
      if (ai < 0) { pi--; ai += A; }
      keys[c] = ports[pi];
      idx[c] = i;
      if (ai < A4) { families[c] = 4; ips[c] = oneV4 >= 0 ? oneV4 + ai : sp.v4At(ai); continue; }
      families[c] = 6;
      sp.v6WordsAt(ai - A4, w6);
      const o = c * 16;
      for (let j = 0; j < 4; j++) {
        const w = w6[j];
        addrs6[o + 4 * j] = w >>> 24; addrs6[o + 4 * j + 1] = (w >>> 16) & 255; addrs6[o + 4 * j + 2] = (w >>> 8) & 255; addrs6[o + 4 * j + 3] = w & 255;
      }
    }
    this.i = i;
    this.produced += c;
    return c;
  }
}
