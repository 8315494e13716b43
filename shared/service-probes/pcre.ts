// Converts the PCRE patterns of nmap-service-probes to JavaScript RegExp source, or says why it cannot.
//
// Matching runs over the banner as latin1 (one char per byte) without the u flag, so \xHH and
// classes mean bytes as in PCRE. Differences handled here: PCRE '.' matches \r (JS's does not),
// '$' and \Z also match before a final \n, \s is ASCII-only, a leading ']' in a class is literal,
// \0oo octal, \e \a, \x{hh}, [:posix:] classes, (?P<n>...) names, (?#...) comments, leading (?i)
// (?s). Possessive quantifiers become greedy (same matches on nmap's patterns, which use them for
// speed). Not convertible, so the rule is skipped: atomic groups, conditionals, recursion, \G \K
// \Q \R \X \p, inline flags after the start.

/**
 * firstBytes: the bytes a matching banner can start with (null: any); prefix: literal bytes a
 * matching banner must start with (case-sensitive patterns only), checked before running the
 * regex, since most of nmap's rules begin with a long literal like ^HTTP/1\.[01].
 */
export interface Converted { source: string; flags: string; firstBytes: number[] | null; prefix: string }
export type Conversion = Converted | { error: string };

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: '\\t\\n\\v\\f\\r ',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', print: ' -~', graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', blank: ' \\t', word: '\\w',
};

const END_OR_FINAL_NL = '(?=\\n?(?![\\s\\S]))';
const hex2 = (n: number) => '\\x' + n.toString(16).padStart(2, '0');

export function pcreToJs(pattern: string, pcreFlags: string): Conversion {
  let flags = '';
  if (pcreFlags.includes('i')) flags += 'i';
  let dotAll = pcreFlags.includes('s');
  let p = pattern;
  // Leading inline flags apply to the whole pattern: the only place JS can take them.
  // (Also right after a leading ^, where they still cover everything.)
  for (let m = /^(\^?)\(\?([is]+)\)/.exec(p); m; m = /^(\^?)\(\?([is]+)\)/.exec(p)) {
    if (m[2].includes('i') && !flags.includes('i')) flags += 'i';
    if (m[2].includes('s')) dotAll = true;
    p = m[1] + p.slice(m[0].length);
  }
  let out = '';
  let inClass = false, classFirst = false;
  let depth = 0, topAlt = false;
  // First literal byte after a leading ^, for indexing rules by their banner's first byte.
  const prefix: number[] = [];
  let prefixOpen = p.startsWith('^');

  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    let lit: number | null = null;      // a literal byte emitted now (for first-byte indexing)
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) return { error: 'trailing backslash' };
      i++;
      classFirst = false;
      if (n === '0') {
        let j = i + 1, v = 0;
        while (j < p.length && j < i + 3 && /[0-7]/.test(p[j])) v = v * 8 + Number(p[j++]);
        i = j - 1; out += hex2(v); lit = v;
      } else if (n === 'x') {
        if (p[i + 1] === '{') {
          const close = p.indexOf('}', i + 2);
          if (close < 0) return { error: 'bad \\x{}' };
          const v = parseInt(p.slice(i + 2, close), 16);
          if (!(v >= 0 && v <= 0xff)) return { error: '\\x{} above 0xff' };
          out += hex2(v); lit = v; i = close;
        } else {
          const m = /^[0-9a-fA-F]{1,2}/.exec(p.slice(i + 1, i + 3));
          const v = m ? parseInt(m[0], 16) : 0;
          out += hex2(v); lit = v; i += m ? m[0].length : 0;
        }
      } else if (n === 'e') { out += '\\x1b'; lit = 0x1b; }
      else if (n === 'a') { out += '\\x07'; lit = 7; }
      else if (n === 'n' || n === 'r' || n === 't' || n === 'f' || n === 'v') {
        out += '\\' + n; lit = { n: 10, r: 13, t: 9, f: 12, v: 11 }[n]!;
      } else if (n === 's') out += inClass ? '\\t\\n\\v\\f\\r ' : '[\\t\\n\\v\\f\\r ]';
      else if (n === 'S') { if (inClass) return { error: '\\S in a class' }; out += '[^\\t\\n\\v\\f\\r ]'; }
      else if (n === 'h') out += inClass ? ' \\t' : '[ \\t]';
      else if (n === 'd' || n === 'D' || n === 'w' || n === 'W') out += '\\' + n;
      else if (n === 'b' || n === 'B') out += inClass ? (n === 'b' ? '\\x08' : 'B') : '\\' + n;
      else if (n === 'A') { if (inClass) return { error: '\\A in a class' }; out += '^'; }
      else if (n === 'Z') { if (inClass) return { error: '\\Z in a class' }; out += END_OR_FINAL_NL; }
      else if (n === 'z') { if (inClass) return { error: '\\z in a class' }; out += '(?![\\s\\S])'; }
      else if (/[1-9]/.test(n)) { if (inClass) return { error: 'octal escape in a class' }; out += '\\' + n; }
      else if (/[A-Za-z]/.test(n)) return { error: `unsupported escape \\${n}` };
      else { out += '\\' + n; lit = n.charCodeAt(0); }
    } else if (inClass) {
      if (c === ']' && !classFirst) { out += ']'; inClass = false; }
      else if (c === ']') out += '\\]';
      else if (c === '[' && p[i + 1] === ':') {
        const close = p.indexOf(':]', i + 2);
        const name = close < 0 ? '' : p.slice(i + 2, close);
        const neg = name.startsWith('^');
        const cls = POSIX[neg ? name.slice(1) : name];
        if (!cls || neg) return { error: `POSIX class [:${name}:]` };
        out += cls; i = close + 1;
      } else if (c === '[') out += '\\[';
      else out += c;
      classFirst = false;
      if (c === '^' && out.endsWith('[^')) classFirst = true;
      continue;
    } else if (c === '[') {
      inClass = true; classFirst = true; out += '[';
      if (p[i + 1] === '^') { out += '^'; i++; }
    } else if (c === '(') {
      if (p[i + 1] === '?') {
        const rest = p.slice(i + 2, i + 5);
        if (rest.startsWith('#')) { const close = p.indexOf(')', i); if (close < 0) return { error: 'open comment' }; i = close; continue; }
        if (rest.startsWith('P<')) { out += '(?<'; i += 3; depth++; continue; }
        if (rest.startsWith('P=')) {
          const close = p.indexOf(')', i); if (close < 0) return { error: 'bad (?P=' };
          out += `\\k<${p.slice(i + 4, close)}>`; i = close; continue;
        }
        if (!(rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!') || (rest.startsWith('<') && /^<[A-Za-z_]/.test(rest)))) {
          return { error: `group (?${rest[0] ?? ''}` };
        }
      }
      depth++; out += '(';
    } else if (c === ')') { depth--; out += ')'; }
    else if (c === '|') { if (depth === 0) topAlt = true; out += '|'; }
    else if (c === '.') out += dotAll ? '[\\s\\S]' : '[^\\n]';
    else if (c === '$') out += END_OR_FINAL_NL;
    else if ((c === '+' ) && i > 0 && /[*+?}]/.test(p[i - 1]) && p[i - 2] !== '\\' && !out.endsWith('\\+')) {
      // A possessive quantifier: keep the greedy one before it.
      continue;
    } else {
      out += c;
      if (!/[\^*+?{}()|]/.test(c)) lit = c.charCodeAt(0);
    }
    // The literal prefix after a leading ^: literals extend it; a quantifier ends it, taking back
    // the byte it applies to when that byte may be absent (? * {0,...}); anything else ends it.
    if (prefixOpen && i > 0) {
      if (c === '?' || c === '*' || (c === '{' && /^\{0[,}]/.test(p.slice(i, i + 3)))) { prefix.pop(); prefixOpen = false; }
      else if (c === '+' || c === '{') prefixOpen = false;
      else if (lit !== null && !inClass && c !== '[') { if (prefix.length < 32) prefix.push(lit); }
      else prefixOpen = false;
    }
  }
  if (inClass) return { error: 'unterminated class' };
  let firstBytes: number[] | null = null;
  if (topAlt) prefix.length = 0;
  const first = prefix.length ? prefix[0] : null;
  if (first !== null) {
    firstBytes = [first];
    if (flags.includes('i')) {
      const ch = String.fromCharCode(first);
      const u = ch.toUpperCase().charCodeAt(0), l = ch.toLowerCase().charCodeAt(0);
      for (const x of [u, l]) if (x < 256 && !firstBytes.includes(x)) firstBytes.push(x);
    }
  }
  if (dotAll) flags += 's';
  const literal = flags.includes('i') ? '' : String.fromCharCode(...prefix);
  return { source: out, flags, firstBytes, prefix: literal };
}
