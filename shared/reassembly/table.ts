// The reassembly table: joins `segment` records into one stream per connection, keyed by
// (ip, port, sport, server ISN), and lets each go when it ends (FIN, RST, byte limit), when it has
// been idle, or when a bound forces it. Time is the records' time_us, so a replay behaves as the
// live run did; nothing here reads a clock. A `sent` record (another scanner's first bytes, from
// catch --no-validate) waits under the same key (its ack is the server's ISN + 1) for the
// connection's first segment, and goes with it into the banner; its bytes count in --max-bytes.
import type { AnyRecord } from '../records';
import { LruMap } from './lru';
import { IsnTable } from './isns';
import { End, ReassemblyCounters } from './counters';
import { Segment, Sent, SENT_KEEP, readOpen } from './segment';
import { Stream } from './stream';
import { EndDetector, type TlsFor } from './ended';
import type { Talker } from '../probes/types';

export interface ReassemblyLimits {
  /** Bytes kept of one response (banners --max-banner). */
  maxBanner: number;
  /** Connections held at once (--max-connections); also bounds the remembered ISNs and finished keys. */
  maxConnections: number;
  /** Response bytes held at once, all connections together (--max-bytes). */
  maxBytes: number;
  /** A connection with no segment for this long (record time) is written (--idle). */
  idleUs: number;
}

/** A connection let go: its first segment's record (less its per-segment keys), its stream, and
 *  why; sent: the first bytes the scanner sent on it, when a `sent` record said. */
export interface Finished {
  meta: AnyRecord; time: number | undefined; stream: Stream; end: End; sent?: Uint8Array;
  /** What the connection's talker read of the stream after its last message (Talker.read). */
  read?: unknown;
}

/** The scanner's bytes on one connection: from seq, joined while in order, at most SENT_KEEP. */
interface SentBytes { seq: number; data: Uint8Array; whole: boolean; name?: string }

/** Conversations (trawl.7 CONVERSATIONS): which connections have one, and where their messages go. */
export interface Conversations {
  /** The talker of a new connection (from its first segment's record), or null when its probe sends nothing more. */
  talker(meta: AnyRecord): Talker | null;
  /** Sends `payload` on the connection of segment s, acknowledging the server's stream up to `next`
   *  (its ISN + 1 + the contiguous bytes held). */
  send(s: Segment, next: number, payload: Uint8Array): void;
}

interface Conn {
  meta: AnyRecord; time: number | undefined; stream: Stream; end?: EndDetector; sent?: SentBytes;
  /** The conversation while it may still send; null once done. A connection that has one is never
   *  ended by its framing (EndDetector): its answer goes on after what looks like an end. */
  talker?: Talker | null;
  /** The talker, done talking, that goes on reading the stream (Talker.follow). */
  follower?: Talker;
  /** What the talker, follower or end detector held when last counted in the table's bytes. */
  talkBytes?: number;
}

const U32 = 0x100000000;

export class Reassembler {
  readonly counters = new ReassemblyCounters();
  private conns = new LruMap<Conn>();
  private done = new LruMap<true>();          // keys that ended (FIN, RST, limit): their late segments are dropped
  private isns: IsnTable;                     // tuple -> server ISNs from open records
  private sents = new LruMap<SentBytes>();    // tuple|ISN (or tuple, without an ack) -> the scanner's bytes, until a segment comes
  private clock = -Infinity;
  private bytes = 0;

  /** tlsFor: how to decrypt a TLS 1.3 flight, to write it at its Finished (banners --key-file). */
  constructor(private limits: ReassemblyLimits, private emit: (f: Finished) => void, private talk: Conversations | null = null,
    private tlsFor?: TlsFor) {
    this.isns = new IsnTable(limits.maxConnections);
  }

  get held(): { connections: number; bytes: number } { return { connections: this.conns.size, bytes: this.bytes }; }

  /** Moves record time on to `t` (never back) and writes the connections idle since --idle. */
  tick(t: number): void {
    if (t <= this.clock) return;
    this.clock = t;
    const horizon = t - this.limits.idleUs;
    for (let o = this.conns.oldest(); o && o.at <= horizon; o = this.conns.oldest()) this.finish(o.key, o.v, 'idle');
    for (let o = this.done.oldest(); o && o.at <= horizon; o = this.done.oldest()) this.done.delete(o.key);
    this.isns.expire(horizon);
    for (let o = this.sents.oldest(); o && o.at <= horizon; o = this.sents.oldest()) this.dropSent(o.key, o.v);
  }

  /**
   * Holds the bytes of a `sent` record for its connection's banner. Only the first data the
   * scanner sent matters (it chose the answer): a later segment is kept only when it continues
   * those bytes, up to SENT_KEEP; a retransmission or anything else is left out.
   */
  sent(s: Sent): void {
    if (s.time !== undefined) this.tick(s.time);
    this.counters.sent++;
    const key = s.ack !== undefined ? `${s.tuple}|${(s.ack - 1 + U32) % U32}` : s.tuple;
    // blast's record of a named target's probe: only the name is kept (the bytes are our own
    // probe's, rebuilt from it); it names the banner and the conversation's hello and request.
    if (s.name !== undefined) s = { ...s, data: new Uint8Array(0), len: 0 };
    const c = this.conns.get(key);
    if (c) {
      const before = c.sent?.data.length ?? 0;
      // A name after the first segment: the banner still gets it, but a conversation already
      // begun was given the default hello (counted; blast's record normally comes first).
      if (s.name !== undefined && c.meta.name === undefined) {
        c.meta.name = s.name;
        if (c.talker !== undefined) this.counters.name_late++;
      }
      c.sent = joinSent(c.sent, s);
      this.bytes += c.sent.data.length - before;
    } else {
      const had = this.sents.get(key);
      const before = had?.data.length ?? 0;
      if (!had && this.sents.size >= this.limits.maxConnections) {
        const o = this.sents.oldest()!;
        this.counters.sent_forgotten++;
        this.dropSent(o.key, o.v);
      }
      const v = joinSent(had, s);
      this.sents.touch(key, v, this.clock);
      this.bytes += v.data.length - before;
    }
    this.bound();
  }

  private dropSent(key: string, v: SentBytes): void {
    this.sents.delete(key);
    this.bytes -= v.data.length;
  }

  /** The bytes the scanner sent that wait for this connection (its key, or its tuple alone). */
  private takeSent(key: string, tuple: string): SentBytes | undefined {
    for (const k of [key, tuple]) {
      const v = this.sents.get(k);
      if (v) { this.sents.delete(k); return v; }
    }
    return undefined;
  }

  /** Remembers the server ISN of an `open` record, for segments that come without an offset. */
  open(rec: AnyRecord): void {
    if (typeof rec.time_us === 'number') this.tick(rec.time_us);
    const o = readOpen(rec);
    if (!o) return;
    if (this.isns.add(o, o.isn, this.clock)) this.counters.opens_forgotten++;
  }

  /** Places one segment; false when it could not be joined (no offset, no ISN known for it). */
  segment(s: Segment): boolean {
    if (s.time !== undefined) this.tick(s.time);
    this.counters.segments++;
    let offset = s.offset, isn: number;
    if (offset !== undefined) isn = (s.seq - offset - 1 + 2 * U32) % U32;
    else {
      const known = this.isns.nearest(s, s.seq, this.clock);
      if (known === undefined) { this.counters.unjoined++; return false; }
      isn = known;
      offset = (s.seq - isn - 1 + U32) % U32;
    }
    const key = `${s.tuple}|${isn}`;
    if (this.done.has(key)) { this.counters.late++; this.done.touch(key, true, this.clock); return true; }
    let c = this.conns.get(key);
    if (!c) {
      if (this.conns.size >= this.limits.maxConnections) {
        const o = this.conns.oldest()!;
        this.counters.evicted_entries++;
        this.finish(o.key, o.v, 'evicted');
      }
      const sent = this.takeSent(key, s.tuple);
      c = { meta: sent?.name !== undefined ? { ...s.meta, name: sent.name } : s.meta, time: s.time, stream: new Stream(this.limits.maxBanner), sent };
      // Only a connection that converses gets the field (null once done): the others keep their end detector.
      const t = this.talk?.talker(c.meta);
      if (t) { c.talker = t; this.counters.conversations++; }
      if (this.conns.size + 1 > this.counters.peak_connections) this.counters.peak_connections = this.conns.size + 1;
    } else if (s.time !== undefined && (c.time === undefined || s.time < c.time)) c.time = s.time;
    this.conns.touch(key, c, this.clock);
    const st = c.stream;
    const refused = st.refused, contig = st.contiguous;
    this.bytes += st.add(offset, s.data, s.len, s.fin, s.rst, s.cut);
    this.counters.refused += st.refused - refused;
    if (this.bytes > this.counters.peak_bytes) this.counters.peak_bytes = this.bytes;

    // First the follower (a talker done before this segment), then a talker still talking,
    // which becomes the follower when done: each byte is read once.
    if (c.follower && st.contiguous > contig) c.follower.follow!(st.slice(contig, st.contiguous));
    if (c.talker && st.contiguous > contig && !st.rst) this.converse(c, s, isn, contig);
    const complete = !st.rst && !st.atLimit && !st.finished && c.talker === undefined && st.contiguous > contig && (c.end ??= new EndDetector(c.meta, this.tlsFor)).ended(st);
    // What a conversation or a TLS 1.3 read keeps (a handshake, the response it decrypts) counts like the stream.
    const h = (c.talker ?? c.follower ?? c.end)?.heldBytes ?? 0;
    if (h !== (c.talkBytes ?? 0)) {
      this.bytes += h - (c.talkBytes ?? 0);
      c.talkBytes = h;
      if (this.bytes > this.counters.peak_bytes) this.counters.peak_bytes = this.bytes;
    }
    if (st.rst) this.finish(key, c, 'rst');
    else if (st.atLimit) this.finish(key, c, 'limit');
    else if (st.finished) this.finish(key, c, 'fin');
    else if (complete) this.finish(key, c, 'complete');
    this.bound();
    return true;
  }

  /** The stream of c grew from `from`: its talker reads the new bytes and may answer. */
  private converse(c: Conn, s: Segment, isn: number, from: number): void {
    const t = c.talker!, st = c.stream;
    const out = t.push(st.slice(from, st.contiguous));
    if (out) {
      if (s.reply) { this.talk!.send(s, (isn + 1 + st.contiguous) % U32, out); this.counters.said++; }
      else this.counters.unsaid++;
    }
    if (t.done) {
      if (t.failed !== undefined) this.counters.talk_failed++;
      else if (t.follow) c.follower = t;
      c.talker = null;
    }
  }

  // Over the byte bound: what was left alone longest goes first, a connection (written early,
  // this one last) or the scanner's bytes still waiting for their connection (forgotten).
  private bound(): void {
    while (this.bytes > this.limits.maxBytes) {
      const o = this.conns.oldest(), w = this.sents.oldest();
      if (w && (!o || w.at <= o.at)) { this.counters.sent_forgotten++; this.dropSent(w.key, w.v); continue; }
      if (!o) break;
      this.counters.evicted_bytes++;
      this.finish(o.key, o.v, 'evicted');
    }
  }

  /** End of input: every connection still held is written. */
  flush(): void {
    while (this.flushOne());
  }

  /** End of input, one connection at a time (the oldest), so the writer can keep up; false when none is left. */
  flushOne(): boolean {
    const o = this.conns.oldest();
    if (o) this.finish(o.key, o.v, o.v.stream.finAt !== undefined ? 'fin' : 'eof');
    return o !== undefined;
  }

  private finish(key: string, c: Conn, end: End): void {
    // An idle connection whose FIN came but whose holes were never filled still ended with a FIN.
    if (end === 'idle' && c.stream.finAt !== undefined) end = 'fin';
    this.conns.delete(key);
    this.bytes -= c.stream.held + (c.sent?.data.length ?? 0) + (c.talkBytes ?? 0);
    // Once the response is whole up to its FIN, reset or the limit, nothing more belongs to it: later
    // segments are late. After an idle wait or an eviction (holes and all) they may still come, and
    // start a banner of their own (its hole at the start reported in gaps) rather than be lost.
    const st = c.stream;
    if (end === 'complete' || st.rst || st.atLimit || st.finished) {
      if (this.done.size >= this.limits.maxConnections) this.done.delete(this.done.oldest()!.key);
      this.done.touch(key, true, this.clock);
    }
    this.counters.connections++;
    this.counters.ends[end]++;
    this.emit({ meta: c.meta, time: c.time, stream: c.stream, end, sent: c.sent?.data.length ? c.sent.data : undefined, read: c.follower?.read ?? c.end?.read(st) });
  }
}

/** The scanner's bytes with one more `sent` segment: the first one, or its continuation. */
function joinSent(had: SentBytes | undefined, s: Sent): SentBytes {
  if (!had) return { seq: s.seq, data: s.data, whole: s.data.length === s.len, name: s.name };
  if (s.name !== undefined) return { ...had, name: s.name };
  const room = SENT_KEEP - had.data.length;
  if (!had.whole || room <= 0 || s.seq !== (had.seq + had.data.length) % U32) return had;
  const add = s.data.subarray(0, room);
  const data = new Uint8Array(had.data.length + add.length);
  data.set(had.data); data.set(add, had.data.length);
  return { seq: had.seq, data, whole: s.data.length === s.len && add.length === s.data.length };
}
