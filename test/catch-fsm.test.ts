// The catch state machine on synthesized batches, with the TS reference cookie (no native
// module): which packets make which record and which reply request, and why the rest are dropped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from './packets';
import { CatchEngine, EngineConfig } from '../shared/catch/engine';
import { referenceCookies } from '../shared/catch/cookies';
import { DedupWindow, DEDUP_NEW, DEDUP_SAME, DEDUP_CHANGED } from '../shared/catch/dedup';
import { REPLY_ACK_DATA, REPLY_ACK_PROBE, REPLY_F_TS, REPLY_RST, REPLY_RST_LATER, REPLY_SYN_TSVAL } from '../shared/replies';
import { tsOffset, tsStamp } from '../shared/catch/ts-stamp';
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
    replies: true, arp: null, probe: true, rst: true, idleMs: 4000, ...over,
  }, 64);
}

/** Runs one batch of Ethernet frames; returns parsed records and decoded requests. */
function batch(e: CatchEngine, frames: Uint8Array[]) {
  const buf = new Uint8Array(1 << 16), meta = new Uint32Array(3 * 64), times = new Float64Array(64);
  let o = 0;
  frames.forEach((f, i) => { buf.set(f, o); meta[3 * i] = o; meta[3 * i + 1] = f.length; meta[3 * i + 2] = f.length; times[i] = 1_700_000_000_000_000 + i; o += f.length; });
  const text = Buffer.from(e.processBatch(1, buf, meta, times, frames.length)).toString('latin1');
  const records = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const full = decodeFrames(e.replyBuf, e.replyBytes);
  const requests = full.map(core);
  assert.is(requests.length, e.replyCount);
  return { records, requests, full, text };
}

const http = P.synTuple(KEY, US, T, 80, 1);
const ssh = P.synTuple(KEY, US, T, 22, 0);

function synAck(tu: { sport: number; isn: number }, port: number, extra: Partial<P.TcpSpec> = {}) {
  return P.ether(P.tcp({ src: T, dst: US, sport: port, dport: tu.sport, seq: 5000, ack: tu.isn + 1, flags: 'SA', ttl: 57, id: 99,
    options: { mss: 1460, sackOk: true, ts: [42, 0], wscale: 7 }, ...extra }));
}

test('valid SYN-ACK: open record with options and the server\'s ISN, and a kind-1 request (ACK + probe of the slot) stamped with it', () => {
  const e = engine();
  const { records, requests, full } = batch(e, [synAck(http, 80)]);
  assert.equal(records, [{
    type: 'open', ip: T, port: 80, sport: http.sport, ttl: 57, window: 64240, ipid: 99, mss: 1460, wscale: 7, sack_ok: true,
    tsval: 42, options: 'mss,sack,ts,nop,ws', seq: 5000, time_us: 1_700_000_000_000_000,
  }]);
  assert.equal(requests, [{ kind: REPLY_ACK_PROBE, slot: 1, daddr: t, saddr: us, dport: 80, sport: http.sport, seq: (http.isn + 1) >>> 0, ack: 5001 }]);
  // The window lets the whole response up to --max-banner (and one segment more) come at once;
  // the idle RST is armed; the TSval carries the server's ISN and the TSecr echoes its TSval.
  const [r] = full;
  assert.equal([r.window, r.wscale, r.delay_ms, r.flags, r.tsval, r.tsecr], [4096 + 1460, 0, 4000, REPLY_F_TS, tsStamp(5000, http.isn), 42]);
  // Without timestamps in the SYN-ACK, none in our ACK.
  const n = batch(engine(), [synAck(http, 80, { options: { mss: 1460 } })]).full[0];
  assert.equal([n.flags, n.tsval, n.tsecr], [0, 0, 0]);
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

test('RST-ACK to our SYN (seq 0): closed; a reset after our probe, or after a greeting: a segment R, no request', () => {
  const e = engine();
  const rst = P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 0, ack: ssh.isn + 1, flags: 'RA', window: 0, ttl: 64, id: 0 }));
  const later = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 9, ack: http.isn + 1 + 30, flags: 'RA' }));
  const greeted = P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 77, ack: ssh.isn + 1, flags: 'RA' }));
  const { records, requests } = batch(e, [rst, later, greeted]);
  assert.equal(records, [
    { type: 'closed', ip: T, port: 22, sport: ssh.sport, ttl: 64, window: 0, ipid: 0, time_us: 1_700_000_000_000_000 },
    { type: 'segment', ip: T, port: 80, sport: http.sport, our_ip: US, ttl: 64, probe: 'http', seq: 9, ack: (http.isn + 1 + 30) >>> 0, len: 0, flags: 'RA', data: '', time_us: 1_700_000_000_000_001 },
    { type: 'segment', ip: T, port: 22, sport: ssh.sport, our_ip: US, ttl: 64, probe: 'null', seq: 77, ack: (ssh.isn + 1) >>> 0, len: 0, flags: 'RA', data: '', time_us: 1_700_000_000_000_002 },
  ]);
  assert.is(requests.length, 0);
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

test('segments after our probe (d = probe length) and server-first (d = 0), no timestamps: records, no offset; idle RST, or RST past a FIN', () => {
  const e = engine();
  const probeLen = 77;
  const resp = 'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n';
  const greet = 'SSH-2.0-OpenSSH_9.2\r\n';
  const { records, requests, full } = batch(e, [
    P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 5001, ack: http.isn + 1 + probeLen, flags: 'PA', payload: resp, ttl: 57 })),
    P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 7001, ack: ssh.isn + 1, flags: 'FPA', payload: greet, ttl: 57 })),
  ]);
  assert.equal(records[0], { type: 'segment', ip: T, port: 80, sport: http.sport, our_ip: US, ttl: 57, probe: 'http', seq: 5001, ack: (http.isn + 1 + probeLen) >>> 0, len: resp.length,
    flags: 'PA', data: Buffer.from(resp).toString('base64'), time_us: 1_700_000_000_000_000 });
  assert.is(records[1].probe, 'null');
  assert.is(records[1].flags, 'FPA');
  assert.is(Buffer.from(records[1].data, 'base64').toString(), greet);
  // No offset, so no ACK: where --max-banner lies is unknown. The connection is reset when the
  // server has been quiet for --rst-idle; a FIN ends the response, and the RST goes now.
  assert.equal(requests.map((r) => [r.kind, r.dport, r.seq, r.ack]), [
    [REPLY_RST_LATER, 80, (http.isn + 1 + probeLen) >>> 0, 5001 + resp.length],
    [REPLY_RST, 22, (ssh.isn + 1) >>> 0, 7001 + greet.length + 1],   // the FIN takes a sequence number
  ]);
  assert.equal([full[0].delay_ms, full[0].flags, full[1].delay_ms], [4000, 0, 0]);
});

test('a server-first greeting (null probe) whose final line is in: RST now; a continuation line or a cut line waits for --rst-idle', () => {
  const e = engine();
  const seg = (seq: number, payload: string) => P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq, ack: ssh.isn + 1, flags: 'PA', payload, ttl: 57 }));
  const greetings = ['SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n', '220 (vsFTPd 3.0.3)\r\n', '220-first\r\n220-second\r\n', '220 ready', '+OK Dovecot ready.\r\n',
    'HTTP/1.1 200 OK\r\n'];
  const { requests } = batch(e, greetings.map((g, k) => seg(9001 + 1000 * k, g)));
  assert.equal(requests.map((r) => [r.kind, r.ack]), [
    [REPLY_RST, 9001 + greetings[0].length],
    [REPLY_RST, 10001 + greetings[1].length],
    [REPLY_RST_LATER, 11001 + greetings[2].length],   // 220- lines: the greeting goes on
    [REPLY_RST_LATER, 12001 + greetings[3].length],   // no line end yet
    [REPLY_RST, 13001 + greetings[4].length],
    [REPLY_RST_LATER, 14001 + greetings[5].length],   // a final-looking line, but not a greeting's
  ]);
  // The end of a line that began in an earlier segment is no final line.
  const late = batch(e, [seg(20001, ' ready\r\n')]);
  assert.equal(late.requests.map((r) => r.kind), [REPLY_RST_LATER]);
});

/** A segment of the server's response at `offset`, with the timestamps a Linux server sends after
 *  our ACK+probe (TSecr = our stamp of its ISN), or the tsecr given. */
function dataAt(srvIsn: number, offset: number, payload: string | Uint8Array, o: { flags?: string; tsecr?: number; probeLen?: number } = {}) {
  return P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: srvIsn + 1 + offset, ack: http.isn + 1 + (o.probeLen ?? 60),
    flags: o.flags ?? 'A', payload, options: { ts: [0x1234, o.tsecr ?? tsStamp(srvIsn, http.isn)] } }));
}

test('segments echoing our stamp: exact offsets, an ACK of each with the window kept one segment past --max-banner, then an RST at the limit', () => {
  const e = engine({ maxBanner: 4000 });
  const srv = 0xfffff000;   // the sequence numbers wrap inside the response
  const seg = (i: number) => 'x'.repeat(1448);
  const { records, full } = batch(e, [dataAt(srv, 0, seg(0)), dataAt(srv, 1448, seg(1)), dataAt(srv, 2896, seg(2))]);
  assert.equal(records.map((r) => [r.offset, r.len, r.truncated, Buffer.from(r.data, 'base64').length]),
    [[0, 1448, undefined, 1448], [1448, 1448, undefined, 1448], [2896, 1448, true, 4000 - 2896]]);
  assert.equal(records.map((r) => r.seq), [(srv + 1) >>> 0, (srv + 1449) >>> 0, (srv + 2897) >>> 0]);
  const ours = (http.isn + 61) >>> 0;
  assert.equal(full.map((r) => [r.kind, r.seq, r.ack, r.window, r.delay_ms, r.flags, r.tsval, r.tsecr]), [
    [REPLY_ACK_DATA, ours, (srv + 1449) >>> 0, 4000 + 1460 - 1448, 4000, REPLY_F_TS, tsStamp(srv, http.isn), 0x1234],
    [REPLY_ACK_DATA, ours, (srv + 2897) >>> 0, 4000 + 1460 - 2896, 4000, REPLY_F_TS, tsStamp(srv, http.isn), 0x1234],
    [REPLY_RST, ours, (srv + 4345) >>> 0, 0, 0, REPLY_F_TS, tsStamp(srv, http.isn), 0x1234],   // 4344 >= 4000: done
  ]);
  // A segment wholly past the limit (in flight when the RST left): reset again, no record.
  const past = batch(e, [dataAt(srv, 4344, seg(3))]);
  assert.equal(past.records, []);
  assert.equal(past.requests.map((r) => r.kind), [REPLY_RST]);
  assert.is(e.counters.beyond_limit, 1);
  assert.equal([e.counters.offset, e.counters.no_offset], [3, 0]);
});

test('the limit hit exactly: the segment that ends at --max-banner gets the RST, the one before it an ACK', () => {
  const e = engine({ maxBanner: 2000 });
  const { records, requests } = batch(e, [dataAt(9, 0, 'a'.repeat(1999)), dataAt(9, 1999, 'b')]);
  assert.equal(records.map((r) => [r.offset, r.len, r.truncated]), [[0, 1999, undefined], [1999, 1, undefined]]);
  assert.equal(requests.map((r) => r.kind), [REPLY_ACK_DATA, REPLY_RST]);
});

test('a FIN without data: segment FA of len 0 at its offset, and an RST past the FIN', () => {
  const e = engine();
  const { records, requests } = batch(e, [dataAt(500, 0, '', { flags: 'FA', probeLen: 0 })]);
  assert.equal(records.map((r) => [r.type, r.offset, r.len, r.flags, r.data]), [['segment', 0, 0, 'FA', '']]);
  assert.equal(requests.map((r) => [r.kind, r.seq, r.ack]), [[REPLY_RST, (http.isn + 1) >>> 0, 502]]);
});

test('a TSecr that is not our stamp (the SYN\'s TSval kept, a rewritten one): no offset, no ACK, the idle RST', () => {
  const e = engine();
  const { records, requests } = batch(e, [
    dataAt(1000, 0, 'one', { tsecr: REPLY_SYN_TSVAL }), dataAt(1000, 3, 'two', { tsecr: tsStamp(1000, http.isn) + 12345 }),
  ]);
  assert.equal(records.map((r) => r.offset), [undefined, undefined]);
  assert.equal(requests.map((r) => r.kind), [REPLY_RST_LATER, REPLY_RST_LATER]);
  assert.equal([e.counters.offset, e.counters.no_offset], [0, 2]);
});

test('timestamp stamp: every ISN and offset below 2^22 comes back; PAWS-safe; foreign TSecrs rarely pass (1 in 511)', () => {
  let seed = 99;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  let passed = 0;
  for (let i = 0; i < 20000; i++) {
    const srv = rnd(), ours = rnd(), off = rnd() & 0x3fffff;
    const ts = tsStamp(srv, ours);
    const v = (ts - REPLY_SYN_TSVAL) >>> 0;
    assert.ok(v >= 1 << 22 && v < 2 ** 31, 'above the SYN\'s TSval by less than 2^31, never equal to it');
    assert.is(tsOffset(ts, (srv + 1 + off) >>> 0, ours), off);
    if (tsOffset(rnd(), rnd(), ours) >= 0) passed++;
    assert.is(tsOffset(REPLY_SYN_TSVAL, rnd(), ours), -1);
  }
  assert.ok(passed < 20000 / 511 * 2, `${passed} random TSecrs decoded`);
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

test('no record, no request: pure ACK, data with flags outside the allowlist, SYN, RST without ACK; FIN alone or with data: segments', () => {
  const e = engine();
  const f = (spec: Partial<P.TcpSpec>) => P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 1, ack: http.isn + 78, ...spec } as P.TcpSpec));
  const { records } = batch(e, [
    f({ flags: 'A' }), f({ flags: 'FA' }), f({ flags: 'FA', payload: 'x' }), f({ flags: 'UPA', payload: 'x' }),
    f({ flags: 'S', ack: 0 }), f({ flags: 'R', ack: 0 }),
  ]);
  assert.equal(records.map((r) => [r.type, r.flags, r.len]), [['segment', 'FA', 0], ['segment', 'FA', 1]]);
  assert.is(e.counters.no_data, 2);
  assert.is(e.counters.other, 2);
});

test('duplicates inside the window: one record; a retransmitted SYN-ACK is answered again; a new connection is probed again, its open record repeated', () => {
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
  // blast --attempts 2: the server's second connection has a new ISN. Probe it, and write its
  // open record again marked repeat, so banners can join its segments through its seq.
  const c = batch(e, [synAck(http, 80, { seq: 777777 })]);
  assert.equal(c.records.map((r) => [r.type, r.seq, r.repeat]), [['open', 777777, true]]);
  assert.equal(c.requests.map((r) => [r.kind, r.ack]), [[REPLY_ACK_PROBE, 777778]]);
  assert.equal([e.counters.open, e.counters.repeat], [1, 1]);
  // A segment retransmitted (same seq, length, flags) is a duplicate; the same seq with more
  // bytes (the server resent it coalesced) is a segment of its own.
  const d1 = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 5001, ack: http.isn + 78, flags: 'A', payload: 'one' }));
  const d2 = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 5004, ack: http.isn + 78, flags: 'PA', payload: 'two' }));
  const d3 = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: http.sport, seq: 5001, ack: http.isn + 78, flags: 'PA', payload: 'onetwo' }));
  const d = batch(e, [d1, d1, d2, d3, d2]);
  assert.equal(d.records.map((r) => [r.seq, r.len]), [[5001, 3], [5004, 3], [5001, 6]]);
  assert.equal(d.requests.map((r) => [r.kind, r.ack]), [[REPLY_RST_LATER, 5004], [REPLY_RST_LATER, 5007], [REPLY_RST_LATER, 5007]]);
  assert.is(e.counters.duplicate, 2);
});

test('--no-probe resets every open port at once; --no-rst asks for no RST of any kind (ACKs only, nothing armed)', () => {
  const syn = batch(engine({ probe: false }), [synAck(http, 80)]);
  assert.equal(syn.records.map((r) => r.type), ['open']);
  assert.equal(syn.requests.map((r) => [r.kind, r.seq, r.ack]), [[REPLY_RST, (http.isn + 1) >>> 0, 5001]]);
  const e = engine({ rst: false });
  const n = batch(e, [synAck(http, 80), synAck(ssh, 22, { window: 0 }), dataAt(5000, 0, 'a'), dataAt(5000, 1, 'b', { flags: 'FPA' }),
    dataAt(5000, 2, 'c', { tsecr: 1 })]);
  assert.equal(n.full.map((r) => [r.kind, r.delay_ms]), [[REPLY_ACK_PROBE, 0], [REPLY_ACK_DATA, 0]]);
  assert.is(n.records.length, 5);
});

test('--max-banner cuts a segment\'s data only where its offset is known; the snap length cuts any (truncated, len from the wire)', () => {
  const e = engine({ maxBanner: 4 });
  const { records } = batch(e, [
    P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: ssh.sport, seq: 1, ack: ssh.isn + 1, flags: 'PA', payload: 'SSH-2.0-x\r\n' })),
    dataAt(7, 2, 'abcdef'),
  ]);
  assert.equal(records.map((r) => [r.len, r.truncated, Buffer.from(r.data, 'base64').toString()]), [[11, undefined, 'SSH-2.0-x\r\n'], [6, true, 'ab']]);
});

test('without --source-ip (ours = any) the cookie alone decides', () => {
  const e = engine({ ours: null });
  const { records } = batch(e, [synAck(http, 80), P.ether(P.tcp({ src: T, dst: '198.18.0.9', sport: 80, dport: http.sport, seq: 1, ack: http.isn + 1, flags: 'SA' }))]);
  assert.is(records.length, 1);
  assert.is(e.counters.not_ours, 0);
  assert.is(e.counters.bad_cookie + e.counters.wrong_port, 1);
});

test('replies to an address not ours whose cookie checks out (blast\'s --source-ip, not catch\'s): other_address, with the address; forged ones not_ours', () => {
  const e = engine();
  const OTHER = '198.18.0.9';
  const h = P.synTuple(KEY, OTHER, T, 80, 1), s = P.synTuple(KEY, OTHER, T, 22, 0);
  const f = (spec: Partial<P.TcpSpec>) => P.ether(P.tcp({ src: T, dst: OTHER, seq: 1, ...spec } as P.TcpSpec));
  const { records, requests } = batch(e, [
    f({ sport: 80, dport: h.sport, ack: h.isn + 1, flags: 'SA' }),          // an open port's answer
    f({ sport: 80, dport: h.sport, ack: h.isn + 1, flags: 'SA' }),          // again (counted again)
    f({ sport: 22, dport: s.sport, ack: s.isn + 1, flags: 'RA', seq: 0 }),  // a closed port's
    f({ sport: 80, dport: h.sport, ack: h.isn + 2, flags: 'SA' }),          // forged: not_ours
    f({ sport: 22, dport: s.sport, ack: s.isn + 1, flags: 'RA', seq: 7 }),  // a reset later on: not_ours
    f({ sport: 80, dport: h.sport, ack: h.isn + 1, flags: 'PA', payload: 'x' }),  // data: not_ours, unchecked
    f({ sport: 80, dport: 1000, ack: h.isn + 1, flags: 'SA' }),             // outside our ports: not_ours
    synAck(http, 80),                                                       // ours, in the same batch
  ]);
  assert.equal(records.map((r) => r.type), ['open']);
  assert.is(requests.length, 1, 'nothing is asked for the other address');
  const c = e.counters;
  assert.equal([c.other_address, c.not_ours, c.open, c.rejected, c.received], [3, 4, 1, 7, 8]);
  assert.equal(e.otherAddresses(), [{ address: OTHER, count: 3 }]);
  // Without --source-ip and with --pcap (ours = any) there is no other address.
  const any = engine({ ours: null });
  batch(any, [f({ sport: 80, dport: h.sport, ack: h.isn + 1, flags: 'SA' })]);
  assert.equal([any.counters.other_address, any.counters.open], [0, 1]);
});

test('--no-validate: every SYN-ACK, RST, ICMP error and segment, validated:false; the scanner\'s data as sent, its other packets skipped', () => {
  const e = engine({ validate: false, cookies: null, ours: null, portFilter: false, replies: false });
  const scanner = '198.18.0.50';
  const { records, requests } = batch(e, [
    P.ether(P.tcp({ src: scanner, dst: T, sport: 61000, dport: 80, seq: 1, ack: 0, flags: 'S' })),         // masscan's SYN
    P.ether(P.tcp({ src: T, dst: scanner, sport: 80, dport: 61000, seq: 9, ack: 2, flags: 'SA' })),       // reply
    P.ether(P.tcp({ src: scanner, dst: T, sport: 61000, dport: 80, seq: 2, ack: 10, flags: 'A', payload: 'GET /' })), // scanner's probe
    P.ether(P.tcp({ src: T, dst: scanner, sport: 22, dport: 61000, seq: 0, ack: 2, flags: 'RA' })),
    P.ether(P.tcp({ src: T, dst: scanner, sport: 80, dport: 61000, seq: 10, ack: 7, flags: 'PA', payload: 'HTTP/1.0 200' })),
    P.ether(P.icmpError({ src: '198.18.200.1', dst: scanner }, P.tcp({ src: scanner, dst: '198.18.9.9', sport: 61000, dport: 443, seq: 1, ack: 0, flags: 'S' }))),
    P.ether(P.tcp({ src: scanner, dst: T, sport: 61000, dport: 80, seq: 7, ack: 10, flags: 'FA' })),        // the scanner's FIN: no data
    P.ether(P.tcp({ src: scanner, dst: T, sport: 61000, dport: 80, seq: 2, ack: 10, flags: 'A', payload: 'GET /' })), // retransmitted
  ]);
  assert.equal(records.map((r) => [r.type, r.ip, r.port, r.validated]), [
    ['open', T, 80, false], ['sent', T, 80, false], ['closed', T, 22, false], ['segment', T, 80, false], ['unreachable', '198.18.9.9', 443, false],
  ]);
  assert.equal([records[1].sport, records[1].seq, records[1].ack, records[1].len, records[1].flags, records[1].data],
    [61000, 2, 10, 5, 'A', Buffer.from('GET /').toString('base64')]);
  assert.is(records[3].probe, null);
  assert.equal(requests, []);
  assert.equal([e.counters.sent, e.counters.not_ours, e.counters.duplicate], [1, 1, 1]);
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
