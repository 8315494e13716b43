// Escaping of hostile bytes and strings for each format; banners are arbitrary bytes, and
// product/version strings from banners are attacker-chosen too.
import type { AnyRecord } from '../records';

const HEX = '0123456789abcdef';
const hex2 = (c: number) => '\\x' + HEX[c >> 4] + HEX[c & 15];

/** The payload of a banner record as bytes ('' when it has none). */
export function bannerBytes(rec: AnyRecord): Buffer {
  return typeof rec.data === 'string' ? Buffer.from(rec.data, 'base64') : Buffer.alloc(0);
}

/** Printable ASCII stays, everything else (and the backslash itself) becomes \xNN: one line, lossless. */
export function escapeBytes(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : hex2(c);
  }
  return s;
}

/** masscan's normalize_string (1.3.x): also escapes < > & " ' so -oL matches byte for byte. */
export function escapeMasscan(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    const plain = c >= 0x20 && c < 0x7f && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x5c && c !== 0x22 && c !== 0x27;
    s += plain ? String.fromCharCode(c) : hex2(c);
  }
  return s;
}

// Characters XML 1.0 cannot carry at all, not even as &#N; (C0 controls but tab/LF/CR, lone
// surrogates, U+FFFE/U+FFFF): shown as \xNN or \uNNNN instead.
const XML_BAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const XML_SPECIAL = /[&<>"'\t\n\r]/g;
const XML_ENT: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};

/** For attribute values and text: '>' is always escaped, so "]]>" cannot appear. */
const XML_ANY = /[\x00-\x1f&<>"'\ud800-\udfff\ufffe\uffff]/;

export function xmlEscape(s: string): string {
  if (!XML_ANY.test(s)) return s;   // the common case: nothing to do
  return s
    .replace(XML_BAD, (c) => (c.length === 1 && c.charCodeAt(0) < 0x100 ? hex2(c.charCodeAt(0)) : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')))
    .replace(XML_SPECIAL, (c) => XML_ENT[c]);
}

/** One cell of RFC 4180 CSV; with formulaEscape, a leading = + - @ TAB CR gets a ' (OWASP). */
export function csvCell(v: unknown, formulaEscape: boolean): string {
  if (v === undefined || v === null) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (formulaEscape && typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** nmap -oG field: '/' becomes '|' as nmap does; ',' and controls are escaped so the
 *  Ports: list still splits on ", " and the line on tabs. */
export function grepField(s: string): string {
  return s.replace(/\//g, '|').replace(/[\x00-\x1f\x7f,\\]/g, (c) => hex2(c.charCodeAt(0)));
}

/** The inverse of escapeBytes and escapeMasscan: \xNN back to its byte, other characters as
 *  latin1 bytes (UTF-8 when a character does not fit in one). */
export function unescapeBytes(s: string): Buffer {
  const wide = /[^\x00-\xff]/.test(s);
  if (!s.includes('\\x')) return Buffer.from(s, wide ? 'utf8' : 'latin1');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of s.matchAll(/\\x([0-9a-fA-F]{2})/g)) {
    parts.push(Buffer.from(s.slice(last, m.index), wide ? 'utf8' : 'latin1'), Buffer.of(parseInt(m[1], 16)));
    last = m.index! + 4;
  }
  parts.push(Buffer.from(s.slice(last), wide ? 'utf8' : 'latin1'));
  return Buffer.concat(parts);
}

const XML_UNENT: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML attribute text back to the string: the five entities and numeric references. */
export function xmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (m, e: string) => {
    if (e[0] !== '#') return XML_UNENT[e];
    const n = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return n <= 0x10ffff ? String.fromCodePoint(n) : m;
  });
}
