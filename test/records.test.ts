// The record table (shared/records.ts) against what the commands write and what trawl.7 says:
// each record type's fields in the table's order, in catch's and targets' output and in the man page.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, trawl, lines, privateKey } from './helpers';
import { FIELDS, RECORD_TYPES, RecordType, fieldsOf } from '../shared/records';

const FX = path.join(ROOT, 'test', 'fixtures', 'catch');
const LIVE_KEY = privateKey(path.join(FX, 'live.key'));   // mode 0600: git keeps no modes
const page = fs.readFileSync(path.join(ROOT, 'man', 'trawl.7'), 'utf8').replace(/\\-/g, '-');

/** The text of trawl.7's subsection `.SS name`. */
function section(name: string): string {
  const start = page.indexOf(`\n.SS ${name}\n`);
  assert.ok(start >= 0, `trawl.7 has no subsection ${name}`);
  return page.slice(start + 1, page.indexOf('\n.S', start + 1));
}

/** Field names set in bold, in order of first mention: in a .TP list the entries' heads, in
 *  prose every .B and .BR line (the bold arguments: all of .B's, every other one of .BR's). */
function bold(text: string): string[] {
  const all = text.split('\n');
  const heads = text.includes('\n.TP\n') ? all.filter((_, k) => k > 0 && all[k - 1] === '.TP') : all;
  const out: string[] = [];
  for (const l of heads) {
    const m = /^\.(BR?) (.*)$/.exec(l);
    if (!m) continue;
    const args = [...m[2].matchAll(/"([^"]*)"|(\S+)/g)].map((a) => a[1] ?? a[2]);
    args.forEach((w, k) => {
      if ((m[1] === 'B' || k % 2 === 0) && /^[a-z][a-z0-9_]*$/.test(w) && !out.includes(w)) out.push(w);
    });
  }
  return out;
}

/** Keys of a record are table fields of its type, in the table's order. */
function inTableOrder(rec: Record<string, unknown>): void {
  const want = fieldsOf(rec.type as RecordType);
  const keys = Object.keys(rec);
  for (const k of keys) assert.ok(want.includes(k), `${rec.type} record has ${k}, which the table does not give it`);
  assert.equal(keys, want.filter((k) => keys.includes(k)), `${rec.type} record's keys out of the table's order`);
}

test('trawl.7 lists each record type\'s fields in the table\'s order', () => {
  for (const t of RECORD_TYPES) {
    // What trawl banners adds is listed after its name in the banner section.
    const own = section(t).split('\n.B trawl banners\n')[0];
    const want = FIELDS.filter((f) => (f.in as readonly string[]).includes(t) && f.by !== 'other' && f.by !== 'banners'
      && f.name !== 'type' && f.name !== 'validated').map((f) => f.name);
    assert.equal(bold(own), want, `trawl.7 .SS ${t}`);
  }
  assert.ok(section('validated').includes('.BR "validated: false"'), 'trawl.7 does not document validated');
  const others = bold(section('fields of other tools'));
  for (const f of FIELDS.filter((x) => x.by === 'other')) assert.ok(others.includes(f.name), `trawl.7 does not document ${f.name}`);
  const added = section('banner').split('\n.B trawl banners\n')[1];
  for (const f of FIELDS.filter((x) => x.by === 'banners')) assert.ok(bold(added).includes(f.name), `trawl.7 does not document ${f.name}`);
});

test('catch writes every record type in the table\'s order, validated or not, truncated or not', () => {
  const runs = [
    ['--key-file', LIVE_KEY, '--source-ip', '198.18.0.100', '--max-banner', '4'],
    ['--no-validate'],
  ];
  const seen = new Set<string>();
  for (const args of runs) {
    const r = trawl(['catch', '--pcap', path.join(FX, 'live.pcap'), '-q', ...args]);
    assert.is(r.code, 0, r.stderr);
    for (const rec of lines(r.stdout)) { inTableOrder(rec); seen.add(rec.type); for (const k of Object.keys(rec)) seen.add(k); }
  }
  for (const k of ['open', 'closed', 'segment', 'validated', 'truncated', 'tsval', 'options', 'seq', 'offset']) assert.ok(seen.has(k), `the fixture showed no ${k}`);
});

test('banners writes the banner records it joins from segments in the table\'s order, its service fields after', () => {
  const seg = (o: number, d: string, flags: string) => ({ type: 'segment', ip: '198.18.0.1', port: 80, sport: 40000, ttl: 64, probe: 'http',
    seq: 1001 + o, offset: o, len: d.length, flags, data: Buffer.from(d).toString('base64'), validated: false, time_us: 1 + o });
  for (const rec of [seg(0, 'HTTP/1.1 200 OK\r\n', 'PA'), seg(17, '\r\n', 'PA')]) inTableOrder(rec);
  const input = [seg(0, 'HTTP/1.1 200 OK\r\n', 'PA'), seg(30, 'x', 'PA'), seg(17, '\r\n', 'PA'), seg(17, 'Yr\n', 'FPA')];
  const r = trawl(['banners'], input.map((x) => JSON.stringify(x) + '\n').join(''));
  assert.is(r.code, 0, r.stderr);
  const [b] = lines(r.stdout);
  const keys = Object.keys(b);
  const own = Object.fromEntries(keys.slice(0, keys.indexOf('time_us') + 1).map((k) => [k, b[k]]));
  inTableOrder(own as Record<string, unknown>);
  for (const k of ['complete', 'gaps', 'gap_ranges', 'segments', 'end', 'conflicts', 'validated']) assert.ok(k in own, `no ${k} in ${JSON.stringify(own)}`);
  assert.ok(keys.slice(keys.indexOf('time_us') + 1).every((k) => k === 'service' || k.startsWith('http_')), keys.join(','));
});

test('targets writes target and shard records in the table\'s order', () => {
  for (const extra of [[], ['--plan']]) {
    const r = trawl(['targets', '198.18.0.0/30', '-p', '80', '--seed', '1', '-q', ...extra]);
    assert.is(r.code, 0, r.stderr);
    const recs = lines(r.stdout);
    assert.ok(recs.length > 0);
    for (const rec of recs) inTableOrder(rec);
  }
});

test('fmt -o ndjson leaves catch\'s records as they are: one order', () => {
  const out = trawl(['catch', '--pcap', path.join(FX, 'live.pcap'), '--key-file', LIVE_KEY, '--source-ip', '198.18.0.100', '-q']).stdout;
  const r = trawl(['fmt', '-o', 'ndjson'], out);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, out);
});

test.run();
