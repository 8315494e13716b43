// One JARM answer: what the reference reads of a server's reply to one of its hellos, as the
// text "cipher|version|alpn|extensions" ("|||" when there is no ServerHello). The reference
// reads the first recv() of up to 1484 bytes at fixed offsets, with its own guards; we read
// the same number of bytes of the reassembled stream and keep every guard and quirk, since
// the fingerprint is only worth anything if it equals the reference's:
//   record type 21 (alert), or not a handshake record holding a ServerHello: "|||";
//   cipher at 44 + session id length, version the ServerHello's legacy_version (bytes 9-10);
//   extensions: none when the byte at 47 + sid is 11 (a Certificate right after), or the
//   bytes at 50 + sid are 0e ac 0b, or those at 82 are 0f f0 0b, or 42 + sid reaches the
//   record length; else their types in order and the first ALPN protocol as text.
// An index past the bytes gives "|" for the extensions (the reference's IndexError), a length
// it cannot read or an ALPN that is no UTF-8 gives "|||" (its other exceptions).

/** Bytes of the stream the reference looks at (its recv size). */
export const JARM_READ = 1484;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
// Python's int(hex(slice), 16): undefined for an empty slice (a ValueError).
const num = (b: Uint8Array) => (b.length === 0 ? undefined : b.reduce((n, x) => n * 256 + x, 0));

class Abort extends Error {}   // the reference's "any other exception": the answer is "|||"
class OutOfRange extends Error {}

export function jarmAnswer(stream: Uint8Array): string {
  const d = stream.subarray(0, JARM_READ);
  const at = (i: number) => { if (i >= d.length) throw new OutOfRange(); return d[i]; };
  try {
    if (at(0) === 21) return '|||';
    if (!(at(0) === 22 && at(5) === 2)) return '|||';
    const recordLen = num(d.subarray(3, 5)) ?? 0;
    const sid = at(43);
    return `${hex(d.subarray(sid + 44, sid + 46))}|${hex(d.subarray(9, 11))}|${extensions(d, at, sid, recordLen)}`;
  } catch {
    return '|||';
  }
}

function extensions(d: Uint8Array, at: (i: number) => number, sid: number, recordLen: number): string {
  try {
    if (at(sid + 47) === 11) return '|';
    if (hex(d.subarray(sid + 50, sid + 53)) === '0eac0b' || hex(d.subarray(82, 85)) === '0ff00b') return '|';
    if (sid + 42 >= recordLen) return '|';
    let i = 49 + sid;
    const length = num(d.subarray(sid + 47, sid + 49));
    if (length === undefined) throw new Abort();
    const end = length + i - 1;   // the reference's bound (one short of the last byte)
    const types: Uint8Array[] = [], values: (Uint8Array | null)[] = [];
    while (i < end) {
      types.push(d.subarray(i, i + 2));
      const len = num(d.subarray(i + 2, i + 4));
      if (len === undefined) throw new Abort();
      if (len === 0) { values.push(null); i += 4; } else { values.push(d.subarray(i + 4, i + 4 + len)); i += len + 4; }
    }
    const k = types.findIndex((t) => hex(t) === '0010');
    let alpn = '';
    if (k >= 0) {
      const v = values[k];
      if (v === null) throw new Abort();   // the reference calls .decode() on "" and fails
      try { alpn = new TextDecoder('utf-8', { fatal: true }).decode(v.subarray(3)); } catch { throw new Abort(); }
    }
    return `${alpn}|${types.map(hex).join('-')}`;
  } catch (e) {
    if (e instanceof OutOfRange) return '|';
    throw e;
  }
}
