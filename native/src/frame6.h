// IPv6 frame templates: the SYN built once per Sender and patched per target, and the reply
// segments, the IPv6 twins of frame.h (same option layouts, same windows, same cookies).
//
// SYN frame (74 bytes + options), '*' = patched per target:
//   0 eth dst[6]   6 eth src[6]  12 ethertype 0x86dd
//  14 0x60 (version 6), traffic class 0, flow label 0   18 payload length  20 next header 6 (TCP)
//  21 hop limit   22 saddr[16]   38 daddr[16]*
//  54 sport*  56 dport*  58 seq = ISN*  62 ack 0  66 data offset  67 flags SYN  68 window
//  70 tcp checksum*  72 urgent 0  74 options (frame.h's SynLayout, writeSynOptions)
// Checksum: IPv6 has no header checksum. The TCP checksum covers a pseudo header of saddr,
// daddr, the upper-layer length (32 bits) and next header 6 (RFC 8200 8.1). The sum of every
// constant 16-bit word (saddr, length, next header; TCP header and options without ports/seq)
// is computed once; per target the eight words of daddr, the two ports and the ISN halves are
// added and folded. No IP ID either: nothing else varies per packet.
#pragma once
#include "frame.h"

namespace trawl {

constexpr size_t IP6_LEN = 40, HDR6_LEN = ETH_LEN + IP6_LEN + TCP_LEN;
constexpr size_t MAX_SYN6_LEN = HDR6_LEN + 20;
constexpr uint16_t ETHERTYPE_IPV6 = 0x86dd;

struct Syn6Template {
  uint8_t bytes[MAX_SYN6_LEN];
  size_t len;
  uint32_t tcpSum;  // unfolded sum of the constant pseudo header + TCP header + options words
};

void buildSyn6Template(Syn6Template* t, const uint8_t srcMac[6], const uint8_t dstMac[6], const uint8_t srcIp[16],
                       uint8_t hopLimit, SynLayout layout);

// The unfolded sum of the eight big-endian words of a 16-byte address.
inline uint32_t sumAddr6(const uint8_t a[16]) {
  uint32_t s = 0;
  for (int i = 0; i < 16; i += 2) s += (uint32_t)(a[i] << 8 | a[i + 1]);
  return s;
}

// Patches one SYN into f (which must have room for MAX_SYN6_LEN bytes; t.len are the frame).
inline void patchSyn6(uint8_t* f, const Syn6Template& t, const uint8_t daddr[16], uint16_t dport, uint16_t sport,
                      uint32_t isn) {
  __builtin_memcpy(f, t.bytes, MAX_SYN6_LEN);
  __builtin_memcpy(f + 38, daddr, 16);
  f[54] = sport >> 8; f[55] = sport & 0xff; f[56] = dport >> 8; f[57] = dport & 0xff;
  f[58] = isn >> 24; f[59] = (isn >> 16) & 0xff; f[60] = (isn >> 8) & 0xff; f[61] = isn & 0xff;
  uint32_t s = t.tcpSum + sumAddr6(daddr) + sport + dport + (isn >> 16) + (isn & 0xffff);
  s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16);
  uint16_t c = (uint16_t)~s;
  f[70] = c >> 8; f[71] = c & 0xff;
}

// The IPv6 twin of buildSegment (frame.h): an ACK (or PSH|ACK with payload) or RST|ACK with the
// optional timestamp option, then the payload; returns the frame length.
//   0 eth  14 IPv6 header (payload length = TCP length, next header 6, hop limit)
//  54 sport 56 dport 58 seq 62 ack 66 data offset 67 flags 68 window 70 checksum 72 urgent
//  74 [NOP NOP 8 10 tsval[4] tsecr[4]] payload
size_t buildSegment6(uint8_t* f, const uint8_t srcMac[6], const uint8_t dstMac[6], const uint8_t saddr[16],
                     const uint8_t daddr[16], uint8_t hopLimit, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags, uint16_t window, const Timestamps& ts, const uint8_t* payload,
                     size_t plen);

// "[2001:db8::1]" (RFC 5952 text in brackets, as a Host header or URL takes it) into out, which
// has room for MAX_ADDRESS6_LEN bytes; returns its length.
constexpr size_t MAX_ADDRESS6_LEN = 41;
size_t bracketedAddr6(const uint8_t a[16], uint8_t* out);

}  // namespace trawl
