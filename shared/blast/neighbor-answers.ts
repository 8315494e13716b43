// The answers blast's LAN pass reads from its capture: an ARP reply (IPv4) or a Neighbor
// Advertisement (IPv6), decoded from an Ethernet frame into the address and MAC they announce.
// Every length is checked against the bytes present; anything else is not an answer.
//
// ARP reply (42 bytes and more): 12 0x0806  14 htype 1  16 ptype 0x0800  18 hlen 6  19 plen 4
//   20 op 2 (reply)  22 sender MAC  28 sender IP  32 target MAC  38 target IP
// Neighbor Advertisement (RFC 4861 4.4): 12 0x86dd  18 payload length  20 next header 58
//   21 hop limit 255  54 type 136  55 code 0  62 target[16]  78 options: type 2 (target
//   link-layer address), length in 8-byte units, the MAC; without it, the frame's source MAC.

/** What one answer says: the neighbour's address (ip for IPv4, ip6 for IPv6) and its MAC. */
export interface NeighborAnswer { family: 4 | 6; ip: number; ip6: Uint8Array; mac: Uint8Array }

export function newNeighborAnswer(): NeighborAnswer {
  return { family: 4, ip: 0, ip6: new Uint8Array(16), mac: new Uint8Array(6) };
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

/** Fills out from the frame b and returns true when it is an ARP reply or a Neighbor Advertisement. */
export function parseNeighborAnswer(b: Uint8Array, out: NeighborAnswer): boolean {
  if (b.length < 42) return false;
  const type = u16(b, 12);
  if (type === 0x0806) {
    if (u16(b, 14) !== 1 || u16(b, 16) !== 0x0800 || b[18] !== 6 || b[19] !== 4 || u16(b, 20) !== 2) return false;
    out.family = 4;
    out.ip = ((b[28] << 24) | (b[29] << 16) | (b[30] << 8) | b[31]) >>> 0;
    out.mac.set(b.subarray(22, 28));
    return true;
  }
  if (type !== 0x86dd || b.length < 78 || (b[14] >> 4) !== 6 || b[20] !== 58 || b[21] !== 255) return false;
  if (b[54] !== 136 || b[55] !== 0) return false;
  const end = Math.min(b.length, 54 + u16(b, 18));
  if (end < 78) return false;
  out.family = 6;
  out.ip6.set(b.subarray(62, 78));
  out.mac.set(b.subarray(6, 12));
  for (let o = 78; o + 8 <= end;) {
    const len = b[o + 1] * 8;
    if (len === 0 || o + len > end) break;
    if (b[o] === 2) { out.mac.set(b.subarray(o + 2, o + 8)); break; }
    o += len;
  }
  return true;
}
