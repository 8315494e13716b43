// Link layers a capture may hand us, reduced to "where does the network header start and what
// is it": Ethernet II with 802.1Q/802.1ad tags, Linux cooked v1/v2, raw IP (v4, v6 or either),
// BSD loopback.
//
// Ethernet      0 dst[6] 6 src[6] 12 type[2] (0x8100/0x88a8/0x9100: 2 TCI, then type again)
// SLL  (113)    0 pkttype[2] 2 arphrd[2] 4 addrlen[2] 6 addr[8] 14 protocol[2]   16 payload
// SLL2 (276)    0 protocol[2] 2 reserved[2] 4 ifindex[4] 8 arphrd[2] 10 pkttype 11 addrlen 12 addr[8]  20 payload
// NULL (0)      0 family[4] host order (2 = IPv4; IPv6 is 10, 24, 28 or 30 by the capturing OS:
//               Linux, NetBSD/OpenBSD, FreeBSD, macOS)    LOOP (108): the same in network order
import { be16 } from './ipv4';

export const DLT_NULL = 0;
export const DLT_EN10MB = 1;
export const DLT_RAW_BSD = 12;
export const DLT_RAW_OPENBSD = 14;
export const DLT_RAW = 101;
export const DLT_LOOP = 108;
export const DLT_LINUX_SLL = 113;
export const DLT_IPV4 = 228;
export const DLT_IPV6 = 229;
export const DLT_LINUX_SLL2 = 276;

export const L3_TRUNCATED = -1;  // the link header itself is cut off
export const L3_OTHER = 0;       // anything that is not IPv4, IPv6 or ARP
export const L3_IPV4 = 1;
export const L3_ARP = 2;
export const L3_IPV6 = 3;

const AF_INET6_ANY = new Set([10, 24, 28, 30]);

const MAX_VLAN_TAGS = 4;

export function linktypeSupported(lt: number): boolean {
  return lt === DLT_EN10MB || lt === DLT_RAW || lt === DLT_RAW_BSD || lt === DLT_RAW_OPENBSD || lt === DLT_IPV4 || lt === DLT_IPV6 ||
    lt === DLT_LINUX_SLL || lt === DLT_LINUX_SLL2 || lt === DLT_NULL || lt === DLT_LOOP;
}

/** Classifies the frame at off (len captured bytes); on L3_IPV4/L3_IPV6/L3_ARP, out.l3 is the
 *  offset of the network header. Never reads past off+len. */
export function linkDecode(lt: number, b: Uint8Array, off: number, len: number, out: { l3: number }): number {
  let type: number;
  let p: number;
  switch (lt) {
    case DLT_EN10MB: {
      if (len < 14) return L3_TRUNCATED;
      p = off + 12;
      type = be16(b, p);
      let tags = 0;
      while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
        if (++tags > MAX_VLAN_TAGS) return L3_OTHER;
        p += 4;
        if (p + 2 > off + len) return L3_TRUNCATED;
        type = be16(b, p);
      }
      p += 2;
      break;
    }
    case DLT_RAW: case DLT_RAW_BSD: case DLT_RAW_OPENBSD: case DLT_IPV4: case DLT_IPV6: {
      if (len < 1) return L3_TRUNCATED;
      out.l3 = off;
      const v = b[off] >> 4;
      if (v === 4 && lt !== DLT_IPV6) return L3_IPV4;
      return v === 6 && lt !== DLT_IPV4 ? L3_IPV6 : L3_OTHER;
    }
    case DLT_LINUX_SLL:
      if (len < 16) return L3_TRUNCATED;
      type = be16(b, off + 14); p = off + 16;
      break;
    case DLT_LINUX_SLL2:
      if (len < 20) return L3_TRUNCATED;
      type = be16(b, off); p = off + 20;
      break;
    case DLT_NULL: case DLT_LOOP: {
      if (len < 4) return L3_TRUNCATED;
      // DLT_NULL's family is in the capturing host's order: accept 2 either way round.
      const le = b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24);
      const fam = lt === DLT_LOOP ? ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) : le;
      out.l3 = off + 4;
      if (fam === 2 || (lt === DLT_NULL && fam === 0x02000000)) return L3_IPV4;
      const swapped = lt === DLT_NULL ? (fam >>> 24) | ((fam >>> 8) & 0xff00) : -1;
      return AF_INET6_ANY.has(fam) || AF_INET6_ANY.has(swapped) ? L3_IPV6 : L3_OTHER;
    }
    default:
      return L3_OTHER;
  }
  out.l3 = p;
  if (type === 0x0800) return L3_IPV4;
  if (type === 0x0806) return L3_ARP;
  if (type === 0x86dd) return L3_IPV6;
  return L3_OTHER;
}
