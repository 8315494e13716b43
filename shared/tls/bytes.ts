// Byte helpers for the TLS library: a bounds-checked reader and the vector writers of RFC 8446 section 3.
import { concat } from '../probes/types';

/** Thrown by Reader on bytes that disagree with their lengths; the library catches it at its edge. */
export class DecodeError extends Error {}

/** A cursor over one structure: every read checks the bytes present and throws DecodeError past the end. */
export class Reader {
  constructor(readonly b: Uint8Array, public o = 0, readonly end = b.length) {}
  get left(): number { return this.end - this.o; }
  need(n: number, what: string): void { if (n > this.end - this.o) throw new DecodeError(`${what}: ${n} bytes wanted, ${this.end - this.o} left`); }
  u8(what = 'u8'): number { this.need(1, what); return this.b[this.o++]; }
  u16(what = 'u16'): number { this.need(2, what); const v = (this.b[this.o] << 8) | this.b[this.o + 1]; this.o += 2; return v; }
  u24(what = 'u24'): number { this.need(3, what); const v = (this.b[this.o] << 16) | (this.b[this.o + 1] << 8) | this.b[this.o + 2]; this.o += 3; return v; }
  bytes(n: number, what = 'bytes'): Uint8Array { this.need(n, what); const v = this.b.subarray(this.o, this.o + n); this.o += n; return v; }
  /** A vector with a 1-, 2- or 3-byte length prefix, as a Reader over its body. */
  vec(lenBytes: 1 | 2 | 3, what: string): Reader {
    const n = lenBytes === 1 ? this.u8(what) : lenBytes === 2 ? this.u16(what) : this.u24(what);
    this.need(n, what);
    const r = new Reader(this.b, this.o, this.o + n);
    this.o += n;
    return r;
  }
  rest(): Uint8Array { const v = this.b.subarray(this.o, this.end); this.o = this.end; return v; }
  done(what: string): void { if (this.o !== this.end) throw new DecodeError(`${what}: ${this.end - this.o} trailing bytes`); }
}

export function u16(n: number): Uint8Array { return Uint8Array.of((n >> 8) & 0xff, n & 0xff); }
export function u24(n: number): Uint8Array { return Uint8Array.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff); }

/** A vector with a 1-, 2- or 3-byte length prefix. */
export function vec(lenBytes: 1 | 2 | 3, body: Uint8Array): Uint8Array {
  const n = body.length;
  const head = lenBytes === 1 ? Uint8Array.of(n) : lenBytes === 2 ? u16(n) : u24(n);
  return concat([head, body]);
}

/** A handshake message: msg_type u8 | length u24 | body. */
export function handshakeMessage(type: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(type), u24(body.length), body]);
}

export function fromHex(s: string): Uint8Array { return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex')); }

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
