// Shared helpers of the native module: argument checks that throw TypeError/RangeError naming
// the argument (never a crash on bad input), byte-order helpers and address parsing.
#pragma once
#include <napi.h>
#include <cstdint>
#include <cstring>
#include <string>
#include <cmath>

namespace trawl {

[[noreturn]] inline void typeError(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}
[[noreturn]] inline void rangeError(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

inline const char* typedName(napi_typedarray_type t) {
  switch (t) {
    case napi_uint8_array: return "Uint8Array";
    case napi_int8_array: return "Int8Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float64_array: return "Float64Array";
    default: return "typed array";
  }
}

// A typed array argument of exactly the wanted element type; returns its data and length.
template <typename T>
T* typedArg(Napi::Env env, const Napi::Value& v, napi_typedarray_type want, const std::string& where,
            size_t* len) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want)
    typeError(env, where + " must be a " + typedName(want));
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  *len = ta.ElementLength();
  uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
  return reinterpret_cast<T*>(base + ta.ByteOffset());
}

// An integer argument within [lo, hi].
inline int64_t intArg(Napi::Env env, const Napi::Value& v, int64_t lo, int64_t hi, const std::string& where) {
  if (!v.IsNumber()) typeError(env, where + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) typeError(env, where + " must be an integer");
  if (d < (double)lo || d > (double)hi)
    rangeError(env, where + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return (int64_t)d;
}

inline std::string strArg(Napi::Env env, const Napi::Value& v, const std::string& where) {
  if (!v.IsString()) typeError(env, where + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

inline Napi::Object objArg(Napi::Env env, const Napi::CallbackInfo& info, size_t i, const std::string& where) {
  if (info.Length() <= i || !info[i].IsObject() || info[i].IsArray())
    typeError(env, where + " must be an object");
  return info[i].As<Napi::Object>();
}

// "aa:bb:cc:dd:ee:ff" -> 6 bytes; false when malformed.
inline bool parseMac(const std::string& s, uint8_t out[6]) {
  if (s.size() != 17) return false;
  for (int i = 0; i < 6; i++) {
    int v = 0;
    for (int j = 0; j < 2; j++) {
      char c = s[i * 3 + j];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-') return false;
    out[i] = (uint8_t)v;
  }
  return true;
}

inline std::string formatMac(const uint8_t m[6]) {
  char b[18];
  snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

// Dotted IPv4 -> host-order uint32; false when malformed.
bool parseIpv4(const std::string& s, uint32_t* out);
// IPv6 text -> its 16 bytes; false when malformed.
bool parseIpv6(const std::string& s, uint8_t out[16]);

inline void put16(uint8_t* p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
inline void put32(uint8_t* p, uint32_t v) { p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff; }
inline uint16_t get16(const uint8_t* p) { return (uint16_t)((p[0] << 8) | p[1]); }
inline uint32_t get32(const uint8_t* p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }

// Sum of the big-endian 16-bit words of len bytes (odd tail padded with zero), unfolded.
inline uint32_t sum16(const uint8_t* p, size_t len) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < len; i += 2) s += get16(p + i);
  if (len & 1) s += (uint32_t)p[len - 1] << 8;
  return s;
}
inline uint16_t fold(uint32_t s) {
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

void initSender(Napi::Env env, Napi::Object exports);
void initCapture(Napi::Env env, Napi::Object exports);
void initCatchFast(Napi::Env env, Napi::Object exports);
void initWalk(Napi::Env env, Napi::Object exports);
Napi::Value arpResolve(const Napi::CallbackInfo& info);
Napi::Value ndpResolve(const Napi::CallbackInfo& info);
Napi::Value neighbors(const Napi::CallbackInfo& info);
Napi::Value canRaw(const Napi::CallbackInfo& info);

}  // namespace trawl
