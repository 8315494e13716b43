// TCP options of a SYN-ACK as the open record reports them: kinds in order (eol, nop, mss, ws,
// sack, ts, or the kind number) plus MSS, window scale, SACK permitted and TSval; and the
// timestamps of any segment (findTimestamps), which carry our stamp back (catch/ts-stamp.ts). Parsed only
// for validated SYN-ACKs, into a reused object. A malformed option list stops the walk and is
// reported as "bad" in the kinds, never as an exception.
//
// kind 0 eol | 1 nop | 2 len 4 mss[2] | 3 len 3 shift | 4 len 2 | 8 len 10 tsval[4] tsecr[4]
import { be16, be32 } from './ipv4';

export const MAX_KINDS = 40;       // a 40-byte option area holds at most 40 one-byte options
export const KIND_BAD = 256;      // marks where a malformed option list stopped

export class TcpOptions {
  /** Option kinds in order (count of them in n); KIND_BAD last when the list was malformed. */
  kinds = new Uint16Array(MAX_KINDS + 1);
  n = 0;
  mss = -1; wscale = -1; sackOk = false; tsval = -1; tsecr = -1;
}

const NAMES: Record<number, string> = { 0: 'eol', 1: 'nop', 2: 'mss', 3: 'ws', 4: 'sack', 8: 'ts', [KIND_BAD]: 'bad' };

/** The kinds as the open record writes them: "mss,sack,ts,nop,ws". */
export function kindsString(o: TcpOptions): string {
  let s = '';
  for (let i = 0; i < o.n; i++) s += (i ? ',' : '') + (NAMES[o.kinds[i]] ?? String(o.kinds[i]));
  return s;
}

export function kindName(kind: number): string { return NAMES[kind] ?? String(kind); }

/** Parses the options between o and end into out (reset first). Allocates nothing. */
export function parseTcpOptions(b: Uint8Array, o: number, end: number, out: TcpOptions): TcpOptions {
  out.n = 0; out.mss = -1; out.wscale = -1; out.sackOk = false; out.tsval = -1; out.tsecr = -1;
  const kinds = out.kinds;
  let n = 0;
  while (o < end && n < MAX_KINDS) {
    const kind = b[o];
    kinds[n++] = kind;
    if (kind === 0) break;
    if (kind === 1) { o++; continue; }
    if (o + 1 >= end) { kinds[n++] = KIND_BAD; break; }
    const len = b[o + 1];
    if (len < 2 || o + len > end) { kinds[n++] = KIND_BAD; break; }
    if (kind === 2 && len === 4) out.mss = be16(b, o + 2);
    else if (kind === 3 && len === 3) out.wscale = b[o + 2];
    else if (kind === 4 && len === 2) out.sackOk = true;
    else if (kind === 8 && len === 10) { out.tsval = be32(b, o + 2); out.tsecr = be32(b, o + 6); }
    o += len;
  }
  out.n = n;
  return out;
}

/** The timestamp option of a segment's options b[o, end): out[0] = TSval, out[1] = TSecr;
 *  false when it has none. The layout every stack sends past the handshake, NOP NOP TS at
 *  the start, is read without a walk. */
export function findTimestamps(b: Uint8Array, o: number, end: number, out: Uint32Array): boolean {
  if (o + 12 <= end && b[o] === 1 && b[o + 1] === 1 && b[o + 2] === 8 && b[o + 3] === 10) {
    out[0] = be32(b, o + 4); out[1] = be32(b, o + 8);
    return true;
  }
  while (o < end) {
    const kind = b[o];
    if (kind === 0) return false;
    if (kind === 1) { o++; continue; }
    if (o + 1 >= end) return false;
    const len = b[o + 1];
    if (len < 2 || o + len > end) return false;
    if (kind === 8 && len === 10) { out[0] = be32(b, o + 2); out[1] = be32(b, o + 6); return true; }
    o += len;
  }
  return false;
}

/** Flags as the segment record writes them: F S R P A U E C letters in that order ("PA", "FPA"). */
export function flagString(f: number): string {
  let s = '';
  if (f & 0x01) s += 'F';
  if (f & 0x02) s += 'S';
  if (f & 0x04) s += 'R';
  if (f & 0x08) s += 'P';
  if (f & 0x10) s += 'A';
  if (f & 0x20) s += 'U';
  if (f & 0x40) s += 'E';
  if (f & 0x80) s += 'C';
  return s;
}
