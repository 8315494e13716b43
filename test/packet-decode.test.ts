// Decoder unit tests on bytes: every link type, IPv4 options, TCP options, ICMP quotes, ARP,
// and truncation at every length (never a throw, never a read past the captured bytes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as P from './packets';
import { D_ARP, D_FRAGMENT, D_ICMP, D_ICMP_UDP, D_MALFORMED, D_NOT_IP, D_OTHER, D_TCP, D_UDP, Decoded, decodePacket } from '../shared/packet/decode';
import { DLT_EN10MB, DLT_IPV4, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_LOOP, DLT_NULL, DLT_RAW } from '../shared/packet/link';
import { parseTcpOptions, TcpOptions, flagString, kindsString } from '../shared/packet/tcp-options';
import { formatIPv4, parseIPv4 } from '../shared/ipv4';
import { arpReply, parseMac } from '../shared/packet/arp';

const US = '198.18.0.1', T = '198.18.7.9';

function synAck(extra: Partial<P.TcpSpec> = {}) {
  return P.tcp({ src: T, dst: US, sport: 443, dport: 40001, seq: 0x11223344, ack: 0xdeadbeef, flags: 'SA', window: 65160,
    ttl: 61, id: 777, options: { mss: 1460, sackOk: true, ts: [123456, 0], wscale: 7 }, ...extra });
}

function dec(lt: number, f: Uint8Array, cap = f.length, wire = f.length, off = 0, buf = f) {
  const d = new Decoded();
  return { r: decodePacket(lt, buf, off, cap, wire, d), d };
}

test('SYN-ACK over Ethernet: every field', () => {
  const { r, d } = dec(DLT_EN10MB, P.ether(synAck()));
  assert.is(r, D_TCP);
  assert.is(formatIPv4(d.saddr), T); assert.is(formatIPv4(d.daddr), US);
  assert.is(d.sport, 443); assert.is(d.dport, 40001);
  assert.is(d.seq, 0x11223344); assert.is(d.ack, 0xdeadbeef);
  assert.is(flagString(d.flags), 'SA'); assert.is(d.window, 65160); assert.is(d.ttl, 61); assert.is(d.ipid, 777);
  assert.is(d.payLen, 0); assert.is(d.tcpHl, 40);
});

test('the same SYN-ACK through every supported link type', () => {
  const ip = synAck();
  const frames: [string, number, Uint8Array][] = [
    ['ethernet', DLT_EN10MB, P.ether(ip)],
    ['802.1Q', DLT_EN10MB, P.ether(ip, { vlans: [42] })],
    ['802.1ad QinQ', DLT_EN10MB, P.ether(ip, { vlans: [100, 42] })],
    ['SLL', DLT_LINUX_SLL, P.sll(ip)],
    ['SLL2', DLT_LINUX_SLL2, P.sll2(ip)],
    ['raw', DLT_RAW, ip],
    ['ipv4', DLT_IPV4, ip],
    ['null', DLT_NULL, Uint8Array.from([2, 0, 0, 0, ...ip])],
    ['loop', DLT_LOOP, Uint8Array.from([0, 0, 0, 2, ...ip])],
  ];
  for (const [name, lt, f] of frames) {
    const { r, d } = dec(lt, f);
    assert.is(r, D_TCP, name);
    assert.is(d.seq, 0x11223344, name);
    assert.is(d.dport, 40001, name);
  }
});

test('IPv4 options move the TCP header; payload bounds come from the IP total length, not the padding', () => {
  const ip = P.tcp({ src: T, dst: US, sport: 22, dport: 40001, seq: 5, ack: 6, flags: 'PA', payload: 'SSH-2.0-x\r\n',
    ipOptions: Uint8Array.from([1, 1, 1, 0]) });
  const { r, d } = dec(DLT_EN10MB, P.ether(ip));
  assert.is(r, D_TCP);
  assert.is(d.tcpOff, 14 + 24);
  assert.is(d.payLen, 11); assert.is(d.payCap, 11);
  // A tiny segment padded to 60 bytes on Ethernet: the padding is not payload.
  const small = P.ether(P.tcp({ src: T, dst: US, sport: 22, dport: 40001, seq: 5, ack: 6, flags: 'PA', payload: 'x' }));
  assert.is(small.length, 60);
  const s = dec(DLT_EN10MB, small);
  assert.is(s.r, D_TCP); assert.is(s.d.payLen, 1);
});

test('ICMP port unreachable: the quoted SYN tuple and seq', () => {
  const syn = P.tcp({ src: US, dst: T, sport: 40001, dport: 8080, seq: 0xcafef00d, ack: 0, flags: 'S' });
  const { r, d } = dec(DLT_EN10MB, P.ether(P.icmpError({ src: '198.18.9.9', dst: US, code: 1, ttl: 250 }, syn)));
  assert.is(r, D_ICMP);
  assert.is(formatIPv4(d.saddr), '198.18.9.9');
  assert.is(formatIPv4(d.qSaddr), US); assert.is(formatIPv4(d.qDaddr), T);
  assert.is(d.sport, 40001); assert.is(d.dport, 8080); assert.is(d.seq, 0xcafef00d);
  assert.is(d.icmpType, 3); assert.is(d.icmpCode, 1); assert.is(d.ttl, 250);
  // Time exceeded and echo replies are not ours to report.
  assert.is(dec(DLT_EN10MB, P.ether(P.icmpError({ src: T, dst: US, type: 11, code: 0 }, syn))).r, D_OTHER);
  // A quoted UDP datagram is not one of our SYNs: D_ICMP_UDP, its ports as sent.
  const udp = P.ipv4({ src: US, dst: T, proto: 17 }, Uint8Array.of(0x9c, 0x41, 0, 53, 0, 8, 0, 0));
  const q = dec(DLT_EN10MB, P.ether(P.icmpError({ src: T, dst: US }, udp)));
  assert.is(q.r, D_ICMP_UDP);
  assert.is(q.d.sport, 40001); assert.is(q.d.dport, 53); assert.is(q.d.payCap, 0);
});

test('rejects: bad IP checksum, fragments, IPv6, bad UDP lengths, other protocols, bad TCP data offset', () => {
  const bad = P.ipv4({ src: T, dst: US, proto: 6, badChecksum: true }, P.tcp({ src: T, dst: US, sport: 1, dport: 2, seq: 0, ack: 0, flags: 'SA' }).subarray(20));
  assert.is(dec(DLT_RAW, bad).r, D_MALFORMED);
  assert.is(dec(DLT_RAW, P.tcp({ src: T, dst: US, sport: 1, dport: 2, seq: 0, ack: 0, flags: 'SA', fragment: 0x2000 })).r, D_FRAGMENT);
  assert.is(dec(DLT_RAW, P.tcp({ src: T, dst: US, sport: 1, dport: 2, seq: 0, ack: 0, flags: 'SA', fragment: 0x0010 })).r, D_FRAGMENT);
  // An IPv6 frame whose header says version 0; and a bare IPv6 header with next header 0
  // (hop-by-hop) and no room for it.
  assert.is(dec(DLT_EN10MB, P.ether(new Uint8Array(40), { type: 0x86dd })).r, D_MALFORMED);
  assert.is(dec(DLT_RAW, Uint8Array.from([0x60, ...new Uint8Array(39)])).r, D_MALFORMED);
  assert.is(dec(DLT_EN10MB, P.ether(new Uint8Array(28), { type: 0x88cc })).r, D_NOT_IP);
  // UDP: its length field must cover its header and lie within the packet.
  assert.is(dec(DLT_RAW, P.ipv4({ src: T, dst: US, proto: 17 }, new Uint8Array(8))).r, D_MALFORMED);
  assert.is(dec(DLT_RAW, P.ipv4({ src: T, dst: US, proto: 17 }, Uint8Array.of(0, 53, 0x9c, 0x41, 0, 12, 0, 0, 1, 2))).r, D_MALFORMED);
  const u = dec(DLT_RAW, P.ipv4({ src: T, dst: US, proto: 17 }, Uint8Array.of(0, 53, 0x9c, 0x41, 0, 10, 0, 0, 1, 2, 0)));
  assert.is(u.r, D_UDP);
  assert.is(u.d.sport, 53); assert.is(u.d.dport, 40001); assert.is(u.d.payLen, 2); assert.is(u.d.payCap, 2);
  assert.is(dec(DLT_RAW, P.ipv4({ src: T, dst: US, proto: 47 }, new Uint8Array(8))).r, D_OTHER);
  const doff = P.tcp({ src: T, dst: US, sport: 1, dport: 2, seq: 0, ack: 0, flags: 'SA' });
  doff[20 + 12] = 0x40;   // data offset 4 words: below the minimum
  assert.is(dec(DLT_RAW, doff).r, D_MALFORMED);
  doff[20 + 12] = 0xf0;   // 60 bytes of header in a 20-byte segment
  assert.is(dec(DLT_RAW, doff).r, D_MALFORMED);
  assert.is(dec(999, P.ether(synAck())).r, D_NOT_IP);
});

test('truncated at every length: malformed, never a throw, never a read past the captured bytes', () => {
  const banner = P.tcp({ src: T, dst: US, sport: 80, dport: 40001, seq: 1, ack: 2, flags: 'PA', payload: 'HTTP/1.1 200 OK\r\n\r\n' });
  const syn = P.tcp({ src: US, dst: T, sport: 40001, dport: 80, seq: 3, ack: 0, flags: 'S', options: { mss: 1460 } });
  const cases: [string, number, Uint8Array, number, number][] = [
    // name, linktype, frame, where the IP packet ends in the frame, expected result when whole
    ['eth syn-ack', DLT_EN10MB, P.ether(synAck()), 14 + synAck().length, D_TCP],
    ['vlan banner', DLT_EN10MB, P.ether(banner, { vlans: [7] }), 18 + banner.length, D_TCP],
    ['sll2 icmp', DLT_LINUX_SLL2, P.sll2(P.icmpError({ src: T, dst: US }, syn)), 20 + 20 + 8 + 28, D_ICMP],
    ['raw icmp quoting options', DLT_RAW, P.icmpError({ src: T, dst: US, quoteBytes: 44 }, syn), 20 + 8 + 44, D_ICMP],
    ['arp', DLT_EN10MB, P.arpRequest(P.MAC_A, '198.18.0.254', US), 14 + 28, D_ARP],
  ];
  for (const [name, lt, f, ipEnd, whole] of cases) {
    for (let len = 0; len <= f.length; len++) {
      let r = 0;
      // The full frame stays in the buffer past `len`: a decoder reading beyond the captured
      // bytes would find a valid packet there and not report it malformed.
      try { r = dec(lt, f, len, len, 0, f).r; } catch (e) { assert.unreachable(`${name}: threw at length ${len}: ${e}`); }
      if (len < ipEnd) assert.ok(r === D_MALFORMED || (lt === DLT_EN10MB && len < 14 && r === D_MALFORMED), `${name} at ${len}: ${r}`);
      else assert.is(r, whole, `${name} at ${len}`);
    }
  }
});

test('cut by the snapshot length: headers whole, payload partial (payCap < payLen)', () => {
  const payload = 'x'.repeat(500);
  const f = P.ether(P.tcp({ src: T, dst: US, sport: 80, dport: 40001, seq: 1, ack: 2, flags: 'PA', payload }));
  const { r, d } = dec(DLT_EN10MB, f, 100, f.length);
  assert.is(r, D_TCP);
  assert.is(d.payLen, 500); assert.is(d.payCap, 100 - 54);
  // Cut inside the TCP header even though the wire had it: malformed.
  assert.is(dec(DLT_EN10MB, f, 40, f.length).r, D_MALFORMED);
});

test('random bytes and mutated frames never make the decoder throw', () => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8);
  const base = P.ether(synAck());
  for (let i = 0; i < 20000; i++) {
    const f = i % 2 ? Uint8Array.from({ length: rnd() % 120 }, () => rnd() & 255) : base.slice();
    if (i % 2 === 0) for (let k = 0; k < 4; k++) f[rnd() % f.length] = rnd() & 255;
    for (const lt of [DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL]) {
      try { dec(lt, f, f.length, f.length + (rnd() & 1) * 10); } catch (e) { assert.unreachable(`threw on ${Buffer.from(f).toString('hex')}: ${e}`); }
    }
  }
});

test('TCP options: Linux layout, order, values; malformed lists stop with "bad"', () => {
  const o = new TcpOptions();
  const f = synAck();
  parseTcpOptions(f, 40, 60, o);
  assert.is(kindsString(o), 'mss,sack,ts,nop,ws');
  assert.is(o.mss, 1460); assert.is(o.wscale, 7); assert.is(o.sackOk, true); assert.is(o.tsval, 123456);
  const none = parseTcpOptions(new Uint8Array(0), 0, 0, o);
  assert.is(kindsString(none), ''); assert.is(none.mss, -1);
  assert.is(kindsString(parseTcpOptions(Uint8Array.from([2, 4, 5]), 0, 3, o)), 'mss,bad');
  assert.is(kindsString(parseTcpOptions(Uint8Array.from([2, 1, 5, 180]), 0, 4, o)), 'mss,bad');
  assert.is(kindsString(parseTcpOptions(Uint8Array.from([30, 4, 0, 0, 0, 0]), 0, 6, o)), '30,eol');
  assert.is(kindsString(parseTcpOptions(Uint8Array.from([1, 1, 2]), 0, 3, o)), 'nop,nop,mss,bad');
});

test('ARP request decoded and answered with our MAC', () => {
  const f = P.arpRequest('02:00:00:00:00:77', '198.18.0.254', US);
  const { r, d } = dec(DLT_EN10MB, f);
  assert.is(r, D_ARP);
  assert.is(formatIPv4(d.arpTpa), US); assert.is(formatIPv4(d.arpSpa), '198.18.0.254');
  const mac = parseMac('02:00:00:00:00:0a')!;
  const rep = arpReply(mac, parseIPv4(US) as number, f, d.arpShaOff, d.arpSpa);
  assert.is(Buffer.from(rep.subarray(0, 14)).toString('hex'), '020000000077' + '02000000000a' + '0806');
  assert.is(Buffer.from(rep.subarray(14, 42)).toString('hex'),
    '0001080006040002' + '02000000000a' + 'c6120001' + '020000000077' + 'c61200fe');
  // An ARP reply is not a request to answer.
  const reply = dec(DLT_EN10MB, P.ether(rep.subarray(14, 42), { type: 0x0806 }));
  assert.is(reply.r, D_NOT_IP);
  assert.is(parseMac('zz:00:00:00:00:00'), null);
});

test('address text round trip', () => {
  for (const a of ['0.0.0.0', '255.255.255.255', '198.18.0.1', '10.200.3.4']) assert.is(formatIPv4(parseIPv4(a) as number), a);
  assert.type(parseIPv4('256.0.0.1'), 'string');
  assert.type(parseIPv4('1.2.3'), 'string');
});

test.run();
