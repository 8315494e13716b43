// Builds the ICMP echo request templates with their constant sums (see frame-icmp.h).
#include "frame-icmp.h"
#include "common.h"

namespace trawl {

void buildEchoTemplate(EchoTemplate* t, const uint8_t srcMac[6], const uint8_t dstMac[6], uint32_t srcIp, uint8_t ttl) {
  uint8_t* f = t->bytes;
  memset(f, 0, ECHO_LEN);
  memcpy(f, dstMac, 6); memcpy(f + 6, srcMac, 6); f[12] = 0x08; f[13] = 0x00;
  uint8_t* ip = f + ETH_LEN;
  ip[0] = 0x45; put16(ip + 2, (uint16_t)(IP_LEN + 8 + ECHO_PAYLOAD)); put16(ip + 6, 0x4000); ip[8] = ttl; ip[9] = 1;
  t->ipSum = sum16(ip, IP_LEN);   // id, checksum, saddr and daddr are zero here: added per target
  put32(ip + 12, srcIp);
  ip[IP_LEN] = 8;                 // echo request, code 0
}

void buildEcho6Template(Echo6Template* t, const uint8_t srcMac[6], const uint8_t dstMac[6], const uint8_t srcIp[16],
                        uint8_t hopLimit) {
  uint8_t* f = t->bytes;
  memset(f, 0, ECHO6_LEN);
  memcpy(f, dstMac, 6); memcpy(f + 6, srcMac, 6); put16(f + 12, ETHERTYPE_IPV6);
  uint8_t* ip = f + ETH_LEN;
  ip[0] = 0x60; put16(ip + 4, (uint16_t)(8 + ECHO_PAYLOAD)); ip[6] = 58; ip[7] = hopLimit;
  memcpy(ip + 8, srcIp, 16);
  ip[IP6_LEN] = 128;              // echo request, code 0
  t->pseudoSum = (uint32_t)(8 + ECHO_PAYLOAD) + 58;   // saddr and daddr added per target
}

}  // namespace trawl
