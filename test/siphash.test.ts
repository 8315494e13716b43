// The TypeScript SipHash-2-4 reference against the official test vectors (key 00..0f, message
// 00..n-1), and properties of the cookie scheme that blast and catch rely on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { siphash24 } from '../shared/siphash';
import { isn, sourcePort, checkSourcePort, bannerValidationBits, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT } from '../shared/cookie';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
const msg = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);

// From the reference implementation's vectors.h, read as little-endian 64-bit integers.
const VECTORS: [number, bigint][] = [
  [0, 0x726fdb47dd0e0e31n], [1, 0x74f839c593dc67fdn], [7, 0xab0200f58b01d137n],
  [8, 0x93f5f5799a932462n], [15, 0xa129ca6149be45e5n], [63, 0x958a324ceb064572n],
];

for (const [n, want] of VECTORS) {
  test(`siphash24 official vector, ${n}-byte message`, () => {
    assert.is(siphash24(KEY, msg(n)).toString(16), want.toString(16));
  });
}

test('siphash24 rejects a key that is not 16 bytes', () => {
  assert.throws(() => siphash24(new Uint8Array(15), msg(1)), /16 bytes/);
});

test('ISN depends on every field of the tuple and on the key', () => {
  const base = isn(KEY, 0xc6130001, 0xc6120007, 40000, 80);
  assert.is.not(isn(KEY, 0xc6130002, 0xc6120007, 40000, 80), base);
  assert.is.not(isn(KEY, 0xc6130001, 0xc6120008, 40000, 80), base);
  assert.is.not(isn(KEY, 0xc6130001, 0xc6120007, 40001, 80), base);
  assert.is.not(isn(KEY, 0xc6130001, 0xc6120007, 40000, 81), base);
  const other = KEY.slice(); other[0] ^= 1;
  assert.is.not(isn(other, 0xc6130001, 0xc6120007, 40000, 80), base);
  assert.ok(Number.isInteger(base) && base >= 0 && base < 2 ** 32);
});

test('keyed source port carries the probe slot and only the keyed port checks out', () => {
  for (let slot = 0; slot < 16; slot++) {
    const sp = sourcePort(KEY, 0xc6130001, 0xc6120007, 443, slot, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT);
    assert.ok(sp >= DEFAULT_SPORT_BASE && sp <= 61000);
    assert.is(checkSourcePort(KEY, 0xc6130001, 0xc6120007, 443, sp, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT), slot);
    // the same port for another target is (almost always) not keyed for it
    let hits = 0;
    for (let t = 0; t < 200; t++) if (checkSourcePort(KEY, 0xc6130001, 0xc6120100 + t, 443, sp, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT) >= 0) hits++;
    assert.ok(hits < 3, `port accepted for ${hits} other targets`);
  }
  assert.is(checkSourcePort(KEY, 1, 2, 3, DEFAULT_SPORT_BASE - 1, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT), -1);
});

test('a single source port has no slots but still validates', () => {
  const sp = sourcePort(KEY, 1, 2, 80, 5, 40000, 1);
  assert.is(sp, 40000);
  assert.is(checkSourcePort(KEY, 1, 2, 80, 40000, 40000, 1), 0);
});

test('default range gives banners at least 32 bits of validation', () => {
  assert.ok(bannerValidationBits(DEFAULT_SPORT_COUNT) >= 32);
  assert.ok(bannerValidationBits(1) < 32);
});

test.run();
