// SMTP greeting (RFC 5321 4.2): "220 domain text", the first token being the server's host name.
import { Fields, Parser } from './types';
import { lineSession } from './text';
import { firstLineHas, looksLikeReply, replyFields, replyOf } from './mail';

function derive(lines: Uint8Array[]): Fields {
  const r = replyOf(lines);
  if (!r) return {};
  // Only a 220 greeting names the host; 421/554 refusals often do too, but not reliably.
  return replyFields('smtp', r, r.code === 220);
}

export const smtp: Parser = {
  name: 'smtp',
  ports: [25, 465, 587, 2525],
  fields: ['smtp_code', 'smtp_greeting', 'smtp_hostname', 'smtp_software', 'smtp_lines', 'smtp_partial'],
  detect(b, _probe, port) {
    if (!looksLikeReply(b)) return this.ports.includes(port) ? 1 : 0;
    if (firstLineHas(b, 'smtp')) return 3;
    // "mail" is often just a host name (220 mail.example.org FTP server): weaker than "FTP".
    return this.ports.includes(port) || firstLineHas(b, 'mail') ? 2 : 1;
  },
  start: () => lineSession(derive, 1024, 32),
};
