// mDNS (RFC 6762) asked by unicast: a query to port 5353 from another port is a "legacy unicast"
// one, answered to our source port with our ID (6.7), so the ID carries the cookie as in DNS.
// It asks for the DNS-SD service list (RFC 6763 9), which every Avahi/Bonjour responder has.
//
//   0  ID[2]  flags[2]=0  QD[2]=1 AN[2] NS[2] AR[2]=0
//  12  QNAME 09 "_services" 07 "_dns-sd" 04 "_udp" 05 "local" 00  QTYPE[2]=12 (PTR)  QCLASS[2]=1 (IN)
import { UdpModule } from './types';
import { dnsId, qname } from './dns';

const SERVICES_QUERY = Uint8Array.from([
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
  ...qname('_services._dns-sd._udp.local'),
  0, 12, 0, 1,
]);

export const mdnsUdp: UdpModule = {
  name: 'mdns',
  slot: 8,
  description: 'mDNS unicast PTR query for _services._dns-sd._udp.local (the services a host announces)',
  ports: [5353],
  services: ['dns'],
  payload: () => ({ bytes: SERVICES_QUERY, id: { offset: 0, len: 2 } }),
  echoed: dnsId,
};
