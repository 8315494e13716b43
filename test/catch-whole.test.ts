// Whole responses through the real catch on captures made here: a reply in several segments,
// reordered and duplicated, with a lost middle segment, larger than the first window, a FIN
// alone, the limit hit exactly; with and without the server's timestamps. What is checked is
// what catch writes (every segment once, at its offset) and what it asks blast for (an ACK of
// each segment below the limit, the RST at the limit or after the FIN, the idle RST otherwise).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as P from './packets';
import * as R from './responses';
import { lines, runInProcess } from './helpers';
import { catchReading, readRequests } from './requests';
import {
  ReplyRequest, REPLY_ACK_DATA, REPLY_ACK_PROBE, REPLY_F_TS, REPLY_RST, REPLY_RST_LATER,
} from '../shared/replies';
import { tsStamp } from '../shared/catch/ts-stamp';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-whole-'));
const KEYHEX = '202122232425262728292a2b2c2d2e2f';
const KEY = Uint8Array.from(Buffer.from(KEYHEX, 'hex'));
const keyFile = path.join(dir, 'k.key');
fs.writeFileSync(keyFile, KEYHEX + '\n', { mode: 0o600 });
const US = '198.18.0.1';
let fifos = 0;

const conn = (over: Partial<R.Conn> = {}): R.Conn => ({
  key: KEY, us: US, ip: '198.18.5.5', port: 80, slot: 1, srvIsn: 0xfffff000, probeLen: 60, timestamps: true, ...over,
});
const body = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 255);

interface Run { records: any[]; segs: any[]; reqs: ReplyRequest[]; stderr: string }

async function run(frames: Uint8Array[], args: string[] = []): Promise<Run> {
  const f = path.join(dir, `w${fifos}.pcap`);
  fs.writeFileSync(f, P.pcapFile(frames.map((data, i) => ({ data, time_us: 1_700_000_000_000_000 + i * 100 }))));
  const r = await catchReading(['--pcap', f, '--key-file', keyFile, '--source-ip', US, ...args], path.join(dir, `fifo${fifos++}`));
  assert.is(r.code, 0, r.stderr);
  const records = lines(r.stdout);
  const { reqs, queue } = readRequests(KEY, r.bytes);
  assert.is(queue.drops.bad_mac + queue.drops.stray_bytes, 0);
  return { records, segs: records.filter((x) => x.type === 'segment'), reqs, stderr: r.stderr };
}

/** The response bytes the segments give, placed at their offsets; -1 where none came. */
function placed(segs: any[], len: number): number[] {
  const out = new Array<number>(len).fill(-1);
  for (const s of segs) {
    const d = Buffer.from(s.data, 'base64');
    for (let i = 0; i < d.length && s.offset + i < len; i++) out[s.offset + i] = d[i];
  }
  return out;
}

test('a reply in three segments: three records at their offsets, an ACK of each, the RST past the FIN', async () => {
  const c = conn(), t = R.tuple(c), b = body(3000);
  const r = await run([R.synAck(c), ...R.segments(c, b, [1000, 2000], true)]);
  assert.equal(r.segs.map((s) => [s.offset, s.len, s.flags]), [[0, 1000, 'A'], [1000, 1000, 'A'], [2000, 1000, 'FPA']]);
  assert.equal(placed(r.segs, 3000), [...b]);
  const ours = (t.isn + 61) >>> 0, srv1 = (c.srvIsn + 1) >>> 0;
  const stamp = tsStamp(c.srvIsn, t.isn);
  assert.equal(r.reqs.map((q) => [q.kind, q.seq, q.ack, q.window, q.flags, q.tsval]), [
    [REPLY_ACK_PROBE, (t.isn + 1) >>> 0, srv1, 16384 + 1460, REPLY_F_TS, stamp],
    [REPLY_ACK_DATA, ours, (srv1 + 1000) >>> 0, 16384 + 1460 - 1000, REPLY_F_TS, stamp],
    [REPLY_ACK_DATA, ours, (srv1 + 2000) >>> 0, 16384 + 1460 - 2000, REPLY_F_TS, stamp],
    [REPLY_RST, ours, (srv1 + 3001) >>> 0, 0, REPLY_F_TS, stamp],
  ]);
  assert.match(r.stderr, /3 segments \(3 with offset\)/);
});

test('reordered and duplicated segments: each written once at its own offset, the copies dropped', async () => {
  const c = conn(), b = body(4000);
  const [s0, s1, s2, s3] = R.segments(c, b, [1000, 2000, 3000]);
  const r = await run([R.synAck(c), s2, s0, s0, s3, s1, s2, s3]);
  assert.equal(r.segs.map((s) => s.offset), [2000, 0, 3000, 1000]);
  assert.equal(placed(r.segs, 4000), [...b]);
  assert.match(r.stderr, /duplicate 3/);
});

test('a lost middle segment: the records show the hole (no bytes at its offsets), nothing fills it', async () => {
  const c = conn(), b = body(3000);
  const [s0, , s2] = R.segments(c, b, [1000, 2000], true);
  const r = await run([R.synAck(c), s0, s2]);
  const p = placed(r.segs, 3000);
  assert.equal(p.slice(0, 1000), [...b.subarray(0, 1000)]);
  assert.ok(p.slice(1000, 2000).every((x) => x === -1), 'the hole stays a hole');
  assert.equal(p.slice(2000), [...b.subarray(2000)]);
});

test('a response larger than the first window: ACKs move the window on to --max-banner, the segment that reaches it gets the RST, later ones no record', async () => {
  const c = conn(), b = body(100_000);
  const frames = [R.synAck(c), ...R.segments(c, b, R.everyMss(b.length))];
  const r = await run(frames, ['--max-banner', '40000']);
  // Every segment below 40000 written whole, the one across it cut (truncated), none after it.
  const last = r.segs[r.segs.length - 1];
  assert.is(last.offset, Math.floor(40000 / 1448) * 1448);
  assert.is(last.truncated, true);
  assert.is(Buffer.from(last.data, 'base64').length, 40000 - last.offset);
  assert.equal(placed(r.segs, 40000), [...b.subarray(0, 40000)]);
  const acks = r.reqs.filter((q) => q.kind === REPLY_ACK_DATA);
  assert.is(acks.length, r.segs.length - 1);
  // The window never lets the right edge pass the limit by more than one segment.
  for (const a of acks) assert.ok(((a.ack - c.srvIsn - 1) >>> 0) + a.window! <= 40000 + 1460);
  const rsts = r.reqs.filter((q) => q.kind === REPLY_RST);
  assert.ok(rsts.length >= 1, 'the RST at the limit, then one for each segment still in flight');
  assert.is((rsts[0].ack - c.srvIsn - 1) >>> 0, last.offset + 1448);
  assert.match(r.stderr, new RegExp(`${frames.length - 1 - r.segs.length} segments past --max-banner`));
});

test('the limit hit exactly: the segment ending at --max-banner is whole (not truncated) and gets the RST', async () => {
  const c = conn(), b = body(3000);
  const r = await run([R.synAck(c), ...R.segments(c, b, [1000, 2000])], ['--max-banner', '2000']);
  assert.equal(r.segs.map((s) => [s.offset, s.len, s.truncated]), [[0, 1000, undefined], [1000, 1000, undefined]]);
  assert.equal(r.reqs.slice(1).map((q) => q.kind), [REPLY_ACK_DATA, REPLY_RST, REPLY_RST]);
});

test('a FIN without data: a segment of len 0, flags FA, and the RST that acknowledges it', async () => {
  const c = conn({ probeLen: 0 }), t = R.tuple(c);
  const r = await run([R.synAck(c), R.segment(c, 0, '', 'FA')]);
  assert.equal(r.segs.map((s) => [s.offset, s.len, s.flags, s.data]), [[0, 0, 'FA', '']]);
  assert.equal(r.reqs.map((q) => [q.kind, q.seq, q.ack]), [
    [REPLY_ACK_PROBE, (t.isn + 1) >>> 0, (c.srvIsn + 1) >>> 0], [REPLY_RST, (t.isn + 1) >>> 0, (c.srvIsn + 2) >>> 0],
  ]);
});

test('a server without timestamps: segments without offset, joined through the open record\'s seq; no ACK of data, the idle RST', async () => {
  const c = conn({ timestamps: false }), b = body(3000);
  const r = await run([R.synAck(c), ...R.segments(c, b, [1000, 2000])], ['--rst-idle', '2.5']);
  const open = r.records.find((x) => x.type === 'open');
  assert.is(open.seq, c.srvIsn);
  assert.ok(r.segs.every((s) => s.offset === undefined));
  assert.equal(r.segs.map((s) => (s.seq - open.seq - 1) >>> 0), [0, 1000, 2000]);
  assert.equal(r.reqs.map((q) => [q.kind, q.flags, q.delay_ms]), [
    [REPLY_ACK_PROBE, 0, 2500], [REPLY_RST_LATER, 0, 2500], [REPLY_RST_LATER, 0, 2500], [REPLY_RST_LATER, 0, 2500],
  ]);
});

// The same captures through catch --pcap | banners: one banner per connection, whole or marked.
async function joined(frames: Uint8Array[], catchArgs: string[] = [], bannersArgs: string[] = []): Promise<any[]> {
  const r = await run(frames, catchArgs);
  const b = await runInProcess('banners', ['--no-service-probes', '-q', ...bannersArgs], r.records.map((x) => JSON.stringify(x)).join('\n') + '\n');
  assert.is(b.code, 0, b.stderr);
  return lines(b.stdout).filter((x) => x.type === 'banner');
}
const fields = (b: any) => [b.len, b.complete, b.truncated, b.gaps, b.segments, b.end];

test('catch --pcap | banners: three segments, reordered and repeated, make one whole banner', async () => {
  const c = conn(), b = body(3000);
  const [s0, s1, s2] = R.segments(c, b, [1000, 2000], true);
  for (const frames of [[R.synAck(c), s0, s1, s2], [R.synAck(c), s2, s0, s0, s1, s2]]) {
    const out = await joined(frames);
    assert.is(out.length, 1);
    assert.equal(fields(out[0]), [3000, true, false, 0, 3, 'fin']);
    assert.equal(Buffer.from(out[0].data, 'base64'), Buffer.from(b));
  }
});

test('catch --pcap | banners: a lost middle segment is a hole in the banner (gaps, data up to it), not papered over', async () => {
  const c = conn(), b = body(3000);
  const [s0, , s2] = R.segments(c, b, [1000, 2000], true);
  const [out] = await joined([R.synAck(c), s0, s2]);
  assert.equal(fields(out), [3000, false, false, 1000, 2, 'fin']);
  assert.is(out.gap_ranges, '1000-1999');
  assert.equal(Buffer.from(out.data, 'base64'), Buffer.from(b.subarray(0, 1000)));
});

test('catch --pcap | banners: larger than the first window, cut at --max-banner (truncated, end limit); the limit hit exactly', async () => {
  const c = conn(), b = body(100_000);
  const [big] = await joined([R.synAck(c), ...R.segments(c, b, R.everyMss(b.length))], ['--max-banner', '40000'], ['--max-banner', '40000']);
  assert.is(big.truncated, true);
  assert.is(big.gaps, 0);
  assert.is(big.end, 'limit');
  assert.equal(Buffer.from(big.data, 'base64'), Buffer.from(b.subarray(0, 40000)));
  const small = body(2000);
  const [exact] = await joined([R.synAck(c), ...R.segments(c, small, [1000], true)], ['--max-banner', '2000'], ['--max-banner', '2000']);
  assert.equal(Buffer.from(exact.data, 'base64'), Buffer.from(small));
  assert.is(exact.gaps, 0);
});

test('catch --pcap | banners: a FIN alone is an empty, complete banner; no timestamps: joined through the open record', async () => {
  const [fin] = await joined([R.synAck(conn({ probeLen: 0 })), R.segment(conn({ probeLen: 0 }), 0, '', 'FA')]);
  assert.equal(fields(fin), [0, true, false, 0, 1, 'fin']);
  assert.is(fin.data, '');
  const c = conn({ timestamps: false }), b = body(3000);
  const out = await joined([R.synAck(c), ...R.segments(c, b, [1000, 2000], true).reverse()]);
  assert.is(out.length, 1);
  assert.equal(fields(out[0]), [3000, true, false, 0, 3, 'fin']);
  assert.equal(Buffer.from(out[0].data, 'base64'), Buffer.from(b));
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
