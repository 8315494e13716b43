// Fuzzes banners' reassembly table with the segment streams a network and a hostile server can
// make: responses cut at random, segments lost, duplicated, reordered, overlapped with other bytes,
// cut by catch (snaplen), FIN/RST anywhere, offsets absent (joined through open records), several
// connections interleaved, random limits; plus random records. Checks what the banner records
// promise against a model: data is the first copy of each byte from offset 0 up to the first hole
// and never more than --max-banner; a complete banner holds the whole response; gaps counts exactly
// the bytes missing; bounds hold. A crash is a throw or a broken promise; a hang a case over a second of CPU.
// Some responses are a real TLS 1.3 flight, which the table's end detector decrypts as it
// comes (with the tls probe's secrets under the key that drew it) and writes at its Finished.
// Run: FUZZ_SCALE=1 node dist/test/fuzz/reassembly.fuzz.js (make fuzz); reassembly.test.ts runs a short one.
import * as fs from 'fs';
import * as path from 'path';
import type { AnyRecord } from '../../shared/records';
import { Reassembler, Finished, ReassemblyLimits } from '../../shared/reassembly/table';
import { tlsProbeHello } from '../../shared/probes/tls';
import { tlsReadOptions } from '../../shared/parsers/tls';
import { readSegment } from '../../shared/reassembly/segment';
import { bannerRecord } from '../../shared/reassembly/record';
import { Rng, Summary, fuzzEnv, newSummary, summaryLine } from './common';

export interface FuzzStats extends Summary { errors: string[]; modelled: number; flightsComplete: number }

// Banners checked against the model (the rest only against the bounds and the prefix rule), and
// segment records fed, over a run.
let modelled = 0, fed = 0;
// How the banners ended, over the run (each end should be exercised).
export const ends: Record<string, number> = {};

const U32 = 0x100000000;

// OpenSSL's TLS 1.3 flight (test/tls-node-server.ts's converse, the rsa fixture, minVersion
// TLSv1.3) for the tls probe's ClientHello under this key: ServerHello to Finished, 1,428 bytes.
const FLIGHT_KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const FLIGHT = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tls', 'flight13-rsa.bin'));
const flightRead = tlsReadOptions(tlsProbeHello(FLIGHT_KEY), 0);
// TLS 1.3 flights read to their Finished (end complete), over a run.
let flightsComplete = 0;

interface Conn { ip: string; isn: number; resp: Uint8Array; sent: Map<number, number>; fin?: number; forged: boolean; rst: boolean }

/** A response: random bytes, or HTTP framed by Content-Length or chunks (which the table may end early by). */
function response(r: () => number): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  if (r() < 0.15) return FLIGHT;
  const body = Buffer.alloc(r() < 0.1 ? 0 : int(r() < 0.5 ? 3000 : 40000));
  for (let i = 0; i < body.length; i++) body[i] = int(256);
  const kind = r();
  if (kind < 0.5) return body;
  if (kind < 0.8) return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  const parts: Buffer[] = [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')];
  for (let o = 0; o < body.length;) {
    const n = 1 + int(5000);
    const c = body.subarray(o, o + n);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
    o += n;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** One case: a few connections, their segments perturbed and interleaved, run through a table. */
function runCase(r: () => number): string | undefined {
  const int = (n: number) => Math.floor(r() * n);
  const limits: ReassemblyLimits = {
    maxBanner: 1 + int(r() < 0.3 ? 300 : 30000), maxConnections: 1 + int(6), maxBytes: 0, idleUs: 1 + int(3000),
  };
  limits.maxBytes = limits.maxBanner + int(60000);
  const conns: Conn[] = [];
  const recs: AnyRecord[] = [];
  const n = 1 + int(4);
  let t = 0;
  for (let k = 0; k < n; k++) {
    const resp = response(r);
    const len = resp.length;
    const c: Conn = { ip: `198.18.0.${k}`, isn: int(U32), resp, sent: new Map(), forged: false, rst: false };
    conns.push(c);
    const withOffset = r() < 0.7;
    if (!withOffset || r() < 0.5) recs.push({ type: 'open', ip: c.ip, port: 443, sport: 40000, seq: c.isn, time_us: t });
    // Cut into segments, then lose, duplicate, forge, cut, reorder.
    let segs: { o: number; d: Uint8Array; len: number; flags: string }[] = [];
    for (let o = 0; o < len;) {
      const size = 1 + int(r() < 0.1 ? 20 : 3000);
      segs.push({ o, d: resp.subarray(o, o + size), len: Math.min(size, len - o), flags: 'PA' });
      o += size;
    }
    if (r() < 0.7) { segs.push({ o: len, d: new Uint8Array(0), len: 0, flags: 'FA' }); c.fin = len; }
    segs = segs.filter(() => r() > 0.1);
    const extra: typeof segs = [];
    for (const s of segs) {
      if (r() < 0.1) extra.push(s);
      if (r() < 0.05 && s.len > 1) { c.forged = true; extra.push({ ...s, d: s.d.map((b) => b ^ 0xff) }); }
      if (r() < 0.05 && s.d.length > 1) { const keep = int(s.d.length); extra.push(s); s.d = s.d.subarray(0, keep); }
    }
    segs.push(...extra);
    if (r() < 0.1) { segs.splice(int(segs.length + 1), 0, { o: int(len + 1), d: new Uint8Array(0), len: 0, flags: 'R' }); c.rst = true; }
    for (let i = segs.length - 1; i > 0; i--) if (r() < 0.3) { const j = int(i + 1); [segs[i], segs[j]] = [segs[j], segs[i]]; }
    for (const s of segs) {
      t += int(r() < 0.05 ? 5000 : 50);
      recs.push({
        type: 'segment', ip: c.ip, port: 443, sport: 40000, ttl: 64, probe: 'tls', seq: (c.isn + 1 + s.o) % U32,
        ...(withOffset ? { offset: s.o } : {}), len: s.len, flags: s.flags, data: Buffer.from(s.d).toString('base64'),
        ...(s.d.length < s.len ? { truncated: true } : {}), time_us: t,
      });
      if (s.d.length) c.sent.set(s.o, Math.max(c.sent.get(s.o) ?? 0, s.d.length));
    }
  }
  // Interleave the connections' records (each keeps its own order).
  recs.sort((a, b) => (a.time_us as number) - (b.time_us as number));
  // A few broken records in the mix: refused, never thrown on.
  for (let i = 0; i < 3; i++) {
    const junk: AnyRecord = { type: 'segment', ip: [7, ''][int(2)], port: [443, -1, 1.5][int(3)], sport: 40000, seq: [int(U32), U32, 'a'][int(3)],
      offset: [undefined, -3, int(U32)][int(3)], len: [0, 10, -1, 1e9][int(4)], flags: ['PA', 'Z', 5][int(3)], data: ['', 'AAAA', '!', 7][int(4)], time_us: int(1e6) };
    recs.splice(int(recs.length + 1), 0, junk);
  }

  const out: { f: Finished; b: AnyRecord }[] = [];
  const table = new Reassembler(limits, (f) => { out.push({ f, b: bannerRecord(f) }); ends[f.end] = (ends[f.end] ?? 0) + 1; }, null,
    (meta) => (meta.probe === 'tls' ? flightRead : undefined));
  const unjoined = new Set<unknown>();
  fed += recs.length;
  for (const rec of recs) {
    if (typeof rec.time_us === 'number') table.tick(rec.time_us);
    if (rec.type === 'open') table.open(rec);
    else { const s = readSegment(rec); if (typeof s !== 'string' && !table.segment(s)) unjoined.add(rec.ip); }
    const h = table.held;
    if (h.connections > limits.maxConnections) return `${h.connections} connections held (max ${limits.maxConnections})`;
    if (h.bytes > limits.maxBytes) return `${h.bytes} bytes held (max ${limits.maxBytes})`;
  }
  table.flush();
  if (table.held.connections || table.held.bytes) return 'the table is not empty after flush';

  for (const { b } of out) {
    const c = conns.find((x) => x.ip === b.ip);
    if (!c) return `a banner for ${String(b.ip)}, which sent nothing`;
    const data = Buffer.from(b.data as string, 'base64');
    if (data.length > limits.maxBanner) return `data of ${data.length} bytes over --max-banner ${limits.maxBanner}`;
    // A banner split off by an eviction or idle wait starts mid-stream, and segments whose ISN was
    // forgotten pass through unjoined: the model covers connections that came out whole, in one banner.
    const parts = out.filter((x) => x.b.ip === b.ip).length + (unjoined.has(b.ip) ? 1 : 0);
    if (parts === 1 && !c.forged) {
      const want = Buffer.from(c.resp.subarray(0, data.length));
      if (!data.equals(want)) return `${String(b.ip)}: data is not the response's first ${data.length} bytes`;
      // The model of gaps: bytes below the limit not received, up to the furthest held or the FIN.
      const got = new Uint8Array(limits.maxBanner);
      let held = 0;
      for (const [o, l] of c.sent) for (let i = o; i < Math.min(o + l, limits.maxBanner); i++) { got[i] = 1; held = Math.max(held, i + 1); }
      const upto = Math.min(limits.maxBanner, Math.max(held, c.fin !== undefined && b.segments !== undefined ? (finSeen(recs, c) ?? 0) : 0));
      let missing = 0;
      for (let i = 0; i < upto; i++) if (!got[i]) missing++;
      modelled++;
      if (b.end !== 'rst' && b.end !== 'limit' && b.gaps !== missing) return `${String(b.ip)}: gaps ${b.gaps}, the model says ${missing}`;
      if (b.complete === true && data.length !== c.resp.length) return `${String(b.ip)}: complete with ${data.length} of ${c.resp.length} bytes`;
      if (b.end === 'complete' && data[0] !== 0x48 && c.resp !== FLIGHT) return `${String(b.ip)}: ended by a framing it does not have`;
      if (b.end === 'complete' && c.resp === FLIGHT) flightsComplete++;
    }
    if (b.complete === true && (b.gaps !== 0 || b.truncated !== false)) return `${String(b.ip)}: complete with gaps or truncated`;
  }
  return undefined;
}

/** The FIN's offset if a FIN segment of this connection made it into the records. */
function finSeen(recs: AnyRecord[], c: Conn): number | undefined {
  for (const x of recs) if (x.type === 'segment' && x.ip === c.ip && typeof x.flags === 'string' && x.flags.includes('F')) return c.fin;
  return undefined;
}

export function fuzzReassembly(iterations: number, seed = 1): FuzzStats {
  const rng = new Rng(seed);
  const r = () => rng.next() / 0x100000000;
  const stats: FuzzStats = { ...newSummary(), errors: [], modelled: 0, flightsComplete: 0 };
  modelled = 0; fed = 0; flightsComplete = 0;
  for (let i = 0; i < iterations; i++) {
    const t = process.cpuUsage();
    let crash: string | undefined;
    try { crash = runCase(r); } catch (e) { crash = `threw: ${(e as Error).stack}`; }
    // CPU time, not wall time: on a shared machine a case can wait for the CPU longer than it runs.
    const used = process.cpuUsage(t);
    const ms = (used.user + used.system) / 1000;
    stats.tried++;
    if (crash) { stats.crashes++; if (stats.errors.length < 10) stats.errors.push(`case ${i} (FUZZ_SEED=${seed}): ${crash}`); }
    if (ms > 1000) stats.hangs++;
    if (ms > stats.slowestMs) { stats.slowestMs = ms; stats.slowest = `case ${i}`; }
  }
  stats.units = fed;
  stats.modelled = modelled;
  stats.flightsComplete = flightsComplete;
  stats.peakRssMb = process.resourceUsage().maxRSS / 1024;
  return stats;
}

function main(): void {
  const { scale, seed } = fuzzEnv();
  console.log(`reassembly: FUZZ_SCALE=${scale} FUZZ_SEED=${seed}`);
  const s = fuzzReassembly(Math.max(1, Math.round(20000 * scale)), seed);
  console.log(summaryLine('reassembly', s, `cases, ${s.modelled} banners checked against the model, ${s.flightsComplete} TLS 1.3 flights read to their Finished`));
  console.log(`  ends: ${Object.entries(ends).map(([e, n]) => `${e} ${n}`).join(', ')}`);
  for (const c of s.errors) console.log('  ' + c);
  if (s.crashes || s.hangs) process.exit(1);
}

if (require.main === module) main();
