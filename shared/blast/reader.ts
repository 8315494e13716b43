// blast's stdin reader: target lines as trawl targets writes them are decoded straight from the
// bytes; any other line takes the general path (JSON.parse) with the same messages as
// shared/ndjson-reader.ts.
//
// Why a second reader: blast must parse a target per packet, and split2 + JSON.parse peaked at
// 0.35 M lines/s on this machine, a third of what the sender can do. The fast path recognises
// exactly {"type":"target","ip":"A.B.C.D","port":N,"i":N} (the canonical form, keys in that
// order, no spaces), and the ICMP echo target {"type":"target","ip":"A.B.C.D","proto":"icmp","i":N}
// as port 0 (an echo sweep on the slow path cost blast 3 times the CPU: 0.36 M lines/s against
// 2.2 M), without making a string, and checks what it reads as strictly as the slow
// path does; everything else (other key orders, spaces, IPv6, bad lines) falls through to it.
import type { Readable } from 'stream';
import type { Reporter } from '../report';
import { quoteInput } from '../quote';
import type { AnyRecord } from '../records';
import { DEFAULT_MAX_LINE, parseLine } from '../ndjson-reader';
import { specialAddress } from './targets';

export interface TargetSink {
  /** A canonical IPv4 target (port 0: an ICMP echo target); may return a promise to pause reading. */
  target(ip: number, port: number, i: number, line: number): void | Promise<void>;
  /** Any other good JSON record. */
  record(rec: AnyRecord, line: number): void | Promise<void>;
  /** Canonical lines to special addresses (specialAddress) go to record() too unless true, so
   *  the one check there refuses them. */
  allowSpecial?: boolean;
}

export interface TargetCounts { lines: number; bad: number }

const PREFIX = Buffer.from('{"type":"target","ip":"');
const PORT = Buffer.from('","port":');
const ECHO = Buffer.from('","proto":"icmp"');
const IKEY = Buffer.from(',"i":');

function match(b: Buffer, o: number, lit: Buffer): boolean {
  if (o + lit.length > b.length) return false;
  for (let k = 0; k < lit.length; k++) if (b[o + k] !== lit[k]) return false;
  return true;
}

// Decoded fields of the last fast-path line.
let fIp = 0, fPort = 0, fI = 0;

/** true when b[s, e) is a canonical target line with a valid IPv4 address and port 1-65535,
 *  or a canonical ICMP echo target (port 0). */
function fast(b: Buffer, s: number, e: number): boolean {
  if (!match(b, s, PREFIX)) return false;
  let o = s + PREFIX.length;
  let v = 0, part = 0, digits = 0, dots = 0;
  for (; o < e; o++) {
    const c = b[o];
    if (c === 46) {
      if (digits === 0 || dots === 3) return false;
      v = v * 256 + part; part = 0; digits = 0; dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return false;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return false;
    } else break;
  }
  if (dots !== 3 || digits === 0) return false;
  fIp = v * 256 + part;
  if (match(b, o, ECHO)) {
    o += ECHO.length;
    fPort = 0;
  } else {
    if (!match(b, o, PORT)) return false;
    o += PORT.length;
    let port = 0, pd = 0;
    for (; o < e && b[o] >= 48 && b[o] <= 57; o++) { port = port * 10 + (b[o] - 48); if (++pd > 5) return false; }
    if (pd === 0 || port < 1 || port > 65535 || (pd > 1 && b[o - pd] === 48)) return false;
    fPort = port;
  }
  if (!match(b, o, IKEY)) return false;
  o += IKEY.length;
  let i = 0, id = 0;
  for (; o < e && b[o] >= 48 && b[o] <= 57; o++) { i = i * 10 + (b[o] - 48); if (++id > 15) return false; }
  if (id === 0 || (id > 1 && b[o - id] === 48)) return false;
  fI = i;
  return o === e - 1 && b[o] === 125;   // '}' closes the line
}

/** Reads NDJSON from input, calling sink for every good line; bad lines are reported and counted. */
export async function readTargets(input: Readable, report: Reporter, sink: TargetSink,
  name = 'stdin', maxLine = DEFAULT_MAX_LINE): Promise<TargetCounts> {
  const counts: TargetCounts = { lines: 0, bad: 0 };
  let rest: Buffer | null = null;     // an unfinished line from the previous chunk
  let skipping = false;               // inside a line longer than maxLine
  const bad = (text: string, why: string) => {
    counts.bad++;
    report.error(`${name}:${counts.lines}: ${why}${text ? `: ${quoteInput(text)}` : ''}`);
  };
  const slow = (b: Buffer, s: number, e: number): void | Promise<void> => {
    let text = b.toString('utf8', s, e);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return undefined;
    const rec = parseLine(text) as AnyRecord | string;   // the one reader's checks and messages
    if (typeof rec === 'string') { bad(text, rec); return undefined; }
    return sink.record(rec, counts.lines);
  };
  const one = (b: Buffer, s: number, e: number): void | Promise<void> => {
    counts.lines++;
    let end = e;
    if (end > s && b[end - 1] === 13) end--;
    if (fast(b, s, end) && (sink.allowSpecial || specialAddress(fIp) === null)) return sink.target(fIp, fPort, fI, counts.lines);
    return slow(b, s, e);
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let b: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let s = 0;
    if (rest) {
      const nl = b.indexOf(10);
      if (nl < 0) {
        if (rest.length + b.length > maxLine) { skipping = true; rest = null; } else rest = Buffer.concat([rest, b]);
        continue;
      }
      if (!skipping && rest.length + nl <= maxLine) {
        const line = Buffer.concat([rest, b.subarray(0, nl)]);
        const p = one(line, 0, line.length);
        if (p) await p;
      } else { counts.lines++; bad('', `line longer than ${maxLine} bytes`); }
      rest = null; skipping = false; s = nl + 1;
    } else if (skipping) {
      const nl = b.indexOf(10);
      if (nl < 0) continue;
      counts.lines++; bad('', `line longer than ${maxLine} bytes`);
      skipping = false; s = nl + 1;
    }
    for (;;) {
      const nl = b.indexOf(10, s);
      if (nl < 0) break;
      if (nl - s > maxLine) { counts.lines++; bad('', `line longer than ${maxLine} bytes`); s = nl + 1; continue; }
      const p = one(b, s, nl);
      s = nl + 1;
      if (p) await p;
    }
    if (s < b.length) {
      if (b.length - s > maxLine) skipping = true;
      else rest = Buffer.from(b.subarray(s));   // copy: the stream may reuse its buffer
    }
    b = Buffer.alloc(0);
  }
  if (rest && rest.length) {
    const p = one(rest, 0, rest.length);
    if (p) await p;
  } else if (skipping) { counts.lines++; bad('', `line longer than ${maxLine} bytes`); }
  return counts;
}
