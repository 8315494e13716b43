// The replies channel on bytes: the one layout table (and the C++ header made from it), the
// codec, the MAC (every byte covered), replay and freshness, and blast's reader finding every
// good frame among stray bytes, split reads and forgeries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';
import {
  decodeReply, encodeReply, frameAt, REPLY, REPLY_F_TS, REPLY_KINDS, REPLY_LAYOUT_ID, REPLY_MAX_FRAME, REPLY_MIN_FRAME,
  REPLY_VERSION, ReplyRequest,
} from '../shared/replies';
import { MAX_WRITERS, Opener, REPLAYED, replyMacKey, Sealer, STALE, TOO_MANY_WRITERS } from '../shared/replies-auth';
import { RepliesQueue } from '../shared/blast/replies';
import { repliesHeader } from '../native/gen-replies-h';
import { siphash24 } from '../shared/siphash';
import { core, decodeFrames, readRequests, sealedFrames } from './requests';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
const req = (i: number, over: Partial<ReplyRequest> = {}): ReplyRequest => ({
  kind: 1, slot: i & 15, daddr: 0xc6120000 + i, saddr: 0xc6130001, dport: 80 + i, sport: 40000 + i,
  seq: 0x10000000 + i, ack: 0x20000000 + i, ...over,
});
const zeroDrops = { bad_mac: 0, replayed: 0, stale: 0, stray_bytes: 0, too_many_writers: 0, queue_full: 0 };

test('layout: the table tiles the header; the C++ header the build used is the one made from it', () => {
  let at = 0;
  for (const x of Object.values(REPLY)) { assert.is(x.at, at); at += x.size; }
  assert.is(REPLY_MIN_FRAME, 104);
  assert.ok(REPLY_MAX_FRAME <= 4096, 'a frame fits PIPE_BUF: writes stay atomic with several writers');
  const built = path.join(ROOT, 'native', 'gen', 'replies.h');
  if (!fs.existsSync(built)) { console.log('  (native header not generated: run make)'); return; }
  assert.is(fs.readFileSync(built, 'utf8'), repliesHeader());
  assert.ok(repliesHeader().includes(JSON.stringify(REPLY_LAYOUT_ID)));
  assert.ok(repliesHeader().includes('constexpr size_t seq         = 68;'));
  const mod = path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node');
  if (fs.existsSync(mod)) assert.is(require(mod).replyLayout, REPLY_LAYOUT_ID, 'the native module was built from this table');
});

test('codec: every field round-trips, IPv4 in the first 4 address bytes, payloads up to 1400', () => {
  const buf = new Uint8Array(REPLY_MAX_FRAME);
  const r: ReplyRequest = {
    kind: REPLY_KINDS.ACK_DATA.n, slot: 9, family: 4, daddr: 0xc6120304, saddr: 0xc6130001, dport: 443, sport: 50001,
    seq: 0xfffffff0, ack: 7, window: 65535, wscale: 14, flags: REPLY_F_TS, delay_ms: 250, tsval: 0x80000001, tsecr: 0xfffffffe,
    payload: Uint8Array.from({ length: 1400 }, (_, i) => i & 255),
  };
  assert.is(encodeReply(r, buf, 0), REPLY_MIN_FRAME + 1400);
  assert.equal(decodeReply(buf, 0), r);
  assert.equal(Array.from(buf.subarray(REPLY.daddr.at, REPLY.daddr.at + 16)), [198, 18, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.is(frameAt(buf, 0), REPLY_MIN_FRAME + 1400);
  const v6 = { ...req(1), family: 6, daddr6: Uint8Array.from({ length: 16 }, (_, i) => 0x20 + i), saddr6: new Uint8Array(16).fill(9) };
  encodeReply(v6, buf, 0);
  const back = decodeReply(buf, 0);
  assert.equal([back.family, back.daddr6, back.saddr6], [6, v6.daddr6, v6.saddr6]);
  assert.throws(() => encodeReply({ ...req(0), payload: new Uint8Array(1401) }, buf, 0), /at most 1400/);
});

test('MAC key: derived from the scan key (SipHash over a label), not the key itself', () => {
  const k = replyMacKey(KEY);
  const label = Buffer.from('trawl replies MAC key');
  const lo = siphash24(KEY, Buffer.concat([label, Buffer.of(0)])), hi = siphash24(KEY, Buffer.concat([label, Buffer.of(1)]));
  assert.is(Buffer.from(k).readBigUInt64LE(0), lo);
  assert.is(Buffer.from(k).readBigUInt64LE(8), hi);
});

test('the MAC covers every byte: any one byte changed, and the frame is dropped', () => {
  const good = sealedFrames(KEY, [req(1)]);
  for (let i = 0; i < good.length; i++) {
    for (const x of [0x01, 0x80]) {
      const bad = good.slice(); bad[i] ^= x;
      const { reqs, queue } = readRequests(KEY, bad);
      assert.is(reqs.length, 0, `byte ${i} ^ ${x}`);
      assert.ok(queue.drops.bad_mac + queue.drops.stray_bytes > 0);
    }
  }
  assert.is(readRequests(new Uint8Array(16), good).queue.drops.bad_mac, 1, 'another key');
});

test('replay: a frame is taken once; two writers keep their own counters; an old frame is stale', () => {
  const a = new Sealer(KEY), b = new Sealer(KEY);
  const fa = sealedFrames(KEY, [req(1), req(2)], a), fb = sealedFrames(KEY, [req(3)], b);
  const one = fa.subarray(0, REPLY_MIN_FRAME), two = fa.subarray(REPLY_MIN_FRAME);
  const q = new RepliesQueue(KEY);
  q.add(one); q.add(fb); q.add(two);        // interleaved writers
  q.add(one); q.add(one); q.add(fb);        // replays, in and out of order
  assert.is(q.count, 3);
  assert.equal(q.drops, { ...zeroDrops, replayed: 3 });
  assert.equal(decodeFrames(q.view()).map((r) => r.daddr), [req(1).daddr, req(3).daddr, req(2).daddr]);
  const old = sealedFrames(KEY, [req(4)], new Sealer(KEY, () => Date.now() - 61000));
  const future = sealedFrames(KEY, [req(5)], new Sealer(KEY, () => Date.now() + 60000));
  q.add(old); q.add(future);
  assert.equal(q.drops, { ...zeroDrops, replayed: 3, stale: 2 });
});

test('replay window: bounded writers, forgotten only once every frame they could replay is stale', () => {
  const o = new Opener(KEY, 60000);
  const t0 = 1_800_000_000_000;
  const frame = (s: Sealer) => sealedFrames(KEY, [req(0)], s);
  const first = new Sealer(KEY, () => t0);
  const f1 = frame(first);
  assert.is(o.admit(f1, 0, t0), 0);
  for (let i = 1; i < MAX_WRITERS; i++) assert.is(o.admit(frame(new Sealer(KEY, () => t0 + 1)), 0, t0 + 1), 0);
  assert.is(o.size, MAX_WRITERS);
  assert.is(o.admit(frame(new Sealer(KEY, () => t0 + 2)), 0, t0 + 2), TOO_MANY_WRITERS, 'full while every writer is fresh');
  assert.is(o.admit(f1, 0, t0 + 2), REPLAYED);
  // 60.5 s later the first writer's frames are all stale: it may go, and its frame stays refused.
  const later = t0 + 60500;
  assert.is(o.admit(frame(new Sealer(KEY, () => later)), 0, later), 0);
  assert.is(o.size, 1, 'every writer whose last frame is older than the window forgotten');
  assert.is(o.admit(f1, 0, later), STALE);
});

test('framing: stray bytes anywhere, reads split at every byte: every good frame is found, in order', () => {
  const reqs = [req(1), { ...req(2), kind: 2 }, { ...req(3), kind: 5, payload: Uint8Array.of(1, 2, 3) }, req(4)];
  const frames = sealedFrames(KEY, reqs);
  const cut = [0, REPLY_MIN_FRAME, 2 * REPLY_MIN_FRAME, 3 * REPLY_MIN_FRAME + 3, frames.length];
  // A stray byte first; after frames 0, 2 and 3 a false start (a header claiming a frame's
  // length, whose MAC cannot check out), after frame 1 a frame forged with another key.
  const forged = sealedFrames(new Uint8Array(16), [req(9)]);
  const falseStart = Uint8Array.of(0x74, 0x72, REPLY_VERSION, 0x01, 0x00, REPLY_MIN_FRAME);
  const parts: Uint8Array[] = [Uint8Array.of(0x74)];
  for (let i = 0; i < 4; i++) parts.push(frames.subarray(cut[i], cut[i + 1]), i === 1 ? forged : falseStart);
  const stream = Buffer.concat(parts);
  for (let split = 0; split <= stream.length; split += 7) {
    const q = new RepliesQueue(KEY);
    q.add(stream.subarray(0, split));
    q.add(stream.subarray(split));
    assert.equal(decodeFrames(q.view()).map(core), reqs.map(core), `split at ${split}`);
    // The last false start waits for the bytes that would complete it: not counted yet.
    assert.is(q.drops.bad_mac, 3, `split at ${split}`);
    assert.is(q.drops.stray_bytes, 1 + 2 * 5 + REPLY_MIN_FRAME - 1, `split at ${split}`);
  }
  // One byte at a time.
  const q = new RepliesQueue(KEY);
  for (const b of stream) q.add(Uint8Array.of(b));
  assert.is(q.count, 4);
});

test('queue: frames of mixed lengths leave in order, drop() walks their lengths', () => {
  const reqs = Array.from({ length: 50 }, (_, i) => (i % 3 ? req(i) : { ...req(i), kind: 5, payload: new Uint8Array(i * 20) }));
  const q = new RepliesQueue(KEY, { capacityBytes: 4 * REPLY_MAX_FRAME });
  q.add(sealedFrames(KEY, reqs));
  const got: number[] = [];
  while (q.count) {
    const v = q.view();
    got.push(decodeReply(v, 0).daddr);
    q.drop(1);
  }
  assert.equal(got, reqs.map((r) => r.daddr));
  assert.is(q.drops.queue_full, 0);
});

test.run();
