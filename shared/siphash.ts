// SipHash-2-4 (Aumasson and Bernstein), the reference implementation in TypeScript. The native
// module has the fast one; test/cookie.test.ts proves both equal on the official vectors.
const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M64;

function le64(b: Uint8Array, o: number): bigint {
  let x = 0n;
  for (let i = 7; i >= 0; i--) x = (x << 8n) | BigInt(b[o + i]);
  return x;
}

/** The 64-bit SipHash-2-4 of msg under a 16-byte key, as the unsigned integer the spec outputs. */
export function siphash24(key: Uint8Array, msg: Uint8Array): bigint {
  if (key.length !== 16) throw new TypeError('siphash24: key must be 16 bytes');
  const k0 = le64(key, 0), k1 = le64(key, 8);
  let v0 = k0 ^ 0x736f6d6570736575n, v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n, v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const full = msg.length - (msg.length % 8);
  for (let o = 0; o < full; o += 8) {
    const m = le64(msg, o);
    v3 ^= m; round(); round(); v0 ^= m;
  }
  let last = BigInt(msg.length & 0xff) << 56n;
  for (let i = msg.length - 1; i >= full; i--) last |= BigInt(msg[i]) << BigInt(8 * (i - full));
  v3 ^= last; round(); round(); v0 ^= last;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return (v0 ^ v1 ^ v2 ^ v3) & M64;
}
