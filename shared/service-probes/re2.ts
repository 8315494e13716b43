// Writes a parsed PCRE pattern in RE2 syntax when RE2 gives it PCRE's meaning; null when only backtracking can.
//
// RE2 matches in time linear in the banner, whatever the pattern (no catastrophic backtracking),
// and its leftmost-first submatch rules give the same groups as PCRE's backtracking. It cannot
// express lookarounds, backreferences, atomic groups or possessive quantifiers (backtrack.ts runs
// those), nor counted repeats above 1000. Banners reach RE2 as UTF-8 with each byte one code
// point (latin1 decoding), so the byte sets are written as code points \x00-\xff; case folding is
// already in the sets, so RE2 runs without its own (Unicode) case folding.
import type { ByteSet, Node, Pattern } from './pcre';

const MAX_REPEAT = 1000;

const hex = (c: number) => '\\x' + c.toString(16).padStart(2, '0');
const lit = (c: number) => (/[A-Za-z0-9]/.test(String.fromCharCode(c)) ? String.fromCharCode(c) : hex(c));

const SOURCES = new WeakMap<ByteSet, string>();

function setSource(set: ByteSet): string {
  let src = SOURCES.get(set);
  if (src === undefined) { src = writeSet(set); SOURCES.set(set, src); }
  return src;
}

function writeSet(set: ByteSet): string {
  const ranges: [number, number][] = [];
  for (let c = 0; c < 256; c++) {
    if (!set[c]) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === c - 1) last[1] = c; else ranges.push([c, c]);
  }
  if (ranges.length === 1 && ranges[0][0] === ranges[0][1]) return lit(ranges[0][0]);
  if (ranges.length === 0) return '[^\\x00-\\xff]';           // matches nothing (no banner byte is above \xff)
  return '[' + ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('') + ']';
}

class NotRe2 extends Error {}

/**
 * atEnd: nothing can be consumed after this node; inCap: inside a capturing group; relaxed:
 * write what RE2 lacks as something that matches more (a lookaround as nothing, a backreference
 * as any bytes, an atomic group or possessive quantifier as a plain one), for a prefilter.
 */
function emit(n: Node, atEnd: boolean, inCap: boolean, relaxed: boolean): string {
  switch (n.t) {
    case 'set': return setSource(n.set);
    case 'seq': return n.items.map((it, k) => emit(it, atEnd && k === n.items.length - 1, inCap, relaxed)).join('') || '(?:)';
    case 'alt': return '(?:' + n.alts.map((a) => emit(a, atEnd, inCap, relaxed)).join('|') + ')';
    case 'group': return (n.cap ? '(' : '(?:') + emit(n.body, atEnd, inCap || n.cap > 0, relaxed) + ')';
    case 'atomic': if (relaxed) return '(?:' + emit(n.body, atEnd, inCap, relaxed) + ')'; throw new NotRe2();
    case 'look': if (relaxed) return '(?:)'; throw new NotRe2();
    case 'backref': if (relaxed) return '[\\x00-\\xff]*'; throw new NotRe2();
    case 'repeat': {
      let { min, max } = n;
      if (n.possessive || min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) {
        if (!relaxed) throw new NotRe2();
        min = Math.min(min, MAX_REPEAT);
        if (max > MAX_REPEAT) max = Infinity;
      }
      const body = emit(n.body, false, inCap, relaxed);
      const q = max === Infinity ? (min === 0 ? '*' : min === 1 ? '+' : `{${min},}`)
        : min === 0 && max === 1 ? '?' : min === max ? `{${min}}` : `{${min},${max}}`;
      return (n.body.t === 'set' ? body : `(?:${body})`) + q + (n.lazy ? '?' : '');
    }
    case 'assert':
      if (n.kind === 'start') return '^';
      if (n.kind === 'end') return '\\z';
      if (n.kind === 'word') return '\\b';
      if (n.kind === 'nonword') return '\\B';
      // PCRE's $ also matches before a final \n: RE2 can only consume that \n, which changes
      // nothing when the $ ends the pattern outside any group that captures.
      if (atEnd && !inCap) return '(?:\\n?\\z)';
      if (relaxed) return '(?:)';
      throw new NotRe2();
  }
}

/** The pattern in RE2 syntax: exact (null if RE2 cannot give PCRE's meaning) or relaxed (never null). */
export function toRe2Source(pat: Pattern, relaxed: boolean): string | null {
  try { return emit(pat.root, true, false, relaxed); } catch (e) {
    if (e instanceof NotRe2) return null;
    throw e;
  }
}
