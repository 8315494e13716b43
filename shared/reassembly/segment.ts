// Reads one `segment` or `sent` record (man/trawl.7) into the values the reassembler needs, or says why it is bad.
import { checkTargetName } from '../targets/name';
import type { AnyRecord } from '../records';
import { decodeBase64 } from '../parsers/banner';

/** A connection's addresses, without the server's ISN: as parts, and as the text ip|port|sport
 *  that keys the reassembly table. */
export interface Tuple {
  tuple: string;
  ip: string;
  port: number;
  sport: number;
}

export interface Segment extends Tuple {
  seq: number;
  /** Bytes from the start of the server's stream (seq - ISN - 1), when catch could tell. */
  offset?: number;
  /** Payload bytes on the wire; data holds fewer when catch cut it (`truncated`). */
  len: number;
  data: Uint8Array;
  cut: boolean;
  fin: boolean;
  rst: boolean;
  time?: number;
  /** What a message sent back on the connection needs (catch writes it): our address, the
   *  segment's ack (our next sequence number) and its timestamps; absent in older records. */
  reply?: SegmentReply;
  /** The record without its per-segment keys: what the banner record inherits. */
  meta: AnyRecord;
}

export interface SegmentReply { ourIp: string; ack: number; tsval?: number; tsecr?: number }

/** Keys that describe one segment only; the banner record has its own. */
export const SEGMENT_KEYS = new Set(['type', 'our_ip', 'tsval', 'tsecr', 'seq', 'ack', 'offset', 'len', 'truncated', 'flags', 'data', 'time_us']);

const U32 = 0x100000000;
// The longest text of an address ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"). The
// reassembly table keys connections and remembered opens by their ip text: a longer one would
// let a hostile record make each entry as large as a line.
const MAX_IP_TEXT = 45;
const isIp = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length <= MAX_IP_TEXT;
const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < U32;
const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;

/** An `open` record's addresses and server ISN (its `seq`), or undefined when it has no usable seq. */
export function readOpen(rec: AnyRecord): Tuple & { isn: number } | undefined {
  if (!isIp(rec.ip) || !isPort(rec.port) || !isPort(rec.sport) || !isU32(rec.seq)) return undefined;
  return { tuple: `${rec.ip}|${rec.port}|${rec.sport}`, ip: rec.ip, port: rec.port, sport: rec.sport, isn: rec.seq };
}

/** A record whose connection, seq, len and time checkPacket found good. */
type Packet = AnyRecord & { ip: string; port: number; sport: number; seq: number; len: number };

/** The checks a segment and a sent record share: the connection, seq, len and time. */
function checkPacket(rec: AnyRecord, what: string): rec is Packet {
  return packetError(rec, what) === undefined;
}

function packetError(rec: AnyRecord, what: string): string | undefined {
  if (typeof rec.ip !== 'string' || rec.ip === '') return `${what} record has no "ip" string`;
  if (rec.ip.length > MAX_IP_TEXT) return `${what} "ip" is longer than an address (${rec.ip.length} characters, at most ${MAX_IP_TEXT})`;
  if (!isPort(rec.port)) return `${what} "port" is not a port number`;
  if (!isPort(rec.sport)) return `${what} "sport" is not a port number`;
  if (!isU32(rec.seq)) return `${what} "seq" is not a 32-bit sequence number`;
  if (typeof rec.len !== 'number' || !Number.isInteger(rec.len) || rec.len < 0 || rec.len > 0xffff * 64) return `${what} "len" is not a payload length`;
  if (rec.time_us !== undefined && (typeof rec.time_us !== 'number' || !Number.isInteger(rec.time_us))) return `${what} "time_us" is not an integer`;
  return undefined;
}

export function readSegment(rec: AnyRecord): Segment | string {
  if (!checkPacket(rec, 'segment')) return packetError(rec, 'segment')!;
  if (rec.offset !== undefined && !isU32(rec.offset)) return 'segment "offset" is not an integer from 0 to 2^32-1';
  if (typeof rec.flags !== 'string' || !/^[FSRPAUEC]*$/.test(rec.flags)) return 'segment "flags" is not a string of TCP flag letters';
  if (rec.truncated !== undefined && typeof rec.truncated !== 'boolean') return 'segment "truncated" is not a boolean';
  if (rec.probe !== undefined && rec.probe !== null && typeof rec.probe !== 'string') return 'segment "probe" is not a string';
  if (rec.our_ip !== undefined && typeof rec.our_ip !== 'string') return 'segment "our_ip" is not a string';
  for (const k of ['ack', 'tsval', 'tsecr'] as const) if (rec[k] !== undefined && !isU32(rec[k])) return `segment "${k}" is not a 32-bit number`;
  const raw = typeof rec.data === 'string' ? decodeBase64(rec.data, true) : rec.data === undefined ? Buffer.alloc(0) : null;
  if (!raw) return 'segment "data" is not valid base64';
  if (raw.length > rec.len) return `segment "data" holds ${raw.length} bytes, more than its "len" ${rec.len}`;
  const meta: AnyRecord = { type: 'banner' };
  for (const k of Object.keys(rec)) if (!SEGMENT_KEYS.has(k)) meta[k] = rec[k];
  return {
    tuple: `${rec.ip}|${rec.port}|${rec.sport}`, ip: rec.ip, port: rec.port, sport: rec.sport,
    seq: rec.seq, offset: rec.offset as number | undefined, len: rec.len,
    data: raw, cut: rec.truncated === true || raw.length < rec.len,
    fin: rec.flags.includes('F'), rst: rec.flags.includes('R'), time: rec.time_us as number | undefined, meta,
    reply: typeof rec.our_ip === 'string' && isU32(rec.ack)
      ? { ourIp: rec.our_ip, ack: rec.ack, tsval: rec.tsval as number | undefined, tsecr: rec.tsecr as number | undefined } : undefined,
  };
}

/** Bytes kept of what a scanner sent on one connection: enough for any nmap probe string's prefix. */
export const SENT_KEEP = 512;

/** A `sent` record: the first bytes the scanner sent on a connection (another tool's capture). */
export interface Sent {
  tuple: string;
  /** The scanner's sequence number and the server's ISN + 1 it acknowledged (undefined: no ack). */
  seq: number;
  ack?: number;
  len: number;
  /** At most SENT_KEEP bytes. */
  data: Uint8Array;
  time?: number;
  /** blast's own probe for a named target (shared/blast/names.ts): the target's name. */
  name?: string;
}

export function readSent(rec: AnyRecord): Sent | string {
  if (!checkPacket(rec, 'sent')) return packetError(rec, 'sent')!;
  if (rec.ack !== undefined && !isU32(rec.ack)) return 'sent "ack" is not a 32-bit sequence number';
  const raw = typeof rec.data === 'string' ? decodeBase64(rec.data) : null;
  if (!raw) return 'sent "data" is not valid base64';
  if (raw.length > rec.len) return `sent "data" holds ${raw.length} bytes, more than its "len" ${rec.len}`;
  if (rec.name !== undefined) {
    const bad = checkTargetName(rec.name);
    if (bad) return `sent ${bad.replace(/^target /, '')}`;
  }
  // Copied, so the record's decoded string is not kept alive past SENT_KEEP bytes.
  return { tuple: `${rec.ip}|${rec.port}|${rec.sport}`, seq: rec.seq, ack: rec.ack as number | undefined, len: rec.len,
    data: Uint8Array.from(raw.subarray(0, SENT_KEEP)), time: rec.time_us as number | undefined,
    ...(rec.name !== undefined ? { name: rec.name as string } : {}) };
}
