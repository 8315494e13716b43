// Parses the PCRE patterns of nmap-service-probes into a syntax tree over bytes, or says why it cannot.
//
// Patterns match raw banner bytes, so every single-byte item (literal, class, '.', \d ...) becomes
// a 256-entry byte set with PCRE's meaning already applied: '.' excludes only \n (all with s),
// \s includes \v, \w \d are ASCII, case-insensitivity folds ASCII letters only (PCRE's default
// tables), a leading ']' in a class is literal, [:posix:] classes, \0oo octal, \e \a \x{hh}.
// Two back ends read the tree: re2.ts (RE2, linear time) and backtrack.ts (lookarounds,
// backreferences, atomic groups, possessive quantifiers, under a step budget). Refused, so the
// rule is counted as skipped: conditionals, recursion, callouts, \G \K \Q \R \X \p and other escapes
// PCRE would not read as nmap's file uses them.

/** A byte set: 256 entries, 1 where the byte matches. */
export type ByteSet = Uint8Array;

export type Node =
  | { t: 'set'; set: ByteSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; cap: number; body: Node }                       // cap 0: non-capturing
  | { t: 'repeat'; body: Node; min: number; max: number; lazy: boolean; possessive: boolean }
  | { t: 'assert'; kind: 'start' | 'end' | 'endnl' | 'word' | 'nonword' }   // ^ \A, \z, $ \Z, \b, \B
  | { t: 'look'; behind: boolean; neg: boolean; body: Node }
  | { t: 'atomic'; body: Node }
  | { t: 'backref'; n: number; fold: boolean };

export interface Pattern { root: Node; groups: number }
export type Parsed = Pattern | { error: string };

const range = (a: number, b: number): ByteSet => { const s = new Uint8Array(256); s.fill(1, a, b + 1); return s; };
// Literals are most of every pattern: their sets are made once and shared (never modified).
const BYTE = Array.from({ length: 256 }, (_, c) => range(c, c));
const union = (...sets: ByteSet[]): ByteSet => { const s = new Uint8Array(256); for (const x of sets) for (let i = 0; i < 256; i++) s[i] |= x[i]; return s; };
const invert = (x: ByteSet): ByteSet => x.map((v) => v ^ 1);
const byte = (c: number): ByteSet => BYTE[c];
const bytes = (s: string): ByteSet => union(...Array.from(s, (ch) => byte(ch.charCodeAt(0))));

const DIGIT = range(0x30, 0x39);
const WORD = union(DIGIT, range(0x41, 0x5a), range(0x61, 0x7a), byte(0x5f));
const SPACE = union(range(9, 13), byte(0x20));            // \t \n \v \f \r and space
const HSPACE = bytes('\t \xa0');
const VSPACE = union(range(10, 13), byte(0x85));
const CLASS_ESCAPES: Record<string, ByteSet> = {
  d: DIGIT, D: invert(DIGIT), w: WORD, W: invert(WORD), s: SPACE, S: invert(SPACE), h: HSPACE, H: invert(HSPACE), v: VSPACE, V: invert(VSPACE),
};
const POSIX: Record<string, ByteSet> = {
  alpha: union(range(0x41, 0x5a), range(0x61, 0x7a)), digit: DIGIT, alnum: union(DIGIT, range(0x41, 0x5a), range(0x61, 0x7a)),
  upper: range(0x41, 0x5a), lower: range(0x61, 0x7a), space: SPACE, xdigit: union(DIGIT, range(0x41, 0x46), range(0x61, 0x66)),
  punct: union(range(0x21, 0x2f), range(0x3a, 0x40), range(0x5b, 0x60), range(0x7b, 0x7e)), print: range(0x20, 0x7e),
  graph: range(0x21, 0x7e), cntrl: union(range(0, 0x1f), byte(0x7f)), blank: bytes(' \t'), word: WORD, ascii: range(0, 0x7f),
};
const ANY = range(0, 255);
const NOT_NL = invert(byte(10));
const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const SIMPLE: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, e: 0x1b, a: 7 };

/** Adds the other case of every ASCII letter in the set. */
function foldAscii(x: ByteSet): ByteSet {
  const s = x.slice();
  for (let c = 0x41; c <= 0x5a; c++) if (x[c] || x[c + 32]) s[c] = s[c + 32] = 1;
  return s;
}
const FOLDED = BYTE.map((s, c) => ((c | 32) >= 0x61 && (c | 32) <= 0x7a ? foldAscii(s) : s));

/** The one byte a set holds, or -1 (none or several). */
export function singleByte(set: ByteSet): number {
  const at = BYTE.indexOf(set);
  if (at >= 0) return at;
  let found = -1;
  for (let i = 0; i < 256; i++) if (set[i]) { if (found >= 0) return -1; found = i; }
  return found;
}

const has = Object.prototype.hasOwnProperty;

class Fail extends Error {}

interface Flags { i: boolean; s: boolean }

/** Parses one pattern with its nmap flags ('i', 's'). */
export function parsePcre(pattern: string, flags: string): Parsed {
  const p = pattern;
  let pos = 0;
  let groups = 0;
  const fail = (msg: string): never => { throw new Fail(msg); };

  // A byte written as an escape (after the backslash), in or out of a class; null if not a byte.
  const escapedByte = (inClass: boolean): number | null => {
    const c = p[pos];
    if (c === undefined) return fail('trailing backslash');
    if (has.call(SIMPLE, c)) { pos++; return SIMPLE[c]; }
    if (c === 'x') {
      pos++;
      if (p[pos] === '{') {
        const close = p.indexOf('}', pos);
        const v = close < 0 ? NaN : parseInt(p.slice(pos + 1, close), 16);
        if (!(v >= 0 && v <= 0xff) || !/^[0-9a-fA-F]+$/.test(p.slice(pos + 1, close))) return fail('bad \\x{...}');
        pos = close + 1; return v;
      }
      const m = /^[0-9a-fA-F]{1,2}/.exec(p.slice(pos, pos + 2));
      pos += m ? m[0].length : 0;
      return m ? parseInt(m[0], 16) : 0;
    }
    if (c === '0' || (inClass && /[1-7]/.test(c))) {
      let v = 0, n = 0;
      while (n < 3 && /[0-7]/.test(p[pos] ?? '')) { v = v * 8 + Number(p[pos++]); n++; }
      return v & 0xff;
    }
    if (inClass && c === 'b') { pos++; return 8; }
    if (isAlnum(c)) return null;
    pos++;
    return c.charCodeAt(0);
  };

  const classItem = (): ByteSet | number => {
    if (p[pos] === '\\') {
      pos++;
      const b = escapedByte(true);
      if (b !== null) return b;
      const c = p[pos++];
      if (has.call(CLASS_ESCAPES, c)) return CLASS_ESCAPES[c];
      return fail(`unsupported escape \\${c} in a class`);
    }
    if (p.startsWith('[:', pos)) {
      const close = p.indexOf(':]', pos + 2);
      if (close > 0) {
        let name = p.slice(pos + 2, close);
        const neg = name.startsWith('^');
        if (neg) name = name.slice(1);
        if (!has.call(POSIX, name)) return fail(`POSIX class [:${name}:]`);
        pos = close + 2;
        return neg ? invert(POSIX[name]) : POSIX[name];
      }
    }
    return p.charCodeAt(pos++) & 0xff;
  };

  const parseClass = (f: Flags): ByteSet => {
    pos++;                                   // '['
    const neg = p[pos] === '^';
    if (neg) pos++;
    const set = new Uint8Array(256);
    let first = true;
    for (;;) {
      if (pos >= p.length) return fail('unterminated class');
      if (p[pos] === ']' && !first) { pos++; break; }
      first = false;
      const a = classItem();
      if (typeof a !== 'number') { for (let i = 0; i < 256; i++) set[i] |= a[i]; continue; }
      if (p[pos] === '-' && p[pos + 1] !== ']' && pos + 1 < p.length) {
        const save = pos;
        pos++;
        const b = classItem();
        if (typeof b === 'number') {
          if (b < a) return fail('class range out of order');
          set.fill(1, a, b + 1);
          continue;
        }
        pos = save;                          // [a-\d]: '-' is literal
      }
      set[a] = 1;
    }
    const folded = f.i ? foldAscii(set) : set;
    return neg ? invert(folded) : folded;
  };

  const literal = (c: number, f: Flags): Node => ({ t: 'set', set: f.i ? FOLDED[c] : BYTE[c] });

  // A quantifier after an item, if any: {n}, {n,}, {n,m} (otherwise '{' is a literal), * + ?.
  const quantifier = (): { min: number; max: number } | null => {
    const c = p[pos];
    if (c === '*') { pos++; return { min: 0, max: Infinity }; }
    if (c === '+') { pos++; return { min: 1, max: Infinity }; }
    if (c === '?') { pos++; return { min: 0, max: 1 }; }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(pos, pos + 24));
      if (!m) return null;
      pos += m[0].length;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) return fail('quantifier range out of order');
      if (min > 65535 || (max !== Infinity && max > 65535)) return fail('quantifier too large');
      return { min, max };
    }
    return null;
  };

  // Inline flags "(?i)", "(?-i)", "(?is:": letters i s (m x would change more than nmap uses).
  const applyFlags = (spec: string, f: Flags): Flags => {
    const g = { ...f };
    let on = true;
    for (const ch of spec) {
      if (ch === '-') on = false;
      else if (ch === 'i') g.i = on;
      else if (ch === 's') g.s = on;
      else return fail(`inline flag ${ch}`);
    }
    return g;
  };

  const atom = (f: Flags): Node | null => {
    const c = p[pos];
    if (c === '(') return group(f);
    if (c === '[') return { t: 'set', set: parseClass(f) };
    if (c === '.') { pos++; return { t: 'set', set: f.s ? ANY : NOT_NL }; }
    if (c === '^') { pos++; return { t: 'assert', kind: 'start' }; }
    if (c === '$') { pos++; return { t: 'assert', kind: 'endnl' }; }
    if (c === '\\') {
      pos++;
      const n = p[pos];
      if (n === undefined) return fail('trailing backslash');
      if (n >= '1' && n <= '9') { pos++; return { t: 'backref', n: Number(n), fold: f.i }; }
      const b = escapedByte(false);
      if (b !== null) return literal(b, f);
      pos++;
      if (has.call(CLASS_ESCAPES, n)) return { t: 'set', set: CLASS_ESCAPES[n] };
      if (n === 'b') return { t: 'assert', kind: 'word' };
      if (n === 'B') return { t: 'assert', kind: 'nonword' };
      if (n === 'A') return { t: 'assert', kind: 'start' };
      if (n === 'z') return { t: 'assert', kind: 'end' };
      if (n === 'Z') return { t: 'assert', kind: 'endnl' };
      return fail(`unsupported escape \\${n}`);
    }
    if (c === '*' || c === '+' || c === '?') return fail(`nothing to repeat at ${pos}`);
    pos++;
    return literal(c.charCodeAt(0) & 0xff, f);
  };

  const group = (f: Flags): Node | null => {
    pos++;                                   // '('
    let kind: 'cap' | 'nocap' | 'look' | 'atomic' = 'cap';
    let behind = false, neg = false;
    let inner = f;
    if (p[pos] === '?') {
      const rest = p.slice(pos + 1, pos + 4);
      if (rest[0] === '#') {
        const close = p.indexOf(')', pos);
        if (close < 0) return fail('unterminated comment');
        pos = close + 1;
        return null;
      }
      if (rest[0] === ':') { kind = 'nocap'; pos += 2; }
      else if (rest[0] === '=' || rest[0] === '!') { kind = 'look'; neg = rest[0] === '!'; pos += 2; }
      else if (rest.startsWith('<=') || rest.startsWith('<!')) { kind = 'look'; behind = true; neg = rest[1] === '!'; pos += 3; }
      else if (rest[0] === '>') { kind = 'atomic'; pos += 2; }
      else if (rest.startsWith('P<') || /^<[A-Za-z_]/.test(rest) || rest[0] === "'") {
        const open = rest.startsWith('P<') ? pos + 3 : pos + 2;
        const close = p.indexOf(rest[0] === "'" ? "'" : '>', open);
        if (close < 0 || !/^[A-Za-z_]\w*$/.test(p.slice(open, close))) return fail('bad group name');
        pos = close + 1;
      } else {
        const m = /^\?([is-]*)(:|\))/.exec(p.slice(pos, pos + 8));
        if (!m || m[1] === '') return fail(`group (?${rest[0] ?? ''}`);
        const g = applyFlags(m[1], f);
        pos += m[0].length;
        if (m[2] === ')') { Object.assign(f, g); return null; }   // applies to the rest of the enclosing group
        inner = g; kind = 'nocap';
      }
    }
    const cap = kind === 'cap' ? ++groups : 0;
    const body = alternation({ ...inner });
    if (p[pos] !== ')') return fail('missing )');
    pos++;
    if (kind === 'look') return { t: 'look', behind, neg, body };
    if (kind === 'atomic') return { t: 'atomic', body };
    return { t: 'group', cap, body };
  };

  const sequence = (f: Flags): Node => {
    const items: Node[] = [];
    while (pos < p.length && p[pos] !== '|' && p[pos] !== ')') {
      const a = atom(f);
      if (!a) continue;
      const q = quantifier();
      if (!q) { items.push(a); continue; }
      if (a.t === 'assert' || a.t === 'look') return fail('quantifier after an assertion');
      let lazy = false, possessive = false;
      if (p[pos] === '?') { lazy = true; pos++; } else if (p[pos] === '+') { possessive = true; pos++; }
      if (quantifier()) return fail('nested quantifier');
      items.push({ t: 'repeat', body: a, min: q.min, max: q.max, lazy, possessive });
    }
    return items.length === 1 ? items[0] : { t: 'seq', items };
  };

  const alternation = (f: Flags): Node => {
    const alts = [sequence(f)];
    while (p[pos] === '|') { pos++; alts.push(sequence(f)); }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  };

  try {
    const root = alternation({ i: flags.includes('i'), s: flags.includes('s') });
    if (pos < p.length) return fail('unbalanced )');
    if (maxBackref(root) > groups) return fail('backreference to a missing group');
    return { root, groups };
  } catch (e) {
    if (e instanceof Fail) return { error: e.message };
    throw e;
  }
}

function maxBackref(n: Node): number {
  switch (n.t) {
    case 'backref': return n.n;
    case 'seq': return Math.max(0, ...n.items.map(maxBackref));
    case 'alt': return Math.max(0, ...n.alts.map(maxBackref));
    case 'group': case 'repeat': case 'look': case 'atomic': return maxBackref(n.body);
    default: return 0;
  }
}

/** The top-level items of a pattern, in order (a lone item is a sequence of one). */
const topItems = (root: Node): Node[] => (root.t === 'seq' ? root.items : [root]);

/** Whether every match must start at offset 0 (a leading ^ or \A outside any alternation). */
export function anchored(root: Node): boolean {
  const first = topItems(root)[0];
  return first !== undefined && first.t === 'assert' && first.kind === 'start';
}

/**
 * For anchored patterns, the literal bytes every match starts with (case-sensitive ones). Most
 * of nmap's rules begin with a long literal like ^HTTP/1\.[01]; checking it is cheaper than RE2.
 */
export function literalPrefix(root: Node): string {
  if (!anchored(root)) return '';
  let prefix = '';
  for (const it of topItems(root).slice(1)) {
    const one = it.t === 'set' ? singleByte(it.set) : -1;
    if (one < 0 || prefix.length >= 32) break;
    prefix += String.fromCharCode(one);
  }
  return prefix;
}
