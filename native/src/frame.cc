// Builds the SYN template with its partial checksums, and whole reply segments (see frame.h).
#include "frame.h"
#include "common.h"

namespace trawl {

bool parseSynLayout(const std::string& s, SynLayout* out) {
  if (s == "linux") *out = SynLayout::Linux;
  else if (s == "windows") *out = SynLayout::Windows;
  else if (s == "bsd") *out = SynLayout::Bsd;
  else if (s == "none") *out = SynLayout::None;
  else return false;
  return true;
}


size_t writeSynOptions(uint8_t* o, SynLayout layout, uint16_t* window) {
  size_t n = 0;
  auto mss = [&]() { o[n++] = 2; o[n++] = 4; o[n++] = 0x05; o[n++] = 0xb4; };
  auto nop = [&]() { o[n++] = 1; };
  auto ws = [&](uint8_t shift) { o[n++] = 3; o[n++] = 3; o[n++] = shift; };
  auto sack = [&]() { o[n++] = 4; o[n++] = 2; };
  auto ts = [&]() { o[n++] = 8; o[n++] = 10; put32(o + n, reply::SYN_TSVAL); n += 4; memset(o + n, 0, 4); n += 4; };
  switch (layout) {
    case SynLayout::Linux: mss(); sack(); ts(); nop(); ws(0); *window = 64240; break;
    case SynLayout::Windows: mss(); nop(); ws(0); nop(); nop(); sack(); *window = 64240; break;
    case SynLayout::Bsd: mss(); nop(); ws(0); sack(); ts(); *window = 65535; break;
    case SynLayout::None: *window = 1024; break;
  }
  return n;
}

void buildSynTemplate(SynTemplate* t, const uint8_t srcMac[6], const uint8_t dstMac[6], uint32_t srcIp,
                      uint8_t ttl, SynLayout layout) {
  uint8_t* f = t->bytes;
  memset(f, 0, MAX_SYN_LEN);
  memcpy(f, dstMac, 6); memcpy(f + 6, srcMac, 6); f[12] = 0x08; f[13] = 0x00;
  uint16_t window = 0;
  size_t optLen = writeSynOptions(f + HDR_LEN, layout, &window);
  size_t tcpLen = TCP_LEN + optLen;
  uint8_t* ip = f + ETH_LEN;
  ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)(IP_LEN + tcpLen)); put16(ip + 4, 0);
  put16(ip + 6, 0x4000); ip[8] = ttl; ip[9] = 6; put16(ip + 10, 0); put32(ip + 12, srcIp); put32(ip + 16, 0);
  uint8_t* tcp = ip + IP_LEN;
  tcp[12] = (uint8_t)((tcpLen / 4) << 4); tcp[13] = 0x02; put16(tcp + 14, window);
  t->len = HDR_LEN + optLen;
  t->ipSum = sum16(ip, IP_LEN);  // id, checksum and daddr are zero here
  // Pseudo header: saddr, daddr (patched), zero+proto, TCP length.
  t->tcpSum = (srcIp >> 16) + (srcIp & 0xffff) + 6 + (uint32_t)tcpLen + sum16(tcp, tcpLen);
}

size_t writeTcpSegment(uint8_t* tcp, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                       uint16_t window, const Timestamps& ts, const uint8_t* payload, size_t plen) {
  size_t optLen = ts.on ? 12 : 0;
  put16(tcp, sport); put16(tcp + 2, dport); put32(tcp + 4, seq); put32(tcp + 8, ack);
  tcp[12] = (uint8_t)(((TCP_LEN + optLen) / 4) << 4); tcp[13] = flags; put16(tcp + 14, window);
  put16(tcp + 16, 0); put16(tcp + 18, 0);
  if (ts.on) {
    uint8_t* o = tcp + TCP_LEN;
    o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10; put32(o + 4, ts.val); put32(o + 8, ts.ecr);
  }
  if (plen) memcpy(tcp + TCP_LEN + optLen, payload, plen);
  return TCP_LEN + optLen + plen;
}

size_t buildSegment(uint8_t* f, const uint8_t srcMac[6], const uint8_t dstMac[6], uint32_t saddr, uint32_t daddr,
                    uint8_t ttl, uint16_t ipId, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                    uint8_t flags, uint16_t window, const Timestamps& ts, const uint8_t* payload, size_t plen) {
  memcpy(f, dstMac, 6); memcpy(f + 6, srcMac, 6); f[12] = 0x08; f[13] = 0x00;
  uint8_t* ip = f + ETH_LEN;
  uint8_t* tcp = ip + IP_LEN;
  size_t tcpLen = writeTcpSegment(tcp, sport, dport, seq, ack, flags, window, ts, payload, plen);
  ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)(IP_LEN + tcpLen)); put16(ip + 4, ipId);
  put16(ip + 6, 0x4000); ip[8] = ttl; ip[9] = 6; put16(ip + 10, 0); put32(ip + 12, saddr); put32(ip + 16, daddr);
  put16(ip + 10, fold(sum16(ip, IP_LEN)));
  uint32_t s = (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) + 6 + (uint32_t)tcpLen;
  s += sum16(tcp, tcpLen);
  put16(tcp + 16, fold(s));
  return ETH_LEN + IP_LEN + tcpLen;
}

}  // namespace trawl
