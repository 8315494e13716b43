// banners writes the same fields for the same answer whether it parsed it or remembered it
// (shared/parsers/banner-memo.ts), and a banner line as read plus its fields (shared/kept-lines.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, lines, runInProcess } from './helpers';
import { BannerMemo, sampleHash } from '../shared/parsers/banner-memo';

const DIR = path.join(ROOT, 'test', 'fixtures', 'banners');
const b64 = (file: string) => fs.readFileSync(path.join(DIR, file)).toString('base64');
const banner = (file: string, probe: string, port: number, extra: object = {}) =>
  ({ type: 'banner', ip: '198.18.0.7', port, sport: 40001, ttl: 64, time_us: 1763800000000000, probe, data: b64(file), len: 1, flags: 'PA', ...extra });
const ndjson = (recs: unknown[]) => recs.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

test('a repeated answer gets the fields of its first; the same bytes on another port or probe are parsed again', async () => {
  // "+OK" is redis's on redis's port (a hint), pop3's elsewhere.
  const ok = { data: Buffer.from('+OK\r\n').toString('base64') };
  const input = [
    banner('ssh-openssh.bin', 'null', 22), banner('ssh-openssh.bin', 'null', 22, { ip: '198.18.0.8' }),
    banner('ssh-openssh.bin', 'null', 6379, ok), banner('ssh-openssh.bin', 'null', 9, ok), banner('ssh-openssh.bin', 'null', 6379, { ...ok, ip: '198.18.0.9' }),
    banner('http-nginx.bin', 'http', 80), banner('http-nginx.bin', 'null', 80), banner('http-nginx.bin', 'http', 80, { sport: 1 }),
  ];
  const r = await runInProcess('banners', ['--no-service-probes'], ndjson(input));
  assert.is(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  // Each record alone (a fresh run: nothing remembered) gives what the stream gave it.
  for (let i = 0; i < input.length; i++) {
    const one = await runInProcess('banners', ['--no-service-probes'], ndjson([input[i]]));
    assert.equal(lines(one.stdout)[0], out[i], `record ${i}`);
  }
  assert.is(out[0].service, 'ssh');
  assert.equal({ ...out[1], ip: out[0].ip }, out[0]);
  assert.is(out[2].service, 'redis');
  assert.is(out[3].service, 'pop3', 'port 9 gives no redis hint: +OK is pop3 then');
  assert.is(out[4].service, 'redis');
  assert.is(out[6].service, 'http');
  assert.is(out[7].sport, 1, "the record's own fields are its own");
});

test("a banner line is written as read plus its fields; a field banners sets again is written as set", async () => {
  // JSON.stringify's start, then a spelling of its own (a number as 6.4e1, an escaped character).
  const http = banner('http-nginx.bin', 'http', 80);
  const line = JSON.stringify(http).replace('"ttl":64', '"ttl":6.4e1').replace('"flags":"PA"', '"flags":"\\u0050A"');
  // An input record of a response that ended by its own framing: banners says complete.
  const ended = { ...http, ip: '198.18.0.10', complete: false, gaps: 0, truncated: false };
  const r = await runInProcess('banners', ['--no-service-probes'], [line, line, JSON.stringify(ended)].join('\n') + '\n');
  assert.is(r.code, 0, r.stderr);
  const text = r.stdout.split('\n');
  assert.ok(text[0].startsWith(line.slice(0, -1) + ',"service":"http",'), text[0].slice(0, 200));
  assert.is(text[1], text[0], 'the same line again (remembered) is written the same');
  const out = lines(r.stdout);
  assert.is(out[0].ttl, 64);
  assert.is(out[0].flags, 'PA');
  assert.is(out[0].http_status, 200);
  assert.is(out[2].complete, true);
  assert.is(text[2], JSON.stringify(out[2]), 'a record changed after parsing is written whole');
});

test('the memo is bounded by entries and bytes, drops the oldest first and counts it', () => {
  const m = new BannerMemo(2, 100);
  const a = (tail: string) => ({ added: { service: 'x' }, tail, gaveUp: 0, setFailures: 0 });
  m.set('AAAA', 'null', 1, a(',"service":"x"'));
  m.set('AAAA', 'null', 2, a(',"service":"y"'));
  assert.ok(m.get('AAAA', 'null', 2));
  m.set('BBBB', 'null', 1, a(',"service":"z"'));   // two entries already: AAAA's both go
  assert.is(m.get('AAAA', 'null', 1), undefined);
  assert.ok(m.get('BBBB', 'null', 1));
  m.set('C'.repeat(90), 'null', 1, a(',"s":1'));     // more than 100 bytes with BBBB's
  assert.is(m.get('BBBB', 'null', 1), undefined);
  assert.equal(m.counts, { hits: 2, misses: 2, dropped: 3 });
});

test('answers alike in the sampled characters share a key but never each other\'s fields; a key keeps 8', () => {
  // Length 200: the samples are at 0, 12, 25, ... and the last 8; position 1 is none of them.
  const at1 = (c: string) => 'A' + c + 'A'.repeat(198);
  assert.is(sampleHash(at1('B')), sampleHash(at1('C')));
  assert.is.not(sampleHash(at1('B')), sampleHash('A'.repeat(199) + 'B'));
  const m = new BannerMemo(100, 1 << 20);
  const a = (v: string) => ({ added: { service: v }, tail: `,"service":"${v}"`, gaveUp: 0, setFailures: 0 });
  const letters = 'BCDEFGHIJ';
  for (const c of letters) m.set(at1(c), 'null', 1, a(c));
  // Nine alike: the first went.
  assert.is(m.get(at1('B'), 'null', 1), undefined);
  for (const c of letters.slice(1)) assert.equal(m.get(at1(c), 'null', 1)?.added, { service: c });
  assert.is(m.get(at1('Z'), 'null', 1), undefined);
  assert.is(m.get(at1('C'), 'null', 2), undefined, 'another port');
  assert.equal(m.counts, { hits: 8, misses: 3, dropped: 1 });
});

test.run();
