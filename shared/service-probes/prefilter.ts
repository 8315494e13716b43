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
