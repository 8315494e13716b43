// Hash, HMAC and HKDF with the TLS 1.3 labels (RFC 8446 section 7.1), over node:crypto.
import * as crypto from 'crypto';
import { u16, vec } from './bytes';
import { concat } from '../probes/types';
import type { HashName } from './suites';

function u8a(b: Buffer): Uint8Array { return new Uint8Array(b.buffer, b.byteOffset, b.length); }

export function hash(h: HashName, data: Uint8Array): Uint8Array {
  return u8a(crypto.createHash(h).update(data).digest());
}

export function hmac(h: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return u8a(crypto.createHmac(h, key).update(data).digest());
}

export function hashLen(h: HashName): number { return h === 'sha256' ? 32 : 48; }

/** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869). */
export function hkdfExtract(h: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(h, salt.length ? salt : new Uint8Array(hashLen(h)), ikm);
}

/** HKDF-Expand(PRK, info, L) (RFC 5869 section 2.3). */
export function hkdfExpand(h: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, o = 0; o < length; i++) {
    t = hmac(h, prk, concat([t, info, Uint8Array.of(i)]));
    out.set(t.subarray(0, Math.min(t.length, length - o)), o);
    o += t.length;
  }
  return out;
}

/**
 * HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length) where
 * HkdfLabel = length u16 | label<7..255> ("tls13 " + Label) | context<0..255>.
 */
export function expandLabel(h: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const info = concat([u16(length), vec(1, Uint8Array.from(Buffer.from('tls13 ' + label, 'latin1'))), vec(1, context)]);
  return hkdfExpand(h, secret, info, length);
}

/** Derive-Secret(Secret, Label, Messages), given the transcript hash of Messages. */
export function deriveSecret(h: HashName, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return expandLabel(h, secret, label, transcriptHash, hashLen(h));
}
