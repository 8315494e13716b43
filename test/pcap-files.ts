// Capture files for the reader tests and the frames fuzzer: many distinct SYN-ACKs fast (a
// template patched per frame), and both readers run side by side on one file.
import * as fs from 'fs';
import * as P from './packets';
import { PcapReader } from '../shared/packet/pcap-reader';
import { loadNative } from '../native/index';

/** A classic pcap of n Ethernet SYN-ACKs from 198.18.0.0/16 (distinct source address and
 *  port, valid IP checksum) to 198.18.255.1, 1 ms apart. */
export function synAckPcap(n: number, snaplen = 262144): Buffer {
  const tmpl = P.ether(P.tcp({ src: '198.18.0.0', dst: '198.18.255.1', sport: 80, dport: 40000, seq: 1, ack: 2, flags: 'SA', ttl: 60 }));
  const rec = 16 + tmpl.length;
  const out = Buffer.alloc(24 + n * rec);
  out.writeUInt32LE(0xa1b2c3d4, 0); out.writeUInt16LE(2, 4); out.writeUInt16LE(4, 6);
  out.writeUInt32LE(snaplen, 16); out.writeUInt32LE(1, 20);
  const t0 = 1_700_000_000;
  for (let i = 0, o = 24; i < n; i++, o += rec) {
    const us = i * 1000;
    out.writeUInt32LE(t0 + Math.floor(us / 1e6), o); out.writeUInt32LE(us % 1e6, o + 4);
    out.writeUInt32LE(tmpl.length, o + 8); out.writeUInt32LE(tmpl.length, o + 12);
    const f = o + 16;
    out.set(tmpl, f);
    out.writeUInt16BE(i & 0xffff, f + 14 + 14);             // source address 198.18.x.y
    out.writeUInt16BE(1 + (i >>> 16), f + 14 + 20);           // source port
    out.writeUInt16BE(0, f + 14 + 10);
    let s = 0;
    for (let k = 0; k < 20; k += 2) s += out.readUInt16BE(f + 14 + k);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    out.writeUInt16BE(~s & 0xffff, f + 14 + 10);
  }
  return out;
}

/** Byte offset of record k (0-based) in a file of fixed-size records as synAckPcap writes. */
export function recordOffset(file: Buffer, k: number): number {
  let o = 24;
  for (let i = 0; i < k; i++) o += 16 + file.readUInt32LE(o + 8);
  return o;
}

export interface ReadResult {
  open: string | null;         // the error opening the file (header), or null
  linktype: number;
  frames: { data: Buffer; wire: number; time: number }[];
  digest: number;              // a cheap checksum of every frame, for big files
  count: number;
  error: string | null;        // "frame N: message" of a damaged record
}

/** Adds a batch of packets to res: its count, its digest, and the packets themselves when keep. */
export function addBatch(res: ReadResult, buf: Uint8Array, meta: Uint32Array, times: Float64Array, n: number, keep = false): void {
  for (let i = 0; i < n; i++) {
    const off = meta[3 * i], len = meta[3 * i + 1];
    let h = (res.digest ^ len ^ meta[3 * i + 2] ^ (times[i] % 1e9)) >>> 0;
    for (let k = off; k < off + len; k += 7) h = (Math.imul(h, 31) + buf[k]) >>> 0;
    res.digest = h;
    if (keep) res.frames.push({ data: Buffer.from(buf.subarray(off, off + len)), wire: meta[3 * i + 2], time: times[i] });
  }
  res.count += n;
}

// Batch arrays reused across calls (the fuzzer reads thousands of small files).
const arrays = new Map<string, { buf: Uint8Array; meta: Uint32Array; times: Float64Array }>();
function batchArrays(bufBytes: number, max: number) {
  const k = `${bufBytes}/${max}`;
  let a = arrays.get(k);
  if (!a) {
    if (arrays.size > 64) arrays.clear();
    a = { buf: new Uint8Array(bufBytes), meta: new Uint32Array(3 * max), times: new Float64Array(max) };
    arrays.set(k, a);
  }
  return a;
}

type Source = { linktype: number; read(b: Uint8Array, m: Uint32Array, t: Float64Array, max: number): number; close(): void };

/** Reads file through the native Capture ('native') or the TypeScript reader ('ts') with the
 *  given batch shape; keeps the frames when keep, else only their digest. */
export function readWith(kind: 'native' | 'ts', file: string, bufBytes: number, maxPackets: number, keep = true,
  onBatch?: (lt: number, buf: Uint8Array, meta: Uint32Array, times: Float64Array, n: number) => void): ReadResult {
  const res: ReadResult = { open: null, linktype: -1, frames: [], digest: 0, count: 0, error: null };
  let src: Source;
  try {
    if (kind === 'native') src = new (loadNative().Capture)({ file });
    else { const r = PcapReader.openFile(file); r.begin(); src = r; }
  } catch (e) {
    res.open = (e as Error).message;
    return res;
  }
  res.linktype = src.linktype;
  const { buf, meta, times } = batchArrays(bufBytes, maxPackets);
  try {
    for (;;) {
      const n = src.read(buf, meta, times, maxPackets);
      if (n < 0) break;
      if (n === 0) throw new Error('a file read returned 0');
      onBatch?.(src.linktype, buf, meta, times, n);
      addBatch(res, buf, meta, times, n, keep);
    }
  } catch (e) {
    const frame = (e as { frame?: unknown }).frame;
    if (typeof frame !== 'number') throw e;
    res.error = `frame ${frame}: ${(e as Error).message.replace(/^read: /, '')}`;
  } finally {
    src.close();
  }
  return res;
}

export function nativeBuilt(): boolean {
  try { loadNative(); return true; } catch { return false; }
}

export function writeFile(file: string, bytes: Uint8Array): string {
  fs.writeFileSync(file, bytes);
  return file;
}
