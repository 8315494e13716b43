// TLS records: framing of the server's byte stream, and AEAD record protection for TLS 1.3 and TLS 1.2.
//
// record:          type u8 (20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data)
//                  | legacy_version u16 (03 01..03 03) | length u16 | fragment
// TLS 1.3 sealed:  17 03 03 | length | AEAD(key, iv XOR seq, aad = the 5 header bytes,
//                  content | content type u8 | zero padding)                  (RFC 8446 5.2)
// TLS 1.2 GCM:     type 03 03 | length | explicit nonce[8] (we send the seq) | ciphertext | tag[16]
//                  nonce = implicit iv[4] | explicit[8]                      (RFC 5288)
// TLS 1.2 ChaCha:  type 03 03 | length | ciphertext | tag[16], nonce = iv[12] XOR seq (RFC 7905)
//                  TLS 1.2 aad = seq u64 | type u8 | version u16 | plaintext length u16 (RFC 5246 6.2.3.3)
import { TAG_LEN, open, seal } from './aead';
import { u16 } from './bytes';
import { concat } from '../probes/types';
import type { Suite } from './suites';

export const CT = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23 } as const;
export const MAX_PLAINTEXT = 1 << 14;
/** The TLS 1.2 ciphertext bound (2^14 + 2048); TLS 1.3's (2^14 + 256) is checked after decryption. */
export const MAX_RECORD = MAX_PLAINTEXT + 2048;

export interface TlsRecord { type: number; version: number; header: Uint8Array; fragment: Uint8Array }

/**
 * The record at off: a record, 'short' when its bytes are not all there yet, or a message naming
 * what is wrong with the header (not TLS, or a length no server may send).
 */
export function readRecord(b: Uint8Array, off: number): { record: TlsRecord; next: number } | 'short' | string {
  if (off + 5 > b.length) {
    // Judge the bytes that are there, so garbage is reported at once rather than waited for.
    if (off < b.length && (b[off] < 20 || b[off] > 23)) return `not a TLS record (content type ${b[off]})`;
    if (off + 1 < b.length && b[off + 1] !== 3) return `not a TLS record (version ${b[off + 1]}.x)`;
    return 'short';
  }
  const type = b[off], version = (b[off + 1] << 8) | b[off + 2], len = (b[off + 3] << 8) | b[off + 4];
  if (type < 20 || type > 23) return `not a TLS record (content type ${type})`;
  if (b[off + 1] !== 3 || b[off + 2] > 4) return `not a TLS record (version 0x${version.toString(16).padStart(4, '0')})`;
  if (len > MAX_RECORD) return `record of ${len} bytes (over ${MAX_RECORD})`;
  if (len === 0 && type !== CT.application_data) return `empty ${type === CT.handshake ? 'handshake' : type === CT.alert ? 'alert' : 'change_cipher_spec'} record`;
  if (off + 5 + len > b.length) return 'short';
  return { record: { type, version, header: b.subarray(off, off + 5), fragment: b.subarray(off + 5, off + 5 + len) }, next: off + 5 + len };
}

export function recordBytes(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  return concat([Uint8Array.of(type), u16(version), u16(body.length), body]);
}

/** The 8-byte big-endian sequence number. */
function seqBytes(seq: number): Uint8Array {
  const b = new Uint8Array(8);
  const hi = Math.floor(seq / 0x100000000), lo = seq >>> 0;
  b[0] = hi >>> 24; b[1] = (hi >>> 16) & 0xff; b[2] = (hi >>> 8) & 0xff; b[3] = hi & 0xff;
  b[4] = lo >>> 24; b[5] = (lo >>> 16) & 0xff; b[6] = (lo >>> 8) & 0xff; b[7] = lo & 0xff;
  return b;
}

/** The per-record nonce of TLS 1.3 and of ChaCha20 in TLS 1.2: the 12-byte IV XOR the sequence number padded left with zeros. */
export function xorNonce(iv: Uint8Array, seq: number): Uint8Array {
  const n = Uint8Array.from(iv);
  const s = seqBytes(seq);
  for (let i = 0; i < 8; i++) n[4 + i] ^= s[i];
  return n;
}

/** One direction of a protected connection: keys, IV and the record sequence number. */
export class RecordCipher {
  seq = 0;
  constructor(readonly suite: Suite, readonly key: Uint8Array, readonly iv: Uint8Array, readonly tls13: boolean) {}

  /** One record of type `type` around at most 2^14 bytes of plaintext; longer data becomes several records. */
  seal(type: number, data: Uint8Array): Uint8Array {
    const out: Uint8Array[] = [];
    for (let o = 0; o === 0 || o < data.length; o += MAX_PLAINTEXT) out.push(this.sealOne(type, data.subarray(o, o + MAX_PLAINTEXT)));
    return concat(out);
  }

  private sealOne(type: number, data: Uint8Array): Uint8Array {
    const seq = this.seq++;
    const a = this.suite.aead;
    if (this.tls13) {
      const inner = concat([data, Uint8Array.of(type)]);
      const header = Uint8Array.of(CT.application_data, 3, 3, (inner.length + TAG_LEN) >> 8, (inner.length + TAG_LEN) & 0xff);
      return concat([header, seal(a, this.key, xorNonce(this.iv, seq), header, inner)]);
    }
    const aad = concat([seqBytes(seq), Uint8Array.of(type, 3, 3), u16(data.length)]);
    if (a === 'chacha20-poly1305') return recordBytes(type, seal(a, this.key, xorNonce(this.iv, seq), aad, data));
    const explicit = seqBytes(seq);
    return recordBytes(type, concat([explicit, seal(a, this.key, concat([this.iv, explicit]), aad, data)]));
  }

  /** The plaintext and real content type of a protected record, or a message saying why it is not one. */
  open(r: TlsRecord): { type: number; data: Uint8Array } | string {
    const seq = this.seq++;
    const a = this.suite.aead;
    if (this.tls13) {
      if (r.type !== CT.application_data) return `unprotected ${r.type} record after the keys changed`;
      if (r.fragment.length > MAX_PLAINTEXT + 256) return `protected record of ${r.fragment.length} bytes (over 2^14+256)`;
      const inner = open(a, this.key, xorNonce(this.iv, seq), r.header, r.fragment);
      if (!inner) return 'bad_record_mac';
      let end = inner.length;
      while (end > 0 && inner[end - 1] === 0) end--;
      if (end === 0) return 'protected record without a content type';
      if (end - 1 > MAX_PLAINTEXT) return 'record_overflow';
      return { type: inner[end - 1], data: inner.subarray(0, end - 1) };
    }
    const chacha = a === 'chacha20-poly1305';
    const over = chacha ? TAG_LEN : 8 + TAG_LEN;
    if (r.fragment.length < over) return `protected record of ${r.fragment.length} bytes (under ${over})`;
    const n = r.fragment.length - over;
    const aad = concat([seqBytes(seq), Uint8Array.of(r.type, r.version >> 8, r.version & 0xff), u16(n)]);
    const nonce = chacha ? xorNonce(this.iv, seq) : concat([this.iv, r.fragment.subarray(0, 8)]);
    const data = open(a, this.key, nonce, aad, chacha ? r.fragment : r.fragment.subarray(8));
    if (!data) return 'bad_record_mac';
    if (data.length > MAX_PLAINTEXT) return 'record_overflow';
    return { type: r.type, data };
  }
}
