// DNS answers over UDP (RFC 1035): header flags and rcode, the question, the answer RRs as text,
// and version.bind's TXT (BIND, unbound, knot, dnsmasq) as dns_version. Also mDNS (RFC 6762).
//
//   0  ID[2]  flags[2]: QR(15) OPCODE(14-11) AA(10) TC(9) RD(8) RA(7) Z AD(5) CD(4) RCODE(3-0)
//   4  QDCOUNT[2] ANCOUNT[2] NSCOUNT[2] ARCOUNT[2]
//  12  questions: NAME TYPE[2] CLASS[2]; then RRs: NAME TYPE[2] CLASS[2] TTL[4] RDLENGTH[2] RDATA
// NAME: labels (len 1..63, bytes), a pointer (0b11 + 14-bit offset) or the root 0. Pointers must
// go strictly backwards (no loops) and a name has at most MAX_LABELS labels.
import { Fields, Parser, BufferedSession } from './types';
import { cleanString, hex } from './text';

const MAX_ANSWERS = 32;
const MAX_LABELS = 128;
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
const TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV',
  41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 257: 'CAA', 255: 'ANY',
};
const CLASSES: Record<number, string> = { 1: 'IN', 3: 'CH', 4: 'HS', 255: 'ANY' };
const FLAGS: [number, string][] = [[15, 'qr'], [10, 'aa'], [9, 'tc'], [8, 'rd'], [7, 'ra'], [5, 'ad'], [4, 'cd']];

/** A name at `off`: its text (dotted, ending in '.') and where the bytes after it start, or null. */
export function readName(b: Uint8Array, off: number): { name: string; next: number } | null {
  const labels: string[] = [];
  let p = off, next = -1, lowest = off;
  for (let n = 0; n <= MAX_LABELS; n++) {
    if (p >= b.length) return null;
    const len = b[p];
    if (len === 0) return { name: labels.length ? labels.join('.') + '.' : '.', next: next < 0 ? p + 1 : next };
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= b.length) return null;
      const to = ((len & 0x3f) << 8) | b[p + 1];
      if (next < 0) next = p + 2;
      if (to >= lowest) return null;     // forwards or to itself: a loop could follow
      lowest = p = to;
      continue;
    }
    if (len & 0xc0) return null;         // 0x40, 0x80: extended label types, obsolete
    if (p + 1 + len > b.length) return null;
    let s = '';
    for (let i = p + 1; i <= p + len; i++) {
      const c = b[i];
      s += c === 0x2e || c === 0x5c ? '\\' + String.fromCharCode(c) : c > 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${String(c).padStart(3, '0')}`;
    }
    labels.push(s);
    p += 1 + len;
  }
  return null;
}

function u16(b: Uint8Array, o: number): number { return (b[o] << 8) | b[o + 1]; }
function u32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }

/** TXT's character-strings, each quoted as dig shows them. */
function txtStrings(b: Uint8Array, s: number, e: number): string[] | null {
  const out: string[] = [];
  for (let p = s; p < e;) {
    const n = b[p];
    if (p + 1 + n > e) return null;
    let t = '';
    for (let i = p + 1; i <= p + n; i++) {
      const c = b[i];
      t += c === 0x22 || c === 0x5c ? '\\' + String.fromCharCode(c) : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${String(c).padStart(3, '0')}`;
    }
    out.push(t);
    p += 1 + n;
  }
  return out;
}

function ipv6(b: Uint8Array, s: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(u16(b, s + i).toString(16));
  // The longest run of two or more zero groups becomes '::' (RFC 5952).
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return g.slice(0, best).join(':') + '::' + g.slice(best + bestLen).join(':');
}

/** The RDATA as dig's text, or null when it does not fit its type. */
function rdata(b: Uint8Array, type: number, s: number, e: number): string | null {
  const len = e - s;
  const name = (o: number) => { const n = readName(b, o); return n && n.next <= e ? n : null; };
  switch (type) {
    case 1: return len === 4 ? `${b[s]}.${b[s + 1]}.${b[s + 2]}.${b[s + 3]}` : null;
    case 28: return len === 16 ? ipv6(b, s) : null;
    case 2: case 5: case 12: { const n = name(s); return n ? n.name : null; }
    case 15: { if (len < 3) return null; const n = name(s + 2); return n ? `${u16(b, s)} ${n.name}` : null; }
    case 16: { const t = txtStrings(b, s, e); return t ? t.map((x) => `"${x}"`).join(' ') : null; }
    case 33: { if (len < 7) return null; const n = name(s + 6); return n ? `${u16(b, s)} ${u16(b, s + 2)} ${u16(b, s + 4)} ${n.name}` : null; }
    case 6: {
      const m = name(s); if (!m) return null;
      const r = name(m.next); if (!r || r.next + 20 > e) return null;
      return `${m.name} ${r.name} ${u32(b, r.next)}`;
    }
    default: return `\\# ${len} ${hex(b, s, Math.min(e, s + 32))}${len > 32 ? '...' : ''}`;
  }
}

function parseDns(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length < 12) return f;
  const flags = u16(b, 2);
  f.dns_flags = FLAGS.filter(([bit]) => flags & (1 << bit)).map(([, n]) => n).join(' ');
  const opcode = (flags >> 11) & 15;
  if (opcode) f.dns_opcode = opcode;
  f.dns_rcode = RCODES[flags & 15] ?? String(flags & 15);
  const qd = u16(b, 4), an = u16(b, 6);
  f.dns_answer_count = an;
  f.dns_authority_count = u16(b, 8);
  f.dns_additional_count = u16(b, 10);
  let p = 12;
  let qname = '', qclass = 0;
  for (let i = 0; i < qd; i++) {
    const n = readName(b, p);
    if (!n || n.next + 4 > b.length) return f;
    if (i === 0) {
      qname = n.name; qclass = u16(b, n.next + 2) & 0x7fff;   // mDNS: the top bit asks for unicast
      f.dns_question = cleanString(`${qname} ${CLASSES[qclass] ?? `CLASS${qclass}`} ${TYPES[u16(b, n.next)] ?? `TYPE${u16(b, n.next)}`}`);
    }
    p = n.next + 4;
    if (i >= MAX_ANSWERS) return f;
  }
  const answers: string[] = [];
  for (let i = 0; i < an && answers.length < MAX_ANSWERS; i++) {
    const n = readName(b, p);
    if (!n || n.next + 10 > b.length) break;
    const type = u16(b, n.next), cls = u16(b, n.next + 2) & 0x7fff, ttl = u32(b, n.next + 4), len = u16(b, n.next + 8);
    const s = n.next + 10, e = s + len;
    if (e > b.length) break;
    const text = rdata(b, type, s, e);
    if (text === null) break;
    answers.push(cleanString(`${n.name} ${ttl} ${CLASSES[cls] ?? `CLASS${cls}`} ${TYPES[type] ?? `TYPE${type}`} ${text}`));
    // version.bind / version.server in class CH: the server's own version string.
    if (type === 16 && cls === 3 && f.dns_version === undefined && /^version\.(bind|server)\.$/i.test(qname)) {
      const t = txtStrings(b, s, e);
      if (t && t.length) f.dns_version = cleanString(t.join(' ').replace(/\\(\d{3}|.)/g, (_, c: string) => c.length === 3 ? String.fromCharCode(Number(c)) : c));
    }
    p = e;
  }
  if (answers.length) f.dns_answers = answers;
  return f;
}

export const dns: Parser = {
  name: 'dns',
  ports: [53, 5353],
  fields: ['dns_flags', 'dns_opcode', 'dns_rcode', 'dns_question', 'dns_answer_count', 'dns_authority_count',
    'dns_additional_count', 'dns_answers', 'dns_version'],
  detect(b, probe, port) {
    // A response (QR set) with at most a few questions.
    if (b.length >= 12 && b[2] & 0x80 && u16(b, 4) <= 4) return 2;
    return probe === 'dns' || this.ports.includes(port) ? 1 : 0;
  },
  start: () => new BufferedSession(parseDns, 65536),
};
