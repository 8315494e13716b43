// Authentication of the replies channel (threat model in trawl(7)): a frame is taken only when
// its MAC checks out under a key derived from the scan key, its time is recent, and its
// (writer, counter) pair is newer than any taken before. So nobody without the key can forge a
// request or alter one, and nobody can replay one, whether into this run or a later one.
//
// MAC key = SipHash-2-4(key, LABEL 0x00) || SipHash-2-4(key, LABEL 0x01), each 8 bytes
//           little-endian: a MAC never equals a cookie hash of the same key.
// MAC     = SipHash-2-4(MAC key, every frame byte before the MAC), big-endian.
import * as crypto from 'crypto';
import { SipHash } from './siphash';
import { get32, put32, REPLY, REPLY_MAC_LEN } from './replies';

const LABEL = 'trawl replies MAC key';

/** The 16-byte MAC key of the channel, derived from the scan key. */
export function replyMacKey(key: Uint8Array): Uint8Array {
  const h = new SipHash(key);
  const m = new Uint8Array(LABEL.length + 1);
  for (let i = 0; i < LABEL.length; i++) m[i] = LABEL.charCodeAt(i);
  const out = new Uint8Array(16);
  for (let half = 0; half < 2; half++) {
    m[LABEL.length] = half;
    h.hash(m, 0, m.length);
    putLe32(out, half * 8, h.lo); putLe32(out, half * 8 + 4, h.hi);
  }
  return out;
}

/** The writing end: stamps each frame with this process's writer id, the next counter and the
 *  time, then its MAC. */
export class Sealer {
  readonly writer = new Uint8Array(crypto.randomBytes(8));
  private counter = 0;
  private mac: SipHash;

  constructor(key: Uint8Array, private now: () => number = Date.now) {
    this.mac = new SipHash(replyMacKey(key));
  }

  /** Seals the frame of len bytes at buf[off] in place. */
  seal(buf: Uint8Array, off: number, len: number): void {
    buf.set(this.writer, off + REPLY.writer.at);
    put64(buf, off + REPLY.counter.at, ++this.counter);
    put64(buf, off + REPLY.time.at, this.now());
    const m = this.mac, at = off + len - REPLY_MAC_LEN;
    m.hash(buf, off, len - REPLY_MAC_LEN);
    put32(buf, at, m.hi); put32(buf, at + 4, m.lo);
  }
}

// Why a reader refuses a frame whose MAC is good.
export const STALE = 1, REPLAYED = 2, TOO_MANY_WRITERS = 3;

// A frame stamped later than now + FUTURE_MS is refused too (clocks of one machine agree).
const FUTURE_MS = 5000;
// Writers remembered at once. Only frames with a good MAC create entries, and an entry is
// forgotten once its last frame is older than maxAgeMs (every frame it could replay is stale
// by then), so this bounds a bug, not an attacker: a pipeline has one writer per catch run.
export const MAX_WRITERS = 1024;

interface Writer { ch: number; cl: number; time: number }

/** The reading end: MAC check, freshness and the per-writer counter window. */
export class Opener {
  private mac: SipHash;
  private writers = new Map<number, Writer>();
  private lastKey = -1;
  private last: Writer | null = null;

  constructor(key: Uint8Array, readonly maxAgeMs: number) {
    this.mac = new SipHash(replyMacKey(key));
  }

  /** True when the MAC of the len-byte frame at buf[off] is right. */
  macOk(buf: Uint8Array, off: number, len: number): boolean {
    const m = this.mac, at = off + len - REPLY_MAC_LEN;
    m.hash(buf, off, len - REPLY_MAC_LEN);
    return get32(buf, at) === m.hi && get32(buf, at + 4) === m.lo;
  }

  /** 0 when the (authenticated) frame at buf[off] is fresh and new, else STALE, REPLAYED or
   *  TOO_MANY_WRITERS; a fresh new frame advances its writer's counter. */
  admit(buf: Uint8Array, off: number, now: number): number {
    const t = get64(buf, off + REPLY.time.at);
    if (t < now - this.maxAgeMs || t > now + FUTURE_MS) return STALE;
    const w = off + REPLY.writer.at, c = off + REPLY.counter.at;
    // Writer ids are random: 52 of their 64 bits make a key no honest pair of writers shares.
    const key = get32(buf, w) * 0x100000 + (get32(buf, w + 4) >>> 12);
    const ch = get32(buf, c), cl = get32(buf, c + 4);
    let e = key === this.lastKey ? this.last : this.writers.get(key);
    if (!e) {
      if (this.writers.size >= MAX_WRITERS) this.forget(now);
      if (this.writers.size >= MAX_WRITERS) return TOO_MANY_WRITERS;
      e = { ch, cl, time: t };
      this.writers.set(key, e);
    } else {
      if (ch < e.ch || (ch === e.ch && cl <= e.cl)) return REPLAYED;
      e.ch = ch; e.cl = cl; e.time = t;
    }
    this.lastKey = key; this.last = e;
    return 0;
  }

  /** Writers remembered now (bounded by MAX_WRITERS). */
  get size(): number { return this.writers.size; }

  private forget(now: number): void {
    for (const [k, e] of this.writers) if (e.time < now - this.maxAgeMs) this.writers.delete(k);
    this.lastKey = -1; this.last = null;
  }
}

function putLe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 255; b[o + 1] = (v >>> 8) & 255; b[o + 2] = (v >>> 16) & 255; b[o + 3] = v >>> 24;
}
// 64-bit big-endian integers below 2^53 (counters and millisecond times).
function put64(b: Uint8Array, o: number, v: number): void {
  put32(b, o, Math.floor(v / 0x100000000)); put32(b, o + 4, v >>> 0);
}
function get64(b: Uint8Array, o: number): number {
  return get32(b, o) * 0x100000000 + get32(b, o + 4);
}
