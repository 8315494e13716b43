// memcached text protocol: "VERSION x" to `version`, "STAT version x" among the `stats` lines, or an error.
import { Fields, Parser, agreesWith } from './types';
import { clean, latin1, lineSession } from './text';

function derive(lines: Uint8Array[]): Fields {
  const f: Fields = {};
  for (const line of lines) {
    const s = latin1(line, 0, 64);
    if (s.startsWith('VERSION ')) { f.memcached_version = clean(line, 8); break; }
    if (s.startsWith('STAT version ')) { f.memcached_version = clean(line, 13); continue; }
    if (s.startsWith('STAT pid ')) { const v = clean(line, 9); if (/^\d+$/.test(v)) f.memcached_pid = Number(v); continue; }
    if (s.startsWith('STAT uptime ')) { const v = clean(line, 12); if (/^\d+$/.test(v)) f.memcached_uptime_s = Number(v); continue; }
    if (s === 'ERROR' || s.startsWith('CLIENT_ERROR') || s.startsWith('SERVER_ERROR')) { f.memcached_error = clean(line); break; }
    if (s === 'END') break;
  }
  return f;
}

export const memcached: Parser = {
  name: 'memcached',
  ports: [11211],
  fields: ['memcached_version', 'memcached_pid', 'memcached_uptime_s', 'memcached_error'],
  detect(b, probe, port) {
    if (agreesWith(b, 'VERSION ') || agreesWith(b, 'STAT pid ')) return b.length >= 5 ? 3 : 2;
    const hinted = probe === 'memcached' || this.ports.includes(port);
    if (hinted && (agreesWith(b, 'STAT ') || agreesWith(b, 'ERROR') || agreesWith(b, 'SERVER_ERROR') || agreesWith(b, 'CLIENT_ERROR'))) return 3;
    return hinted ? 1 : 0;
  },
  start: () => lineSession(derive, 512, 128),
};
