// SSDP (UPnP Device Architecture 1.1, 1.3.2) M-SEARCH sent unicast to port 1900: devices answer
// with an HTTP-like 200 OK naming their SERVER, LOCATION (description URL), USN and ST. Nothing
// in it is echoed: the answer is checked by the keyed source port alone.
//
//   "M-SEARCH * HTTP/1.1\r\n" "HOST: 239.255.255.250:1900\r\n" "MAN: \"ssdp:discover\"\r\n"
//   "MX: 1\r\n" "ST: ssdp:all\r\n" "\r\n"
import { UdpModule } from './types';

const M_SEARCH = Uint8Array.from(Buffer.from(
  'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n', 'latin1'));

export const ssdpUdp: UdpModule = {
  name: 'ssdp',
  slot: 5,
  description: 'SSDP M-SEARCH for ssdp:all (UPnP devices: server, description URL, USN)',
  ports: [1900],
  services: ['ssdp'],
  payload: () => ({ bytes: M_SEARCH }),
};
