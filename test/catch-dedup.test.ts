// catch's duplicate window: its memory is proportional to --dedup-window (50 bytes per N, 82
// for IPv6, never doubled by rounding to a power of two), and at its bound it still knows the
// last N keys, retransmissions of SYN-ACKs (same ISN) included, while a key 2N new keys old is
// forgotten.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEDUP6_BYTES_PER_KEY, DEDUP_BYTES_PER_KEY, DEDUP_CHANGED, DEDUP_NEW, DEDUP_SAME, DEFAULT_DEDUP_WINDOW, DedupWindow } from '../shared/catch/dedup';

test('memory: 50 bytes per N (82 for IPv6) at any N, the default 6.25 MiB', () => {
  for (const n of [4, 1000, 65536, 65537, 100000, 131072, 262144, 262145]) {
    const b = new DedupWindow(n).bytes;
    assert.ok(b >= DEDUP_BYTES_PER_KEY * n && b <= DEDUP_BYTES_PER_KEY * n + 16, `N ${n}: ${b} bytes`);
    const b6 = new DedupWindow(n, true).bytes;
    assert.ok(b6 >= DEDUP6_BYTES_PER_KEY * n && b6 <= DEDUP6_BYTES_PER_KEY * n + 16, `IPv6 N ${n}: ${b6} bytes`);
  }
  assert.is(new DedupWindow(DEFAULT_DEDUP_WINDOW).bytes, 6.25 * 1024 * 1024);
});

// n keys of targets from base, port 80, ISN from the target: as SYN-ACKs of a /16.
function feed(d: DedupWindow, base: number, n: number, isn = (t: number) => Math.imul(t, 2654435761) >>> 0): number[] {
  const r: number[] = [];
  for (let t = base; t < base + n; t++) r.push(d.check(0, t, (80 << 16) | 40000, isn(t)));
  return r;
}

for (const n of [1000, 4099, 65536 + 3]) {
  test(`N = ${n}: the last N keys stay known at the bound, retransmissions are duplicates, 2N later they are gone`, () => {
    const d = new DedupWindow(n);
    assert.ok(feed(d, 0, n).every((x) => x === DEDUP_NEW));
    // Every retransmission of the window's keys, in any order, is a duplicate (and inserts nothing).
    assert.ok(feed(d, 0, n).every((x) => x === DEDUP_SAME), 'retransmissions of the last N');
    // N more keys: the first N are in the old generation, still known, and the newest too.
    feed(d, 10 * n, n);
    assert.ok(feed(d, 10 * n, n).every((x) => x === DEDUP_SAME), 'the newest N');
    assert.ok(feed(d, 0, n).every((x) => x === DEDUP_SAME), 'the N before them');
    // A new connection (another ISN) on a port of either generation is told apart.
    assert.is(d.check(0, 10 * n + 7, (80 << 16) | 40000, 12345), DEDUP_CHANGED);
    assert.is(d.check(0, 7, (80 << 16) | 40000, 12345), DEDUP_CHANGED);
  });
}

test('a key is forgotten after at most 2N newer ones', () => {
  const n = 5000, d = new DedupWindow(n);
  feed(d, 0, 1);
  feed(d, 1000, 2 * n);
  assert.is(feed(d, 0, 1)[0], DEDUP_NEW);
});

test('a sequential scan and one target\'s many ports: every key new once, then known', () => {
  const n = 1 << 18, d = new DedupWindow(n);
  const ports = (p: number) => (((80 + (p >>> 14)) << 16) | (32768 + (p & 0x3fff))) >>> 0;   // 8 dports x 16,384 sports
  let fresh = 0, known = 0;
  for (let t = 0; t < n / 2; t++) fresh += +(d.check(0, 0x0a000000 + t, 80 << 16, 1) === DEDUP_NEW);
  for (let p = 0; p < n / 2; p++) fresh += +(d.check(1, 0x0a000001, ports(p), 1) === DEDUP_NEW);
  for (let t = 0; t < n / 2; t++) known += +(d.check(0, 0x0a000000 + t, 80 << 16, 1) === DEDUP_SAME);
  for (let p = 0; p < n / 2; p++) known += +(d.check(1, 0x0a000001, ports(p), 1) === DEDUP_SAME);
  assert.equal([fresh, known], [n, n]);
});

test.run();
