// trawl banners --jobs: the same records as one job, each ip:port's in input order, bad lines
// named by their line in the whole input, other formats read by one job, and the options checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, trawl } from './helpers';
import { Readable } from 'stream';
import { routeHash, routeOf } from '../shared/jobs/route';
import { readByteLines } from '../shared/jobs/byte-lines';

const bytes = (s: string) => Buffer.from(s);
const rh = (s: string) => routeHash(bytes(s), 0, bytes(s).length);

const DIR = path.join(ROOT, 'test', 'fixtures', 'banners');
const FIXTURES = fs.readdirSync(DIR).filter((f) => f.endsWith('.bin')).sort().map((f) => fs.readFileSync(path.join(DIR, f)));
const T0 = 1763800000000000;
const U32 = 0x100000000;

// Every fixture as a whole banner on its own host, then each also cut into three segments of a
// connection whose records are spread over the whole input (so a job must see all three).
function stream(hosts: number): { recs: object[]; segs: number } {
  const recs: object[] = [];
  const later: object[][] = [[], [], []];
  for (let i = 0; i < hosts; i++) {
    const d = FIXTURES[i % FIXTURES.length];
    const ip = `198.18.${i >> 8}.${i & 255}`;
    recs.push({ type: 'banner', ip, port: 1000 + (i % 7), sport: 40000, ttl: 64, time_us: T0 + i, probe: 'null', data: d.toString('base64'), len: d.length, flags: 'PA' });
    recs.push({ type: 'open', ip, port: 80, sport: 40001, ttl: 64, window: 64240, time_us: T0 + i });
    const third = Math.ceil(d.length / 3);
    for (let k = 0; k < 3; k++) {
      const part = d.subarray(k * third, (k + 1) * third);
      later[k].push({ type: 'segment', ip, port: 80, sport: 40001, ttl: 64, probe: 'null', seq: (7 + 1 + k * third) % U32, offset: k * third,
        len: part.length, flags: k === 2 ? 'FPA' : 'PA', data: part.toString('base64'), time_us: T0 + hosts + k });
    }
  }
  // The third parts first: each connection's segments arrive out of order, far apart.
  return { recs: [...recs, ...later[2], ...later[0], ...later[1]], segs: 3 * hosts };
}
const ndjson = (recs: object[]) => recs.map((r) => JSON.stringify(r) + '\n').join('');
const sorted = (s: string) => s.trim().split('\n').sort();

test('--jobs 2 and 3 write exactly the records --jobs 1 writes (whole banners, reassembled ones, passed records)', () => {
  const input = ndjson(stream(300).recs);
  const one = trawl(['banners', '--no-service-probes'], input);
  assert.is(one.code, 0, one.stderr);
  assert.is(one.stdout.trim().split('\n').length, 300 * 3);   // 300 banners, 300 open, 300 reassembled
  for (const j of ['2', '3']) {
    const r = trawl(['banners', '--no-service-probes', '--jobs', j], input);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '');
    assert.equal(sorted(r.stdout), sorted(one.stdout), `--jobs ${j}`);
  }
});

test("--jobs keeps each ip:port's records in input order", () => {
  // Per ip:port: open, then a banner, then an unknown record, each numbered.
  const recs: object[] = [];
  for (let k = 0; k < 3; k++) for (let i = 0; i < 200; i++) {
    const ip = `198.18.1.${i}`;
    if (k === 0) recs.push({ type: 'open', ip, port: 443, sport: 1, n: k });
    else if (k === 1) recs.push({ type: 'banner', ip, port: 443, sport: 1, probe: 'null', data: 'SFRUUC8xLjEgMjAwIE9LDQoNCg==', len: 19, n: k });
    else recs.push({ type: 'later-kind', ip, port: 443, n: k });
  }
  const r = trawl(['banners', '--no-service-probes', '--jobs', '2'], ndjson(recs));
  assert.is(r.code, 0, r.stderr);
  const seen = new Map<string, number[]>();
  for (const l of r.stdout.trim().split('\n')) {
    const o = JSON.parse(l);
    seen.set(o.ip, [...(seen.get(o.ip) ?? []), o.n]);
  }
  assert.is(seen.size, 200);
  for (const [ip, ns] of seen) assert.equal(ns, [0, 1, 2], ip);
  // Both jobs got work: the key spreads ip:ports.
  const jobs = new Set(recs.map((x) => { const b = bytes(JSON.stringify(x)); return routeOf(b, 0, b.length, 2); }));
  assert.equal([...jobs].sort(), [0, 1]);
});

test('--jobs names bad lines by their line in the whole input, loses no good record and exits 3', () => {
  const recs = stream(40).recs.map((x) => JSON.stringify(x));
  const badAt = [5, 77, 150];              // 1-based lines of the whole input
  for (const n of badAt) recs.splice(n - 1, 0, n === 77 ? '{"type":"banner","ip":"198.18.0.1","port":1,"data":"not base64!"}' : '{"type": broken');
  const r = trawl(['banners', '--no-service-probes', '--jobs', '2'], recs.join('\n') + '\n');
  assert.is(r.code, 3, r.stderr);
  const named = r.stderr.trim().split('\n').map((l) => Number(/stdin:(\d+):/.exec(l)?.[1]));
  assert.equal(named.sort((a, b) => a - b), badAt, r.stderr);
  assert.is(r.stdout.trim().split('\n').length, 40 * 3);
});

test('an input in another format (masscan -oL list) goes whole to one job, with a warning', () => {
  const list = '#masscan\nopen tcp 22 198.18.0.1 1763800000\nopen tcp 80 198.18.0.2 1763800001\n# end\n';
  const one = trawl(['banners', '--no-service-probes'], list);
  const two = trawl(['banners', '--no-service-probes', '--jobs', '2'], list);
  assert.is(two.code, one.code, two.stderr);
  assert.is(two.stdout, one.stdout);
  assert.match(two.stderr, /--jobs: the input is not NDJSON/);
});

test('--jobs takes 1 to 64 workers; anything else is a usage error', () => {
  for (const v of ['0', '65', '1.5', 'x']) {
    const r = trawl(['banners', '--jobs', v], '');
    assert.is(r.code, 2, v);
    assert.match(r.stderr, /--jobs/);
  }
});

test('the route key: the same ip and port give the same hash whatever else the line holds', () => {
  const a = rh('{"type":"open","ip":"198.18.0.1","port":443,"ttl":64}');
  assert.is(rh('{"type":"banner","ip":"198.18.0.1","port":443,"data":"AAAA","sport":9}'), a);
  assert.is.not(rh('{"type":"banner","ip":"198.18.0.1","port":444}'), a);
  assert.is(rh('{"type":"status","cmd":"catch"}'), -1);
  // A quoted key inside a string value is escaped in JSON text, so it is never taken for one.
  assert.is(rh('{"type":"x","note":"\\"ip\\":\\"1.2.3.4\\"","ip":"198.18.0.1","port":443}'), a);
});

test("the router's line splitter: lines across chunks, CRLF, a last line without newline, a line over the limit skipped and named", async () => {
  const chunks = ['{"a":1}\n{"b"', ':2}\r\n\n', 'x'.repeat(40), 'y'.repeat(40), '\n{"c":3}\n', 'z'.repeat(33), '\n{"d":4}'];
  const got: string[] = [];
  const long: number[] = [];
  const n = await readByteLines(Readable.from(chunks.map((c) => Buffer.from(c))), 32, {
    line: (buf, s, e, i) => { got.push(`${i}:${buf.subarray(s, e).toString()}`); },
    tooLong: (i) => { long.push(i); },
    pause: () => null,
  });
  assert.equal(got, ['1:{"a":1}', '2:{"b":2}\r', '5:{"c":3}', '7:{"d":4}']);
  assert.equal(long, [4, 6]);
  assert.is(n, 7);
});

test.run();
