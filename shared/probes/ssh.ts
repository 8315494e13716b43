// The SSH probe: our identification string first (RFC 4253 4.2 lets the client send it at once),
// so the server sends its KEXINIT right after its own identification line: the banner then holds
// the server's algorithm lists, and banners reports them with the HASSH server fingerprint.
import { VERSION } from '../version';
import { ascii, Probe } from './types';

export const SSH_CLIENT_ID = `SSH-2.0-trawl_${VERSION}\r\n`;

export const sshProbe: Probe = {
  name: 'ssh',
  slot: 12,
  description: 'our SSH identification string, so the server\'s KEXINIT follows its own: algorithm lists and HASSH',
  ports: [],
  services: ['ssh'],
  payload: () => ({ before: ascii(SSH_CLIENT_ID) }),
};
