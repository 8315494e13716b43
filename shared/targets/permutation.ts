// A keyed bijection of [0, n) for any n up to 2^63: masscan's BlackRock construction, i.e. an
// unbalanced Feistel network over [0, a*b) with a*b >= n (Black & Rogaway's FE2), plus cycle
// walking to stay below n. Any index maps to its target directly, so shards, resume and
// --limit need no state and no rejection sampling of excluded addresses.

// Even, so the output is a*R + L. Four is masscan's default and Luby-Rackoff's bound for a strong
// pseudo-random permutation; with a full-avalanche round function the first 65,536 targets over
// 10.0.0.0/8 touch 41,450-41,530 /24s (uniform: 41,427). Six rounds cost 15% more time.
export const ROUNDS = 4;

export const MAX_NUMBER_N = 2 ** 52;  // up to here all arithmetic stays on doubles, exactly
export const MAX_N = 1n << 63n;

/** splitmix64: turns one 64-bit seed into well-spread round keys. */
function* splitmix64(seed: bigint): Generator<bigint> {
  const M = (1n << 64n) - 1n;
  let s = seed & M;
  for (;;) {
    s = (s + 0x9e3779b97f4a7c15n) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    yield z ^ (z >> 31n);
  }
}

/** murmur3's 32-bit finalizer over r * mul ^ xor; mul is odd, so r -> result is a bijection. */
function mix(r: number, mul: number, xor: number): number {
  let h = Math.imul(r | 0, mul) ^ xor;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

export class Permutation {
  readonly n: bigint;
  /** n as a double when n <= MAX_NUMBER_N (the fast path), else NaN. */
  readonly nNum: number;
  readonly a: number;
  readonly b: number;
  private readonly aScale: number;
  private readonly bScale: number;
  private readonly aBig: bigint;
  private readonly mul = new Int32Array(ROUNDS);
  private readonly xor = new Int32Array(ROUNDS);

  constructor(n: bigint, seed: bigint) {
    if (n < 1n || n > MAX_N) throw new RangeError(`permutation size ${n} outside 1..2^63`);
    this.n = n;
    this.nNum = n <= BigInt(MAX_NUMBER_N) ? Number(n) : NaN;
    // a*b - n < a <= sqrt(n): cycle walking almost never takes a second step.
    const a = isqrt(n);
    const b = (n + a - 1n) / a;
    this.a = Number(a);
    this.b = Number(b);
    this.aBig = a;
    this.aScale = this.a / 2 ** 32;
    this.bScale = this.b / 2 ** 32;
    const keys = splitmix64(seed);
    for (let j = 0; j < ROUNDS; j++) {
      const k = keys.next().value as bigint;
      this.mul[j] = Number(k & 0xffffffffn) | 1;      // odd: a bijection mod 2^32
      this.xor[j] = Number((k >> 32n) & 0xffffffffn) | 0;
    }
  }

  // The round function: a keyed 32-bit mixer (murmur3's finalizer), whose output is scaled
  // onto [0, m) by a multiply (Lemire's range reduction) rather than a modulo, which on doubles
  // is a libm call. r < 2^32 always holds because b <= ceil(2^63 / floor(2^31.5)) < 2^32, and
  // the scaled value stays below m because m < 2^32 leaves a margin far above one ulp.
  private f(j: number, r: number): number {
    return mix(r, this.mul[j], this.xor[j]);
  }

  /**
   * One Feistel pass over [0, a*b) on the halves L = m mod a, R = m div a, returned as a*R + L.
   * Even rounds add modulo a, odd rounds modulo b, so after an even number of rounds L < a
   * and R < b again. On the fast path a, b < 2^27, so every value is an int32 and the modular
   * add is branchless: a mispredicted branch per round cost more than the rest of the round.
   */
  private encNum(m: number): number {
    const a = this.a, b = this.b, as = this.aScale, bs = this.bScale, mul = this.mul, xor = this.xor;
    // m div a and m mod a without a double modulo; the quotient of a double division can be
    // one too high just below a multiple of a, which the correction undoes.
    let R = Math.floor(m / a);
    let L = m - R * a;
    if (L < 0) { R--; L += a; }
    for (let j = 0; j < ROUNDS; j += 2) {
      let t = L + ((mix(R, mul[j], xor[j]) * as) | 0);
      t -= a & ((a - 1 - t) >> 31);
      L = R; R = t;
      t = L + ((mix(R, mul[j + 1], xor[j + 1]) * bs) | 0);
      t -= b & ((b - 1 - t) >> 31);
      L = R; R = t;
    }
    return a * R + L;
  }

  /** The round keys as the native walk takes them (native/src/walk.cc): the four multipliers,
   *  then the four xors. */
  roundKeys(): Int32Array {
    const k = new Int32Array(2 * ROUNDS);
    k.set(this.mul, 0);
    k.set(this.xor, ROUNDS);
    return k;
  }

  /** The fast path: valid when n <= MAX_NUMBER_N and 0 <= m < n. */
  shuffle(m: number): number {
    const n = this.nNum;
    let c = this.encNum(m);
    while (c >= n) c = this.encNum(c);
    return c;
  }

  private encBig(m: bigint): bigint {
    const a = this.a, b = this.b;
    let L = Number(m % this.aBig);
    let R = Number(m / this.aBig);
    for (let j = 0; j < ROUNDS; j++) {
      const odd = j & 1;
      const t = L + Math.floor(this.f(j, R) * (odd ? this.bScale : this.aScale));
      const mod = odd ? b : a;
      L = R;
      R = t >= mod ? t - mod : t;
    }
    return this.aBig * BigInt(R) + BigInt(L);
  }

  /** Exact for every n up to 2^63. */
  shuffleBig(m: bigint): bigint {
    let c = this.encBig(m);
    while (c >= this.n) c = this.encBig(c);
    return c;
  }
}
