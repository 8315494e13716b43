// SSDP answers (UPnP Device Architecture 1.1, 1.3.3): an HTTP-over-UDP "HTTP/1.1 200 OK" to our
// M-SEARCH (or a NOTIFY a device multicasts), whose headers name the device: SERVER (OS, UPnP
// version, product), LOCATION (its description URL), USN (its unique service name), ST or NT.
import { Fields, Parser, agreesWith } from './types';
import { clean, latin1, lineSession } from './text';

const HEADERS: Record<string, string> = {
  server: 'ssdp_server', location: 'ssdp_location', usn: 'ssdp_usn', st: 'ssdp_st', nt: 'ssdp_st',
};

function derive(lines: Uint8Array[]): Fields {
  const f: Fields = {};
  const first = lines[0];
  if (!first) return f;
  const start = latin1(first, 0, 64);
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(start);
  if (m) f.ssdp_status = Number(m[1]);
  else if (start.startsWith('NOTIFY ')) f.ssdp_status = 0;
  else return f;
  for (const line of lines.slice(1)) {
    if (line.length === 0) break;
    const colon = line.indexOf(0x3a);
    if (colon <= 0) continue;
    const key = latin1(line, 0, colon).trim().toLowerCase();
    const field = Object.hasOwn(HEADERS, key) ? HEADERS[key] : undefined;
    if (field && f[field] === undefined) { const v = clean(line, colon + 1); if (v) f[field] = v; }
  }
  return f;
}

export const ssdp: Parser = {
  name: 'ssdp',
  ports: [1900],
  fields: ['ssdp_status', 'ssdp_server', 'ssdp_location', 'ssdp_usn', 'ssdp_st'],
  detect(b, probe, port) {
    const hinted = probe === 'ssdp' || this.ports.includes(port);
    if (hinted && (agreesWith(b, 'HTTP/1.') || agreesWith(b, 'NOTIFY '))) return 3;
    return hinted ? 1 : 0;
  },
  start: () => lineSession(derive, 1024, 32),
};
