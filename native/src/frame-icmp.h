// ICMP echo request templates (IPv4 ICMP and ICMPv6), built once per source and patched per
// target like frame.h's SYN, and the echo cookie (the C++ twin of shared/cookie.ts echoIdSeq /
// echoTag; test/native-cookie.test.ts and the pcap byte checks prove them equal).
//
// IPv4 frame (58 bytes), '*' = patched per target:
//   0 eth dst[6]   6 eth src[6]  12 ethertype 0x0800
//  14 0x45  15 tos 0  16 total length 44  18 ip id*  20 flags DF  22 ttl  23 proto 1 (ICMP)
//  24 ip checksum*  26 saddr  30 daddr*
//  34 type 8 (echo request)  35 code 0  36 icmp checksum*  38 identifier*  40 sequence*
//  42 send time, microseconds since the Unix epoch, big-endian [8]*  50 tag [8]*
// IPv6 frame (78 bytes):
//   0 eth dst[6]   6 eth src[6]  12 ethertype 0x86dd
//  14 0x60 0 0 0  18 payload length 24  20 next header 58  21 hop limit  22 saddr[16]  38 daddr[16]*
//  54 type 128 (echo request)  55 code 0  56 checksum*  58 identifier*  60 sequence*
//  62 send time [8]*  70 tag [8]*
// identifier << 16 | sequence = low 32 bits of SipHash-2-4(key, 0x03 saddr daddr): both are
// echoed, so a reply names the pair it answers. tag = SipHash-2-4(key, 0x04 saddr daddr time[8]):
// the payload is echoed too, so catch reads the send time back (the round-trip time, without
// state) and checks that it is ours (64 bits). Checksums: the IPv4 header's constant words are
// summed once (id and daddr added per target); the ICMP part varies almost wholly per target
// (12 words), so it is summed per packet; ICMPv6 adds the pseudo header (saddr constant, daddr
// per target, length 24, next header 58; RFC 4443 2.3).
#pragma once
#include <cstdint>
#include <cstddef>
#include "common.h"
#include "frame6.h"
#include "siphash.h"

namespace trawl {

constexpr size_t ECHO_PAYLOAD = 16;
constexpr size_t ECHO_LEN = ETH_LEN + IP_LEN + 8 + ECHO_PAYLOAD;      // 58
constexpr size_t ECHO6_LEN = ETH_LEN + IP6_LEN + 8 + ECHO_PAYLOAD;    // 78

struct EchoTemplate {
  uint8_t bytes[ECHO_LEN];
  uint32_t ipSum;   // unfolded sum of the constant IP header words (id, checksum, daddr zero)
};

struct Echo6Template {
  uint8_t bytes[ECHO6_LEN];
  uint32_t pseudoSum;   // unfolded sum of saddr, the length and next header of the pseudo header
};

void buildEchoTemplate(EchoTemplate* t, const uint8_t srcMac[6], const uint8_t dstMac[6], uint32_t srcIp, uint8_t ttl);
void buildEcho6Template(Echo6Template* t, const uint8_t srcMac[6], const uint8_t dstMac[6], const uint8_t srcIp[16],
                        uint8_t hopLimit);

inline void put64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; i--) { p[i] = (uint8_t)v; v >>= 8; }
}

// The echo cookie over one address pair: 4-byte (IPv4) or 16-byte (IPv6) addresses.
inline uint32_t cookieEchoIdSeq(const SipKey& k, const uint8_t* saddr, const uint8_t* daddr, size_t alen) {
  uint8_t m[33];
  m[0] = 3; memcpy(m + 1, saddr, alen); memcpy(m + 1 + alen, daddr, alen);
  return (uint32_t)siphash24(k, m, 1 + 2 * alen);
}
inline uint64_t cookieEchoTag(const SipKey& k, const uint8_t* saddr, const uint8_t* daddr, size_t alen, uint64_t timeUs) {
  uint8_t m[41];
  m[0] = 4; memcpy(m + 1, saddr, alen); memcpy(m + 1 + alen, daddr, alen); put64(m + 1 + 2 * alen, timeUs);
  return siphash24(k, m, 9 + 2 * alen);
}

// Patches the echo request from saddr (our address for this target) to daddr into f (ECHO_LEN bytes).
inline void patchEcho(uint8_t* f, const EchoTemplate& t, const SipKey& k, uint32_t saddr, uint32_t daddr, uint16_t ipId,
                      uint64_t timeUs) {
  memcpy(f, t.bytes, ECHO_LEN);
  put16(f + 18, ipId);
  put32(f + 26, saddr);
  put32(f + 30, daddr);
  uint32_t s = t.ipSum + ipId + (daddr >> 16) + (daddr & 0xffff) + (saddr >> 16) + (saddr & 0xffff);
  put16(f + 24, fold(s));
  uint32_t idseq = cookieEchoIdSeq(k, f + 26, f + 30, 4);
  put32(f + 38, idseq);
  put64(f + 42, timeUs);
  put64(f + 50, cookieEchoTag(k, f + 26, f + 30, 4, timeUs));
  put16(f + 36, fold(sum16(f + 34, 8 + ECHO_PAYLOAD)));
}

inline void patchEcho6(uint8_t* f, const Echo6Template& t, const SipKey& k, const uint8_t saddr[16],
                       const uint8_t daddr[16], uint64_t timeUs) {
  memcpy(f, t.bytes, ECHO6_LEN);
  memcpy(f + 22, saddr, 16);
  memcpy(f + 38, daddr, 16);
  put32(f + 58, cookieEchoIdSeq(k, saddr, daddr, 16));
  put64(f + 62, timeUs);
  put64(f + 70, cookieEchoTag(k, saddr, daddr, 16, timeUs));
  put16(f + 56, fold(t.pseudoSum + sumAddr6(saddr) + sumAddr6(daddr) + sum16(f + 54, 8 + ECHO_PAYLOAD)));
}

}  // namespace trawl
