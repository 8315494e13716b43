// The native SipHash-2-4 and batch cookie check against the official vectors and the TS reference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNative } from '../native/index';
import { siphash24 } from '../shared/siphash';
import { isn, isn6, checkSourcePort, checkSourcePort6, sourcePort, sourcePort6, SLOTS } from '../shared/cookie';
import { referenceCookies } from '../shared/catch/cookies';

const native = loadNative();

// vectors_sip64 of the reference implementation (github.com/veorq/SipHash, vectors.h): key
// 00..0f, message 00..(n-1), output as the 8 little-endian bytes of the 64-bit result.
const VECTORS = [
  '310e0edd47db6f72', 'fd67dc93c539f874', '5a4fa9d909806c0d', '2d7efbd796666785',
  'b7877127e09427cf', '8da699cd64557618', 'cee3fe586e46c9cb', '37d1018bf50002ab',
  '6224939a79f5f593', 'b0e4a90bdf82009e', 'f3b9dd94c5bb5d7a', 'a7ad6b22462fb3f4',
  'fbe50e86bc8f1e75', '903d84c02756ea14', 'eef27a8e90ca23f7', 'e545be4961ca29a1',
  'db9bc2577fcc2a3f', '9447be2cf5e99a69', '9cd38d96f0b3c14b', 'bd6179a71dc96dbb',
  '98eea21af25cd6be', 'c7673b2eb0cbf2d0', '883ea3e395675393', 'c8ce5ccd8c030ca8',
  '94af49f6c650adb8', 'eab8858ade92e1bc', 'f315bb5bb835d817', 'adcf6b0763612e2f',
  'a5c91da7acaa4dde', '716595876650a2a6', '28ef495c53a387ad', '42c341d8fa92d832',
  'ce7cf2722f512771', 'e37859f94623f3a7', '381205bb1ab0e012', 'ae97a10fd434e015',
  'b4a31508beff4d31', '81396229f0907902', '4d0cf49ee5d4dcca', '5c73336a76d8bf9a',
  'd0a704536ba93e0e', '925958fcd6420cad', 'a915c29bc8067318', '952b79f3bc0aa6d4',
  'f21df2e41d4535f9', '87577519048f53a9', '10a56cf5dfcd9adb', 'eb75095ccd986cd0',
  '51a9cb9ecba312e6', '96afadfc2ce666c7', '72fe52975a4364ee', '5a1645b276d592a1',
  'b274cb8ebf87870a', '6f9bb4203de7b381', 'eaecb2a30b22a87f', '9924a43cc1315724',
  'bd838d3aafbf8db7', '0b1a2a3265d51aea', '135079a3231ce660', '932b2846e4d70666',
  'e1915f5cb1eca46c', 'f325965ca16d629f', '575ff28e60381be5', '724506eb4c328a95',
];
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);

function expected(hexLe: string): bigint {
  const b = Buffer.from(hexLe, 'hex');
  return b.readBigUInt64LE(0);
}

test('SipHash-2-4: all 64 official vectors, native and TypeScript', () => {
  for (let n = 0; n < 64; n++) {
    const msg = Uint8Array.from({ length: n }, (_, i) => i);
    const want = expected(VECTORS[n]);
    assert.is(native.siphash24(KEY, msg), want, `native, length ${n}`);
    assert.is(siphash24(KEY, msg), want, `TypeScript, length ${n}`);
  }
  // Spot checks written out, so a wrong table cannot pass unnoticed.
  assert.is(native.siphash24(KEY, new Uint8Array(0)), 0x726fdb47dd0e0e31n);
  assert.is(native.siphash24(KEY, Uint8Array.from({ length: 15 }, (_, i) => i)), 0xa129ca6149be45e5n);
});

// A small deterministic generator, so a failure can be reproduced.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

test('cookies(): ISN and probe slot equal the TypeScript reference on random tuples', () => {
  const r = rng(12345);
  const key = Uint8Array.from({ length: 16 }, () => r() & 0xff);
  for (const [base, count] of [[32768, 28233], [40000, 16], [50000, 7], [1024, 64511]]) {
    const n = 500;
    const saddr = new Uint32Array(n), daddr = new Uint32Array(n), sport = new Uint16Array(n), dport = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      saddr[i] = r(); daddr[i] = r(); dport[i] = r() & 0xffff;
      // Half keyed ports (must come back with their slot), half random (almost all rejected).
      sport[i] = i % 2 === 0 ? sourcePort(key, saddr[i], daddr[i], dport[i], i % SLOTS, base, count) : r() & 0xffff;
    }
    const isnOut = new Uint32Array(n), slotOut = new Int16Array(n);
    native.cookies(key, base, count, saddr, daddr, sport, dport, n, isnOut, slotOut);
    for (let i = 0; i < n; i++) {
      assert.is(isnOut[i], isn(key, saddr[i], daddr[i], sport[i], dport[i]), `isn ${i} (${base}+${count})`);
      const want = checkSourcePort(key, saddr[i], daddr[i], dport[i], sport[i], base, count);
      assert.is(slotOut[i], want, `slot ${i} (${base}+${count})`);
      if (i % 2 === 0) assert.is(want, count >= SLOTS ? i % SLOTS : 0, `keyed port ${i} round-trips`);
    }
  }
});

test('cookies(): the jarm variants (slot 13, ten groups) come back as codes equal to the TypeScript reference', () => {
  const r = rng(4242);
  const key = Uint8Array.from({ length: 16 }, () => r() & 0xff);
  for (const [base, count] of [[32768, 28233], [40000, 176], [1024, 64511]]) {   // 176: eleven groups, the least where a group is refused
    const n = 600;
    const saddr = new Uint32Array(n), daddr = new Uint32Array(n), sport = new Uint16Array(n), dport = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      saddr[i] = r(); daddr[i] = r(); dport[i] = r() & 0xffff;
      // Keyed variant ports, their neighbours one group on (variant 10 is refused), and slot 13 of random groups.
      const v = i % 12;
      const keyed = sourcePort(key, saddr[i], daddr[i], dport[i], 13 + 16 * Math.min(v, 9), base, count);
      sport[i] = v < 10 ? keyed : v === 10 ? (keyed + 16 - base) % (Math.floor(count / 16) * 16) + base : base + 16 * (r() % Math.floor(count / 16)) + 13;
    }
    const isnOut = new Uint32Array(n), slotOut = new Int16Array(n);
    native.cookies(key, base, count, saddr, daddr, sport, dport, n, isnOut, slotOut);
    for (let i = 0; i < n; i++) {
      const want = checkSourcePort(key, saddr[i], daddr[i], dport[i], sport[i], base, count);
      assert.is(slotOut[i], want, `code ${i} (${base}+${count})`);
      if (i % 12 < 10) assert.is(want, 13 + 16 * (i % 12), `variant ${i % 12} round-trips`);
      if (i % 12 === 10) assert.is(want, -1, 'the group past variant 9 is not ours');
    }
  }
});

test('IPv6 cookies over the 128-bit tuple: native, TypeScript and the byte layout of trawl(7) agree, mixed batches too', () => {
  const r = rng(777);
  const key = Uint8Array.from({ length: 16 }, () => r() & 0xff);
  // The layout written out: ISN = SipHash(saddr[16] daddr[16] sport dport), port hash over
  // 0x01 saddr[16] daddr[16] dport, low 32 bits.
  const s = Uint8Array.from({ length: 16 }, (_, i) => 0x20 + i), d = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const m = new Uint8Array(36); m.set(s, 0); m.set(d, 16); m[32] = 0x9c; m[33] = 0x40; m[34] = 0; m[35] = 80;
  assert.is(isn6(key, s, d, 40000, 80), Number(native.siphash24(key, m) & 0xffffffffn));
  const ph = new Uint8Array(35); ph[0] = 1; ph.set(s, 1); ph.set(d, 17); ph[33] = 0; ph[34] = 80;
  const g = Number(native.siphash24(key, ph) & 0xffffffffn);
  assert.is(sourcePort6(key, s, d, 80, 5, 32768, 28233), 32768 + (g % Math.floor(28233 / 16)) * 16 + 5);
  // An IPv4 tuple and the IPv6 tuple of the same bytes hash differently (message lengths differ).
  assert.is.not(isn6(key, new Uint8Array(16), new Uint8Array(16), 1, 2), isn(key, 0, 0, 1, 2));

  for (const [base, count] of [[32768, 28233], [40000, 16], [50000, 7]]) {
    const n = 600;
    const fam = new Uint8Array(n), s6 = new Uint8Array(16 * n), d6 = new Uint8Array(16 * n);
    const saddr = new Uint32Array(n), daddr = new Uint32Array(n), sport = new Uint16Array(n), dport = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      fam[i] = i % 3 === 0 ? 4 : 6;
      dport[i] = r() & 0xffff;
      for (let k = 0; k < 16; k++) { s6[16 * i + k] = r() & 0xff; d6[16 * i + k] = r() & 0xff; }
      saddr[i] = r(); daddr[i] = r();
      const si = s6.subarray(16 * i, 16 * i + 16), di = d6.subarray(16 * i, 16 * i + 16);
      const keyed = fam[i] === 6 ? sourcePort6(key, si, di, dport[i], i % SLOTS, base, count)
        : sourcePort(key, saddr[i], daddr[i], dport[i], i % SLOTS, base, count);
      sport[i] = i % 2 === 0 ? keyed : r() & 0xffff;
    }
    const isnOut = new Uint32Array(n), slotOut = new Int16Array(n);
    native.cookies(key, base, count, saddr, daddr, sport, dport, n, isnOut, slotOut, fam, s6, d6);
    const refIsn = new Uint32Array(n), refSlot = new Int16Array(n);
    referenceCookies(key, base, count)(saddr, daddr, sport, dport, n, refIsn, refSlot, fam, s6, d6);
    for (let i = 0; i < n; i++) {
      const si = s6.subarray(16 * i, 16 * i + 16), di = d6.subarray(16 * i, 16 * i + 16);
      const wantIsn = fam[i] === 6 ? isn6(key, si, di, sport[i], dport[i]) : isn(key, saddr[i], daddr[i], sport[i], dport[i]);
      const wantSlot = fam[i] === 6 ? checkSourcePort6(key, si, di, dport[i], sport[i], base, count)
        : checkSourcePort(key, saddr[i], daddr[i], dport[i], sport[i], base, count);
      assert.is(isnOut[i], wantIsn, `isn ${i} IPv${fam[i]} (${base}+${count})`);
      assert.is(slotOut[i], wantSlot, `slot ${i} IPv${fam[i]} (${base}+${count})`);
      assert.is(refSlot[i], wantSlot, `reference slot ${i}`);
      if (wantSlot >= 0) assert.is(refIsn[i], wantIsn, `reference isn ${i}`);
      if (i % 2 === 0) assert.is(wantSlot, count >= SLOTS ? i % SLOTS : 0, `keyed port ${i} round-trips`);
    }
  }
});

test('siphash24/cookies: bad arguments throw naming the argument', () => {
  const u32 = new Uint32Array(4), u16 = new Uint16Array(4), i8 = new Int16Array(4);
  assert.throws(() => native.siphash24(new Uint8Array(15), new Uint8Array(1)), /siphash24: key must be 16 bytes/);
  assert.throws(() => (native.siphash24 as any)(KEY, 'abc'), /siphash24: msg must be a Uint8Array/);
  assert.throws(() => (native.siphash24 as any)(), /siphash24: key must be a Uint8Array/);
  assert.throws(() => native.cookies(KEY, 32768, 28233, u32, u32, u16, u16, 5, u32, i8), /cookies: n is larger than saddr.length/);
  assert.throws(() => native.cookies(KEY, 32768, 28233, u32, u32, u16, u16, 4, u32, new Int16Array(2)), /cookies: n is larger than slotOut.length/);
  assert.throws(() => (native.cookies as any)(KEY, 32768, 28233, u32, u32, u32, u16, 4, u32, i8), /cookies: sport must be a Uint16Array/);
  assert.throws(() => native.cookies(KEY, 60000, 10000, u32, u32, u16, u16, 4, u32, i8), /cookies: sportCount must be between 1 and 5536/);
  assert.throws(() => native.cookies(KEY, 1.5, 10, u32, u32, u16, u16, 4, u32, i8), /cookies: sportBase must be an integer/);
  const fam = new Uint8Array(4).fill(6);
  assert.throws(() => native.cookies(KEY, 32768, 28233, u32, u32, u16, u16, 4, u32, i8, fam, new Uint8Array(63), new Uint8Array(64)),
    /cookies: saddr6 must hold 16 bytes per entry/);
  assert.throws(() => native.cookies(KEY, 32768, 28233, u32, u32, u16, u16, 4, u32, i8, new Uint8Array(3), new Uint8Array(64), new Uint8Array(64)),
    /cookies: n is larger than families.length/);
  assert.throws(() => (native.cookies as any)(KEY, 32768, 28233, u32, u32, u16, u16, 4, u32, i8, fam, u32, new Uint8Array(64)),
    /cookies: saddr6 must be a Uint8Array/);
  try { (native.cookies as any)(); assert.unreachable('no arguments must throw'); } catch (e) {
    assert.instance(e, TypeError);
  }
});

test.run();
