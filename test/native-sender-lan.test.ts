// The Sender's LAN frames in pcap mode (no network, no privileges): the neighbour table puts each
// on-link target's own MAC on its SYN and on the replies to it, every other target keeps the
// router's; sendResolves writes ARP requests and Neighbor Solicitations, checked byte by byte
// (the NS checksum recomputed here); bad arguments to both are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inetChecksum, ipToU32, readPcapFile } from './packets';
import { a6 } from './packets6';
import { loadNative, SenderOptions } from '../native/index';
import { isn, isn6, sourcePort, sourcePort6 } from '../shared/cookie';
import { encodeReply, ReplyRequest, REPLY_ACK_PROBE, REPLY_MAX_FRAME, REPLY_RST } from '../shared/replies';

const native = loadNative();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-native-lan-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
const SRC4 = '10.250.0.1', SRC6 = 'fd00:250::1', LL6 = 'fe80::fa:ff:fe00:1';
const BASE = 32768, COUNT = 61000 - 32768 + 1;
const OUR = '02:fa:00:00:00:01', ROUTER = '02:fa:00:00:00:fe';
const mac = (s: string) => Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1:');

function opts(file: string, extra: Partial<SenderOptions> = {}): SenderOptions {
  return {
    pcapFile: file, srcMac: OUR, dstMac: ROUTER, srcIp: SRC4, srcIp6: SRC6,
    ttl: 64, synOptions: 'linux', key: KEY, sportBase: BASE, sportCount: COUNT, ...extra,
  };
}

// Four on-link hosts (two of each family) in the table, and targets off it.
const HOSTS: [string, string][] = [
  ['10.250.0.9', '02:fa:00:00:01:01'], ['10.250.0.10', '02:fa:00:00:01:02'],
  ['fd00:250::9', '02:fa:00:00:01:03'], ['fd00:250::a', '02:fa:00:00:01:04'],
];
const TARGETS = ['10.250.0.9', '198.18.0.1', 'fd00:250::a', '10.250.0.10', '2001:db8:1::1', 'fd00:250::9', '10.250.0.13'];
const want = (t: string) => HOSTS.find(([ip]) => ip === t)?.[1] ?? ROUTER;

function table(s: InstanceType<ReturnType<typeof loadNative>['Sender']>): void {
  const n = HOSTS.length;
  const ips = new Uint32Array(n), macs = new Uint8Array(6 * n), fams = new Uint8Array(n), addrs = new Uint8Array(16 * n);
  HOSTS.forEach(([ip, m], i) => {
    fams[i] = ip.includes(':') ? 6 : 4;
    if (fams[i] === 4) ips[i] = ipToU32(ip); else addrs.set(a6(ip), 16 * i);
    macs.set(mac(m), 6 * i);
  });
  assert.is(s.setNeighbors(ips, macs, n, fams, addrs), n);
}

function batch(list: string[]) {
  const n = list.length;
  const ips = new Uint32Array(n), ports = new Uint16Array(n).fill(80), slots = new Uint8Array(n), fams = new Uint8Array(n), addrs = new Uint8Array(16 * n);
  list.forEach((t, i) => { fams[i] = t.includes(':') ? 6 : 4; if (fams[i] === 4) ips[i] = ipToU32(t); else addrs.set(a6(t), 16 * i); });
  return { n, ips, ports, slots, fams, addrs };
}

test('SYNs: each on-link target in the table goes to its own MAC, every other target to the router', () => {
  const file = path.join(dir, 'syn.pcap');
  const s = new native.Sender(opts(file));
  const before = batch(['10.250.0.9']);
  assert.is(s.sendSyns(before.ips, before.ports, before.slots, 1), 1);   // before the table: the router
  table(s);
  const b = batch(TARGETS);
  assert.is(s.sendSyns(b.ips, b.ports, b.slots, b.n, b.fams, b.addrs), b.n);
  // A large batch (the sender's batches of 256 and the IPv4-only path) keeps the table too.
  const big = batch(Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? '10.250.0.10' : i % 3 === 1 ? '10.250.0.11' : '10.250.0.9')));
  assert.is(s.sendSyns(big.ips, big.ports, big.slots, big.n), big.n);
  s.close();
  const got = readPcapFile(file);
  assert.is(got.length, 1 + TARGETS.length + 3000);
  assert.is(hex(got[0].data.subarray(0, 6)), ROUTER);
  TARGETS.forEach((t, i) => {
    const f = got[1 + i].data;
    assert.is(hex(f.subarray(0, 6)), want(t), t);
    assert.is(hex(f.subarray(6, 12)), OUR);
    // The frame is still that target's: its address in the IP header.
    const dst = t.includes(':') ? Buffer.from(f.subarray(38, 54)).equals(Buffer.from(a6(t))) : f.readUInt32BE(30) === ipToU32(t);
    assert.ok(dst, `frame ${i} is not to ${t}`);
  });
  for (let i = 0; i < 3000; i++) {
    const t = i % 3 === 0 ? '10.250.0.10' : i % 3 === 1 ? '10.250.0.11' : '10.250.0.9';
    assert.is(hex(got[1 + TARGETS.length + i].data.subarray(0, 6)), want(t));
  }
});

function request(kind: number, dst: string, seqDelta = 0): ReplyRequest {
  if (dst.includes(':')) {
    const d = a6(dst), sa = a6(SRC6), sport = sourcePort6(KEY, sa, d, 80, 0, BASE, COUNT);
    return { kind, slot: 0, family: 6, daddr: 0, saddr: 0, daddr6: d, saddr6: sa, dport: 80, sport, seq: (isn6(KEY, sa, d, sport, 80) + 1 + seqDelta) >>> 0, ack: 7 };
  }
  const d = ipToU32(dst), sa = ipToU32(SRC4), sport = sourcePort(KEY, sa, d, 80, 0, BASE, COUNT);
  return { kind, slot: 0, family: 4, daddr: d, saddr: sa, dport: 80, sport, seq: (isn(KEY, sa, d, sport, 80) + 1 + seqDelta) >>> 0, ack: 7 };
}

test('replies (ACK+probe, RST) to an on-link target go to its MAC, to an off-link one to the router', () => {
  const file = path.join(dir, 'replies.pcap');
  const s = new native.Sender(opts(file));
  s.setProbe(0, new TextEncoder().encode('hi\r\n'));
  table(s);
  const list = ['10.250.0.10', '198.18.0.1', 'fd00:250::9', '2001:db8:1::1'];
  const reqs = list.flatMap((t) => [request(REPLY_ACK_PROBE, t), request(REPLY_RST, t, 4)]);
  const buf = new Uint8Array(reqs.length * REPLY_MAX_FRAME);
  let o = 0;
  for (const r of reqs) o += encodeReply(r, buf, o);
  assert.is(s.sendReplies(buf.subarray(0, o), reqs.length), reqs.length);
  assert.is(s.stats().replies_rejected, 0);
  s.close();
  const got = readPcapFile(file);
  assert.is(got.length, reqs.length);
  got.forEach((f, i) => assert.is(hex(f.data.subarray(0, 6)), want(list[i >> 1]), `reply ${i} to ${list[i >> 1]}`));
});

test('sendResolves: ARP requests from our first address, Neighbor Solicitations from the given link-local address', () => {
  const file = path.join(dir, 'resolve.pcap');
  const s = new native.Sender(opts(file, { srcCount: 4 }));
  const b = batch(['10.250.0.13', 'fd00:250::1:2:3', '10.250.0.200']);
  assert.is(s.sendResolves(b.ips, b.n, b.fams, b.addrs, LL6), 3);
  const only4 = batch(['10.250.0.14']);
  assert.is(s.sendResolves(only4.ips, 1), 1);
  assert.is(s.stats().resolves_sent, 4);
  s.close();
  const got = readPcapFile(file).map((f) => Buffer.from(f.data));
  assert.is(got.length, 4);
  const arp = (f: Buffer, target: string) => {
    assert.is(f.length, 42);
    assert.is(hex(f.subarray(0, 6)), 'ff:ff:ff:ff:ff:ff');
    assert.is(hex(f.subarray(6, 12)), OUR);
    assert.is(f.toString('hex', 12, 22), '0806000108000604' + '0001');   // ARP, Ethernet/IPv4, request
    assert.is(hex(f.subarray(22, 28)), OUR);
    assert.is(f.readUInt32BE(28), ipToU32(SRC4));                        // the first address of the range
    assert.is(f.toString('hex', 32, 38), '000000000000');
    assert.is(f.readUInt32BE(38), ipToU32(target));
  };
  arp(got[0], '10.250.0.13'); arp(got[2], '10.250.0.200'); arp(got[3], '10.250.0.14');
  const ns = got[1], t = a6('fd00:250::1:2:3');
  assert.is(ns.length, 86);
  assert.is(hex(ns.subarray(0, 6)), '33:33:ff:02:00:03');                // the solicited-node group's MAC
  assert.is(ns.readUInt16BE(12), 0x86dd);
  assert.is(ns[20], 58); assert.is(ns[21], 255);
  assert.ok(ns.subarray(22, 38).equals(Buffer.from(a6(LL6))));
  assert.ok(ns.subarray(38, 54).equals(Buffer.from(a6('ff02::1:ff02:3'))));
  assert.is(ns[54], 135);
  assert.ok(ns.subarray(62, 78).equals(Buffer.from(t)));
  assert.is(ns[78], 1); assert.is(ns[79], 1); assert.is(hex(ns.subarray(80, 86)), OUR);
  // The checksum over the pseudo header (saddr, daddr, length 32, next header 58) and the message.
  const pseudo = Buffer.alloc(40);
  ns.copy(pseudo, 0, 22, 54); pseudo.writeUInt32BE(32, 32); pseudo.writeUInt32BE(58, 36);
  assert.is(inetChecksum(pseudo, ns.subarray(54, 86)), 0);
});

test('setNeighbors and sendResolves check their arguments', () => {
  const s = new native.Sender(opts(path.join(dir, 'args.pcap')));
  const ips = new Uint32Array(2), macs = new Uint8Array(12);
  assert.throws(() => s.setNeighbors(ips, macs, 3), /count is larger than ips.length/);
  assert.throws(() => s.setNeighbors(ips, new Uint8Array(6), 2), /macs must hold 6 bytes per entry/);
  assert.throws(() => s.setNeighbors(ips, macs, 2, new Uint8Array([4, 5]), new Uint8Array(32)), /families\[1\] must be 4 or 6/);
  assert.throws(() => s.setNeighbors(ips, macs, 2, new Uint8Array([6, 6]), new Uint8Array(16)), /addrs6 must hold 16 bytes/);
  assert.throws(() => s.setNeighbors(new Uint16Array(2) as unknown as Uint32Array, macs, 2), /ips must be a Uint32Array/);
  assert.throws(() => s.sendResolves(ips, 1, new Uint8Array([6]), new Uint8Array(16), 'not an address'), /from6 is not an IPv6 address/);
  s.close();
  const v6only = new native.Sender({ ...opts(path.join(dir, 'args6.pcap')), srcIp: undefined });
  assert.throws(() => v6only.sendResolves(ips, 1), /IPv4 but the sender has no IPv4 source/);
  v6only.close();
  const l3 = new native.Sender(opts(path.join(dir, 'l3.pcap'), { linkHeader: false }));
  assert.throws(() => l3.sendResolves(ips, 1), /layer-3 link/);
  l3.close();
});

test.run();
