// NTP (RFC 5905) client request, mode 3: the server copies our transmit timestamp into its
// answer's origin timestamp, so the cookie goes in the transmit timestamp's seconds and comes back
// at offset 24 of a mode 4 answer.
//
//   0  LI|VN|mode[1]=0x23 (LI 0, version 4, mode 3 client)  stratum[1]=0  poll[1]=0  precision[1]=0
//   4  root delay[4]=0  root dispersion[4]=0  reference id[4]=0
//  16  reference timestamp[8]=0  origin timestamp[8]=0  receive timestamp[8]=0
//  40  transmit timestamp: seconds[4]=cookie  fraction[4]=0
// Answer: 24 origin timestamp seconds[4] = our cookie; byte 0 mode (low 3 bits) = 4 (server).
import { UdpModule } from './types';

const REQUEST = new Uint8Array(48);
REQUEST[0] = 0x23;

export const NTP_ORIGIN = 24;

export const ntpUdp: UdpModule = {
  name: 'ntp',
  slot: 2,
  description: 'NTP version 4 client request (mode 3): version, stratum, reference of the server',
  ports: [123],
  services: ['ntp'],
  payload: () => ({ bytes: REQUEST, id: { offset: 40, len: 4 } }),
  echoed(answer) {
    if (answer.length < 48 || (answer[0] & 7) !== 4) return null;
    const o = NTP_ORIGIN;
    return ((answer[o] << 24) | (answer[o + 1] << 16) | (answer[o + 2] << 8) | answer[o + 3]) >>> 0;
  },
};
