// A minimal DER/X.509 reader for the leaf certificate of a TLS handshake; reads what a cut-off certificate still holds.
//
// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
// tbsCertificate ::= SEQUENCE { [0] version, serialNumber INTEGER, signature AlgorithmIdentifier,
//   issuer Name, validity SEQUENCE { notBefore Time, notAfter Time }, subject Name,
//   subjectPublicKeyInfo SEQUENCE { algorithm, subjectPublicKey }, [1], [2], [3] extensions }
// Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value DirectoryString }
import { createHash } from 'crypto';
import { Fields } from './types';
import { lookup } from '../records';
import { MAX_FIELD, cleanString, hex } from './text';
import { cutAtCodePoint } from '../quote';

export interface Tlv { tag: number; start: number; end: number; full: boolean }

/**
 * Reads one DER header at off, no further than limit. Returns null when even the header is
 * not there or is not DER we read (multi-byte tags, lengths over 4 bytes, indefinite length).
 * end is clamped to limit; full says whether the whole value is present.
 */
export function tlv(b: Uint8Array, off: number, limit: number): Tlv | null {
  if (off + 2 > limit) return null;
  const tag = b[off];
  if ((tag & 0x1f) === 0x1f) return null;
  let len = b[off + 1];
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
    start += n;
  }
  const end = start + len;
  return { tag, start, end: Math.min(end, limit), full: end <= limit };
}

export function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = t.start; off < t.end && out.length < 256;) {
    const c = tlv(b, off, t.end);
    if (!c) break;
    out.push(c);
    if (!c.full) break;
    off = c.end;
  }
  return out;
}

export function oid(b: Uint8Array, t: Tlv): string {
  if (t.end <= t.start || t.end - t.start > 64) return '';
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) { parts.push(v); v = 0; }
  }
  if (!parts.length) return '';
  const first = parts[0] < 80 ? [Math.floor(parts[0] / 40), parts[0] % 40] : [2, parts[0] - 80];
  return [...first, ...parts.slice(1)].join('.');
}

const ATTR: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.10': 'O',
  '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber', '2.5.4.17': 'postalCode', '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
};

const KEY: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'rsa', '1.2.840.10045.2.1': 'ec', '1.3.101.112': 'ed25519', '1.3.101.113': 'ed448',
  '1.2.840.10040.4.1': 'dsa', '1.2.840.113549.1.1.10': 'rsa-pss',
};

/** A directory string of any ASN.1 string type, as text. */
function str(b: Uint8Array, t: Tlv): string {
  const v = b.subarray(t.start, Math.min(t.end, t.start + MAX_FIELD * 4));
  if (t.tag === 0x1e) { // BMPString, UTF-16BE
    let s = '';
    for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode((v[i] << 8) | v[i + 1]);
    return s;
  }
  if (t.tag === 0x1c) { // UniversalString, UTF-32BE
    let s = '';
    for (let i = 0; i + 3 < v.length; i += 4) {
      const cp = ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
      s += cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    }
    return s;
  }
  if (t.tag === 0x14) return Buffer.from(v).toString('latin1'); // T61String: close enough
  return Buffer.from(v).toString('utf8');
}

/** Escapes a value as RFC 4514 does (leading # or space, trailing space, , + " \ < > ;). */
function escapeDn(v: string): string {
  return v.replace(/[,+"\\<>;]/g, '\\$&').replace(/^[ #]/, '\\$&').replace(/ $/, '\\ ');
}

interface Name { text: string; cn?: string }

/** A Name as RFC 4514 writes it: most specific first, "CN=a,O=b,C=c". */
function name(b: Uint8Array, t: Tlv): Name {
  const rdns: string[] = [];
  let cn: string | undefined;
  for (const set of children(b, t)) {
    if (set.tag !== 0x31 || !set.full) continue;
    const parts: string[] = [];
    for (const atv of children(b, set)) {
      const [o, v] = children(b, atv);
      if (!o || !v || o.tag !== 0x06 || !v.full) continue;
      const id = oid(b, o);
      const value = cleanString(str(b, v));
      if (id === '2.5.4.3' && cn === undefined) cn = value;
      parts.push(`${lookup(ATTR, id) ?? id}=${escapeDn(value)}`);
    }
    if (parts.length) rdns.unshift(parts.join('+'));
  }
  const text = rdns.join(',');
  return { text: cutAtCodePoint(text, MAX_FIELD), cn };
}

/** UTCTime or GeneralizedTime (Z form) as microseconds since the epoch. */
function time(b: Uint8Array, t: Tlv): number | undefined {
  const s = Buffer.from(b.subarray(t.start, t.end)).toString('latin1');
  const m = t.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s) : t.tag === 0x18 ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:\.\d+)?Z$/.exec(s) : null;
  if (!m) return undefined;
  let y = Number(m[1]);
  if (t.tag === 0x17) y += y < 50 ? 2000 : 1900;
  const ms = Date.UTC(y, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isFinite(ms) ? ms * 1000 : undefined;
}

/** subjectAltName GeneralNames: DNS names and IP addresses bare, others typed ("email:", "URI:"). */
function sans(b: Uint8Array, t: Tlv): string[] {
  const out: string[] = [];
  for (const g of children(b, t)) {
    if (!g.full) continue;
    const v = b.subarray(g.start, g.end);
    switch (g.tag) {
      case 0x82: out.push(cleanString(Buffer.from(v).toString('latin1'))); break;
      case 0x81: out.push('email:' + cleanString(Buffer.from(v).toString('latin1'))); break;
      case 0x86: out.push('URI:' + cleanString(Buffer.from(v).toString('latin1'))); break;
      case 0x87:
        if (v.length === 4) out.push(Array.from(v).join('.'));
        else if (v.length === 16) {
          const words: string[] = [];
          for (let i = 0; i < 16; i += 2) words.push(((v[i] << 8) | v[i + 1]).toString(16));
          out.push(words.join(':'));
        }
        break;
    }
    if (out.length >= 100) break;
  }
  return out;
}

/**
 * Fields of one certificate given as DER, whole or cut off. `partial` means the bytes ended
 * inside it: what was complete before the cut is still reported.
 */
export function certFields(der: Uint8Array, partial: boolean): Fields {
  const f: Fields = {};
  const cert = tlv(der, 0, der.length);
  if (!cert || cert.tag !== 0x30) { if (partial) f.cert_partial = true; return f; }
  const tbs = tlv(der, cert.start, cert.end);
  const whole = cert.full && !partial;
  if (tbs && tbs.tag === 0x30) {
    let kids = children(der, tbs);
    if (kids[0] && kids[0].tag === 0xa0) {
      const ver = children(der, kids[0])[0];
      if (ver && ver.full && ver.tag === 0x02 && ver.end - ver.start === 1) f.cert_version = der[ver.start] + 1;
      kids = kids.slice(1);
    } else if (kids.length) f.cert_version = 1;
    const [serial, , issuer, validity, subject, spki] = kids;
    if (serial && serial.full && serial.tag === 0x02 && serial.end - serial.start <= 64) {
      let s = serial.start;
      while (s < serial.end - 1 && der[s] === 0) s++;   // the sign byte is not part of the number
      f.cert_serial = hex(der, s, serial.end);
    }
    if (issuer && issuer.full && issuer.tag === 0x30) {
      const n = name(der, issuer);
      if (n.text) f.cert_issuer = n.text;
      if (n.cn !== undefined) f.cert_issuer_cn = n.cn;
    }
    if (validity && validity.full && validity.tag === 0x30) {
      const [nb, na] = children(der, validity);
      const a = nb && time(der, nb), z = na && time(der, na);
      if (a !== undefined) f.cert_not_before_us = a;
      if (z !== undefined) f.cert_not_after_us = z;
    }
    if (subject && subject.full && subject.tag === 0x30) {
      const n = name(der, subject);
      if (n.text) f.cert_subject = n.text;
      if (n.cn !== undefined) f.cert_subject_cn = n.cn;
      if (issuer && issuer.full && f.cert_subject !== undefined && f.cert_subject === f.cert_issuer) f.cert_self_issued = true;
    }
    if (spki && spki.tag === 0x30) {
      const alg = children(der, spki)[0];
      const o = alg && children(der, alg)[0];
      if (o && o.full && o.tag === 0x06) { const id = oid(der, o); f.cert_key_type = lookup(KEY, id) ?? id; }
    }
    for (const k of kids.slice(6)) {
      if (k.tag !== 0xa3) continue;
      const exts = children(der, k)[0];
      if (!exts) continue;
      for (const ext of children(der, exts)) {
        if (!ext.full) continue;
        const parts = children(der, ext);
        if (!parts[0] || parts[0].tag !== 0x06 || oid(der, parts[0]) !== '2.5.29.17') continue;
        const oct = parts[parts.length - 1];
        if (oct.tag !== 0x04) continue;
        const gn = tlv(der, oct.start, oct.end);
        if (gn && gn.tag === 0x30) { const list = sans(der, gn); if (list.length) f.cert_sans = list.join(','); }
      }
    }
  }
  if (whole) {
    const exact = der.subarray(0, cert.end);
    f.cert_sha256 = createHash('sha256').update(exact).digest('hex');
    f.cert_der = Buffer.from(exact).toString('base64');
  } else f.cert_partial = true;
  return f;
}
