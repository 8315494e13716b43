// The Neighbor Advertisement catch injects when it answers for an IPv6 --source-ip the kernel
// does not own (the IPv6 counterpart of arp.ts's reply, RFC 4861 4.4).
//
// Ethernet  0 dst[6] = the asker's MAC  6 src[6] = ours  12 0x86dd
// IPv6     14 0x60000000  18 payload length 32  20 next header 58  21 hop limit 255
//          22 src[16] = our address  38 dst[16] = the asker's address
// ICMPv6   54 type 136  55 code 0  56 checksum  58 flags: S (solicited) | O (override), 0x60
//          62 target[16] = our address  78 option 2 (target link-layer address), length 1
//          80 our MAC[6]
import { inetSum, foldSum } from './checksum';

const NA_LEN = 86;

/** The advertisement answering a solicitation whose sender's MAC is at b[macOff..+6] and whose
 *  IPv6 source is at b[ipOff..+16]. */
export function neighborAdvertisement(ourMac: Uint8Array, ourIp: Uint8Array, b: Uint8Array, macOff: number,
  ipOff: number): Uint8Array {
  const f = new Uint8Array(NA_LEN);
  f.set(b.subarray(macOff, macOff + 6), 0);
  f.set(ourMac, 6);
  f[12] = 0x86; f[13] = 0xdd;
  f[14] = 0x60; f[19] = 32; f[20] = 58; f[21] = 255;
  f.set(ourIp.subarray(0, 16), 22);
  f.set(b.subarray(ipOff, ipOff + 16), 38);
  f[54] = 136; f[58] = 0x60;
  f.set(ourIp.subarray(0, 16), 62);
  f[78] = 2; f[79] = 1; f.set(ourMac, 80);
  // Pseudo header: source, destination, length 32, next header 58; then the message.
  const sum = inetSum(f, 22, 54) + 32 + 58 + inetSum(f, 54, NA_LEN);
  const c = foldSum(sum);
  f[56] = c >>> 8; f[57] = c & 255;
  return f;
}
