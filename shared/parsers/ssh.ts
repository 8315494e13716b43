// SSH identification string (RFC 4253 4.2): "SSH-protoversion-softwareversion SP comments", maybe after other lines;
// and, when our ssh probe sent a client identification first, the server's KEXINIT after it (RFC 4253
// 7.1), in clear: its algorithm lists and the HASSH server fingerprint (salesforce/hassh:
// md5 of "kex;encryption s2c;mac s2c;compression s2c").
//
// packet:  uint32 packet_length | byte padding_length | payload | padding      (no MAC before NEWKEYS)
// KEXINIT: byte 20 | cookie[16] | 10 name-lists (uint32 length | ASCII, comma separated)
//          | boolean first_kex_packet_follows | uint32 0
import { createHash } from 'crypto';
import { BufferedSession, Fields, Parser, agreesWith } from './types';
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

const MAX_PACKET = 35000;   // RFC 4253 6.1: what every implementation must take
const MAX_PRE_LINES = 16, MAX_LINE = 1024;
const LISTS = ['kex', 'host_key', 'ciphers_c2s', 'ciphers', 'macs_c2s', 'macs', 'compression_c2s', 'compression'] as const;

/** Where the byte after the identification line is, or -1 (no whole identification line yet). */
function afterIdentification(b: Uint8Array): number {
  let at = 0;
  for (let n = 0; n < MAX_PRE_LINES && at < b.length; n++) {
    const nl = b.indexOf(0x0a, at);
    if (nl < 0 || nl - at > MAX_LINE) return -1;
    if (agreesWith(b.subarray(at, at + 4), 'SSH-') && nl - at >= 4) return nl + 1;
    at = nl + 1;
  }
  return -1;
}

/** The KEXINIT after the identification line: its lists and the HASSH server fingerprint. */
function kexinit(b: Uint8Array): Fields {
  const f: Fields = {};
  const at = afterIdentification(b);
  if (at < 0 || b.length - at < 6) return f;
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const plen = dv.getUint32(at), pad = b[at + 4];
  if (plen > MAX_PACKET || plen < pad + 1 + 17) { f.ssh_kex_error = 'not a binary packet after the identification'; return f; }
  if (b.length - at - 4 < plen) return f;   // not all here (yet)
  let o = at + 5;
  const end = at + 4 + plen - pad;
  if (b[o] !== 20) { f.ssh_kex_error = `message ${b[o]} where KEXINIT belongs`; return f; }
  o += 17;
  const lists: string[] = [];
  for (let k = 0; k < 10; k++) {
    if (o + 4 > end) { f.ssh_kex_error = 'KEXINIT cut inside its name-lists'; return f; }
    const n = dv.getUint32(o);
    if (n > end - o - 4) { f.ssh_kex_error = 'a name-list longer than its packet'; return f; }
    lists.push(clean(b.subarray(o + 4, o + 4 + n)));
    o += 4 + n;
  }
  LISTS.forEach((name, k) => { f[`ssh_${name}`] = lists[k]; });
  const algorithms = [lists[0], lists[3], lists[5], lists[7]].join(';');
  f.ssh_hassh_server_algorithms = algorithms;
  f.ssh_hassh_server = createHash('md5').update(algorithms).digest('hex');
  return f;
}

export const ssh: Parser = {
  name: 'ssh',
  ports: [22, 2222],
  fields: ['ssh_version', 'ssh_software', 'ssh_comment', 'ssh_pre_lines', ...LISTS.map((n) => `ssh_${n}`),
    'ssh_hassh_server', 'ssh_hassh_server_algorithms', 'ssh_kex_error'],
  detect(b, _probe, port) {
    if (agreesWith(b, 'SSH-')) return 3;
    // Identification after a pre-banner: look only in the first line breaks.
    // (newlines found by Buffer's indexOf: this runs on every banner of every other protocol)
    const n = Math.min(b.length, 1024), buf = Buffer.from(b.buffer, b.byteOffset, n);
    for (let i = buf.indexOf(0x0a); i >= 0 && i + 4 < n; i = buf.indexOf(0x0a, i + 1)) {
      if (b[i + 1] === 0x53 && b[i + 2] === 0x53 && b[i + 3] === 0x48 && b[i + 4] === 0x2d) return 2;   // SSH-
    }
    return this.ports.includes(port) ? 1 : 0;
  },
  start: () => {
    const lines = lineSession(derive, MAX_LINE, MAX_PRE_LINES);
    const raw = new BufferedSession(kexinit, MAX_PRE_LINES * (MAX_LINE + 2) + 4 + MAX_PACKET);
    return { push: (c: Uint8Array) => { lines.push(c); raw.push(c); }, result: () => ({ ...lines.result(), ...raw.result() }) };
  },
  // A KEXINIT ends the server's part: it waits for ours.
  ended: (f) => typeof f.ssh_hassh_server === 'string',
};
