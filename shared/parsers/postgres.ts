// PostgreSQL answers to a StartupMessage: ErrorResponse fields, an authentication request, or the one-byte SSL answer.
//
// message: type u8 | length u32be (including itself) | body
// 'E' ErrorResponse body: (field_type u8 | value NUL)* | 0     S severity, V severity (unlocalized),
//                         C SQLSTATE code, M message, F file, L line, R routine
// 'R' Authentication: code u32be (0 ok, 2 kerberos, 3 cleartext, 5 md5, 7 gss, 9 sspi, 10 sasl + mechanisms)
// Before 7.4 (protocol 2) an error is 'E' followed by a NUL-terminated string.
import { BufferedSession, Fields, Parser } from './types';
import { clean } from './text';

const AUTH: Record<number, string> = { 0: 'ok', 2: 'kerberos', 3: 'cleartext', 5: 'md5', 6: 'scm', 7: 'gss', 9: 'sspi', 10: 'sasl' };
const FIELDS: Record<string, string> = { S: 'postgres_severity', C: 'postgres_code', M: 'postgres_message', F: 'postgres_file', L: 'postgres_line', R: 'postgres_routine' };

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length === 0) return f;
  if (b.length === 1 && (b[0] === 0x53 || b[0] === 0x4e)) { f.postgres_ssl = b[0] === 0x53; return f; }
  const type = b[0];
  if (b.length < 5) { f.postgres_partial = true; return f; }
  const len = u32(b, 1);
  if (type === 0x45 && (len < 4 || len > 65536)) {
    // Protocol 2: the error text follows the 'E' directly.
    f.postgres_protocol = 2;
    const nul = b.indexOf(0, 1);
    f.postgres_message = clean(b, 1, nul < 0 ? b.length : nul);
    return f;
  }
  const end = Math.min(b.length, 1 + len);
  if (1 + len > b.length) f.postgres_partial = true;
  if (type === 0x45 || type === 0x4e) {
    f.postgres_protocol = 3;
    for (let o = 5; o < end && b[o] !== 0;) {
      const code = String.fromCharCode(b[o]);
      let nul = b.indexOf(0, o + 1);
      if (nul < 0 || nul > end) nul = end;
      const key = FIELDS[code];
      const v = clean(b, o + 1, nul);
      if (key === 'postgres_line') { if (/^\d{1,9}$/.test(v)) f[key] = Number(v); }
      else if (key && f[key] === undefined && v) f[key] = v;
      else if (code === 'V' && v) f.postgres_severity = v;  // unlocalized, preferred
      o = nul + 1;
    }
  } else if (type === 0x52 && len >= 8) {
    f.postgres_protocol = 3;
    const code = u32(b, 5);
    f.postgres_auth = AUTH[code] ?? String(code);
    if (code === 10) {
      const mechs: string[] = [];
      for (let o = 9; o < end && b[o] !== 0 && mechs.length < 8;) {
        let nul = b.indexOf(0, o);
        if (nul < 0 || nul > end) nul = end;
        mechs.push(clean(b, o, nul));
        o = nul + 1;
      }
      if (mechs.length) f.postgres_sasl = mechs.join(',');
    }
  }
  return f;
}

export const postgres: Parser = {
  name: 'postgres',
  ports: [5432],
  fields: ['postgres_protocol', 'postgres_severity', 'postgres_code', 'postgres_message', 'postgres_file', 'postgres_line',
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
