// Readers for the server's handshake messages (RFC 8446 section 4, RFC 5246 7.4, RFC 8422 5.4).
// Each takes a message body and throws DecodeError on any length that disagrees with the bytes.
//
// ServerHello:        legacy_version u16 | random[32] | session_id<0..32> | cipher_suite u16
//                     | compression u8 | extensions<u16> (absent in some TLS 1.0 servers)
// Certificate 1.2:    certificate_list<u24> of ASN.1Cert<u24>
// Certificate 1.3:    certificate_request_context<u8> | certificate_list<u24> of
//                     (cert_data<u24> | extensions<u16>)
// ServerKeyExchange:  curve_type u8 (3 named_curve) | named_curve u16 | public<u8>
//                     | [TLS 1.2: SignatureAndHashAlgorithm u16] | signature<u16>
// CertificateVerify:  algorithm u16 | signature<u16>
// CertificateRequest: 1.3: context<u8> | extensions<u16>; 1.2: types<u8> | sig_algs<u16> | CAs<u16>
//                     (TLS 1.0/1.1: no sig_algs)
import { DecodeError, Reader } from './bytes';

/** The ServerHello random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 4.1.3). */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export const HS = {
  hello_request: 0, client_hello: 1, server_hello: 2, new_session_ticket: 4, encrypted_extensions: 8,
  certificate: 11, server_key_exchange: 12, certificate_request: 13, server_hello_done: 14,
  certificate_verify: 15, client_key_exchange: 16, finished: 20, certificate_status: 22, key_update: 24,
} as const;

/** Extensions in order of appearance; a type twice is an error (RFC 8446 4.2). */
export function readExtensions(r: Reader, what: string): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const list = r.vec(2, `${what} extensions`);
  while (list.left > 0) {
    const type = list.u16(`${what} extension type`);
    const data = list.vec(2, `${what} extension ${type}`).rest();
    if (out.has(type)) throw new DecodeError(`${what}: extension ${type} twice`);
    out.set(type, data);
  }
  return out;
}

export interface ServerHello {
  legacyVersion: number;
  /** The version chosen: supported_versions when present, else legacy_version. */
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  suite: number;
  compression: number;
  extensions: Map<number, Uint8Array>;
  helloRetry: boolean;
  /** key_share: the group (and, outside a HelloRetryRequest, the server's public share). */
  group?: number;
  share?: Uint8Array;
  alpn?: string;
  extendedMasterSecret: boolean;
}

export function readServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vec(1, 'session_id').rest();
  if (sessionId.length > 32) throw new DecodeError(`session_id of ${sessionId.length} bytes`);
  const suite = r.u16('cipher_suite');
  const compression = r.u8('compression_method');
  const extensions = r.left > 0 ? readExtensions(r, 'ServerHello') : new Map<number, Uint8Array>();
  r.done('ServerHello');
  const helloRetry = Buffer.from(random).toString('hex') === HRR_RANDOM;
  const sh: ServerHello = { legacyVersion, version: legacyVersion, random, sessionId, suite, compression, extensions, helloRetry, extendedMasterSecret: extensions.has(23) };
  const sv = extensions.get(43);
  if (sv) { const v = new Reader(sv); sh.version = v.u16('supported_versions'); v.done('supported_versions'); }
  const ks = extensions.get(51);
  if (ks) {
    const k = new Reader(ks);
    sh.group = k.u16('key_share group');
    if (!helloRetry) sh.share = k.vec(2, 'key_share key_exchange').rest();
    k.done('key_share');
  }
  const alpn = extensions.get(16);
  if (alpn) sh.alpn = readAlpn(alpn);
  return sh;
}

/** The one protocol of a server's ALPN extension. */
export function readAlpn(data: Uint8Array): string {
  const r = new Reader(data);
  const list = r.vec(2, 'alpn list');
  const name = list.vec(1, 'alpn name').rest();
  list.done('alpn list'); r.done('alpn');
  return Buffer.from(name).toString('latin1');
}

export interface CertificateMsg { context: Uint8Array; certs: Uint8Array[] }

export function readCertificate(body: Uint8Array, tls13: boolean, maxCerts: number): CertificateMsg {
  const r = new Reader(body);
  const context = tls13 ? r.vec(1, 'certificate_request_context').rest() : new Uint8Array(0);
  const list = r.vec(3, 'certificate_list');
  const certs: Uint8Array[] = [];
  while (list.left > 0) {
    const der = list.vec(3, 'certificate').rest();
    if (der.length === 0) throw new DecodeError('empty certificate');
    if (tls13) list.vec(2, 'certificate extensions');
    if (certs.length >= maxCerts) throw new DecodeError(`more than ${maxCerts} certificates`);
    certs.push(der);
  }
  r.done('Certificate');
  return { context, certs };
}

export interface ServerKeyExchange { group: number; share: Uint8Array; sigAlg?: number }

/** ECDHE parameters of a TLS 1.0-1.2 ServerKeyExchange; the signature is read for its algorithm only. */
export function readServerKeyExchange(body: Uint8Array, version: number): ServerKeyExchange {
  const r = new Reader(body);
  const curveType = r.u8('curve_type');
  if (curveType !== 3) throw new DecodeError(`ServerKeyExchange curve_type ${curveType} (want named_curve)`);
  const group = r.u16('named_curve');
  const share = r.vec(1, 'public').rest();
  const ske: ServerKeyExchange = { group, share };
  if (version >= 0x0303) ske.sigAlg = r.u16('signature algorithm');
  r.vec(2, 'signature');
  r.done('ServerKeyExchange');
  return ske;
}

export function readCertificateVerify(body: Uint8Array): number {
  const r = new Reader(body);
  const alg = r.u16('CertificateVerify algorithm');
  r.vec(2, 'CertificateVerify signature');
  r.done('CertificateVerify');
  return alg;
}

/** The certificate_request_context of a CertificateRequest (TLS 1.3; empty before), echoed in our empty Certificate. */
export function readCertificateRequest(body: Uint8Array, version: number): Uint8Array {
  const r = new Reader(body);
  if (version < 0x0304) {
    r.vec(1, 'certificate_types');
    if (version >= 0x0303) r.vec(2, 'supported_signature_algorithms');
    r.vec(2, 'certificate_authorities');
    r.done('CertificateRequest');
    return new Uint8Array(0);
  }
  const context = r.vec(1, 'certificate_request_context').rest();
  readExtensions(r, 'CertificateRequest');
  r.done('CertificateRequest');
  return context;
}
