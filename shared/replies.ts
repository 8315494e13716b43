// The replies channel's frame: catch (and later banners) asks blast for a packet by writing one
// frame to a FIFO (ZBanner's callback queue). This table is the one definition of the layout:
// the TypeScript codec below reads it, and `make` generates native/gen/replies.h from it for
// the C++ sender (native/gen-replies-h.ts), whose build carries REPLY_LAYOUT_ID so that a
// module built from another table is refused when loaded (native/index.ts).
//
// Frames are self-delimiting (length), at most PIPE_BUF bytes so that one write() of whole
// frames is atomic however many processes write to the FIFO, and authenticated: the MAC is
// SipHash-2-4 over every byte before it under a key derived from the scan key, and (writer,
// counter, time) make each frame usable once (shared/replies-auth.ts, trawl(7)). The magic
// and the length let a reader skip stray bytes and find the next frame.
//
// Integers are big-endian. IPv4 addresses fill the first 4 bytes of their 16-byte field.
// The MAC (8 bytes) follows the payload: a frame is HEADER_LEN + payload_len + MAC_LEN bytes.
export const REPLY = {
  //          offset size
  magic:       f(0, 2, 'REPLY_MAGIC, "tr": where a frame may start'),
  version:     f(2, 1, 'REPLY_VERSION'),
  kind:        f(3, 1, 'what to send (REPLY_KINDS)'),
  length:      f(4, 2, 'bytes in the whole frame, MAC included'),
  family:      f(6, 1, '4 or 6: the addresses\' family'),
  slot:        f(7, 1, 'probe slot, or code slot + 16 * variant (shared/cookie.ts), whose payload ACK_PROBE carries'),
  writer:      f(8, 8, 'random per writing process: with counter, the nonce'),
  counter:     f(16, 8, 'per writer, from 1, +1 a frame: a reader takes each value once'),
  time:        f(24, 8, 'writer\'s clock when sealed, ms since the epoch: stale frames are refused'),
  daddr:       f(32, 16, 'the target'),
  saddr:       f(48, 16, 'our address'),
  dport:       f(64, 2, 'the target\'s port'),
  sport:       f(66, 2, 'our port'),
  seq:         f(68, 4, 'sequence number to send'),
  ack:         f(72, 4, 'acknowledgment number to send'),
  window:      f(76, 2, 'window field to send (0: the sender\'s default); it means window << wscale bytes'),
  wscale:      f(78, 1, 'window scale shift the connection negotiated, 0..14 (0: none)'),
  flags:       f(79, 1, 'REPLY_F_* bits'),
  delay_ms:    f(80, 4, 'RST_LATER: send the RST after this long; ACK_PROBE, ACK_DATA, ACK_PAYLOAD: (re)arm it (0: none)'),
  payload_len: f(84, 2, 'bytes of payload after the header (ACK_PAYLOAD), <= REPLY_MAX_PAYLOAD'),
  reserved:    f(86, 2, '0'),
  tsval:       f(88, 4, 'TCP timestamp value to send (with REPLY_F_TS)'),
  tsecr:       f(92, 4, 'TCP timestamp echo reply to send (with REPLY_F_TS): the target\'s last TSval'),
  payload:     f(96, 0, 'payload_len bytes, then the 8-byte MAC'),
} as const;

function f(at: number, size: number, doc: string) { return { at, size, doc }; }

export type ReplyField = keyof typeof REPLY;

export const REPLY_MAGIC = 0x7472;
export const REPLY_VERSION = 2;
export const REPLY_HEADER_LEN = REPLY.payload.at;
export const REPLY_MAC_LEN = 8;
export const REPLY_MAX_PAYLOAD = 1400;
export const REPLY_MIN_FRAME = REPLY_HEADER_LEN + REPLY_MAC_LEN;
export const REPLY_MAX_FRAME = REPLY_MIN_FRAME + REPLY_MAX_PAYLOAD;
export const PIPE_BUF = 4096;   // Linux: writes up to this size to a pipe are atomic

/** What a frame asks blast to send. Numbers are fixed once published; blast refuses (counts as
 *  rejected) a kind it does not implement. In every kind seq = ISN+1+d, 0 <= d <= 1400: d is
 *  what we sent before (0 for ACK_PROBE), and the cookie check of the sender holds it to that. */
export const REPLY_KINDS = {
  ACK_PROBE: { n: 1, doc: 'ACK carrying the probe of slot (ACK alone when the slot has none): seq = ISN+1' },
  RST: { n: 2, doc: 'RST+ACK: seq = ISN+1+d (the probe bytes the server took); cancels a pending RST_LATER' },
  ACK_DATA: { n: 3, doc: 'ACK of received data at seq/ack with window << wscale' },
  RST_LATER: { n: 4, doc: 'RST as kind 2, after delay_ms, in blast\'s bounded timed queue (one per connection)' },
  ACK_PAYLOAD: { n: 5, doc: 'PSH+ACK carrying payload_len bytes of its own payload at seq' },
} as const;
export const REPLY_ACK_PROBE = REPLY_KINDS.ACK_PROBE.n;
export const REPLY_RST = REPLY_KINDS.RST.n;
export const REPLY_ACK_DATA = REPLY_KINDS.ACK_DATA.n;
export const REPLY_RST_LATER = REPLY_KINDS.RST_LATER.n;
export const REPLY_ACK_PAYLOAD = REPLY_KINDS.ACK_PAYLOAD.n;

/** The TSval of every SYN blast sends (native/src/frame.cc). A reply's TSval must not be below
 *  it (as a 32-bit serial number): the server would drop the reply (PAWS, RFC 7323). */
export const REPLY_SYN_TSVAL = 100000;

/** Bits of the flags field. */
export const REPLY_FLAGS = {
  TS: { bit: 1, doc: 'the connection negotiated TCP timestamps: carry NOP,NOP,TS with tsval and tsecr' },
} as const;
export const REPLY_F_TS = REPLY_FLAGS.TS.bit;

// The layout must tile the header with no gap or overlap (a wrong offset fails at load).
{
  let at = 0;
  for (const [name, x] of Object.entries(REPLY)) {
    if (x.at !== at) throw new Error(`shared/replies.ts: field ${name} at ${x.at}, expected ${at}`);
    at += x.size;
  }
  if (REPLY_MAX_FRAME > PIPE_BUF) throw new Error('shared/replies.ts: a frame must fit in PIPE_BUF');
}

/** The layout as one line of text, compiled into the native module too: equal texts, same layout. */
export const REPLY_LAYOUT_ID = `v${REPLY_VERSION} ` +
  Object.entries(REPLY).map(([k, x]) => `${k}@${x.at}/${x.size}`).join(' ') +
  ` mac/${REPLY_MAC_LEN} maxpayload/${REPLY_MAX_PAYLOAD} syn_tsval/${REPLY_SYN_TSVAL} kinds ` +
  Object.entries(REPLY_KINDS).map(([k, x]) => `${k}=${x.n}`).join(',') + ' flags ' +
  Object.entries(REPLY_FLAGS).map(([k, x]) => `${k}=${x.bit}`).join(',');

/** One request, as the codec reads and writes it. IPv4 addresses are uint32 (host order);
 *  family 6 addresses are the 16 bytes (daddr6, saddr6). */
export interface ReplyRequest {
  kind: number; slot: number; family?: number;
  daddr: number; saddr: number; daddr6?: Uint8Array; saddr6?: Uint8Array;
  dport: number; sport: number; seq: number; ack: number;
  window?: number; wscale?: number; flags?: number; delay_ms?: number;
  tsval?: number; tsecr?: number; payload?: Uint8Array;
}

// Big-endian fields (the MAC and the stamps of shared/replies-auth.ts use them too).
export const put16 = (b: Uint8Array, o: number, v: number) => { b[o] = v >>> 8; b[o + 1] = v & 255; };
export const put32 = (b: Uint8Array, o: number, v: number) => {
  b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255;
};
export const get16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
export const get32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** Writes r as an unsealed frame at buf[off] (writer, counter, time and MAC zero: the writer's
 *  Sealer fills them); returns the frame's length. */
export function encodeReply(r: ReplyRequest, buf: Uint8Array, off: number): number {
  const plen = r.payload ? r.payload.length : 0;
  if (plen > REPLY_MAX_PAYLOAD) throw new RangeError(`reply payload of ${plen} bytes (at most ${REPLY_MAX_PAYLOAD})`);
  const len = REPLY_MIN_FRAME + plen;
  const R = REPLY;
  buf.fill(0, off, off + len);
  put16(buf, off + R.magic.at, REPLY_MAGIC);
  buf[off + R.version.at] = REPLY_VERSION;
  buf[off + R.kind.at] = r.kind;
  put16(buf, off + R.length.at, len);
  const family = r.family ?? 4;
  buf[off + R.family.at] = family;
  buf[off + R.slot.at] = r.slot;
  if (family === 6) {
    buf.set(r.daddr6!.subarray(0, 16), off + R.daddr.at);
    buf.set(r.saddr6!.subarray(0, 16), off + R.saddr.at);
  } else {
    put32(buf, off + R.daddr.at, r.daddr);
    put32(buf, off + R.saddr.at, r.saddr);
  }
  put16(buf, off + R.dport.at, r.dport);
  put16(buf, off + R.sport.at, r.sport);
  put32(buf, off + R.seq.at, r.seq);
  put32(buf, off + R.ack.at, r.ack);
  put16(buf, off + R.window.at, r.window ?? 0);
  buf[off + R.wscale.at] = r.wscale ?? 0;
  buf[off + R.flags.at] = r.flags ?? 0;
  put32(buf, off + R.delay_ms.at, r.delay_ms ?? 0);
  put16(buf, off + R.payload_len.at, plen);
  put32(buf, off + R.tsval.at, r.tsval ?? 0);
  put32(buf, off + R.tsecr.at, r.tsecr ?? 0);
  if (plen) buf.set(r.payload!, off + R.payload.at);
  return len;
}

/** Reads the frame at buf[off] (its length and MAC are the caller's to check). */
export function decodeReply(buf: Uint8Array, off: number): ReplyRequest {
  const R = REPLY;
  const family = buf[off + R.family.at];
  const r: ReplyRequest = {
    kind: buf[off + R.kind.at], slot: buf[off + R.slot.at], family,
    daddr: family === 4 ? get32(buf, off + R.daddr.at) : 0, saddr: family === 4 ? get32(buf, off + R.saddr.at) : 0,
    dport: get16(buf, off + R.dport.at), sport: get16(buf, off + R.sport.at),
    seq: get32(buf, off + R.seq.at), ack: get32(buf, off + R.ack.at),
    window: get16(buf, off + R.window.at), wscale: buf[off + R.wscale.at], flags: buf[off + R.flags.at],
    delay_ms: get32(buf, off + R.delay_ms.at), tsval: get32(buf, off + R.tsval.at), tsecr: get32(buf, off + R.tsecr.at),
  };
  if (family === 6) {
    r.daddr6 = buf.slice(off + R.daddr.at, off + R.daddr.at + 16);
    r.saddr6 = buf.slice(off + R.saddr.at, off + R.saddr.at + 16);
  }
  const plen = get16(buf, off + R.payload_len.at);
  if (plen) r.payload = buf.slice(off + R.payload.at, off + R.payload.at + plen);
  return r;
}

/** The length field of the frame at buf[off]. */
export function replyLength(buf: Uint8Array, off: number): number {
  return get16(buf, off + REPLY.length.at);
}

/** The plausible start of a frame at buf[off] (n bytes readable from off, n >= REPLY_MIN_FRAME):
 *  its length, or 0 when the magic, version or lengths do not hold. */
export function frameAt(buf: Uint8Array, off: number): number {
  if (get16(buf, off + REPLY.magic.at) !== REPLY_MAGIC || buf[off + REPLY.version.at] !== REPLY_VERSION) return 0;
  const len = get16(buf, off + REPLY.length.at);
  const plen = get16(buf, off + REPLY.payload_len.at);
  return plen <= REPLY_MAX_PAYLOAD && len === REPLY_MIN_FRAME + plen ? len : 0;
}
