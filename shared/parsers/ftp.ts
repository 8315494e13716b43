// FTP greeting (RFC 959): reply code, text, host name and server software when the text gives them.
import { Fields, Parser } from './types';
import { lineSession } from './text';
import { firstLineHas, looksLikeReply, replyFields, replyOf } from './mail';

function derive(lines: Uint8Array[]): Fields {
  const r = replyOf(lines);
  return r ? replyFields('ftp', r, false) : {};
}

export const ftp: Parser = {
  name: 'ftp',
  ports: [21, 2121],
  fields: ['ftp_code', 'ftp_greeting', 'ftp_hostname', 'ftp_software', 'ftp_lines', 'ftp_partial'],
  detect(b, _probe, port) {
    if (!looksLikeReply(b)) return this.ports.includes(port) ? 1 : 0;
    if (firstLineHas(b, 'ftp')) return 3;
    return this.ports.includes(port) ? 2 : 1;
  },
  start: () => lineSession(derive, 1024, 32),
};
