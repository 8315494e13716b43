// IMAP greeting (RFC 9051 7.1): "* OK [CAPABILITY ...] text", "* PREAUTH ..." or "* BYE ...".
import { Fields, Parser, agreesWith } from './types';
import { cleanString, latin1, lineSession } from './text';
import { greetingFields } from './mail';

function derive(lines: Uint8Array[]): Fields {
  const f: Fields = {};
  const line = lines[0];
  if (!line) return f;
  const s = Buffer.from(line.subarray(0, 2048)).toString('utf8');
  const m = /^\* (OK|PREAUTH|BYE)\b ?/i.exec(s);
  if (!m) return f;
  f.imap_status = m[1].toUpperCase();
  let rest = s.slice(m[0].length);
  // A response code in brackets: the capability list servers volunteer.
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    const code = end < 0 ? rest.slice(1) : rest.slice(1, end);
    if (/^CAPABILITY /i.test(code)) f.imap_capabilities = cleanString(code.slice(11));
    else if (code) f.imap_code = cleanString(code);
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
  return greetingFields(f, 'imap', cleanString(rest));
}

export const imap: Parser = {
  name: 'imap',
  ports: [143, 993],
  fields: ['imap_status', 'imap_capabilities', 'imap_code', 'imap_greeting', 'imap_hostname', 'imap_software'],
  detect(b, _probe, port) {
    if (agreesWith(b, '* OK') || agreesWith(b, '* PREAUTH') || agreesWith(b, '* BYE')) return b.length >= 4 ? 3 : 2;
    if (b.length >= 4 && latin1(b, 0, 4).toUpperCase() === '* OK') return 3;
    return this.ports.includes(port) ? 1 : 0;
  },
  start: () => lineSession(derive, 2048, 4),
};
