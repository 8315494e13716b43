// The frames that ask for a neighbour's MAC, built in one place for arpResolve, ndpResolve and the
// Sender's batched LAN pass (sendResolves): an ARP request (IPv4) and a Neighbor Solicitation (IPv6).
//
// ARP request frame (42 bytes):
//   0 dst ff:ff:ff:ff:ff:ff  6 src  12 0x0806
//  14 htype 1  16 ptype 0x0800  18 hlen 6  19 plen 4  20 op 1 (request)
//  22 sender MAC  28 sender IP  32 target MAC 0  38 target IP
//
// Neighbor Solicitation frame (86 bytes, RFC 4861 4.3):
//   0 dst 33:33:ff:t13:t14:t15 (the target's solicited-node group)  6 src  12 0x86dd
//  14 0x60000000  18 payload length 32  20 next header 58 (ICMPv6)  21 hop limit 255
//  22 saddr[16]  38 daddr ff02::1:ff00:0/104 | target's last 24 bits
//  54 type 135  55 code 0  56 checksum  58 reserved[4]  62 target[16]
//  78 option 1 (source link-layer address) 79 length 1 (8 bytes)  80 our MAC[6]
#pragma once
#include "common.h"

namespace trawl {

constexpr size_t ARP_LEN = 42, NS_LEN = 86;

inline void buildArpRequest(uint8_t* f, const uint8_t mac[6], uint32_t src, uint32_t target) {
  memset(f, 0xff, 6); memcpy(f + 6, mac, 6); put16(f + 12, 0x0806);
  put16(f + 14, 1); put16(f + 16, 0x0800); f[18] = 6; f[19] = 4; put16(f + 20, 1);
  memcpy(f + 22, mac, 6); put32(f + 28, src); memset(f + 32, 0, 6); put32(f + 38, target);
}

inline void buildSolicitation(uint8_t* f, const uint8_t mac[6], const uint8_t src[16], const uint8_t target[16]) {
  static const uint8_t SOLICITED[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
  memset(f, 0, NS_LEN);
  f[0] = 0x33; f[1] = 0x33; f[2] = 0xff; memcpy(f + 3, target + 13, 3);
  memcpy(f + 6, mac, 6); put16(f + 12, 0x86dd);
  uint8_t* ip = f + 14;
  put32(ip, 0x60000000); put16(ip + 4, 32); ip[6] = 58; ip[7] = 255;
  memcpy(ip + 8, src, 16);
  memcpy(ip + 24, SOLICITED, 13); memcpy(ip + 37, target + 13, 3);
  uint8_t* icmp = ip + 40;
  icmp[0] = 135; memcpy(icmp + 8, target, 16);
  icmp[24] = 1; icmp[25] = 1; memcpy(icmp + 26, mac, 6);
  // Pseudo header: saddr, daddr, length 32, next header 58.
  uint32_t s = sum16(ip + 8, 32) + 32 + 58 + sum16(icmp, 32);
  put16(icmp + 2, fold(s));
}

}  // namespace trawl
