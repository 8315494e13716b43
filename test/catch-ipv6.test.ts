// catch over IPv6, on synthesized frames (test/packets6.ts, checksums computed there): the same
// state machine as IPv4 (open, closed, banner, unreachable from ICMPv6 quoting our SYN), the
// reply requests of family 6, extension headers skipped with their lengths checked, fragments
// counted, batches mixing both families, the Neighbor Advertisement responder, the decoder at
// every truncation, and `trawl catch --pcap` on an IPv6 capture.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as P from './packets';
import { a6, icmp6, icmp6Unreachable, ipv6, neighborSolicitation, pseudo6, synTuple6, t6, tcp6 } from './packets6';
import { CatchEngine, EngineConfig, WINDOW_SLACK } from '../shared/catch/engine';
import { nativeCookies, referenceCookies } from '../shared/catch/cookies';
import { DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT } from '../shared/cookie';
import { decodeFrames } from './requests';
import { REPLY_ACK_DATA, REPLY_ACK_PROBE, REPLY_F_TS, REPLY_RST } from '../shared/replies';
import { tsStamp } from '../shared/catch/ts-stamp';
import { D_FRAGMENT, D_ICMP, D_MALFORMED, D_NS, D_OTHER, D_TCP, D_UDP, Decoded, decodePacket } from '../shared/packet/decode';
import { DLT_EN10MB, DLT_IPV6, DLT_LINUX_SLL, DLT_NULL, DLT_RAW } from '../shared/packet/link';
import { inetChecksum } from './packets';
import { trawl } from './helpers';
import { loadNative } from '../native/index';

const KEY = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
const US = '2001:db8:ff::1', T = '2001:db8:1::7', US4 = '198.18.0.1', T4 = '198.18.3.4';
const http = synTuple6(KEY, US, T, 80, 1);
const ssh = synTuple6(KEY, US, T, 22, 0);
const TIME = 1_700_000_000_000_000;

function engine(over: Partial<EngineConfig> = {}) {
  return new CatchEngine({
    validate: true, ours: [P.ipToU32(US4)], ours6: [a6(US)], sportBase: DEFAULT_SPORT_BASE, sportCount: DEFAULT_SPORT_COUNT,
    portFilter: true, maxBanner: 4096, dedupWindow: 1000, cookies: referenceCookies(KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT),
    replies: true, arp: null, probe: true, rst: true, idleMs: 4000, ...over,
  }, 64);
}

function batch(e: CatchEngine, frames: Uint8Array[], lt = DLT_EN10MB) {
  const buf = new Uint8Array(1 << 16), meta = new Uint32Array(3 * 64), times = new Float64Array(64);
  let o = 0;
  frames.forEach((f, i) => { buf.set(f, o); meta[3 * i] = o; meta[3 * i + 1] = f.length; meta[3 * i + 2] = f.length; times[i] = TIME + i; o += f.length; });
  const text = Buffer.from(e.processBatch(lt, buf, meta, times, frames.length)).toString('latin1');
  return { records: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), requests: decodeFrames(e.replyBuf, e.replyBytes) };
}

const eth6 = (ip: Uint8Array) => P.ether(ip, { type: 0x86dd });

function synAck(tu: { sport: number; isn: number }, port: number, extra: Partial<Parameters<typeof tcp6>[0]> = {}) {
  return eth6(tcp6({ src: T, dst: US, sport: port, dport: tu.sport, seq: 5000, ack: tu.isn + 1, flags: 'SA', hop: 57,
    options: { mss: 1440, sackOk: true, ts: [42, 0], wscale: 7 }, ...extra }));
}

test('SYN-ACK over IPv6: open record (no ipid: IPv6 has none), and an ACK+probe request of family 6', () => {
  const { records, requests } = batch(engine(), [synAck(http, 80)]);
  assert.equal(records, [{
    type: 'open', ip: T, port: 80, sport: http.sport, ttl: 57, window: 64800, mss: 1440, wscale: 7, sack_ok: true,
    tsval: 42, options: 'mss,sack,ts,nop,ws', seq: 5000, time_us: TIME,
  }]);
  assert.is(requests.length, 1);
  const r = requests[0];
  assert.is(r.kind, REPLY_ACK_PROBE); assert.is(r.family, 6); assert.is(r.slot, 1);
  assert.is(t6(r.daddr6!), T); assert.is(t6(r.saddr6!), US);
  assert.is(r.dport, 80); assert.is(r.sport, http.sport); assert.is(r.seq, (http.isn + 1) >>> 0); assert.is(r.ack, 5001);
  // Timestamps as over IPv4: our TSval stamps the server's ISN, the TSecr echoes the server's.
  assert.is(r.flags, REPLY_F_TS); assert.is(r.tsval, tsStamp(5000, http.isn)); assert.is(r.tsecr, 42);
  assert.is(r.window, 4096 + WINDOW_SLACK); assert.is(r.delay_ms, 4000);
});

test('closed, segments with their offset and requests (ACK of data, RST after a FIN), zero window, dedup: as IPv4', () => {
  const e = engine();
  const rst = eth6(tcp6({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 0, ack: ssh.isn + 1, flags: 'RA', window: 0, hop: 64 }));
  const resp = 'HTTP/1.1 200 OK\r\n\r\n', more = 'hello';
  const stamp = tsStamp(5000, http.isn);
  const seg = (seq: number, flags: string, payload: string) => eth6(tcp6({ src: T, dst: US, sport: 80, dport: http.sport, seq,
    ack: http.isn + 1 + 40, flags, payload, hop: 57, options: { ts: [43, stamp] } }));
  const data = seg(5001, 'PA', resp), fin = seg(5001 + resp.length, 'FPA', more);
  const { records, requests } = batch(e, [rst, rst, data, data, fin, synAck(http, 80, { window: 0 })]);
  assert.equal(records.map((r) => [r.type, r.ip, r.port, r.offset]),
    [['closed', T, 22, undefined], ['segment', T, 80, 0], ['segment', T, 80, resp.length], ['open', T, 80, undefined]]);
  assert.equal(records[0], { type: 'closed', ip: T, port: 22, sport: ssh.sport, ttl: 64, window: 0, time_us: TIME });
  assert.is(Buffer.from(records[1].data, 'base64').toString(), resp);
  assert.is(Buffer.from(records[2].data, 'base64').toString(), more);
  assert.is(records[3].zero_window, true);
  const ours = (http.isn + 1 + 40) >>> 0, end = 5001 + resp.length;
  assert.equal(requests.map((r) => [r.kind, r.family, r.seq, r.ack, r.flags, r.tsval, r.tsecr]), [
    [REPLY_ACK_DATA, 6, ours, end, REPLY_F_TS, stamp, 43],
    [REPLY_RST, 6, ours, end + more.length + 1, REPLY_F_TS, stamp, 43],
    [REPLY_RST, 6, (http.isn + 1) >>> 0, 5001, REPLY_F_TS, stamp, 42],
  ]);
  assert.is(requests[0].window, 4096 + WINDOW_SLACK - resp.length);
  assert.is(e.counters.duplicate, 2);
});

test('forged IPv6 replies: wrong ack, another of our addresses\' cookie, not ours, wrong port', () => {
  const e = engine();
  const f = (spec: Partial<Parameters<typeof tcp6>[0]>) =>
    eth6(tcp6({ src: T, dst: US, sport: 80, dport: http.sport, seq: 1, ack: http.isn + 1, flags: 'SA', ...spec }));
  const { records, requests } = batch(e, [
    f({ ack: http.isn }), f({ ack: http.isn + 2 }),
    f({ src: '2001:db8:1::8' }),                 // the cookie was for T
    f({ dst: '2001:db8:ff::2' }),                // not our address
    f({ dport: 1000 }),                          // outside the source port range
  ]);
  assert.is(records.length, 0); assert.is(requests.length, 0);
  assert.is(e.counters.bad_cookie, 2); assert.is(e.counters.wrong_port, 2); assert.is(e.counters.not_ours, 1);
});

test('an IPv6 reply to an address not ours whose cookie checks out: other_address, named', () => {
  const e = engine();
  const OTHER = '2001:db8:ff::9';
  const h = synTuple6(KEY, OTHER, T, 80, 1);
  batch(e, [eth6(tcp6({ src: T, dst: OTHER, sport: 80, dport: h.sport, seq: 1, ack: h.isn + 1, flags: 'SA' })),
    eth6(tcp6({ src: T, dst: OTHER, sport: 80, dport: h.sport, seq: 1, ack: h.isn, flags: 'SA' }))]);
  assert.equal([e.counters.other_address, e.counters.not_ours], [1, 1]);
  assert.equal(e.otherAddresses(), [{ address: OTHER, count: 1 }]);
});

test('extension headers before TCP are skipped (hop-by-hop, routing, destination options); a fragment is counted', () => {
  const e = engine();
  const pad8 = (n: number) => new Uint8Array(6 + 8 * n);
  const chains = [
    [{ type: 0 as const }],
    [{ type: 0 as const }, { type: 60 as const, body: pad8(1) }],
    [{ type: 43 as const, body: pad8(2) }, { type: 60 as const }],
  ];
  const frames = chains.map((ext, k) => synAck(http, 80, { ext, seq: 100 + k }));
  frames.push(synAck(ssh, 22, { ext: [{ type: 44 }] }));
  const { records } = batch(e, frames);
  assert.is(records.length, 3, 'the first makes the open record; the later ones are the same port with another server ISN');
  assert.equal(records.map((r) => r.repeat), [undefined, true, true]);
  assert.is(e.counters.repeat, 2);
  assert.is(e.counters.fragment, 1);
  // Each chain decodes to the same TCP header.
  for (const f of frames.slice(0, 3)) {
    const d = new Decoded();
    assert.is(decodePacket(DLT_EN10MB, f, 0, f.length, f.length, d), D_TCP);
    assert.is(d.dport, http.sport);
    assert.is(t6(f, d.s6), T);
  }
});

test('extension header lengths are checked: past the payload, or a chain longer than 8, is malformed', () => {
  const d = new Decoded();
  const dec = (ip: Uint8Array) => decodePacket(DLT_RAW, ip, 0, ip.length, ip.length, d);
  const base = tcp6({ src: T, dst: US, sport: 80, dport: 40000, seq: 1, ack: 2, flags: 'SA', ext: [{ type: 60 }] });
  assert.is(dec(base), D_TCP);
  const long = base.slice(); long[41] = 200;            // 1608 bytes claimed in a short packet
  assert.is(dec(long), D_MALFORMED);
  const chain = tcp6({ src: T, dst: US, sport: 80, dport: 40000, seq: 1, ack: 2, flags: 'SA', ext: Array(9).fill({ type: 60 }) });
  assert.is(dec(chain), D_MALFORMED);
  const short = base.slice(); short[4] = 0; short[5] = 4;   // payload length 4: the header does not fit
  assert.is(dec(short.subarray(0, 44)), D_MALFORMED);
  // UDP behind an extension header: found; its length field must cover its header.
  assert.is(dec(ipv6({ src: T, dst: US, ext: [{ type: 0 }] }, 17, new Uint8Array(8))), D_MALFORMED);
  assert.is(dec(ipv6({ src: T, dst: US, ext: [{ type: 0 }] }, 17, Uint8Array.of(0, 53, 0x9c, 0x41, 0, 8, 0, 0))), D_UDP);
  assert.is(dec(ipv6({ src: T, dst: US }, 59, new Uint8Array(0))), D_OTHER, 'no next header');
});

test('ICMPv6 destination unreachable quoting our SYN: unreachable with from; a forged quote is bad_cookie', () => {
  const e = engine();
  const syn = tcp6({ src: US, dst: T, sport: http.sport, dport: 80, seq: http.isn, ack: 0, flags: 'S', options: { mss: 1460 } });
  const forged = tcp6({ src: US, dst: T, sport: http.sport, dport: 80, seq: http.isn + 1, ack: 0, flags: 'S' });
  const viaExt = tcp6({ src: US, dst: T, sport: ssh.sport, dport: 22, seq: ssh.isn, ack: 0, flags: 'S', ext: [{ type: 60 }] });
  const { records } = batch(e, [
    eth6(icmp6Unreachable({ src: '2001:db8:fe::1', dst: US, code: 1 }, syn)),
    eth6(icmp6Unreachable({ src: '2001:db8:fe::1', dst: US, code: 1 }, forged)),
    eth6(icmp6Unreachable({ src: '2001:db8:fe::2', dst: US, code: 3 }, viaExt, 40 + 8 + 8)),   // quoted headers + 8 bytes of TCP
  ]);
  assert.equal(records, [
    { type: 'unreachable', ip: T, port: 80, sport: http.sport, from: '2001:db8:fe::1', icmp_type: 1, icmp_code: 1, ttl: 64, time_us: TIME },
    { type: 'unreachable', ip: T, port: 22, sport: ssh.sport, from: '2001:db8:fe::2', icmp_type: 1, icmp_code: 3, ttl: 64, time_us: TIME + 2 },
  ]);
  assert.is(e.counters.bad_cookie, 1);
  // An echo reply without blast's payload fails the echo cookie (test/echo.test.ts); other
  // ICMPv6 (a router advertisement) is no reply of ours.
  batch(e, [eth6(icmp6({ src: T, dst: US }, 129, 0, new Uint8Array(8))), eth6(icmp6({ src: 'fe80::1', dst: 'ff02::1', hop: 255 }, 134, 0, new Uint8Array(8)))]);
  assert.is(e.counters.bad_cookie, 2);
  assert.is(e.counters.other, 1);
});

test('one batch of both families: one cookie call, each record and request of its family', () => {
  let calls = 0;
  const ref = referenceCookies(KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT);
  const e = engine({ cookies: (...a) => { calls++; ref(...a); } });
  const v4 = P.synTuple(KEY, US4, T4, 443, 0);
  const f4 = P.ether(P.tcp({ src: T4, dst: US4, sport: 443, dport: v4.sport, seq: 9, ack: v4.isn + 1, flags: 'SA', id: 5 }));
  const { records, requests } = batch(e, [synAck(http, 80), f4, synAck(ssh, 22)]);
  assert.is(calls, 1);
  assert.equal(records.map((r) => [r.ip, r.port, r.ipid]), [[T, 80, undefined], [T4, 443, 5], [T, 22, undefined]]);
  assert.equal(requests.map((r) => [r.family, r.dport]), [[6, 80], [4, 443], [6, 22]]);
});

test('the native cookie check gives the same verdicts on a mixed batch', () => {
  let native;
  try { native = loadNative(); } catch { return; }
  const mk = (cookies: EngineConfig['cookies']) => engine({ cookies });
  const v4 = P.synTuple(KEY, US4, T4, 443, 0);
  const frames = [synAck(http, 80), synAck(ssh, 22, { ack: 1 }),
    P.ether(P.tcp({ src: T4, dst: US4, sport: 443, dport: v4.sport, seq: 9, ack: v4.isn + 1, flags: 'SA' }))];
  const a = batch(mk(referenceCookies(KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT)), frames);
  const b = batch(mk(nativeCookies(native, KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT)), frames);
  assert.equal(b.records, a.records);
  assert.is(a.records.length, 2);
});

test('Neighbor Advertisement responder: answers a solicitation for our address, not DAD nor other targets', () => {
  const injected: Uint8Array[] = [];
  const mac = P.macBytes('02:00:00:00:00:aa');
  const e = engine({ ndp: { ip6: a6(US), mac, inject: (f) => injected.push(f.slice()) } });
  const asker = P.macBytes('02:00:00:00:00:bb');
  const nsFrame = (src: string, target: string, withMac = true, hop = 255) =>
    P.ether(neighborSolicitation(src, target, withMac ? asker : null, hop), { src: '02:00:00:00:00:bc', type: 0x86dd });
  batch(e, [
    nsFrame('2001:db8:ff::fe', US),               // answered, to the MAC in its option
    nsFrame('::', US, false),                     // duplicate address detection: not ours to answer
    nsFrame('2001:db8:ff::fe', '2001:db8:ff::9'), // another target
    nsFrame('2001:db8:ff::fe', US, true, 64),     // hop limit not 255: not from the link (RFC 4861)
    nsFrame('fe80::fe', US, false),               // no option: to the frame's source MAC
  ]);
  assert.is(e.counters.ns, 4);
  assert.is(e.counters.na_replies, 2);
  assert.is(e.counters.other, 1);
  const [na, na2] = injected;
  assert.is(na.length, 86);
  assert.equal(Array.from(na.subarray(0, 6)), Array.from(asker), 'to the asker');
  assert.equal(Array.from(na.subarray(6, 12)), Array.from(mac));
  assert.is((na[12] << 8) | na[13], 0x86dd);
  const ip = na.subarray(14);
  assert.is(ip[6], 58); assert.is(ip[7], 255, 'hop limit 255');
  assert.is(t6(ip, 8), US); assert.is(t6(ip, 24), '2001:db8:ff::fe');
  const m = ip.subarray(40);
  assert.is(m[0], 136); assert.is(m[1], 0); assert.is(m[4], 0x60, 'solicited and override');
  assert.is(t6(m, 8), US);
  assert.equal(Array.from(m.subarray(24, 32)), [2, 1, ...mac], 'target link-layer address option');
  assert.is(inetChecksum(pseudo6(ip.subarray(8, 24), ip.subarray(24, 40), m.length, 58), m), 0, 'ICMPv6 checksum');
  assert.equal(Array.from(na2.subarray(0, 6)), Array.from(P.macBytes('02:00:00:00:00:bc')), 'to the frame\'s source');
});

test('IPv6 through other link types: raw, DLT_IPV6, Linux cooked, BSD loopback (family 10, 24, 28, 30)', () => {
  const ip = tcp6({ src: T, dst: US, sport: 80, dport: 40000, seq: 1, ack: 2, flags: 'SA' });
  const le = (v: number) => [v & 255, 0, 0, 0];
  const cases: [string, number, Uint8Array][] = [
    ['raw', DLT_RAW, ip], ['ipv6', DLT_IPV6, ip], ['sll', DLT_LINUX_SLL, P.sll(ip, 0x86dd)],
    ...[10, 24, 28, 30].map((f): [string, number, Uint8Array] => [`null ${f}`, DLT_NULL, Uint8Array.from([...le(f), ...ip])]),
  ];
  for (const [name, lt, f] of cases) {
    const d = new Decoded();
    assert.is(decodePacket(lt, f, 0, f.length, f.length, d), D_TCP, name);
    assert.is(d.family, 6, name);
  }
});

test('truncated at every length: malformed or a smaller verdict, never a throw or a read past the bytes', () => {
  const frames = [
    synAck(http, 80, { ext: [{ type: 0 }, { type: 60 }], payload: 'hello' }),
    eth6(icmp6Unreachable({ src: '2001:db8:fe::1', dst: US }, tcp6({ src: US, dst: T, sport: 1, dport: 2, seq: 3, ack: 0, flags: 'S' }))),
    P.ether(neighborSolicitation('2001:db8:ff::fe', US, P.macBytes('02:00:00:00:00:bb')), { type: 0x86dd }),
  ];
  const whole = [D_TCP, D_ICMP, D_NS];
  frames.forEach((f, k) => {
    const d = new Decoded();
    assert.is(decodePacket(DLT_EN10MB, f, 0, f.length, f.length, d), whole[k]);
    for (let cut = 0; cut < f.length; cut++) {
      // A guard byte after the cut: reading it would make a difference the test would see.
      const buf = new Uint8Array(cut + 1); buf.set(f.subarray(0, cut)); buf[cut] = 0xee;
      const r = decodePacket(DLT_EN10MB, buf, 0, cut, cut, new Decoded());
      assert.ok(r === D_MALFORMED || r === D_OTHER || r === whole[k] || r === -2 || r === D_FRAGMENT, `frame ${k} cut at ${cut}: ${r}`);
    }
  });
});

test('trawl catch --pcap: an IPv6 capture gives IPv6 records, the summary counts what it dropped', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-catch6-'));
  try {
    const keyFile = path.join(dir, 'k');
    fs.writeFileSync(keyFile, Buffer.from(KEY).toString('hex') + '\n', { mode: 0o600 });
    const pcap = path.join(dir, 'c.pcap');
    const resp = 'SSH-2.0-OpenSSH_9.2\r\n';
    fs.writeFileSync(pcap, P.pcapFile([
      { data: synAck(http, 80, { ext: [{ type: 0 }] }) },
      { data: eth6(tcp6({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 7001, ack: ssh.isn + 1, flags: 'PA', payload: resp })) },
      { data: synAck(ssh, 22, { ext: [{ type: 44 }] }) },
    ].map((f, i) => ({ ...f, time_us: TIME + i }))));
    const r = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--source-ip', US]);
    assert.is(r.code, 0, r.stderr);
    const recs = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(recs.map((x) => [x.type, x.ip, x.port]), [['open', T, 80], ['segment', T, 22]]);
    assert.is(Buffer.from(recs[1].data, 'base64').toString(), resp);
    assert.match(r.stderr, /3 packets: 1 open, 0 closed, 0 unreachable, 1 segments \(0 with offset\); rejected 1 \(fragment 1\)/);
    // Another source address: not ours; the SYN-ACK's cookie says blast sent from US, and catch says so.
    const o = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--source-ip', '2001:db8:ff::2']);
    assert.is(o.stdout, '');
    assert.match(o.stderr, /rejected 3 \(fragment 1, not_ours 1, other_address 1\)/);
    assert.match(o.stderr, /warning: 1 reply \(valid cookies\) to 2001:db8:ff::1, which is not --source-ip 2001:db8:ff::2: give catch the --source-ip blast uses/);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test.run();
