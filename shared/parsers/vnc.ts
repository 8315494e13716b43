// VNC (RFB, RFC 6143 7.1.1): the server's 12-byte ProtocolVersion "RFB 003.008\n".
import { Fields, Parser, agreesWith } from './types';
import { latin1 } from './text';

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  const s = latin1(b, 0, 12);
  const m = /^RFB (\d{3})\.(\d{3})/.exec(s);
  if (m) f.vnc_version = `${Number(m[1])}.${Number(m[2])}`;
  else if (s.startsWith('RFB')) f.vnc_partial = true;
  return f;
}

export const vnc: Parser = {
  name: 'vnc',
  ports: [5900, 5901, 5902],
  fields: ['vnc_version', 'vnc_partial'],
  detect(b, _probe, port) {
    if (agreesWith(b, 'RFB ')) return b.length >= 4 ? 3 : 2;
    return this.ports.includes(port) ? 1 : 0;
  },
  start: () => {
    const head: number[] = [];
    return {
      push: (c: Uint8Array) => { for (let i = 0; i < c.length && head.length < 12; i++) head.push(c[i]); },
      result: () => parse(Uint8Array.from(head)),
    };
  },
};
