// One packet from link layer to TCP/ICMP/ARP/NDP fields, into a reused object (no allocation
// per packet). Every length is checked against the captured bytes; the decoder never throws and
// never reads past the packet: a short or inconsistent packet comes back as D_MALFORMED.
//
// IPv4   0 ver|ihl 1 tos 2 totlen 4 id 6 flags|frag 8 ttl 9 proto 10 csum 12 src 16 dst 20 options
// IPv6   0 ver|tc|flow[4] 4 payload length 6 next header 7 hop limit 8 src[16] 24 dst[16]
//        40 extension headers, each 0 next header 1 length in 8-byte units after the first 8:
//        hop-by-hop (0), routing (43), destination options (60) are skipped; a fragment
//        header (44) makes the packet a fragment
// TCP    0 sport 2 dport 4 seq 8 ack 12 doff<<4 13 flags 14 window 16 csum 18 urg 20 options
// UDP    0 sport 2 dport 4 length (header included) 6 csum 8 payload
// ICMP   0 type 1 code 2 csum 4 rest[4] 8 quoted IPv4 header (with options) + 8 bytes of TCP
//        or UDP (and, for UDP, as much of its payload as the sender quoted)
// ICMPv6 0 type 1 code 2 csum 4 rest[4] 8 type 1 (destination unreachable): the quoted IPv6
//        header (with extensions) + 8 bytes of TCP or UDP; type 135 (Neighbor Solicitation): 8
//        target[16] 24 options, type 1 = the asker's link-layer address (RFC 4861 4.3)
// Echo reply (ICMP type 0, ICMPv6 type 129, code 0): 0 type 1 code 2 csum 4 identifier 6 sequence
//        8 payload (blast's: time[8] tag[8], shared/cookie.ts)
// ARP    0 htype 2 ptype 4 hlen 5 plen 6 op 8 sha[6] 14 spa[4] 18 tha[6] 24 tpa[4]
import { be16, be32, ipHeaderChecksumOk } from './ipv4';
import { DLT_EN10MB, L3_ARP, L3_IPV4, L3_IPV6, L3_TRUNCATED, linkDecode } from './link';

export const D_TCP = 1;
export const D_ICMP = 2;          // destination unreachable quoting a TCP segment (ICMP or ICMPv6)
export const D_ARP = 3;           // an ARP request (op 1) for IPv4 over Ethernet
export const D_NS = 4;            // an IPv6 Neighbor Solicitation (hop limit 255, code 0)
export const D_ECHO = 5;          // an ICMP or ICMPv6 echo reply (code 0)
export const D_UDP = 6;           // a UDP datagram (payload at payOff, payLen long, payCap held)
export const D_ICMP_UDP = 7;      // destination unreachable quoting a UDP datagram: its ports in
                                  // sport/dport, the quoted payload at payOff (payCap bytes)
export const D_MALFORMED = -1;    // truncated, bad lengths, bad IP header checksum
export const D_NOT_IP = -2;       // other ethertypes, ARP replies
export const D_FRAGMENT = -3;     // an IP fragment: the TCP header may not be in it
export const D_OTHER = -4;        // other protocols, other ICMP types, ICMP quoting neither TCP nor UDP

// Extension headers walked before the upper layer, at most (a longer chain is malformed).
const MAX_EXTENSIONS = 8;

export const TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10, TH_URG = 0x20;

export class Decoded {
  l3 = 0;
  family = 4;
  // IPv4 (ttl is IPv6's hop limit; IPv6 has no ipid: 0)
  saddr = 0; daddr = 0; ttl = 0; ipid = 0; ipLen = 0;
  // IPv6: where in the buffer the 16-byte source and destination are (for D_ICMP, the quoted
  // SYN's in q6s, q6d, and s6 the router that sent the error)
  s6 = 0; d6 = 0; q6s = 0; q6d = 0;
  // Neighbor Solicitation: the target address's offset, and the asker's MAC (its option, else the
  // Ethernet source; -1 on links without one)
  nsTarget = 0; nsMac = -1;
  // TCP (or, for D_ICMP, the quoted SYN's ports and seq: sport/dport as the SYN had them)
  tcpOff = 0; tcpHl = 0; sport = 0; dport = 0; seq = 0; ack = 0; flags = 0; window = 0;
  payOff = 0; payLen = 0; payCap = 0;
  // ICMP: the quoted SYN's addresses
  icmpType = 0; icmpCode = 0; qSaddr = 0; qDaddr = 0;
  // Echo reply: the ICMP header's offset and the bytes of the message held from it
  echoOff = 0; echoLen = 0;
  // ARP
  arpSpa = 0; arpTpa = 0; arpShaOff = 0;
}

/** Decodes the packet at off: cap bytes captured, wire bytes on the wire (>= cap when the
 *  snapshot length cut it). Returns D_TCP, D_ICMP, D_ARP or a negative reason. */
export function decodePacket(lt: number, b: Uint8Array, off: number, cap: number, wire: number, d: Decoded): number {
  const k = linkDecode(lt, b, off, cap, d);
  if (k === L3_TRUNCATED) return D_MALFORMED;
  const end = off + cap;
  if (k === L3_ARP) return decodeArp(b, d.l3, end, d);
  if (k === L3_IPV6) return decodeIpv6(lt, b, off, d.l3, end, cap < wire, d);
  if (k !== L3_IPV4) return D_NOT_IP;
  const ip = d.l3;
  if (ip + 20 > end) return D_MALFORMED;
  if ((b[ip] >> 4) !== 4) return D_MALFORMED;   // the link layer said IPv4 (raw links checked it)
  const hl = (b[ip] & 15) * 4;
  const tot = be16(b, ip + 2);
  if (hl < 20 || tot < hl || ip + hl > end) return D_MALFORMED;
  // Bytes of this IP packet we hold: less than tot only when the snapshot length cut it;
  // a packet shorter than its own header claims, with nothing cut, is malformed.
  const cut = cap < wire;
  let have = end - ip;
  if (have > tot) have = tot;                 // Ethernet padding follows
  else if (have < tot && !cut) return D_MALFORMED;
  if (!ipHeaderChecksumOk(b, ip, hl)) return D_MALFORMED;
  const frag = be16(b, ip + 6);
  if ((frag & 0x3fff) !== 0) return D_FRAGMENT;  // MF set or an offset: not a whole segment
  d.family = 4;
  d.ttl = b[ip + 8]; d.ipid = be16(b, ip + 4); d.ipLen = tot;
  d.saddr = be32(b, ip + 12); d.daddr = be32(b, ip + 16);
  const proto = b[ip + 9];
  const t = ip + hl;
  if (proto === 6) return decodeTcp(b, t, tot - hl, have - hl, d);
  if (proto === 17) return decodeUdp(b, t, tot - hl, have - hl, d);
  if (proto === 1) {
    if (have - hl < 8) return D_MALFORMED;
    const type = b[t];
    if (type === 0 && b[t + 1] === 0) { d.echoOff = t; d.echoLen = have - hl; return D_ECHO; }
    if (type !== 3) return D_OTHER;
    d.icmpType = type; d.icmpCode = b[t + 1];
    const q = t + 8;                     // the quoted IP header
    if (have - hl - 8 < 20) return D_MALFORMED;
    if ((b[q] >> 4) !== 4) return D_OTHER;
    const qhl = (b[q] & 15) * 4;
    if (qhl < 20 || have - hl - 8 < qhl + 8) return D_MALFORMED;
    if (b[q + 9] !== 6 && b[q + 9] !== 17) return D_OTHER;
    d.qSaddr = be32(b, q + 12); d.qDaddr = be32(b, q + 16);
    const qt = q + qhl;
    d.sport = be16(b, qt); d.dport = be16(b, qt + 2); d.seq = be32(b, qt + 4);
    if (b[q + 9] === 6) return D_ICMP;
    return quotedUdp(qt, have - hl - 8 - qhl, d);
  }
  return D_OTHER;
}

// The TCP segment at t: len bytes long in the packet, have of them captured.
function decodeTcp(b: Uint8Array, t: number, len: number, have: number, d: Decoded): number {
  if (len < 20 || have < 20) return D_MALFORMED;
  const thl = (b[t + 12] >> 4) * 4;
  if (thl < 20 || thl > len || thl > have) return D_MALFORMED;
  d.tcpOff = t; d.tcpHl = thl;
  d.sport = be16(b, t); d.dport = be16(b, t + 2);
  d.seq = be32(b, t + 4); d.ack = be32(b, t + 8);
  d.flags = b[t + 13]; d.window = be16(b, t + 14);
  d.payOff = t + thl; d.payLen = len - thl; d.payCap = have - thl;
  return D_TCP;
}

// The UDP datagram at t: len bytes long in the packet, have of them captured. Its length field
// must lie within the packet (what follows it is padding).
function decodeUdp(b: Uint8Array, t: number, len: number, have: number, d: Decoded): number {
  if (len < 8 || have < 8) return D_MALFORMED;
  const ulen = be16(b, t + 4);
  if (ulen < 8 || ulen > len) return D_MALFORMED;
  d.sport = be16(b, t); d.dport = be16(b, t + 2);
  d.payOff = t + 8; d.payLen = ulen - 8; d.payCap = Math.min(have, ulen) - 8;
  return D_UDP;
}

// A quoted UDP datagram at qt, qhave bytes of it quoted (8 at least, checked by the caller): the
// payload held is what was quoted, within the datagram's own length.
function quotedUdp(qt: number, qhave: number, d: Decoded): number {
  d.payOff = qt + 8;
  d.payLen = Math.max(0, ((d.seq >>> 16) & 0xffff) - 8);
  d.payCap = Math.max(0, Math.min(qhave, d.payLen + 8) - 8);
  return D_ICMP_UDP;
}

// Walks the extension headers after the fixed IPv6 header at ip, within the first `have` bytes
// of the packet (each header must lie inside them). Returns the upper-layer offset (from ip) in
// extEnd and its protocol, or D_MALFORMED / D_FRAGMENT.
let extEnd = 0;
function skipExtensions(b: Uint8Array, ip: number, have: number): number {
  let nh = b[ip + 6], p = 40;
  for (let k = 0; k <= MAX_EXTENSIONS; k++) {
    if (nh === 44) return D_FRAGMENT;
    if (nh !== 0 && nh !== 43 && nh !== 60) { extEnd = p; return nh; }
    if (k === MAX_EXTENSIONS || p + 8 > have) return D_MALFORMED;
    const len = (b[ip + p + 1] + 1) * 8;
    if (p + len > have) return D_MALFORMED;
    nh = b[ip + p];
    p += len;
  }
  return D_MALFORMED;
}

function decodeIpv6(lt: number, b: Uint8Array, off: number, ip: number, end: number, cut: boolean, d: Decoded): number {
  if (ip + 40 > end) return D_MALFORMED;
  if ((b[ip] >> 4) !== 6) return D_MALFORMED;   // the link layer said IPv6 (raw links checked it)
  const tot = 40 + be16(b, ip + 4);
  // As for IPv4: the bytes we hold, fewer than tot only when the snapshot length cut them.
  let have = end - ip;
  if (have > tot) have = tot;
  else if (have < tot && !cut) return D_MALFORMED;
  d.family = 6;
  d.ttl = b[ip + 7]; d.ipid = 0; d.ipLen = tot;
  d.s6 = ip + 8; d.d6 = ip + 24;
  // Headers the snapshot cut are malformed here, as a cut IPv4 header is.
  const nh = skipExtensions(b, ip, have);
  if (nh < 0) return nh;
  const hl = extEnd, t = ip + hl;
  if (nh === 6) return decodeTcp(b, t, tot - hl, have - hl, d);
  if (nh === 17) return decodeUdp(b, t, tot - hl, have - hl, d);
  if (nh !== 58) return D_OTHER;
  if (have - hl < 8) return D_MALFORMED;
  const type = b[t];
  if (type === 135) {
    if (b[ip + 7] !== 255 || b[t + 1] !== 0) return D_OTHER;   // RFC 4861 7.1.1: not from the link
    if (have - hl < 24) return D_MALFORMED;
    d.nsTarget = t + 8;
    d.nsMac = lt === DLT_EN10MB ? off + 6 : -1;
    for (let o = t + 24; o + 8 <= ip + have;) {
      const len = b[o + 1] * 8;
      if (len === 0) return D_MALFORMED;
      if (b[o] === 1 && len === 8) { d.nsMac = o + 2; break; }
      o += len;
    }
    return D_NS;
  }
  if (type === 129 && b[t + 1] === 0) { d.echoOff = t; d.echoLen = have - hl; return D_ECHO; }
  if (type !== 1) return D_OTHER;
  d.icmpType = type; d.icmpCode = b[t + 1];
  const q = t + 8, qhave = have - hl - 8;           // the quoted packet, as much as was quoted
  if (qhave < 40) return D_MALFORMED;
  if ((b[q] >> 4) !== 6) return D_OTHER;
  const qnh = skipExtensions(b, q, qhave);
  if (qnh === D_MALFORMED) return D_MALFORMED;
  if (qnh !== 6 && qnh !== 17) return D_OTHER;
  const qt = q + extEnd;
  if (qhave - extEnd < 8) return D_MALFORMED;
  d.q6s = q + 8; d.q6d = q + 24;
  d.sport = be16(b, qt); d.dport = be16(b, qt + 2); d.seq = be32(b, qt + 4);
  return qnh === 6 ? D_ICMP : quotedUdp(qt, qhave - extEnd, d);
}

function decodeArp(b: Uint8Array, a: number, end: number, d: Decoded): number {
  if (a + 28 > end) return D_MALFORMED;
  if (be16(b, a) !== 1 || be16(b, a + 2) !== 0x0800 || b[a + 4] !== 6 || b[a + 5] !== 4) return D_NOT_IP;
  if (be16(b, a + 6) !== 1) return D_NOT_IP;    // replies and others are not for us to answer
  d.arpShaOff = a + 8; d.arpSpa = be32(b, a + 14); d.arpTpa = be32(b, a + 24);
  return D_ARP;
}
