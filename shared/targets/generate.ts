// Index -> (address, port) -> record bytes, a batch at a time: the positions first, first+step,
// ... of the permuted order, stopping at the end of the set or after `limit` records.
import { formatIPv4 } from '../ipv4';
import { formatIPv6 } from '../ipv6';
import { Permutation, MAX_NUMBER_N } from './permutation';
import { TargetSpace } from './space';
import { AsciiCounter, PortDigits, writeIndexKey, writeIPv6, writePrefix } from './encode';
import { putIp, putUint53 } from '../ascii';
import { PROTO_NAMES, ProtoName, portOfKey, protoOfKey } from './ports';

export const BATCH = 8192;
const MAX_RECORD = 128; // 23 + 39 (IPv6) + 32 (port and proto) + 5 + 20 (index) + 2, rounded up

export interface StreamOptions {
  first: bigint;        // the first index to emit (already on this shard's residue)
  step: bigint;         // the shard count
  limit: number;        // records to emit at most (Infinity for no limit)
}

/** One target; port 0 and proto 'icmp' or 'arp' for an ICMP echo or ARP target. */
export interface Target { ip: string; port: number; proto: ProtoName; i: bigint }

export class TargetStream {
  readonly fast: boolean;
  /** Records emitted so far. */
  produced = 0;
  private iNum: number;
  private iBig: bigint;
  private readonly stepNum: number;
  private readonly nNum: number;
  private buf = Buffer.allocUnsafe(BATCH * MAX_RECORD);
  private readonly portDigits: PortDigits;
  private readonly words6 = new Float64Array(4);

  constructor(readonly space: TargetSpace, readonly perm: Permutation, readonly opts: StreamOptions) {
    // Every index, step and sum below stays under 2^53 on the fast path; larger sets
    // (IPv6 ranges wider than 2^52 targets) pay for BigInt.
    this.fast = space.total <= BigInt(MAX_NUMBER_N) && opts.step <= BigInt(MAX_NUMBER_N);
    this.iBig = opts.first;
    this.iNum = this.fast ? Number(opts.first) : NaN;
    this.stepNum = Number(opts.step);
    this.nNum = Number(space.total);
    this.portDigits = new PortDigits(space.ports);
  }

  /** The index the next record would carry: where a later run resumes. */
  get nextIndex(): bigint {
    if (this.fast) return this.iNum >= this.nNum ? this.space.total : BigInt(this.iNum);
    return this.iBig < this.space.total ? this.iBig : this.space.total;
  }

  get done(): boolean {
    if (this.produced >= this.opts.limit) return true;
    return this.fast ? this.iNum >= this.nNum : this.iBig >= this.space.total;
  }

  /**
   * The last chunk is still queued in the output stream: the next one needs a new buffer.
   * (Reusing one buffer while writes complete at once keeps the heap flat: a fresh 400 kB
   * buffer per batch is garbage that V8 collects late, and RSS climbed to 86 MB with it.)
   */
  detach(): void {
    this.buf = Buffer.allocUnsafe(BATCH * MAX_RECORD);
  }

  /**
   * The next batch of up to `max` records as NDJSON bytes; empty at the end. The bytes live in
   * a buffer that the next call overwrites unless detach() was called in between.
   */
  chunk(max = BATCH): Buffer {
    const room = Math.min(max, BATCH, this.opts.limit - this.produced);
    if (room <= 0) return Buffer.alloc(0);
    return this.fast ? this.chunkFast(room) : this.chunkBig(room);
  }

  private chunkFast(room: number): Buffer {
    const buf = this.buf, sp = this.space, perm = this.perm;
    const pd = this.portDigits;
    const w6 = this.words6;
    const A = sp.v4Count + Number(sp.v6Count);
    const A4 = sp.v4Count;
    const oneV4 = sp.v4Start.length === 1 ? sp.v4Start[0] : -1;
    const n = this.nNum, step = this.stepNum;
    let i = this.iNum, p = 0, c = 0;
    const counter = step < 2 ** 31 ? new AsciiCounter(i) : null;
    for (; c < room && i < n; c++, i += step) {
      const x = perm.shuffle(i);
      // x div A and x mod A without a double modulo (see Permutation.encNum).
      let pi = Math.floor(x / A);
      let ai = x - pi * A;
      if (ai < 0) { pi--; ai += A; }
      p = writePrefix(buf, p);
      if (ai < A4) p = putIp(buf, p, oneV4 >= 0 ? oneV4 + ai : sp.v4At(ai));
      else { sp.v6WordsAt(ai - A4, w6); p = writeIPv6(buf, p, w6[0], w6[1], w6[2], w6[3]); }
      p = pd.write(buf, p, pi);
      p = writeIndexKey(buf, p);
      if (counter) { p = counter.write(buf, p); counter.add(step); } else p = putUint53(buf, p, i);
      buf[p++] = 125; // }
      buf[p++] = 10;
    }
    this.iNum = i;
    this.produced += c;
    return buf.subarray(0, p);
  }

  // The BigInt path writes into the same reusable buffer: per-batch strings and Buffers were
  // garbage enough to take RSS past 140 MB over 4 M targets.
  private chunkBig(room: number): Buffer {
    const buf = this.buf, sp = this.space, pd = this.portDigits;
    const n = sp.total, step = this.opts.step, A = sp.addresses, A4 = BigInt(sp.v4Count);
    const M = 0xffffffffn;
    let i = this.iBig, p = 0, c = 0;
    for (; c < room && i < n; c++, i += step) {
      const x = this.perm.shuffleBig(i);
      const ai = x % A;
      p = writePrefix(buf, p);
      if (ai < A4) p = putIp(buf, p, sp.v4At(Number(ai)));
      else {
        const v = sp.v6At(ai - A4);
        p = writeIPv6(buf, p, Number(v >> 96n), Number((v >> 64n) & M), Number((v >> 32n) & M), Number(v & M));
      }
      p = pd.write(buf, p, Number(x / A));
      p = writeIndexKey(buf, p);
      const digits = i.toString();
      for (let k = 0; k < digits.length; k++) buf[p++] = digits.charCodeAt(k);
      buf[p++] = 125; // }
      buf[p++] = 10;
    }
    this.iBig = i;
    this.produced += c;
    return buf.subarray(0, p);
  }

  /** The target at position i of the order (any set size); the reference the tests compare with. */
  targetAt(i: bigint): Target {
    const sp = this.space;
    const x = sp.total <= BigInt(MAX_NUMBER_N) ? BigInt(this.perm.shuffle(Number(i))) : this.perm.shuffleBig(i);
    const ai = x % sp.addresses;
    const key = sp.ports[Number(x / sp.addresses)];
    const A4 = BigInt(sp.v4Count);
    const ip = ai < A4 ? formatIPv4(sp.v4At(Number(ai))) : formatIPv6(sp.v6At(ai - A4));
    return { ip, port: portOfKey(key), proto: PROTO_NAMES[protoOfKey(key)], i };
  }
}
