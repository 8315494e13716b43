// Module entry: siphash24 and the batch cookie check (catch's hot path), plus the registration
// of Sender, Capture, synAcks (catch-fast.cc), arpResolve, ndpResolve, neighbors and canRaw, setPipeSize, and the replies layout it was built with. The
// typed surface is native/index.ts.
#include <fcntl.h>
#include <cerrno>
#include "common.h"
#include "siphash.h"
#include "replies.h"

namespace trawl {

// setPipeSize(fd, bytes): F_SETPIPE_SZ on a pipe or FIFO, the size the kernel gave (it rounds up
// to a power of two pages), or -errno (EPERM past /proc/sys/fs/pipe-max-size without
// CAP_SYS_RESOURCE; EBUSY below what the pipe holds). Node has no fcntl.
static Napi::Value SetPipeSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = (int)intArg(env, info[0], 0, 0x7fffffffLL, "setPipeSize: fd");
  int bytes = (int)intArg(env, info[1], 4096, 1LL << 30, "setPipeSize: bytes");
  int r = fcntl(fd, F_SETPIPE_SZ, bytes);
  return Napi::Number::New(env, r < 0 ? -errno : r);
}

static Napi::Value Siphash24(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t klen, mlen;
  const uint8_t* key = typedArg<uint8_t>(env, info[0], napi_uint8_array, "siphash24: key", &klen);
  if (klen != 16) rangeError(env, "siphash24: key must be 16 bytes");
  const uint8_t* msg = typedArg<uint8_t>(env, info[1], napi_uint8_array, "siphash24: msg", &mlen);
  return Napi::BigInt::New(env, siphash24(sipKey(key), msg, mlen));
}

// cookies(key, base, count, saddr, daddr, sport, dport, n, isnOut, slotOut[, families, saddr6, daddr6]):
// with families given, entry i whose families[i] is 6 takes its addresses from the 16 bytes at
// 16*i of saddr6 and daddr6 (its saddr[i] and daddr[i] are not read); one call for a mixed batch.
static Napi::Value Cookies(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t klen, ns, nd, nsp, ndp, ni, nsl;
  const uint8_t* key = typedArg<uint8_t>(env, info[0], napi_uint8_array, "cookies: key", &klen);
  if (klen != 16) rangeError(env, "cookies: key must be 16 bytes");
  uint32_t base = (uint32_t)intArg(env, info[1], 1, 65535, "cookies: sportBase");
  uint32_t count = (uint32_t)intArg(env, info[2], 1, 65536 - base, "cookies: sportCount");
  const uint32_t* saddr = typedArg<uint32_t>(env, info[3], napi_uint32_array, "cookies: saddr", &ns);
  const uint32_t* daddr = typedArg<uint32_t>(env, info[4], napi_uint32_array, "cookies: daddr", &nd);
  const uint16_t* sport = typedArg<uint16_t>(env, info[5], napi_uint16_array, "cookies: sport", &nsp);
  const uint16_t* dport = typedArg<uint16_t>(env, info[6], napi_uint16_array, "cookies: dport", &ndp);
  uint32_t n = (uint32_t)intArg(env, info[7], 0, 0xffffffffLL, "cookies: n");
  uint32_t* isnOut = typedArg<uint32_t>(env, info[8], napi_uint32_array, "cookies: isnOut", &ni);
  int16_t* slotOut = typedArg<int16_t>(env, info[9], napi_int16_array, "cookies: slotOut", &nsl);
  const char* names[] = {"saddr", "daddr", "sport", "dport", "isnOut", "slotOut"};
  size_t lens[] = {ns, nd, nsp, ndp, ni, nsl};
  for (int i = 0; i < 6; i++)
    if (n > lens[i]) rangeError(env, std::string("cookies: n is larger than ") + names[i] + ".length");
  const uint8_t *fam = nullptr, *saddr6 = nullptr, *daddr6 = nullptr;
  if (info.Length() > 10 && !info[10].IsUndefined()) {
    size_t nf, ns6, nd6;
    fam = typedArg<uint8_t>(env, info[10], napi_uint8_array, "cookies: families", &nf);
    saddr6 = typedArg<uint8_t>(env, info[11], napi_uint8_array, "cookies: saddr6", &ns6);
    daddr6 = typedArg<uint8_t>(env, info[12], napi_uint8_array, "cookies: daddr6", &nd6);
    if (n > nf) rangeError(env, "cookies: n is larger than families.length");
    if ((uint64_t)n * 16 > ns6) rangeError(env, "cookies: saddr6 must hold 16 bytes per entry");
    if ((uint64_t)n * 16 > nd6) rangeError(env, "cookies: daddr6 must hold 16 bytes per entry");
  }
  SipKey k = sipKey(key);
  for (uint32_t i = 0; i < n; i++) {
    if (fam && fam[i] == 6) {
      const uint8_t *s = saddr6 + 16 * (size_t)i, *d = daddr6 + 16 * (size_t)i;
      isnOut[i] = cookieIsn6(k, s, d, sport[i], dport[i]);
      slotOut[i] = (int16_t)cookieCheckSport6(k, s, d, dport[i], sport[i], base, count);
    } else {
      isnOut[i] = cookieIsn(k, saddr[i], daddr[i], sport[i], dport[i]);
      slotOut[i] = (int16_t)cookieCheckSport(k, saddr[i], daddr[i], dport[i], sport[i], base, count);
    }
  }
  return env.Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("siphash24", Napi::Function::New(env, Siphash24, "siphash24"));
  exports.Set("cookies", Napi::Function::New(env, Cookies, "cookies"));
  exports.Set("arpResolve", Napi::Function::New(env, arpResolve, "arpResolve"));
  exports.Set("ndpResolve", Napi::Function::New(env, ndpResolve, "ndpResolve"));
  exports.Set("neighbors", Napi::Function::New(env, neighbors, "neighbors"));
  exports.Set("canRaw", Napi::Function::New(env, canRaw, "canRaw"));
  exports.Set("setPipeSize", Napi::Function::New(env, SetPipeSize, "setPipeSize"));
  exports.Set("replyLayout", Napi::String::New(env, reply::LAYOUT_ID));
  initSender(env, exports);
  initCapture(env, exports);
  initCatchFast(env, exports);
  initWalk(env, exports);
  return exports;
}

}  // namespace trawl

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return trawl::Init(env, exports); }
NODE_API_MODULE(trawl_native, InitModule)
