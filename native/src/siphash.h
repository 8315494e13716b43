// SipHash-2-4 (Aumasson and Bernstein) and the stateless cookie, the C++ twins of
// shared/siphash.ts and shared/cookie.ts (test/native-cookie.test.ts proves them bit-identical).
//
// ISN   = low 32 bits of SipHash-2-4(key, saddr[4] daddr[4] sport[2] dport[2])   (big-endian)
// sport = base + (g mod G) * 16 + slot, G = count / 16,
//         g = low 32 bits of SipHash-2-4(key, 0x01 saddr[4] daddr[4] dport[2]);
//         with fewer than 16 ports: base + (g mod count), slot 0.
// Variants: the slot VARIANT_SLOT (jarm) carries a variant v < VARIANTS in the group,
//         sport = base + ((g mod G) + v) mod G * 16 + slot; a probe code is slot + 16 * v.
// IPv6: the same over the 128-bit tuple, saddr[16] daddr[16] (36 and 35 bytes hashed); the
// message lengths differ from IPv4's, so no tuple of one family hashes as one of the other.
#pragma once
#include <cstdint>
#include <cstddef>

namespace trawl {

struct SipKey { uint64_t k0, k1; };

inline uint64_t le64(const uint8_t* p) {
  uint64_t x = 0;
  for (int i = 7; i >= 0; i--) x = (x << 8) | p[i];
  return x;
}
inline SipKey sipKey(const uint8_t key[16]) { return SipKey{le64(key), le64(key + 8)}; }

#define TRAWL_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define TRAWL_SIPROUND                                              \
  do {                                                              \
    v0 += v1; v1 = TRAWL_ROTL(v1, 13); v1 ^= v0; v0 = TRAWL_ROTL(v0, 32); \
    v2 += v3; v3 = TRAWL_ROTL(v3, 16); v3 ^= v2;                    \
    v0 += v3; v3 = TRAWL_ROTL(v3, 21); v3 ^= v0;                    \
    v2 += v1; v1 = TRAWL_ROTL(v1, 17); v1 ^= v2; v2 = TRAWL_ROTL(v2, 32); \
  } while (0)

inline uint64_t siphash24(const SipKey& k, const uint8_t* m, size_t len) {
  uint64_t v0 = k.k0 ^ 0x736f6d6570736575ULL, v1 = k.k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = k.k0 ^ 0x6c7967656e657261ULL, v3 = k.k1 ^ 0x7465646279746573ULL;
  size_t full = len - (len % 8);
  for (size_t o = 0; o < full; o += 8) {
    uint64_t w = le64(m + o);
    v3 ^= w; TRAWL_SIPROUND; TRAWL_SIPROUND; v0 ^= w;
  }
  uint64_t b = (uint64_t)(len & 0xff) << 56;
  for (size_t i = full; i < len; i++) b |= (uint64_t)m[i] << (8 * (i - full));
  v3 ^= b; TRAWL_SIPROUND; TRAWL_SIPROUND; v0 ^= b;
  v2 ^= 0xff;
  TRAWL_SIPROUND; TRAWL_SIPROUND; TRAWL_SIPROUND; TRAWL_SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

constexpr int SLOTS = 16;
constexpr uint32_t MAX_PROBE_LEN = 1400;
constexpr int VARIANT_SLOT = 13;   // the jarm probe: ten hellos, one connection each
constexpr int VARIANTS = 10;
constexpr int CODES = SLOTS * VARIANTS;   // probe codes slot + 16 * variant

inline uint32_t cookieIsn(const SipKey& k, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport) {
  uint8_t m[12] = {
    (uint8_t)(saddr >> 24), (uint8_t)(saddr >> 16), (uint8_t)(saddr >> 8), (uint8_t)saddr,
    (uint8_t)(daddr >> 24), (uint8_t)(daddr >> 16), (uint8_t)(daddr >> 8), (uint8_t)daddr,
    (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport};
  return (uint32_t)siphash24(k, m, 12);
}

inline uint32_t cookiePortHash(const SipKey& k, uint32_t saddr, uint32_t daddr, uint16_t dport) {
  uint8_t m[11] = {1,
    (uint8_t)(saddr >> 24), (uint8_t)(saddr >> 16), (uint8_t)(saddr >> 8), (uint8_t)saddr,
    (uint8_t)(daddr >> 24), (uint8_t)(daddr >> 16), (uint8_t)(daddr >> 8), (uint8_t)daddr,
    (uint8_t)(dport >> 8), (uint8_t)dport};
  return (uint32_t)siphash24(k, m, 11);
}

inline uint32_t cookieIsn6(const SipKey& k, const uint8_t saddr[16], const uint8_t daddr[16], uint16_t sport,
                           uint16_t dport) {
  uint8_t m[36];
  __builtin_memcpy(m, saddr, 16); __builtin_memcpy(m + 16, daddr, 16);
  m[32] = (uint8_t)(sport >> 8); m[33] = (uint8_t)sport; m[34] = (uint8_t)(dport >> 8); m[35] = (uint8_t)dport;
  return (uint32_t)siphash24(k, m, 36);
}

inline uint32_t cookiePortHash6(const SipKey& k, const uint8_t saddr[16], const uint8_t daddr[16], uint16_t dport) {
  uint8_t m[35];
  m[0] = 1;
  __builtin_memcpy(m + 1, saddr, 16); __builtin_memcpy(m + 17, daddr, 16);
  m[33] = (uint8_t)(dport >> 8); m[34] = (uint8_t)dport;
  return (uint32_t)siphash24(k, m, 35);
}

// The source address of a target within a --source-ip range of count addresses: base + index,
// index = low 32 bits of SipHash-2-4(key, 0x02 daddr[4|16] dport[2]) mod count (0 without a
// range). It depends on the target only, so catch and blast find it from the reply alone.
inline uint32_t cookieSrcIndex(const SipKey& k, uint32_t daddr, uint16_t dport, uint32_t count) {
  if (count <= 1) return 0;
  uint8_t m[7] = {2, (uint8_t)(daddr >> 24), (uint8_t)(daddr >> 16), (uint8_t)(daddr >> 8), (uint8_t)daddr,
                  (uint8_t)(dport >> 8), (uint8_t)dport};
  return (uint32_t)siphash24(k, m, 7) % count;
}

inline uint32_t cookieSrcIndex6(const SipKey& k, const uint8_t daddr[16], uint16_t dport, uint32_t count) {
  if (count <= 1) return 0;
  uint8_t m[19];
  m[0] = 2;
  __builtin_memcpy(m + 1, daddr, 16);
  m[17] = (uint8_t)(dport >> 8); m[18] = (uint8_t)dport;
  return (uint32_t)siphash24(k, m, 19) % count;
}

// The source port of port hash g and a probe code (slot + 16 * variant).
inline uint16_t sportOfHash(uint32_t g, int code, uint32_t base, uint32_t count) {
  uint32_t groups = count / SLOTS;
  if (groups == 0) return (uint16_t)(base + g % count);
  uint32_t slot = (uint32_t)code % SLOTS, v = (uint32_t)code / SLOTS;
  return (uint16_t)(base + ((g % groups + v) % groups) * SLOTS + slot);
}

// The probe code sport encodes under port hash g, or -1 when it is not the keyed port (for
// VARIANT_SLOT: one of the VARIANTS groups from g's on).
inline int slotOfHash(uint32_t g, uint16_t sport, uint32_t base, uint32_t count) {
  int64_t off = (int64_t)sport - (int64_t)base;
  if (off < 0 || off >= (int64_t)count) return -1;
  uint32_t groups = count / SLOTS;
  if (groups == 0) return (uint32_t)off == g % count ? 0 : -1;
  if (off >= (int64_t)(groups * SLOTS)) return -1;
  int slot = (int)(off % SLOTS);
  uint32_t v = ((uint32_t)(off / SLOTS) + groups - g % groups) % groups;
  if (slot == VARIANT_SLOT) return v < (uint32_t)VARIANTS ? slot + SLOTS * (int)v : -1;
  return v == 0 ? slot : -1;
}

inline uint16_t cookieSport(const SipKey& k, uint32_t saddr, uint32_t daddr, uint16_t dport, int slot,
                            uint32_t base, uint32_t count) {
  return sportOfHash(cookiePortHash(k, saddr, daddr, dport), slot, base, count);
}

// The probe slot the port encodes, or -1 when it is not the keyed one.
inline int cookieCheckSport(const SipKey& k, uint32_t saddr, uint32_t daddr, uint16_t dport, uint16_t sport,
                            uint32_t base, uint32_t count) {
  // Outside the range: no hash needed.
  if ((uint32_t)(sport - base) >= count) return -1;
  return slotOfHash(cookiePortHash(k, saddr, daddr, dport), sport, base, count);
}

inline uint16_t cookieSport6(const SipKey& k, const uint8_t saddr[16], const uint8_t daddr[16], uint16_t dport,
                             int slot, uint32_t base, uint32_t count) {
  return sportOfHash(cookiePortHash6(k, saddr, daddr, dport), slot, base, count);
}

inline int cookieCheckSport6(const SipKey& k, const uint8_t saddr[16], const uint8_t daddr[16], uint16_t dport,
                             uint16_t sport, uint32_t base, uint32_t count) {
  if ((uint32_t)(sport - base) >= count) return -1;
  return slotOfHash(cookiePortHash6(k, saddr, daddr, dport), sport, base, count);
}

}  // namespace trawl
