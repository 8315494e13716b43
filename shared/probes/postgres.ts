// The PostgreSQL probe: a protocol 3.0 StartupMessage for user "trawl", answered by an
// authentication request or an ErrorResponse whose fields (severity, code, file, line, routine)
// identify the server; an SSLRequest would only get one byte back.
//
//  0  u32  length (including itself)       4  u32  196608 (protocol 3.0)
//  8  "user\0trawl\0database\0trawl\0application_name\0trawl\0" "\0"
import { Probe, ascii, concat } from './types';

export function startupMessage(user = 'trawl'): Uint8Array {
  const params = ascii(`user\0${user}\0database\0${user}\0application_name\0trawl\0\0`);
  const len = 8 + params.length;
  return concat([Uint8Array.of(len >>> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, 0, 3, 0, 0), params]);
}

export const postgresProbe: Probe = {
  name: 'postgres',
  slot: 6,
  description: 'PostgreSQL StartupMessage (protocol 3.0, user trawl): authentication request or error',
  ports: [5432],
  services: ['postgres'],
  payload: () => ({ before: startupMessage() }),
};
