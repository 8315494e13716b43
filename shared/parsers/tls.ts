// TLS server flight: records, alert, ServerHello (version incl. supported_versions, cipher, extensions,
// ALPN) and the certificate chain: in clear up to TLS 1.2, decrypted with shared/tls in TLS 1.3 when
// banners has the scan key that made the tls probe's ClientHello.
//
// record:    type u8 (20-23) | version u16 | length u16 | fragment
// handshake: msg_type u8 | length u24 | body          (messages may span records)
// ServerHello body: legacy_version u16 | random[32] | session_id<0..32> (u8 length) | cipher_suite u16
//                   | compression u8 | extensions<u16> of (type u16 | length u16 | data)
// Certificate (TLS <= 1.2): certificate_list<u24> of (length u24 | DER); in TLS 1.3 it is encrypted.
import { BufferedSession, Fields, ParseContext, Parser } from './types';
import { certFields } from './x509';
import { cleanString } from './text';
import { ALERTS, EXTENSIONS, GROUPS, HANDSHAKE_TYPES, RECORD_TYPES, cipherName, versionName } from './tls-names';
import { certificateFields } from '../tls/cert';
import { readTls, type TlsClientOptions } from '../tls/client';

const MAX_HANDSHAKE = 256 * 1024;
// Certificates kept from one chain (what shared/tls keeps too).
const MAX_CERTS = 32;
// The ServerHello random that marks a HelloRetryRequest (RFC 8446 4.1.3).
const HRR = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u24 = (b: Uint8Array, o: number) => (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];

function isRecordStart(b: Uint8Array, o: number): boolean {
  return o + 3 <= b.length && b[o] >= 20 && b[o] <= 23 && b[o + 1] === 3 && b[o + 2] <= 4;
}

export function parseTls(b: Uint8Array, ctx?: ParseContext): Fields {
  const f: Fields = {};
  const hs: Uint8Array[] = [];
  let hsLen = 0;
  let off = 0, records = 0, encrypted = 0, cut = false, ccs = false;
  while (off < b.length) {
    if (!isRecordStart(b, off)) {
      if (off + 3 > b.length && records > 0) cut = true;
      else if (records > 0) f.tls_trailing_bytes = b.length - off;
      break;
    }
    if (off + 5 > b.length) { cut = true; break; }
    const type = b[off], len = u16(b, off + 3);
    const body = b.subarray(off + 5, Math.min(b.length, off + 5 + len));
    if (records === 0) {
      f.tls_record = RECORD_TYPES[type];
      f.tls_record_version = versionName(u16(b, off + 1));
    }
    records++;
    // After the server's ChangeCipherSpec (TLS <= 1.2: its Finished, after our second flight) every
    // record is protected: its bytes are no handshake or alert in clear.
    if (type === 20) ccs = true;
    else if (ccs) { encrypted++; if (off + 5 + len > b.length) { cut = true; break; } off += 5 + len; continue; }
    if (type === 21 && f.tls_alert_level === undefined && body.length >= 2) {
      f.tls_alert_level = body[0] === 1 ? 'warning' : body[0] === 2 ? 'fatal' : body[0];
      f.tls_alert_code = body[1];
      f.tls_alert_description = ALERTS[body[1]] ?? String(body[1]);
    }
    if (type === 22 && hsLen < MAX_HANDSHAKE) { hs.push(body); hsLen += body.length; }
    if (type === 23) encrypted++;
    if (off + 5 + len > b.length) { cut = true; break; }
    off += 5 + len;
  }
  if (records === 0) return f;
  f.tls_records = records;
  if (encrypted) f.tls_encrypted_records = encrypted;
  if (cut) f.tls_partial = true;
  const chain: Uint8Array[] = [];
  handshake(Buffer.concat(hs), f, cut, chain);
  if (f.tls_version === 'TLSv1.3' && !f.tls_hello_retry) {
    if (ctx?.tls) decrypt13(b, ctx.tls, f, chain, ctx);
    if (!chain.length) f.tls_cert_encrypted = true;
  }
  if (chain.length) chainFields(chain, f);
  return f;
}

/** How banners reads an answer to its ClientHello: by the parse, and by the reassembly's end
 *  detector (whose read the parse then takes), so both give the same result. maxAppData: bytes
 *  of the response kept (0 but for the https probe's). */
export function tlsReadOptions(tls: NonNullable<ParseContext['tls']>, maxAppData: number): TlsClientOptions {
  return { secrets: tls.secrets, hello: tls.hello, limits: { maxAppData, maxCerts: MAX_CERTS } };
}

/** TLS 1.3: the server's flight decrypted with the keys our ClientHello's key share gives (shared/tls). */
function decrypt13(b: Uint8Array, tls: NonNullable<ParseContext['tls']>, f: Fields, chain: Uint8Array[], ctx?: ParseContext): void {
  // An https conversation or the reassembly's end detector read the stream already (ctx.read):
  // the same bytes, the same result.
  const r = ctx?.read ?? readTls(tlsReadOptions(tls, ctx?.app?.maxAppData ?? 0), b);
  if (ctx?.app) ctx.read = r;   // for the https response's parse (banner.ts)
  if (r.certificates.length) {
    chain.push(...r.certificates);
    f.tls_decrypted = true;
  }
  if (r.messages.length > 1) f.tls_handshake = r.messages.map((t) => HANDSHAKE_TYPES[t] ?? String(t)).join(',');
  if (r.alpn !== undefined && f.tls_alpn === undefined) f.tls_alpn = cleanString(r.alpn);
  if (r.error !== undefined) f.tls_decrypt_error = cleanString(r.error);
}

/** The leaf's fields (node:crypto's X509Certificate, shared/tls/cert.ts) and the chain as lists, leaf first. */
function chainFields(chain: Uint8Array[], f: Fields): void {
  Object.assign(f, certificateFields(chain[0]));
  const each = chain.map((der, i) => (i === 0 ? f : certificateFields(der)));
  f.cert_chain_der = chain.map((der) => Buffer.from(der).toString('base64'));
  f.cert_chain_sha256 = each.map((c) => String(c.cert_sha256 ?? ''));
  f.cert_chain_subject = each.map((c) => String(c.cert_subject ?? ''));
  f.cert_chain_issuer = each.map((c) => String(c.cert_issuer ?? ''));
  f.tls_cert_count = chain.length;
}

function handshake(h: Uint8Array, f: Fields, cut: boolean, chain: Uint8Array[]): void {
  const names: string[] = [];
  let off = 0;
  while (off + 4 <= h.length && names.length < 32) {
    const type = h[off], len = u24(h, off + 1);
    const body = h.subarray(off + 4, Math.min(h.length, off + 4 + len));
    const whole = off + 4 + len <= h.length;
    names.push(HANDSHAKE_TYPES[type] ?? String(type));
    if (type === 2) serverHello(body, f);
    else if (type === 11 && f.tls_cert_count === undefined && !chain.length) certificate(body, f, !whole, chain);
    if (!whole) break;
    off += 4 + len;
  }
  if (names.length) f.tls_handshake = names.join(',');
  if (off < h.length && (off + 4 > h.length) && cut) f.tls_partial = true;
}

function serverHello(b: Uint8Array, f: Fields): void {
  if (b.length < 2) return;
  f.tls_version = versionName(u16(b, 0));
  if (b.length < 34) return;
  let random = '';
  for (let i = 2; i < 34; i++) random += b[i].toString(16).padStart(2, '0');
  if (random === HRR) f.tls_hello_retry = true;
  let o = 34;
  if (o >= b.length) return;
  const sid = b[o];
  f.tls_session_id_len = sid;
  o += 1 + sid;
  if (o + 2 > b.length) return;
  const cipher = u16(b, o);
  f.tls_cipher = cipherName(cipher);
  f.tls_cipher_id = cipher;
  o += 2;
  if (o >= b.length) return;
  f.tls_compression = b[o] === 0 ? 'null' : b[o] === 1 ? 'deflate' : b[o];
  o += 1;
  if (o + 2 > b.length) return;
  const end = Math.min(b.length, o + 2 + u16(b, o));
  o += 2;
  const exts: string[] = [];
  while (o + 4 <= end && exts.length < 64) {
    const type = u16(b, o), len = u16(b, o + 2);
    const d = b.subarray(o + 4, Math.min(end, o + 4 + len));
    exts.push(EXTENSIONS[type] ?? String(type));
    if (type === 43 && d.length >= 2) f.tls_version = versionName(u16(d, 0));
    if (type === 16 && d.length >= 3) {
      const n = d[2];
      if (3 + n <= d.length) f.tls_alpn = Buffer.from(d.subarray(3, 3 + n)).toString('latin1').replace(/[^\x20-\x7e]/g, '?');
    }
    if (type === 51 && d.length >= 2) f.tls_group = GROUPS[u16(d, 0)] ?? String(u16(d, 0));
    o += 4 + len;
  }
  if (exts.length) f.tls_extensions = exts.join(',');
}

/**
 * A TLS <= 1.2 Certificate message: every whole certificate goes to `chain`; when the bytes end
 * inside the first one, the DER reader (x509.ts) gives what was complete before the cut.
 */
function certificate(b: Uint8Array, f: Fields, partial: boolean, chain: Uint8Array[]): void {
  if (b.length < 3) { f.cert_partial = true; return; }
  const listEnd = Math.min(b.length, 3 + u24(b, 0));
  let o = 3;
  while (o + 3 <= listEnd && chain.length < MAX_CERTS) {
    const len = u24(b, o);
    if (o + 3 + len > listEnd) {
      if (!chain.length) Object.assign(f, certFields(b.subarray(o + 3, listEnd), true));
      break;
    }
    chain.push(b.slice(o + 3, o + 3 + len));
    o += 3 + len;
  }
  if (!chain.length && f.cert_partial === undefined) f.cert_partial = true;
  // The chain length is known only when the whole message is here.
  if (partial && chain.length) f.tls_chain_partial = true;
}

export const tls: Parser = {
  name: 'tls',
  ports: [443, 465, 636, 853, 993, 995, 8443],
  fields: ['tls_record', 'tls_record_version', 'tls_records', 'tls_encrypted_records', 'tls_partial', 'tls_trailing_bytes',
    'tls_alert_level', 'tls_alert_code', 'tls_alert_description', 'tls_handshake', 'tls_version', 'tls_hello_retry',
    'tls_session_id_len', 'tls_cipher', 'tls_cipher_id', 'tls_compression', 'tls_extensions', 'tls_alpn', 'tls_group',
    'tls_cert_count', 'tls_chain_partial', 'tls_cert_encrypted', 'tls_decrypted', 'tls_decrypt_error', 'tls_app_data_len', 'tls_app_error', 'tls_starttls',
    'cert_version', 'cert_serial', 'cert_issuer', 'cert_issuer_cn',
    'cert_not_before_us', 'cert_not_after_us', 'cert_subject', 'cert_subject_cn', 'cert_self_issued', 'cert_key_type',
    'cert_key_bits', 'cert_key_curve', 'cert_sig_alg', 'cert_ca', 'cert_self_signed', 'cert_error',
    'cert_sans', 'cert_sha256', 'cert_sha1', 'cert_der', 'cert_partial',
    'cert_chain_der', 'cert_chain_sha256', 'cert_chain_subject', 'cert_chain_issuer'],
  detect(b, probe, port) {
    if (b.length >= 3 && isRecordStart(b, 0) && (b[0] === 21 || b[0] === 22)) return 3;
    if (b.length > 0 && b.length < 3 && (b[0] === 21 || b[0] === 22) && (b.length < 2 || b[1] === 3)) return 2;
    return probe === 'tls' || this.ports.includes(port) ? 1 : 0;
  },
  start: (ctx) => new BufferedSession((b) => parseTls(b, ctx), MAX_HANDSHAKE + 4096),
  // The server's flight is whole (1.2: ServerHelloDone; 1.3 decrypted: its Finished), or a fatal alert ended it.
  ended: (f) => f.tls_alert_level === 'fatal' ||
    (typeof f.tls_handshake === 'string' && /(^|,)(server_hello_done|finished)(,|$)/.test(f.tls_handshake)),
};
