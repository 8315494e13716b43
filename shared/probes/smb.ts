// The SMB probe: an SMB2 NEGOTIATE offering dialects 2.0.2 to 3.1.1, answered by a negotiate
// response naming the dialect, server GUID, capabilities and (3.1.1) negotiate contexts.
//
//   0  00 + u24 length            NetBIOS session message (direct TCP, port 445)
//   4  SMB2 header, 64 bytes      fe 'SMB', structure size 64, command 0 (NEGOTIATE), credits 1
//  68  NEGOTIATE request, 36      structure size 36, dialect count, security mode 1 (signing
//                                 enabled), capabilities, client GUID, negotiate context offset
//                                 and count (3.1.1 reuses ClientStartTime for them)
// 104  dialects u16 x 5, then padding to 8 bytes (from the SMB2 header)
// 116  negotiate contexts (each 8-aligned): preauth integrity (SHA-512, 32-byte salt),
//      encryption (AES-128-GCM, AES-128-CCM)
// All SMB2 integers are little-endian; offsets inside SMB2 count from the SMB2 header.
import { Probe } from './types';

export const SMB_DIALECTS = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
const CLIENT_GUID = Uint8Array.from(Buffer.from('74726177 6c2d736d 622d7072 6f626521'.replace(/ /g, ''), 'hex')); // "trawl-smb-probe!"
const SALT = Uint8Array.from(Buffer.from('trawl smb2 preauth salt 32 bytes', 'latin1')); // 32 bytes

export function smbNegotiate(): Uint8Array {
  const buf = new Uint8Array(4 + 176);
  const v = new DataView(buf.buffer);
  const h = 4; // SMB2 header start
  buf.set([0xfe, 0x53, 0x4d, 0x42], h);
  v.setUint16(h + 4, 64, true);      // StructureSize
  v.setUint16(h + 12, 0, true);      // Command NEGOTIATE
  v.setUint16(h + 14, 1, true);      // CreditRequest
  const n = h + 64;                  // NEGOTIATE request
  v.setUint16(n, 36, true);
  v.setUint16(n + 2, SMB_DIALECTS.length, true);
  v.setUint16(n + 4, 1, true);       // SecurityMode: signing enabled
  v.setUint32(n + 8, 0x7f, true);    // Capabilities: DFS, leasing, large MTU, multi-channel, persistent, dir leasing, encryption
  buf.set(CLIENT_GUID, n + 12);
  SMB_DIALECTS.forEach((d, i) => v.setUint16(n + 36 + i * 2, d, true));
  let c = h + 112;                   // first context: after the dialects (110), 8-aligned
  v.setUint32(n + 28, c - h, true);  // NegotiateContextOffset
  v.setUint16(n + 32, 2, true);      // NegotiateContextCount
  // SMB2_PREAUTH_INTEGRITY_CAPABILITIES: HashAlgorithmCount 1, SaltLength 32, SHA-512, salt
  v.setUint16(c, 1, true); v.setUint16(c + 2, 38, true);
  v.setUint16(c + 8, 1, true); v.setUint16(c + 10, 32, true); v.setUint16(c + 12, 1, true);
  buf.set(SALT, c + 14);
  c += 8 + 38 + 2;                   // pad to 8
  // SMB2_ENCRYPTION_CAPABILITIES: CipherCount 2, AES-128-GCM, AES-128-CCM
  v.setUint16(c, 2, true); v.setUint16(c + 2, 6, true);
  v.setUint16(c + 8, 2, true); v.setUint16(c + 10, 2, true); v.setUint16(c + 12, 1, true);
  const end = c + 14;
  const out = buf.subarray(0, end);
  const len = end - 4;
  out[1] = len >> 16; out[2] = (len >> 8) & 0xff; out[3] = len & 0xff;
  return out.slice();
}

export const smbProbe: Probe = {
  name: 'smb',
  slot: 7,
  description: 'SMB2 NEGOTIATE offering dialects 2.0.2 to 3.1.1',
  ports: [445],
  services: ['smb'],
  payload: () => ({ before: smbNegotiate() }),
};
