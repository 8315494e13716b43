// SSH identification string (RFC 4253 4.2): "SSH-protoversion-softwareversion SP comments", maybe after other lines.
import { Fields, Parser, agreesWith } from './types';
import { clean, latin1, lineSession, put } from './text';

function derive(lines: Uint8Array[]): Fields {
  const f: Fields = {};
  // The server may send other lines first (RFC 4253 allows it); the identification starts "SSH-".
  let pre = 0;
  for (const line of lines) {
    if (line.length >= 4 && line[0] === 0x53 && line[1] === 0x53 && line[2] === 0x48 && line[3] === 0x2d) {
      // Parsed over at most 255 bytes, the RFC's limit for the whole line.
      const id = latin1(line, 4, Math.min(line.length, 255));
      const dash = id.indexOf('-');
      put(f, 'ssh_version', clean(Buffer.from(dash < 0 ? id : id.slice(0, dash), 'latin1')));
      if (dash >= 0) {
        const rest = line.subarray(4 + dash + 1, Math.min(line.length, 255));
        const sp = rest.indexOf(0x20);
        put(f, 'ssh_software', clean(sp < 0 ? rest : rest.subarray(0, sp)));
        if (sp >= 0) put(f, 'ssh_comment', clean(rest, sp + 1));
      }
      if (pre) f.ssh_pre_lines = pre;
      return f;
    }
    pre++;
  }
  return f;
}

export const ssh: Parser = {
  name: 'ssh',
  ports: [22, 2222],
  fields: ['ssh_version', 'ssh_software', 'ssh_comment', 'ssh_pre_lines'],
  detect(b, _probe, port) {
    if (agreesWith(b, 'SSH-')) return 3;
    // Identification after a pre-banner: look only in the first line breaks.
    for (let i = 0; i + 4 < Math.min(b.length, 1024); i++) if (b[i] === 0x0a && agreesWith(b.subarray(i + 1), 'SSH-') && b.length > i + 4) return 2;
    return this.ports.includes(port) ? 1 : 0;
  },
  start: () => lineSession(derive, 1024, 16),
};
