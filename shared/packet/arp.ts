// The ARP reply catch injects when it answers for a --source-ip the kernel does not own.
//
// Ethernet  0 dst[6] 6 src[6] 12 0x0806
// ARP      14 htype 1, ptype 0x0800, hlen 6, plen 4, op 2, sha[6] = our MAC, spa = our IP,
//          tha[6] = the asker's MAC, tpa = the asker's IP; padded to the 60-byte minimum.

/** MAC text "aa:bb:..." to 6 bytes, or null when malformed. */
export function parseMac(s: string): Uint8Array | null {
  const m = /^([0-9a-f]{2})(?::([0-9a-f]{2})){5}$/i.test(s.trim()) ? s.trim().split(':') : null;
  return m ? Uint8Array.from(m.map((h) => parseInt(h, 16))) : null;
}

/** Builds the reply to a request whose sender hardware address is at b[shaOff..+6]. */
export function arpReply(ourMac: Uint8Array, ourIp: number, b: Uint8Array, shaOff: number, askerIp: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set(b.subarray(shaOff, shaOff + 6), 0);
  f.set(ourMac, 6);
  f[12] = 0x08; f[13] = 0x06;
  f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4; f[20] = 0; f[21] = 2;
  f.set(ourMac, 22);
  f[28] = ourIp >>> 24; f[29] = (ourIp >>> 16) & 255; f[30] = (ourIp >>> 8) & 255; f[31] = ourIp & 255;
  f.set(b.subarray(shaOff, shaOff + 6), 32);
  f[38] = askerIp >>> 24; f[39] = (askerIp >>> 16) & 255; f[40] = (askerIp >>> 8) & 255; f[41] = askerIp & 255;
  return f;
}
