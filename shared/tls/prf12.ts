// The TLS 1.2 PRF (RFC 5246 section 5) and what the handshake derives with it: master secret (plain or
// extended, RFC 7627), key block and Finished verify_data.
import { concat } from '../probes/types';
import { hmac } from './hkdf';
import type { HashName, Suite } from './suites';

const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

/** PRF(secret, label, seed) = P_hash(secret, label + seed), cut to length. */
export function prf(h: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const s = concat([latin1(label), seed]);
  const out = new Uint8Array(length);
  let a = s;
  for (let o = 0; o < length;) {
    a = hmac(h, secret, a);                      // A(i) = HMAC(secret, A(i-1))
    const p = hmac(h, secret, concat([a, s]));   // HMAC(secret, A(i) + seed)
    out.set(p.subarray(0, Math.min(p.length, length - o)), o);
    o += p.length;
  }
  return out;
}

/**
 * The 48-byte master secret: with extended_master_secret from the session hash (Hash of the
 * handshake messages through ClientKeyExchange), otherwise from the two randoms.
 */
export function masterSecret(h: HashName, preMaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, sessionHash?: Uint8Array): Uint8Array {
  return sessionHash
    ? prf(h, preMaster, 'extended master secret', sessionHash, 48)
    : prf(h, preMaster, 'master secret', concat([clientRandom, serverRandom]), 48);
}

export interface KeyBlock { clientKey: Uint8Array; serverKey: Uint8Array; clientIv: Uint8Array; serverIv: Uint8Array }

/** client_write_key, server_write_key, client_write_IV, server_write_IV of an AEAD suite (no MAC keys). */
export function keyBlock(suite: Suite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
  const k = suite.keyLen, v = suite.ivLen;
  const b = prf(suite.hash, master, 'key expansion', concat([serverRandom, clientRandom]), 2 * k + 2 * v);
  return { clientKey: b.subarray(0, k), serverKey: b.subarray(k, 2 * k), clientIv: b.subarray(2 * k, 2 * k + v), serverIv: b.subarray(2 * k + v, 2 * k + 2 * v) };
}

/** Finished verify_data (12 bytes) over Hash(handshake messages). */
export function verifyData(h: HashName, master: Uint8Array, client: boolean, transcriptHash: Uint8Array): Uint8Array {
  return prf(h, master, client ? 'client finished' : 'server finished', transcriptHash, 12);
}
