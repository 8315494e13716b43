// Fills nmap's version templates (p/ v/ i/ h/ o/ d/ cpe:/) from a match: $1-$9, $P(n), $SUBST(n,"a","b"), $I(n,">").

/** Printable ASCII only, as nmap's $P() keeps. */
function printable(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c >= 0x20 && c < 0x7f) out += s[i]; }
  return out;
}

/** $I(n,">") / $I(n,"<"): the group's bytes as an unsigned big- or little-endian integer. */
function unpack(s: string, endian: string): string {
  if (s.length === 0 || s.length > 8) return '';
  let v = 0n;
  const bytes = Array.from(s, (ch) => BigInt(ch.charCodeAt(0) & 0xff));
  if (endian === '<') bytes.reverse();
  for (const b of bytes) v = (v << 8n) | b;
  return v.toString();
}

const HELPER = /\$(P|SUBST|I)\((\d)(?:,"((?:[^"\\]|\\.)*)"(?:,"((?:[^"\\]|\\.)*)")?)?\)|\$(\d)/g;

/** Substitutes the groups of `m` into one template; unknown helpers are left as written. */
export function fill(template: string, m: ArrayLike<string | undefined>): string {
  const out = template.replace(HELPER, (all, fn: string | undefined, n1: string | undefined, a: string | undefined, b: string | undefined, n2: string | undefined) => {
    const g = (n: string) => m[Number(n)] ?? '';
    if (n2 !== undefined) return g(n2);
    if (fn === 'P') return printable(g(n1!));
    if (fn === 'SUBST' && a !== undefined && b !== undefined) return a === '' ? g(n1!) : g(n1!).split(a).join(b);
    if (fn === 'I' && a !== undefined) return unpack(g(n1!), a);
    return all;
  });
  // Matches hold raw bytes: keep the text printable and bounded like nmap's output.
  return printable(out.replace(/[\r\n\t]/g, ' ')).trim().slice(0, 256);
}
