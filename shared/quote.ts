// Strings shown to people: control characters made inert, excerpts of input cut short and at a
// code point (a lone surrogate is invalid in strict JSON and XML).

// C0 controls (ESC, CR, ...), DEL and the C1 controls (CSI is 0x9b) that terminals obey.
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/** s with every control character shown as \xNN, so it prints as one inert line. */
export function printable(s: string): string {
  if (!CONTROL.test(s)) return s;
  return s.replace(CONTROLS, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** s cut to at most max UTF-16 units without splitting a surrogate pair. */
export function cutAtCodePoint(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/** A short, printable excerpt of an input for a message: at most max characters, then "...". */
export function quoteInput(s: string, max = 60): string {
  const cut = cutAtCodePoint(s, max);
  return printable(cut) + (cut.length < s.length ? '...' : '');
}
