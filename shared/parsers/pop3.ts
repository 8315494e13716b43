// POP3 greeting (RFC 1939): "+OK text" or "-ERR text", maybe with an APOP timestamp <...@host>.
import { Fields, Parser, agreesWith } from './types';
import { clean, latin1, lineSession } from './text';
import { greetingFields, hostLike } from './mail';

function derive(lines: Uint8Array[]): Fields {
  const f: Fields = {};
  const line = lines[0];
  if (!line) return f;
  const head = latin1(line, 0, 4);
  const status = head.startsWith('+OK') ? '+OK' : head.startsWith('-ERR') ? '-ERR' : '';
  if (!status) return f;
  f.pop3_status = status;
  const text = clean(line, status.length);
  // An APOP timestamp <...@host> names the host better than the text's first word.
  const apop = /<[^<>@\s]{1,200}@([^<>\s]{1,253})>/.exec(text);
  greetingFields(f, 'pop3', text, apop ? hostLike(apop[1]) : undefined);
  if (apop) f.pop3_apop = true;
  return f;
}

export const pop3: Parser = {
  name: 'pop3',
  ports: [110, 995],
  fields: ['pop3_status', 'pop3_greeting', 'pop3_hostname', 'pop3_software', 'pop3_apop'],
  detect(b, probe, port) {
    // "+OK" is also what Redis says; the port or the probe decides between them.
    if (agreesWith(b, '+OK') || agreesWith(b, '-ERR')) return probe === 'redis' ? 0 : this.ports.includes(port) ? 3 : 2;
    return this.ports.includes(port) ? 1 : 0;
  },
  start: () => lineSession(derive, 1024, 4),
};
