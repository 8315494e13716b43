// The frames fuzzer: mutated pcap (and pcapng) files through the native reader, the TypeScript
// reader (file and stream) and the catch engine. Both readers must agree exactly (refusal, link
// type, every packet's bytes, lengths and time, the damaged frame and its message), and so must
// the engine with its native fast path and without it (records, requests, counters); nothing may
// throw. Shared by test/fuzz/frames.fuzz.ts (make fuzz) and test/fuzz-bounded.test.ts (make test).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import * as P from '../packets';
import { addBatch, nativeBuilt, readWith, ReadResult } from '../pcap-files';
import { PcapReader } from '../../shared/packet/pcap-reader';
import { CatchEngine } from '../../shared/catch/engine';
import { linktypeSupported } from '../../shared/packet/link';
import { referenceCookies } from '../../shared/catch/cookies';
import { nativeSynAcks } from '../../shared/catch/fast-path';
import { loadNative } from '../../native/index';
import { DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT } from '../../shared/cookie';
import { Rng, Summary, newSummary, timed } from './common';

const KEY = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
const US = '198.18.0.1';
const HANG_MS = 5000;

/** Replies of every kind catch decodes: SYN-ACKs, RSTs, ICMP errors, banners, noise. */
function frames(rng: Rng, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `198.18.${rng.int(256)}.${rng.int(256)}`, port = rng.pick([22, 80, 443, 8080]);
    const t = P.synTuple(KEY, US, ip, port, rng.int(16));
    const k = rng.int(6);
    const tcp = (spec: Partial<P.TcpSpec>) => P.tcp({ src: ip, dst: US, sport: port, dport: t.sport, seq: 1000, ack: t.isn + 1, flags: 'SA', ...spec });
    let f: Uint8Array;
    if (k === 0) f = P.ether(tcp({ options: { mss: 1460, sackOk: true, ts: [1, 0], wscale: 7 } }));
    else if (k === 1) f = P.ether(tcp({ flags: 'RA', seq: 0 }));
    else if (k === 2) f = P.ether(P.icmpError({ src: '198.18.250.1', dst: US, code: 3 }, P.tcp({ src: US, dst: ip, sport: t.sport, dport: port, seq: t.isn, ack: 0, flags: 'S' })));
    else if (k === 3) f = P.ether(tcp({ flags: 'PA', seq: 1001, payload: 'x'.repeat(rng.int(1500)) }));
    else if (k === 4) f = P.ether(tcp({ flags: 'PA', seq: 1001, ack: t.isn + 1 + rng.int(100), payload: 'HTTP/1.1 200 OK\r\n\r\n' }), { vlans: rng.int(2) ? [5] : [] });
    else f = rng.bytes(rng.int(120));
    // A bit flipped inside one frame in eight: headers that are almost right, for the decoders
    // (the fast path must turn down exactly what the TypeScript decoder turns down).
    if (rng.int(8) === 0 && f.length) f[rng.int(f.length)] ^= 1 << rng.int(8);
    out.push(f);
  }
  return out;
}

// Values at the edges of what the readers check.
const EDGES = [0, 1, 13, 15, 16, 59, 60, 61, 65535, 262143, 262144, 262145, 1 << 20, 0x7fffffff, 0x80000000, 0xffffffff];

/** A valid capture of one of the layouts both readers take (or pcapng), then mutated. */
function file(rng: Rng): { bytes: Buffer; ng: boolean } {
  const fr = frames(rng, 1 + rng.int(300)).map((data, i) => ({ data, time_us: 1_700_000_000_000_000 + i * 1000 + rng.int(1000) }));
  if (rng.int(12) === 0) return { bytes: mutate(rng, P.pcapngFile(fr), false), ng: true };
  const b = P.pcapFile(fr, rng.pick([1, 1, 1, 101, 113, 276, 0, 108, 228, 12]), rng.int(4) ? 262144 : rng.pick(EDGES));
  const v = rng.int(8);
  if (v === 0) b.writeUInt32LE(0xa1b23c4d, 0);                          // nanoseconds
  else if (v === 1) b.writeUInt32LE(0xa1b2cd34, 0);                     // Kuznetzov (24-byte records)
  else if (v === 2) { b.writeUInt16LE(2, 4); b.writeUInt16LE(rng.int(4), 6); } // 2.0-2.3: swapped lengths
  else if (v === 3) { b.writeUInt16LE(543, 4); b.writeUInt16LE(0, 6); }
  else if (v === 4) swapToBigEndian(b);
  return { bytes: mutate(rng, b, true), ng: false };
}

/** Rewrites a little-endian classic pcap (16-byte records) in place as big-endian. */
export function swapToBigEndian(b: Buffer): void {
  const sw = (o: number) => b.writeUInt32BE(b.readUInt32LE(o), o);
  for (const o of [0, 8, 12, 16, 20]) sw(o);
  b.writeUInt16BE(2, 4); b.writeUInt16BE(4, 6);
  for (let o = 24; o + 16 <= b.length;) { const n = b.readUInt32LE(o + 8); for (const k of [0, 4, 8, 12]) sw(o + k); o += 16 + n; }
}

function mutate(rng: Rng, src: Buffer, classic: boolean): Buffer {
  let b = Buffer.from(src);
  const rounds = rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const m = rng.int(7);
    if (m === 0) b[rng.int(b.length)] ^= 1 << rng.int(8);                                // a bit
    else if (m === 1) b[rng.int(b.length)] = rng.int(256);                                // a byte
    else if (m === 2 && b.length > 8) b.writeUInt32LE(rng.pick(EDGES), rng.int(b.length - 3) & ~3); // a word
    else if (m === 3) b = b.subarray(0, rng.int(b.length + 1));                           // cut
    else if (m === 4 && classic && b.length >= 24) b.writeUInt32LE(rng.pick(EDGES), rng.pick([8, 12, 16, 20])); // a header field
    else if (m === 5) { const o = rng.int(b.length); b = Buffer.concat([b.subarray(0, o), rng.bytes(1 + rng.int(40)), b.subarray(o)]); }
    else if (m === 6) { const o = rng.int(b.length); b = Buffer.concat([b.subarray(0, o), b.subarray(o + 1 + rng.int(40))]); }
  }
  return b;
}

async function readStream(bytes: Buffer, rng: Rng, bufBytes: number, max: number): Promise<ReadResult> {
  const chunks: Buffer[] = [];
  for (let o = 0; o < bytes.length;) { const n = 1 + rng.int(5000); chunks.push(bytes.subarray(o, o + n)); o += n; }
  const r = PcapReader.openStream(Readable.from(chunks));
  const res: ReadResult = { open: null, linktype: -1, frames: [], digest: 0, count: 0, error: null };
  const buf = new Uint8Array(bufBytes), meta = new Uint32Array(3 * max), times = new Float64Array(max);
  try {
    for (;;) {
      let n: number;
      try { n = r.read(buf, meta, times, max); } catch (e) {
        const frame = (e as { frame?: unknown }).frame;
        if (typeof frame === 'number') { res.error = `frame ${frame}: ${(e as Error).message}`; break; }
        res.open = (e as Error).message; break;
      }
      if (n < 0) break;
      if (n === 0) { await new Promise((res2) => setImmediate(res2)); continue; }
      res.linktype = r.linktype;
      addBatch(res, buf, meta, times, n);
    }
  } finally { r.close(); }
  return res;
}

function same(a: ReadResult, b: ReadResult): string | null {
  if ((a.open === null) !== (b.open === null)) return `open: ${a.open} vs ${b.open}`;
  if (a.open !== null) return null;
  if (a.count !== b.count) return `packets: ${a.count} vs ${b.count}`;
  if (a.count > 0 && a.linktype !== b.linktype) return `linktype: ${a.linktype} vs ${b.linktype}`;
  if (a.digest !== b.digest) return 'packet bytes, lengths or times differ';
  if (a.error !== b.error) return `error: ${a.error} vs ${b.error}`;
  return null;
}

function engines(): CatchEngine[] {
  const base = { ours: null, sportBase: DEFAULT_SPORT_BASE, sportCount: DEFAULT_SPORT_COUNT, maxBanner: 4096, dedupWindow: 4096, arp: null,
    probe: true, rst: true, idleMs: 4000 };
  return [
    new CatchEngine({ ...base, validate: false, portFilter: false, cookies: null, replies: false }, 4096),
    new CatchEngine({ ...base, validate: true, portFilter: true, cookies: referenceCookies(KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT), replies: true }, 4096),
  ];
}

/** A validating engine with the native fast path and one without: they must agree on every batch. */
function fastPair(): [CatchEngine, CatchEngine] {
  const cfg = { ours: null, sportBase: DEFAULT_SPORT_BASE, sportCount: DEFAULT_SPORT_COUNT, maxBanner: 4096, dedupWindow: 4096, arp: null,
    probe: true, rst: true, idleMs: 4000, validate: true, portFilter: true, replies: true,
    cookies: referenceCookies(KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT) };
  const fast = nativeSynAcks(loadNative(), KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT, null);
  return [new CatchEngine({ ...cfg, synAcks: fast }, 4096), new CatchEngine(cfg, 4096)];
}

function batchDiff(a: CatchEngine, b: CatchEngine, outA: Uint8Array, outB: Uint8Array): string | null {
  if (Buffer.compare(Buffer.from(outA), Buffer.from(outB)) !== 0) return 'records';
  if (a.replyBytes !== b.replyBytes || Buffer.compare(Buffer.from(a.replyBuf.subarray(0, a.replyBytes)), Buffer.from(b.replyBuf.subarray(0, b.replyBytes))) !== 0) return 'requests';
  if (JSON.stringify(a.counters) !== JSON.stringify(b.counters)) return 'counters';
  if (a.validCount !== b.validCount || a.validIdx.subarray(0, a.validCount).some((v, k) => v !== b.validIdx[k])) return 'valid packets';
  return null;
}

/** Runs files until at least minFrames packets went through; log gets one line per failure. */
export async function fuzzFrames(minFrames: number, rng: Rng, log: (s: string) => void): Promise<Summary> {
  const sum = newSummary();
  if (!nativeBuilt()) { log('native module not built: nothing to compare'); sum.crashes++; return sum; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fuzz-frames-'));
  const f = path.join(dir, 'f.pcap');
  const eng = engines();
  if (process.env.TRAWL_NO_FAST === '1') log('TRAWL_NO_FAST=1: the fast path is not compared');
  let frames = 0;
  try {
    while (frames < minFrames) {
      const { bytes, ng } = file(rng);
      fs.writeFileSync(f, bytes);
      // catch's batch shape most of the time; small buffers and counts to split batches.
      const [bufBytes, max] = rng.int(3) ? [4 << 20, 4096] : [64 + rng.int(4000), 1 + rng.int(64)];
      const what = `${bytes.length}-byte ${ng ? 'pcapng' : 'pcap'} file, batches of ${max} in ${bufBytes} bytes`;
      sum.tried++;
      const ms = await timed(async () => {
        try {
          // catch hands the engine batches of link types it supports only.
          const [fe, te] = fastPair();
          let fastDiff: string | null = null;
          const lt = (l: number, b: Uint8Array, m: Uint32Array, t: Float64Array, n: number) => {
            if (!linktypeSupported(l)) return;
            for (const e of eng) e.processBatch(l, b, m, t, n);
            const oa = fe.processBatch(l, b, m, t, n), ob = te.processBatch(l, b, m, t, n);
            fastDiff ??= batchDiff(fe, te, oa, ob);
          };
          const nat = readWith('native', f, bufBytes, max, false, lt);
          frames += nat.count;
          if (fastDiff) {
            sum.crashes++; log(`DISAGREE ${what}: fast path vs TypeScript ${fastDiff}`);
            fs.copyFileSync(f, path.join(os.tmpdir(), `trawl-fuzz-fast-${sum.crashes}.pcap`));
          }
          const ts = readWith('ts', f, bufBytes, max, false);
          // The TS reader refuses pcapng (whatever a mutation left of its magic); a file it
          // takes is classic pcap, which the two readers must then read alike.
          if (ng && ts.open !== null) return;
          const d = same(nat, ts);
          if (d) { sum.crashes++; log(`DISAGREE ${what}: native vs ts ${d}`); fs.copyFileSync(f, path.join(os.tmpdir(), `trawl-fuzz-disagree-${sum.crashes}.pcap`)); }
          if (rng.int(10) === 0) {
            const st = await readStream(bytes, rng, bufBytes, max);
            const d2 = same(ts, st);
            if (d2) { sum.crashes++; log(`DISAGREE ${what}: file vs stream ${d2}`); }
          }
        } catch (e) {
          sum.crashes++;
          log(`CRASH ${what}: ${(e as Error).stack}`);
          fs.copyFileSync(f, path.join(os.tmpdir(), `trawl-fuzz-crash-${sum.crashes}.pcap`));
        }
      });
      if (ms > sum.slowestMs) { sum.slowestMs = ms; sum.slowest = what; }
      if (ms > HANG_MS) { sum.hangs++; log(`HANG ${what}: ${ms.toFixed(0)} ms`); }
      sum.peakRssMb = Math.max(sum.peakRssMb, process.memoryUsage().rss / 1048576);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  sum.units = frames;
  return sum;
}
