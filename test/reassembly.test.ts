// trawl banners on segment records as catch emits them (man/trawl.7): one banner per connection,
// whatever the order, duplicates, holes, ends and bounds; what a user reads in the records and the summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { ROOT, lines, runInProcess } from './helpers';
import { Stream, MAX_PIECES } from '../shared/reassembly/stream';
import { IsnTable } from '../shared/reassembly/isns';
import type { Tuple } from '../shared/reassembly/segment';
import { fuzzReassembly } from './fuzz/reassembly.fuzz';

const FIX = path.join(ROOT, 'test', 'fixtures', 'banners');
// A server ISN close to 2^32: the stream's sequence numbers wrap around inside the response.
const ISN = 0xffffff00;
const T0 = 1763800000000000;
const U32 = 0x100000000;

interface Seg { o: number; d: Buffer | string; flags?: string; t?: number; ip?: string; sport?: number; isn?: number; offset?: false; len?: number }

/** One segment record as catch writes it (offset present unless `offset: false`). */
function seg(s: Seg): Record<string, unknown> {
  const d = Buffer.isBuffer(s.d) ? s.d : Buffer.from(s.d, 'latin1');
  const isn = s.isn ?? ISN;
  return {
    type: 'segment', ip: s.ip ?? '198.18.0.1', port: 80, sport: s.sport ?? 40000, ttl: 64, probe: 'http',
    seq: (isn + 1 + s.o) % U32, ...(s.offset === false ? {} : { offset: s.o }), len: s.len ?? d.length,
    flags: s.flags ?? 'PA', data: d.toString('base64'), time_us: T0 + (s.t ?? 0),
  };
}

/** A response cut into segments of `size` bytes; the last carries the FIN unless fin is false. */
function cut(resp: Buffer | string, size: number, fin = true, extra: Partial<Seg> = {}): Seg[] {
  const b = Buffer.isBuffer(resp) ? resp : Buffer.from(resp, 'latin1');
  const out: Seg[] = [];
  for (let o = 0; o < b.length; o += size) out.push({ o, d: b.subarray(o, o + size), t: out.length, ...extra });
  if (fin) out[out.length - 1].flags = 'FPA';
  return out;
}

const ndjson = (recs: unknown[]) => recs.map((r) => JSON.stringify(r) + '\n').join('');
const run = (recs: unknown[], args: string[] = []) => runInProcess('banners', args, ndjson(recs));
const data = (b: { data: string }) => Buffer.from(b.data, 'base64').toString('latin1');
const status = (stderr: string) => JSON.parse(stderr.trim().split('\n').filter((l) => l.startsWith('{')).pop()!);

// 90 bytes: three segments of 30.
const BODY = '<title>three parts</title>abcdefghijklmn';
const PAGE = `HTTP/1.1 200 OK\r\nServer: t\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
// The same without a length: only the FIN (or a bound) ends it.
const OPEN_ENDED = `HTTP/1.1 200 OK\r\nServer: t\r\n\r\n${BODY}`;

test('three segments in order: one banner with the whole response, complete, parsed', async () => {
  const r = await run(cut(PAGE, 30).map(seg));
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  const [b, ...rest] = lines(r.stdout);
  assert.is(rest.length, 0);
  assert.equal(
    [b.type, b.ip, b.port, b.sport, b.ttl, b.probe, b.time_us, b.len, b.complete, b.truncated, b.gaps, b.segments, b.end],
    ['banner', '198.18.0.1', 80, 40000, 64, 'http', T0, PAGE.length, true, false, 0, 3, 'fin']);
  assert.is(data(b), PAGE);
  assert.is(b.gap_ranges, undefined);
  assert.is(PAGE.length, 90);
  assert.equal([b.service, b.http_status, b.http_title, b.http_body_len, b.http_body_complete], ['http', 200, 'three parts', 40, true]);
});

test('a server-first greeting ends at its final line (end complete, written at once); continuation lines keep it open', async () => {
  const greet = '220-welcome\r\n220-to the test\r\n220 ready\r\n';
  // Three segments, the last without a FIN: catch resets the connection at the final line.
  const r = await run(cut(greet, 14, false).map(seg), ['--idle', '3600']);
  assert.is(r.code, 0, r.stderr);
  const [b] = lines(r.stdout);
  assert.equal([b.len, b.complete, b.end, data(b)], [greet.length, true, 'complete', greet]);
  // Only continuation lines so far: the end of the input ends it, not complete.
  const open = await run(cut('220-welcome\r\n220-more\r\n', 14, false).map(seg), ['--idle', '3600']);
  const [o] = lines(open.stdout);
  assert.equal([o.complete, o.end], [false, 'eof']);
  // SSH's version line alone is its whole greeting.
  const ssh = await run([seg({ o: 0, d: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n' })]);
  assert.equal([lines(ssh.stdout)[0].complete, lines(ssh.stdout)[0].end], [true, 'complete']);
});

test('reordered, duplicated and overlapping segments: the same bytes; the first copy of a byte wins and conflicts are counted', async () => {
  const s = cut(PAGE, 30);
  const forged = { o: 10, d: 'X'.repeat(25), t: 5 };            // overlaps 10..34 with other bytes
  const r = await run([s[2], s[0], s[0], forged, s[1], s[2], s[1]].map(seg), ['--status-ndjson']);
  assert.is(r.code, 0, r.stderr);
  const [b] = lines(r.stdout);
  // s[2] came first (with the FIN) and s[0]; the forgery fills 30..34 before s[1] does: first copy wins.
  const want = PAGE.slice(0, 30) + 'XXXXX' + PAGE.slice(35);
  assert.is(data(b), want);
  assert.is(b.conflicts, 20 + 5, 'bytes 10..29 differed from what was held, and s[1]\'s 30..34 from the forgery');
  assert.is(b.segments, 5);
  assert.is(status(r.stderr).late_segments, 2, 'the copies after the response was whole are late');
  assert.is(b.time_us, T0, 'time of the earliest segment');
  assert.equal([b.complete, b.gaps, b.end], [true, 0, 'fin']);
});

test('a lost middle segment: data stops at the hole, gaps and gap_ranges say what is missing, never filled', async () => {
  const s = cut(PAGE, 30);
  const r = await run([s[0], s[2]].map(seg));
  const [b] = lines(r.stdout);
  assert.is(data(b), PAGE.slice(0, 30));
  assert.equal([b.len, b.gaps, b.gap_ranges, b.complete, b.end, b.segments], [PAGE.length, 30, '30-59', false, 'fin', 2]);
  assert.is(b.http_status, 200, 'the bytes before the hole are parsed');
  // The missing segment arriving later (a retransmission) completes the connection.
  const late = await run([s[0], s[2], { ...s[1], t: 9 }].map(seg));
  const [c] = lines(late.stdout);
  assert.equal([data(c), c.complete, c.gaps], [PAGE, true, 0]);
});

test('larger than the initial window: 100 KB in 1448-byte segments, reordered within each window, duplicated, wrapping seq', async () => {
  const body = Buffer.alloc(100 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 8)) & 0xff;
  const resp = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  const s = cut(resp, 1448);
  const shuffled: Seg[] = [];
  for (let w = 0; w < s.length; w += 20) { const rev = s.slice(w, w + 20).reverse(); shuffled.push(...rev.slice(0, 5), s[w + 5] ?? s[w], ...rev.slice(5)); }
  const r = await run(shuffled.map(seg));
  assert.is(r.code, 0, r.stderr);
  const [b] = lines(r.stdout);
  assert.ok(Buffer.from(b.data, 'base64').equals(resp));
  assert.equal([b.len, b.complete, b.gaps, b.segments], [resp.length, true, 0, shuffled.length]);
  assert.is(b.http_body_sha256, createHash('sha256').update(body).digest('hex'));
  assert.is(b.http_body_len, body.length);
});

test('a FIN with no data: an empty banner that says the server closed; a RST ends a connection at once', async () => {
  const r = await run([seg({ o: 0, d: '', flags: 'FA' })]);
  const [b] = lines(r.stdout);
  assert.equal([b.data, b.len, b.complete, b.truncated, b.gaps, b.segments, b.end, b.service], ['', 0, true, false, 0, 1, 'fin', 'unknown']);
  const s = cut(PAGE, 30, false);
  const rst = await run([seg(s[0]), seg({ o: 30, d: '', flags: 'R', t: 3 }), { ...seg(s[1]), time_us: T0 + 4 }]);
  const [c] = lines(rst.stdout);
  assert.equal([data(c), c.end, c.complete, c.segments], [PAGE.slice(0, 30), 'rst', false, 2]);
  assert.is(lines(rst.stdout).length, 1, 'a segment after the RST is late: dropped, not a second banner');
});

test('a response whose own framing says it ended is written at once (HTTP Content-Length, chunked; a TLS 1.2 flight), its FIN then late', async () => {
  const s = cut(PAGE, 30);
  const r = await run([...s.map(seg), { type: 'closed', ip: '198.18.0.9', port: 22, sport: 1, time_us: T0 + 99 }], ['--status-ndjson']);
  const out = lines(r.stdout);
  assert.equal(out.map((o) => o.type), ['banner', 'closed'], 'the banner is written before the later records, not at the end');
  assert.equal([out[0].end, out[0].complete, out[0].segments], ['fin', true, 3]);
  const noFin = await run([...cut(PAGE, 30, false), { o: 90, d: '', flags: 'FA', t: 50 }].map(seg), ['--status-ndjson']);
  const [b] = lines(noFin.stdout);
  assert.equal([data(b), b.end, b.complete, b.segments], [PAGE, 'complete', true, 3]);
  assert.is(status(noFin.stderr).late_segments, 1);
  assert.is(status(noFin.stderr).end_complete, 1);
  const chunks = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
  const [c] = lines((await run(cut(chunks, 20, false).map(seg))).stdout);
  assert.equal([c.end, c.complete, c.http_body_len], ['complete', true, 5]);
  // A chunked body whose segment ends like the last chunk, but is not: not written early.
  const fake = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nab0\r\n\r\nc';
  const [d] = lines((await run(cut(fake, fake.length - 1, false).map(seg))).stdout);
  assert.equal([d.end, d.complete, d.segments], ['eof', false, 2]);
});

test('--max-banner hit exactly: a response of exactly the limit is complete; one byte more is truncated and ends at the limit', async () => {
  const n = OPEN_ENDED.length;
  const exact = await run(cut(OPEN_ENDED, 30).map(seg), ['--max-banner', String(n)]);
  const [e] = lines(exact.stdout);
  assert.equal([data(e), e.len, e.complete, e.truncated, e.end], [OPEN_ENDED, n, true, false, 'fin']);
  const over = await run([...cut(OPEN_ENDED, 30, false), { o: n, d: '!', t: 8 }, { o: n + 1, d: 'more', flags: 'FPA', t: 9 }].map(seg), ['--max-banner', String(n), '--status-ndjson']);
  const out = lines(over.stdout);
  assert.is(out.length, 1);
  assert.equal([data(out[0]), out[0].len, out[0].complete, out[0].truncated, out[0].end], [OPEN_ENDED, n + 1, false, true, 'limit']);
  assert.is(status(over.stderr).late_segments, 1, 'the FIN segment after the limit was written is late');
  // Exactly the limit's bytes, then a bare FIN far past it (the segments between lost, or never
  // acknowledged): the response went on beyond the limit, so it is truncated, not complete (the
  // reassembly fuzzer's case 18103 of FUZZ_SEED=623653431 found it reported complete).
  const finPast = await run([...cut(OPEN_ENDED, 30, false), { o: 4 * n, d: '', flags: 'FA', t: 9 }].map(seg), ['--max-banner', String(n)]);
  const [fp] = lines(finPast.stdout);
  assert.equal([data(fp), fp.len, fp.complete, fp.truncated, fp.end], [OPEN_ENDED, 4 * n, false, true, 'limit']);
  // catch's own cut (snaplen): a segment whose data is shorter than its len is truncated too.
  const snap = await run([{ ...seg({ o: 0, d: PAGE.slice(0, 20), len: 30, flags: 'FPA' }), truncated: true }]);
  const [c] = lines(snap.stdout);
  assert.equal([data(c), c.len, c.truncated, c.complete], [PAGE.slice(0, 20), 30, true, false]);
});

test('--max-connections: the connection idle longest is written early, marked evicted, and counted; its later segments start a new banner', async () => {
  const conn = (k: number) => cut(PAGE, 30, false, { ip: `198.18.0.${k}` });
  const [A, B, C] = [conn(1), conn(2), conn(3)];
  const order = [A[0], B[0], C[0], B[1], C[1], A[1]].map((s, i) => seg({ ...s, t: i }));
  const r = await run(order, ['--max-connections', '2', '--status-ndjson']);
  assert.is(r.code, 0);
  const out = lines(r.stdout);
  assert.equal(out.map((b) => [b.ip, b.end, b.segments, b.gaps]),
    [['198.18.0.1', 'evicted', 1, 0], ['198.18.0.2', 'evicted', 2, 0], ['198.18.0.3', 'eof', 2, 0], ['198.18.0.1', 'eof', 1, 30]]);
  assert.is(data(out[3]), '', 'the second part of 198.18.0.1 starts after a hole: no data, the hole counted');
  const st = status(r.stderr);
  assert.is(st.evicted_entries, 2);
  assert.is(st.peak_connections, 2);
  assert.match(r.stderr, /warning: reassembly: 2 connections written early because the table was full \(--max-connections\)/);
});

test('--max-bytes: beyond it the connections idle longest are written early; held bytes never pass it', async () => {
  const recs = [1, 2, 3, 4].map((k) => seg({ o: 0, d: 'x'.repeat(600), ip: `198.18.0.${k}`, t: k }));
  const r = await run(recs, ['--max-bytes', '1500', '--max-banner', '1000', '--status-ndjson']);
  const out = lines(r.stdout);
  assert.equal(out.map((b) => [b.ip, b.end]), [['198.18.0.1', 'evicted'], ['198.18.0.2', 'evicted'], ['198.18.0.3', 'eof'], ['198.18.0.4', 'eof']]);
  const st = status(r.stderr);
  assert.is(st.evicted_bytes, 2);
  assert.ok(st.peak_bytes <= 1500 + 600, `peak ${st.peak_bytes}`);
  const bad = await run([], ['--max-bytes', '100', '--max-banner', '1000']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--max-bytes 100 is less than --max-banner 1000/);
});

test('--idle in record time: a quiet connection is written when later records pass its idle time, before them; a replay gives the same output', async () => {
  const s = cut(PAGE, 30, false);
  const other = { type: 'closed', ip: '198.18.0.9', port: 22, sport: 40001, ttl: 64, time_us: T0 + 2_000_001 };
  const input = [seg(s[0]), seg(s[1]), other, seg({ ...s[2], t: 2_000_002 })];
  const r = await run(input, ['--idle', '2']);
  const out = lines(r.stdout);
  assert.equal(out.map((o) => o.type), ['banner', 'closed', 'banner']);
  assert.equal([out[0].end, data(out[0]), out[0].complete], ['idle', PAGE.slice(0, 60), false]);
  assert.equal([out[2].end, out[2].gaps, out[2].gap_ranges], ['eof', 60, '0-59'], 'the late third segment starts a connection of its own, its hole reported');
  const again = await run(input, ['--idle', '2']);
  assert.is(again.stdout, r.stdout);
  const longer = lines((await run(input, ['--idle', '3'])).stdout);
  assert.equal(longer.map((o) => o.type), ['closed', 'banner']);
  assert.equal([data(longer[1]), longer[1].end], [PAGE, 'complete']);
});

test('segments without offset are joined through the open record\'s seq; a second open of the tuple (new ISN) is a second connection', async () => {
  const open = (isn: number, t: number, repeat = false) => ({ type: 'open', ip: '198.18.0.1', port: 80, sport: 40000, ttl: 64, seq: isn, time_us: T0 + t, ...(repeat ? { repeat: true } : {}) });
  const A = 0x10000000, B = 0x7fff0000;
  const a = cut(PAGE, 30, true, { offset: false, isn: A });
  const b = cut('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 20, true, { offset: false, isn: B });
  const input = [open(A, 0), seg(a[0]), open(B, 1, true), seg(b[1]), seg(a[2]), seg(b[0]), seg(a[1]), seg(b[2])];
  const r = await run(input, ['--status-ndjson']);
  assert.is(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.map((o) => o.type), ['open', 'open', 'banner', 'banner']);
  assert.equal(out[1], open(B, 1, true), 'open records pass through untouched');
  assert.equal([data(out[2]), out[2].complete, out[2].http_status], [PAGE, true, 200]);
  assert.equal([out[3].http_status, out[3].complete, out[3].http_body_complete], [404, true, true]);
  // With no open record and no offset there is nothing to place a segment by: it passes through, counted.
  const lost = await run([seg({ o: 5, d: 'hello', offset: false })], ['--status-ndjson']);
  assert.equal(lines(lost.stdout).map((o) => o.type), ['segment']);
  assert.is(status(lost.stderr).unjoined_segments, 1);
  assert.match(lost.stderr, /1 segments passed through unjoined/);
});

test('open records are remembered within --max-connections and --idle: the oldest is forgotten first (counted), a quiet one expires', async () => {
  const open = (sport: number, isn: number, t: number) => ({ type: 'open', ip: '198.18.0.1', port: 80, sport, ttl: 64, seq: isn, time_us: T0 + t });
  const resp = (sport: number, isn: number, t: number) => cut('HTTP/1.1 204 No Content\r\n\r\n', 10, false, { offset: false, isn })
    .map((x) => seg({ ...x, sport, t }));
  // Three opens, room for two: the first is forgotten, so its segments cannot be placed.
  const r = await run([open(1, 1000, 0), open(2, 2000, 1), open(3, 3000, 2), ...resp(1, 1000, 3), ...resp(3, 3000, 4)], ['--max-connections', '2', '--status-ndjson']);
  const out = lines(r.stdout);
  assert.equal(out.filter((o) => o.type === 'banner').map((o) => [o.sport, o.http_status]), [[3, 204]]);
  assert.equal(out.filter((o) => o.type === 'segment').map((o) => o.sport), [1, 1, 1]);
  assert.equal([status(r.stderr).opens_forgotten, status(r.stderr).unjoined_segments], [1, 3]);
  assert.match(r.stderr, /1 open records forgotten before their segments came/);
  // --idle 1: an open older than a second of record time is gone when its segments come; one
  // used since (its first segment) stays.
  const idle = await run([open(1, 1000, 0), open(2, 2000, 0), ...resp(2, 2000, 900_000).slice(0, 1), ...resp(1, 1000, 1_500_000), ...resp(2, 2000, 1_600_000).slice(1)], ['--idle', '1', '--status-ndjson']);
  const io = lines(idle.stdout);
  assert.equal(io.filter((o) => o.type === 'banner').map((o) => [o.sport, o.http_status, o.complete]), [[2, 204, true]]);
  assert.is(status(idle.stderr).unjoined_segments, 3);
});

// An IsnTable over tuples given as their text (readOpen and readSegment hand it both forms).
function isnTable(max: number) {
  const t = new IsnTable(max);
  const tk = (text: string): Tuple => { const [ip, p, s] = text.split('|'); return { tuple: text, ip, port: Number(p) || 0, sport: Number(s) || 0 }; };
  return {
    add: (text: string, isn: number, at: number) => t.add(tk(text), isn, at),
    nearest: (text: string, seq: number, at: number) => t.nearest(tk(text), seq, at),
    expire: (h: number) => t.expire(h),
    get size() { return t.size; },
  };
}

test('IsnTable: four ISNs per tuple (the oldest goes), the nearest one before a seq, a bound by tuples, expiry by time', () => {
  const t = isnTable(3000);
  for (const isn of [100, 200, 300, 400, 500, 300]) t.add('a', isn, 1);
  assert.is(t.size, 1);
  assert.is(t.nearest('a', 250, 1), 200, 'the ISN just below seq');
  assert.is(t.nearest('a', 150, 1), 500, '100 went when the fifth came: none is below 150, and 500 is nearest round 2^32');
  assert.is(t.nearest('a', 301, 1), 300);
  assert.is(t.nearest('b', 1, 1), undefined);
  // Past the first arrays (1,024 slots): every tuple keeps its own ISN.
  for (let i = 0; i < 2500; i++) t.add(`t${i}`, 0xfffff000 + i, 10 + i);
  assert.is(t.size, 2501);
  assert.ok([0, 1023, 1024, 2499].every((i) => t.nearest(`t${i}`, (0xfffff000 + i + 5) % U32, 10 + i) === 0xfffff000 + i));
  // Bound: a table of two forgets the tuple left alone longest, and says so.
  const b = isnTable(2);
  assert.equal([b.add('x', 1, 0), b.add('y', 2, 1), b.nearest('x', 5, 2), b.add('z', 3, 3)], [false, false, 1, true]);
  assert.equal([b.nearest('x', 5, 4), b.nearest('y', 5, 4), b.nearest('z', 5, 4), b.size], [1, undefined, 3, 2]);
  // Expiry: what was last used at or before the horizon goes; the slots are used again.
  b.expire(4);
  assert.is(b.size, 0);
  assert.equal([b.add('p', 7, 5), b.add('q', 8, 6), b.nearest('p', 9, 7), b.nearest('q', 9, 7)], [false, false, 7, 8]);
});

// The IsnTable's rules, kept simple: a Map in age order (a use re-inserts), four ISNs a tuple.
class IsnModel {
  m = new Map<string, { isns: number[]; at: number }>();
  constructor(private max: number) {}
  add(t: string, isn: number, at: number): boolean {
    let e = this.m.get(t), forgot = false;
    if (!e) {
      if (this.m.size >= this.max) { this.m.delete(this.m.keys().next().value as string); forgot = true; }
      e = { isns: [], at };
    } else this.m.delete(t);
    e.isns = e.isns.filter((x) => x !== isn).concat(isn).slice(-4);
    e.at = at;
    this.m.set(t, e);
    return forgot;
  }
  nearest(t: string, seq: number, at: number): number | undefined {
    const e = this.m.get(t);
    if (!e) return undefined;
    let best = e.isns[0];
    for (const x of e.isns.slice(1)) if ((seq - x - 1 + U32) % U32 < (seq - best - 1 + U32) % U32) best = x;
    this.m.delete(t); e.at = at; this.m.set(t, e);
    return best;
  }
  expire(h: number) { for (const [t, e] of this.m) { if (e.at > h) return; this.m.delete(t); } }
}

test('IsnTable against its model: IPv4 tuples in the typed-array index, others in the map, through growth, eviction, expiry and removals', () => {
  let seed = 7;
  const rnd = (m: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % m; };
  for (const [max, keys, keep] of [[50, 200, 50], [3000, 5000, 30000], [2, 6, 50]] as const) {
    const t = isnTable(max), m = new IsnModel(max);
    const tuple = (k: number) => k % 17 === 0 ? `2001:db8::${k.toString(16)}|443|${40000 + k}`
      : k % 29 === 0 ? `198.18.0.0${k % 10}|80|1`   // no canonical IPv4 text: the map's
      : `198.18.${(k >> 8) & 255}.${k & 255}|${[80, 443, 0][k % 3]}|${(k * 7919) % 65536}`;
    let clock = 0, peak = 0;
    for (let op = 0; op < 40000; op++) {
      const k = rnd(keys), r = rnd(100);
      if (r < 55) {
        const isn = rnd(6) * 1000;
        if (t.add(tuple(k), isn, clock) !== m.add(tuple(k), isn, clock)) assert.unreachable(`max ${max}, op ${op}: add said otherwise`);
      } else if (r < 97) {
        const seq = rnd(7000), a = t.nearest(tuple(k), seq, clock), b = m.nearest(tuple(k), seq, clock);
        if (a !== b) assert.unreachable(`max ${max}, op ${op}: nearest(${tuple(k)}, ${seq}) ${a}, the model ${b}`);
      } else { t.expire(clock - keep); m.expire(clock - keep); }
      if (t.size !== m.m.size) assert.unreachable(`max ${max}, op ${op}: size ${t.size}, the model ${m.m.size}`);
      peak = Math.max(peak, t.size);
      clock += rnd(3);
    }
    if (max === 3000) assert.is(peak, 3000, 'the index grew past its first 2,048 places (1,024 tuples), to the bound');
    // Every tuple the model still knows, the table finds with the same ISN.
    for (const [tp, e] of [...m.m]) assert.is(t.nearest(tp, e.isns[0] + 1, clock), m.nearest(tp, e.isns[0] + 1, clock), tp);
  }
});

test('IsnTable past the 65,536 slots made at the start: the arrays double, every tuple kept, then the bound', () => {
  const t = isnTable(70000), tuple = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}|80|${i % 65536}`;
  for (let i = 0; i < 70000; i++) if (t.add(tuple(i), i, i)) assert.unreachable(`forgot at ${i}`);
  assert.is(t.size, 70000);
  for (let i = 0; i < 70000; i += 997) assert.is(t.nearest(tuple(i), i + 10, 70000 + i), i, tuple(i));
  assert.is(t.add(tuple(70000), 1, 80000), true, 'full: the oldest goes');
  assert.is(t.nearest(tuple(1), 5, 80001), undefined, 'tuple 1 was the oldest (0 was used since)');
});

test('bad segment records: reported with their line, skipped, exit 3; the good ones still joined', async () => {
  const good = cut(PAGE, 30).map(seg);
  // An "ip" longer than any address (the table keys connections by it) is refused too; an open
  // record with one passes through, not remembered.
  const longIp = '1'.repeat(10000);
  const r = await run([good[0], { ...good[1], seq: -1 }, { ...good[1], data: '!!' }, { ...good[1], len: 2 }, { ...good[1], flags: 'PAX' },
    { ...good[1], ip: longIp }, { type: 'open', ip: longIp, port: 80, sport: 40000, ttl: 64, seq: 7, time_us: T0 }, good[1], good[2]], ['--status-ndjson']);
  assert.is(r.code, 3);
  const err = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
  assert.match(err[0], /^trawl banners: stdin:2: segment "seq" is not a 32-bit sequence number: /);
  assert.match(err[1], /^trawl banners: stdin:3: segment "data" is not valid base64: /);
  assert.match(err[2], /^trawl banners: stdin:4: segment "data" holds 30 bytes, more than its "len" 2: /);
  assert.match(err[3], /^trawl banners: stdin:5: segment "flags" is not a string of TCP flag letters: /);
  assert.match(err[4], /^trawl banners: stdin:6: segment "ip" is longer than an address \(10000 characters, at most 45\): /);
  const out = lines(r.stdout);
  assert.equal(out.filter((o) => o.type === 'open').map((o) => o.ip.length), [10000], 'the open passes through');
  const [b] = out.filter((o) => o.type === 'banner');
  assert.equal([data(b), b.complete], [PAGE, true]);
});

test('whole responses from the fixtures: redis INFO in 730-byte segments (len = INFO\'s length + framing), a greeting in two', async () => {
  const info = fs.readFileSync(path.join(FIX, 'redis-info.bin'));
  const r = await run(cut(info, 730, false).map((s) => ({ ...seg(s), port: 6379, probe: 'redis' })));
  const [b] = lines(r.stdout);
  assert.ok(Buffer.from(b.data, 'base64').equals(info));
  assert.is(b.service, 'redis');
  const header = `$${b.redis_info_len}\r\n`;
  assert.is(b.len, header.length + b.redis_info_len + 2, 'the banner holds the whole bulk reply');
  assert.is(b.redis_version, '7.0.15');
  const smtp = fs.readFileSync(path.join(FIX, 'smtp-exim.bin'));
  const g = await run(cut(smtp, Math.ceil(smtp.length / 2), false).map((s) => ({ ...seg(s), port: 25, probe: 'null' })));
  const [m] = lines(g.stdout);
  assert.equal([m.service, m.segments, m.smtp_code], ['smtp', 2, 220]);
});

test('a redis reply ends by its RESP framing: written at once, complete; a bulk string short of its length is held', async () => {
  const info = fs.readFileSync(path.join(FIX, 'redis-info.bin'));
  const later = { type: 'closed', ip: '198.18.0.9', port: 22, sport: 1, time_us: T0 + 99 };
  const redis = (r: Seg[]) => r.map((s) => ({ ...seg(s), port: 6379, probe: 'redis' }));
  const whole = await run([...redis(cut(info, 730, false)), later], ['--status-ndjson']);
  const out = lines(whole.stdout);
  assert.equal(out.map((o) => o.type), ['banner', 'closed'], 'the banner before the later record, not at the end of input');
  assert.equal([out[0].end, out[0].complete], ['complete', true]);
  assert.is(status(whole.stderr).end_complete, 1);
  const short = await run([...redis(cut(info.subarray(0, info.length - 1), 730, false)), later]);
  const held = lines(short.stdout);
  assert.equal(held.map((o) => [o.type, o.end, o.complete]), [['closed', undefined, undefined], ['banner', 'eof', false]]);
  for (const line of ['+PONG\r\n', '-NOAUTH Authentication required.\r\n', '$-1\r\n']) {
    const [b] = lines((await run([...redis([{ o: 0, d: line }]), later])).stdout);
    assert.equal([b.type, b.end, b.complete], ['banner', 'complete', true], line);
  }
});

test('Stream: pieces are bounded; a stream with too many holes refuses new pieces and reports them as gaps', () => {
  const st = new Stream(1 << 20);
  // Every other byte: MAX_PIECES disjoint pieces, then more.
  for (let i = 0; i < MAX_PIECES + 100; i++) st.add(i * 2 + 1, Uint8Array.of(1), 1, false, false, false);
  assert.ok(st.refused >= 100, `refused ${st.refused}`);
  const g = st.gaps();
  assert.is(st.contiguous, 0);
  assert.is(g.bytes, st.dataEnd - st.held);
  assert.ok(g.ranges.endsWith('...'), 'the list of ranges is bounded');
  // In-order single bytes are merged when the pieces run out: nothing refused.
  const one = new Stream(1 << 20);
  for (let i = 0; i < MAX_PIECES * 3; i++) one.add(i, Uint8Array.of(i & 0xff), 1, false, false, false);
  assert.equal([one.refused, one.contiguous, one.gaps().bytes], [0, MAX_PIECES * 3, 0]);
  assert.is(one.prefix()[MAX_PIECES * 2 + 5], (MAX_PIECES * 2 + 5) & 0xff);
});

test('hostile segment streams: random offsets, lengths, flags and times never throw, stay bounded in time and memory', async () => {
  let x = 12345;
  const rnd = (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  const recs: unknown[] = [];
  for (let i = 0; i < 3000; i++) {
    const len = rnd(4) === 0 ? 0 : rnd(1500);
    const o = rnd(3) === 0 ? rnd(U32) : rnd(70000);
    recs.push({
      type: 'segment', ip: `198.18.0.${rnd(8)}`, port: 80, sport: 40000 + rnd(3), ttl: 64, probe: ['http', 'tls', 'null'][rnd(3)],
      seq: rnd(U32), ...(rnd(5) ? { offset: o } : {}), len: len + rnd(3), flags: ['PA', 'A', 'FPA', 'FA', 'R', 'RA'][rnd(6)],
      data: Buffer.alloc(len, rnd(256)).toString('base64'), time_us: T0 + rnd(10_000_000),
    });
    if (rnd(50) === 0) recs.push({ type: 'open', ip: `198.18.0.${rnd(8)}`, port: 80, sport: 40000 + rnd(3), seq: rnd(U32), time_us: T0 + rnd(10_000_000) });
  }
  const t0 = process.hrtime.bigint();
  const r = await run(recs, ['--max-connections', '16', '--max-bytes', '200000', '--max-banner', '65536', '--status-ndjson']);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.is(r.code, 0, r.stderr.slice(0, 500));
  const st = status(r.stderr);
  assert.ok(st.peak_connections <= 16, `peak connections ${st.peak_connections}`);
  assert.ok(st.peak_bytes <= 200000 + 1500, `peak bytes ${st.peak_bytes}`);
  assert.ok(ms < 20000, `${ms} ms`);
  for (const b of lines(r.stdout).filter((o) => o.type === 'banner')) {
    assert.ok(Buffer.from(b.data, 'base64').length <= 65536);
    assert.ok(['fin', 'rst', 'idle', 'limit', 'eof', 'evicted'].includes(b.end), b.end);
  }
});

test('a short run of the reassembly fuzzer (make fuzz runs it long): banners keep their promises against the model', () => {
  const s = fuzzReassembly(300, 11);
  assert.equal(s.errors, []);
  assert.is(s.hangs, 0);
  assert.ok(s.flightsComplete > 0, 'TLS 1.3 flights were decrypted to their Finished');
});

test.run();
