// The ClientHello: TLS 1.3 and 1.2 with the suites the library can finish, x25519 and P-256 key
// shares from the scan's secrets, optional SNI and ALPN http/1.1. Same input, same bytes.
//
// Record (5):     16 | 03 01 (legacy record version) | length u16
// Handshake (4):  01 (client_hello) | length u24
// ClientHello:    03 03 (legacy_version) | random[32] | session_id<32> | cipher_suites<u16>
//                 | 01 00 (null compression) | extensions<u16> of (type u16 | length u16 | body)
import { handshakeMessage, u16, vec } from './bytes';
import { concat } from '../probes/types';
import { recordBytes } from './record';
import { ClientSecrets, GROUP } from './secrets';
import { LEGACY_SUITES, TLS12_SUITES, TLS13_SUITES } from './suites';

export const EXT = {
  server_name: 0x0000, supported_groups: 0x000a, ec_point_formats: 0x000b, signature_algorithms: 0x000d,
  alpn: 0x0010, padding: 0x0015, extended_master_secret: 0x0017, supported_versions: 0x002b,
  key_share: 0x0033, renegotiation_info: 0xff01,
} as const;

/** What real servers sign with: ECDSA, RSA-PSS (TLS 1.3 needs it for RSA keys), PKCS#1, EdDSA; SHA-1 only in legacy hellos. */
export const SIGNATURE_ALGORITHMS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807];
const LEGACY_SIGNATURE_ALGORITHMS = [0x0203, 0x0201];
export const GROUPS = [GROUP.x25519, GROUP.secp256r1];
const LEGACY_GROUPS = [0x0018, 0x0019];  // P-384, P-521: TLS 1.2 servers without the others still send their chain

export interface HelloOptions {
  /** server_name (a host name; checkSni says what is allowed). */
  sni?: string;
  /** Offer ALPN http/1.1 (default true): servers then answer HTTP/1.1, never h2. */
  alpn?: boolean;
  /**
   * A certificate-only hello: also offers TLS 1.0/1.1, CBC, DHE and RSA key exchange suites and
   * P-384/P-521, so old servers still send their chain; a handshake that picks one cannot be finished.
   */
  legacy?: boolean;
  /** Offer extended_master_secret (default true; false only to test the plain TLS 1.2 master secret). */
  extendedMasterSecret?: boolean;
}

/** Checks an SNI host name: LDH labels, no IP literal (RFC 6066 forbids it). */
export function checkSni(name: string): string | undefined {
  if (name.length === 0 || name.length > 253) return 'SNI must be 1 to 253 characters';
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/.test(name)) return `'${name}' is not a host name`;
  if (/^[0-9.]+$/.test(name)) return `'${name}' is an IP address; SNI takes a host name`;
  return undefined;
}

function ext(type: number, body: Uint8Array): Uint8Array { return concat([u16(type), vec(2, body)]); }
function u16s(ns: number[]): Uint8Array { return concat(ns.map(u16)); }
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

/** The ClientHello record (one record, never more than 1400 bytes: a probe payload in one segment). */
export function clientHello(secrets: ClientSecrets, opts: HelloOptions = {}): Uint8Array {
  const legacy = opts.legacy === true;
  const exts: Uint8Array[] = [];
  if (opts.sni !== undefined) {
    const bad = checkSni(opts.sni);
    if (bad) throw new TypeError(bad);
    exts.push(ext(EXT.server_name, vec(2, concat([Uint8Array.of(0), vec(2, ascii(opts.sni))]))));  // one host_name entry
  }
  if (opts.extendedMasterSecret !== false) exts.push(ext(EXT.extended_master_secret, new Uint8Array(0)));
  exts.push(
    ext(EXT.renegotiation_info, Uint8Array.of(0)),
    ext(EXT.supported_groups, vec(2, u16s(legacy ? [...GROUPS, ...LEGACY_GROUPS] : GROUPS))),
    ext(EXT.ec_point_formats, vec(1, Uint8Array.of(0))),   // uncompressed
  );
  if (opts.alpn !== false) exts.push(ext(EXT.alpn, vec(2, vec(1, ascii('http/1.1')))));
  exts.push(
    ext(EXT.signature_algorithms, vec(2, u16s(legacy ? [...SIGNATURE_ALGORITHMS, ...LEGACY_SIGNATURE_ALGORITHMS] : SIGNATURE_ALGORITHMS))),
    ext(EXT.supported_versions, vec(1, u16s(legacy ? [0x0304, 0x0303, 0x0302, 0x0301] : [0x0304, 0x0303]))),
    // No psk_key_exchange_modes: we never resume, so tickets would be of no use.
    ext(EXT.key_share, vec(2, concat([
      u16(GROUP.x25519), vec(2, secrets.x25519Public),
      u16(GROUP.secp256r1), vec(2, secrets.p256Public),
    ]))),
  );
  // No renegotiation SCSV: the empty renegotiation_info says the same, and RFC 5746 advises against both.
  const suites = [...TLS13_SUITES, ...TLS12_SUITES, ...(legacy ? LEGACY_SUITES : [])];
  const head = concat([u16(0x0303), secrets.random, vec(1, secrets.sessionId), vec(2, u16s(suites)), Uint8Array.of(1, 0)]);
  let extBytes = concat(exts);
  // Some middleboxes hang on ClientHellos of 256 to 511 bytes (RFC 7685): pad to 512 as OpenSSL does.
  const hsLen = 4 + head.length + 2 + extBytes.length;
  if (hsLen >= 256 && hsLen < 512) extBytes = concat([extBytes, ext(EXT.padding, new Uint8Array(Math.max(0, 512 - hsLen - 4)))]);
  return recordBytes(0x16, handshakeMessage(1, concat([head, vec(2, extBytes)])), 0x0301);
}
