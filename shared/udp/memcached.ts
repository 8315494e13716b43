// memcached over UDP (protocol.txt, "UDP protocol"): every datagram starts with an 8-byte frame
// header whose request ID the server copies into its answer; the request is the text `version`.
//
//   0  request ID[2] (the cookie's low 16 bits)  sequence number[2]=0  datagrams in message[2]=1
//   6  reserved[2]=0
//   8  "version\r\n"
// Answer: the same frame header (request ID, sequence n of total), then "VERSION x.y.z\r\n".
import { UdpModule } from './types';

const VERSION = Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, ...Buffer.from('version\r\n')]);

export const MEMCACHED_FRAME = 8;

export const memcachedUdp: UdpModule = {
  name: 'memcached',
  slot: 7,
  description: 'memcached UDP `version` (the server version)',
  ports: [11211],
  services: ['memcached'],
  payload: () => ({ bytes: VERSION, id: { offset: 0, len: 2 } }),
  echoed: (a) => (a.length >= MEMCACHED_FRAME ? (a[0] << 8) | a[1] : null),
};
