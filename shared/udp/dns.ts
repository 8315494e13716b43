// DNS over UDP: a CHAOS-class TXT query for version.bind (BIND, unbound, dnsmasq, knot answer with
// their version, or REFUSED), its 16-bit ID keyed from the cookie and echoed in the answer.
//
//   0  ID[2]  flags[2]=0 (a plain query, no recursion wanted)  QD[2]=1 AN[2] NS[2] AR[2]=0
//  12  QNAME 07 "version" 04 "bind" 00   QTYPE[2]=16 (TXT)   QCLASS[2]=3 (CH)
import { UdpModule } from './types';

const VERSION_BIND = Uint8Array.from([
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
  7, ...Buffer.from('version'), 4, ...Buffer.from('bind'), 0,
  0, 16, 0, 3,
]);

/** The ID of a DNS message: the first two bytes, when there is a whole header. */
export function dnsId(answer: Uint8Array): number | null {
  return answer.length >= 12 ? (answer[0] << 8) | answer[1] : null;
}

export const dnsVersionUdp: UdpModule = {
  name: 'dns-version',
  slot: 0,
  description: 'DNS CHAOS TXT version.bind query (the server version, or REFUSED)',
  ports: [53],
  services: ['dns'],
  payload: () => ({ bytes: VERSION_BIND, id: { offset: 0, len: 2 } }),
  echoed: dnsId,
};
