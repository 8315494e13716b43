// Reads the nmap-service-probes format: Probe sections with their match/softmatch rules and fallbacks.
//
//   Probe TCP GetRequest q|GET / HTTP/1.0\r\n\r\n|
//   fallback NULL
//   match ssh m|^SSH-([\d.]+)-OpenSSH_([\w._-]+)| p/OpenSSH/ v/$2/ i/protocol $1/ cpe:/a:openbsd:openssh:$2/
//   softmatch ftp m/^220[- ].*ftp/i
// The pattern delimiter is any character after 'm' and ends at its next occurrence (nmap does not
// let it be escaped); flags i and s follow it. Version fields are letter + delimiter + text + delimiter.

export interface RuleDef {
  soft: boolean;
  service: string;
  pattern: string;
  flags: string;
  templates: { key: string; value: string }[];
  line: number;
}

export interface ProbeDef {
  name: string; protocol: string; rules: RuleDef[]; fallback: string[];
  data: Uint8Array;     // the probe string (q|...|, escapes decoded): the bytes nmap sends
  ports: number[];      // the `ports` line: where nmap sends this probe by default
  rarity: number;       // the `rarity` line (1 common .. 9 rare; nmap's default intensity tries up to 7)
}

export class ProbeFileError extends Error {}

export function parseProbesFile(text: string): ProbeDef[] {
  const probes: ProbeDef[] = [];
  let cur: ProbeDef | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.indexOf(' ');
    const word = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (word === 'Probe') {
      const [protocol, name] = rest.split(' ');
      if (!protocol || !name) throw new ProbeFileError(`line ${n + 1}: bad Probe line`);
      cur = { name, protocol, rules: [], fallback: [], ports: [], rarity: 5, data: probeString(rest.slice(protocol.length + name.length + 2)) };
      probes.push(cur);
    } else if (word === 'match' || word === 'softmatch') {
      if (!cur) throw new ProbeFileError(`line ${n + 1}: ${word} before any Probe`);
      const r = parseRule(rest, word === 'softmatch', n + 1);
      if (typeof r === 'string') throw new ProbeFileError(`line ${n + 1}: ${r}`);
      cur.rules.push(r);
    } else if (word === 'fallback') {
      if (cur) cur.fallback = rest.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (word === 'ports') {
      if (cur) cur.ports = portList(rest);
    } else if (word === 'rarity') {
      if (cur && /^\d$/.test(rest.trim())) cur.rarity = Number(rest.trim());
    }
    // Exclude, sslports, totalwaitms, tcpwrappedms: nothing to do for stored banners.
  }
  if (!probes.length) throw new ProbeFileError('no Probe lines: not an nmap-service-probes file');
  return probes;
}

function parseRule(rest: string, soft: boolean, line: number): RuleDef | string {
  const sp = rest.indexOf(' ');
  if (sp <= 0) return 'no service name';
  const service = rest.slice(0, sp);
  let i = sp + 1;
  if (rest[i] !== 'm') return 'no m pattern';
  const d = rest[i + 1];
  if (!d) return 'no pattern delimiter';
  const end = rest.indexOf(d, i + 2);
  if (end < 0) return 'unterminated pattern';
  const pattern = rest.slice(i + 2, end);
  i = end + 1;
  let flags = '';
  while (i < rest.length && rest[i] !== ' ') flags += rest[i++];
  const templates: { key: string; value: string }[] = [];
  while (i < rest.length) {
    while (rest[i] === ' ') i++;
    if (i >= rest.length) break;
    let key: string;
    if (rest.startsWith('cpe:', i)) { key = 'cpe'; i += 4; } else { key = rest[i]; i += 1; }
    const dl = rest[i];
    if (!dl) break;
    const close = rest.indexOf(dl, i + 1);
    if (close < 0) return `unterminated ${key} field`;
    templates.push({ key, value: rest.slice(i + 1, close) });
    i = close + 1;
    while (i < rest.length && rest[i] !== ' ') i++;  // a cpe's "a" flag
  }
  return { soft, service, pattern, flags, templates, line };
}

// nmap's escapes in a probe string (service_scan.cc, cstring_unescape): \\ \0 \a \b \f \n \r \t \v \xHH.
const ESCAPES: Readonly<Record<string, number>> = { '0': 0, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** The bytes of a Probe line's `q|...|` (any delimiter after q, as nmap allows); empty when there is none. */
function probeString(s: string): Uint8Array {
  if (s[0] !== 'q' || s.length < 2) return new Uint8Array(0);
  const d = s[1], end = s.indexOf(d, 2);
  if (end < 0) return new Uint8Array(0);
  const out: number[] = [];
  for (let i = 2; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 92 || i + 1 >= end) { out.push(c & 255); continue; }
    const e = s[++i];
    if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) { out.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; }
    else out.push(Object.hasOwn(ESCAPES, e) ? ESCAPES[e] : e.charCodeAt(0) & 255);
  }
  return Uint8Array.from(out);
}

/** A `ports` line ("80-85,88,8080"): the ports it lists; bad items are left out. */
function portList(s: string): number[] {
  const out: number[] = [];
  for (const item of s.split(',')) {
    const m = /^\s*(\d{1,5})(?:-(\d{1,5}))?\s*$/.exec(item);
    if (!m) continue;
    const lo = Number(m[1]), hi = Math.min(65535, m[2] ? Number(m[2]) : lo);
    for (let p = lo; p <= hi && out.length < 65536; p++) out.push(p);
  }
  return out;
}
