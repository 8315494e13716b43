// NetBIOS name service (RFC 1002 4.2.17) node status request: a Windows host or Samba's nmbd
// answers with its name table and MAC; the 16-bit transaction ID carries the cookie.
//
//   0  NAME_TRN_ID[2]  flags[2]=0 (query, no broadcast)  QDCOUNT[2]=1  AN[2] NS[2] AR[2]=0
//  12  20 "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" 00   the wildcard name "*" + 15 NULs, first-level
//                                               encoded (each nibble + 'A'), a 32-byte label
//  46  QUESTION_TYPE[2]=0x0021 (NBSTAT)  QUESTION_CLASS[2]=0x0001 (IN)
// Answer: the same ID, the R bit (0x80 of byte 2) set.
import { UdpModule } from './types';

/** A NetBIOS name first-level encoded (RFC 1001 14.1): 16 bytes, each split into two 'A'+nibble. */
export function encodeNbName(name: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < 16; i++) { const c = name[i] ?? 0; out.push(0x41 + (c >> 4), 0x41 + (c & 15)); }
  return out;
}

const NBSTAT = Uint8Array.from([
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
  32, ...encodeNbName(Uint8Array.of(0x2a)), 0,
  0, 0x21, 0, 1,
]);

export const netbiosUdp: UdpModule = {
  name: 'netbios',
  slot: 6,
  description: 'NetBIOS node status request for "*" (the names a host registered, and its MAC)',
  ports: [137],
  services: ['netbios'],
  payload: () => ({ bytes: NBSTAT, id: { offset: 0, len: 2 } }),
  echoed: (a) => (a.length >= 12 && a[2] & 0x80 ? (a[0] << 8) | a[1] : null),
};
