// The replies FIFOs, blast's end: frames (shared/replies.ts) from catch, and from any other
// writer holding the key, are read from one or more FIFOs, checked (MAC, freshness, replay:
// shared/replies-auth.ts) and queued whole for the send loop, which hands them to the sender
// in batches before any new SYN. A FIFO is opened read-write and non-blocking
// (shared/replies-fifo.ts) and polled by libuv, so there is no busy loop.
//
// Framing: a frame starts with the magic and carries its length. Bytes that do not start a
// well-formed frame whose MAC checks out are skipped one at a time until one does, so a stray
// byte (or a forged frame) costs only itself, never the requests after it.
import * as net from 'net';
import { frameAt, replyLength, REPLY_MAX_FRAME, REPLY_MIN_FRAME } from '../replies';
import { MAX_WRITERS, Opener, REPLAYED, STALE, TOO_MANY_WRITERS } from '../replies-auth';
import { openRepliesFifo } from '../replies-fifo';

/** Why requests were dropped before reaching the sender, in the order the summary gives them. */
export const REQUEST_DROPS = ['bad_mac', 'replayed', 'stale', 'stray_bytes', 'too_many_writers', 'queue_full'] as const;
export type RequestDrop = typeof REQUEST_DROPS[number];
/** What each drop means, for the warning at the first one. */
export const DROP_TEXT: Record<RequestDrop, string> = {
  bad_mac: 'a request failed authentication (forged, or written with another key)',
  replayed: 'a request was replayed (its counter was used already)',
  stale: 'a request is stale (sealed before --replies-max-age, or in the future)',
  stray_bytes: 'bytes that start no request were skipped (framing resynchronised)',
  too_many_writers: `more than ${MAX_WRITERS} writers at once`,
  queue_full: 'the request queue is full',
};

export interface RepliesOptions {
  capacityBytes: number;    // queued frames at most (the FIFO is paused before this fills)
  maxAgeMs: number;         // frames sealed longer ago are stale
  onData: () => void;       // new requests are queued
  onDrop: (why: RequestDrop, path: string) => void;   // the first drop of each kind, per FIFO
  /** Sees each authenticated frame before it is queued (the timed RST queue); false keeps it
   *  out of the send queue. */
  route: ((b: Uint8Array, off: number) => boolean) | null;
  /** Called with each FIFO's descriptor once open: blast grows the pipe (native setPipeSize). */
  grow?: (fd: number) => void;
}

const DEFAULTS: RepliesOptions = {
  capacityBytes: 2 << 20, maxAgeMs: 60000, onData: () => {}, onDrop: () => {}, route: null,
};
// Room kept free when the FIFOs are paused: one read of each (64 KiB) and a frame.
const READ_MARGIN = 65536 + REPLY_MAX_FRAME;

// One FIFO and the bytes of a frame that straddles two reads.
class Source {
  sock: net.Socket | null = null;
  carry = new Uint8Array(2 * REPLY_MAX_FRAME);
  carryLen = 0;
  warned = new Set<RequestDrop>();
  constructor(readonly path: string) {}
}

export class RepliesQueue {
  readonly buf: Uint8Array;
  private headByte = 0;
  private tailByte = 0;
  count = 0;            // frames queued
  received = 0;         // frames taken (authenticated, fresh, new), queued or routed elsewhere
  readonly drops: Record<RequestDrop, number> = Object.fromEntries(REQUEST_DROPS.map((k) => [k, 0])) as Record<RequestDrop, number>;
  private opener: Opener;
  private opts: RepliesOptions;
  private sources: Source[] = [];
  private paused = false;

  constructor(key: Uint8Array, opts: Partial<RepliesOptions> = {}) {
    this.opts = { ...DEFAULTS, ...opts };
    this.buf = new Uint8Array(Math.max(this.opts.capacityBytes, READ_MARGIN + REPLY_MAX_FRAME));
    this.opener = new Opener(key, this.opts.maxAgeMs);
  }

  /** Opens (creating if missing) and starts reading the FIFO at path; throws FatalError when
   *  the path is not a FIFO private to us. */
  open(path: string): void {
    let fd: number;
    try { fd = openRepliesFifo(path); } catch (e) { this.close(); throw e; }
    this.opts.grow?.(fd);
    const src = new Source(path);
    src.sock = new net.Socket({ fd, readable: true, writable: false });
    src.sock.on('data', (d: Buffer) => this.add(d, src));
    src.sock.on('error', () => { /* a FIFO we hold open for writing cannot fail short of close */ });
    if (this.paused) src.sock.pause();
    this.sources.push(src);
  }

  /** Takes raw bytes read from a FIFO (exported for tests and for a mock channel). */
  add(d: Uint8Array, src?: Source): void {
    if (!src) {
      if (!this.sources.length) this.sources.push(new Source('(test)'));
      src = this.sources[0];
    }
    const now = Date.now();
    let off = 0;
    // A frame begun in an earlier read: parse the carried bytes topped up from d until they
    // are consumed, then go on in d itself.
    while (src.carryLen > 0 && off < d.length) {
      const old = src.carryLen;
      const take = Math.min(d.length - off, src.carry.length - old);
      src.carry.set(d.subarray(off, off + take), old);
      const used = this.parse(src.carry, 0, old + take, now, src);
      if (used >= old) { off += used - old; src.carryLen = 0; }
      else { src.carry.copyWithin(0, used, old + take); src.carryLen = old + take - used; off += take; }
    }
    if (src.carryLen === 0 && off < d.length) {
      const used = this.parse(d, off, d.length, now, src);
      src.carry.set(d.subarray(used), 0);
      src.carryLen = d.length - used;
    }
    if (!this.paused && this.buf.length - (this.tailByte - this.headByte) < READ_MARGIN) {
      this.paused = true;
      for (const s of this.sources) s.sock?.pause();
    }
    this.opts.onData();
  }

  // Takes the frames in b[from, to); returns where the unconsumed bytes begin (fewer than a
  // frame's worth).
  private parse(b: Uint8Array, from: number, to: number, now: number, src: Source): number {
    let p = from;
    while (to - p >= REPLY_MIN_FRAME) {
      const len = frameAt(b, p);
      if (len === 0) { this.drop1('stray_bytes', src); p++; continue; }
      if (to - p < len) break;
      if (!this.opener.macOk(b, p, len)) {
        // Forged, or written with another key, or a false start inside stray bytes: skip one
        // byte, as a frame that is real may begin inside it.
        this.drop1('bad_mac', src); p++;
        continue;
      }
      const why = this.opener.admit(b, p, now);
      if (why === 0) {
        if (!this.opts.route || this.opts.route(b, p)) this.put(b, p, len, src);
        else this.received++;
      }
      else this.drop1(why === STALE ? 'stale' : why === REPLAYED ? 'replayed' : why === TOO_MANY_WRITERS ? 'too_many_writers' : 'bad_mac', src);
      p += len;
    }
    return p;
  }

  private drop1(why: RequestDrop, src: Source): void {
    this.drops[why]++;
    if (!src.warned.has(why)) { src.warned.add(why); this.opts.onDrop(why, src.path); }
  }

  private put(b: Uint8Array, off: number, len: number, src: Source): void {
    if (this.tailByte + len > this.buf.length) {
      this.buf.copyWithin(0, this.headByte, this.tailByte);
      this.tailByte -= this.headByte; this.headByte = 0;
      if (this.tailByte + len > this.buf.length) { this.drop1('queue_full', src); return; }
    }
    this.buf.set(b.subarray(off, off + len), this.tailByte);
    this.tailByte += len;
    this.count++;
    this.received++;
  }

  /** Queues a frame blast built itself in place of a request its route took (a named target's
   *  probe, shared/blast/names.ts): unsealed, as the sender checks cookies, not MACs. */
  putOwn(frame: Uint8Array): void {
    const src = this.sources[0] ?? new Source('(blast)');
    this.put(frame, 0, frame.length, src);
    this.received--;   // the request it replaces was counted when taken
  }

  /** Frames readable from the head in one piece (all of them: the queue is kept contiguous). */
  contiguous(): number { return this.count; }
  /** The queued frames, back to back, as sendReplies takes them. */
  view(): Uint8Array { return this.buf.subarray(this.headByte, this.tailByte); }

  /** Removes the first n frames (sent or rejected by the sender). */
  drop(n: number): void {
    for (let i = 0; i < n && this.count > 0; i++) {
      this.headByte += replyLength(this.buf, this.headByte);
      this.count--;
    }
    if (this.count === 0) this.headByte = this.tailByte = 0;
    if (this.paused && this.tailByte - this.headByte < this.buf.length / 2) {
      this.paused = false;
      for (const s of this.sources) s.sock?.resume();
    }
  }

  /** Bad requests of every kind (the exit status counts them as rejected input). */
  get rejected(): number { return this.drops.bad_mac + this.drops.replayed + this.drops.stray_bytes; }

  close(): void {
    for (const s of this.sources) { s.sock?.destroy(); s.sock = null; }
  }
}
