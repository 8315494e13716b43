// UDP datagram frames (IPv4 and IPv6) built per target from a payload template (shared/udp: one
// per payload slot, slot 15's per port), keyed like the SYN: the source port carries the payload
// slot (cookieSport), and the payload's id field (IdField, shared/udp/types.ts) the low bytes of
// the cookie cookieIsn(saddr, daddr, sport, dport), which the protocol echoes back (DNS ID,
// NTP origin timestamp, SNMP request-id, memcached request ID).
//
// IPv4 frame (42 + payload bytes), '*' = patched per target:
//   0 eth dst[6]*  6 eth src[6]  12 ethertype 0x0800
//  14 0x45  15 tos 0  16 total length*  18 ip id*  20 flags DF  22 ttl  23 proto 17 (UDP)
//  24 ip checksum*  26 saddr*  30 daddr*
//  34 sport*  36 dport*  38 UDP length*  40 UDP checksum*
//  42 payload (the slot's bytes; at 42 + id.offset the cookie's low id.len bytes, big-endian*)
// IPv6 frame (62 + payload bytes):
//   0 eth dst[6]*  6 eth src[6]  12 ethertype 0x86dd
//  14 0x60 0 0 0  18 payload length*  20 next header 17  21 hop limit  22 saddr[16]*  38 daddr[16]*
//  54 sport*  56 dport*  58 UDP length*  60 UDP checksum*
//  62 payload (id field as above)
// Checksums are complete in the frame (no offload is asked of the NIC: AF_PACKET frames leave as
// built, and a veth peer that trusts them would hide a wrong one, so tests check every byte).
// The UDP checksum covers the pseudo header (saddr, daddr, zero+17, UDP length; RFC 768, RFC 8200
// 8.1), the header and the payload. The payload's sum is taken once per template with its id
// field zero; per datagram the id's bytes are added by their parity in the datagram (an id at an
// odd offset adds each byte to the other half of its word). A sum of 0 goes out as 0xffff (0
// means "no checksum" on IPv4 and is forbidden on IPv6).
#pragma once
#include <cstdint>
#include <cstddef>
#include <vector>
#include "common.h"
#include "frame6.h"
#include "siphash.h"

namespace trawl {

constexpr size_t UDP_LEN = 8;
constexpr size_t UDP4_HDR = ETH_LEN + IP_LEN + UDP_LEN;    // 42
constexpr size_t UDP6_HDR = ETH_LEN + IP6_LEN + UDP_LEN;   // 62
constexpr int UDP_SLOTS = 16;
constexpr int UDP_USER_SLOT = 15;   // --udp-payloads: its payload depends on the port

// One payload template: its bytes (id field zero), where the cookie goes, and the bytes' sum.
struct UdpPayload {
  std::vector<uint8_t> bytes;
  int idOffset = -1;    // -1: nothing echoed, the port alone validates
  int idLen = 0;        // 2 or 4
  uint32_t sum = 0;     // unfolded sum of the bytes as 16-bit words from their first byte
  bool set = false;
};

inline void setUdpPayload(UdpPayload* p, const uint8_t* b, size_t n, int idOffset, int idLen) {
  p->bytes.assign(b, b + n);
  p->idOffset = idOffset; p->idLen = idLen;
  if (idOffset >= 0) memset(p->bytes.data() + idOffset, 0, (size_t)idLen);
  p->sum = sum16(p->bytes.data(), n);
  p->set = true;
}

// Writes the payload at pl with the cookie's low idLen bytes in its id field; returns the sum of
// the id bytes to add to the payload's (by the parity of their offset).
inline uint32_t writeUdpPayload(uint8_t* pl, const UdpPayload& p, uint32_t cookie) {
  memcpy(pl, p.bytes.data(), p.bytes.size());
  if (p.idOffset < 0) return 0;
  uint32_t s = 0;
  for (int k = 0; k < p.idLen; k++) {
    uint8_t v = (uint8_t)(cookie >> (8 * (p.idLen - 1 - k)));
    int at = p.idOffset + k;
    pl[at] = v;
    s += (at & 1) ? v : (uint32_t)v << 8;
  }
  return s;
}

inline uint16_t udpChecksum(uint32_t s) {
  uint16_t c = fold(s);
  return c ? c : 0xffff;
}

// The IPv4 datagram saddr:sport -> daddr:dport carrying p (cookie in its id field) into f;
// returns the frame length. mac: the Ethernet header's 12 bytes (dst, src).
inline size_t buildUdp4(uint8_t* f, const uint8_t mac[12], uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
                        uint8_t ttl, uint16_t ipId, const UdpPayload& p, uint32_t cookie) {
  size_t plen = p.bytes.size(), ulen = UDP_LEN + plen;
  memcpy(f, mac, 12); f[12] = 0x08; f[13] = 0x00;
  uint8_t* ip = f + ETH_LEN;
  ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)(IP_LEN + ulen)); put16(ip + 4, ipId); put16(ip + 6, 0x4000);
  ip[8] = ttl; ip[9] = 17; put16(ip + 10, 0); put32(ip + 12, saddr); put32(ip + 16, daddr);
  put16(ip + 10, fold(sum16(ip, IP_LEN)));
  uint8_t* u = ip + IP_LEN;
  put16(u, sport); put16(u + 2, dport); put16(u + 4, (uint16_t)ulen); put16(u + 6, 0);
  uint32_t s = p.sum + writeUdpPayload(u + UDP_LEN, p, cookie);
  s += (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) + 17 + (uint32_t)ulen;   // pseudo header
  s += sport + dport + (uint32_t)ulen;                                                               // UDP header
  put16(u + 6, udpChecksum(s));
  return UDP4_HDR + plen;
}

inline size_t buildUdp6(uint8_t* f, const uint8_t mac[12], const uint8_t saddr[16], const uint8_t daddr[16], uint16_t sport,
                        uint16_t dport, uint8_t hopLimit, const UdpPayload& p, uint32_t cookie) {
  size_t plen = p.bytes.size(), ulen = UDP_LEN + plen;
  memcpy(f, mac, 12); put16(f + 12, ETHERTYPE_IPV6);
  uint8_t* ip = f + ETH_LEN;
  ip[0] = 0x60; ip[1] = 0; ip[2] = 0; ip[3] = 0; put16(ip + 4, (uint16_t)ulen); ip[6] = 17; ip[7] = hopLimit;
  memcpy(ip + 8, saddr, 16); memcpy(ip + 24, daddr, 16);
  uint8_t* u = ip + IP6_LEN;
  put16(u, sport); put16(u + 2, dport); put16(u + 4, (uint16_t)ulen); put16(u + 6, 0);
  uint32_t s = p.sum + writeUdpPayload(u + UDP_LEN, p, cookie);
  s += sumAddr6(saddr) + sumAddr6(daddr) + 17 + (uint32_t)ulen;   // pseudo header (32-bit length: < 65536 here)
  s += sport + dport + (uint32_t)ulen;
  put16(u + 6, udpChecksum(s));
  return UDP6_HDR + plen;
}

}  // namespace trawl
