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

// One record at a time: the reader hands a record to banners, which writes its banner at once
// (a banner held by a join or written after an await finds another record here and is written
// whole). Slots, not a WeakMap: a WeakMap entry per record cost a tenth of banners' time in
// sets, gets and the garbage collector's work on them.
let rec0: object | null = null, line0 = '';
let out1: object | null = null, base1: object | null = null, line1 = '', added1: Record<string, unknown> | null = null, tail1 = '';

/** Keeps the line rec was parsed from (the reader: readRecords with keepLinesOf). */
export function keep(rec: object, line: string): void {
  rec0 = rec; line0 = line;
}

/** Whether rec's line is kept. */
export function hasLine(rec: object): boolean {
  return rec === rec0;
}

/** rec's line with tail before its closing brace (what extend and lineOf would give for
 *  { ...rec, ...added }, without building it), or undefined when rec's line is not kept. */
export function lineWith(rec: object, tail: string): string | undefined {
  return rec === rec0 ? line0.slice(0, -1) + tail + '}' : undefined;
}

/** out is rec's fields then added's: written as rec's line with tail before its closing brace. */
export function extend(out: object, rec: object, added: Record<string, unknown>, tail: string): void {
  if (rec !== rec0) return;
  out1 = out; base1 = rec; line1 = line0; added1 = added; tail1 = tail;
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
  if (out !== out1) return undefined;
  const base = base1 as Record<string, unknown>, added = added1!, o = out as Record<string, unknown>;
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
  return line1.slice(0, -1) + tail1 + '}';
}
