// The TypeScript pcap reader against files written by test/packets.ts: packets, times and
// lengths back in batches, both byte orders and time resolutions, cut files and non-pcap input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import * as P from './packets';
import { PcapFormatError, PcapReader, PcapRecordError } from '../shared/packet/pcap-reader';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-pcap-'));
const frames = Array.from({ length: 50 }, (_, i) => ({
  data: P.ether(P.tcp({ src: '198.18.0.2', dst: '198.18.0.1', sport: 80, dport: 40000 + i, seq: i, ack: i, flags: 'SA', payload: 'p'.repeat(i) })),
  time_us: 1_700_000_000_000_000 + i * 1001,
}));

function readAll(r: PcapReader, bufSize = 1 << 16, max = 7) {
  const buf = new Uint8Array(bufSize), meta = new Uint32Array(3 * max), times = new Float64Array(max);
  const out: { data: Buffer; wire: number; time: number }[] = [];
  for (let guard = 0; guard < 10000; guard++) {
    const n = r.read(buf, meta, times, max);
    if (n < 0) break;
    for (let i = 0; i < n; i++) out.push({ data: Buffer.from(buf.subarray(meta[3 * i], meta[3 * i] + meta[3 * i + 1])), wire: meta[3 * i + 2], time: times[i] });
  }
  return out;
}

test('reads every packet back with its time and lengths, in small batches', () => {
  const f = path.join(dir, 'a.pcap');
  fs.writeFileSync(f, P.pcapFile(frames));
  const r = PcapReader.openFile(f);
  const got = readAll(r, 600, 7);   // a buffer barely larger than the biggest record
  assert.is(r.linktype, 1);
  assert.is(got.length, 50);
  got.forEach((g, i) => {
    assert.ok(g.data.equals(Buffer.from(frames[i].data)), `packet ${i}`);
    assert.is(g.time, frames[i].time_us);
    assert.is(g.wire, frames[i].data.length);
  });
  r.close();
});

test('big-endian and nanosecond files', () => {
  const le = P.pcapFile(frames.slice(0, 3), 113);
  const be = Buffer.alloc(le.length);
  // Swap every 32-bit header word and the two 16-bit version fields by hand.
  const sw32 = (o: number) => be.writeUInt32BE(le.readUInt32LE(o), o);
  for (const o of [0, 8, 12, 16, 20]) sw32(o);
  be.writeUInt16BE(2, 4); be.writeUInt16BE(4, 6);
  let o = 24;
  while (o < le.length) { for (const k of [0, 4, 8, 12]) sw32(o + k); const n = le.readUInt32LE(o + 8); le.copy(be, o + 16, o + 16, o + 16 + n); o += 16 + n; }
  const fb = path.join(dir, 'be.pcap');
  fs.writeFileSync(fb, be);
  const r = PcapReader.openFile(fb);
  const got = readAll(r);
  assert.is(r.linktype, 113);
  assert.is(got.length, 3);
  assert.is(got[2].time, frames[2].time_us);
  const ns = Buffer.from(le);
  ns.writeUInt32LE(0xa1b23c4d, 0);
  for (let p = 24, i = 0; p < ns.length; i++) { ns.writeUInt32LE((frames[i].time_us % 1e6) * 1000 + 999, p + 4); p += 16 + ns.readUInt32LE(p + 8); }
  const fn = path.join(dir, 'ns.pcap');
  fs.writeFileSync(fn, ns);
  assert.is(readAll(PcapReader.openFile(fn))[1].time, frames[1].time_us);
});

test('a file cut inside the last record: the whole ones are delivered, then the cut is raised naming frame 5', () => {
  const full = P.pcapFile(frames.slice(0, 5));
  const f = path.join(dir, 'cut.pcap');
  fs.writeFileSync(f, full.subarray(0, full.length - 10));
  const r = PcapReader.openFile(f);
  const buf = new Uint8Array(1 << 16), meta = new Uint32Array(30), times = new Float64Array(10);
  assert.is(r.read(buf, meta, times, 10), 4);
  try { r.read(buf, meta, times, 10); assert.unreachable('no error'); } catch (e) {
    assert.instance(e, PcapRecordError);
    assert.is((e as PcapRecordError).frame, 5);
    assert.is((e as Error).message, `truncated dump file; tried to read ${frames[4].data.length} captured bytes, only got ${frames[4].data.length - 10}`);
  }
});

test('not a pcap: clear errors', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['text', Buffer.from('hello world, not a capture\n'), /not a pcap file \(bad magic number\)/],
    ['empty', Buffer.alloc(0), /empty file/],
    ['pcapng', Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000', 'hex'), /pcapng/],
    ['short', Buffer.from('d4c3b2a10200', 'hex'), /truncated pcap file header/],
  ];
  for (const [name, bytes, re] of cases) {
    const f = path.join(dir, `${name}.bin`);
    fs.writeFileSync(f, bytes);
    const r = PcapReader.openFile(f);
    try { readAll(r); assert.unreachable(name); } catch (e) {
      assert.instance(e, PcapFormatError, name);
      assert.match((e as Error).message, re, name);
    }
  }
  // A corrupt record length is caught rather than allocating it.
  const bad = P.pcapFile(frames.slice(0, 2));
  bad.writeUInt32LE(0x7fffffff, 24 + 8);
  const fb = path.join(dir, 'corrupt.pcap');
  fs.writeFileSync(fb, bad);
  assert.throws(() => readAll(PcapReader.openFile(fb)), /invalid packet capture length 2147483647, bigger than snaplen of 262144/);
});

test('a stream delivered in odd-sized chunks reads the same as the file', async () => {
  const bytes = P.pcapFile(frames);
  const chunks: Buffer[] = [];
  for (let o = 0; o < bytes.length; o += 37) chunks.push(bytes.subarray(o, o + 37));
  const r = PcapReader.openStream(Readable.from(chunks));
  const buf = new Uint8Array(4096), meta = new Uint32Array(30), times = new Float64Array(10);
  let count = 0;
  for (;;) {
    const n = r.read(buf, meta, times, 10);
    if (n < 0) break;
    if (n === 0) { await new Promise((res) => setTimeout(res, 1)); continue; }
    for (let i = 0; i < n; i++) {
      assert.ok(Buffer.from(buf.subarray(meta[3 * i], meta[3 * i] + meta[3 * i + 1])).equals(Buffer.from(frames[count].data)));
      count++;
    }
  }
  assert.is(count, 50);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
