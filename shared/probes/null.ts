// The null probe: an empty ACK, for server-first protocols that greet before the client speaks.
import { Probe } from './types';

export const nullProbe: Probe = {
  name: 'null',
  slot: 0,
  description: 'no payload: completes the handshake and waits for the server to speak first',
  ports: [],   // the default for every port no other probe claims
  services: ['ssh', 'ftp', 'smtp', 'pop3', 'imap', 'mysql', 'vnc', 'telnet'],
  payload: () => ({ before: new Uint8Array(0) }),
};
