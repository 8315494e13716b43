// SipHash-2-4 (Aumasson and Bernstein) in TypeScript, on pairs of 32-bit halves so that no
// BigInt is made per message: the replies channel authenticates every request with it
// (shared/replies-auth.ts), at up to 10^5 requests a second. The native module has the C++
// twin; test/siphash.test.ts and test/native-cookie.test.ts prove them equal on the official
// vectors.

/** A SipHash-2-4 key, split once into its four 32-bit halves; hash() leaves the 64-bit result
 *  in hi and lo (unsigned 32-bit each). */
export class SipHash {
  hi = 0;
  lo = 0;
  private k0h: number; private k0l: number; private k1h: number; private k1l: number;
  private v = new Uint32Array(8);   // v0..v3 as (high, low) halves

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new TypeError('siphash24: key must be 16 bytes');
    this.k0l = le32(key, 0); this.k0h = le32(key, 4);
    this.k1l = le32(key, 8); this.k1h = le32(key, 12);
  }

  /** Hashes len bytes of m from off. */
  hash(m: Uint8Array, off: number, len: number): void {
    const s = this.v;
    s[0] = this.k0h ^ 0x736f6d65; s[1] = this.k0l ^ 0x70736575;
    s[2] = this.k1h ^ 0x646f7261; s[3] = this.k1l ^ 0x6e646f6d;
    s[4] = this.k0h ^ 0x6c796765; s[5] = this.k0l ^ 0x6e657261;
    s[6] = this.k1h ^ 0x74656462; s[7] = this.k1l ^ 0x79746573;
    const end = off + len - (len % 8);
    let mh: number, ml: number;
    for (let o = off; o < end; o += 8) {
      ml = le32(m, o); mh = le32(m, o + 4);
      s[6] ^= mh; s[7] ^= ml;
      sipRounds(s, 2);
      s[0] ^= mh; s[1] ^= ml;
    }
    // The last block: the 0-7 tail bytes, and the length's low byte in the top byte.
    ml = 0; mh = (len & 0xff) << 24;
    for (let i = 0, o = end; o < off + len; i++, o++) {
      if (i < 4) ml |= m[o] << (8 * i); else mh |= m[o] << (8 * (i - 4));
    }
    s[6] ^= mh; s[7] ^= ml;
    sipRounds(s, 2);
    s[0] ^= mh; s[1] ^= ml;
    s[5] ^= 0xff;
    sipRounds(s, 4);
    this.hi = (s[0] ^ s[2] ^ s[4] ^ s[6]) >>> 0;
    this.lo = (s[1] ^ s[3] ^ s[5] ^ s[7]) >>> 0;
  }
}

// n SipRounds on v0..v3 held as (high, low) halves in s[0..7]: 64-bit adds carry from the low
// half, rotations are pairs of shifts, a rotation by 32 swaps the halves.
function sipRounds(s: Uint32Array, n: number): void {
  let v0h = s[0], v0l = s[1], v1h = s[2], v1l = s[3], v2h = s[4], v2l = s[5], v3h = s[6], v3l = s[7];
  let t: number, u: number;
  for (; n > 0; n--) {
    // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
    t = (v0l + v1l) >>> 0; v0h = (v0h + v1h + (t < v0l ? 1 : 0)) >>> 0; v0l = t;
    t = (v1h << 13) | (v1l >>> 19); u = (v1l << 13) | (v1h >>> 19); v1h = (t ^ v0h) >>> 0; v1l = (u ^ v0l) >>> 0;
    t = v0h; v0h = v0l; v0l = t;
    // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
    t = (v2l + v3l) >>> 0; v2h = (v2h + v3h + (t < v2l ? 1 : 0)) >>> 0; v2l = t;
    t = (v3h << 16) | (v3l >>> 16); u = (v3l << 16) | (v3h >>> 16); v3h = (t ^ v2h) >>> 0; v3l = (u ^ v2l) >>> 0;
    // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
    t = (v0l + v3l) >>> 0; v0h = (v0h + v3h + (t < v0l ? 1 : 0)) >>> 0; v0l = t;
    t = (v3h << 21) | (v3l >>> 11); u = (v3l << 21) | (v3h >>> 11); v3h = (t ^ v0h) >>> 0; v3l = (u ^ v0l) >>> 0;
    // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
    t = (v2l + v1l) >>> 0; v2h = (v2h + v1h + (t < v2l ? 1 : 0)) >>> 0; v2l = t;
    t = (v1h << 17) | (v1l >>> 15); u = (v1l << 17) | (v1h >>> 15); v1h = (t ^ v2h) >>> 0; v1l = (u ^ v2l) >>> 0;
    t = v2h; v2h = v2l; v2l = t;
  }
  s[0] = v0h; s[1] = v0l; s[2] = v1h; s[3] = v1l; s[4] = v2h; s[5] = v2l; s[6] = v3h; s[7] = v3l;
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** The 64-bit SipHash-2-4 of msg under a 16-byte key, as the unsigned integer the spec outputs. */
export function siphash24(key: Uint8Array, msg: Uint8Array): bigint {
  const h = new SipHash(key);
  h.hash(msg, 0, msg.length);
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}
