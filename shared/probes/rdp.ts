// The RDP probe: an X.224 Connection Request carrying an RDP Negotiation Request ([MS-RDPBCGR]
// 2.2.1.1), answered by an X.224 Connection Confirm naming the selected security protocol.
//
//  0  03 00 00 13        TPKT version 3, total length 19
//  4  0e e0 00 00 00 00 00   X.224 CR TPDU: length indicator 14, CR code, dst-ref 0, src-ref 0, class 0
// 11  01 00 08 00        RDP_NEG_REQ: type 1, flags 0, length 8 (little-endian)
// 15  03 00 00 00        requestedProtocols: PROTOCOL_SSL | PROTOCOL_HYBRID (little-endian)
import { Probe } from './types';

export const RDP_REQUEST = Uint8Array.of(
  0x03, 0x00, 0x00, 0x13,
  0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x08, 0x00,
  0x03, 0x00, 0x00, 0x00,
);

export const rdpProbe: Probe = {
  name: 'rdp',
  slot: 5,
  description: 'X.224 Connection Request with an RDP Negotiation Request (TLS and CredSSP)',
  ports: [3389],
  services: ['rdp'],
  payload: () => ({ before: RDP_REQUEST }),
};
