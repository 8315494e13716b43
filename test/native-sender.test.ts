// Sender in pcap mode: the frames it writes, parsed and checked independently of the C++ code
// (checksums recomputed here, option layouts, ISN and source port from the TS cookie), the
// re-checked reply requests, and argument checking.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readPcapFile } from './packets';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNative, SenderOptions } from '../native/index';
import { isn, sourcePort, checkSourcePort, probeCode, variantOfCode, VARIANTS, VARIANT_SLOT } from '../shared/cookie';
import { JARM_SPECS, jarmHello, jarmPayload, jarmRandom } from '../shared/jarm/hellos';
import {
  encodeReply, ReplyRequest, REPLY, REPLY_ACK_DATA, REPLY_ACK_PAYLOAD, REPLY_ACK_PROBE, REPLY_F_TS, REPLY_KINDS, REPLY_MAX_FRAME,
  REPLY_MIN_FRAME, REPLY_RST, REPLY_SYN_TSVAL,
} from '../shared/replies';

/** Requests as back-to-back frames; the native sender does not check MACs (blast's reader does). */
function frames(reqs: ReplyRequest[]): Uint8Array {
  const buf = new Uint8Array(reqs.length * REPLY_MAX_FRAME);
  let o = 0;
  for (const r of reqs) o += encodeReply(r, buf, o);
  return buf.subarray(0, o);
}

const native = loadNative();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-native-'));
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const SRC = 0xc6120001; // 198.18.0.1
const BASE = 32768, COUNT = 61000 - 32768 + 1;

function opts(file: string, extra: Partial<SenderOptions> = {}): SenderOptions {
  return {
    pcapFile: file, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1',
    ttl: 61, synOptions: 'linux', key: KEY, sportBase: BASE, sportCount: COUNT, ...extra,
  };
}

/** The frames of the pcap file, each written whole (captured length = length on the wire). */
function readPcap(file: string): Buffer[] {
  return readPcapFile(file).map((f) => { assert.is(f.data.length, f.origLen, 'whole frame written'); return f.data; });
}

function csum(b: Buffer, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s; // 0xffff when the checksum field inside was right
}

interface Seg {
  dst: string; src: string; ttl: number; id: number; saddr: number; daddr: number;
  sport: number; dport: number; seq: number; ack: number; flags: number; window: number;
  options: Buffer; payload: Buffer;
}

/** Parses Ethernet/IPv4/TCP and checks both checksums by recomputing them. */
function parse(f: Buffer): Seg {
  assert.is(f.readUInt16BE(12), 0x0800, 'ethertype IPv4');
  const ip = f.subarray(14);
  assert.is(ip[0], 0x45, 'IPv4, IHL 5');
  const total = ip.readUInt16BE(2);
  assert.is(total, f.length - 14, 'IP total length');
  assert.is(csum(ip.subarray(0, 20)), 0xffff, 'IP header checksum');
  assert.is(ip[9], 6, 'protocol TCP');
  const tcp = ip.subarray(20, total);
  const pseudo = Buffer.alloc(12);
  ip.copy(pseudo, 0, 12, 20); pseudo[9] = 6; pseudo.writeUInt16BE(tcp.length, 10);
  assert.is(csum(Buffer.concat([pseudo, tcp])), 0xffff, 'TCP checksum (pseudo header + segment)');
  const doff = (tcp[12] >> 4) * 4;
  return {
    dst: f.subarray(0, 6).toString('hex'), src: f.subarray(6, 12).toString('hex'),
    ttl: ip[8], id: ip.readUInt16BE(4), saddr: ip.readUInt32BE(12), daddr: ip.readUInt32BE(16),
    sport: tcp.readUInt16BE(0), dport: tcp.readUInt16BE(2), seq: tcp.readUInt32BE(4), ack: tcp.readUInt32BE(8),
    flags: tcp[13], window: tcp.readUInt16BE(14), options: tcp.subarray(20, doff), payload: tcp.subarray(doff),
  };
}

/** TCP options as kind names (with MSS and WS values), in order. */
function optionKinds(o: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < o.length;) {
    const k = o[i];
    if (k === 1) { out.push('NOP'); i++; continue; }
    if (k === 0) { out.push('EOL'); break; }
    const len = o[i + 1];
    if (k === 2) out.push(`MSS${o.readUInt16BE(i + 2)}`);
    else if (k === 3) out.push(`WS${o[i + 2]}`);
    else if (k === 4) out.push('SACK_PERM');
    else if (k === 8) out.push('TS');
    else out.push(`K${k}`);
    i += len;
  }
  return out;
}

const TARGETS = 300;
const ips = new Uint32Array(TARGETS), ports = new Uint16Array(TARGETS), slots = new Uint8Array(TARGETS);
for (let i = 0; i < TARGETS; i++) {
  ips[i] = (0xc6130000 + i * 7919) >>> 0; ports[i] = [80, 443, 22, 65535, 1][i % 5]; slots[i] = i % 16;
}

test('SYNs written to a pcap: headers, checksums, ISN and keyed source port with the slot', () => {
  const file = path.join(dir, 'syn.pcap');
  const s = new native.Sender(opts(file));
  assert.is(s.sendSyns(ips, ports, slots, TARGETS), TARGETS);
  const st = s.stats();
  s.close();
  assert.is(st.sent, TARGETS);
  const frames = readPcap(file);
  assert.is(frames.length, TARGETS);
  assert.is(st.bytes, frames.reduce((a, f) => a + f.length, 0));
  const ids = new Set<number>();
  frames.forEach((f, i) => {
    const p = parse(f);
    assert.is(p.dst, '020000000002'); assert.is(p.src, '020000000001');
    assert.is(p.ttl, 61); assert.is(p.saddr, SRC); assert.is(p.daddr, ips[i]); assert.is(p.dport, ports[i]);
    assert.is(p.flags, 0x02, 'SYN only'); assert.is(p.ack, 0);
    assert.is(p.sport, sourcePort(KEY, SRC, ips[i], ports[i], slots[i], BASE, COUNT), `sport ${i}`);
    assert.is(checkSourcePort(KEY, SRC, ips[i], ports[i], p.sport, BASE, COUNT), slots[i], `slot ${i}`);
    assert.is(p.seq, isn(KEY, SRC, ips[i], p.sport, ports[i]), `ISN ${i}`);
    assert.is(p.payload.length, 0);
    ids.add(p.id);
  });
  assert.ok(ids.size > TARGETS / 2, 'IP IDs vary');
});

test('SYN option layouts: linux, windows, bsd, none', () => {
  const want: Record<string, [string[], number]> = {
    // Shift 0, so the ACK+probe's small window is not scaled whatever the server answered.
    linux: [['MSS1460', 'SACK_PERM', 'TS', 'NOP', 'WS0'], 64240],
    windows: [['MSS1460', 'NOP', 'WS0', 'NOP', 'NOP', 'SACK_PERM'], 64240],
    bsd: [['MSS1460', 'NOP', 'WS0', 'SACK_PERM', 'TS'], 65535],
    none: [[], 1024],
  };
  for (const [name, [kinds, window]] of Object.entries(want)) {
    const file = path.join(dir, `opt-${name}.pcap`);
    const s = new native.Sender(opts(file, { synOptions: name as any }));
    assert.is(s.sendSyns(ips, ports, slots, 20), 20);
    s.close();
    for (const f of readPcap(file)) {
      const p = parse(f);
      assert.equal(optionKinds(p.options), kinds, name);
      assert.is(p.options.length % 4, 0, `${name}: options padded to 32 bits`);
      assert.is(p.window, window, `${name} window`);
    }
  }
});

test('fewer than 16 source ports: no slots, the port is still keyed', () => {
  const file = path.join(dir, 'few.pcap');
  const s = new native.Sender(opts(file, { sportBase: 40000, sportCount: 5 }));
  assert.is(s.sendSyns(ips, ports, slots, 50), 50);
  s.close();
  readPcap(file).forEach((f, i) => {
    const p = parse(f);
    assert.ok(p.sport >= 40000 && p.sport < 40005);
    assert.is(checkSourcePort(KEY, SRC, ips[i], ports[i], p.sport, 40000, 5), 0);
    assert.is(p.seq, isn(KEY, SRC, ips[i], p.sport, ports[i]));
  });
});

function request(kind: number, slot: number, daddr: number, dport: number, seqDelta: number, ack: number,
  opt: { sport?: number; saddr?: number } = {}): ReplyRequest {
  const sport = opt.sport ?? sourcePort(KEY, SRC, daddr, dport, slot, BASE, COUNT);
  const seq = (isn(KEY, SRC, daddr, sport, dport) + 1 + seqDelta) >>> 0;
  return { kind, slot, daddr, saddr: opt.saddr ?? SRC, dport, sport, seq, ack };
}

test('sendReplies: ACK+probe (plain and Host template), ACK of data, ACK+payload, RST; forged requests rejected', () => {
  const file = path.join(dir, 'replies.pcap');
  const s = new native.Sender(opts(file, { probeWindow: 512 }));
  const enc = new TextEncoder();
  s.setProbe(3, enc.encode('GET / HTTP/1.1\r\nHost: '), enc.encode('\r\n\r\n'));
  s.setProbe(5, enc.encode('PING\r\n'));
  const T = 0xc6130a0b; // 198.19.10.11
  const ts = { flags: REPLY_F_TS, tsval: REPLY_SYN_TSVAL + 0x12345678, tsecr: 0xcafef00d };
  const reqs = [
    { ...request(REPLY_ACK_PROBE, 3, T, 80, 0, 0x11111111), ...ts },   // good, Host template, timestamps
    request(REPLY_ACK_PROBE, 5, T, 6379, 1, 0x22222222),        // forged: seq is ISN+2
    request(REPLY_ACK_PROBE, 5, T, 6379, 0, 0x33333333),        // good, plain probe
    request(REPLY_ACK_PROBE, 5, T, 6379, 0, 0x44444444, { sport: 33000 }), // forged: sport not keyed
    request(REPLY_ACK_PROBE, 4, T, 80, 0, 0x55555555),          // forged: slot 4's port claimed as 3? (see below)
    request(REPLY_RST, 3, T, 80, 38, 0x66666666),               // good RST after a 38-byte probe
    request(REPLY_RST, 3, T, 80, 1401, 0x77777777),             // forged: beyond MAX_PROBE_LEN
    request(REPLY_RST, 0, T, 22, 0, 0x88888888, { saddr: 0xc6120002 }), // forged: not our address
    { ...request(REPLY_ACK_PROBE, 0, T, 22, 0, 0x99999999), kind: 7 },  // unknown kind
    request(REPLY_ACK_PROBE, 0, T, 22, 0, 0xaaaaaaaa),          // good, slot 0 has no probe: pure ACK
    { ...request(REPLY_ACK_DATA, 3, T, 80, 38, 0xcccccccc), window: 9000, ...ts },   // good: ACK of data, its window
    { ...request(REPLY_ACK_PAYLOAD, 3, T, 80, 38, 0xdddddddd), payload: enc.encode('second flight'), ...ts },  // good
    { ...request(REPLY_ACK_DATA, 3, T, 80, 1401, 1), window: 100 },   // forged: beyond MAX_PROBE_LEN
    { ...request(REPLY_ACK_DATA, 3, T, 80, 0, 1), wscale: 15 },       // a shift RFC 7323 does not allow
    { ...request(REPLY_ACK_DATA, 3, T, 80, 0, 1), flags: 0x80 },      // a flag bit no one defined
    // RST_LATER waits in blast's timed queue, never here; IPv6 without an IPv6 source; no payload but ACK_PAYLOAD's.
    { ...request(REPLY_RST, 0, T, 22, 0, 1), kind: REPLY_KINDS.RST_LATER.n, delay_ms: 100 },
    { ...request(REPLY_RST, 0, T, 22, 0, 1), family: 6, daddr6: new Uint8Array(16), saddr6: new Uint8Array(16) },
    { ...request(REPLY_RST, 0, T, 22, 0, 1), payload: new Uint8Array(3) },
    { ...request(REPLY_ACK_DATA, 0, T, 22, 0, 1), payload: new Uint8Array(3) },
    { ...request(REPLY_ACK_PAYLOAD, 0, T, 22, 0, 1) },                  // ACK_PAYLOAD without one
    { ...request(REPLY_ACK_PROBE, 0, T, 23, 0, 0xbbbbbbbb), window: 3000 },   // good: its own window
  ];
  // Make request 4 claim slot 3 while its port encodes slot 4.
  reqs[4].slot = 3;
  assert.is(s.sendReplies(frames(reqs), reqs.length), reqs.length, 'every request consumed');
  const st = s.stats();
  s.close();
  assert.is(st.replies_sent, 7); assert.is(st.replies_rejected, 14);
  const sent = readPcap(file).map(parse);
  assert.is(sent.length, 7);
  const [http, ping, rst, ack, data, pay, win] = sent;
  assert.is(http.payload.toString(), 'GET / HTTP/1.1\r\nHost: 198.19.10.11\r\n\r\n');
  assert.is(http.flags, 0x18, 'PSH+ACK'); assert.is(http.window, 512);
  assert.is(http.seq, reqs[0].seq); assert.is(http.ack, 0x11111111); assert.is(http.sport, reqs[0].sport);
  assert.is(http.dport, 80); assert.is(http.daddr, T); assert.is(http.saddr, SRC);
  assert.is(ping.payload.toString(), 'PING\r\n'); assert.is(ping.ack, 0x33333333);
  assert.is(rst.flags, 0x14, 'RST+ACK'); assert.is(rst.payload.length, 0); assert.is(rst.window, 0);
  assert.is(rst.seq, reqs[5].seq); assert.is(rst.ack, 0x66666666);
  assert.is(ack.flags, 0x10, 'pure ACK'); assert.is(ack.payload.length, 0); assert.is(ack.ack, 0xaaaaaaaa);
  assert.is(ack.window, 512, 'window 0 in the request: the probe window');
  assert.equal([data.flags, data.seq, data.ack, data.window, data.payload.length], [0x10, reqs[10].seq, 0xcccccccc, 9000, 0]);
  assert.equal([pay.flags, pay.seq, pay.ack, pay.payload.toString()], [0x18, reqs[11].seq, 0xdddddddd, 'second flight']);
  assert.is(win.window, 3000, 'the request\'s window'); assert.is(win.ack, 0xbbbbbbbb);
  // NOP,NOP,TS with the request's TSval and TSecr where it says the connection has timestamps;
  // no option at all where it does not.
  for (const f of [http, data, pay]) {
    assert.equal(optionKinds(f.options), ['NOP', 'NOP', 'TS']);
    assert.is(f.options.readUInt32BE(4), ts.tsval); assert.is(f.options.readUInt32BE(8), ts.tsecr);
  }
  for (const f of [ping, rst, ack, win]) assert.is(f.options.length, 0);
});

test('jarm: ten SYNs from the variants\' ports, each ACK+probe the variant\'s hello with the address in its server_name and lengths fixed; a variant claimed on another\'s port is refused', () => {
  const file = path.join(dir, 'jarm.pcap');
  const s = new native.Sender(opts(file));
  const T = 0xc6120505, ip = '198.18.5.5';
  const codes = Array.from({ length: VARIANTS }, (_, v) => probeCode(VARIANT_SLOT, v));
  for (const c of codes) {
    const p = jarmPayload(KEY, variantOfCode(c));
    s.setProbe(c, p.before, p.after, Uint16Array.from(p.fix!), p.bare);
  }
  const n = codes.length;
  assert.is(s.sendSyns(new Uint32Array(n).fill(T), new Uint16Array(n).fill(443), Uint8Array.from(codes), n), n);
  assert.throws(() => s.sendSyns(Uint32Array.of(T), Uint16Array.of(443), Uint8Array.of(16 + 2), 1), /sendSyns: slots\[0\] must be 0..15, or 13 \+ 16 \* variant/);
  const reqs = codes.map((c) => request(REPLY_ACK_PROBE, c, T, 443, 0, 0x1000 + c));
  const forged = { ...request(REPLY_ACK_PROBE, codes[5], T, 443, 0, 1), slot: codes[3] };   // variant 5's port, variant 3 claimed
  assert.is(s.sendReplies(frames([...reqs, forged]), n + 1), n + 1);
  assert.is(s.stats().replies_rejected, 1);
  s.close();
  const all = readPcap(file).map(parse);
  const syns = all.slice(0, n), probes = all.slice(n);
  assert.equal(syns.map((f) => f.sport), codes.map((c) => sourcePort(KEY, SRC, T, 443, c, BASE, COUNT)));
  assert.is(new Set(syns.map((f) => f.sport)).size, n, 'ten connections');
  assert.is(probes.length, n);
  probes.forEach((f, v) => {
    assert.is(f.sport, syns[v].sport);
    assert.is(f.payload.toString('hex'), Buffer.from(jarmHello(JARM_SPECS[v], jarmRandom(KEY, v), ip).bytes).toString('hex'), `variant ${v}`);
  });
});

test('sendReplies: the timestamp option follows the request, whatever the SYN layout', () => {
  for (const layout of ['linux', 'windows', 'none'] as const) {
    const file = path.join(dir, `replies-${layout}.pcap`);
    const s = new native.Sender(opts(file, { synOptions: layout }));
    s.setProbe(2, new TextEncoder().encode('HELO'));
    const reqs = [request(REPLY_ACK_PROBE, 2, 0xc6130001, 25, 0, 7),
      { ...request(REPLY_RST, 2, 0xc6130001, 25, 4, 9), flags: REPLY_F_TS, tsval: 1, tsecr: 2 }];
    assert.is(s.sendReplies(frames(reqs), 2), 2);
    s.close();
    const [probe, rst] = readPcap(file).map(parse);
    assert.is(probe.options.length, 0, layout); assert.is(probe.payload.toString(), 'HELO');
    assert.equal(optionKinds(rst.options), ['NOP', 'NOP', 'TS']); assert.is(rst.seq, reqs[1].seq); assert.is(rst.flags, 0x14);
  }
});

test('Sender: bad options and arguments throw naming them; closed sender throws', () => {
  const file = path.join(dir, 'bad.pcap');
  const bad: [Partial<SenderOptions> | any, RegExp][] = [
    [{ srcMac: 'zz' }, /options.srcMac is not a MAC address/],
    [{ dstMac: 5 }, /options.dstMac must be a string/],
    [{ srcIp: '300.1.1.1' }, /options.srcIp is not an IPv4 address/],
    [{ ttl: 0 }, /options.ttl must be between 1 and 255/],
    [{ synOptions: 'solaris' }, /options.synOptions must be linux, windows, bsd or none/],
    [{ key: new Uint8Array(8) }, /options.key must be 16 bytes/],
    [{ key: 'k' }, /options.key must be a Uint8Array/],
    [{ sportBase: 0 }, /options.sportBase must be between 1 and 65535/],
    [{ sportBase: 65000, sportCount: 1000 }, /options.sportCount must be between 1 and 536/],
    [{ probeWindow: 70000 }, /options.probeWindow/],
    [{ iface: 'lo' }, /exactly one of options.iface and options.pcapFile/],
  ];
  for (const [extra, re] of bad) assert.throws(() => new native.Sender(opts(file, extra)), re, JSON.stringify(extra));
  assert.throws(() => new (native.Sender as any)(), /Sender: options must be an object/);
  assert.throws(() => new native.Sender(opts(path.join(dir, 'no/such/dir/x.pcap'))), /cannot write pcap file/);
  const s = new native.Sender(opts(file));
  const u32 = new Uint32Array(2), u16 = new Uint16Array(2), u8 = new Uint8Array(2);
  assert.throws(() => s.sendSyns(u32, u16, u8, 3), /sendSyns: count is larger than ips.length/);
  assert.throws(() => (s as any).sendSyns(u16, u16, u8, 1), /sendSyns: ips must be a Uint32Array/);
  assert.throws(() => (s as any).sendSyns(u32, u16, u8, -1), /sendSyns: count must be between/);
  assert.throws(() => s.sendSyns(u32, u16, Uint8Array.of(0, 16), 2), /sendSyns: slots\[1\] must be 0..15/);
  assert.throws(() => s.sendReplies(new Uint8Array(40), 2), /sendReplies: count frames cannot fit in frames.length bytes/);
  const two = frames([request(REPLY_RST, 0, 0xc6130001, 22, 0, 1), { ...request(REPLY_RST, 0, 0xc6130001, 22, 0, 1), payload: new Uint8Array(100) }]);
  assert.throws(() => s.sendReplies(two.subarray(0, two.length - 1), 2), /sendReplies: frame 1 has a bad length or runs past frames.length/);
  const badLen = two.slice(); badLen[REPLY.length.at + 1] = REPLY_MIN_FRAME - 1;
  assert.throws(() => s.sendReplies(badLen, 1), /sendReplies: frame 0 has a bad length/);
  const badPayload = two.slice(); badPayload[REPLY_MIN_FRAME + REPLY.payload_len.at + 1] = 101;   // 101 bytes claimed, 100 there
  assert.throws(() => s.sendReplies(badPayload, 2), /sendReplies: frame 1 has a bad length/);
  assert.throws(() => s.setProbe(16, u8), /setProbe: slot must be 0..15, or 13 \+ 16 \* variant/);
  assert.throws(() => s.setProbe(160, u8), /setProbe: slot must be between 0 and 159/);
  assert.throws(() => s.setProbe(13, u8, u8, Uint16Array.of(1)), /setProbe: fix offsets need after and must lie in before/);
  assert.throws(() => s.setProbe(13, u8, undefined, Uint16Array.of(0)), /setProbe: fix offsets need after/);
  assert.throws(() => s.setProbe(0, new Uint8Array(1390), new Uint8Array(0)), /setProbe: probe is longer than 1400 bytes/);
  assert.throws(() => (s as any).setProbe(0, 'GET'), /setProbe: before must be a Uint8Array/);
  s.setProbe(1, new Uint8Array(1400));
  s.close();
  s.close(); // idempotent
  assert.throws(() => s.sendSyns(u32, u16, u8, 1), /sendSyns: sender is closed/);
  assert.is(readPcap(file).length, 0, 'nothing was sent by the failed calls');
});

test('pcap mode: a write failure (full disk) is an error, not silence', () => {
  if (!fs.existsSync('/dev/full')) return;
  const s = new native.Sender(opts('/dev/full'));
  assert.throws(() => s.sendSyns(ips, ports, slots, 100), /sendSyns: writing the pcap file failed/);
  s.close();
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
