// Tokens of the --where filter language; every token keeps its column for error messages.
export type TokKind = 'num' | 'str' | 'ident' | 'op' | '(' | ')' | 'end';

export interface Token { kind: TokKind; text: string; value?: string | number; col: number }

export class WhereError extends Error {
  constructor(msg: string, public col: number) { super(`at column ${col}: ${msg}`); }
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '!~', '<', '>', '!', '~'];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const col = i + 1;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ kind: c, text: c, col }); i++; continue; }
    if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw new WhereError(`unterminated string starting with ${c}`, col);
        const d = src[j];
        if (d === c) break;
        if (d === '\\') {
          const e = src[j + 1];
          if (e === undefined) throw new WhereError('unterminated string', col);
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          j += 2;
          continue;
        }
        s += d; j++;
      }
      out.push({ kind: 'str', text: src.slice(i, j + 1), value: s, col });
      i = j + 1;
      continue;
    }
    const num = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== '-' || !out.length || out[out.length - 1].kind === 'op' || out[out.length - 1].kind === '(')) {
      out.push({ kind: 'num', text: num[0], value: Number(num[0]), col });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i));
    if (id) { out.push({ kind: 'ident', text: id[0], col }); i += id[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) { out.push({ kind: 'op', text: op, col }); i += op.length; continue; }
    if (c === '=' ) throw new WhereError("'=' is not an operator; use '=='", col);
    if (c === '&' || c === '|') throw new WhereError(`'${c}' is not an operator; use '${c}${c}'`, col);
    throw new WhereError(`unexpected character '${c}'`, col);
  }
  out.push({ kind: 'end', text: 'end of expression', col: src.length + 1 });
  return out;
}
