// What a rule's match must start with or contain, read from its syntax tree, so that most rules
// are never tried against a banner (ServiceProbes' first-byte index and literal checks).
//
// Both answers are about every string the rule's relaxed RE2 form (re2.ts) can match, not only
// its exact one: a lookaround counts as matching nothing, a backreference as any bytes, so a
// rule left out here is one whose RE2.Set entry could not have matched either, and the rules
// that reach groups() are exactly those they were without the index.
import type { ByteSet, Node } from './pcre';

const NONE: ByteSet = new Uint8Array(256);
const ALL: ByteSet = new Uint8Array(256).fill(1);

interface First { set: ByteSet; nullable: boolean }

function first(n: Node): First {
  switch (n.t) {
    case 'set': return { set: n.set, nullable: false };
    case 'assert': case 'look': return { set: NONE, nullable: true };
    case 'backref': return { set: ALL, nullable: true };
    case 'group': case 'atomic': return first(n.body);
    case 'repeat': { const f = first(n.body); return { set: f.set, nullable: f.nullable || n.min === 0 }; }
    case 'alt': {
      const s = new Uint8Array(256);
      let nullable = false;
      for (const a of n.alts) { const f = first(a); for (let i = 0; i < 256; i++) s[i] |= f.set[i]; nullable ||= f.nullable; }
      return { set: s, nullable };
    }
    case 'seq': {
      const s = new Uint8Array(256);
      for (const it of n.items) {
        const f = first(it);
        for (let i = 0; i < 256; i++) s[i] |= f.set[i];
        if (!f.nullable) return { set: s, nullable: false };
      }
      return { set: s, nullable: true };
    }
  }
}

/**
 * The bytes a match of an anchored pattern can start with (its first banner byte), or null when
 * there are more than `max` of them or the pattern can match the empty string (any banner may
 * match: the rule is tried on every banner).
 */
export function firstBytes(root: Node, max: number): number[] | null {
  const f = first(root);
  if (f.nullable) return null;
  const out: number[] = [];
  for (let c = 0; c < 256; c++) if (f.set[c]) { if (out.length === max) return null; out.push(c); }
  return out;
}

/**
 * The longest run of literal bytes (one byte each, case-sensitive) among a pattern's top-level
 * items: every match contains it. '' when there is none of at least `min` bytes (a top-level
 * alternation has none).
 */
export function requiredLiteral(root: Node, min: number): string {
  const items = root.t === 'seq' ? root.items : [root];
  let best = '', run = '';
  for (const it of items) {
    const one = it.t === 'set' ? singleOf(it.set) : -1;
    if (one >= 0) { run += String.fromCharCode(one); if (run.length > best.length) best = run; continue; }
    // Assertions consume nothing: a run goes on across ^ $ \b.
    if (it.t !== 'assert') run = '';
  }
  return best.length >= min ? best : '';
}

function singleOf(set: ByteSet): number {
  let found = -1;
  for (let i = 0; i < 256; i++) if (set[i]) { if (found >= 0) return -1; found = i; }
  return found;
}

// Bytes that stand for themselves at the start of a pattern (PCRE outside a class, no x flag).
const PLAIN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 <>!@#%&=:;,"\'~`_/-') PLAIN[c.charCodeAt(0)] = 1;
// Punctuation an escape makes literal.
const ESCAPED = new Set([...'.*+?()[]{}|\\/^$-']);
const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * firstBytes() of a pattern read from its text, without parsing it: when it is ^, one byte (a
 * plain character, \xHH or an escaped punctuation mark) not made optional by ? * or {, and no
 * alternation outside parentheses; null when the text does not say so simply (then the pattern is
 * parsed). ServiceProbes files such rules under their first bytes and parses them only when a
 * banner starting with one comes (nine in ten of nmap's rules; test/service-probes-prefilter.test.ts
 * checks it agrees with the parse over nmap's file).
 */
export function textFirstBytes(pattern: string, flags: string): number[] | null {
  if (pattern.charCodeAt(0) !== 0x5e) return null;
  let c = pattern.charCodeAt(1), at = 2;
  if (c === 0x5c) {
    const e = pattern[2];
    if (e === 'x' && HEX.test(pattern.slice(3, 5))) { c = parseInt(pattern.slice(3, 5), 16); at = 5; }
    else if (e !== undefined && ESCAPED.has(e)) { c = e.charCodeAt(0); at = 3; }
    else return null;
  } else if (!(c < 128 && PLAIN[c])) return null;
  const q = pattern[at];
  if (q === '?' || q === '*' || q === '{') return null;
  // An alternation outside parentheses (^a|b) may start elsewhere.
  let depth = 0;
  for (let i = at; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') { i++; continue; }
    if (ch === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') { if (pattern[i] === '\\') i++; i++; }
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth <= 0) return null;
  }
  const lower = c | 32;
  if (flags.includes('i') && lower >= 0x61 && lower <= 0x7a) return [c & ~32, lower];
  return [c];
}
