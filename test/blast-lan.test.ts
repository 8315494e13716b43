// blast's LAN pass without a network: the answers it reads (ARP replies, Neighbor Advertisements)
// decoded from bytes, which targets are on the link, and the resolver driven by a mock sender and
// capture: kernel entries sent at once, one request per address however many ports, answers
// into the sender's table in a batch, silent addresses written as unreachable after TRIES
// requests, and the bounded queue making the reader wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newNeighborAnswer, parseNeighborAnswer } from '../shared/blast/neighbor-answers';
import { LanResolver, OnLink, TRIES } from '../shared/blast/lan';
import { Engine } from '../shared/blast/engine';
import { ipToU32, inetChecksum, u32ToIp } from './packets';
import { a6 } from './packets6';
import type { Route, Route6 } from '../shared/netinfo';
import { formatIPv6, ipv6FromBytes, parseIPv6 } from '../shared/ipv6';

const mac = (s: string) => Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1:');
const OUR = '02:fa:00:00:00:01';

function arpReply(ip: string, from: string, op = 2): Uint8Array {
  const f = Buffer.alloc(60);
  Buffer.from(mac(OUR)).copy(f, 0); Buffer.from(mac(from)).copy(f, 6); f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); f.writeUInt16BE(0x0800, 16); f[18] = 6; f[19] = 4; f.writeUInt16BE(op, 20);
  Buffer.from(mac(from)).copy(f, 22); f.writeUInt32BE(ipToU32(ip), 28);
  Buffer.from(mac(OUR)).copy(f, 32); f.writeUInt32BE(ipToU32('10.250.0.1'), 38);
  return f;
}

/** A Neighbor Advertisement for target from MAC src, with a target link-layer option of tlla. */
function advert(target: string, src: string, tlla: string | null, hop = 255): Uint8Array {
  const opt = tlla ? 8 : 0;
  const f = Buffer.alloc(78 + opt);
  Buffer.from(mac(OUR)).copy(f, 0); Buffer.from(mac(src)).copy(f, 6); f.writeUInt16BE(0x86dd, 12);
  f.writeUInt32BE(0x60000000, 14); f.writeUInt16BE(24 + opt, 18); f[20] = 58; f[21] = hop;
  Buffer.from(a6(target)).copy(f, 22); Buffer.from(a6('fe80::1')).copy(f, 38);
  f[54] = 136; f.writeUInt32BE(0x60000000, 58); Buffer.from(a6(target)).copy(f, 62);
  if (tlla) { f[78] = 2; f[79] = 1; Buffer.from(mac(tlla)).copy(f, 80); }
  const pseudo = Buffer.alloc(40);
  f.copy(pseudo, 0, 22, 54); pseudo.writeUInt32BE(24 + opt, 32); pseudo.writeUInt32BE(58, 36);
  f.writeUInt16BE(inetChecksum(pseudo, f.subarray(54)), 56);
  return f;
}

test('ARP replies and Neighbor Advertisements give the address and MAC; anything else is no answer', () => {
  const a = newNeighborAnswer();
  assert.ok(parseNeighborAnswer(arpReply('10.250.0.9', '02:fa:00:00:01:01'), a));
  assert.is(a.family, 4); assert.is(u32ToIp(a.ip), '10.250.0.9'); assert.is(hex(a.mac), '02:fa:00:00:01:01');
  assert.not.ok(parseNeighborAnswer(arpReply('10.250.0.9', '02:fa:00:00:01:01', 1), a), 'a request');
  assert.not.ok(parseNeighborAnswer(arpReply('10.250.0.9', '02:fa:00:00:01:01').subarray(0, 41), a), 'cut short');
  assert.ok(parseNeighborAnswer(advert('fd00:250::9', '02:fa:00:00:01:03', '02:fa:00:00:01:33'), a));
  assert.is(a.family, 6); assert.is(formatIPv6(ipv6FromBytes(a.ip6)), 'fd00:250::9');
  assert.is(hex(a.mac), '02:fa:00:00:01:33', 'the option\'s MAC over the frame\'s');
  assert.ok(parseNeighborAnswer(advert('fd00:250::a', '02:fa:00:00:01:04', null), a));
  assert.is(hex(a.mac), '02:fa:00:00:01:04', 'no option: the frame\'s source');
  assert.not.ok(parseNeighborAnswer(advert('fd00:250::a', '02:fa:00:00:01:04', null, 64), a), 'hop limit not 255: not from the link');
  const lying = Buffer.from(advert('fd00:250::a', '02:fa:00:00:01:04', '02:00:00:00:00:09'));
  lying.writeUInt16BE(24, 18);   // the payload length leaves the option out: it is not read
  assert.ok(parseNeighborAnswer(lying, a)); assert.is(hex(a.mac), '02:fa:00:00:01:04');
  const zero = Buffer.from(advert('fd00:250::a', '02:fa:00:00:01:04', '02:00:00:00:00:09'));
  zero[79] = 0;                  // an option of length 0 ends the walk
  assert.ok(parseNeighborAnswer(zero, a)); assert.is(hex(a.mac), '02:fa:00:00:01:04');
  const solicit = Buffer.from(advert('fd00:250::a', '02:fa:00:00:01:04', null)); solicit[54] = 135;
  assert.not.ok(parseNeighborAnswer(solicit, a), 'a solicitation');
});

const R = (dest: string, bits: number, gateway = '', iface = 'lan0', metric = 0): Route =>
  ({ iface, dest: ipToU32(dest), mask: bits ? (0xffffffff << (32 - bits)) >>> 0 : 0, gateway: gateway ? ipToU32(gateway) : 0, metric });
const R6 = (dest: string, prefix: number, gateway = '', iface = 'lan0'): Route6 =>
  ({ iface, dest: parseIPv6(dest) as bigint, prefix, gateway: gateway ? parseIPv6(gateway) as bigint : 0n, metric: 256 });

test('on the link: the most specific route of the interface has no gateway', () => {
  const ol = new OnLink('lan0', [R('0.0.0.0', 0, '10.250.0.254'), R('10.250.0.0', 24), R('10.250.0.128', 25, '10.250.0.2'),
    R('10.251.0.0', 24, '', 'other')], [R6('::', 0, 'fd00:250::fe'), R6('fd00:250::', 64), R6('fd00:250::100', 120, 'fd00:250::2')]);
  assert.ok(ol.any);
  assert.ok(ol.is4(ipToU32('10.250.0.9')));
  assert.not.ok(ol.is4(ipToU32('10.250.0.200')), 'a more specific route through a gateway');
  assert.not.ok(ol.is4(ipToU32('198.18.0.1')), 'the default route');
  assert.not.ok(ol.is4(ipToU32('10.251.0.9')), 'on another interface\'s link');
  assert.ok(ol.is6(a6('fd00:250::9')));
  assert.not.ok(ol.is6(a6('fd00:250::142')));
  assert.not.ok(ol.is6(a6('2001:db8::1')));
  assert.not.ok(new OnLink('lan0', [R('0.0.0.0', 0, '10.250.0.254')], []).any);
  // A range touches the link when a route without a gateway covers part of it (a walk far from
  // the link skips the per-target check).
  const r4 = (a: string, b: string) => ol.touches4(ipToU32(a), ipToU32(b));
  assert.ok(r4('10.249.255.0', '10.250.0.0'), 'the first address of the link');
  assert.ok(r4('10.250.0.255', '10.250.1.0'), 'the last');
  assert.not.ok(r4('10.250.1.0', '198.18.255.255'), 'past the link (only the default route, through a gateway)');
  assert.not.ok(r4('10.251.0.0', '10.251.0.255'), 'another interface\'s link');
  const r6 = (a: string, b: string) => ol.touches6(parseIPv6(a) as bigint, parseIPv6(b) as bigint);
  assert.ok(r6('fd00:250::ffff:ffff:ffff:0', 'fd00:250:0:1::'), 'the end of the /64');
  assert.not.ok(r6('fd00:250:0:1::', 'fd00:250:0:1::ffff'));
  assert.not.ok(r6('2001:db8::', '2001:db8::ffff'));
});

// A capture fed by the test and a sender that records what it is asked.
class MockCapture {
  static last: MockCapture | null = null;
  frames: Uint8Array[] = [];
  cb: (() => void) | null = null;
  closed = false;
  constructor() { MockCapture.last = this; }
  read(buf: Uint8Array, meta: Uint32Array, _t: Float64Array, max: number): number {
    let n = 0, off = 0;
    while (n < max && this.frames.length) {
      const f = this.frames.shift()!;
      buf.set(f, off); meta[3 * n] = off; meta[3 * n + 1] = f.length; meta[3 * n + 2] = f.length;
      off += f.length; n++;
    }
    return n;
  }
  onReadable(cb: () => void): void { this.cb = cb; }
  push(f: Uint8Array): void { this.frames.push(f); this.cb?.(); }
  close(): void { this.closed = true; }
}

function mocks(kernel: { ip: string; mac: string; iface: string; state: number }[]) {
  const table = new Map<string, string>();
  const asked: string[] = [];
  const sender = {
    setNeighbors(ips: Uint32Array, macs: Uint8Array, n: number, fams?: Uint8Array, addrs6?: Uint8Array) {
      for (let i = 0; i < n; i++) {
        const ip = fams && fams[i] === 6 ? formatIPv6(ipv6FromBytes(addrs6!, 16 * i)) : u32ToIp(ips[i]);
        table.set(ip, hex(macs.subarray(6 * i, 6 * i + 6)));
      }
      return table.size;
    },
    sendResolves(ips: Uint32Array, n: number, fams?: Uint8Array, addrs6?: Uint8Array) {
      for (let i = 0; i < n; i++) asked.push(fams && fams[i] === 6 ? formatIPv6(ipv6FromBytes(addrs6!, 16 * i)) : u32ToIp(ips[i]));
      return n;
    },
  };
  const native = { neighbors: (f: number) => kernel.filter((e) => e.ip.includes(':') === (f === 6)), Capture: MockCapture };
  return { table, asked, sender, native };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the resolver: kernel MACs at once, one request per address, answers into the table, silent addresses unreachable', async () => {
  const m = mocks([
    { ip: '10.250.0.9', mac: '02:fa:00:00:01:01', iface: 'lan0', state: 0x02 },     // reachable: used
    { ip: '10.250.0.12', mac: '02:fa:00:00:01:0c', iface: 'lan0', state: 0x20 },    // failed: not used
    { ip: '10.251.0.9', mac: '02:fa:00:00:02:01', iface: 'other', state: 0x02 },    // another link
  ]);
  const released: string[] = [], unreachable: string[] = [];
  const ol = new OnLink('lan0', [R('10.250.0.0', 24)], [R6('fd00:250::', 64)]);
  const r = new LanResolver(ol, m.native as any, 'lan0', true, { timeoutMs: 150, queueMax: 100, rate: 1000, from6: 'fe80::1' }, {
    release: (f, ip, a, off, port) => { released.push(`${f === 4 ? u32ToIp(ip) : formatIPv6(ipv6FromBytes(a!, off))}:${port}`); return undefined; },
    unreachable: (f, ip, a, off, port) => { unreachable.push(`${f === 4 ? u32ToIp(ip) : formatIPv6(ipv6FromBytes(a!, off))}:${port}`); return undefined; },
  });
  r.attach(m.sender as any, 4);
  r.attach(m.sender as any, 6);
  assert.equal([...m.table], [['10.250.0.9', '02:fa:00:00:01:01']]);
  assert.is(r.stats.kernel, 1);
  assert.is(r.hold(4, ipToU32('10.250.0.9'), null, 0, 80, 0, 0), undefined);
  assert.equal(released, ['10.250.0.9:80'], 'a kernel MAC: sent at once');
  const hold = (t: string, port: number, i: number) => (t.includes(':') ? r.hold(6, 0, a6(t), 0, port, 0, i) : r.hold(4, ipToU32(t), null, 0, port, 0, i));
  hold('10.250.0.10', 80, 1); hold('10.250.0.10', 81, 2); hold('fd00:250::a', 80, 3); hold('10.250.0.11', 80, 4); hold('fd00:250::a', 81, 5);
  assert.is(r.waiting, 5);
  assert.is(r.oldest(), 1);
  await sleep(20);
  assert.equal(m.asked, ['10.250.0.10', 'fd00:250::a', '10.250.0.11'], 'one request per address');
  MockCapture.last!.push(arpReply('10.250.0.10', '02:fa:00:00:01:02'));
  MockCapture.last!.push(arpReply('10.250.0.99', '02:fa:00:00:01:63'));   // never asked: ignored
  MockCapture.last!.push(advert('fd00:250::a', '02:fa:00:00:01:04', null));
  await sleep(20);
  assert.is(m.table.get('10.250.0.10'), '02:fa:00:00:01:02');
  assert.is(m.table.get('fd00:250::a'), '02:fa:00:00:01:04');
  assert.not.ok(m.table.has('10.250.0.99'));
  assert.equal(released, ['10.250.0.9:80', '10.250.0.10:80', '10.250.0.10:81', 'fd00:250::a:80'], 'in order, up to the silent one');
  await r.drain();
  assert.equal(released.slice(4), ['fd00:250::a:81']);
  assert.equal(unreachable, ['10.250.0.11:80']);
  assert.is(m.asked.filter((a) => a === '10.250.0.11').length, TRIES);
  hold('10.250.0.11', 443, 6);
  assert.equal(unreachable, ['10.250.0.11:80', '10.250.0.11:443'], 'a silent address: at once the next time');
  assert.equal(r.stats, { targets: 7, kernel: 1, asked: 3, answered: 2, silent: 1, unreachable: 2, scanned: 0, alive: 0, foreign: 0 });
  r.stop();
  assert.ok(MockCapture.last!.closed);
});

test('the queue is bounded: the reader waits until targets leave it', async () => {
  const m = mocks([]);
  const ol = new OnLink('lan0', [R('10.250.0.0', 24)], []);
  const r = new LanResolver(ol, m.native as any, 'lan0', false, { timeoutMs: 60, queueMax: 2, rate: 1000, from6: null }, {
    release: () => undefined, unreachable: () => undefined,
  });
  r.attach(m.sender as any, 4);
  assert.is(r.hold(4, ipToU32('10.250.0.20'), null, 0, 80, 0, 0), undefined);
  const wait = r.hold(4, ipToU32('10.250.0.21'), null, 0, 80, 0, 1);
  assert.instance(wait, Promise);
  const t0 = Date.now();
  await wait;
  assert.ok(Date.now() - t0 >= 40, 'room came with the timeout');
  await r.drain();
  assert.is(r.stats.unreachable, 2);
  r.stop();
});

test('two producers (the reader and the LAN pass) on a full send ring both wait, none throws, nothing is lost', async () => {
  const sent: number[] = [];
  const sender = {
    sendSyns(ips: Uint32Array, _p: Uint16Array, _s: Uint8Array, n: number) { for (let k = 0; k < n; k++) sent.push(ips[k]); return n; },
    sendReplies: () => 0,
    stats: () => ({ sent: sent.length, replies_sent: 0, replies_rejected: 0, errors: 0, bytes: 0 }),
  };
  const e = new Engine(sender, null, { rate: 20000, maxBatch: 256 });   // a ring of 1024
  const loop = e.run();
  const produce = async (from: number, n: number) => {
    for (let k = 0; k < n; k++) {
      const w = k % 2 ? e.push(from + k, 80, 0, from + k) : e.push6(a6(`fd00:${from ? 1 : 0}::${k.toString(16)}`), 0, 80, 0, from + k);
      if (w) await w;
    }
  };
  await Promise.all([produce(0, 3000), produce(100000, 3000)]);
  e.endInput();
  await loop;
  assert.is(e.failure, null);
  assert.is(e.syns, 6000);
});

test.run();
