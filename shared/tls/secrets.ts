// The client's TLS secrets, derived from the scan key: the X25519 and P-256 private keys of the
// key shares, the client random and the session id, so one scan sends one constant ClientHello.
//
// Why this is safe enough: the scan key never leaves the scanner, and HKDF makes the derived
// values independent of the key's other uses (the SipHash cookies) and of each other; the public
// shares reveal nothing about the private keys beyond what any X25519/P-256 public key does. Every
// connection's secrets still mix in the server's ephemeral share and random, so one server cannot
// read another's traffic, and a server learns nothing it could not learn from any client. A
// scan-wide key share gives up forward secrecy between the connections of one scan: whoever
// holds the key file can decrypt what the scan recorded, which is what lets banners decrypt a
// TLS 1.3 handshake from the ClientHello and ServerHello alone. Invalid-curve points a server may
// send against the static P-256 key are refused by OpenSSL's point check before any use, and
// X25519's clamping leaves no small-subgroup leak.
import * as crypto from 'crypto';

export const GROUP = { x25519: 0x001d, secp256r1: 0x0017 } as const;

export interface ClientSecrets {
  x25519Private: Uint8Array;   // 32 bytes (clamped by X25519 itself)
  x25519Public: Uint8Array;    // 32 bytes
  p256Private: Uint8Array;     // 32 bytes, 1 <= d < n
  p256Public: Uint8Array;      // 65 bytes, uncompressed point 04 | x | y
  random: Uint8Array;          // the ClientHello random, 32 bytes
  sessionId: Uint8Array;       // 32 bytes (TLS 1.3 middlebox compatibility mode)
}

const SALT = Buffer.from('trawl tls client secrets v1', 'latin1');
// The order of P-256 (SEC 2): a private key must lie in [1, n - 1].
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

function derive(key: Uint8Array, info: string, n: number): Uint8Array {
  return new Uint8Array(crypto.hkdfSync('sha256', key, SALT, Buffer.from(info, 'latin1'), n));
}

// The last key's secrets: a scan has one key, and every conversation of banners asks for them
// (importing the private keys was a third of banners' CPU per HTTPS connection, measured).
let last: { hex: string; secrets: ClientSecrets } | null = null;

/** The secrets of one scan, from its 16-byte key (shared/key.ts). */
export function clientSecrets(scanKey: Uint8Array): ClientSecrets {
  if (scanKey.length !== 16) throw new TypeError(`scan key of ${scanKey.length} bytes (want 16)`);
  const hex = Buffer.from(scanKey).toString('hex');
  if (last && last.hex === hex) return last.secrets;
  let p256 = derive(scanKey, 'p256 0', 32);
  // Rejection sampling: a value >= n (probability 2^-32) is drawn again rather than reduced.
  for (let i = 1; !inRange(p256); i++) p256 = derive(scanKey, `p256 ${i}`, 32);
  const secrets = secretsFromKeys(derive(scanKey, 'x25519', 32), p256, derive(scanKey, 'random', 32), derive(scanKey, 'session id', 32));
  last = { hex, secrets };
  return secrets;
}

function inRange(d: Uint8Array): boolean {
  const v = BigInt('0x' + Buffer.from(d).toString('hex'));
  return v > 0n && v < P256_N;
}

/** Secrets from given private keys (the known-answer tests use RFC 8448's). */
export function secretsFromKeys(x25519Private: Uint8Array, p256Private: Uint8Array, random: Uint8Array, sessionId: Uint8Array): ClientSecrets {
  const pub = crypto.createPublicKey(x25519Key(x25519Private)).export({ format: 'der', type: 'spki' });
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(p256Private);
  return {
    x25519Private, x25519Public: new Uint8Array(pub.subarray(pub.length - 32)),
    p256Private, p256Public: new Uint8Array(ecdh.getPublicKey()),
    random, sessionId,
  };
}

function x25519Key(priv: Uint8Array): crypto.KeyObject {
  return crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, priv]), format: 'der', type: 'pkcs8' });
}

// Importing a private key costs more than the key agreement itself: keep one per set of secrets.
const cache = new WeakMap<ClientSecrets, { x25519: crypto.KeyObject; p256: crypto.ECDH }>();

function keys(s: ClientSecrets): { x25519: crypto.KeyObject; p256: crypto.ECDH } {
  let k = cache.get(s);
  if (!k) {
    const p256 = crypto.createECDH('prime256v1');
    p256.setPrivateKey(s.p256Private);
    k = { x25519: x25519Key(s.x25519Private), p256 };
    cache.set(s, k);
  }
  return k;
}

/** Our public key for a group, or undefined for a group we do not offer. */
export function publicShare(s: ClientSecrets, group: number): Uint8Array | undefined {
  return group === GROUP.x25519 ? s.x25519Public : group === GROUP.secp256r1 ? s.p256Public : undefined;
}

/**
 * The (EC)DH shared secret with the server's public share: X25519's 32 bytes, or P-256's
 * x coordinate (RFC 8446 7.4.2; RFC 8422 5.10). A string says why there is none: a group we did
 * not offer, a point off the curve, an all-zero X25519 result.
 */
export function sharedSecret(s: ClientSecrets, group: number, serverShare: Uint8Array): Uint8Array | string {
  try {
    if (group === GROUP.x25519) {
      if (serverShare.length !== 32) return `x25519 share of ${serverShare.length} bytes`;
      // JWK, not SPKI DER: OpenSSL 3's DER decoders take ~15 times longer to import the same 32 bytes.
      const pub = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(serverShare).toString('base64url') }, format: 'jwk' });
      return new Uint8Array(crypto.diffieHellman({ privateKey: keys(s).x25519, publicKey: pub }));
    }
    if (group === GROUP.secp256r1) {
      if (serverShare.length !== 65 || serverShare[0] !== 4) return `secp256r1 share of ${serverShare.length} bytes (want an uncompressed point)`;
      return new Uint8Array(keys(s).p256.computeSecret(serverShare));
    }
    return `group 0x${group.toString(16).padStart(4, '0')} not offered`;
  } catch (e) {
    return `invalid ${group === GROUP.x25519 ? 'x25519' : 'secp256r1'} share (${(e as Error).message})`;
  }
}
