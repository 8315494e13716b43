// blast's timed RST queue: one RST per connection, re-armed by later requests, cancelled by an
// immediate RST, fired when due (or early when full, or at exit), against a model; and the send
// loop taking its RSTs on time through a mock sender.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RstTimer } from '../shared/blast/rst-timer';
import { RepliesQueue } from '../shared/blast/replies';
import { Engine, BatchSender } from '../shared/blast/engine';
import {
  decodeReply, encodeReply, replyLength, ReplyRequest, REPLY_ACK_DATA, REPLY_ACK_PROBE, REPLY_F_TS, REPLY_MIN_FRAME, REPLY_RST, REPLY_RST_LATER,
} from '../shared/replies';
import { decodeFrames, sealedFrames } from './requests';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);

const req = (kind: number, i: number, over: Partial<ReplyRequest> = {}): ReplyRequest => ({
  kind, slot: 2, daddr: 0xc6120000 + i, saddr: 0xc6130001, dport: 443, sport: 40000 + (i & 0xff), seq: 1000 + i, ack: 5000 + i,
  delay_ms: kind === REPLY_RST ? 0 : 100, ...over,
});

function frame(r: ReplyRequest): Uint8Array {
  const b = new Uint8Array(REPLY_MIN_FRAME + (r.payload?.length ?? 0));
  encodeReply(r, b, 0);
  return b;
}

function pop(t: RstTimer, all = false, max = 1024): ReplyRequest[] {
  const out = new Uint8Array(max * REPLY_MIN_FRAME);
  const n = t.popDue(out, max, all);
  return decodeFrames(out, n * REPLY_MIN_FRAME);
}

test('RST_LATER waits its delay and leaves as an RST with its seq, ack and timestamps; ACK_DATA re-arms it; an RST cancels it', () => {
  let now = 0;
  const t = new RstTimer(16, () => 0, () => now);
  assert.is(t.route(frame(req(REPLY_RST_LATER, 1, { flags: REPLY_F_TS, tsval: 7, tsecr: 8 })), 0), false, 'for the queue alone');
  assert.is(t.route(frame(req(REPLY_RST_LATER, 2)), 0), false);
  assert.is(t.nextDue(), 100);
  now = 60;
  // A later ACK of data for connection 1 is sent (true) and pushes its RST back, with its numbers.
  assert.is(t.route(frame(req(REPLY_ACK_DATA, 1, { seq: 1001, ack: 6000, flags: REPLY_F_TS, tsval: 7, tsecr: 9 })), 0), true);
  now = 100;
  const first = pop(t);
  assert.equal(first.map((r) => [r.kind, r.daddr, r.seq, r.ack]), [[REPLY_RST, 0xc6120002, 1002, 5002]]);
  now = 159;
  assert.equal(pop(t), []);
  now = 160;
  const second = pop(t);
  assert.equal(second.map((r) => [r.kind, r.daddr, r.seq, r.ack, r.flags, r.tsval, r.tsecr, r.slot, r.saddr, r.sport, r.dport]),
    [[REPLY_RST, 0xc6120001, 1001, 6000, REPLY_F_TS, 7, 9, 2, 0xc6130001, 40001, 443]]);
  // An immediate RST cancels what waits for its connection.
  t.route(frame(req(REPLY_RST_LATER, 3)), 0);
  assert.is(t.route(frame(req(REPLY_RST, 3)), 0), true);
  now = 1000;
  assert.equal(pop(t, true), []);
  assert.equal(t.stats, { armed: 4, fired: 2, early: 0, at_exit: 0, cancelled: 1 });
  // A request without a delay, or another kind, arms nothing.
  assert.is(t.route(frame(req(REPLY_ACK_DATA, 4, { delay_ms: 0 })), 0), true);
  assert.is(t.size, 0);
});

test('ACK_PROBE with a delay arms the RST past the probe, whose length may hold the address', () => {
  const t = new RstTimer(4, (slot, daddr) => slot * 100 + (daddr & 0xff), () => 0);
  t.route(frame(req(REPLY_ACK_PROBE, 5, { slot: 3, seq: 0xffffffff })), 0);
  assert.equal(pop(t, true).map((r) => [r.kind, r.seq]), [[REPLY_RST, (0xffffffff + 305) >>> 0]]);
  assert.is(t.stats.at_exit, 1);
});

test('IPv6 connections: held by their whole address (two targets whose words fold alike stay apart), the RST of family 6', () => {
  let now = 0;
  const t = new RstTimer(8, (_slot, _daddr, daddr6) => (daddr6 ? daddr6[15] : 0), () => now);
  const a6 = (last: number) => Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, last]);
  const us6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  const r6 = (kind: number, d: Uint8Array, over: Partial<ReplyRequest> = {}) =>
    req(kind, 1, { family: 6, daddr: 0, saddr: 0, daddr6: d, saddr6: us6, ...over });
  // x and y fold alike (the 7 sits in the last word of one, the third of the other).
  const x = a6(7), y = Uint8Array.from(x); y[15] = 0; y[11] = 7;
  assert.is(t.route(frame(r6(REPLY_RST_LATER, x, { seq: 11 })), 0), false);
  assert.is(t.route(frame(r6(REPLY_RST_LATER, y, { seq: 22 })), 0), false);
  assert.is(t.route(frame(req(REPLY_RST_LATER, 7, { seq: 33 })), 0), false, 'an IPv4 target on the same ports');
  assert.is(t.size, 3);
  t.route(frame(r6(REPLY_ACK_PROBE, x, { seq: 100 })), 0);   // re-arms x past its probe (7 bytes here)
  assert.is(t.size, 3);
  assert.is(t.route(frame(r6(REPLY_RST, y)), 0), true);     // cancels y alone
  now = 1000;
  const out = pop(t, true);
  assert.equal(out.map((r) => [r.kind, r.family, r.seq]).sort((a, b) => (a[2] as number) - (b[2] as number)), [[REPLY_RST, 4, 33], [REPLY_RST, 6, 107]]);
  const v6 = out.find((r) => r.family === 6)!;
  assert.equal([...v6.daddr6!], [...x]); assert.equal([...v6.saddr6!], [...us6]);
  assert.is(t.stats.cancelled, 1);
});

test('bounded: when full, the entry due first goes early (counted); at exit every one goes, first due first', () => {
  let now = 0;
  const t = new RstTimer(3, () => 0, () => now);
  for (const [i, d] of [[1, 300], [2, 100], [3, 200]]) t.route(frame(req(REPLY_RST_LATER, i, { delay_ms: d })), 0);
  t.route(frame(req(REPLY_RST_LATER, 4, { delay_ms: 50 })), 0);   // full: 2 (due at 100) goes now
  assert.equal([t.size, t.waiting, t.nextDue()], [3, 4, -Infinity]);
  assert.equal(pop(t).map((r) => r.daddr & 0xff), [2], 'the early one, although not due');
  assert.equal(pop(t, true).map((r) => r.daddr & 0xff), [4, 3, 1]);
  assert.equal([t.stats.early, t.stats.at_exit, t.stats.fired], [1, 3, 0]);
});

test('index and heap stay right under 50,000 random arms, re-arms, cancels and pops (against a Map)', () => {
  let now = 0, seed = 5;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const t = new RstTimer(500, () => 0, () => now);
  const model = new Map<number, { due: number; ack: number }>();
  const b = new Uint8Array(REPLY_MIN_FRAME);
  for (let step = 0; step < 50000; step++) {
    const i = rnd(800), op = rnd(10);
    if (op < 6) {
      const d = rnd(1000), ack = rnd(1 << 30);
      encodeReply(req(REPLY_RST_LATER, i, { delay_ms: d, ack }), b, 0);
      t.route(b, 0);
      model.set(i, { due: now + d, ack });
      if (model.size > 500) {
        // Full: the entry due first went early, and comes out first.
        const got = pop(t, false, 1);
        assert.is(got.length, 1);
        const k = got[0].daddr - 0xc6120000;
        const m = model.get(k)!;
        assert.ok(m && m.ack === got[0].ack, `early entry ${k}`);
        for (const v of model.values()) assert.ok(v.due >= m.due, 'the earliest went early');
        model.delete(k);
      }
    } else if (op < 8) {
      encodeReply(req(REPLY_RST, i), b, 0);
      t.route(b, 0);
      model.delete(i);
    } else {
      now += rnd(50);
      for (const r of pop(t)) {
        const k = r.daddr - 0xc6120000, m = model.get(k);
        assert.ok(m && m.due <= now && m.ack === r.ack, `popped ${k}`);
        model.delete(k);
      }
      for (const v of model.values()) assert.ok(v.due > now, 'nothing due is left behind');
    }
    assert.is(t.size, model.size);
  }
});

// A mock sender on a fake clock, recording what it was given.
class Mock implements BatchSender {
  sent = 0; replies = 0;
  got: { t: number; r: ReplyRequest }[] = [];
  constructor(private clock: () => number) {}
  sendSyns(_i: Uint32Array, _p: Uint16Array, _s: Uint8Array, n: number): number { this.sent += n; return n; }
  sendReplies(b: Uint8Array, n: number): number {
    for (let j = 0, o = 0; j < n; j++, o += replyLength(b, o)) this.got.push({ t: this.clock(), r: decodeReply(b, o) });
    this.sent += n; this.replies += n;
    return n;
  }
  stats() { return { sent: this.sent, replies_sent: this.replies, replies_rejected: 0, errors: 0, bytes: 0 }; }
}

test('the send loop: ACKs now, the idle RST when its wait is over, the ones still waiting at the end of the linger', async () => {
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const timer = new RstTimer(64, () => 0, clock);
  const q = new RepliesQueue(KEY, { route: (b, o) => timer.route(b, o) });
  const mock = new Mock(clock);
  const e = new Engine(mock, q, { rate: 0, lingerMs: 300 }, clock, timer);
  q.add(sealedFrames(KEY, [req(REPLY_ACK_DATA, 1, { delay_ms: 100 }), req(REPLY_RST_LATER, 2, { delay_ms: 2000 })]));
  e.endInput();
  await e.run();
  const seen = mock.got.map((g) => [g.r.kind, g.r.daddr & 0xff]);
  assert.equal(seen, [[REPLY_ACK_DATA, 1], [REPLY_RST, 1], [REPLY_RST, 2]]);
  const [ack, rst1, rst2] = mock.got;
  assert.ok(ack.t < 50, `the ACK went at once (${ack.t.toFixed(1)} ms)`);
  assert.ok(rst1.t >= 100 && rst1.t < 250, `the idle RST after its delay (${rst1.t.toFixed(1)} ms)`);
  assert.ok(rst2.t >= 300 && rst2.t < 1000, `the late one at the end of the linger, not after its 2 s (${rst2.t.toFixed(1)} ms)`);
  assert.equal([timer.stats.fired, timer.stats.at_exit], [1, 1]);
});

test.run();
