// One server's byte stream rebuilt from its segments: pieces kept by offset, the first copy of a
// byte wins, holes stay holes, bytes past the limit are counted but not kept. Bounded in pieces.
import { concat } from '../probes/types';

interface Piece { at: number; b: Uint8Array }

/** Pieces kept before adjacent ones are merged; a stream with this many holes takes no new piece. */
export const MAX_PIECES = 4096;
/** Missing ranges listed in gap_ranges (the byte count in gaps covers all of them). */
const MAX_RANGES = 32;

export interface Gaps { bytes: number; ranges: string }

export class Stream {
  private pieces: Piece[] = [];
  private contig = 0;        // bytes from offset 0 with no hole
  private contigIdx = 0;     // pieces that make up those bytes
  private full = false;      // too many holes: new pieces are refused
  /** Data bytes held. */
  held = 0;
  /** End of the furthest byte held. */
  dataEnd = 0;
  /** End of the furthest byte any segment or the FIN spoke of (the response length as far as known). */
  seenEnd = 0;
  /** Stream offset of the FIN (the length of the whole response), once one came. */
  finAt: number | undefined;
  rst = false;
  /** A byte limit was hit: ours (bytes at or past `limit`) or catch's (a segment it cut). */
  cut = false;
  /** Bytes a later copy carried differently from the first (which is kept). */
  conflicts = 0;
  segments = 0;
  /** Segments refused because the stream had too many holes. */
  refused = 0;

  constructor(readonly limit: number) {}

  /** Bytes from offset 0 up to the first hole. */
  get contiguous(): number { return this.contig; }

  /**
   * Adds one segment: `data` (which may be shorter than `len` when catch cut it) at `offset`.
   * Returns the change in bytes held.
   */
  add(offset: number, data: Uint8Array, len: number, fin: boolean, rst: boolean, cut: boolean): number {
    this.segments++;
    const end = offset + len;
    if (fin && this.finAt === undefined) this.finAt = end;
    if (rst) this.rst = true;
    if (cut) this.cut = true;
    if (end > this.seenEnd) this.seenEnd = end;
    // Bytes at or past the limit, or a FIN past it (the response goes on beyond what is kept).
    if (end > this.limit && (len > 0 || fin)) this.cut = true;
    const keep = Math.max(0, Math.min(data.length, this.limit - offset));
    if (keep === 0) return 0;
    return this.insert(offset, keep === data.length ? data : data.subarray(0, keep));
  }

  private insert(s: number, d: Uint8Array): number {
    if (this.pieces.length >= MAX_PIECES) {
      // Many pieces: merge adjacent ones once; a stream still this fragmented takes no more.
      if (!this.full) {
        this.compact();
        if (this.pieces.length > MAX_PIECES / 2) this.full = true;
      }
      if (this.full) { this.refused++; return 0; }
    }
    const e = s + d.length;
    const p = this.pieces;
    const last = p[p.length - 1];
    // In-order arrival, the common case: after everything held.
    if (!last || s >= last.at + last.b.length) {
      p.push({ at: s, b: d });
      return this.added(d.length, e);
    }
    // First piece that ends after s.
    let lo = 0, hi = p.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (p[m].at + p[m].b.length <= s) lo = m + 1; else hi = m; }
    let i = lo, pos = s, gained = 0;
    while (pos < e) {
      if (i < p.length && p[i].at <= pos) {
        // Already held: the first copy stays; count the bytes this copy has differently.
        const q = p[i], upto = Math.min(e, q.at + q.b.length);
        for (let k = pos; k < upto; k++) if (q.b[k - q.at] !== d[k - s]) this.conflicts++;
        pos = upto;
      } else {
        const next = i < p.length ? Math.min(e, p[i].at) : e;
        p.splice(i, 0, { at: pos, b: pos === s && next === e ? d : d.slice(pos - s, next - s) });
        gained += next - pos;
        pos = next;
      }
      i++;
    }
    return gained ? this.added(gained, e) : 0;
  }

  private compact(): void {
    const out: Piece[] = [];
    for (let i = 0; i < this.pieces.length;) {
      let j = i + 1, end = this.pieces[i].at + this.pieces[i].b.length;
      while (j < this.pieces.length && this.pieces[j].at === end) { end += this.pieces[j].b.length; j++; }
      out.push(j === i + 1 ? this.pieces[i] : { at: this.pieces[i].at, b: concat(this.pieces.slice(i, j).map((q) => q.b)) });
      i = j;
    }
    this.pieces = out;
    this.contigIdx = out.length && out[0].at === 0 ? 1 : 0;
  }

  private added(n: number, end: number): number {
    this.held += n;
    if (end > this.dataEnd) this.dataEnd = Math.min(end, this.limit);
    const p = this.pieces;
    while (this.contigIdx < p.length && p[this.contigIdx].at <= this.contig) {
      this.contig = Math.max(this.contig, p[this.contigIdx].at + p[this.contigIdx].b.length);
      this.contigIdx++;
    }
    return n;
  }

  /** The bytes from offset 0 up to the first hole. */
  prefix(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < this.contigIdx; i++) parts.push(this.pieces[i].b);
    return parts.length === 1 ? parts[0] : concat(parts);
  }

  /** Bytes [from, to) of the contiguous prefix (to <= contiguous), copied only when they span pieces. */
  slice(from: number, to: number): Uint8Array {
    const p = this.pieces;
    let lo = 0, hi = this.contigIdx - 1;
    while (lo < hi) { const m = (lo + hi + 1) >> 1; if (p[m].at <= from) lo = m; else hi = m - 1; }
    const parts: Uint8Array[] = [];
    for (let i = lo; i < this.contigIdx && p[i].at < to; i++) {
      const q = p[i];
      parts.push(q.b.subarray(Math.max(0, from - q.at), Math.min(q.b.length, to - q.at)));
    }
    return parts.length === 1 ? parts[0] : concat(parts);
  }

  /** The response length as far as known: the furthest byte spoken of, or the FIN. */
  get length(): number { return Math.max(this.seenEnd, this.finAt ?? 0); }

  /**
   * Bytes missing below the limit, up to the furthest byte held or the FIN: a count, and the
   * ranges as "first-last" (inclusive, comma separated, the first MAX_RANGES of them).
   */
  gaps(): Gaps {
    const upto = Math.min(this.limit, Math.max(this.dataEnd, this.finAt ?? 0));
    let pos = 0, bytes = 0;
    const ranges: string[] = [];
    const hole = (a: number, b: number) => {
      if (b <= a) return;
      bytes += b - a;
      if (ranges.length < MAX_RANGES) ranges.push(`${a}-${b - 1}`);
      else if (ranges.length === MAX_RANGES) ranges.push('...');
    };
    for (const q of this.pieces) {
      if (q.at >= upto) break;
      hole(pos, q.at);
      pos = q.at + q.b.length;
    }
    hole(pos, upto);
    return { bytes, ranges: ranges.join(',') };
  }

  /** Nothing more will be kept: every byte below the limit is held and more came after it. */
  get atLimit(): boolean { return this.contig >= this.limit && this.seenEnd > this.limit; }

  /** Every byte before the FIN is held (or up to the limit, when the FIN lies beyond it). */
  get finished(): boolean { return this.finAt !== undefined && this.contig >= Math.min(this.finAt, this.limit); }
}
