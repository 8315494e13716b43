// catch --pcap on answers to blast's UDP datagrams, built here from the datagrams blast wrote:
// valid answers of every protocol with an echoed field (and SSDP's, checked by the port alone)
// become open records with proto udp, probe, ttl and the payload; ICMP port unreachable quoting
// our datagram a closed record, other unreachables unreachable ones; forged and near-miss answers
// (wrong port key, wrong DNS ID, SNMP request-id, NTP origin, memcached request ID, another host
// or port, a NetBIOS query that is no answer, altered quotes) are all rejected and counted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trawl, lines } from './helpers';
import { pcapFile, PcapFrame, readPcapFile } from './packets';
import { checkUdp, Datagram, udpAnswer, udpUnreachable } from './udp-frames';
import { D_ICMP_UDP, D_MALFORMED, D_OTHER, D_UDP, Decoded, decodePacket } from '../shared/packet/decode';
import { DLT_EN10MB } from '../shared/packet/link';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-udp-catch-'));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '1f1e1d1c1b1a19181716151413121110\n', { mode: 0o600 });
const SRC = '198.19.0.1', SRC6 = '2001:db8::99';
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const udpTarget = (ip: string, port: number, i: number) => JSON.stringify({ type: 'target', ip, port, proto: 'udp', i }) + '\n';
const T = (ms: number) => 1796400000000000 + ms * 1000;

// blast's datagrams, with their frames (for the ICMP quotes), by "ip:port".
function sent(): Map<string, { d: Datagram; frame: Uint8Array }> {
  const pcap = path.join(dir, 'sent.pcap');
  const input = [['198.18.0.53', 53], ['198.18.0.53', 123], ['198.18.0.53', 161], ['198.18.0.53', 11211], ['198.18.0.53', 137],
    ['198.18.0.53', 1900], ['198.18.0.53', 9], ['198.18.0.54', 123], ['2001:db8::53', 53], ['2001:db8::53', 9], ['198.18.0.55', 53]]
    .map(([ip, port], i) => udpTarget(ip as string, port as number, i)).join('');
  const r = trawl(['blast', '--key-file', keyFile, '--source-ip', SRC, '--source-ip', SRC6, '--router-mac', '02:00:00:00:00:0b',
    '--rate', 'max', '--pcap', pcap, '-q', '--probe', 'U:161:snmp-v2c'], input);
  assert.is(r.code, 0, r.stderr);
  const out = new Map<string, { d: Datagram; frame: Uint8Array }>();
  for (const f of readPcapFile(pcap)) { const d = checkUdp(f.data); out.set(`${d.dst}:${d.dport}`, { d, frame: Uint8Array.from(f.data) }); }
  return out;
}

const b = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const cat = (...p: (Uint8Array | number[])[]) => Uint8Array.from(p.flatMap((x) => Array.from(x)));

// Answers made the way servers make them from the request's bytes.
function dnsAnswer(q: Uint8Array, mutate?: (a: Uint8Array) => void): Uint8Array {
  const a = cat(q, [0xc0, 12, 0, 16, 0, 3, 0, 0, 0, 0, 0, 8, 7], b('9.18.49'));
  a[2] = 0x84; a[3] = 0; a[7] = 1;   // QR AA, one answer
  mutate?.(a);
  return a;
}
function ntpAnswer(q: Uint8Array, mutate?: (a: Uint8Array) => void): Uint8Array {
  const a = new Uint8Array(48);
  a[0] = 0x24; a[1] = 2; a.set(q.subarray(40, 48), 24); a[40] = 0xea;
  mutate?.(a);
  return a;
}
function snmpAnswer(q: Uint8Array, mutate?: (a: Uint8Array) => void): Uint8Array {
  const a = Uint8Array.from(q);
  a[a.indexOf(0xa0, 5)] = 0xa2;   // GetRequest -> GetResponse, request-id echoed as it came
  mutate?.(a);
  return a;
}

test('catch --pcap: UDP answers validated by the keyed port and the echoed id; 0 forged or near-miss answers accepted', () => {
  const s = sent();
  const g = (k: string) => s.get(k)!;
  const dns = g('198.18.0.53:53').d, ntp = g('198.18.0.53:123').d, snmp = g('198.18.0.53:161').d, mc = g('198.18.0.53:11211').d;
  const nb = g('198.18.0.53:137').d, ssdp = g('198.18.0.53:1900').d, empty = g('198.18.0.53:9'), dns6 = g('2001:db8::53:53').d;
  const ntp54 = g('198.18.0.54:123'), dns55 = g('198.18.0.55:53'), empty6 = g('2001:db8::53:9');
  const mcAnswer = (q: Uint8Array, x = 0) => cat([q[0], q[1] ^ x, 0, 0, 0, 1, 0, 0], b('VERSION 1.6.18\r\n'));
  const frames: PcapFrame[] = [
    // valid
    { data: udpAnswer(dns, dnsAnswer(dns.payload), { ttl: 61 }), time_us: T(1) },
    { data: udpAnswer(ntp, ntpAnswer(ntp.payload)), time_us: T(2) },
    { data: udpAnswer(snmp, snmpAnswer(snmp.payload)), time_us: T(3) },
    { data: udpAnswer(mc, mcAnswer(mc.payload)), time_us: T(4) },
    { data: udpAnswer(nb, cat([nb.payload[0], nb.payload[1], 0x84, 0], nb.payload.subarray(4))), time_us: T(5) },
    { data: udpAnswer(ssdp, b('HTTP/1.1 200 OK\r\nSERVER: Linux UPnP/1.0 miniupnpd/2.3\r\nST: upnp:rootdevice\r\n\r\n')), time_us: T(6) },
    { data: udpAnswer(dns6, dnsAnswer(dns6.payload), { ttl: 57 }), time_us: T(7) },
    { data: udpUnreachable(empty.d, empty.frame), time_us: T(8) },                                      // closed (port unreachable)
    { data: udpUnreachable(empty6.d, empty6.frame), time_us: T(9) },                                    // closed, ICMPv6 code 4
    { data: udpUnreachable(ntp54.d, ntp54.frame, { from: '198.18.0.1', code: 1 }), time_us: T(10) },    // host unreachable, from a router
    { data: udpUnreachable(dns55.d, dns55.frame, { quote: 28 }), time_us: T(11) },                      // an 8-byte quote: the port alone
    // duplicates
    { data: udpAnswer(dns, dnsAnswer(dns.payload)), time_us: T(12) },
    { data: udpUnreachable(empty.d, empty.frame), time_us: T(13) },
    // forged and near misses
    { data: udpAnswer(dns, dnsAnswer(dns.payload, (a) => { a[1] ^= 1; })), time_us: T(20) },          // DNS ID off by a bit
    { data: udpAnswer(dns, dnsAnswer(dns.payload), { dport: dns.sport ^ 16 }), time_us: T(21) },       // another group's port
    { data: udpAnswer(dns, dnsAnswer(dns.payload), { dport: dns.sport ^ 1 }), time_us: T(22) },        // the next slot's port
    { data: udpAnswer(dns, dnsAnswer(dns.payload), { sport: 5353 }), time_us: T(23) },                 // from another port
    { data: udpAnswer(dns, dnsAnswer(dns.payload), { from: '198.18.0.56' }), time_us: T(24) },         // another host
    { data: udpAnswer(dns, dnsAnswer(dns.payload).subarray(0, 11)), time_us: T(25) },                  // shorter than a DNS header
    { data: udpAnswer(ntp, ntpAnswer(ntp.payload, (a) => { a[27] ^= 1; })), time_us: T(26) },          // NTP origin off by a bit
    { data: udpAnswer(ntp, ntpAnswer(ntp.payload, (a) => { a[0] = 0x23; })), time_us: T(27) },         // mode 3: our request reflected
    { data: udpAnswer(ntp, ntp.payload), time_us: T(28) },                                              // the request itself
    { data: udpAnswer(snmp, snmpAnswer(snmp.payload, (a) => { a[a.indexOf(0xa2) + 7] ^= 1; })), time_us: T(29) },   // request-id
    { data: udpAnswer(mc, mcAnswer(mc.payload, 1)), time_us: T(30) },                                   // memcached request ID
    { data: udpAnswer(nb, nb.payload), time_us: T(31) },                                                // a NetBIOS query, not an answer
    { data: udpAnswer(ssdp, b('HTTP/1.1 200 OK\r\n\r\n'), { dport: ssdp.sport ^ 32 }), time_us: T(32) }, // SSDP: another group
    { data: udpUnreachable(dns55.d, dns55.frame, { mutate: (q) => { q[28] ^= 1; } }), time_us: T(33) }, // quoted DNS ID altered
    { data: udpUnreachable(empty.d, empty.frame, { mutate: (q) => { q[21] ^= 16; } }), time_us: T(34) }, // quoted sport altered
    { data: udpUnreachable(empty.d, empty.frame, { mutate: (q) => { q[15] ^= 1; } }), time_us: T(35) },  // quoted source not ours
  ];
  // Answers to an address not ours.
  const stranger = { ...dns, src: '198.19.0.2', srcB: Uint8Array.of(198, 19, 0, 2) };
  frames.push({ data: udpAnswer(stranger, dnsAnswer(dns.payload)), time_us: T(36) });
  const file = path.join(dir, 'answers.pcap');
  fs.writeFileSync(file, pcapFile(frames));
  const r = trawl(['catch', '--pcap', file, '--key-file', keyFile, '--source-ip', SRC, '--source-ip', SRC6]);
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  const open = (d: Datagram, probe: string, data: Uint8Array, time: number, ttl = 60) =>
    ({ type: 'open', ip: d.dst, port: d.dport, proto: 'udp', sport: d.sport, ttl, probe, len: data.length, data: b64(data), time_us: time });
  assert.equal(recs, [
    open(dns, 'dns-version', dnsAnswer(dns.payload), T(1), 61),
    open(ntp, 'ntp', ntpAnswer(ntp.payload), T(2)),
    open(snmp, 'snmp-v2c', snmpAnswer(snmp.payload), T(3)),
    open(mc, 'memcached', mcAnswer(mc.payload), T(4)),
    open(nb, 'netbios', cat([nb.payload[0], nb.payload[1], 0x84, 0], nb.payload.subarray(4)), T(5)),
    open(ssdp, 'ssdp', b('HTTP/1.1 200 OK\r\nSERVER: Linux UPnP/1.0 miniupnpd/2.3\r\nST: upnp:rootdevice\r\n\r\n'), T(6)),
    { ...open(dns6, 'dns-version', dnsAnswer(dns6.payload), T(7), 57), ip: '2001:db8::53' },
    { type: 'closed', ip: '198.18.0.53', port: 9, proto: 'udp', sport: empty.d.sport, ttl: 64, time_us: T(8) },
    { type: 'closed', ip: '2001:db8::53', port: 9, proto: 'udp', sport: empty6.d.sport, ttl: 64, time_us: T(9) },
    { type: 'unreachable', ip: '198.18.0.54', port: 123, proto: 'udp', sport: ntp54.d.sport, from: '198.18.0.1', icmp_type: 3, icmp_code: 1, ttl: 64, time_us: T(10) },
    { type: 'closed', ip: '198.18.0.55', port: 53, proto: 'udp', sport: dns55.d.sport, ttl: 64, time_us: T(11) },
  ]);
  assert.match(r.stderr, new RegExp(`catch: ${frames.length} packets: 7 open, 3 closed, 1 unreachable, 0 segments`));
  assert.match(r.stderr, new RegExp(`rejected ${frames.length - 11} \\(not_ours 2, wrong_port 5, bad_cookie 10, duplicate 2\\)`));
  assert.match(r.stderr, /udp 7 open, 3 closed, 1 unreachable/);
  // banners passes each UDP open record on and writes its banner after it, read by the payload's parsers.
  const ban = trawl(['banners', '--no-service-probes', '-q'], r.stdout);
  assert.is(ban.code, 0, ban.stderr);
  const out = lines(ban.stdout);
  assert.is(out.filter((x) => x.type === 'open').length, 7);
  const bs = out.filter((x) => x.type === 'banner');
  assert.equal(bs.map((x) => `${x.port}/${x.proto}: ${x.service}`), ['53/udp: dns', '123/udp: ntp', '161/udp: snmp', '11211/udp: memcached',
    '137/udp: netbios', '1900/udp: ssdp', '53/udp: dns']);
  assert.is(bs[0].dns_version, '9.18.49');
  assert.is(bs[3].memcached_version, '1.6.18');
  // Without the key nothing here can be told ours: UDP is counted as other, nothing written.
  const u = trawl(['catch', '--pcap', file, '--no-validate', '-q']);
  assert.is(u.code, 0, u.stderr);
  assert.is(lines(u.stdout).filter((x) => x.proto === 'udp' && x.type === 'open').length, 0);
});

test('decode: UDP answers and quotes cut anywhere are malformed or other, never read past the cut', () => {
  const s = sent();
  const dns = s.get('198.18.0.53:53')!, dns6 = s.get('2001:db8::53:53')!;
  const frames = [udpAnswer(dns.d, dnsAnswer(dns.d.payload)), udpAnswer(dns6.d, dnsAnswer(dns6.d.payload)),
    udpUnreachable(dns.d, dns.frame), udpUnreachable(dns6.d, dns6.frame)];
  const whole = [D_UDP, D_UDP, D_ICMP_UDP, D_ICMP_UDP];
  frames.forEach((f, k) => {
    assert.is(decodePacket(DLT_EN10MB, f, 0, f.length, f.length, new Decoded()), whole[k]);
    for (let cut = 0; cut < f.length; cut++) {
      // A guard byte after the cut: reading it would make a difference the test would see.
      const buf = new Uint8Array(cut + 1); buf.set(f.subarray(0, cut)); buf[cut] = 0xee;
      const d = new Decoded();
      const r = decodePacket(DLT_EN10MB, buf, 0, cut, cut, d);
      assert.ok(r === D_MALFORMED || r === D_OTHER || r === -2, `frame ${k} cut at ${cut}: ${r}`);
    }
    // Cut by the snapshot length (wire length kept): the held part only.
    for (let cut = 14 + 48; cut < f.length; cut++) {
      const d = new Decoded();
      const r = decodePacket(DLT_EN10MB, f.subarray(0, cut), 0, cut, f.length, d);
      if (r === D_UDP || r === D_ICMP_UDP) assert.ok(d.payOff + d.payCap <= cut, `frame ${k} snap ${cut}: payload within the capture`);
    }
  });
});

test.run();
