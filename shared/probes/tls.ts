// The TLS probe: one ClientHello that TLS 1.0 to 1.3 servers all answer with a plaintext
// ServerHello (or a HelloRetryRequest, which has the same shape), so banners can read the
// negotiated version, cipher suite and, up to TLS 1.2, the certificate.
//
// Record (5):     16 | 03 01 (legacy record version) | length u16
// Handshake (4):  01 (client_hello) | length u24
// ClientHello:    03 03 (legacy_version) | random[32] | session_id len 32 + 32 bytes (TLS 1.3
//                 middlebox compatibility) | cipher_suites len u16 + u16s | 01 00 (null
//                 compression) | extensions len u16 + extensions (type u16, length u16, body)
import { Probe, ProbeConfig, concat, ascii } from './types';

// Fixed rather than random: the reply does not depend on them, and fixed bytes keep the probe
// reproducible (tests, pcaps). The key share is a valid X25519 public key (not a low-order point,
// which servers reject after computing an all-zero secret).
const RANDOM = hex('7472617716c1a5f0e2b4d39e8f1a6c5b0d2e4f6a8c1b3d5e7f9a0b2c4d6e8f01');
const SESSION_ID = hex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
const X25519_PUBLIC = hex('9ae2479f0884e585eb109a2b4f46740c8bc1d148a1d6dd0d30783b9f62ac8623');

export const CIPHER_SUITES = [
  0x1301, 0x1302, 0x1303,                         // TLS 1.3 AES-GCM, ChaCha20
  0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, // ECDHE AEAD
  0xc009, 0xc013, 0xc00a, 0xc014,                 // ECDHE CBC (TLS 1.0 servers)
  0x009e, 0x009f, 0x0033, 0x0039,                 // DHE
  0x009c, 0x009d, 0x002f, 0x0035, 0x000a,         // RSA key exchange, 3DES last
  0x00ff,                                         // renegotiation SCSV
];
export const GROUPS = [0x001d, 0x0017, 0x0018, 0x0019, 0x0100]; // x25519, P-256/384/521, ffdhe2048
export const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807, // modern
  0x0203, 0x0201,                                                         // SHA-1, for old servers
];
export const SUPPORTED_VERSIONS = [0x0304, 0x0303, 0x0302, 0x0301];
export const ALPN = ['h2', 'http/1.1'];

export const EXT = {
  server_name: 0x0000, supported_groups: 0x000a, ec_point_formats: 0x000b,
  signature_algorithms: 0x000d, alpn: 0x0010, padding: 0x0015, extended_master_secret: 0x0017,
  session_ticket: 0x0023, supported_versions: 0x002b, psk_key_exchange_modes: 0x002d,
  key_share: 0x0033, renegotiation_info: 0xff01,
} as const;

function hex(s: string): Uint8Array { return Uint8Array.from(Buffer.from(s, 'hex')); }
function u16(n: number): Uint8Array { return Uint8Array.of(n >> 8, n & 0xff); }
function u16s(ns: number[]): Uint8Array { return concat(ns.map(u16)); }
/** A vector with a 1- or 2-byte length prefix. */
function vec(lenBytes: 1 | 2, body: Uint8Array): Uint8Array {
  return concat([lenBytes === 1 ? Uint8Array.of(body.length) : u16(body.length), body]);
}
function ext(type: number, body: Uint8Array): Uint8Array { return concat([u16(type), vec(2, body)]); }

/** Checks an SNI host name: LDH labels, no IP literal (RFC 6066 forbids it). */
export function checkSni(name: string): string | undefined {
  if (name.length === 0 || name.length > 253) return 'SNI must be 1 to 253 characters';
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/.test(name)) return `'${name}' is not a host name`;
  if (/^[0-9.]+$/.test(name)) return `'${name}' is an IP address; SNI takes a host name`;
  return undefined;
}

export function clientHello(sni?: string): Uint8Array {
  const exts: Uint8Array[] = [];
  if (sni) {
    // server_name_list: one entry of type host_name (0)
    exts.push(ext(EXT.server_name, vec(2, concat([Uint8Array.of(0), vec(2, ascii(sni))]))));
  }
  exts.push(
    ext(EXT.extended_master_secret, new Uint8Array(0)),
    ext(EXT.renegotiation_info, Uint8Array.of(0)),
    ext(EXT.supported_groups, vec(2, u16s(GROUPS))),
    ext(EXT.ec_point_formats, vec(1, Uint8Array.of(0))),          // uncompressed
    ext(EXT.session_ticket, new Uint8Array(0)),
    ext(EXT.alpn, vec(2, concat(ALPN.map((p) => vec(1, ascii(p)))))),
    ext(EXT.signature_algorithms, vec(2, u16s(SIGNATURE_ALGORITHMS))),
    ext(EXT.supported_versions, vec(1, u16s(SUPPORTED_VERSIONS))),
    ext(EXT.psk_key_exchange_modes, vec(1, Uint8Array.of(1))),    // psk_dhe_ke
    ext(EXT.key_share, vec(2, concat([u16(0x001d), vec(2, X25519_PUBLIC)]))),
  );
  const head = concat([u16(0x0303), RANDOM, vec(1, SESSION_ID), vec(2, u16s(CIPHER_SUITES)), Uint8Array.of(1, 0)]);
  let extBytes = concat(exts);
  // Some middleboxes hang on ClientHellos of 256 to 511 bytes (RFC 7685): pad to 512 as OpenSSL does.
  const hsLen = 4 + head.length + 2 + extBytes.length;
  if (hsLen >= 256 && hsLen < 512) {
    const pad = Math.max(0, 512 - hsLen - 4);
    extBytes = concat([extBytes, ext(EXT.padding, new Uint8Array(pad))]);
  }
  const body = concat([head, vec(2, extBytes)]);
  const hs = concat([Uint8Array.of(1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body]);
  return concat([Uint8Array.of(0x16, 0x03, 0x01), vec(2, hs)]);
}

export const tlsProbe: Probe = {
  name: 'tls',
  slot: 2,
  description: 'TLS ClientHello offering 1.0 to 1.3 (x25519 key share, ALPN h2 and http/1.1, optional SNI)',
  ports: [261, 443, 448, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 2376, 4443, 5061, 5986, 6443, 8443, 9443],
  services: ['tls'],   // https, imaps, smtps... all answer with TLS first
  payload: (cfg: ProbeConfig) => ({ before: clientHello(cfg.sni) }),
};
