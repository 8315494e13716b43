// blast's send loop against a mock sender: budget accuracy, reply requests first, retries, back-pressure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenBucket, bandwidthToRate } from '../shared/blast/rate';
import { Engine, BatchSender } from '../shared/blast/engine';
import { RepliesQueue } from '../shared/blast/replies';
import { TargetRing } from '../shared/blast/ring';
import { REPLY, replyLength } from '../shared/replies';
import { sealedFrames } from './requests';
import { parseRate, parseBandwidth } from '../shared/blast/options';
import { parsePortRange } from '../shared/source-port';
import { formatIPv4, parseIPv4 } from '../shared/ipv4';

const ip4 = (s: string) => parseIPv4(s) as number;
import { readRoutes, routeFor, parseArp } from '../shared/netinfo';

// Records every call; accepts at most `accept` packets per call when set (ENOBUFS back-pressure).
class MockSender implements BatchSender {
  calls: { kind: 'syn' | 'reply'; ips: number[]; at: number }[] = [];
  sent = 0; replies = 0;
  accept = Infinity;
  constructor(private clock: () => number = () => performance.now()) {}
  sendSyns(ips: Uint32Array, _p: Uint16Array, _s: Uint8Array, n: number): number {
    const k = Math.min(n, this.accept);
    this.calls.push({ kind: 'syn', ips: Array.from(ips.subarray(0, k)), at: this.clock() });
    this.sent += k;
    return k;
  }
  sendReplies(req: Uint8Array, n: number): number {
    const k = Math.min(n, this.accept);
    const ips: number[] = [];
    for (let j = 0, o = 0; j < k; j++, o += replyLength(req, o)) ips.push(new DataView(req.buffer, req.byteOffset).getUint32(o + REPLY.daddr.at));
    this.calls.push({ kind: 'reply', ips, at: this.clock() });
    this.sent += k; this.replies += k;
    return k;
  }
  stats() { return { sent: this.sent, replies_sent: this.replies, replies_rejected: 0, errors: 0, bytes: 0 }; }
}

test('token bucket: a jittery clock still yields the asked rate within 2% over 10 s, from 10 pps to 10 Mpps', () => {
  for (const rate of [10, 1000, 100000, 1e7]) {
    let t = 0;
    const b = new TokenBucket(rate, () => t);
    let sent = 0;
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    while (t < 10000) {
      const n = b.available(8192);
      if (n > 0) { sent += n; b.spend(n); }
      // timers oversleep by up to 2 ms; the loop itself takes a random slice of time
      t += n > 0 ? rnd() * 0.5 : Math.max(1, b.waitMs()) + rnd() * 2;
    }
    const got = sent / 10;
    assert.ok(Math.abs(got - rate) / rate < 0.02, `rate ${rate}: got ${got}`);
  }
});

test('token bucket: a busy loop catches up at most 250 ms; an idle one gets no burst', () => {
  let t = 0;
  const b = new TokenBucket(10000, () => t);
  b.spend(b.available(10));
  t = 5000;
  assert.is(b.available(1e9), 2500);
  b.idle();
  assert.is(b.available(1e9), 50);
  const u = new TokenBucket(Infinity, () => t);
  assert.is(u.available(4096), 4096);
});

test('rates and bandwidths parse like the flags users type', () => {
  assert.is(parseRate('10k'), 10000);
  assert.is(parseRate('1e6'), 1e6);
  assert.is(parseRate('max'), Infinity);
  assert.type(parseRate('0'), 'string');
  assert.type(parseRate('-5'), 'string');
  assert.is(parseBandwidth('10M'), 1e7);
  // a 74-byte SYN is 98 bytes on the wire: 1 Gb/s is 1,275,510 SYNs/s
  assert.is(Math.round(bandwidthToRate(1e9, 74)), 1275510);
  assert.equal(parsePortRange('40000-40015'), { base: 40000, count: 16 });
  assert.equal(parsePortRange('5'), { base: 5, count: 1 });
  assert.type(parsePortRange('9-1'), 'string');
});

test('addresses: dotted quads only, no leading zeros', () => {
  assert.is(parseIPv4('198.18.0.1'), 0xc6120001);
  assert.is(formatIPv4(0xc6120001), '198.18.0.1');
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '', 'a.b.c.d']) assert.type(parseIPv4(bad), 'string', bad);
});

test('routes and neighbours from /proc text', () => {
  const routes = readRoutes(
    'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n' +
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n' +
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n' +
    'v0\t000012C6\t020013C6\t0003\t0\t0\t0\t0000FEFF\n');
  assert.is(routeFor(ip4('192.0.2.77'), routes)!.gateway, 0);
  assert.is(formatIPv4(routeFor(ip4('8.8.8.8'), routes)!.gateway), '192.0.2.1');
  assert.is(formatIPv4(routeFor(ip4('198.19.5.5'), routes)!.gateway), '198.19.0.2');
  const arp = 'IP address HW type Flags HW address Mask Device\n' +
    '192.0.2.1 0x1 0x2 02:fc:00:00:00:05 * eth0\n198.19.0.2 0x1 0x0 00:00:00:00:00:00 * v0\n';
  assert.is(parseArp(arp, '192.0.2.1', 'eth0'), '02:fc:00:00:00:05');
  assert.is(parseArp(arp, '198.19.0.2', 'v0'), null, 'incomplete entry');
});

test('ring: wraps and grows without losing order', () => {
  const r = new TargetRing(4, 64);
  for (let i = 0; i < 3; i++) r.push(i, 80, 0, 0, i);
  r.drop(2);
  for (let i = 3; i < 20; i++) assert.ok(r.push(i, 80, 0, 0, i));
  const got: number[] = [];
  while (r.count) { const n = r.contiguous(); for (let j = 0; j < n; j++) got.push(r.ips[r.head + j]); r.drop(n); }
  assert.equal(got, Array.from({ length: 18 }, (_, k) => k + 2));
});

test('engine: reply requests go out before any new SYN, and every target exactly once', async () => {
  const m = new MockSender();
  const key = new Uint8Array(16);
  const q = new RepliesQueue(key);
  const req = sealedFrames(key, [0, 1, 2].map((j) => ({ kind: 1, slot: 0, daddr: 0xc6120100 + j, saddr: 1, dport: 80, sport: 40000, seq: 1, ack: 2 })));
  q.add(req.subarray(0, 140));   // a request split across two reads
  q.add(req.subarray(140));
  const e = new Engine(m, q, { rate: Infinity, maxBatch: 16 });
  for (let i = 0; i < 100; i++) e.push(0xc6120000 + i, 80, 0, i);
  e.endInput();
  await e.run();
  assert.is(m.calls[0].kind, 'reply');
  assert.equal(m.calls[0].ips, [0xc6120100, 0xc6120101, 0xc6120102]);
  const syns = m.calls.filter((c) => c.kind === 'syn').flatMap((c) => c.ips);
  assert.equal(syns, Array.from({ length: 100 }, (_, k) => 0xc6120000 + k));
  assert.ok(m.calls.filter((c) => c.kind === 'syn').every((c) => c.ips.length <= 16), 'batches of at most maxBatch');
  assert.is(e.resumeIndex(), null);
});

test('engine: a sender that takes part of a batch gets the rest offered again', async () => {
  const m = new MockSender();
  m.accept = 7;
  const e = new Engine(m, null, { rate: Infinity, maxBatch: 64 });
  for (let i = 0; i < 50; i++) e.push(i, 80, 0, i);
  e.endInput();
  await e.run();
  assert.equal(m.calls.flatMap((c) => c.ips), Array.from({ length: 50 }, (_, k) => k));
});

test('engine: attempts repeat each SYN no sooner than the delay, stop() leaves a resume index', async () => {
  const m = new MockSender();
  const e = new Engine(m, null, { rate: Infinity, attempts: 3, retryDelayMs: 50 });
  for (let i = 0; i < 10; i++) e.push(i, 80, 0, i);
  e.endInput();
  await e.run();
  const times = new Map<number, number[]>();
  for (const c of m.calls) for (const ip of c.ips) times.set(ip, [...(times.get(ip) ?? []), c.at]);
  assert.is(times.size, 10);
  for (const [, ts] of times) {
    assert.is(ts.length, 3);
    assert.ok(ts[1] - ts[0] >= 50 && ts[2] - ts[1] >= 50, `spacing ${ts}`);
  }
  assert.is(e.resent, 20);

  const m2 = new MockSender();
  const e2 = new Engine(m2, null, { rate: 100 });
  for (let i = 0; i < 10; i++) e2.push(i, 80, 0, 100 + i);
  const done = e2.run();
  await new Promise((r) => setTimeout(r, 35));
  e2.stop();
  await done;
  const sent = m2.calls.flatMap((c) => c.ips).length;
  assert.ok(sent >= 1 && sent < 10, `sent ${sent}`);
  assert.is(e2.resumeIndex(), 100 + sent);
});

test('engine: at unlimited rate, targets trickling in are sent in batches of minBatch, and a short one after fillMs', async () => {
  const m = new MockSender();
  const e = new Engine(m, null, { rate: Infinity, minBatch: 64, fillMs: 10000 });
  const done = e.run();
  // 200 targets, 10 per turn of the event loop, as the stdin reader yields between chunks.
  for (let i = 0; i < 200; i++) {
    e.push(0xc6120000 + i, 80, 0, i);
    if (i % 10 === 9) await new Promise<void>((r) => setImmediate(r));
  }
  e.endInput();
  await done;
  const syns = m.calls.filter((c) => c.kind === 'syn');
  assert.equal(syns.flatMap((c) => c.ips), Array.from({ length: 200 }, (_, k) => 0xc6120000 + k));
  const sizes = syns.map((c) => c.ips.length);
  assert.ok(sizes.slice(0, -1).every((n) => n >= 64), `batch sizes ${sizes}`);   // the last one: input ended

  // A trickle that never fills a batch still goes out once fillMs has passed.
  const m2 = new MockSender();
  const e2 = new Engine(m2, null, { rate: Infinity, minBatch: 64, fillMs: 5 });
  const done2 = e2.run();
  for (let i = 0; i < 3; i++) e2.push(i, 80, 0, i);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(m2.calls.flatMap((c) => c.ips), [0, 1, 2]);
  assert.is(e2.resumeIndex(), 3);
  e2.stop();
  await done2;
});


test('engine: --rate counts probes, the replies banners need come on top; --max-packet-rate caps every packet', async () => {
  const key = new Uint8Array(16);
  const requests = (n: number) => {
    const q = new RepliesQueue(key);
    q.add(sealedFrames(key, Array.from({ length: n }, (_, j) => ({ kind: 1, slot: 0, daddr: 0xc6120100 + j, saddr: 1, dport: 80, sport: 40000, seq: 1, ack: 2 }))));
    return q;
  };
  // 100 SYNs at 200 probes/s take about 0.5 s whatever the 100 replies sent beside them (with
  // one budget for both, as before, they took 1 s).
  const m = new MockSender();
  const e = new Engine(m, requests(100), { rate: 200 });
  for (let i = 0; i < 100; i++) e.push(0xc6120000 + i, 80, 0, i);
  e.endInput();
  const t0 = performance.now();
  await e.run();
  const syns = m.calls.filter((c) => c.kind === 'syn');
  assert.is(syns.flatMap((c) => c.ips).length, 100);
  assert.is(m.replies, 100);
  const span = syns[syns.length - 1].at - t0;
  assert.ok(span >= 400 && span < 850, `100 SYNs at 200/s took ${span.toFixed(0)} ms`);
  // The same with every packet capped at 200/s: 200 packets take at least 0.9 s.
  const m2 = new MockSender();
  const e2 = new Engine(m2, requests(100), { rate: Infinity, maxPacketRate: 200 });
  for (let i = 0; i < 100; i++) e2.push(0xc6120000 + i, 80, 0, i);
  e2.endInput();
  const t1 = performance.now();
  await e2.run();
  assert.is(m2.sent, 200);
  const last = m2.calls[m2.calls.length - 1].at - t1;
  assert.ok(last >= 900, `200 packets at 200/s took ${last.toFixed(0)} ms`);
});
test.run();
