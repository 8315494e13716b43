// A record's input line, kept so that the record passed on with fields appended is written as
// that line plus the JSON of the new fields instead of JSON.stringify of every field (a banner's
// base64 data is most of its record, and the JSON of the fields of a repeated answer is made
// once: shared/parsers/banner-memo.ts).
//
// The contract: keep(rec, line) only for a record JSON.parse made from exactly that line and
// nobody changes afterwards; extend(out, rec, added, tail) only for out = { ...rec, ...added }
// (rec's keys first, in rec's order, then added's) and tail = the JSON of added without its
// braces, after a comma. lineOf(out) checks, when it is asked, that out still holds exactly those
// keys and values (a key set again, as banners' `complete`, or one more, makes it give up), so
// what it returns parses to the same record JSON.stringify(out) would write. The line's own
// spelling of rec's fields is kept (spacing, escapes, number forms): readers see the same values.

interface Kept { line: string; base: object | null; added: Record<string, unknown> | null; tail: string }

const kept = new WeakMap<object, Kept>();

/** Keeps the line rec was parsed from (the reader: readRecords with keepLinesOf). */
export function keep(rec: object, line: string): void {
  kept.set(rec, { line, base: null, added: null, tail: '' });
}

/** Whether rec's line was kept (and rec is not itself an extension). */
export function hasLine(rec: object): boolean {
  const k = kept.get(rec);
  return k !== undefined && k.base === null;
}

/** out is rec's fields then added's: written as rec's line with tail before its closing brace. */
export function extend(out: object, rec: object, added: Record<string, unknown>, tail: string): void {
  const k = kept.get(rec);
  if (k && k.base === null) kept.set(out, { line: k.line, base: rec, added, tail });
}

/** The keys and values of out after those of rec, or null when out does not start with rec's. */
export function after(out: object, rec: object): Record<string, unknown> | null {
  const base = rec as Record<string, unknown>, o = out as Record<string, unknown>;
  const have = Object.keys(base), keys = Object.keys(out);
  if (keys.length < have.length) return null;
  for (let i = 0; i < have.length; i++) {
    const key = have[i];
    if (keys[i] !== key || o[key] !== base[key]) return null;
  }
  const added: Record<string, unknown> = {};
  for (let i = have.length; i < keys.length; i++) added[keys[i]] = o[keys[i]];
  return added;
}

/** The line for out (without its newline), or undefined when out has none or changed since. */
export function lineOf(out: object): string | undefined {
  const k = kept.get(out);
  if (!k || k.base === null || k.added === null) return undefined;
  const base = k.base as Record<string, unknown>, added = k.added, o = out as Record<string, unknown>;
  const have = Object.keys(base), more = Object.keys(added), keys = Object.keys(out);
  if (keys.length !== have.length + more.length) return undefined;
  for (let i = 0; i < have.length; i++) {
    const key = have[i];
    if (keys[i] !== key || o[key] !== base[key]) return undefined;
  }
  for (let i = 0, j = have.length; i < more.length; i++, j++) {
    const key = more[i];
    if (keys[j] !== key || o[key] !== added[key]) return undefined;
  }
  return k.line.slice(0, -1) + k.tail + '}';
}
