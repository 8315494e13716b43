// MySQL/MariaDB initial handshake (protocol 10 or 9) or the error packet a refusing server sends instead.
//
// packet: payload_length u24le | sequence_id u8 (0) | payload
// HandshakeV10: 0x0a | server_version NUL | connection_id u32le | auth_data_1[8] | 0x00 | caps_low u16le
//               | charset u8 | status u16le | caps_high u16le | auth_data_len u8 | reserved[10]
//               | auth_data_2[max(13, len-8)] | auth_plugin_name NUL
// ERR_Packet:   0xff | error_code u16le | message (no SQL state before authentication)
import { BufferedSession, Fields, Parser } from './types';
import { clean } from './text';

function cstr(b: Uint8Array, o: number, max = 128): [string, number] | null {
  const end = Math.min(b.length, o + max);
  for (let i = o; i < end; i++) if (b[i] === 0) return [clean(b, o, i), i + 1];
  return null;
}

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length < 5) return f;
  const len = b[0] | (b[1] << 8) | (b[2] << 16);
  const p = b.subarray(4, Math.min(b.length, 4 + len));
  if (4 + len > b.length) f.mysql_partial = true;
  if (p.length === 0) return f;
  if (p[0] === 0xff) {
    if (p.length >= 3) f.mysql_error_code = p[1] | (p[2] << 8);
    let o = 3;
    if (p[o] === 0x23 && p.length >= o + 6) o += 6; // "#" SQL state
    const msg = clean(p, o);
    if (msg) f.mysql_error = msg;
    return f;
  }
  f.mysql_protocol = p[0];
  const v = cstr(p, 1);
  if (!v) { if (p.length > 1) f.mysql_version = clean(p, 1); return f; }
  f.mysql_version = v[0];
  if (/mariadb/i.test(v[0])) f.mysql_mariadb = true;
  let o = v[1];
  if (o + 4 > p.length) return f;
  f.mysql_connection_id = (p[o] | (p[o + 1] << 8) | (p[o + 2] << 16)) + p[o + 3] * 0x1000000;
  if (p[0] !== 10) return f;
  o += 4 + 8 + 1;
  if (o + 2 > p.length) return f;
  let caps = p[o] | (p[o + 1] << 8);
  o += 2;
  if (o + 5 > p.length) { f.mysql_capabilities = caps; return f; }
  f.mysql_charset = p[o];
  f.mysql_status = p[o + 1] | (p[o + 2] << 8);
  caps += ((p[o + 3] | (p[o + 4] << 8)) * 0x10000);
  f.mysql_capabilities = caps;
  const authLen = p[o + 5] ?? 0;
  o += 6 + 10;
  o += Math.max(13, authLen - 8);
  if (caps & 0x80000 && o < p.length) { // CLIENT_PLUGIN_AUTH
    const plugin = cstr(p, o, 64) ?? (o < p.length ? [clean(p, o), p.length] as [string, number] : null);
    if (plugin && plugin[0]) f.mysql_auth_plugin = plugin[0];
  }
  return f;
}

export const mysql: Parser = {
  name: 'mysql',
  ports: [3306, 3307],
  fields: ['mysql_protocol', 'mysql_version', 'mysql_mariadb', 'mysql_connection_id', 'mysql_capabilities', 'mysql_charset',
    'mysql_status', 'mysql_auth_plugin', 'mysql_error_code', 'mysql_error', 'mysql_partial'],
  detect(b, _probe, port) {
    if (b.length >= 6 && b[3] === 0) {
      const len = b[0] | (b[1] << 8) | (b[2] << 16);
      if (len >= 2 && len < 4096 && (b[4] === 10 || b[4] === 9) && b[5] >= 0x20 && b[5] < 0x7f) return 3;
      if (len >= 3 && len < 4096 && b[4] === 0xff) return this.ports.includes(port) ? 3 : 2;
    }
    return this.ports.includes(port) ? 1 : 0;
  },
  start: () => new BufferedSession(parse, 16384),
};
