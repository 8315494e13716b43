// Redis (RESP): the INFO reply's version and mode, or the error a locked server answers (-NOAUTH, -DENIED), or +PONG.
import { Fields, Parser, agreesWith } from './types';
import { clean, latin1, lineSession } from './text';

// INFO keys worth a field, and the field each fills.
const INFO: Record<string, string> = {
  redis_version: 'redis_version', redis_mode: 'redis_mode', os: 'redis_os', role: 'redis_role',
  arch_bits: 'redis_arch_bits', tcp_port: 'redis_tcp_port', uptime_in_seconds: 'redis_uptime_s',
};
// As a Map: a reply has about a hundred names to look up (a Map, like lookup(), never reaches
// Object.prototype, at a fraction of Object.hasOwn's cost per name).
const INFO_KEYS = new Map(Object.entries(INFO));
const MAX_KEY = Math.max(...Object.keys(INFO).map((k) => k.length));
const NUMERIC = new Set(['redis_arch_bits', 'redis_tcp_port', 'redis_uptime_s']);

function derive(lines: Uint8Array[]): Fields {
  const f: Fields = {};
  const first = lines[0];
  if (!first || first.length === 0) return f;
  const kind = first[0];
  if (kind === 0x2d) { // -ERR text
    const text = clean(first, 1);
    f.redis_error = text;
    const word = text.split(' ')[0];
    if (word === 'NOAUTH' || word === 'NOPERM' || /authentication required|operation not permitted/i.test(text)) f.redis_auth_required = true;
    if (word === 'DENIED') f.redis_protected_mode = true;
    return f;
  }
  if (kind === 0x2b) { f.redis_reply = clean(first, 1); return f; }
  if (kind !== 0x24) return f; // $len bulk string: the INFO text
  const n = latin1(first, 1, 12);
  if (/^\d+$/.test(n)) f.redis_info_len = Number(n);
  for (const line of lines.slice(1)) {
    // Only a short name before the first colon can be one of INFO's: the other lines (about a
    // hundred in a reply) are passed over without making a string of them.
    let colon = -1;
    for (let i = 0; i < line.length && i <= MAX_KEY; i++) if (line[i] === 0x3a) { colon = i; break; }
    if (colon <= 0) continue;
    const key = INFO_KEYS.get(latin1(line, 0, colon));
    if (!key) continue;
    const v = clean(line, colon + 1, 256);
    if (NUMERIC.has(key)) { if (/^\d{1,15}$/.test(v)) f[key] = Number(v); }
    else if (v) f[key] = v;
  }
  return f;
}

export const redis: Parser = {
  name: 'redis',
  ports: [6379, 6380],
  fields: ['redis_version', 'redis_mode', 'redis_os', 'redis_role', 'redis_arch_bits', 'redis_tcp_port', 'redis_uptime_s',
    'redis_info_len', 'redis_error', 'redis_auth_required', 'redis_protected_mode', 'redis_reply'],
  detect(b, probe, port) {
    if (agreesWith(b, '-NOAUTH') || agreesWith(b, '-DENIED') || agreesWith(b, '+PONG')) return b.length >= 3 ? 3 : 2;
    if (b.length > 8 && b[0] === 0x24 && latin1(b, 0, 64).includes('# Server')) return 3;
    const hinted = probe === 'redis' || this.ports.includes(port);
    if (hinted && b.length > 0 && (b[0] === 0x2d || b[0] === 0x2b || b[0] === 0x24)) return 3;
    return hinted ? 1 : 0;
  },
  start: () => lineSession(derive, 512, 128),
};
