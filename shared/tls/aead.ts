// AEAD seal and open over node:crypto for the three TLS record ciphers (AES-128/256-GCM, ChaCha20-Poly1305).
import * as crypto from 'crypto';
import type { Aead } from './suites';

export const TAG_LEN = 16;

/** plaintext -> ciphertext || 16-byte tag. */
export function seal(aead: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = crypto.createCipheriv(aead, key, nonce, { authTagLength: TAG_LEN } as crypto.CipherGCMOptions) as crypto.CipherGCM;
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const out = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** ciphertext || tag -> plaintext, or null when the tag does not verify (or the input is shorter than a tag). */
export function open(aead: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < TAG_LEN) return null;
  const n = sealed.length - TAG_LEN;
  const d = crypto.createDecipheriv(aead, key, nonce, { authTagLength: TAG_LEN } as crypto.CipherGCMOptions) as crypto.DecipherGCM;
  d.setAuthTag(sealed.subarray(n));
  d.setAAD(aad, { plaintextLength: n });
  const body = d.update(sealed.subarray(0, n));
  try {
    const tail = d.final();
    const out = tail.length ? Buffer.concat([body, tail]) : body;
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch {
    return null;
  }
}
