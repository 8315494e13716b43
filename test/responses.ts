// Test helper: a server's response to one of our connections as the frames catch would capture,
// the SYN-ACK first, then the data cut into segments with the timestamps a Linux server sends
// after our ACK+probe (TSecr = our stamp of its ISN), or none. Tests reorder, repeat or drop
// the segments to make the captures of lost and retransmitted packets.
import * as P from './packets';
import { tsStamp } from '../shared/catch/ts-stamp';

export interface Conn {
  key: Uint8Array; us: string; ip: string; port: number; slot: number;
  srvIsn: number; probeLen: number; timestamps: boolean;
}

/** The connection's source port and our ISN (the keyed cookie). */
export function tuple(c: Conn): { sport: number; isn: number } { return P.synTuple(c.key, c.us, c.ip, c.port, c.slot); }

export function synAck(c: Conn): Uint8Array {
  const t = tuple(c);
  return P.ether(P.tcp({ src: c.ip, dst: c.us, sport: c.port, dport: t.sport, seq: c.srvIsn, ack: t.isn + 1, flags: 'SA',
    options: c.timestamps ? { mss: 1460, sackOk: true, ts: [777, 100000], wscale: 7 } : { mss: 1460 } }));
}

/** One segment at offset: data (may be empty), flags as the server sets them. */
export function segment(c: Conn, offset: number, data: Uint8Array | string, flags = 'A'): Uint8Array {
  const t = tuple(c);
  return P.ether(P.tcp({ src: c.ip, dst: c.us, sport: c.port, dport: t.sport, seq: c.srvIsn + 1 + offset, ack: t.isn + 1 + c.probeLen,
    flags, payload: data, options: c.timestamps ? { ts: [778 + offset, tsStamp(c.srvIsn, t.isn)] } : {} }));
}

/** The response cut at the given offsets into segments (the last one PSH, with FIN when fin). */
export function segments(c: Conn, body: Uint8Array, cuts: number[], fin = false): Uint8Array[] {
  const at = [0, ...cuts.filter((x) => x > 0 && x < body.length), body.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < at.length; i++) {
    const last = i + 2 === at.length;
    out.push(segment(c, at[i], body.subarray(at[i], at[i + 1]), last ? (fin ? 'FPA' : 'PA') : 'A'));
  }
  return out;
}

/** Every MSS bytes: the cuts of a response sent in full-sized segments. */
export function everyMss(len: number, mss = 1448): number[] {
  const out: number[] = [];
  for (let o = mss; o < len; o += mss) out.push(o);
  return out;
}
