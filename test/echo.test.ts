// ICMP echo scan without a network: blast --pcap echo requests checked byte by byte (IPv4 and
// ICMPv6, checksums recomputed, cookie and payload tag), and catch --pcap replaying replies made
// from them: valid ones become alive records with ttl and rtt_us; forged and near-miss ones
// (identifier, sequence, tag, time, address, length) are all rejected and counted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trawl, lines } from './helpers';
import { ether, inetChecksum, ipv4, pcapFile, readPcapFile, PcapFrame } from './packets';
import { a6, icmp6, pseudo6 } from './packets6';
import { parseKey } from '../shared/key';
import { EchoCookie, echoTime } from '../shared/cookie';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-echo-'));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
const key = parseKey(fs.readFileSync(keyFile, 'utf8'), keyFile);
const cookie = new EchoCookie(key);
const ROUTER = '02:00:00:00:00:0b';
const SRC = '198.19.0.1', SRC6 = '2001:db8::99';
const base = ['blast', '--key-file', keyFile, '--source-ip', SRC, '--source-ip', SRC6, '--router-mac', ROUTER, '--rate', 'max'];

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const echoTarget = (ip: string, i: number) => JSON.stringify({ type: 'target', ip, proto: 'icmp', i }) + '\n';

function sum16(b: Uint8Array, start = 0): number {
  let s = start;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

interface Echo { v6: boolean; src: Uint8Array; dst: Uint8Array; idSeq: number; payload: Uint8Array; ttl: number }

// One echo request frame checked without the native code: headers, checksums, the cookie.
function checkEcho(f: Uint8Array): Echo {
  assert.is(Buffer.from(f.subarray(0, 6)).toString('hex'), ROUTER.replace(/:/g, ''), 'destination MAC');
  const type = (f[12] << 8) | f[13];
  if (type === 0x0800) {
    assert.is(f.length, 58, 'IPv4 echo frame length');
    const ip = f.subarray(14, 34);
    assert.is(ip[0], 0x45); assert.is(ip[9], 1, 'protocol ICMP');
    assert.is((ip[2] << 8) | ip[3], 44, 'total length');
    assert.is(sum16(ip), 0xffff, 'IP header checksum');
    const m = f.subarray(34);
    assert.is(m[0], 8, 'echo request'); assert.is(m[1], 0);
    assert.is(sum16(m), 0xffff, 'ICMP checksum');
    return { v6: false, src: ip.subarray(12, 16), dst: ip.subarray(16, 20), idSeq: be32(m, 4), payload: m.subarray(8), ttl: ip[8] };
  }
  assert.is(type, 0x86dd, 'ethertype IPv6');
  assert.is(f.length, 78, 'IPv6 echo frame length');
  const ip = f.subarray(14, 54);
  assert.is(ip[6], 58, 'next header ICMPv6');
  assert.is((ip[4] << 8) | ip[5], 24, 'payload length');
  const m = f.subarray(54);
  assert.is(m[0], 128, 'echo request'); assert.is(m[1], 0);
  assert.is(sum16(m, sum16(pseudo6(ip.subarray(8, 24), ip.subarray(24, 40), 24, 58))), 0xffff, 'ICMPv6 checksum');
  return { v6: true, src: ip.subarray(8, 24), dst: ip.subarray(24, 40), idSeq: be32(m, 4), payload: m.subarray(8), ttl: ip[7] };
}

test('blast --pcap: one echo request per icmp target, both families, cookie identifier/sequence, payload time and tag', () => {
  const pcap = path.join(dir, 'echo.pcap');
  const input = echoTarget('198.18.0.1', 0) + echoTarget('198.18.0.2', 1) + echoTarget('2001:db8::5', 2) +
    JSON.stringify({ type: 'target', ip: '198.18.0.3', port: 80, i: 3 }) + '\n';
  const before = Date.now() * 1000;
  const r = trawl([...base, '--pcap', pcap, '--ttl', '33'], input);
  const after = Date.now() * 1000;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /sent 4 SYNs and echo requests/);
  const frames = readPcapFile(pcap);
  assert.is(frames.length, 4);
  const echoes = frames.filter((f) => f.data[23] === 1 || f.data[20] === 58).map((f) => checkEcho(f.data));
  assert.is(echoes.length, 3);
  const seen: string[] = [];
  for (const e of echoes) {
    const alen = e.v6 ? 16 : 4;
    assert.is(e.ttl, 33);
    assert.is(e.idSeq, cookie.idSeq(e.src, 0, e.dst, 0, alen), 'identifier and sequence keyed on the pair');
    assert.ok(cookie.payloadOk(e.src, 0, e.dst, 0, alen, e.payload, 0), 'the tag checks out (native = TS)');
    const t = echoTime(e.payload, 0);
    assert.ok(t >= before - 1000 && t <= after, 'the send time, in microseconds');
    seen.push(e.v6 ? 'v6' : `${e.dst.join('.')}`);
  }
  assert.equal(seen.sort(), ['198.18.0.1', '198.18.0.2', 'v6']);
  // The TCP target still went as a SYN.
  assert.ok(frames.some((f) => f.data[23] === 6));
});

test('blast: an icmp target with a port, or a bad address, is refused by line; --attempts repeats echoes', () => {
  const pcap = path.join(dir, 'echo2.pcap');
  const input = JSON.stringify({ type: 'target', ip: '198.18.0.1', proto: 'icmp', port: 80 }) + '\n' +
    JSON.stringify({ type: 'target', ip: '198.18.0.300', proto: 'icmp' }) + '\n' + echoTarget('198.18.0.9', 2);
  const r = trawl([...base, '--pcap', pcap, '--attempts', '2', '--packet-trace'], input);
  assert.is(r.code, 3);
  assert.match(r.stderr, /stdin:1: an "icmp" target has no "port"/);
  assert.match(r.stderr, /stdin:2: target "ip" "198.18.0.300" is not an IPv4 or IPv6 address/);
  assert.match(r.stderr, /SENT [0-9.]+ echo > 198\.18\.0\.9\n/);
  assert.match(r.stderr, /SENT [0-9.]+ echo > 198\.18\.0\.9 \(repeat\)/);
  const frames = readPcapFile(pcap).map((f) => checkEcho(f.data));
  assert.is(frames.length, 2, 'two attempts');
  assert.is(frames[0].idSeq, frames[1].idSeq, 'same pair, same identifier and sequence');
});

// A reply to an echo request: addresses swapped, type 0 / 129, the rest echoed (mutate: a
// forgery's changes before the checksums are made).
function reply(e: Echo, o: { ttl?: number; mutate?: (m: Uint8Array) => void; from?: string; to?: string } = {}): Uint8Array {
  const m = new Uint8Array(8 + e.payload.length);
  m[0] = e.v6 ? 129 : 0;
  m[4] = e.idSeq >>> 24; m[5] = (e.idSeq >>> 16) & 255; m[6] = (e.idSeq >>> 8) & 255; m[7] = e.idSeq & 255;
  m.set(e.payload, 8);
  o.mutate?.(m);
  if (e.v6) {
    const src = o.from ?? fmt6(e.dst), dst = o.to ?? fmt6(e.src);
    return ether(icmp6({ src, dst, hop: o.ttl ?? 60 }, m[0], m[1], m.subarray(8), be32(m, 4)), { type: 0x86dd });
  }
  const ck = inetChecksum(m);
  m[2] = ck >> 8; m[3] = ck & 255;
  return ether(ipv4({ src: o.from ?? e.dst.join('.'), dst: o.to ?? e.src.join('.'), proto: 1, ttl: o.ttl ?? 60 }, m));
}
const fmt6 = (b: Uint8Array) => Array.from({ length: 8 }, (_, k) => ((b[2 * k] << 8) | b[2 * k + 1]).toString(16)).join(':');

test('catch --pcap: replies to blast\'s echoes are alive records with ttl and rtt_us; forged and near-miss replies all rejected', () => {
  const pcap = path.join(dir, 'sent.pcap');
  const input = echoTarget('198.18.0.1', 0) + echoTarget('198.18.0.2', 1) + echoTarget('2001:db8::5', 2);
  assert.is(trawl([...base, '--pcap', pcap, '-q'], input).code, 0);
  const sent = readPcapFile(pcap).map((f) => checkEcho(f.data));
  const byDst = (s: string) => sent.find((e) => (e.v6 ? fmt6(e.dst) : e.dst.join('.')) === s)!;
  const a = byDst('198.18.0.1'), b = byDst('198.18.0.2'), c = byDst('2001:db8:0:0:0:0:0:5');
  const t0 = echoTime(a.payload, 0);
  const at = (us: number) => t0 + us;
  const frames: PcapFrame[] = [
    { data: reply(a, { ttl: 61 }), time_us: at(1500) },                                   // valid
    { data: reply(a), time_us: at(1600) },                                                // duplicate
    { data: reply(c, { ttl: 57 }), time_us: echoTime(c.payload, 0) + 2500 },              // valid, IPv6
    { data: reply(b, { mutate: (m) => { m[5] ^= 1; } }), time_us: at(100) },              // identifier off by a bit
    { data: reply(b, { mutate: (m) => { m[7] ^= 1; } }), time_us: at(100) },              // sequence off by a bit
    { data: reply(b, { mutate: (m) => { m[8 + 15] ^= 1; } }), time_us: at(100) },         // tag
    { data: reply(b, { mutate: (m) => { m[8 + 7] ^= 1; } }), time_us: at(100) },          // time (the tag covers it)
    { data: reply(b, { from: '198.18.0.3' }), time_us: at(100) },                         // another host answers
    { data: reply(b, { to: '198.19.0.2' }), time_us: at(100) },                           // to an address not ours
    { data: reply(b, { mutate: (m) => { m.fill(0, 8); } }), time_us: at(100) },           // payload zeroed
    { data: reply({ ...b, payload: b.payload.subarray(0, 12) }), time_us: at(100) },      // payload cut short
    { data: reply(c, { from: '2001:db8::6' }), time_us: at(100) },                        // IPv6, another host
  ];
  const file = path.join(dir, 'replies.pcap');
  fs.writeFileSync(file, pcapFile(frames));
  for (const env of [{ TRAWL_NO_NATIVE: '0' }, { TRAWL_NO_NATIVE: '1' }]) {
    const r = trawl(['catch', '--pcap', file, '--key-file', keyFile, '--source-ip', SRC, '--source-ip', SRC6],
      undefined, { env: { ...process.env, ...env } });
    assert.is(r.code, 0, r.stderr);
    const recs = lines(r.stdout);
    assert.equal(recs, [
      { type: 'alive', ip: '198.18.0.1', proto: 'icmp', ttl: 61, rtt_us: 1500, time_us: at(1500) },
      { type: 'alive', ip: '2001:db8::5', proto: 'icmp', ttl: 57, rtt_us: 2500, time_us: echoTime(c.payload, 0) + 2500 },
    ]);
    assert.match(r.stderr, /12 packets: .*rejected 10 \(not_ours 1, bad_cookie 8, duplicate 1\).*; 2 hosts alive/);
  }
  // Without the key's help (--no-validate) an echo reply still says the host is up, unvalidated, no rtt.
  const u = trawl(['catch', '--pcap', file, '--no-validate', '-q']);
  assert.is(lines(u.stdout)[0].validated, false);
  assert.is(lines(u.stdout)[0].rtt_us, undefined);
});

test('the native and TypeScript echo cookies agree on a range of pairs', () => {
  const pcap = path.join(dir, 'many.pcap');
  let input = '';
  for (let i = 0; i < 300; i++) input += echoTarget(`198.18.${i >> 8}.${i & 255}`, i);
  assert.is(trawl([...base, '--pcap', pcap, '-q'], input).code, 0);
  const frames = readPcapFile(pcap);
  assert.is(frames.length, 300);
  for (const f of frames) {
    const e = checkEcho(f.data);
    assert.ok(e.idSeq === cookie.idSeq(e.src, 0, e.dst, 0, 4) && cookie.payloadOk(e.src, 0, e.dst, 0, 4, e.payload, 0));
  }
  // A tag made by the TypeScript reference is what the native one writes for the same time.
  const e = checkEcho(frames[7].data);
  assert.equal(Array.from(cookie.payload(e.src, 0, e.dst, 0, 4, echoTime(e.payload, 0))), Array.from(e.payload));
  assert.equal(Array.from(a6('2001:db8::5')).length, 16);
});

test.run();
