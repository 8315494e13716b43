// The one shape of a protocol parser: a cheap detect() and a bounded, resumable session that never throws.
import type { TlsResult } from '../tls/client';
import type { ClientSecrets } from '../tls/secrets';

/** A field's value: a list only where one record holds several of a thing (a certificate chain, headers). */
export type FieldValue = string | number | boolean | string[];
/** Flat fields a parser adds to a banner record, already prefixed (http_status, cert_sans, ...). */
export type Fields = Record<string, FieldValue>;

/** What a parser may know beyond the bytes: given by banners from its options. */
export interface ParseContext {
  /** The secrets and ClientHello of the tls probe that drew this answer (banners --key-file): TLS 1.3 is decrypted. */
  tls?: { secrets: ClientSecrets; hello: Uint8Array };
  /** An answer to the https probe: the tls parser keeps up to maxAppData bytes of what follows
   *  the handshake, so banners parses the HTTP inside. */
  app?: { maxAppData: number };
  /** The read of this answer's TLS stream, once made: by an https conversation, by the
   *  reassembly's end detector (a TLS 1.3 flight written at its Finished), or by the tls parser
   *  (left here for the https response's parse). Taken instead of computing the handshake again. */
  read?: TlsResult;
  /** Bytes of a decoded body kept (HTTP bodies after chunking and compression): banners --max-banner. */
  maxBody?: number;
}

/**
 * One parse of one banner. push() takes the bytes in any split (one byte at a time gives the
 * same result as all at once); result() may be called at any time and reports what was seen.
 * Neither throws, whatever the bytes; every length is checked against the bytes present.
 */
export interface Session {
  push(chunk: Uint8Array): void;
  result(): Fields;
}

export interface Parser {
  /** The service name written to `service`; fields start with `${name}_` (TLS adds cert_ too). */
  name: string;
  /** Ports the service usually listens on: a hint for detect(), never a requirement. */
  ports: readonly number[];
  /** Every field the parser may add, for the man page and tests. */
  fields: readonly string[];
  /**
   * How sure the parser is that these bytes are its protocol: 0 no, 1 only the port or probe
   * hints at it, 2 the bytes fit, 3 an unmistakable signature. Looks at a few bytes only.
   */
  detect(b: Uint8Array, probe: string, port: number): number;
  start(ctx?: ParseContext): Session;
  /** Whether the fields say the response ended by the protocol's own framing (banners' `complete`). */
  ended?(f: Fields): boolean;
}

/** Runs a fresh session over one buffer. */
export function parseAll(p: Parser, b: Uint8Array, ctx?: ParseContext): Fields {
  const s = p.start(ctx);
  s.push(b);
  return s.result();
}

/**
 * For message formats that need random access (TLS, MySQL, SMB...): keeps up to `max` bytes and
 * parses them on demand. Still resumable from the caller's side: split input gives the same result.
 */
export class BufferedSession implements Session {
  private buf: Uint8Array;
  private len = 0;
  private cache: Fields | null = null;
  constructor(private parse: (b: Uint8Array) => Fields, private max = 65536) { this.buf = new Uint8Array(0); }
  push(chunk: Uint8Array): void {
    const take = Math.min(chunk.length, this.max - this.len);
    if (take <= 0) return;
    if (this.len + take > this.buf.length) {
      const grown = new Uint8Array(Math.min(this.max, Math.max(this.len + take, this.buf.length * 2, 256)));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(0, take), this.len);
    this.len += take;
    this.cache = null;
  }
  result(): Fields {
    if (!this.cache) this.cache = this.parse(this.buf.subarray(0, this.len));
    return this.cache;
  }
}

/** Starts-with test on bytes, for detect(). */
export function startsWith(b: Uint8Array, prefix: string, at = 0): boolean {
  if (b.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** True when the bytes present so far agree with `prefix` (a truncated signature still counts). */
export function agreesWith(b: Uint8Array, prefix: string): boolean {
  const n = Math.min(b.length, prefix.length);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (b[i] !== prefix.charCodeAt(i)) return false;
  return true;
}
