// A recursive-descent parser for --where: || over && over ! over comparisons over operands.
//   expr := and ('||' and)*      and := not ('&&' not)*      not := '!' not | cmp
//   cmp  := operand (('=='|'!='|'<'|'<='|'>'|'>='|'~'|'!~') operand)?
//   operand := NUMBER | STRING | true | false | null | FIELD | '(' expr ')'
import { Token, tokenize, WhereError } from './tokenize';

export type Node =
  | { k: 'lit'; v: string | number | boolean | null }
  | { k: 'field'; name: string }
  | { k: 'not'; a: Node }
  | { k: 'and' | 'or'; a: Node; b: Node }
  | { k: 'cmp'; op: string; a: Node; b: Node }
  | { k: 'match'; neg: boolean; a: Node; re: RegExp };

const CMP = new Set(['==', '!=', '<', '<=', '>', '>=', '~', '!~']);

export function parse(src: string): Node {
  if (src.trim() === '') throw new WhereError('empty expression', 1);
  const toks = tokenize(src);
  let i = 0;
  const peek = (): Token => toks[i];
  const isOp = (t: Token, o: string) => t.kind === 'op' && t.text === o;

  function expr(): Node {
    let a = and();
    while (isOp(peek(), '||')) { i++; a = { k: 'or', a, b: and() }; }
    return a;
  }
  function and(): Node {
    let a = not();
    while (isOp(peek(), '&&')) { i++; a = { k: 'and', a, b: not() }; }
    return a;
  }
  function not(): Node {
    if (isOp(peek(), '!')) { i++; return { k: 'not', a: not() }; }
    return cmp();
  }
  function cmp(): Node {
    const a = operand();
    const t = peek();
    if (t.kind !== 'op' || !CMP.has(t.text)) return a;
    i++;
    if (t.text === '~' || t.text === '!~') {
      const r = peek();
      if (r.kind !== 'str') throw new WhereError(`'${t.text}' needs a "regular expression" string on its right, got ${r.text}`, r.col);
      i++;
      let re: RegExp;
      try { re = new RegExp(r.value as string); } catch (e) { throw new WhereError(`bad regular expression: ${(e as Error).message}`, r.col); }
      return { k: 'match', neg: t.text === '!~', a, re };
    }
    return { k: 'cmp', op: t.text, a, b: operand() };
  }
  function operand(): Node {
    const t = peek();
    if (t.kind === 'num' || t.kind === 'str') { i++; return { k: 'lit', v: t.value! }; }
    if (t.kind === 'ident') {
      i++;
      if (t.text === 'true') return { k: 'lit', v: true };
      if (t.text === 'false') return { k: 'lit', v: false };
      if (t.text === 'null') return { k: 'lit', v: null };
      return { k: 'field', name: t.text };
    }
    if (t.kind === '(') {
      i++;
      const e = expr();
      if (peek().kind !== ')') throw new WhereError(`expected ')' to close the '(' at column ${t.col}, got ${peek().text}`, peek().col);
      i++;
      return e;
    }
    throw new WhereError(`expected a field, number or string, got ${t.text}`, t.col);
  }

  const n = expr();
  if (peek().kind !== 'end') throw new WhereError(`unexpected ${peek().text} after a complete expression`, peek().col);
  return n;
}
