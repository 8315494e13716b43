// The TLS 1.3 key schedule without PSK (RFC 8446 section 7.1): handshake and application traffic secrets, keys, Finished.
//
//            0 -> HKDF-Extract(salt 0, IKM 0)            = Early Secret
//   Derive-Secret(., "derived", "") -> salt; HKDF-Extract(salt, ECDHE) = Handshake Secret
//       -> "c hs traffic", "s hs traffic" over ClientHello..ServerHello
//   Derive-Secret(., "derived", "") -> salt; HKDF-Extract(salt, 0) = Master Secret
//       -> "c ap traffic", "s ap traffic" over ClientHello..server Finished
import { deriveSecret, expandLabel, hash, hashLen, hkdfExtract, hmac } from './hkdf';
import type { HashName, Suite } from './suites';

export interface HandshakeSecrets { clientHs: Uint8Array; serverHs: Uint8Array; master: Uint8Array }
export interface AppSecrets { clientAp: Uint8Array; serverAp: Uint8Array }
export interface TrafficKeys { key: Uint8Array; iv: Uint8Array }

/** Handshake traffic secrets and the master secret, from the (EC)DHE shared secret and Hash(ClientHello..ServerHello). */
export function handshakeSecrets(h: HashName, shared: Uint8Array, helloHash: Uint8Array): HandshakeSecrets {
  const zero = new Uint8Array(hashLen(h));
  const empty = hash(h, new Uint8Array(0));
  const early = hkdfExtract(h, zero, zero);
  const hs = hkdfExtract(h, deriveSecret(h, early, 'derived', empty), shared);
  return {
    clientHs: deriveSecret(h, hs, 'c hs traffic', helloHash),
    serverHs: deriveSecret(h, hs, 's hs traffic', helloHash),
    master: hkdfExtract(h, deriveSecret(h, hs, 'derived', empty), zero),
  };
}

/** Application traffic secrets, from the master secret and Hash(ClientHello..server Finished). */
export function appSecrets(h: HashName, master: Uint8Array, finishedHash: Uint8Array): AppSecrets {
  return { clientAp: deriveSecret(h, master, 'c ap traffic', finishedHash), serverAp: deriveSecret(h, master, 's ap traffic', finishedHash) };
}

/** The record key and IV of one traffic secret (RFC 8446 section 7.3). */
export function trafficKeys(suite: Suite, secret: Uint8Array): TrafficKeys {
  return { key: expandLabel(suite.hash, secret, 'key', new Uint8Array(0), suite.keyLen), iv: expandLabel(suite.hash, secret, 'iv', new Uint8Array(0), 12) };
}

/** Finished verify_data = HMAC(finished_key, transcript hash), finished_key from the base traffic secret. */
export function finishedData(h: HashName, baseSecret: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  return hmac(h, expandLabel(h, baseSecret, 'finished', new Uint8Array(0), hashLen(h)), transcriptHash);
}

/** The next application traffic secret after a KeyUpdate (RFC 8446 section 7.2). */
export function nextSecret(h: HashName, secret: Uint8Array): Uint8Array {
  return expandLabel(h, secret, 'traffic upd', new Uint8Array(0), hashLen(h));
}
