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
