// A backtracking matcher for the PCRE rules RE2 cannot run, bounded by a step budget as PCRE's match limit bounds nmap.
//
// Only the rules with lookarounds, backreferences, atomic groups, possessive quantifiers or a $
// inside a group come here (about 6% of nmap's file). The pattern is compiled to closures in
// continuation-passing style, trying alternatives in PCRE's order so groups come out as PCRE's.
// Every step (one node tried at one offset) counts; past the budget the match is abandoned with
// GiveUp, so the time of a rule on any banner is bounded. Deep recursion (a group repeated
// thousands of times) is abandoned the same way.
import type { ByteSet, Node, Pattern } from './pcre';
import { anchored, singleByte } from './pcre';

/** Thrown out of a match that ran past its step budget. */
export class GiveUp extends Error {}

type Cont = (i: number) => boolean;
type M = (i: number, k: Cont) => boolean;

// The match in progress (one at a time: matching is synchronous).
let S: Uint8Array = new Uint8Array(0);
let N = 0;
let caps: Int32Array = new Int32Array(2);
let steps = 0;
let limit = 0;
let hasBackrefs = false;     // of the pattern being compiled

const GIVE_UP = new GiveUp('step budget exhausted');
const step = () => { if (++steps > limit) throw GIVE_UP; };
const isWord = (i: number) => {
  if (i < 0 || i >= N) return false;
  const c = S[i];
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
};
const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);

/** Fixed length of what a node matches, or -1 (PCRE requires it for lookbehind). */
function fixedLength(n: Node): number {
  switch (n.t) {
    case 'set': return 1;
    case 'assert': case 'look': return 0;
    case 'seq': { let t = 0; for (const it of n.items) { const l = fixedLength(it); if (l < 0) return -1; t += l; } return t; }
    case 'alt': { const ls = n.alts.map(fixedLength); return ls.every((l) => l === ls[0]) ? ls[0] : -1; }
    case 'group': case 'atomic': return fixedLength(n.body);
    case 'repeat': { const l = fixedLength(n.body); return l >= 0 && n.min === n.max ? l * n.min : -1; }
    default: return -1;
  }
}

function usesBackrefs(n: Node): boolean {
  switch (n.t) {
    case 'backref': return true;
    case 'seq': return n.items.some(usesBackrefs);
    case 'alt': return n.alts.some(usesBackrefs);
    case 'group': case 'repeat': case 'look': case 'atomic': return usesBackrefs(n.body);
    default: return false;
  }
}

function snapshot(): Int32Array { return caps.slice(); }

function compile(n: Node): M {
  switch (n.t) {
    case 'set': {
      const set = n.set;
      return (i, k) => { step(); return i < N && set[S[i]] === 1 && k(i + 1); };
    }
    case 'seq': {
      // Runs of single bytes become one literal comparison.
      const parts: M[] = [];
      for (let j = 0; j < n.items.length; j++) {
        const it = n.items[j];
        const b = it.t === 'set' ? singleByte(it.set) : -1;
        if (b >= 0) {
          const lit = [b];
          while (j + 1 < n.items.length) {
            const nx = n.items[j + 1];
            const c = nx.t === 'set' ? singleByte(nx.set) : -1;
            if (c < 0) break;
            lit.push(c); j++;
          }
          if (lit.length > 1) { parts.push(literal(Uint8Array.from(lit))); continue; }
        }
        parts.push(compile(it));
      }
      return parts.reduceRight<M>((next, part) => (i, k) => part(i, (j) => next(j, k)), (i, k) => k(i));
    }
    case 'alt': {
      const alts = n.alts.map(compile);
      return (i, k) => { for (const a of alts) if (a(i, k)) return true; return false; };
    }
    case 'group': {
      const body = compile(n.body);
      if (!n.cap) return body;
      const s = 2 * n.cap, e = s + 1;
      return (i, k) => body(i, (j) => {
        const ps = caps[s], pe = caps[e];
        caps[s] = i; caps[e] = j;
        if (k(j)) return true;
        caps[s] = ps; caps[e] = pe;
        return false;
      });
    }
    case 'repeat': return n.possessive ? atomic(repeat(n)) : repeat(n);
    case 'atomic': return atomic(compile(n.body));
    case 'assert': {
      const test: (i: number) => boolean = {
        start: (i: number) => i === 0,
        end: (i: number) => i === N,
        endnl: (i: number) => i === N || (i === N - 1 && S[i] === 10),
        word: (i: number) => isWord(i - 1) !== isWord(i),
        nonword: (i: number) => isWord(i - 1) === isWord(i),
      }[n.kind];
      return (i, k) => { step(); return test(i) && k(i); };
    }
    case 'look': {
      const body = compile(n.body);
      let back = 0;
      if (n.behind) { back = fixedLength(n.body); if (back < 0) throw new Error('lookbehind of variable length'); }
      const neg = n.neg;
      return (i, k) => {
        step();
        const saved = snapshot();
        const at = i - back;
        const ok = at >= 0 && body(at, back ? (j) => j === i : () => true);
        if (ok !== neg && k(i)) return true;
        caps.set(saved);
        return false;
      };
    }
    case 'backref': {
      const s = 2 * n.n, e = s + 1, fold = n.fold;
      return (i, k) => {
        step();
        const a = caps[s], b = caps[e];
        if (a < 0) return false;                 // PCRE: a group that did not take part matches nothing
        const len = b - a;
        if (i + len > N) return false;
        for (let x = 0; x < len; x++) {
          const p = S[a + x], q = S[i + x];
          if (p !== q && !(fold && lower(p) === lower(q))) return false;
        }
        return k(i + len);
      };
    }
  }
}

function literal(lit: Uint8Array): M {
  const len = lit.length;
  return (i, k) => {
    step();
    if (i + len > N) return false;
    for (let x = 0; x < len; x++) if (S[i + x] !== lit[x]) return false;
    return k(i + len);
  };
}

/** Matches the body once and never backtracks into it (atomic group, possessive quantifier). */
function atomic(body: M): M {
  return (i, k) => {
    const saved = snapshot();
    let end = -1;
    if (!body(i, (j) => { end = j; return true; })) { caps.set(saved); return false; }
    if (k(end)) return true;
    caps.set(saved);
    return false;
  };
}

function repeat(n: Extract<Node, { t: 'repeat' }>): M {
  const { min, max, lazy } = n;
  if (n.body.t === 'set') {
    // One byte per iteration: count the run, then try the continuation at each length, no recursion.
    const set = n.body.set;
    return (i, k) => {
      let run = 0;
      const most = Math.min(max, N - i);
      if (lazy) {
        for (;;) {
          step();
          if (run >= min && k(i + run)) return true;
          if (run >= most || set[S[i + run]] !== 1) return false;
          run++;
        }
      }
      while (run < most && set[S[i + run]] === 1) run++;
      steps += run;
      for (let r = run; r >= min; r--) { step(); if (k(i + r)) return true; }
      return false;
    };
  }
  const body = compile(n.body);
  // An iteration that matched nothing ends the loop (as PCRE does) instead of repeating forever.
  // Without backreferences, whether the loop can finish from offset i past its minimum does not
  // depend on how it got there: a failure is remembered per entry into the loop (as Perl's
  // super-linear cache does), so nested quantifiers like (?:[^<]+|<)* fail in polynomial time.
  const memo = max === Infinity && !hasBackrefs;
  return (i0, k) => {
    let failed: Uint8Array | null = null;
    const loop = (i: number, count: number): boolean => {
      step();
      if (count < min) return body(i, (j) => (j === i && count + 1 >= min ? k(j) : loop(j, count + 1)));
      if (memo && failed && failed[i] === 1) return false;
      const more = () => count < max && body(i, (j) => (j === i ? k(j) : loop(j, count + 1)));
      if (lazy ? k(i) || more() : more() || k(i)) return true;
      if (memo) (failed ??= new Uint8Array(N + 1))[i] = 1;
      return false;
    };
    return loop(i0, 0);
  };
}

export interface Backtracker { exec(data: Uint8Array, budget: number): (number)[] | null; steps(): number }

/**
 * Compiles a pattern; exec returns [start0, end0, start1, end1, ...] (-1 for groups that did not
 * take part), null for no match, or throws GiveUp past `budget` steps.
 */
export function compileBacktracker(pat: Pattern): Backtracker {
  hasBackrefs = usesBackrefs(pat.root);
  const m = compile(pat.root);
  const only0 = anchored(pat.root);
  const size = 2 * (pat.groups + 1);
  let used = 0;
  return {
    exec(data, budget) {
      S = data; N = data.length; steps = 0; limit = budget;
      caps = new Int32Array(size);
      try {
        for (let start = 0; start <= (only0 ? 0 : N); start++) {
          caps.fill(-1);
          let end = -1;
          if (m(start, (j) => { end = j; return true; })) { caps[0] = start; caps[1] = end; return Array.from(caps); }
        }
        return null;
      } catch (e) {
        if (e instanceof RangeError) throw GIVE_UP;       // recursion too deep for the stack
        throw e;
      } finally {
        used = steps;
        S = new Uint8Array(0);
      }
    },
    steps: () => used,
  };
}
