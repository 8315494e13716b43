// DNS over UDP: a CHAOS-class TXT query for version.bind (BIND, unbound, dnsmasq, knot answer with
// their version, or REFUSED) and a plain A query with recursion desired (an open resolver answers),
// each with its 16-bit ID keyed from the cookie and echoed in the answer.
//
// dns-version:
//   0  ID[2]  flags[2]=0 (a plain query, no recursion wanted)  QD[2]=1 AN[2] NS[2] AR[2]=0
//  12  QNAME 07 "version" 04 "bind" 00   QTYPE[2]=16 (TXT)   QCLASS[2]=3 (CH)
// dns:
//   0  ID[2]  flags[2]=0x0100 (RD)  QD[2]=1 AN[2] NS[2] AR[2]=0
//  12  QNAME 07 "example" 03 "com" 00   QTYPE[2]=1 (A)   QCLASS[2]=1 (IN)
import { UdpModule } from './types';

/** A DNS name in wire form: each label's length then its bytes, ending with the root's 0. */
export function qname(name: string): number[] {
  return [...name.split('.').filter(Boolean).flatMap((l) => [l.length, ...Buffer.from(l)]), 0];
}

const VERSION_BIND = Uint8Array.from([
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
  ...qname('version.bind'),
  0, 16, 0, 3,
]);

/** The name the plain query asks for: reserved for examples (RFC 2606), resolvable everywhere. */
export const DNS_QUERY_NAME = 'example.com';
const A_QUERY = Uint8Array.from([
  0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
  ...qname(DNS_QUERY_NAME),
  0, 1, 0, 1,
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

export const dnsQueryUdp: UdpModule = {
  name: 'dns',
  slot: 1,
  description: `DNS A query for ${DNS_QUERY_NAME}, recursion desired (an open resolver answers it)`,
  ports: [53],
  services: ['dns'],
  payload: () => ({ bytes: A_QUERY, id: { offset: 0, len: 2 } }),
  echoed: dnsId,
};
