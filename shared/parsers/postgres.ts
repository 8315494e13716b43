// PostgreSQL answers to a StartupMessage: ErrorResponse fields, an authentication request, or the one-byte SSL answer.
//
// message: type u8 | length u32be (including itself) | body
// 'E' ErrorResponse body: (field_type u8 | value NUL)* | 0     S severity, V severity (unlocalized),
//                         C SQLSTATE code, M message, F file, L line, R routine
// 'R' Authentication: code u32be (0 ok, 2 kerberos, 3 cleartext, 5 md5, 7 gss, 9 sspi, 10 sasl + mechanisms)
// 'S' ParameterStatus: name NUL value NUL (server_version among them); 'Z' ReadyForQuery
// Before 7.4 (protocol 2) an error is 'E' followed by a NUL-terminated string.
import { lookup } from '../records';
import { BufferedSession, Fields, Parser } from './types';
import { clean } from './text';

const AUTH: Record<number, string> = { 0: 'ok', 2: 'kerberos', 3: 'cleartext', 5: 'md5', 6: 'scm', 7: 'gss', 9: 'sspi', 10: 'sasl' };
const FIELDS: Record<string, string> = { S: 'postgres_severity', C: 'postgres_code', M: 'postgres_message', F: 'postgres_file', L: 'postgres_line', R: 'postgres_routine' };

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length === 0) return f;
  if (b.length === 1 && (b[0] === 0x53 || b[0] === 0x4e)) { f.postgres_ssl = b[0] === 0x53; return f; }
  if (b.length < 5) { f.postgres_partial = true; return f; }
  if (b[0] === 0x45) {
    const len = u32(b, 1);
    if (len < 4 || len > 65536) {
      // Protocol 2: the error text follows the 'E' directly.
      f.postgres_protocol = 2;
      const nul = b.indexOf(0, 1);
      f.postgres_message = clean(b, 1, nul < 0 ? b.length : nul);
      return f;
    }
  }
  // A server that accepts the startup sends several messages at once (R ok, S params, K, Z),
  // one that refuses sends R then E: read them all, up to 64.
  for (let o = 0, n = 0; o < b.length && n < 64; n++) {
    if (o + 5 > b.length) { f.postgres_partial = true; break; }
    const type = b[o], len = u32(b, o + 1);
    if (len < 4) break;
    const end = Math.min(b.length, o + 1 + len);
    if (o + 1 + len > b.length) f.postgres_partial = true;
    f.postgres_protocol = 3;
    message(b, type, o + 5, end, len, f);
    o += 1 + len;
  }
  return f;
}

function cstrings(b: Uint8Array, o: number, end: number, max: number): string[] {
  const out: string[] = [];
  while (o < end && b[o] !== 0 && out.length < max) {
    let nul = b.indexOf(0, o);
    if (nul < 0 || nul > end) nul = end;
    out.push(clean(b, o, nul));
    o = nul + 1;
  }
  return out;
}

function message(b: Uint8Array, type: number, o: number, end: number, len: number, f: Fields): void {
  if (type === 0x45 || type === 0x4e) {            // ErrorResponse, NoticeResponse
    if (type === 0x4e && f.postgres_message !== undefined) return;
    for (; o < end && b[o] !== 0;) {
      const code = String.fromCharCode(b[o]);
      let nul = b.indexOf(0, o + 1);
      if (nul < 0 || nul > end) nul = end;
      const key = lookup(FIELDS, code);
      const v = clean(b, o + 1, nul);
      if (key === 'postgres_line') { if (/^\d{1,9}$/.test(v)) f[key] = Number(v); }
      else if (key && f[key] === undefined && v) f[key] = v;
      else if (code === 'V' && v) f.postgres_severity = v;  // unlocalized, preferred
      o = nul + 1;
    }
  } else if (type === 0x52 && len >= 8 && o + 4 <= end) {   // Authentication*
    const code = u32(b, o);
    if (f.postgres_auth === undefined) f.postgres_auth = AUTH[code] ?? String(code);
    if (code === 10) {
      const mechs = cstrings(b, o + 4, end, 8);
      if (mechs.length) f.postgres_sasl = mechs.join(',');
    }
  } else if (type === 0x53) {                       // ParameterStatus: name, value
    const [name, value] = cstrings(b, o, end, 2);
    if (name === 'server_version' && value) f.postgres_version = value;
    if (name === 'server_encoding' && value) f.postgres_encoding = value;
  } else if (type === 0x5a) f.postgres_ready = true; // ReadyForQuery: logged in without a password
}

export const postgres: Parser = {
  name: 'postgres',
  ports: [5432],
  fields: ['postgres_protocol', 'postgres_version', 'postgres_encoding', 'postgres_ready', 'postgres_severity', 'postgres_code', 'postgres_message', 'postgres_file', 'postgres_line',
    'postgres_routine', 'postgres_auth', 'postgres_sasl', 'postgres_ssl', 'postgres_partial'],
  detect(b, probe, port) {
    const hinted = probe === 'postgres' || this.ports.includes(port);
    if (b.length >= 6 && b[0] === 0x45 && b[1] === 0 && b[2] === 0 && b[5] === 0x53) return 3;  // E len 'S'
    if (b.length >= 9 && b[0] === 0x52 && b[1] === 0 && b[2] === 0 && b[3] === 0 && b[4] >= 8 && b[4] < 64) return hinted ? 3 : 2;
    if (hinted && b.length === 1 && (b[0] === 0x53 || b[0] === 0x4e)) return 3;
    if (hinted && b.length > 1 && b[0] === 0x45) return 2;
    return hinted ? 1 : 0;
  },
  start: () => new BufferedSession(parse, 16384),
};
