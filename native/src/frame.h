// Frame templates: the SYN built once per Sender and patched per target, and the reply segments
// (ACK+probe, ACK of data, ACK+payload, RST) of the stateless exchange.
//
// SYN frame (54 bytes + options), '*' = patched per target:
//   0 eth dst[6]   6 eth src[6]  12 ethertype 0x0800
//  14 0x45 (IPv4, IHL 5)  15 tos 0  16 total length  18 ip id*  20 flags DF  22 ttl  23 proto 6
//  24 ip checksum*  26 saddr  30 daddr*
//  34 sport*  36 dport*  38 seq = ISN*  42 ack 0  46 data offset  47 flags SYN  48 window
//  50 tcp checksum*  52 urgent 0  54 options (layout per SynOptions, below)
// Checksums: the sum of every constant 16-bit word (IP header without id/daddr; TCP pseudo header,
// header and options without daddr/ports/seq) is computed once; per target only the patched
// words are added and folded, as masscan's templates do.
//
// Option layouts, after ZMap's tcp_synscan OS fingerprints (ZMap found option-less SYNs filtered):
//   linux   MSS 1460, SACK_PERM, TS, NOP, WS            (20 bytes, as Linux 5.x/6.x)   window 64240
//   windows MSS 1460, NOP, WS, NOP, NOP, SACK_PERM       (12 bytes, as Windows 10/11)   window 64240
//   bsd     MSS 1460, NOP, WS, SACK_PERM, TS             (20 bytes, as FreeBSD/macOS)   window 65535
//   none    no options                                   (masscan's SYN)                window 1024
// The window scale shift is 0 (the real stacks send 7, 8 and 6): whether scaling is in force
// depends on the server's SYN-ACK, and with shift 0 a reply's window means the same bytes either
// way. No more is needed: the window catch asks for is at most --max-banner plus one segment,
// and never above 64 KiB, since past the first flight catch's ACKs move the window on (trawl(7)).
// TS carries the fixed TSval reply::SYN_TSVAL (no clock state) and TSecr 0. A reply carries NOP,NOP,TS
// when its request says the connection negotiated timestamps, with the request's TSval (never
// below reply::SYN_TSVAL: the server's PAWS check) and TSecr.
#pragma once
#include <cstdint>
#include <cstddef>
#include <string>
#include "replies.h"   // SYN_TSVAL, generated from shared/replies.ts

namespace trawl {

constexpr size_t ETH_LEN = 14, IP_LEN = 20, TCP_LEN = 20, HDR_LEN = ETH_LEN + IP_LEN + TCP_LEN;
// TCP header flags (byte 13 of the header); a namespace, as <netinet/tcp.h> has TH_* macros.
namespace tcpflag {
constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;
}
constexpr size_t MAX_SYN_LEN = HDR_LEN + 20;

enum class SynLayout { Linux, Windows, Bsd, None };

bool parseSynLayout(const std::string& s, SynLayout* out);

// Writes the layout's SYN options at o and its window into *window; returns the option bytes.
// Both families' templates take them from here (frame6.h).
size_t writeSynOptions(uint8_t* o, SynLayout layout, uint16_t* window);

struct SynTemplate {
  uint8_t bytes[MAX_SYN_LEN];
  size_t len;
  uint32_t ipSum;   // unfolded sum of the constant IP header words
  uint32_t tcpSum;  // unfolded sum of the constant pseudo header + TCP header + options words
};

void buildSynTemplate(SynTemplate* t, const uint8_t srcMac[6], const uint8_t dstMac[6], uint32_t srcIp,
                      uint8_t ttl, SynLayout layout);

// Patches one SYN into f (which must have room for MAX_SYN_LEN bytes; t.len are the frame).
inline void patchSyn(uint8_t* f, const SynTemplate& t, uint32_t daddr, uint16_t dport, uint16_t sport,
                     uint32_t isn, uint16_t ipId) {
  __builtin_memcpy(f, t.bytes, MAX_SYN_LEN);
  f[18] = ipId >> 8; f[19] = ipId & 0xff;
  f[30] = daddr >> 24; f[31] = (daddr >> 16) & 0xff; f[32] = (daddr >> 8) & 0xff; f[33] = daddr & 0xff;
  f[34] = sport >> 8; f[35] = sport & 0xff; f[36] = dport >> 8; f[37] = dport & 0xff;
  f[38] = isn >> 24; f[39] = (isn >> 16) & 0xff; f[40] = (isn >> 8) & 0xff; f[41] = isn & 0xff;
  uint32_t d = (daddr >> 16) + (daddr & 0xffff);
  uint32_t s = t.ipSum + ipId + d;
  s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16);
  uint16_t c = (uint16_t)~s;
  f[24] = c >> 8; f[25] = c & 0xff;
  s = t.tcpSum + d + sport + dport + (isn >> 16) + (isn & 0xffff);
  s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16);
  c = (uint16_t)~s;
  f[50] = c >> 8; f[51] = c & 0xff;
}

// Replaces n bytes (n even) at f+at, old by new, and updates the checksum at f+sumAt to match
// (RFC 1624: HC' = ~(~HC + ~m + m')), for a SYN patched from another source address of a range.
inline void replaceChecksummed(uint8_t* f, size_t at, const uint8_t* now, size_t n, size_t sumAt) {
  uint32_t s = (uint16_t)~((f[sumAt] << 8) | f[sumAt + 1]);
  for (size_t i = 0; i < n; i += 2) {
    s += (uint16_t)~((f[at + i] << 8) | f[at + i + 1]);
    s += (uint32_t)(now[i] << 8 | now[i + 1]);
  }
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  uint16_t c = (uint16_t)~s;
  f[sumAt] = c >> 8; f[sumAt + 1] = c & 0xff;
}

// The TCP timestamp option of a reply: present or not, and its two values.
struct Timestamps { bool on; uint32_t val, ecr; };

// The TCP part of a reply segment at tcp (both families): header, NOP,NOP,TS when ts.on,
// payload; checksum left 0 for the caller, who knows the pseudo header. Returns its length.
size_t writeTcpSegment(uint8_t* tcp, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                       uint16_t window, const Timestamps& ts, const uint8_t* payload, size_t plen);

// An ACK (flags ACK, or PSH|ACK with payload) or RST|ACK, optionally with NOP,NOP,TS (12 bytes,
// RFC 7323: once negotiated every segment carries it), then the payload; returns the frame length.
//   ... 34 sport 36 dport 38 seq 42 ack 46 data offset 47 flags 48 window 50 checksum 52 urgent
//   54 [NOP NOP 8 10 tsval[4] tsecr[4]] payload
size_t buildSegment(uint8_t* f, const uint8_t srcMac[6], const uint8_t dstMac[6], uint32_t saddr, uint32_t daddr,
                    uint8_t ttl, uint16_t ipId, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                    uint8_t flags, uint16_t window, const Timestamps& ts, const uint8_t* payload, size_t plen);

}  // namespace trawl
