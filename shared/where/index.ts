// --where EXPR: compiles the filter once into a predicate over records; no eval anywhere.
// Comparisons: numbers compare as numbers (a numeric string against a number too), else as
// text; a missing field is null, equal only to null and never <, >, or matching a regex.
import type { AnyRecord } from '../records';
import { getField } from '../formats/fields';
import { Node, parse } from './parse';
export { WhereError } from './tokenize';

type Val = unknown;

function truthy(v: Val): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '');
}

function num(v: Val): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return null;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return null;
}

function compare(op: string, a: Val, b: Val): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) {
    if (op === '==') return a === b;
    if (op === '!=') return a !== b;
    return false;
  }
  let x: number | string | boolean, y: number | string | boolean;
  const na = num(a), nb = num(b);
  if (na !== null && nb !== null && (typeof a === 'number' || typeof b === 'number')) { x = na; y = nb; }
  else if (typeof a === 'boolean' || typeof b === 'boolean') { x = a as boolean; y = b as boolean; if (op !== '==' && op !== '!=') return false; }
  else { x = typeof a === 'object' ? JSON.stringify(a) : String(a); y = typeof b === 'object' ? JSON.stringify(b) : String(b); }
  switch (op) {
    case '==': return x === y;
    case '!=': return x !== y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    default: return x >= y;
  }
}

function evaluate(n: Node, rec: AnyRecord): Val {
  switch (n.k) {
    case 'lit': return n.v;
    case 'field': return getField(rec, n.name);
    case 'not': return !truthy(evaluate(n.a, rec));
    case 'and': return truthy(evaluate(n.a, rec)) && truthy(evaluate(n.b, rec));
    case 'or': return truthy(evaluate(n.a, rec)) || truthy(evaluate(n.b, rec));
    case 'cmp': return compare(n.op, evaluate(n.a, rec), evaluate(n.b, rec));
    case 'match': {
      const v = evaluate(n.a, rec);
      if (v === undefined || v === null) return false;
      const hit = n.re.test(typeof v === 'object' ? JSON.stringify(v) : String(v));
      return n.neg ? !hit : hit;
    }
  }
}

/** Parses EXPR; throws WhereError ("at column N: ...") for a bad one. */
export function compileWhere(src: string): (rec: AnyRecord) => boolean {
  const tree = parse(src);
  return (rec) => truthy(evaluate(tree, rec));
}
