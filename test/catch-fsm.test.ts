// The catch state machine on synthesized batches, with the TS reference cookie (no native
// module): which packets make which record and which reply request, and why the rest are dropped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from './packets';
import { CatchEngine, EngineConfig } from '../shared/catch/engine';
import { referenceCookies } from '../shared/catch/cookies';
import { DedupWindow, DEDUP_NEW, DEDUP_SAME, DEDUP_CHANGED } from '../shared/catch/dedup';
import { REPLY_ACK_PROBE, REPLY_RST } from '../shared/replies';
import { core, decodeFrames } from './requests';
import { DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT } from '../shared/cookie';
import { AsciiOut, lit } from '../shared/catch/ascii-out';

const KEY = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
const US = '198.18.0.1', T = '198.18.3.4';
const us = P.ipToU32(US), t = P.ipToU32(T);

function engine(over: Partial<EngineConfig> = {}) {
  return new CatchEngine({
    validate: true, ours: [us], sportBase: DEFAULT_SPORT_BASE, sportCount: DEFAULT_SPORT_COUNT, portFilter: true,
    maxBanner: 4096, dedupWindow: 1000, cookies: referenceCookies(KEY, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT),
    replies: true, arp: null, ...over,
  }, 64);
}

/** Runs one batch of Ethernet frames; returns parsed records and decoded requests. */
function batch(e: CatchEngine, frames: Uint8Array[]) {
  const buf = new Uint8Array(1 << 16), meta = new Uint32Array(3 * 64), times = new Float64Array(64);
  let o = 0;
  frames.forEach((f, i) => { buf.set(f, o); meta[3 * i] = o; meta[3 * i + 1] = f.length; meta[3 * i + 2] = f.length; times[i] = 1_700_000_000_000_000 + i; o += f.length; });
  const text = Buffer.from(e.processBatch(1, buf, meta, times, frames.length)).toString('latin1');
  const records = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const requests = decodeFrames(e.replyBuf, e.replyBytes).map(core);
  assert.is(requests.length, e.replyCount);
  return { records, requests, text };
}

const http = P.synTuple(KEY, US, T, 80, 1);
const ssh = P.synTuple(KEY, US, T, 22, 0);

function synAck(tu: { sport: number; isn: number }, port: number, extra: Partial<P.TcpSpec> = {}) {
  return P.ether(P.tcp({ src: T, dst: US, sport: port, dport: tu.sport, seq: 5000, ack: tu.isn + 1, flags: 'SA', ttl: 57, id: 99,
    options: { mss: 1460, sackOk: true, ts: [42, 0], wscale: 7 }, ...extra }));
}

test('valid SYN-ACK: open record with options, and a kind-1 request (ACK + probe of the slot)', () => {
  const e = engine();
  const { records, requests } = batch(e, [synAck(http, 80)]);
  assert.equal(records, [{
    type: 'open', ip: T, port: 80, sport: http.sport, ttl: 57, window: 64240, ipid: 99, mss: 1460, wscale: 7, sack_ok: true,
    tsval: 42, options: 'mss,sack,ts,nop,ws', time_us: 1_700_000_000_000_000,
  }]);
  assert.equal(requests, [{ kind: REPLY_ACK_PROBE, slot: 1, daddr: t, saddr: us, dport: 80, sport: http.sport, seq: (http.isn + 1) >>> 0, ack: 5001 }]);
});

test('a wrong TCP checksum does not reject a reply (veth delivers partial checksums); a wrong IP checksum does', () => {
  const e = engine();
  const { records } = batch(e, [synAck(http, 80, { badTcpChecksum: true })]);
  assert.is(records.length, 1);
  const bad = synAck(ssh, 22);
  bad[14 + 10] ^= 0xff;
  assert.is(batch(e, [bad]).records.length, 0);
  assert.is(e.counters.malformed, 1);
});

test('zero window: open {zero_window} and an RST request, no probe', () => {
  const { records, requests } = batch(engine(), [synAck(http, 80, { window: 0 })]);
  assert.is(records.length, 1);
  assert.is(records[0].zero_window, true);
  assert.is(records[0].window, 0);
  assert.equal(requests.map((r) => [r.kind, r.seq, r.ack]), [[REPLY_RST, (http.isn + 1) >>> 0, 5001]]);
});

test('RST-ACK to our SYN: closed; a reset after our probe: counted, no record', () => {
  const e = engine();
  const rst = P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 0, ack: ssh.isn + 1, flags: 'RA', window: 0, ttl: 64, id: 0 }));
  const later = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 9, ack: http.isn + 1 + 30, flags: 'RA' }));
  const { records, requests } = batch(e, [rst, later]);
  assert.equal(records, [{ type: 'closed', ip: T, port: 22, sport: ssh.sport, ttl: 64, window: 0, ipid: 0, time_us: 1_700_000_000_000_000 }]);
  assert.is(requests.length, 0);
  assert.is(e.counters.reset, 1);
});

test('ICMP unreachable quoting our SYN: unreachable; quoting a SYN with another seq: bad_cookie', () => {
  const e = engine();
  const syn = P.tcp({ src: US, dst: T, sport: http.sport, dport: 80, seq: http.isn, ack: 0, flags: 'S' });
  const forged = P.tcp({ src: US, dst: T, sport: http.sport, dport: 80, seq: http.isn + 1, ack: 0, flags: 'S' });
  const { records } = batch(e, [
    P.ether(P.icmpError({ src: '198.18.200.1', dst: US, code: 13, ttl: 250 }, syn)),
    P.ether(P.icmpError({ src: '198.18.200.1', dst: US, code: 13 }, forged)),
  ]);
  assert.equal(records, [{ type: 'unreachable', ip: T, port: 80, sport: http.sport, from: '198.18.200.1', icmp_type: 3, icmp_code: 13, ttl: 250, time_us: 1_700_000_000_000_000 }]);
  assert.is(e.counters.bad_cookie, 1);
});

test('banner after our probe (d = probe length) and server-first (d = 0): record and RST past the data', () => {
  const e = engine();
  const probeLen = 77;
  const resp = 'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n';
  const greet = 'SSH-2.0-OpenSSH_9.2\r\n';
  const { records, requests } = batch(e, [
    P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 5001, ack: http.isn + 1 + probeLen, flags: 'PA', payload: resp, ttl: 57 })),
    P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 7001, ack: ssh.isn + 1, flags: 'FPA', payload: greet, ttl: 57 })),
  ]);
  assert.equal(records[0], { type: 'banner', ip: T, port: 80, sport: http.sport, ttl: 57, probe: 'http', len: resp.length, flags: 'PA',
    data: Buffer.from(resp).toString('base64'), time_us: 1_700_000_000_000_000 });
  assert.is(records[1].probe, 'null');
  assert.is(records[1].flags, 'FPA');
  assert.is(Buffer.from(records[1].data, 'base64').toString(), greet);
  assert.equal(requests.map((r) => [r.kind, r.dport, r.seq, r.ack]), [
    [REPLY_RST, 80, (http.isn + 1 + probeLen) >>> 0, 5001 + resp.length],
    [REPLY_RST, 22, (ssh.isn + 1) >>> 0, 7001 + greet.length + 1],   // the FIN takes a sequence number
  ]);
});

test('forged replies: wrong ack, off by one either way, wrong port, wrong address, d > 1400', () => {
  const e = engine();
  const f = (spec: Partial<P.TcpSpec>) => P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 1, ack: http.isn + 1, flags: 'SA', ...spec }));
  const { records, requests } = batch(e, [
    f({ ack: 12345 }),                          // random ack
    f({ ack: http.isn }),                       // ISN, not ISN+1
    f({ ack: http.isn + 2 }),                   // ISN+2
    f({ dport: http.sport + 1 }),               // a neighbouring port: another slot, another ISN
    f({ dport: http.sport + 16 }),              // another group: not the keyed port
    f({ dport: 1000 }),                         // outside the range
    f({ dst: '198.18.0.2' }),                   // not our address
    f({ src: '198.18.3.5' }),                   // another target: its cookie differs
    f({ sport: 81 }),                           // another target port
    f({ flags: 'PA', payload: 'x', ack: http.isn + 1 + 1401 }),   // beyond the longest probe
  ]);
  assert.equal(records, []);
  assert.equal(requests, []);
  const c = e.counters;
  // Ports and ISNs are both keyed on the whole tuple: another target or target port almost
  // surely lands off the keyed source port (1 in 1767), a neighbouring port on another ISN.
  assert.is(c.bad_cookie, 5);
  assert.is(c.wrong_port, 4);
  assert.is(c.not_ours, 1);
  assert.is(c.received, 10);
  assert.is(c.rejected, 10);
});

test('no record, no request: pure ACK, FIN without data, data with flags outside the allowlist, SYN, RST without ACK', () => {
  const e = engine();
  const f = (spec: Partial<P.TcpSpec>) => P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 1, ack: http.isn + 78, ...spec } as P.TcpSpec));
  const { records, requests } = batch(e, [
    f({ flags: 'A' }), f({ flags: 'FA' }), f({ flags: 'FA', payload: 'x' }), f({ flags: 'UPA', payload: 'x' }),
    f({ flags: 'S', ack: 0 }), f({ flags: 'R', ack: 0 }),
  ]);
  assert.equal(records, []);
  assert.equal(requests, []);
  assert.is(e.counters.no_data, 4);
  assert.is(e.counters.other, 2);
});

test('duplicates inside the window: one record; a retransmitted SYN-ACK is answered again; a new connection is probed again', () => {
  const e = engine();
  const a = batch(e, [synAck(http, 80), synAck(http, 80)]);
  const b = batch(e, [synAck(http, 80)]);
  // The server retransmits its SYN-ACK (same ISN) when it dropped our ACK+probe (full accept
  // queue): one open record in all, but every copy gets the ACK+probe again.
  assert.is(a.records.length, 1);
  assert.equal(a.requests.map((r) => [r.kind, r.ack]), [[REPLY_ACK_PROBE, 5001], [REPLY_ACK_PROBE, 5001]]);
  assert.is(b.records.length, 0);
  assert.equal(b.requests.map((r) => [r.kind, r.ack]), [[REPLY_ACK_PROBE, 5001]]);
  assert.is(e.counters.reanswer, 2);
  // blast --attempts 2: the server's second connection has a new ISN. Probe, do not report again.
  const c = batch(e, [synAck(http, 80, { seq: 777777 })]);
  assert.is(c.records.length, 0);
  assert.equal(c.requests.map((r) => [r.kind, r.ack]), [[REPLY_ACK_PROBE, 777778]]);
  // Banner retransmitted (our RST was lost), and a second segment: only the first is reported.
  const d1 = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 5001, ack: http.isn + 78, flags: 'A', payload: 'one' }));
  const d2 = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 5004, ack: http.isn + 78, flags: 'PA', payload: 'two' }));
  const d = batch(e, [d1, d1, d2]);
  assert.is(d.records.length, 1);
  // The retransmission gets nothing; the second segment gets an RST of its own, no record.
  assert.equal(d.requests.map((r) => [r.kind, r.ack]), [[REPLY_RST, 5004], [REPLY_RST, 5007]]);
  assert.is(e.counters.duplicate, 1);
  assert.is(e.counters.reprobe, 1);
  assert.is(e.counters.more_data, 1);
});

test('--max-banner truncates with truncated:true and the wire length', () => {
  const e = engine({ maxBanner: 4 });
  const { records } = batch(e, [P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 1, ack: ssh.isn + 1, flags: 'PA', payload: 'SSH-2.0-x\r\n' }))]);
  assert.is(records[0].len, 11);
  assert.is(records[0].truncated, true);
  assert.is(Buffer.from(records[0].data, 'base64').toString(), 'SSH-');
});

test('without --source-ip (ours = any) the cookie alone decides', () => {
  const e = engine({ ours: null });
  const { records } = batch(e, [synAck(http, 80), P.ether(P.tcp({ src: T, dst: '198.18.0.9', sport: 80, dport: http.sport, seq: 1, ack: http.isn + 1, flags: 'SA' }))]);
  assert.is(records.length, 1);
  assert.is(e.counters.not_ours, 0);
  assert.is(e.counters.bad_cookie + e.counters.wrong_port, 1);
});

test('--no-validate: every SYN-ACK, RST, ICMP error and banner, validated:false; the scanner\'s own packets skipped', () => {
  const e = engine({ validate: false, cookies: null, ours: null, portFilter: false, replies: false });
  const scanner = '198.18.0.50';
  const { records, requests } = batch(e, [
    P.ether(P.tcp({ src: scanner, dst: T, sport: 61000, dport: 80, seq: 1, ack: 0, flags: 'S' })),         // masscan's SYN
    P.ether(P.tcp({ src: T, dst: scanner, sport: 80, dport: 61000, seq: 9, ack: 2, flags: 'SA' })),       // reply
    P.ether(P.tcp({ src: scanner, dst: T, sport: 61000, dport: 80, seq: 2, ack: 10, flags: 'A', payload: 'GET /' })), // scanner's probe
    P.ether(P.tcp({ src: T, dst: scanner, sport: 22, dport: 61000, seq: 0, ack: 2, flags: 'RA' })),
    P.ether(P.tcp({ src: T, dst: scanner, sport: 80, dport: 61000, seq: 10, ack: 7, flags: 'PA', payload: 'HTTP/1.0 200' })),
    P.ether(P.icmpError({ src: '198.18.200.1', dst: scanner }, P.tcp({ src: scanner, dst: '198.18.9.9', sport: 61000, dport: 443, seq: 1, ack: 0, flags: 'S' }))),
  ]);
  assert.equal(records.map((r) => [r.type, r.ip, r.port, r.validated]), [
    ['open', T, 80, false], ['closed', T, 22, false], ['banner', T, 80, false], ['unreachable', '198.18.9.9', 443, false],
  ]);
  assert.is(records[2].probe, null);
  assert.equal(requests, []);
  assert.is(e.counters.not_ours, 1);
});

test('ARP requests for the address we answer for get a reply through inject', () => {
  const sent: Uint8Array[] = [];
  const e = engine({ arp: { ip: us, mac: P.macBytes(P.MAC_A), inject: (f) => sent.push(f) } });
  batch(e, [P.arpRequest(P.MAC_B, '198.18.0.254', US), P.arpRequest(P.MAC_B, '198.18.0.254', '198.18.0.77')]);
  assert.is(sent.length, 1);
  assert.is(Buffer.from(sent[0].subarray(0, 12)).toString('hex'), '02000000000b02000000000a');
  assert.is(e.counters.arp, 2); assert.is(e.counters.arp_replies, 1);
});

test('dedup window: new, same, changed; forgets after 2N keys; memory fixed', () => {
  const d = new DedupWindow(4);
  assert.is(d.check(0, 1, 2, 3), DEDUP_NEW);
  assert.is(d.check(0, 1, 2, 3), DEDUP_SAME);
  assert.is(d.check(0, 1, 2, 4), DEDUP_CHANGED);
  assert.is(d.check(1, 1, 2, 4), DEDUP_NEW);   // another kind is another key
  const bytes = d.bytes;
  for (let i = 0; i < 8; i++) d.check(0, 100 + i, 0, 0);
  assert.is(d.check(0, 1, 2, 4), DEDUP_NEW, 'forgotten after two generations');
  for (let i = 0; i < 3; i++) d.check(0, 200 + i, 0, 0);
  assert.is(d.check(0, 202, 0, 0), DEDUP_SAME, 'the last N are remembered');
  for (let i = 0; i < 100000; i++) d.check(2, i, i, 0);
  assert.is(d.bytes, bytes);
});

test('record bytes: integers, 53-bit times, addresses and literals written exactly as String() would', () => {
  const o = new AsciiOut();
  const want: string[] = [];
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0));
  const edges = [0, 9, 10, 99, 100, 101, 999, 1000, 9999, 10000, 65535, 99999999, 100000000, 999999999, 1000000000, 4294967295];
  for (const v of [...edges, ...Array.from({ length: 2000 }, () => rnd() >>> (rnd() & 31))]) { o.uint(v); o.byte(32); want.push(String(v)); }
  for (const t of [4294967296, 1_700_000_000_000_000, 1_700_000_099_999_999, 1_700_000_100_000_000, 1_799_999_999_999_999, 2 ** 53 - 1]) {
    o.uint53(t); o.byte(32); want.push(String(t));
  }
  for (let i = 0; i < 200; i++) { const v = rnd(); o.ip(v); o.byte(32); want.push(P.u32ToIp(v)); }
  for (const s of ['', 'a', 'abc', 'abcd', '{"type":"open","ip":"']) { o.lit(lit(s)); o.byte(32); want.push(s); }
  assert.is(Buffer.from(o.take()).toString('latin1'), want.map((w) => w + ' ').join(''));
  assert.is(o.take().length, 0);
});

test.run();
