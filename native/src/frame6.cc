// Builds the IPv6 SYN template with its partial checksum, whole IPv6 reply segments, and the
// bracketed address text a probe's {ip} becomes (see frame6.h).
#include "frame6.h"
#include "common.h"

namespace trawl {

// Ethernet and the fixed IPv6 header (version 6, traffic class and flow label 0, next header 6).
static void writeHeaders6(uint8_t* f, const uint8_t srcMac[6], const uint8_t dstMac[6], const uint8_t saddr[16],
                          const uint8_t daddr[16], uint8_t hopLimit, size_t tcpLen) {
  memcpy(f, dstMac, 6); memcpy(f + 6, srcMac, 6); put16(f + 12, ETHERTYPE_IPV6);
  uint8_t* ip = f + ETH_LEN;
  put32(ip, 0x60000000); put16(ip + 4, (uint16_t)tcpLen); ip[6] = 6; ip[7] = hopLimit;
  memcpy(ip + 8, saddr, 16);
  if (daddr) memcpy(ip + 24, daddr, 16); else memset(ip + 24, 0, 16);
}

void buildSyn6Template(Syn6Template* t, const uint8_t srcMac[6], const uint8_t dstMac[6], const uint8_t srcIp[16],
                       uint8_t hopLimit, SynLayout layout) {
  uint8_t* f = t->bytes;
  memset(f, 0, MAX_SYN6_LEN);
  uint16_t window = 0;
  size_t optLen = writeSynOptions(f + HDR6_LEN, layout, &window);
  size_t tcpLen = TCP_LEN + optLen;
  writeHeaders6(f, srcMac, dstMac, srcIp, nullptr, hopLimit, tcpLen);
  uint8_t* tcp = f + ETH_LEN + IP6_LEN;
  tcp[12] = (uint8_t)((tcpLen / 4) << 4); tcp[13] = tcpflag::SYN; put16(tcp + 14, window);
  t->len = HDR6_LEN + optLen;
  // Pseudo header: saddr, daddr (patched), upper-layer length, next header 6.
  t->tcpSum = sumAddr6(srcIp) + (uint32_t)tcpLen + 6 + sum16(tcp, tcpLen);
}

size_t buildSegment6(uint8_t* f, const uint8_t srcMac[6], const uint8_t dstMac[6], const uint8_t saddr[16],
                     const uint8_t daddr[16], uint8_t hopLimit, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags, uint16_t window, const Timestamps& ts, const uint8_t* payload,
                     size_t plen) {
  uint8_t* tcp = f + ETH_LEN + IP6_LEN;
  size_t tcpLen = writeTcpSegment(tcp, sport, dport, seq, ack, flags, window, ts, payload, plen);
  writeHeaders6(f, srcMac, dstMac, saddr, daddr, hopLimit, tcpLen);
  uint32_t s = sumAddr6(saddr) + sumAddr6(daddr) + (uint32_t)tcpLen + 6 + sum16(tcp, tcpLen);
  put16(tcp + 16, fold(s));
  return ETH_LEN + IP6_LEN + tcpLen;
}

// RFC 5952 as shared/ipv6.ts formatIPv6 writes it: lower-case hex without leading zeros, the
// first longest run of two or more zero groups as "::", ::ffff:a.b.c.d for IPv4-mapped.
size_t bracketedAddr6(const uint8_t a[16], uint8_t* out) {
  static const char HEX[] = "0123456789abcdef";
  uint16_t g[8];
  for (int i = 0; i < 8; i++) g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
  size_t n = 0;
  out[n++] = '[';
  bool mapped = !g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff;
  if (mapped) {
    n += (size_t)snprintf((char*)out + n, 24, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    out[n++] = ']';
    return n;
  }
  int best = -1, bestLen = 1;
  for (int k = 0; k < 8;) {
    if (g[k]) { k++; continue; }
    int e = k;
    while (e < 8 && !g[e]) e++;
    if (e - k > bestLen) { best = k; bestLen = e - k; }
    k = e;
  }
  for (int k = 0; k < 8; k++) {
    if (k == best) { out[n++] = ':'; out[n++] = ':'; k += bestLen - 1; continue; }
    if (k > 0 && k != best + bestLen) out[n++] = ':';
    bool lead = true;
    for (int sh = 12; sh >= 0; sh -= 4) {
      int d = (g[k] >> sh) & 15;
      if (lead && d == 0 && sh > 0) continue;
      lead = false;
      out[n++] = (uint8_t)HEX[d];
    }
  }
  out[n++] = ']';
  return n;
}

}  // namespace trawl
