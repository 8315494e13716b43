// The replies channel: catch asks blast to send an ACK carrying the probe, or an RST, by writing
// fixed 32-byte records to a FIFO (ZBanner's callback queue). 32 bytes is below PIPE_BUF, so
// each write is atomic even with several writers. blast re-checks every cookie before sending.
//
//  0  u8   kind       1 = ACK + probe payload, 2 = RST
//  1  u8   slot       probe slot (shared/cookie.ts), meaningful for kind 1
//  2  u16  reserved   0
//  4  u32  daddr      the target (big-endian, as on the wire)
//  8  u32  saddr      our source address
// 12  u16  dport      the target's port
// 14  u16  sport      our source port
// 16  u32  seq        sequence number to send (ISN+1, or ISN+1+acknowledged probe bytes for RST)
// 20  u32  ack        acknowledgment number to send (server ISN+1, or past the banner for RST)
// 24  u8[8] reserved  0
export const REPLY_SIZE = 32;
export const REPLY_ACK_PROBE = 1;
export const REPLY_RST = 2;

export interface ReplyRequest {
  kind: number; slot: number;
  daddr: number; saddr: number; dport: number; sport: number;
  seq: number; ack: number;
}

export function encodeReply(r: ReplyRequest, buf: Uint8Array, off: number): void {
  const v = new DataView(buf.buffer, buf.byteOffset + off, REPLY_SIZE);
  buf.fill(0, off, off + REPLY_SIZE);
  v.setUint8(0, r.kind); v.setUint8(1, r.slot);
  v.setUint32(4, r.daddr >>> 0); v.setUint32(8, r.saddr >>> 0);
  v.setUint16(12, r.dport); v.setUint16(14, r.sport);
  v.setUint32(16, r.seq >>> 0); v.setUint32(20, r.ack >>> 0);
}

export function decodeReply(buf: Uint8Array, off: number): ReplyRequest {
  const v = new DataView(buf.buffer, buf.byteOffset + off, REPLY_SIZE);
  return {
    kind: v.getUint8(0), slot: v.getUint8(1),
    daddr: v.getUint32(4), saddr: v.getUint32(8), dport: v.getUint16(12), sport: v.getUint16(14),
    seq: v.getUint32(16), ack: v.getUint32(20),
  };
}
