// The Sender's IPv6 frames in pcap mode, checked independently of the C++ code (test/packets6.ts
// recomputes the checksum over the IPv6 pseudo header): SYNs in every option layout, batches
// mixing both families, the IPv6 ACK+probe (the Host header's address in brackets) and RST,
// forged IPv6 requests refused, and the arguments of the family API.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readPcapFile } from './packets';
import { a6, checkSeg6 } from './packets6';
import { loadNative, SenderOptions } from '../native/index';
import { checkSourcePort6, isn, isn6, sourcePort6 } from '../shared/cookie';
import {
  encodeReply, ReplyRequest, REPLY_ACK_DATA, REPLY_ACK_PAYLOAD, REPLY_ACK_PROBE, REPLY_F_TS, REPLY_KINDS, REPLY_MAX_FRAME, REPLY_RST,
  REPLY_SYN_TSVAL,
} from '../shared/replies';

const native = loadNative();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-native6-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x50 + i);
const SRC6 = '2001:db8:ff::1', SRC4 = '198.18.0.1';
const BASE = 32768, COUNT = 61000 - 32768 + 1;
const MAC6 = '02:00:00:00:00:66';

function opts(file: string, extra: Partial<SenderOptions> = {}): SenderOptions {
  return {
    pcapFile: file, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp6: SRC6,
    ttl: 61, synOptions: 'linux', key: KEY, sportBase: BASE, sportCount: COUNT, ...extra,
  };
}

function frames(reqs: ReplyRequest[]): Uint8Array {
  const buf = new Uint8Array(reqs.length * REPLY_MAX_FRAME);
  let o = 0;
  for (const r of reqs) o += encodeReply(r, buf, o);
  return buf.subarray(0, o);
}

// Targets spread over a /112 and a few odd addresses (zero runs in every place, IPv4-mapped).
const N = 200;
const addrs = new Uint8Array(16 * N), ports = new Uint16Array(N), slots = new Uint8Array(N), fams = new Uint8Array(N).fill(6);
const texts: string[] = [];
for (let i = 0; i < N; i++) {
  const t = i === 0 ? '2001:db8::1' : i === 1 ? '1::' : i === 2 ? '2001:0:0:1::1' : i === 3 ? '::ffff:1.2.3.4'
    : `2001:db8:1::${((i * 331) & 0xffff).toString(16)}`;
  texts.push(t);
  addrs.set(a6(t), 16 * i); ports[i] = [80, 443, 22, 65535, 1][i % 5]; slots[i] = i % 16;
}
const noIps = new Uint32Array(N);

test('IPv6 SYNs: headers, pseudo-header checksum, hop limit, ISN and keyed source port over the 128-bit tuple', () => {
  const file = path.join(dir, 'syn6.pcap');
  const s = new native.Sender(opts(file));
  assert.is(s.sendSyns(noIps, ports, slots, N, fams, addrs), N);
  s.close();
  const got = readPcapFile(file);
  assert.is(got.length, N);
  got.forEach((f, i) => {
    assert.is(f.data.length, 74 + 20, 'Ethernet 14 + IPv6 40 + TCP 20 + linux options 20');
    const p = checkSeg6(f.data);
    assert.is(p.dstMac, '02:00:00:00:00:02'); assert.is(p.srcMac, '02:00:00:00:00:01');
    assert.is(p.src, SRC6); assert.is(p.dst, texts[i]); assert.is(p.hop, 61);
    assert.is(p.dport, ports[i]); assert.is(p.flags, 0x02, 'SYN only'); assert.is(p.ack, 0);
    const d = addrs.subarray(16 * i, 16 * i + 16);
    assert.is(p.sport, sourcePort6(KEY, a6(SRC6), d, ports[i], slots[i], BASE, COUNT), `sport ${i}`);
    assert.is(checkSourcePort6(KEY, a6(SRC6), d, ports[i], p.sport, BASE, COUNT), slots[i], `slot ${i}`);
    assert.is(p.seq, isn6(KEY, a6(SRC6), d, p.sport, ports[i]), `ISN ${i}`);
    assert.is(p.payload.length, 0);
  });
});

test('IPv6 SYN option layouts: the IPv4 layouts and windows, byte for byte', () => {
  const want: Record<string, [number[], number]> = {
    linux: [[2, 4, 8, 1, 3], 64240], windows: [[2, 1, 3, 1, 1, 4], 64240], bsd: [[2, 1, 3, 4, 8], 65535], none: [[], 1024],
  };
  for (const [name, [kinds, window]] of Object.entries(want)) {
    const file6 = path.join(dir, `opt6-${name}.pcap`), file4 = path.join(dir, `opt4-${name}.pcap`);
    const s = new native.Sender(opts(file6, { synOptions: name as SenderOptions['synOptions'] }));
    assert.is(s.sendSyns(noIps, ports, slots, 10, fams, addrs), 10);
    s.close();
    const s4 = new native.Sender(opts(file4, { srcIp6: undefined, srcIp: SRC4, synOptions: name as SenderOptions['synOptions'] }));
    assert.is(s4.sendSyns(Uint32Array.of(0xc6120005), ports, slots, 1), 1);
    s4.close();
    const v4opts = readPcapFile(file4)[0].data.subarray(54);
    for (const f of readPcapFile(file6)) {
      const p = checkSeg6(f.data);
      assert.equal(p.opts, kinds, name);
      assert.is(p.window, window, `${name} window`);
      assert.equal(Array.from(p.options), Array.from(v4opts), `${name}: the same option bytes as the IPv4 SYN`);
    }
  }
});

test('one batch mixing both families: each target from its family\'s source, to its family\'s next hop', () => {
  const file = path.join(dir, 'mixed.pcap');
  const s = new native.Sender(opts(file, { srcIp: SRC4, dstMac6: MAC6 }));
  const n = 3000;   // above the two-lane split of a live sender; pcap mode takes it in one lane
  const ips = new Uint32Array(n), f = new Uint8Array(n), a = new Uint8Array(16 * n), p = new Uint16Array(n), sl = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    f[i] = i % 3 === 0 ? 4 : 6; p[i] = 80;
    ips[i] = 0xc6130000 + i;
    a.set(addrs.subarray(16 * (i % N), 16 * (i % N) + 16), 16 * i);
  }
  assert.is(s.sendSyns(ips, p, sl, n, f, a), n);
  s.close();
  readPcapFile(file).forEach((fr, i) => {
    if (f[i] === 4) {
      assert.is(fr.data.readUInt16BE(12), 0x0800, `frame ${i} is IPv4`);
      assert.is(fr.data.subarray(0, 6).toString('hex'), '020000000002');
      assert.is(fr.data.readUInt32BE(14 + 16), ips[i]);
      const sport = fr.data.readUInt16BE(34);
      assert.is(fr.data.readUInt32BE(38), isn(KEY, 0xc6120001, ips[i], sport, 80));
    } else {
      const q = checkSeg6(fr.data);
      assert.is(q.dstMac, MAC6); assert.is(q.dst, texts[i % N]); assert.is(q.src, SRC6);
    }
  });
});

test('linkHeader false (a tun link): the same packets from the IP header on, in a DLT_RAW pcap', () => {
  const eth = path.join(dir, 'eth.pcap'), raw = path.join(dir, 'raw.pcap');
  const n = 30;
  const ips = new Uint32Array(n).map((_, i) => 0xc6120000 + i), f = new Uint8Array(n).map((_, i) => (i % 2 ? 6 : 4));
  const p = new Uint16Array(n).fill(443), sl = new Uint8Array(n);
  for (const [file, linkHeader] of [[eth, true], [raw, false]] as const) {
    const s = new native.Sender(opts(file, { srcIp: SRC4, linkHeader }));
    assert.is(s.sendSyns(ips, p, sl, n, f, addrs.subarray(0, 16 * n)), n);
    s.close();
  }
  const e = readPcapFile(eth), r = readPcapFile(raw, 101);   // LINKTYPE_RAW
  r.forEach((fr, i) => {
    assert.is(fr.data[0] >> 4, f[i], `packet ${i}: IPv${f[i]} from its first byte`);
    // Same packet but for the IPv4 ID (random per packet): compare with the ID zeroed.
    const want = Buffer.from(e[i].data.subarray(14)), got = Buffer.from(fr.data);
    if (f[i] === 4) { want.writeUInt16BE(0, 4); got.writeUInt16BE(0, 4); want.writeUInt16BE(0, 10); got.writeUInt16BE(0, 10); }
    assert.ok(got.equals(want), `packet ${i}`);
  });
  assert.throws(() => new native.Sender(opts(raw, { linkHeader: 'no' as unknown as boolean })), /options\.linkHeader must be a boolean/);
});

function request6(kind: number, slot: number, dst: string, dport: number, seqDelta: number, ack: number,
  o: { sport?: number; src?: string } = {}): ReplyRequest {
  const d = a6(dst), sa = a6(SRC6);
  const sport = o.sport ?? sourcePort6(KEY, sa, d, dport, slot, BASE, COUNT);
  return {
    kind, slot, family: 6, daddr: 0, saddr: 0, daddr6: d, saddr6: a6(o.src ?? SRC6), dport, sport,
    seq: (isn6(KEY, sa, d, sport, dport) + 1 + seqDelta) >>> 0, ack,
  };
}

test('IPv6 replies: ACK+probe with the bracketed address in Host, ACK of data, ACK+payload, RST, timestamps as asked; forged ones refused', () => {
  const file = path.join(dir, 'replies6.pcap');
  const s = new native.Sender(opts(file, { probeWindow: 512, dstMac6: MAC6 }));
  const enc = new TextEncoder();
  s.setProbe(3, enc.encode('GET / HTTP/1.1\r\nHost: '), enc.encode('\r\n\r\n'));
  const T = '2001:db8:1::2a';
  const ts = { flags: REPLY_F_TS, tsval: REPLY_SYN_TSVAL + 0x1234, tsecr: 0xcafef00d };
  const reqs = [
    { ...request6(REPLY_ACK_PROBE, 3, T, 80, 0, 0x11111111), ...ts },        // good, Host template, timestamps
    request6(REPLY_RST, 3, T, 80, 38, 0x22222222),                         // good RST after 38 bytes, no timestamps
    request6(REPLY_ACK_PROBE, 3, T, 80, 1, 0x33333333),                    // forged: seq ISN+2
    request6(REPLY_RST, 3, T, 80, 0, 0x44444444, { src: '2001:db8:ff::2' }), // forged: not our address
    request6(REPLY_RST, 3, T, 80, 0, 0x55555555, { sport: 33001 }),        // forged: port not keyed
    { ...request6(REPLY_RST, 3, T, 80, 0, 1), family: 4 },                 // the IPv6 bytes read as IPv4: not ours
    request6(REPLY_ACK_PROBE, 3, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 8080, 0, 0x66666666), // the longest address
    { ...request6(REPLY_ACK_DATA, 3, T, 80, 38, 0x77777777), window: 9000, ...ts },   // good: ACK of data, its window
    { ...request6(REPLY_ACK_PAYLOAD, 3, T, 80, 38, 0x88888888), payload: enc.encode('second flight'), ...ts }, // good
    { ...request6(REPLY_RST, 3, T, 80, 38, 0x99999999), ...ts },           // good RST with timestamps
    { ...request6(REPLY_RST, 3, T, 80, 38, 1), kind: REPLY_KINDS.RST_LATER.n, delay_ms: 100 }, // blast's queue, never here
    { ...request6(REPLY_ACK_DATA, 3, T, 80, 1401, 1) },                    // forged: beyond MAX_PROBE_LEN
  ];
  assert.is(s.sendReplies(frames(reqs), reqs.length), reqs.length);
  const st = s.stats();
  s.close();
  assert.is(st.replies_sent, 6); assert.is(st.replies_rejected, 6);
  const [http, rst, longest, data, pay, rstTs] = readPcapFile(file).map((f) => checkSeg6(f.data));
  assert.is(new TextDecoder().decode(http.payload), `GET / HTTP/1.1\r\nHost: [${T}]\r\n\r\n`);
  assert.is(http.flags, 0x18); assert.is(http.window, 512); assert.is(http.dstMac, MAC6);
  assert.is(http.src, SRC6); assert.is(http.dst, T); assert.is(http.seq, reqs[0].seq); assert.is(http.ack, 0x11111111);
  assert.is(rst.flags, 0x14); assert.is(rst.seq, reqs[1].seq); assert.is(rst.ack, 0x22222222); assert.is(rst.payload.length, 0);
  assert.is(new TextDecoder().decode(longest.payload), 'GET / HTTP/1.1\r\nHost: [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]\r\n\r\n');
  assert.equal([data.flags, data.seq, data.ack, data.window, data.payload.length], [0x10, reqs[7].seq, 0x77777777, 9000, 0]);
  assert.equal([pay.flags, pay.seq, pay.ack, new TextDecoder().decode(pay.payload)], [0x18, reqs[8].seq, 0x88888888, 'second flight']);
  assert.equal([rstTs.flags, rstTs.seq, rstTs.ack, rstTs.window], [0x14, reqs[9].seq, 0x99999999, 0]);
  // NOP,NOP,TS with the request's TSval and TSecr where it says so; no option where it does not.
  const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  for (const f of [http, data, pay, rstTs]) {
    assert.equal(f.opts, [1, 1, 8]);
    assert.is(u32(f.options, 4), ts.tsval); assert.is(u32(f.options, 8), ts.tsecr);
  }
  for (const f of [rst, longest]) assert.is(f.options.length, 0);
});

test('{ip} in IPv6 replies is RFC 5952 text as shared/ipv6.ts writes it (zero runs anywhere, IPv4-mapped)', () => {
  const file = path.join(dir, 'text6.pcap');
  const s = new native.Sender(opts(file));
  s.setProbe(2, new TextEncoder().encode('<'), new TextEncoder().encode('>'));
  const odd = ['2001:db8::1', '1::', '2001:0:0:1::1', '::ffff:1.2.3.4', '1:0:0:2::', '::2:0:0:0:3', '1:2:3:4:5:6:7:8', '1:0:2:0:3:0:4:0'];
  const reqs = odd.map((t) => request6(REPLY_ACK_PROBE, 2, t, 80, 0, 1));
  assert.is(s.sendReplies(frames(reqs), reqs.length), reqs.length);
  s.close();
  const got = readPcapFile(file).map((f) => new TextDecoder().decode(checkSeg6(f.data).payload));
  assert.equal(got, odd.map((t) => `<[${t}]>`));
});

test('family API: setSource adds a family later; a target of a family without a source throws, sending nothing', () => {
  const file = path.join(dir, 'family.pcap');
  const s = new native.Sender(opts(file, { srcIp6: undefined, srcIp: SRC4 }));
  assert.throws(() => s.sendSyns(noIps, ports, slots, 2, Uint8Array.of(4, 6), addrs),
    /sendSyns: target 1 is IPv6 but the sender has no IPv6 source \(setSource\)/);
  assert.throws(() => s.sendSyns(noIps, ports, slots, 1, Uint8Array.of(5), addrs), /sendSyns: families\[0\] must be 4 or 6/);
  assert.throws(() => s.sendSyns(noIps, ports, slots, 2, Uint8Array.of(6, 6), new Uint8Array(31)), /sendSyns: addrs6 must hold 16 bytes per target/);
  assert.throws(() => s.setSource(6, '2001:db8::zz', MAC6), /setSource: srcIp is not an IPv6 address/);
  assert.throws(() => s.setSource(5 as 4, SRC6, MAC6), /setSource: family must be 4 or 6/);
  assert.throws(() => s.setSource(6, SRC6, 'nope'), /the next hop's MAC is not a MAC address/);
  s.setSource(6, SRC6, MAC6);
  assert.is(s.sendSyns(noIps, ports, slots, 2, Uint8Array.of(6, 6), addrs), 2);
  s.close();
  assert.is(readPcapFile(file).length, 2, 'nothing of the refused calls was written');
  assert.throws(() => new native.Sender(opts(file, { srcIp6: undefined })), /give options.srcIp \(IPv4\), options.srcIp6 \(IPv6\) or both/);
  assert.throws(() => new native.Sender(opts(file, { srcIp6: '198.18.0.1' })), /options.srcIp6 is not an IPv6 address/);
});

test.run();
