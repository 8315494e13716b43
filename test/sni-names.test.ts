// Named targets (a target record's `name`, trawl.7): the name is checked, kept by blast in a
// bounded table until catch asks for the probe, and carried in that probe's bytes (TLS SNI, HTTP
// Host); banners reads it from blast's sent record and rebuilds the same hello (the https
// conversation, TLS 1.3 decryption). These tests look at the bytes; test/e2e-sni-names.test.ts
// scans nginx's virtual hosts in namespaces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lines, runInProcess, trawl } from './helpers';
import { checkTargetName } from '../shared/targets/name';
import { parseHitlistLine } from '../shared/targets/hitlist';
import { NamedProbes, NameTable } from '../shared/blast/names';
import { decodeReply, encodeReply, REPLY_ACK_PAYLOAD, REPLY_ACK_PROBE, REPLY_RST, REPLY_MAX_FRAME, ReplyRequest } from '../shared/replies';
import { probeConfig } from '../shared/probes/options';
import { tlsProbe, tlsProbeHello } from '../shared/probes/tls';
import { httpsProbe } from '../shared/probes/https';
import { httpProbe } from '../shared/probes/http';
import { jarmProbe } from '../shared/probes/jarm';
import { starttlsProbe, starttlsProbeHello } from '../shared/probes/starttls';
import { namedConfig } from '../shared/probes/types';
import { renderPayload } from '../shared/probes';
import { jarmPayload } from '../shared/jarm/hellos';
import { probeCode, variantOfCode, VARIANTS } from '../shared/cookie';
import { parseIPv4 } from '../shared/ipv4';
import { writeKeyFile } from '../shared/key';
import { Finished, Reassembler } from '../shared/reassembly/table';
import { readSegment, readSent, Segment, Sent } from '../shared/reassembly/segment';
import { bannerRecord } from '../shared/reassembly/record';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x20 + i);
const cfg = probeConfig({ sni: 'default.example', 'http-host': 'default.example' }, KEY);

/** The server_name of a ClientHello record, read from its bytes (RFC 6066 3), or null. */
function sniOf(hello: Uint8Array): string | null {
  const b = Buffer.from(hello);
  let p = 5 + 4 + 2 + 32;                  // record header, handshake header, version, random
  p += 1 + b[p];                           // session id
  p += 2 + b.readUInt16BE(p);              // cipher suites
  p += 1 + b[p];                           // compression methods
  const end = p + 2 + b.readUInt16BE(p);
  for (p += 2; p < end; p += 4 + b.readUInt16BE(p + 2)) {
    if (b.readUInt16BE(p) !== 0) continue;
    const n = b.readUInt16BE(p + 7);
    return b.subarray(p + 9, p + 9 + n).toString('latin1');
  }
  return null;
}

test('a target name: LDH labels of 1 to 63 characters, at most 253 in all, not an address', () => {
  for (const ok of ['www.example.com', 'a', 'xn--bcher-kva.example', '1password.com', 'a-b.c0']) assert.is(checkTargetName(ok), undefined, ok);
  const bad: [unknown, RegExp][] = [
    ['', /1 to 253/], ['a'.repeat(254), /1 to 253/], ['-a.example', /not a host name/], ['a-.example', /not a host name/],
    ['a..example', /empty label/], ['under_score.example', /not a host name/], ['www.example.com.', /ends with a dot/],
    [`${'a'.repeat(64)}.example`, /not a host name/], ['198.18.0.1', /is an address/], ['sp ace.example', /not a host name/],
    [42, /not a string/], ['caf\u00e9.example', /not a host name/],
  ];
  for (const [name, why] of bad) assert.match(checkTargetName(name) ?? '', why, String(name));
});

test('hitlist lines: ADDR, ADDR,NAME, NAME,ADDR, ADDR NAME, zgrab2\'s ip,name,tag', () => {
  assert.equal(parseHitlistLine('198.18.0.1'), { v6: false, v: 3323068417n, ip: '198.18.0.1' });
  for (const l of ['198.18.0.1,a.example', 'a.example,198.18.0.1', '198.18.0.1 a.example', ' 198.18.0.1 , a.example , tag ', '198.18.0.1\ta.example # c']) {
    const e = parseHitlistLine(l);
    assert.ok(e && typeof e !== 'string', l);
    assert.is((e as any).name, 'a.example', l);
    assert.is((e as any).ip, '198.18.0.1', l);
  }
  assert.is((parseHitlistLine('2001:db8::1,v6.example') as any).ip, '2001:db8::1');
  assert.is((parseHitlistLine('198.18.0.1,,tag') as any).name, undefined, 'zgrab2\'s line without a name');
  assert.is(parseHitlistLine('# only a comment'), null);
  assert.match(parseHitlistLine('198.18.0.1,bad_name') as string, /name "bad_name" is not a host name/);
  assert.match(parseHitlistLine('a.example,b.example') as string, /no address/);
});

test('targets --hitlist: a record per address and port in the file\'s order, the name on TCP targets; a bad line named, skipped, exit 3', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-sni-'));
  const f = path.join(dir, 'hits.csv');
  fs.writeFileSync(f, '198.18.0.2,b.example\na.example,198.18.0.1\n198.18.0.3,bad_name\n198.18.0.4\n');
  const r = trawl(['targets', '--hitlist', f, '-p', '443,U:53']);
  fs.rmSync(dir, { recursive: true });
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`${f.replace(/[.]/g, '\\.')}:3: name "bad_name" is not a host name`));
  assert.equal(lines(r.stdout), [
    { type: 'target', ip: '198.18.0.2', port: 443, i: 0, name: 'b.example' },
    { type: 'target', ip: '198.18.0.2', port: 53, proto: 'udp', i: 1 },
    { type: 'target', ip: '198.18.0.1', port: 443, i: 2, name: 'a.example' },
    { type: 'target', ip: '198.18.0.1', port: 53, proto: 'udp', i: 3 },
    { type: 'target', ip: '198.18.0.4', port: 443, i: 4 },
    { type: 'target', ip: '198.18.0.4', port: 53, proto: 'udp', i: 5 },
  ]);
});

test('the name table: oldest out first past its entries or bytes, and after its age; each loss counted', () => {
  let now = 0;
  const t = new NameTable({ maxEntries: 3, maxBytes: 1 << 20, ttlMs: 1000 }, () => now);
  for (let i = 1; i <= 4; i++) t.add(NameTable.key4(i, 443), `n${i}.example`);
  assert.is(t.size, 3);
  assert.is(t.stats.evicted, 1);
  assert.is(t.get(NameTable.key4(1, 443)), undefined, 'the oldest went');
  assert.is(t.get(NameTable.key4(4, 443)), 'n4.example');
  assert.is(t.get(NameTable.key4(4, 80)), undefined, 'by port too');
  now = 600;
  t.add(NameTable.key4(2, 443), 'again.example');   // the same target again: the newer name, and it is young again
  now = 1100;
  assert.is(t.get(NameTable.key4(3, 443)), undefined, 'older than --name-ttl');
  assert.is(t.stats.expired, 2);
  assert.is(t.get(NameTable.key4(2, 443)), 'again.example');
  assert.is(t.size, 1);
  const b = new NameTable({ maxEntries: 100, maxBytes: 3 * (160 + 10), ttlMs: 1e9 }, () => 0);
  for (let i = 0; i < 5; i++) b.add(NameTable.key4(i, 443), `n${i}.example`);
  assert.is(b.size, 3, 'three 10-character names fit the bytes');
  assert.is(b.bytes, 3 * 170);
  assert.is(b.stats.evicted, 2);
  assert.is(new NameTable().get(NameTable.key4(1, 1)), undefined);
});

const ask = (r: Partial<ReplyRequest>): Uint8Array => {
  const buf = new Uint8Array(REPLY_MAX_FRAME);
  const n = encodeReply({ kind: REPLY_ACK_PROBE, slot: tlsProbe.slot, daddr: parseIPv4('198.18.0.7') as number, saddr: parseIPv4('198.19.0.1') as number,
    dport: 443, sport: 40001, seq: 1001, ack: 5001, delay_ms: 4000, ...r }, buf, 0);
  return buf.slice(0, n);
};

function named(): { np: NamedProbes; sent: any[] } {
  const t = new NameTable();
  t.add(NameTable.key4(parseIPv4('198.18.0.7') as number, 443), 'vhost-a.example');
  t.add(NameTable.key4(parseIPv4('198.18.0.7') as number, 80), 'vhost-a.example');
  const sent: any[] = [];
  const bySlot = new Map([tlsProbe, httpsProbe, httpProbe].map((p) => [p.slot, { name: p.name, payload: (n: string) => p.named!(cfg, n) }]));
  return { np: new NamedProbes(t, bySlot, (s) => sent.push(s)), sent };
}

test('a named target\'s ACK_PROBE becomes an ACK_PAYLOAD of the hello with its SNI, at the same seq, and a sent record', () => {
  const { np, sent } = named();
  for (const p of [tlsProbe, httpsProbe]) {
    const out = np.rewrite(ask({ slot: p.slot }), 0);
    assert.ok(out, p.name);
    const r = decodeReply(out!, 0);
    assert.is(r.kind, REPLY_ACK_PAYLOAD);
    assert.is(r.slot, p.slot);
    assert.is(r.seq, 1001, 'ISN + 1, as the probe would have gone');
    assert.is(r.ack, 5001);
    assert.is(r.delay_ms, 4000, 'the idle RST armed as for the probe');
    assert.is(sniOf(r.payload!), 'vhost-a.example');
    const want = tlsProbeHello(KEY, 'vhost-a.example').hello;
    assert.equal(Array.from(r.payload!), Array.from(want), 'the bytes banners rebuilds from the key and the name');
    assert.is(sniOf(tlsProbeHello(KEY, 'default.example').hello), 'default.example', 'the default (--sni) differs');
  }
  assert.equal(sent.map((s) => [s.ip, s.port, s.sport, s.seq, s.ack, s.name, s.probe]),
    [['198.18.0.7', 443, 40001, 1001, 5001, 'vhost-a.example', 'tls'], ['198.18.0.7', 443, 40001, 1001, 5001, 'vhost-a.example', 'https']]);
});

test('an IPv6 named target: the table keys its 16 bytes, the sent record its RFC 5952 text', () => {
  const t = new NameTable();
  const a = new Uint8Array(16); a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8; a[15] = 7;
  t.add(NameTable.key6(a, 0, 443), 'six.example');
  const sent: any[] = [];
  const np = new NamedProbes(t, new Map([[httpsProbe.slot, { name: 'https', payload: (n: string) => httpsProbe.named!(cfg, n) }]]), (x) => sent.push(x));
  const other = a.slice(); other[15] = 8;
  assert.is(np.rewrite(ask({ slot: httpsProbe.slot, family: 6, daddr6: other, saddr6: a }), 0), null, 'another address');
  const out = np.rewrite(ask({ slot: httpsProbe.slot, family: 6, daddr6: a, saddr6: other }), 0);
  const r = decodeReply(out!, 0);
  assert.is(r.family, 6);
  assert.equal(Array.from(r.daddr6!), Array.from(a));
  assert.is(sniOf(r.payload!), 'six.example');
  assert.is(sent[0].ip, '2001:db8::7');
});

test('a named target\'s http probe carries its name as Host', () => {
  const { np } = named();
  const out = np.rewrite(ask({ slot: httpProbe.slot, dport: 80 }), 0);
  const text = Buffer.from(decodeReply(out!, 0).payload!).toString('latin1');
  assert.is(text.split('\r\n')[1], 'Host: vhost-a.example');
  assert.is(text.startsWith('GET / HTTP/1.1\r\n'), true);
});

test('what is not rewritten: another kind, a target without a name, a probe without names, an empty table', () => {
  const { np, sent } = named();
  assert.is(np.rewrite(ask({ kind: REPLY_RST }), 0), null);
  assert.is(np.rewrite(ask({ dport: 8443 }), 0), null, 'no name for this port');
  assert.is(np.rewrite(ask({ slot: 3 }), 0), null, 'a slot without a named probe');
  assert.is(new NamedProbes(new NameTable(), new Map(), () => {}).rewrite(ask({}), 0), null);
  assert.is(sent.length, 0);
  // No room on stdout for the sent record: the default probe, counted.
  const full = new NamedProbes(np.table, new Map([[tlsProbe.slot, { name: 'tls', payload: (n: string) => tlsProbe.named!(cfg, n) }]]), () => sent.push(1), () => false);
  assert.is(full.rewrite(ask({}), 0), null);
  assert.is(np.table.stats.backlog, 1);
  assert.is(sent.length, 0);
});

test('blast: a target record with a bad name is named by line and not sent; the good ones are (exit 3)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-sni-'));
  const key = path.join(dir, 'key'), pcap = path.join(dir, 'out.pcap');
  writeKeyFile(key, KEY);
  const input = [
    { type: 'target', ip: '198.18.0.7', port: 443, name: 'good.example' },
    { type: 'target', ip: '198.18.0.8', port: 443, name: 'bad..example' },
    { type: 'target', ip: '198.18.0.9', port: 443 },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n';
  const r = await runInProcess('blast', ['--key-file', key, '--pcap', pcap, '--source-ip', '198.19.0.1', '--router-mac', '02:00:00:00:00:01', '--rate', 'max'], input);
  fs.rmSync(dir, { recursive: true });
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /stdin:2: target "name" "bad\.\.example" is not a host name .*empty label.*: not sent/);
  assert.match(r.stderr, /sent 2 SYNs/);
});

test('banners: blast\'s sent record names the connection (its talker and its banner); one after the first segment still names the banner, counted', () => {
  const done: Finished[] = [];
  const told: unknown[] = [];
  const talk = { talker: (m: any) => { told.push(m.name); return { push: () => null, done: false }; }, send: () => { throw new Error('nothing to send'); } };
  const r = new Reassembler({ maxBanner: 1 << 20, maxConnections: 16, maxBytes: 1 << 24, idleUs: 5e6 }, (f) => done.push(f), talk);
  const sent = (sport: number) => readSent({ type: 'sent', ip: '198.18.0.7', port: 443, sport, seq: 1001, ack: 5001, len: 3, flags: 'PA',
    data: Buffer.from('abc').toString('base64'), name: 'vhost-a.example', probe: 'https', time_us: 1 }) as Sent;
  const seg = (sport: number, flags: string) => readSegment({ type: 'segment', ip: '198.18.0.7', port: 443, sport, probe: 'https', seq: 5001, ack: 1004,
    offset: 0, len: 5, flags, data: Buffer.from('hello').toString('base64'), time_us: 2 }) as Segment;
  r.sent(sent(40001));
  r.segment(seg(40001, 'FPA'));
  r.segment(seg(40002, 'PA'));
  r.sent(sent(40002));
  r.flushOne();
  assert.equal(told, ['vhost-a.example', undefined], 'the talker of the first saw the name; the second began without it');
  assert.is(r.counters.name_late, 1);
  const b = done.map(bannerRecord);
  assert.equal(b.map((x) => [x.sport, x.name]), [[40001, 'vhost-a.example'], [40002, 'vhost-a.example']]);
  assert.ok(b.every((x) => x.sent_data === undefined), 'our own probe\'s bytes are not sent_data');
  assert.match(readSent({ type: 'sent', ip: '198.18.0.7', port: 443, sport: 1, seq: 1, len: 0, data: '', name: 'x..y' }) as string, /sent "name" "x\.\.y" is not a host name/);
});


/** The server_name of a ClientHello record, every length on the way checked against the bytes
 *  (record, handshake, extensions, the extension, its list, its name); throws on any mismatch. */
function strictSni(hello: Uint8Array): string | null {
  const b = Buffer.from(hello);
  const eq = (a: number, x: number, what: string) => { if (a !== x) throw new Error(`${what}: ${a} != ${x}`); };
  eq(b[0], 0x16, 'handshake record');
  eq(b.readUInt16BE(3), b.length - 5, 'record length');
  eq(b[5], 1, 'client_hello');
  eq(b.readUIntBE(6, 3), b.length - 9, 'handshake length');
  let p = 9 + 2 + 32;
  p += 1 + b[p];
  p += 2 + b.readUInt16BE(p);
  p += 1 + b[p];
  eq(b.readUInt16BE(p), b.length - p - 2, 'extensions length');
  let name: string | null = null;
  for (p += 2; p < b.length;) {
    const type = b.readUInt16BE(p), len = b.readUInt16BE(p + 2);
    if (p + 4 + len > b.length) throw new Error(`extension ${type} runs past the end`);
    if (type === 0) {
      eq(b.readUInt16BE(p + 4), len - 2, 'server_name list length');
      eq(b[p + 6], 0, 'host_name');
      eq(b.readUInt16BE(p + 7), len - 5, 'host_name length');
      name = b.subarray(p + 9, p + 4 + len).toString('latin1');
    }
    p += 4 + len;
  }
  return name;
}

test('jarm: a named target\'s ten hellos carry its name as server_name (lengths right), each its variant\'s, for the code catch asks with', () => {
  const t = new NameTable();
  t.add(NameTable.key4(parseIPv4('198.18.0.7') as number, 443), 'vhost-a.example');
  const sent: any[] = [];
  // As blast's namedProbes builds them: one entry per probe code, the variant from the code.
  const bySlot = new Map(Array.from({ length: VARIANTS }, (_, v) => [probeCode(jarmProbe.slot, v),
    { name: 'jarm', payload: (n: string) => jarmProbe.named!(cfg, n, variantOfCode(probeCode(jarmProbe.slot, v))) }]));
  const np = new NamedProbes(t, bySlot, (s) => sent.push(s));
  const seen = new Set<string>();
  for (let v = 0; v < VARIANTS; v++) {
    const out = np.rewrite(ask({ slot: probeCode(jarmProbe.slot, v) }), 0);
    assert.ok(out, `variant ${v}`);
    const r = decodeReply(out!, 0);
    assert.is(r.kind, REPLY_ACK_PAYLOAD);
    assert.is(r.slot, probeCode(jarmProbe.slot, v));
    assert.is(strictSni(r.payload!), 'vhost-a.example', `variant ${v}`);
    assert.equal(Array.from(r.payload!), Array.from(jarmPayload(KEY, v, 'vhost-a.example').before), `variant ${v}: the reference's hello with the name`);
    // Without the name: the address (the default), not --sni's name: cfg carries one, the name wins.
    assert.is(strictSni(renderPayload(jarmProbe.payload(probeConfig({}, KEY), v), '198.18.0.7')), '198.18.0.7');
    seen.add(Buffer.from(r.payload!).toString('hex'));
  }
  assert.is(seen.size, VARIANTS, 'ten different hellos');
  assert.equal(sent.map((s) => [s.probe, s.name, s.data.length > 0]), Array(VARIANTS).fill(['jarm', 'vhost-a.example', true]));
});

test('starttls: a named target\'s ACK_PROBE goes as it is (nothing first), a sent record carries the name, and the hello after STARTTLS has it as server_name', () => {
  const t = new NameTable();
  t.add(NameTable.key4(parseIPv4('198.18.0.7') as number, 25), 'mail.example');
  const sent: any[] = [];
  const np = new NamedProbes(t, new Map([[starttlsProbe.slot, { name: 'starttls', payload: (n: string) => starttlsProbe.named!(cfg, n) }]]), (s) => sent.push(s));
  assert.is(np.rewrite(ask({ slot: starttlsProbe.slot, dport: 25 }), 0), null, 'the request is left as it is (an ACK_PAYLOAD needs a byte)');
  assert.is(np.wrote(), true, 'its sent record is to be flushed before the ACK leaves');
  assert.is(np.table.stats.used, 1);
  assert.equal(sent.map((s) => [s.ip, s.port, s.seq, s.name, s.probe, s.data.length]), [['198.18.0.7', 25, 1001, 'mail.example', 'starttls', 0]]);
  // banners' conversation for that connection (shared/reassembly/talk.ts: the name over --sni).
  const talker = starttlsProbe.converse!(namedConfig(cfg, 'mail.example'), '198.18.0.7', 25);
  const say = (s: string) => { const o = talker.push(Buffer.from(s)); return o && Buffer.from(o); };
  assert.is(say('220 mx ESMTP\r\n')!.toString(), 'EHLO trawl.invalid\r\n');
  assert.is(say('250-mx\r\n250 STARTTLS\r\n')!.toString(), 'STARTTLS\r\n');
  const hello = say('220 go ahead\r\n')!;
  assert.is(strictSni(hello), 'mail.example');
  assert.equal(Array.from(hello), Array.from(starttlsProbeHello(KEY, 'mail.example').hello), 'the bytes banners rebuilds to read the TLS after it');
  assert.is(strictSni(starttlsProbeHello(KEY, 'default.example').hello), 'default.example', 'without a name: --sni\'s');
});
test.run();
