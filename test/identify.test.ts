// banners --identify: the banners of one ip:port held until every identification probe's is in
// (or the port has been quiet for --idle), then written together with the service they decide.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInProcess, lines } from './helpers';
import { decide, IdentifyJoin } from '../shared/identify-join';
import type { AnyRecord } from '../shared/records';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const banner = (ip: string, port: number, probe: string, data: string, t: number) =>
  JSON.stringify({ type: 'banner', ip, port, sport: 40000 + t % 1000, probe, len: data.length, data: b64(data), time_us: t });

const recs = (xs: { probe: string; service: string }[]): AnyRecord[] => xs.map((x) => ({ type: 'banner', ...x }));

test('decide: a server that speaks first names itself; then TLS to the tls probe; then HTTP to the http probe', () => {
  const ssh = decide(recs([{ probe: 'tls', service: 'ssh' }, { probe: 'null', service: 'ssh' }, { probe: 'http', service: 'ssh' }]));
  assert.equal(ssh.map((b) => [b.identified_service, b.identified_by]), [['ssh', 'null'], ['ssh', 'null'], ['ssh', 'null']]);
  const tls = decide(recs([{ probe: 'http', service: 'http' }, { probe: 'tls', service: 'tls' }]));
  assert.is(tls[0].identified_service, 'tls', 'HTTP\'s 400 to our ClientHello\'s bytes is not what the port speaks first');
  const http = decide(recs([{ probe: 'tls', service: 'http' }, { probe: 'http', service: 'http' }, { probe: 'null', service: 'unknown' }]));
  assert.equal([http[0].identified_service, http[0].identified_by], ['http', 'http']);
  const none = decide(recs([{ probe: 'null', service: 'unknown' }]));
  assert.is(none[0].identified_service, 'unknown');
  assert.is(none[0].identified_by, undefined);
});

test('join: written when the third probe answers, or after --idle of record time, or when the table is full', () => {
  const out: AnyRecord[][] = [];
  const j = new IdentifyJoin(2, 5e6, (r) => out.push(r));
  const rec = (ip: string, probe: string, t: number, service = 'http') => ({ type: 'banner', ip, port: 80, probe, service, time_us: t });
  j.add(rec('a', 'http', 1)); j.add(rec('a', 'tls', 2));
  assert.is(out.length, 0);
  j.add(rec('a', 'null', 3, 'unknown'));
  assert.is(out.length, 1); assert.is(out[0].length, 3); assert.is(j.whole, 1);
  j.add(rec('b', 'http', 10)); j.add(rec('c', 'http', 11));
  j.add(rec('d', 'http', 12));                 // full: b goes early
  assert.is(j.evicted, 1); assert.is(out[1][0].ip, 'b');
  j.tick(12 + 5e6);                            // c and d quiet for --idle
  assert.equal(out.slice(2).map((r) => r[0].ip), ['c', 'd']);
  assert.is(j.held, 0);
});

test('join: the banners waiting hold at most maxBytes of data; over it, the port waiting longest goes early, counted', () => {
  const out: AnyRecord[][] = [];
  const j = new IdentifyJoin(100, 5e6, (r) => out.push(r), 1000);
  const rec = (ip: string, probe: string, t: number, n: number) => ({ type: 'banner', ip, port: 80, probe, service: 'http', time_us: t, data: 'A'.repeat(n) });
  j.add(rec('a', 'http', 1, 400)); j.add(rec('b', 'http', 2, 400));
  assert.is(j.bytes, 800); assert.is(out.length, 0);
  j.add(rec('c', 'http', 3, 400));             // 1200 > 1000: a, waiting longest, goes
  assert.is(j.evicted, 1); assert.equal(out.map((r) => r[0].ip), ['a']); assert.is(j.bytes, 800);
  j.add(rec('b', 'tls', 4, 100)); j.add(rec('b', 'null', 5, 100));   // b whole: out, its bytes freed
  assert.equal(out.map((r) => r[0].ip), ['a', 'b']); assert.is(j.bytes, 400);
  while (j.flushOne());
  assert.is(j.bytes, 0); assert.is(j.held, 0);
});

test('banners --identify: every banner of a port comes out once, together, with the decision; other records pass at once', async () => {
  const input = [
    banner('198.18.0.1', 443, 'http', 'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n', 1_000_001),
    JSON.stringify({ type: 'open', ip: '198.18.0.9', port: 22, sport: 1, seq: 5, time_us: 1_000_002 }),
    banner('198.18.0.1', 443, 'tls', '\x15\x03\x03\x00\x02\x02\x28', 1_000_003),
    banner('198.18.0.2', 22, 'null', 'SSH-2.0-OpenSSH_9.2\r\n', 1_000_004),
    banner('198.18.0.2', 22, 'http', 'SSH-2.0-OpenSSH_9.2\r\n', 1_000_005),
  ].join('\n') + '\n';
  const r = await runInProcess('banners', ['--identify', '--no-service-probes', '-q'], input);
  assert.is(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.is(out[0].type, 'open', 'not held');
  const b = out.filter((x) => x.type === 'banner');
  assert.is(b.length, 4);
  for (const x of b) assert.is(x.identified_service, x.port === 443 ? 'tls' : 'ssh', `${x.ip}:${x.port} ${x.probe}`);
  assert.is(b.find((x) => x.port === 22 && x.probe === 'http').service, 'ssh');
});

test.run();
