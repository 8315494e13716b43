// BER (X.690) as SNMP uses it: a TLV encoder for requests and a bounded reader for answers that
// checks every length against the bytes present and refuses what SNMP never sends.
//
// TLV: tag[1] (a high tag number, 0x1f, is refused) | length: 0x00-0x7f short form, or 0x8n then
// n (1..4) big-endian bytes; 0x80 (indefinite) is refused | content[length].

export interface Tlv { tag: number; start: number; end: number }

/** The TLV at `off`, its content within `end`, or null when it does not fit or is not DER-like. */
export function readTlv(b: Uint8Array, off: number, end: number): Tlv | null {
  if (off + 2 > end) return null;
  const tag = b[off];
  if ((tag & 0x1f) === 0x1f) return null;
  let len = b[off + 1], p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > end) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  if (p + len > end) return null;
  return { tag, start: p, end: p + len };
}

/** An INTEGER's low 32 bits, two's complement, as an unsigned number: whatever its length, the
 *  last four content bytes, sign-extended when there are fewer. */
export function low32(b: Uint8Array, t: Tlv): number | null {
  const n = t.end - t.start;
  if (n < 1) return null;
  let v = n < 4 && b[t.start] & 0x80 ? 0xffffffff : 0;
  for (let i = Math.max(t.start, t.end - 4); i < t.end; i++) v = ((v << 8) | b[i]) >>> 0;
  return v >>> 0;
}

/** An INTEGER as a signed number, or null beyond 6 bytes (no SNMP field needs more). */
export function int(b: Uint8Array, t: Tlv): number | null {
  const n = t.end - t.start;
  if (n < 1 || n > 6) return null;
  let v = b[t.start] & 0x80 ? -1 : 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + b[i];
  return v;
}

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** One TLV: the tag, its length (short or long form), the content. */
export function tlv(tag: number, ...content: (Uint8Array | number[])[]): Uint8Array {
  const body = content.flatMap((c) => [...c]);
  return Uint8Array.from([tag, ...lengthBytes(body.length), ...body]);
}
