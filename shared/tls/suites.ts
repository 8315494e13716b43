// The cipher suites the library can finish a handshake with: their AEAD, key sizes, hash and key exchange.
export type Aead = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
export type HashName = 'sha256' | 'sha384';

export interface Suite {
  id: number;
  tls13: boolean;
  aead: Aead;
  keyLen: number;
  /** TLS 1.3 and ChaCha20: the 12-byte IV; TLS 1.2 AES-GCM: the 4-byte implicit part (RFC 5288). */
  ivLen: number;
  hash: HashName;
  /** TLS 1.2 only: the certificate type the ECDHE parameters are signed with. */
  auth?: 'ecdsa' | 'rsa';
}

function s(id: number, tls13: boolean, aead: Aead, hash: HashName, auth?: 'ecdsa' | 'rsa'): Suite {
  const keyLen = aead === 'aes-128-gcm' ? 16 : 32;
  const ivLen = !tls13 && aead !== 'chacha20-poly1305' ? 4 : 12;
  return { id, tls13, aead, keyLen, ivLen, hash, auth };
}

export const SUITES: ReadonlyMap<number, Suite> = new Map([
  s(0x1301, true, 'aes-128-gcm', 'sha256'),            // TLS_AES_128_GCM_SHA256
  s(0x1302, true, 'aes-256-gcm', 'sha384'),            // TLS_AES_256_GCM_SHA384
  s(0x1303, true, 'chacha20-poly1305', 'sha256'),      // TLS_CHACHA20_POLY1305_SHA256
  s(0xc02b, false, 'aes-128-gcm', 'sha256', 'ecdsa'),  // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  s(0xc02c, false, 'aes-256-gcm', 'sha384', 'ecdsa'),  // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
  s(0xcca9, false, 'chacha20-poly1305', 'sha256', 'ecdsa'), // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
  s(0xc02f, false, 'aes-128-gcm', 'sha256', 'rsa'),    // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  s(0xc030, false, 'aes-256-gcm', 'sha384', 'rsa'),    // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  s(0xcca8, false, 'chacha20-poly1305', 'sha256', 'rsa'),   // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
].map((x) => [x.id, x]));

/** Offered in this order: AES-128-GCM first (the cheapest for servers), ChaCha20 last. */
export const TLS13_SUITES = [0x1301, 0x1302, 0x1303];
export const TLS12_SUITES = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8];
/**
 * Offered after ours only by a certificate-only hello (HelloOptions.legacy): a server that picks
 * one of them still sends its certificate chain in clear, but the library cannot finish the handshake.
 */
export const LEGACY_SUITES = [
  0xc009, 0xc013, 0xc00a, 0xc014,                 // ECDHE CBC (TLS 1.0 servers)
  0x009e, 0x009f, 0x0033, 0x0039,                 // DHE
  0x009c, 0x009d, 0x002f, 0x0035, 0x000a,         // RSA key exchange, 3DES last
];
