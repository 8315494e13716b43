// walkFill: blast's walk of a target plan (shared/targets/walk.ts) in native code, a batch per
// call, so no JavaScript runs per target between the walk record and the send ring. It is the
// fast path of TargetWalk.fill, which stays the reference: the same permutation
// (shared/targets/permutation.ts, the four-round Feistel network on doubles), the same interval
// lookup (shared/targets/space.ts), bit for bit (test/walk-native.test.ts compares them).
// Measured over an 8 M-target walk (CPU time of fill() alone, load 7 on 2 cores): TargetWalk.fill
// 63-82 ns a target, walkFill 32-35 ns.
#include "common.h"

namespace trawl {

// murmur3's 32-bit finalizer over r * mul ^ xor, as mix() in permutation.ts (Math.imul wraps).
static inline uint32_t mix(uint32_t r, uint32_t mul, uint32_t x) {
  uint32_t h = (r * mul) ^ x;
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  h = (h ^ (h >> 13)) * 0xc2b2ae35u;
  return h ^ (h >> 16);
}

struct Perm {
  int64_t a, b;
  double aD;               // a as a double
  double aScale, bScale;   // a / 2^32, b / 2^32: the doubles the TypeScript multiplies by
  uint32_t mul[4], xr[4];
  uint64_t n;

  // One Feistel pass (Permutation.encNum). The round's range reduction multiplies doubles and
  // truncates, as `(mix * scale) | 0` does: one multiply, nothing to contract, so the product
  // rounds exactly as V8's does.
  uint64_t enc(uint64_t m) const {
    // m div a on doubles, as encNum does (a little cheaper than a 64-bit integer division here:
    // 35.3 against 36.4 ns a target). The quotient can be one too high just below a multiple
    // of a; the correction undoes it.
    int64_t R = (int64_t)((double)m / aD), L = (int64_t)m - R * a;
    if (L < 0) { R--; L += a; }
    for (int j = 0; j < 4; j += 2) {
      int64_t t = L + (int32_t)((double)mix((uint32_t)R, mul[j], xr[j]) * aScale);
      if (t >= a) t -= a;
      L = R; R = t;
      t = L + (int32_t)((double)mix((uint32_t)R, mul[j + 1], xr[j + 1]) * bScale);
      if (t >= b) t -= b;
      L = R; R = t;
    }
    return (uint64_t)(a * R + L);
  }

  uint64_t shuffle(uint64_t m) const {
    uint64_t c = enc(m);
    while (c >= n) c = enc(c);
    return c;
  }
};

// The last k with base[k] <= x (base ascending from 0), as intervalAt() in space.ts.
static inline size_t intervalAt(const double* base, size_t len, double x) {
  size_t lo = 0, hi = len - 1;
  while (lo < hi) {
    size_t mid = (lo + hi + 1) >> 1;
    if (base[mid] <= x) lo = mid; else hi = mid - 1;
  }
  return lo;
}

// walkFill(rounds, dims, v4Start, v4Base, v6Words, v6Base, ports, i, step, end, max,
//          families, ips, addrs6, keys, idx) -> how many filled
// rounds: Int32Array [mul0..3, xor0..3]; dims: Float64Array [a, b, n, v4Count, addresses];
// the rest as TargetWalk.fill. Targets i, i + step, ... below end, at most max of them.
static Napi::Value WalkFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t nr, nd, n4s, n4b, n6w, n6b, np, nf, ni, n6, nk, nx;
  const int32_t* rounds = typedArg<int32_t>(env, info[0], napi_int32_array, "walkFill: rounds", &nr);
  const double* dims = typedArg<double>(env, info[1], napi_float64_array, "walkFill: dims", &nd);
  const double* v4Start = typedArg<double>(env, info[2], napi_float64_array, "walkFill: v4Start", &n4s);
  const double* v4Base = typedArg<double>(env, info[3], napi_float64_array, "walkFill: v4Base", &n4b);
  const double* v6Words = typedArg<double>(env, info[4], napi_float64_array, "walkFill: v6Words", &n6w);
  const double* v6Base = typedArg<double>(env, info[5], napi_float64_array, "walkFill: v6Base", &n6b);
  const uint32_t* ports = typedArg<uint32_t>(env, info[6], napi_uint32_array, "walkFill: ports", &np);
  const double MAXN = 4503599627370496.0;   // 2^52: the walk's bound (walkRefusal)
  uint64_t i = (uint64_t)intArg(env, info[7], 0, (int64_t)MAXN * 2, "walkFill: i");
  uint64_t step = (uint64_t)intArg(env, info[8], 1, (int64_t)MAXN, "walkFill: step");
  uint64_t end = (uint64_t)intArg(env, info[9], 0, (int64_t)MAXN, "walkFill: end");
  size_t max = (size_t)intArg(env, info[10], 0, 1 << 24, "walkFill: max");
  uint8_t* families = typedArg<uint8_t>(env, info[11], napi_uint8_array, "walkFill: families", &nf);
  uint32_t* ips = typedArg<uint32_t>(env, info[12], napi_uint32_array, "walkFill: ips", &ni);
  uint8_t* addrs6 = typedArg<uint8_t>(env, info[13], napi_uint8_array, "walkFill: addrs6", &n6);
  uint32_t* keys = typedArg<uint32_t>(env, info[14], napi_uint32_array, "walkFill: keys", &nk);
  double* idx = typedArg<double>(env, info[15], napi_float64_array, "walkFill: idx", &nx);

  if (nr != 8 || nd != 5) rangeError(env, "walkFill: rounds must hold 8 and dims 5 numbers");
  if (n4s != n4b || n6w != 4 * n6b || np == 0) rangeError(env, "walkFill: the interval tables do not agree");
  if (nf < max || ni < max || n6 < 16 * max || nk < max || nx < max) rangeError(env, "walkFill: an output array is shorter than max");
  Perm p;
  p.a = (int64_t)dims[0]; p.b = (int64_t)dims[1]; p.n = (uint64_t)dims[2];
  uint64_t A4 = (uint64_t)dims[3], A = (uint64_t)dims[4];
  if (p.a < 1 || p.b < 1 || p.a >= (1LL << 32) || p.b >= (1LL << 32) || p.n < 1 || p.n > (uint64_t)p.a * (uint64_t)p.b ||
      (double)p.n > MAXN || A < 1 || A4 > A || A * np != p.n || (A4 > 0 && n4s == 0) || (A > A4 && n6b == 0)) {
    rangeError(env, "walkFill: dims do not describe a walk of at most 2^52 targets");
  }
  p.aD = (double)p.a;
  p.aScale = (double)p.a / 4294967296.0;
  p.bScale = (double)p.b / 4294967296.0;
  for (int j = 0; j < 4; j++) { p.mul[j] = (uint32_t)rounds[j]; p.xr[j] = (uint32_t)rounds[4 + j]; }

  const double AD = (double)A;
  size_t c = 0;
  for (; c < max && i < end && i < p.n; c++, i += step) {
    uint64_t x = p.shuffle(i);
    // x div A on doubles too (exact below 2^53 but for the quotient's rounding, corrected).
    int64_t pq = (int64_t)((double)x / AD), ar = (int64_t)x - pq * (int64_t)A;
    if (ar < 0) { pq--; ar += (int64_t)A; }
    uint64_t pi = (uint64_t)pq, ai = (uint64_t)ar;
    keys[c] = ports[pi];
    idx[c] = (double)i;
    if (ai < A4) {
      families[c] = 4;
      size_t k = n4s == 1 ? 0 : intervalAt(v4Base, n4s, (double)ai);
      ips[c] = (uint32_t)(v4Start[k] + ((double)ai - v4Base[k]));
      continue;
    }
    families[c] = 6;
    double off = (double)(ai - A4);
    size_t k = intervalAt(v6Base, n6b, off);
    unsigned __int128 w = 0;
    for (int j = 0; j < 4; j++) w = (w << 32) | (uint32_t)v6Words[4 * k + j];
    w += (uint64_t)(off - v6Base[k]);
    uint8_t* o = addrs6 + 16 * c;
    for (int j = 15; j >= 0; j--) { o[j] = (uint8_t)w; w >>= 8; }
  }
  return Napi::Number::New(env, (double)c);
}

void initWalk(Napi::Env env, Napi::Object exports) {
  exports.Set("walkFill", Napi::Function::New(env, WalkFill, "walkFill"));
}

}  // namespace trawl
