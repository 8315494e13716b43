// JARM: our ten hellos against the reference's (salesforce/jarm) field by field, the answer
// reader and fuzzy hash against the reference's on recorded server answers, the variant in the
// source port, and the bounded join of a port's ten banners.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, runInProcess, lines } from './helpers';
import { JARM_SPECS, jarmHello, jarmPayload, jarmRandom, JarmRandom } from '../shared/jarm/hellos';
import { jarmAnswer } from '../shared/jarm/answer';
import { jarmHash, jarmRaw, JARM_ZERO } from '../shared/jarm/hash';
import { JarmJoin } from '../shared/jarm/join';
import { renderPayload, buildProbePlan } from '../shared/probes';
import { checkSourcePort, checkSourcePort6, sourcePort, sourcePort6, probeCode, VARIANTS, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT, bannerValidationBits } from '../shared/cookie';
import type { AnyRecord } from '../shared/records';

// Recorded in this repository's session from the reference's own code (see the .py beside each):
//   python3 test/fixtures/jarm-hellos.py jarm.py 10.9.8.7 > test/fixtures/jarm-hellos.json
//   python3 test/fixtures/jarm-answers.py jarm.py 198.18.5.5 PORT   (nginx 443, 8443; s_server 4433, 4434)
const FIX = path.join(ROOT, 'test', 'fixtures');
interface RefHello { variant: number; details: string[]; host: string; random: string; session_id: string; share: string; grease: string[]; hello: string }
const REF_HELLOS: RefHello[] = JSON.parse(fs.readFileSync(path.join(FIX, 'jarm-hellos.json'), 'utf8'));
interface RefScan { host: string; port: number; jarm: string; raw: string; answers: (string | null)[] }
const REF_SCANS: RefScan[] = JSON.parse(fs.readFileSync(path.join(FIX, 'jarm-answers.json'), 'utf8'));
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i * 17);

const hexb = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// The reference's draws, as our builder takes them (GREASE values in the order they are drawn:
// suites, extension, key share, supported_versions).
function refRandom(r: RefHello): JarmRandom {
  return { random: hexb(r.random), sessionId: hexb(r.session_id), share: hexb(r.share), grease: r.grease.map((g) => parseInt(g, 16)) };
}

// A ClientHello cut into its fields, each length checked against the bytes.
function fields(b: Uint8Array): Record<string, string> {
  const u16 = (o: number) => (b[o] << 8) | b[o + 1];
  const f: Record<string, string> = {};
  f.record_type = hex(b.subarray(0, 1)); f.record_version = hex(b.subarray(1, 3));
  assert.is(u16(3), b.length - 5, 'record length');
  f.handshake_type = hex(b.subarray(5, 6));
  assert.is((b[6] << 16) | u16(7), b.length - 9, 'handshake length');
  f.version = hex(b.subarray(9, 11)); f.random = hex(b.subarray(11, 43));
  const sid = b[43]; f.session_id = hex(b.subarray(44, 44 + sid));
  let o = 44 + sid;
  const nSuites = u16(o); f.suites = hex(b.subarray(o + 2, o + 2 + nSuites)); o += 2 + nSuites;
  f.compression = hex(b.subarray(o, o + 1 + b[o])); o += 1 + b[o];
  assert.is(u16(o), b.length - o - 2, 'extensions length'); o += 2;
  const order: string[] = [];
  while (o < b.length) {
    const t = hex(b.subarray(o, o + 2)), n = u16(o + 2);
    order.push(t);
    f[`ext_${t}`] = hex(b.subarray(o + 4, o + 4 + n));
    o += 4 + n;
  }
  assert.is(o, b.length, 'extensions end with the hello');
  f.extension_order = order.join(',');
  return f;
}

test('the ten hellos equal the reference\'s field by field, with the reference\'s draws', () => {
  assert.is(REF_HELLOS.length, 10);
  for (const r of REF_HELLOS) {
    const ours = jarmHello(JARM_SPECS[r.variant], refRandom(r), r.host).bytes;
    const want = fields(hexb(r.hello)), got = fields(ours);
    assert.equal(Object.keys(got), Object.keys(want), `variant ${r.variant} (${r.details.join(' ')}): the same fields in the same order`);
    for (const k of Object.keys(want)) assert.is(got[k], want[k], `variant ${r.variant} (${r.details.join(' ')}): ${k}`);
    assert.is(hex(ours), r.hello, `variant ${r.variant}: the same bytes`);
  }
});

test('the probe\'s payloads: the target\'s address inserted with its six lengths fixed (as blast does), keyed draws', () => {
  for (let v = 0; v < VARIANTS; v++) {
    const p = jarmPayload(KEY, v);
    assert.ok(p.after && p.bare && p.fix?.length === 6);
    for (const ip of ['10.9.8.7', '198.18.5.5', '2001:db8:1::71']) {
      const whole = jarmHello(JARM_SPECS[v], jarmRandom(KEY, v), ip).bytes;
      assert.is(hex(renderPayload(p, ip)), hex(whole), `variant ${v} to ${ip}`);
    }
    // --sni NAME: one hello for every target.
    assert.is(hex(jarmPayload(KEY, v, 'www.example.com').before), hex(jarmHello(JARM_SPECS[v], jarmRandom(KEY, v), 'www.example.com').bytes));
  }
  // The draws come from the key, differ per variant, and GREASE values are the reserved 0x?a?a.
  const a = jarmRandom(KEY, 4), b = jarmRandom(KEY, 9), c = jarmRandom(Uint8Array.from(KEY, (x) => x ^ 1), 4);
  assert.is.not(hex(a.random), hex(b.random));
  assert.is.not(hex(a.random), hex(c.random));
  assert.equal(jarmRandom(KEY, 4), a);
  for (const g of [...a.grease, ...b.grease]) assert.ok((g & 0x0f0f) === 0x0a0a && (g >> 8) === (g & 0xff), g.toString(16));
});

test('answers and the fuzzy hash equal the reference\'s on recorded server answers (nginx TLS 1.2+1.3, 1.2; s_server)', () => {
  assert.is(REF_SCANS.length, 4);
  const jarms = new Set<string>();
  for (const s of REF_SCANS) {
    const answers = s.answers.map((a) => (typeof a === 'string' && /^[0-9a-f]*$/.test(a) ? jarmAnswer(hexb(a)) : '|||'));
    assert.is(jarmRaw(answers), s.raw, `${s.host}:${s.port}`);
    assert.is(jarmHash(s.raw), s.jarm, `${s.host}:${s.port}`);
    jarms.add(s.jarm);
  }
  assert.is(jarms.size, 4, 'four servers, four fingerprints');
});

test('answers: cut, altered and hostile bytes read as the reference\'s read_packet reads them, never throwing', () => {
  // python3 test/fixtures/jarm-read.py jarm.py test/fixtures/jarm-answers.json > test/fixtures/jarm-read.json
  const cases: { data: string; answer: string }[] = JSON.parse(fs.readFileSync(path.join(FIX, 'jarm-read.json'), 'utf8'));
  assert.ok(cases.length > 300);
  for (const c of cases) assert.is(jarmAnswer(hexb(c.data)), c.answer, c.data.slice(0, 200));
  assert.is(jarmAnswer(hexb('485454502f312e31')), '|||', 'HTTP to our hello');
  assert.is(jarmHash(Array(10).fill('|||').join(',')), JARM_ZERO);
  assert.is(JARM_ZERO.length, 62);
});

test('the variant rides in the source port\'s group: round trip, and a wrong variant, port or target is refused', () => {
  const key = KEY, base = DEFAULT_SPORT_BASE, count = DEFAULT_SPORT_COUNT;
  for (let t = 0; t < 200; t++) {
    const saddr = 0xc6130001, daddr = (0xc6120000 + t * 7919) >>> 0, dport = 443 + t;
    const ports = new Set<number>();
    for (let v = 0; v < VARIANTS; v++) {
      const sp = sourcePort(key, saddr, daddr, dport, probeCode(13, v), base, count);
      ports.add(sp);
      assert.is(checkSourcePort(key, saddr, daddr, dport, sp, base, count), probeCode(13, v));
      // Another target or port: not ours (or, by chance, another code than this one).
      assert.is.not(checkSourcePort(key, saddr, daddr ^ 1, dport, sp, base, count), probeCode(13, v));
      assert.is.not(checkSourcePort(key, saddr, daddr, dport + 1, sp, base, count), probeCode(13, v));
    }
    assert.is(ports.size, VARIANTS, 'ten connections, ten source ports');
    // The group past the tenth variant, and other slots in a variant's group, are refused.
    const g0 = sourcePort(key, saddr, daddr, dport, 13, base, count);
    const beyond = base + ((((g0 - base - 13) / 16 + VARIANTS) % Math.floor(count / 16)) * 16) + 13;
    assert.is(checkSourcePort(key, saddr, daddr, dport, beyond, base, count), -1);
    assert.is(checkSourcePort(key, saddr, daddr, dport, sourcePort(key, saddr, daddr, dport, probeCode(13, 3), base, count) - 13 + 2, base, count), -1,
      'slot 2 in variant 3\'s group is not slot 2\'s port');
    assert.is(checkSourcePort(key, saddr, daddr, dport, sourcePort(key, saddr, daddr, dport, 2, base, count), base, count), 2);
  }
  const s6 = new Uint8Array(16).fill(1), d6 = new Uint8Array(16).fill(2);
  for (let v = 0; v < VARIANTS; v++) {
    const sp = sourcePort6(key, s6, d6, 443, probeCode(13, v), base, count);
    assert.is(checkSourcePort6(key, s6, d6, 443, sp, base, count), probeCode(13, v));
  }
  assert.ok(Math.abs(bannerValidationBits(count) - bannerValidationBits(count, true) - Math.log2(10)) < 1e-9);
});

test('the plan: --probe 443:jarm is ten codes on one port; with tls and https, twelve; the payload of each variant', () => {
  const plan = buildProbePlan({ probe: ['443:tls,https,jarm'] }, KEY);
  assert.equal(plan.slotsForPort(443), [2, 10, ...Array.from({ length: 10 }, (_, v) => 13 + 16 * v)]);
  assert.is(plan.nameOfSlot(13 + 16 * 7), 'jarm');
  assert.is(hex(renderPayload(plan.payload(13 + 16 * 7), '1.2.3.4')), hex(jarmHello(JARM_SPECS[7], jarmRandom(KEY, 7), '1.2.3.4').bytes));
  assert.equal(buildProbePlan({ probe: ['jarm'] }, KEY).slotsForPort(8443).length, 10);
});

const rec = (ip: string, port: number, v: number, data: Uint8Array, t: number): AnyRecord =>
  ({ type: 'banner', ip, port, sport: 40000 + v, probe: 'jarm', probe_variant: v, data: Buffer.from(data).toString('base64'), time_us: t });

test('the join: ten banners of a port in any order give the reference\'s JARM; a lost one is marked; bounds write early', () => {
  const s = REF_SCANS[0];
  const out: AnyRecord[] = [];
  const j = new JarmJoin({ maxPorts: 2, maxBytes: 1 << 20, waitUs: 5e6 }, (r) => out.push(r));
  const order = [7, 3, 9, 0, 1, 5, 2, 8, 6, 4];
  for (const v of order) assert.ok(j.add(rec('198.18.5.5', 443, v, hexb(s.answers[v] as string), 1000 + v)));
  assert.is(out.length, 1);
  assert.is(out[0].jarm, s.jarm);
  assert.is(out[0].jarm_raw, s.raw);
  assert.is(out[0].probe_variant, 0, 'the record shown is the lowest variant\'s');
  assert.is(out[0].jarm_partial, undefined);
  assert.ok(!j.add({ type: 'banner', ip: '1.1.1.1', port: 443, probe: 'tls' }), 'not a jarm banner: the caller writes it');

  // Variant 4 lost: written when the port has been quiet for the wait, marked.
  out.length = 0;
  for (let v = 0; v < 10; v++) if (v !== 4) j.add(rec('198.18.5.6', 443, v, hexb(s.answers[v] as string), 2000));
  assert.is(out.length, 0);
  j.tick(2000 + 5e6);
  assert.is(out.length, 1);
  assert.is(out[0].jarm_partial, true);
  assert.is(out[0].jarm_missing, '4');
  const raw = (s.raw.split(',').map((a, v) => (v === 4 ? '|||' : a))).join(',');
  assert.is(out[0].jarm, jarmHash(raw));

  // Three ports with room for two: the oldest goes early, counted.
  out.length = 0;
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) j.add(rec(ip, 443, 0, hexb(s.answers[0] as string), 3000));
  assert.is(j.evicted, 1);
  assert.is(out.length, 1);
  assert.is(out[0].ip, '10.0.0.1');
  while (j.flushOne());
  assert.is(out.length, 3);
  assert.is(j.held, 0);
  assert.is(j.heldBytes, 0);
});

test('banners in process: the segments of ten connections give one banner with the reference\'s JARM; fmt shows it (xml ssl-jarm, csv --fields)', async () => {
  const s = REF_SCANS[2];
  const seg = (v: number) => JSON.stringify({
    type: 'segment', ip: s.host, port: s.port, sport: 40000 + v, our_ip: '198.19.0.79', ttl: 64, probe: 'jarm', probe_variant: v,
    seq: 1000 * (v + 1), ack: 5000, offset: 0, len: (s.answers[v] as string).length / 2, flags: 'PA',
    data: Buffer.from(s.answers[v] as string, 'hex').toString('base64'), time_us: 1_700_000_000_000_000 + v,
  });
  const other = JSON.stringify({ type: 'segment', ip: s.host, port: 80, sport: 40100, ttl: 64, probe: 'http', seq: 1, ack: 2, offset: 0, len: 4, flags: 'FPA', data: Buffer.from('HTTP').toString('base64'), time_us: 1_700_000_000_000_020 });
  const input = [9, 4, 0, 1, 2, 3, 5, 6, 7, 8].map(seg).join('\n') + '\n' + other + '\n';
  const r = await runInProcess('banners', ['--no-service-probes', '-q'], input);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const out = lines(r.stdout).filter((x) => x.type === 'banner');
  const jarm = out.filter((b) => b.probe === 'jarm');
  assert.is(jarm.length, 1, 'ten banners joined into one');
  assert.is(jarm[0].jarm, s.jarm);
  assert.is(jarm[0].probe_variant, 0);
  assert.is(out.filter((b) => b.probe === 'http').length, 1, 'another probe\'s banner is not held');

  // Nine of ten: written at the end of input, marked.
  const r2 = await runInProcess('banners', ['--no-service-probes', '-q'], [0, 1, 2, 3, 4, 5, 6, 8, 9].map(seg).join('\n') + '\n');
  const p = lines(r2.stdout).filter((x) => x.type === 'banner');
  assert.is(p.length, 1);
  assert.equal([p[0].jarm_partial, p[0].jarm_missing], [true, '7']);

  const xml = await runInProcess('fmt', ['-o', 'xml'], jarm.map((b) => JSON.stringify(b)).join('\n') + '\n');
  assert.ok(xml.stdout.includes(`<table key="ssl-jarm"><elem key="jarm">${s.jarm}</elem></table>`), xml.stdout);
  const csv = await runInProcess('fmt', ['-o', 'csv', '--fields', 'ip,port,jarm,jarm_partial'], p.map((b) => JSON.stringify(b)).join('\n') + '\n');
  assert.is(csv.stdout, `ip,port,jarm,jarm_partial\n${s.host},${s.port},${p[0].jarm},true\n`);
});

test.run();
